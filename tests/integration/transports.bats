#!/usr/bin/env bats
# transports.bats — cr pull from local sources (oci:DIR[:TAG],
# oci-archive:FILE[:TAG], docker-archive:FILE[:REF]) and cr login / logout
# against a real docker-registry on 127.0.0.1 (htpasswd and token auth).
# The layouts are registry_helpers.bash's fixtures (busybox-static); the
# archives are made here with tar, jq and skopeo (no docker daemon).

load registry_helpers

setup_file() { reg_setup_file; }
teardown_file() { reg_teardown_file; }
setup() {
    reg_setup
    T=$BATS_TEST_TMPDIR/src
    mkdir -p "$T"
}
teardown() { reg_teardown; }

image_json() { # NAME : the `images --format json` entry named NAME
    crs images --format json | jq -e --arg n "$1" '.[] | select(.name == $n)'
}

manifest_of() { # NAME : the platform manifest digest the store recorded for NAME
    jq -er --arg n "$1" '.[] | select(.name == $n) | .manifest' "$STORE/images.json"
}

skopeo_copy() { skopeo --policy "$FIX/policy.json" copy -q "$@"; }

# no temp file of an import is left, whatever happened
no_import_temps() {
    [[ -z $(find "$STORE/tmp" -name 'import-*' 2>/dev/null) ]] || { find "$STORE/tmp" >&2; return 1; }
}

# the busybox layer unpacked as it should be
bb_layer_ok() {
    local l=$STORE/layers/sha256/${BB_DIFF#sha256:}
    cmp "$l/bin/busybox" "$FIX/rootfs/bin/busybox"
    [[ -L $l/bin/sh && $(readlink "$l/bin/sh") == busybox ]]
    [[ $(cat "$l/etc/passwd") == "root:x:0:0:root:/root:/bin/sh" ]]
}

# flip_bytes FILE OFFSET : overwrites 4 bytes at OFFSET; fails if nothing changed
flip_bytes() {
    local before
    before=$(sha256sum "$1")
    printf 'ZQZQ' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
    [[ $(sha256sum "$1") != "$before" ]]
}

# legacy_archive OUT [corrupt] : `docker save` as Docker before 25 wrote it:
# <id>/layer.tar (plain tar), <config hex>.json, manifest.json with no
# RepoTags, and the names in "repositories" (test/legacy:v1).
legacy_archive() {
    local out=$1 d id hex diff
    d=$(mktemp -d "$BATS_TEST_TMPDIR/legacy.XXXXXX")
    id=$(printf 'legacy layer' | sha256sum | cut -c1-64)
    mkdir -p "$d/$id"
    make_tar "$FIX/rootfs" "$d/$id/layer.tar"
    diff=sha256:$(sha256sum "$d/$id/layer.tar" | cut -c1-64)
    [[ ${2:-} != corrupt ]] || flip_bytes "$d/$id/layer.tar" 200000
    jq -cn --arg diff "$diff" '{architecture: "amd64", os: "linux", config: {Cmd: ["/bin/sh"]},
        rootfs: {type: "layers", diff_ids: [$diff]}}' >"$d/cfg"
    hex=$(sha256sum "$d/cfg" | cut -c1-64)
    mv "$d/cfg" "$d/$hex.json"
    printf '1.0' >"$d/$id/VERSION"
    jq -cn --arg c "$hex.json" --arg l "$id/layer.tar" '[{Config: $c, RepoTags: null, Layers: [$l]}]' >"$d/manifest.json"
    jq -cn --arg id "$id" '{"test/legacy": {"v1": $id}}' >"$d/repositories"
    (cd "$d" && tar -cf "$out" manifest.json repositories "$hex.json" "$id")
    LEGACY_LAYER=$id/layer.tar
    LEGACY_CONFIG=sha256:$hex
}

