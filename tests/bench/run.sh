#!/usr/bin/env bash
# tests/bench/run.sh - cr against crun and runc, in the same run; then image
# runs and pulls.
#
#   ./build.sh bench [runtime|image|verbs|pull|push|serve|build]   (or: CR=out/cr bash tests/bench/run.sh [PART])
#
# Without a PART all run: this runtime part, then tests/bench/image.sh (cr
# run IMAGE against podman run and a bare bundle, and the bridge's cost),
# tests/bench/verbs.sh (exec and start of image containers against podman
# and docker), tests/bench/pull.sh (cr pull against podman pull and skopeo +
# umoci), tests/bench/push.sh (cr push against podman push),
# tests/bench/serve.sh (docker run against cr serve, dockerd and
# podman's service), then tests/bench/build.sh (cr build against podman build).
#
# Bundle: a rootfs made of Debian's busybox-static running /bin/true, with
# the config.json of `cr spec` (terminal false, args ["/bin/true"], default
# namespaces, mounts, masked and readonly paths). The same config.json is
# used by all three runtimes; only ociVersion is set to 1.0.2 because crun
# 1.8 refuses "1.2.0" ("unknown version specified").
#
# Measures, per runtime, BENCH_N iterations (default 100), in blocks of
# BENCH_BLOCK (default 10) with the runtime order rotated every round:
#   lifecycle  create ID; start ID; poll `state ID` until stopped; delete ID
#   run        run ID (foreground; + delete ID if the runtime keeps state)
# and peak RSS (GNU time %M, KiB; median of BENCH_RSS_N=5 samples) of single
# create, start, run and delete invocations.
#
# Every runtime runs inside a private mount namespace (unshare -m) where
# /sys/fs/cgroup/unified is unmounted: this host has hybrid cgroups, which
# crun 1.8 refuses. Each runtime has its own --root in a temp dir, on a tmpfs
# mounted in that namespace (like /run; BENCH_STATE_FS=disk: on /tmp's
# filesystem), and ids are unique per runtime and iteration. Everything is
# removed on exit.
#
# Environment: CR (default $PWD/out/cr), BENCH_N, BENCH_BLOCK, BENCH_RSS_N,
# BENCH_WARMUP (default 3), BENCH_STATE_FS (tmpfs|disk), BENCH_GAP_MS (idle
# time before every timed iteration, default 0: back to back), CR_NO_APT=1
# (never install packages).
# Output: a table, then one line:
#   bench: run cr/crun=0.62 cr/runc=0.21 lifecycle cr/crun=.. cr/runc=.. rss cr/crun=0.35
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_N:-100}
RSS_N=${BENCH_RSS_N:-5}
WARMUP=${BENCH_WARMUP:-3}
BLOCK=${BENCH_BLOCK:-10}
STATE_FS=${BENCH_STATE_FS:-tmpfs}
GAP_MS=${BENCH_GAP_MS:-0}

die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_N "$N"
bench_positive BENCH_RSS_N "$RSS_N"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a non-negative integer, got '$WARMUP'"
bench_positive BENCH_BLOCK "$BLOCK"
[[ $GAP_MS =~ ^[0-9]+$ ]] || die "BENCH_GAP_MS must be a non-negative integer, got '$GAP_MS'"
[[ $STATE_FS == tmpfs || $STATE_FS == disk ]] || die "BENCH_STATE_FS must be tmpfs or disk, got '$STATE_FS'"

