# helpers.bash — shared by tests/integration/*.bats (load with `load helpers`).
#
# Every test gets its own state root ($CR_ROOT) and bundle ($BUNDLE) under
# $BATS_TEST_TMPDIR, so nothing ever touches /run/cr. Container ids come from
# new_id (unique per run, test and call) and are remembered in a file so that
# teardown can `cr delete -f` them even when the test failed half-way.
#
# A .bats file uses:
#   load helpers
#   setup_file() { make_rootfs; }
#   setup() { cr_setup; }
#   teardown() { cr_teardown; }

source "${BASH_SOURCE[0]%/*}/common.bash"

# A safety net, not a measurement: a hung cr must not hang the whole suite.
: "${BATS_TEST_TIMEOUT:=300}"

# The cr under test ($CR, as build.sh exports it) and its applet links.
CR_BUILT=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
CR_BUILT_BIN_DIR=$(dirname "$CR_BUILT")/bin
# Each file runs a snapshot of it taken in setup_file (snapshot_cr), with
# its own applet links: a rebuild of out/cr while the suite runs must not
# mix two versions in one container's life (create by one, delete by another).
CR=$CR_BUILT
CR_BIN_DIR=$CR_BUILT_BIN_DIR
if [[ -x $BATS_FILE_TMPDIR/cr/cr ]]; then
    CR=$BATS_FILE_TMPDIR/cr/cr
    CR_BIN_DIR=$BATS_FILE_TMPDIR/cr/bin
fi
ROOTFS_TEMPLATE=$BATS_FILE_TMPDIR/rootfs

# The applets every build must have (runc's command set that cr implements).
ALL_APPLETS=(create delete exec features kill list ps run spec start state)

# ---------------------------------------------------------------- rootfs

# snapshot_cr: copy $CR_BUILT to $BATS_FILE_TMPDIR/cr/cr and link its applets
# there the way build.sh does (bin/<applet> -> ../cr).
snapshot_cr() {
    local d=$BATS_FILE_TMPDIR/cr a
    rm -rf "$d"
    mkdir -p "$d/bin"
    cp "$CR_BUILT" "$d/cr.tmp" && mv "$d/cr.tmp" "$d/cr" || return 1
    for a in $("$d/cr" --list); do ln -s ../cr "$d/bin/$a"; done
    # (CR itself is left alone: setup_file's exports reach the tests)
}

# make_rootfs: a snapshot of cr, and a busybox-static rootfs in
# $BATS_FILE_TMPDIR/rootfs (once per file, from setup_file).
make_rootfs() {
    snapshot_cr || { echo "cannot snapshot $CR_BUILT" >&2; return 1; }
    rm -rf "$ROOTFS_TEMPLATE"
    busybox_rootfs "$ROOTFS_TEMPLATE" proc sys dev mnt root
}

# ---------------------------------------------------------------- per test

cr_setup() {
    CR_ROOT=$BATS_TEST_TMPDIR/state
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    HOSTDIR=$BATS_TEST_TMPDIR/host
    mkdir -p "$HOSTDIR"
    : >"$BATS_TEST_TMPDIR/.ids"
    : >"$BATS_TEST_TMPDIR/.bgpids"
    : >"$BATS_TEST_TMPDIR/.scratch"
    make_bundle "$BUNDLE"
}

