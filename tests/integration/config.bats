#!/usr/bin/env bats
# What config.json asks for is what the container gets: mounts, namespaces,
# process attributes (user, capabilities, rlimits, env, cwd, oom score), fds.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

# assert_write_refused WHAT: after run_ctr of a script that prints WROTE
# when its write works: status 0, no WROTE, and the write failed with EROFS.
assert_write_refused() {
    assert_status 0 || return 1
    [[ $output != *WROTE* ]] || fail "$1 was writable" || return 1
    [[ $stderr == *"Read-only file system"* ]] || fail "error: $stderr"
}

# assert_lines LINE...: after `run`: status 0, and the output's first lines
# are LINE... in order.
assert_lines() {
    local i=0 want
    assert_status 0 || return 1
    for want; do
        [[ ${lines[i]} == "$want" ]] || fail "line $i: expected '$want':" "$output" || return 1
        i=$((i + 1))
    done
}

# cap_mask CAP...: the hex mask of /proc/PID/status for capability numbers.
cap_mask() {
    local m=0 c
    for c; do m=$((m | (1 << c))); done
    printf '%016x\n' "$m"
}

# ---------------------------------------------------------------- namespaces

@test "uts: hostname is set" {
    cfg '.hostname = "cr-test-host"'
    run_ctr sh -c 'hostname; cat /proc/sys/kernel/hostname'
    assert_status 0
    [[ ${lines[0]} == cr-test-host && ${lines[1]} == cr-test-host ]] || fail "hostname: $output"
    [[ $(hostname) != cr-test-host ]] || fail "the host's hostname changed"
}

@test "pid: the process is pid 1 of a new pid namespace" {
    run_ctr sh -c 'echo $$; ps -o pid,comm | wc -l'
    assert_status 0
    [[ ${lines[0]} == 1 ]] || fail "pid: ${lines[0]}"
    # header + sh + ps (+ wc): nothing from the host
    ((${lines[1]} <= 4)) || fail "processes visible: ${lines[1]}"
}

@test "network: a new network namespace has only lo" {
    run_ctr sh -c 'ls /sys/class/net'
    assert_status 0
    [[ $output == lo ]] || fail "interfaces: $output"
}

@test "network: without a network namespace the host's interfaces are visible" {
    cfg '.linux.namespaces |= map(select(.type != "network"))'
    run_ctr ls /sys/class/net
    assert_status 0
    [[ $(sort <<<"$output") == "$(ls /sys/class/net | sort)" ]] || fail "interfaces: $output"
}

@test "namespaces: each requested one differs from the host's, others are shared" {
    # cr spec, like runc spec, asks for no cgroup namespace: ask for one here
    cfg '.linux.namespaces |= map(select(.type != "ipc")) + [{type: "cgroup"}]'
    run_ctr sh -c 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
    assert_status 0
    local n inside
    for n in pid net uts mnt cgroup; do
        inside=$(awk -v n="$n" '$1 == n {print $2}' <<<"$output")
        [[ -n $inside && $inside != "$(readlink "/proc/self/ns/$n")" ]] || fail "$n namespace is the host's: $output"
    done
    inside=$(awk '$1 == "ipc" {print $2}' <<<"$output")
    [[ $inside == "$(readlink /proc/self/ns/ipc)" ]] || fail "ipc namespace not shared with the host: $output"
}

@test "user namespace: uidMappings and gidMappings are applied" {
    # the mapped root (host uid 100000) must be able to reach the rootfs
    userns_bundle
    run_ctr sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
    assert_status 0
    [[ $(awk 'NR == 1 {print $1, $2, $3}' <<<"$output") == "0 100000 65536" ]] || fail "uid_map: $output"
    [[ $(awk 'NR == 2 {print $1, $2, $3}' <<<"$output") == "0 100000 65536" ]] || fail "gid_map: $output"
    [[ ${lines[2]} == 0 ]] || fail "id -u: ${lines[2]}"
}

