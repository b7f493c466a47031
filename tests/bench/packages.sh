# tests/bench/packages.sh - sourced first by the bench scripts: their shell
# settings, the Debian packages a benchmark needs (installed when missing),
# the re-run in a private mount namespace, and helpers they share.

# What every bench script runs with: errexit, nounset, pipefail, the C
# locale, and CR (default: out/cr under the current directory).
set -euo pipefail
export LC_ALL=C
CR=${CR:-$PWD/out/cr}

# bench_need_packages PACKAGE:PATH... : apt-get install every PACKAGE whose
# PATH is not executable, and busybox-static unless that very package is
# installed (the dynamic busybox also provides /bin/busybox). With
# CR_NO_APT=1 a missing package is an error instead (the caller's die).
bench_need_packages() {
    local pc need=()
    for pc; do
        [[ -x ${pc#*:} ]] || need+=("${pc%%:*}")
    done
    dpkg-query -W -f='${db:Status-Abbrev}' busybox-static 2>/dev/null | grep -q '^ii' || need+=(busybox-static)
    ((${#need[@]})) || return 0
    [[ ${CR_NO_APT:-0} != 1 ]] || die "missing packages: ${need[*]} (CR_NO_APT=1)"
    printf '==> installing %s\n' "${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get -q update </dev/null >&2
    DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${need[@]}" </dev/null >&2
}

# bench_enter PACKAGE:PATH... -- ARGS... : on the first run (no
# CR_BENCH_INNER) checks root and $CR, installs the missing packages and runs
# the calling script again with ARGS in a private mount namespace
# (CR_BENCH_INNER=1, $CR absolute); in there it returns.
bench_enter() {
    local pkgs=()
    while (($#)) && [[ $1 != -- ]]; do pkgs+=("$1"); shift; done
    shift
    [[ -z ${CR_BENCH_INNER:-} ]] || return 0
    [[ $EUID -eq 0 ]] || die "must run as root"
    [[ -x $CR ]] || die "no cr binary at $CR (run ./build.sh first)"
    bench_need_packages "${pkgs[@]}"
    CR_BENCH_INNER=1 CR=$(readlink -f "$CR") exec unshare -m --propagation private bash "${BASH_SOURCE[1]}" "$@"
}

# bench_positive NAME VALUE: dies unless VALUE (of the variable NAME) is a
# positive integer.
bench_positive() {
    [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, got '$2'"
}

# bench_umount_under DIR: unmounts what is mounted under DIR, deepest first
# (what podman's overlay driver or a container left behind).
bench_umount_under() {
    local m
    while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
        awk -v d="$1" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# bench_registry_start NAME ADDR_VAR PID_VAR: a docker-registry on a free
# port of 127.0.0.1 (config $TMP/NAME.yml, blobs in $TMP/NAME, log
# $TMP/NAME.log); ADDR_VAR gets host:port and PID_VAR its pid (set before
# it is waited for, so that cleanup stops it); dies when it does not answer.
bench_registry_start() {
    local name=$1 addr port i
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    addr=127.0.0.1:$port
    printf -v "$2" %s "$addr"
    cat >"$TMP/$name.yml" <<CONF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: "$TMP/$name"}, redirect: {disable: true}}
http: {addr: "$addr", secret: cr-bench}
CONF
    docker-registry serve "$TMP/$name.yml" </dev/null >"$TMP/$name.log" 2>&1 &
    printf -v "$3" %s "$!"
    for ((i = 0; i < 150; i++)); do
        curl -s -o /dev/null --max-time 2 "http://$addr/v2/" && return 0
        sleep 0.1
    done
    cat "$TMP/$name.log" >&2
    die "the registry $name did not start"
}

# bench_cleanup_on_exit FN: when the script ends (INT and TERM: with 130)
# FN runs without errexit, then what is mounted under $TMP is unmounted and
# $TMP removed; the script's exit status stays.
bench_cleanup_on_exit() {
    BENCH_CLEANUP=$1
    trap bench__cleanup EXIT
    trap 'exit 130' INT TERM
}
bench__cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    "$BENCH_CLEANUP"
    bench_umount_under "$TMP/"
    rm -rf "$TMP"
    exit "$rc"
}

# bench_busybox_rootfs DIR [APPLET...]: a busybox-static root file system in
# DIR (bin etc tmp proc sys dev root; /etc/passwd and /etc/group with root),
# with /bin links for the APPLETs, or for every applet when none is named.
bench_busybox_rootfs() {
    local r=$1 a
    shift
    mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
    cp /bin/busybox "$r/bin/busybox"
    (($#)) || set -- $("$r/bin/busybox" --list)
    for a; do [[ $a == busybox ]] || ln -s busybox "$r/bin/$a"; done
    echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
    echo "root:x:0:" >"$r/etc/group"
}

# bench_now: REPLY gets the time in microseconds.
bench_now() { REPLY=${EPOCHREALTIME/[.,]/}; }

# bench_mean FILE: the mean of FILE's lines (microseconds) in ms, 2 decimals.
bench_mean() { awk '{s+=$1} END {printf "%.2f", s/NR/1000}' "$1"; }

# bench_ratio A B: A/B with 3 decimals.
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }
