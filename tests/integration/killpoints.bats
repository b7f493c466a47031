#!/usr/bin/env bats
# Kill points: cr is killed (SIGKILL, injected by strace) at a sample of the
# syscalls of create, start, exec, delete and run --detach. After every kill,
# `delete --force` must succeed and leave no state dir, temp file, cgroup (any
# hierarchy), mount or process behind, and `state` must never say "creating"
# once the create is gone. Each test prints its outcome counts as TAP comments
# and asserts 0 stuck outcomes.
#
# The sample is deterministic: a clean run of the operation under `strace -f`
# lists its syscalls in order (cr and its children); every Kth of them becomes
# a kill point "the k-th call of syscall S" (strace counts per syscall and per
# process), injected as -e inject=S:signal=SIGKILL:when=k. The sample runs from
# the first syscall after cr's execve to the last, so every phase is covered.
#
# strace runs with -D: its tracer is a detached grandchild, so the traced cr
# is our child (its exit status is ours to read at once) while the tracer
# stays on a container init that outlives cr until delete --force kills it.

load helpers

setup_file() { make_rootfs; }
setup() {
    cr_setup
    KP_IDS=$BATS_TEST_TMPDIR/.kp-ids
    : >"$KP_IDS"
}
teardown() {
    local id
    while read -r id; do [[ -n $id ]] && kp_scrub "$id"; done <"$KP_IDS"
    cr_teardown
}

# Kill points per operation: about 40 each keeps the file within ~3 minutes.
KP_SAMPLES=${KP_SAMPLES:-40}
# Every step is bounded: TERM after this many seconds, KILL 5 seconds later.
KP_STEP=30

# kp_cr ARGS...: cr with this test's root, bounded, output to files (the
# container inherits stdout and stderr: no pipe may be held open by it).
kp_cr() {
    timeout -k 5 "$KP_STEP" "$CR" --root "$CR_ROOT" "$@" \
        >>"$BATS_TEST_TMPDIR/kp.out" 2>>"$BATS_TEST_TMPDIR/kp.err" 3>&-
}

# kp_strace OUT [STRACE OPTION...] -- ARGS...: cr ARGS under strace -D -f, bounded.
kp_strace() {
    local out=$1 opts=()
    shift
    while [[ $1 != -- ]]; do opts+=("$1"); shift; done
    shift
    timeout -k 5 "$KP_STEP" strace -D -f -qq -o "$out" "${opts[@]}" "$CR" --root "$CR_ROOT" "$@" \
        >>"$BATS_TEST_TMPDIR/kp.out" 2>>"$BATS_TEST_TMPDIR/kp.err" 3>&-
}

# kp_new_id: a fresh container id (its cgroup is the default cr/ID, unique
# too); none is a prefix of another, so a search for one never finds the next.
kp_new_id() {
    local n
    n=$(wc -l <"$KP_IDS")
    printf '%s-%s-kp%04d\n' "$(id_prefix)" "${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}" "$n" | tee -a "$KP_IDS"
}

# kp_op_args OP ID: the cr command line of the operation under test.
kp_op_args() {
    case $1 in
    create) echo create --bundle "$BUNDLE" "$2" ;;
    start) echo start "$2" ;;
    exec) echo exec "$2" true ;;
    delete) echo delete --force "$2" ;;
    run) echo run --detach --bundle "$BUNDLE" "$2" ;;
    esac
}

# kp_prepare OP ID: the container the operation needs, made without faults.
kp_prepare() {
    case $1 in
    start) kp_cr create --bundle "$BUNDLE" "$2" ;;
    exec | delete) kp_cr create --bundle "$BUNDLE" "$2" && kp_cr start "$2" ;;
    esac
}

# kp_cgroups ID: the container's cgroup directories that exist, in any
# hierarchy (v1 controllers, the unified one of a hybrid host, pure v2).
kp_cgroups() {
    local d
    for d in /sys/fs/cgroup/cr/"$1" /sys/fs/cgroup/*/cr/"$1"; do
        [[ -d $d ]] && echo "$d"
    done
    return 0
}

# kp_procs ID: /proc/PID of the container's processes (they carry this
# test's mark in their environment) and of processes that name the id (cr,
# the strace tracer). One grep each: bats traces every shell command, so a
# shell loop over /proc takes seconds. The id is matched as "...[N]" so that
# grep's own command line does not match.
kp_procs() {
    local id=$1 p
    for p in $(grep -lsxzF -- "$(test_mark)" /proc/[0-9]*/environ; grep -lsaE -- "${id%?}[${id: -1}]" /proc/[0-9]*/cmdline); do
        echo "${p%/*}"
    done | sort -u
}

