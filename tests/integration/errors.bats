#!/usr/bin/env bats
# Bad input: every case exits 1 with a one-line error that names the field or
# value at fault, and leaves nothing behind: no state dir, no mount under the
# bundle, no process, no cgroup.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

# create_fails SUBSTRING...: `cr create` of $BUNDLE must fail with a one-line
# error naming every SUBSTRING, and leave nothing behind.
create_fails() { cr_refuses create --bundle "$BUNDLE" -- "$@"; }

# run_fails SUBSTRING...: the same through `cr run`.
run_fails() { cr_refuses run --bundle "$BUNDLE" -- "$@"; }

# ---------------------------------------------------------------- config.json

@test "bad config: invalid JSON names the line and column" {
    printf '{\n  "ociVersion": "1.2.0",\n  "process": {\n    "args": ["sh"],,\n' >"$BUNDLE/config.json"
    create_fails "line 4" "column" "config.json"
}

@test "bad config: truncated JSON is refused" {
    head -c 100 "$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
    create_fails "line" "column"
}

@test "bad config: process.user.uid as a string names process.user.uid" {
    cfg '.process.user.uid = "0"'
    create_fails "process.user.uid"
}

@test "bad config: process.args as a string names process.args" {
    cfg '.process.args = "sleep 1000"'
    create_fails "process.args"
}

@test "bad config: empty process.args names process.args" {
    cfg '.process.args = []'
    create_fails "process.args"
}

@test "bad config: missing ociVersion names ociVersion" {
    cfg 'del(.ociVersion)'
    create_fails "ociVersion"
}

@test "bad config: unsupported ociVersion names ociVersion and the value" {
    cfg '.ociVersion = "2.0.0"'
    create_fails "ociVersion" "2.0.0"
}

@test "bad config: missing rootfs names root.path" {
    cfg '.root.path = "no-such-rootfs"'
    create_fails "root.path" "no-such-rootfs"
}

@test "bad config: root.path that is a file names root.path" {
    : >"$BUNDLE/afile"
    cfg '.root.path = "afile"'
    create_fails "root.path"
}

@test "bad config: a relative mount destination names the destination" {
    add_mount mnt/relative tmpfs tmpfs
    create_fails "destination" "mnt/relative"
}

@test "bad config: a relative process.cwd names process.cwd" {
    cfg '.process.cwd = "tmp"'
    create_fails "process.cwd"
}

@test "bad config: an unknown namespace type names linux.namespaces and the type" {
    cfg '.linux.namespaces += [{type: "bogus"}]'
    create_fails "linux.namespaces" "bogus"
}

@test "bad config: an unknown rlimit names process.rlimits and the type" {
    cfg '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
    create_fails "rlimits" "RLIMIT_BOGUS"
}


@test "bad config: hostname without a uts namespace is refused" {
    cfg '.hostname = "x" | .linux.namespaces |= map(select(.type != "uts"))'
    create_fails "hostname"
}

@test "bad config: a missing config.json names config.json" {
    rm "$BUNDLE/config.json"
    create_fails "config.json"
}

@test "bad bundle: a missing bundle directory names it" {
    cr_refuses create --bundle "$BATS_TEST_TMPDIR/no-bundle" -- "no-bundle"
}

# ---------------------------------------------------------------- failures inside the init

@test "setup failure: a bind mount of a missing source names it, nothing left behind" {
    add_mount /mnt/x bind "$BATS_TEST_TMPDIR/no-such-source" rbind
    create_fails "no-such-source"
}

@test "setup failure: an unknown filesystem type names the mount, nothing left behind" {
    add_mount /mnt/x nosuchfs none
    create_fails "/mnt/x"
}

@test "setup failure: a missing executable fails at create and names it" {
    set_args /bin/no-such-program
    create_fails "no-such-program"
}

@test "setup failure: the same errors through cr run leave nothing behind either" {
    add_mount /mnt/x bind "$BATS_TEST_TMPDIR/no-such-source" rbind
    run_fails "no-such-source"
}

# ---------------------------------------------------------------- ids

@test "bad id: an id with '/' is refused and nothing is created" {
    run --separate-stderr crc create --bundle "$BUNDLE" "a/b"
    assert_error 1 "a/b"
    assert_state_root_empty
    [[ -z $(procs_mentioning "$BUNDLE") ]] || fail "processes left"
    [[ -z $(mounts_under "$BUNDLE") ]] || fail "mounts left"
}

