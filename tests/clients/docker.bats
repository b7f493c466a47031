#!/usr/bin/env bats
# Docker (dockerd + docker CLI, Debian's docker.io) driving cr as an OCI runtime.
#
# setup_file starts a private containerd and a private dockerd (data-root,
# exec-root, pidfile and socket in a temp dir; no iptables, no bridge; cgroupfs
# driver) with cr registered as runtime "cr" (and made the default), and
# imports a busybox image. Every container runs with --network none.

load helpers

IMAGE=crtest/busybox:1

setup_file() {
    DOCKER=/usr/bin/docker
    [[ -x $DOCKER ]] || DOCKER=$(command -v docker) || DOCKER=docker
    require_cmds dockerd containerd ctr "$DOCKER" || return 0
    export DOCKER

    T=$(clients_tmpdir dk)
    export T
    # docker checkpoint: cr (run by containerd's shim) finds criu through
    # $CR_CRIU, set only when one passes criu check
    criu_check
    [[ -n $CRIU_SKIP ]] || export CR_CRIU=$CRIU
    start_dockerd "$T" || fail "dockerd did not come up"

    make_rootfs "$T/rootfs"
    tar -C "$T/rootfs" -c . | dk import - "$IMAGE" >/dev/null || fail "docker import failed"
}

teardown_file() {
    [[ -n ${T:-} ]] || return 0
    stop_dockerd "$T"
    cleanup_tmpdir "$T"
}

setup() { skip_if_unavailable; }

teardown() { show_failure_log "$T/dockerd.log"; }

# dk ARGS...: the docker CLI on our daemon's socket (fd 3 closed).
dk() { "$DOCKER" -H "unix://$DOCKER_SOCK" "$@" 3>&-; }

# drun ARGS...: docker run --runtime cr --network none ARGS...
drun() { dk run --runtime cr --network none "$@"; }

CLI=dk CLI_RUN=drun

@test "docker run --rm --runtime cr prints the command's output" {
    prints_output
}

@test "docker run returns the container's exit status" {
    local n
    n=$(cname)
    exits_with "$n"
    expect_eq "inspect ExitCode" "$(dk inspect -f '{{.State.ExitCode}} {{.State.Status}}' "$n")" "42 exited"
}

@test "docker run of a missing command exits 127, of a non-executable file 126" {
    # docker's CLI maps the runtime's error text: "no such file or directory"
    # -> 127, "permission denied" -> 126 (case-sensitive, as runc words them)
    run -127 drun --rm "$IMAGE" /nonexistent
    expect_output_has /nonexistent

    run drun --rm "$IMAGE" /etc/passwd
    expect_output_has /etc/passwd
    expect_status 126
}

