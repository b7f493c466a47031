#!/usr/bin/env bats
# What a bundle, a container or a peer on the network must not get from cr:
# the host's kernel settings, a look into cr's own processes, a pull that
# never ends, a host port taken from its owner.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() {
    restore_host_sysctls
    cr_teardown
    if [[ -f $BATS_TEST_TMPDIR/.netns ]]; then ip netns del "$(cat "$BATS_TEST_TMPDIR/.netns")" 2>/dev/null; fi
    return 0
}

# ---------------------------------------------------------------- sysctl

# host_sysctl NAME: the host's value of a sysctl (dots as separators).
host_sysctl() { cat "/proc/sys/${1//.//}"; }

# save_host_sysctl NAME: remember the host's value, put back in teardown
# whatever a cr that writes the host's settings did to it.
save_host_sysctl() {
    printf '%s\t%s\n' "$1" "$(host_sysctl "$1")" >>"$BATS_TEST_TMPDIR/.sysctls"
}
restore_host_sysctls() {
    local name value
    [[ -f $BATS_TEST_TMPDIR/.sysctls ]] || return 0
    while IFS=$'\t' read -r name value; do
        [[ $(host_sysctl "$name") == "$value" ]] || printf '%s\n' "$value" >"/proc/sys/${name//.//}"
    done <"$BATS_TEST_TMPDIR/.sysctls"
}

# sysctl_refused NAME VALUE WHY: run the bundle with NAME=VALUE; cr must
# refuse it naming the key and WHY, leave the host's value alone and leave
# nothing behind.
sysctl_refused() {
    local name=$1 value=$2 why=$3 before id
    before=$(host_sysctl "$name")
    save_host_sysctl "$name"
    cfg '.linux.sysctl = {($n): $v}' --arg n "$name" --arg v "$value"
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    [[ $(host_sysctl "$name") == "$before" ]] || fail "$name: the host's value changed from '$before' to '$(host_sysctl "$name")'" || return 1
    assert_error 1 "linux.sysctl \"$name\"" "$why" || return 1
    assert_no_leftovers "$id"
}

@test "sysctl: keys no namespace holds are refused and the host keeps its values" {
    local burst expire
    set_args true
    burst=$(host_sysctl kernel.printk_ratelimit_burst)
    expire=$(host_sysctl vm.dirty_expire_centisecs)
    sysctl_refused kernel.printk_ratelimit_burst $((burst + 1)) "not namespaced"
    sysctl_refused vm.dirty_expire_centisecs $((expire + 1)) "not namespaced"
    sysctl_refused kernel.core_pattern "|/bin/false cr-test %p" "not namespaced"
}

@test "sysctl: namespaced keys are refused without the container's own namespace" {
    local fwd
    set_args true
    fwd=$(host_sysctl net.ipv4.ip_forward)
    cfg '.linux.namespaces |= map(select(.type != "network"))'
    sysctl_refused net.ipv4.ip_forward $((1 - fwd)) "needs its own network namespace"
    # a path naming the host's own network namespace is no namespace of its own
    cfg '.linux.namespaces += [{type: "network", path: $p}]' --arg p "/proc/$$/ns/net"
    sysctl_refused net.ipv4.ip_forward $((1 - fwd)) "is the host's"
    cfg '.linux.namespaces |= map(select(.type != "ipc"))'
    sysctl_refused kernel.shmmax 4096 "needs its own ipc namespace"
    sysctl_refused fs.mqueue.msg_max 11 "needs its own ipc namespace"
    cfg '.linux.namespaces |= map(select(.type != "uts"))'
    sysctl_refused kernel.domainname cr-test "needs its own uts namespace"
}

@test "sysctl: kernel.hostname is refused for the hostname field" {
    set_args true
    cfg '.hostname = "cr-one"'
    sysctl_refused kernel.hostname cr-two "conflicts with the hostname field"
    sysctl_refused kernel.hostname cr-one "conflicts with the hostname field"
}

