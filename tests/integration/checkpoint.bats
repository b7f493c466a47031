#!/usr/bin/env bats
# checkpoint / restore (runc's applets) through criu: a counter that goes on
# after restore, the restored container managed like any other, and errors
# that name their input. criu is $CR_CRIU or criu on PATH; without one that
# passes `criu check` (Debian 12's 3.17.1 fails it on new kernels) every
# test that needs it says so and skips.

load helpers

setup_file() {
    make_rootfs
    cc -O1 -Wall -o "$BATS_FILE_TMPDIR/console-recv" "$BATS_TEST_DIRNAME/console-recv.c"
    criu_check
    export CR_CRIU=$CRIU
}

setup() {
    cr_setup
    IMG=$BATS_TEST_TMPDIR/img
    COUNT=$BUNDLE/rootfs/tmp/count
    # a counter the test reads from the host; the rootfs is writable
    cfg '.root.readonly = false'
    set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'
}
teardown() { cr_teardown; }

need_criu() { [[ -z $CRIU_SKIP ]] || skip "$CRIU_SKIP"; }

# count FILE: the counter's value (0 before the first); the counter
# truncates and rewrites FILE, so an empty read is read again.
count() {
    local v i
    for i in {1..100}; do
        v=$(cat "$1" 2>/dev/null) || break
        [[ -n $v ]] && { echo "$v"; return; }
        sleep 0.01
    done
    echo 0
}
# counts_past FILE N: the counter in FILE has gone beyond N.
counts_past() { (($(count "$1") > $2)); }
wait_count_past() { wait_until 30 counts_past "$1" "$2" || fail "counter $1 stays at $(count "$1") (wanted > $2)"; }

# run_counter ID: the counter container, running with its stdio on files,
# counting.
run_counter() {
    crc run --detach --bundle "$BUNDLE" "$1" </dev/null 2>>"$BATS_TEST_TMPDIR/ctr.err" ||
        fail "run $1:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")"
    wait_count_past "$COUNT" 2
}

# restore_detached ID [OPTION...]: `cr restore --detach` of $IMG that must succeed.
restore_detached() {
    local id=$1
    shift
    crc restore --detach --bundle "$BUNDLE" --image-path "$IMG" "$@" "$id" </dev/null 2>>"$BATS_TEST_TMPDIR/ctr.err" ||
        fail "restore $id:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")" "$(tail -n 30 "$IMG/restore.log" 2>/dev/null)"
}

# checkpoint ID [OPTION...]: `cr checkpoint` into $IMG (or a later
# --image-path) that must succeed.
checkpoint() {
    local id=$1
    shift
    run --separate-stderr crr checkpoint --image-path "$IMG" "$@" "$id"
    [[ $status -eq 0 ]] || fail "checkpoint $id: $stderr"
}

# restored_and_managed ID COUNTFILE: after restore the counter goes on, the
# state is running with a live pid, kill stops it and delete removes it.
restored_and_managed() {
    local id=$1 file=$2 n pid
    n=$(count "$file")
    wait_count_past "$file" "$n"
    status_is "$id" running || fail "status after restore: $(container_status "$id")"
    pid=$(crr state "$id" | jq -r .pid)
    alive "$pid" || fail "the restored pid $pid is not alive"
    crr kill "$id" KILL
    wait_status "$id" stopped
    crr delete "$id"
    run crr state "$id"
    [[ $status -ne 0 && $output == *"does not exist"* ]] || fail "state after delete: $output"
}

@test "checkpoint: the container is gone; restore: the counter goes on and the container is running, killed, deleted" {
    need_criu
    local id pid n
    id=$(new_id)
    run_counter "$id"
    pid=$(crr state "$id" | jq -r .pid)
    checkpoint "$id"
    [[ -s $IMG/descriptors.json && -s $IMG/dump.log ]] || fail "no descriptors.json or dump.log in $IMG: $(ls "$IMG")"
    wait_gone "$pid"
    run crr state "$id"
    [[ $status -ne 0 && $output == *"does not exist"* ]] || fail "state after checkpoint: $output"
    n=$(count "$COUNT")
    restore_detached "$id"
    # it goes on from where it was, not from 1
    (($(count "$COUNT") >= n)) || fail "the counter restarted: $(count "$COUNT") < $n"
    restored_and_managed "$id" "$COUNT"
}

@test "checkpoint --leave-running: the same process goes on; its checkpoint restores under another id" {
    need_criu
    local id id2 pid n
    id=$(new_id)
    run_counter "$id"
    pid=$(crr state "$id" | jq -r .pid)
    checkpoint "$id" --leave-running
    status_is "$id" running || fail "status after --leave-running: $(container_status "$id")"
    [[ $(crr state "$id" | jq -r .pid) == "$pid" ]] || fail "the pid changed"
    n=$(count "$COUNT")
    wait_count_past "$COUNT" "$n"
    crr kill "$id" KILL
    wait_status "$id" stopped
    crr delete "$id"
    id2=$(new_id second)
    restore_detached "$id2"
    restored_and_managed "$id2" "$COUNT"
}

