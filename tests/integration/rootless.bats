#!/usr/bin/env bats
# rootless.bats — cr run by an unprivileged user: `cr spec --rootless`, the
# lifecycle, run, exec, kill, state under $XDG_RUNTIME_DIR/cr, and
# multi-range id mappings through newuidmap/newgidmap.
#
# The file makes a throwaway user (useradd, unique name) with its own
# /etc/subuid and /etc/subgid ranges, and removes both in teardown_file.
# Debian packages: passwd (useradd/userdel), util-linux (runuser), uidmap
# (newuidmap/newgidmap), busybox-static, jq (listed in
# tests/integration/packages.txt).

load escape_helpers

setup_file() {
    esc_make_rootfs
    command -v useradd >/dev/null && command -v runuser >/dev/null || skip "useradd or runuser missing"
    RL_USER=crrl$$x${RANDOM}
    RL_USER=${RL_USER:0:31}
    useradd -M -s /bin/sh -U "$RL_USER"
    RL_UID=$(id -u "$RL_USER")
    RL_GID=$(id -g "$RL_USER")
    # a subordinate range above every range already given out
    local top
    top=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: 'NF >= 3 { e = $2 + $3; if (e > m) m = e } END { print m + 0 }')
    RL_SUB=$(((top < 400000 ? 400000 : top) / 65536 * 65536 + 65536))
    echo "$RL_USER:$RL_SUB:65536" >>/etc/subuid
    echo "$RL_USER:$RL_SUB:65536" >>/etc/subgid
    # everything the user touches lives in a directory it owns (the bats
    # temp dirs are closed to other users); cr is copied there
    RL_DIR=$(mktemp -d /tmp/cr-rootless.XXXXXX)
    chmod 755 "$RL_DIR"
    cp "$CR" "$RL_DIR/cr"
    mkdir -p "$RL_DIR/run"
    chmod 700 "$RL_DIR/run"
    chown -R "$RL_USER:$RL_USER" "$RL_DIR"
    RL_CR=$RL_DIR/cr
    export RL_USER RL_UID RL_GID RL_SUB RL_DIR RL_CR
}

teardown_file() {
    [[ -n ${RL_USER:-} ]] || return 0
    kill_uid_procs "$RL_UID"
    userdel "$RL_USER" 2>/dev/null
    getent group "$RL_USER" >/dev/null && groupdel "$RL_USER" 2>/dev/null
    sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
    [[ $RL_DIR == /tmp/cr-rootless.* ]] && rm -rf -- "$RL_DIR"
    return 0
}

setup() {
    BUNDLE=$RL_DIR/bundle-$BATS_TEST_NUMBER
    IDS=$BATS_TEST_TMPDIR/ids
    : >"$IDS"
    mkdir -p "$BUNDLE"
    cp -a "$ESC_ROOTFS" "$BUNDLE/rootfs"
    chown -R "$RL_USER:$RL_USER" "$BUNDLE"
    as_user "$RL_CR" spec --rootless --bundle "$BUNDLE"
    rl_cfg '.process.terminal = false | .root.readonly = false | .process.args = ["sleep", "1000"]'
}

teardown() {
    local id
    while read -r id; do
        [[ -n $id ]] && as_user "$RL_CR" delete -f "$id" >/dev/null 2>&1
    done <"$IDS"
    rm -rf -- "$BUNDLE"
    return 0
}

