# cgroups_helpers.bash — helpers for cgroups.bats only (on common.bash; does
# not need helpers.bash).
#
# Every test gets its own state root ($CG_ROOT), a host directory that the
# containers can bind-mount ($CG_HOST), and ids that start with a prefix
# unique to the test ($CG_PREFIX), so leak checks can search the cgroup
# hierarchies for that prefix. Teardown deletes every id handed out, kills
# what is left in their cgroups, removes the cgroup directories, and ends
# background processes the test started.

source "${BASH_SOURCE[0]%/*}/common.bash"

CR=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
CG_ROOTFS=$BATS_FILE_TMPDIR/cg-rootfs

# cg_make_rootfs: busybox-static rootfs template (once per file).
cg_make_rootfs() {
    rm -rf "$CG_ROOTFS"
    busybox_rootfs "$CG_ROOTFS" proc sys dev mnt/host root
}

cg_setup() {
    CG_ROOT=$BATS_TEST_TMPDIR/state
    CG_HOST=$BATS_TEST_TMPDIR/host
    CG_PREFIX=crcg$(tr -dc a-z0-9 </dev/urandom | head -c 6)-$BATS_TEST_NUMBER
    CG_MARK="CR_CG_TEST_MARK=$CG_PREFIX"
    mkdir -p "$CG_HOST"
}

# cg_id [TAG]: a fresh container id, remembered for teardown.
cg_id() { next_id "$CG_PREFIX" "$@"; }

# cg_bg PID: a background process of ours, killed in teardown.
cg_bg() { track bgpids "$1"; }

# cg_extra_dir PATH: a cgroup directory (not named after an id) that
# teardown must rmdir, e.g. the parent of a nested cgroupsPath.
cg_extra_dir() { track cg-extra "$1"; }

# cg_bundle NAME: a bundle in $BATS_TEST_TMPDIR/NAME ($CG_HOST bound at
# /mnt/host, terminal off, the test's mark in the environment); prints its path.
cg_bundle() {
    local dir=$BATS_TEST_TMPDIR/$1
    mkdir -p "$dir"
    cp -a "$CG_ROOTFS" "$dir/rootfs"
    "$CR" spec --bundle "$dir" 3>&- >/dev/null || { echo "cr spec --bundle $dir failed" >&2; return 1; }
    cfg_in "$dir" '.process.terminal = false
        | .process.args = ["sleep", "1000"]
        | .process.env += [$mark]
        | .mounts += [{destination: "/mnt/host", type: "bind", source: $host, options: ["rbind"]}]' \
        --arg mark "$CG_MARK" --arg host "$CG_HOST" || return 1
    printf '%s\n' "$dir"
}

# cg_args DIR SCRIPT: process.args = ["sh", "-c", SCRIPT].
cg_args() { cfg_in "$1" '.process.args = ["sh", "-c", $s]' --arg s "$2"; }

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

# cg_wait_file PATH: until PATH exists and is not empty, 30 s.
cg_wait_file() { wait_until 30 test -s "$1" || fail "timed out waiting for $1"; }

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

cg_teardown() {
    local id c
    kill_tracked_bg
    for id in $(tracked ids); do
        "$CR" --root "$CG_ROOT" delete -f "$id" >/dev/null 2>&1 3>&- </dev/null
    done
    # whatever cr left behind: processes in our cgroups, then the cgroups
    remove_cgroups "$CG_PREFIX*"
    procs_with_env "$CG_MARK" | kill_listed
    for c in $(tracked cg-extra | sort -r); do
        [[ ! -d $c ]] || rmdir "$c" 2>/dev/null || true
    done
    umount_below "$BATS_TEST_TMPDIR"
}
