# helpers.bash — shared by tests/clients/*.bats (load with `load helpers`).
#
# The client tests start their own daemons (containerd, dockerd) or use their
# own podman storage, all under one short temp dir per .bats file ($T, made by
# clients_tmpdir), on unix sockets in that dir only. They never use the
# system's default sockets or data (/run/docker.sock, /var/lib/docker,
# /run/containerd/containerd.sock, /var/lib/containers/storage).
#
# Known fixed paths the clients themselves write to and that cannot be moved
# by configuration (Debian's versions): containerd 1.6 shims put their ttrpc
# sockets in /run/containerd/s/, dockerd 20.10 creates /run/docker/plugins/,
# podman 4.3 keeps a blob-info cache in /var/lib/containers/cache/ when it
# imports an image as root.
#
# Images are built here from Debian's busybox-static: nothing is downloaded.

source "${BASH_SOURCE[0]%/*}/../integration/common.bash"
source "${BASH_SOURCE[0]%/*}/podman_env.bash"

CR=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
CR=$(readlink -f "$CR")
export CR

# build.sh puts out/bin (applet links named ps, kill, exec, …) first on PATH.
# The clients and their daemons run host tools by those names (dockerd's
# `docker top` runs `ps -ef`), so drop that dir here: cr is always called by
# its full path ($CR) in these tests.
_cr_bin_dir=$(dirname "$CR")/bin
PATH=$(tr ':' '\n' <<<"$PATH" | while IFS= read -r _p; do
    [[ -n $_p && $(readlink -f "$_p" 2>/dev/null) != "$_cr_bin_dir" ]] && printf '%s:' "$_p"
done)
PATH=${PATH%:}
export PATH
unset _cr_bin_dir _p

# ---------------------------------------------------------------- setup

# require_cmds CMD... : in setup_file, `require_cmds ... || return 0`. When a
# client program is missing (its Debian package from packages.txt could not be
# installed), not root, or no cr binary: exports CLIENTS_SKIP with the reason
# and returns 1; every test's setup then skips (bats 1.8 cannot skip from
# setup_file itself).
require_cmds() {
    local c why=
    for c; do
        command -v "$c" >/dev/null 2>&1 || { why="$c is not installed (see tests/clients/packages.txt)"; break; }
    done
    [[ -n $why || $EUID -eq 0 ]] || why="client tests need root"
    [[ -n $why || -x $CR ]] || why="no cr binary at $CR (run ./build.sh)"
    export CLIENTS_SKIP=$why
    [[ -z $why ]]
}

# skip_if_unavailable: in setup, skip when setup_file found a client missing.
skip_if_unavailable() {
    [[ -z ${CLIENTS_SKIP:-} ]] || skip "$CLIENTS_SKIP"
}

# clients_tmpdir TAG: a fresh short temp dir (unix socket paths must stay
# under 108 bytes), printed.
clients_tmpdir() {
    mktemp -d "/tmp/cr-$1.XXXXXX"
}

# make_rootfs DIR: a busybox-static rootfs (/bin/busybox + applet links).
make_rootfs() {
    local dir=$1
    busybox_rootfs "$dir" proc sys dev root run || return 1
    echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$dir/etc/passwd"
    echo "nogroup:x:65534:" >>"$dir/etc/group"
}

# make_oci_archive ROOTFS OUT.tar NAME [CMD_JSON]: an OCI image layout
# tarball (one uncompressed layer, the image named NAME by the
# io.containerd.image.name annotation, its Cmd CMD_JSON, default ["sh"])
# that `ctr images import` takes.
make_oci_archive() {
    local rootfs=$1 out=$2 name=$3 cmd=${4:-'["sh"]'} d lsha lsize csha csize msha msize
    d=$(mktemp -d) || return 1
    mkdir -p "$d/blobs/sha256"
    tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$d/layer.tar" . || return 1
    lsha=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
    lsize=$(stat -c %s "$d/layer.tar")
    mv "$d/layer.tar" "$d/blobs/sha256/$lsha"
    printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$cmd" "$lsha" >"$d/config.json"
    csha=$(sha256sum "$d/config.json" | cut -d' ' -f1)
    csize=$(stat -c %s "$d/config.json")
    mv "$d/config.json" "$d/blobs/sha256/$csha"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
        "$csha" "$csize" "$lsha" "$lsize" >"$d/manifest.json"
    msha=$(sha256sum "$d/manifest.json" | cut -d' ' -f1)
    msize=$(stat -c %s "$d/manifest.json")
    mv "$d/manifest.json" "$d/blobs/sha256/$msha"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
        "$msha" "$msize" "$name" "${name##*:}" >"$d/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
    tar -C "$d" -cf "$out" oci-layout index.json blobs
    local st=$?
    rm -rf "$d"
    return $st
}