# python_tar OUT NAME=FILE... : a tar with exactly these entry names
# (python's tarfile writes "../x" as given; GNU tar would strip it)
python_tar() {
    "$PY" - "$@" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for arg in sys.argv[2:]:
        name, _, src = arg.partition("=")
        info = t.gettarinfo(src)
        info.name, info.uid, info.gid = name, 0, 0
        with open(src, "rb") as f:
            t.addfile(info, f)
EOF
}

# ---------------------------------------------------------------- oci:

@test "oci: a layout's only image, and by TAG: named localhost/<dir>:<tag>, layer unpacked, blobs verified" {
    run -0 crs pull "oci:$FIX/oci/busybox"
    echo "$output"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    run -0 image_json localhost/busybox:latest
    [[ $(jq -r .digest <<<"$output") == "$BB_MANIFEST" ]]
    [[ $(jq -r .id <<<"$output") == "$BB_CONFIG" ]]
    bb_layer_ok
    [[ -f $STORE/blobs/sha256/${BB_LAYER#sha256:} && -f $STORE/blobs/sha256/${BB_MANIFEST#sha256:} ]]
    blobs_verified
    no_import_temps

    # the same image by its tag; a layer that is there is not copied again
    run -0 crs pull "oci:$FIX/oci/busybox:latest"
    [[ $output == *"${BB_LAYER:7:12}: Already exists"* ]]
    run -0 crs images --format json
    jq -e 'length == 1' <<<"$output"

    # the layered image: two layers, whiteouts in overlay form
    run -0 crs pull "oci:$FIX/oci/layered:latest"
    [[ $output == *"Digest: $LAYERED_MANIFEST"* ]]
    [[ -c $STORE/layers/sha256/${L2_DIFF#sha256:}/etc/removeme ]]
    [[ -f $STORE/layers/sha256/${L2_DIFF#sha256:}/opt/dir/c ]]
    run -0 image_json localhost/layered:latest
}

@test "oci: a tag the layout lacks names what it has; a ref.name that is a full reference is the image's name" {
    run -1 --separate-stderr crs pull "oci:$FIX/oci/busybox:nope"
    echo "$stderr"
    [[ $stderr == *"oci:$FIX/oci/busybox: index.json: no image named \"nope\" (it has: \"latest\")"* ]]
    [[ -z $(blob_names) ]]

    # a layout dir whose name is no repository name, tagged with a full reference too
    local d="$T/My Layout.v2"
    cp -a "$FIX/oci/busybox" "$d"
    oci_tag "$d" example.com/team/app:1.0 "$(jq -c '.manifests[0] | del(.annotations)' "$d/index.json")"
    run -1 crs pull "oci:$d"
    echo "$output"
    [[ $output == *"index.json: 2 images: name one with :TAG"* ]]
    run -0 crs pull "oci:$d:latest"
    run -0 image_json localhost/my-layout.v2:latest
    run -0 crs pull "oci:$d:example.com/team/app:1.0"
    run -0 image_json example.com/team/app:1.0
    [[ $(jq -r .digest <<<"$output") == "$BB_MANIFEST" ]]
}

@test "oci: a multi-platform index honours --platform; so do platform entries listed in index.json itself" {
    STORE=$BATS_TEST_TMPDIR/arm64
    run -0 crs pull --platform linux/arm64 "oci:$FIX/oci/multi:latest"
    [[ $output == *"Digest: $MULTI_INDEX"* ]]
    run -0 image_json localhost/multi:latest
    [[ $(jq -r .id <<<"$output") == "$MULTI_ARM64_CONFIG" ]]
    [[ $(manifest_of localhost/multi:latest) == "$MULTI_ARM64" ]]
    bb_layer_ok
    blobs_verified

    STORE=$BATS_TEST_TMPDIR/none
    run -1 crs pull --platform linux/s390x "oci:$FIX/oci/multi"
    echo "$output"
    [[ $output == *"oci:$FIX/oci/multi: manifest $MULTI_INDEX: no image for platform linux/s390x"* ]]
    [[ $output == *linux/amd64* && $output == *linux/arm64* && $output == *linux/arm/v7* ]]
    [[ -z $(layer_names) ]]

    # index.json listing the platforms directly, without names
    local d=$T/plat
    cp -a "$FIX/oci/multi" "$d"
    jq -c '{schemaVersion: 2, manifests: .manifests}' "$d/blobs/sha256/${MULTI_INDEX#sha256:}" >"$d/index.json"
    STORE=$BATS_TEST_TMPDIR/plat
    run -0 crs pull --platform linux/amd64 "oci:$d"
    [[ $output == *"Digest: $MULTI_AMD64"* ]]
    run -0 image_json localhost/plat:latest
    [[ $(jq -r .id <<<"$output") == "$MULTI_AMD64_CONFIG" ]]
}

@test "oci: a corrupted or truncated blob is refused naming it; nothing unverified lands in blobs/" {
    local d=$T/bad layer=blobs/sha256/${BB_LAYER#sha256:}
    cp -a "$FIX/oci/busybox" "$d"
    flip_bytes "$d/$layer" 4096
    run -1 --separate-stderr crs pull "oci:$d"
    echo "$stderr"
    [[ $stderr == "cr pull: oci:$d: layer \"$layer\": digest mismatch (got sha256:"*", expected $BB_LAYER)" ]]
    [[ ! -e $STORE/blobs/sha256/${BB_LAYER#sha256:} ]]
    blobs_verified
    [[ -z $(layer_names) ]]
    no_import_temps
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    cp "$FIX/oci/busybox/$layer" "$d/$layer"
    truncate -s -10 "$d/$layer"
    run -1 crs pull "oci:$d"
    [[ $output == *"layer \"$layer\": size mismatch ($((BB_LAYER_SIZE - 10)) bytes, the descriptor says $BB_LAYER_SIZE)"* ]]
    [[ ! -e $STORE/blobs/sha256/${BB_LAYER#sha256:} ]]

    # a config that does not match its digest is refused before anything is unpacked
    STORE=$BATS_TEST_TMPDIR/cfg
    cp "$FIX/oci/busybox/$layer" "$d/$layer"
    flip_bytes "$d/blobs/sha256/${BB_CONFIG#sha256:}" 10
    run -1 crs pull "oci:$d"
    echo "$output"
    [[ $output == *"config \"blobs/sha256/${BB_CONFIG#sha256:}\": digest mismatch"* ]]
    [[ ! -e $STORE/blobs/sha256/${BB_CONFIG#sha256:} ]]
    [[ -z $(layer_names) ]]
    blobs_verified
    no_import_temps

    # a layer whose content is fine but whose diff-id is not the config's
    rm -rf "$d" && cp -a "$FIX/oci/layered" "$d"
    local man cfg t
    man=$d/blobs/sha256/${LAYERED_MANIFEST#sha256:}
    cfg=$(jq -r .config.digest "$man")
    t=$(jq -c --arg x "$L2_DIFF" '.rootfs.diff_ids[0] = $x' "$d/blobs/sha256/${cfg#sha256:}")
    STORE=$BATS_TEST_TMPDIR/diff
    printf '%s' "$t" >"$T/cfg"
    cfg=$(oci_put "$d" "$T/cfg" application/vnd.oci.image.config.v1+json)
    jq -c --argjson c "$cfg" '.config = $c' "$man" >"$T/man"
    oci_tag "$d" badcfg "$(oci_put "$d" "$T/man" application/vnd.oci.image.manifest.v1+json)"
    run -1 crs pull "oci:$d:badcfg"
    echo "$output"
    [[ $output == *"diff-id $BB_DIFF does not match the image config's $L2_DIFF"* ]]
    [[ -z $(layer_names) ]]
}

@test "oci: not a layout, no directory, no path: one line naming the source" {
    run -1 --separate-stderr crs pull "oci:$T/nothing"
    [[ $stderr == "cr pull: oci:$T/nothing: open: no such file or directory" ]]
    run -1 --separate-stderr crs pull "oci:$T"
    [[ $stderr == "cr pull: oci:$T: oci-layout: missing: not an OCI image layout" ]]
    cp -a "$FIX/oci/busybox" "$T/l"
    echo '{"schemaVersion": 2, "manifests": {}}' >"$T/l/index.json"
    run -1 --separate-stderr crs pull "oci:$T/l"
    echo "$stderr"
    [[ $stderr == "cr pull: oci:$T/l: index.json: manifest: manifests: expected array, got object" ]]
    [[ -z $(store_files) ]]
}

# ---------------------------------------------------------------- oci-archive:

@test "oci-archive: a tar of a layout (tar's and skopeo's) is read in place and named after the file" {
    tar -C "$FIX/oci/busybox" -cf "$T/bb.tar" .
    run -0 crs pull "oci-archive:$T/bb.tar"
    echo "$output"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]
    run -0 image_json localhost/bb:latest
    bb_layer_ok
    blobs_verified
    no_import_temps
    # read in place: the store holds blobs, layers and its own files only
    [[ -z $(find "$STORE" -name index.json -o -name oci-layout) ]]

    skopeo_copy --all "oci:$FIX/oci/multi:latest" "oci-archive:$T/multi.tar:v2"
    STORE=$BATS_TEST_TMPDIR/multi
    run -0 crs pull --platform linux/arm64 "oci-archive:$T/multi.tar"
    run -0 image_json localhost/multi:v2
    [[ $(jq -r .id <<<"$output") == "$MULTI_ARM64_CONFIG" ]]
    run -0 crs pull --platform linux/amd64 "oci-archive:$T/multi.tar:v2"
    run -0 image_json localhost/multi:v2
    [[ $(jq -r .id <<<"$output") == "$MULTI_AMD64_CONFIG" ]]

    gzip -k "$T/bb.tar"
    run -1 crs pull "oci-archive:$T/bb.tar.gz"
    [[ $output == *"oci-archive:$T/bb.tar.gz: a compressed archive: decompress it first"* ]]
}

@test "archives: an entry named with .. is refused and nothing is written outside; absolute names stay inside" {
    local l=$FIX/oci/busybox blobs=() b
    echo evil >"$T/payload"
    for b in "$l"/blobs/sha256/*; do blobs+=("blobs/sha256/${b##*/}=$b"); done
    python_tar "$T/dotdot.tar" "oci-layout=$l/oci-layout" "index.json=$l/index.json" "${blobs[@]}" "../evil=$T/payload"
    run -1 --separate-stderr crs pull "oci-archive:$T/dotdot.tar"
    echo "$stderr"
    [[ $stderr == "cr pull: oci-archive:$T/dotdot.tar: archive entry \"../evil\": \"..\" in the name" ]]
    [[ ! -e $T/../evil && ! -e $BATS_TEST_TMPDIR/evil && ! -e $STORE/evil ]]
    [[ -z $(blob_names) ]]

    # an absolute name is a name inside the archive, never a host path
    python_tar "$T/abs.tar" "oci-layout=$l/oci-layout" "index.json=$l/index.json" "${blobs[@]}" "$T/abs-evil=$T/payload"
    run -0 crs pull "oci-archive:$T/abs.tar"
    [[ ! -e $T/abs-evil ]]
    blobs_verified
    [[ -z $(store_files | grep -v -e '^./blobs/sha256/' -e '^./layers/sha256/' -e '^./tmp/[0-9a-f]*\.lock$' -e '^./images.json$' -e '^./lock$') ]]

    # a docker archive whose manifest.json or links point outside
    STORE=$BATS_TEST_TMPDIR/links
    jq -cn '[{Config: "c.json", RepoTags: null, Layers: ["../../etc/passwd"]}]' >"$T/manifest.json"
    python_tar "$T/m.tar" "manifest.json=$T/manifest.json" "c.json=$T/payload"
    run -1 crs pull "docker-archive:$T/m.tar"
    echo "$output"
    [[ $output == *"docker-archive:$T/m.tar: manifest.json: [0].Layers[0]: \"../../etc/passwd\" is not a name inside the archive"* ]]
    jq -cn '[{Config: "c.json", RepoTags: null, Layers: ["x/layer.tar"]}]' >"$T/manifest.json"
    jq -cn --arg d "sha256:$(printf '%064d' 0)" '{rootfs: {type: "layers", diff_ids: [$d]}}' >"$T/c.json"
    "$PY" - "$T/link.tar" "$T/manifest.json" "$T/c.json" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    t.add(sys.argv[2], arcname="manifest.json")
    t.add(sys.argv[3], arcname="c.json")
    i = tarfile.TarInfo("x/layer.tar"); i.type = tarfile.SYMTYPE; i.linkname = "../../../etc/passwd"
    t.addfile(i)
EOF
    run -1 crs pull "docker-archive:$T/link.tar"
    echo "$output"
    [[ $output == *"docker-archive:$T/link.tar: layer \"x/layer.tar\": link target \"../../../etc/passwd\" is outside the archive"* ]]
    [[ -z $(layer_names) ]]
    no_import_temps
}

# ---------------------------------------------------------------- docker-archive:

@test "docker-archive: skopeo's archive keeps its RepoTags; REF renames; the legacy layer symlink resolves" {
    skopeo_copy "oci:$FIX/oci/layered:latest" "docker-archive:$T/d.tar:test/layered:v1"
    tar -tvf "$T/d.tar" | grep -q '/layer.tar -> ' # the legacy layer links are there
    run -0 crs pull "docker-archive:$T/d.tar"
    echo "$output"
    run -0 image_json docker.io/test/layered:v1
    [[ $(jq -r .id <<<"$output") == "$(jq -r .config.digest "$FIX/oci/layered/blobs/sha256/${LAYERED_MANIFEST#sha256:}")" ]]
    bb_layer_ok
    [[ -c $STORE/layers/sha256/${L2_DIFF#sha256:}/etc/removeme ]]
    [[ -f $STORE/layers/sha256/${L2_DIFF#sha256:}/opt/dir/c ]]
    # the layers are plain tars: stored under their diff-ids
    [[ -f $STORE/blobs/sha256/${BB_DIFF#sha256:} && -f $STORE/blobs/sha256/${L2_DIFF#sha256:} ]]
    blobs_verified
    no_import_temps

    run -0 crs pull "docker-archive:$T/d.tar:other/name:v9"
    run -0 image_json docker.io/other/name:v9
    run -0 crs images --format json
    jq -e 'length == 2' <<<"$output"

    # two images in one archive: REF picks one, none is an error listing them
    skopeo_copy "oci:$FIX/oci/busybox:latest" "docker-archive:$T/two.tar:test/bb:1"
    "$PY" - "$T/two.tar" "$T/d.tar" "$T/both.tar" <<'EOF'
import json, sys, tarfile
seen, ms = set(), []
with tarfile.open(sys.argv[3], "w") as out:
    for src in sys.argv[1:3]:
        with tarfile.open(src) as t:
            for m in t.getmembers():
                if m.name == "manifest.json":
                    ms += json.load(t.extractfile(m))
                elif m.name not in ("repositories",) and m.name not in seen:
                    seen.add(m.name)
                    out.addfile(m, t.extractfile(m) if m.isfile() else None)
    data = json.dumps(ms).encode()
    import io
    i = tarfile.TarInfo("manifest.json"); i.size = len(data)
    out.addfile(i, io.BytesIO(data))
EOF
    STORE=$BATS_TEST_TMPDIR/both
    run -1 crs pull "docker-archive:$T/both.tar"
    echo "$output"
    [[ $output == *"manifest.json: 2 images: name one with docker-archive:FILE:REF (it has: docker.io/test/bb:1, docker.io/test/layered:v1)"* ]]
    run -0 crs pull "docker-archive:$T/both.tar:test/bb:1"
    run -0 image_json docker.io/test/bb:1
    [[ $(jq -r .id <<<"$output") == "$BB_CONFIG" ]]
    run -1 crs pull "docker-archive:$T/both.tar:test/bb:2"
    [[ $output == *"manifest.json: no image tagged test/bb:2"* ]]
}

@test "docker-archive: Docker's layouts — <id>/layer.tar with names from repositories, and gzip blobs/sha256 layers" {
    legacy_archive "$T/legacy.tar"
    run -0 crs pull "docker-archive:$T/legacy.tar"
    echo "$output"
    run -0 image_json docker.io/test/legacy:v1
    [[ $(jq -r .id <<<"$output") == "$LEGACY_CONFIG" ]]
    bb_layer_ok
    blobs_verified

    # Docker 25 and later: blobs/sha256/<hex> names (here with a gzip layer)
    local d=$T/new cfg
    mkdir -p "$d/blobs/sha256"
    cp "$FIX/oci/busybox/blobs/sha256/"* "$d/blobs/sha256/"
    jq -cn --arg c "blobs/sha256/${BB_CONFIG#sha256:}" --arg l "blobs/sha256/${BB_LAYER#sha256:}" \
        '[{Config: $c, RepoTags: ["test/new:v2", "test/new:latest"], Layers: [$l]}]' >"$d/manifest.json"
    (cd "$d" && tar -cf "$T/new.tar" manifest.json blobs)
    STORE=$BATS_TEST_TMPDIR/new
    run -0 crs pull "docker-archive:$T/new.tar"
    run -0 image_json docker.io/test/new:v2
    run -0 image_json docker.io/test/new:latest
    [[ -f $STORE/blobs/sha256/${BB_LAYER#sha256:} ]]
    cfg=$(manifest_of docker.io/test/new:latest)
    [[ $(jq -r '.layers[0].mediaType' "$STORE/blobs/sha256/${cfg#sha256:}") == application/vnd.oci.image.layer.v1.tar+gzip ]]
    bb_layer_ok
    blobs_verified
}

@test "docker-archive: a corrupted layer is refused naming the entry; nothing unverified lands in blobs/" {
    legacy_archive "$T/bad.tar" corrupt
    run -1 --separate-stderr crs pull "docker-archive:$T/bad.tar"
    echo "$stderr"
    [[ $stderr == "cr pull: docker-archive:$T/bad.tar: layer \"$LEGACY_LAYER\": digest mismatch (got sha256:"*", expected $BB_DIFF)" ]]
    [[ ! -e $STORE/blobs/sha256/${BB_DIFF#sha256:} ]]
    [[ -z $(layer_names) ]]
    no_import_temps
    run -0 crs images --format json
    jq -e 'length == 0' <<<"$output"

    # a truncated archive
    legacy_archive "$T/ok.tar"
    head -c 100000 "$T/ok.tar" >"$T/cut.tar"
    run -1 crs pull "docker-archive:$T/cut.tar"
    echo "$output"
    [[ $output == *"docker-archive:$T/cut.tar: archive entry "*"truncated archive"* ]]
    no_import_temps
}

# ---------------------------------------------------------------- login / logout

@test "login: htpasswd registry — wrong password refused and not stored; right one stored in Docker's format; pull uses it; logout removes it" {
    local d=$BATS_TEST_TMPDIR/auth cfg=$HOME/.docker/config.json
    mkdir -p "$d"
    htpasswd -Bbn alice 's3cret pass' >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    push busybox test/busybox --dest-creds 'alice:s3cret pass'

    run -1 --separate-stderr crs login -u alice --password-stdin "$REG" <<<"wrong"
    echo "$stderr"
    [[ $stderr == "cr login: login $REG: unauthorized: wrong user name or password" ]]
    [[ ! -e $cfg ]]

    run -0 crs login -u alice --password-stdin "$REG" <<<"s3cret pass"
    [[ $output == *"Login Succeeded"* ]]
    [[ $(stat -c %a "$cfg") == 600 ]]
    [[ $(jq -r --arg r "$REG" '.auths[$r].auth' "$cfg") == "$(printf '%s' 'alice:s3cret pass' | base64 -w0)" ]]

    run -0 crs pull "$REG/test/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]

    # -p works too, with Docker's warning
    run -0 --separate-stderr crs login -u alice -p 's3cret pass' "http://$REG/v2/"
    [[ $stderr == *"--password-stdin"* ]]
    jq -e --arg r "$REG" '.auths | keys == [$r]' "$cfg"

    run -0 crs logout "$REG"
    [[ $output == "Removed login credentials for $REG" ]]
    jq -e '.auths == {}' "$cfg"
    STORE=$BATS_TEST_TMPDIR/s2
    run -1 crs pull "$REG/test/busybox:latest"
    [[ $output == *"authentication required"* ]]
    run -1 crs logout "$REG"
    [[ $output == *"not logged in to $REG"* ]]

    # no password and no terminal: an error, not a hang
    run -1 crs login -u alice "$REG" </dev/null
    [[ $output == *"no password given"* ]]
}

@test "login: token registry — credentials go to the token server; --authfile; logout --all keeps the file's other keys" {
    local d=$BATS_TEST_TMPDIR/token f=$BATS_TEST_TMPDIR/auth.json
    token_server_start "$d" bob 'pa:ss' cr-test-registry cr-test-issuer
    reg_start -e --token "$TOKEN_REALM" cr-test-registry cr-test-issuer "$d/token.crt"
    push busybox private/busybox --dest-creds 'bob:pa:ss'
    echo '{"credHelpers": {"example.com": "pass"}, "auths": {"other.example": {"auth": "eDp5"}}}' >"$f"
    : >"$d/requests.log"

    run -1 crs login --authfile "$f" -u bob --password-stdin "$REG" <<<"nope"
    echo "$output"
    [[ $output == *"login $REG: unauthorized: wrong user name or password"* ]]
    jq -e '.auths | keys == ["other.example"]' "$f"
    jq -se 'map(select(.auth == "basic" and .user == "bob" and (.ok | not))) | length >= 1' "$d/requests.log"

    run -0 crs login --authfile "$f" -u bob --password-stdin "$REG" <<<"pa:ss"
    jq -e --arg r "$REG" '.auths[$r].auth == "Ym9iOnBhOnNz" and .auths["other.example"].auth == "eDp5" and .credHelpers["example.com"] == "pass"' "$f"
    [[ ! -e $HOME/.docker/config.json ]]

    run -0 crs pull --authfile "$f" "$REG/private/busybox:latest"
    [[ $output == *"Digest: $BB_MANIFEST"* ]]

    run -0 crs logout --authfile "$f" --all
    [[ $output == "Removed login credentials for all registries" ]]
    jq -e '.auths == {} and .credHelpers["example.com"] == "pass"' "$f"
    STORE=$BATS_TEST_TMPDIR/s2
    run -1 crs pull --authfile "$f" "$REG/private/busybox:latest"
}

@test "login: on a terminal the password is asked for without echo" {
    local d=$BATS_TEST_TMPDIR/auth
    mkdir -p "$d"
    htpasswd -Bbn alice pw >"$d/htpasswd"
    reg_start -e --htpasswd "$d/htpasswd"
    run -0 "$PY" - "$CR" "$REG" <<'EOF'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "login", "-u", "alice", sys.argv[2]])
out, sent = b"", False
deadline = time.time() + 30
while time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"Password:" in out:
        os.write(fd, b"pw\n")
        sent = True
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
EOF
    echo "$output"
    [[ $output == *"Password:"* ]]
    [[ $output == *"Login Succeeded"* ]]
    [[ $output != *pw$'\r'* && $output != *": pw"* ]]
    jq -e --arg r "$REG" '.auths[$r].auth == "YWxpY2U6cHc="' "$HOME/.docker/config.json"
}
