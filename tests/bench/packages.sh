# tests/bench/packages.sh - sourced by the bench scripts: the Debian packages
# a benchmark needs, installed when missing, and the re-run in a private
# mount namespace.

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
