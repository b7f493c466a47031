#!/usr/bin/env python3
"""flaky_registry.py - a small registry (distribution spec v2, in memory)
that misbehaves on purpose, for push.bats. Binds to 127.0.0.1 only.

    flaky_registry.py DIR [--fail-patch N] [--expire-at N] [--close-at N]
                          [--drop-upload-at N]

Token auth (realm http://127.0.0.1:PORT/token, any Basic credentials or
none get a token). Faults, counted over PATCH requests (1 = the first):
  --fail-patch N      PATCH number N takes its body, keeps nothing, answers 500
  --expire-at N       before PATCH number N every token is revoked: 401
  --close-at N        PATCH number N: half its body is kept, then the
                      connection is closed without an answer
  --drop-upload-at N  PATCH number N: the upload is forgotten (404), as a
                      registry that cannot resume it
DIR/port gets the port; DIR/requests.log one line a request:
"METHOD PATH STATUS".
"""
import hashlib, json, os, sys, threading, uuid
import http.server

d = sys.argv[1]
opts = {"--fail-patch": 0, "--expire-at": 0, "--close-at": 0, "--drop-upload-at": 0}
args = sys.argv[2:]
while args:
    opts[args[0]] = int(args[1])
    args = args[2:]

lock = threading.Lock()
blobs, manifests, uploads, tokens = {}, {}, {}, set()
patches = [0]


def log(line):
    with lock, open(d + "/requests.log", "a") as f:
        f.write(line + "\n")


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=None, ctype="application/json"):
        log("%s %s %d" % (self.command, self.path.split("?")[0], code))
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body or self.command != "HEAD":
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self, limit=None):
        n = int(self.headers.get("Content-Length", 0))
        if limit is not None:
            return self.rfile.read(min(n, limit))
        return self.rfile.read(n)

    def authed(self):
        a = self.headers.get("Authorization", "")
        if a.startswith("Bearer ") and a[7:] in tokens:
            return True
        host = "127.0.0.1:%d" % self.server.server_address[1]
        err = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self.body()
        self.reply(401, err, {"WWW-Authenticate": 'Bearer realm="http://%s/token",service="flaky"' % host})
        return False

    def upload_state(self, u):
        h = {"Location": "/v2/%s/blobs/uploads/%s" % (uploads[u]["name"], u), "Docker-Upload-UUID": u}
        n = len(uploads[u]["data"])
        if n:
            h["Range"] = "0-%d" % (n - 1)
        return h

    def do_GET(self):
        self.route()

    def do_HEAD(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PATCH(self):
        self.route()

    def do_PUT(self):
        self.route()

    def route(self):
        path, _, query = self.path.partition("?")
        q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if path == "/token":
            t = uuid.uuid4().hex
            tokens.add(t)
            return self.reply(200, json.dumps({"token": t, "expires_in": 600}).encode())
        if self.command == "PATCH":
            patches[0] += 1
            if patches[0] == opts["--expire-at"]:
                tokens.clear()
        if not self.authed():
            return
        if path == "/v2/":
            return self.reply(200, b"{}")
        parts = path[4:].split("/")
        if "blobs" in parts:
            i = parts.index("blobs")
            return self.blob("/".join(parts[:i]), parts[i + 1:], q)
        if "manifests" in parts:
            i = parts.index("manifests")
            return self.manifest("/".join(parts[:i]), parts[i + 1])
        self.reply(404)

    def blob(self, name, rest, q):
        if rest and rest[0] == "uploads":
            return self.upload(name, rest[1] if len(rest) > 1 else "", q)
        dg = rest[0]
        if self.command in ("GET", "HEAD") and dg in blobs:
            return self.reply(200, blobs[dg], {"Docker-Content-Digest": dg}, "application/octet-stream")
        self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')

    def upload(self, name, u, q):
        if self.command == "POST":
            self.body()
            if q.get("mount") in blobs and q.get("from"):
                return self.reply(201, b"", {"Location": "/v2/%s/blobs/%s" % (name, q["mount"])})
            u = uuid.uuid4().hex
            uploads[u] = {"name": name, "data": b""}
            return self.reply(202, b"", self.upload_state(u))
        if u not in uploads:
            self.body()
            return self.reply(404, b'{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"upload unknown"}]}')
        up = uploads[u]
        if self.command == "GET":
            return self.reply(204, b"", self.upload_state(u))
        if self.command == "PATCH":
            return self.patch(u, up)
        if self.command == "PUT":
            up["data"] += self.body()
            got = "sha256:" + hashlib.sha256(up["data"]).hexdigest()
            if got != q.get("digest", "").replace("%3A", ":"):
                return self.reply(400, b'{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}')
            blobs[got] = up["data"]
            del uploads[u]
            return self.reply(201, b"", {"Location": "/v2/%s/blobs/%s" % (name, got), "Docker-Content-Digest": got})
        self.reply(405)

    def patch(self, u, up):
        n = patches[0]
        start = int(self.headers.get("Content-Range", "0-0").split("-")[0])
        if n == opts["--drop-upload-at"]:
            self.body()
            del uploads[u]
            return self.reply(404, b'{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"upload unknown"}]}')
        if start != len(up["data"]):
            self.body()
            return self.reply(416, b"", self.upload_state(u))
        if n == opts["--close-at"]:
            size = int(self.headers.get("Content-Length", 0))
            up["data"] += self.body(size // 2)
            log("PATCH closed after %d of %d bytes" % (size // 2, size))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        data = self.body()
        if n == opts["--fail-patch"]:
            return self.reply(500, b'{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}')
        up["data"] += data
        self.reply(202, b"", self.upload_state(u))

    def manifest(self, name, ref):
        key = name + ":" + ref
        if self.command == "PUT":
            data = self.body()
            dg = "sha256:" + hashlib.sha256(data).hexdigest()
            m = (self.headers.get("Content-Type", ""), data)
            manifests[key] = manifests[name + ":" + dg] = m
            return self.reply(201, b"", {"Docker-Content-Digest": dg, "Location": "/v2/%s/manifests/%s" % (name, dg)})
        if key not in manifests:
            return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
        ct, data = manifests[key]
        dg = "sha256:" + hashlib.sha256(data).hexdigest()
        self.reply(200, data, {"Docker-Content-Digest": dg}, ct)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(d + "/requests.log", "a").close()
with open(d + "/port.tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(d + "/port.tmp", d + "/port")
srv.serve_forever()
