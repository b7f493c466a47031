#!/usr/bin/env bats
# User-defined networks (cr network, run --network NAME --network-alias),
# inside the file's network namespace ($NETNS): bridges, veths and NAT
# rules live and die there.

load image_helpers

# left_in_ns : bridges, veths and NAT rules left in $NETNS
left_in_ns() {
    in_ns ip -o link show | grep -E ' (br-|veth|cr0)' | awk '{print $2}'
    in_ns nft list ruleset 2>/dev/null | grep -E 'table ip cr|masquerade|dnat'
    in_ns iptables-save 2>/dev/null | grep -E '^(:CR-|-A CR-)|-j CR-'
    return 0
}

@test "network: create, ls, inspect, rm in Docker's shapes; refused names and subnets" {
    run cri network create "$N-a"
    [[ $status -eq 0 && $output =~ ^[0-9a-f]{64}$ ]] || fail "create: $status $output"
    local id=$output
    run cri network create --subnet 10.201.0.0/24 "$N-b"
    [[ $status -eq 0 ]] || fail "create --subnet: $output"
    run cri network ls
    [[ ${lines[0]} == "NETWORK ID     NAME"*"DRIVER    SCOPE" ]] || fail "ls header: $output"
    [[ $output == *"${id:0:12}   $N-a "*"bridge    local"* && $output == *"none "*"null      local"* ]] || fail "ls: $output"
    run cri network ls -q
    [[ ${#lines[@]} -eq 5 && ${lines[3]} == "${id:0:12}" ]] || fail "ls -q: $output"
    run cri network inspect -f '{{.Name}} {{.Driver}} {{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}' "$N-a" "${id:0:5}" "$N-b"
    [[ ${lines[0]} == "$N-a bridge 10.99.0.0/16 10.99.0.1" && ${lines[1]} == "${lines[0]}" && ${lines[2]} == "$N-b bridge 10.201.0.0/24 10.201.0.1" ]] ||
        fail "inspect: $output"
    run --separate-stderr cri network create "$N-a"
    [[ $status -eq 1 && $stderr == *"network with name $N-a already exists"* ]] || fail "duplicate: $status $stderr"
    run --separate-stderr cri network create --subnet 10.201.0.128/25 "$N-c"
    [[ $status -eq 1 && $stderr == *overlaps* ]] || fail "overlap: $status $stderr"
    run --separate-stderr cri network create "bad name"
    [[ $status -eq 1 ]] || fail "bad name: $status"
    run --separate-stderr cri network rm bridge
    [[ $status -eq 1 && $stderr == *"pre-defined network"* ]] || fail "rm bridge: $stderr"
    # a subnet the host routes elsewhere is not picked
    in_ns ip route add 10.100.0.0/16 dev lo
    cri network create "$N-r" >/dev/null
    in_ns ip route del 10.100.0.0/16 dev lo
    run cri network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$N-r"
    [[ $output == 10.101.0.0/16 ]] || fail "subnet beside a route: $output"
    run cri network rm "$N-a" "$N-b" "$N-r"
    [[ $status -eq 0 && $output == "$N-a"$'\n'"$N-b"$'\n'"$N-r" ]] || fail "rm: $output"
    run --separate-stderr cri network inspect "$N-a"
    [[ $status -eq 1 && $stderr == *"network $N-a not found"* ]] || fail "inspect after rm: $stderr"
}

@test "events: past 1 MiB the journal moves to @events.1, no event lost with many writers at once" {
    local line n0 i pids=()
    mkdir -p "$CR_ROOT"
    line='{"Type":"network","Action":"create","Actor":{"ID":"x","Attributes":{"name":"old","type":"bridge"}},"scope":"local","time":1,"timeNano":1}'
    yes "$line" | head -n $(((1 << 20) / (${#line} + 1))) >"$CR_ROOT/@events"
    n0=$(wc -l <"$CR_ROOT/@events")
    for i in 1 2 3 4 5 6 7 8; do
        (for j in 1 2 3 4 5; do timeout 20 "$CR" --root "$CR_ROOT" network create "$N-e$i-$j" && timeout 20 "$CR" --root "$CR_ROOT" network rm "$N-e$i-$j"; done >/dev/null) &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    [ "$(cat "$CR_ROOT/@events.1" "$CR_ROOT/@events" | wc -l)" -eq $((n0 + 80)) ] || { ls -l "$CR_ROOT"; false; }
    [ "$(grep -c '"name":"old"' "$CR_ROOT/@events.1")" -eq "$n0" ]
    rm -f "$CR_ROOT/@events.1"
}

@test "network: containers reach each other by name and alias; hosts follow joins and leaves; rm leaves nothing" {
    cri network create "$N-net" >/dev/null
    cri run -d --name "$N-web" --network "$N-net" --network-alias www "$BB" \
        sh -c 'mkdir -p /www && echo hello-web >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
    cri run -d --name "$N-peer" --network "$N-net" "$BB" sleep 600 >/dev/null
    # by name and by alias, from a third container: ping and an HTTP GET
    run cri run --rm --network "$N-net" "$BB" sh -c "ping -c1 -W2 $N-web >/dev/null && echo ping-ok;
        for i in 1 2 3 4 5 6 7 8 9 10; do out=\$(wget -q -O- http://www/ 2>/dev/null) && echo \$out && break; sleep 0.2; done; cat /etc/hosts"
    [[ ${lines[0]} == ping-ok && ${lines[1]} == hello-web ]] || fail "by name: $output"
    [[ $output == *"	$N-web www"* && $output == *"	$N-peer"* ]] || fail "hosts: $output"
    # the first container learned of the second, and forgets it when it goes
    run cri exec "$N-web" cat /etc/hosts
    [[ $output == *"	$N-peer"* ]] || fail "web's hosts: $output"
    cri rm -f "$N-peer" >/dev/null
    run cri exec "$N-web" cat /etc/hosts
    [[ $output != *"$N-peer"* && $output == *"# cr network"* ]] || fail "web's hosts after rm: $output"
    run cri inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{end}}' "$N-web"
    [[ $output =~ ^$N-net\ 10\.99\.0\.[0-9]+$ ]] || fail "inspect Networks: $output"
    run cri network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$N-net"
    [[ $output == "$N-web " ]] || fail "network Containers: $output"
    # in use: refused; not a network: refused
    run --separate-stderr cri network rm "$N-net"
    [[ $status -eq 1 && $stderr == *"active endpoints ($N-web)"* ]] || fail "rm in use: $status $stderr"
    run --separate-stderr cri run --rm --network nonet "$BB" true
    [[ $status -eq 125 && $stderr == *"network nonet not found"* ]] || fail "unknown network: $status $stderr"
    run --separate-stderr cri run --rm --network-alias x "$BB" true
    [[ $status -eq 125 && $stderr == *"--network-alias"* ]] || fail "alias on bridge: $status $stderr"
    # renamed while it runs: its hosts file still follows joins
    cri rename "$N-web" "$N-web2"
    cri run -d --name "$N-late" --network "$N-net" "$BB" sleep 600 >/dev/null
    run cri exec "$N-web2" cat /etc/hosts
    [[ $output == *"	$N-late"* ]] || fail "renamed web's hosts: $output"
    cri rm -f "$N-late" "$N-web2" >/dev/null
    run cri network prune -f
    [[ $output == "Deleted Networks:"$'\n'"$N-net" ]] || fail "prune: $output"
    run left_in_ns
    [[ -z $output ]] || fail "left in the namespace: $output"
    run jq -c '[.defs, .leases, .networks]' "$CR_ROOT/@net/leases.json"
    [[ $output == '[[],[],[]]' ]] || fail "state: $output"
}

# addr_of NAME IF : the IPv4 address of interface IF inside container NAME
addr_of() { cri exec "$1" ip -4 -o addr show "$2" | awk '{print $4}'; }

@test "network connect/disconnect: a running container gets eth1 on another network, names both ways, then loses them" {
    cri network create "$N-a" >/dev/null
    cri network create --subnet 10.202.0.0/24 "$N-b" >/dev/null
    cri run -d --name "$N-web" --network "$N-a" -p 8090:80 "$BB" \
        sh -c 'mkdir -p /www && echo hello-a >/www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
    cri run -d --name "$N-cli" --network "$N-b" "$BB" sleep 600 >/dev/null
    local web_ip
    web_ip=$(addr_of "$N-web" eth0)
    web_ip=${web_ip%/*}
    # isolated: another network and the default bridge cannot reach it; its own network can
    run cri exec "$N-cli" ping -c1 -W1 "$web_ip"
    [[ $status -ne 0 ]] || fail "$N-b reached $web_ip: $output"
    run cri run --rm "$BB" ping -c1 -W1 "$web_ip"
    [[ $status -ne 0 ]] || fail "the default bridge reached $web_ip: $output"
    run cri run --rm --network "$N-a" "$BB" ping -c1 -W2 "$web_ip"
    [[ $status -eq 0 ]] || fail "$N-a did not reach $web_ip: $output"
    # a published port stays reachable from other networks (through the host, as Docker's proxy)
    run cri exec "$N-cli" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://10.202.0.1:8090/ && exit 0; sleep 0.2; done; exit 1'
    [[ $status -eq 0 && $output == hello-a ]] || fail "published port from $N-b: $status $output"
    run cri network connect --alias bee "$N-a" "$N-cli"
    [[ $status -eq 0 && -z $output ]] || fail "connect: $status $output"
    run addr_of "$N-cli" eth1
    [[ $output =~ ^10\.99\.0\.[0-9]+/16$ ]] || fail "eth1: $output"
    run cri exec "$N-cli" sh -c "ip route | grep ^default; wget -q -O- http://$N-web/"
    [[ ${lines[0]} == "default via 10.202.0.1 dev eth0"* && ${lines[1]} == hello-a ]] || fail "from $N-cli by name: $output"
    run cri exec "$N-web" cat /etc/hosts
    [[ $output == *"	$N-cli bee"* ]] || fail "web's hosts: $output"
    run cri inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}' "$N-cli"
    [[ $output =~ ^$N-a=10\.99\.0\.[0-9]+\ $N-b=10\.202\.0\.[0-9]+\ $ ]] || fail "inspect: $output"
    run --separate-stderr cri network connect "$N-a" "$N-cli"
    [[ $status -eq 1 && $stderr == *"already has the address"* ]] || fail "connect twice: $status $stderr"
    run cri network disconnect "$N-a" "$N-cli"
    [[ $status -eq 0 ]] || fail "disconnect: $output"
    run cri exec "$N-cli" sh -c 'echo $(ls /sys/class/net); grep -c "'"$N-web"'" /etc/hosts'
    [[ ${lines[0]} == "eth0 lo" && ${lines[1]} == 0 ]] || fail "after disconnect: $output"
    run cri exec "$N-web" cat /etc/hosts
    [[ $output != *"$N-cli"* ]] || fail "web's hosts after disconnect: $output"
    run cri network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$N-a"
    [[ $output == "$N-web " ]] || fail "lease kept: $output"
    run --separate-stderr cri network disconnect "$N-a" "$N-cli"
    [[ $status -eq 1 && $stderr == *"container $N-cli is not connected to network $N-a"* ]] || fail "disconnect twice: $stderr"
    # connect with --ip; rm frees that lease too
    run --separate-stderr cri network connect --ip 10.202.0.1 "$N-b" "$N-web"
    [[ $status -eq 1 && $stderr == *"10.202.0.1: already in use"* ]] || fail "gateway: $status $stderr"
    cri network connect --ip 10.202.0.50 "$N-b" "$N-web"
    run addr_of "$N-web" eth1
    [[ $output == 10.202.0.50/24 ]] || fail "--ip: $output"
    run cri exec "$N-cli" ping -c1 -W2 10.202.0.50
    [[ $status -eq 0 ]] || fail "$N-cli does not reach $N-web on $N-b: $output"
    run --separate-stderr cri network connect "$N-b" none-such
    [[ $status -eq 1 && $stderr == *none-such* ]] || fail "no container: $stderr"
    cri rm -f "$N-web" "$N-cli" >/dev/null
    run cri network rm "$N-a" "$N-b"
    [[ $status -eq 0 ]] || fail "rm after the containers: $output"
    run left_in_ns    # (the default bridge stays, as docker0 does)
    [[ -z ${output#cr0:} ]] || fail "left in the namespace: $output"
}

@test "start: a stopped container gets back its -P host ports (one taken on the host or by another container's lease moves) and the networks connect gave it" {
    cri network create "$N-a" >/dev/null
    cri run -d --name "$N" --expose 80 --expose 81/udp -P "$BB" sleep 600 >/dev/null
    local ports port lp
    ports=$(cri ps --format '{{.Ports}}')
    [[ $ports =~ ^0\.0\.0\.0:[0-9]+-\>80/tcp,\ 0\.0\.0\.0:[0-9]+-\>81/udp$ ]] || fail "-P: $ports"
    cri network connect --alias bee "$N-a" "$N"
    cri stop -t 0 "$N" >/dev/null
    cri start "$N" >/dev/null
    run cri ps --format '{{.Ports}}'
    [[ $output == "$ports" ]] || fail "ports after start: $output, before: $ports"
    run cri exec "$N" sh -c 'echo $(ls /sys/class/net)'
    [[ $output == "eth0 eth1 lo" ]] || fail "interfaces after start: $output"
    run addr_of "$N" eth1
    [[ $output =~ ^10\.99\.0\.[0-9]+/16$ ]] || fail "eth1: $output"
    run cri run --rm --network "$N-a" "$BB" grep -c bee /etc/hosts
    [[ $output == 1 ]] || fail "its alias on $N-a: $output"
    # a port something else took meanwhile: another free one (ps and inspect agree)
    cri stop -t 0 "$N" >/dev/null
    port=$(cri inspect -f '{{(index (index .HostConfig.PortBindings "80/tcp") 0).HostPort}}' "$N")
    [[ $ports == "0.0.0.0:$port->80/tcp,"* ]] || fail "inspect's port $port, ps's $ports"
    in_ns python3 -c 'import socket, sys, time; s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); print("up", flush=True); time.sleep(60)' "$port" \
        >"$BATS_TEST_TMPDIR/lp" 3>&- &
    lp=$!
    wait_until 10 grep -q up "$BATS_TEST_TMPDIR/lp"
    run cri start "$N"
    kill "$lp"; wait "$lp" || true
    [[ $status -eq 0 ]] || fail "start with its port taken: $output"
    run cri inspect -f '{{(index (index .HostConfig.PortBindings "80/tcp") 0).HostPort}}' "$N"
    [[ $output =~ ^[0-9]+$ && $output != "$port" ]] || fail "the taken port $port stayed: $output"
    [[ $(cri ps --format '{{.Ports}}') == "0.0.0.0:$output->80/tcp,"* ]] || fail "ps: $(cri ps --format '{{.Ports}}')"
    # a port another container's lease holds (a DNAT rule: bind() still works): another free one too
    cri stop -t 0 "$N" >/dev/null
    port=$output
    cri run -d --name "$N-p" -p "$port:80" "$BB" sleep 600 >/dev/null
    run cri start "$N"
    [[ $status -eq 0 ]] || fail "start with its port another's: $output"
    run cri inspect -f '{{(index (index .HostConfig.PortBindings "80/tcp") 0).HostPort}}' "$N"
    [[ $output =~ ^[0-9]+$ && $output != "$port" ]] || fail "the port $port of $N-p stayed: $output"
    cri rm -f "$N-p" >/dev/null
    # disconnect of a stopped container: its next start leaves that network out
    cri stop -t 0 "$N" >/dev/null
    cri network disconnect "$N-a" "$N"
    run --separate-stderr cri network disconnect "$N-a" "$N"
    [[ $status -eq 1 && $stderr == *"is not connected to network $N-a"* ]] || fail "disconnect twice: $stderr"
    cri start "$N" >/dev/null
    run cri exec "$N" sh -c 'echo $(ls /sys/class/net)'
    [[ $output == "eth0 lo" ]] || fail "interfaces after disconnect and start: $output"
    cri rm -f "$N" >/dev/null
    cri network rm "$N-a" >/dev/null
}

@test "run --ip: that address on a user-defined network; taken, outside the subnet or on the default bridge: an error before anything is made" {
    cri network create --subnet 10.203.0.0/24 "$N-n" >/dev/null
    cri run -d --name "$N-1" --network "$N-n" --ip 10.203.0.9 "$BB" sleep 600 >/dev/null
    run addr_of "$N-1" eth0
    [[ $output == 10.203.0.9/24 ]] || fail "--ip: $output"
    run --separate-stderr cri run --name "$N-2" --network "$N-n" --ip 10.203.0.9 "$BB" true
    [[ $status -eq 125 && $stderr == *"10.203.0.9: already in use"* ]] || fail "taken: $status $stderr"
    run --separate-stderr cri run --name "$N-3" --network "$N-n" --ip 10.204.0.9 "$BB" true
    [[ $status -eq 125 && $stderr == *"does not belong to the network's subnet"* ]] || fail "outside: $status $stderr"
    run --separate-stderr cri run --name "$N-4" --ip 10.98.0.9 "$BB" true
    [[ $status -eq 125 && $stderr == *"user specified IP address is supported on user defined networks only"* ]] || fail "default bridge: $status $stderr"
    run --separate-stderr cri run --name "$N-5" --network "$N-n" --ip nonsense "$BB" true
    [[ $status -eq 125 && $stderr == *"invalid IPv4 address"* ]] || fail "not an address: $status $stderr"
    run cri ps -a --format '{{.Names}}'
    [[ $output == "$N-1" ]] || fail "made something: $output"
    # kept for a start after a stop
    cri stop -t 0 "$N-1" >/dev/null
    cri start "$N-1" >/dev/null
    run addr_of "$N-1" eth0
    [[ $output == 10.203.0.9/24 ]] || fail "--ip after a start: $output"
    cri rm -f "$N-1" >/dev/null
    cri network rm "$N-n" >/dev/null
}

@test "network isolation with iptables (nft hidden): other networks cannot reach, the same one can; the CR- chains go with the last network" {
    command -v iptables-restore >/dev/null && command -v unshare >/dev/null || skip "needs iptables and unshare"
    # one mount namespace for the whole run, in which nft is not executable
    run in_ns env CR="$CR" CR_ROOT="$CR_ROOT" STORE="$STORE" N="$N" BB="$BB" timeout 120 unshare -m sh -c '
        mount --bind /dev/null "$(command -v nft || echo /usr/sbin/nft)" 2>/dev/null
        c() { "$CR" --root "$CR_ROOT" --storage "$STORE" "$@"; }
        c network create "$N-a" >/dev/null && c network create "$N-b" >/dev/null || exit 1
        c run -d --name "$N-w" --network "$N-a" "$BB" sleep 600 >/dev/null || exit 1
        ip=$(c inspect -f "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}" "$N-w")
        c run --rm --network "$N-b" "$BB" ping -c1 -W1 "$ip" >/dev/null 2>&1 && echo b-reached || echo b-isolated
        c run --rm --network "$N-a" "$BB" ping -c1 -W2 "$ip" >/dev/null 2>&1 && echo a-reached || echo a-isolated
        iptables-save -t filter | grep -c "^-A CR-ISOLATE"
        c rm -f "$N-w" >/dev/null; c network rm "$N-a" "$N-b" >/dev/null
        echo "nat=$(jq -r .nat "$CR_ROOT/@net/leases.json")"' 3>&-
    [[ $output == "b-isolated"$'\n'"a-reached"$'\n'"1"$'\n'"nat=" ]] || fail "iptables: $output"
    run left_in_ns
    [[ -z ${output#cr0:} ]] || fail "left in the namespace: $output"
}

# dns_servers : how many embedded DNS servers ("cr-dns") run in $NETNS
dns_servers() {
    local ns p n=0
    ns=$(stat -L -c %i "/run/netns/$NETNS")
    for p in /proc/[0-9]*; do
        [[ $(cat "$p/comm" 2>/dev/null) == cr-dns && $(stat -L -c %i "$p/ns/net" 2>/dev/null) == "$ns" ]] && n=$((n + 1))
    done
    echo "$n"
}
no_dns_servers() { [[ $(dns_servers) == 0 ]]; }

@test "network: the embedded DNS at 127.0.0.11 answers names, aliases and addresses, forwards the rest from the host's side, and ends with its container" {
    cri network create "$N-dns" >/dev/null
    cri run -d --name "$N-db" --network "$N-dns" --network-alias store --dns 127.0.0.1 "$BB" sleep 600 >/dev/null
    # port 53 stays the container's own, for a server of its own
    run nsenter --net="/proc/$(cri inspect -f '{{.State.Pid}}' "$N-db")/ns/net" "$PY" -c \
        'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 53)); print("bound")'
    [[ $output == bound ]] || fail "port 53 in the container: $output"
    local ip
    ip=$(cri inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-db")
    # an upstream on the loopback of the host's side: only a forwarder outside the container reaches it
    bg_start "$BATS_TEST_DIRNAME/dns_upstream.py" "$BATS_TEST_TMPDIR/up.log" \
        nsenter --net="/run/netns/$NETNS" "$PY" "$BATS_TEST_DIRNAME/dns_upstream.py" 127.0.0.1 example.test 192.0.2.7 "$BATS_TEST_TMPDIR/up.ready"
    wait_until 15 test -e "$BATS_TEST_TMPDIR/up.ready" || fail "upstream: $(cat "$BATS_TEST_TMPDIR/up.log")"
    run cri run --rm --network "$N-dns" --dns 127.0.0.1 "$BB" sh -c "cat /etc/resolv.conf; echo ==;
        nslookup -type=a $N-db; echo ==; nslookup -type=a store; echo ==; nslookup -type=a example.test; echo ==;
        nslookup -type=a nowhere.test; echo ==; nslookup -type=aaaa $N-db; echo ==; nslookup $ip"
    [[ $output == "nameserver 127.0.0.11"*"options ndots:0"* && $output != *"nameserver 127.0.0.1"$'\n'* ]] || fail "resolv.conf: $output"
    [[ $output =~ Name:[[:space:]]+$N-db[[:space:]]+Address:\ $ip ]] || fail "by name: $output"
    [[ $output =~ Name:[[:space:]]+store[[:space:]]+Address:\ $ip ]] || fail "by alias: $output"
    [[ $output =~ Name:[[:space:]]+example.test[[:space:]]+Address:\ 192.0.2.7 ]] || fail "forwarded: $output"
    [[ $output == *"can't find nowhere.test"* ]] || fail "NXDOMAIN forwarded: $output"
    [[ $output == *"in-addr.arpa	name = $N-db"* ]] || fail "reverse: $output"
    # over TCP too (what a resolver does after a truncated answer), from inside the container's netns
    local in_db="/proc/$(cri inspect -f '{{.State.Pid}}' "$N-db")/ns/net"
    run nsenter --net="$in_db" "$PY" "$BATS_TEST_DIRNAME/dns_ask.py" store
    [[ $output == "$ip" ]] || fail "TCP, by alias: $output"
    run nsenter --net="$in_db" "$PY" "$BATS_TEST_DIRNAME/dns_ask.py" example.test
    [[ $output == 192.0.2.7 ]] || fail "TCP, forwarded: $output"
    run nsenter --net="$in_db" "$PY" "$BATS_TEST_DIRNAME/dns_ask.py" nowhere.test
    [[ $output == "rcode 3" ]] || fail "TCP, NXDOMAIN forwarded: $output"
    # a half-written hosts file is never read: its writers hold the network state's lock, the server reads under it
    local hosts=$STORE/containers/$N-db/hosts
    cp "$hosts" "$BATS_TEST_TMPDIR/hosts"
    run timeout 30 flock -o "$CR_ROOT/@net/lock" sh -c '
        head -c 40 "$1" >"$2"
        timeout 20 nsenter --net="$3" "$4" "$5" store >"$6" 2>&1 &
        sleep 1
        echo "while held: $(cat "$6")"
        cat "$1" >"$2"' sh "$BATS_TEST_TMPDIR/hosts" "$hosts" "$in_db" "$PY" "$BATS_TEST_DIRNAME/dns_ask.py" "$BATS_TEST_TMPDIR/ask"
    [[ $output == "while held: " ]] || fail "answered from a half-written hosts file: $output"
    wait_until 20 grep -q . "$BATS_TEST_TMPDIR/ask"
    [[ $(cat "$BATS_TEST_TMPDIR/ask") == "$ip" ]] || fail "after the writer: $(cat "$BATS_TEST_TMPDIR/ask")"
    # a start keeps its --dns upstream
    cri stop -t 0 "$N-db" >/dev/null && cri start "$N-db" >/dev/null
    in_db="/proc/$(cri inspect -f '{{.State.Pid}}' "$N-db")/ns/net"
    run nsenter --net="$in_db" "$PY" "$BATS_TEST_DIRNAME/dns_ask.py" example.test
    [[ $output == 192.0.2.7 ]] || fail "forwarded after a start: $output"
    run --separate-stderr cri run --rm --network "$N-dns" --dns bogus "$BB" true
    [[ $status -eq 125 && $stderr == *'--dns "bogus": not an IP address'* ]] || fail "bad --dns: $status $stderr"
    [[ $(dns_servers) == 1 ]] || fail "servers while $N-db runs: $(dns_servers)"
    cri rm -f "$N-db" >/dev/null
    wait_until 10 no_dns_servers || fail "servers after rm: $(dns_servers)"
    cri network rm "$N-dns" >/dev/null
}

@test "network connect: a container of the default bridge gets the embedded DNS for the names of a user-defined network, as dockerd; a start off those networks gives it the host's nameservers back" {
    cri network create "$N-u" >/dev/null
    cri network create "$N-v" >/dev/null
    cri run -d --name "$N-o" --network "$N-u" "$BB" sleep 600 >/dev/null
    cri run -d --name "$N-c" "$BB" sleep 600 >/dev/null
    local ip
    ip=$(cri inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$N-o")
    run cri exec "$N-c" cat /etc/resolv.conf
    [[ $output == *nameserver* && $output != *127.0.0.11* ]] || fail "resolv.conf on the bridge: $output"
    cri network connect "$N-u" "$N-c"
    # dockerd 20.10 here: "nameserver 127.0.0.11" and "options ndots:0", and nslookup finds the other container
    run cri exec "$N-c" sh -c "cat /etc/resolv.conf; nslookup -type=a $N-o"
    [[ $output == "nameserver 127.0.0.11"*"options ndots:0"* ]] || fail "resolv.conf after connect: $output"
    [[ $output =~ Name:[[:space:]]+$N-o[[:space:]]+Address:\ $ip ]] || fail "by DNS after connect: $output"
    [[ $(dns_servers) == 2 ]] || fail "servers: $(dns_servers)"
    cri network connect "$N-v" "$N-c"    # one server per container
    [[ $(dns_servers) == 2 ]] || fail "servers after a second connect: $(dns_servers)"
    cri network disconnect "$N-u" "$N-c"    # the server stays (dockerd's too), until the container exits
    run cri exec "$N-c" head -1 /etc/resolv.conf
    [[ $output == "nameserver 127.0.0.11" ]] || fail "after disconnect: $output"
    cri stop -t 0 "$N-c" >/dev/null
    wait_until 10 eval '[[ $(dns_servers) == 1 ]]' || fail "servers after stop: $(dns_servers)"
    cri start "$N-c" >/dev/null    # still on $N-v
    run cri exec "$N-c" head -1 /etc/resolv.conf
    [[ $output == "nameserver 127.0.0.11" && $(dns_servers) == 2 ]] || fail "start on $N-v: $output, servers $(dns_servers)"
    cri stop -t 0 "$N-c" >/dev/null
    cri network disconnect "$N-v" "$N-c"
    cri start "$N-c" >/dev/null
    run cri exec "$N-c" cat /etc/resolv.conf
    [[ $output == *nameserver* && $output != *127.0.0.11* && $(dns_servers) == 1 ]] || fail "start off them: $output, servers $(dns_servers)"
    cri rm -f "$N-c" "$N-o" >/dev/null
    wait_until 10 no_dns_servers || fail "servers after rm: $(dns_servers)"
    cri network rm "$N-u" "$N-v" >/dev/null
}
