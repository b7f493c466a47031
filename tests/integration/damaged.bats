#!/usr/bin/env bats
# damaged.bats — files of cr's own damaged by something else (a full disk,
# an admin, a bug): state.json, images.json, ctr.json, blobs and unpacked
# layers. Each is an error naming the file, and each has a way out that
# really removes or repairs what it says. Images come from a busybox OCI
# layout made here and a docker-registry on 127.0.0.1.

load helpers
load registry_helpers

setup_file() {
    make_rootfs
    mkdir -p "$FIX"
    : >"$BG_LIST"
    echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$FIX/policy.json"
    make_busybox_rootfs "$FIX/rootfs"
    oci_init "$FIX/oci/busybox"
    local l m
    l=$(oci_layer "$FIX/oci/busybox" "$FIX/rootfs" gzip)
    m=$(oci_manifest "$FIX/oci/busybox" amd64 "" "$l")
    oci_tag "$FIX/oci/busybox" latest "$m"
    reg_start -e
    push busybox test/busybox
    export REG REG_PID BB=$REG/test/busybox
}
teardown_file() { reg_teardown_file; }

setup() {
    cr_setup
    STORE=$BATS_TEST_TMPDIR/store
    export HOME=$BATS_TEST_TMPDIR/home
    mkdir -p "$HOME"
}

teardown() {
    local n
    for n in $(ls "$STORE/containers" 2>/dev/null); do crs --root "$CR_ROOT" rm -f "$n" >/dev/null 2>&1; done
    for n in $(ls -A "$CR_ROOT" 2>/dev/null); do crr delete -f "$n" >/dev/null 2>&1; done
    cr_teardown
}

# ---------------------------------------------------------------- state.json

@test "state.json of the wrong types: an error naming file and field; delete -f kills and removes it" {
    local id pid f
    id=$(new_id)
    create "$id"
    pid=$(state_field "$id" pid)
    f=$CR_ROOT/$id/state.json
    jq -c '.pid = "1"' "$f" >"$f.new" && mv "$f.new" "$f"
    run --separate-stderr crr state "$id"
    assert_error 1 "$f" '"pid"' "expected a number"
    run --separate-stderr crr kill "$id" KILL
    assert_error 1 "$f" '"pid"'
    kill -0 "$pid" || fail "the init died before delete"
    run --separate-stderr crr delete --force "$id"
    [[ $status -eq 0 && $stderr == "warning: "*"$f is damaged"*"killed"* ]] || fail "delete -f: $status $stderr"
    wait_gone "$pid"
    assert_no_leftovers "$id"
    create "$id"
    [[ $(state_field "$id" status) == created ]] || fail "the id cannot be used again"
}

@test "state.json garbled: state and kill name it; delete -f finds the container by cgroup and by root" {
    local id pid f nocg nocg_pid
    id=$(new_id)
    create "$id"
    pid=$(state_field "$id" pid)
    f=$CR_ROOT/$id/state.json
    printf '{"ociVersion":"1.2.0","id":"%s","pi\0\0\0' "$id" >"$f"
    run --separate-stderr crr state "$id"
    assert_error 1 "$f is damaged"
    run --separate-stderr crr kill "$id" KILL
    assert_error 1 "$f is damaged"
    run --separate-stderr crr delete --force "$id"
    [[ $status -eq 0 && $stderr == "warning: "*"$f is damaged"*"killed"*"/cr/$id"* ]] || fail "delete -f: $status $stderr"
    wait_gone "$pid"
    assert_no_leftovers "$id"

    # without a cgroup: the processes whose root is the container's rootfs
    # (kept in the part of the file a full disk left)
    nocg=$(new_id)
    crc --cgroup-manager disabled create --bundle "$BUNDLE" "$nocg" 2>"$BATS_TEST_TMPDIR/err" || fail "$(cat "$BATS_TEST_TMPDIR/err")"
    nocg_pid=$(state_field "$nocg" pid)
    f=$CR_ROOT/$nocg/state.json
    head -c "$(($(grep -bo '"created"' "$f" | cut -d: -f1) + 12))" "$f" >"$f.new" && mv "$f.new" "$f"
    run --separate-stderr "$CR" --root "$CR_ROOT" --cgroup-manager disabled delete --force "$nocg" 3>&-
    [[ $status -eq 0 && $stderr == "warning: "*"$f is damaged"*"whose root is $BUNDLE/rootfs"* ]] || fail "delete -f: $status $stderr"
    wait_gone "$nocg_pid"
    assert_no_leftovers "$nocg"
}

