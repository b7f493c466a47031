#!/usr/bin/env bats
# cr spec: the default config.json.

load helpers

setup_file() { make_rootfs; }
setup() {
    cr_setup
    SPECDIR=$BATS_TEST_TMPDIR/specdir
    mkdir -p "$SPECDIR"
}
teardown() { cr_teardown; }

@test "spec: writes config.json in the current directory" {
    cd "$SPECDIR"
    run --separate-stderr "$CR" spec
    assert_status 0
    [[ -f $SPECDIR/config.json ]] || fail "no config.json in the current directory"
    jq -e . "$SPECDIR/config.json" >/dev/null || fail "config.json is not JSON"
    jq -e '.ociVersion | test("^1\\.")' "$SPECDIR/config.json" >/dev/null || fail "ociVersion is not 1.x"
    jq -e '.root.path == "rootfs"' "$SPECDIR/config.json" >/dev/null || fail "root.path is not rootfs"
    jq -e '.process.args | length > 0' "$SPECDIR/config.json" >/dev/null || fail "no process.args"
    jq -e '.process.cwd | startswith("/")' "$SPECDIR/config.json" >/dev/null || fail "process.cwd is not absolute"
    jq -e '[.linux.namespaces[].type] | index("pid") != null and index("mount") != null' \
        "$SPECDIR/config.json" >/dev/null || fail "no pid / mount namespace"
    jq -e '[.linux.namespaces[].type] | index("user") == null' "$SPECDIR/config.json" >/dev/null ||
        fail "the default (root) spec has a user namespace"
}

@test "spec: refuses to overwrite an existing config.json" {
    cd "$SPECDIR"
    echo '{"mine": true}' >config.json
    run --separate-stderr "$CR" spec
    assert_status 1
    [[ $stderr == *config.json* ]] || fail "message does not name config.json: $stderr"
    [[ $(cat config.json) == '{"mine": true}' ]] || fail "config.json was overwritten"
}

@test "spec --bundle DIR: writes DIR/config.json, not in the current directory" {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr "$CR" spec --bundle "$SPECDIR"
    assert_status 0
    [[ -f $SPECDIR/config.json ]] || fail "no $SPECDIR/config.json"
    [[ ! -e $BATS_TEST_TMPDIR/config.json ]] || fail "config.json also written to the current directory"
    rm "$SPECDIR/config.json"
    run --separate-stderr "$CR" spec -b "$SPECDIR"
    assert_status 0
    [[ -f $SPECDIR/config.json ]] || fail "-b: no $SPECDIR/config.json"
}

@test "spec --bundle with a missing directory fails and names it" {
    run --separate-stderr "$CR" spec --bundle "$BATS_TEST_TMPDIR/nope"
    assert_status 1
    [[ $stderr == *"$BATS_TEST_TMPDIR/nope"* ]] || fail "message does not name the bundle: $stderr"
}

@test "spec --rootless (as root): user namespace and uid/gid mappings of the caller" {
    run --separate-stderr "$CR" spec --rootless --bundle "$SPECDIR"
    assert_status 0
    local f=$SPECDIR/config.json
    jq -e '[.linux.namespaces[].type] | index("user") != null' "$f" >/dev/null || fail "no user namespace"
    jq -e '[.linux.namespaces[].type] | index("network") == null' "$f" >/dev/null || fail "rootless spec has a network namespace"
    jq -e --argjson u "$(id -u)" '.linux.uidMappings == [{containerID: 0, hostID: $u, size: 1}]' "$f" >/dev/null ||
        fail "uidMappings: $(jq -c .linux.uidMappings "$f")"
    jq -e --argjson g "$(id -g)" '.linux.gidMappings == [{containerID: 0, hostID: $g, size: 1}]' "$f" >/dev/null ||
        fail "gidMappings: $(jq -c .linux.gidMappings "$f")"
}

@test "spec --rootless (as uid 1000): the mappings carry the caller's uid and gid" {
    local dir
    dir=$(scratch_dir)
    chown 1000:1000 "$dir"
    run --separate-stderr setpriv --reuid 1000 --regid 1000 --clear-groups "$CR" spec --rootless --bundle "$dir"
    assert_status 0
    local f=$dir/config.json
    jq -e '.linux.uidMappings == [{containerID: 0, hostID: 1000, size: 1}]' "$f" >/dev/null ||
        fail "uidMappings: $(jq -c .linux.uidMappings "$f")"
    jq -e '.linux.gidMappings == [{containerID: 0, hostID: 1000, size: 1}]' "$f" >/dev/null ||
        fail "gidMappings: $(jq -c .linux.gidMappings "$f")"
}

@test "spec: the default config (terminal off) runs as written" {
    # cr spec's own output, with only process.terminal and args changed, runs
    run_ctr sh -c 'echo spec-ok'
    assert_status 0
    [[ $output == spec-ok ]] || fail "output: $output stderr: $stderr"
}
