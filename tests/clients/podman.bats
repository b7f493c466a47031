#!/usr/bin/env bats
# Podman (Debian's podman 4.3 + conmon) driving cr as its OCI runtime.
#
# Every podman call uses `--runtime $CR --cgroup-manager cgroupfs` with its
# own --root/--runroot (vfs storage) in a temp dir and a containers.conf there
# (events to a file, tmp_dir and network config dir in the temp dir, nofile and
# nproc ulimits this sandbox allows). Containers run with --network none.
# Podman (as root) does not pass --root to the runtime, so cr keeps the
# containers' state in its default root, /run/cr.

load helpers
load ../integration/rootless_helpers

IMAGE=localhost/crtest/busybox:1

setup_file() {
    require_cmds podman conmon || return 0
    T=$(clients_tmpdir pm)
    export T
    podman_env "$T"

    make_rootfs "$T/rootfs"
    tar -C "$T/rootfs" -c . | pm import - crtest/busybox:1 >/dev/null || fail "podman import failed"
}

teardown_file() {
    [[ -n ${T:-} ]] || return 0
    local ids id
    ids=$(pm ps -aq --no-trunc 2>/dev/null)
    pm rm -a -f -t 0 >/dev/null 2>&1
    for id in $ids; do # cr's state of podman's containers is in /run/cr
        "$CR" delete --force "$id" >/dev/null 2>&1
    done
    cleanup_tmpdir "$T"
}

setup() { skip_if_unavailable; }
teardown() { rl_teardown_users; }

pm_args

# prun ARGS...: podman run --network none with the ulimits this sandbox allows.
prun() { pm run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@"; }

CLI=pm CLI_RUN=prun

@test "podman run --runtime cr prints the command's output" {
    prints_output
}

@test "podman run returns the container's exit status" {
    local n
    n=$(cname)
    exits_with "$n"
    expect_eq "inspect" "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$n")" "exited 42"
}

@test "podman run of a missing command exits 127, of a non-executable file 126" {
    run -127 prun --rm "$IMAGE" /nonexistent
    expect_output_has /nonexistent
    run prun --rm "$IMAGE" /etc/passwd
    expect_status 126
}

@test "podman run -d, then podman logs shows the output" {
    local n
    n=$(cname)
    start_logger "$n"
    run pm logs "$n"
    expect_status 0
    expect_output_has to-stdout
    expect_output_has to-stderr
    expect_eq state "$(pm inspect -f '{{.State.Status}}' "$n")" running

    detached_exit "$(cname short)"
}

@test "podman exec runs in the container: output, exit status, user, env, cwd" {
    local n
    n=$(cname)
    exec_basics "$n"

    run -127 pm exec "$n" /nonexistent
}

@test "podman stop sends SIGTERM, then SIGKILL after the timeout" {
    stop_both_ways "$(cname term)" "$(cname kill)"
}

@test "podman kill -s USR1 delivers the signal; podman kill ends the container" {
    kill_signals "$(cname)" '{{.State.Status}}' running exited
}

@test "podman pause freezes the container, podman unpause thaws it" {
    local n
    n=$(cname)
    pause_counter "$n"
    unpause_counter "$n"
}

@test "podman stats --no-stream shows a row for the container" {
    local n
    n=$(new_sleeper)
    run pm stats --no-stream --format '{{.Name}} {{.PIDs}}' "$n"
    expect_status 0
    expect_eq row "$output" "$n 1"
    run pm stats --no-stream "$n"
    expect_status 0
    expect_output_has "MEM USAGE"
    expect_output_has "$n"
}

@test "podman top lists the container's processes" {
    top_lists "$(cname)"
}

@test "podman run -it works through a pty" {
    pty_runs "$PM_CMD run --rm -it --network none"
}

@test "podman exec -it works through a pty" {
    pty_execs "$PM_CMD" "$(cname)"
}

@test "podman restart starts the same container again" {
    local n
    n=$(cname)
    start_trapper "$n"
    restart_trapper "$n"
}

