#!/usr/bin/env bash
# tests/bench/pull.sh - cr pull against podman pull and skopeo + umoci, in
# the same run, from docker-registry instances on 127.0.0.1 (plain http) that
# this script starts, one per variant.
#
#   ./build.sh bench pull       (or: CR=out/cr bash tests/bench/pull.sh)
#
# Image: five layers (busybox-static, then deterministic slices of this
# host's /usr/lib/x86_64-linux-gnu, /usr/share, /usr/bin + /usr/sbin and the
# rest of /usr/lib: files in name order until a byte budget is reached), about
# 580 MB unpacked, tars with fixed owners and mtimes. Two variants: gzip
# (gzip -n, level 6: about 200 MB) and zstd (level 3). The layouts are cached
# in $CR_CACHE/bench-pull (default ~/.cache/cr), keyed by the file listing.
#
# Each round, for each variant, with a cold store every time (page cache warm
# for the registry's files, the same for everyone), in rotated order, each on
# a fresh file system (BENCH_PULL_FS: ext4 (default), a new ext4 image
# mounted with -o loop; tmpfs; or disk, a directory on /tmp's file system,
# where ext4 makes new inodes slowly for a while after the last run deleted
# its files):
#   cr        cr --storage DIR pull -q REF
#   podman    podman --root DIR --runroot DIR pull -q --tls-verify=false REF
#             (overlay driver, its default 6 parallel downloads)
#   skopeo    skopeo copy docker://REF oci:DIR:t && umoci unpack --image DIR:t BUNDLE
#             (gzip only: umoci 0.4 refuses zstd layers)
#   floor     every layer blob decompressed at once to /dev/null (zcat / zstd -dc):
#             the CPU cost of decompression alone, spread over the cores
# Output: a table of medians (and every run), then one line:
#   bench: pull gzip cr/podman=0.45 cr/skopeo+umoci=.. cr/floor=.. zstd cr/podman=..
#
# Environment: CR (default $PWD/out/cr), BENCH_PULL_N (rounds, default 3),
# BENCH_PULL_LAYOUTS_ONLY=1 (build or find the cached layouts, print their
# directory and stop: push.sh's image),
# BENCH_PULL_REBUILD=1 (rebuild the cached layouts), CR_NO_APT=1 (never
# install packages). Runs as root. Every process started here (the
# registries) is stopped by its pid, every mount and temp dir removed, on exit.
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_PULL_N:-3}
FS=${BENCH_PULL_FS:-ext4}
CACHE=${CR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cr}/bench-pull
PY=/usr/bin/python3

die() { printf 'bench pull: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_PULL_N "$N"
[[ $FS == ext4 || $FS == tmpfs || $FS == disk ]] || die "BENCH_PULL_FS must be ext4, tmpfs or disk, got '$FS'"
[[ $EUID -eq 0 ]] || die "must run as root (podman and umoci with a private storage)"
[[ -x $CR ]] || die "no cr binary at $CR (run ./build.sh first)"
CR=$(readlink -f "$CR")

bench_need_packages docker-registry:/usr/bin/docker-registry skopeo:/usr/bin/skopeo umoci:/usr/bin/umoci \
    podman:/usr/bin/podman zstd:/usr/bin/zstd jq:/usr/bin/jq python3:/usr/bin/python3 curl:/usr/bin/curl

TMP=$(mktemp -d /tmp/cr-bench-pull.XXXXXX)
declare -A REG REG_PID

cleanup() {
    trap - EXIT INT TERM
    local c pid
    for c in "${!REG_PID[@]}"; do
        pid=${REG_PID[$c]}
        if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$TMP/registry-$c.yml"; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    bench_umount_under "$TMP/"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ the image

# select_files BUDGET_BYTES DIR... : paths (relative to /, dirs first as met)
# of the files under DIR... in name order, each that still fits in BUDGET
# bytes, with their parent directories; one per line.
select_files() {
    "$PY" - "$@" <<'EOF'
import os, stat, sys
budget, roots = int(sys.argv[1]), sys.argv[2:]
out, seen, total = [], set(), 0
def add_parents(p):
    parts = p.split("/")
    for i in range(1, len(parts)):
        d = "/".join(parts[:i])
        if d not in seen:
            seen.add(d); out.append(d)
def walk(d):
    global total
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        st = os.lstat(p)
        if stat.S_ISDIR(st.st_mode):
            walk(p)
        elif stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
            if total + st.st_size > budget: continue
            total += st.st_size
            add_parents(p[1:]); out.append(p[1:])
for r in roots:
    if os.path.isdir(r): walk(r)
sys.stdout.write("".join(x + "\n" for x in out))
EOF
}

# layer_list K : the file list of layer K (1..4; layer 0 is busybox)
layer_list() {
    case $1 in
    1) select_files $((250 << 20)) /usr/lib/x86_64-linux-gnu ;;
    2) select_files $((200 << 20)) /usr/share ;;
    3) select_files $((150 << 20)) /usr/bin /usr/sbin ;;
    4) select_files $((120 << 20)) /usr/lib/python3 /usr/lib/gcc /usr/lib/jvm /usr/lib/llvm-14 /usr/lib/go-1.19 /usr/lib/git-core ;;
    esac
}