# A prefix shared by every id of this bats run (for leak searches).
id_prefix() {
    local run=${BATS_RUN_TMPDIR##*/}
    run=${run##*-}
    printf 'crt%s' "${run:0:8}"
}

# new_id [TAG]: prints a fresh container id and remembers it for teardown.
new_id() { next_id "$(id_prefix)-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}" "$@"; }

# scratch_dir: a new directory outside $BATS_TEST_TMPDIR (which other users
# cannot enter), removed in teardown.
scratch_dir() { make_scratch cr-test; }

# track_bg PID: a background process of ours to end in teardown.
track_bg() { track bgpids "$1"; }

# make_bundle DIR: rootfs copy + `cr spec` + terminal off, args `sleep 1000`.
make_bundle() {
    local dir=$1
    mkdir -p "$dir"
    cp -a "$ROOTFS_TEMPLATE" "$dir/rootfs"
    "$CR" spec --bundle "$dir" 3>&- || { echo "cr spec --bundle $dir failed" >&2; return 1; }
    cfg_in "$dir" '.process.terminal = false | .process.args = ["sleep", "1000"]
                   | .process.env += [$mark]' --arg mark "$(test_mark)"
}

# userns_bundle: $BUNDLE made anew in a scratch dir that host uid 100000 (the
# container's root) can enter, with a user namespace mapping 0 -> 100000
# and /sys a bind of the host's (no sysfs or cgroupfs of its own).
userns_bundle() {
    BUNDLE=$(scratch_dir)/bundle
    chmod 755 "${BUNDLE%/bundle}"
    make_bundle "$BUNDLE"
    cfg '.linux.namespaces += [{type: "user"}]
         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
         | .mounts |= map(select(.destination != "/sys/fs/cgroup"))
         | .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"]} else . end)'
}

# add_mount DEST TYPE SOURCE [OPTION...]: append to $BUNDLE's mounts.
add_mount() {
    local dest=$1 type=$2 src=$3
    shift 3
    cfg '.mounts += [{destination: $d, type: $t, source: $s, options: $o}]' \
        --arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# bind_hostdir [OPTION...]: bind $HOSTDIR at /mnt/host (rbind + options).
bind_hostdir() { add_mount /mnt/host bind "$HOSTDIR" rbind "$@"; }

# crr ARGS...: the real cr with this test's state root. fd 3 (bats' TAP
# stream) is closed so that a container can never hold the test run open.
crr() { "$CR" --root "$CR_ROOT" "$@" 3>&-; }
# run_new: `crr run` of $BUNDLE as a new container $id (the caller's
# `local id`), under bats' run with stderr apart.
run_new() {
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
}

# crc ARGS...: crr for commands that leave a container behind (create,
# run --detach, exec --detach): the container inherits cr's stdout, so it
# goes to $BATS_TEST_TMPDIR/ctr.out instead of a pipe that `run` or $(...)
# would wait on until the container exits. Pair with `run --separate-stderr`
# (or redirect stderr) for the same reason.
crc() { "$CR" --root "$CR_ROOT" "$@" >>"$BATS_TEST_TMPDIR/ctr.out" 3>&-; }

# create ID [OPTION...]: `cr create --bundle $BUNDLE` that must succeed.
create() {
    local id=$1
    shift
    crc create --bundle "$BUNDLE" "$@" "$id" 2>>"$BATS_TEST_TMPDIR/ctr.err" ||
        fail "cr create $id failed:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")"
}

# create_start ID [OPTION...]: create (that must succeed), then start.
create_start() { create "$@" && crr start "$1"; }

# create_stopped ID: a container whose process is `true`, run until stopped.
create_stopped() {
    set_args true
    create_start "$1" && wait_status "$1" stopped
}

# container_in created|running|stopped [TAG]: a new container of $BUNDLE in
# that state (stopped: its process is `true`); prints its id.
container_in() {
    local id
    id=$(new_id "${@:2}")
    case $1 in
    created) create "$id" ;;
    running) create_start "$id" ;;
    stopped) create_stopped "$id" ;;
    *) fail "container_in: no state '$1'" ;;
    esac || return 1
    printf '%s\n' "$id"
}

# ---------------------------------------------------------------- state

state_field() { # ID FIELD
    crr state "$1" | jq -r ".$2"
}

# ---------------------------------------------------------------- asserts

assert_status() { # N
    [[ $status -eq $1 ]] || { show_run >&2; fail "expected exit status $1, got $status"; }
}

assert_output_contains() { # STRING (in $output)
    [[ $output == *"$1"* ]] || { show_run >&2; fail "expected output to contain '$1'"; }
}

