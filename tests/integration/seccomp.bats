#!/usr/bin/env bats
# linux.seccomp: what the profile asks for is what the container's syscalls
# get (rules, arguments, actions, flags), SCMP_ACT_NOTIFY answered by an
# agent on listenerPath, and the cache of compiled filters under the state root.

load helpers

setup_file() {
    make_rootfs
    # static: it also runs inside the busybox rootfs (sigmkdir)
    cc -O1 -Wall -static -o "$BATS_FILE_TMPDIR/seccomp-agent" "$BATS_TEST_DIRNAME/seccomp-agent.c"
}
setup() {
    cr_setup
    AGENT=$BATS_FILE_TMPDIR/seccomp-agent
    AGENT_DIR=$BATS_TEST_TMPDIR/agent
    SOCK=$BATS_TEST_TMPDIR/agent.sock
    CACHE=$CR_ROOT/@seccomp
    mkdir -p "$AGENT_DIR"
    # a writable root: an error is the filter's, not EROFS
    cfg '.root.readonly = false'
}
teardown() { cr_teardown; }

# profile JSON: linux.seccomp of $BUNDLE.
profile() { cfg '.linux.seccomp = $p' --argjson p "$1"; }

# deny_mkdir [ERRNO]: allow everything but mkdir/mkdirat (errnoRet ERRNO, or
# the default errno when none).
deny_mkdir() {
    profile "$(jq -nc --argjson e "${1:-null}" '{defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"} + (if $e then {errnoRet: $e} else {} end)]}')"
}

# notify_mkdir [FLAG...]: mkdir/mkdirat go to the agent on $SOCK.
notify_mkdir() {
    profile "$(jq -nc --arg s "$SOCK" --argjson f "$(json_array "$@")" '{defaultAction: "SCMP_ACT_ALLOW",
        listenerPath: $s, listenerMetadata: "meta-from-config", flags: $f,
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
}

# create_refused ID SUBSTRING...: `cr create ID` of $BUNDLE must exit 1 with
# a one-line error naming every SUBSTRING.
create_refused() {
    local id=$1
    shift
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_error 1 "$@"
}

# start_agent MODE: the agent listening on $SOCK (stopped by teardown).
start_agent() {
    start_helper seccomp-agent "$AGENT_DIR/ready" "$AGENT" listen "$SOCK" "$AGENT_DIR" "$1"
    AGENT_PID=$HELPER_PID
}

# wait_agent: the agent exits once no process uses the filter.
wait_agent() { wait_helper seccomp-agent "$AGENT_PID"; }

agent_log() { cat "$AGENT_DIR/log" 2>/dev/null; }

# cache_files: the compiled filters in the cache, one name a line.
cache_files() { ls -A "$CACHE" 2>/dev/null; }

# file_id PATH: inode and mtime with nanoseconds (a rewrite changes both).
file_id() { stat -c '%i %y' "$1"; }

# assert_only_cache_left ID: assert_no_leftovers, but the cache may stay.
assert_only_cache_left() {
    rm -rf "$CACHE"
    assert_no_leftovers "$1"
}

# ---------------------------------------------------------------- rules

@test "seccomp: SCMP_ACT_ALLOW default: mkdir gets errnoRet, chmod the default EPERM, the rest works" {
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28},
        {"names": ["chmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO"}]}'
    run_ctr sh -c 'mkdir /tmp/d 2>&1; chmod 700 /tmp 2>&1; echo hi >/tmp/f && cat /tmp/f; grep "^Seccomp:" /proc/self/status'
    assert_status 0
    [[ ${lines[0]} == *"can't create directory '/tmp/d': No space left on device" ]] || fail "mkdir: ${lines[0]}"
    [[ ${lines[1]} == *"/tmp: Operation not permitted" ]] || fail "chmod: ${lines[1]}"
    [[ ${lines[2]} == hi ]] || fail "write and read: ${lines[2]}"
    [[ ${lines[3]} == $'Seccomp:\t2' ]] || fail "status: ${lines[3]}"
}