@test "checkpoint --pre-dump, then --parent-path: the dump builds on the pre-dump and restores" {
    need_criu
    "$CR_CRIU" check --feature mem_dirty_track >/dev/null 2>&1 || skip "criu: no memory tracking on this kernel (pre-dump needs it)"
    local id
    id=$(new_id)
    run_counter "$id"
    checkpoint "$id" --pre-dump --image-path "$BATS_TEST_TMPDIR/pre"
    status_is "$id" running || fail "status after --pre-dump: $(container_status "$id")"
    checkpoint "$id" --parent-path ../pre
    [[ -L $IMG/parent ]] || fail "the dump has no parent link: $(ls "$IMG")"
    restore_detached "$id"
    restored_and_managed "$id" "$COUNT"
}

@test "checkpoint/restore with a bind mount: made again in a rootfs without its mount point, the counter writes through it" {
    need_criu
    local id
    bind_hostdir
    set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /mnt/host/count; sleep 0.1; done'
    id=$(new_id)
    COUNT=$HOSTDIR/count run_counter "$id"
    checkpoint "$id"
    # a rootfs new to the checkpoint lacks the mount point: restore makes it
    rmdir "$BUNDLE/rootfs/mnt/host" || fail "no mount point to remove"
    restore_detached "$id"
    restored_and_managed "$id" "$HOSTDIR/count"
}

@test "restore without --detach waits and exits with the container's status; nothing is left" {
    need_criu
    local id st=0
    set_args sh -c 'i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done; exit 7'
    id=$(new_id)
    run_counter "$id"
    checkpoint "$id"
    touch "$BUNDLE/rootfs/tmp/stop"
    # the init's stdout and stderr were files: restore hands it its own, so the same files
    timeout 60 "$CR" --root "$CR_ROOT" restore --bundle "$BUNDLE" --image-path "$IMG" "$id" \
        </dev/null >>"$BATS_TEST_TMPDIR/ctr.out" 2>>"$BATS_TEST_TMPDIR/ctr.err" 3>&- || st=$?
    ((st == 7)) || fail "restore exited $st, not the container's 7:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")"
    run crr state "$id"
    [[ $status -ne 0 ]] || fail "the state outlived the foreground restore: $output"
}

@test "checkpoint/restore of a container on a terminal: the pty goes to the new --console-socket" {
    need_criu
    local id out=$BATS_TEST_TMPDIR/tty.out recv=$BATS_FILE_TMPDIR/console-recv
    cfg '.process.terminal = true'
    set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; echo tick-$i; sleep 0.1; done'
    start_helper recv1 "$BATS_TEST_TMPDIR/r1" "$recv" "$BATS_TEST_TMPDIR/s1" "$out.1" "$BATS_TEST_TMPDIR/r1"
    id=$(new_id)
    crc run --detach --console-socket "$BATS_TEST_TMPDIR/s1" --bundle "$BUNDLE" "$id" </dev/null 2>>"$BATS_TEST_TMPDIR/ctr.err" ||
        fail "run:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")"
    wait_count_past "$COUNT" 2
    checkpoint "$id"
    start_helper recv2 "$BATS_TEST_TMPDIR/r2" "$recv" "$BATS_TEST_TMPDIR/s2" "$out.2" "$BATS_TEST_TMPDIR/r2"
    restore_detached "$id" --console-socket "$BATS_TEST_TMPDIR/s2"
    wait_until 30 grep -q tick- "$out.2" || fail "nothing arrived on the new pty: $(cat "$out.2")"
    restored_and_managed "$id" "$COUNT"
}

@test "checkpoint: a missing criu is named (--criu and \$CR_CRIU), the container keeps running" {
    local id
    id=$(new_id)
    crc run --detach --bundle "$BUNDLE" "$id" </dev/null 2>/dev/null || fail "run failed"
    run --separate-stderr crr --criu /nonexistent/criu checkpoint --image-path "$IMG" "$id"
    [[ $status -eq 1 && $stderr == *'"/nonexistent/criu"'* ]] || fail "--criu: $status $stderr"
    run --separate-stderr env CR_CRIU=/nonexistent/criu2 "$CR" --root "$CR_ROOT" checkpoint --image-path "$IMG" "$id" 3>&-
    [[ $status -eq 1 && $stderr == *'"/nonexistent/criu2"'* ]] || fail "\$CR_CRIU: $status $stderr"
    run --separate-stderr env -u CR_CRIU PATH=/nonexistent "$CR" --root "$CR_ROOT" checkpoint --image-path "$IMG" "$id" 3>&-
    [[ $status -eq 1 && $stderr == *"criu: not found on PATH"* ]] || fail "PATH: $status $stderr"
    status_is "$id" running || fail "status: $(container_status "$id")"
}