# assert_error STATUS SUBSTRING...: after `run --separate-stderr`: the exit
# status, exactly one line on stderr, containing every SUBSTRING.
assert_error() {
    local want=$1 s
    shift
    assert_status "$want" || return 1
    [[ ${#stderr_lines[@]} -eq 1 ]] || { show_run >&2; fail "expected a one-line error, got ${#stderr_lines[@]} lines"; }
    for s; do
        [[ $stderr == *"$s"* ]] || { show_run >&2; fail "expected the error to mention '$s'"; }
    done
}

# run_ctr [FLAG...] ARG...: set process.args and `cr run [FLAG...]` the
# bundle in the foreground under a new id ($RUN_ID); FLAGs are the leading
# arguments that start with '-'.
run_ctr() {
    local flags=()
    while [[ ${1:-} == -* ]]; do
        flags+=("$1")
        shift
    done
    RUN_ID=$(new_id)
    set_args "$@"
    run --separate-stderr crr run "${flags[@]}" --bundle "$BUNDLE" "$RUN_ID"
}

# start_helper NAME READY CMD...: a helper program of the test in the
# background (output in $BATS_TEST_TMPDIR/NAME.log, killed in teardown),
# until the file READY exists. Sets HELPER_PID.
start_helper() {
    local name=$1 ready=$2
    shift 2
    "$@" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
    HELPER_PID=$!
    track_bg "$HELPER_PID"
    wait_file "$ready"
}

# wait_helper NAME PID: the helper started as NAME must exit with status 0.
wait_helper() {
    local st=0
    wait "$2" || st=$?
    [[ $st -eq 0 ]] || fail "$1 failed ($st):" "$(cat "$BATS_TEST_TMPDIR/$1.log")"
}

# cr_refuses CR-ARG... -- SUBSTRING...: `cr CR-ARG... ID` (a new id) must
# exit 1 with a one-line error naming every SUBSTRING and leave nothing
# behind.
cr_refuses() {
    local id args=()
    while (($#)) && [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    shift
    id=$(new_id)
    run --separate-stderr crc "${args[@]}" "$id"
    assert_error 1 "$@" || return 1
    assert_no_leftovers "$id"
}

# refused_with TEXT CR-ARG...: `cr CR-ARG...` (this test's state root) must
# exit 1 with TEXT in its error.
refused_with() {
    local text=$1
    shift
    run --separate-stderr crr "$@"
    assert_status 1 || return 1
    [[ $stderr == *"$text"* ]] || { show_run >&2; fail "expected the error to mention '$text'"; }
}

# state_root_empty: nothing left under $CR_ROOT (it may not exist at all).
assert_state_root_empty() {
    local left
    left=$(ls -A "$CR_ROOT" 2>/dev/null) || true
    [[ -z $left ]] || fail "state root $CR_ROOT is not empty:" "$left"
}

# mounts_under PATH: host mountinfo lines whose mount point or root mention PATH.
mounts_under() { grep -F -- "$1" /proc/self/mountinfo || true; }

# The environment entry make_bundle puts into every container of this test:
# it is inherited by everything the container runs, so procs_marked finds
# container processes whatever their command line.
test_mark() { printf 'CR_TEST_MARK=%s-%s.' "$(id_prefix)" "${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}"; }

# procs_marked [MARK]: "pid cmdline" of processes that carry MARK (default:
# this test's) in their environment.
procs_marked() { procs_with_env "${1:-$(test_mark)}"; }

# assert_no_leftovers ID [BUNDLE]: after a failed or deleted container:
# empty state root, no mounts, no processes, no cgroup.
assert_no_leftovers() {
    local id=$1 bundle=${2:-$BUNDLE} m p c
    assert_state_root_empty || return 1
    m=$(mounts_under "$bundle")
    [[ -z $m ]] || fail "mounts left under $bundle:" "$m" || return 1
    p=$(procs_mentioning "$bundle")
    [[ -z $p ]] || fail "processes left that mention $bundle:" "$p" || return 1
    p=$(procs_marked)
    [[ -z $p ]] || fail "container processes left:" "$p" || return 1
    c=$(cgroups_named "$id")
    [[ -z $c ]] || fail "cgroups left for $id:" "$c" || return 1
}

# ---------------------------------------------------------------- teardown

cr_teardown() {
    local id
    kill_tracked_bg
    for id in $(tracked ids); do
        "$CR" --root "$CR_ROOT" delete -f "$id" >/dev/null 2>&1 3>&-
        remove_cgroups "$id"
    done
    # processes of ours that still mention this test's directory, and
    # container processes of this test that outlived everything above
    procs_mentioning "$BATS_TEST_TMPDIR" | kill_listed
    procs_marked | kill_listed
    # mounts under the test directory, deepest first, before anything is removed
    umount_below "$BATS_TEST_TMPDIR"
    remove_scratch
}