# ------------------------------------------------------------ outer: setup
if [[ -z ${CR_BENCH_INNER:-} ]]; then
    case ${1:-} in
    pull) exec bash "$(dirname "${BASH_SOURCE[0]}")/pull.sh" ;;
    image) exec bash "$(dirname "${BASH_SOURCE[0]}")/image.sh" ;;
    serve | verbs | build | push) exec bash "$(dirname "${BASH_SOURCE[0]}")/$1.sh" ;;
    "")
        bash "${BASH_SOURCE[0]}" runtime
        for part in image verbs pull push serve; do bash "$(dirname "${BASH_SOURCE[0]}")/$part.sh"; done
        exec bash "$(dirname "${BASH_SOURCE[0]}")/build.sh"
        ;;
    runtime) ;;
    *) die "unknown part '$1' (runtime, image, verbs, pull, push, serve or build)" ;;
    esac
    [[ $EUID -eq 0 ]] || die "must run as root (containers with namespaces, cgroups)"
    [[ -x $CR ]] || die "no cr binary at $CR (run ./build.sh first)"
    CR=$(readlink -f "$CR")
    bench_need_packages crun:/usr/bin/crun runc:/usr/sbin/runc busybox-static:/bin/busybox time:/usr/bin/time \
        jq:/usr/bin/jq util-linux:/usr/bin/unshare
    CR_BENCH_INNER=1 CR=$CR exec unshare -m --propagation private bash "${BASH_SOURCE[0]}" "$@"
fi

# ------------------------------------------------------------ inner: in a private mount ns
if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; then
    umount /sys/fs/cgroup/unified || die "cannot unmount /sys/fs/cgroup/unified"
    UNIFIED_UNMOUNTED=1
fi

RUNTIMES=(cr crun runc)
declare -A BIN=([cr]=$CR [crun]=$(command -v crun) [runc]=$(command -v runc))
declare -A ROOT KEEPS
TMP=$(mktemp -d /tmp/cr-bench.XXXXXX)
PFX=b$$

cleanup() {
    local rt id
    trap - EXIT INT TERM
    for rt in "${RUNTIMES[@]}"; do
        [[ -n ${ROOT[$rt]:-} && -d ${ROOT[$rt]} ]] || continue
        for id in "${ROOT[$rt]}"/*; do
            [[ -d $id ]] || continue
            "${BIN[$rt]}" --root "${ROOT[$rt]}" delete -f "${id##*/}" >/dev/null 2>&1 || true
        done
    done
    # crun 1.8 still mkdirs /sys/fs/cgroup/unified/ID (with a plain file
    # cgroup.procs) on the tmpfs under the unmounted cgroup2: remove ours
    if [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == tmpfs ]]; then
        rm -rf /sys/fs/cgroup/unified/"$PFX"-* 2>/dev/null || true
    fi
    mountpoint -q "$TMP/state" 2>/dev/null && umount "$TMP/state"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- bundle
B=$TMP/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/sys" "$B/rootfs/tmp"
cp /bin/busybox "$B/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$B/rootfs/bin/$a"; done
(cd "$B" && "$CR" spec) || die "'cr spec' failed"
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
    "$B/config.json" >"$B/config.json.tmp" && mv "$B/config.json.tmp" "$B/config.json"

# state roots: on a tmpfs by default, like /run on a usual host (here /run and
# /tmp are on disk, where cr's fsync of state.json costs and crun's and runc's
# plain writes do not); BENCH_STATE_FS=disk keeps them in $TMP
mkdir -p "$TMP/state"
[[ $STATE_FS == tmpfs ]] && mount -t tmpfs -o mode=0700 cr-bench "$TMP/state"
for rt in "${RUNTIMES[@]}"; do
    ROOT[$rt]=$TMP/state/$rt
    mkdir -p "${ROOT[$rt]}"
done

# x RT ARGS...: one runtime invocation, quiet, in the bundle; fails loudly
x() {
    local rt=$1
    shift
    if ! "${BIN[$rt]}" --root "${ROOT[$rt]}" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null; then
        printf 'bench: %s %s failed:\n' "$rt" "$*" >&2
        sed 's/^/  /' "$TMP/err" "$TMP/out" >&2
        exit 1
    fi
}

# microseconds since the epoch, without a fork

POLLS=0
# wait_stopped RT ID: poll `state` until the status is stopped
wait_stopped() {
    local rt=$1 id=$2 k
    for ((k = 0; k < 100000; k++)); do
        POLLS=$((POLLS + 1))
        "${BIN[$rt]}" --root "${ROOT[$rt]}" state "$id" >"$TMP/stateout" 2>"$TMP/err" </dev/null ||
            { printf 'bench: %s state %s failed: %s\n' "$rt" "$id" "$(cat "$TMP/err")" >&2; exit 1; }
        grep -q '"status": *"stopped"' "$TMP/stateout" && return 0
    done
    die "$rt: container $id never stopped"
}

