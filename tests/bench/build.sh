#!/usr/bin/env bash
# tests/bench/build.sh - `cr build` against `podman build` (buildah inside)
# on the same Dockerfile and context, in the same run.
#
#   ./build.sh bench build      (or: CR=out/cr bash tests/bench/build.sh)
#
# Base image: Debian's busybox-static as a one-layer image, imported into
# cr's store and podman's (overlay driver, its default) from the same tar.
# Context: a 4 MiB file, 200 small files in a directory, a Dockerfile of two
# stages: ENV, WORKDIR, COPY (the big file, the directory), three RUNs
# (files written, deleted, a tar made), COPY --from, LABEL, EXPOSE, USER,
# ENTRYPOINT, CMD. Both build with RUN's network none; podman with runc and
# the cgroupfs manager (plus the nofile/nproc ulimits this sandbox allows).
# BENCH_BUILD_N rounds (default 5), the order swapped every round:
#   cold    --no-cache build
#   cached  a build whose every step is in the cache
# Medians in seconds; everything runs in a private mount namespace, and
# every temp dir and store is removed on exit.
# Output ends with:
#   bench-build: cold cr=..s podman=..s cr/podman=.. cached cr=..s podman=..s cr/podman=..
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
N=${BENCH_BUILD_N:-5}
die() { printf 'bench-build: error: %s\n' "$*" >&2; exit 1; }
bench_positive BENCH_BUILD_N "$N"
bench_enter podman:/usr/bin/podman runc:/usr/sbin/runc busybox-static:/bin/busybox util-linux:/usr/bin/unshare bc:/usr/bin/bc -- "$@"

TMP=$(mktemp -d /tmp/cr-bench-build.XXXXXX)
cleanup() {
    pm system reset -f >/dev/null 2>&1
}
bench_cleanup_on_exit cleanup

# ---- base image and context
R=$TMP/rootfs
bench_busybox_rootfs "$R"
echo "app:x:1000:1000::/app:/bin/sh" >>"$R/etc/passwd"
tar -C "$R" -cf "$TMP/base.tar" .

C=$TMP/ctx
mkdir -p "$C/many"
head -c $((4 << 20)) /dev/urandom >"$C/big.bin"
for i in $(seq 200); do echo "file $i" >"$C/many/f$i.txt"; done
cat >"$C/Dockerfile" <<'DF'
FROM localhost/busybox:latest AS build
ENV APP=/app
WORKDIR /app
COPY big.bin ./
COPY many ./many/
RUN for i in $(seq 300); do echo "$i" > /app/gen$i; done && rm /app/gen1 /etc/group
RUN tar -cf /app/many.tar -C /app many && md5sum /app/big.bin > /app/sum

FROM localhost/busybox:latest
COPY --from=build /app/many.tar /app/sum /srv/
RUN mkdir -p /data && echo ready > /data/state
LABEL bench=build
EXPOSE 8080
USER app
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /srv/sum"]
DF

S=$TMP/store
mkdir -p "$TMP/state"
crx() { "$CR" --root "$TMP/state" --storage "$S" "$@"; }
crx import "$TMP/base.tar" localhost/busybox:latest >/dev/null || die "cr import failed"
source "$(dirname "${BASH_SOURCE[0]}")/../clients/podman_env.bash"
podman_env "$TMP/pm" overlay
pm() { podman --root "$TMP/pm/root" --runroot "$TMP/pm/runroot" --runtime runc --cgroup-manager cgroupfs "$@"; }
pm import "$TMP/base.tar" localhost/busybox:latest >/dev/null || die "podman import failed"

build_cr() { crx build -q --network none -t bench/out "$@" "$C" >/dev/null; }
build_pm() { pm build -q --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -t bench/out "$@" "$C" >/dev/null 2>&1; }

secs() { local t0 t1; t0=$(date +%s.%N); "$@" || die "$* failed"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }

# a warm-up of each (the page cache, podman's first-run setup)
build_cr && build_pm
: >"$TMP/cold.cr"; : >"$TMP/cold.pm"; : >"$TMP/cached.cr"; : >"$TMP/cached.pm"
for i in $(seq "$N"); do
    if ((i % 2)); then
        secs build_cr --no-cache >>"$TMP/cold.cr"; secs build_pm --no-cache >>"$TMP/cold.pm"
        secs build_cr >>"$TMP/cached.cr"; secs build_pm >>"$TMP/cached.pm"
    else
        secs build_pm --no-cache >>"$TMP/cold.pm"; secs build_cr --no-cache >>"$TMP/cold.cr"
        secs build_pm >>"$TMP/cached.pm"; secs build_cr >>"$TMP/cached.cr"
    fi
done
# the results do the same
[[ $(crx run --rm --network none bench/out 2>&1) == "$(pm run --rm --network none bench/out 2>/dev/null)" ]] ||
    die "cr's and podman's images print different sums"

cc=$(median <"$TMP/cold.cr"); cp=$(median <"$TMP/cold.pm")
kc=$(median <"$TMP/cached.cr"); kp=$(median <"$TMP/cached.pm")
printf '%-8s %10s %10s\n' build cr podman cold "${cc}s" "${cp}s" cached "${kc}s" "${kp}s"
printf 'bench-build: cold cr=%ss podman=%ss cr/podman=%.2f cached cr=%ss podman=%ss cr/podman=%.2f\n' \
    "$cc" "$cp" "$(echo "$cc / $cp" | bc -l)" "$kc" "$kp" "$(echo "$kc / $kp" | bc -l)"
