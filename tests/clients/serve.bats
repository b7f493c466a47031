#!/usr/bin/env bats
# `cr serve` (the Docker Engine API) driven by the docker CLI of Debian's
# docker.io, the newer docker CLI when this machine has one, python3-docker
# and plain HTTP. Each test starts its own cr serve (in the file's network
# namespace, with its own state root and a copy of the pulled store) on a
# socket in a short temp dir, and stops it by pid.

load helpers
load ../integration/image_helpers

setup_file() {
    require_cmds docker-registry skopeo script /usr/bin/docker /usr/bin/python3 || return 0
    img_setup_file
}

setup() {
    skip_if_unavailable
    img_setup
    S=$(clients_tmpdir sv)
    export DOCKER_HOST=unix://$S/d.sock DOCKER_CONFIG=$S/cli
    D=/usr/bin/docker
    bg_start "$S/d.sock" "$S/serve.log" nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" serve --socket "$S/d.sock"
    SERVE_PID=$BG_PID
    wait_file "$S/d.sock"
}

teardown() { serve_teardown; }   # (the registry of setup_file stays for the next test)

# conns: connection processes of this serve (its children)
conns() { pgrep -P "$SERVE_PID" | grep -c . || true; }

# serve_on_host [--empty]: this test's cr serve again, in the host's network
# namespace where the registry listens on 127.0.0.1 (its containers then
# run without a network); --empty: on an empty store
serve_on_host() {
    bg_stop "$SERVE_PID"
    rm -f "$S/d.sock"
    [[ ${1:-} != --empty ]] || { rm -rf "$STORE" && mkdir -p "$STORE"; }
    bg_start "$S/d.sock" "$S/serve.log" "$CR" --root "$CR_ROOT" --storage "$STORE" serve --socket "$S/d.sock"
    SERVE_PID=$BG_PID
    wait_file "$S/d.sock"
}

@test "serve: version negotiation with both docker CLIs, _ping, errors in Docker's shape" {
    run timeout 20 $D version --format '{{.Server.APIVersion}}'
    [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    if [[ -x /usr/local/bin/docker ]]; then
        run timeout 20 /usr/local/bin/docker version --format '{{.Client.APIVersion}}'
        [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    fi
    run api GET /_ping
    [ "$output" = "OK 200" ]
    run api GET /v1.41/nothing/here
    [[ $output == '{"message":"page not found"} 404' ]]
    run api POST /v1.41/containers/create -d '{"Image":'
    [[ $output == '{"message":"invalid JSON: '*' 400' ]]
    run api GET /v1.99/info
    [[ $output == *'newer than the supported API versions'*' 400' ]]
    run api GET /v1.41/containers/nope/json
    [[ $output == '{"message":"No such container: nope"} 404' ]]
    # garbage never kills the server
    for req in 'NOT HTTP\r\n\r\n' 'GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n' 'POST /containers/create HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'; do
        run timeout 5 "$PY" -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode().decode("unicode_escape").encode()); print(s.recv(200).decode().split("\r\n")[0])' "$S/d.sock" "$req"
        [[ $output == "HTTP/1.1 400 Bad Request" ]]
    done
    run api GET /_ping
    [ "$output" = "OK 200" ]
    alive "$SERVE_PID"
}

@test "serve: socket activation (LISTEN_FDS) serves the inherited socket" {
    command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
    # (the marker: a word of both command lines, since the activator execs cr)
    bg_start serve "$S/act.log" systemd-socket-activate -l "$S/act.sock" "$CR" --root "$CR_ROOT" --storage "$STORE" serve
    act=$BG_PID
    wait_file "$S/act.sock"
    run timeout 20 env DOCKER_HOST="unix://$S/act.sock" $D version --format '{{.Server.Version}}'
    bg_stop "$act"
    [ "$status" -eq 0 ] && [ -n "$output" ]
    ! kill -0 "$act" 2>/dev/null
}

@test "serve: socket activation with stdin closed: a connection on fd 0 gets docker cp's tar, not stdout" {
    # (the activator: the listening socket on fd 3, fd 0 closed, then cr in its place)
    bg_start serve "$S/act.log" /usr/bin/python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(16)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True); os.close(0)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(sys.argv[2], sys.argv[2:])' "$S/act.sock" "$CR" --root "$CR_ROOT" --storage "$STORE" serve
    act=$BG_PID
    wait_file "$S/act.sock"
    export DOCKER_HOST=unix://$S/act.sock
    timeout 30 $D create --name "${N}fd0" --network none "$BB" true
    run timeout 20 $D cp "${N}fd0:/opt/dir/a" "$S/a"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(cat "$S/a")" = a ]
    run timeout 30 $D rm "${N}fd0"
    bg_stop "$act"
    [ "$status" -eq 0 ]
}

@test "serve: docker run --rm prints the output and returns the status, leaving nothing" {
    run timeout 30 $D run --rm --network none "$BB" echo hello
    [ "$status" -eq 0 ] && [ "$output" = hello ]
    run timeout 30 $D run --rm --network none "$BB" sh -c 'echo out; exit 3'
    [ "$status" -eq 3 ] && [ "$output" = out ]
    # the default bridge (in this file's netns)
    run timeout 30 $D run --rm "$BB" sh -c 'ip -4 addr show eth0 | grep -c inet'
    [ "$status" -eq 0 ] && [ "$output" = 1 ]
    wait_until 10 test -z "$(ls "$STORE/containers")"
    run $D ps -aq
    [ -z "$output" ]
    run cri list -q
    [ -z "$output" ]
}

