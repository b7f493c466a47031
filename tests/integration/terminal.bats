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
    start_helper console-recv "$BATS_TEST_TMPDIR/recv.ready" "$RECV" "$SOCK" "$TTYOUT" "$BATS_TEST_TMPDIR/recv.ready"
    RECV_PID=$HELPER_PID
}

# wait_receiver: the receiver exits once every slave fd is closed.
wait_receiver() { wait_helper console-recv "$RECV_PID"; }

# tty_text: the captured pty output without carriage returns.
tty_text() { tr -d '\r' <"$TTYOUT"; }

# tty_has LINE WHAT: the pty output has LINE (a grep -x regex) as a line.
tty_has() { grep -qx -- "$1" <(tty_text) || fail "$2:" "$(tty_text)"; }

# run_on_pty STATUS ARG...: `cr run --console-socket` of $BUNDLE with
# process.args ARG..., a receiver on the socket; cr must exit STATUS, and
# the receiver must have finished: the pty's output is then in $TTYOUT.
run_on_pty() {
    local want=$1
    shift
    set_args "$@"
    start_receiver
    run --separate-stderr crr run --console-socket "$SOCK" --bundle "$BUNDLE" "$(new_id)"
    assert_status "$want"
    wait_receiver
}

@test "terminal: create without --console-socket fails naming console-socket, nothing left" {
    cr_refuses create --bundle "$BUNDLE" -- "console-socket"
}

@test "terminal: run --detach without --console-socket fails naming console-socket" {
    cr_refuses run --detach --bundle "$BUNDLE" -- "console-socket"
}

@test "terminal: run --console-socket: the output arrives through the pty (tty is /dev/pts/0)" {
    run_on_pty 0 sh -c 'tty; echo hi-from-pty'
    tty_has /dev/pts/0 "tty output"
    tty_has hi-from-pty "tty output"
    [[ $output != *hi-from-pty* ]] || fail "the output went to cr's stdout instead of the pty"
}

@test "terminal: create --console-socket + start: stdin, stdout and stderr are the pty" {
    local id
    id=$(new_id)
    set_args sh -c 'for f in 0 1 2; do readlink /proc/self/fd/$f; done; echo to-stderr >&2'
    start_receiver
    # the init that waits for start holds none of the caller's pipes: a shell's $(...) returns
    run timeout 20 bash -c "out=\$(\"$CR\" --root \"$CR_ROOT\" create --console-socket \"$SOCK\" --bundle \"$BUNDLE\" \"$id\" 2>&1 3>&-) && echo \"created\$out\""
    [[ $status -eq 0 && $output == created ]] || fail "create: $status $output"
    [[ $(state_field "$id" status) == created ]] || fail "not created"
    crr start "$id"
    wait_status "$id" stopped
    wait_receiver
    [[ $(tty_text | head -n 3 | tr '\n' ' ') == "/dev/pts/0 /dev/pts/0 /dev/pts/0 " ]] || fail "stdio:" "$(tty_text)"
    tty_has to-stderr "stderr did not reach the pty"
    [[ ! -s $BATS_TEST_TMPDIR/ctr.out ]] || fail "container output on cr's stdout: $(cat "$BATS_TEST_TMPDIR/ctr.out")"
}

@test "terminal: the pty is the controlling terminal and has process.consoleSize" {
    cfg '.process.consoleSize = {height: 33, width: 111}'
    run_on_pty 0 sh -c 'stty size; if echo x > /dev/tty; then echo ctty-ok; fi'
    tty_has '33 111' "stty size"
    tty_has ctty-ok "/dev/tty"
}

@test "terminal: the exit status propagates with a terminal too" {
    run_on_pty 9 sh -c 'exit 9'
}

@test "terminal: exec --tty --console-socket into a running container" {
    local id
    cfg '.process.terminal = false'
    id=$(container_in running)
    start_receiver
    run --separate-stderr crr exec --tty --console-socket "$SOCK" "$id" sh -c 'tty; echo exec-pty'
    assert_status 0
    wait_receiver
    tty_has '/dev/pts/[0-9][0-9]*' "exec tty"
    tty_has exec-pty "exec output"
}

@test "terminal: a --console-socket nobody listens on fails naming it, nothing left" {
    cr_refuses create --console-socket "$BATS_TEST_TMPDIR/nobody.sock" --bundle "$BUNDLE" -- "nobody.sock"
}