@test "podman update --memory 64m changes a running container's limit" {
    local n
    n=$(new_sleeper)
    run pm update --memory 64m --cpu-shares 512 "$n"
    expect_status 0
    exec_reads "$n" /sys/fs/cgroup/memory/memory.limit_in_bytes 67108864
    exec_reads "$n" /sys/fs/cgroup/cpu/cpu.shares 512
    expect_eq state "$(pm inspect -f '{{.State.Status}}' "$n")" running
}

@test "podman inspect names cr as the OCI runtime, and cr sees the container" {
    local n id pid
    n=$(new_sleeper)
    expect_eq OCIRuntime "$(pm inspect -f '{{.OCIRuntime}}' "$n")" "$CR"
    id=$(pm inspect -f '{{.Id}}' "$n")
    pid=$(pid_of "$n")
    run "$CR" state "$id"
    expect_status 0
    expect_eq "cr state" "$(jq -r '"\(.status) \(.pid)"' <<<"$output")" "running $pid"
}

@test "podman run applies user, env, workdir, hostname and resource limits" {
    runs_as_asked

    run prun --rm --memory 32m --pids-limit 50 --cpus 0.5 "$IMAGE" sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
    expect_status 0
    expect_eq limits "$(echo $output)" "33554432 50 50000"

    run prun --rm "$IMAGE" grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status
    expect_output_has "Seccomp:	2"
}

@test "podman run -i passes stdin and its end" {
    run bash -c "printf 'a\\nb\\n' | timeout -s KILL 60 $PM_CMD run --rm -i --network none $IMAGE sh -c 'cat; echo after-eof' 3>&-"
    expect_status 0
    expect_eq output "$(echo $output)" "a b after-eof"
}

# pm_criu ARGS...: pm with the criu that passed criu_check first on PATH
# (podman looks for criu there, and cr, run by conmon, finds it the same way).
pm_criu() {
    mkdir -p "$T/criu-bin"
    ln -sf "$CRIU" "$T/criu-bin/criu"
    PATH=$T/criu-bin:$PATH pm "$@"
}

@test "podman container checkpoint / restore through cr: the counter goes on; --export/--import as a new container" {
    criu_check
    [[ -z $CRIU_SKIP ]] || skip "$CRIU_SKIP"
    local n
    n=$(cname)
    counter_restored "$n" pm_criu container checkpoint "$n" -- pm_criu container restore "$n"
    run pm_criu container checkpoint --leave-running --export "$T/$n.tar.gz" "$n"
    expect_status 0
    expect_eq state "$(state_of "$n" '{{.State.Status}}')" running
    run pm_criu container restore --import "$T/$n.tar.gz" --name "$n-2"
    expect_status 0
    counting_on "$n-2" "$COUNTER_AT"
    run pm rm -f -t 0 "$n" "$n-2"
    expect_status 0
}

@test "rootless podman (a user's, --runtime cr) runs a container; cr keeps its state in \$XDG_RUNTIME_DIR/cr" {
    local u=crpm$$x$RANDOM h
    rl_setup_dir
    rl_user_add "$u" "$(rl_sub_base)"
    h=$RL_DIR/$u
    podman_env "$h"
    make_rootfs "$h/rootfs"
    chown -R "$u:$u" "$h"
    run as "$u" CONTAINERS_CONF="$h/containers.conf" CONTAINERS_STORAGE_CONF="$h/storage.conf" sh -c \
        'tar -C rootfs -c . | podman import - localhost/crtest/busybox:1 >/dev/null && podman --runtime "$0" run --rm --network none localhost/crtest/busybox:1 sh -c "echo hi; id -u"' "$RL_CR"
    [[ $status -eq 0 && ${lines[-2]} == hi && ${lines[-1]} == 0 ]] || fail "$status: $output"
    [[ -d $h/run/cr ]] || fail "no state root in \$XDG_RUNTIME_DIR: $(ls "$h/run")"
}