# ---------------------------------------------------------------- daemons

# cr_delete_all ROOT: `cr delete --force` every container cr lists under the
# state root ROOT (the safety net for containers a client failed to remove).
cr_delete_all() {
    local root=$1 id
    [[ -d $root ]] || return 0
    for id in $("$CR" --root "$root" list -q 2>/dev/null); do
        "$CR" --root "$root" delete --force "$id" >/dev/null 2>&1
    done
    return 0
}

# cleanup_tmpdir DIR: the last step of teardown_file: what still mentions
# DIR in its command line (shims, conmon, container processes of this file's
# daemons all carry the unique temp dir) is killed, then DIR unmounted and
# removed.
cleanup_tmpdir() {
    local dir=$1
    [[ -n $dir && -d $dir && $dir == /tmp/cr-* ]] || return 0
    procs_mentioning "$dir" | kill_listed
    sleep 0.2
    umount_below "$dir/"
    rm -rf "$dir" 2>/dev/null || { sleep 1; umount_below "$dir/"; rm -rf "$dir"; }
    return 0
}

# write_containerd_config DIR [EXTRA_TOML [cri]]: DIR/containerd.toml for a
# containerd whose root, state, sockets and opt dir are all under DIR, with
# the CRI plugin disabled unless the third argument is "cri". EXTRA_TOML is
# appended verbatim.
write_containerd_config() {
    local dir=$1 extra=${2:-} disabled='["io.containerd.grpc.v1.cri"]'
    [[ ${3:-} != cri ]] || disabled='[]'
    mkdir -p "$dir/root" "$dir/state" "$dir/opt"
    cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = $disabled

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
$extra
EOF
}

# start_containerd DIR: start containerd with DIR/containerd.toml, wait for
# its socket to answer. Pid in DIR/daemons, log in DIR/containerd.log.
start_containerd() {
    local dir=$1
    daemon_start "$dir/daemons" "$dir/containerd.toml" "$dir/containerd.log" \
        containerd --config "$dir/containerd.toml"
    if ! wait_until 30 ctr --address "$dir/containerd.sock" version; then
        echo "containerd did not come up; its log:" >&2
        tail -n 30 "$dir/containerd.log" >&2
        return 1
    fi
}

# start_dockerd DIR: a private containerd and dockerd (data-root, exec-root,
# pidfile and socket in DIR; no iptables, no bridge; vfs; cgroupfs) with cr
# as runtime "cr", the default. Exports DOCKER_SOCK and DOCKER_CONFIG.
start_dockerd() {
    local dir=$1
    export DOCKER_SOCK=$dir/docker.sock
    export DOCKER_CONFIG=$dir/cli # keep the CLI out of ~/.docker
    mkdir -p "$dir/cli" "$dir/ctd"
    echo '{}' >"$dir/cli/config.json" # podman reads $DOCKER_CONFIG too: it must exist
    write_containerd_config "$dir/ctd"
    start_containerd "$dir/ctd" || return 1
    cat >"$dir/daemon.json" <<EOF
{
  "data-root": "$dir/data",
  "exec-root": "$dir/exec",
  "pidfile": "$dir/dockerd.pid",
  "hosts": ["unix://$DOCKER_SOCK"],
  "containerd": "$dir/ctd/containerd.sock",
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "bridge": "none",
  "userland-proxy": false,
  "storage-driver": "vfs",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "runtimes": {"cr": {"path": "$CR"}},
  "default-runtime": "cr",
  "experimental": true,
  "default-ulimits": {
    "nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024},
    "nproc": {"Name": "nproc", "Hard": 1024, "Soft": 1024}
  }
}
EOF
    daemon_start "$dir/daemons" "$dir/daemon.json" "$dir/dockerd.log" dockerd --config-file "$dir/daemon.json"
    if ! wait_until 60 "$DOCKER" -H "unix://$DOCKER_SOCK" version; then
        tail -n 40 "$dir/dockerd.log" >&2
        return 1
    fi
}

