#!/usr/bin/env bash
# tests/bench/image.sh - `cr run --rm IMAGE true` against podman and a bare bundle.
#
#   ./build.sh bench image      (or: CR=out/cr bash tests/bench/image.sh)
#
# Image: Debian's busybox-static as one gzip layer (Cmd /bin/sh), pushed by
# skopeo to a docker-registry on 127.0.0.1 started here, pulled once by cr
# and by podman into their own temp stores. Then, BENCH_IMAGE_N times each
# (default 30, in blocks of 5 with the order rotated; the first of every
# block is a warm-up):
#   cr-image       cr run --rm --network none IMAGE true
#   cr-bundle      cr run --bundle B ID, B = the same busybox rootfs with the
#                  config cr writes for that image (Docker's defaults)
#   podman-runc    podman run --rm --network none IMAGE true, runtime runc
#   podman-crun    the same with crun
#   cr-bridge      cr run --rm IMAGE true (bridge, cr's default)
#   podman-bridge  podman run --rm IMAGE true (its default bridge, CNI here), runc
# Everything runs in a private mount namespace with the hybrid host's
# /sys/fs/cgroup/unified unmounted (crun 1.8 refuses hybrid cgroups), and in
# a network namespace made here, so both bridges live and die with it.
# Podman here needs --ulimit nofile/nproc (the sandbox cannot raise hard
# limits) and the cgroupfs manager. Everything started is stopped by PID,
# every temp dir removed.
# Output ends with:
#   bench-image: cr-image/podman-runc=.. cr-image/podman-crun=.. cr-image/cr-bundle=..
#   bench-net: bridge setup cr=.. ms podman=.. ms ..
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_IMAGE_N:-30}
BLOCK=5
die() { printf 'bench-image: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_IMAGE_N "$N"
bench_enter podman:/usr/bin/podman crun:/usr/bin/crun runc:/usr/sbin/runc skopeo:/usr/bin/skopeo \
    docker-registry:/usr/bin/docker-registry busybox-static:/bin/busybox jq:/usr/bin/jq -- "$@"

grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo && umount /sys/fs/cgroup/unified
TMP=$(mktemp -d /tmp/cr-bench-image.XXXXXX)
REG_PID=
NETNS=cr-bench-$$
cleanup() {
    [[ -n $REG_PID ]] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
    for d in "$TMP"/state/cr/*; do [[ -d $d ]] && "$CR" --root "$TMP/state/cr" delete -f "${d##*/}" >/dev/null 2>&1; done
    if [[ -d $TMP/podman ]]; then
        podman_x runc rm -af >/dev/null 2>&1
        podman_x runc system reset -f >/dev/null 2>&1
    fi
    ip netns del "$NETNS" 2>/dev/null
}
bench_cleanup_on_exit cleanup

