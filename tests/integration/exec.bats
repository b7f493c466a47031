#!/usr/bin/env bats
# cr exec and cr ps against a running container.

load helpers

setup_file() { make_rootfs; }
setup() {
    cr_setup
    ID=$(new_id)
    cfg '.hostname = "exec-host"'
    set_args sleep 1000
    create "$ID"
    crr start "$ID"
}
teardown() { cr_teardown; }

@test "exec: shares the container's pid namespace (ps shows the init as pid 1)" {
    run --separate-stderr crr exec "$ID" ps
    assert_status 0
    grep -Eq '^ *1 .* sleep 1000$' <<<"$output" || fail "ps in the container: $output"
    run --separate-stderr crr exec "$ID" sh -c 'tr "\0" " " </proc/1/cmdline; echo "|$$"'
    assert_status 0
    [[ $output == "sleep 1000 |"* ]] || fail "/proc/1/cmdline: $output"
    # the exec'd shell is not the init of that namespace
    local mypid=${output##*|}
    ((mypid > 1)) || fail "exec pid in the container: $mypid"
}

@test "exec: runs in the container's uts and mount namespaces" {
    run --separate-stderr crr exec "$ID" hostname
    assert_status 0
    [[ $output == exec-host ]] || fail "hostname: $output"
    run --separate-stderr crr exec "$ID" readlink /proc/1/root
    assert_status 0
    [[ $output == / ]] || fail "/proc/1/root from the exec: $output"
    run --separate-stderr crr exec "$ID" sh -c 'test -x /bin/busybox && ! test -e /work'
    assert_status 0
}

@test "exec: the exit code propagates" {
    run --separate-stderr crr exec "$ID" sh -c 'exit 5'
    assert_status 5
    run --separate-stderr crr exec "$ID" true
    assert_status 0
}

@test "exec: stdout and stderr of the process reach cr's" {
    run --separate-stderr crr exec "$ID" sh -c 'echo out-line; echo err-line >&2'
    assert_status 0
    [[ $output == out-line ]] || fail "stdout: $output"
    [[ $stderr == err-line ]] || fail "stderr: $stderr"
}

@test "exec --env: sets a variable (and keeps the container's PATH)" {
    run --separate-stderr crr exec --env FOO=bar-baz "$ID" sh -c 'echo "$FOO"'
    assert_status 0
    [[ $output == bar-baz ]] || fail "FOO: $output"
    run --separate-stderr crr exec -e A=1 -e B=2 "$ID" sh -c 'echo "$A$B"'
    assert_status 0
    [[ $output == 12 ]] || fail "-e twice: $output"
}

@test "exec --cwd: the process starts there" {
    run --separate-stderr crr exec --cwd /tmp "$ID" pwd
    assert_status 0
    [[ $output == /tmp ]] || fail "pwd: $output"
}

@test "exec --user 1000:1000: id -u shows 1000" {
    run --separate-stderr crr exec --user 1000:1000 "$ID" id -u
    assert_status 0
    [[ $output == 1000 ]] || fail "id -u: $output"
    run --separate-stderr crr exec --user 1000:1000 "$ID" id -g
    assert_status 0
    [[ $output == 1000 ]] || fail "id -g: $output"
    run --separate-stderr crr exec -u 1234 "$ID" id -u
    assert_status 0
    [[ $output == 1234 ]] || fail "-u 1234: $output"
}

@test "exec --process FILE: runs the process described by the JSON" {
    local pj=$BATS_TEST_TMPDIR/process.json
    cat >"$pj" <<'EOF'
{
    "terminal": false,
    "user": { "uid": 1001, "gid": 1002 },
    "args": [ "sh", "-c", "echo from-process-json $(id -u):$(id -g) $PWD $XVAR; exit 3" ],
    "env": [ "PATH=/bin", "XVAR=xval" ],
    "cwd": "/tmp"
}
EOF
    run --separate-stderr crr exec --process "$pj" "$ID"
    assert_status 3
    [[ $output == "from-process-json 1001:1002 /tmp xval" ]] || fail "output: $output stderr: $stderr"
}

@test "exec --process with an invalid file fails and names the problem" {
    local pj=$BATS_TEST_TMPDIR/process.json
    echo '{"args": "not-an-array", "cwd": "/"}' >"$pj"
    run --separate-stderr crr exec --process "$pj" "$ID"
    assert_status 255
    [[ $stderr == *args* ]] || fail "message does not name args: $stderr"
    [[ $(state_field "$ID" status) == running ]] || fail "container is not running any more"
}

@test "exec: the exec process is in the container's cgroup and ps lists it" {
    local pf=$BATS_TEST_TMPDIR/exec.pid
    run --separate-stderr crc exec --detach --pid-file "$pf" "$ID" sleep 999
    assert_status 0
    [[ -s $pf ]] || fail "no exec pid file"
    local epid
    epid=$(cat "$pf")
    run --separate-stderr crr ps --format json "$ID"
    assert_status 0
    jq -e --argjson p "$epid" 'index($p) != null' >/dev/null <<<"$output" || fail "exec pid $epid not in ps: $output"
    [[ $(tr '\0' ' ' <"/proc/$epid/cmdline") == "sleep 999 " ]] || fail "pid file does not point at the exec process"
}

@test "exec: into a stopped container fails" {
    crr kill "$ID" KILL
    wait_status "$ID" stopped
    run --separate-stderr crr exec "$ID" true
    assert_status 255
    [[ $stderr == *"$ID"* ]] || fail "message does not name the container: $stderr"
}

@test "exec: into a created (not started) container fails or runs, but never starts the init" {
    local id2
    id2=$(new_id)
    create "$id2"
    run --separate-stderr crr exec "$id2" true
    [[ $(state_field "$id2" status) == created ]] || fail "exec changed the status to $(state_field "$id2" status)"
}

@test "exec: cr does not run from the host binary while it joins the container (CVE-2019-5736)" {
    # The process that joins the container is a fork of the cr that runs it;
    # its /proc/PID/exe must not be the writable host binary.
    local crpid
    "$CR" --root "$CR_ROOT" exec "$ID" sleep 997 >/dev/null 2>&1 3>&- &
    crpid=$!
    track_bg "$crpid"
    local i
    for ((i = 0; i < 300; i++)); do
        procs_marked | grep -q ' sleep 997$' && break
        sleep 0.1
    done
    procs_marked | grep -q ' sleep 997$' || fail "the exec'd process did not appear"
    local exe
    exe=$(readlink "/proc/$crpid/exe")
    [[ $exe != "$(realpath "$CR")" ]] || fail "the exec's cr runs from the host binary $exe"
    exe_not_writable "$crpid" || fail "exe of the exec's cr: $exe (expected a read-only copy)"
}

@test "ps --format json: lists the init pid" {
    local pid
    pid=$(state_field "$ID" pid)
    run --separate-stderr crr ps --format json "$ID"
    assert_status 0
    jq -e 'type == "array"' >/dev/null <<<"$output" || fail "not a JSON array: $output"
    jq -e --argjson p "$pid" 'index($p) != null' >/dev/null <<<"$output" || fail "init $pid not listed: $output"
}

@test "ps: the table (runc's: ps -ef) lists the init pid and its command" {
    local pid
    pid=$(state_field "$ID" pid)
    run --separate-stderr crr ps "$ID"
    assert_status 0
    [[ ${lines[0]} =~ ^UID\ +PID\ +PPID ]] || fail "header: ${lines[0]}"
    grep -Eq "^[^ ]+ +$pid .* sleep 1000\$" <<<"$output" || fail "no row for $pid: $output"
}

@test "ps: an unknown container fails" {
    run --separate-stderr crr ps nope-"$ID"
    assert_error 1 "nope-$ID"
}