@test "seccomp: SCMP_ACT_ERRNO default with an allow list: what is not listed fails with defaultErrnoRet" {
    local allow
    allow=$(json_array arch_prctl brk clone clone3 close dup2 dup3 execve exit exit_group fcntl fstat futex \
        getcwd getegid geteuid getgid getpid getppid getrandom getuid ioctl lseek mmap mprotect munmap \
        newfstatat openat prctl prlimit64 read readlink rseq rt_sigaction rt_sigprocmask rt_sigreturn \
        set_robust_list set_tid_address sigaltstack wait4 write)
    profile "$(jq -nc --argjson a "$allow" '{defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38,
        syscalls: [{names: $a, action: "SCMP_ACT_ALLOW"}]}')"
    run_ctr sh -c 'echo allowed; ln -s x /tmp/l 2>&1; mkdir /tmp/d 2>&1; echo done'
    assert_status 0
    [[ ${lines[0]} == allowed ]] || fail "echo: $output"
    [[ ${lines[1]} == *"/tmp/l: Function not implemented" ]] || fail "symlink: ${lines[1]}"
    [[ ${lines[2]} == *"can't create directory '/tmp/d': Function not implemented" ]] || fail "mkdir: ${lines[2]}"
    [[ ${lines[3]} == done ]] || fail "output: $output"
}

@test "seccomp: args: personality(PER_LINUX32) is refused, personality(PER_LINUX) is not" {
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
    run_ctr sh -c 'linux32 true 2>&1; echo "linux32=$?"; linux64 true 2>&1; echo "linux64=$?"; linux32 -R true 2>&1; echo "linux32-R=$?"'
    assert_status 0
    [[ ${lines[0]} == *"Operation not permitted"* && ${lines[1]} == linux32=1 ]] || fail "linux32: $output"
    [[ ${lines[2]} == linux64=0 ]] || fail "linux64: $output"
    # 0x40008 (ADDR_NO_RANDOMIZE | PER_LINUX32) is not equal to 8
    [[ ${lines[3]} == linux32-R=0 ]] || fail "linux32 -R: $output"
}

@test "seccomp: args: two conditions on one argument match either value" {
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 262152, "op": "SCMP_CMP_EQ"}]}]}'
    run_ctr sh -c 'linux32 true 2>/dev/null; echo "linux32=$?"; linux32 -R true 2>/dev/null; echo "linux32-R=$?"; linux64 true; echo "linux64=$?"'
    assert_status 0
    [[ $output == $'linux32=1\nlinux32-R=1\nlinux64=0' ]] || fail "personality: $output"
}

@test "seccomp: args: SCMP_CMP_MASKED_EQ on chmod's mode" {
    # refused when mode & 0007 == 0007 (value is the mask, valueTwo the datum)
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 7, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 7, "valueTwo": 7, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
    run_ctr sh -c 'touch /tmp/f; chmod 777 /tmp/f 2>&1; chmod 775 /tmp/f && echo chmod-775; chmod 757 /tmp/f 2>&1; stat -c %a /tmp/f'
    assert_status 0
    [[ ${lines[0]} == *"/tmp/f: Operation not permitted" ]] || fail "0777: $output"
    [[ ${lines[1]} == chmod-775 ]] || fail "0775: $output"
    [[ ${lines[2]} == *"/tmp/f: Operation not permitted" ]] || fail "0757: $output"
    [[ ${lines[3]} == 775 && ${#lines[@]} -eq 4 ]] || fail "mode: $output"
}

@test "seccomp: SCMP_ACT_KILL_PROCESS: the process dies of SIGSYS" {
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["symlink", "symlinkat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
    run_ctr sh -c '(ln -s x /tmp/l); echo "ln=$?"; ls /tmp'
    assert_status 0
    [[ $output == "ln=159" ]] || fail "ln under SCMP_ACT_KILL_PROCESS: $output"
    run_ctr ln -s x /tmp/l
    assert_status 159
}

@test "seccomp: an unknown syscall name is skipped, the rest of the rule applies" {
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["no_such_syscall_cr", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
    run_ctr sh -c 'mkdir /tmp/d 2>&1; echo "mkdir=$?"'
    assert_status 0
    [[ ${lines[0]} == *"Operation not permitted" && ${lines[1]} == mkdir=1 ]] || fail "mkdir: $output"
}

@test "seccomp: an unknown action fails naming linux.seccomp.syscalls[N].action, nothing left" {
    local id
    id=$(new_id)
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}, {"names": ["rmdir"], "action": "SCMP_ACT_BOGUS"}]}'
    create_refused "$id" "linux.seccomp.syscalls[1].action" "SCMP_ACT_BOGUS"
    assert_only_cache_left "$id"
}

@test "seccomp: bad defaultAction, errnoRet, defaultErrnoRet and flags fail naming the field" {
    local id
    id=$(new_id)
    profile '{"defaultAction": "SCMP_ACT_NOPE"}'
    create_refused "$id" "linux.seccomp.defaultAction" "SCMP_ACT_NOPE"
    profile '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": "x"}'
    create_refused "$id" "linux.seccomp.defaultErrnoRet"
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1}]}'
    create_refused "$id" "linux.seccomp.syscalls[0].errnoRet"
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NOPE"]}'
    create_refused "$id" "linux.seccomp.flags" "SECCOMP_FILTER_FLAG_NOPE"
    assert_only_cache_left "$id"
}

