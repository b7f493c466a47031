#!/usr/bin/env bats
# Drop-in fidelity: what runc does that engines and runc's own suite rely on
# (HOME, hook environments, kill --all, paused containers, exec details,
# capabilities, CLI spellings, process setup order).

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() {
    thaw_ours
    cr_teardown
}

# thaw_ours: a test that fails half-way may leave its container frozen, and
# a frozen process can neither die nor leave its cgroup: thaw it first.
thaw_ours() {
    local id f
    [[ -f $BATS_TEST_TMPDIR/.ids ]] || return 0
    while read -r id; do
        [[ -n $id ]] || continue
        for f in $(cgroups_named "$id"); do
            [[ -f $f/freezer.state ]] && echo THAWED >"$f/freezer.state"
            [[ -f $f/cgroup.freeze ]] && echo 0 >"$f/cgroup.freeze"
        done
    done <"$BATS_TEST_TMPDIR/.ids"
    return 0
}

# run_ctr ARG...: set process.args and `cr run` the bundle in the foreground.
run_ctr() {
    local id
    id=$(new_id)
    set_args "$@"
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
}

# start_sleeper: a running container (sleep 1000) whose id is in $ID.
start_sleeper() {
    ID=$(new_id)
    set_args sleep 1000
    create "$ID"
    crr start "$ID"
}

# ---------------------------------------------------------------- environment

@test "HOME: from the container's /etc/passwd for the process uid, else /, unless env has one" {
    echo "app:x:1000:1000:App:/home/app:/bin/sh" >>"$BUNDLE/rootfs/etc/passwd"
    cfg '.process.env |= map(select(startswith("HOME=") | not))'
    run_ctr sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /root ]] || fail "HOME of uid 0: $output"

    cfg '.process.user = {uid: 1000, gid: 1000}'
    run_ctr sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /home/app ]] || fail "HOME of uid 1000: $output"

    cfg '.process.user = {uid: 4242, gid: 4242}'
    run_ctr sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == / ]] || fail "HOME of a uid without a passwd entry: $output"

    cfg '.process.user = {uid: 1000, gid: 1000} | .process.env += ["HOME=/mine"]'
    run_ctr sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /mine ]] || fail "HOME from process.env: $output"
}

@test "HOME: exec gets it from /etc/passwd for its --user too" {
    echo "app:x:1000:1000:App:/home/app:/bin/sh" >>"$BUNDLE/rootfs/etc/passwd"
    cfg '.process.env |= map(select(startswith("HOME=") | not))'
    start_sleeper
    run --separate-stderr crr exec "$ID" sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /root ]] || fail "exec HOME of uid 0: $output"
    run --separate-stderr crr exec --user 1000:1000 "$ID" sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /home/app ]] || fail "exec HOME of uid 1000: $output"
    run --separate-stderr crr exec --env HOME=/x "$ID" sh -c 'echo "$HOME"'
    assert_status 0
    [[ $output == /x ]] || fail "exec --env HOME: $output"
}

@test "hooks: a hook without env gets the runtime's environment, one with env gets only that" {
    local out=$BATS_TEST_TMPDIR/hook
    cfg '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "echo \"[$CR_HOOK_VAR]\" >> " + $o]},
                           {path: "/bin/sh", args: ["sh", "-c", "echo \"[$CR_HOOK_VAR]\" >> " + $o], env: ["CR_HOOK_VAR=own"]}]' \
        --arg o "$out"
    set_args true
    CR_HOOK_VAR=runtime run --separate-stderr crr run --bundle "$BUNDLE" "$(new_id)"
    assert_status 0
    [[ $(cat "$out") == $'[runtime]\n[own]' ]] || fail "hook environments: $(cat "$out")"
}

# ---------------------------------------------------------------- kill

@test "kill --all: signals what is left in the cgroup after the init exited" {
    local child
    ID=$(new_id)
    bind_hostdir
    # without a pid namespace of its own the init's child outlives it
    cfg '.linux.namespaces |= map(select(.type != "pid"))'
    set_args sh -c 'sleep 1000 & echo $! > /mnt/host/child'
    create "$ID"
    crr start "$ID"
    wait_status "$ID" stopped
    wait_file "$HOSTDIR/child"
    child=$(cat "$HOSTDIR/child")
    [[ -d /proc/$child ]] || fail "the init's child $child is not alive"
    run --separate-stderr crr kill --all "$ID" KILL
    assert_status 0
    wait_gone "$child"
}

