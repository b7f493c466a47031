#!/usr/bin/env bash
# tests/bench/push.sh - cr push against podman push, in the same run, to
# docker-registry instances on 127.0.0.1 (plain http) that this script
# starts: a fresh one (empty storage, new port) for every push, so that no
# blob is there already and no client's cache can mount or skip one.
#
#   ./build.sh bench push       (or: CR=out/cr bash tests/bench/push.sh)
#
# Image: pull.sh's gzip variant (five layers, about 200 MB of gzip, 580 MB
# of tar; built and cached by pull.sh, see there), put into cr's store with
# `cr pull oci:` and into podman's (overlay) with skopeo (containers-storage:).
# Each round, in rotated order, one timed push each:
#   cr        cr --storage DIR push -q IMAGE REG/bench/img:1
#             (the stored gzip blobs, as they are)
#   podman    podman push -q --tls-verify=false IMAGE docker://REG/bench/img:1
#             (its storage holds the layers unpacked: it makes gzip blobs again,
#             as every push from podman's storage does)
# Output: a table of medians (and every run), then one line:
#   bench: push cr/podman=0.05
#
# Environment: CR (default $PWD/out/cr), BENCH_PUSH_N (rounds, default 3),
# CR_NO_APT=1 (never install packages). Runs as root. The registries are
# stopped by their pids, podman's mounts and every temp dir removed on exit.
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_PUSH_N:-3}
HERE=$(dirname "${BASH_SOURCE[0]}")

die() { printf 'bench push: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_PUSH_N "$N"
[[ $EUID -eq 0 ]] || die "must run as root (podman with a private storage)"
[[ -x $CR ]] || die "no cr binary at $CR (run ./build.sh first)"
CR=$(readlink -f "$CR")

bench_need_packages docker-registry:/usr/bin/docker-registry podman:/usr/bin/podman skopeo:/usr/bin/skopeo jq:/usr/bin/jq \
    python3:/usr/bin/python3 curl:/usr/bin/curl

LAYOUTS=$(BENCH_PULL_LAYOUTS_ONLY=1 CR=$CR bash "$HERE/pull.sh") || die "pull.sh could not make the image"
TMP=$(mktemp -d /tmp/cr-bench-push.XXXXXX)
REG_PID=

reg_stop() {
    if [[ -n $REG_PID ]] && tr '\0' '\n' <"/proc/$REG_PID/cmdline" 2>/dev/null | grep -qxF "$TMP/registry.yml"; then
        kill -TERM "$REG_PID" 2>/dev/null || true
        wait "$REG_PID" 2>/dev/null || true
    fi
    REG_PID=
    rm -rf "$TMP/registry"
}
cleanup() {
    trap - EXIT INT TERM
    reg_stop
    bench_umount_under "$TMP/"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

reg_start() { # a fresh registry: sets REG
    bench_registry_start registry REG REG_PID
}

pm() {
    podman --root "$TMP/pm/root" --runroot "$TMP/pm/run" --storage-driver overlay --events-backend none \
        --cgroup-manager cgroupfs "$@"
}

# the image in both stores (not timed)
"$CR" --storage "$TMP/store" pull -q "oci:$LAYOUTS/gzip:bench" >/dev/null || die "cr pull oci: failed"
CR_IMAGE=localhost/gzip:bench
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TMP/policy.json"
skopeo --policy "$TMP/policy.json" copy -q "oci:$LAYOUTS/gzip:bench" \
    "containers-storage:[overlay@$TMP/pm/root+$TMP/pm/run]localhost/bench/img:src" || die "skopeo copy into podman's storage failed"

push_cr() { "$CR" --storage "$TMP/store" push -q "$CR_IMAGE" "$REG/bench/img:1"; }
push_podman() { pm push -q --tls-verify=false localhost/bench/img:src "docker://$REG/bench/img:1"; }

TOOLS=(cr podman)
run_one() { # TOOL -> appends ms to $TMP/t-TOOL
    local tool=$1 t0 t1
    reg_start
    sync
    bench_now; t0=$REPLY
    if ! "push_$tool" >"$TMP/out" 2>&1; then
        sed 's/^/  /' "$TMP/out" >&2
        die "$tool push failed"
    fi
    bench_now; t1=$REPLY
    echo $(((t1 - t0) / 1000)) >>"$TMP/t-$tool"
    reg_stop
}

MAN=$LAYOUTS/gzip/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$LAYOUTS/gzip/index.json")
printf 'bench push: %s rounds, image of %s layers, %s MB of gzip\n' "$N" "$(jq '.layers | length' "$MAN")" \
    "$(jq '[.layers[].size] | add / 1e6 | floor' "$MAN")"
printf '  cr %s; %s; %s\n' "$("$CR" --version | head -n1)" "$(podman --version)" "$(docker-registry --version 2>&1 | head -n1)"
printf '  kernel %s, %s CPUs; registries and stores on %s\n' "$(uname -r)" "$(nproc)" "$(stat -f -c %T "$TMP")"
for tool in "${TOOLS[@]}"; do : >"$TMP/t-$tool"; done
run_one cr # warm-up: the blobs into the page cache
: >"$TMP/t-cr"
for ((r = 0; r < N; r++)); do
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do run_one "${TOOLS[(r + k) % ${#TOOLS[@]}]}"; done
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {if (!NR) print "n/a"; else print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
echo
printf '%-8s %10s   %s\n' tool "median ms" "runs (ms)"
declare -A MED
for tool in "${TOOLS[@]}"; do
    MED[$tool]=$(median "$TMP/t-$tool")
    printf '%-8s %10s   %s\n' "$tool" "${MED[$tool]}" "$(tr '\n' ' ' <"$TMP/t-$tool")"
done
echo
awk -v a="${MED[cr]}" -v b="${MED[podman]}" 'BEGIN {printf "bench: push cr/podman=%s\n", (b + 0 > 0) ? sprintf("%.2f", a / b) : "n/a"}'