# stop_dockerd DIR: the containers, dockerd and containerd of start_dockerd.
stop_dockerd() {
    local dir=$1 ids
    if [[ -S $dir/docker.sock ]]; then
        ids=$("$DOCKER" -H "unix://$dir/docker.sock" ps -aq 2>/dev/null)
        [[ -z $ids ]] || "$DOCKER" -H "unix://$dir/docker.sock" rm -f $ids >/dev/null 2>&1
    fi
    daemon_stop_all "$dir/daemons" 30
    daemon_stop_all "$dir/ctd/daemons" 20
    cr_delete_all "$dir/exec/runtime-runc/moby"
}


# pm ARGS...: podman with the storage of podman_env "$T" and cr (fd 3
# closed: conmon must not hold bats' TAP stream open).
pm_args() {
    PM_ARGS=(--root "$T/root" --runroot "$T/runroot" --storage-driver vfs
        --cgroup-manager cgroupfs --events-backend file --runtime "$CR")
    PM_CMD="podman ${PM_ARGS[*]}" # for in_pty / sh -c (our paths have no spaces)
}
pm() {
    pm_args
    podman "${PM_ARGS[@]}" "$@" 3>&-
}

# show_failure_log LOG: in teardown, after a failed test, the last errors and
# warnings of the daemon's LOG (runtime errors land there).
show_failure_log() {
    [[ -z ${CLIENTS_SKIP:-} && -z ${BATS_TEST_COMPLETED:-} ]] || return 0
    echo "# --- ${1##*/} (last errors/warnings)" >&2
    grep -E 'level=(error|warning)' "$1" | tail -n 8 >&2 || true
}

# ---------------------------------------------------------------- tty

# in_pty CMD: run the shell command line CMD on a fresh pty (util-linux
# script), stdin from our stdin. Output has \r\n line ends and may start
# with a NUL; pty_clean strips both.
in_pty() {
    timeout -k 5 60 script -qec "$1" /dev/null 3>&-
}
pty_clean() { tr -d '\r\000'; }

# pty_run STATUS CMD: in_pty CMD (stdin: the caller's) must exit STATUS;
# $output is then the cleaned pty output.
pty_run() {
    run in_pty "$2"
    expect_status "$1" || return 1
    output=$(pty_clean <<<"$output")
}

# ---------------------------------------------------------------- asserts

# expect_status N: after `run`, the status must be N.
expect_status() {
    [[ $status -eq $1 ]] || { show_run; fail "expected status $1, got $status"; }
}

# expect_output_has TEXT: after `run`, the output must contain TEXT.
expect_output_has() {
    [[ $output == *"$1"* ]] || { show_run; fail "expected output to contain '$1'"; }
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
    [[ $2 == "$3" ]] || fail "$1: expected '$3', got '$2'"
}

# wait_for SECONDS CMD...: like wait_until, but a test failure naming CMD.
wait_for() {
    local secs=$1
    shift
    wait_until "$secs" "$@" || fail "timed out after ${secs}s waiting for: $*"
}

# ---------------------------------------------------------------- docker and podman

# What docker.bats and podman.bats both prove, the same way. Each file sets
#   CLI      its client function (dk, pm: the client on the file's own daemon
#            or storage),
#   CLI_RUN  its `run` function (drun, prun: run with the file's options),
# and IMAGE.

# cname [TAG]: a container name unique to this test (removed in teardown_file).
cname() { printf 'crt-%s-%s' "$BATS_TEST_NUMBER" "${1:-c}"; }

# pid_of NAME: the container's init pid on the host.
pid_of() { "$CLI" inspect -f '{{.State.Pid}}' "$1"; }

# state_of NAME FORMAT: `inspect -f FORMAT` of the container.
state_of() { "$CLI" inspect -f "$2" "$1"; }
state_is() { [[ $(state_of "$1" "$2") == "$3" ]]; } # NAME FORMAT VALUE

