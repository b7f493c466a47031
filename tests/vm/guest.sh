#!/bin/sh
# guest.sh MODE — the VM tests' guest side, run by busybox sh as the child
# of PID 1 (cr's init applet) on an initramfs root with only cgroup2.
#   v2      cr from the initramfs root (an image and a bundle; pivot_root is
#           impossible there), then every cgroup v2 resource for real
#   lowmem  pull a 100+ MiB image from an oci-archive on /dev/vda and run
#           it, printing cr's peak RSS of each
# Prints "ok - NAME" or "not ok - NAME: why" per test, with "# NAME: ..."
# lines of diagnostics, then "# guest done" and powers off.
export PATH=/bin HOME=/
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for m in $(cat /lib/modules/load 2>/dev/null); do insmod "/lib/modules/$m" || echo "# insmod $m failed"; done

run_test() { # NAME: runs t_NAME, its output kept for diagnostics
    if "t_$1" >"/tmp/$1.out" 2>&1; then
        echo "ok - $1"
        grep '^# ' "/tmp/$1.out"   # the numbers it measured
    else
        echo "not ok - $1: $(tail -1 "/tmp/$1.out")"
        sed "s/^/# $1: /" "/tmp/$1.out"
    fi
}

say() { echo "$*"; }
fail() { echo "$*"; return 1; }
has() { grep -q -- "$2" "$1" || fail "$1 lacks \"$2\": $(head -c 300 "$1")"; }
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
init_pid() { cr state "$1" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p'; }

# The virtio disk's numbers go into the bundles that name it.
disk_numbers() {
    local mm
    mm=$(cat /sys/block/vda/dev) || return 1
    sed -i "s/\"major\": *9999/\"major\": ${mm%:*}/; s/\"minor\": *9999/\"minor\": ${mm#*:}/" \
        /bundles/*/config.json
}

# ------------------------------------------------------------ initramfs

t_initramfs_root() {
    t=$(stat -f -c %T /)
    [ "$t" = tmpfs ] || [ "$t" = ramfs ] || fail "/ is $t, not the initramfs"
    [ ! -e /etc/passwd ] && [ ! -e /run ] || fail "the host has /etc/passwd or /run"
    [ "$(cat /proc/1/comm)" = init ] || fail "PID 1 is $(cat /proc/1/comm)"
    [ "$(readlink /proc/1/exe)" = /bin/cr ] || fail "PID 1 is $(readlink /proc/1/exe), not cr"
}

t_image_run() {
    cr pull -q oci-archive:/images/busybox.tar:latest || fail "pull failed"
    cr --debug run --rm --network none localhost/busybox:latest echo hello-image >/tmp/img 2>/tmp/img.err
    cat /tmp/img.err
    has /tmp/img hello-image
    has /tmp/img.err "chroot"
}

t_bundle_run() {
    cd /bundles/hello && cr run hello >/tmp/hello 2>&1; st=$?
    cd /
    [ $st -eq 0 ] || fail "exit $st: $(cat /tmp/hello)"
    has /tmp/hello hello-bundle
}

# ------------------------------------------------------------ cgroup v2

# start_sleeper: the sleeper bundle, detached; $SLEEPER_PID, $SLEEPER_CG
start_sleeper() {
    cd /bundles/sleeper && cr run -d sleeper >/tmp/sleeper.out 2>&1 || { cd /; cat /tmp/sleeper.out; return 1; }
    cd /
    SLEEPER_PID=$(init_pid sleeper)
    SLEEPER_CG=/sys/fs/cgroup$(cg_of "$SLEEPER_PID")
}

t_v2_placement() {
    [ "$(cut -d: -f1 /proc/self/cgroup | sort -u)" = 0 ] || fail "not a pure v2 host: $(cat /proc/self/cgroup)"
    start_sleeper || return 1
    [ "$SLEEPER_CG" != /sys/fs/cgroup/ ] || fail "the init is in the root cgroup"
    grep -qx "$SLEEPER_PID" "$SLEEPER_CG/cgroup.procs" || fail "$SLEEPER_PID not in $SLEEPER_CG"
}

t_v2_limits() {
    [ -n "$SLEEPER_CG" ] || start_sleeper || return 1
    for f in "memory.max 33554432" "pids.max 20" "cpu.max 50000 100000" "hugetlb.2MB.max 4194304"; do
        [ "$(cat "$SLEEPER_CG/${f%% *}")" = "${f#* }" ] || fail "${f%% *} is $(cat "$SLEEPER_CG/${f%% *}"), want ${f#* }"
    done
    grep -q "rbps=1048576" "$SLEEPER_CG/io.max" || fail "io.max: $(cat "$SLEEPER_CG/io.max")"
}

t_v2_update() {
    cr update --memory 48M --pids-limit 30 sleeper || return 1
    [ "$(cat "$SLEEPER_CG/memory.max")" = 50331648 ] || fail "memory.max $(cat "$SLEEPER_CG/memory.max")"
    [ "$(cat "$SLEEPER_CG/pids.max")" = 30 ] || fail "pids.max $(cat "$SLEEPER_CG/pids.max")"
}

t_v2_stats() {
    cr events --stats sleeper >/tmp/stats || return 1
    has /tmp/stats '"memory"'
    has /tmp/stats '"pids":{"current":'
}

t_v2_freeze() {
    cr pause sleeper || return 1
    has "$SLEEPER_CG/cgroup.events" "frozen 1"
    cr state sleeper | grep -q '"paused"' || fail "state is not paused"
    cr resume sleeper || return 1
    has "$SLEEPER_CG/cgroup.events" "frozen 0"
}

t_v2_kill_on_delete() {
    cr exec -d sleeper sleep 999 || return 1
    cr delete --force sleeper || return 1
    [ ! -d "$SLEEPER_CG" ] || fail "$SLEEPER_CG is still there"
    ! kill -0 "$SLEEPER_PID" 2>/dev/null || fail "the init $SLEEPER_PID lives"
    ! pgrep -f "sleep 999" || fail "the exec'd sleep lives"
}

t_v2_oom() {
    cd /bundles/oom && cr create oom >/tmp/oom.create 2>&1 || { cd /; cat /tmp/oom.create; return 1; }
    cd /
    cr events oom >/tmp/oom.events &
    ev=$!
    cr start oom
    i=0
    while [ "$(cr state oom | grep -c '"stopped"')" = 0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    wait $ev
    cr delete oom
    has /tmp/oom.events '"type":"oom"'
}

t_v2_pids_limit() {
    cd /bundles/forks && cr run forks >/tmp/forks 2>&1
    cd /
    has /tmp/forks "can't fork"
}

t_v2_device_filter() {
    cd /bundles/devallow && cr run devallow >/tmp/devallow 2>&1
    cd /bundles/devdeny && cr run devdeny >/tmp/devdeny 2>&1
    cd /
    has /tmp/devallow READ
    has /tmp/devdeny DENIED
}

# ------------------------------------------------------------ bench

# ms: milliseconds since boot
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

bench_runs() { # RUNTIME N: N runs of the true bundle (--no-pivot: crun cannot pivot here), ms per run
    local rt=$1 n=$2 i=0 t0
    cd /bundles/true
    t0=$(ms)
    while [ $i -lt "$n" ]; do
        "$rt" run --no-pivot "t$i" >/dev/null 2>&1 || echo "# bench: $rt run failed: $("$rt" run --no-pivot "t$i" 2>&1)" >&2
        "$rt" delete "t$i" >/dev/null 2>&1
        i=$((i + 1))
    done
    cd /
    echo $(( ($(ms) - t0) / n ))
}

bench_v2() {
    [ -x /bin/crun ] || { echo "# bench: no crun in this initramfs"; return 0; }
    crun --version >/dev/null || { echo "# bench: crun does not run here"; return 0; }
    cr_ms=$(bench_runs cr 10)
    crun_ms=$(bench_runs crun 10)
    echo "# bench: v2 guest run of /bin/true: cr ${cr_ms} ms, crun ${crun_ms} ms"
}

# ------------------------------------------------------------ low memory

# cr_rss: KiB resident in all cr processes but PID 1 (a pull unpacks in
# children, a run has its monitor and init)
cr_rss() {
    for d in /proc/[0-9]*; do
        [ "${d#/proc/}" = 1 ] && continue
        case $(readlink "$d/exe" 2>/dev/null) in / | /bin/cr | /memfd:cr*) cat "$d/status" 2>/dev/null ;; esac
    done | awk '/^VmRSS:/ { kb += $2 } END { print kb + 0 }'
}

# peak_rss CMD...: runs CMD, sampling cr_rss until it exits: PEAK_KB, PEAK_STATUS
peak_rss() {
    "$@" >/tmp/peak.out 2>&1 &
    p=$! PEAK_KB=0
    while kill -0 $p 2>/dev/null; do
        kb=$(cr_rss)
        [ "$kb" -gt "$PEAK_KB" ] && PEAK_KB=$kb
        sleep 0.05
    done
    wait $p
    PEAK_STATUS=$?
}

t_lowmem_pull() {
    mount /dev/vda /mnt || return 1
    echo "# memory: $(grep MemTotal /proc/meminfo)"
    peak_rss cr --storage /mnt/store pull oci-archive:/mnt/big.tar:latest
    cat /tmp/peak.out
    echo "# lowmem: pull peak RSS ${PEAK_KB} KiB"
    [ $PEAK_STATUS -eq 0 ]
}

t_lowmem_run() {
    peak_rss cr --storage /mnt/store run --rm --network none localhost/big:latest wc -c /data/big
    cat /tmp/peak.out
    echo "# lowmem: run peak RSS ${PEAK_KB} KiB"
    [ $PEAK_STATUS -eq 0 ] || return 1
    has /tmp/peak.out "$(cat /mnt/big.size) /data/big"
}

case $1 in
v2)
    disk_numbers
    for t in initramfs_root image_run bundle_run v2_placement v2_limits v2_update v2_stats v2_freeze \
        v2_kill_on_delete v2_oom v2_pids_limit v2_device_filter; do
        run_test $t
    done
    bench_v2
    ;;
lowmem)
    run_test lowmem_pull
    run_test lowmem_run
    umount /mnt
    ;;
esac
echo "# guest done"
poweroff -f
