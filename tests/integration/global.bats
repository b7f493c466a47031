#!/usr/bin/env bats
# The multicall binary itself: version, help, dispatch, global options, features.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

@test "cr --version prints the version and the spec version" {
    run --separate-stderr "$CR" --version
    assert_status 0
    [[ $output =~ ^cr\ version\ [0-9]+\.[0-9]+ ]] || fail "no 'cr version N.N' line: $output"
    [[ $output =~ spec:\ 1\.[0-9]+ ]] || fail "no runtime-spec version: $output"
}

@test "cr --help lists every applet with a summary" {
    run --separate-stderr "$CR" --help
    assert_status 0
    local a
    for a in "${ALL_APPLETS[@]}"; do
        grep -Eq "^ +$a +[^ ]" <<<"$output" || fail "applet '$a' is not listed in cr --help" "$output"
    done
}

@test "cr --list prints one applet per line and out/bin links each of them" {
    run --separate-stderr "$CR" --list
    assert_status 0
    local a
    for a in "${ALL_APPLETS[@]}"; do
        grep -qx "$a" <<<"$output" || fail "'$a' missing from cr --list"
        [[ -L $CR_BUILT_BIN_DIR/$a && $(readlink "$CR_BUILT_BIN_DIR/$a") == ../cr ]] ||
            fail "no out/bin/$a -> ../cr link next to $CR_BUILT"
    done
}

@test "cr APPLET --help prints the applet's usage for every applet" {
    local a
    # the required ones and whatever else cr --list names
    for a in $(printf '%s\n' "${ALL_APPLETS[@]}" $("$CR" --list) | sort -u); do
        run --separate-stderr "$CR" "$a" --help
        assert_status 0
        [[ ${lines[0]} == "usage: cr $a"* ]] || fail "cr $a --help: first line is '${lines[0]}'"
        [[ -z $stderr ]] || fail "cr $a --help wrote to stderr: $stderr"
        # -h is the same
        local long=$output
        run --separate-stderr "$CR" "$a" -h
        assert_status 0
        [[ $output == "$long" ]] || fail "cr $a -h differs from --help"
    done
}

@test "unknown applet: exit 1 and a message naming it" {
    run --separate-stderr "$CR" frobnicate
    assert_status 1
    [[ $stderr == *frobnicate* ]] || fail "message does not name the applet: $stderr"
    [[ -z $output ]] || fail "unexpected stdout: $output"
}

@test "unknown option of an applet: exit 1 and a message naming it" {
    refused_with "--no-such-flag" state --no-such-flag x
}

@test "cr without an applet: exit 1 and the usage on stderr" {
    run --separate-stderr "$CR"
    assert_status 1
    [[ $stderr == *usage:* ]] || fail "no usage on stderr: $stderr"
}

@test "dispatch by argv[0]: out/bin/<applet> --help and features match cr <applet>" {
    local a
    for a in $(printf '%s\n' "${ALL_APPLETS[@]}" $("$CR" --list) | sort -u); do
        run --separate-stderr "$CR_BIN_DIR/$a" --help
        assert_status 0
        [[ $output == "$("$CR" "$a" --help)" ]] || fail "out/bin/$a --help differs from cr $a --help"
    done
    run --separate-stderr "$CR_BIN_DIR/features"
    assert_status 0
    [[ $output == "$("$CR" features)" ]] || fail "out/bin/features differs from cr features"
}

@test "dispatch by argv[0]: out/bin/spec writes the same config as cr spec" {
    mkdir "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    run "$CR_BIN_DIR/spec" --bundle "$BATS_TEST_TMPDIR/a"
    assert_status 0
    "$CR" spec --bundle "$BATS_TEST_TMPDIR/b"
    cmp "$BATS_TEST_TMPDIR/a/config.json" "$BATS_TEST_TMPDIR/b/config.json"
}

@test "dispatch by argv[0]: applets found on PATH (out/bin) work like cr APPLET" {
    # build.sh puts out/bin first on PATH; call the applets by bare name
    [[ $(command -v state) == "$CR_BUILT_BIN_DIR/state" ]] || skip "out/bin is not first on PATH"
    run --separate-stderr state --help
    assert_status 0
    [[ ${lines[0]} == "usage: cr state"* ]] || fail "state --help: ${lines[0]}"
    run --separate-stderr list --help
    assert_status 0
    [[ ${lines[0]} == "usage: cr list"* ]] || fail "list --help: ${lines[0]}"
    mkdir "$BATS_TEST_TMPDIR/p"
    run --separate-stderr spec --bundle "$BATS_TEST_TMPDIR/p"
    assert_status 0
    jq -e .ociVersion "$BATS_TEST_TMPDIR/p/config.json" >/dev/null || fail "spec via PATH wrote no config"
}