@test "seccomp: flags TSYNC and SPEC_ALLOW load, the rules apply" {
    deny_mkdir
    cfg '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
    run_ctr sh -c 'mkdir /tmp/d 2>&1; grep "^Seccomp:" /proc/self/status'
    assert_status 0
    [[ ${lines[0]} == *"Operation not permitted" && ${lines[1]} == $'Seccomp:\t2' ]] || fail "output: $output"
}

@test "seccomp: SECCOMP_FILTER_FLAG_LOG: a refused mkdir is logged by the kernel (audit type=1326)" {
    local id pid i logged=
    id=$(new_id)
    deny_mkdir
    cfg '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG"]'
    set_args mkdir /tmp/logged
    create "$id"
    pid=$(state_field "$id" pid)
    crr start "$id"
    wait_status "$id" stopped
    grep -q "can't create directory '/tmp/logged': Operation not permitted" "$BATS_TEST_TMPDIR/ctr.out" ||
        grep -q "can't create directory '/tmp/logged': Operation not permitted" "$BATS_TEST_TMPDIR/ctr.err" ||
        fail "mkdir was not refused: $(cat "$BATS_TEST_TMPDIR/ctr.out" "$BATS_TEST_TMPDIR/ctr.err")"
    # kauditd prints the record a moment later
    for ((i = 0; i < 100; i++)); do
        logged=$(dmesg | grep "type=1326" | grep -E " pid=$pid .*comm=\"mkdir\".* syscall=(83|258) ") && break
        sleep 0.1
    done
    [[ -n $logged ]] || fail "no audit record for pid $pid:" "$(dmesg | grep type=1326 | tail -n 5)"
}

# ---------------------------------------------------------------- SCMP_ACT_NOTIFY

