# cgroups_helpers.bash — helpers for cgroups.bats only (self-contained; does
# not need helpers.bash).
#
# Every test gets its own state root ($CG_ROOT), a host directory that the
# containers can bind-mount ($CG_HOST), and ids that start with a prefix
# unique to the test ($CG_PREFIX), so leak checks can search the cgroup
# hierarchies for that prefix. Teardown deletes every id handed out, kills
# what is left in their cgroups, removes the cgroup directories, and ends
# background processes the test started.

bats_require_minimum_version 1.5.0

CR=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
CG_ROOTFS=$BATS_FILE_TMPDIR/cg-rootfs

# cg_make_rootfs: busybox-static rootfs template (once per file).
cg_make_rootfs() {
    local bb a
    bb=$(command -v busybox) || bb=/bin/busybox
    [[ -x $bb ]] || { echo "busybox-static is not installed" >&2; return 1; }
    rm -rf "$CG_ROOTFS"
    mkdir -p "$CG_ROOTFS"/{bin,proc,sys,dev,tmp,etc,mnt/host,root}
    cp "$bb" "$CG_ROOTFS/bin/busybox"
    for a in $("$bb" --list); do
        [[ $a == busybox || $a == */* ]] && continue
        ln -s busybox "$CG_ROOTFS/bin/$a"
    done
    chmod 1777 "$CG_ROOTFS/tmp"
    echo "root:x:0:0:root:/root:/bin/sh" >"$CG_ROOTFS/etc/passwd"
    echo "root:x:0:" >"$CG_ROOTFS/etc/group"
}

cg_setup() {
    CG_ROOT=$BATS_TEST_TMPDIR/state
    CG_HOST=$BATS_TEST_TMPDIR/host
    CG_PREFIX=crcg$(tr -dc a-z0-9 </dev/urandom | head -c 6)-$BATS_TEST_NUMBER
    CG_MARK="CR_CG_TEST_MARK=$CG_PREFIX"
    mkdir -p "$CG_HOST"
    : >"$BATS_TEST_TMPDIR/.cg-ids"
    : >"$BATS_TEST_TMPDIR/.cg-bg"
    : >"$BATS_TEST_TMPDIR/.cg-extra"
}

# cg_id [TAG]: a fresh container id, remembered for teardown.
cg_id() {
    local n id
    n=$(wc -l <"$BATS_TEST_TMPDIR/.cg-ids")
    id=$CG_PREFIX-$n${1:+-$1}
    echo "$id" >>"$BATS_TEST_TMPDIR/.cg-ids"
    printf '%s\n' "$id"
}

# cg_bg PID: a background process of ours, killed in teardown.
cg_bg() { echo "$1" >>"$BATS_TEST_TMPDIR/.cg-bg"; }

# cg_extra_dir PATH: a cgroup directory (not named after an id) that
# teardown must rmdir, e.g. the parent of a nested cgroupsPath.
cg_extra_dir() { echo "$1" >>"$BATS_TEST_TMPDIR/.cg-extra"; }

# cg_bundle NAME: a bundle in $BATS_TEST_TMPDIR/NAME ($CG_HOST bound at
# /mnt/host, terminal off, the test's mark in the environment); prints its path.
cg_bundle() {
    local dir=$BATS_TEST_TMPDIR/$1
    mkdir -p "$dir"
    cp -a "$CG_ROOTFS" "$dir/rootfs"
    "$CR" spec --bundle "$dir" 3>&- >/dev/null || { echo "cr spec --bundle $dir failed" >&2; return 1; }
    cg_cfg "$dir" '.process.terminal = false
        | .process.args = ["sleep", "1000"]
        | .process.env += [$mark]
        | .mounts += [{destination: "/mnt/host", type: "bind", source: $host, options: ["rbind"]}]' \
        --arg mark "$CG_MARK" --arg host "$CG_HOST" || return 1
    printf '%s\n' "$dir"
}

# cg_cfg DIR FILTER [JQ ARGS...]: edit DIR/config.json with jq.
cg_cfg() {
    local dir=$1 filter=$2
    shift 2
    jq "$@" "$filter" "$dir/config.json" >"$dir/config.json.new" &&
        mv "$dir/config.json.new" "$dir/config.json"
}

# cg_args DIR SCRIPT: process.args = ["sh", "-c", SCRIPT].
cg_args() { cg_cfg "$1" '.process.args = ["sh", "-c", $s]' --arg s "$2"; }

# crr ARGS...: cr with this test's state root; fd 3 (bats' TAP stream) closed.
crr() { "$CR" --root "$CG_ROOT" "$@" 3>&-; }

# cg_create DIR ID [CR GLOBAL OPTION...]: create that must succeed. The
# container's stdout/stderr go to $BATS_TEST_TMPDIR/ID.out (never to a pipe
# bats would wait on).
cg_create() {
    local dir=$1 id=$2
    shift 2
    "$CR" --root "$CG_ROOT" "$@" create --bundle "$dir" "$id" \
        >>"$BATS_TEST_TMPDIR/$id.out" 2>&1 3>&- </dev/null ||
        { echo "cr create $id failed:" >&2; cat "$BATS_TEST_TMPDIR/$id.out" >&2; return 1; }
}

# cg_start ID: start that must succeed.
cg_start() {
    crr start "$1" >>"$BATS_TEST_TMPDIR/$1.out" 2>&1 </dev/null ||
        { echo "cr start $1 failed:" >&2; cat "$BATS_TEST_TMPDIR/$1.out" >&2; return 1; }
}

# cg_status ID: the container's status ("" when cr state fails).
cg_status() { crr state "$1" 2>/dev/null | jq -r .status 2>/dev/null || true; }

# cg_wait_status ID STATUS: poll (bounded, generous) until STATUS.
cg_wait_status() {
    local id=$1 want=$2 i s=
    for ((i = 0; i < 300; i++)); do
        s=$(cg_status "$id")
        [[ $s == "$want" ]] && return 0
        sleep 0.1
    done
    echo "container $id: status '$s', expected '$want'" >&2
    return 1
}

# cg_wait_file PATH: poll until PATH exists and is not empty.
cg_wait_file() {
    local i
    for ((i = 0; i < 300; i++)); do
        [[ -s $1 ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# cg_alive PID: the process exists and is not a zombie.
cg_alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z ]]
}

# cg_wait_gone PID: poll until the process is gone (or a zombie).
cg_wait_gone() {
    local i
    for ((i = 0; i < 300; i++)); do
        cg_alive "$1" || return 0
        sleep 0.1
    done
    echo "process $1 is still alive" >&2
    return 1
}

# cg_stats ID: one `cr events --stats` JSON line (fails if cr does).
cg_stats() { crr events --stats "$1" </dev/null; }

# cg_cpu_ns ID: cumulative CPU time of the container, ns (events --stats).
cg_cpu_ns() { cg_stats "$1" | jq -e -r '.data.cpu.usage.total'; }

# cg_pids ID: the container's pids, one a line (cr ps --format json).
cg_pids() { crr ps --format json "$1" </dev/null | jq -r '.[]'; }

# cg_count_cmd ID WORD...: how many of the container's processes have
# exactly that command line (arguments joined by spaces).
cg_count_cmd() {
    local id=$1 want p n=0 c
    shift
    want="$*"
    for p in $(cg_pids "$id"); do
        c=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        [[ ${c% } == "$want" ]] && n=$((n + 1))
    done
    echo "$n"
}

# cg_dirs_named GLOB: cgroup directories, in any hierarchy, named GLOB.
cg_dirs_named() { find /sys/fs/cgroup -mindepth 1 -type d -name "$1" 2>/dev/null || true; }

# cg_marked_procs: "pid cmdline" of processes carrying this test's mark.
cg_marked_procs() {
    local p pid e
    local -a a
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        a=()
        mapfile -d '' -t a 2>/dev/null <"$p/environ" || continue
        for e in "${a[@]}"; do
            if [[ $e == "$CG_MARK" ]]; then
                printf '%s %s\n' "$pid" "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
                break
            fi
        done
    done
    return 0
}

# cg_hierarchies: "MOUNTPOINT OWN-CGROUP" for every cgroup hierarchy mounted
# on this host (v1 and v2), OWN-CGROUP being this shell's cgroup there.
cg_hierarchies() {
    local mp fstype sopts own line ctrls path c ok
    local -a cl
    while read -r mp fstype sopts; do
        own=
        while IFS= read -r line; do
            ctrls=${line#*:}
            path=${ctrls#*:}
            ctrls=${ctrls%%:*}
            if [[ $fstype == cgroup2 ]]; then
                [[ $line == 0::* ]] && own=$path
                continue
            fi
            [[ -n $ctrls ]] || continue
            IFS=, read -r -a cl <<<"$ctrls"
            ok=1
            for c in "${cl[@]}"; do [[ ,$sopts, == *,$c,* ]] || ok=0; done
            ((ok)) && own=$path
        done </proc/self/cgroup
        [[ -n $own ]] && printf '%s %s\n' "$mp" "$own"
    done < <(awk '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5, $(i+1), $(i+3) }' /proc/self/mountinfo)
}

# cg_float EXPR: awk arithmetic, for rates.
cg_float() { awk "BEGIN { printf \"%.3f\", $1 }"; }

# cg_fail MESSAGE...: print to stderr and fail.
cg_fail() {
    printf '%s\n' "$@" >&2
    return 1
}

cg_teardown() {
    local p id c
    while read -r p; do
        [[ -n $p ]] && kill -9 "$p" 2>/dev/null
    done <"$BATS_TEST_TMPDIR/.cg-bg"
    while read -r id; do
        [[ -n $id ]] || continue
        "$CR" --root "$CG_ROOT" delete -f "$id" >/dev/null 2>&1 3>&- </dev/null
    done <"$BATS_TEST_TMPDIR/.cg-ids"
    # whatever cr left behind: processes in our cgroups, then the cgroups
    for c in $(cg_dirs_named "$CG_PREFIX*" | sort -r); do
        [[ -e $c/freezer.state ]] && { echo THAWED >"$c/freezer.state"; } 2>/dev/null
        for p in $(cat "$c/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    done
    for p in $(cg_marked_procs | awk '{print $1}'); do kill -9 "$p" 2>/dev/null; done
    for c in $(cg_dirs_named "$CG_PREFIX*" | sort -r); do
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$c" 2>/dev/null && break; [[ -d $c ]] || break; sleep 0.1; done
    done
    while read -r c; do
        [[ -n $c && -d $c ]] && rmdir "$c" 2>/dev/null
    done < <(sort -r "$BATS_TEST_TMPDIR/.cg-extra")
    for c in $(awk '{print $5}' /proc/self/mountinfo | grep -F -- "$BATS_TEST_TMPDIR" | sort -r); do
        umount -l "$c" 2>/dev/null
    done
    return 0
}
