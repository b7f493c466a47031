# tests/bench/packages.sh - sourced by the bench scripts: the Debian packages
# a benchmark needs, installed when missing.

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
