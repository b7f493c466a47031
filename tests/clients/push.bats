#!/usr/bin/env bats
# cr push / save / load against Docker and Podman (Debian's packages): what
# cr pushes to a local docker-registry, they pull and run (with cr as their
# runtime), gzip and zstd (cr's own); what cr saves, podman load takes; what podman save (both
# formats) and docker save write, cr load takes and cr runs.
#
# setup_file starts a private dockerd (start_dockerd), a podman environment
# (podman_env) and a docker-registry on 127.0.0.1 (plain http: both clients
# treat 127.0.0.0/8 as insecure, podman with --tls-verify=false), all in one
# temp dir, and puts a busybox image into cr's store there.

load helpers
source "$BATS_TEST_DIRNAME/../integration/registry_helpers.bash"

setup_file() {
    DOCKER=/usr/bin/docker
    [[ -x $DOCKER ]] || DOCKER=$(command -v docker) || DOCKER=docker
    require_cmds dockerd containerd ctr "$DOCKER" podman conmon docker-registry || return 0
    export DOCKER
    T=$(clients_tmpdir push)
    export T STORE=$T/store
    : >"$BG_LIST"
    podman_env "$T"
    start_dockerd "$T" || fail "dockerd did not come up"
    reg_start -e
    export REG REG_PID
    make_rootfs "$T/rootfs"
    echo "pushed by cr" >"$T/rootfs/hello.txt"
    make_oci_archive "$T/rootfs" "$T/bb.tar" crtest/busybox:1
    "$CR" --storage "$STORE" pull -q "oci-archive:$T/bb.tar" >/dev/null || fail "cr pull oci-archive failed"
}

teardown_file() {
    [[ -n ${T:-} ]] || return 0
    pm rm -a -f -t 0 >/dev/null 2>&1
    stop_dockerd "$T"
    reg_teardown_file
    cleanup_tmpdir "$T"
}

setup() {
    skip_if_unavailable
    export HOME=$BATS_TEST_TMPDIR/home
    mkdir -p "$HOME"
}

teardown() { show_failure_log "$T/dockerd.log"; }

dk() { "$DOCKER" -H "unix://$DOCKER_SOCK" "$@" 3>&-; }
crs() { "$CR" --storage "$STORE" "$@" 3>&-; }
# crun_img STORE IMAGE CMD...: cr runs an image of STORE (no network).
crun_img() { "$CR" --root "$T/state" --storage "$1" run --rm --network none "${@:2}" 3>&-; }

# podman_takes_push COMPRESSION TAG: cr pushes with COMPRESSION, podman pulls and runs it
podman_takes_push() {
    run -0 crs push --compression "$1" localhost/bb:1 "$REG/crtest/busybox:$2"
    echo "$output"
    [[ $output == *": Pushed"* ]]
    run pm pull -q --tls-verify=false "$REG/crtest/busybox:$2"
    echo "$output"
    ((status == 0))
    run -0 pm run --rm --network none "$REG/crtest/busybox:$2" cat /hello.txt
    [[ $output == "pushed by cr" ]]
}

@test "podman pulls and runs what cr pushed (gzip layers)" {
    podman_takes_push gzip gz
}

@test "podman pulls and runs what cr pushed with cr's own zstd" {
    podman_takes_push zstd zstd
}

@test "docker pulls and runs what cr pushed, uncompressed and gzip" {
    run -0 crs push localhost/bb:1 "$REG/crtest/busybox:plain"
    run -0 crs push --compression gzip localhost/bb:1 "$REG/crtest/busybox:gz"
    local tag
    for tag in plain gz; do
        run -0 dk pull -q "$REG/crtest/busybox:$tag"
        run -0 dk run --rm --runtime cr --network none "$REG/crtest/busybox:$tag" cat /hello.txt
        [[ $output == "pushed by cr" ]]
    done
}

@test "podman load takes what cr save writes, both formats" {
    run -0 crs save -o "$T/cr-docker.tar" localhost/bb:1
    run -0 pm load -i "$T/cr-docker.tar"
    echo "$output"
    run pm run --rm --network none localhost/bb:1 cat /hello.txt
    echo "$output"
    ((status == 0))
    [[ $output == "pushed by cr" ]]
    pm rmi -f localhost/bb:1 >/dev/null
    run -0 crs save --format oci-archive -o "$T/cr-oci.tar" localhost/bb:1
    run -0 pm load -i "$T/cr-oci.tar"
    echo "$output"
    run -0 pm images --format '{{.Repository}}:{{.Tag}}'
    echo "$output"
    [[ $output == *bb:1* ]]
}

@test "cr load takes what podman save (docker-archive, oci-archive) and docker save write" {
    run -0 crs push localhost/bb:1 "$REG/crtest/busybox:src"
    run -0 pm pull -q --tls-verify=false "$REG/crtest/busybox:src"
    run -0 dk pull -q "$REG/crtest/busybox:src"
    pm save --format docker-archive -o "$T/pm-docker.tar" "$REG/crtest/busybox:src"
    pm save --format oci-archive -o "$T/pm-oci.tar" "$REG/crtest/busybox:src"
    dk save -o "$T/dk.tar" "$REG/crtest/busybox:src"
    local f s
    for f in pm-docker pm-oci dk; do
        s=$BATS_TEST_TMPDIR/store-$f
        run -0 "$CR" --storage "$s" load -i "$T/$f.tar"
        echo "$f: $output"
        [[ $output == "Loaded image: "* ]]
        run -0 crun_img "$s" "${output#Loaded image: }" cat /hello.txt
        [[ $output == "pushed by cr" ]]
    done
}
