#!/usr/bin/env bats
# cgroups: linux.resources limits proven by their effect on the container's
# processes (reading the cgroup files back is only a second check), pause and
# resume, update, events, kill --all, cgroupsPath placement and leaks.
#
# Self-contained: helpers in cgroups_helpers.bash. No timing thresholds on cr
# itself; rates are measured over seconds with wide margins.

load cgroups_helpers

setup_file() { cg_make_rootfs; }
setup() { cg_setup; }
teardown() { cg_teardown; }

MiB=$((1024 * 1024))

# A tmpfs big enough that only the memory cgroup can stop a 200 MiB write
# (tmpfs pages are charged to the writer's memory cgroup and cannot be
# reclaimed without swap).
add_fill_tmpfs() {
    cfg_in "$1" '.mounts += [{destination: "/mnt/fill", type: "tmpfs", source: "tmpfs",
                              options: ["nosuid", "nodev", "size=400m"]}]'
}

# ------------------------------------------------------------------ memory

@test "memory: 32 MiB limit without swap OOM-kills a 200 MiB tmpfs writer; events prints an oom line" {
    local b id i size limit max
    b=$(cg_bundle b)
    id=$(cg_id)
    add_fill_tmpfs "$b"
    cfg_in "$b" '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
    cg_args "$b" 'dd if=/dev/zero of=/mnt/fill/big bs=1M count=200 2>/dev/null
                  echo "dd=$?" > /mnt/host/dd
                  wc -c < /mnt/fill/big > /mnt/host/size
                  exec sleep 1000'
    cg_create "$b" "$id"
    # events runs from before start, so it sees the OOM kill happen
    crr events --interval 1s "$id" >"$BATS_TEST_TMPDIR/events.out" 2>"$BATS_TEST_TMPDIR/events.err" </dev/null &
    cg_bg $!
    cg_wait_file "$BATS_TEST_TMPDIR/events.out"   # its first stats line: it is watching
    cg_start "$id"

    cg_wait_file "$CG_HOST/size"
    [[ $(cat "$CG_HOST/dd") == dd=137 ]] ||
        fail "dd was not SIGKILLed by the OOM killer: $(cat "$CG_HOST/dd")" "container output: $(cat "$BATS_TEST_TMPDIR/$id.out")"
    size=$(cat "$CG_HOST/size")
    ((size > 0 && size <= 32 * MiB)) || fail "tmpfs file holds $size bytes, expected at most 32 MiB"

    # the event stream reports the OOM (bounded wait: it polls every second)
    for ((i = 0; i < 150; i++)); do
        grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events.out" && break
        sleep 0.1
    done
    grep '"type":"oom"' "$BATS_TEST_TMPDIR/events.out" | head -1 | jq -e --arg id "$id" '.type == "oom" and .id == $id' >/dev/null ||
        fail "no {\"type\":\"oom\",\"id\":\"$id\"} line from cr events:" "$(cut -c1-300 "$BATS_TEST_TMPDIR/events.out")" "stderr: $(cat "$BATS_TEST_TMPDIR/events.err")"

    # stats: the limit, and peak usage never above it
    run --separate-stderr cg_stats "$id"
    [[ $status -eq 0 ]] || fail "events --stats failed: $stderr"
    limit=$(jq -r .data.memory.usage.limit <<<"$output")
    max=$(jq -r .data.memory.usage.max <<<"$output")
    [[ $limit == $((32 * MiB)) ]] || fail "memory.usage.limit: $limit"
    ((max > 16 * MiB && max <= 32 * MiB)) || fail "memory.usage.max: $max"
    [[ $(jq -r .data.memory.swap.limit <<<"$output") == $((32 * MiB)) ]] || fail "memory.swap.limit: $output"

    # and the kernel counted the kill in the container's memory cgroup
    local dir
    dir=$(cgroups_named "$id" | grep '/memory/' | head -1)
    [[ -n $dir ]] || fail "no memory cgroup for $id"
    awk '$1 == "oom_kill" { exit !($2 >= 1) }' "$dir/memory.oom_control" ||
        fail "oom_kill not counted: $(cat "$dir/memory.oom_control")"
}