# kp_leftovers ID: what is left of the container, one finding a line
# (nothing when all is gone). Processes get a bounded while to finish dying:
# an init killed by delete is reaped by whoever inherited it.
kp_leftovers() {
    local id=$1 i p left
    for ((i = 0; i < 100; i++)); do
        p=$(kp_procs "$id")
        [[ -z $p ]] && break
        sleep 0.05
    done
    for p in $p; do echo "process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"; done
    left=$(ls -A "$CR_ROOT" 2>/dev/null) || true
    [[ -z $left ]] || echo "under the state root: $left"
    p=$(kp_cgroups "$id")
    [[ -z $p ]] || echo "cgroups: $p"
    p=$(grep -F -e "$BUNDLE" -e "$id" /proc/self/mountinfo || true)
    [[ -z $p ]] || echo "mounts: $p"
    return 0
}

# kp_scrub ID: remove by hand whatever cr left, so that the next kill point
# starts clean (and teardown after a failure leaves nothing either).
kp_scrub() {
    local id=$1 p c m
    timeout -k 5 "$KP_STEP" "$CR" --root "$CR_ROOT" delete --force "$id" >/dev/null 2>&1 3>&-
    for p in $(kp_procs "$id"); do kill -9 "${p#/proc/}" 2>/dev/null; done
    for c in $(kp_cgroups "$id"); do
        for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
        rmdir "$c" 2>/dev/null
    done
    for m in $(grep -F -e "$BUNDLE" -e "$id" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
        umount -l "$m" 2>/dev/null
    done
    rm -rf -- "${CR_ROOT:?}/$id"
    find "$CR_ROOT" -mindepth 1 -maxdepth 1 -name '.*' -exec rm -rf -- {} + 2>/dev/null
    return 0
}

# kp_points TRACE K: "SYSCALL N" for every Kth syscall of the trace and the
# last one: kill at the N-th call of SYSCALL. The first line is the execve
# strace starts cr with, which it does not tamper with: the sample starts at
# the second.
kp_points() {
    awk -v k="$2" '
        $2 ~ /^[a-z_0-9]+\(/ {
            name = $2; sub(/\(.*/, "", name)
            count[$1 " " name]++
            n++
            last = name " " count[$1 " " name]
            if (n > 1 && (n - 2) % k == 0 && !seen[last]++) print last
        }
        END { if (last != "" && !seen[last]++) print last }' "$1"
}

# kp_syscalls TRACE: how many syscalls the trace holds.
kp_syscalls() { awk '$2 ~ /^[a-z_0-9]+\(/ { n++ } END { print n + 0 }' "$1"; }

# kp_one OP POINT: one kill point. Prints "OUTCOME" (killed: cr died of the
# kill; failed: cr reported an error, e.g. a child of it was killed;
# completed: the kill did not land) or "stuck: WHAT".
kp_one() {
    local op=$1 point=$2 id rc st left
    id=$(kp_new_id)
    kp_prepare "$op" "$id" || { echo "stuck: preparing $op of $id failed: $(tail -n 3 "$BATS_TEST_TMPDIR/kp.err")"; kp_scrub "$id"; return; }
    # shellcheck disable=SC2046 # the operation's words
    kp_strace /dev/null -e "inject=${point% *}:signal=SIGKILL:when=${point#* }" -- $(kp_op_args "$op" "$id")
    rc=$?
    if ((rc == 124)); then
        echo "stuck: $op did not finish within ${KP_STEP}s (kill point $point)"
        kp_scrub "$id"
        return
    fi
    # cr has exited, so no create is running: the truth, never "creating"
    st=$(timeout -k 5 "$KP_STEP" "$CR" --root "$CR_ROOT" state "$id" 2>/dev/null 3>&- | jq -r .status 2>/dev/null) || st=
    if [[ $st == creating ]]; then
        echo "stuck: state says creating after $op exited (kill point $point)"
        kp_scrub "$id"
        return
    fi
    if ! kp_cr delete --force "$id"; then
        echo "stuck: delete --force failed after $op was killed at $point: $(tail -n 1 "$BATS_TEST_TMPDIR/kp.err")"
        kp_scrub "$id"
        return
    fi
    left=$(kp_leftovers "$id")
    if [[ -n $left ]]; then
        echo "stuck: after $op killed at $point and delete --force: $(paste -sd ';' <<<"$left")"
        kp_scrub "$id"
        return
    fi
    case $rc in
    0) echo completed ;;
    137) echo killed ;;
    *) echo failed ;;
    esac
}