# ---------------------------------------------------------------- the stale sweep

@test "parallel runs: the stale sweep never removes a container that another run is busy with" {
    local i pids=()
    crs pull -q "oci:$FIX/oci/busybox:latest" >/dev/null || fail "pull"
    for i in $(seq 40); do
        timeout 120 "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --network none localhost/busybox:latest true \
            >"$BATS_TEST_TMPDIR/run.$i" 2>&1 3>&- &
        pids+=($!)
    done
    wait "${pids[@]}"
    for i in $(seq 40); do
        ! grep -F "removed stale" "$BATS_TEST_TMPDIR/run.$i" || fail "run $i swept a live container"
        [[ ! -s $BATS_TEST_TMPDIR/run.$i ]] || fail "run $i: $(cat "$BATS_TEST_TMPDIR/run.$i")"
    done
    [[ -z $(ls -A "$STORE/containers" 2>/dev/null) ]] || fail "left: $(ls -A "$STORE/containers")"
}

# ---------------------------------------------------------------- ctr.json

@test "ctr.json garbled: errors name it; rm -f kills the init through the OCI state and removes the container" {
    local n=dmg$BATS_SUITE_TEST_NUMBER pid f
    crs pull -q "oci:$FIX/oci/busybox:latest" >/dev/null || fail "pull"
    crs --root "$CR_ROOT" run -d --network none --name "$n" localhost/busybox:latest sleep 1000 >/dev/null 2>&1 3>&- ||
        fail "run -d"
    pid=$(crr state "$n" | jq -r .pid)
    f=$STORE/containers/$n/ctr.json
    printf '{"Id":"' >"$f"
    run --separate-stderr crs --root "$CR_ROOT" rm "$n"
    assert_error 1 "$f is damaged"
    run --separate-stderr crs --root "$CR_ROOT" rm -f "$n"
    [[ $status -eq 0 && $stderr == "warning: "*"$f is damaged"*"killed its init (pid $pid)"* ]] || fail "rm -f: $status $stderr"
    wait_gone "$pid"
    [[ ! -e $STORE/containers/$n && ! -e $CR_ROOT/$n ]] || fail "left: $(ls -A "$STORE/containers" "$CR_ROOT")"
    [[ -z $(cgroups_named "$n") ]] || fail "cgroups left: $(cgroups_named "$n")"
}

# ---------------------------------------------------------------- images.json

