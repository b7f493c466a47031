#!/usr/bin/env bash
# tests/bench/verbs.sh - `exec` and `start` of image containers: cr against
# podman and docker, in the same run.
#
#   ./build.sh bench verbs      (or: CR=out/cr bash tests/bench/verbs.sh)
#
# Image: Debian's busybox-static as one layer, an OCI layout made here;
# cr pulls it from the layout (oci:DIR), podman pulls the same layout,
# docker imports the same rootfs tar. Each engine gets one running container
# (bc: sleep, --network none) and one stopped container (bs: /bin/true). Then,
# BENCH_VERBS_N times each (default 30, in blocks of 5 with the order
# rotated; the first of every block is a warm-up):
#   exec    ENGINE exec bc true                 (to completion)
#   start   ENGINE start bs                     (returns once it runs; the
#           exit of /bin/true is waited for, untimed, before the next one)
# Engines: cr (its monitor), podman (runtime crun, cgroupfs, its own temp
# root), docker (a dockerd started here with its own containerd, data root,
# exec root and socket in a temp dir, vfs, no bridge or iptables; runtime
# runc, its default). Everything runs in a private mount namespace with the
# hybrid host's /sys/fs/cgroup/unified unmounted (crun 1.8 refuses hybrid
# cgroups). Daemons are stopped by PID, temp dirs removed.
# Output ends with:
#   bench-verbs: exec cr/podman=.. cr/docker=.. start cr/podman=.. cr/docker=..
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_VERBS_N:-30}
BLOCK=5
die() { printf 'bench-verbs: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_VERBS_N "$N"
bench_enter podman:/usr/bin/podman crun:/usr/bin/crun runc:/usr/sbin/runc docker.io:/usr/sbin/dockerd \
    containerd:/usr/bin/containerd busybox-static:/bin/busybox jq:/usr/bin/jq -- "$@"

grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo && umount /sys/fs/cgroup/unified
# lower case: podman names the image after the layout's path
TMP=/tmp/cr-bench-verbs.$$
mkdir -m 700 "$TMP" || die "cannot make $TMP"
PIDS=()
cleanup() {
    local p
    crx rm -f bc bs >/dev/null 2>&1
    [[ -S $TMP/docker.sock ]] && dkx rm -f bc bs >/dev/null 2>&1
    [[ -d $TMP/podman ]] && { pmx rm -af >/dev/null 2>&1; pmx system reset -f >/dev/null 2>&1; }
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
}
bench_cleanup_on_exit cleanup

# ---- the image: a rootfs, its tar, an OCI layout of it
R=$TMP/rootfs
bench_busybox_rootfs "$R" sh true sleep
(cd "$R" && find . -mindepth 1 -printf '%P\n' | sort | tar --no-recursion --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$TMP/l.tar" -T -)
L=$TMP/layout
mkdir -p "$L/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
blob() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$L/blobs/sha256/$h"; jq -cn --arg m "$2" --arg d "sha256:$h" --argjson s "$(stat -c %s "$1")" '{mediaType:$m,digest:$d,size:$s}'; }
lay=$(blob "$TMP/l.tar" application/vnd.oci.image.layer.v1.tar)
jq -cn --arg d "sha256:$(sha256sum "$TMP/l.tar" | cut -d' ' -f1)" \
    '{architecture:"amd64",os:"linux",config:{Env:["PATH=/bin"],Cmd:["/bin/sh"]},rootfs:{type:"layers",diff_ids:[$d]}}' >"$TMP/cfg"
cfg=$(blob "$TMP/cfg" application/vnd.oci.image.config.v1+json)
jq -cn --argjson c "$cfg" --argjson l "$lay" '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:$c,layers:[$l]}' >"$TMP/man"
man=$(blob "$TMP/man" application/vnd.oci.image.manifest.v1+json)
jq -cn --argjson m "$man" '{schemaVersion:2,manifests:[$m + {annotations:{"org.opencontainers.image.ref.name":"latest"}}]}' >"$L/index.json"

# ---- the engines
crx() { "$CR" --root "$TMP/cr/state" --storage "$TMP/cr/store" "$@"; }
pmx() { podman --root "$TMP/podman/root" --runroot "$TMP/podman/run" --cgroup-manager cgroupfs --events-backend file --runtime crun "$@"; }
dkx() { DOCKER_CONFIG=$TMP/dkcli docker -H "unix://$TMP/docker.sock" "$@"; }
crx pull -q "oci:$L:latest" >/dev/null || die "cr pull failed"
CR_IMG=localhost/layout:latest
pmx pull -q "oci:$L:latest" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; die "podman pull failed"; }
PM_IMG=$(pmx images -q | head -1)

mkdir -p "$TMP/ctd/root" "$TMP/ctd/state" "$TMP/dkcli"
cat >"$TMP/ctd/config.toml" <<EOF
version = 2
root = "$TMP/ctd/root"
state = "$TMP/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$TMP/ctd/sock"
EOF
setsid containerd --config "$TMP/ctd/config.toml" </dev/null >"$TMP/ctd/log" 2>&1 &
PIDS+=($!)
cat >"$TMP/daemon.json" <<EOF
{"data-root": "$TMP/dk/data", "exec-root": "$TMP/dk/exec", "pidfile": "$TMP/dk/pid", "hosts": ["unix://$TMP/docker.sock"],
 "containerd": "$TMP/ctd/sock", "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
 "bridge": "none", "storage-driver": "vfs", "exec-opts": ["native.cgroupdriver=cgroupfs"],
 "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024}}}
EOF
for _ in $(seq 100); do [[ -S $TMP/ctd/sock ]] && break; sleep 0.1; done
setsid dockerd --config-file "$TMP/daemon.json" </dev/null >"$TMP/dockerd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do dkx version >/dev/null 2>&1 && break; sleep 0.1; done
dkx version >/dev/null 2>&1 || { tail -n 20 "$TMP/dockerd.log" >&2; die "dockerd did not come up"; }
dkx import - bench/busybox:1 <"$TMP/l.tar" >/dev/null || die "docker import failed"

crx run -d --network none --name bc "$CR_IMG" sleep 100000 >/dev/null
crx run --network none --name bs "$CR_IMG" true >/dev/null
pmx run -d --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --name bc "$PM_IMG" sleep 100000 >/dev/null
pmx run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --name bs "$PM_IMG" true >/dev/null
dkx run -d --network none --name bc bench/busybox:1 sleep 100000 >/dev/null
dkx run --network none --name bs bench/busybox:1 true >/dev/null

ENGINES=(cr podman docker)
declare -A X=([cr]=crx [podman]=pmx [docker]=dkx)
for v in exec start; do for e in "${ENGINES[@]}"; do : >"$TMP/t-$v-$e"; done; done
for v in exec start; do
    for ((r = 0; r * (BLOCK - 1) < N; r++)); do
        for ((i = 0; i < ${#ENGINES[@]}; i++)); do
            e=${ENGINES[(r + i) % ${#ENGINES[@]}]}
            for ((j = 0; j < BLOCK; j++)); do
                bench_now; t0=$REPLY
                if [[ $v == exec ]]; then
                    ${X[$e]} exec bc true >/dev/null 2>"$TMP/err" </dev/null || { cat "$TMP/err" >&2; die "$e exec failed"; }
                else
                    ${X[$e]} start bs >/dev/null 2>"$TMP/err" </dev/null || { cat "$TMP/err" >&2; die "$e start failed"; }
                fi
                bench_now
                ((j)) && echo $((REPLY - t0)) >>"$TMP/t-$v-$e"
                [[ $v == start ]] && ${X[$e]} wait bs >/dev/null 2>&1 </dev/null
            done
        done
    done
done

declare -A M
echo "bench-verbs: $(wc -l <"$TMP/t-exec-cr") timed runs each; $(nproc) CPUs; kernel $(uname -r)"
printf '  %-8s %s\n' cr "$("$CR" --version | head -1)" podman "$(podman --version)" docker "$(dkx version -f '{{.Server.Version}}')"
for v in exec start; do
    for e in "${ENGINES[@]}"; do
        M[$v-$e]=$(bench_mean "$TMP/t-$v-$e")
        printf '  %-6s %-8s %8s ms mean\n' "$v" "$e" "${M[$v-$e]}"
    done
done
printf 'bench-verbs: exec cr/podman=%s cr/docker=%s start cr/podman=%s cr/docker=%s\n' \
    "$(bench_ratio "${M[exec-cr]}" "${M[exec-podman]}")" "$(bench_ratio "${M[exec-cr]}" "${M[exec-docker]}")" \
    "$(bench_ratio "${M[start-cr]}" "${M[start-podman]}")" "$(bench_ratio "${M[start-cr]}" "${M[start-docker]}")"