# ---- the image, in a registry
R=$TMP/rootfs
bench_busybox_rootfs "$R" sh true
L=$TMP/layout
mkdir -p "$L/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
(cd "$R" && find . -mindepth 1 -printf '%P\n' | sort | tar --no-recursion --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$TMP/l.tar" -T -)
diff=sha256:$(sha256sum "$TMP/l.tar" | cut -d' ' -f1)
gzip -n -c "$TMP/l.tar" >"$TMP/l.tgz"
put() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$L/blobs/sha256/$h"; jq -cn --arg m "$2" --arg d "sha256:$h" --argjson s "$(stat -c %s "$1")" '{mediaType:$m,digest:$d,size:$s}'; }
layer=$(put "$TMP/l.tgz" application/vnd.oci.image.layer.v1.tar+gzip)
jq -cn --arg d "$diff" '{architecture:"amd64",os:"linux",config:{Env:["PATH=/bin"],Cmd:["/bin/sh"]},rootfs:{type:"layers",diff_ids:[$d]}}' >"$TMP/cfg"
cfg=$(put "$TMP/cfg" application/vnd.oci.image.config.v1+json)
jq -cn --argjson c "$cfg" --argjson l "$layer" '{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",config:$c,layers:[$l]}' >"$TMP/man"
man=$(put "$TMP/man" application/vnd.oci.image.manifest.v1+json)
jq -cn --argjson m "$man" '{schemaVersion:2,manifests:[$m + {annotations:{"org.opencontainers.image.ref.name":"latest"}}]}' >"$L/index.json"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/reg"
cat >"$TMP/reg/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: "$TMP/reg/data"}}
http: {addr: "127.0.0.1:$PORT", secret: bench}
EOF
docker-registry serve "$TMP/reg/config.yml" >"$TMP/reg/log" 2>&1 </dev/null &
REG_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
IMG=127.0.0.1:$PORT/bench/busybox:latest
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TMP/policy.json"
skopeo --policy "$TMP/policy.json" copy -q --dest-tls-verify=false "oci:$L:latest" "docker://$IMG" || die "skopeo push failed"

# ---- the contenders, in a network namespace of their own
ip netns add "$NETNS" || die "cannot make a network namespace"
ip netns exec "$NETNS" ip link set lo up
in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
S=$TMP/store
mkdir -p "$TMP/state/cr"
crx() { in_ns "$CR" --root "$TMP/state/cr" --storage "$S" "$@"; }
"$CR" --storage "$S" pull -q "$IMG" >/dev/null || die "cr pull failed"
cat >"$TMP/registries.conf" <<EOF
[[registry]]
location = "127.0.0.1:$PORT"
insecure = true
EOF
podman_x() { # RUNTIME ARGS...
    local rt=$1
    shift
    CONTAINERS_REGISTRIES_CONF=$TMP/registries.conf in_ns podman --root "$TMP/podman/root" --runroot "$TMP/podman/run" \
        --cgroup-manager cgroupfs --events-backend file --runtime "$rt" "$@"
}
podman_x runc pull -q "$IMG" >/dev/null 2>"$TMP/err" ||
    { CONTAINERS_REGISTRIES_CONF=$TMP/registries.conf podman --root "$TMP/podman/root" --runroot "$TMP/podman/run" \
        --cgroup-manager cgroupfs --events-backend file pull -q "$IMG" >/dev/null || die "podman pull failed"; }

# the bundle: the same rootfs, the config cr makes for the image
crx run --network none --name probe "$IMG" true
B=$TMP/bundle
mkdir -p "$B"
cp -a "$R" "$B/rootfs"
jq --arg r "$B/rootfs" '.root.path = $r | .process.args = ["/bin/true"] | del(.mounts[] | select(.destination | startswith("/etc/")))' \
    "$S/containers/probe/config.json" >"$B/config.json"
crx rm probe >/dev/null

CONTENDERS=(cr-image cr-bundle podman-runc podman-crun cr-bridge podman-bridge)
PODMAN_RUN=(run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
one() { # CONTENDER K
    case $1 in
    cr-image) crx run --rm --network none "$IMG" true ;;
    cr-bundle) crx run --bundle "$B" "b$2" ;;
    cr-bridge) crx run --rm "$IMG" true ;;
    podman-bridge) podman_x runc "${PODMAN_RUN[@]}" "$IMG" true ;;
    podman-*) podman_x "${1#podman-}" "${PODMAN_RUN[@]}" --network none "$IMG" true ;;
    esac
}
for c in "${CONTENDERS[@]}"; do : >"$TMP/t-$c"; done
k=0
for ((r = 0; r * (BLOCK - 1) < N; r++)); do
    for ((i = 0; i < ${#CONTENDERS[@]}; i++)); do
        c=${CONTENDERS[(r + i) % ${#CONTENDERS[@]}]}
        for ((j = 0; j < BLOCK; j++)); do
            k=$((k + 1))
            bench_now; t0=$REPLY
            one "$c" "$k" >/dev/null 2>"$TMP/err" </dev/null || { cat "$TMP/err" >&2; die "$c failed"; }
            bench_now
            ((j)) && echo $((REPLY - t0)) >>"$TMP/t-$c"
        done
    done
done

declare -A M
echo "bench-image: $(wc -l <"$TMP/t-cr-image") timed runs each; $(nproc) CPUs; kernel $(uname -r)"
printf '  %-12s %s\n' cr "$("$CR" --version | head -1)" podman "$(podman --version)" runc "$(runc --version | head -1)" crun "$(crun --version | head -1)"
for c in "${CONTENDERS[@]}"; do
    M[$c]=$(bench_mean "$TMP/t-$c")
    printf '  %-12s %8s ms mean\n' "$c" "${M[$c]}"
done
printf 'bench-image: cr-image/podman-runc=%s cr-image/podman-crun=%s cr-image/cr-bundle=%s\n' \
    "$(bench_ratio "${M[cr-image]}" "${M[podman-runc]}")" "$(bench_ratio "${M[cr-image]}" "${M[podman-crun]}")" \
    "$(bench_ratio "${M[cr-image]}" "${M[cr-bundle]}")"
printf 'bench-net: bridge setup+teardown over --network none: cr=%s ms podman=%s ms (cr-bridge/podman-bridge=%s)\n' \
    "$(awk -v a="${M[cr-bridge]}" -v b="${M[cr-image]}" 'BEGIN {printf "%.2f", a-b}')" \
    "$(awk -v a="${M[podman-bridge]}" -v b="${M[podman-runc]}" 'BEGIN {printf "%.2f", a-b}')" \
    "$(bench_ratio "${M[cr-bridge]}" "${M[podman-bridge]}")"
