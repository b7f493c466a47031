#!/usr/bin/env bats
# create / start / state / kill / delete / list: the OCI lifecycle.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

# A container that records the signals it gets in $HOSTDIR/sigs and says
# "ready" once its traps are in place. TERM makes it exit.
signal_recorder() {
    bind_hostdir
    set_args sh -c 'trap "echo USR1 >> /mnt/host/sigs" USR1
                    trap "echo HUP >> /mnt/host/sigs" HUP
                    trap "echo TERM >> /mnt/host/sigs; exit 0" TERM
                    echo ready > /mnt/host/ready
                    while :; do sleep 1000 & wait $!; done'
}

# kill_recorder [SIGNAL]: a fresh signal_recorder container, ready, sent
# `cr kill ID [SIGNAL]` (which must succeed) until it stops; what it saw is
# then in $HOSTDIR/sigs.
kill_recorder() {
    local id
    id=$(new_id)
    rm -f "$HOSTDIR/ready" "$HOSTDIR/sigs"
    create_start "$id"
    wait_file "$HOSTDIR/ready"
    run --separate-stderr crr kill "$id" "$@"
    assert_status 0
    wait_status "$id" stopped
}

# sigs_seen: the signals the recorder saw, in order, each followed by a space.
sigs_seen() { tr '\n' ' ' <"$HOSTDIR/sigs" 2>/dev/null; }
sigs_are() { [[ $(sigs_seen) == "$1" ]]; }

# kill_seen ID SIGNAL SEEN: `cr kill ID SIGNAL`, then wait until the
# recorder has seen exactly SEEN. One signal at a time: two of the same
# signal pending at once merge into one delivery.
kill_seen() {
    crr kill "$1" "$2"
    wait_until 30 sigs_are "$3" || fail "after $2: signals seen: $(sigs_seen)"
}

@test "state: created -> running -> stopped, with ociVersion, id, pid and an absolute bundle" {
    local id pid
    id=$(new_id)
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr crc create --bundle bundle "$id" # relative bundle path
    assert_status 0

    run --separate-stderr crr state "$id"
    assert_status 0
    jq -e . >/dev/null <<<"$output" || fail "state is not JSON: $output"
    [[ $(jq -r .ociVersion <<<"$output") =~ ^1\. ]] || fail "ociVersion: $output"
    [[ $(jq -r .id <<<"$output") == "$id" ]] || fail "id: $output"
    [[ $(jq -r .status <<<"$output") == created ]] || fail "status after create: $output"
    pid=$(jq -r .pid <<<"$output")
    ((pid > 0)) || fail "pid after create: $output"
    [[ $(jq -r .bundle <<<"$output") == "$(realpath "$BUNDLE")" ]] || fail "bundle is not the absolute path: $output"
    [[ -d /proc/$pid ]] || fail "init pid $pid does not exist"

    run --separate-stderr crr start "$id"
    assert_status 0
    [[ -z $output ]] || fail "start printed: $output"
    run --separate-stderr crr state "$id"
    [[ $(jq -r .status <<<"$output") == running ]] || fail "status after start: $output"
    [[ $(jq -r .pid <<<"$output") == "$pid" ]] || fail "pid changed on start: $output"

    run --separate-stderr crr kill "$id" KILL
    assert_status 0
    wait_status "$id" stopped
    run --separate-stderr crr state "$id"
    assert_status 0
    [[ $(jq -r .pid <<<"$output") == 0 ]] || fail "pid of a stopped container is not 0: $output"
    [[ $(jq -r .id <<<"$output") == "$id" ]] || fail "id: $output"
}

@test "create: the process does not run before start" {
    local id
    id=$(new_id)
    bind_hostdir
    set_args sh -c 'touch /mnt/host/started; exec sleep 1000'
    create "$id"
    [[ $(state_field "$id" status) == created ]] || fail "not created"
    sleep 1 # give an early start every chance to show
    [[ ! -e $HOSTDIR/started ]] || fail "the process ran before cr start"
    crr start "$id"
    wait_file "$HOSTDIR/started"
    [[ $(state_field "$id" status) == running ]] || fail "not running after start"
}

