#!/usr/bin/env bats
# push.bats — cr push to a registry (htpasswd auth, a misbehaving one),
# cr save and cr load. The Docker/Podman side is tests/clients/push.bats.

load image_helpers

# flaky_start [FAULTS...] : tests/integration/flaky_registry.py on 127.0.0.1;
# sets FLAKY (127.0.0.1:PORT) and FLAKY_DIR (its requests.log).
flaky_start() {
    FLAKY_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/flaky.XXXXXX")
    bg_start "$FLAKY_DIR" "$FLAKY_DIR/log" "$PY" "$BATS_TEST_DIRNAME/flaky_registry.py" "$FLAKY_DIR" "$@"
    wait_until 10 test -s "$FLAKY_DIR/port" || { cat "$FLAKY_DIR/log" >&2; return 1; }
    FLAKY=127.0.0.1:$(cat "$FLAKY_DIR/port")
}

# auth_registry : a docker-registry with htpasswd (alice:pw), cr logged in.
auth_registry() {
    local d=$BATS_TEST_TMPDIR/auth
    mkdir -p "$d"
    htpasswd -Bbn alice pw >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    run -0 crs login -u alice -p pw "$REG"
}

# bb_blob JQ : a field of the busybox layout's manifest (.layers[0].digest),
# bb_diff : its layer's diff-id.
bb_blob() {
    jq -r "$1" "$FIX/oci/busybox/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$FIX/oci/busybox/index.json")"
}
bb_diff() { jq -r '.rootfs.diff_ids[0]' "$FIX/oci/busybox/blobs/sha256/$(bb_blob .config.digest | cut -c8-)"; }

# manifest_of REF : the manifest a registry serves (skopeo, raw).
manifest_of() { skopeo inspect --raw --tls-verify=false --creds alice:pw "docker://$1"; }