@test "memory: run of an init that outgrows its limit is OOM-killed and run exits 137" {
    local b id
    b=$(cg_bundle b)
    id=$(cg_id)
    add_fill_tmpfs "$b"
    cfg_in "$b" '.linux.resources.memory = {limit: 33554432, swap: 33554432}
                 | .process.args = ["dd", "if=/dev/zero", "of=/mnt/fill/big", "bs=1M", "count=200"]'
    run --separate-stderr crr run --bundle "$b" "$id" </dev/null
    [[ $status -eq 137 ]] || fail "cr run exited $status, expected 137 (SIGKILL by the OOM killer)" "stdout: $output" "stderr: $stderr"

    # control: the same with 400 MiB of memory finishes
    id=$(cg_id)
    cfg_in "$b" '.linux.resources.memory = {limit: 419430400, swap: 419430400}'
    run --separate-stderr crr run --bundle "$b" "$id" </dev/null
    [[ $status -eq 0 ]] || fail "control with a 400 MiB limit exited $status" "stderr: $stderr"
}

# ------------------------------------------------------------------ pids

@test "pids: limit 20 stops a fork loop of 100 (some forks fail, fewer than 20 run)" {
    local b id n
    b=$(cg_bundle b)
    id=$(cg_id)
    cfg_in "$b" '.linux.resources.pids = {limit: 20}'
    # the inner shell stops at the first failed fork ("can't fork"); the
    # sleeps it started stay, reparented to the init
    cg_args "$b" 'sh -c "for i in \$(seq 100); do sleep 1000 & done; echo all > /mnt/host/all" 2> /mnt/host/err
                  echo "$?" > /mnt/host/loop
                  exec sleep 1001'
    cg_create "$b" "$id"
    cg_start "$id"
    cg_wait_file "$CG_HOST/loop"

    [[ ! -e $CG_HOST/all ]] || fail "all 100 forks succeeded under pids.limit 20"
    grep -Eqi "can't fork|resource temporarily unavailable" "$CG_HOST/err" ||
        fail "no fork failure reported: $(cat "$CG_HOST/err")"
    n=$(cg_count_cmd "$id" sleep 1000)
    ((n > 0 && n < 20)) || fail "$n sleeps run, expected 1..19"
    # read back
    local dir
    dir=$(cgroups_named "$id" | grep '/pids/' | head -1)
    [[ $(cat "$dir/pids.max") == 20 ]] || fail "pids.max: $(cat "$dir/pids.max")"
    (($(cat "$dir/pids.current") <= 20)) || fail "pids.current: $(cat "$dir/pids.current")"
}

# ------------------------------------------------------------------ cpu

@test "cpu: quota 20000/100000 holds a busy loop well under one CPU, whatever an unlimited one gets" {
    local b id ctl t0 t1 a0 a1 c0 c1 lim unl thr
    b=$(cg_bundle b)
    id=$(cg_id lim)
    ctl=$(cg_id ctl)
    cg_args "$b" 'while :; do :; done'
    cg_create "$b" "$ctl"
    cfg_in "$b" '.linux.resources.cpu = {quota: 20000, period: 100000}'
    cg_create "$b" "$id"
    cg_start "$id"
    cg_start "$ctl"
    sleep 0.5
    t0=$(date +%s%N)
    a0=$(cg_cpu_ns "$id")
    c0=$(cg_cpu_ns "$ctl")
    sleep 3
    a1=$(cg_cpu_ns "$id")
    c1=$(cg_cpu_ns "$ctl")
    t1=$(date +%s%N)
    lim=$(cg_float "($a1 - $a0) / ($t1 - $t0)")
    unl=$(cg_float "($c1 - $c0) / ($t1 - $t0)")
    echo "CPU-seconds per second: limited $lim, unlimited $unl" >&2
    # 0.2 CPU is a hard cap (whatever the host load); 0.35 leaves room for a period of burst
    awk "BEGIN { exit !($lim < 0.35) }" || fail "limited container used $lim CPU-seconds/s (quota is 0.2)"
    # how much the unlimited control got depends on the host's load: the
    # limited one is compared with it only when the host had CPU to give
    awk "BEGIN { exit !($unl > 0.5) }" || { echo "host busy (control got $unl): cap checked only" >&2; return 0; }
    awk "BEGIN { exit !($unl > 2 * $lim) }" || fail "unlimited control got $unl CPU-seconds/s, limited $lim"
    # the kernel throttled the limited one
    run --separate-stderr cg_stats "$id"
    thr=$(jq -r '.data.cpu.throttling.throttledPeriods // 0' <<<"$output")
    ((thr > 0)) || fail "no throttled periods in stats: $(jq -c .data.cpu <<<"$output")"
}