@test "docker run of a non-executable file fails at create and leaves no task or shim behind" {
    # runc and crun refuse a non-executable process.args[0] in `create`. If
    # the runtime only fails in `start`, dockerd's immediate cleanup ("failed
    # to delete task after fail start: task must be stopped before deletion:
    # created") races with the init's exit, and now and then containerd
    # (namespace moby) keeps a task and a shim for a container docker has
    # removed. Several runs, since the leak depends on timing; the
    # create/start check does not.
    local i ids leaked=() t out=
    for ((i = 0; i < 8; i++)); do
        out=$(drun --rm "$IMAGE" /etc/passwd 2>&1) && fail "docker run of /etc/passwd succeeded"
    done
    sleep 1
    ids=$(dk ps -aq --no-trunc)
    for t in $(ctr --address "$T/ctd/containerd.sock" -n moby containers ls -q 2>/dev/null); do
        [[ $ids == *"$t"* ]] || leaked+=("$t")
    done
    ((${#leaked[@]} == 0)) || {
        ctr --address "$T/ctd/containerd.sock" -n moby task ls >&2
        grep -E 'failed to delete|failed precondition' "$T/dockerd.log" | tail -n 4 >&2
        fail "${#leaked[@]} of 8 failed runs left a containerd container/task (and its shim) behind"
    }
    [[ $out == *"OCI runtime create failed"* ]] || fail "docker run: expected a create failure, got: $out"
}

@test "docker run -d, then docker logs shows stdout and stderr" {
    local n
    n=$(cname)
    start_logger "$n"
    run --separate-stderr dk logs "$n"
    expect_status 0
    expect_eq stdout "$output" to-stdout
    expect_eq stderr "$stderr" to-stderr
    expect_eq state "$(dk inspect -f '{{.State.Status}} {{.State.Running}}' "$n")" "running true"

    detached_exit "$(cname short)"
}

@test "docker exec runs in the container: output, exit status, user, env, cwd, -d" {
    local n
    n=$(cname)
    exec_basics "$n"

    run dk exec -d "$n" sh -c 'echo detached > /tmp/d'
    expect_status 0
    wait_for 10 dk exec "$n" grep -q detached /tmp/d

    run dk exec "$n" /nonexistent
    [[ $status -ne 0 ]] || fail "exec of a missing command succeeded"
    expect_output_has /nonexistent
}

@test "docker run -it works through a pty" {
    pty_runs "'$DOCKER' -H unix://$DOCKER_SOCK run --rm -it --runtime cr --network none"

    # the client's terminal size reaches the container's console
    # (the sleep: docker sends the size just after start, with runc as well)
    pty_run 0 "stty cols 123 rows 45; '$DOCKER' -H unix://$DOCKER_SOCK run --rm -it --runtime cr --network none $IMAGE sh -c 'sleep 0.5; stty size'" </dev/null
    expect_output_has "45 123"
}

@test "docker exec -it works through a pty" {
    local n
    n=$(cname)
    pty_execs "'$DOCKER' -H unix://$DOCKER_SOCK" "$n"

    pty_run 0 "stty cols 99 rows 33; '$DOCKER' -H unix://$DOCKER_SOCK exec -it $n sh -c 'sleep 0.5; stty size'" </dev/null
    expect_output_has "33 99"
}

@test "docker stop sends SIGTERM, then SIGKILL after the timeout" {
    local n
    n=$(cname term)
    stop_both_ways "$n" "$(cname kill)"
    [[ $STOP_OUTPUT == *"$n"* ]] || fail "docker stop did not name $n: $STOP_OUTPUT"
}

@test "docker kill -s USR1 delivers the signal; docker kill ends the container" {
    kill_signals "$(cname)" '{{.State.Running}}' true false
}

@test "docker pause freezes the container, docker unpause thaws it" {
    local n
    n=$(cname)
    pause_counter "$n"
    run dk ps --filter "name=$n" --format '{{.Status}}'
    expect_output_has "(Paused)"
    unpause_counter "$n"
}

@test "docker update --memory 64m changes a running container's limit" {
    local n
    n=$(new_sleeper)
    run dk update --memory 64m --memory-swap 128m --pids-limit 77 "$n"
    expect_status 0
    expect_eq "HostConfig.Memory" "$(dk inspect -f '{{.HostConfig.Memory}}' "$n")" 67108864
    exec_reads "$n" /sys/fs/cgroup/memory/memory.limit_in_bytes 67108864
    exec_reads "$n" /sys/fs/cgroup/pids/pids.max 77
    expect_eq state "$(dk inspect -f '{{.State.Running}}' "$n")" true
}

@test "docker stats --no-stream shows a row for the container" {
    local n
    n=$(new_sleeper)
    run dk stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$n"
    expect_status 0
    [[ $output =~ ^$n\ [0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMG]i?B\ 1$ ]] || { show_run; fail "unexpected stats row"; }
    run dk stats --no-stream "$n"
    expect_status 0
    expect_output_has "CONTAINER ID"
    expect_output_has "$n"
}

@test "docker top lists the container's processes" {
    top_lists "$(cname)"
    expect_output_has PID
}

@test "docker restart starts the same container again" {
    local n t1 t2
    n=$(cname)
    start_trapper "$n"
    t1=$(dk inspect -f '{{.State.StartedAt}}' "$n")
    restart_trapper "$n"
    t2=$(dk inspect -f '{{.State.StartedAt}}' "$n")
    [[ $t2 != "$t1" ]] || fail "restart did not start the container again (StartedAt $t1 -> $t2)"
    run dk logs "$n"
    expect_output_has got-term
}

@test "docker inspect and docker info show the cr runtime, and cr sees the container" {
    local n id pid
    n=$(new_sleeper)
    expect_eq runtime "$(dk inspect -f '{{.HostConfig.Runtime}}' "$n")" cr
    run dk info --format '{{.DefaultRuntime}} {{range $k, $v := .Runtimes}}{{$k}}={{$v.Path}} {{end}}'
    expect_output_has "cr "
    expect_output_has "cr=$CR"

    # the container's state lives in the runtime root dockerd gives cr
    id=$(dk inspect -f '{{.Id}}' "$n")
    pid=$(pid_of "$n")
    run "$CR" --root "$T/exec/runtime-runc/moby" state "$id"
    expect_status 0
    expect_eq "cr state" "$(jq -r '"\(.id) \(.status) \(.pid)"' <<<"$output")" "$id running $pid"
}

@test "docker run applies user, env, workdir, hostname and resource limits" {
    runs_as_asked

    run drun --rm --memory 32m --pids-limit 50 --cpus 0.5 --cpu-shares 512 "$IMAGE" sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares'
    expect_status 0
    expect_eq limits "$(echo $output)" "33554432 50 50000 512"

    run drun --rm --read-only --tmpfs /scratch "$IMAGE" sh -c 'touch /scratch/ok && grep " /scratch " /proc/mounts'
    expect_status 0
    expect_output_has "tmpfs /scratch tmpfs"

    mkdir -p "$T/hostdir" && echo from-host >"$T/hostdir/f"
    run drun --rm -v "$T/hostdir:/h:ro" "$IMAGE" sh -c 'cat /h/f; touch /h/g'
    expect_output_has from-host
    expect_output_has "Read-only file system"
    [[ ! -e $T/hostdir/g ]] || fail "read-only bind mount was writable"
}

@test "docker run applies its security defaults: seccomp, capabilities, no-new-privileges" {
    run drun --rm "$IMAGE" grep -E '^(Seccomp|CapEff):' /proc/self/status
    expect_status 0
    expect_output_has "Seccomp:	2"
    expect_output_has "CapEff:	00000000a80425fb" # docker's default capability set

    run drun --rm --cap-drop ALL "$IMAGE" grep CapEff /proc/self/status
    expect_output_has "CapEff:	0000000000000000"

    run drun --rm --security-opt no-new-privileges "$IMAGE" grep NoNewPrivs /proc/self/status
    expect_output_has "NoNewPrivs:	1"

    # without CAP_SYS_ADMIN a mount is refused
    run drun --rm "$IMAGE" sh -c 'mkdir /tmp/m && mount -t tmpfs none /tmp/m'
    [[ $status -ne 0 ]] || fail "mount succeeded without CAP_SYS_ADMIN"
}

@test "docker run -i passes stdin; --init runs docker-init as PID 1" {
    run bash -c "echo hello-stdin | '$DOCKER' -H unix://$DOCKER_SOCK run --rm -i --runtime cr --network none $IMAGE cat 3>&-"
    expect_status 0
    expect_eq output "$output" hello-stdin

    run drun --rm --init "$IMAGE" cat /proc/1/cmdline
    expect_status 0
    expect_output_has docker-init
}

@test "docker reports an OOM kill" {
    local n
    n=$(cname)
    # (the sleep: the shim watches for OOM events only once the task started)
    run drun --name "$n" --memory 16m --memory-swap 16m "$IMAGE" sh -c 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
    expect_status 137
    expect_eq "OOMKilled ExitCode" "$(dk inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$n")" "true 137"
}

@test "docker run shares namespaces: --pid/--ipc/--network container:, --pid host" {
    local n pid
    n=$(cname donor)
    drun -d --name "$n" --ipc shareable "$IMAGE" sleep 1000 >/dev/null
    pid=$(pid_of "$n")

    run drun --rm --pid "container:$n" "$IMAGE" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
    expect_status 0
    expect_output_has "sleep 1000"

    # the values only (stdout): the CLI may add warnings on stderr, such as
    # "IPv4 forwarding is disabled" for a container with networking
    run --separate-stderr drun --rm --ipc "container:$n" "$IMAGE" readlink /proc/self/ns/ipc
    expect_eq "ipc ns" "$output" "$(readlink "/proc/$pid/ns/ipc")"

    run --separate-stderr dk run --rm --runtime cr --network "container:$n" "$IMAGE" readlink /proc/self/ns/net
    expect_eq "net ns" "$output" "$(readlink "/proc/$pid/ns/net")"

    run --separate-stderr drun --rm --pid host "$IMAGE" readlink /proc/self/ns/pid
    expect_eq "pid ns" "$output" "$(readlink /proc/self/ns/pid)"

    run --separate-stderr drun --rm --uts host "$IMAGE" hostname
    expect_eq "uts ns" "$output" "$(hostname)"
}

@test "docker run applies cgroup, device and process settings" {
    run drun --rm --cpuset-cpus 0 --memory 64m --memory-reservation 32m --memory-swappiness 10 \
        --cpu-period 50000 --cpu-quota 25000 "$IMAGE" sh -c \
        'cd /sys/fs/cgroup && cat cpuset/cpuset.cpus memory/memory.soft_limit_in_bytes memory/memory.swappiness cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us'
    expect_status 0
    expect_eq cgroups "$(echo $output)" "0 33554432 10 50000 25000"

    # device cgroup: docker's default rules allow /dev/zero (1:5) but not
    # loop-control (10:237); --device-cgroup-rule adds it
    run drun --rm "$IMAGE" sh -c 'mknod /tmp/z c 1 5 && head -c1 /tmp/z >/dev/null && echo zero-ok; mknod /tmp/lc c 10 237 && : </tmp/lc && echo lc-open'
    expect_output_has zero-ok
    expect_output_has "can't open /tmp/lc: Operation not permitted"
    run drun --rm --device-cgroup-rule 'c 10:237 rwm' "$IMAGE" sh -c 'mknod /tmp/lc c 10 237 && : </tmp/lc && echo lc-open'
    expect_output_has lc-open
    run drun --rm --device /dev/null:/dev/mynull "$IMAGE" sh -c 'echo x > /dev/mynull && stat -c %t:%T /dev/mynull'
    expect_eq "--device" "$output" "1:3"

    run drun --rm --ulimit nofile=512:512 --oom-score-adj 500 --shm-size 8m \
        --sysctl kernel.msgmax=9999 "$IMAGE" sh -c \
        'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj /proc/sys/kernel/msgmax; df -k /dev/shm | tail -n1'
    expect_status 0
    [[ $(echo $output) =~ ^512\ 512\ 500\ 9999\ shm\ +8192\  ]] || { show_run; fail "ulimit/oom-score-adj/sysctl/shm-size not applied"; }
}

@test "docker healthchecks and restart policies work (exec and re-create)" {
    local n
    n=$(cname health)
    drun -d --name "$n" --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 1 \
        "$IMAGE" sh -c 'sleep 1; touch /tmp/ok; sleep 1000' >/dev/null
    wait_for 20 sh -c "[ \"\$('$DOCKER' -H unix://$DOCKER_SOCK inspect -f '{{.State.Health.Status}}' $n)\" = healthy ]"

    n=$(cname restart)
    drun -d --name "$n" --restart on-failure:2 "$IMAGE" sh -c 'echo run; exit 1' >/dev/null
    wait_for 30 sh -c "[ \"\$('$DOCKER' -H unix://$DOCKER_SOCK inspect -f '{{.RestartCount}} {{.State.Status}}' $n)\" = '2 exited' ]"
    expect_eq "runs" "$(dk logs "$n" | grep -c run)" 3
}

@test "cr run IMAGE takes docker run's flags and does what docker run does with them" {
    local cmd c d flags=(--rm --shm-size 16m --group-add 3000 --sysctl kernel.msgmax=12345 --cpu-shares 512)
    local crr=("$CR" --root "$T/crroot" --storage "$T/crstore")
    cmd='grep " /dev/shm " /proc/mounts | grep -o "size=[0-9]*k"; cat /proc/sys/kernel/msgmax; id -G'
    d=$(drun "${flags[@]}" "$IMAGE" sh -c "$cmd" 2>&1) || fail "docker run: $d"
    c=$("${crr[@]}" run --network none "${flags[@]}" --rootfs "$T/rootfs" sh -c "$cmd" 2>&1)
    [[ $d == "$c" ]] || fail "docker: '$d' cr: '$c'"
    printf 'f=1\n' >"$T/labels"
    dk run -d --runtime cr --network none --name cmpflags -l a=1 --label-file "$T/labels" --stop-signal USR2 --stop-timeout 3 "$IMAGE" sleep 30 >/dev/null
    "${crr[@]}" run -d --network none --name cmpflags -l a=1 --label-file "$T/labels" --stop-signal USR2 --stop-timeout 3 --rootfs "$T/rootfs" sleep 30 >/dev/null
    d=$(dk inspect cmpflags | jq -c '.[0].Config | [.Labels, .StopSignal, .StopTimeout]')
    c=$("${crr[@]}" inspect cmpflags | jq -c 'if type == "array" then .[0] else . end | .Config | [.Labels, .StopSignal, .StopTimeout]')
    dk rm -f cmpflags >/dev/null
    "${crr[@]}" rm -f cmpflags >/dev/null
    [[ $d == "$c" ]] || fail "inspect: docker $d cr $c"
    d=$(drun --rm --mount "type=bind,source=$T/nothere,target=/x" "$IMAGE" true 2>&1) && fail "docker ran"
    c=$("${crr[@]}" run --rm --network none --mount "type=bind,source=$T/nothere,target=/x" --rootfs "$T/rootfs" true 2>&1) && fail "cr ran"
    [[ $d == *"bind source path does not exist: $T/nothere"* && $c == *"bind source path does not exist: $T/nothere"* ]] || fail "--mount: docker '$d' cr '$c'"
}

@test "cr's own Docker verbs answer as docker's do: exec 126/127, kill/wait, start, ps" {
    local n cs cd st
    n=$(cname verbs)
    dk save -o "$T/verbs.tar" "$IMAGE"
    cs=$T/verbs-store
    crd() { "$CR" --root "$T/verbs-root" --storage "$cs" "$@" 3>&-; }
    crd pull -q "docker-archive:$T/verbs.tar" >/dev/null
    drun -d --name "$n" "$IMAGE" sleep 1000 >/dev/null
    crd run -d --network none --name "$n" "$IMAGE" sleep 1000 >/dev/null
    for cmd in "sh -c 'exit 7'" /etc/passwd no-such-command; do
        cd=0 && eval dk exec "$n" "$cmd" >/dev/null 2>&1 || cd=$?
        st=0 && eval crd exec "$n" "$cmd" >/dev/null 2>&1 || st=$?
        # a missing command: 127 as docker run says it (docker 20.10's exec says 126)
        [[ $cmd == no-such-command && $cd == 126 ]] && cd=127
        expect_eq "exec $cmd: cr's status (docker's: $cd)" "$st" "$cd"
    done
    expect_eq "exec -u root -w /tmp" "$(crd exec -u root -w /tmp "$n" sh -c 'echo $(id -u) $(pwd) $HOME')" \
        "$(dk exec -u root -w /tmp "$n" sh -c 'echo $(id -u) $(pwd) $HOME')"
    expect_eq "exec -t TERM" "$(crd exec -t "$n" sh -c 'echo $TERM' </dev/null 2>&1 | tr -d '\r\0')" \
        "$(dk exec -t "$n" sh -c 'echo $TERM' </dev/null 2>&1 | tr -d '\r\0')"
    # the same names and 12-digit ids: docker's table and cr's line up alike
    expect_eq "ps header" "$(crd ps --format 'table {{.ID}}\t{{.Image}}\t{{.Names}}\t{{.State}}' | sed 's/[0-9a-f]\{12\}/ID/')" \
        "$(dk ps --filter name="$n" --format 'table {{.ID}}\t{{.Image}}\t{{.Names}}\t{{.State}}' | sed 's/[0-9a-f]\{12\}/ID/')"
    expect_eq "kill prints" "$(crd kill "$n")" "$(dk kill "$n")"
    expect_eq "wait after kill" "$(crd wait "$n")" "$(dk wait "$n")"
    expect_eq "ps -a State" "$(crd ps -a --filter name="$n" --format '{{.State}} {{.Names}}')" \
        "$(dk ps -a --filter name="$n" --format '{{.State}} {{.Names}}')"
    expect_eq "start prints" "$(crd start "$n")" "$(dk start "$n")"
    expect_eq "running again" "$(crd ps --filter status=running --format '{{.Names}}')" \
        "$(dk ps --filter name="$n" --filter status=running --format '{{.Names}}')"
    dk rm -f "$n" >/dev/null
    crd rm -f "$n" >/dev/null
}

@test "docker checkpoint create, then start --checkpoint: the counter goes on (cr checkpoint/restore)" {
    [[ -z $CRIU_SKIP ]] || skip "$CRIU_SKIP"
    local n
    n=$(cname)
    counter_restored "$n" dk checkpoint create "$n" cp1 -- dk start --checkpoint cp1 "$n"
    run dk rm -f "$n"
    expect_status 0
}
