# registry_helpers.bash — fixtures for registry.bats (load with `load registry_helpers`).
#
# Everything lives under bats' temp dirs and talks to 127.0.0.1 only:
#   - test images are OCI layouts built by hand from Debian's busybox-static
#     (tar + gzip/zstd layers, config, manifest, index), pushed with skopeo;
#   - registries are the reference docker-registry, each on a free port with
#     its own storage, config, log, and optional TLS / htpasswd / token auth;
#   - a token server and a throttling TCP proxy are small python3 programs
#     (Debian's /usr/bin/python3 with python3-cryptography).
# Every background process is recorded (pid + a marker from its command
# line) and stopped by reg_teardown / reg_teardown_file, never by name.

source "${BASH_SOURCE[0]%/*}/common.bash"
: "${BATS_TEST_TIMEOUT:=300}"

CR=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
# Debian's python (python3-cryptography); a pyenv shim first in PATH may lack it
PY=${CR_TEST_PYTHON:-/usr/bin/python3}
[[ -x $PY ]] || PY=python3

FIX=$BATS_FILE_TMPDIR/fix          # layouts, certs, seed registry storage
BG_LIST=$BATS_FILE_TMPDIR/bg.list  # "pid marker" of processes we started

# ---------------------------------------------------------------- processes

# bg_start MARKER LOG CMD... : daemon_start into $BG_LIST; sets BG_PID.
bg_start() {
    daemon_start "$BG_LIST" "$@"
    BG_PID=$DAEMON_PID
}

# bg_stop PID : TERM, then KILL after 5 s; removes it from the list.
bg_stop() { daemon_stop "$BG_LIST" "$1"; }

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL : until something answers HTTP there (any status), 15 s.
wait_http() {
    wait_until 15 curl -sk -o /dev/null --max-time 2 "$1" || fail "nothing answered at $1"
}

# ---------------------------------------------------------------- OCI layouts

oci_init() { # DIR
    mkdir -p "$1/blobs/sha256"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
    [[ -f $1/index.json ]] || printf '{"schemaVersion":2,"manifests":[]}' >"$1/index.json"
}

# oci_put DIR FILE MEDIATYPE : stores FILE as a blob, prints its descriptor.
oci_put() {
    local hex size
    hex=$(sha256sum "$2" | cut -d' ' -f1)
    size=$(stat -c %s "$2")
    cp "$2" "$1/blobs/sha256/$hex"
    jq -cn --arg m "$3" --arg d "sha256:$hex" --argjson s "$size" '{mediaType: $m, digest: $d, size: $s}'
}

# make_tar SRC OUT : a reproducible tar of SRC's contents (names without ./),
# owned by root, or with KEEP_OWNERS=1 by SRC's owners.
make_tar() {
    local own=(--owner=0 --group=0)
    [[ -n ${KEEP_OWNERS:-} ]] && own=()
    (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
        tar --no-recursion --numeric-owner "${own[@]}" --mtime=@0 -cf "$2" -T -)
}

# oci_layer DIR SRC gzip|zstd|gzip1|tar : prints "DESCRIPTOR DIFFID".
oci_layer() {
    local dir=$1 src=$2 comp=$3 t diff desc
    t=$(mktemp "$BATS_FILE_TMPDIR/layer.XXXXXX")
    make_tar "$src" "$t.tar"
    diff=sha256:$(sha256sum "$t.tar" | cut -d' ' -f1)
    case $comp in
    gzip) gzip -n -c "$t.tar" >"$t.z"; desc=$(oci_put "$dir" "$t.z" application/vnd.oci.image.layer.v1.tar+gzip) ;;
    gzip1) gzip -1 -n -c "$t.tar" >"$t.z"; desc=$(oci_put "$dir" "$t.z" application/vnd.oci.image.layer.v1.tar+gzip) ;;
    zstd) zstd -q -c "$t.tar" >"$t.z"; desc=$(oci_put "$dir" "$t.z" application/vnd.oci.image.layer.v1.tar+zstd) ;;
    tar) desc=$(oci_put "$dir" "$t.tar" application/vnd.oci.image.layer.v1.tar) ;;
    esac
    rm -f "$t" "$t.tar" "$t.z"
    printf '%s %s\n' "$desc" "$diff"
}