@test "kill: signal 0 checks liveness, with --all also once the container stopped" {
    start_sleeper
    run --separate-stderr crr kill "$ID" 0
    assert_status 0
    [[ $(state_field "$ID" status) == running ]] || fail "signal 0 changed the container: $(crr state "$ID")"
    crr kill "$ID" KILL
    wait_status "$ID" stopped
    run --separate-stderr crr kill "$ID" 0
    assert_status 1
    [[ $stderr == *"not running"* ]] || fail "kill 0 of a stopped container: $stderr"
    run --separate-stderr crr kill --all "$ID" 0
    assert_status 0
    run --separate-stderr crr delete "$ID"
    assert_status 0
}

# ---------------------------------------------------------------- paused and frozen

# freezer_dir ID: the container's v1 freezer cgroup (skips on a host without one).
freezer_dir() {
    local d
    d=$(cgroups_named "$1" | grep '/freezer/' | head -1)
    [[ -n $d ]] || fail "no freezer cgroup for $1:" "$(cgroups_named "$1")"
    printf '%s\n' "$d"
}

@test "delete --force: a paused container is thawed and removed, with nothing left" {
    [[ -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 freezer"
    start_sleeper
    crr pause "$ID"
    [[ $(state_field "$ID" status) == paused ]] || fail "not paused: $(crr state "$ID")"
    run --separate-stderr timeout 60 "$CR" --root "$CR_ROOT" delete --force "$ID" 3>&-
    assert_status 0
    run --separate-stderr crr state "$ID"
    assert_status 1
    assert_no_leftovers "$ID"
}

@test "delete --force: sub-cgroups made under the container's cgroup go with it" {
    [[ -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 freezer"
    local pf=$BATS_TEST_TMPDIR/exec.pid d sub
    start_sleeper
    crc exec --detach --pid-file "$pf" "$ID" sleep 999 2>/dev/null
    # what a container with a writable cgroupfs does: a sub-cgroup holding a process
    for d in $(cgroups_named "$ID"); do
        sub=$d/sub/deeper
        mkdir -p "$sub"
        [[ -f $d/cpuset.cpus ]] && cat "$d/cpuset.cpus" >"$d/sub/cpuset.cpus" && cat "$d/cpuset.cpus" >"$sub/cpuset.cpus" &&
            cat "$d/cpuset.mems" >"$d/sub/cpuset.mems" && cat "$d/cpuset.mems" >"$sub/cpuset.mems"
        echo "$(cat "$pf")" >"$sub/cgroup.procs" || fail "cannot move the exec process into $sub"
    done
    run --separate-stderr timeout 60 "$CR" --root "$CR_ROOT" delete --force "$ID" 3>&-
    assert_status 0
    assert_no_leftovers "$ID"
}

@test "run and create into an already frozen cgroup fail at once and leave that cgroup alone" {
    [[ -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 freezer"
    local id fz cmd err
    id=$(new_id)
    cfg '.linux.cgroupsPath = "/" + $id' --arg id "$id"
    fz=/sys/fs/cgroup/freezer/$id
    mkdir "$fz"
    echo FROZEN >"$fz/freezer.state"
    # into files, not a pipe: a process stuck in the frozen cgroup would hold it open
    for cmd in "run --detach" create; do
        err=$BATS_TEST_TMPDIR/${cmd%% *}.err
        status=0
        # shellcheck disable=SC2086 # $cmd is the applet and its flag
        timeout -k 5 30 "$CR" --root "$CR_ROOT" $cmd --bundle "$BUNDLE" "$id" >/dev/null 2>"$err" 3>&- || status=$?
        ((status == 1)) || fail "$cmd into a frozen cgroup: exit status $status:" "$(cat "$err")"
        grep -q "unexpectedly frozen" "$err" || fail "$cmd: $(cat "$err")"
    done
    assert_state_root_empty
    [[ $(cat "$fz/freezer.state") == FROZEN ]] || fail "the cgroup was thawed: $(cat "$fz/freezer.state")"
    echo THAWED >"$fz/freezer.state"
    rmdir "$fz"
}

@test "exec: refused in a paused container (255) unless --ignore-paused, which runs it once resumed" {
    [[ -d /sys/fs/cgroup/freezer ]] || skip "needs the v1 freezer"
    local out=$BATS_TEST_TMPDIR/exec.out pid
    start_sleeper
    crr pause "$ID"
    run --separate-stderr timeout 30 "$CR" --root "$CR_ROOT" exec "$ID" echo ok 3>&-
    assert_error 255 "cannot exec in a paused container"
    timeout 60 "$CR" --root "$CR_ROOT" exec --ignore-paused "$ID" echo ok >"$out" 2>&1 3>&- &
    pid=$!
    track_bg "$pid"
    sleep 1
    [[ ! -s $out ]] || fail "the exec ran in a frozen container: $(cat "$out")"
    crr resume "$ID"
    wait "$pid" || fail "exec --ignore-paused failed: $(cat "$out")"
    [[ $(cat "$out") == ok ]] || fail "exec --ignore-paused output: $(cat "$out")"
}

@test "exec --cgroup: joins an existing sub-cgroup, per controller or everywhere; refuses .., unknown ones" {
    [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/pids ]] || skip "needs v1 memory and pids hierarchies"
    # the host's view of the cgroups in /proc/self/cgroup
    cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
    start_sleeper
    run --separate-stderr crr exec --cgroup .. "$ID" true
    assert_error 255 ".. is not a sub cgroup path"
    run --separate-stderr crr exec --cgroup nonexistent "$ID" true
    assert_error 255 "nonexistent/cgroup.procs: no such file"
    run --separate-stderr crr exec --cgroup whaaat:/ "$ID" true
    assert_error 255 "unknown controller"
    mkdir "$(cgroups_named "$ID" | grep /memory/)/submem" "$(cgroups_named "$ID" | grep /pids/)/subpids"
    run --separate-stderr crr exec --cgroup memory:submem --cgroup pids:subpids "$ID" cat /proc/self/cgroup
    assert_status 0
    grep -Eq ":memory:/.*$ID/submem\$" <<<"$output" || fail "memory cgroup of the exec: $output"
    grep -Eq ":pids:/.*$ID/subpids\$" <<<"$output" || fail "pids cgroup of the exec: $output"
    grep -Eq ":freezer:/.*$ID\$" <<<"$output" || fail "freezer cgroup of the exec: $output"
    run --separate-stderr crr exec --cgroup / "$ID" cat /proc/self/cgroup
    assert_status 0
    grep -Eq ":memory:/.*$ID\$" <<<"$output" || fail "--cgroup /: $output"
}

# ---------------------------------------------------------------- capabilities

@test "capabilities: an unknown name in config.json or exec --cap is a warning naming it, not an error" {
    local id
    id=$(new_id)
    cfg '.process.capabilities.bounding += ["CAP_BOGUS"] | .process.capabilities.effective += ["CAP_BOGUS"]'
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $stderr == *CAP_BOGUS* ]] || fail "no warning naming CAP_BOGUS: $stderr"
    crr start "$id"
    ID=$id
    run --separate-stderr crr exec --cap CAP_WHATEVER --cap CAP_KILL "$ID" sh -c 'grep CapEff /proc/self/status'
    assert_status 0
    [[ $stderr == *CAP_WHATEVER* ]] || fail "no warning naming CAP_WHATEVER: $stderr"
    # CAP_KILL (5) was still added
    (( 0x${output##*[[:space:]]} & (1 << 5) )) || fail "CAP_KILL not in the exec's effective set: $output"
}

# ---------------------------------------------------------------- cr spec

@test "spec: runc's namespaces, no cgroup namespace (root and rootless)" {
    local d=$BATS_TEST_TMPDIR/spec
    mkdir -p "$d/root" "$d/rootless"
    crr spec --bundle "$d/root"
    crr spec --rootless --bundle "$d/rootless"
    [[ $(jq -c '[.linux.namespaces[].type]' "$d/root/config.json") == '["pid","network","ipc","uts","mount"]' ]] ||
        fail "namespaces: $(jq -c .linux.namespaces "$d/root/config.json")"
    [[ $(jq -c '[.linux.namespaces[].type]' "$d/rootless/config.json") == '["pid","ipc","uts","mount","user"]' ]] ||
        fail "rootless namespaces: $(jq -c .linux.namespaces "$d/rootless/config.json")"
}

@test "spec: the same config as runc spec, but for hostname and ociVersion" {
    command -v runc >/dev/null || skip "runc is not installed"
    local d=$BATS_TEST_TMPDIR/spec
    mkdir -p "$d/cr" "$d/runc"
    crr spec --bundle "$d/cr"
    (cd "$d/runc" && runc spec)
    diff <(jq -S 'del(.hostname, .ociVersion)' "$d/runc/config.json") <(jq -S 'del(.hostname, .ociVersion)' "$d/cr/config.json") >&2 ||
        fail "cr spec differs from runc spec"
}

# ---------------------------------------------------------------- update and ps

@test "update --cpu-share (runc's spelling) sets the CPU weight" {
    local d
    start_sleeper
    d=$(cgroups_named "$ID" | grep -E '/cpu(,cpuacct)?/' | head -1)
    [[ -n $d && -f $d/cpu.shares ]] || skip "needs a v1 cpu hierarchy"
    run --separate-stderr crr update --cpu-share 200 "$ID"
    assert_status 0
    [[ $(cat "$d/cpu.shares") == 200 ]] || fail "cpu.shares: $(cat "$d/cpu.shares")"
}

@test "ps ID PS_OPTION...: the options go to ps, and only the container's processes are listed" {
    local pid
    start_sleeper
    pid=$(state_field "$ID" pid)
    run --separate-stderr crr ps "$ID" -o pid,comm
    assert_status 0
    [[ ${lines[0]} =~ ^\ *PID\ +COMMAND ]] || fail "header: ${lines[0]}"
    [[ ${#lines[@]} -eq 2 ]] || fail "expected the header and the init only: $output"
    [[ ${lines[1]} =~ ^\ *$pid\ +sleep$ ]] || fail "row of the init: ${lines[1]}"
    run --separate-stderr crr ps "$ID" -e -x
    assert_status 0
    [[ ${lines[0]} =~ \ +PID\ +TTY\ +STAT\ +TIME\ +COMMAND ]] || fail "header of ps -e -x: ${lines[0]}"
    [[ ${lines[1]} =~ ^\ *$pid\  ]] || fail "row of ps -e -x: $output"
}

# ---------------------------------------------------------------- process setup

@test "cwd: entered before the drop to process.user when only the runtime may search it (run and exec)" {
    mkdir -p "$BUNDLE/rootfs/root"
    chmod 700 "$BUNDLE/rootfs/root"
    cfg '.process.cwd = "/root" | .process.user = {uid: 42, gid: 42}'
    run_ctr sh -c 'pwd; id -u'
    assert_status 0
    [[ $output == $'/root\n42' ]] || fail "cwd and uid: $output"

    # runc's "exec --user with no access to cwd": root without CAP_DAC_* in a cwd owned by 42
    chown 42 "$BUNDLE/rootfs/root"
    start_sleeper
    run --separate-stderr crr exec --user 0 "$ID" pwd
    assert_status 0
    [[ $output == /root ]] || fail "exec cwd: $output"
}

@test "terminal: the pty belongs to the process's uid, its group stays devpts's tty group (run and exec -t)" {
    cfg '.process.terminal = true | .process.user = {uid: 1000, gid: 100}'
    run_ctr sh -c 'stat -c %u:%g $(tty)'
    assert_status 0
    [[ ${output//$'\r'/} == 1000:5 ]] || fail "pty owner of run: $output"
    cfg '.process.terminal = false'
    start_sleeper
    run --separate-stderr crr exec -t --user 1000:100 "$ID" sh -c 'stat -c %u:%g $(tty)'
    assert_status 0
    [[ ${output//$'\r'/} == 1000:5 ]] || fail "pty owner of exec -t: $output"
}

@test "exec --additional-gids: the process gets those groups" {
    start_sleeper
    run --separate-stderr crr exec --user 1000:1000 --additional-gids 100 -g 65534 "$ID" id -G
    assert_status 0
    [[ $output == "1000 100 65534" ]] || fail "id -G: $output"
    run --separate-stderr crr exec --additional-gids nope "$ID" true
    assert_error 255 "--additional-gids" "nope"
}