@test "checkpoint and restore: bad image paths, ids and options are named; a failed restore leaves nothing" {
    local id
    id=$(new_id)
    crc run --detach --bundle "$BUNDLE" "$id" </dev/null 2>/dev/null || fail "run failed"
    run --separate-stderr crr checkpoint --image-path /nonexistent/dir/img "$id"
    [[ $status -eq 1 && $stderr == *'--image-path "/nonexistent/dir/img"'* ]] || fail "checkpoint: $status $stderr"
    run --separate-stderr crr checkpoint --image-path "$IMG" --manage-cgroups-mode bogus "$id"
    [[ $status -eq 1 && $stderr == *'"bogus"'* ]] || fail "mode: $status $stderr"
    run --separate-stderr crr checkpoint --image-path "$IMG" nosuch
    [[ $status -eq 1 && $stderr == *'"nosuch" does not exist'* ]] || fail "id: $status $stderr"
    run --separate-stderr crr restore --detach --bundle "$BUNDLE" --image-path /nonexistent/img "$id-r"
    [[ $status -eq 1 && $stderr == *'--image-path "/nonexistent/img"'* ]] || fail "restore: $status $stderr"
    run crr state "$id-r"
    [[ $status -ne 0 ]] || fail "a failed restore left a state: $output"
    run --separate-stderr crr restore --pre-dump "$id"
    [[ $status -eq 1 && $stderr == *"--pre-dump"* ]] || fail "restore --pre-dump: $status $stderr"
    # --parent-path: relative to --image-path, and a directory there (runc's rule)
    mkdir -p "$IMG"
    run --separate-stderr crr checkpoint --image-path "$IMG" --parent-path "$BATS_TEST_TMPDIR/parent" "$id"
    [[ $status -eq 1 && $stderr == *"--parent-path"*"must be relative"* ]] || fail "absolute parent: $status $stderr"
    run --separate-stderr crr checkpoint --image-path "$IMG" --parent-path ../nothere "$id"
    [[ $status -eq 1 && $stderr == *'--parent-path "../nothere"'*"no directory"* ]] || fail "missing parent: $status $stderr"
    [[ $(crr state "$id" | jq -r .status) == running ]] || fail "the container stopped"
}

@test "restore of an image directory without a checkpoint fails naming the file, then criu's error and log; nothing is left" {
    need_criu
    local id
    id=$(new_id)
    mkdir -p "$IMG"
    run --separate-stderr crr restore --detach --bundle "$BUNDLE" --image-path "$IMG" "$id"
    [[ $status -eq 1 && $stderr == *"$IMG/descriptors.json"* ]] || fail "$status $stderr"
    echo '["pipe:[1]"]' >"$IMG/descriptors.json"
    run --separate-stderr crr restore --detach --bundle "$BUNDLE" --image-path "$IMG" "$id"
    [[ $status -eq 1 && $stderr == *"criu restore failed"* && $stderr == *"$IMG/restore.log"* ]] || fail "$status $stderr"
    run crr state "$id"
    [[ $status -ne 0 ]] || fail "a failed restore left a state: $output"
    [[ -z $(cgroups_named "$id") ]] || fail "a failed restore left cgroups: $(cgroups_named "$id")"
}

@test "checkpoint/restore of a container in a network namespace given by path: restored into that namespace" {
    need_criu
    local id holder want pid
    unshare --net sleep 1000 3>&- &
    holder=$!
    track_bg "$holder"
    wait_until 30 test "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" || fail "no netns holder"
    want=$(readlink "/proc/$holder/ns/net")
    cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/proc/$holder/ns/net"
    id=$(new_id)
    run_counter "$id"
    checkpoint "$id"
    restore_detached "$id"
    pid=$(crr state "$id" | jq -r .pid)
    [[ $(readlink "/proc/$pid/ns/net") == "$want" ]] || fail "restored into $(readlink "/proc/$pid/ns/net"), not $want"
    restored_and_managed "$id" "$COUNT"
}

@test "restore runs the prestart and createRuntime hooks (as runc) with the restored init's pid" {
    need_criu
    local id pid
    id=$(new_id)
    run_counter "$id"
    checkpoint "$id"
    cfg '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "cat > " + $d + "/prestart.json"]}]
         | .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "cat > " + $d + "/create.json"]}]' --arg d "$HOSTDIR"
    restore_detached "$id"
    pid=$(crr state "$id" | jq -r .pid)
    [[ $(jq -r .pid "$HOSTDIR/prestart.json") == "$pid" ]] || fail "prestart saw: $(cat "$HOSTDIR/prestart.json")"
    [[ $(jq -r .pid "$HOSTDIR/create.json") == "$pid" ]] || fail "createRuntime saw: $(cat "$HOSTDIR/create.json")"
    restored_and_managed "$id" "$COUNT"
}
