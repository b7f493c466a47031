#!/usr/bin/env bash
# tests/bench/serve.sh - `docker run --rm IMAGE true` (the docker CLI of
# Debian's docker.io) against cr serve, dockerd (runc, with its own
# containerd) and `podman system service`, in one run; and the RSS of each
# server once idle.
#
#   ./build.sh bench serve   (or: CR=out/cr bash tests/bench/serve.sh)
#
# Each server runs on a unix socket in a temp dir with its state and
# storage there; the image is a busybox-static rootfs named
# localhost/busybox:1 in each (cr: pulled from an OCI layout; dockerd and
# podman: imported). Containers run with --network none and --ulimit
# nofile=1024:1024 --ulimit nproc=1024:1024 (podman's defaults are above
# what this host allows); podman uses runc (crun 1.8 refuses hybrid
# cgroups). BENCH_N runs per server (default 20), the servers taking turns. Everything is removed on exit.
# Output: a table, then `bench: serve run cr/dockerd=R cr/podman=R rss cr=KiB`.
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_N:-20}
DOCKER=/usr/bin/docker
T=$(mktemp -d /tmp/cr-bench-serve.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.5
    bench_umount_under "$T/"
    rm -rf "$T" 2>/dev/null || true
}
trap cleanup EXIT

wait_sock() { for _ in $(seq 300); do DOCKER_HOST=unix://$1 $DOCKER version >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no server on $1" >&2; return 1; }

# the image: a busybox-static rootfs
bench_busybox_rootfs "$T/rootfs" sh true echo
tar --numeric-owner -C "$T/rootfs" -cf "$T/rootfs.tar" .
o=$T/busybox
mkdir -p "$o/blobs/sha256"
l=$(sha256sum "$T/rootfs.tar" | cut -d' ' -f1); cp "$T/rootfs.tar" "$o/blobs/sha256/$l"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$l" >"$T/cfg"
c=$(sha256sum "$T/cfg" | cut -d' ' -f1); cp "$T/cfg" "$o/blobs/sha256/$c"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$c" "$(stat -c %s "$T/cfg")" "$l" "$(stat -c %s "$T/rootfs.tar")" >"$T/man"
m=$(sha256sum "$T/man" | cut -d' ' -f1); cp "$T/man" "$o/blobs/sha256/$m"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
    "$m" "$(stat -c %s "$T/man")" >"$o/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"

# cr serve
"$CR" --storage "$T/cr/store" pull -q "oci:$o:1" >/dev/null
setsid "$CR" --root "$T/cr/state" --storage "$T/cr/store" serve --socket "$T/cr.sock" </dev/null >"$T/cr.log" 2>&1 &
PIDS+=($!); CRPID=$!
# dockerd with runc (it starts its own containerd)
mkdir -p "$T/dk"
cat >"$T/dk/daemon.json" <<JSON
{"data-root": "$T/dk/data", "exec-root": "$T/dk/exec", "pidfile": "$T/dk/pid", "hosts": ["unix://$T/dk.sock"],
 "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false, "bridge": "none",
 "storage-driver": "overlay2", "exec-opts": ["native.cgroupdriver=cgroupfs"]}
JSON
setsid dockerd --config-file "$T/dk/daemon.json" </dev/null >"$T/dk.log" 2>&1 &
PIDS+=($!); DKPID=$!
# podman system service (with runc)
setsid podman --root "$T/pm/root" --runroot "$T/pm/run" --runtime runc --cgroup-manager cgroupfs --events-backend file \
    system service --time=0 "unix://$T/pm.sock" </dev/null >"$T/pm.log" 2>&1 &
PIDS+=($!); PMPID=$!
wait_sock "$T/cr.sock"; wait_sock "$T/dk.sock"; wait_sock "$T/pm.sock"
DOCKER_HOST=unix://$T/dk.sock $DOCKER import "$T/rootfs.tar" localhost/busybox:1 >/dev/null
DOCKER_HOST=unix://$T/pm.sock $DOCKER import "$T/rootfs.tar" localhost/busybox:1 >/dev/null

declare -A SOCK=([cr]=$T/cr.sock [dockerd]=$T/dk.sock [podman]=$T/pm.sock) TOTAL=([cr]=0 [dockerd]=0 [podman]=0)
one() { DOCKER_HOST=unix://${SOCK[$1]} $DOCKER run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/busybox:1 true || { echo "docker run against $1 failed" >&2; grep -i error "$T/$(case $1 in cr) echo cr ;; dockerd) echo dk ;; *) echo pm ;; esac).log" | tail -3 >&2; return 1; }; }
SERVERS=()
for s in cr dockerd podman; do one "$s" && one "$s" && SERVERS+=("$s"); done   # warm-up; a server that fails is left out
for ((i = 0; i < N; i++)); do
    for s in "${SERVERS[@]}"; do
        t0=$(date +%s%N); one "$s"; t1=$(date +%s%N)
        TOTAL[$s]=$((TOTAL[$s] + (t1 - t0) / 1000))
    done
done
sleep 2   # idle
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf '%-10s %14s %12s\n' server "run --rm (ms)" "idle RSS KiB"
for s in "${SERVERS[@]}"; do
    case $s in cr) p=$CRPID ;; dockerd) p=$DKPID ;; podman) p=$PMPID ;; esac
    printf '%-10s %14s %12s\n' "$s" "$(awk -v t="${TOTAL[$s]}" -v n="$N" 'BEGIN { printf "%.1f", t / n / 1000 }')" "$(rss "$p")"
done
echo "(dockerd's RSS leaves out its containerd; podman's service runs conmon per container)"
ratio() { awk -v a="${TOTAL[cr]}" -v b="${TOTAL[$1]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
printf 'bench: serve run cr/dockerd=%s cr/podman=%s rss cr=%s KiB\n' "$(ratio dockerd)" "$(ratio podman)" "$(rss "$CRPID")"