@test "dispatch by argv[0]: applet links accept the global --root" {
    # With argv[0] dispatch there is no 'cr' word to put global options in
    # front of, so `state --root DIR ID` must be the way to reach DIR.
    local id
    id=$(container_in created)
    run --separate-stderr "$CR_BIN_DIR/state" --root "$CR_ROOT" "$id"
    assert_status 0
    [[ $(jq -r .id <<<"$output") == "$id" ]] || fail "out/bin/state: wrong id: $output"
    [[ $output == "$(crr state "$id")" ]] || fail "out/bin/state --root differs from cr --root state"
    run --separate-stderr "$CR_BIN_DIR/list" --root "$CR_ROOT" -q
    assert_status 0
    [[ $output == "$id" ]] || fail "out/bin/list --root -q: $output"
}

@test "--root DIR: the state dir appears there and other roots do not see it" {
    local id root2=$BATS_TEST_TMPDIR/other-root
    id=$(new_id)
    run --separate-stderr crc create --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ -d $CR_ROOT/$id ]] || fail "no state dir $CR_ROOT/$id"
    [[ -s $CR_ROOT/$id/state.json ]] || fail "no $CR_ROOT/$id/state.json"
    jq -e . "$CR_ROOT/$id/state.json" >/dev/null || fail "state.json is not JSON"
    [[ ! -e /run/cr/$id ]] || fail "/run/cr/$id exists: --root ignored"
    run --separate-stderr "$CR" --root "$root2" state "$id"
    assert_status 1
    run --separate-stderr "$CR" --root="$CR_ROOT" state "$id"
    assert_status 0
    [[ $(jq -r .id <<<"$output") == "$id" ]] || fail "--root=DIR form: $output"
}

@test "--log FILE --log-format json: an error is written as a JSON line with level, msg, time" {
    local log=$BATS_TEST_TMPDIR/cr.log
    run --separate-stderr "$CR" --root "$CR_ROOT" --log "$log" --log-format json state no-such-ctr
    assert_status 1
    [[ -s $log ]] || fail "log file is empty or missing"
    local line n=0
    while IFS= read -r line; do
        n=$((n + 1))
        jq -e 'type == "object" and (.level | type == "string") and (.msg | type == "string")
               and (.time | type == "string")' <<<"$line" >/dev/null ||
            fail "log line $n is not a JSON object with level/msg/time: $line"
    done <"$log"
    jq -e -s 'map(select(.level == "error" and (.msg | contains("no-such-ctr")))) | length >= 1' "$log" >/dev/null ||
        fail "no error line naming the container:" "$(cat "$log")"
    # time is RFC 3339
    jq -e -s 'all(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"))' "$log" >/dev/null ||
        fail "time is not RFC 3339:" "$(cat "$log")"
}

@test "--log FILE (text): the error goes to the file" {
    local log=$BATS_TEST_TMPDIR/cr.log
    run --separate-stderr "$CR" --root "$CR_ROOT" --log "$log" kill no-such-ctr2 KILL
    assert_status 1
    grep -q no-such-ctr2 "$log" || fail "log does not name the container:" "$(cat "$log")"
}

@test "--log-format with a bad value is refused" {
    run --separate-stderr "$CR" --root "$CR_ROOT" --log-format yaml list
    assert_status 1
    [[ $stderr == *log-format* ]] || fail "message: $stderr"
}

@test "features: valid JSON with ociVersionMax and linux.namespaces" {
    run --separate-stderr "$CR" features
    assert_status 0
    jq -e . >/dev/null <<<"$output" || fail "not JSON: $output"
    jq -e '.ociVersionMin | type == "string"' >/dev/null <<<"$output" || fail "no ociVersionMin"
    jq -e '.ociVersionMax | test("^1\\.")' >/dev/null <<<"$output" || fail "no ociVersionMax 1.x"
    local ns
    for ns in pid network ipc uts mount user cgroup; do
        jq -e --arg n "$ns" '.linux.namespaces | index($n) != null' >/dev/null <<<"$output" ||
            fail "linux.namespaces lacks $ns: $(jq -c .linux.namespaces <<<"$output")"
    done
    jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null' >/dev/null <<<"$output" ||
        fail "linux.capabilities lacks CAP_SYS_ADMIN"
    jq -e '.mountOptions | index("ro") != null and index("rbind") != null' >/dev/null <<<"$output" ||
        fail "mountOptions lacks ro / rbind"
}