declare -A NPOLL
for rt in "${RUNTIMES[@]}"; do
    : >"$TMP/lc-$rt"
    : >"$TMP/run-$rt"
    NPOLL[$rt]=0
done

lifecycle() { # RT ID RECORD(0/1)
    local rt=$1 id=$2 rec=$3 t0 t1 t2 t3 t4
    cd "$B"
    POLLS=0
    bench_now; t0=$REPLY
    x "$rt" create --bundle "$B" "$id"
    bench_now; t1=$REPLY
    x "$rt" start "$id"
    bench_now; t2=$REPLY
    wait_stopped "$rt" "$id"
    bench_now; t3=$REPLY
    x "$rt" delete "$id"
    bench_now; t4=$REPLY
    if ((rec)); then
        echo "$((t4 - t0)) $((t1 - t0)) $((t2 - t1)) $((t3 - t2)) $((t4 - t3))" >>"$TMP/lc-$rt"
        NPOLL[$rt]=$((NPOLL[$rt] + POLLS))
    fi
}

runonce() { # RT ID RECORD
    local rt=$1 id=$2 rec=$3 t0 t1
    cd "$B"
    bench_now; t0=$REPLY
    x "$rt" run --bundle "$B" "$id"
    [[ ${KEEPS[$rt]} == 1 ]] && x "$rt" delete "$id"
    bench_now; t1=$REPLY
    ((rec)) && echo "$((t1 - t0))" >>"$TMP/run-$rt"
    return 0
}

# ---- does `run` leave state behind? (decides whether the run loop deletes)
for rt in "${RUNTIMES[@]}"; do
    KEEPS[$rt]=0
    x "$rt" run --bundle "$B" "$PFX-$rt-probe"
    if "${BIN[$rt]}" --root "${ROOT[$rt]}" state "$PFX-$rt-probe" >/dev/null 2>&1; then
        KEEPS[$rt]=1
        x "$rt" delete -f "$PFX-$rt-probe"
    fi
done

printf 'bench: %s iterations (+%s warm-up) per runtime\n' "$N" "$WARMUP"
printf '  cr   %s (%s, %d bytes)\n' "$CR" "$("$CR" --version | head -n1)" "$(stat -c %s "$CR")"
printf '  crun %s (%s)\n' "${BIN[crun]}" "$("${BIN[crun]}" --version | head -n1)"
printf '  runc %s (%s)\n' "${BIN[runc]}" "$("${BIN[runc]}" --version | head -n1)"
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then CGMODE="cgroup v2"; else CGMODE="cgroup v1"; fi
[[ -n ${UNIFIED_UNMOUNTED:-} ]] && CGMODE+=" (hybrid host: unified unmounted in a private mount ns)"
printf '  kernel %s, %s CPUs, %s, state roots on %s\n' \
    "$(uname -r)" "$(nproc)" "$CGMODE" "$(stat -f -c %T "$TMP/state")"
printf '  blocks of %s iterations per runtime (+1 warm-up each), runtime order rotated per round\n' "$BLOCK"
((GAP_MS)) && printf '  %s ms idle (not timed) before every iteration\n' "$GAP_MS"