@test "serve: --debug lines go to the server's stderr, never into a container's log" {
    bg_stop "$SERVE_PID"
    rm -f "$S/d.sock"
    bg_start "$S/d.sock" "$S/serve.log" nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" --debug serve --socket "$S/d.sock"
    SERVE_PID=$BG_PID
    wait_file "$S/d.sock"
    run timeout 30 $D run --name "${N}fg" --network none "$BB" sh -c 'echo out; echo err >&2'
    [ "$status" -eq 0 ]
    run timeout 30 $D run -d --name "${N}bg" --network none "$BB" sh -c 'echo out; echo err >&2'
    [ "$status" -eq 0 ]
    wait_until 10 test "$(timeout 10 $D inspect -f '{{.State.Status}}' "${N}bg")" = exited
    for n in "${N}fg" "${N}bg"; do
        run --separate-stderr timeout 10 $D logs "$n"
        [[ $output == out && $stderr == err ]] || fail "$n: [$output] [$stderr]"
    done
    grep -q '^debug: serve: ' "$S/serve.log"
}

@test "serve: run -d, ps (docker and cr agree), logs -f, inspect, top, stats, stop, rm" {
    run timeout 30 $D run -d --name "${N}web" --label app=web --network none "$BB" sh -c 'i=0; while [ $i -lt 5 ]; do echo line $i; i=$((i+1)); sleep 0.2; done; sleep 1000'
    [ "$status" -eq 0 ] && [[ $output =~ ^[0-9a-f]{64}$ ]]
    id=$output
    run $D ps --format '{{.Names}} {{.State}}'
    [ "$output" = "${N}web running" ]
    run cri list -q
    [ "$output" = "${N}web" ]
    run timeout 20 $D logs -f --tail all "${N}web" & # ends only with the container
    wait_until 10 bash -c "$D logs ${N}web | grep -q 'line 4'"
    run $D logs --tail 1 "${N}web"
    [ "$output" = "line 4" ]
    run $D logs -t --tail 2 --since 1h "${N}web"
    [[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ line\ 3$ && ${#lines[@]} -eq 2 ]]
    run $D logs --until 2000-01-01T00:00:00Z "${N}web"
    [ -z "$output" ]
    run $D ps -q --no-trunc --filter label=app=web
    [ "$output" = "$id" ]
    run $D ps -q --filter label=app=db
    [ -z "$output" ]
    run $D inspect -f '{{.Id}} {{.State.Status}}' "${N}web"
    [ "$output" = "$id running" ]
    run $D top "${N}web"
    [[ $output == *"sleep 1000"* ]]
    run timeout 20 $D stats --no-stream --format '{{.Name}} {{.PIDs}}' "${N}web"
    [ "$status" -eq 0 ] && [[ $output == "${N}web "[0-9]* ]]
    run timeout 30 $D stop -t 1 "${N}web"
    [ "$status" -eq 0 ]
    run $D ps -a --format '{{.Names}} {{.State}}' --filter status=exited
    [ "$output" = "${N}web exited" ]
    run $D rm "${N}web"
    [ "$status" -eq 0 ]
    run cri list -q
    [ -z "$output" ]
}

@test "serve: docker stop/start and restart keep the container's files; docker start runs a stopped container of the CLI" {
    timeout 30 $D run -d --name "${N}keep" --network none "$BB" sh -c 'echo run >>/f; exec sleep 1000' >/dev/null
    timeout 30 $D stop -t 0 "${N}keep" >/dev/null
    timeout 30 $D start "${N}keep" >/dev/null
    timeout 30 $D restart -t 0 "${N}keep" >/dev/null
    run timeout 20 $D exec "${N}keep" cat /f
    [ "$output" = $'run\nrun\nrun' ] || { echo "after stop, start, restart: $output"; false; }
    cri run --name "${N}cli" --network none "$BB" sh -c 'echo cli >>/f; cat /f' >/dev/null
    timeout 30 $D start "${N}cli" >/dev/null
    run timeout 30 $D wait "${N}cli"
    [ "$output" = 0 ] || { echo "wait: $output"; false; }
    run timeout 20 $D logs "${N}cli"
    [ "$output" = $'cli\ncli\ncli' ] || { echo "the CLI's container, started again: $output"; false; }
    timeout 30 $D run --name "${N}once" --network none "$BB" echo once >/dev/null
    run timeout 30 $D start -a "${N}once"
    [ "$output" = once ] || { echo "start -a: $output"; false; }
    timeout 30 $D rm -f "${N}keep" "${N}cli" "${N}once" >/dev/null
}

@test "serve: docker exec with and without a tty (through a pty), exit statuses" {
    timeout 30 $D run -d --name "${N}x" --network none "$BB" sleep 1000
    run timeout 20 $D exec "${N}x" sh -c 'echo in-container; exit 5'
    [ "$status" -eq 5 ] && [ "$output" = in-container ]
    run timeout 20 bash -c "echo piped | $D exec -i ${N}x cat"
    [ "$status" -eq 0 ] && [ "$output" = piped ]
    run timeout 20 script -qec "$D exec -it ${N}x sh -c 'tty; exit 4'" /dev/null </dev/null
    [ "$status" -eq 4 ] && [[ $output == */dev/pts/* ]]
    run timeout 30 $D rm -f "${N}x"
    [ "$status" -eq 0 ]
}

@test "serve: stdin: run -i piped, run -it through a pty, attach with detach keys, resize" {
    run timeout 30 bash -c "printf 'one\ntwo\n' | $D run -i --rm --network none $BB cat"
    [ "$status" -eq 0 ] && [ "$output" = "$(printf 'one\ntwo')" ]
    run timeout 30 bash -c "printf 'echo in-\$((2+2))\nexit 3\n' | script -qec '$D run -it --rm --network none $BB sh' /dev/null"
    [ "$status" -eq 3 ] && [[ $output == *in-4* ]]
    timeout 30 $D run -dit --name "${N}it" --network none "$BB" sh
    run api POST "/v1.41/containers/${N}it/resize?h=33&w=77"
    [ "$output" = " 200" ]
    run timeout 20 $D exec "${N}it" sh -c 'stty size </proc/1/fd/0'
    [ "$output" = "33 77" ]
    # typed input reaches the shell; the detach keys leave it running
    # (ctrl-a ctrl-b: the docker CLI's terminal is not raw yet when script
    # types them, and would take ctrl-q, the default's, as flow control)
    run timeout 30 bash -c "printf 'echo typed >/tmp/f\n\001\002' | script -qec '$D attach --detach-keys ctrl-a,ctrl-b ${N}it' /dev/null"
    [ "$status" -eq 0 ] && [[ $output != *BusyBox* ]]   # (no replay of what it printed before)
    wait_until 10 bash -c "$D exec ${N}it cat /tmp/f | grep -q typed"
    # ctrl-p ctrl-q that reach cr serve end a raw attach too
    run timeout 20 "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"POST /containers/%s/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" % sys.argv[2].encode())
s.sendall(b"echo raw >/tmp/g\n\x10\x11")
while s.recv(4096): pass
print("detached")' "$S/d.sock" "${N}it"
    [ "$output" = detached ]
    wait_until 10 bash -c "$D exec ${N}it cat /tmp/g | grep -q raw"
    run $D inspect -f '{{.State.Running}}' "${N}it"
    [ "$output" = true ]
    run timeout 30 bash -c "printf 'exit 6\n' | script -qec '$D attach ${N}it' /dev/null"
    [ "$status" -eq 6 ]
    run timeout 30 $D rm -f "${N}it"
    [ "$status" -eq 0 ]
}

@test "serve: attach/ws: a websocket client sees the output, sends stdin (-i), gets a pong for a ping" {
    timeout 30 $D run -di --name "${N}ws" --network none "$BB" sh -c 'echo started; while read l; do echo "got $l"; done'
    # a client of RFC 6455 on a raw socket (Debian has no python3-websocket)
    cat >"$S/ws.py" <<'PY'
import base64, hashlib, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /v1.41/containers/%s/attach/ws?logs=1&stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (sys.argv[2], key)).encode())
f = s.makefile("rb")
assert f.readline().startswith(b"HTTP/1.1 101 "), "no 101"
heads = {}
for line in iter(f.readline, b"\r\n"):
    k, v = line.decode().split(":", 1); heads[k.lower()] = v.strip()
want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
assert heads["sec-websocket-accept"] == want, heads
def frame():                                  # the server's frames are never masked
    b0, b1 = f.read(2); n = b1 & 127
    if n == 126: n = struct.unpack(">H", f.read(2))[0]
    elif n == 127: n = struct.unpack(">Q", f.read(8))[0]
    assert not b1 & 128
    return b0 & 15, f.read(n)
def send(op, data, split=False):            # the client's always are
    m = os.urandom(4); out = bytes([0x80 | op, 0x80 | len(data)]) + m + bytes(c ^ m[i % 4] for i, c in enumerate(data))
    if split: s.sendall(out[:3]); s.sendall(out[3:])
    else: s.sendall(out)
pongs = []
def until(text):
    got = b""
    while text not in got:
        op, d = frame()
        if op == 10: pongs.append(d); continue
        assert op == 2, (op, d); got += d
until(b"started")
send(2, b"one\n", split=True); until(b"got one")
send(1, b"two\n"); send(9, b"ping"); send(9, b"", split=True); until(b"got two")
while len(pongs) < 2:                         # each ping gets a pong of its payload
    op, d = frame(); assert op == 10, (op, d); pongs.append(d)
assert pongs == [b"ping", b""], pongs
send(8, b"\x03\xe8")
op, d = frame()
print("closed" if op == 8 else "op %d" % op)
PY
    run timeout 30 "$PY" "$S/ws.py" "$S/d.sock" "${N}ws"
    [ "$status" -eq 0 ] && [ "$output" = closed ]
    run $D inspect -f '{{.State.Running}}' "${N}ws"
    [ "$output" = true ]
    run timeout 30 $D rm -f "${N}ws"
    [ "$status" -eq 0 ]
}

@test "serve: docker update changes a running container's cgroup and restart policy, inspect shows them" {
    timeout 30 $D run -d --name "${N}up" --network none "$BB" sleep 1000
    t0=$(date +%s)
    run timeout 20 $D update --memory 64m --cpus 0.5 --pids-limit 77 "${N}up"
    [ "$status" -eq 0 ] && [ "$output" = "${N}up" ]
    run timeout 20 $D events --since "$t0" --until "$(($(date +%s) + 1))" --filter event=update --format '{{.Actor.Attributes.name}}'
    [ "$output" = "${N}up" ]
    pid=$($D inspect -f '{{.State.Pid}}' "${N}up")
    [ "$(cg_value "$pid" memory memory.limit_in_bytes memory.max)" = 67108864 ]
    run cg_value "$pid" cpu cpu.cfs_quota_us cpu.max
    [[ $output == 50000 || $output == "50000 100000" ]]
    [ "$(cg_value "$pid" pids pids.max pids.max)" = 77 ]
    run $D inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' "${N}up"
    [ "$output" = "67108864 500000000 77" ]
    # errors in Docker's shape
    run timeout 20 $D update --memory 1k "${N}up"
    [ "$status" -ne 0 ] && [[ $output == *"the minimum is 6m"* ]]
    run api POST /v1.41/containers/nope/update -H 'Content-Type: application/json' -d '{"Memory":67108864}'
    [ "$output" = '{"message":"No such container: nope"} 404' ]
    run api POST "/v1.41/containers/${N}up/update" -H 'Content-Type: application/json' -d '{"NanoCpus":500000000,"CpuQuota":20000}'
    [[ $output == '{"message":"'*'Conflicting options'*'} 400' ]]
    # a container of the CLI: its monitor takes the new restart policy at its exit
    cri run -d --name "${N}cli" --network none "$BB" sh -c 'while [ ! -e /go ]; do sleep 0.1; done; exit 3'
    run timeout 20 $D update --restart on-failure:2 --cpu-shares 512 "${N}cli"
    [ "$status" -eq 0 ]
    run $D inspect -f '{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.CpuShares}}' "${N}cli"
    [ "$output" = "on-failure 2 512" ]
    $D exec "${N}cli" touch /go
    wait_until 30 bash -c "[ \"\$($D inspect -f '{{.RestartCount}} {{.State.Status}}' ${N}cli)\" = '2 exited' ]"
    run timeout 30 $D rm -f "${N}up" "${N}cli"
    [ "$status" -eq 0 ]
}

@test "serve: docker cp into and out of a running container (archive PUT, GET, HEAD)" {
    timeout 30 $D run -d --name "${N}cp" --network none "$BB" sleep 1000
    mkdir -p "$S/in/sub" && echo content >"$S/in/sub/f" && ln -s f "$S/in/sub/l"
    run timeout 20 $D cp "$S/in" "${N}cp:/tmp/"
    [ "$status" -eq 0 ]
    run $D exec "${N}cp" cat /tmp/in/sub/l
    [ "$output" = content ]
    run timeout 20 $D cp "${N}cp:/tmp/in" "$S/out"
    [ "$status" -eq 0 ] && [ "$(cat "$S/out/sub/f")" = content ] && [ "$(readlink "$S/out/sub/l")" = f ]
    run timeout 20 $D cp "$S/in/sub/f" "${N}cp:/tmp/renamed"
    [ "$status" -eq 0 ]
    run $D exec "${N}cp" cat /tmp/renamed
    [ "$output" = content ]
    run timeout 20 $D cp "${N}cp:/nonexistent" "$S/x"
    [ "$status" -ne 0 ] && [[ $output == *"No such container:path"* ]]
    run timeout 30 $D rm -f "${N}cp"
    [ "$status" -eq 0 ]
}

@test "serve: docker cp of a 101 MiB file into a container (the body streams to a temp file, no cap)" {
    timeout 30 $D run -d --name "${N}big" --network none "$BB" sleep 1000
    head -c 1M /dev/urandom >"$S/big" && truncate -s 100M "$S/big" && head -c 1M /dev/urandom >>"$S/big"
    run timeout 120 $D cp "$S/big" "${N}big:/tmp/big"
    [ "$status" -eq 0 ]
    run timeout 60 $D exec "${N}big" sh -c 'wc -c </tmp/big; sha256sum </tmp/big'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = $((101 << 20)) ]
    [ "${lines[1]%% *}" = "$(sha256sum <"$S/big" | cut -d' ' -f1)" ]
    rm -f "$S/big"
    run timeout 30 $D rm -f "${N}big"
    [ "$status" -eq 0 ]
}

@test "serve: docker cp out of and into a stopped container" {
    local long=/$(printf 'd%.0s' $(seq 200))/$(printf 'l%.0s' $(seq 200))   # (a stat header longer than 1 KiB)
    timeout 30 $D run --name "${N}cs" --network none "$BB" sh -c "echo written >/tmp/w; ln -sf $long /tmp/long; test ! -e /tmp/f || cat /tmp/f"
    run timeout 20 $D cp "${N}cs:/tmp/w" "$S/w"
    [ "$status" -eq 0 ] && [ "$(cat "$S/w")" = written ]
    run timeout 20 $D cp "${N}cs:/tmp/long" "$S/long"
    [ "$status" -eq 0 ] && [ "$(readlink "$S/long")" = "$long" ]
    run timeout 20 $D cp "${N}cs:/tmp" "$S/t"
    [ "$status" -eq 0 ] && [ "$(cat "$S/t/w")" = written ]
    echo copied-in >"$S/f"
    run timeout 20 $D cp "$S/f" "${N}cs:/tmp/f"
    [ "$status" -eq 0 ]
    run timeout 20 $D cp "${N}cs:/nonexistent" "$S/x"
    [ "$status" -ne 0 ] && [[ $output == *"No such container:path"* ]]
    run timeout 20 $D cp "$S/f" "${N}cs:/nonexistent/f"
    [ "$status" -ne 0 ]
    run timeout 30 $D start -a "${N}cs"
    [ "$status" -eq 0 ] && [ "$output" = copied-in ]
    run timeout 30 $D rm -f "${N}cs"
    [ "$status" -eq 0 ]
}

@test "serve: docker cp into and out of a created container: its files are there at the start; rm leaves nothing" {
    timeout 30 $D create --name "${N}cc" --network none "$BB" sh -c 'cat /tmp/f /tmp/d/g'
    echo copied-in >"$S/f" && mkdir -p "$S/d" && echo in-dir >"$S/d/g"
    run timeout 20 $D cp "$S/f" "${N}cc:/tmp/f"
    [ "$status" -eq 0 ]
    run timeout 20 $D cp "$S/d" "${N}cc:/tmp/"
    [ "$status" -eq 0 ]
    run timeout 20 $D cp "${N}cc:/opt/dir/a" "$S/a"        # the image's files
    [ "$status" -eq 0 ]
    [ "$(cat "$S/a")" = a ]
    run timeout 20 $D cp "${N}cc:/tmp/f" "$S/back"         # and what was copied in
    [ "$status" -eq 0 ]
    [ "$(cat "$S/back")" = copied-in ]
    run timeout 20 $D cp "${N}cc:/nonexistent" "$S/x"       # as dockerd: 404, "No such container:path"
    [ "$status" -ne 0 ]
    [[ $output == *"No such container:path: ${N}cc:/nonexistent"* ]]
    run timeout 20 $D cp "$S/f" "${N}cc:/nonexistent/f"
    [ "$status" -ne 0 ]
    [[ $output == *"No such container:path: ${N}cc:/nonexistent"* ]]
    run curl -s --unix-socket "$S/d.sock" "http://x/containers/${N}cc/archive?path=/nonexistent"
    [ "$output" = "{\"message\":\"Could not find the file /nonexistent in container ${N}cc\"}" ]
    run timeout 30 $D start -a "${N}cc"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = copied-in ]
    [ "${lines[1]}" = in-dir ]
    [ -z "$(ls -A "$STORE/created" 2>/dev/null)" ]
    run timeout 30 $D rm -f "${N}cc"
    [ "$status" -eq 0 ]
    timeout 30 $D create --name "${N}cc2" --network none "$BB" /nonexistent
    timeout 20 $D cp "$S/f" "${N}cc2:/tmp/f"
    [ -n "$(ls -A "$STORE/created")" ]
    run timeout 30 $D start "${N}cc2"                        # a start that fails keeps them
    [ "$status" -ne 0 ]
    run timeout 20 $D cp "${N}cc2:/tmp/f" "$S/back2"
    [ "$status" -eq 0 ]
    [ "$(cat "$S/back2")" = copied-in ]
    timeout 30 $D rm "${N}cc2"
    [ -z "$(ls -A "$STORE/created")" ]
}

@test "serve: volumes: create, use, ls, inspect, rm (refused while in use), prune" {
    run $D volume create "${N}v"
    [ "$status" -eq 0 ] && [ "$output" = "${N}v" ]
    run timeout 30 $D run --rm --network none -v "${N}v:/data" "$BB" sh -c 'echo kept >/data/f'
    [ "$status" -eq 0 ]
    [ "$(cat "$STORE/volumes/${N}v/_data/f")" = kept ]
    run $D volume ls -q
    [ "$output" = "${N}v" ]
    run $D volume inspect -f '{{.Mountpoint}}' "${N}v"
    [ "$output" = "$STORE/volumes/${N}v/_data" ]
    timeout 30 $D run -d --name "${N}vu" --network none -v "${N}v:/data" "$BB" sleep 1000
    run $D volume rm "${N}v"
    [ "$status" -ne 0 ] && [[ $output == *"in use"* ]]
    timeout 30 $D rm -f "${N}vu"
    run $D volume rm "${N}v"
    [ "$status" -eq 0 ]
    $D volume create "${N}w"
    run $D volume prune -f
    [[ $output == *"${N}w"* ]]
    run $D volume ls -q
    [ -z "$output" ]
}

@test "serve: pull from a registry with the progress stream, images, tag, history, rmi" {
    serve_on_host --empty
    run timeout 60 $D pull "$BB"
    [ "$status" -eq 0 ] && [[ $output == *"Pull complete"* ]] && [[ $output == *"Digest: sha256:"* ]]
    run $D images --format '{{.Repository}}:{{.Tag}}'
    [ "$output" = "$BB:latest" ]
    run $D tag "$BB" "$REG/other:v1"
    [ "$status" -eq 0 ]
    # images REPO[:TAG] lists that image alone, by its names
    run $D images --format '{{.Repository}}:{{.Tag}}' "$REG/other"
    [ "$status" -eq 0 ] && [ "$output" = "$REG/other:v1" ]
    run $D images -q "$REG/none"
    [ "$status" -eq 0 ] && [ -z "$output" ]
    run $D history -q "$REG/other:v1"
    [ "$status" -eq 0 ]
    run $D rmi "$REG/other:v1"
    [ "$status" -eq 0 ] && [[ $output == *"Untagged"* ]]
    run timeout 30 $D run --rm --network none "$BB" true
    [ "$status" -eq 0 ]
    run $D rmi "$BB"
    [ "$status" -eq 0 ]
    run $D images -q
    [ -z "$output" ]
    # run pulls what is missing
    run timeout 60 $D run --rm --network none "$BB" echo pulled
    [ "$status" -eq 0 ] && [[ $output == *pulled ]]
}

@test "serve: docker push (pulled back), save, load, build -t" {
    serve_on_host
    $D tag "$BB" "$REG/test/pushed:v1"
    run timeout 60 $D push "$REG/test/pushed:v1"
    [ "$status" -eq 0 ] && [[ $output == *"v1: digest: sha256:"*" size: "* ]]
    run timeout 60 "$CR" --storage "$S/fresh" pull -q "$REG/test/pushed:v1"
    [ "$status" -eq 0 ]
    run timeout 60 $D save -o "$S/bb.tar" "$BB"
    [ "$status" -eq 0 ] && tar -tf "$S/bb.tar" | grep -qx manifest.json
    run $D rmi "$BB" "$REG/test/pushed:v1"
    [ "$status" -eq 0 ] && ! $D image inspect "$BB" >/dev/null 2>&1
    run timeout 60 $D load -i "$S/bb.tar"
    [ "$status" -eq 0 ] && [ "$output" = "Loaded image: $BB:latest" ]
    run timeout 30 $D run --rm --network none "$BB" echo loaded
    [ "$status" -eq 0 ] && [ "$output" = loaded ]
    mkdir -p "$S/ctx" && echo from-context >"$S/ctx/file"
    printf 'FROM %s\nARG WHO=nobody\nRUN echo "built by $WHO" >/built && echo run-output\nCOPY file /file\nCMD cat /built /file\n' "$BB" >"$S/ctx/Dockerfile"
    run timeout 120 $D build --network none --build-arg WHO=docker -t "${N}img" "$S/ctx"
    [ "$status" -eq 0 ] && [[ $output == *run-output* && $output == *"Successfully tagged"*"${N}img"* ]]
    run timeout 30 $D run --rm --network none "${N}img"
    [ "$status" -eq 0 ] && [ "$output" = "$(printf 'built by docker\nfrom-context')" ]
    run timeout 120 $D build -q --network none --build-arg WHO=docker -f "$S/ctx/Dockerfile" "$S/ctx"
    [ "$status" -eq 0 ] && [[ $output =~ ^sha256:[0-9a-f]{64}$ && $(api GET "/images/$output/json") == *' 200' ]]
    # an untagged image inspects too (its LastTagTime is Docker's zero time, not "")
    run $D image inspect -f '{{.Id}} {{.Metadata.LastTagTime}}' "$output"
    [ "$status" -eq 0 ] && [[ $output == "sha256:"*" 0001-01-01T00:00:00Z" ]]
}

@test "serve: python3-docker runs containers and streams events" {
    cat >"$S/sdk.py" <<'PY'
import os, sys, docker, threading
c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto", timeout=30)
img, n = sys.argv[1], sys.argv[2]
seen = []
ev = c.events(decode=True, filters={"type": "container"})
t = threading.Thread(target=lambda: [seen.append((e.get("id"), e.get("Action"))) for e in ev], daemon=True)
t.start()
out = c.containers.run(img, ["echo", "sdk"], network_mode="none", remove=True)
assert out == b"sdk\n", out
k = c.containers.run(img, ["sleep", "100"], network_mode="none", detach=True, name=n)
assert [x.name for x in c.containers.list()] == [n]
assert k.exec_run(["echo", "x"]).output == b"x\n"
k.stop(timeout=1)
assert k.wait()["StatusCode"] in (137, 143)
k.remove()
import time
for _ in range(50):
    if [a for _, a in seen].count("destroy") >= 2: break
    time.sleep(0.1)
ev.close()
# the first container's own events, in order (another's may come between)
print(" ".join(a for i, a in seen if i == seen[0][0] and a in ("create", "start", "die", "destroy")))
PY
    run timeout 60 /usr/bin/python3 "$S/sdk.py" "$BB" "${N}sdk"
    [ "$status" -eq 0 ]
    [[ $output == *"create start die destroy"* ]]
}

@test "serve: docker exec -d on a kept-alive connection leaves no zombie (its waiter is not the connection's child)" {
    cat >"$S/execd.py" <<'PY'
import os, sys, time, docker
c = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto", timeout=30)
serve, img, n = int(sys.argv[1]), sys.argv[2], sys.argv[3]
k = c.containers.run(img, ["sleep", "100"], network_mode="none", detach=True, name=n)
ids = [c.api.exec_create(k.id, ["true"])["Id"] for _ in range(3)]
for i in ids: c.api.exec_start(i, detach=True)
for i in ids:
    for _ in range(100):
        if not c.api.exec_inspect(i)["Running"]: break
        time.sleep(0.1)
def kids():   # pid -> (ppid, state) of every process
    out = {}
    for p in filter(str.isdigit, os.listdir("/proc")):
        try: st = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
        except (OSError, IndexError): continue
        out[int(p)] = (int(st[1]), st[0])
    return out
def below(ps, top):
    found, todo = [], [top]
    while todo:
        t = todo.pop()
        for p, (pp, s) in ps.items():
            if pp == t: found.append((p, s)); todo.append(p)
    return found
for _ in range(30):   # a waiter that ended lingers as a zombie, or is gone
    z = [p for p, s in below(kids(), serve) if s == "Z"]
    if z: break
    time.sleep(0.1)
print("zombies:", z)
k.remove(force=True)
PY
    run timeout 60 /usr/bin/python3 "$S/execd.py" "$SERVE_PID" "$BB" "${N}xd"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "zombies: []" ]
}

@test "serve: events from the journal: short runs of docker and of cr seen whole, since, until, filters" {
    t0=$(date +%s)
    run timeout 30 $D run --rm --name "${N}ev" --network none "$BB" true
    [ "$status" -eq 0 ]
    run cri run --rm --name "${N}cli" --network none "$BB" sh -c 'exit 3'   # the CLI's own runs too
    [ "$status" -eq 3 ]
    timeout 30 $D create --name "${N}gone" --network none "$BB" true >/dev/null
    timeout 30 $D rm "${N}gone"
    timeout 30 $D run -d --name "${N}p" --network none "$BB" sleep 1000 >/dev/null
    cri exec -d "${N}p" sh -c 'exit 5'   # the CLI's detached exec: its exec_die once it ended
    wait_until 20 grep -q '"exec_die".*"exitCode":"5"' "$CR_ROOT/@events"
    timeout 20 $D pause "${N}p" && timeout 20 $D unpause "${N}p" && timeout 30 $D restart -t 0 "${N}p" && timeout 30 $D rm -f "${N}p"
    t1=$(($(date +%s) + 1))
    run timeout 20 $D events --since "$t0" --until "$t1" --format '{{.Actor.Attributes.name}} {{.Action}}'
    [ "$status" -eq 0 ]
    # (each start connects the container to its network "none", each die disconnects it)
    want="${N}ev create ${N}ev attach none connect ${N}ev start ${N}ev die none disconnect ${N}ev destroy"
    want+=" ${N}cli create none connect ${N}cli start ${N}cli die none disconnect ${N}cli destroy ${N}gone create ${N}gone destroy"
    want+=" ${N}p create none connect ${N}p start ${N}p exec_create: sh -c exit 5 ${N}p exec_start: sh -c exit 5 ${N}p exec_die ${N}p pause ${N}p unpause ${N}p kill ${N}p kill ${N}p die none disconnect ${N}p stop"
    want+=" none connect ${N}p start ${N}p restart ${N}p kill ${N}p die none disconnect ${N}p destroy"
    [ "$(echo $output)" = "$want" ] || { echo "$output"; false; }
    run timeout 20 $D events --since "$t0" --until "$t1" --filter event=die --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'
    [ "$(echo $output)" = "${N}ev 0 ${N}cli 3 ${N}p 137 ${N}p 137" ]
    run timeout 20 $D events --since "$t0" --until "$t1" --filter "container=${N}cli" --filter event=start --format '{{.Action}}'
    [ "$output" = start ]
    run timeout 20 $D events --since "$t1" --until "$t1" --format '{{.Action}}'
    [ "$status" -eq 0 ] && [ -z "$output" ]
}

# (dockerd's for the same commands, but for the second disconnect dockerd
# journals for a `network disconnect` of a running container)
@test "serve: events of kill, stop, rename, exec and networks as dockerd gives them" {
    t0=$(date +%s)
    timeout 30 $D run -d --name "${N}k" --network none "$BB" sleep 1000 >/dev/null
    timeout 20 $D kill -s USR1 "${N}k" && timeout 30 $D stop -t 0 "${N}k" && timeout 30 $D start "${N}k"
    timeout 20 $D rename "${N}k" "${N}k2"
    run timeout 20 $D exec "${N}k2" sh -c 'exit 3'
    [ "$status" -eq 3 ]
    timeout 20 $D exec -d "${N}k2" sh -c 'exit 4'   # its exec_die comes once it ended
    wait_until 20 grep -q '"exec_die".*"exitCode":"4"' "$CR_ROOT/@events"
    run timeout 30 $D run --rm --name "${N}h" --network host "$BB" true
    [ "$status" -eq 0 ]
    run timeout 30 $D run --rm --name "${N}b" "$BB" true   # (the default bridge, in this file's netns)
    [ "$status" -eq 0 ]
    timeout 20 $D network create "${N}net" >/dev/null
    timeout 30 $D run -d --name "${N}n" --network "${N}net" "$BB" sleep 1000 >/dev/null
    timeout 20 $D network disconnect "${N}net" "${N}n" && timeout 20 $D network connect "${N}net" "${N}n"
    timeout 30 $D rm -f "${N}k2" >/dev/null && timeout 30 $D rm -f "${N}n" >/dev/null && timeout 20 $D network rm "${N}net"
    t1=$(($(date +%s) + 1))
    run timeout 20 $D events --since "$t0" --until "$t1" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "signal"}}{{index .Actor.Attributes "exitCode"}}{{index .Actor.Attributes "oldName"}}'
    [ "$status" -eq 0 ]
    want="container create ${N}k |network connect none |container start ${N}k |container kill ${N}k 10|container kill ${N}k 15|container kill ${N}k 9"
    want+="|container die ${N}k 137|network disconnect none |container stop ${N}k |network connect none |container start ${N}k |container rename ${N}k2 /${N}k"
    want+="|container exec_create: sh -c exit 3 ${N}k2 |container exec_start: sh -c exit 3 ${N}k2 |container exec_die ${N}k2 3"
    want+="|container exec_create: sh -c exit 4 ${N}k2 |container exec_start: sh -c exit 4 ${N}k2 |container exec_die ${N}k2 4"
    want+="|container create ${N}h |container attach ${N}h |network connect host |container start ${N}h |container die ${N}h 0|network disconnect host |container destroy ${N}h "
    want+="|container create ${N}b |container attach ${N}b |network connect bridge |container start ${N}b |container die ${N}b 0|network disconnect bridge |container destroy ${N}b "
    want+="|network create ${N}net |container create ${N}n |network connect ${N}net |container start ${N}n |network disconnect ${N}net |network connect ${N}net "
    want+="|container kill ${N}k2 9|container die ${N}k2 137|network disconnect none |container destroy ${N}k2 "
    want+="|container kill ${N}n 9|container die ${N}n 137|network disconnect ${N}net |container destroy ${N}n |network destroy ${N}net "
    [ "$(printf '%s|' "${lines[@]}")" = "$want|" ] || { printf '%s\n' "${lines[@]}"; false; }
    # Docker's shape: a container's event has the old status, id and from; a network's only the new
    run timeout 20 $D events --since "$t0" --until "$t1" --filter type=network --filter event=connect --filter network="${N}net" --format '{{json .}}'
    [[ ${lines[0]} == '{"Type":"network","Action":"connect","Actor":{"ID":"'*'","Attributes":{"container":"'*'","name":"'"${N}net"'","type":"bridge"}},"scope":"local","time":'*',"timeNano":'*'}' ]]
    run timeout 20 $D events --since "$t0" --until "$t1" --filter network=host --filter network=none --format '{{.Type}} {{.Action}} {{.Actor.Attributes.type}}'
    [ "$(printf '%s|' "${lines[@]}")" = "network connect null|network disconnect null|network connect null|network connect host|network disconnect host|network disconnect null|" ] || { printf '%s\n' "${lines[@]}"; false; }
    run timeout 20 $D events --since "$t0" --until "$t1" --filter event=kill --filter container="${N}k" --format '{{json .}}'
    [[ ${lines[0]} == '{"status":"kill","id":"'*'","from":"'"$BB"'","Type":"container","Action":"kill","Actor":{"ID":"'*'","Attributes":{"image":"'"$BB"'","name":"'"${N}k"'","signal":"10"}},"scope":"local","time":'* ]]
}

@test "serve: 20 clients at once (docker run --rm, logs -f, events) all succeed" {
    timeout 30 $D run -d --name "${N}log" --network none "$BB" sh -c 'for i in 1 2 3 4 5 6; do echo tick; sleep 0.5; done'
    timeout 60 $D logs -f "${N}log" >"$S/logs.out" 2>&1 &
    lp=$!
    # the stream lasts until the test kills it: its timeout only bounds a hang;
    # since: what happened before it connected too
    timeout 300 $D events --since "$(date +%s)" --filter type=container --format '{{.Action}}' >"$S/events.out" 2>&1 &
    ep=$!
    pids=()
    for i in $(seq 18); do
        timeout 120 $D run --rm --network none "$BB" echo "client $i" >"$S/run.$i" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    for i in $(seq 18); do [ "$(cat "$S/run.$i")" = "client $i" ] || { echo "run $i: $(cat "$S/run.$i")" >&3; false; }; done
    wait "$lp"
    [ "$(grep -c tick "$S/logs.out")" -eq 6 ]
    # the journal has every run, however short
    wait_until 60 test "$(grep -c destroy "$S/events.out")" -eq 18 || { cat "$S/events.out"; kill "$ep"; false; }
    kill -0 "$ep" || { cat "$S/events.out"; false; }
    kill "$ep"
    wait_until 10 test -z "$(ls "$STORE/containers" | grep -v "${N}log")"
}

@test "serve: a client killed mid-attach leaves no stuck container or connection" {
    timeout 30 $D create --name "${N}att" --network none "$BB" sleep 1000
    $D start -a "${N}att" >/dev/null 2>&1 &
    cp=$!
    wait_until 10 bash -c "$D ps -q | grep -q ."
    [ "$(conns)" -ge 1 ]
    kill -9 "$cp"
    wait_until 10 bash -c "[ \$(pgrep -P $SERVE_PID | grep -c .) -eq 0 ]"
    run timeout 30 $D rm -f "${N}att"
    [ "$status" -eq 0 ]
    run cri list -q
    [ -z "$output" ]
    [ "$(conns)" -eq 0 ]
}
