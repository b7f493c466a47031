# common.bash — the one copy of what every bats helper file needs: the
# busybox rootfs, polling with a bound, daemons started and stopped by pid,
# what a test made and teardown removes, config.json edits and failure
# messages. Sourced by tests/integration/*_helpers.bash, helpers.bash and
# tests/clients/helpers.bash; a .bats file loads one of those, not this.

bats_require_minimum_version 1.5.0

# ---------------------------------------------------------------- asserts

# fail MESSAGE...: print to stderr and fail.
fail() {
    printf '%s\n' "$@" >&2
    return 1
}

# show_run: what the last `run` saw.
show_run() {
    echo "status: $status"
    echo "output: $output"
    [[ -z ${stderr+x} ]] || echo "stderr: $stderr"
}

# ---------------------------------------------------------------- rootfs

# busybox_rootfs DIR [SUBDIR...]: Debian's busybox-static as DIR/bin/busybox
# with a link per applet, a sticky /tmp, root in etc/passwd and etc/group,
# and the SUBDIRs (relative to DIR).
busybox_rootfs() {
    local dir=$1 bb a
    shift
    bb=$(command -v busybox) || bb=/bin/busybox
    [[ -x $bb ]] || { echo "busybox-static is not installed" >&2; return 1; }
    mkdir -p "$dir"/{bin,etc,tmp} "${@/#/$dir/}" || return 1
    cp "$bb" "$dir/bin/busybox"
    for a in $("$bb" --list); do
        [[ $a == busybox || $a == */* ]] && continue
        ln -s busybox "$dir/bin/$a"
    done
    chmod 1777 "$dir/tmp"
    echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
    echo "root:x:0:" >"$dir/etc/group"
}

# ---------------------------------------------------------------- criu

# criu_check: CRIU, the criu that checkpoint/restore would run ($CR_CRIU,
# else criu on PATH), and CRIU_SKIP, empty when it passes `criu check`, else
# "no working criu: WHY" for skip (Debian 12's criu 3.17.1 fails on new
# kernels' vDSO). Both exported.
criu_check() {
    local log=${BATS_FILE_TMPDIR:-/tmp}/criu-check.log why
    CRIU=${CR_CRIU:-$(command -v criu || true)}
    CRIU_SKIP=
    if [[ -z $CRIU ]]; then
        CRIU_SKIP="no working criu: none on PATH and \$CR_CRIU is unset"
    elif ! "$CRIU" check -v2 --log-file "$log" >/dev/null 2>&1; then
        why=$(grep -m1 Error "$log" 2>/dev/null)
        CRIU_SKIP="no working criu: $CRIU ($("$CRIU" --version 2>/dev/null | head -n1)) fails criu check: ${why:-see criu check}"
    fi
    export CRIU CRIU_SKIP
}

# ---------------------------------------------------------------- waiting

# wait_until SECONDS CMD...: poll CMD (quietly) every 0.1 s until it
# succeeds; fails after SECONDS * 10 tries.
wait_until() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# alive PID: the process exists and is not a zombie.
alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}

# dead PID: the process is gone or a zombie.
dead() { ! alive "$1"; }

# wait_gone PID: until the process is gone (or a zombie), 30 s.
wait_gone() {
    wait_until 30 dead "$1" || fail "process $1 is still alive"
}

# wait_file PATH: until PATH exists, 30 s.
wait_file() {
    wait_until 30 test -e "$1" || fail "timed out waiting for $1"
}

# ---------------------------------------------------------------- daemons

# daemon_start LIST MARKER LOG CMD...: CMD in a session of its own, without
# bats' fds, output to LOG; "pid MARKER" is appended to LIST and the pid set
# in DAEMON_PID. MARKER must be one of CMD's arguments: daemon_stop signals
# the pid only while /proc/PID/cmdline still holds it, never a recycled pid.
daemon_start() {
    local list=$1 marker=$2 log=$3
    shift 3
    setsid "$@" </dev/null >"$log" 2>&1 3>&- 4>&- 5>&- &
    DAEMON_PID=$!
    echo "$DAEMON_PID $marker" >>"$list"
}

# daemon_is PID MARKER: PID still runs the command that holds MARKER.
daemon_is() {
    { tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qxF -- "$2"
}
daemon_gone() { ! daemon_is "$@"; }

# daemon_stop LIST PID [SECONDS]: TERM, KILL after SECONDS (default 5), then
# until it is gone; PID leaves LIST.
daemon_stop() {
    local list=$1 pid=$2 secs=${3:-5} marker
    marker=$(awk -v p="$pid" '$1 == p { $1 = ""; sub(/^ /, ""); print; exit }' "$list" 2>/dev/null)
    if [[ -n $marker ]] && daemon_is "$pid" "$marker"; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_until "$secs" daemon_gone "$pid" "$marker"; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_until 5 daemon_gone "$pid" "$marker" || true
        fi
        wait "$pid" 2>/dev/null || true # its status (143 after TERM) is not ours to report
    fi
    [[ -f $list ]] && sed -i "/^$pid /d" "$list"
    return 0
}

# daemon_stop_all LIST [SECONDS]: daemon_stop every daemon in LIST, last first.
daemon_stop_all() {
    local list=$1 pid rest
    [[ -f $list ]] || return 0
    while read -r pid rest; do
        [[ -n $pid ]] && daemon_stop "$list" "$pid" "${2:-5}"
    done < <(tac "$list")
}

# kill_uid_procs UID: SIGKILL to every process of UID (a throwaway user's), by pid.
kill_uid_procs() {
    local p i
    for ((i = 0; i < 10; i++)); do
        local left=()
        for p in /proc/[0-9]*; do
            [[ $(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null) == "$1" ]] && left+=("${p#/proc/}")
        done
        ((${#left[@]})) || return 0
        kill -9 "${left[@]}" 2>/dev/null
        sleep 0.2
    done
}

# ---------------------------------------------------------------- what a test made

# track KIND VALUE: remember VALUE (an id, a pid, a directory) in this
# test's list KIND for teardown.
track() { echo "$2" >>"$BATS_TEST_TMPDIR/.$1"; }

# tracked KIND: the values of list KIND, one a line.
tracked() { grep -v '^$' "$BATS_TEST_TMPDIR/.$1" 2>/dev/null || true; }

# next_id PREFIX [TAG]: PREFIX-N[-TAG], N counting this test's ids; tracked
# as "ids".
next_id() {
    local id
    id="$1-$(tracked ids | wc -l)${2:+-$2}"
    track ids "$id"
    printf '%s\n' "$id"
}

# make_scratch NAME: a new directory /tmp/NAME.XXXXXX (outside
# $BATS_TEST_TMPDIR, which other users cannot enter and which does not look
# like an unrelated host path), removed by remove_scratch.
make_scratch() {
    local d
    d=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
    track scratch "$d"
    printf '%s\n' "$d"
}

# kill_tracked_bg: SIGKILL every pid tracked as "bgpids".
kill_tracked_bg() {
    local p
    for p in $(tracked bgpids); do kill -9 "$p" 2>/dev/null || true; done
    return 0
}

# umount_below PATH: lazily unmount every mount whose mount point mentions
# PATH, deepest first.
umount_below() {
    local m
    [[ -n $1 ]] || return 0
    for m in $(awk '{print $5}' /proc/self/mountinfo | grep -F -- "$1" | sort -r); do
        umount -l "$(printf '%b' "$m")" 2>/dev/null || true
    done
    return 0
}

# remove_scratch: unmount and remove every make_scratch directory.
remove_scratch() {
    local d
    for d in $(tracked scratch); do
        [[ $d == /tmp/?* ]] || continue
        umount_below "$d"
        rm -rf -- "$d"
    done
    return 0
}

# procs_mentioning STRING: "pid cmdline" of processes whose command line
# contains STRING (not counting this shell).
# exe_not_writable PID: /proc/PID/exe is a read-only copy of cr, not the
# writable host binary: a file on a read-only mount (cr's detached bind of
# itself) or a sealed memfd (where no mount can be made)
exe_not_writable() {
    local exe
    exe=$(readlink "/proc/$1/exe") || return 1
    [[ $exe == /memfd:* ]] && return 0
    python3 -c 'import os, sys; sys.exit(0 if os.statvfs(sys.argv[1]).f_flag & os.ST_RDONLY else 1)' "/proc/$1/exe"
}

procs_mentioning() {
    local p pid c
    local -a a
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
        a=()
        mapfile -d "" -t a 2>/dev/null <"$p/cmdline" || continue
        c="${a[*]}"
        [[ $c == *"$1"* ]] && printf '%s %s\n' "$pid" "$c"
    done
    return 0
}

# procs_with_env MARK: "pid cmdline" of processes that carry the environment
# entry MARK (inherited by everything a container runs, whatever its
# command line).
procs_with_env() {
    local mark=$1 p pid e
    local -a a
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        a=()
        mapfile -d "" -t a 2>/dev/null <"$p/environ" || continue
        for e in "${a[@]}"; do
            if [[ $e == "$mark" ]]; then
                a=()
                mapfile -d "" -t a 2>/dev/null <"$p/cmdline"
                printf '%s %s\n' "$pid" "${a[*]}"
                break
            fi
        done
    done
    return 0
}

# kill_listed: SIGKILL the pids of "pid ..." lines on stdin.
kill_listed() {
    local p rest
    while read -r p rest; do
        [[ -z $p ]] || kill -9 "$p" 2>/dev/null || true
    done
    return 0
}

# cgroups_named GLOB: cgroup directories (any hierarchy) with that name.
cgroups_named() { find /sys/fs/cgroup -mindepth 1 -type d -name "$1" 2>/dev/null || true; }

# remove_cgroups GLOB: what cr left in the cgroups named GLOB: thawed,
# their processes killed, then the cgroups removed, deepest first.
remove_cgroups() {
    local c p i
    for c in $(cgroups_named "$1" | sort -r); do
        [[ -e $c/freezer.state ]] && { echo THAWED >"$c/freezer.state"; } 2>/dev/null
        for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    done
    for c in $(cgroups_named "$1" | sort -r); do
        for ((i = 0; i < 10; i++)); do
            rmdir "$c" 2>/dev/null || [[ ! -d $c ]] && break
            sleep 0.1
        done
    done
    return 0
}

# ---------------------------------------------------------------- config.json

# cfg_in DIR FILTER [JQ ARGS...]: edit DIR/config.json in place with jq.
cfg_in() {
    local dir=$1 filter=$2
    shift 2
    jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.new" &&
        mv "$dir/config.json.new" "$dir/config.json"
}
# cfg FILTER [JQ ARGS...]: same, on $BUNDLE.
cfg() { cfg_in "$BUNDLE" "$@"; }

# json_array ARG...: the arguments as a JSON array of strings (jq's --args
# would take "-c" and friends as its own options).
json_array() {
    local a out='[]'
    for a; do out=$(jq -c --arg a "$a" '. + [$a]' <<<"$out") || return 1; done
    printf '%s\n' "$out"
}

# set_args ARG...: process.args of $BUNDLE; set_args_in DIR ARG...
set_args() { set_args_in "$BUNDLE" "$@"; }
set_args_in() {
    local dir=$1
    shift
    cfg_in "$dir" '.process.args = $a' --argjson a "$(json_array "$@")"
}

# container_status ID: `cr state`'s status ("" when it fails); crr is the
# helper file's cr with this test's state root.
container_status() { crr state "$1" 2>/dev/null | jq -r .status 2>/dev/null || true; }

status_is() { [[ $(container_status "$1") == "$2" ]]; }

# wait_status ID STATUS: until the container's status is STATUS, 30 s.
wait_status() {
    wait_until 30 status_is "$1" "$2" ||
        fail "container $1: status '$(container_status "$1")', expected '$2'"
}

# cg_value PID CONTROLLER V1-FILE V2-FILE: that file of the process's cgroup
cg_value() {
    local path
    path=$(awk -F: -v c="$2" '$2 ~ "(^|,)" c "(,|$)" { print $3 }' "/proc/$1/cgroup")
    if [[ -n $path && -e /sys/fs/cgroup/$2$path/$3 ]]; then cat "/sys/fs/cgroup/$2$path/$3"
    else cat "/sys/fs/cgroup$(awk -F: '$1 == 0 { print $3 }' "/proc/$1/cgroup")/$4"; fi
}
