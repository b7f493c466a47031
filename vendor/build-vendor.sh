#!/usr/bin/env bash
# vendor/build-vendor.sh - fetch, verify and build cr's third-party libraries.
#
# Builds libseccomp, BearSSL, zstd and zlib as static musl libraries from the
# Debian source packages pinned in vendor/pins.txt, into a cache outside the
# tree:
#
#   ${CR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cr}/vendor-<key>/
#       include/          seccomp.h bearssl*.h zstd.h zlib.h ...
#       lib/              libseccomp.a libbearssl.a libzstd.a libz.a
#       kernel-include/   linux/ asm-generic/ asm/  (host kernel UAPI headers,
#                         for musl-gcc: add with -isystem)
#       .complete         written last; a prefix without it is rebuilt
#
# <key> hashes pins.txt, this script, the musl-dev and linux-libc-dev
# versions and the machine type, so it changes whenever the pins or the
# recipe change. A complete prefix is reused as is.
#
# Usage:
#   vendor/build-vendor.sh            ensure the prefix is built; print its path
#                                     on stdout (all logging goes to stderr)
#   vendor/build-vendor.sh --prefix   print the prefix path, build nothing
#   vendor/build-vendor.sh --check    exit 0 if the prefix is complete
#   vendor/build-vendor.sh --fetch    only download + verify the pinned files
#   vendor/build-vendor.sh --repin    print pins.txt lines for the versions the
#                                     apt sources serve now (for updating pins)
#
# Environment:
#   CR_CACHE         cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/cr)
#   CR_APT_SOURCES   apt sources file to use instead of the system's
#                    /etc/apt/sources.list.d/debian.sources (deb822 *.sources
#                    or one-line *.list; its deb entries are turned into
#                    deb-src). Used only through a private apt state dir.
#   CR_VENDOR_SRC    directory that already holds the pinned files (.dsc,
#                    .orig.tar.*, .debian.tar.*); nothing is downloaded, the
#                    files are still checked against pins.txt.
#   CR_MUSL_CC       musl compiler driver (default musl-gcc)
#   CR_VENDOR_KEEP_BUILD=1  keep the build trees (<prefix>/build) for debugging
#
# Trust: every file is copied into a private staging dir, checked against the
# sha256 in pins.txt, and only then extracted. Nothing unverified is built.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PINS=$HERE/pins.txt
MUSL_CC=${CR_MUSL_CC:-musl-gcc}
CACHE=${CR_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cr}
JOBS=$(nproc 2>/dev/null || echo 2)

