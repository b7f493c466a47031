#!/usr/bin/env bash
# build.sh - the one entry point for cr.
#
#   ./build.sh                      deps + vendor libs + out/cr + out/bin/<applet> links
#   ./build.sh test [SUITE [FILTER]]
#                                   build, then run tests; SUITE is unit, integration,
#                                   clients or vm (default: all; vm boots Debian's kernel
#                                   in qemu: initramfs, pure cgroup v2, low memory). FILTER picks unit tests
#                                   by file name, bats files by file name, or else is
#                                   passed to bats --filter (a regex on test names).
#                                   Ends with one line: N passed, N failed[, N skipped]
#   ./build.sh check                cr.h against its own map (tests/check.py): TOC and
#                                   banners agree, no call into a later section, public
#                                   prefixes, allocation through CR_MALLOC, functions
#                                   of at most 100 lines. Also the first test of `test`.
#   ./build.sh bench [ARGS...]      build, then tests/bench/run.sh ARGS
#   ./build.sh fuzz [TARGET] [SECONDS]
#                                   build + run tests/fuzz/fuzz_*.c (or one TARGET)
#                                   with libFuzzer for SECONDS each (default 60)
#   ./build.sh deps | vendor | cr   just that step (cr = compile + link applets)
#   ./build.sh clean [--cache]      remove out/ (and every built vendor prefix in the cache)
#
# Environment:
#   CR_CACHE        cache root for vendor libs (default ${XDG_CACHE_HOME:-$HOME/.cache}/cr)
#   CR_APT_SOURCES  apt sources file for fetching the pinned source packages
#   CR_VENDOR_SRC   directory holding the pinned source files (no download)
#   CR_NO_APT=1     never call apt-get; fail if a package is missing
#   CR_CFLAGS       extra flags for compiling cr (e.g. -g, -DCR_NO_SECCOMP)
#   CR_MUSL_CC      musl compiler driver (default musl-gcc)
#   CR_TEST_TIMEOUT default per-program timeout for unit tests, seconds (default 300)
#
# Unit tests: tests/unit/*.c, compiled with `cc -O1 -g -Wall -I.` (glibc) and run;
# each prints TAP. An optional first line adds flags:
#   // cr-test: cflags=-DFOO -DBAR libs=-lseccomp -lz timeout=60
# The same first line is honoured by tests/fuzz/fuzz_*.c.
# Packages for a suite: the *_DEPS arrays below, plus tests/<suite>/packages.txt
# (one Debian package a line, # comments) when present.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"
OUT=$ROOT/out
MUSL_CC=${CR_MUSL_CC:-musl-gcc}
export CR_MUSL_CC=$MUSL_CC
MAX_SIZE=$((1024 * 1024))
NPROC=$(nproc 2>/dev/null || echo 2)

# Debian packages. Extend these lists as the project grows.
BUILD_DEPS=(musl-tools musl-dev gperf make gcc libc6-dev dpkg-dev linux-libc-dev
    tar gzip xz-utils bzip2 coreutils util-linux)
TEST_DEPS=(bats busybox-static jq iproute2 procps util-linux uidmap
    libseccomp-dev libzstd-dev zlib1g-dev libbearssl-dev)
CLIENT_TEST_DEPS=() # e.g. docker.io podman containerd skopeo docker-registry openssl
FUZZ_DEPS=(clang libclang-rt-dev)
CHECK_DEPS=(python3)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- deps
missing_pkgs() { # PKG... -> prints the ones not installed
    local st p
    st=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
    for p; do
        grep -q "^${p%%:*} ii" <<<"$st" || echo "$p"
    done
}