@test "notify: the agent gets the listener fd and the state, and its answer (EMLINK) is what mkdir returns" {
    local id pid
    id=$(new_id)
    notify_mkdir
    set_args sh -c 'mkdir /tmp/d 2>&1; echo "mkdir=$?"; echo hi >/tmp/f && cat /tmp/f'
    start_agent deny
    create "$id"
    pid=$(state_field "$id" pid)
    crr start "$id"
    wait_status "$id" stopped
    wait_agent
    run cat "$BATS_TEST_TMPDIR/ctr.out"
    [[ ${lines[0]} == *"can't create directory '/tmp/d': Too many links" ]] || fail "mkdir: $output"
    [[ ${lines[1]} == mkdir=1 && ${lines[2]} == hi ]] || fail "output: $output"
    grep -Eq '^notify mkdir(at)? pid=[0-9]+$' <(agent_log) || fail "agent log:" "$(agent_log)"
    grep -qx 'reply ok' <(agent_log) || fail "agent log:" "$(agent_log)"
    # runtime-spec's container process state
    run jq -r '.ociVersion, (.fds | tostring), .pid, .metadata, .state.id, .state.pid, .state.bundle, .state.status' "$AGENT_DIR/state.json"
    assert_status 0
    [[ ${lines[0]} == 1.* ]] || fail "ociVersion: ${lines[0]}"
    [[ ${lines[1]} == '["seccompFd"]' ]] || fail "fds: ${lines[1]}"
    [[ ${lines[2]} == "$pid" && ${lines[5]} == "$pid" ]] || fail "pid: ${lines[2]} / ${lines[5]}, container $pid"
    [[ ${lines[3]} == meta-from-config ]] || fail "metadata: ${lines[3]}"
    [[ ${lines[4]} == "$id" ]] || fail "state.id: ${lines[4]}"
    [[ ${lines[6]} == "$BUNDLE" ]] || fail "state.bundle: ${lines[6]}"
    [[ ${lines[7]} == creating ]] || fail "state.status: ${lines[7]}"
}

@test "notify: SECCOMP_USER_NOTIF_FLAG_CONTINUE lets mkdir happen, a faked success does not" {
    notify_mkdir
    start_agent continue
    run_ctr sh -c 'mkdir /tmp/d && echo made; ls -d /tmp/d'
    assert_status 0
    wait_agent
    [[ $output == $'made\n/tmp/d' ]] || fail "continue: $output"
    grep -q '^notify mkdir' <(agent_log) || fail "agent log:" "$(agent_log)"

    rm -rf "$AGENT_DIR" "$SOCK"
    mkdir -p "$AGENT_DIR"
    start_agent fake
    run_ctr sh -c 'mkdir /tmp/e && echo made; ls -d /tmp/e 2>&1; true'
    assert_status 0
    wait_agent
    [[ ${lines[0]} == made && ${lines[1]} == *"/tmp/e: No such file or directory" ]] || fail "fake: $output"
}

# signal_held FLAG...: hold the first mkdir notification in the agent, send
# SIGUSR1 to the caller (which has a handler), then let the agent answer
# EMLINK; $output is what the caller saw.
signal_held() {
    local id pid i st
    id=$(new_id)
    notify_mkdir "$@"
    mkdir -p "$BUNDLE/rootfs/opt"
    cp "$AGENT" "$BUNDLE/rootfs/opt/seccomp-agent"
    set_args /opt/seccomp-agent sigmkdir /tmp/d
    start_agent hold
    create "$id"
    crr start "$id"
    wait_file "$AGENT_DIR/held"
    pid=$(cat "$AGENT_DIR/held")
    kill -USR1 "$pid"
    # interrupted: the caller prints; killable: it sleeps in D with the signal pending
    for ((i = 0; i < 300; i++)); do
        [[ -s $BATS_TEST_TMPDIR/ctr.out ]] && break
        st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
        [[ $st == D ]] && break
        sleep 0.1
    done
    : >"$AGENT_DIR/release"
    wait_status "$id" stopped
    wait_agent
    run cat "$BATS_TEST_TMPDIR/ctr.out"
}

@test "notify: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: a signal does not interrupt a received notification" {
    signal_held SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
    [[ $output == $'mkdir: Too many links\nsignal: yes' ]] || fail "caller saw: $output" "agent: $(agent_log)"
    [[ $(agent_log) == $'notify mkdir pid='*$'\nreply ok' ]] || fail "agent log:" "$(agent_log)"
}

@test "notify: without WAIT_KILLABLE_RECV the same signal interrupts it (EINTR)" {
    signal_held
    [[ $output == $'mkdir: Interrupted system call\nsignal: yes' ]] || fail "caller saw: $output"
    grep -qx 'reply failed: No such file or directory' <(agent_log) || fail "agent log:" "$(agent_log)"
}