@test "create --pid-file: holds the state pid, without a newline" {
    local id pf=$BATS_TEST_TMPDIR/ctr.pid
    id=$(new_id)
    create "$id" --pid-file "$pf"
    [[ -f $pf ]] || fail "no pid file"
    [[ $(cat "$pf") == "$(state_field "$id" pid)" ]] || fail "pid file '$(cat "$pf")' != state pid"
    [[ $(cat "$pf") =~ ^[1-9][0-9]*$ ]] || fail "pid file is not a pid: '$(cat "$pf")'"
    local size content
    content=$(cat "$pf")
    size=$(stat -c %s "$pf")
    ((size == ${#content})) || fail "pid file has $size bytes for '$content' (trailing newline?)"
}

@test "create --pid-file with a relative path writes it relative to the current directory" {
    local id
    id=$(new_id)
    cd "$BATS_TEST_TMPDIR"
    create "$id" --pid-file rel.pid
    [[ $(cat "$BATS_TEST_TMPDIR/rel.pid") == "$(state_field "$id" pid)" ]] || fail "relative pid file"
}

@test "create: a duplicate id is refused and the first container is untouched" {
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_error 1 "$id" "exists"
    [[ $(state_field "$id" status) == created ]] || fail "first container is no longer created"
    [[ $(state_field "$id" pid) == "$pid" ]] || fail "first container's pid changed"
    crr start "$id"
    [[ $(state_field "$id" status) == running ]] || fail "first container does not start"
}

@test "start: twice is refused, the container keeps running" {
    local id
    id=$(container_in running)
    refused_with "$id" start "$id"
    [[ $(state_field "$id" status) == running ]] || fail "container is not running"
}

@test "start: a stopped container cannot be started again" {
    local id
    id=$(container_in stopped)
    refused_with "stop" start "$id"
}

@test "kill: TERM by name reaches the init's handler" {
    signal_recorder
    kill_recorder TERM
    [[ $(cat "$HOSTDIR/sigs") == TERM ]] || fail "signals seen: $(cat "$HOSTDIR/sigs")"
}

@test "kill: SIGTERM (with prefix) and the default signal are TERM" {
    signal_recorder
    kill_recorder SIGTERM
    [[ $(cat "$HOSTDIR/sigs") == TERM ]] || fail "signals seen: $(cat "$HOSTDIR/sigs")"
    kill_recorder # no signal: SIGTERM
    [[ $(cat "$HOSTDIR/sigs") == TERM ]] || fail "default signal: seen $(cat "$HOSTDIR/sigs")"
}

@test "kill: names and numbers map to the right signal (USR1, SIGHUP, 10, 15)" {
    local id
    id=$(new_id)
    signal_recorder
    create_start "$id"
    wait_file "$HOSTDIR/ready"
    kill_seen "$id" USR1 "USR1 "
    kill_seen "$id" SIGHUP "USR1 HUP "
    kill_seen "$id" 10 "USR1 HUP USR1 "
    crr kill "$id" 15
    wait_status "$id" stopped
    [[ $(sigs_seen) == "USR1 HUP USR1 TERM " ]] || fail "signals seen: $(sigs_seen)"
}

@test "kill: KILL by name stops the container" {
    local id
    id=$(container_in running)
    run --separate-stderr crr kill "$id" KILL
    assert_status 0
    wait_status "$id" stopped
}

@test "kill: 9 by number stops the container, also from created" {
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    run --separate-stderr crr kill "$id" 9
    assert_status 0
    wait_status "$id" stopped
    wait_gone "$pid"
}

@test "kill: a bad signal name is refused with a message, the container lives on" {
    local id
    id=$(container_in running)
    run --separate-stderr crr kill "$id" SIGFOO
    assert_error 1 SIGFOO
    refused_with "12345" kill "$id" 12345
    [[ $(state_field "$id" status) == running ]] || fail "container is not running"
}

@test "kill: on a stopped container fails" {
    local id
    id=$(container_in stopped)
    refused_with "$id" kill "$id" KILL
}

@test "kill --all: signals every process of the container" {
    local id
    id=$(new_id)
    bind_hostdir
    set_args sh -c 'sleep 1000 & sleep 1000 & echo ready > /mnt/host/ready; wait'
    create_start "$id"
    wait_file "$HOSTDIR/ready"
    run --separate-stderr crr kill --all "$id" KILL
    assert_status 0
    wait_status "$id" stopped
    [[ -z $(procs_marked) ]] || fail "processes left: $(procs_marked)"
}

@test "delete: a running container without --force is refused with 'not stopped'" {
    local id
    id=$(container_in running)
    run --separate-stderr crr delete "$id"
    assert_error 1 "not stopped"
    [[ $(state_field "$id" status) == running ]] || fail "container is not running any more"
    [[ -d $CR_ROOT/$id ]] || fail "state dir is gone"
}

@test "delete: a created container without --force is deleted, as runc does" {
    # runc delete: Stopped -> destroy, Created -> kill and destroy, other
    # states only with --force (containerd and podman rely on it)
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    run --separate-stderr crr delete "$id"
    assert_status 0
    wait_gone "$pid"
    [[ ! -e $CR_ROOT/$id ]] || fail "state dir is still there"
    assert_no_leftovers "$id"
}

@test "delete --force: from created, the init is gone and so is the state" {
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    run --separate-stderr crr delete --force "$id"
    assert_status 0
    wait_gone "$pid"
    [[ ! -e $CR_ROOT/$id ]] || fail "state dir $CR_ROOT/$id is still there"
    refused_with "$id" state "$id"
    assert_no_leftovers "$id"
}

@test "delete -f: from running, the processes are gone and so is the state" {
    local id pid
    id=$(new_id)
    set_args sh -c 'sleep 1000 & exec sleep 1001'
    create_start "$id"
    pid=$(state_field "$id" pid)
    run --separate-stderr crr delete -f "$id"
    assert_status 0
    wait_gone "$pid"
    [[ ! -e $CR_ROOT/$id ]] || fail "state dir is still there"
    run --separate-stderr crr state "$id"
    assert_status 1
    assert_no_leftovers "$id"
}

@test "delete: a stopped container, then state fails and the state dir is gone" {
    local id
    id=$(container_in stopped)
    run --separate-stderr crr delete "$id"
    assert_status 0
    [[ ! -e $CR_ROOT/$id ]] || fail "state dir is still there"
    run --separate-stderr crr state "$id"
    assert_error 1 "$id"
    assert_no_leftovers "$id"
}

@test "delete: several ids at once" {
    local a b
    a=$(new_id)
    b=$(new_id)
    create "$a"
    create "$b"
    run --separate-stderr crr delete -f "$a" "$b"
    assert_status 0
    assert_state_root_empty
}

@test "list: table header, ids and statuses" {
    local a b
    a=$(container_in created a)
    b=$(container_in running b)
    run --separate-stderr crr list
    assert_status 0
    [[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE ]] || fail "header: ${lines[0]}"
    [[ ${#lines[@]} -eq 3 ]] || fail "expected header + 2 rows: $output"
    grep -Eq "^$a +[1-9][0-9]* +created +$BUNDLE" <<<"$output" || fail "row for $a: $output"
    grep -Eq "^$b +[1-9][0-9]* +running +$BUNDLE" <<<"$output" || fail "row for $b: $output"
}

@test "list: an empty root prints the header only" {
    run --separate-stderr crr list
    assert_status 0
    [[ ${#lines[@]} -eq 1 && ${lines[0]} =~ ^ID\ +PID\ +STATUS ]] || fail "output: $output"
}

@test "list --format json: parses and carries ids and statuses" {
    local a b
    a=$(container_in created a)
    b=$(container_in running b)
    run --separate-stderr crr list --format json
    assert_status 0
    jq -e 'type == "array" and length == 2' >/dev/null <<<"$output" || fail "not a 2-element array: $output"
    jq -e --arg a "$a" 'map(select(.id == $a and .status == "created" and .pid > 0)) | length == 1' >/dev/null <<<"$output" ||
        fail "$a: $output"
    jq -e --arg b "$b" --arg bu "$BUNDLE" 'map(select(.id == $b and .status == "running" and .bundle == $bu)) | length == 1' \
        >/dev/null <<<"$output" || fail "$b: $output"
    run --separate-stderr crr list -f json
    assert_status 0
    jq -e 'length == 2' >/dev/null <<<"$output" || fail "-f json: $output"
}

@test "list -q: prints the ids only" {
    local a b
    a=$(container_in created a)
    b=$(container_in created b)
    run --separate-stderr crr list -q
    assert_status 0
    [[ $(sort <<<"$output") == "$(printf '%s\n' "$a" "$b" | sort)" ]] || fail "list -q: $output"
    run --separate-stderr crr list --quiet
    assert_status 0
    [[ ${#lines[@]} -eq 2 ]] || fail "list --quiet: $output"
}

@test "list: a stopped container shows pid 0 and status stopped" {
    local id
    id=$(container_in stopped)
    run --separate-stderr crr list --format json
    assert_status 0
    jq -e --arg i "$id" '.[] | select(.id == $i) | .status == "stopped" and .pid == 0' >/dev/null <<<"$output" ||
        fail "list: $output"
}