APT_UPDATED=0
ensure_pkgs() { # WHAT PKG...
    local what=$1 sudo=() miss
    shift
    (($#)) || return 0
    command -v dpkg-query >/dev/null || { log "no dpkg-query: not checking $what packages"; return 0; }
    mapfile -t miss < <(missing_pkgs "$@")
    ((${#miss[@]})) || return 0
    [[ ${CR_NO_APT:-0} != 1 ]] || die "missing $what packages: ${miss[*]} (CR_NO_APT=1)"
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || die "missing $what packages: ${miss[*]} (run as root or install them)"
        sudo=(sudo)
    fi
    log "installing $what packages: ${miss[*]}"
    if ((!APT_UPDATED)); then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update </dev/null >&2
        APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y \
        --no-install-recommends "${miss[@]}" </dev/null >&2
}

suite_pkgs() { # DIR -> packages listed in DIR/packages.txt
    [[ -f $1/packages.txt ]] || return 0
    sed -e 's/#.*//' "$1/packages.txt" | tr -s ' \t' '\n\n' | sed '/^$/d'
}

cmd_deps() { ensure_pkgs build "${BUILD_DEPS[@]}"; }

# ---------------------------------------------------------------- vendor
VENDOR=
cmd_vendor() {
    VENDOR=$("$ROOT/vendor/build-vendor.sh")
    [[ -d $VENDOR ]] || die "vendor build did not produce a prefix"
}

# ---------------------------------------------------------------- cr
# compile_cr OUTFILE [FLAGS...]: the static multicall binary; FLAGS go to
# multicall/cr.c only (the file that holds cr.h's implementation).
compile_cr() {
    local out=$1 applets=() extra=() flags=(-static -Os -Wall -Wextra -Wno-format-truncation
        -fno-asynchronous-unwind-tables -fno-unwind-tables
        -ffunction-sections -fdata-sections -I"$ROOT" -I"$VENDOR/include" -isystem "$VENDOR/kernel-include")
    shift
    shopt -s nullglob
    applets=(applets/*.c)
    shopt -u nullglob
    read -ra extra <<<"${CR_CFLAGS:-}"
    mkdir -p "${out%/*}"
    "$MUSL_CC" "${flags[@]}" "${extra[@]}" "$@" -c multicall/cr.c -o "$out.cr.o" &&
        "$MUSL_CC" "${flags[@]}" "${extra[@]}" "$out.cr.o" multicall/main.c "${applets[@]}" \
            -L"$VENDOR/lib" -lseccomp -lbearssl -lzstd -lz -Wl,--gc-sections -s \
            -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,--build-id=none -Wl,--no-eh-frame-hdr -o "$out.tmp"
    local st=$?
    rm -f "$out.cr.o"
    ((st == 0)) || return $st
    mv -f "$out.tmp" "$out"
}

cmd_cr() {
    [[ -n $VENDOR ]] || cmd_vendor
    [[ -f multicall/main.c ]] || die "multicall/main.c not found"
    local size
    log "compiling out/cr"
    compile_cr "$OUT/cr" || die "compiling out/cr failed"
    size=$(stat -c %s "$OUT/cr")
    printf 'out/cr: %d bytes (%d KiB)\n' "$size" $(((size + 1023) / 1024))
    ((size < MAX_SIZE)) || die "out/cr is $size bytes: the limit is < $MAX_SIZE (1 MiB)"
    link_applets
}

link_applets() {
    local names name n=0
    names=$("$OUT/cr" --list </dev/null) || die "'out/cr --list' failed (it must print one applet name per line)"
    rm -rf "$OUT/bin"
    mkdir -p "$OUT/bin"
    while IFS= read -r name; do
        [[ -n $name ]] || continue
        [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] || die "bad applet name from 'cr --list': '$name'"
        ln -s ../cr "$OUT/bin/$name"
        n=$((n + 1))
    done <<<"$names"
    ((n)) || log "warning: 'out/cr --list' printed no applet names"
    printf 'out/bin: %d applet links\n' "$n"
}

cmd_build() {
    cmd_deps
    cmd_vendor
    cmd_cr
}

# ---------------------------------------------------------------- TAP accounting
PASSED=0 FAILED=0 SKIPPED=0
FAILURES=()

fail_extra() { # NAME REASON : a failure that is not a TAP line
    FAILED=$((FAILED + 1))
    FAILURES+=("$1: $2")
    printf 'not ok - %s: %s\n' "$1" "$2"
}

# account NAME TAPFILE STATUS: counts TAP lines of one program / bats run.
account() {
    local name=$1 file=$2 st=$3 line lc ok=0 nok=0 sk=0 plan= ran
    while IFS= read -r line || [[ -n $line ]]; do
        lc=${line,,}
        case $line in
        "ok" | "ok "*)
            if [[ $lc =~ \#[[:space:]]*skip ]]; then sk=$((sk + 1)); else ok=$((ok + 1)); fi ;;
        "not ok" | "not ok "*)
            if [[ $lc =~ \#[[:space:]]*(todo|skip) ]]; then
                sk=$((sk + 1))
            else
                nok=$((nok + 1))
                FAILURES+=("$name: $line")
            fi ;;
        1..*)
            [[ $line =~ ^1\.\.([0-9]+) ]] && plan=${BASH_REMATCH[1]} ;;
        esac
    done <"$file"
    PASSED=$((PASSED + ok)) FAILED=$((FAILED + nok)) SKIPPED=$((SKIPPED + sk))
    ran=$((ok + nok + sk))
    local why=()
    if [[ $plan == 0 && $ran == 0 ]]; then
        SKIPPED=$((SKIPPED + 1)) # "1..0 # skip": the whole program skipped
    elif [[ -n $plan && $plan != "$ran" ]]; then
        why+=("planned $plan tests but ran $ran")
    elif [[ -z $plan && $ran == 0 && $st == 0 ]]; then
        why+=("printed no TAP results")
    fi
    if [[ $st != 0 ]] && ((nok == 0 || ${#why[@]})); then
        if [[ $st == 124 || $st == 137 ]]; then
            why+=("timed out or killed (status $st)")
        elif ((st > 128)); then
            why+=("crashed (signal $((st - 128)))")
        else
            why+=("exited with status $st")
        fi
    fi
    if ((${#why[@]})); then
        fail_extra "$name" "$(printf '%s; ' "${why[@]}" | sed 's/; $//')"
    fi
}

# parse_header FILE: sets HDR_CFLAGS HDR_LIBS HDR_TIMEOUT from a first line
#   // cr-test: cflags=... libs=... timeout=N
# Every test program links what cr.h may need (unused ones are dropped).
CR_LIBS=(-Wl,--as-needed -lseccomp -lbearssl -lzstd -lz -lm)
HDR_CFLAGS=() HDR_LIBS=() HDR_TIMEOUT=
parse_header() {
    local first spec key= w words=()
    HDR_CFLAGS=() HDR_LIBS=() HDR_TIMEOUT=
    IFS= read -r first <"$1" || true
    [[ $first =~ ^[[:space:]]*(//|/\*)[[:space:]]*cr-test:(.*)$ ]] || return 0
    spec=${BASH_REMATCH[2]}
    spec=${spec%\*/*}
    read -ra words <<<"$spec"
    for w in "${words[@]}"; do
        case $w in cflags=* | libs=* | timeout=*) key=${w%%=*} w=${w#*=} ;; esac
        [[ -n $w ]] || continue
        case $key in
        cflags) HDR_CFLAGS+=("$w") ;;
        libs) HDR_LIBS+=("$w") ;;
        timeout) HDR_TIMEOUT=$w ;;
        *) log "warning: $1: ignoring '$w' in cr-test line" ;;
        esac
    done
}

# ---------------------------------------------------------------- unit tests
run_unit() {
    local filter=${1:-} f name files=() dir=$OUT/tests/unit st to
    shopt -s nullglob
    for f in tests/unit/*.c; do
        name=${f##*/}
        name=${name%.c}
        [[ -z $filter || $name == *"$filter"* ]] && files+=("$f")
    done
    shopt -u nullglob
    ((${#files[@]})) || { echo "# unit: no tests${filter:+ matching '$filter'}"; return 0; }
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "# unit: compiling ${#files[@]} test program(s)"
    local running=0
    for f in "${files[@]}"; do
        name=${f##*/}
        name=${name%.c}
        parse_header "$f"
        (
            st=0
            cc -O1 -g -Wall -I"$ROOT" "${HDR_CFLAGS[@]}" -o "$dir/$name" "$f" "${HDR_LIBS[@]}" "${CR_LIBS[@]}" \
                >"$dir/$name.cc.log" 2>&1 || st=$?
            echo "$st" >"$dir/$name.cc.status"
        ) &
        running=$((running + 1))
        if ((running >= NPROC)); then
            wait -n || true
            running=$((running - 1))
        fi
    done
    wait
    for f in "${files[@]}"; do
        name=${f##*/}
        name=${name%.c}
        echo "# --- unit/$name"
        if [[ $(cat "$dir/$name.cc.status" 2>/dev/null || echo 1) != 0 ]]; then
            sed 's/^/# /' "$dir/$name.cc.log"
            fail_extra "unit/$name" "compile failed"
            continue
        fi
        [[ -s $dir/$name.cc.log ]] && sed 's/^/# cc: /' "$dir/$name.cc.log"
        parse_header "$f"
        run_unit_program "$dir/$name"
    done
}

# run_unit_program BIN: runs a built unit test (HDR_TIMEOUT from its header)
# and counts its TAP as unit/<name>.
run_unit_program() {
    local bin=$1 name=${1##*/} to=${HDR_TIMEOUT:-${CR_TEST_TIMEOUT:-300}} st=0
    # (the group's 2>/dev/null only silences bash's own "Aborted" notice)
    { timeout -k 10 "$to" "$bin" >"$bin.tap" 2>"$bin.err" </dev/null || st=$?; } 2>/dev/null
    cat "$bin.tap"
    [[ -s $bin.err ]] && sed 's/^/# stderr: /' "$bin.err"
    account "unit/$name" "$bin.tap" "$st"
}

# ---------------------------------------------------------------- compile matrix
# cr.h in the configurations its doc block promises, each built and run:
#   unit/<test>@static   the unit tests below with CR_STATIC (every function static)
#   unit/embed@libc      embed.c (bundles through the public API) with CR_STATIC and
#                        CR_NO_SECCOMP, linked with libc alone
#   fuzz/<target>        each tests/fuzz target compiles (-Wall -Werror)
#   out/matrix/cr-counted  out/cr with a counting CR_MALLOC (tests/compile/alloc_count.h);
#                        tests/integration/alloc.bats pulls and runs an image with it
MATRIX_STATIC=(json_test spec_test state_test path_test resources_test)
run_matrix() {
    local dir=$OUT/matrix name f
    mkdir -p "$dir"
    echo "# --- compile matrix"
    for name in "${MATRIX_STATIC[@]}" embed; do
        f=tests/unit/$name.c
        [[ -f $f ]] || { fail_extra "matrix/$name" "$f is missing"; continue; }
        parse_header "$f"
        if [[ $name == embed ]]; then
            name=embed@libc
            cc -O1 -g -Wall -Werror -I"$ROOT" -DCR_STATIC -DCR_NO_SECCOMP -o "$dir/$name" "$f" >"$dir/$name.cc.log" 2>&1
        else
            name=$name@static
            cc -O1 -g -Wall -Werror -I"$ROOT" -DCR_STATIC "${HDR_CFLAGS[@]}" -o "$dir/$name" "$f" "${HDR_LIBS[@]}" "${CR_LIBS[@]}" \
                >"$dir/$name.cc.log" 2>&1
        fi || { sed 's/^/# /' "$dir/$name.cc.log"; fail_extra "unit/$name" "compile failed"; continue; }
        run_unit_program "$dir/$name"
    done
    run_fuzz_compile
}

# every libFuzzer target still compiles against today's cr.h (`fuzz` is not
# part of `test`; a target that rots would go unseen until someone fuzzes)
run_fuzz_compile() {
    local f name log=$OUT/matrix/fuzz.cc.log
    for f in tests/fuzz/fuzz_*.c; do
        name=${f##*/}
        name=${name%.c}
        parse_header "$f"
        if cc -fsyntax-only -Wall -Werror -I"$ROOT" "${HDR_CFLAGS[@]}" "$f" >"$log" 2>&1; then
            PASSED=$((PASSED + 1))
            echo "ok - fuzz/$name compiles"
        else
            sed 's/^/# /' "$log"
            fail_extra "fuzz/$name" "compile failed"
        fi
    done
}

# out/matrix/cr-counted for alloc.bats (a failed build fails that file's tests)
build_counted() {
    mkdir -p "$OUT/matrix"
    export CR_COUNTED=$OUT/matrix/cr-counted
    compile_cr "$CR_COUNTED" -include tests/compile/alloc_count.h >"$CR_COUNTED.log" 2>&1 ||
        { sed 's/^/# /' "$CR_COUNTED.log"; rm -f "$CR_COUNTED"; }
}

# ---------------------------------------------------------------- bats suites
# host_net : the host's links a runtime makes (bridges, veths) and its nft
# tables; tests make theirs in network namespaces of their own
host_net() {
    ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^(cr|br-|veth|docker|cni|podman)' | sort
    nft list tables 2>/dev/null | sort
}

run_bats() { # SUITE FILTER
    local suite=$1 filter=${2:-} dir=tests/$1 f files=() args=() st tap net
    shopt -s nullglob
    files=("$dir"/*.bats)
    shopt -u nullglob
    ((${#files[@]})) || { echo "# $suite: no .bats files in $dir"; return 0; }
    if [[ -n $filter ]]; then
        local matched=()
        for f in "${files[@]}"; do
            [[ ${f##*/} == *"$filter"* ]] && matched+=("$f")
        done
        if ((${#matched[@]})); then
            files=("${matched[@]}")
        else
            args=(--filter "$filter")
        fi
        echo "# --- $suite: bats --tap ${args[*]} ${files[*]}"
    else
        files=("$dir")
        echo "# --- $suite: bats --tap $dir"
    fi
    mkdir -p "$OUT/tests"
    tap=$OUT/tests/$suite.tap
    st=0
    net=$(host_net)
    bats --tap "${args[@]}" "${files[@]}" </dev/null 2>&1 | tee "$tap" || st=${PIPESTATUS[0]}
    account "$suite" "$tap" "$st"
    net=$(comm -13 <(echo "$net") <(host_net) | xargs)
    [[ -z $net ]] || fail_extra "$suite" "left in the host's network namespace: $net"
    # a bats warning (BW01: a `run` exited 127 unasked) is a test that does not say what it means
    grep -q '^BW[0-9]' "$tap" && fail_extra "$suite" "bats warnings: $(grep '^BW[0-9]' "$tap" | cut -c1-5 | sort | uniq -c | xargs)"
    return 0
}

cmd_test() {
    local suite=${1:-all} filter=${2:-}
    case $suite in all | unit | integration | clients | vm) ;; *) die "unknown test suite '$suite' (unit, integration, clients, vm)" ;; esac
    cmd_build
    local pkgs=("${TEST_DEPS[@]}")
    mapfile -t -O "${#pkgs[@]}" pkgs < <(suite_pkgs tests/unit; suite_pkgs tests/integration)
    if [[ $suite == all || $suite == clients ]] && [[ -d tests/clients ]]; then
        pkgs+=("${CLIENT_TEST_DEPS[@]}")
        mapfile -t -O "${#pkgs[@]}" pkgs < <(suite_pkgs tests/clients)
    fi
    [[ $suite == all || $suite == vm ]] && mapfile -t -O "${#pkgs[@]}" pkgs < <(suite_pkgs tests/vm)
    ensure_pkgs test "${pkgs[@]}"

    export CR=$OUT/cr
    export PATH=$PATH:$OUT/bin   # after the system: applets such as rm, kill and ps must not shadow its commands
    [[ $suite == all ]] && run_check
    [[ $suite == all || $suite == unit ]] && run_unit "$filter"
    [[ $suite == all || ($suite == unit && -z $filter) ]] && run_matrix
    [[ $suite == all || $suite == integration ]] && [[ -d tests/integration ]] && build_counted && run_bats integration "$filter"
    [[ $suite == all || $suite == clients ]] && [[ -d tests/clients ]] && run_bats clients "$filter"
    [[ $suite == all || $suite == vm ]] && [[ -d tests/vm ]] && run_bats vm "$filter"

    if ((${#FAILURES[@]})); then
        echo "# failures:"
        printf '#   %s\n' "${FAILURES[@]}"
    fi
    if ((SKIPPED)); then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
    ((FAILED == 0))
}

# ---------------------------------------------------------------- check
cmd_check() {
    command -v python3 >/dev/null || ensure_pkgs check "${CHECK_DEPS[@]}"
    python3 tests/check.py cr.h
}

# check as one test point of `test`
run_check() {
    local log=$OUT/tests/check.log
    mkdir -p "$OUT/tests"
    if cmd_check >"$log" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok - check: cr.h holds to its map"
    else
        sed 's/^/# /' "$log"
        fail_extra check "cr.h does not hold to its map (./build.sh check)"
    fi
}

# ---------------------------------------------------------------- bench
cmd_bench() {
    cmd_build
    [[ -f tests/bench/run.sh ]] || { echo "no tests/bench/run.sh yet: nothing to benchmark"; return 0; }
    export CR=$OUT/cr
    export PATH=$PATH:$OUT/bin   # after the system: applets such as rm, kill and ps must not shadow its commands
    bash tests/bench/run.sh "$@"
}

# ---------------------------------------------------------------- fuzz
cmd_fuzz() {
    local target= secs=60 f name files=() st runs bad=0 seeds dict=()
    if [[ $# -ge 1 && $1 =~ ^[0-9]+$ && $# -eq 1 ]]; then secs=$1; else target=${1:-}; secs=${2:-60}; fi
    [[ $secs =~ ^[0-9]+$ ]] || die "fuzz: SECONDS must be a number, got '$secs'"
    target=${target%.c}
    target=${target#fuzz_}
    ensure_pkgs fuzz "${FUZZ_DEPS[@]}"
    shopt -s nullglob
    for f in tests/fuzz/fuzz_*.c; do
        name=${f##*/}
        name=${name%.c}
        [[ -z $target || $name == "fuzz_$target" ]] && files+=("$f")
    done
    shopt -u nullglob
    ((${#files[@]})) || die "no fuzz targets${target:+ named '$target'} in tests/fuzz (fuzz_*.c)"
    mkdir -p "$OUT/fuzz"
    for f in "${files[@]}"; do
        name=${f##*/}
        name=${name%.c}
        parse_header "$f"
        log "building out/fuzz/$name"
        clang -g -O1 -Wall -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -I"$ROOT" "${HDR_CFLAGS[@]}" -o "$OUT/fuzz/$name" "$f" "${HDR_LIBS[@]}" "${CR_LIBS[@]}"
    done
    for f in "${files[@]}"; do
        name=${f##*/}
        name=${name%.c}
        mkdir -p "$OUT/fuzz/corpus/$name" "$OUT/fuzz/artifacts/$name"
        seeds=()
        [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
        dict=()
        [[ -f tests/fuzz/$name.dict ]] && dict=("-dict=tests/fuzz/$name.dict")
        log "fuzzing $name for ${secs}s (log: out/fuzz/$name.log)"
        st=0
        "$OUT/fuzz/$name" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
            -artifact_prefix="$OUT/fuzz/artifacts/$name/" "${dict[@]}" \
            "$OUT/fuzz/corpus/$name" "${seeds[@]}" >"$OUT/fuzz/$name.log" 2>&1 </dev/null || st=$?
        runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ seconds?(\(s\))?' "$OUT/fuzz/$name.log" | tail -n1 || true)
        if [[ $st == 0 ]]; then
            echo "fuzz $name: ${runs:-done} ($(find "$OUT/fuzz/corpus/$name" -type f | wc -l) corpus files)"
        else
            bad=$((bad + 1))
            tail -n 60 "$OUT/fuzz/$name.log"
            echo "fuzz $name: FAILED (status $st), artifacts in out/fuzz/artifacts/$name/"
        fi
    done
    ((bad == 0)) || die "$bad fuzz target(s) failed"
}

# ---------------------------------------------------------------- clean
cmd_clean() {
    rm -rf "$OUT"
    if [[ ${1:-} == --cache ]]; then
        local p
        p=$("$ROOT/vendor/build-vendor.sh" --prefix)
        rm -rf "${p%/*}"/vendor-*
        echo "removed ${p%/*}/vendor-* (downloads in ${p%/*}/src kept)"
    fi
}

# ---------------------------------------------------------------- main
cmd=${1:-build}
(($#)) && shift
case $cmd in
build) cmd_build ;;
deps) cmd_deps ;;
vendor) cmd_deps; cmd_vendor; echo "$VENDOR" ;;
cr) cmd_vendor; cmd_cr ;;
test) cmd_test "$@" ;;
check) cmd_check ;;
bench) cmd_bench "$@" ;;
fuzz) cmd_fuzz "$@" ;;
clean) cmd_clean "$@" ;;
-h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "unknown command '$cmd' (try ./build.sh help)" ;;
esac
