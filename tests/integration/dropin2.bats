#!/usr/bin/env bats
# Drop-in fidelity with runc (issue 12), second part: what hooks, seccomp
# and mounts do where runc and runtime-spec say what must happen.

load helpers

setup_file() {
    make_rootfs
}
setup() {
    cr_setup
    cfg '.root.readonly = false'
}
teardown() { cr_teardown; }

# assert_gone ID: assert_no_leftovers, but the cache of compiled seccomp
# filters in the state root may stay.
assert_gone() {
    rm -rf "$CR_ROOT/@seccomp"
    assert_no_leftovers "$1"
}

# hook KIND ARG...: append a hook running ARG... (ARG[0] an absolute path).
hook() {
    local kind=$1
    shift
    cfg '.hooks[$k] += [{path: $a[0], args: $a}]' --arg k "$kind" --argjson a "$(json_array "$@")"
}

# ---------------------------------------------------------------- hooks

@test "hooks: a failing prestart hook fails start, the program never runs, the container is destroyed and poststop runs" {
    local id
    id=$(new_id)
    hook prestart /bin/false
    hook poststop /bin/sh -c "echo poststop >>'$HOSTDIR/log'"
    set_args touch /ran
    create "$id"
    run --separate-stderr crr start "$id"
    assert_status 1
    [[ $stderr == *"hooks.prestart[0]"*"error running hook /bin/false: exit status 1"* ]] || { show_run; fail "start's error"; }
    [[ ! -e $BUNDLE/rootfs/ran ]] || fail "the program ran"
    run crr state "$id"
    [[ $status -ne 0 ]] || fail "the container still exists: $output"
    [[ $(cat "$HOSTDIR/log") == poststop ]] || fail "poststop log: $(cat "$HOSTDIR/log" 2>&1)"
    assert_gone "$id"
}

@test "hooks: failing poststart and poststop hooks are warnings: the next hooks run, start and delete succeed" {
    local id
    id=$(new_id)
    hook poststart /bin/false
    hook poststart /bin/sh -c "echo poststart >>'$HOSTDIR/log'"
    hook poststop /bin/sh -c 'exit 3'
    hook poststop /bin/sh -c "echo poststop >>'$HOSTDIR/log'"
    set_args true
    create "$id"
    run --separate-stderr crr start "$id"
    assert_status 0
    [[ $stderr == *"hooks.poststart[0]"*"error running hook /bin/false: exit status 1"* ]] || { show_run; fail "no warning from start"; }
    wait_status "$id" stopped
    run --separate-stderr crr delete "$id"
    assert_status 0
    [[ $stderr == *"hooks.poststop[0]"*"exit status 3"* ]] || { show_run; fail "no warning from delete"; }
    [[ $(cat "$HOSTDIR/log") == $'poststart\npoststop' ]] || fail "hook log: $(cat "$HOSTDIR/log" 2>&1)"
    assert_gone "$id"
}

@test "hooks: a hook that exits without reading the state on its stdin does not kill the runtime" {
    local id
    id=$(new_id)
    # a state far larger than a socket buffer: the write cannot finish
    # before the hook has exited
    head -c 900000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
    cfg '.annotations.big = $v' --rawfile v "$BATS_TEST_TMPDIR/big"
    hook prestart /bin/true
    hook poststart /bin/true
    set_args true
    create "$id"
    run --separate-stderr crr start "$id"
    assert_status 0
    [[ -z $stderr ]] || { show_run; fail "start complained"; }
    wait_status "$id" stopped
    crr delete "$id"
}

@test "hooks: createContainer hooks run from the container's rootfs, as runc runs them" {
    local id
    id=$(new_id)
    hook createContainer /bin/sh -c "pwd >'$HOSTDIR/cwd' && touch ./by-hook"
    set_args true
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(cat "$HOSTDIR/cwd") == "$BUNDLE/rootfs" ]] || fail "cwd: $(cat "$HOSTDIR/cwd")"
    [[ -f $BUNDLE/rootfs/by-hook ]] || fail "./by-hook is not in the rootfs"
    assert_gone "$id"
}

@test "hooks: startContainer hooks run under the container's seccomp filter" {
    local id
    id=$(new_id)
    cfg '.process.noNewPrivileges = true | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL"}]}'
    hook startContainer /bin/sh -c 'mkdir /tmp/by-hook'
    set_args true
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 1
    [[ $stderr == *"hooks.startContainer[0]"*"error running hook /bin/sh: signal: bad system call"* ]] || { show_run; fail "run's error"; }
    [[ ! -e $BUNDLE/rootfs/tmp/by-hook ]] || fail "the hook made its directory"
    assert_gone "$id"
}