put_blob() { # LAYOUT FILE MEDIATYPE -> descriptor
    local hex size
    hex=$(sha256sum "$2" | cut -d' ' -f1)
    size=$(stat -c %s "$2")
    mv "$2" "$1/blobs/sha256/$hex"
    jq -cn --arg m "$3" --arg d "sha256:$hex" --argjson s "$size" '{mediaType: $m, digest: $d, size: $s}'
}

build_layouts() { # DIR : DIR/gzip and DIR/zstd, OCI layouts tagged "bench"
    local d=$1 k rootfs=$1/rootfs a comp descs diffs cfg man t
    rm -rf "$d"
    mkdir -p "$rootfs"/{bin,etc,tmp,root}
    cp /bin/busybox "$rootfs/bin/busybox"
    for a in $(/bin/busybox --list); do [[ $a == busybox || $a == */* ]] || ln -s busybox "$rootfs/bin/$a"; done
    echo "root:x:0:0:root:/root:/bin/sh" >"$rootfs/etc/passwd"
    (cd "$rootfs" && find . -mindepth 1 -printf '%P\n' | sort >"$d/list0")
    for k in 1 2 3 4; do layer_list "$k" >"$d/list$k"; done
    for comp in gzip zstd; do
        mkdir -p "$d/$comp/blobs/sha256"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$d/$comp/oci-layout"
    done
    descs=() diffs=()
    echo 0 >"$d/tarbytes"
    for k in 0 1 2 3 4; do
        t=$d/layer$k.tar
        if ((k == 0)); then
            tar -C "$rootfs" --no-recursion --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$t" -T "$d/list$k"
        else
            tar -C / --no-recursion --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$t" -T "$d/list$k"
        fi
        diffs+=("sha256:$(sha256sum "$t" | cut -d' ' -f1)")
        echo $(($(cat "$d/tarbytes") + $(stat -c %s "$t"))) >"$d/tarbytes"
        gzip -n -c "$t" >"$t.gz"
        zstd -q -3 -c "$t" >"$t.zst"
        descs+=("$(put_blob "$d/gzip" "$t.gz" application/vnd.oci.image.layer.v1.tar+gzip)|$(put_blob "$d/zstd" "$t.zst" application/vnd.oci.image.layer.v1.tar+zstd)")
        rm -f "$t"
    done
    jq -cn --args '{created: "1970-01-01T00:00:00Z", architecture: "amd64", os: "linux",
        config: {Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"]},
        rootfs: {type: "layers", diff_ids: $ARGS.positional}}' "${diffs[@]}" >"$d/config.json"
    for comp in gzip zstd; do
        cp "$d/config.json" "$d/cfg.tmp"
        cfg=$(put_blob "$d/$comp" "$d/cfg.tmp" application/vnd.oci.image.config.v1+json)
        for t in "${descs[@]}"; do
            if [[ $comp == gzip ]]; then echo "${t%|*}"; else echo "${t#*|}"; fi
        done | jq -cs --argjson cfg "$cfg" '{schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json", config: $cfg, layers: .}' >"$d/man.tmp"
        man=$(put_blob "$d/$comp" "$d/man.tmp" application/vnd.oci.image.manifest.v1+json)
        jq -cn --argjson m "$man" '{schemaVersion: 2, manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": "bench"}}]}' \
            >"$d/$comp/index.json"
    done
    rm -rf "$rootfs" "$d/config.json"
}

# the cache key: what the layers are made of (names, sizes, mtimes) and the recipe
key=$( { for k in 1 2 3 4; do layer_list "$k"; done | (cd / && xargs -d '\n' stat -c '%n %s %Y' --);
         declare -f select_files layer_list put_blob build_layouts; sha256sum /bin/busybox; } | sha256sum | cut -c1-16)
LAYOUTS=$CACHE/$key
if [[ ${BENCH_PULL_REBUILD:-0} == 1 || ! -f $LAYOUTS/done ]]; then
    printf '==> building the bench image in %s (gzip and zstd, a few minutes)\n' "$LAYOUTS" >&2
    rm -rf "$CACHE"
    build_layouts "$LAYOUTS"
    touch "$LAYOUTS/done"
fi
# push.sh pushes the same image: it asks for the layouts alone
if [[ ${BENCH_PULL_LAYOUTS_ONLY:-0} == 1 ]]; then
    echo "$LAYOUTS"
    exit 0
fi

# ------------------------------------------------------------ the registries
# One per variant: skopeo's blob info cache would otherwise push the gzip
# blobs again in place of the zstd ones (same diff-ids, same registry).
reg_start() { # COMP
    bench_registry_start "registry-$1" "REG[$1]" "REG_PID[$1]"
}
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$TMP/policy.json"
for comp in gzip zstd; do
    reg_start "$comp"
    skopeo --policy "$TMP/policy.json" copy -q --dest-tls-verify=false \
        "oci:$LAYOUTS/$comp:bench" "docker://${REG[$comp]}/bench/img:$comp" >&2
    curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://${REG[$comp]}/v2/bench/img/manifests/$comp" |
        jq -e --arg t "application/vnd.oci.image.layer.v1.tar+$comp" 'all(.layers[]; .mediaType == $t)' >/dev/null ||
        die "the registry does not serve the $comp layers that were pushed"
done

# ------------------------------------------------------------ the contenders

# each runs one cold pull of variant $1 into $2 (an empty dir)
pull_cr() { "$CR" --storage "$2/store" pull -q "${REG[$1]}/bench/img:$1"; }
pull_podman() {
    podman --root "$2/root" --runroot "$2/run" --storage-driver overlay --events-backend none \
        --cgroup-manager cgroupfs pull -q --tls-verify=false "${REG[$1]}/bench/img:$1"
}
pull_skopeo() {
    skopeo --policy "$TMP/policy.json" copy -q --src-tls-verify=false "docker://${REG[$1]}/bench/img:$1" "oci:$2/oci:t" &&
        umoci unpack --image "$2/oci:t" "$2/bundle"
}
pull_floor() {
    local f pids=() p st=0 dec=(zcat)
    [[ $1 == zstd ]] && dec=(zstd -q -dc)
    for f in $(jq -r '.layers[].digest[7:]' "$TMP/manifest-$1.json"); do
        "${dec[@]}" "$LAYOUTS/$1/blobs/sha256/$f" >/dev/null &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || st=1; done
    return "$st"
}
for comp in gzip zstd; do # the manifests: the floor's list of layers
    cp "$LAYOUTS/$comp/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$LAYOUTS/$comp/index.json")" "$TMP/manifest-$comp.json"
done

TOOLS=(cr podman skopeo floor)
declare -A LABEL=([cr]=cr [podman]=podman [skopeo]="skopeo+umoci" [floor]=floor)
run_one() { # TOOL COMP -> appends ms to $TMP/t-TOOL-COMP
    local tool=$1 comp=$2 dir=$TMP/run t0 t1
    [[ $tool == skopeo && $comp == zstd ]] && return 0
    mkdir -p "$dir"
    case $FS in
    ext4)
        rm -f "$TMP/fs.img"
        truncate -s 4G "$TMP/fs.img"
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$TMP/fs.img"
        mount -o loop "$TMP/fs.img" "$dir" ;;
    tmpfs) mount -t tmpfs -o size=4g cr-bench-pull "$dir" ;;
    esac
    sync
    bench_now; t0=$REPLY
    if ! "pull_$tool" "$comp" "$dir" >"$TMP/out" 2>&1; then
        sed 's/^/  /' "$TMP/out" >&2
        die "$tool ($comp) failed"
    fi
    bench_now; t1=$REPLY
    echo $(((t1 - t0) / 1000)) >>"$TMP/t-$tool-$comp"
    bench_umount_under "$dir/"
    [[ $FS == disk ]] || umount "$dir"
    rm -rf "$dir" "$TMP/fs.img"
}

sizes() { # COMP -> "compressed MB"
    jq '[.layers[].size] | add / 1e6 | floor' "$TMP/manifest-$1.json"
}
printf 'bench pull: %s rounds, image of 5 layers, %s MB of tar; gzip %s MB, zstd %s MB\n' \
    "$N" "$(awk '{print int($1 / 1e6)}' "$LAYOUTS/tarbytes")" "$(sizes gzip)" "$(sizes zstd)"
printf '  cr %s; %s; %s; %s\n' "$("$CR" --version | head -n1)" "$(podman --version)" "$(skopeo --version)" \
    "$(umoci --version)"
printf '  kernel %s, %s CPUs; stores on %s, registries on %s\n' "$(uname -r)" "$(nproc)" "$FS" "$(stat -f -c %T "$TMP")"

for tool in "${TOOLS[@]}"; do for comp in gzip zstd; do : >"$TMP/t-$tool-$comp"; done; done
for comp in gzip zstd; do run_one cr "$comp"; done # warm-up: the registry's files into the page cache
for comp in gzip zstd; do : >"$TMP/t-cr-$comp"; done
for ((r = 0; r < N; r++)); do
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do
        tool=${TOOLS[(r + k) % ${#TOOLS[@]}]}
        for comp in gzip zstd; do run_one "$tool" "$comp"; done
    done
done

# ------------------------------------------------------------ report
median() { sort -n "$1" | awk '{a[NR]=$1} END {if (!NR) print "n/a"; else print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b + 0 > 0) ? "%.2f" : "n/a", (b + 0 > 0) ? a / b : 0}'; }
declare -A MED
echo
printf '%-14s %-8s %10s   %s\n' "tool" "variant" "median ms" "runs (ms)"
for tool in "${TOOLS[@]}"; do
    for comp in gzip zstd; do
        MED[$tool:$comp]=$(median "$TMP/t-$tool-$comp")
        printf '%-14s %-8s %10s   %s\n' "${LABEL[$tool]}" "$comp" "${MED[$tool:$comp]}" "$(tr '\n' ' ' <"$TMP/t-$tool-$comp")"
    done
done
echo
line="bench: pull"
for comp in gzip zstd; do
    line+=" $comp cr/podman=$(ratio "${MED[cr:$comp]}" "${MED[podman:$comp]}")"
    line+=" cr/skopeo+umoci=$(ratio "${MED[cr:$comp]}" "${MED[skopeo:$comp]}")"
    line+=" cr/floor=$(ratio "${MED[cr:$comp]}" "${MED[floor:$comp]}")"
done
echo "$line"