@test "push: to a registry with htpasswd auth after cr login; cr and skopeo get the same image back" {
    local src digest
    src=$(crs pull -q "$BB")
    auth_registry
    run -0 crs push "$BB" "$REG/team/busybox:v1"
    echo "$output"
    [[ ${lines[0]} == "The push refers to repository [$REG/team/busybox:v1]" ]]
    [[ ${lines[1]} =~ ^[0-9a-f]{12}:\ Pushed$ ]]
    [[ ${lines[-1]} =~ ^v1:\ digest:\ (sha256:[0-9a-f]{64})\ size:\ [0-9]+$ ]]
    digest=${BASH_REMATCH[1]}
    # the manifest goes as it was pulled: the source's digest
    [[ $digest == "$src" ]]
    [[ $(manifest_of "$REG/team/busybox:v1" | sha256sum | cut -d' ' -f1) == "${digest#sha256:}" ]]
    skopeo copy -q --src-tls-verify=false --src-creds alice:pw "docker://$REG/team/busybox:v1" "oci:$BATS_TEST_TMPDIR/back:v1"
    [[ $(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/back/index.json") == "$digest" ]]
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/team/busybox:v1"
    [[ $output == *"Digest: $digest"* ]]
    blobs_verified
    run -0 crs push -q "$REG/team/busybox:v1"
    [[ $output == "$REG/team/busybox:v1" ]]
}

@test "push: a second push finds every layer there; another repository of the registry mounts them" {
    auth_registry
    run -0 crs push "$BB" "$REG/a/busybox"
    run -0 crs push "$BB" "$REG/a/busybox"
    echo "$output"
    [[ $output == *": Layer already exists"* ]]
    [[ $output != *": Pushed"* ]]
    # the store learns where the blobs are: an image pulled from a/busybox
    run -0 crs pull "$REG/a/busybox"
    run -0 crs push "$REG/a/busybox" "$REG/b/busybox:latest"
    echo "$output"
    [[ $output == *": Mounted from a/busybox"* ]]
    grep -q 'mount=sha256' "$REG_LOG"
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/b/busybox"
    blobs_verified
}

@test "push: blobs larger than --chunk-size go in PATCH chunks; the app image runs after a pull back" {
    auth_registry
    run -0 crs push --chunk-size 64k "$APP" "$REG/chunked/app"
    echo "$output"
    (($(grep -c '"PATCH /v2/chunked/app/blobs/uploads/' "$REG_LOG") >= 2))
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/chunked/app"
    blobs_verified
    run -0 cri run --rm --network none "$REG/chunked/app" hello
    [[ $output == *"entry hello"* ]]
}

@test "push: token auth asks for push scope (and pull of the repository a mount comes from)" {
    local d=$BATS_TEST_TMPDIR/token
    token_server_start "$d" bob 'pa:ss' cr-test-registry cr-test-issuer
    reg_start -e --token "$TOKEN_REALM" cr-test-registry cr-test-issuer "$d/token.crt"
    run -0 crs push --creds 'bob:pa:ss' "$BB" "$REG/src/busybox"
    cat "$d/requests.log"
    jq -se 'map(select(.user == "bob" and .ok and (.scope | index("repository:src/busybox:pull,push")))) | length > 0' "$d/requests.log"
    run -0 crs pull --creds 'bob:pa:ss' "$REG/src/busybox"
    run -0 crs push --creds 'bob:pa:ss' "$REG/src/busybox" "$REG/dst/busybox"
    echo "$output"
    [[ $output == *"Mounted from src/busybox"* ]]
    jq -se 'map(select(.scope | (index("repository:dst/busybox:pull,push") and index("repository:src/busybox:pull")))) | length > 0' "$d/requests.log"
    # anonymous: the token server grants no push
    run -1 crs push "$BB" "$REG/public/busybox"
    echo "$output"
    [[ $output == *"push \"$REG/public/busybox\""* ]]
}

@test "push: without credentials a registry with auth says unauthorized; an unknown image is named" {
    local d=$BATS_TEST_TMPDIR/auth
    mkdir -p "$d"
    htpasswd -Bbn alice pw >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    run -1 crs push "$BB" "$REG/x/busybox"
    echo "$output"
    [[ $output == *"push \"$REG/x/busybox\""* ]]
    [[ $output == *"authentication required"* ]]
    run -1 crs push --creds alice:wrong "$BB" "$REG/x/busybox"
    [[ $output == *unauthorized* || $output == *401* ]]
    run -1 crs push no/such:image "$REG/x/busybox"
    [[ $output == *"no/such:image"* ]]
    run -1 crs push --compression lz4 "$BB" "$REG/x/busybox"
    [[ $output == *"--compression: expected gzip or zstd"* ]]
}

@test "push: an index goes when the store holds every platform of it, else the platform's manifest" {
    local o=$BATS_TEST_TMPDIR/multi l ma mb idx
    oci_init "$o"
    cp -a "$FIX/rootfs" "$BATS_TEST_TMPDIR/root"
    echo multi >"$BATS_TEST_TMPDIR/root/multi.txt"
    l=$(oci_layer "$o" "$BATS_TEST_TMPDIR/root" gzip)
    ma=$(oci_manifest "$o" amd64 "" "$l")
    mb=$(oci_manifest "$o" arm64 "" "$l")
    idx=$(oci_index "$o" "$ma" "$mb")
    oci_tag "$o" latest "$idx"
    run -0 crs pull --platform linux/amd64 "oci:$o:latest"
    auth_registry
    run crs push localhost/multi:latest "$REG/m/one"
    echo "$output"
    ((status == 0))
    [[ ${lines[-1]} == *"digest: $(jq -r .digest <<<"$ma") "* ]]
    manifest_of "$REG/m/one" | jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json"'
    run -0 crs pull --platform linux/arm64 "oci:$o:latest"
    run -0 crs push localhost/multi:latest "$REG/m/all"
    echo "$output"
    [[ ${lines[-1]} == *"digest: $(jq -r .digest <<<"$idx") "* ]]
    manifest_of "$REG/m/all" | jq -e '.mediaType == "application/vnd.oci.image.index.v1+json" and (.manifests | length == 2)'
    skopeo inspect --tls-verify=false --creds alice:pw --override-arch arm64 "docker://$REG/m/all" | jq -e '.Architecture == "arm64"'
}

@test "push: a registry that fails a chunk, revokes the token mid-way and closes early: the push resumes" {
    flaky_start --fail-patch 2 --expire-at 4 --close-at 6
    run -0 crs push --chunk-size 16k "$APP" "$FLAKY/flaky/app:latest"
    echo "$output"
    cat "$FLAKY_DIR/requests.log"
    grep -q '^PATCH .* 500$' "$FLAKY_DIR/requests.log"
    grep -q '^PATCH .* 401$' "$FLAKY_DIR/requests.log"
    grep -q '^PATCH closed after' "$FLAKY_DIR/requests.log"
    grep -q '^GET /v2/flaky/app/blobs/uploads/.* 204$' "$FLAKY_DIR/requests.log"
    (($(grep -c '^GET /token' "$FLAKY_DIR/requests.log") >= 2))
    # the server checked every digest; a pull back checks them again
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$FLAKY/flaky/app:latest"
    blobs_verified
}

@test "push: a registry that drops an upload mid-way gets the blob again from a new upload" {
    flaky_start --drop-upload-at 2
    run crs push --chunk-size 16k "$APP" "$FLAKY/flaky/app:latest"
    echo "$output"
    cat "$FLAKY_DIR/requests.log"
    ((status == 0))
    grep -q '^PATCH .* 404$' "$FLAKY_DIR/requests.log"
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$FLAKY/flaky/app:latest"
    blobs_verified
}

@test "push: --compression gzip compresses plain tar layers (new digests, OCI manifest); the config stays" {
    local o=$BATS_TEST_TMPDIR/plain l cfg
    oci_init "$o"
    cp -a "$FIX/rootfs" "$BATS_TEST_TMPDIR/root"
    echo plain >"$BATS_TEST_TMPDIR/root/plain.txt"
    l=$(oci_layer "$o" "$BATS_TEST_TMPDIR/root" tar)
    oci_tag "$o" latest "$(oci_manifest "$o" amd64 "" "$l")"
    run -0 crs pull "oci:$o:latest"
    cfg=$(crs images --format json | jq -r '.[] | select((.Name // .name // "") | test("plain")) | (.Id // .ID // .id)' | head -1)
    auth_registry
    run crs push --compression gzip localhost/plain:latest "$REG/plain/img"
    echo "$output"
    ((status == 0))
    manifest_of "$REG/plain/img" | jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json" and
        (.layers | length == 1) and .layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+gzip"'
    [[ $(manifest_of "$REG/plain/img" | jq -r .layers[0].digest) != "$(jq -r .digest <<<"${l% *}")" ]]
    [[ $(manifest_of "$REG/plain/img" | jq -r .config.digest) == "$(jq -r .config.digest "$o/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$o/index.json")")" ]]
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/plain/img"
    blobs_verified
    [[ -n $cfg ]]
}

@test "push: --compression zstd recompresses gzip layers with cr's own zstd; the same image gives the same digest; skopeo decompresses it" {
    local d1 d2 layer diff
    auth_registry
    run -0 crs push --compression zstd "$BB" "$REG/z/one"
    echo "$output"
    [[ ${lines[-1]} =~ ^latest:\ digest:\ (sha256:[0-9a-f]{64}) ]]
    d1=${BASH_REMATCH[1]}
    manifest_of "$REG/z/one" | jq -e '.mediaType == "application/vnd.oci.image.manifest.v1+json" and
        (.layers | length == 1) and .layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar+zstd"'
    layer=$(manifest_of "$REG/z/one" | jq -r '.layers[0].digest')
    [[ $layer != "$(bb_blob '.layers[0].digest')" ]]
    # pushes are reproducible: a second push (another repository) has the same digests
    run -0 crs push --compression zstd "$BB" "$REG/z/two"
    [[ ${lines[-1]} =~ ^latest:\ digest:\ (sha256:[0-9a-f]{64}) ]]
    d2=${BASH_REMATCH[1]}
    [[ $d1 == "$d2" ]]
    # skopeo (Go's zstd) decompresses the layer to the config's diff-id
    skopeo copy -q --src-tls-verify=false --src-creds alice:pw --dest-decompress "docker://$REG/z/one" "dir:$BATS_TEST_TMPDIR/dir"
    diff=$(bb_diff)
    ls -l "$BATS_TEST_TMPDIR/dir"
    [[ $(sha256sum <"$BATS_TEST_TMPDIR/dir/${diff#sha256:}" | cut -d' ' -f1) == "${diff#sha256:}" ]]
    # the zstd command and cr (libzstd) take it back too
    skopeo copy -q --src-tls-verify=false --src-creds alice:pw "docker://$REG/z/one" "oci:$BATS_TEST_TMPDIR/oci:z"
    [[ $(zstd -q -d -c "$BATS_TEST_TMPDIR/oci/blobs/sha256/${layer#sha256:}" | sha256sum | cut -d' ' -f1) == "${diff#sha256:}" ]]
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/z/one"
    blobs_verified
    run -0 cri run --rm --network none "$REG/z/one" echo zstd-ok
    [[ $output == zstd-ok ]]
}

@test "push: a layer that came unpacked already (no blob of its own) goes as the store's blob of the same content" {
    local o=$BATS_TEST_TMPDIR/same l
    oci_init "$o"
    l=$(oci_layer "$o" "$FIX/rootfs" tar)   # busybox's content, already unpacked from $BB's gzip blob
    oci_tag "$o" latest "$(oci_manifest "$o" amd64 "" "$l")"
    run -0 crs pull "oci:$o:latest"
    [[ ! -e $STORE/blobs/sha256/$(jq -r '.digest[7:]' <<<"${l% *}") ]]
    auth_registry
    run -0 crs push localhost/same:latest "$REG/same/img"
    manifest_of "$REG/same/img" | jq -e --arg d "$(bb_blob '.layers[0].digest')" '.layers[0].digest == $d'
    # save takes the same blob, in both formats
    run -0 crs save -o "$BATS_TEST_TMPDIR/d.tar" localhost/same:latest
    run -0 crs save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" localhost/same:latest
    local f
    for f in d o; do
        STORE=$BATS_TEST_TMPDIR/store-$f
        run -0 crs load -q -i "$BATS_TEST_TMPDIR/$f.tar"
        [[ $output == localhost/same:latest ]]
        blobs_verified
    done
    STORE=$BATS_TEST_TMPDIR/store2
    run -0 crs pull "$REG/same/img"
    blobs_verified
}

@test "save and load: a docker-archive of two images, plain, gzip, zstd and from stdin" {
    local diff f
    run -0 crs save -o "$BATS_TEST_TMPDIR/two.tar" "$BB" "$APP"
    tar -tf "$BATS_TEST_TMPDIR/two.tar" >"$BATS_TEST_TMPDIR/list"
    grep -qx manifest.json "$BATS_TEST_TMPDIR/list"
    grep -qx repositories "$BATS_TEST_TMPDIR/list"
    grep -qx index.json "$BATS_TEST_TMPDIR/list"
    grep -qx oci-layout "$BATS_TEST_TMPDIR/list"
    tar -xOf "$BATS_TEST_TMPDIR/two.tar" manifest.json | jq -e --arg bb "$BB:latest" --arg app "$APP:latest" \
        'length == 2 and .[0].RepoTags == [$bb] and .[1].RepoTags == [$app] and (.[0].Layers | length == 1)'
    # layers are plain tars named by their diff-ids
    diff=$(bb_diff)
    [[ $diff == sha256:* ]]
    [[ $(tar -xOf "$BATS_TEST_TMPDIR/two.tar" "blobs/sha256/${diff#sha256:}" | sha256sum | cut -d' ' -f1) == "${diff#sha256:}" ]]
    # to a pipe: the same bytes
    crs save "$BB" "$APP" | cmp - "$BATS_TEST_TMPDIR/two.tar"
    gzip -c "$BATS_TEST_TMPDIR/two.tar" >"$BATS_TEST_TMPDIR/two.tar.gz"
    zstd -q -c "$BATS_TEST_TMPDIR/two.tar" >"$BATS_TEST_TMPDIR/two.tar.zst"
    for f in two.tar two.tar.gz two.tar.zst; do
        STORE=$BATS_TEST_TMPDIR/load-$f
        run crs load -i "$BATS_TEST_TMPDIR/$f"
        echo "$output"
        ((status == 0))
        [[ $output == *"Loaded image: $BB:latest"* && $output == *"Loaded image: $APP:latest"* ]]
        blobs_verified
    done
    STORE=$BATS_TEST_TMPDIR/load-stdin
    run -0 bash -c "'$CR' --storage '$STORE' load <'$BATS_TEST_TMPDIR/two.tar.gz'"
    [[ $output == *"Loaded image: $APP:latest"* ]]
    run -0 cri run --rm --network none "$APP" loaded
    [[ $output == *"entry loaded"* ]]
    # the spooled archive was an unlinked temp file: only the layers' lock files remain
    [[ -z $(ls "$STORE/tmp" | grep -v '\.lock$') ]]
}

@test "save --format oci-archive: cr load and cr pull oci-archive: take it; errors are named" {
    run -0 crs save --format oci-archive -o "$BATS_TEST_TMPDIR/bb.tar" "$BB"
    tar -xOf "$BATS_TEST_TMPDIR/bb.tar" index.json | jq -e --arg bb "$BB:latest" \
        '.manifests[0].annotations["org.opencontainers.image.ref.name"] == $bb'
    # the blobs as stored: the gzip layer under its own digest
    tar -tf "$BATS_TEST_TMPDIR/bb.tar" | grep -qx "blobs/sha256/$(bb_blob '.layers[0].digest' | cut -c8-)"
    STORE=$BATS_TEST_TMPDIR/s1
    run -0 crs load -i "$BATS_TEST_TMPDIR/bb.tar"
    [[ $output == "Loaded image: $BB:latest" ]]
    STORE=$BATS_TEST_TMPDIR/s2
    run -0 crs pull "oci-archive:$BATS_TEST_TMPDIR/bb.tar"
    blobs_verified
    # push to an archive is save of one image
    run -0 crs push "$BB" "docker-archive:$BATS_TEST_TMPDIR/pushed.tar"
    STORE=$BATS_TEST_TMPDIR/s3
    run -0 crs load -q -i "$BATS_TEST_TMPDIR/pushed.tar"
    [[ $output == "$BB:latest" ]]
    STORE=$BATS_TEST_TMPDIR/store
    run -1 crs save -o "$BATS_TEST_TMPDIR/x.tar" no/such:image
    [[ $output == *"no/such:image"* ]]
    [[ ! -e $BATS_TEST_TMPDIR/x.tar ]]
    echo "not an archive" >"$BATS_TEST_TMPDIR/junk"
    run -1 crs load -i "$BATS_TEST_TMPDIR/junk"
    echo "$output"
    [[ $output == *"$BATS_TEST_TMPDIR/junk"* ]]
}