@test "cgroup: the init is in the cgroup /cr/<id> (or linux.cgroupsPath)" {
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    grep -q ":/cr/$id\$" "/proc/$pid/cgroup" || fail "cgroups of $pid:" "$(cat "/proc/$pid/cgroup")"
    crr delete -f "$id"

    id=$(new_id)
    cfg '.linux.cgroupsPath = $p' --arg p "/cr-test/$id"
    create "$id"
    pid=$(state_field "$id" pid)
    grep -q ":/cr-test/$id\$" "/proc/$pid/cgroup" || fail "cgroupsPath: cgroups of $pid:" "$(cat "/proc/$pid/cgroup")"
    crr delete -f "$id"
    [[ -z $(cgroups_named "$id") ]] || fail "cgroup left: $(cgroups_named "$id")"
    for d in /sys/fs/cgroup/*/cr-test /sys/fs/cgroup/unified/cr-test; do rmdir "$d" 2>/dev/null || true; done
}

# sandboxed_lifecycle CGROUPSPATH: in a private pid namespace (so that a
# runaway kill cannot reach beyond it) run a sentinel process that is not the
# container's, then create, start and delete -f a container whose
# linux.cgroupsPath is CGROUPSPATH. Prints the steps and "sentinel=alive" or
# "sentinel=killed". The container's state is removed by hand afterwards and
# its id is never given to teardown: a `delete -f` of such a state from the
# host pid namespace is exactly what must not be risked.
sandboxed_lifecycle() {
    local id script=$BATS_TEST_TMPDIR/sandbox.sh
    id="$(id_prefix)-${BATS_SUITE_TEST_NUMBER}-sandbox"
    cfg '.linux.cgroupsPath = $p' --arg p "$1"
    cat >"$script" <<SCRIPT
sleep 1000 &
s=\$!
"$CR" --root "$CR_ROOT" create --bundle "$BUNDLE" "$id" >/dev/null 2>&1; echo "create=\$?"
"$CR" --root "$CR_ROOT" start "$id" >/dev/null 2>&1; echo "start=\$?"
"$CR" --root "$CR_ROOT" delete -f "$id" >/dev/null 2>&1; echo "delete=\$?"
if kill -0 "\$s" 2>/dev/null; then echo sentinel=alive; else echo sentinel=killed; fi
kill "\$s" 2>/dev/null
exit 0
SCRIPT
    run --separate-stderr setsid unshare --pid --fork --mount-proc bash "$script" 3>&-
    rm -rf "${CR_ROOT:?}/$id"
}

@test "cgroup: linux.cgroupsPath \"/\" never makes create/delete kill processes outside the container" {
    # the root cgroup holds every process of the host: cr must refuse the
    # path or use it without killing its other members. Run in a pid
    # namespace of its own, so that a failure kills only the sandbox.
    sandboxed_lifecycle /
    [[ $output == *sentinel=alive* ]] || fail "a process outside the container was killed:" "$output" "$stderr"
}

@test "cgroup: linux.cgroupsPath \".\" (the caller's own cgroup) never kills the caller's processes" {
    sandboxed_lifecycle .
    [[ $output == *sentinel=alive* ]] || fail "a process outside the container was killed:" "$output" "$stderr"
}

# ---------------------------------------------------------------- mounts

@test "mounts: a bind mount of a host dir is visible and writable" {
    echo from-host >"$HOSTDIR/file"
    bind_hostdir
    run_ctr sh -c 'cat /mnt/host/file; echo from-container > /mnt/host/back'
    assert_status 0
    [[ $output == from-host ]] || fail "read: $output $stderr"
    [[ $(cat "$HOSTDIR/back") == from-container ]] || fail "the write did not reach the host"
}

@test "mounts: a bind mount with ro is read-only" {
    echo from-host >"$HOSTDIR/file"
    bind_hostdir ro
    run_ctr sh -c 'cat /mnt/host/file; if touch /mnt/host/new 2>/dev/null; then echo WRITABLE; fi; grep " /mnt/host " /proc/self/mountinfo'
    assert_status 0
    [[ ${lines[0]} == from-host ]] || fail "read: $output"
    [[ $output != *WRITABLE* ]] || fail "the ro bind mount is writable"
    [[ ! -e $HOSTDIR/new ]] || fail "file created through the ro mount"
    [[ ${lines[1]} =~ \ ro[,\ ] ]] || fail "mountinfo has no ro: ${lines[1]}"
}

@test "mounts: tmpfs is mounted, writable on a read-only root, and private to the container" {
    cfg '.root.readonly = true'
    add_mount /mnt/tmp tmpfs tmpfs size=1m mode=1777
    run_ctr sh -c 'grep " /mnt/tmp " /proc/self/mountinfo; echo data > /mnt/tmp/f && cat /mnt/tmp/f'
    assert_status 0
    [[ ${lines[0]} == *" - tmpfs "* ]] || fail "mountinfo: $output"
    [[ ${lines[0]} == *size=1024k* ]] || fail "size=1m not applied: ${lines[0]}"
    [[ ${lines[1]} == data ]] || fail "write: $output $stderr"
    [[ ! -e $BUNDLE/rootfs/mnt/tmp/f ]] || fail "the tmpfs write landed in the rootfs"
}

@test "mounts: the destination of a mount is created when missing" {
    add_mount /new/deep/dir tmpfs tmpfs
    run_ctr sh -c 'grep -c " /new/deep/dir " /proc/self/mountinfo'
    assert_status 0
    [[ $output == 1 ]] || fail "mount count: $output $stderr"
}

@test "mounts: masked paths read empty (/proc/kcore, an added /proc/cpuinfo, /sys/firmware)" {
    cfg '.linux.maskedPaths += ["/proc/cpuinfo"]'
    run_ctr sh -c 'echo "kcore $(cat /proc/kcore 2>/dev/null | wc -c)"; echo "cpuinfo $(wc -c < /proc/cpuinfo)"; echo "firmware $(ls -A /sys/firmware | wc -l)"'
    assert_status 0
    [[ $output == *"kcore 0"* ]] || fail "/proc/kcore: $output"
    [[ $output == *"cpuinfo 0"* ]] || fail "/proc/cpuinfo: $output"
    [[ -n $(head -c 1 /proc/cpuinfo) ]] || fail "host /proc/cpuinfo is empty?"
    if [[ -n $(ls -A /sys/firmware) ]]; then
        [[ $output == *"firmware 0"* ]] || fail "/sys/firmware: $output"
    fi
}

@test "mounts: readonly paths (/proc/sys) are not writable" {
    cfg '.hostname = "before"'
    run_ctr sh -c 'if echo after > /proc/sys/kernel/hostname; then echo WROTE; fi; hostname; grep " /proc/sys " /proc/self/mountinfo'
    assert_write_refused /proc/sys/kernel/hostname
    [[ ${lines[0]} == before ]] || fail "hostname changed: $output"
    [[ ${lines[1]} =~ \ ro[,\ ] ]] || fail "/proc/sys is not mounted ro: $output"
}

@test "mounts: root.readonly makes / read-only, and false leaves it writable" {
    cfg '.root.readonly = true'
    run_ctr sh -c 'if touch /newfile; then echo WROTE; fi'
    assert_write_refused "/ with root.readonly"
    [[ ! -e $BUNDLE/rootfs/newfile ]] || fail "file created in the rootfs"

    cfg '.root.readonly = false'
    run_ctr sh -c 'touch /newfile && echo WROTE'
    assert_status 0
    [[ $output == WROTE ]] || fail "/ not writable with root.readonly false: $stderr"
    [[ -e $BUNDLE/rootfs/newfile ]] || fail "the write did not land in the rootfs"
}

@test "mounts: /dev has the default devices and no host devices" {
    run_ctr sh -c 'for d in null zero full random urandom tty; do test -c /dev/$d || echo "missing $d"; done
                   echo x > /dev/null || echo "null not writable"
                   test "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 || echo "zero broken"
                   ls /dev'
    assert_status 0
    [[ $output != *missing* && $output != *broken* && $output != *"not writable"* ]] || fail "$output"
    [[ $output != *loop0* && $output != *kmsg* ]] || fail "host devices in /dev: $output"
}

@test "mounts: nothing of the container's mounts shows on the host" {
    local id
    id=$(new_id)
    add_mount /mnt/tmp tmpfs tmpfs
    create "$id"
    crr start "$id"
    [[ -z $(mounts_under "$BUNDLE") ]] || fail "host sees mounts under the bundle:" "$(mounts_under "$BUNDLE")"
}

# ---------------------------------------------------------------- process

@test "process.user: uid, gid and additionalGids are visible via id" {
    cfg '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 100]}'
    run_ctr sh -c 'id -u; id -g; grep ^Groups: /proc/self/status'
    assert_lines 1000 1001
    local groups
    groups=$(awk '{$1 = ""; print}' <<<"${lines[2]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ')
    [[ $groups == "5 100 " ]] || fail "supplementary groups: '${lines[2]}'"
}

@test "process.user: without additionalGids the supplementary groups are empty" {
    cfg '.process.user = {uid: 1000, gid: 1000}'
    run_ctr sh -c 'grep ^Groups: /proc/self/status'
    assert_status 0
    [[ $(awk '{print NF}' <<<"$output") == 1 ]] || fail "groups: $output"
}

@test "capabilities: CapEff/CapPrm/CapBnd match the config" {
    # CAP_CHOWN 0, CAP_KILL 5, CAP_NET_RAW 13
    cfg '.process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: [], ambient: []}' \
        --argjson c '["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"]'
    run_ctr grep ^Cap /proc/self/status
    assert_status 0
    local want
    want=$(cap_mask 0 5 13)
    grep -qx "CapEff:	$want" <<<"$output" || fail "want CapEff $want: $output"
    grep -qx "CapPrm:	$want" <<<"$output" || fail "want CapPrm $want: $output"
    grep -qx "CapBnd:	$want" <<<"$output" || fail "want CapBnd $want: $output"
    grep -qx "CapInh:	0000000000000000" <<<"$output" || fail "CapInh: $output"
}

@test "capabilities: the default spec's set (AUDIT_WRITE, KILL, NET_BIND_SERVICE) and none" {
    run_ctr grep ^CapEff /proc/self/status
    assert_status 0
    [[ $output == "CapEff:	$(cap_mask 29 5 10)" ]] || fail "default CapEff: $output"

    cfg '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
    run_ctr sh -c 'grep ^CapEff /proc/self/status; grep ^CapBnd /proc/self/status'
    assert_status 0
    [[ ${lines[0]} == "CapEff:	0000000000000000" ]] || fail "empty CapEff: $output"
    [[ ${lines[1]} == "CapBnd:	0000000000000000" ]] || fail "empty CapBnd: $output"
}

@test "capabilities: a non-root user gets the configured effective set (ambient)" {
    cfg '.process.user = {uid: 1000, gid: 1000}
         | .process.capabilities = {bounding: $c, effective: $c, permitted: $c, inheritable: $c, ambient: $c}' \
        --argjson c '["CAP_NET_RAW"]'
    run_ctr sh -c 'grep ^CapEff /proc/self/status'
    assert_status 0
    [[ $output == "CapEff:	$(cap_mask 13)" ]] || fail "CapEff of uid 1000: $output"
}

@test "capabilities: a dropped capability is really gone (chown fails without CAP_CHOWN)" {
    cfg '.root.readonly = false | .process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
        --argjson c '["CAP_KILL"]'
    run_ctr sh -c 'touch /tmp/f && chown 1234 /tmp/f && echo CHOWNED'
    [[ $output != *CHOWNED* ]] || fail "chown worked without CAP_CHOWN"
    [[ $stderr == *"not permitted"* ]] || fail "error: $stderr"
}

@test "rlimits: RLIMIT_NOFILE soft 512 / hard 1024 -> ulimit -n is 512" {
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 512, hard: 1024}]'
    run_ctr sh -c 'ulimit -n; ulimit -Hn'
    assert_lines 512 1024
}

@test "rlimits: several limits at once (NPROC, CORE)" {
    cfg '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 256, hard: 256},
                             {type: "RLIMIT_CORE", soft: 0, hard: 0},
                             {type: "RLIMIT_NPROC", soft: 777, hard: 778}]'
    run_ctr sh -c 'ulimit -n; ulimit -c; ulimit -u; ulimit -Hu'
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "256 0 777 778 " ]] || fail "limits: $output"
}

@test "process.env: exactly the configured environment, nothing from the host" {
    cfg '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
    run_ctr sh -c 'echo "FOO=$FOO"; env'
    assert_status 0
    [[ ${lines[0]} == "FOO=bar baz" ]] || fail "FOO: $output"
    [[ $output != *BATS_* && $output != *CR_ROOT* ]] || fail "host environment leaked: $output"
    grep -qx 'EMPTY=' <<<"$output" || fail "EMPTY= missing: $output"
}

@test "process.cwd: the process starts there (created if missing)" {
    cfg '.process.cwd = "/tmp"'
    run_ctr pwd
    assert_status 0
    [[ $output == /tmp ]] || fail "pwd: $output"
    cfg '.process.cwd = "/srv/work" | .root.readonly = false'
    run_ctr pwd
    assert_status 0
    [[ $output == /srv/work ]] || fail "pwd with a missing cwd: $output $stderr"
}

@test "process.oomScoreAdj: /proc/self/oom_score_adj shows it" {
    cfg '.process.oomScoreAdj = 123'
    run_ctr cat /proc/self/oom_score_adj
    assert_status 0
    [[ $output == 123 ]] || fail "oom_score_adj: $output"
}

@test "process.noNewPrivileges: true and false show in /proc/self/status" {
    cfg '.process.noNewPrivileges = true'
    run_ctr grep ^NoNewPrivs /proc/self/status
    assert_status 0
    [[ $output == "NoNewPrivs:	1" ]] || fail "true: $output"
    cfg '.process.noNewPrivileges = false'
    run_ctr grep ^NoNewPrivs /proc/self/status
    assert_status 0
    [[ $output == "NoNewPrivs:	0" ]] || fail "false: $output"
}

@test "process.user.umask: applied to created files" {
    cfg '.process.user.umask = 63 | .root.readonly = false' # 0077
    run_ctr sh -c 'umask; touch /tmp/u; stat -c %a /tmp/u'
    assert_status 0
    [[ ${lines[0]} == 0077 ]] || fail "umask: $output"
    [[ ${lines[1]} == 600 ]] || fail "mode: $output"
}

@test "linux.sysctl: applied in the container's namespaces only" {
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.domainname": "cr.test"}'
    run_ctr sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "1 cr.test " ]] || fail "sysctls: $output $stderr"
    [[ $(cat /proc/sys/kernel/domainname) != cr.test ]] || fail "host domainname changed"
}

# ---------------------------------------------------------------- fds

@test "fds: only 0, 1 and 2 reach the container, whatever cr inherited" {
    local id
    id=$(new_id)
    set_args sh -c 'ls /proc/1/fd; true'
    # fd 3 is bats' own stream; 4 and 5 are extra fds for cr to drop
    run --separate-stderr "$CR" --root "$CR_ROOT" run --bundle "$BUNDLE" "$id" 4</etc/hostname 5>/dev/null
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "0 1 2 " ]] || fail "fds in the container: $(tr '\n' ' ' <<<"$output")"
}

@test "fds: --preserve-fds 1 passes exactly fd 3" {
    local id
    id=$(new_id)
    echo preserved-content >"$BATS_TEST_TMPDIR/fd3"
    set_args sh -c 'ls /proc/1/fd; cat <&3'
    run --separate-stderr "$CR" --root "$CR_ROOT" run --preserve-fds 1 --bundle "$BUNDLE" "$id" \
        3<"$BATS_TEST_TMPDIR/fd3" 4</etc/hostname
    assert_status 0
    [[ $(head -n 4 <<<"$output" | tr '\n' ' ') == "0 1 2 3 " ]] || fail "fds in the container: $(tr '\n' ' ' <<<"$output")"
    [[ ${lines[4]} == preserved-content ]] || fail "fd 3 content: $output"
    [[ ${#lines[@]} -eq 5 ]] || fail "more fds than 0-3: $output"
}

@test "fds: exec passes only 0, 1 and 2 as well" {
    local id
    id=$(container_in created)
    crr start "$id"
    run --separate-stderr "$CR" --root "$CR_ROOT" exec "$id" sh -c 'ls /proc/$$/fd; true' 4</etc/hostname
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "0 1 2 " ]] || fail "fds in the exec: $(tr '\n' ' ' <<<"$output")"
}