# oci_manifest DIR ARCH VARIANT LAYER... : LAYER is an oci_layer line.
# Prints the manifest descriptor with its platform.
oci_manifest() {
    local dir=$1 arch=$2 variant=$3 l t descs=() diffs=() cfg man plat
    shift 3
    for l in "$@"; do
        descs+=("${l% *}")
        diffs+=("${l##* }")
    done
    t=$(mktemp "$BATS_FILE_TMPDIR/man.XXXXXX")
    jq -cn --arg arch "$arch" --arg variant "$variant" --args '{
        created: "1970-01-01T00:00:00Z", architecture: $arch, os: "linux",
        config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"],
                 Labels: {"cr.test.arch": $arch}},
        rootfs: {type: "layers", diff_ids: $ARGS.positional},
        history: [$ARGS.positional[] | {created: "1970-01-01T00:00:00Z", created_by: "cr test"}]
    } + (if $variant != "" then {variant: $variant} else {} end)' "${diffs[@]}" >"$t.cfg"
    cfg=$(oci_put "$dir" "$t.cfg" application/vnd.oci.image.config.v1+json)
    printf '%s\n' "${descs[@]}" | jq -cs --argjson cfg "$cfg" '{schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json", config: $cfg, layers: .}' >"$t.man"
    man=$(oci_put "$dir" "$t.man" application/vnd.oci.image.manifest.v1+json)
    plat=$(jq -cn --arg a "$arch" --arg v "$variant" '{architecture: $a, os: "linux"} + (if $v != "" then {variant: $v} else {} end)')
    rm -f "$t" "$t.cfg" "$t.man"
    jq -c --argjson p "$plat" '. + {platform: $p}' <<<"$man"
}

# oci_index DIR DESC... : an image index blob; prints its descriptor.
oci_index() {
    local dir=$1 t d
    shift
    t=$(mktemp "$BATS_FILE_TMPDIR/idx.XXXXXX")
    printf '%s\n' "$@" | jq -cs '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' >"$t"
    d=$(oci_put "$dir" "$t" application/vnd.oci.image.index.v1+json)
    rm -f "$t"
    printf '%s\n' "$d"
}

# oci_tag DIR TAG DESC : names DESC TAG in index.json.
oci_tag() {
    local t
    t=$(mktemp "$BATS_FILE_TMPDIR/tag.XXXXXX")
    jq -c --arg tag "$2" --argjson d "$3" \
        '.manifests += [($d | del(.platform)) + {annotations: {"org.opencontainers.image.ref.name": $tag}}]' \
        "$1/index.json" >"$t"
    mv "$t" "$1/index.json"
}