@test "images.json garbled: rebuilt from the store with a warning naming what was lost, the damaged file kept aside" {
    local idx=$STORE/images.json id kept
    crs pull -q "oci:$FIX/oci/busybox:latest" >/dev/null || fail "pull oci"
    crs pull -q "$BB" >/dev/null || fail "pull $BB"
    id=$(crs images --format json | jq -r '.[0].id // .[0].config' | sed 's/^sha256://')
    # a full disk: the second entry cut after its name
    head -c "$(($(grep -bo '"name":"'"$BB" "$idx" | cut -d: -f1) + 60))" "$idx" >"$idx.new" && mv "$idx.new" "$idx"
    run --separate-stderr crs images
    [[ $status -eq 0 && $stderr == "warning: $idx was damaged: kept it as $idx.damaged-"*"1 image with its name"*"could not be recovered: $BB"* ]] ||
        fail "images: $status $stderr"
    [[ $output == *localhost/busybox* && $output != *"$BB"* ]] || fail "listing: $output"
    kept=$(ls "$STORE"/images.json.damaged-*) || fail "the damaged file was not kept"
    [[ $(head -c 20 "$kept") == '[{"name":"localhost/' ]] || fail "kept: $(cat "$kept")"
    jq -e 'length == 1' "$idx" >/dev/null || fail "rebuilt: $(cat "$idx")"

    # nothing readable: the image comes back by its manifest, under its id
    printf '\0\0garbage' >"$idx"
    run --separate-stderr crs rmi --prune localhost/busybox:latest
    [[ $status -ne 0 && $stderr == *"warning: $idx was damaged"*"1 found by its manifest as localhost/recovered:<id>"* ]] ||
        fail "rmi: $status $stderr"
    [[ $stderr == *'"localhost/busybox:latest"'*"not in the store"* ]] || fail "rmi of a lost name: $stderr"
    run --separate-stderr crs --root "$CR_ROOT" run --rm --network none "localhost/recovered:${id:0:12}" echo ran
    [[ $status -eq 0 && $output == ran ]] || fail "run the recovered image: $status $output $stderr"
    crs pull -q "$BB" >/dev/null || fail "pull after the repair"
    run --separate-stderr crs rmi --prune "localhost/recovered:${id:0:12}" "$BB"
    [[ $status -eq 0 && -z $stderr ]] || fail "rmi --prune: $status $stderr"
    [[ -z $(ls "$STORE/blobs/sha256") ]] || fail "prune left blobs"
}

# ---------------------------------------------------------------- blobs and layers

@test "pull verifies what it reuses: a config damaged at its size, a layer dir damaged or without its marker" {
    local cfg f layer marker
    crs pull -q "$BB" >/dev/null || fail "pull"
    cfg=$(jq -r '.[0].config' "$STORE/images.json")
    f=$STORE/blobs/sha256/${cfg#sha256:}
    printf 'X' | dd of="$f" bs=1 seek=1 conv=notrunc 2>/dev/null
    run --separate-stderr crs pull -q "$BB"
    [[ $status -eq 0 && $stderr == "warning: $f is damaged"*"fetching it again" ]] || fail "pull, registry: $status $stderr"
    blobs_verified || fail "a damaged blob is left"
    printf 'X' | dd of="$f" bs=1 seek=1 conv=notrunc 2>/dev/null
    run --separate-stderr crs pull -q "oci:$FIX/oci/busybox:latest"
    [[ $status -eq 0 && $stderr == "warning: $f is damaged"* ]] || fail "pull, oci layout: $status $stderr"
    blobs_verified || fail "a damaged blob is left"

    layer=$(find "$STORE/layers/sha256" -mindepth 1 -maxdepth 1 -type d ! -name '.*')
    marker=$STORE/layers/sha256/.unpacked/${layer##*/}
    [[ -f $marker ]] || fail "no marker $marker for $layer"
    rm -rf "$layer/bin"
    run --separate-stderr crs --root "$CR_ROOT" run --rm --network none "$BB" true
    [[ $status -eq 125 && $stderr == *"$layer is damaged (pull the image again)"* ]] || fail "run: $status $stderr"
    run --separate-stderr crs pull -q "$BB"
    [[ $status -eq 0 && $stderr == "warning: layer "*"$layer is incomplete or damaged: unpacking it again" ]] || fail "pull: $status $stderr"
    run --separate-stderr crs --root "$CR_ROOT" run --rm --network none "$BB" echo repaired
    [[ $status -eq 0 && $output == repaired ]] || fail "run after the pull: $status $output $stderr"

    rm "$marker"
    run --separate-stderr crs pull -q "$BB"
    [[ $status -eq 0 && $stderr == *"$layer is incomplete or damaged: unpacking it again" && -f $marker ]] ||
        fail "pull without the marker: $status $stderr"
    run --separate-stderr crs pull -q "$BB"
    [[ $status -eq 0 && -z $stderr ]] || fail "a sound store is unpacked again: $stderr"
}