@test "sysctl: namespaced keys are set in the container, not on the host" {
    local fwd shmmax id
    fwd=$(host_sysctl net.ipv4.ip_forward)
    shmmax=$(host_sysctl kernel.shmmax)
    save_host_sysctl net.ipv4.ip_forward
    save_host_sysctl kernel.shmmax
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.shmmax": "4096", "kernel.domainname": "cr-test"}' \
        --arg f $((1 - fwd))
    set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/kernel/domainname'
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "$((1 - fwd)) 4096 cr-test " ]] || fail "in the container: $output"
    [[ $(host_sysctl net.ipv4.ip_forward) == "$fwd" && $(host_sysctl kernel.shmmax) == "$shmmax" ]] ||
        fail "the host's values changed"
}

@test "sysctl: a network namespace the container joins by path takes net.* keys" {
    local fwd ns_pid id i
    fwd=$(host_sysctl net.ipv4.ip_forward)
    save_host_sysctl net.ipv4.ip_forward
    unshare --net sleep 1000 3>&- &
    ns_pid=$!
    track_bg "$ns_pid"
    for ((i = 0; i < 100; i++)); do
        [[ $(readlink "/proc/$ns_pid/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
        sleep 0.1
    done
    cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/proc/$ns_pid/ns/net"
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": $f}' --arg f $((1 - fwd))
    set_args cat /proc/sys/net/ipv4/ip_forward
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $output == "$((1 - fwd))" ]] || fail "in the container: $output"
    [[ $(host_sysctl net.ipv4.ip_forward) == "$fwd" ]] || fail "the host's value changed"
}

# ---------------------------------------------------------------- image runs

# crs ARGS...: cr with this test's state root and image store.
crs() { "$CR" --root "$CR_ROOT" --storage "$BATS_TEST_TMPDIR/store" "$@" 3>&-; }

# no_image_containers: nothing left of an image run in the store, and no
# container state (the @ entries are caches and the network's database).
no_image_containers() {
    local left
    left=$(ls -A "$BATS_TEST_TMPDIR/store/containers" 2>/dev/null) || true
    [[ -z $left ]] || fail "containers left in the store: $left" || return 1
    left=$(ls -A "$CR_ROOT" 2>/dev/null | grep -v '^@') || true
    [[ -z $left ]] || fail "container state left: $left" || return 1
    if [[ -f $CR_ROOT/@net/leases.json ]]; then
        jq -e '(.leases // []) | length == 0' "$CR_ROOT/@net/leases.json" >/dev/null ||
            fail "leases left: $(cat "$CR_ROOT/@net/leases.json")"
    fi
}

@test "volumes: -v with an empty section is refused, naming the argument" {
    local v
    for v in :/x /x: /a::/b :; do
        run --separate-stderr crs run --rm --network none --rootfs "$ROOTFS_TEMPLATE" -v "$v" true
        ((status != 0)) || fail "-v '$v' was accepted" || return 1
        [[ $stderr == *"-v \"$v\""*"empty section between colons"* ]] || fail "-v '$v': $stderr" || return 1
        no_image_containers || return 1
    done
}

# in_netns CMD...: CMD in the network namespace this test made ($NETNS).
in_netns() { nsenter --net="/run/netns/$NETNS" "$@"; }

@test "ports: -p HOST:CONTAINER is refused when a host process listens on HOST" {
    local port ready=$BATS_TEST_TMPDIR/listening pid i
    NETNS=cr-sec-$$-${BATS_TEST_NUMBER}
    ip netns add "$NETNS" && echo "$NETNS" >"$BATS_TEST_TMPDIR/.netns"
    in_netns ip link set lo up
    port=18080
    in_netns python3 -c 'import socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", int(sys.argv[1]))); t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2], "w").close(); time.sleep(300)' "$port" "$ready" 3>&- &
    pid=$!
    track_bg "$pid"
    for ((i = 0; i < 100; i++)); do [[ -e $ready ]] && break; sleep 0.1; done
    [[ -e $ready ]] || fail "the listener did not start"
    for p in "$port:80" "127.0.0.1:$port:80" "$port:53/udp"; do
        run --separate-stderr in_netns "$CR" --root "$CR_ROOT" --storage "$BATS_TEST_TMPDIR/store" \
            run --rm --rootfs "$ROOTFS_TEMPLATE" -p "$p" true 3>&-
        ((status != 0)) || fail "-p $p was accepted with the port taken" || return 1
        [[ $stderr == *"address already in use"* ]] || fail "-p $p: $stderr" || return 1
        no_image_containers || return 1
        [[ -z $(in_netns ip -o link show type veth) ]] || fail "-p $p left a veth" || return 1
        ! in_netns nft list ruleset 2>/dev/null | grep -q "dport $port" || fail "-p $p left a DNAT rule" || return 1
    done
    # a free port still works
    run --separate-stderr in_netns "$CR" --root "$CR_ROOT" --storage "$BATS_TEST_TMPDIR/store" \
        run --rm --rootfs "$ROOTFS_TEMPLATE" -p "$((port + 1)):80" true 3>&-
    assert_status 0
}

# ---------------------------------------------------------------- registry

@test "pull: a registry that announces more than it sends ends at the deadline, naming the URL" {
    local port pid i
    python3 -u -c 'import socket, sys, threading, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    try:
        while True:
            req = c.recv(65536)
            if not req: return
            if req.startswith(b"GET /v2/ "):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
                continue
            # a manifest announced at 100000 bytes: a byte now and then, never idle long
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100000\r\n\r\n{")
            while True:
                time.sleep(0.5); c.sendall(b" ")
    except OSError:
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()' >"$BATS_TEST_TMPDIR/port" 3>&- &
    pid=$!
    track_bg "$pid"
    for ((i = 0; i < 100; i++)); do [[ -s $BATS_TEST_TMPDIR/port ]] && break; sleep 0.1; done
    port=$(cat "$BATS_TEST_TMPDIR/port")
    [[ -n $port ]] || fail "the server did not start"
    SECONDS=0
    CR_PULL_TIMEOUT=2 run --separate-stderr timeout 60 "$CR" --storage "$BATS_TEST_TMPDIR/store" pull "127.0.0.1:$port/stall/img:latest" 3>&-
    echo "took ${SECONDS}s: $stderr"
    ((status != 0 && status != 124)) || fail "pull: status $status (124: it hung)" || return 1
    [[ $stderr == *"http://127.0.0.1:$port/v2/stall/img/manifests/latest"* ]] || fail "the error does not name the URL: $stderr"
    [[ $stderr == *"deadline"* ]] || fail "the error does not say why: $stderr"
    ((SECONDS < 30)) || fail "the pull took ${SECONDS}s with a 2 s deadline"
}

# ---------------------------------------------------------------- login

@test "login: a password typed before the prompt shows is read, not lost, and login does not hang" {
    local port
    # a port nothing listens on: login reads the password, then fails to connect
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    run timeout 60 python3 - "$CR" "127.0.0.1:$port" "$BATS_TEST_TMPDIR/auth.json" 3>&- <<'PY'
import os, pty, select, subprocess, sys, time
cr, reg, authfile = sys.argv[1:4]
master, slave = pty.openpty()
# typed ahead: in the terminal's input queue before cr even starts
os.write(master, b"s3cret\n")
p = subprocess.Popen([cr, "login", "-u", "alice", "--authfile", authfile, reg],
                     stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)
out, end = b"", time.time() + 20
while time.time() < end:
    if select.select([master], [], [], 0.2)[0]:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        out += data
        if not data and p.poll() is not None:
            break
    elif p.poll() is not None:
        break
sys.stdout.write(out.decode(errors="replace"))
if p.poll() is None:
    p.kill()
    p.wait()
    print("\nHUNG waiting for the password")
    sys.exit(3)
sys.exit(p.returncode)
PY
    echo "status $status: $output"
    ((status != 3 && status != 124)) || fail "cr login hung" || return 1
    [[ $output == *"127.0.0.1:$port"* && $output != *"no password given"* ]] || fail "the password was not taken: $output"
}

# ---------------------------------------------------------------- ptrace

# probe_start ID: runs container ID from $BUNDLE with ptrace-probe as its
# process, as uid 1000 without capabilities: all that a process needs to
# ptrace or read a process of its own uid and capabilities, if dumpable.
# Its report goes to $BATS_TEST_TMPDIR/ctr.out (crc's).
probe_start() {
    local id=$1
    cc -O1 -Wall -static -o "$BUNDLE/rootfs/bin/ptrace-probe" "$BATS_TEST_DIRNAME/ptrace-probe.c" || return 1
    chmod 777 "$HOSTDIR"
    add_mount /probe bind "$HOSTDIR" rbind
    cfg '.root.readonly = false | .process.user = {uid: 1000, gid: 1000}
         | .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
    set_args /bin/ptrace-probe /probe
    crc run -d --bundle "$BUNDLE" "$id" 2>>"$BATS_TEST_TMPDIR/ctr.err" </dev/null ||
        fail "cr run $id:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")" || return 1
    wait_file "$HOSTDIR/ready"
}

# probe_report: stops the probe and prints its report.
probe_report() {
    local i
    touch "$HOSTDIR/stop"
    for ((i = 0; i < 100; i++)); do grep -q '^done' "$BATS_TEST_TMPDIR/ctr.out" 2>/dev/null && break; sleep 0.1; done
    cat "$BATS_TEST_TMPDIR/ctr.out"
}

# Every change of credentials sets a process's dumpability to
# fs.suid_dumpable: with 1, a cr that set it only once turned readable
# again by the container when it took the container's uid.
@test "ptrace: cr exec stays closed to the container up to its execve, whatever fs.suid_dumpable" {
    local id dumpable report
    id=$(new_id)
    save_host_sysctl fs.suid_dumpable
    probe_start "$id" || return 1
    for dumpable in 0 1 2; do
        echo "$dumpable" >/proc/sys/fs/suid_dumpable
        # the exec'd process waits at its execve (entry delayed by strace,
        # which also makes an attach fail: the reads are the proof)
        timeout 60 strace -f -qq -o /dev/null -e trace=execve -e inject=execve:delay_enter=1500000 \
            "$CR" --root "$CR_ROOT" exec "$id" true 3>&- || fail "cr exec failed" || return 1
    done
    restore_host_sysctls
    report=$(probe_report)
    echo "$report"
    [[ $report == *"seen "* ]] || fail "the probe never saw a cr process: the test did not test" || return 1
    [[ $(grep -c '^seen ' <<<"$report") -ge 3 ]] || fail "the probe did not see every exec"
    [[ $report == *"broken=0"* ]] || fail "the container read a cr process"
}

@test "ptrace: the init of a container joining another's pid namespace stays closed to it" {
    local id other pid dumpable report b2=$BATS_TEST_TMPDIR/bundle2
    id=$(new_id)
    save_host_sysctl fs.suid_dumpable
    probe_start "$id" || return 1
    pid=$(state_field "$id" pid)
    make_bundle "$b2"
    cfg_in "$b2" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
                  | .process.user = {uid: 1000, gid: 1000}
                  | .process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}' \
        --arg p "/proc/$pid/ns/pid"
    set_args_in "$b2" true
    for dumpable in 0 1 2; do
        echo "$dumpable" >/proc/sys/fs/suid_dumpable
        other=$(new_id)
        # created, not started: the init waits in the probe's pid namespace
        crc create --bundle "$b2" "$other" 2>>"$BATS_TEST_TMPDIR/ctr.err" </dev/null ||
            fail "cr create $other:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")" || return 1
        sleep 1
        crr delete -f "$other"
    done
    restore_host_sysctls
    report=$(probe_report)
    echo "$report"
    [[ $(grep -c '^seen ' <<<"$report") -ge 3 ]] || fail "the probe did not see every init: the test did not test" || return 1
    [[ $report == *"broken=0"* ]] || fail "the container read a cr process"
}