# ---- timing loops
# Blocks of BENCH_BLOCK iterations per runtime, the order of the runtimes
# rotated every round. Not interleaved one by one on purpose: on cgroup v1
# the first write to a cgroup.procs waits for an RCU grace period
# (cgroup_threadgroup_rwsem), and a write soon after another one does not, so
# a runtime would get its cost from whichever runtime ran just before it.
# The first iteration of every block is a warm-up and is not recorded.
# bench_loop FUNC TAG
bench_loop() {
    local fn=$1 tag=$2 r done=0 b k j rt
    for rt in "${RUNTIMES[@]}"; do
        for ((j = 0; j < WARMUP; j++)); do "$fn" "$rt" "$PFX-$rt-$tag-w$j" 0; done
    done
    for ((r = 0; done < N; r++)); do
        b=$((N - done < BLOCK ? N - done : BLOCK))
        for ((k = 0; k < ${#RUNTIMES[@]}; k++)); do
            rt=${RUNTIMES[(r + k) % ${#RUNTIMES[@]}]}
            "$fn" "$rt" "$PFX-$rt-$tag$r-w" 0
            for ((j = 0; j < b; j++)); do
                ((GAP_MS)) && sleep "$(printf '%d.%03d' $((GAP_MS / 1000)) $((GAP_MS % 1000)))"
                "$fn" "$rt" "$PFX-$rt-$tag$r-$j" 1
            done
        done
        done=$((done + b))
    done
}
bench_loop lifecycle lc
bench_loop runonce run

# ---- peak RSS (KiB) of single invocations; median of RSS_N samples
rss() { # RT OUTVAR-FILE ARGS...: /usr/bin/time -f %M of one invocation
    local rt=$1 f=$2
    shift 2
    if ! /usr/bin/time -f %M -o "$TMP/time" "${BIN[$rt]}" --root "${ROOT[$rt]}" "$@" \
        >"$TMP/out" 2>"$TMP/err" </dev/null; then
        printf 'bench: %s %s failed:\n' "$rt" "$*" >&2
        sed 's/^/  /' "$TMP/err" >&2
        exit 1
    fi
    tail -n1 "$TMP/time" >>"$f"
}
for rt in "${RUNTIMES[@]}"; do
    for op in create start run delete; do : >"$TMP/rss-$rt-$op"; done
done
for ((i = 0; i < RSS_N; i++)); do
    for rt in "${RUNTIMES[@]}"; do
        id=$PFX-$rt-rss$i
        cd "$B"
        rss "$rt" "$TMP/rss-$rt-create" create --bundle "$B" "$id"
        rss "$rt" "$TMP/rss-$rt-start" start "$id"
        wait_stopped "$rt" "$id"
        rss "$rt" "$TMP/rss-$rt-delete" delete "$id"
        rss "$rt" "$TMP/rss-$rt-run" run --bundle "$B" "$id-r"
        [[ ${KEEPS[$rt]} == 1 ]] && x "$rt" delete "$id-r"
    done
done

# ---- report
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
# stats FILE COL -> "mean_ms median_ms sd_ms"
stats() {
    cut -d' ' -f"$2" "$1" | sort -n | awk '{v=$1; s+=v; ss+=v*v; a[NR]=v}
        END {if (!NR) exit 1; m=s/NR; var=ss/NR-m*m; sd=sqrt(var>0?var:0);
             med=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
             printf "%.2f %.2f %.2f\n", m/1000, med/1000, sd/1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0) ? "%.2f" : "n/a", (b > 0) ? a / b : 0}'; }

declare -A MEAN MED SD
for rt in "${RUNTIMES[@]}"; do
    read -r MEAN["$rt:lc"] MED["$rt:lc"] SD["$rt:lc"] < <(stats "$TMP/lc-$rt" 1)
    read -r MEAN["$rt:create"] MED["$rt:create"] SD["$rt:create"] < <(stats "$TMP/lc-$rt" 2)
    read -r MEAN["$rt:start"] MED["$rt:start"] SD["$rt:start"] < <(stats "$TMP/lc-$rt" 3)
    read -r MEAN["$rt:wait"] MED["$rt:wait"] SD["$rt:wait"] < <(stats "$TMP/lc-$rt" 4)
    read -r MEAN["$rt:delete"] MED["$rt:delete"] SD["$rt:delete"] < <(stats "$TMP/lc-$rt" 5)
    read -r MEAN["$rt:run"] MED["$rt:run"] SD["$rt:run"] < <(stats "$TMP/run-$rt" 1)
done

echo
printf 'time per iteration, ms: mean (median, sd)        N=%s\n' "$N"
printf '%-22s %-22s %-22s %-22s %8s %8s\n' "measure" "cr" "crun" "runc" "cr/crun" "cr/runc"
for m in lc create start wait delete run; do
    case $m in
    lc) label="lifecycle (c+s+w+d)" ;;
    wait) label="  wait (state polls)" ;;
    run) label="run" ;;
    *) label="  $m" ;;
    esac
    cells=()
    for rt in "${RUNTIMES[@]}"; do cells+=("$(printf '%.2f (%.2f, %.2f)' "${MEAN[$rt:$m]}" "${MED[$rt:$m]}" "${SD[$rt:$m]}")"); done
    printf '%-22s %-22s %-22s %-22s %8s %8s\n' "$label" "${cells[@]}" \
        "$(ratio "${MEAN[cr:$m]}" "${MEAN[crun:$m]}")" "$(ratio "${MEAN[cr:$m]}" "${MEAN[runc:$m]}")"
done
printf '%-22s' "  state polls/iter"
for rt in "${RUNTIMES[@]}"; do printf ' %-22s' "$(awk -v p="${NPOLL[$rt]}" -v n="$N" 'BEGIN {printf "%.2f", p/n}')"; done
echo

echo
printf 'peak RSS, KiB (GNU time %%M, median of %s)\n' "$RSS_N"
printf '%-22s %-10s %-10s %-10s %8s %8s\n' "invocation" "cr" "crun" "runc" "cr/crun" "cr/runc"
declare -A PEAK
for rt in "${RUNTIMES[@]}"; do PEAK[$rt]=0; done
for op in create start run delete; do
    declare -A R=()
    for rt in "${RUNTIMES[@]}"; do
        R[$rt]=$(median "$TMP/rss-$rt-$op")
        ((R[$rt] > PEAK[$rt])) && PEAK[$rt]=${R[$rt]}
    done
    printf '%-22s %-10s %-10s %-10s %8s %8s\n' "$op" "${R[cr]}" "${R[crun]}" "${R[runc]}" \
        "$(ratio "${R[cr]}" "${R[crun]}")" "$(ratio "${R[cr]}" "${R[runc]}")"
done
printf '%-22s %-10s %-10s %-10s %8s %8s\n' "max of the above" "${PEAK[cr]}" "${PEAK[crun]}" "${PEAK[runc]}" \
    "$(ratio "${PEAK[cr]}" "${PEAK[crun]}")" "$(ratio "${PEAK[cr]}" "${PEAK[runc]}")"

echo
size=$(stat -c %s "$CR")
printf 'out/cr size: %d bytes (%d KiB); crun %d bytes, runc %d bytes\n' "$size" $(((size + 1023) / 1024)) \
    "$(stat -Lc %s "${BIN[crun]}")" "$(stat -Lc %s "${BIN[runc]}")"
for rt in "${RUNTIMES[@]}"; do
    ((KEEPS[$rt])) && printf 'note: %s run keeps state; its run time includes a delete\n' "$rt"
done
if [[ $CGMODE == "cgroup v1"* ]]; then
    echo "note: on cgroup v1 the first write to a cgroup.procs after a quiet spell waits for an RCU"
    echo "      grace period (cgroup_threadgroup_rwsem), ~5-20 ms here, the same for every runtime."
    echo "      Back-to-back iterations mostly skip it; BENCH_GAP_MS=40 measures cold starts that pay it."
fi
echo
printf 'bench: run cr/crun=%s cr/runc=%s lifecycle cr/crun=%s cr/runc=%s rss cr/crun=%s\n' \
    "$(ratio "${MEAN[cr:run]}" "${MEAN[crun:run]}")" "$(ratio "${MEAN[cr:run]}" "${MEAN[runc:run]}")" \
    "$(ratio "${MEAN[cr:lc]}" "${MEAN[crun:lc]}")" "$(ratio "${MEAN[cr:lc]}" "${MEAN[runc:lc]}")" \
    "$(ratio "${PEAK[cr]}" "${PEAK[crun]}")"
