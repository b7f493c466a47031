#!/usr/bin/env bats
# Many lifecycles in a row leave nothing behind: state dirs, mounts, cgroups,
# processes.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

# mount_snapshot: the host's mounts as "root mountpoint fstype source",
# without those that belong to other users of /tmp (other test runs) so
# that concurrent work on the machine is not counted as ours.
mount_snapshot() {
    awk '{ sep = 0; for (i = 7; i <= NF; i++) if ($i == "-") { sep = i; break }
           print $4, $5, $(sep + 1), $(sep + 2) }' /proc/self/mountinfo |
        awk -v mine="$BATS_TEST_TMPDIR" '$2 !~ "^/tmp/" || index($2, mine) == 1 || index($1, mine) == 1' | sort
}

# cycles STATUS CR-ARG...: 20 times `cr CR-ARG... ID` with a new ID; each
# must exit STATUS.
cycles() {
    local want=$1 cycle
    shift
    for ((cycle = 0; cycle < 20; cycle++)); do
        run --separate-stderr crc "$@" "$(new_id)"
        assert_status "$want"
    done
}

# assert_cycles_left_nothing BEFORE PATH: after this test's cycles: an
# empty state root, no mount that BEFORE (a mount_snapshot) lacked, no
# cgroup named after this test's ids, no process that mentions PATH, no
# container process of this test.
assert_cycles_left_nothing() {
    local before=$1 path=$2 prefix new
    prefix="$(id_prefix)-${BATS_SUITE_TEST_NUMBER}-"
    assert_state_root_empty
    new=$(comm -13 <(echo "$before") <(mount_snapshot))
    [[ -z $new ]] || fail "new mounts after the cycles:" "$new"
    [[ -z $(cgroups_named "$prefix*") ]] || fail "cgroups left:" "$(cgroups_named "$prefix*")"
    [[ -z $(procs_mentioning "$path") ]] || fail "processes left that mention $path:" "$(procs_mentioning "$path")"
    [[ -z $(procs_marked) ]] || fail "container processes left:" "$(procs_marked)"
}

@test "leaks: 20 create/start/(exec)/delete cycles leave no state, mounts, cgroups or processes" {
    local cycle id pid before
    local short=$BATS_TEST_TMPDIR/short
    make_bundle "$short"
    set_args_in "$short" sh -c 'echo done'
    add_mount /mnt/tmp tmpfs tmpfs size=1m
    bind_hostdir ro
    cfg_in "$short" '.mounts += [{destination: "/mnt/host", type: "bind", source: $h, options: ["rbind"]}]' --arg h "$HOSTDIR"

    before=$(mount_snapshot)
    local -a pids=()
    for ((cycle = 0; cycle < 20; cycle++)); do
        id=$(new_id)
        if ((cycle % 2)); then
            # long-running: start, exec into it, delete --force
            create_start "$id"
            pid=$(state_field "$id" pid)
            pids+=("$pid")
            run --separate-stderr crr exec "$id" true
            assert_status 0
            run --separate-stderr crr delete --force "$id"
            assert_status 0
        else
            # short: runs to completion, then a plain delete
            run --separate-stderr crc create --bundle "$short" "$id"
            assert_status 0
            pid=$(state_field "$id" pid)
            pids+=("$pid")
            crr start "$id"
            wait_status "$id" stopped
            run --separate-stderr crr delete "$id"
            assert_status 0
        fi
    done

    assert_cycles_left_nothing "$before" "$BATS_TEST_TMPDIR"
    [[ -z $(mounts_under "$BUNDLE") && -z $(mounts_under "$short") ]] || fail "mounts under the bundles"
    for pid in "${pids[@]}"; do
        # an init whose create has exited belongs to pid 1, which on some
        # hosts reaps about once a second: give it a few seconds
        local st tries
        for ((tries = 0; tries < 50; tries++)); do
            st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || st=
            [[ $st == Z ]] || break
            sleep 0.1
        done
        [[ $st == Z ]] && fail "init $pid is a zombie nobody reaped"
        if [[ -e /proc/$pid ]]; then
            grep -qz "$(test_mark)" "/proc/$pid/environ" 2>/dev/null && fail "init $pid still runs"
        fi
    done
    return 0
}

@test "leaks: 20 cr run cycles (foreground, no --keep) leave nothing" {
    local before
    set_args sh -c 'exit 3'
    add_mount /mnt/tmp tmpfs tmpfs
    before=$(mount_snapshot)
    cycles 3 run --bundle "$BUNDLE"
    assert_cycles_left_nothing "$before" "$BUNDLE"
}

@test "leaks: 20 failed creates leave nothing" {
    local before
    add_mount /mnt/tmp tmpfs tmpfs
    add_mount /mnt/x bind "$BATS_TEST_TMPDIR/missing" rbind
    before=$(mount_snapshot)
    cycles 1 create --bundle "$BUNDLE"
    assert_cycles_left_nothing "$before" "$BUNDLE"
}

@test "leaks: cr does not leave its own fds open in the container's init" {
    # what an init holds while it waits for start: nothing of the host
    # except its stdio (fds it uses for the fifo are O_CLOEXEC and go at exec)
    local id
    id=$(new_id)
    set_args sh -c 'ls -l /proc/1/fd'
    create_start "$id"
    wait_status "$id" stopped
    # the listing went to ctr.out (the container's stdout)
    local fds
    fds=$(grep -Eo ' [0-9]+ -> ' "$BATS_TEST_TMPDIR/ctr.out" | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
    [[ $fds == "0 1 2 " ]] || fail "fds of the init after start: $fds" "$(cat "$BATS_TEST_TMPDIR/ctr.out")"
}
