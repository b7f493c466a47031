#!/usr/bin/env bats
# Drop-in fidelity with runc (issue 12), second part: what hooks, seccomp
# and mounts do where runc and runtime-spec say what must happen.

load helpers

setup_file() {
    make_rootfs
    # static: both run inside the busybox rootfs
    cc -O1 -Wall -static -o "$BATS_FILE_TMPDIR/seccomp-agent" "$BATS_TEST_DIRNAME/seccomp-agent.c"
    # rawsys NR...: makes each raw syscall (no arguments) and prints
    # "NR=ERRNO" (0 when it succeeded), bypassing libc's own fallbacks
    cat >"$BATS_FILE_TMPDIR/rawsys.c" <<'EOF'
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        long nr = strtol(argv[i], NULL, 10);
        errno = 0;
        long r = syscall(nr, 0, 0, 0, 0, 0, 0);
        printf("%ld=%d\n", nr, r < 0 ? errno : 0);
    }
    return 0;
}
EOF
    cc -O1 -Wall -static -o "$BATS_FILE_TMPDIR/rawsys" "$BATS_FILE_TMPDIR/rawsys.c"
}
setup() {
    cr_setup
    SOCK=$BATS_TEST_TMPDIR/agent.sock
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
    hook createContainer /bin/sh -c "pwd >'$HOSTDIR/cwd' && touch ./by-hook"
    set_args true
    run_new
    assert_status 0
    [[ $(cat "$HOSTDIR/cwd") == "$BUNDLE/rootfs" ]] || fail "cwd: $(cat "$HOSTDIR/cwd")"
    [[ -f $BUNDLE/rootfs/by-hook ]] || fail "./by-hook is not in the rootfs"
    assert_gone "$id"
}

@test "hooks: startContainer hooks run under the container's seccomp filter" {
    local id
    cfg '.process.noNewPrivileges = true | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_KILL"}]}'
    hook startContainer /bin/sh -c 'mkdir /tmp/by-hook'
    set_args true
    run_new
    assert_status 1
    [[ $stderr == *"hooks.startContainer[0]"*"error running hook /bin/sh: signal: bad system call"* ]] || { show_run; fail "run's error"; }
    [[ ! -e $BUNDLE/rootfs/tmp/by-hook ]] || fail "the hook made its directory"
    assert_gone "$id"
}

# ---------------------------------------------------------------- seccomp

# rawsys_profile DEFAULT [ERRNO]: linux.seccomp that allows what a static
# program needs to start and print, nothing newer than newfstatat (262 on
# x86_64), plus a name no kernel has; everything else gets DEFAULT.
rawsys_profile() {
    cfg '.linux.seccomp = {defaultAction: $d, syscalls: [{action: "SCMP_ACT_ALLOW", names: [
            "execve", "exit", "exit_group", "brk", "mmap", "munmap", "mprotect", "arch_prctl",
            "set_tid_address", "read", "write", "writev", "ioctl", "rt_sigprocmask", "rt_sigaction",
            "close", "fstat", "newfstatat", "no_such_syscall_cr"]}]}
        | if $e != "" then .linux.seccomp.defaultErrnoRet = ($e | tonumber) else . end' \
        --arg d "$1" --arg e "${2:-}"
}

@test "seccomp: a syscall newer than every one the profile names gets ENOSYS; an older unlisted one the default" {
    [[ $(uname -m) == x86_64 ]] || skip "syscall numbers are x86_64's"
    cp "$BATS_FILE_TMPDIR/rawsys" "$BUNDLE/rootfs/rawsys"
    rawsys_profile SCMP_ACT_ERRNO
    # 110 getppid (unlisted, older), 435 clone3 (newer), 1000 (no syscall yet)
    set_args /rawsys 110 435 1000
    run --separate-stderr crr run --bundle "$BUNDLE" "$(new_id)"
    assert_status 0
    [[ $output == $'110=1\n435=38\n1000=38' ]] || { show_run; fail "EPERM (1) for 110, ENOSYS (38) above"; }

    # with defaultErrnoRet, older unlisted syscalls get it, newer ones still ENOSYS
    rawsys_profile SCMP_ACT_ERRNO 22
    run --separate-stderr crr run --bundle "$BUNDLE" "$(new_id)"
    assert_status 0
    [[ $output == $'110=22\n435=38\n1000=38' ]] || { show_run; fail "defaultErrnoRet 22"; }
}

@test "seccomp: exec into a container with SCMP_ACT_NOTIFY reaches the agent from the host side" {
    local id agent1 agent2 st=0
    id=$(new_id)
    cfg '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$SOCK"
    # the agent takes one connection: one for the container, one for the exec
    mkdir -p "$BATS_TEST_TMPDIR/a1" "$BATS_TEST_TMPDIR/a2"
    "$BATS_FILE_TMPDIR/seccomp-agent" listen "$SOCK" "$BATS_TEST_TMPDIR/a1" deny >"$BATS_TEST_TMPDIR/a1.out" 2>&1 3>&- &
    agent1=$!
    track_bg "$agent1"
    wait_file "$BATS_TEST_TMPDIR/a1/ready"
    create "$id"
    crr start "$id"
    rm -f "$SOCK"
    "$BATS_FILE_TMPDIR/seccomp-agent" listen "$SOCK" "$BATS_TEST_TMPDIR/a2" deny >"$BATS_TEST_TMPDIR/a2.out" 2>&1 3>&- &
    agent2=$!
    track_bg "$agent2"
    wait_file "$BATS_TEST_TMPDIR/a2/ready"
    run --separate-stderr timeout 60 "$CR" --root "$CR_ROOT" exec "$id" sh -c 'mkdir /tmp/d 2>&1; echo "mkdir=$?"' 3>&-
    assert_status 0
    [[ $output == *"Too many links"*"mkdir=1" ]] || { show_run; fail "the exec's mkdir was not answered by the agent"; }
    wait "$agent2" || st=$?
    [[ $st -eq 0 ]] || fail "agent failed ($st): $(cat "$BATS_TEST_TMPDIR/a2.out")"
    grep -q '^notify mkdir' "$BATS_TEST_TMPDIR/a2/log" || fail "agent log: $(cat "$BATS_TEST_TMPDIR/a2/log")"
    crr delete -f "$id"
    assert_gone "$id"
}

# ---------------------------------------------------------------- mounts

@test "mounts: a read-only /dev still gets its mount points and devices, and is read-only for the program" {
    local id
    cfg '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
    set_args sh -c 'grep "^tmpfs /dev " /proc/mounts; test -c /dev/null && test -d /dev/pts && echo made; touch /dev/x 2>&1; true'
    run_new
    assert_status 0
    [[ ${lines[0]} == "tmpfs /dev tmpfs ro,"* && ${lines[1]} == made && ${lines[2]} == *"Read-only file system" ]] ||
        { show_run; fail "/dev: not made, or not read-only"; }
    assert_gone "$id"
}