@test "cpuset: cpus \"0\" pins the container to CPU 0; update --cpuset-cpus 1 moves it" {
    local b id pid
    (($(nproc) >= 2)) || skip "needs 2 CPUs"
    b=$(cg_bundle b)
    id=$(cg_id)
    cfg_in "$b" '.linux.resources.cpu = {cpus: "0"}'
    cg_create "$b" "$id"
    cg_start "$id"
    run --separate-stderr crr exec "$id" sh -c 'grep Cpus_allowed_list /proc/self/status'
    [[ $status -eq 0 && $output == *$'\t'0 ]] || fail "exec'd process affinity: $output ($stderr)"
    pid=$(crr state "$id" | jq -r .pid)
    [[ $(awk '/Cpus_allowed_list/ {print $2}' "/proc/$pid/status") == 0 ]] || fail "init affinity: $(grep Cpus_allowed_list "/proc/$pid/status")"

    run --separate-stderr crr update --cpuset-cpus 1 "$id"
    [[ $status -eq 0 ]] || fail "update --cpuset-cpus 1 failed: $stderr"
    [[ $(awk '/Cpus_allowed_list/ {print $2}' "/proc/$pid/status") == 1 ]] || fail "init affinity after update: $(grep Cpus_allowed_list "/proc/$pid/status")"
    run --separate-stderr crr exec "$id" sh -c 'grep Cpus_allowed_list /proc/self/status'
    [[ $output == *$'\t'1 ]] || fail "exec'd process affinity after update: $output ($stderr)"
}

# ------------------------------------------------------------------ pause / resume

@test "pause freezes a counting loop (status paused, count still over 1 s); resume thaws it" {
    local b id v0 v1 v2 i
    b=$(cg_bundle b)
    id=$(cg_id)
    cg_args "$b" 'i=0; while :; do i=$((i+1)); echo $i > /mnt/host/c.tmp; mv /mnt/host/c.tmp /mnt/host/count; sleep 0.05; done'
    cg_create "$b" "$id"
    cg_start "$id"
    cg_wait_file "$CG_HOST/count"
    v0=$(cat "$CG_HOST/count")
    for ((i = 0; i < 100; i++)); do
        (($(cat "$CG_HOST/count") > v0)) && break
        sleep 0.1
    done
    (($(cat "$CG_HOST/count") > v0)) || fail "the counter does not count before pause"

    run --separate-stderr crr pause "$id"
    [[ $status -eq 0 ]] || fail "pause failed: $stderr"
    [[ $(container_status "$id") == paused ]] || fail "status after pause: $(container_status "$id")"
    v1=$(cat "$CG_HOST/count")
    sleep 1.2
    v2=$(cat "$CG_HOST/count")
    [[ $v1 == "$v2" ]] || fail "counter moved while paused: $v1 -> $v2"
    local dir
    dir=$(cgroups_named "$id" | grep '/freezer/' | head -1)
    [[ $(cat "$dir/freezer.state") == FROZEN ]] || fail "freezer.state: $(cat "$dir/freezer.state")"

    run --separate-stderr crr resume "$id"
    [[ $status -eq 0 ]] || fail "resume failed: $stderr"
    [[ $(container_status "$id") == running ]] || fail "status after resume: $(container_status "$id")"
    for ((i = 0; i < 100; i++)); do
        (($(cat "$CG_HOST/count") > v2)) && break
        sleep 0.1
    done
    (($(cat "$CG_HOST/count") > v2)) || fail "counter stuck at $v2 after resume"
}

# ------------------------------------------------------------------ update

@test "update --pids-limit 100 lets a container that could not fork 10 processes do so" {
    local b id dir
    b=$(cg_bundle b)
    id=$(cg_id)
    cfg_in "$b" '.linux.resources.pids = {limit: 5}'
    cg_create "$b" "$id"
    cg_start "$id"
    local fork10='for i in $(seq 10); do sleep 1000 </dev/null >/dev/null 2>&1 & done; echo forked-10'
    run --separate-stderr crr exec "$id" sh -c "$fork10"
    [[ $status -ne 0 && $output != *forked-10* ]] || fail "10 forks succeeded under pids.limit 5 (status $status, $output)"
    [[ $stderr == *"can't fork"* || $stderr == *"Resource temporarily unavailable"* ]] || fail "unexpected error: $stderr"

    run --separate-stderr crr update --pids-limit 100 "$id"
    [[ $status -eq 0 ]] || fail "update --pids-limit 100 failed: $stderr"
    dir=$(cgroups_named "$id" | grep '/pids/' | head -1)
    [[ $(cat "$dir/pids.max") == 100 ]] || fail "pids.max after update: $(cat "$dir/pids.max")"
    run --separate-stderr crr exec "$id" sh -c "$fork10"
    [[ $status -eq 0 && $output == *forked-10* ]] || fail "10 forks failed after update to 100 (status $status)" "$output" "$stderr"
    (($(cg_count_cmd "$id" sleep 1000) >= 10)) || fail "fewer than 10 sleeps run after update"
}