# as_user CMD...: CMD as the throwaway user, with a clean environment whose
# XDG_RUNTIME_DIR the user owns (fd 3, bats' TAP stream, closed).
as_user() {
    runuser -u "$RL_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
        HOME="$RL_DIR" XDG_RUNTIME_DIR="$RL_DIR/run" "$@" 3>&-
}
# rlcr ARGS: the user's cr (default state root: $XDG_RUNTIME_DIR/cr).
rlcr() { as_user "$RL_CR" "$@"; }
# rl_create ID: create in $BUNDLE; its output goes to files so that no pipe
# stays open behind the container.
rl_create() {
    echo "$1" >>"$IDS"
    rlcr create --bundle "$BUNDLE" "$1" </dev/null >>"$BATS_TEST_TMPDIR/ctr.out" 2>>"$BATS_TEST_TMPDIR/ctr.err" ||
        fail "cr create $1 as $RL_USER failed:" "$(cat "$BATS_TEST_TMPDIR/ctr.err")"
}
rl_id() {
    local id="crrl-$BATS_TEST_NUMBER-$(wc -l <"$IDS")${1:+-$1}"
    echo "$id" >>"$IDS"
    printf '%s\n' "$id"
}
rl_cfg() {
    jq "${@:2}" "$1" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
        mv "$BUNDLE/config.json.new" "$BUNDLE/config.json" &&
        chown "$RL_USER:$RL_USER" "$BUNDLE/config.json"
}
rl_args() { rl_cfg '.process.args = $a' --argjson a "$(json_array "$@")"; }
rl_status() { rlcr state "$1" 2>/dev/null | jq -r .status; }
# rl_wait_status ID STATUS [TENTHS]: poll `cr state` (default 30 s).
rl_wait_status() {
    local i s=
    for ((i = 0; i < ${3:-300}; i++)); do
        s=$(rl_status "$1") || s=
        [[ $s == "$2" ]] && return 0
        sleep 0.1
    done
    fail "container $1: status '$s', expected '$2'"
}
# the multi-range mapping: container 0 = the user, 1..65536 = its subordinate range
rl_multirange() {
    rl_cfg '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: 65536}]
          | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $s, size: 65536}]' \
        --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$RL_SUB"
}

@test "rootless: cr spec --rootless maps the user's own uid and gid in a user namespace" {
    run -0 jq -c '.linux.namespaces | map(.type) | sort' "$BUNDLE/config.json"
    [[ $output == *'"user"'* ]] || fail "no user namespace: $output"
    [[ $output != *'"network"'* ]] || fail "a network namespace needs privileges the user lacks: $output"
    run -0 jq -c '.linux.uidMappings' "$BUNDLE/config.json"
    [[ $output == "[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}]" ]] || fail "uidMappings: $output"
    run -0 jq -c '.linux.gidMappings' "$BUNDLE/config.json"
    [[ $output == "[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1}]" ]] || fail "gidMappings: $output"
    # the file belongs to the user
    [[ $(stat -c %u "$BUNDLE/config.json") == "$RL_UID" ]]
}

@test "rootless: create, state created, start, state running, kill TERM, state stopped, delete" {
    local id
    id=$(rl_id)
    rl_args sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
    rl_create "$id"
    run -0 rlcr state "$id"
    [[ $(jq -r .status <<<"$output") == created ]] || fail "state: $output"
    [[ $(jq -r .owner <<<"$output") == "$RL_USER" || $(jq -r .owner <<<"$output") == "$RL_UID" || $(jq -r .owner <<<"$output") == "" ]] ||
        fail "owner: $(jq -r .owner <<<"$output")"
    # the state lives under $XDG_RUNTIME_DIR/cr and belongs to the user
    [[ -f $RL_DIR/run/cr/$id/state.json ]] || fail "no state under \$XDG_RUNTIME_DIR/cr: $(ls -R "$RL_DIR/run")"
    [[ $(stat -c %u "$RL_DIR/run/cr/$id/state.json") == "$RL_UID" ]]
    [[ ! -e /run/cr/$id ]]
    local pid
    pid=$(rlcr state "$id" | jq -r .pid)
    [[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") == "$RL_UID" ]] || fail "the init does not run as $RL_USER on the host"
    run -0 rlcr start "$id"
    rl_wait_status "$id" running
    run -0 rlcr kill "$id" TERM
    rl_wait_status "$id" stopped
    run -0 rlcr delete "$id"
    [[ ! -e $RL_DIR/run/cr/$id ]]
    run ! rlcr state "$id"
}

@test "rootless: root in the user's own user namespace (rootless Podman's) is rootless, as with runc: \$XDG_RUNTIME_DIR/cr, no cgroup, no mknod" {
    local id
    id=$(rl_id)
    # as podman's: no user namespace of its own, the cgroups mounted
    rl_cfg 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))
        | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "ro"]}]'
    rl_args sh -c 'echo $(id -u) $(cat /proc/self/uid_map); test -c /dev/null && echo null'
    run as_user unshare --user --map-root-user sh -c '"$0" create --bundle "$1" "$2" </dev/null || exit 9
        ls "$XDG_RUNTIME_DIR/cr"; "$0" start "$2"' "$RL_CR" "$BUNDLE" "$id"
    [[ $status -eq 0 && ${lines[0]} == "$id" && $output == *"0 0 $RL_UID 1"* && $output == *null* ]] || fail "$status: $output"
    # (list looks at the image store too: the user's, not /var/lib/cr)
    run as_user unshare --user --map-root-user "$RL_CR" list -q
    [[ $status -eq 0 && $output == "$id" ]] || fail "list: $status $output"
    [[ ! -e /run/cr/$id ]]
}

