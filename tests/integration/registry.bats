#!/usr/bin/env bats
# registry.bats — cr pull / images / rmi against a real docker-registry on
# 127.0.0.1: plain HTTP, TLS from a CA made here with openssl, basic and
# token auth, interrupted and tampered downloads, whiteouts, zstd, platforms.
# Images are built by hand from busybox-static and pushed with skopeo (see
# registry_helpers.bash). Every registry, token server and proxy is stopped
# by teardown / teardown_file.

load registry_helpers

setup_file() { reg_setup_file; }
teardown_file() { reg_teardown_file; }
setup() { reg_setup; }
teardown() { reg_teardown; }

# image_json NAME : the `images --format json` entry named NAME
image_json() {
    crs images --format json | jq -e --arg n "$1" '.[] | select(.name == $n)'
}

# assert_stored NAME DIGEST : the store lists NAME with manifest DIGEST, and
# every blob in it hashes to its name.
assert_stored() {
    run -0 image_json "$1"
    [[ $(jq -r .digest <<<"$output") == "$2" ]] || fail "$1: $output" || return 1
    blobs_verified
}

# ---------------------------------------------------------------- 1

@test "plain http: pull by tag, images lists it, layer unpacked, blobs match their names" {
    reg_start
    run -0 crs pull "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]

    run -0 crs images
    [[ $output == *"$REG/test/busybox "*latest* ]]
    run -0 crs images -q
    [[ $output == "${BB_CONFIG:7:12}" ]]
    run -0 image_json "$REG/test/busybox:latest"
    [[ $(jq -r .digest <<<"$output") == "$BB_MANIFEST" ]]
    [[ $(jq -r .id <<<"$output") == "$BB_CONFIG" ]]

    local layer=$STORE/layers/sha256/${BB_DIFF#sha256:}
    [[ -f $layer/bin/busybox && -x $layer/bin/busybox ]]
    cmp "$layer/bin/busybox" "$FIX/rootfs/bin/busybox"
    [[ -L $layer/bin/sh && $(readlink "$layer/bin/sh") == busybox ]]
    [[ $(cat "$layer/etc/passwd") == "root:x:0:0:root:/root:/bin/sh" ]]

    [[ -f $STORE/blobs/sha256/${BB_MANIFEST#sha256:} ]]
    [[ -f $STORE/blobs/sha256/${BB_LAYER#sha256:} ]]
    blobs_verified
    [[ -z $(find "$STORE/tmp" -name '*.part') ]]
}

@test "plain http: pull by digest works; a digest the registry lacks fails naming it and stores nothing" {
    reg_start
    run -0 crs pull "$REG/test/busybox@$BB_MANIFEST"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    [[ -x $STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox ]]
    run -0 crs images --format json
    jq -e --arg d "$BB_MANIFEST" 'map(select(.digest == $d)) | length == 1' <<<"$output"
    blobs_verified

    local bad before
    bad=sha256:$(printf 'no such manifest' | sha256sum | cut -d' ' -f1)
    before=$(store_listing)
    run -1 crs pull "$REG/test/busybox@$bad"
    [[ $output == *"$bad"* ]]
    [[ $(store_listing) == "$before" ]]
    run -0 crs images --format json
    jq -e 'length == 1' <<<"$output"
}

# ---------------------------------------------------------------- 2

@test "second pull of the same image downloads no blob (layers already exist)" {
    reg_start
    run -0 crs pull "$REG/test/busybox:latest"
    local gets
    gets=$(reg_blob_gets test/busybox)
    ((gets >= 2)) # config + layer

    run -0 crs pull "$REG/test/busybox:latest"
    [[ $output == *"${BB_LAYER:7:12}: Already exists"* ]]
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    sleep 0.2
    [[ $(reg_blob_gets test/busybox) == "$gets" ]]
    blobs_verified
}

@test "a fresh pull downloads each blob once" {
    reg_start
    run -0 crs pull "$REG/test/busybox:latest"
    grep '"GET /v2/test/busybox/blobs/' "$REG_LOG" # shown when it fails
    [[ $(grep -cF "\"GET /v2/test/busybox/blobs/$BB_CONFIG HTTP/1.1\"" "$REG_LOG") == 1 ]]
    [[ $(grep -cF "\"GET /v2/test/busybox/blobs/$BB_LAYER HTTP/1.1\"" "$REG_LOG") == 1 ]]
}

@test "two concurrent pulls of a fresh image both succeed; one copy of each blob" {
    reg_start
    # throttled so that the two pulls overlap for sure (~1 s per MB)
    proxy_start "$BATS_TEST_TMPDIR/proxy" "$REG_PORT"
    echo 1048576 >"$BATS_TEST_TMPDIR/proxy/rate"
    local ref=127.0.0.1:$PROXY_PORT/test/layered:latest p1 p2 s1=0 s2=0
    "$CR" --storage "$STORE" pull "$ref" >"$BATS_TEST_TMPDIR/pull1.out" 2>&1 &
    p1=$!
    "$CR" --storage "$STORE" pull "$ref" >"$BATS_TEST_TMPDIR/pull2.out" 2>&1 &
    p2=$!
    wait "$p1" || s1=$?
    wait "$p2" || s2=$?
    echo "# pull 1 (status $s1):" && cat "$BATS_TEST_TMPDIR/pull1.out"
    echo "# pull 2 (status $s2):" && cat "$BATS_TEST_TMPDIR/pull2.out"
    ((s1 == 0 && s2 == 0))
    grep -q "Digest: $LAYERED_MANIFEST" "$BATS_TEST_TMPDIR/pull1.out"
    grep -q "Digest: $LAYERED_MANIFEST" "$BATS_TEST_TMPDIR/pull2.out"

    # manifest, config and two layers: each exactly once, each verified
    [[ $(blob_names | wc -l) == 4 ]]
    blob_names | grep -qx "${LAYERED_MANIFEST#sha256:}"
    blob_names | grep -qx "${BB_LAYER#sha256:}"
    blob_names | grep -qx "${L2_LAYER#sha256:}"
    blobs_verified
    [[ $(layer_names) == "$(printf '%s\n' "${BB_DIFF#sha256:}" "${L2_DIFF#sha256:}" | sort)" ]]
    run -0 crs images --format json
    jq -e 'length == 1' <<<"$output"
    # nothing half-done is left behind by either
    run find "$STORE/tmp" -name '*.part' -o -name 'layer-*'
    [[ -z $output ]]
}

# ---------------------------------------------------------------- 3

@test "a pull killed mid-download leaves only tmp/ files; the next pull resumes with Range and verifies" {
    local src=$BATS_TEST_TMPDIR/big lay=$BATS_TEST_TMPDIR/oci-big l m hex size part pid i n=0
    mkdir -p "$src/data"
    head -c 50M /dev/urandom >"$src/data/random.bin"
    oci_init "$lay"
    l=$(oci_layer "$lay" "$src" gzip1)
    m=$(oci_manifest "$lay" amd64 "" "$l")
    oci_tag "$lay" latest "$m"
    hex=$(jq -r '.digest[7:]' <<<"${l% *}")
    size=$(jq -r .size <<<"${l% *}")

    reg_start -e
    skopeo --policy "$FIX/policy.json" copy -q --dest-tls-verify=false "oci:$lay:latest" "docker://$REG/test/big:latest"
    proxy_start "$BATS_TEST_TMPDIR/proxy" "$REG_PORT"
    echo 4194304 >"$BATS_TEST_TMPDIR/proxy/rate" # 4 MiB/s: ~12 s for the layer
    local ref=127.0.0.1:$PROXY_PORT/test/big:latest
    part=$STORE/tmp/$hex.part

    # cr itself, not a shell around it, is what gets killed
    "$CR" --storage "$STORE" pull "$ref" >"$BATS_TEST_TMPDIR/pull1.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do
        n=$(stat -c %s "$part" 2>/dev/null || echo 0)
        ((n >= 4 * 1048576)) && break
        sleep 0.1
    done
    kill -KILL "$pid"
    wait "$pid" || true
    n=$(stat -c %s "$part")
    echo "# killed with $n of $size bytes in $part"
    ((n > 0 && n < size))

    # nothing of the layer outside tmp/, no image recorded
    [[ ! -e $STORE/blobs/sha256/$hex ]]
    [[ -z $(layer_names) ]]
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"
    # what is in blobs/ (manifest, config) was verified before it got there
    for f in "$STORE"/blobs/sha256/*; do
        [[ -e $f ]] || continue
        [[ $(sha256sum "$f" | cut -d' ' -f1) == "${f##*/}" ]]
    done

    echo 0 >"$BATS_TEST_TMPDIR/proxy/rate"
    run -0 crs pull "$ref"
    [[ $output == *Digest:* ]]
    # it asked for the rest only
    grep -a -iE "^Range: bytes=[1-9][0-9]*-" "$BATS_TEST_TMPDIR/proxy/requests.log"
    grep -q "\"GET /v2/test/big/blobs/sha256:$hex HTTP/1.1\" 206" "$REG_LOG"
    [[ $(sha256sum "$STORE/blobs/sha256/$hex" | cut -d' ' -f1) == "$hex" ]]
    blobs_verified
    cmp "$STORE/layers/sha256/${l##*:}/data/random.bin" "$src/data/random.bin"
    [[ ! -e $part ]]
}

@test "a pull killed while unpacking a layer leaves only tmp/ files; the next pull completes" {
    local src=$BATS_TEST_TMPDIR/many lay=$BATS_TEST_TMPDIR/oci-many l m dhex pid i found=0
    # 30000 small files: unpacking takes a while
    "$PY" -c 'import os, sys
for d in range(100):
    p = os.path.join(sys.argv[1], "many", "d%03d" % d)
    os.makedirs(p)
    for f in range(300):
        open(os.path.join(p, "f%03d" % f), "w").write("%d/%d\n" % (d, f))' "$src"
    oci_init "$lay"
    l=$(oci_layer "$lay" "$src" gzip)
    m=$(oci_manifest "$lay" amd64 "" "$l")
    oci_tag "$lay" latest "$m"
    dhex=${l##*:}

    reg_start -e
    skopeo --policy "$FIX/policy.json" copy -q --dest-tls-verify=false "oci:$lay:latest" "docker://$REG/test/many:latest"
    "$CR" --storage "$STORE" pull "$REG/test/many:latest" >"$BATS_TEST_TMPDIR/pull1.out" 2>&1 &
    pid=$!
    for ((i = 0; i < 2000; i++)); do
        if [[ -d $STORE/tmp/layer-$dhex ]]; then found=1; break; fi
        [[ -d $STORE/layers/sha256/$dhex ]] && break
        sleep 0.005
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" || true
    ((found)) || skip "the unpack finished before it could be interrupted"
    echo "# killed while unpacking into tmp/layer-$dhex"
    [[ ! -e $STORE/layers/sha256/$dhex ]]
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    run crs pull "$REG/test/many:latest"
    echo "$output"
    [[ $status == 0 ]]
    [[ $(cat "$STORE/layers/sha256/$dhex/many/d099/f299") == 99/299 ]]
    [[ $(find "$STORE/layers/sha256/$dhex/many" -type f | wc -l) == 30000 ]]
    [[ ! -e $STORE/tmp/layer-$dhex ]]
}

# ---------------------------------------------------------------- 4

# tamper_bb_layer: the registry's busybox layer blob ($BB_DATA), its good
# bytes kept in $BATS_TEST_TMPDIR/orig for untamper_bb_layer.
tamper_bb_layer() {
    BB_DATA=$(reg_blob_data "$BB_LAYER")
    cp "$BB_DATA" "$BATS_TEST_TMPDIR/orig"
}
untamper_bb_layer() { cp "$BATS_TEST_TMPDIR/orig" "$BB_DATA"; }

# pull_bb_refused: `cr pull` of test/busybox must exit 1 (its output shown)
# and store nothing of the busybox layer: no blob, no layer.
pull_bb_refused() {
    run -1 crs pull "$REG/test/busybox:latest"
    echo "$output"
    [[ ! -e $STORE/blobs/sha256/${BB_LAYER#sha256:} ]] || fail "blob stored" || return 1
    [[ -z $(layer_names) ]] || fail "layers stored: $(layer_names)"
}

@test "a tampered blob in the registry fails the pull with digest/size mismatch and stores nothing of it" {
    reg_start
    local hex=${BB_LAYER#sha256:}
    tamper_bb_layer

    # same size, other bytes
    dd if=/dev/urandom of="$BB_DATA" bs=1 count=64 seek=4096 conv=notrunc status=none
    STORE=$BATS_TEST_TMPDIR/store1
    pull_bb_refused
    [[ $output == *"digest mismatch"* ]]
    [[ $output == *"$BB_LAYER"* ]]
    [[ ! -e $STORE/tmp/$hex.part ]]
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    # shorter than the manifest says
    untamper_bb_layer
    truncate -s -1000 "$BB_DATA"
    STORE=$BATS_TEST_TMPDIR/store2
    pull_bb_refused
    [[ $output == *"size mismatch"* || $output == *"digest mismatch"* ]]
    [[ ! -e $STORE/tmp/$hex.part ]]

    # the registry fixed: the same stores pull fine
    untamper_bb_layer
    for STORE in "$BATS_TEST_TMPDIR/store1" "$BATS_TEST_TMPDIR/store2"; do
        run -0 crs pull "$REG/test/busybox:latest"
        blobs_verified
    done
}

@test "a blob served longer than the manifest says fails the pull; once the registry is fixed the next pull succeeds" {
    reg_start
    tamper_bb_layer
    # garbage where the gzip stream starts, and 4 KiB more than the manifest says
    dd if=/dev/urandom of="$BB_DATA" bs=1 count=64 seek=0 conv=notrunc status=none
    head -c 4096 /dev/urandom >>"$BB_DATA"

    pull_bb_refused
    [[ $output == *"$BB_LAYER"* ]]
    [[ $output == *larger* || $output == *mismatch* ]]

    untamper_bb_layer
    run crs pull "$REG/test/busybox:latest"
    echo "$output"
    ls -l "$STORE/tmp"
    [[ $status == 0 ]]
    blobs_verified
}

# ---------------------------------------------------------------- 5

@test "tls: CA from --cert-dir works; no CA: unknown authority; wrong host: hostname error; --tls-verify=false" {
    local ca=$BATS_TEST_TMPDIR/ca certs=$BATS_TEST_TMPDIR/certs.d good wrong
    make_ca "$ca"
    make_server_cert "$ca" good "IP:127.0.0.1"
    make_server_cert "$ca" wrong "DNS:wrong.invalid,IP:127.0.0.2" wrong.invalid

    reg_start -e --tls "$ca/good.crt" "$ca/good.key"
    good=$REG
    mkdir -p "$certs/$good"
    cp "$ca/ca.crt" "$certs/$good/ca.crt"
    # skopeo (verifying, with the same CA) is the reference client
    push busybox test/busybox --dest-tls-verify=true --dest-cert-dir "$certs/$good"

    STORE=$BATS_TEST_TMPDIR/store-ca
    run -0 crs pull --cert-dir "$certs" "$good/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    [[ -x $STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox ]]
    blobs_verified

    STORE=$BATS_TEST_TMPDIR/store-noca
    run -1 crs pull "$good/test/busybox:latest"
    echo "$output"
    [[ $output == *"signed by unknown authority"* ]]
    [[ $output == *"$good"* ]]
    [[ -z $(store_files) ]]
    # a certs dir for another host does not help
    run -1 crs pull --cert-dir "$BATS_TEST_TMPDIR" "$good/test/busybox:latest"
    [[ $output == *"unknown authority"* ]]

    STORE=$BATS_TEST_TMPDIR/store-insecure
    run -0 crs pull --tls-verify=false "$good/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    blobs_verified

    reg_start -e --tls "$ca/wrong.crt" "$ca/wrong.key"
    wrong=$REG
    mkdir -p "$certs/$wrong"
    cp "$ca/ca.crt" "$certs/$wrong/ca.crt"
    push busybox test/busybox
    STORE=$BATS_TEST_TMPDIR/store-wrong
    run -1 crs pull --cert-dir "$certs" "$wrong/test/busybox:latest"
    echo "$output"
    [[ $output == *"not valid for host 127.0.0.1"* ]]
    [[ -z $(store_files) ]]
}

# ---------------------------------------------------------------- 6

@test "basic auth: no creds fails with an auth message; --creds, --authfile and ~/.docker/config.json work" {
    local d=$BATS_TEST_TMPDIR/auth
    mkdir -p "$d"
    htpasswd -Bbn alice 's3cret pass' >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    push busybox test/busybox --dest-creds 'alice:s3cret pass'

    STORE=$BATS_TEST_TMPDIR/s0
    run -1 crs pull "$REG/test/busybox:latest"
    echo "$output"
    [[ $output == *"authentication required"* ]]
    [[ $output == *"$REG"* ]]
    [[ -z $(store_files) ]]

    STORE=$BATS_TEST_TMPDIR/s1
    run -1 crs pull --creds alice:wrong "$REG/test/busybox:latest"
    echo "$output"
    [[ $output == *401* || $output == *denied* || $output == *unauthorized* ]]
    [[ -z $(blob_names) ]]

    run -0 crs pull --creds 'alice:s3cret pass' "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    blobs_verified

    write_authfile "$d/auth.json" 'alice:s3cret pass'
    STORE=$BATS_TEST_TMPDIR/s2
    run -0 crs pull --authfile "$d/auth.json" "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]

    mkdir -p "$HOME/.docker"
    cp "$d/auth.json" "$HOME/.docker/config.json"
    STORE=$BATS_TEST_TMPDIR/s3
    run -0 crs pull "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    rm "$HOME/.docker/config.json"

    mkdir -p "$BATS_TEST_TMPDIR/xdg/containers"
    cp "$d/auth.json" "$BATS_TEST_TMPDIR/xdg/containers/auth.json"
    STORE=$BATS_TEST_TMPDIR/s4
    XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg run -0 crs pull "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    blobs_verified
}

@test "basic auth: an --authfile that does not exist is an error naming it, not silently ignored" {
    local d=$BATS_TEST_TMPDIR/auth
    mkdir -p "$d"
    htpasswd -Bbn alice pw >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    push busybox test/busybox --dest-creds alice:pw
    # podman and skopeo refuse a credentials file they cannot read
    run -1 crs pull --authfile "$d/no-such-auth.json" "$REG/test/busybox:latest"
    echo "$output"
    [[ $output == *"$d/no-such-auth.json"* ]]
}

# ---------------------------------------------------------------- 7

@test "token auth: anonymous pull fetches a token after the 401; credentials go to the token server" {
    local d=$BATS_TEST_TMPDIR/token
    token_server_start "$d" bob 'pa:ss' cr-test-registry cr-test-issuer
    reg_start -e --token "$TOKEN_REALM" cr-test-registry cr-test-issuer "$d/token.crt"
    push busybox public/busybox --dest-creds 'bob:pa:ss'
    push busybox private/busybox --dest-creds 'bob:pa:ss'
    : >"$d/requests.log"

    # anonymous: 401 from the registry, an anonymous token, then the image
    STORE=$BATS_TEST_TMPDIR/s0
    run -0 crs pull "$REG/public/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    blobs_verified
    cat "$d/requests.log"
    jq -se 'map(select(.auth == "none" and .service == "cr-test-registry"
        and (.scope | index("repository:public/busybox:pull")))) | length >= 1' "$d/requests.log"

    # anonymous on a private repository: the token grants nothing
    STORE=$BATS_TEST_TMPDIR/s1
    run -1 crs pull "$REG/private/busybox:latest"
    echo "$output"
    [[ $output == *"private/busybox"* ]]
    [[ $output == *401* || $output == *denied* || $output == *authentication* ]]
    [[ -z $(blob_names) ]]

    # credentials: basic auth to the token server, a bearer token to the registry
    : >"$d/requests.log"
    run -0 crs pull --creds 'bob:pa:ss' "$REG/private/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    blobs_verified
    jq -se 'map(select(.auth == "basic" and .user == "bob" and .ok
        and (.scope | index("repository:private/busybox:pull")))) | length >= 1' "$d/requests.log"

    # wrong credentials: the token server says 401
    STORE=$BATS_TEST_TMPDIR/s2
    run -1 crs pull --creds 'bob:nope' "$REG/private/busybox:latest"
    echo "$output"
    [[ $output == *"token server"* || $output == *401* ]]
    [[ -z $(blob_names) ]]

    # the same credentials from an auth file
    write_authfile "$d/auth.json" 'bob:pa:ss'
    STORE=$BATS_TEST_TMPDIR/s3
    run -0 crs pull --authfile "$d/auth.json" "$REG/private/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
}

# ---------------------------------------------------------------- 8

@test "whiteouts: .wh.file becomes a 0:0 char device, .wh..wh..opq an opaque dir" {
    reg_start
    run -0 crs pull "$REG/test/layered:latest"
    [[ $output == *"Digest: $LAYERED_MANIFEST"* ]]
    local l1=$STORE/layers/sha256/${BB_DIFF#sha256:} l2=$STORE/layers/sha256/${L2_DIFF#sha256:}
    # the lower layer as it was
    [[ -f $l1/etc/removeme && -f $l1/opt/dir/a && -f $l1/opt/dir/b ]]
    # the upper one in overlayfs form
    [[ -c $l2/etc/removeme ]]
    [[ $(stat -c '%t:%T' "$l2/etc/removeme") == 0:0 ]]
    [[ -d $l2/opt/dir && -f $l2/opt/dir/c ]]
    [[ ! -e $l2/opt/dir/a && ! -e $l2/opt/dir/b ]]
    run -0 getfattr --absolute-names -n trusted.overlay.opaque --only-values "$l2/opt/dir"
    [[ $output == y ]]
    [[ $(cat "$l2/hello.txt") == hello ]]
    run find "$STORE/layers" -name '.wh.*'
    [[ -z $output ]]
}

@test "zstd: a tar+zstd layer pulls and unpacks" {
    reg_start
    run -0 crs pull "$REG/test/zstd:latest"
    [[ -f $STORE/blobs/sha256/${ZSTD_LAYER#sha256:} ]]
    local l=$STORE/layers/sha256/${BB_DIFF#sha256:}
    cmp "$l/bin/busybox" "$FIX/rootfs/bin/busybox"
    [[ -L $l/bin/sh ]]
    blobs_verified
}

# reg_put REPO FILE [MEDIATYPE TAG] : a blob (or, with MEDIATYPE and TAG, a
# manifest) uploaded with the distribution API, as skopeo would not keep a
# plain tar layer uncompressed on a docker:// destination
reg_put() {
    local repo=$1 f=$2 loc
    if [[ -n ${3:-} ]]; then
        curl -fsS -X PUT -H "Content-Type: $3" --data-binary "@$f" "http://$REG/v2/$repo/manifests/$4" >/dev/null
        return
    fi
    loc=$(curl -fsS -X POST -D - -o /dev/null "http://$REG/v2/$repo/blobs/uploads/" | tr -d '\r' | awk -F': ' 'tolower($1) == "location" {print $2}')
    [[ $loc == /* ]] && loc=http://$REG$loc
    curl -fsS -X PUT -H "Content-Type: application/octet-stream" --data-binary "@$f" \
        "$loc$([[ $loc == *\?* ]] && echo '&' || echo '?')digest=sha256:$(sha256sum "$f" | cut -d' ' -f1)" >/dev/null
}

@test "uncompressed: a plain tar layer pulls and unpacks; its blob digest is its diff-id" {
    local o=$FIX/oci/plain l m man b
    rm -rf "$o"
    oci_init "$o"
    l=$(oci_layer "$o" "$FIX/rootfs" tar)
    m=$(oci_manifest "$o" amd64 "" "$l")
    reg_start -e
    man=$o/blobs/sha256/$(jq -r '.digest[7:]' <<<"$m")
    for b in $(jq -r '.config.digest, .layers[].digest' "$man"); do reg_put test/plain "$o/blobs/sha256/${b#sha256:}"; done
    reg_put test/plain "$man" application/vnd.oci.image.manifest.v1+json latest
    run -0 crs pull "$REG/test/plain:latest"
    [[ $(jq -r .digest <<<"${l% *}") == "$BB_DIFF" ]]
    [[ -f $STORE/blobs/sha256/${BB_DIFF#sha256:} ]]
    cmp "$STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox" "$FIX/rootfs/bin/busybox"
    blobs_verified
}

@test "platforms: --platform picks the entry of a multi-platform index; a missing one lists the available" {
    reg_start
    STORE=$BATS_TEST_TMPDIR/arm64
    run -0 crs pull --platform linux/arm64 "$REG/test/multi:latest"
    run -0 image_json "$REG/test/multi:latest"
    [[ $(jq -r .id <<<"$output") == "$MULTI_ARM64_CONFIG" ]]
    [[ $(jq -r .architecture "$STORE/blobs/sha256/${MULTI_ARM64_CONFIG#sha256:}") == arm64 ]]

    STORE=$BATS_TEST_TMPDIR/amd64
    run -0 crs pull --platform linux/amd64 "$REG/test/multi:latest"
    run -0 image_json "$REG/test/multi:latest"
    [[ $(jq -r .id <<<"$output") == "$MULTI_AMD64_CONFIG" ]]

    STORE=$BATS_TEST_TMPDIR/armv7
    run -0 crs pull --platform linux/arm/v7 "$REG/test/multi:latest"
    run -0 image_json "$REG/test/multi:latest"
    local id
    id=$(jq -r .id <<<"$output")
    [[ $(jq -r '.architecture + "/" + .variant' "$STORE/blobs/sha256/${id#sha256:}") == arm/v7 ]]

    if [[ $(uname -m) == x86_64 ]]; then
        STORE=$BATS_TEST_TMPDIR/host
        run -0 crs pull "$REG/test/multi:latest"
        run -0 image_json "$REG/test/multi:latest"
        [[ $(jq -r .id <<<"$output") == "$MULTI_AMD64_CONFIG" ]]
    fi

    STORE=$BATS_TEST_TMPDIR/none
    run -1 crs pull --platform linux/s390x "$REG/test/multi:latest"
    echo "$output"
    [[ $output == *linux/s390x* ]]
    [[ $output == *linux/amd64* && $output == *linux/arm64* && $output == *linux/arm/v7* ]]
    [[ -z $(blob_names | grep -v "^${MULTI_INDEX#sha256:}\$") ]]
}

@test "platforms: pulling a multi-platform tag prints the tag's digest (the index), as docker and podman do" {
    reg_start
    run -0 crs pull --platform linux/arm64 "$REG/test/multi:latest"
    [[ $output == *"Digest: $MULTI_INDEX"* ]]
    # and pulling by that digest gets the same image
    STORE=$BATS_TEST_TMPDIR/bydigest
    run -0 crs pull --platform linux/arm64 "$REG/test/multi@$MULTI_INDEX"
    run -0 crs images --format json
    [[ $(jq -r '.[0].id' <<<"$output") == "$MULTI_ARM64_CONFIG" ]]
}

# ---------------------------------------------------------------- 9

@test "rmi removes the name and frees what no other image uses, keeping shared layers; image prune (rmi --prune) frees the rest" {
    reg_start
    run -0 crs pull "$REG/test/busybox:latest"
    run -0 crs pull "$REG/test/layered:latest"
    [[ $(blob_names | wc -l) == 6 ]] # 2 manifests, 2 configs, 2 layers (one shared)
    [[ $(layer_names | wc -l) == 2 ]]

    run -0 crs rmi "$REG/test/layered:latest"
    [[ $output == "Untagged: $REG/test/layered:latest"$'\n'"Deleted: sha256:"* ]]
    run -0 crs images --format json
    jq -e 'length == 1 and .[0].name == "'"$REG/test/busybox:latest"'"' <<<"$output"
    [[ $(blob_names) == "$(printf '%s\n' "${BB_MANIFEST#sha256:}" "${BB_LAYER#sha256:}" "${BB_CONFIG#sha256:}" | sort)" ]]

    # what an rmi of an older cr left (names only) goes with a prune
    cp "$STORE/blobs/sha256/${BB_CONFIG#sha256:}" "$STORE/blobs/sha256/$(printf '%064d' 7)"
    local before after
    before=$(du -sb "$STORE/blobs" | cut -f1)
    run -0 crs image prune
    [[ $output == "Reclaimed "* ]]
    after=$(du -sb "$STORE/blobs" | cut -f1)
    ((after < before))
    [[ $(blob_names) == "$(printf '%s\n' "${BB_MANIFEST#sha256:}" "${BB_LAYER#sha256:}" "${BB_CONFIG#sha256:}" | sort)" ]]
    [[ $(layer_names) == "${BB_DIFF#sha256:}" ]]
    [[ -x $STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox ]]

    run -0 crs rmi --prune "$REG/test/busybox:latest"
    [[ -z $(blob_names) ]]
    [[ -z $(layer_names) ]]
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    run -1 crs rmi "$REG/test/busybox:latest"
    [[ $output == *"not in the store"* ]]
}

@test "after rmi --prune, pulling the image again unpacks its layers again" {
    reg_start
    run -0 crs pull "$REG/test/layered:latest"
    run -0 crs rmi --prune "$REG/test/layered:latest"
    run -0 crs pull "$REG/test/layered:latest"
    echo "$output"
    blobs_verified
    [[ -x $STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox ]]
    [[ -f $STORE/layers/sha256/${L2_DIFF#sha256:}/opt/dir/c ]]
}

# ---------------------------------------------------------------- 10

# pull_refused_into NAME REF: `cr pull REF` into the new store
# $BATS_TEST_TMPDIR/NAME exits 1 with one line on stderr naming REF, and
# stores nothing.
pull_refused_into() {
    STORE=$BATS_TEST_TMPDIR/$1
    run -1 --separate-stderr crs pull "$2"
    echo "$stderr"
    [[ $(wc -l <<<"$stderr") == 1 ]] || fail "expected one line on stderr" || return 1
    [[ $stderr == *"$2"* ]] || fail "the error does not name $2" || return 1
    [[ -z $(store_files) ]] || fail "stored:" "$(store_files)"
}

@test "bad references and an unreachable registry: exit 1, one line naming the reference, nothing stored" {
    local ref
    pull_refused_into s1 Alpine
    [[ -z $output ]]

    pull_refused_into s2 'repo:bad@tag'
    [[ -z $output ]]

    ref=127.0.0.1:$(free_port)/test/busybox:latest
    pull_refused_into s3 "$ref"
    [[ -z $output ]]
    [[ $stderr == *refused* ]]

    reg_start
    pull_refused_into s4 "$REG/test/busybox:nosuchtag"
}

# ---------------------------------------------------------------- 11: parallel layers

# layers_listing : the unpacked layers as a user sees them (type, mode,
# owner, size, mtime of non-directories, link target, file contents)
layers_listing() {
    (cd "$STORE/layers" &&
        find . -mindepth 1 -type d -printf '%y %m %U:%G %p\n' | LC_ALL=C sort &&
        find . -mindepth 1 ! -type d -printf '%y %m %U:%G %s %T@ %p %l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

@test "parallel pull: layers come over several connections at once; the store is the same as one at a time" {
    reg_start
    # throttled (1 MiB/s per connection) so that every worker gets a layer
    proxy_start "$BATS_TEST_TMPDIR/proxy" "$REG_PORT"
    echo 1048576 >"$BATS_TEST_TMPDIR/proxy/rate"
    local ref=127.0.0.1:$PROXY_PORT/test/four:latest serial parallel nlog

    STORE=$BATS_TEST_TMPDIR/serial
    run -0 crs pull --max-concurrent-downloads 1 "$ref"
    [[ $output == *"Digest: $FOUR_MANIFEST"* ]]
    reg_blob_conns
    [[ $(reg_blob_conns | wc -l) == 1 ]]
    serial=$(layers_listing)
    nlog=$(wc -l <"$REG_LOG")

    STORE=$BATS_TEST_TMPDIR/parallel
    run -0 crs pull --max-concurrent-downloads 3 "$ref"
    [[ $output == *"Digest: $FOUR_MANIFEST"* ]]
    tail -n +"$((nlog + 1))" "$REG_LOG" >"$BATS_TEST_TMPDIR/parallel.log"
    reg_blob_conns "$BATS_TEST_TMPDIR/parallel.log"
    [[ $(reg_blob_conns "$BATS_TEST_TMPDIR/parallel.log" | wc -l) == 3 ]]
    parallel=$(layers_listing)

    [[ $(wc -l <<<"$parallel") -gt 40 ]]
    diff <(echo "$serial") <(echo "$parallel")
    [[ $(STORE=$BATS_TEST_TMPDIR/serial blob_names) == "$(blob_names)" ]]
    blobs_verified
    [[ $(layer_names) == "$(printf '%s\n' "${FOUR_DIFFS[@]#sha256:}" | sort)" ]]
    run -0 crs images --format json
    jq -e --arg d "$FOUR_MANIFEST" 'length == 1 and .[0].digest == $d' <<<"$output"
    run find "$STORE/tmp" -name '*.part' -o -name 'layer-*'
    [[ -z $output ]]
}

@test "a corrupted layer in the middle fails the pull naming it, leaves no temp file or unverified blob of it; fixed, the next pull succeeds" {
    reg_start
    local bad=${FOUR_LAYERS[2]} data f
    data=$(reg_blob_data "$bad")
    cp "$data" "$BATS_TEST_TMPDIR/orig"
    dd if=/dev/urandom of="$data" bs=1 count=64 seek=1000 conv=notrunc status=none

    run -1 --separate-stderr crs pull "$REG/test/four:latest"
    echo "$stderr"
    [[ $(wc -l <<<"$stderr") == 1 ]]
    [[ $stderr == *"$bad"*"digest mismatch"* ]]
    [[ ! -e $STORE/blobs/sha256/${bad#sha256:} ]]
    [[ ! -e $STORE/tmp/${bad#sha256:}.part ]]
    [[ ! -e $STORE/layers/sha256/${FOUR_DIFFS[2]#sha256:} ]]
    [[ -z $(find "$STORE/tmp" -name 'layer-*') ]]
    blobs_verified
    # what a stopped worker leaves is the .part of another layer, resumable
    for f in "$STORE"/tmp/*.part; do
        [[ -e $f ]] || continue
        printf '%s\n' "${FOUR_LAYERS[@]}" | grep -qx "sha256:$(basename "$f" .part)"
    done
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    cp "$BATS_TEST_TMPDIR/orig" "$data"
    run -0 crs pull "$REG/test/four:latest"
    [[ $output == *"Digest: $FOUR_MANIFEST"* ]]
    blobs_verified
    [[ $(layer_names) == "$(printf '%s\n' "${FOUR_DIFFS[@]#sha256:}" | sort)" ]]
    [[ -z $(find "$STORE/tmp" -name '*.part' -o -name 'layer-*') ]]
}

@test "a layer the registry lacks stops the other downloads; the first error is the one reported" {
    reg_start
    proxy_start "$BATS_TEST_TMPDIR/proxy" "$REG_PORT"
    # 200 KB/s per connection: a 1 MiB layer would take 5 s
    echo 204800 >"$BATS_TEST_TMPDIR/proxy/rate"
    local ref=127.0.0.1:$PROXY_PORT/test/four:latest gone=${FOUR_LAYERS[1]} slow=${FOUR_LAYERS[2]} data
    data=$(reg_blob_data "$gone")
    mv "$data" "$BATS_TEST_TMPDIR/gone"

    run -1 --separate-stderr crs pull --max-concurrent-downloads 3 "$ref"
    echo "$stderr"
    [[ $(wc -l <<<"$stderr") == 1 ]]
    [[ $stderr == *"$gone"*"HTTP 404"* ]]
    # the download of the slow layer was cancelled, not finished
    [[ ! -e $STORE/blobs/sha256/${slow#sha256:} ]]
    [[ ! -e $STORE/tmp/${gone#sha256:}.part ]]
    [[ -z $(find "$STORE/tmp" -name 'layer-*') ]]
    blobs_verified

    mv "$BATS_TEST_TMPDIR/gone" "$data"
    echo 0 >"$BATS_TEST_TMPDIR/proxy/rate"
    run -0 crs pull "$ref"
    [[ $output == *"Digest: $FOUR_MANIFEST"* ]]
    blobs_verified
    [[ $(layer_names) == "$(printf '%s\n' "${FOUR_DIFFS[@]#sha256:}" | sort)" ]]
}

# ---------------------------------------------------------------- 12: mirrors

@test "mirrors: --registry-mirror serves the image, named as the registry's; the config file's works with the registry down" {
    reg_start
    local real=$REG real_log=$REG_LOG real_pid=$REG_PID mirror mirror_log conf=$BATS_TEST_TMPDIR/registries.json
    reg_start
    mirror=$REG mirror_log=$REG_LOG

    run -0 crs pull --registry-mirror "$real=$mirror" "$real/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    grep -q "\"GET /v2/test/busybox/manifests/latest HTTP/1.1\" 200" "$mirror_log"
    grep -q "\"GET /v2/test/busybox/blobs/$BB_LAYER HTTP/1.1\" 200" "$mirror_log"
    run grep -c 'GET /v2/test/' "$real_log"
    [[ $output == 0 ]]
    assert_stored "$real/test/busybox:latest" "$BB_MANIFEST"

    bg_stop "$real_pid"
    jq -n --arg r "$real" --arg m "http://$mirror" '{mirrors: {($r): [$m]}}' >"$conf"
    STORE=$BATS_TEST_TMPDIR/conf
    CR_REGISTRIES_CONF=$conf run -0 crs pull "$real/test/layered:latest"
    [[ $output == *"Digest: $LAYERED_MANIFEST"* ]]
    assert_stored "$real/test/layered:latest" "$LAYERED_MANIFEST"
    # without the mirror the registry is unreachable
    STORE=$BATS_TEST_TMPDIR/none
    run -1 crs pull "$real/test/layered:latest"
    [[ $output == *refused* ]]
}

@test "mirrors: a dead mirror, one without the image and one missing a blob fall through, in order, to the registry" {
    reg_start
    local real=$REG real_log=$REG_LOG empty partial partial_log dead conf=$BATS_TEST_TMPDIR/registries.json
    reg_start -e
    empty=$REG
    reg_start
    partial=$REG partial_log=$REG_LOG
    rm "$(reg_blob_data "$L2_LAYER")"
    dead=127.0.0.1:$(free_port)
    jq -n --arg r "$real" --arg m "$partial" '{mirrors: {($r): [$m]}, other: true}' >"$conf"

    CR_REGISTRIES_CONF=$conf run -0 --separate-stderr crs --debug pull \
        --registry-mirror "$real=$dead" --registry-mirror "$real=$empty" "$real/test/layered:latest"
    echo "$stderr" | grep -v '^debug: http:' || true
    [[ $output == *"Digest: $LAYERED_MANIFEST"* ]]
    # tried in order: the flag's mirrors, then the config file's, which has the manifest
    grep "trying the next source" <<<"$stderr" | head -n1 | grep -q "mirror $dead"
    grep "trying the next source" <<<"$stderr" | sed -n 2p | grep -q "mirror $empty"
    grep -q "\"GET /v2/test/layered/manifests/latest HTTP/1.1\" 200" "$partial_log"
    # the blob the mirror lacks came from the registry, and only that one
    grep "layer $L2_LAYER from mirror $partial" <<<"$stderr"
    grep -q "\"GET /v2/test/layered/blobs/$L2_LAYER HTTP/1.1\" 200" "$real_log"
    run grep -c 'GET /v2/test/layered/manifests' "$real_log"
    [[ $output == 0 ]]
    assert_stored "$real/test/layered:latest" "$LAYERED_MANIFEST"
    [[ -f $STORE/layers/sha256/${L2_DIFF#sha256:}/opt/dir/c ]]
}

@test "mirrors: a malformed config file or --registry-mirror is an error naming it; nothing is stored" {
    local conf=$BATS_TEST_TMPDIR/registries.json
    reg_start
    echo '{"mirrors": {"docker.io": "mirror.example"}}' >"$conf"
    CR_REGISTRIES_CONF=$conf run -1 --separate-stderr crs pull "$REG/test/busybox:latest"
    echo "$stderr"
    [[ $stderr == *"$conf"*'mirrors."docker.io": expected an array'* ]]

    echo '{"mirrors": {"quay.io": ["ok.example", "bad host"]}}' >"$conf"
    CR_REGISTRIES_CONF=$conf run -1 --separate-stderr crs pull "$REG/test/busybox:latest"
    echo "$stderr"
    [[ $stderr == *"$conf"*'mirrors."quay.io"[1]'*'"bad host"'* ]]

    echo '{"mirrors": ' >"$conf"
    CR_REGISTRIES_CONF=$conf run -1 --separate-stderr crs pull "$REG/test/busybox:latest"
    [[ $stderr == *"$conf"* ]]

    CR_REGISTRIES_CONF=$BATS_TEST_TMPDIR/missing.json run -1 --separate-stderr crs pull "$REG/test/busybox:latest"
    [[ $stderr == *"$BATS_TEST_TMPDIR/missing.json"* ]]

    run -1 --separate-stderr crs pull --registry-mirror "$REG" "$REG/test/busybox:latest"
    [[ $stderr == *"\"$REG\": expected REGISTRY=MIRROR"* ]]
    [[ -z $(store_files) ]]
}

# ---------------------------------------------------------------- 13: output, limits

@test "progress: not on a terminal one plain line per layer event, no carriage returns; -q prints only the digest" {
    reg_start
    local l id events
    run -0 --separate-stderr crs pull "$REG/test/four:latest"
    echo "$output"
    [[ -z $stderr ]]
    [[ $output != *$'\r'* && $output != *$'\e'* ]]
    [[ -z $(grep -vxE '[0-9a-f]{12}: (Waiting|(Downloading|Extracting) [0-9.]+[kMG]?B|Pull complete)|Digest: sha256:[0-9a-f]{64}' <<<"$output") ]]
    [[ $(tail -n1 <<<"$output") == "Digest: $FOUR_MANIFEST" ]]
    for l in "${FOUR_LAYERS[@]}"; do
        id=${l:7:12}
        events=$(grep "^$id: " <<<"$output" | sed "s/^$id: //; s/ [0-9.]*[kMG]*B\$//" | tr '\n' ,)
        [[ $events == "Waiting,Downloading,Extracting,Pull complete," ]]
    done

    run -0 crs pull "$REG/test/four:latest"
    [[ $(grep -c ': Already exists$' <<<"$output") == 4 ]]
    [[ $(wc -l <<<"$output") == 5 ]]

    STORE=$BATS_TEST_TMPDIR/quiet
    run -0 --separate-stderr crs pull -q "$REG/test/four:latest"
    [[ $output == "$FOUR_MANIFEST" ]]
    [[ -z $stderr ]]
}

@test "--max-layer-size: a layer that unpacks to more is refused naming it; nothing of it is unpacked" {
    reg_start
    run -1 --separate-stderr crs pull --max-layer-size 100k "$REG/test/busybox:latest"
    echo "$stderr"
    [[ $(wc -l <<<"$stderr") == 1 ]]
    [[ $stderr == *"layer $BB_LAYER"*"more than 102400 bytes"*--max-layer-size* ]]
    [[ -z $(layer_names) ]]
    [[ -z $(find "$STORE/tmp" -name 'layer-*') ]]
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    run -0 crs pull --max-layer-size 64m "$REG/test/busybox:latest"
    [[ -x $STORE/layers/sha256/${BB_DIFF#sha256:}/bin/busybox ]]

    run -1 crs pull --max-layer-size 12x "$REG/test/busybox:latest"
    [[ $output == *--max-layer-size*12x* ]]
    run -1 crs pull --max-concurrent-downloads 0 "$REG/test/busybox:latest"
    [[ $output == *--max-concurrent-downloads* ]]
}
