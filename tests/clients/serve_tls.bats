#!/usr/bin/env bats
# `cr serve --tcp` with TLS, driven by Debian's docker CLI the way Docker's
# --tlsverify is used: a CA, a server certificate for 127.0.0.1 and client
# certificates, all made by openssl in the test's temp dir. Each test starts
# its own cr serve in the file's network namespace on 127.0.0.1, port 0 (a
# free one, read from its log), with its own state root and a copy of the
# pulled store, and stops it by pid. The clients run in that namespace too.

load helpers
load ../integration/image_helpers

setup_file() {
    require_cmds docker-registry skopeo script openssl curl /usr/bin/docker || return 0
    img_setup_file
}

setup() {
    skip_if_unavailable
    img_setup
    S=$(clients_tmpdir tls)
    export DOCKER_CONFIG=$S/cli
    D=/usr/bin/docker
    make_ca "$S"
    make_server_cert "$S" server IP:127.0.0.1
    make_client_cert "$S" client ec
    mkdir -p "$S/other"
    make_ca "$S/other"
    make_client_cert "$S/other" client
}

teardown() { serve_teardown; }

# serve_tcp ARGS... : this test's cr serve in $NETNS on tcp 127.0.0.1 (a
# free port) and on $S/d.sock, with ARGS; sets SERVE_PID and PORT.
serve_tcp() {
    bg_start "$S/d.sock" "$S/serve.log" nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" \
        serve --socket "$S/d.sock" --tcp 127.0.0.1:0 "$@"
    SERVE_PID=$BG_PID
    wait_for 30 grep -q 'listening on tcp://127.0.0.1:' "$S/serve.log"
    PORT=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$S/serve.log" | head -n 1)
    PORT=${PORT##*:}
}

# the docker CLI on it with the client certificate (DT for script -c)
dt() { in_ns timeout 30 $D --tlsverify --tlscacert "$S/ca.crt" --tlscert "$S/client.crt" --tlskey "$S/client.key" -H "tcp://127.0.0.1:$PORT" "$@"; }
dt_line() {
    printf 'nsenter --net=/run/netns/%s %s --tlsverify --tlscacert %s/ca.crt --tlscert %s/client.crt --tlskey %s/client.key -H tcp://127.0.0.1:%s' \
        "$NETNS" "$D" "$S" "$S" "$S" "$PORT"
}

@test "serve --tcp: docker --tlsverify runs, execs with a pty, reads logs (RSA server key, EC client key)" {
    serve_tcp --tls-cert "$S/server.crt" --tls-key "$S/server.key" --tls-ca "$S/ca.crt"
    run dt version --format '{{.Server.APIVersion}}'
    [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    run dt run --rm --network none "$BB" echo hello
    [ "$status" -eq 0 ] && [ "$output" = hello ]
    run dt run --rm --network none "$BB" sh -c 'echo out; exit 3'
    [ "$status" -eq 3 ] && [ "$output" = out ]
    # stdin ends (a close_notify from the client) while the output still comes
    run timeout 30 bash -c "printf 'one\ntwo\n' | $(dt_line) run -i --rm --network none $BB sh -c 'cat; sleep 0.5; echo after'"
    [ "$status" -eq 0 ] && [ "$output" = "$(printf 'one\ntwo\nafter')" ]
    dt run -d --name "${N}x" --network none "$BB" sh -c 'echo logged; sleep 1000'
    wait_for 10 bash -c "$(dt_line) logs ${N}x | grep -q logged"
    run timeout 30 script -qec "$(dt_line) exec -it ${N}x sh -c 'tty; exit 4'" /dev/null </dev/null
    [ "$status" -eq 4 ] && [[ $output == */dev/pts/* ]]
    run timeout 30 bash -c "printf 'echo in-\$((2+2))\nexit 5\n' | script -qec '$(dt_line) exec -it ${N}x sh' /dev/null"
    [ "$status" -eq 5 ] && [[ $output == *in-4* ]]
    run dt rm -f "${N}x"
    [ "$status" -eq 0 ]
    # the same server on its unix socket
    run curl -s --max-time 10 --unix-socket "$S/d.sock" http://x/_ping
    [ "$output" = OK ]
    ! grep -q 'handshake error' "$S/serve.log"
}

@test "serve --tcp: without a certificate its CA signed a client gets nothing; plain HTTP gets nothing" {
    make_server_cert "$S" ecserver IP:127.0.0.1 127.0.0.1 ec
    serve_tcp --tls-cert "$S/ecserver.crt" --tls-key "$S/ecserver.key" --tls-ca "$S/ca.crt"
    run dt version --format '{{.Server.APIVersion}}'
    [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    if [[ -x /usr/local/bin/docker ]]; then   # a newer CLI (Go, TLS) when this machine has one
        run in_ns timeout 30 /usr/local/bin/docker --tlsverify --tlscacert "$S/ca.crt" --tlscert "$S/client.crt" --tlskey "$S/client.key" \
            -H "tcp://127.0.0.1:$PORT" version --format '{{.Client.APIVersion}}'
        [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    fi
    run in_ns timeout 30 $D --tlsverify --tlscacert "$S/ca.crt" -H "tcp://127.0.0.1:$PORT" version --format '{{.Server.APIVersion}}'
    [ "$status" -ne 0 ] && [[ $output == *"bad certificate"* ]]
    run in_ns timeout 30 $D --tlsverify --tlscacert "$S/ca.crt" --tlscert "$S/other/client.crt" --tlskey "$S/other/client.key" \
        -H "tcp://127.0.0.1:$PORT" ps
    [ "$status" -ne 0 ] && [[ $output == *"bad certificate"* ]]
    run in_ns curl -s --max-time 10 --cacert "$S/ca.crt" --cert "$S/other/client.crt" --key "$S/other/client.key" "https://127.0.0.1:$PORT/_ping"
    [ "$status" -ne 0 ] && [ -z "$output" ]
    run in_ns curl -s --max-time 10 "http://127.0.0.1:$PORT/_ping"
    [ "$status" -ne 0 ] && [ -z "$output" ]
    run in_ns curl -s --max-time 10 --cacert "$S/ca.crt" --cert "$S/client.crt" --key "$S/client.key" "https://127.0.0.1:$PORT/_ping"
    [ "$status" -eq 0 ] && [ "$output" = OK ]
    wait_for 10 grep -q 'TLS handshake error from 127.0.0.1:[0-9]*: tls: the client sent no certificate' "$S/serve.log"
    alive "$SERVE_PID"
}

@test "serve --tcp: TLS without --tls-ca serves any client, with a warning; --insecure-tcp is plain HTTP" {
    serve_tcp --tls-cert "$S/server.crt" --tls-key "$S/server.key"
    grep -q 'WARNING: no --tls-ca' "$S/serve.log"
    run in_ns timeout 30 $D --tlsverify --tlscacert "$S/ca.crt" -H "tcp://127.0.0.1:$PORT" version --format '{{.Server.APIVersion}}'
    [ "$status" -eq 0 ] && [ "$output" = 1.43 ]
    bg_stop "$SERVE_PID"
    rm -f "$S/d.sock" "$S/serve.log"
    serve_tcp --insecure-tcp
    grep -q 'WARNING: --insecure-tcp' "$S/serve.log"
    run in_ns timeout 30 $D -H "tcp://127.0.0.1:$PORT" run --rm --network none "$BB" echo plain
    [ "$status" -eq 0 ] && [ "$output" = plain ]
}

@test "serve --tcp: refused without TLS; errors name the file at fault" {
    serve_err() { in_ns timeout 10 "$CR" --root "$CR_ROOT" --storage "$STORE" serve --tcp 127.0.0.1:0 "$@"; }
    run serve_err
    [ "$status" -eq 1 ] && [[ $output == *"--tcp 127.0.0.1:0 without --tls-cert and --tls-key: refused"*"--insecure-tcp allows"* ]]
    run serve_err --tls-cert "$S/server.crt"
    [ "$status" -eq 1 ] && [[ $output == *"TLS needs a certificate and its key"* ]]
    run serve_err --tls-cert "$S/nope.crt" --tls-key "$S/server.key"
    [ "$status" -eq 1 ] && [[ $output == *"TLS: open $S/nope.crt: no such file or directory"* ]]
    run serve_err --tls-cert "$S/server.ext" --tls-key "$S/server.key"
    [ "$status" -eq 1 ] && [[ $output == *"TLS: $S/server.ext: no PEM certificate"* ]]
    run serve_err --tls-cert "$S/server.crt" --tls-key "$S/server.crt"
    [ "$status" -eq 1 ] && [[ $output == *"TLS: $S/server.crt: no usable private key"* ]]
    run serve_err --tls-cert "$S/server.crt" --tls-key "$S/other/client.key"
    [ "$status" -eq 1 ] && [[ $output == *"TLS: $S/other/client.key: the key does not match the certificate $S/server.crt"* ]]
    run serve_err --tls-cert "$S/server.crt" --tls-key "$S/client.key"
    [ "$status" -eq 1 ] && [[ $output == *"the key does not match"* ]]
    run serve_err --tls-cert "$S/server.crt" --tls-key "$S/server.key" --tls-ca "$S/server.key"
    [ "$status" -eq 1 ] && [[ $output == *"TLS: $S/server.key: no usable PEM CA certificate"* ]]
    run serve_err --tcp 127.0.0.1 --insecure-tcp
    [ "$status" -eq 1 ] && [[ $output == *'tcp "127.0.0.1": not ADDR:PORT'* ]]
    [ ! -e "$CR_ROOT/docker.sock" ]
}
