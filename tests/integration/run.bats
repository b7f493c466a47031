#!/usr/bin/env bats
# cr run (the OCI bundle form): foreground status, detach, keep, stdio.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

@test "run: the container's exit code propagates (exit 7 -> 7)" {
    run_ctr sh -c 'exit 7'
    assert_status 7
}

@test "run: exit 0 -> 0 and false -> 1" {
    run_ctr true
    assert_status 0
    run_ctr false
    assert_status 1
}

@test "run: the container's stdout reaches cr's stdout, stderr reaches stderr" {
    run_ctr sh -c 'echo hello-from-container; echo oops-on-stderr >&2'
    assert_status 0
    [[ $output == hello-from-container ]] || fail "stdout: '$output'"
    [[ $stderr == oops-on-stderr ]] || fail "stderr: '$stderr'"
}

@test "run: stdin is passed to the container" {
    local id
    id=$(new_id)
    set_args sh -c 'read line; echo "got:$line"'
    run --separate-stderr bash -c '"$1" --root "$2" run --bundle "$3" "$4" <<<"piped-in"' _ "$CR" "$CR_ROOT" "$BUNDLE" "$id"
    assert_status 0
    [[ $output == got:piped-in ]] || fail "stdout: '$output'"
}

@test "run: killed by a signal gives 128+N (no pid namespace, kill -KILL \$\$ -> 137)" {
    local id
    cfg '.linux.namespaces |= map(select(.type != "pid"))'
    set_args sh -c 'kill -KILL $$'
    run_new
    assert_status 137
}

@test "run: killed by a signal gives 128+N (cr kill KILL from outside -> 137)" {
    local id pid out=$BATS_TEST_TMPDIR/run.status
    id=$(new_id)
    (
        st=0
        crr run --bundle "$BUNDLE" "$id" >/dev/null 2>&1 || st=$?
        echo "$st" >"$out"
    ) &
    pid=$!
    track_bg "$pid"
    wait_status "$id" running
    crr kill "$id" KILL
    wait "$pid"
    [[ $(cat "$out") == 137 ]] || fail "cr run exit status: $(cat "$out")"
}

@test "run: SIGTERM to the foreground cr is forwarded to the container" {
    local id pid out=$BATS_TEST_TMPDIR/run.status
    id=$(new_id)
    bind_hostdir
    set_args sh -c 'trap "echo TERM > /mnt/host/sig; exit 3" TERM; echo ready > /mnt/host/ready; while :; do sleep 1000 & wait $!; done'
    (
        st=0
        exec 3>&-
        "$CR" --root "$CR_ROOT" run --bundle "$BUNDLE" "$id" >/dev/null 2>&1 &
        echo $! >"$BATS_TEST_TMPDIR/cr.pid"
        wait $! || st=$?
        echo "$st" >"$out"
    ) &
    pid=$!
    track_bg "$pid"
    wait_file "$HOSTDIR/ready"
    wait_file "$BATS_TEST_TMPDIR/cr.pid"
    kill -TERM "$(cat "$BATS_TEST_TMPDIR/cr.pid")"
    wait "$pid"
    [[ $(cat "$HOSTDIR/sig" 2>/dev/null) == TERM ]] || fail "the container did not see TERM"
    [[ $(cat "$out") == 3 ]] || fail "cr run exit status: $(cat "$out")"
}

@test "run --detach: returns while the container runs" {
    local id
    id=$(new_id)
    run --separate-stderr crc run --detach --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(state_field "$id" status) == running ]] || fail "status after run -d: $(state_field "$id" status)"
    local pid
    pid=$(state_field "$id" pid)
    [[ -d /proc/$pid ]] || fail "init $pid does not exist"
    crr kill "$id" KILL
    wait_status "$id" stopped
    crr delete "$id"
    assert_no_leftovers "$id"
}

@test "run -d --pid-file: the pid file matches the state pid" {
    local id pf=$BATS_TEST_TMPDIR/run.pid
    id=$(new_id)
    run --separate-stderr crc run -d --pid-file "$pf" --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(cat "$pf") == "$(state_field "$id" pid)" ]] || fail "pid file $(cat "$pf") != state pid"
}

@test "run: without --keep the state is removed after exit" {
    run_ctr true
    assert_status 0
    run --separate-stderr crr state "$RUN_ID"
    assert_status 1
    assert_no_leftovers "$RUN_ID"
}

@test "run --keep: the state is kept after exit (stopped) and delete removes it" {
    run_ctr --keep sh -c 'exit 4'
    assert_status 4
    run --separate-stderr crr state "$RUN_ID"
    assert_status 0
    [[ $(jq -r .status <<<"$output") == stopped ]] || fail "state: $output"
    run --separate-stderr crr delete "$RUN_ID"
    assert_status 0
    assert_no_leftovers "$RUN_ID"
}

@test "run: with the bundle as the current directory" {
    local id
    id=$(new_id)
    set_args sh -c 'echo in-cwd-bundle'
    cd "$BUNDLE"
    run --separate-stderr crr run "$id"
    assert_status 0
    [[ $output == in-cwd-bundle ]] || fail "stdout: $output"
}

@test "run: a missing executable fails with a message naming it" {
    run_ctr /bin/no-such-program
    [[ $status -ne 0 ]] || fail "exit status 0"
    [[ $stderr == *no-such-program* ]] || fail "message does not name the program: $stderr"
    assert_no_leftovers "$RUN_ID"
}