# oci_image DIR SRC CONFIG : the layout DIR (made when missing) gets a
# one-layer image of SRC (gzip) tagged latest; CONFIG is a jq expression for
# the image config's "config" object (Env, Cmd, ...).
oci_image() {
    local dir=$1 l t cfg man
    oci_init "$dir"
    l=$(oci_layer "$dir" "$2" gzip)
    t=$(mktemp "$BATS_FILE_TMPDIR/img.XXXXXX")
    jq -cn --arg diff "${l##* }" "{created: \"1970-01-01T00:00:00Z\", architecture: \"amd64\", os: \"linux\",
        config: ($3), rootfs: {type: \"layers\", diff_ids: [\$diff]}}" >"$t"
    cfg=$(oci_put "$dir" "$t" application/vnd.oci.image.config.v1+json)
    jq -cn --argjson cfg "$cfg" --argjson l "${l% *}" \
        '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $cfg, layers: [$l]}' >"$t"
    man=$(oci_put "$dir" "$t" application/vnd.oci.image.manifest.v1+json)
    oci_tag "$dir" latest "$man"
    rm -f "$t"
}

# oci_with_busybox DIR : a new layout holding the busybox layout's blobs.
oci_with_busybox() {
    oci_init "$1"
    cp "$FIX/oci/busybox/blobs/sha256/"* "$1/blobs/sha256/"
}

# make_busybox_rootfs DIR : bin/busybox + applet links, a few files to white out.
make_busybox_rootfs() {
    local d=$1
    busybox_rootfs "$d" root opt/dir || return 1
    echo "remove me" >"$d/etc/removeme"
    echo a >"$d/opt/dir/a"
    echo b >"$d/opt/dir/b"
}

# make_busybox_layout : $FIX/rootfs (make_busybox_rootfs) and the OCI
# layout $FIX/oci/busybox of it: one gzip layer, tagged latest.
make_busybox_layout() {
    local l m
    make_busybox_rootfs "$FIX/rootfs" || return 1
    oci_init "$FIX/oci/busybox"
    l=$(oci_layer "$FIX/oci/busybox" "$FIX/rootfs" gzip)
    m=$(oci_manifest "$FIX/oci/busybox" amd64 "" "$l")
    oci_tag "$FIX/oci/busybox" latest "$m"
}

# reg_fixtures: OCI layouts in $FIX/oci/<name> (tag "latest" each):
#   busybox  one gzip layer (BB_LAYER)
#   layered  BB_LAYER + a layer with etc/.wh.removeme, opt/dir/.wh..wh..opq, opt/dir/c
#   zstd     the busybox tar as tar+zstd
#   multi    an index: linux/amd64, linux/arm64, linux/arm/v7 (same layer, own configs)
#   four     BB_LAYER + three layers of 1 MiB of random data each (FOUR_LAYERS, FOUR_DIFFS)
# and sets, in $FIX/env (sourced by reg_load_fixtures), their digests.
reg_fixtures() {
    local o=$FIX/oci l1 l2 lz m ma mb mc idx k lf=()
    mkdir -p "$FIX/rootfs" "$FIX/layer2/etc" "$FIX/layer2/opt/dir"
    echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$FIX/policy.json"
    make_busybox_rootfs "$FIX/rootfs"
    : >"$FIX/layer2/etc/.wh.removeme"
    : >"$FIX/layer2/opt/dir/.wh..wh..opq"
    echo c >"$FIX/layer2/opt/dir/c"
    echo hello >"$FIX/layer2/hello.txt"

    oci_init "$o/busybox"
    l1=$(oci_layer "$o/busybox" "$FIX/rootfs" gzip)
    oci_tag "$o/busybox" latest "$(oci_manifest "$o/busybox" amd64 "" "$l1")"

    oci_with_busybox "$o/layered"
    l2=$(oci_layer "$o/layered" "$FIX/layer2" gzip)
    oci_tag "$o/layered" latest "$(oci_manifest "$o/layered" amd64 "" "$l1" "$l2")"

    oci_init "$o/zstd"
    lz=$(oci_layer "$o/zstd" "$FIX/rootfs" zstd)
    oci_tag "$o/zstd" latest "$(oci_manifest "$o/zstd" amd64 "" "$lz")"

    oci_with_busybox "$o/multi"
    ma=$(oci_manifest "$o/multi" amd64 "" "$l1")
    mb=$(oci_manifest "$o/multi" arm64 "" "$l1")
    mc=$(oci_manifest "$o/multi" arm v7 "$l1")
    idx=$(oci_index "$o/multi" "$ma" "$mb" "$mc")
    oci_tag "$o/multi" latest "$idx"

    oci_with_busybox "$o/four"
    lf=("$l1")
    for k in 1 2 3; do
        mkdir -p "$FIX/four$k/data$k"
        head -c 1M /dev/urandom >"$FIX/four$k/data$k/random.bin"
        echo "layer $k" >"$FIX/four$k/data$k/name.txt"
        lf+=("$(oci_layer "$o/four" "$FIX/four$k" gzip1)")
    done
    m=$(oci_manifest "$o/four" amd64 "" "${lf[@]}")
    oci_tag "$o/four" latest "$m"

    {
        printf 'FOUR_MANIFEST=%q\n' "$(jq -r .digest <<<"$m")"
        printf 'FOUR_LAYERS=(%s)\n' "$(for k in "${lf[@]}"; do printf '%q ' "$(jq -r .digest <<<"${k% *}")"; done)"
        printf 'FOUR_DIFFS=(%s)\n' "$(for k in "${lf[@]}"; do printf '%q ' "${k##* }"; done)"
        printf 'BB_LAYER=%q\n' "$(jq -r .digest <<<"${l1% *}")"
        printf 'BB_LAYER_SIZE=%q\n' "$(jq -r .size <<<"${l1% *}")"
        printf 'BB_DIFF=%q\n' "${l1##* }"
        printf 'BB_MANIFEST=%q\n' "$(jq -r '.manifests[0].digest' "$o/busybox/index.json")"
        printf 'BB_CONFIG=%q\n' "$(jq -r .config.digest "$o/busybox/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' "$o/busybox/index.json")")"
        printf 'LAYERED_MANIFEST=%q\n' "$(jq -r '.manifests[0].digest' "$o/layered/index.json")"
        printf 'L2_LAYER=%q\n' "$(jq -r .digest <<<"${l2% *}")"
        printf 'L2_DIFF=%q\n' "${l2##* }"
        printf 'ZSTD_LAYER=%q\n' "$(jq -r .digest <<<"${lz% *}")"
        printf 'MULTI_INDEX=%q\n' "$(jq -r .digest <<<"$idx")"
        printf 'MULTI_AMD64=%q\n' "$(jq -r .digest <<<"$ma")"
        printf 'MULTI_ARM64=%q\n' "$(jq -r .digest <<<"$mb")"
        printf 'MULTI_AMD64_CONFIG=%q\n' "$(jq -r .config.digest "$o/multi/blobs/sha256/$(jq -r '.digest[7:]' <<<"$ma")")"
        printf 'MULTI_ARM64_CONFIG=%q\n' "$(jq -r .config.digest "$o/multi/blobs/sha256/$(jq -r '.digest[7:]' <<<"$mb")")"
    } >"$FIX/env"

    # the seed storage every plain registry starts from: all of the above pushed
    reg_start -e
    push busybox test/busybox
    push layered test/layered
    push zstd test/zstd
    push multi test/multi --all
    push four test/four
    reg_stop
    mv "$REG_ROOT" "$FIX/seed"
}

reg_load_fixtures() {
    # shellcheck disable=SC1091
    source "$FIX/env"
}

# push LAYOUT REPO [SKOPEO-OPTS...] : skopeo copy oci:$FIX/oci/LAYOUT:latest to $REG/REPO:latest
push() {
    local layout=$1 repo=$2
    shift 2
    skopeo --policy "$FIX/policy.json" copy -q --retry-times 0 --dest-tls-verify=false "$@" \
        "oci:$FIX/oci/$layout:latest" "docker://$REG/$repo:latest"
}

# ---------------------------------------------------------------- registries

# reg_start [-e] [--tls CRT KEY] [--htpasswd FILE] [--token REALM SERVICE ISSUER CERT]
#   -e: empty storage (default: a copy of the seed with every fixture image)
# Sets REG (127.0.0.1:PORT), REG_PORT, REG_ROOT (storage root), REG_LOG, REG_PID.
reg_start() {
    local empty=0 tls=() htp='' tok=() dir scheme=http
    while (($#)); do
        case $1 in
        -e) empty=1 ;;
        --tls) tls=("$2" "$3"); shift 2 ;;
        --htpasswd) htp=$2; shift ;;
        --token) tok=("$2" "$3" "$4" "$5"); shift 4 ;;
        *) echo "reg_start: bad option $1" >&2; return 1 ;;
        esac
        shift
    done
    dir=$(mktemp -d "$BATS_FILE_TMPDIR/reg.XXXXXX")
    REG_ROOT=$dir/storage
    if ((empty)); then mkdir -p "$REG_ROOT"; else cp -a "$FIX/seed" "$REG_ROOT"; fi
    REG_PORT=$(free_port)
    REG=127.0.0.1:$REG_PORT
    REG_LOG=$dir/registry.log
    {
        echo "version: 0.1"
        echo "log: {level: info, accesslog: {disabled: false}, formatter: text}"
        echo "storage: {filesystem: {rootdirectory: \"$REG_ROOT\"}, delete: {enabled: true}, redirect: {disable: true}}"
        echo "http:"
        echo "  addr: $REG"
        echo "  secret: cr-test-secret"
        if ((${#tls[@]})); then
            echo "  tls: {certificate: \"${tls[0]}\", key: \"${tls[1]}\"}"
            scheme=https
        fi
        if [[ -n $htp ]]; then
            echo "auth: {htpasswd: {realm: cr-test, path: \"$htp\"}}"
        elif ((${#tok[@]})); then
            echo "auth: {token: {realm: \"${tok[0]}\", service: \"${tok[1]}\", issuer: \"${tok[2]}\", rootcertbundle: \"${tok[3]}\"}}"
        fi
    } >"$dir/config.yml"
    bg_start "$dir/config.yml" "$REG_LOG" docker-registry serve "$dir/config.yml"
    REG_PID=$BG_PID
    wait_http "$scheme://$REG/v2/" || { cat "$REG_LOG" >&2; return 1; }
}

reg_stop() { # stops the last registry reg_start started
    [[ -n ${REG_PID:-} ]] && bg_stop "$REG_PID"
    REG_PID=
}

# reg_blob_data DIGEST : the file the registry serves for that blob.
reg_blob_data() {
    local hex=${1#sha256:}
    printf '%s\n' "$REG_ROOT/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# reg_blob_conns [LOG] : the client addresses (ip:port) of the blob GETs the
# registry has logged, one per connection.
reg_blob_conns() {
    grep 'msg="response completed"' "${1:-$REG_LOG}" | grep 'http.request.method=GET' |
        grep -E 'http.request.uri="?/v2/[^ ]*/blobs/sha256:' | grep -o 'http.request.remoteaddr="[^"]*"' | sort -u
}

# reg_blob_gets [REPO] : how many blob GETs the registry has logged (access log).
reg_blob_gets() {
    grep -c "\"GET /v2/${1:-[^ ]*}/blobs/sha256:" "$REG_LOG" || true
}

# write_authfile FILE USER:PASS : a Docker-style auth file for $REG.
write_authfile() {
    jq -n --arg r "$REG" --arg a "$(printf '%s' "$2" | base64 -w0)" '{auths: {($r): {auth: $a}}}' >"$1"
}

# ---------------------------------------------------------------- certificates

# make_ca DIR : DIR/ca.crt, DIR/ca.key
make_ca() {
    mkdir -p "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=cr test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$1/ca.key" -out "$1/ca.crt" 2>/dev/null
}

# make_cert CADIR NAME EXTENSIONS [CN [KEY]] : CADIR/NAME.crt, NAME.key signed
# by CADIR/ca (EXTENSIONS: openssl extension lines; KEY rsa (default) or ec, P-256)
make_cert() {
    local ca=$1 n=$2 key=(-newkey rsa:2048)
    [[ ${5:-rsa} == ec ]] && key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
    openssl req "${key[@]}" -nodes -sha256 -subj "/CN=${4:-$n}" -keyout "$ca/$n.key" -out "$ca/$n.csr" 2>/dev/null
    printf '%s\n' "$3" >"$ca/$n.ext"
    openssl x509 -req -sha256 -days 2 -in "$ca/$n.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
        -extfile "$ca/$n.ext" -out "$ca/$n.crt" 2>/dev/null
}

# make_server_cert CADIR NAME SAN [CN [KEY]] : CADIR/NAME.crt, NAME.key (SAN e.g. IP:127.0.0.1)
make_server_cert() {
    make_cert "$1" "$2" "subjectAltName=$3
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth" "${4:-127.0.0.1}" "${5:-}"
}

# make_client_cert CADIR NAME [KEY] : CADIR/NAME.crt, NAME.key for TLS client authentication
make_client_cert() {
    make_cert "$1" "$2" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth" "$2" "${3:-}"
}

# ---------------------------------------------------------------- helpers in python

# token_server_start DIR USER PASS SERVICE ISSUER : a JWT token server for
# docker-registry's token auth. DIR gets token.key/token.crt (openssl, the
# registry's rootcertbundle) and requests.log (one JSON line a request).
# Anonymous requests get "pull" on public/* only; USER:PASS gets what it
# asks for; other credentials get 401. Sets TOKEN_PORT, TOKEN_REALM.
token_server_start() {
    local dir=$1
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=cr test token signer" \
        -keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
    cat >"$dir/tokensrv.py" <<'EOF'
import base64, hashlib, json, os, sys, time, http.server, urllib.parse
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

d, user, pw, service, issuer = sys.argv[1:6]
key = serialization.load_pem_private_key(open(d + "/token.key", "rb").read(), None)
cert = x509.load_pem_x509_certificate(open(d + "/token.crt", "rb").read())
der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
kid = ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))   # libtrust key id

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jwt(sub, access):
    now = int(time.time())
    head = {"typ": "JWT", "alg": "RS256", "kid": kid}
    claims = {"iss": issuer, "sub": sub, "aud": service, "exp": now + 600, "nbf": now - 60, "iat": now,
              "jti": b64(os.urandom(12)), "access": access}
    signing = b64(json.dumps(head).encode()) + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256()))

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        authz = self.headers.get("Authorization", "")
        who, ok = "", True
        if authz.startswith("Basic "):
            try:
                who, _, p = base64.b64decode(authz[6:]).decode().partition(":")
            except Exception:
                who, p = "?", None
            ok = who == user and p == pw
        entry = {"path": u.path, "auth": "basic" if authz else "none", "user": who, "ok": ok,
                 "service": q.get("service", [""])[0], "scope": q.get("scope", [])}
        with open(d + "/requests.log", "a") as f:
            f.write(json.dumps(entry) + "\n")
        if u.path != "/token":
            self.send_error(404)
            return
        if not ok:
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        access = []
        for s in q.get("scope", []):
            parts = s.split(":")
            if len(parts) < 3 or parts[0] != "repository":
                continue
            name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
            if not who:
                actions = [a for a in actions if a == "pull"] if name.startswith("public/") else []
            access.append({"type": "repository", "name": name, "actions": actions})
        t = jwt(who, access)
        body = json.dumps({"token": t, "access_token": t, "expires_in": 600,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(d + "/port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(d + "/port.tmp", d + "/port")
srv.serve_forever()
EOF
    : >"$dir/requests.log"
    bg_start "$dir/tokensrv.py" "$dir/tokensrv.log" "$PY" "$dir/tokensrv.py" "$dir" "$2" "$3" "$4" "$5"
    wait_until 10 test -s "$dir/port" || { cat "$dir/tokensrv.log" >&2; return 1; }
    TOKEN_PORT=$(cat "$dir/port")
    TOKEN_REALM=http://127.0.0.1:$TOKEN_PORT/token
}

# proxy_start DIR UPSTREAM_PORT : a TCP proxy on 127.0.0.1 that throttles
# what comes back to DIR/rate bytes a second (0: no limit; read on every
# chunk) and logs what clients send to DIR/requests.log. Sets PROXY_PORT.
proxy_start() {
    local dir=$1
    mkdir -p "$dir"
    [[ -f $dir/rate ]] || echo 0 >"$dir/rate"
    cat >"$dir/proxy.py" <<'EOF'
import os, socket, sys, threading, time

d, up = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()

def rate():
    try:
        return int(open(d + "/rate").read().strip() or 0)
    except Exception:
        return 0

def pipe(a, b, log):
    try:
        while True:
            data = a.recv(16384)
            if not data:
                break
            if log:
                with lock, open(d + "/requests.log", "ab") as f:
                    f.write(data)
            else:
                r = rate()
                if r > 0:
                    time.sleep(len(data) / r)
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def serve(c):
    try:
        u = socket.create_connection(("127.0.0.1", up))
    except OSError:
        c.close()
        return
    threading.Thread(target=pipe, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, False), daemon=True).start()

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(d + "/port.tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(d + "/port.tmp", d + "/port")
while True:
    c, _ = ls.accept()
    serve(c)
EOF
    : >"$dir/requests.log"
    bg_start "$dir/proxy.py" "$dir/proxy.log" "$PY" "$dir/proxy.py" "$dir" "$2"
    wait_until 10 test -s "$dir/port" || { cat "$dir/proxy.log" >&2; return 1; }
    PROXY_PORT=$(cat "$dir/port")
}

# ---------------------------------------------------------------- the store

# crs ARGS... : cr with this test's store
crs() { "$CR" --storage "$STORE" "$@"; }

# blobs_verified : every file in blobs/sha256 hashes to its name
blobs_verified() {
    local f n=0
    for f in "$STORE"/blobs/sha256/*; do
        [[ -e $f ]] || continue
        [[ $(sha256sum "$f" | cut -d' ' -f1) == "${f##*/}" ]] || { echo "blob ${f##*/} does not match its name" >&2; return 1; }
        n=$((n + 1))
    done
    ((n > 0)) || { echo "no blobs in $STORE/blobs/sha256" >&2; return 1; }
}

blob_names() { ls -1 "$STORE/blobs/sha256" 2>/dev/null | sort; }
layer_names() { ls -1 "$STORE/layers/sha256" 2>/dev/null | sort; }

# store_listing : every path in the store with type and size (for "nothing changed")
store_listing() {
    [[ -d $STORE ]] || return 0
    (cd "$STORE" && find . -mindepth 1 -printf '%y %s %p\n' | LC_ALL=C sort)
}

# store_files : regular files and links in the store (for "only empty dirs left")
store_files() {
    [[ -d $STORE ]] || return 0
    (cd "$STORE" && find . -mindepth 1 ! -type d -printf '%p\n' | LC_ALL=C sort)
}

# ---------------------------------------------------------------- setup / teardown

reg_setup_file() {
    mkdir -p "$FIX"
    : >"$BG_LIST"
    reg_fixtures
}

reg_setup() {
    reg_load_fixtures
    STORE=$BATS_TEST_TMPDIR/store
    REG_PID=
    # no credentials of the machine's user leak into a test
    export HOME=$BATS_TEST_TMPDIR/home
    mkdir -p "$HOME"
    unset XDG_RUNTIME_DIR REGISTRY_AUTH_FILE DOCKER_CONFIG
}

reg_teardown() { daemon_stop_all "$BG_LIST"; }
reg_teardown_file() { daemon_stop_all "$BG_LIST"; }