# kp_op OP [LABEL]: the clean run, its kill points, one kill per point;
# prints the counts as TAP comments and fails on any stuck outcome.
kp_op() {
    local op=$1 label=${2:-$1} trace=$BATS_TEST_TMPDIR/clean.trace id n k point out
    local killed=0 failed=0 completed=0 stuck=0 points=()
    local -a why=()
    id=$(kp_new_id)
    kp_prepare "$op" "$id" || fail "cr could not prepare $op:" "$(cat "$BATS_TEST_TMPDIR/kp.err")" || return 1
    # shellcheck disable=SC2046
    kp_strace "$trace" -- $(kp_op_args "$op" "$id") ||
        fail "a clean $op under strace failed:" "$(cat "$BATS_TEST_TMPDIR/kp.err")" || return 1
    kp_cr delete --force "$id" || fail "delete --force after a clean $op failed" || return 1
    out=$(kp_leftovers "$id")
    [[ -z $out ]] || fail "a clean $op and delete --force left: $out" || return 1
    n=$(kp_syscalls "$trace")
    ((n > 0)) || fail "the clean trace of $op holds no syscalls" || return 1
    k=$(((n + KP_SAMPLES - 1) / KP_SAMPLES))
    mapfile -t points < <(kp_points "$trace" "$k")
    for point in "${points[@]}"; do
        out=$(kp_one "$op" "$point")
        case $out in
        killed) killed=$((killed + 1)) ;;
        failed) failed=$((failed + 1)) ;;
        completed) completed=$((completed + 1)) ;;
        *) stuck=$((stuck + 1)); why+=("$out") ;;
        esac
    done
    echo "# $label: $n syscalls in a clean run, ${#points[@]} kill points (every ${k}th):" \
        "$killed killed, $failed failed cleanly, $completed completed, $stuck stuck" >&3
    for out in "${why[@]}"; do echo "#   $out" >&3; done
    ((killed > 0)) || fail "no kill point of $op killed cr: the injection did not work" || return 1
    ((stuck == 0)) || fail "$stuck stuck outcome(s) for $op" "${why[@]}"
}

@test "killpoints: create killed at sampled syscalls, then delete --force leaves nothing" {
    kp_op create
}

@test "killpoints: create without a mount namespace (its mounts are the host's) killed at sampled syscalls, then delete --force leaves nothing" {
    cfg '.linux.namespaces |= map(select(.type != "mount"))'
    kp_op create "create (host mounts)"
}

@test "killpoints: start killed at sampled syscalls, then delete --force leaves nothing" {
    kp_op start
}

@test "killpoints: exec killed at sampled syscalls, then delete --force leaves nothing" {
    kp_op exec
}

@test "killpoints: delete killed at sampled syscalls, then delete --force leaves nothing" {
    kp_op delete
}

@test "killpoints: run --detach killed at sampled syscalls, then delete --force leaves nothing" {
    kp_op run
}

@test "killpoints: a create killed after its init is ready is no longer creating; delete --force clears it" {
    local trace=$BATS_TEST_TMPDIR/clean.trace id point st pid
    id=$(kp_new_id)
    kp_strace "$trace" -- create --bundle "$BUNDLE" "$id" || fail "a clean create under strace failed"
    kp_cr delete --force "$id"
    # the last state.json rename of cr itself (the first pid of the trace):
    # the one that turns "creating" into done
    point=$(awk 'NR == 1 { me = $1 }
                 $1 == me && $2 ~ /^[a-z_0-9]+\(/ {
                     name = $2; sub(/\(.*/, "", name); count[name]++
                     if (name ~ /^rename/ && $0 ~ /"state\.json"/) last = name " " count[name]
                 }
                 END { print last }' "$trace")
    [[ -n $point ]] || fail "no rename of state.json in the clean trace"
    id=$(kp_new_id)
    run kp_strace /dev/null -e "inject=${point% *}:signal=SIGKILL:when=${point#* }" -- create --bundle "$BUNDLE" "$id"
    assert_status 137
    # the init got past setup and waits on exec.fifo: created, as runc would say
    run --separate-stderr crr state "$id"
    assert_status 0
    st=$(jq -r .status <<<"$output")
    pid=$(jq -r .pid <<<"$output")
    [[ $st == created ]] || fail "status after the create was killed: '$st', expected 'created'"
    [[ -d /proc/$pid ]] || fail "the init $pid is not alive"
    run --separate-stderr crr list --format json
    assert_status 0
    [[ $(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$output") == created ]] ||
        fail "list does not say created:" "$output"
    run --separate-stderr crr delete --force "$id"
    assert_status 0
    [[ -z $(kp_leftovers "$id") ]] || fail "left after delete --force:" "$(kp_leftovers "$id")"
}