@test "rootless: run returns the container's exit status" {
    rl_args sh -c 'id -u; exit 3'
    run rlcr run --bundle "$BUNDLE" "$(rl_id)" </dev/null
    echo "$output"
    [[ $status -eq 3 ]] || fail "status $status, expected 3"
    [[ ${lines[0]} == 0 ]] || fail "not root inside the user namespace: $output"
}

@test "rootless: exec into a running container" {
    local id
    id=$(rl_id)
    rl_create "$id"
    run -0 rlcr start "$id"
    rl_wait_status "$id" running
    run -0 rlcr exec "$id" sh -c 'id -u; cat /proc/self/uid_map'
    echo "$output"
    [[ ${lines[0]} == 0 ]]
    read -r a b c <<<"${lines[1]}"
    [[ "$a $b $c" == "0 $RL_UID 1" ]] || fail "uid_map: ${lines[1]}"
    run rlcr exec "$id" sh -c 'exit 7'
    [[ $status -eq 7 ]]
    run -0 rlcr kill "$id" KILL
    rl_wait_status "$id" stopped
    run -0 rlcr delete "$id"
}

@test "rootless: kill with signals, kill --all" {
    local id
    id=$(rl_id)
    rl_args sh -c 'trap "echo got-usr1 >/tmp/usr1" USR1; while :; do sleep 0.1; done'
    rl_create "$id"
    run -0 rlcr start "$id"
    rl_wait_status "$id" running
    run -0 rlcr kill "$id" USR1
    local i
    for ((i = 0; i < 50; i++)); do [[ -e $BUNDLE/rootfs/tmp/usr1 ]] && break; sleep 0.1; done
    [[ -e $BUNDLE/rootfs/tmp/usr1 ]] || fail "USR1 did not reach the container"
    # --all: every process of the container (a rootless container has no
    # cgroup of its own: cr has to find its processes some other way)
    run -0 rlcr kill --all "$id" KILL
    rl_wait_status "$id" stopped 50 ||
        fail "cr kill --all $id KILL exited 0 but the container is still running; state.json cgroup:" \
            "$(jq -r .cgroup "$RL_DIR/run/cr/$id/state.json" 2>/dev/null)" || return 1
    run -0 rlcr delete "$id"
}

@test "rootless: the user cannot signal or delete root's containers, even one with the same id" {
    local id rootstate rootbundle
    id=$(rl_id same)
    # root's container, in a root-owned state root the user can traverse
    # (like /run/cr), with the same id as the user's container
    rootstate=$RL_DIR/rootstate-$BATS_TEST_NUMBER
    rootbundle=$RL_DIR/rootbundle-$BATS_TEST_NUMBER
    mkdir -p "$rootstate" "$rootbundle"
    chmod 711 "$rootstate"
    cp -a "$ESC_ROOTFS" "$rootbundle/rootfs"
    "$CR" spec --bundle "$rootbundle" 3>&-
    jq '.process.terminal = false | .process.args = ["sleep", "1000"]' "$rootbundle/config.json" >"$rootbundle/c.json"
    mv "$rootbundle/c.json" "$rootbundle/config.json"
    "$CR" --root "$rootstate" create --bundle "$rootbundle" "$id" </dev/null >/dev/null 2>&1 3>&-
    "$CR" --root "$rootstate" start "$id" 3>&-
    # the user's own container of that name
    rl_create "$id"
    run -0 rlcr start "$id"
    # the user goes after root's container
    run rlcr --root "$rootstate" kill "$id" KILL
    echo "kill: $status $output"
    run rlcr --root "$rootstate" kill --all "$id" KILL
    echo "kill --all: $status $output"
    run rlcr --root "$rootstate" delete -f "$id"
    echo "delete -f: $status $output"
    # and signals its own container of the same name
    run rlcr kill --all "$id" KILL
    run rlcr delete -f "$id"
    sleep 0.3
    local st
    st=$("$CR" --root "$rootstate" state "$id" 3>&- | jq -r .status)
    "$CR" --root "$rootstate" delete -f "$id" >/dev/null 2>&1 3>&-
    rm -rf -- "$rootbundle" "$rootstate"
    [[ $st == running ]] || fail "root's container is '$st' after the user's attempts"
}