# log_count NAME TEXT: how many lines of the container's log have TEXT.
log_count() { "$CLI" logs "$1" 2>&1 | grep -c -- "$2"; }
logs_have() { (($(log_count "$1" "$2") > 0)); } # NAME TEXT
log_count_is() { (($(log_count "$1" "$2") == $3)); } # NAME TEXT N

# prints_output: `run --rm` prints the command's output.
prints_output() {
    run "$CLI_RUN" --rm "$IMAGE" echo hi
    expect_status 0
    expect_eq output "$output" hi
}

# start_sleeper NAME: a detached container whose init is `sleep 1000`.
start_sleeper() { "$CLI_RUN" -d --name "$1" "$IMAGE" sleep 1000 >/dev/null; }

# new_sleeper: start_sleeper under this test's cname; prints the name.
new_sleeper() {
    start_sleeper "$(cname)" || return 1
    cname
}

# exec_reads NAME FILE VALUE: `exec NAME cat FILE` prints VALUE.
exec_reads() {
    run "$CLI" exec "$1" cat "$2"
    expect_eq "$2" "$output" "$3"
}

# exits_with NAME: `run --rm` propagates exit 3, a named run exit 42 (the
# caller checks what inspect says of NAME).
exits_with() {
    run "$CLI_RUN" --rm "$IMAGE" sh -c 'exit 3'
    expect_status 3
    run "$CLI_RUN" --name "$1" "$IMAGE" sh -c 'exit 42'
    expect_status 42
}

# start_logger NAME: a detached container that wrote to-stdout to its
# stdout and to-stderr to its stderr, once its log has the latter.
start_logger() {
    run "$CLI_RUN" -d --name "$1" "$IMAGE" sh -c 'echo to-stdout; echo to-stderr >&2; sleep 1000'
    expect_status 0
    wait_for 10 logs_have "$1" to-stderr
}

# detached_exit NAME: a detached container that ends by itself: `wait`
# gives its status, `logs` its output.
detached_exit() {
    "$CLI_RUN" -d --name "$1" "$IMAGE" sh -c 'echo bye; exit 5' >/dev/null
    run "$CLI" wait "$1"
    expect_eq "wait" "$output" 5
    expect_eq logs "$("$CLI" logs "$1")" bye
}

# exec_basics NAME: a running container NAME; exec's output, exit status,
# user, env and cwd, and its pid namespace is the container's.
exec_basics() {
    local n=$1
    "$CLI_RUN" -d --name "$n" "$IMAGE" sh -c 'echo inside > /tmp/mark; sleep 1000' >/dev/null
    wait_for 10 "$CLI" exec "$n" test -f /tmp/mark

    run "$CLI" exec "$n" cat /tmp/mark
    expect_status 0
    expect_eq output "$output" inside

    run "$CLI" exec "$n" sh -c 'exit 5'
    expect_status 5

    run "$CLI" exec -u 1000:1000 -e FOO=bar -w /tmp "$n" sh -c 'echo $(id -u):$(id -g) $FOO $(pwd)'
    expect_status 0
    expect_eq output "$output" "1000:1000 bar /tmp"

    run "$CLI" exec "$n" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
    expect_output_has "sleep 1000"
}

# start_trapper NAME: a detached TRAP_SH container, once it said ready.
start_trapper() {
    "$CLI_RUN" -d --name "$1" "$IMAGE" sh -c "$TRAP_SH" >/dev/null
    wait_for 10 logs_have "$1" ready
}

# stop_both_ways TERM-NAME KILL-NAME: `stop -t 20` of a trapper is quick
# (it exits 7 on SIGTERM); `stop -t 1` of a sleep as PID 1, which ignores
# SIGTERM, kills it after the timeout. STOP_OUTPUT: what the first stop said.
stop_both_ways() {
    start_trapper "$1"
    stop_within "$1" 20 10 "exited 7"
    STOP_OUTPUT=$output
    run "$CLI" logs "$1"
    expect_output_has got-term

    start_sleeper "$2"
    stop_within "$2" 1 15 "exited 137"
}