@test "notify: with SECCOMP_FILTER_FLAG_TSYNC and _LOG, without no_new_privileges" {
    notify_mkdir SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG
    cfg '.process.noNewPrivileges = false'
    start_agent deny
    run_ctr sh -c 'mkdir /tmp/d 2>&1; grep NoNewPrivs /proc/self/status'
    assert_status 0
    wait_agent
    [[ ${lines[0]} == *"Too many links" && ${lines[1]} == $'NoNewPrivs:\t0' ]] || fail "output: $output"
}

@test "notify: a listenerPath nobody listens on fails naming it, nothing left" {
    local id
    id=$(new_id)
    notify_mkdir
    create_refused "$id" "linux.seccomp.listenerPath" "$SOCK"
    assert_only_cache_left "$id"
}

@test "notify: SCMP_ACT_NOTIFY without listenerPath fails naming it" {
    local id
    id=$(new_id)
    notify_mkdir
    cfg 'del(.linux.seccomp.listenerPath)'
    create_refused "$id" "linux.seccomp.listenerPath"
    assert_only_cache_left "$id"
}

# ---------------------------------------------------------------- no_new_privileges

@test "seccomp: loads with no_new_privileges false (as uid 1000, no CAP_SYS_ADMIN) and true" {
    deny_mkdir
    cfg '.process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}'
    run_ctr sh -c 'mkdir /tmp/d 2>&1; for f in NoNewPrivs Seccomp CapEff; do grep "^$f:" /proc/self/status; done; id -u'
    assert_status 0
    [[ ${lines[0]} == *"Operation not permitted" ]] || fail "mkdir: $output"
    [[ ${lines[1]} == $'NoNewPrivs:\t0' && ${lines[2]} == $'Seccomp:\t2' ]] || fail "status: $output"
    [[ ${lines[3]} == $'CapEff:\t0000000000000000' && ${lines[4]} == 1000 ]] || fail "identity: $output"

    cfg '.process.noNewPrivileges = true | del(.process.user) | .process.user = {uid: 0, gid: 0}'
    run_ctr sh -c 'mkdir /tmp/d 2>&1; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
    assert_status 0
    [[ ${lines[0]} == *"Operation not permitted" ]] || fail "mkdir: $output"
    [[ ${lines[1]} == $'NoNewPrivs:\t1' && ${lines[2]} == $'Seccomp:\t2' ]] || fail "status: $output"
}

# ---------------------------------------------------------------- cache

@test "cache: one file per profile, reused by the next container, a new profile adds one" {
    local first
    deny_mkdir 28
    run_ctr sh -c 'mkdir /tmp/d 2>&1'
    [[ $output == *"No space left on device" ]] || fail "first: $output"
    [[ $(cache_files | wc -l) -eq 1 ]] || fail "cache:" "$(cache_files)"
    first=$(file_id "$CACHE/$(cache_files)")

    run_ctr sh -c 'mkdir /tmp/d 2>&1'
    [[ $output == *"No space left on device" ]] || fail "second: $output"
    [[ $(cache_files | wc -l) -eq 1 ]] || fail "cache:" "$(cache_files)"
    [[ $(file_id "$CACHE/$(cache_files)") == "$first" ]] || fail "the cache file was rewritten"

    deny_mkdir 13
    run_ctr sh -c 'mkdir /tmp/d 2>&1'
    [[ $output == *"Permission denied" ]] || fail "other profile: $output"
    [[ $(cache_files | wc -l) -eq 2 ]] || fail "cache:" "$(cache_files)"
}

# corrupt_run WHAT: after one run with the profile, damage its cache file
# (corrupt_WHAT FILE), run again: the profile still applies.
corrupt_run() {
    local f
    deny_mkdir 28
    run_ctr sh -c 'mkdir /tmp/d 2>&1'
    [[ $output == *"No space left on device" ]] || fail "first: $output"
    f=$CACHE/$(cache_files)
    "corrupt_$1" "$f"
    run_ctr sh -c 'mkdir /tmp/d 2>&1; echo "mkdir=$?"'
    assert_status 0
    [[ ${lines[0]} == *"No space left on device" && ${lines[1]} == mkdir=1 ]] || fail "with a damaged cache ($1): $output"
    [[ $(cache_files | wc -l) -eq 1 ]] || fail "cache:" "$(cache_files)"
}