@test "update --memory raises the limit: a 48 MiB tmpfs write is killed at 32 MiB and fits after update to 128 MiB" {
    local b id out
    b=$(cg_bundle b)
    id=$(cg_id)
    add_fill_tmpfs "$b"
    cfg_in "$b" '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
    cg_create "$b" "$id"
    cg_start "$id"
    local fill='dd if=/dev/zero of=/mnt/fill/big bs=1M count=48 2>/dev/null; echo "dd=$?"; rm -f /mnt/fill/big'
    run --separate-stderr crr exec "$id" sh -c "$fill"
    [[ $output == *dd=137* ]] || fail "48 MiB write under a 32 MiB limit was not OOM-killed: status $status, $output, $stderr"
    [[ $(cg_stats "$id" | jq -r .data.memory.usage.limit) == $((32 * MiB)) ]] || fail "limit before update"

    run --separate-stderr crr update --memory 128m --memory-swap 128m "$id"
    [[ $status -eq 0 ]] || fail "update --memory 128m --memory-swap 128m failed: $stderr"
    out=$(cg_stats "$id")
    [[ $(jq -r .data.memory.usage.limit <<<"$out") == $((128 * MiB)) ]] || fail "events --stats memory.usage.limit after update: $(jq -c .data.memory.usage <<<"$out")"
    [[ $(jq -r .data.memory.swap.limit <<<"$out") == $((128 * MiB)) ]] || fail "events --stats memory.swap.limit after update: $(jq -c .data.memory.swap <<<"$out")"
    run --separate-stderr crr exec "$id" sh -c "$fill"
    [[ $status -eq 0 && $output == *dd=0* ]] || fail "48 MiB write failed under a 128 MiB limit: status $status, $output, $stderr"

    # --memory alone (no swap flag) changes the limit too
    run --separate-stderr crr update --memory 64m "$id"
    [[ $status -eq 0 ]] || fail "update --memory 64m failed: $stderr"
    [[ $(cg_stats "$id" | jq -r .data.memory.usage.limit) == $((64 * MiB)) ]] || fail "limit after update --memory 64m: $(cg_stats "$id" | jq -c .data.memory.usage)"
}

# ------------------------------------------------------------------ devices

@test "devices: deny-all + defaults: /dev/null opens, a linux.devices node not allowed by any rule does not" {
    local b id ctl
    b=$(cg_bundle b)
    id=$(cg_id)
    # c 1:11 (kmsg) is not among runc's default rules; opened write-only it
    # needs no capability, so only the device cgroup can refuse it
    cfg_in "$b" '.linux.resources.devices = [{allow: false, access: "rwm"}]
                 | .linux.devices = [{path: "/dev/mykmsg", type: "c", major: 1, minor: 11, fileMode: 438, uid: 0, gid: 0}]'
    # (subshells: a failed redirection of ":" would end the script)
    cg_args "$b" '(echo x > /dev/null) && echo null-ok
                  (: > /dev/zero) && echo zero-ok
                  (: > /dev/mykmsg) && echo mykmsg-ok
                  ls -l /dev/mykmsg'
    run --separate-stderr crr run --bundle "$b" "$id" </dev/null
    [[ $output == *null-ok* ]] || fail "/dev/null could not be opened: $output $stderr"
    [[ $output == *zero-ok* ]] || fail "/dev/zero (default rule) could not be opened: $output $stderr"
    [[ $output == *"1,  11"* || $output == *"1, 11"* ]] || fail "/dev/mykmsg was not created as c 1:11: $output"
    [[ $output != *mykmsg-ok* ]] || fail "/dev/mykmsg (c 1:11, denied) could be opened"
    [[ $stderr == *"Operation not permitted"* ]] || fail "expected EPERM for /dev/mykmsg: $stderr"

    # control: the same node with a rule allowing it opens
    ctl=$(cg_id ctl)
    cfg_in "$b" '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "w"}]'
    run --separate-stderr crr run --bundle "$b" "$ctl" </dev/null
    [[ $output == *mykmsg-ok* ]] || fail "control: c 1:11 allowed by a rule still could not be opened: $output $stderr"
}