# stop_within NAME TIMEOUT SECONDS STATE: `stop -t TIMEOUT` succeeds in
# less than SECONDS and leaves the container "STATE" (status, exit code).
stop_within() {
    SECONDS=0
    run "$CLI" stop -t "$2" "$1"
    expect_status 0
    ((SECONDS < $3)) || fail "stop -t $2 took ${SECONDS}s"
    expect_eq state "$(state_of "$1" '{{.State.Status}} {{.State.ExitCode}}')" "$4"
}

# kill_signals NAME FORMAT RUNNING STOPPED: `kill -s USR1` reaches a
# trapper's handler and it keeps running (inspect FORMAT says RUNNING);
# a plain kill ends it (FORMAT says STOPPED) with exit code 137.
kill_signals() {
    local n=$1 format=$2
    start_trapper "$n"
    run "$CLI" kill -s USR1 "$n"
    expect_status 0
    wait_for 10 logs_have "$n" got-usr1
    expect_eq "still running" "$(state_of "$n" "$format")" "$3"

    run "$CLI" kill "$n"
    expect_status 0
    wait_for 10 state_is "$n" "$format" "$4"
    expect_eq "exit code" "$(state_of "$n" '{{.State.ExitCode}}')" 137
}

# pause_counter NAME: a COUNTER_SH container, paused; its pid in COUNTER_PID.
pause_counter() {
    "$CLI_RUN" -d --name "$1" "$IMAGE" sh -c "$COUNTER_SH" >/dev/null
    COUNTER_PID=$(pid_of "$1")
    wait_for 10 test -s "/proc/$COUNTER_PID/root/tmp/count"
    run "$CLI" pause "$1"
    expect_status 0
    expect_eq state "$(state_of "$1" '{{.State.Status}} {{.State.Paused}}')" "paused true"
}

# unpause_counter NAME: the paused counter stands still; unpaused, it counts on.
unpause_counter() {
    local count=/proc/$COUNTER_PID/root/tmp/count a b
    a=$(counter_of "$count")
    sleep 1
    b=$(counter_of "$count")
    expect_eq "counter while paused" "$b" "$a"

    run "$CLI" unpause "$1"
    expect_status 0
    expect_eq state "$(state_of "$1" '{{.State.Status}} {{.State.Paused}}')" "running false"
    wait_for 10 sh -c "[ \"\$(cat $count)\" -gt $b ] 2>/dev/null"
}

# pty_runs RUN-IT: the client's `run --rm -it` (a command line) through a
# pty: stdin and stdout are the pty, the exit status comes back, and typed
# input reaches the shell. (The sleep: podman 4.3/conmon may drop the last
# output of a -t container that exits at once, with runc as well.)
pty_runs() {
    pty_run 4 "$1 $IMAGE sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; sleep 0.5; exit 4'" </dev/null
    expect_output_has /dev/pts/0
    expect_output_has both-tty

    pty_run 6 "$1 $IMAGE sh" < <(sleep 1; printf 'echo sum=$((40+2))\n'; sleep 1; printf 'exit 6\n')
    expect_output_has sum=42
}

# pty_execs CLIENT NAME: `CLIENT exec -it` (CLIENT: the client as a command
# line) into a new running container NAME: the pty is its terminal, and its
# exit status comes back.
pty_execs() {
    start_sleeper "$2"
    pty_run 3 "$1 exec -it $2 sh -c 'tty; sleep 0.5; exit 3'" </dev/null
    expect_output_has /dev/pts/
}

# top_lists NAME: `top` of a container running two sleeps shows both.
top_has() { "$CLI" top "$1" | grep -q -- "$2"; } # NAME TEXT
top_lists() {
    "$CLI_RUN" -d --name "$1" "$IMAGE" sh -c 'sleep 999 & sleep 1000' >/dev/null
    wait_for 10 top_has "$1" 'sleep 999'
    run "$CLI" top "$1"
    expect_status 0
    expect_output_has "sleep 1000"
    expect_output_has "sleep 999"
}

# restart_trapper NAME: `restart -t 5` of a running trapper starts a new
# init (another pid) that says ready again.
restart_trapper() {
    local pid1 pid2
    pid1=$(pid_of "$1")
    run "$CLI" restart -t 5 "$1"
    expect_status 0
    expect_eq state "$(state_of "$1" '{{.State.Status}}')" running
    pid2=$(pid_of "$1")
    [[ $pid2 != "$pid1" ]] || fail "restart kept pid $pid1"
    wait_for 10 log_count_is "$1" ready 2
}