@test "rootless: multi-range uidMappings/gidMappings through newuidmap and newgidmap" {
    command -v newuidmap >/dev/null && command -v newgidmap >/dev/null || skip "newuidmap/newgidmap (uidmap) not installed"
    rl_multirange
    rl_cfg '.process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
    rl_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/f && chown 1000:1000 /tmp/f && echo chowned'
    run rlcr run --bundle "$BUNDLE" "$(rl_id)" </dev/null
    echo "status $status: $output"
    [[ $status -eq 0 ]] || fail "cr run with a multi-range mapping failed (status $status): $output"
    [[ $(echo $output) == *"0 $RL_UID 1 1 $RL_SUB 65536 0 $RL_GID 1 1 $RL_SUB 65536 chowned"* ]] || fail "maps: $output"
    # uid 1000 in the container is subuid start + 999 on the host
    [[ $(stat -c %u:%g "$BUNDLE/rootfs/tmp/f") == "$((RL_SUB + 999)):$((RL_SUB + 999))" ]] ||
        fail "owner on the host: $(stat -c %u:%g "$BUNDLE/rootfs/tmp/f")"
}

@test "rootless: multi-range mapping with exec, the lifecycle and a non-root process.user" {
    command -v newuidmap >/dev/null || skip "newuidmap (uidmap) not installed"
    local id
    id=$(rl_id)
    rl_multirange
    rl_cfg '.process.user = {uid: 1000, gid: 1000}'
    rl_create "$id"
    run -0 rlcr start "$id"
    rl_wait_status "$id" running
    local pid
    pid=$(rlcr state "$id" | jq -r .pid)
    [[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status") == "$((RL_SUB + 999))" ]] || fail "init's host uid: $(grep ^Uid: "/proc/$pid/status")"
    run -0 rlcr exec "$id" id -u
    [[ $output == 1000 ]]
    run -0 rlcr exec --user 0:0 "$id" id -u
    [[ $output == 0 ]]
    run -0 rlcr kill "$id" KILL
    rl_wait_status "$id" stopped
    run -0 rlcr delete "$id"
}

@test "rootless: mapping host root or someone else's subordinate ids is refused" {
    command -v newuidmap >/dev/null || skip "newuidmap (uidmap) not installed"
    # host uid 0 as container root
    rl_cfg '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 1}]'
    rl_args id -u
    run rlcr run --bundle "$BUNDLE" "$(rl_id root)" </dev/null
    echo "host root: status $status: $output"
    [[ $status -ne 0 ]] || fail "the user mapped host root into its container"
    # a range beyond the user's own
    rl_cfg '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: 65536}]' \
        --argjson u "$RL_UID" --argjson s "$((RL_SUB + 65536))"
    run rlcr run --bundle "$BUNDLE" "$(rl_id foreign)" </dev/null
    echo "foreign range: status $status: $output"
    [[ $status -ne 0 ]] || fail "the user mapped ids that /etc/subuid does not give it"
    # nothing left running as the user (zombies wait for pid 1, which on
    # some hosts reaps about once a second: give it a few seconds)
    local p left tries
    for ((tries = 0; tries < 50; tries++)); do
        left=
        for p in /proc/[0-9]*; do
            [[ $(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null) == "$RL_UID" ]] || continue
            [[ $(awk '/^State:/ { print $2 }' "$p/status" 2>/dev/null) == Z ]] && continue
            left+=" ${p#/proc/}($(tr '\0' ' ' <"$p/cmdline" 2>/dev/null))"
        done
        [[ -z $left ]] && break
        sleep 0.1
    done
    [[ -z $left ]] || fail "processes of $RL_USER left:$left"
}