@test "bad id: '..' and '.' are refused and nothing is created outside the root" {
    local jail=$BATS_TEST_TMPDIR/jail
    mkdir "$jail"
    CR_ROOT=$jail/state
    run --separate-stderr crc create --bundle "$BUNDLE" ".."
    assert_error 1 ".."
    run --separate-stderr crc create --bundle "$BUNDLE" "."
    assert_error 1 "."
    run --separate-stderr crc create --bundle "$BUNDLE" "../escape"
    assert_error 1 "../escape"
    assert_state_root_empty
    [[ -z $(ls -A "$jail" | grep -vx state) ]] || fail "files appeared next to the root: $(ls -A "$jail")"
    [[ -z $(procs_mentioning "$BUNDLE") ]] || fail "processes left"
}

@test "bad id: an empty id is refused" {
    run --separate-stderr crc create --bundle "$BUNDLE" ""
    assert_status 1
    [[ -n $stderr ]] || fail "no message"
    assert_state_root_empty
}

@test "bad id: the state applets refuse ids with '/' too" {
    local a
    for a in state start delete kill ps; do
        refused_with "../../etc" "$a" "../../etc"
    done
}

@test "unknown id: start, state, kill, delete, exec, ps fail naming it" {
    local id=no-such-container-$RANDOM a
    for a in start state kill delete ps; do
        run --separate-stderr crr "$a" "$id"
        assert_error 1 "$id" || fail "cr $a"
    done
    run --separate-stderr crr exec "$id" true
    assert_error 255 "$id"
    assert_state_root_empty
}

@test "unknown id: delete --force succeeds (as with runc)" {
    run --separate-stderr crr delete --force no-such-container-$RANDOM
    assert_status 0
}

@test "duplicate id: refused, the first container intact, one state dir" {
    local id pid
    id=$(container_in created)
    pid=$(state_field "$id" pid)
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_error 1 "$id"
    [[ $(ls -A "$CR_ROOT") == "$id" ]] || fail "state root: $(ls -A "$CR_ROOT")"
    [[ $(state_field "$id" status) == created && $(state_field "$id" pid) == "$pid" ]] || fail "first container changed"
    # the duplicate's attempt left no second init behind
    local n
    n=$(procs_mentioning "$BUNDLE" | wc -l)
    ((n <= 1)) || fail "processes mentioning the bundle:" "$(procs_mentioning "$BUNDLE")"
    crr delete -f "$id"
    assert_no_leftovers "$id"
}

# ---------------------------------------------------------------- usage

@test "usage: create without an id, kill with too many operands" {
    refused_with "CONTAINER_ID" create --bundle "$BUNDLE"
    run --separate-stderr crr kill a b c
    assert_status 1
    assert_state_root_empty
}

@test "usage: an option that needs a value, given none" {
    refused_with "--bundle" create --bundle
}

@test "usage: --preserve-fds takes a number of fds (create, run, exec)" {
    local id bad
    id=$(new_id)
    for bad in abc -1 99999999999; do
        run --separate-stderr crc create --preserve-fds "$bad" --bundle "$BUNDLE" "$id"
        assert_status 1
        [[ $stderr == *--preserve-fds*"\"$bad\""* ]] || fail "create --preserve-fds $bad: $stderr"
        # --detach: were the value taken, run would return, not wait on the container
        run --separate-stderr crc run --detach --preserve-fds "$bad" --bundle "$BUNDLE" "$id"
        assert_status 1
        [[ $stderr == *--preserve-fds*"\"$bad\""* ]] || fail "run --preserve-fds $bad: $stderr"
    done
    assert_no_leftovers "$id"
    create "$id"
    for bad in abc -1 99999999999; do
        run --separate-stderr crr exec --preserve-fds "$bad" "$id" true
        assert_status 1
        [[ $stderr == *--preserve-fds*"\"$bad\""* ]] || fail "exec --preserve-fds $bad: $stderr"
    done
    [[ $(state_field "$id" status) == created ]] || fail "status after the refused execs: $(state_field "$id" status)"
    crr delete -f "$id"
    assert_no_leftovers "$id"
}

@test "usage: a size beyond 64 bits is refused, not wrapped (update --memory, run --memory 9999999t)" {
    local id
    id=$(new_id)
    create "$id"
    run --separate-stderr crr update --memory 9999999t "$id"
    assert_status 1
    [[ $stderr == *--memory*'"9999999t"'* ]] || fail "update: $stderr"
    run --separate-stderr crr update --memory-swap 99999999999999999999 "$id"
    assert_status 1
    [[ $stderr == *--memory-swap*'"99999999999999999999"'* ]] || fail "update: $stderr"
    crr delete -f "$id"
    assert_no_leftovers "$id"
    run --separate-stderr crr --storage "$BATS_TEST_TMPDIR/store" run --rm --network none --rootfs "$BUNDLE/rootfs" --memory 9999999t true
    assert_status 125
    [[ $stderr == *'--memory "9999999t"'* ]] || fail "run: $stderr"
    assert_state_root_empty
}