# runs_as_asked: `run` applies user, workdir, env and hostname, and
# --read-only makes the rootfs read-only.
runs_as_asked() {
    run "$CLI_RUN" --rm -u 1000:1000 -w /tmp -e FOO=bar -h myhost "$IMAGE" \
        sh -c 'echo $(id -u):$(id -g) $(pwd) $FOO $(hostname)'
    expect_status 0
    expect_eq output "$output" "1000:1000 /tmp bar myhost"

    run "$CLI_RUN" --rm --read-only "$IMAGE" touch /x
    [[ $status -ne 0 ]] || fail "--read-only rootfs was writable"
    expect_output_has "Read-only file system"
}

# counter_of FILE: the number in FILE (as read from the host through
# /proc/PID/root), or empty.
# (the counter truncates and rewrites the file: an empty read is read again)
counter_of() {
    local v i
    for i in {1..100}; do
        v=$(cat "$1" 2>/dev/null) || return 0
        [[ -n $v ]] && break
        sleep 0.01
    done
    echo "$v"
}

# counting_on NAME C0: NAME is running and its counter is at C0 or more
# (restored, not started again) and goes on.
counting_on() {
    local count c
    expect_eq state "$(state_of "$1" '{{.State.Status}}')" running
    count=/proc/$(pid_of "$1")/root/tmp/count
    c=$(counter_of "$count")
    ((${c:-0} >= $2)) || fail "the counter started again (${c:-none} < $2): not restored"
    wait_for 10 sh -c "[ \"\$(cat $count)\" -gt ${c:-0} ] 2>/dev/null"
}

# counter_restored NAME CHECKPOINT... -- RESTORE...: a COUNTER_SH container
# NAME, checkpointed by the command CHECKPOINT (it has then exited) and
# brought back by RESTORE, counts on from where it was. Its count at the
# checkpoint is left in COUNTER_AT.
counter_restored() {
    local n=$1 cp=() count
    shift
    while [[ $1 != -- ]]; do cp+=("$1"); shift; done
    shift
    "$CLI_RUN" -d --name "$n" "$IMAGE" sh -c "$COUNTER_SH" >/dev/null
    count=/proc/$(pid_of "$n")/root/tmp/count
    wait_for 10 sh -c "[ \"\$(cat $count)\" -gt 5 ] 2>/dev/null"
    COUNTER_AT=$(counter_of "$count")
    run "${cp[@]}"
    expect_status 0
    expect_eq state "$(state_of "$n" '{{.State.Status}}')" exited
    run "$@"
    expect_status 0
    counting_on "$n" "$COUNTER_AT"
}

# counter script: PID 1 loop bumping /tmp/count every 0.1s.
COUNTER_SH='i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'

# A shell that reports signals and exits 7 on SIGTERM (as PID 1 it must
# trap TERM itself, the kernel ignores unhandled signals for PID 1).
TRAP_SH='trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done'

# api METHOD PATH [CURL-ARGS...] : a raw request, to the cr serve on $S/d.sock; prints "BODY STATUS"
api() {
    local m=$1 p=$2
    shift 2
    curl -s --max-time 10 --unix-socket "$S/d.sock" -X "$m" -w ' %{http_code}' "$@" "http://x$p" | tr -d '\n'
}

# serve_teardown: a cr serve test's teardown: stops $SERVE_PID, shows the
# end of $S/serve.log after a failure, removes the test's containers and $S
serve_teardown() {
    [[ -n ${SERVE_PID:-} ]] && bg_stop "$SERVE_PID"
    [[ -z ${BATS_TEST_COMPLETED:-} && -n ${S:-} && -f $S/serve.log ]] && { echo "# serve log:"; tail -n 30 "$S/serve.log"; } >&3 2>/dev/null
    local n
    for n in $(ls "$STORE/containers" 2>/dev/null); do cri rm -f "$n" >/dev/null 2>&1; done
    for n in $(ls "$CR_ROOT" 2>/dev/null); do "$CR" --root "$CR_ROOT" delete -f "$n" >/dev/null 2>&1; done
    cleanup_tmpdir "${S:-}"
}
