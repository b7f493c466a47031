# image_helpers.bash — image-run fixtures for image.bats and net.bats (load
# with `load image_helpers`; it brings registry_helpers along and gives the
# file its setup_file/setup/teardown/teardown_file). Every test gets its own
# state root ($CR_ROOT), a copy of the pulled store ($STORE) and a container
# name prefix ($N); its teardown removes every container it made.

source "${BASH_SOURCE[0]%/*}/registry_helpers.bash"

setup_file() { img_setup_file; }
teardown_file() { img_teardown_file; }
setup() { img_setup; }
teardown() { img_teardown; }

# app image: a config with everything run translates.
make_app_image() {
    local o=$FIX/oci/app
    mkdir -p "$FIX/approot/srv" "$FIX/approot/vol"
    cp -a "$FIX/rootfs/." "$FIX/approot/"
    echo "app:x:1000:1000:app:/srv:/bin/sh" >>"$FIX/approot/etc/passwd"
    printf 'app:x:1000:\nextra:x:2000:app\n' >>"$FIX/approot/etc/group"
    echo "image content" >"$FIX/approot/vol/seed"
    oci_image "$o" "$FIX/approot" '{Env: ["PATH=/usr/bin:/bin", "FOO=from-image"], Entrypoint: ["/bin/echo", "entry"], Cmd: ["default-cmd"],
        WorkingDir: "/srv", User: "app", Volumes: {"/vol": {}}, StopSignal: "SIGUSR1", Labels: {"cr.test": "app"}}'
}

# img_setup_file: the busybox and app images in a registry on 127.0.0.1
# ($BB, $APP), pulled into $FIX/store, and a network namespace ($NETNS,
# lo up) in which every container of the file runs, so that bridges, veths
# and NAT rules never touch the host's network.
img_setup_file() {
    mkdir -p "$FIX"
    : >"$BG_LIST"
    echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$FIX/policy.json"
    make_busybox_layout
    make_app_image
    reg_start -e
    push busybox test/busybox
    push app test/app
    export REG REG_PID BB=$REG/test/busybox APP=$REG/test/app
    "$CR" --storage "$FIX/store" pull -q "$BB" >/dev/null
    "$CR" --storage "$FIX/store" pull -q "$APP" >/dev/null
    export NETNS=cr-img-$$-${BATS_TEST_FILENAME##*/}
    NETNS=${NETNS%.bats}
    ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
}

img_teardown_file() {
    reg_teardown_file
    [[ -n ${NETNS:-} ]] && ip netns del "$NETNS" 2>/dev/null
    return 0
}

img_setup() {
    STORE=$BATS_TEST_TMPDIR/store
    CR_ROOT=$BATS_TEST_TMPDIR/state
    cp -a "$FIX/store" "$STORE"
    export HOME=$BATS_TEST_TMPDIR/home
    mkdir -p "$HOME"
    N=t$BATS_SUITE_TEST_NUMBER
}

# in_ns CMD... : a command in $NETNS (nsenter, not `ip netns exec`, which
# mounts a bare /sys without the cgroup hierarchies)
in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
# cri ARGS... : cr with this test's state root and store, in $NETNS
cri() { in_ns "$CR" --root "$CR_ROOT" --storage "$STORE" "$@" 3>&-; }
# crpty CMDLINE: cr's command line (without "cr") on a fresh pty, in $NETNS
crpty() {
    timeout -k 5 60 script -qec "nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE $1" /dev/null 3>&-
}
# cri_t SECONDS ARGS... : cri that is killed after SECONDS
cri_t() { local t=$1; shift; timeout "$t" nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" "$@" 3>&-; }

# leftovers NAME [ID] : prints what is left of container NAME anywhere
# (its cgroup is named by ID)
leftovers() {
    local n=$1
    [[ -e $STORE/containers/$n ]] && echo "dir $STORE/containers/$n"
    [[ -e $CR_ROOT/$n ]] && echo "state $CR_ROOT/$n"
    find /sys/fs/cgroup -maxdepth 4 -type d \( -path "*/cr/$n" -o -path "*/cr/${2:-$n}" \) 2>/dev/null | sed 's/^/cgroup /'
    grep -F "$STORE/containers/$n" /proc/self/mountinfo | sed 's/^/mount /'
    [[ -f $CR_ROOT/@net/leases.json ]] && grep -F "\"$n\"" "$CR_ROOT/@net/leases.json" | sed 's/^/lease /'
    return 0
}

img_teardown() {
    local n
    for n in $(ls "$STORE/containers" 2>/dev/null); do cri rm -f "$n" >/dev/null 2>&1; done
    for n in $(ls "$CR_ROOT" 2>/dev/null); do "$CR" --root "$CR_ROOT" delete -f "$n" >/dev/null 2>&1; done
    reg_teardown
}

