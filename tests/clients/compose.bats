#!/usr/bin/env bats
# Debian's docker-compose (1.29, the Python one) against `cr serve`: a
# two-service app whose client reaches the web service by its name on the
# project's user-defined network (through /etc/hosts and the embedded DNS). As in serve.bats, each test starts its own
# cr serve in the file's network namespace, with its own state root and
# store, on a socket in a short temp dir, and stops it by pid.

load helpers
load ../integration/image_helpers

setup_file() {
    require_cmds docker-registry skopeo /usr/bin/docker-compose || return 0
    img_setup_file
}

setup() {
    skip_if_unavailable
    img_setup
    S=$(clients_tmpdir co)
    export DOCKER_HOST=unix://$S/d.sock DOCKER_CONFIG=$S/cli COMPOSE_HTTP_TIMEOUT=60
    bg_start "$S/d.sock" "$S/serve.log" nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" serve --socket "$S/d.sock"
    SERVE_PID=$BG_PID
    wait_file "$S/d.sock"
}

teardown() {
    [[ -n ${S:-} && -f $S/app/docker-compose.yml ]] && timeout 60 docker-compose -p "$N" -f "$S/app/docker-compose.yml" down -t 1 >/dev/null 2>&1
    [[ -n ${SERVE_PID:-} ]] && bg_stop "$SERVE_PID"
    [[ -z ${BATS_TEST_COMPLETED:-} && -n ${S:-} && -f $S/serve.log ]] && { echo "# serve log:"; tail -n 30 "$S/serve.log"; } >&3 2>/dev/null
    local n
    for n in $(ls "$STORE/containers" 2>/dev/null); do cri rm -f "$n" >/dev/null 2>&1; done
    for n in $(ls "$CR_ROOT" 2>/dev/null); do "$CR" --root "$CR_ROOT" delete -f "$n" >/dev/null 2>&1; done
    cri network prune -f >/dev/null 2>&1
    cleanup_tmpdir "${S:-}"
}