# ------------------------------------------------------------------ kill --all

@test "kill --all KILL ends the init and a background child (no pid namespace, so killing the init alone would not)" {
    local b id child pid
    b=$(cg_bundle b)
    id=$(cg_id)
    cfg_in "$b" '.linux.namespaces |= map(select(.type != "pid"))'
    cg_args "$b" 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > /mnt/host/child; exec sleep 1001'
    cg_create "$b" "$id"
    cg_start "$id"
    cg_wait_file "$CG_HOST/child"
    child=$(cat "$CG_HOST/child")
    pid=$(crr state "$id" | jq -r .pid)
    alive "$child" || fail "child $child is not running"
    cg_pids "$id" | grep -qx "$child" || fail "child $child is not in the container's cgroup: $(cg_pids "$id" | tr '\n' ' ')"

    run --separate-stderr crr kill --all "$id" KILL
    [[ $status -eq 0 ]] || fail "kill --all failed: $stderr"
    wait_gone "$pid"
    wait_gone "$child"
    wait_status "$id" stopped
}

@test "kill --all USR1 reaches every process of the container, kill without --all only the init" {
    local b id i
    b=$(cg_bundle b)
    id=$(cg_id)
    cg_args "$b" 'trap "echo init >> /mnt/host/got" USR1
                  sh -c "trap \"echo child >> /mnt/host/got\" USR1; echo up > /mnt/host/ready; while :; do sleep 0.2; done" &
                  while :; do sleep 0.2; done'
    cg_create "$b" "$id"
    cg_start "$id"
    cg_wait_file "$CG_HOST/ready"
    run --separate-stderr crr kill "$id" USR1
    [[ $status -eq 0 ]] || fail "kill failed: $stderr"
    cg_wait_file "$CG_HOST/got"
    sleep 1
    [[ $(sort "$CG_HOST/got" | tr '\n' ' ') == "init " ]] || fail "kill (no --all) reached: $(cat "$CG_HOST/got")"

    : >"$CG_HOST/got"
    run --separate-stderr crr kill --all "$id" USR1
    [[ $status -eq 0 ]] || fail "kill --all failed: $stderr"
    for ((i = 0; i < 100; i++)); do
        [[ $(sort -u "$CG_HOST/got" | tr '\n' ' ') == "child init " ]] && break
        sleep 0.1
    done
    [[ $(sort -u "$CG_HOST/got" | tr '\n' ' ') == "child init " ]] || fail "kill --all reached: $(cat "$CG_HOST/got")"
}

# ------------------------------------------------------------------ leaks

@test "leaks: 200 create/start/delete and run cycles leave no cgroup, state or process" {
    local b i id left
    b=$(cg_bundle b)
    cfg_in "$b" '.process.args = ["/bin/true"]
                 | .linux.resources.pids = {limit: 50}
                 | .linux.resources.memory = {limit: 67108864}
                 | .linux.resources.cpu = {shares: 512}'
    for ((i = 0; i < 200; i++)); do
        id=$CG_PREFIX-c$i   # not via cg_id: 200 entries for teardown is fine, but the prefix search covers them
        if ((i % 2)); then
            "$CR" --root "$CG_ROOT" run --bundle "$b" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- ||
                fail "cycle $i: cr run $id failed: $(cat "$BATS_TEST_TMPDIR/err")"
        else
            "$CR" --root "$CG_ROOT" create --bundle "$b" "$id" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- ||
                fail "cycle $i: cr create $id failed: $(cat "$BATS_TEST_TMPDIR/err")"
            crr start "$id" 2>"$BATS_TEST_TMPDIR/err" || fail "cycle $i: cr start $id failed: $(cat "$BATS_TEST_TMPDIR/err")"
            if ((i == 0)); then   # the cycles do make cgroups: one per hierarchy
                [[ $(cgroups_named "$id" | wc -l) -eq $(cg_hierarchies | wc -l) ]] ||
                    fail "cgroups of $id:" "$(cgroups_named "$id")" "hierarchies:" "$(cg_hierarchies)"
            fi
            wait_status "$id" stopped
            crr delete "$id" 2>"$BATS_TEST_TMPDIR/err" || fail "cycle $i: cr delete $id failed: $(cat "$BATS_TEST_TMPDIR/err")"
        fi
    done
    left=$(cgroups_named "$CG_PREFIX*")
    [[ -z $left ]] || fail "cgroups left:" "$left"
    left=$(ls -A "$CG_ROOT" 2>/dev/null || true)
    [[ -z $left ]] || fail "state left in $CG_ROOT:" "$left"
    left=$(procs_with_env "$CG_MARK")
    [[ -z $left ]] || fail "container processes left:" "$left"
    run crr list -q
    [[ -z $output ]] || fail "cr list still shows: $output"
}