log() { printf 'vendor: %s\n' "$*" >&2; }
die() { printf 'vendor: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- pins
PIN_NAMES=() # unique source package names, in file order
declare -A PIN_VERSION=() PIN_FILES=() FILE_SHA=() FILE_PKG=()
read_pins() {
    local name version file sha extra
    [[ -r $PINS ]] || die "missing $PINS"
    while read -r name version file sha extra; do
        [[ -z $name || $name == \#* ]] && continue
        [[ -n $sha && -z $extra && $sha =~ ^[0-9a-f]{64}$ ]] ||
            die "bad line in $PINS: $name $version $file $sha $extra"
        [[ $file != */* && $file != .* ]] || die "bad file name in $PINS: $file"
        if [[ -z ${PIN_VERSION[$name]+x} ]]; then
            PIN_NAMES+=("$name")
            PIN_VERSION[$name]=$version
        elif [[ ${PIN_VERSION[$name]} != "$version" ]]; then
            die "$PINS pins two versions of $name"
        fi
        PIN_FILES[$name]+="$file "
        FILE_SHA[$file]=$sha
        FILE_PKG[$file]=$name
    done <"$PINS"
    ((${#PIN_NAMES[@]})) || die "no pins in $PINS"
}

sha_ok() { # FILE SHA
    [[ -f $1 ]] && [[ $(sha256sum <"$1" | cut -d' ' -f1) == "$2" ]]
}

# ---------------------------------------------------------------- cache key
compute_prefix() {
    local key
    key=$({
        cat "$PINS" "$HERE/build-vendor.sh"
        dpkg-query -W -f='${Package} ${Version}\n' musl-dev linux-libc-dev 2>/dev/null || true
        uname -m
    } | sha256sum | cut -c1-16)
    PREFIX=$CACHE/vendor-$key
}

prefix_complete() {
    local f
    [[ -f $PREFIX/.complete ]] || return 1
    for f in lib/libseccomp.a lib/libbearssl.a lib/libzstd.a lib/libz.a \
        include/seccomp.h include/bearssl.h include/zstd.h include/zlib.h \
        kernel-include/linux/seccomp.h kernel-include/asm/unistd.h; do
        [[ -e $PREFIX/$f ]] || return 1
    done
}

# ---------------------------------------------------------------- private apt
# Sets APT_OPTS to an apt configuration that reads a private deb-src sources
# file and keeps lists/cache/state under $CACHE/apt: the host's apt state is
# never written.
APT_OPTS=()
APT_SOURCES_DESC=
setup_private_apt() {
    local apt=$CACHE/apt src out
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/state" "$apt/etc"
    : >"$apt/state/status"
    if [[ -n ${CR_APT_SOURCES:-} ]]; then
        src=$CR_APT_SOURCES
        [[ -r $src ]] || die "CR_APT_SOURCES=$src is not a readable file"
    elif [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
        src=/etc/apt/sources.list.d/debian.sources
    elif [[ -r /etc/apt/sources.list ]]; then
        src=/etc/apt/sources.list
    else
        die "no apt sources found (looked for /etc/apt/sources.list.d/debian.sources, /etc/apt/sources.list); set CR_APT_SOURCES=/path/to/file.sources or CR_VENDOR_SRC=DIR"
    fi
    APT_SOURCES_DESC=$src
    rm -f "$apt/etc/"*
    if [[ $src == *.sources ]] || grep -qiE '^[[:space:]]*(Types|URIs):' "$src"; then
        out=$apt/etc/cr-src.sources
        # deb822: every stanza becomes a deb-src stanza.
        sed -E 's/^([Tt]ypes):.*/Types: deb-src/' "$src" >"$out"
    else
        out=$apt/etc/cr-src.list
        # one-line format: deb / deb-src lines become deb-src lines.
        sed -nE 's/^[[:space:]]*deb(-src)?[[:space:]]+/deb-src /p' "$src" >"$out"
    fi
    [[ -s $out ]] || die "no usable entries in apt sources $src"
    APT_OPTS=(
        -o "Dir::Etc::SourceList=$out"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State=$apt/state"
        -o "Dir::State::Lists=$apt/lists"
        -o "Dir::State::status=$apt/state/status"
        -o "Dir::Cache=$apt/cache"
        -o "APT::Get::List-Cleanup=true"
        -o "Acquire::Languages=none"
    )
    # As root apt drops to the _apt user, which cannot write our cache dir.
    # The downloads are checked against our own pins, so stay root.
    [[ $EUID -eq 0 ]] && APT_OPTS+=(-o "APT::Sandbox::User=root")
    command -v apt-get >/dev/null || die "apt-get not found; use CR_VENDOR_SRC=DIR with the pinned files"
    log "apt-get update (private state in $apt, sources from $src)"
    apt-get "${APT_OPTS[@]}" -q update >&2 </dev/null ||
        die "apt-get update failed for sources $src (set CR_APT_SOURCES=/path/to/file.sources or CR_VENDOR_SRC=DIR)"
}

missing_msg() { # NAME VERSION
    local name=$1 version=$2 f
    {
        echo "vendor: error: source package '$name' version '$version' (pinned in vendor/pins.txt)"
        echo "  is not available from the apt sources in use: $APT_SOURCES_DESC (as deb-src)."
        echo "  Fix it with one of:"
        echo "   - CR_APT_SOURCES=/path/to/file.sources ./build.sh"
        echo "       an apt sources file (deb822 .sources or one-line .list) for an archive"
        echo "       that still serves $name $version, e.g. a Debian snapshot archive;"
        echo "   - CR_VENDOR_SRC=/path/to/dir ./build.sh"
        echo "       a directory already holding these files (checked against the pins):"
        for f in ${PIN_FILES[$name]}; do echo "         $f"; done
        echo "   - or move the pins: vendor/build-vendor.sh --repin > new-pins (review, then"
        echo "       replace the lines in vendor/pins.txt)."
    } >&2
}

# ---------------------------------------------------------------- fetch
tmp= # global so the EXIT trap still sees it
cleanup() { [[ -z $tmp ]] || rm -rf "$tmp"; }
trap cleanup EXIT
# Ensures every pinned file is in $SRCDIR with the right sha256.
fetch_sources() {
    local name f need=()
    if [[ -n ${CR_VENDOR_SRC:-} ]]; then
        SRCDIR=$CR_VENDOR_SRC
        [[ -d $SRCDIR ]] || die "CR_VENDOR_SRC=$SRCDIR is not a directory"
        for f in "${!FILE_SHA[@]}"; do
            [[ -f $SRCDIR/$f ]] || die "CR_VENDOR_SRC: missing $SRCDIR/$f (pinned for ${FILE_PKG[$f]} ${PIN_VERSION[${FILE_PKG[$f]}]})"
            sha_ok "$SRCDIR/$f" "${FILE_SHA[$f]}" || die "CR_VENDOR_SRC: sha256 mismatch for $SRCDIR/$f (expected ${FILE_SHA[$f]})"
        done
        return 0
    fi
    SRCDIR=$CACHE/src
    mkdir -p "$SRCDIR"
    for name in "${PIN_NAMES[@]}"; do
        for f in ${PIN_FILES[$name]}; do
            if ! sha_ok "$SRCDIR/$f" "${FILE_SHA[$f]}"; then
                rm -f "$SRCDIR/$f"
                need+=("$name")
                break
            fi
        done
    done
    ((${#need[@]})) || return 0
    setup_private_apt
    tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
    for name in "${need[@]}"; do
        log "downloading source package $name=${PIN_VERSION[$name]}"
        if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" -q source --download-only \
            "$name=${PIN_VERSION[$name]}" >&2 </dev/null); then
            missing_msg "$name" "${PIN_VERSION[$name]}"
            exit 1
        fi
        for f in ${PIN_FILES[$name]}; do
            [[ -f $tmp/$f ]] || die "apt-get source $name=${PIN_VERSION[$name]} did not produce $f"
            sha_ok "$tmp/$f" "${FILE_SHA[$f]}" ||
                die "sha256 mismatch for downloaded $f: expected ${FILE_SHA[$f]}, got $(sha256sum <"$tmp/$f" | cut -d' ' -f1)"
            mv -f "$tmp/$f" "$SRCDIR/$f"
        done
    done
    rm -rf "$tmp" "$CACHE/apt" # the private lists are only needed for this fetch
    tmp=
}

# ---------------------------------------------------------------- repin
repin() {
    local name f dsc version
    setup_private_apt
    tmp=$(mktemp -d "$CACHE/repin.XXXXXX")
    echo "# source-package version file sha256"
    for name in "${PIN_NAMES[@]}"; do
        mkdir "$tmp/$name"
        (cd "$tmp/$name" && apt-get "${APT_OPTS[@]}" -q source --download-only "$name" >&2 </dev/null) ||
            die "apt-get source $name failed"
        dsc=$(ls "$tmp/$name"/*.dsc)
        version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n1)
        for f in "$tmp/$name"/*; do
            echo "$name $version ${f##*/} $(sha256sum <"$f" | cut -d' ' -f1)"
        done
    done
    rm -rf "$tmp" "$CACHE/apt"
    tmp=
}

# ---------------------------------------------------------------- build
# Copies the pinned files into the staging dir, verifies them there (so a
# file changed after the first check is never used), extracts the orig
# tarball of NAME into $BUILD/NAME.
stage_and_extract() { # NAME
    local name=$1 f orig=
    mkdir -p "$BUILD/dl"
    for f in ${PIN_FILES[$name]}; do
        cp -f "$SRCDIR/$f" "$BUILD/dl/$f"
        sha_ok "$BUILD/dl/$f" "${FILE_SHA[$f]}" || die "sha256 mismatch for $f"
        case $f in *.orig.tar.*.asc) ;; *.orig.tar.*) orig=$f ;; esac
    done
    [[ -n $orig ]] || die "no .orig.tar.* pinned for $name"
    rm -rf "${BUILD:?}/$name"
    mkdir -p "$BUILD/$name"
    tar -xf "$BUILD/dl/$orig" -C "$BUILD/$name" --strip-components=1 --no-same-owner
}

run_logged() { # NAME CMD... : run in $BUILD/NAME, log to $BUILD/NAME.log
    local name=$1
    shift
    if ! (cd "$BUILD/$name" && "$@") >>"$BUILD/$name.log" 2>&1; then
        echo "---- last lines of $BUILD/$name.log ----" >&2
        tail -n 40 "$BUILD/$name.log" >&2
        die "building $name failed: $*"
    fi
}

kernel_headers() {
    local kh=$PREFIX/kernel-include multiarch
    multiarch=${CR_MULTIARCH:-$(gcc -print-multiarch 2>/dev/null || true)}
    [[ -n $multiarch ]] || multiarch=$(uname -m)-linux-gnu
    [[ -d /usr/include/linux && -d /usr/include/asm-generic ]] ||
        die "Linux kernel headers not found in /usr/include (install linux-libc-dev)"
    [[ -d /usr/include/$multiarch/asm ]] || die "/usr/include/$multiarch/asm not found (install linux-libc-dev)"
    rm -rf "$kh"
    mkdir -p "$kh"
    cp -R /usr/include/linux /usr/include/asm-generic "$kh/"
    cp -R "/usr/include/$multiarch/asm" "$kh/asm"
}

build_all() {
    local cf name
    command -v "$MUSL_CC" >/dev/null || die "$MUSL_CC not found (install musl-tools)"
    BUILD=$PREFIX/build
    rm -rf "$PREFIX"
    mkdir -p "$PREFIX/include" "$PREFIX/lib" "$BUILD"
    kernel_headers
    cf="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -isystem $PREFIX/kernel-include"
    # the decompressors run over every byte of every pulled layer: -O2 makes
    # zstd's about twice as fast (and zlib's a little) for ~40 KiB of out/cr.
    # One decoder of each kind, not a second BMI2 copy chosen at run time: 62 KiB
    # less of out/cr for ~15% of zstd's speed (0.82 -> 0.94 s for 900 MB of tar).
    local cfz=${cf/-Os/-O2}
    local zstd_one="-DDYNAMIC_BMI2=0 -DHUF_FORCE_DECOMPRESS_X1 -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT"
    for name in "${PIN_NAMES[@]}"; do stage_and_extract "$name"; done

    local t0=$SECONDS
    log "building zlib"
    run_logged zlib env CC="$MUSL_CC" CFLAGS="$cfz" ./configure --static --prefix="$PREFIX"
    run_logged zlib make -j"$JOBS" libz.a
    run_logged zlib make install

    log "building zstd"
    run_logged libzstd env CFLAGS="$cfz $zstd_one" make -C lib -j"$JOBS" libzstd.a-release \
        CC="$MUSL_CC" ZSTD_LEGACY_SUPPORT=0
    run_logged libzstd make -C lib install-static install-includes \
        CC="$MUSL_CC" ZSTD_LEGACY_SUPPORT=0 PREFIX="$PREFIX"

    log "building bearssl"
    cat >"$BUILD/bearssl/conf/cr.mk" <<EOF
include conf/Unix.mk
BUILD = build
CC = $MUSL_CC
LD = $MUSL_CC
CFLAGS = -W -Wall $cf
DLL = no
TOOLS = no
TESTS = no
EOF
    run_logged bearssl make -j"$JOBS" CONF=cr
    run_logged bearssl cp build/libbearssl.a "$PREFIX/lib/"
    run_logged bearssl sh -c 'cp inc/*.h "$1/include/"' sh "$PREFIX"

    log "building libseccomp"
    run_logged libseccomp env CC="$MUSL_CC" CFLAGS="$cf" ./configure \
        --prefix="$PREFIX" --enable-static --disable-shared --disable-python \
        --disable-dependency-tracking
    run_logged libseccomp make -j"$JOBS" -C src libseccomp.la
    run_logged libseccomp make -C src install-libLTLIBRARIES
    run_logged libseccomp make -C include install
    rm -rf "$PREFIX"/lib/*.la "$PREFIX/share"

    [[ ${CR_VENDOR_KEEP_BUILD:-0} == 1 ]] || rm -rf "$BUILD"
    {
        echo "# cr vendor prefix, built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $((SECONDS - t0))s"
        grep -v '^#' "$PINS" | awk 'NF{print $1, $2}' | sort -u
    } >"$PREFIX/.complete"
    log "built into $PREFIX in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- main
read_pins
compute_prefix
case ${1:-} in
--prefix) echo "$PREFIX"; exit 0 ;;
--check) prefix_complete; exit $? ;;
--fetch) mkdir -p "$CACHE"; fetch_sources; log "all pinned files present and verified in $SRCDIR"; exit 0 ;;
--repin) mkdir -p "$CACHE"; repin; exit 0 ;;
"") ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) die "unknown option $1 (try --help)" ;;
esac

if prefix_complete; then
    echo "$PREFIX"
    exit 0
fi
mkdir -p "$CACHE"
command -v flock >/dev/null || die "flock not found (install util-linux)"
exec 9>"$PREFIX.lock"
flock 9
if ! prefix_complete; then # another build.sh may have finished meanwhile
    fetch_sources
    build_all
fi
echo "$PREFIX"