@test "compose: up brings web and a client that finds web by DNS and fetches http://web/; down leaves no container, network or bridge" {
    mkdir -p "$S/app"
    cat >"$S/app/docker-compose.yml" <<EOF
version: "2.4"
services:
  web:
    image: $BB
    command: sh -c 'mkdir -p /www && echo hello-from-web >/www/index.html && exec httpd -f -p 80 -h /www'
  client:
    image: $BB
    depends_on: [web]
    command: sh -c 'for i in \$\$(seq 50); do nslookup -type=a web >/dev/null && wget -q -O- http://web/ && exit 0; sleep 0.2; done; exit 1'
EOF
    cd "$S/app"
    run timeout 120 docker-compose -p "$N" up --exit-code-from client
    [[ $status -eq 0 ]] || fail "up: $status $output"
    [[ $output == *"client_1 "*"hello-from-web"* ]] || fail "up did not show the page: $output"
    run cri network ls
    [[ $output == *" ${N}_default "* ]] || fail "the project's network: $output"
    run timeout 120 docker-compose -p "$N" down -t 1
    [[ $status -eq 0 ]] || fail "down: $status $output"
    run cri ps -a -q
    [[ -z $output ]] || fail "containers left: $output"
    run cri network ls -q
    [[ ${#lines[@]} -eq 3 ]] || fail "networks left: $output"
    run in_ns ip -o link show
    [[ $output != *br-* && $output != *veth* ]] || fail "links left: $output"
    run jq -c '[.defs, .leases]' "$CR_ROOT/@net/leases.json"
    [[ $output == '[[],[]]' ]] || fail "network state left: $output"
}

@test "compose: the network endpoints in Docker's shapes (create, inspect, list, connect before start, rm, prune)" {
    run api POST /v1.41/networks/create -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$N-n\",\"Driver\":\"bridge\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.202.0.0/24\"}]},\"Labels\":{\"k\":\"v\"}}"
    [[ $output =~ ^\{\"Id\":\"[0-9a-f]{64}\",\"Warning\":\"\"\}\ 201$ ]] || fail "create: $output"
    run api POST /v1.41/networks/create -d "{\"Name\":\"$N-n\"}"
    [[ $output == *"already exists"*" 409" ]] || fail "create twice: $output"
    run api POST /v1.41/networks/create -d "{\"Name\":\"$N-m\",\"Driver\":\"overlay\"}"
    [[ $output == *" 400" ]] || fail "overlay: $output"
    run api GET "/v1.41/networks/$N-n"
    [[ $output == *'"Driver":"bridge"'*'"Subnet":"10.202.0.0/24","Gateway":"10.202.0.1"'*'"Labels":{"k":"v"}'*" 200" ]] || fail "inspect: $output"
    run api GET /v1.41/networks
    [[ $(jq -r 'map(.Name) | join(" ")' <<<"${output% *}") == "bridge host none $N-n" ]] || fail "list: $output"
    # a created container joins it with aliases, as Compose connects it before start
    run api POST "/v1.41/containers/create?name=$N-c" -d "{\"Image\":\"$BB\",\"Cmd\":[\"sleep\",\"60\"]}"
    [[ $output == *" 201" ]] || fail "container create: $output"
    run api POST "/v1.41/networks/$N-n/connect" -d "{\"Container\":\"$N-c\",\"EndpointConfig\":{\"Aliases\":[\"al\"]}}"
    [[ $output == " 200" ]] || fail "connect: $output"
    run api GET "/v1.41/containers/$N-c/json"
    [[ $(jq -c ".NetworkSettings.Networks" <<<"${output% *}") == "{\"$N-n\":{\"Aliases\":[\"al\"]}}" ]] || fail "inspect created: $output"
    run api POST "/v1.41/containers/$N-c/start"
    [[ $output == " 204" ]] || fail "start: $output"
    run cri exec "$N-c" cat /etc/hosts
    [[ $output == *"# cr network"* ]] || fail "hosts: $output"
    run api DELETE "/v1.41/networks/$N-n"
    [[ $output == *"active endpoints"*" 409" ]] || fail "rm in use: $output"
    run api DELETE "/v1.41/containers/$N-c?force=1"
    run api DELETE "/v1.41/networks/nonet"
    [[ $output == '{"message":"network nonet not found"} 404' ]] || fail "rm unknown: $output"
    run api POST /v1.41/networks/prune
    [[ $output == "{\"NetworksDeleted\":[\"$N-n\"]} 200" ]] || fail "prune: $output"
}

@test "compose: docker network connect and disconnect of a running container, run --ip (docker CLI)" {
    [[ -x /usr/bin/docker ]] || skip "the docker CLI is not installed"
    local D=/usr/bin/docker
    run timeout 30 $D network create --subnet 10.205.0.0/24 "$N-x"
    [[ $status -eq 0 ]] || fail "network create: $output"
    run timeout 60 $D run -d --name "$N-web" --network "$N-x" --ip 10.205.0.7 "$BB" \
        sh -c 'mkdir -p /www && echo hello-x >/www/index.html && exec httpd -f -p 80 -h /www'
    [[ $status -eq 0 ]] || fail "run --ip: $output"
    run timeout 30 $D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}}{{end}}' "$N-web"
    [[ $output == "$N-x=10.205.0.7" ]] || fail "inspect --ip: $output"
    run timeout 60 $D run -d --name "$N-cli" "$BB" sleep 600
    [[ $status -eq 0 ]] || fail "run: $output"
    run timeout 20 $D exec "$N-cli" ping -c1 -W1 10.205.0.7
    [[ $status -ne 0 ]] || fail "the default bridge reached $N-x: $output"
    run timeout 30 $D network connect --alias cl "$N-x" "$N-cli"
    [[ $status -eq 0 && -z $output ]] || fail "connect: $status $output"
    run timeout 20 $D exec "$N-cli" wget -q -O- "http://$N-web/"
    [[ $output == hello-x ]] || fail "by name after connect: $output"
    # and by the embedded DNS, which a connect to a user-defined network brings (dockerd's too)
    run timeout 20 $D exec "$N-cli" sh -c "head -1 /etc/resolv.conf; nslookup -type=a $N-web"
    [[ ${lines[0]} == "nameserver 127.0.0.11" && $output =~ Name:[[:space:]]+$N-web[[:space:]]+Address:\ 10\.205\.0\.7 ]] ||
        fail "by DNS after connect: $output"
    run timeout 20 $D exec "$N-web" ping -c1 -W2 cl
    [[ $status -eq 0 ]] || fail "by alias from the other side: $output"
    run timeout 30 $D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$N-cli"
    [[ $output == "bridge $N-x " ]] || fail "inspect after connect: $output"
    run timeout 30 $D network disconnect "$N-x" "$N-cli"
    [[ $status -eq 0 ]] || fail "disconnect: $status $output"
    run timeout 20 $D exec "$N-cli" sh -c 'echo $(ls /sys/class/net)'
    [[ $output == "eth0 lo" ]] || fail "after disconnect: $output"
    run timeout 30 $D network disconnect "$N-x" "$N-cli"
    [[ $status -ne 0 && $output == *"is not connected to network $N-x"* ]] || fail "disconnect twice: $status $output"
    timeout 60 $D rm -f "$N-web" "$N-cli" >/dev/null
    run timeout 30 $D network rm "$N-x"
    [[ $status -eq 0 ]] || fail "network rm: $output"
}