@test "leaks: --cgroup-manager disabled creates no cgroup; the init stays in the caller's cgroups" {
    local b id pid
    b=$(cg_bundle b)
    id=$(cg_id)
    cg_create "$b" "$id" --cgroup-manager disabled
    pid=$(crr state "$id" | jq -r .pid)
    [[ -z $(cgroups_named "$id") ]] || fail "cgroup made with --cgroup-manager disabled:" "$(cgroups_named "$id")"
    diff <(sort /proc/self/cgroup) <(sort "/proc/$pid/cgroup") >&2 || fail "init $pid is not in the caller's cgroups"
    cg_start "$id"
    [[ -z $(cgroups_named "$id") ]] || fail "cgroup appeared at start"
    run --separate-stderr crr delete -f "$id"
    [[ $status -eq 0 ]] || fail "delete -f failed: $stderr"
    wait_gone "$pid"
    [[ -z $(ls -A "$CG_ROOT" 2>/dev/null) ]] || fail "state left: $(ls -A "$CG_ROOT")"
}

# ------------------------------------------------------------------ cgroupsPath

@test "cgroupsPath: a relative path is created under the caller's cgroup in every hierarchy, and removed on delete" {
    local b id pid rel mp own n=0 line want
    b=$(cg_bundle b)
    id=$(cg_id)
    rel=$CG_PREFIX-rel/test-$id
    cfg_in "$b" '.linux.cgroupsPath = $p' --arg p "$rel"
    cg_create "$b" "$id"
    pid=$(crr state "$id" | jq -r .pid)
    while read -r mp own; do
        [[ $own == / ]] && own=
        want=$mp$own/$rel
        [[ -d $want ]] || fail "missing $want"
        grep -qx "$pid" "$want/cgroup.procs" || fail "init $pid is not in $want/cgroup.procs"
        cg_extra_dir "$mp$own/$CG_PREFIX-rel"
        n=$((n + 1))
    done < <(cg_hierarchies)
    ((n >= 1)) || fail "no cgroup hierarchy found"
    # the init's own view of where it is: every hierarchy, below the caller's cgroup
    while IFS= read -r line; do
        own=$(awk -F: -v h="${line%%:*}" '$1 == h { print $3 }' /proc/self/cgroup)
        [[ $own == / ]] && own=
        [[ ${line##*:} == "$own/$rel" ]] || fail "init cgroup line '$line', expected path $own/$rel"
    done <"/proc/$pid/cgroup"
    cg_start "$id"
    run --separate-stderr crr delete -f "$id"
    [[ $status -eq 0 ]] || fail "delete -f failed: $stderr"
    [[ -z $(cgroups_named "test-$id") ]] || fail "left after delete:" "$(cgroups_named "test-$id")"
}

@test "cgroupsPath: an absolute path is created at each hierarchy's root, and removed on delete" {
    local b id pid abs mp own n=0
    b=$(cg_bundle b)
    id=$(cg_id)
    abs=/$CG_PREFIX-crabs/$id
    cfg_in "$b" '.linux.cgroupsPath = $p' --arg p "$abs"
    cg_create "$b" "$id"
    pid=$(crr state "$id" | jq -r .pid)
    while read -r mp own; do
        [[ -d $mp$abs ]] || fail "missing $mp$abs"
        grep -qx "$pid" "$mp$abs/cgroup.procs" || fail "init $pid is not in $mp$abs/cgroup.procs"
        cg_extra_dir "$mp/$CG_PREFIX-crabs"
        n=$((n + 1))
    done < <(cg_hierarchies)
    ((n >= 1)) || fail "no cgroup hierarchy found"
    grep -E "^[0-9]+:[^:]+:$abs\$" "/proc/$pid/cgroup" >/dev/null || fail "init cgroups: $(cat "/proc/$pid/cgroup")"
    cg_start "$id"
    run --separate-stderr crr delete -f "$id"
    [[ $status -eq 0 ]] || fail "delete -f failed: $stderr"
    [[ -z $(cgroups_named "$id") ]] || fail "left after delete:" "$(cgroups_named "$id")"
}