# the stored profile text: "mkdir" becomes "mkdiX"
corrupt_text() {
    local off
    off=$(grep -obaF '"mkdir"' "$1" | head -n 1 | cut -d: -f1)
    [[ -n $off ]] || fail "no profile text in $1"
    printf 'X' | dd of="$1" bs=1 seek=$((off + 5)) conv=notrunc status=none
}
corrupt_truncate() { truncate -s -8 "$1"; }
corrupt_empty() { : >"$1"; }
# the BPF: the errno of the RET ERRNO(28) instruction becomes 13
corrupt_bpf() {
    local off
    off=$(LC_ALL=C grep -obaP '\x06\x00\x00\x00\x1c\x00\x05\x00' "$1" | tail -n 1 | cut -d: -f1)
    [[ -n $off ]] || fail "no RET ERRNO(28) in $1"
    printf '\x0d' | dd of="$1" bs=1 seek=$((off + 4)) conv=notrunc status=none
}

@test "cache: a file whose profile text differs is not used" { corrupt_run text; }
@test "cache: a truncated file is not used" { corrupt_run truncate; }
@test "cache: an empty file is not used" { corrupt_run empty; }
@test "cache: a file whose BPF was altered is not used" { corrupt_run bpf; }

@test "cache: containers started together with a new profile all get it, one file, no temporary files" {
    local i pids=() id
    deny_mkdir 28
    set_args sh -c 'mkdir /tmp/d 2>&1'
    for i in 1 2 3 4 5 6; do
        id=$(new_id)
        crr run --bundle "$BUNDLE" "$id" >"$BATS_TEST_TMPDIR/par.$i" 2>&1 &
        pids+=($!)
        track_bg $!
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || true; done
    for i in 1 2 3 4 5 6; do
        grep -q "No space left on device" "$BATS_TEST_TMPDIR/par.$i" || fail "container $i:" "$(cat "$BATS_TEST_TMPDIR/par.$i")"
    done
    [[ $(cache_files | wc -l) -eq 1 ]] || fail "cache:" "$(cache_files)"
}

@test "cache: cr exec into a container with a profile is confined, from the cache (refilled on the host side)" {
    local id
    id=$(new_id)
    deny_mkdir 28
    create "$id"
    crr start "$id"
    rm -rf "$CACHE"
    run --separate-stderr crr exec "$id" sh -c 'mkdir /tmp/d 2>&1; grep "^Seccomp:" /proc/self/status'
    assert_status 0
    [[ ${lines[0]} == *"No space left on device" && ${lines[1]} == $'Seccomp:\t2' ]] || fail "exec: $output"
    [[ $(cache_files | wc -l) -eq 1 ]] || fail "exec did not refill the cache:" "$(cache_files)"
    [[ ! -e $BUNDLE/rootfs/run/cr ]] || fail "the cache went into the container"
    run --separate-stderr crr exec "$id" sh -c 'mkdir /tmp/e 2>&1'
    [[ $output == *"No space left on device" ]] || fail "exec from the cache: $output"
}

@test "cache: the cache is not a container: cr list does not show it, a container may be named like it" {
    local id
    deny_mkdir
    run_ctr true
    assert_status 0
    [[ -n $(cache_files) ]] || fail "nothing cached"
    run --separate-stderr crr list -q
    assert_status 0
    [[ -z $output ]] || fail "cr list: $output"
    run --separate-stderr crr state seccomp
    assert_error 1 "seccomp" "does not exist"
    id=seccomp
    echo "$id" >>"$BATS_TEST_TMPDIR/.ids"
    set_args sh -c 'mkdir /tmp/d 2>&1; true'
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $output == *"Operation not permitted" ]] || fail "container $id: $output $stderr"
}
