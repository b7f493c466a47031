#!/usr/bin/env bats
# process.terminal: the pty master goes to --console-socket; the container's
# stdio is the pty slave.

load helpers

setup_file() {
    make_rootfs
    cc -O1 -Wall -o "$BATS_FILE_TMPDIR/console-recv" "$BATS_TEST_DIRNAME/console-recv.c"
}
setup() {
    cr_setup
    RECV=$BATS_FILE_TMPDIR/console-recv
    SOCK=$BATS_TEST_TMPDIR/console.sock
    TTYOUT=$BATS_TEST_TMPDIR/tty.out
    cfg '.process.terminal = true'
}
teardown() { cr_teardown; }

# start_receiver: console-recv listening on $SOCK, copying the pty to $TTYOUT.
start_receiver() {
    "$RECV" "$SOCK" "$TTYOUT" "$BATS_TEST_TMPDIR/recv.ready" >"$BATS_TEST_TMPDIR/recv.log" 2>&1 3>&- &
    RECV_PID=$!
    track_bg "$RECV_PID"
    wait_file "$BATS_TEST_TMPDIR/recv.ready"
}

# wait_receiver: the receiver exits once every slave fd is closed.
wait_receiver() {
    local st=0
    wait "$RECV_PID" || st=$?
    [[ $st -eq 0 ]] || fail "console-recv failed ($st):" "$(cat "$BATS_TEST_TMPDIR/recv.log")"
}

# tty_text: the captured pty output without carriage returns.
tty_text() { tr -d '\r' <"$TTYOUT"; }

@test "terminal: create without --console-socket fails naming console-socket, nothing left" {
    local id
    id=$(new_id)
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_error 1 "console-socket"
    assert_no_leftovers "$id"
}

@test "terminal: run --detach without --console-socket fails naming console-socket" {
    local id
    id=$(new_id)
    run --separate-stderr crc run --detach --bundle "$BUNDLE" "$id"
    assert_error 1 "console-socket"
    assert_no_leftovers "$id"
}

@test "terminal: run --console-socket: the output arrives through the pty (tty is /dev/pts/0)" {
    local id
    id=$(new_id)
    set_args sh -c 'tty; echo hi-from-pty'
    start_receiver
    run --separate-stderr crr run --console-socket "$SOCK" --bundle "$BUNDLE" "$id"
    assert_status 0
    wait_receiver
    grep -qx /dev/pts/0 <(tty_text) || fail "tty output:" "$(tty_text)"
    grep -qx hi-from-pty <(tty_text) || fail "tty output:" "$(tty_text)"
    [[ $output != *hi-from-pty* ]] || fail "the output went to cr's stdout instead of the pty"
}

@test "terminal: create --console-socket + start: stdin, stdout and stderr are the pty" {
    local id
    id=$(new_id)
    set_args sh -c 'for f in 0 1 2; do readlink /proc/self/fd/$f; done; echo to-stderr >&2'
    start_receiver
    run --separate-stderr crc create --console-socket "$SOCK" --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(state_field "$id" status) == created ]] || fail "not created"
    crr start "$id"
    wait_status "$id" stopped
    wait_receiver
    [[ $(tty_text | head -n 3 | tr '\n' ' ') == "/dev/pts/0 /dev/pts/0 /dev/pts/0 " ]] || fail "stdio:" "$(tty_text)"
    grep -qx to-stderr <(tty_text) || fail "stderr did not reach the pty:" "$(tty_text)"
    [[ ! -s $BATS_TEST_TMPDIR/ctr.out ]] || fail "container output on cr's stdout: $(cat "$BATS_TEST_TMPDIR/ctr.out")"
}

@test "terminal: the pty is the controlling terminal and has process.consoleSize" {
    local id
    id=$(new_id)
    cfg '.process.consoleSize = {height: 33, width: 111}'
    set_args sh -c 'stty size; if echo x > /dev/tty; then echo ctty-ok; fi'
    start_receiver
    run --separate-stderr crr run --console-socket "$SOCK" --bundle "$BUNDLE" "$id"
    assert_status 0
    wait_receiver
    grep -qx '33 111' <(tty_text) || fail "stty size:" "$(tty_text)"
    grep -qx ctty-ok <(tty_text) || fail "/dev/tty:" "$(tty_text)"
}

@test "terminal: the exit status propagates with a terminal too" {
    local id
    id=$(new_id)
    set_args sh -c 'exit 9'
    start_receiver
    run --separate-stderr crr run --console-socket "$SOCK" --bundle "$BUNDLE" "$id"
    assert_status 9
    wait_receiver
}

@test "terminal: exec --tty --console-socket into a running container" {
    local id
    id=$(new_id)
    cfg '.process.terminal = false'
    create "$id"
    crr start "$id"
    start_receiver
    run --separate-stderr crr exec --tty --console-socket "$SOCK" "$id" sh -c 'tty; echo exec-pty'
    assert_status 0
    wait_receiver
    grep -Eqx '/dev/pts/[0-9]+' <(tty_text) || fail "exec tty:" "$(tty_text)"
    grep -qx exec-pty <(tty_text) || fail "exec output:" "$(tty_text)"
}

@test "terminal: a --console-socket nobody listens on fails naming it, nothing left" {
    local id
    id=$(new_id)
    run --separate-stderr crc create --console-socket "$BATS_TEST_TMPDIR/nobody.sock" --bundle "$BUNDLE" "$id"
    assert_error 1 "nobody.sock"
    assert_no_leftovers "$id"
}
