#!/usr/bin/env bats
# Bridge networking of image runs, entirely inside a network namespace this
# file makes ($NETNS): the bridge, veths, addresses and NAT rules live and
# die there; every packet stays on this machine.

load image_helpers

# ip_of NAME : the container's address, as inspect reports it
ip_of() { cri inspect "$1" | jq -r '.[0].NetworkSettings.IPAddress'; }

# web NAME [RUN-OPTS...] : a detached busybox httpd serving /www/index.html = NAME
web() {
    local n=$1
    shift
    cri run -d --name "$n" "$@" "$BB" sh -c "mkdir -p /www && echo $n >/www/index.html && exec httpd -f -p 80 -h /www" >/dev/null
}

# fetch URL : curl from $NETNS (the test's "host"), a few tries while httpd starts
fetch() {
    local i
    for i in $(seq 50); do in_ns curl -fsS -m 2 "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

# GET IP PORT : a shell line for a container: an HTTP GET with busybox nc
# (busybox-static's wget crashes resolving the service name), body only
GET() { printf "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc %s %s | tail -n 1" "$1" "$2"; }

@test "bridge: eth0 with an address of the subnet, default route, lo up; inspect and /etc/hosts show it" {
    run --separate-stderr cri run --rm --name "$N" --hostname box "$BB" sh -c \
        'ip -4 -o addr show eth0 | awk "{print \$4}"; ip route | grep ^default; ip -o link show lo | grep -c UP; grep box /etc/hosts;
         grep -w "$(cat /etc/hostname | tr -d "\n")" /etc/hosts >/dev/null && grep -c "	'"$N"'$" /etc/hosts'
    [[ $status -eq 0 ]] || fail "run: $status $stderr"
    [[ ${lines[0]} =~ ^10\.98\.[0-9]+\.[0-9]+/16$ ]] || fail "eth0: $output"
    [[ ${lines[1]} == "default via 10.98.0.1 dev eth0"* ]] || fail "route: $output"
    [[ ${lines[2]} == 1 ]] || fail "lo: $output"
    [[ ${lines[3]} == "${lines[0]%/*}"*box* ]] || fail "/etc/hosts: $output"
    [[ ${lines[4]} == 1 ]] || fail "the name $N is not in /etc/hosts: $output"
    web "$N-w"
    [[ $(ip_of "$N-w") =~ ^10\.98\. ]] || fail "inspect IPAddress: $(cri inspect "$N-w")"
}

@test "bridge: two containers reach each other by IP" {
    web "$N-a"
    local ip
    ip=$(ip_of "$N-a")
    run --separate-stderr cri run --rm "$BB" sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do out=\$($(GET "$ip" 80)); [ -n \"\$out\" ] && echo \"\$out\" && exit 0; sleep 0.2; done; exit 1"
    [[ $status -eq 0 && $output == "$N-a" ]] || fail "from a second container to $ip: $status $output $stderr"
}

@test "bridge: -p publishes a port to the test's namespace (bridge address and 127.0.0.1) and to other containers" {
    web "$N" -p 8080:80 -p 127.0.0.1:8081:80
    fetch http://10.98.0.1:8080/ >"$BATS_TEST_TMPDIR/a" || fail "10.98.0.1:8080 unreachable"
    [[ $(cat "$BATS_TEST_TMPDIR/a") == "$N" ]] || fail "got $(cat "$BATS_TEST_TMPDIR/a")"
    fetch http://127.0.0.1:8081/ >"$BATS_TEST_TMPDIR/b" || fail "127.0.0.1:8081 unreachable"
    [[ $(cat "$BATS_TEST_TMPDIR/b") == "$N" ]] || fail "got $(cat "$BATS_TEST_TMPDIR/b")"
    run cri run --rm "$BB" sh -c "$(GET 10.98.0.1 8080)"
    [[ $output == "$N" ]] || fail "hairpin from a container: $output"
    run --separate-stderr cri run --rm -p 80 "$BB" true
    [[ $status -eq 125 && $stderr == *'-p: port "80"'* ]] || fail "bad -p: $status $stderr"
    run --separate-stderr cri run --rm --network none -p 1:1 "$BB" true
    [[ $status -eq 125 && $stderr == *"needs --network bridge"* ]] || fail "-p without bridge: $stderr"
}

@test "--network none has only loopback; container:NAME shares the other's network; ns:PATH joins a namespace" {
    run cri run --rm --network none "$BB" sh -c 'ls /sys/class/net | tr "\n" " "'
    [[ $output == "lo " ]] || fail "none: $output"
    web "$N"
    local ip
    ip=$(ip_of "$N")
    fetch "http://$ip/" >/dev/null || fail "$N does not serve"
    run cri run --rm --network "container:$N" "$BB" sh -c "ip -4 -o addr show eth0 | awk '{print \$4}'; $(GET 127.0.0.1 80)"
    [[ ${lines[0]} == "$ip/16" && ${lines[1]} == "$N" ]] || fail "container:$N: $output (want $ip)"
    run cri run --rm --network "ns:/run/netns/$NETNS" "$BB" readlink /proc/self/ns/net
    [[ $output == "$(in_ns readlink /proc/self/ns/net)" ]] || fail "ns:/run/netns/$NETNS: $output"
}

@test "resolv.conf and hosts: loopback nameservers dropped, --dns, --add-host" {
    run cri run --rm "$BB" cat /etc/resolv.conf
    [[ $output != *"nameserver 127."* && $output == *nameserver* ]] || fail "resolv.conf: $output"
    run cri run --rm --dns 192.0.2.53 --add-host db:192.0.2.7 "$BB" sh -c 'grep nameserver /etc/resolv.conf; grep -w db /etc/hosts'
    [[ ${lines[0]} == "nameserver 192.0.2.53" && ${#lines[@]} -eq 2 && ${lines[1]} == 192.0.2.7*db* ]] || fail "--dns/--add-host: $output"
}

@test "removal leaves no veth, address, lease or rule; the NAT table goes with the last container, the bridge stays" {
    web "$N-a" -p 8090:80
    web "$N-b"
    [[ $(in_ns ip -o link show type veth | wc -l) -eq 2 ]] || fail "veths: $(in_ns ip -o link show type veth)"
    in_ns nft list ruleset | grep -q "dport 8090" || fail "no DNAT rule: $(in_ns nft list ruleset)"
    cri rm -f "$N-a" >/dev/null
    [[ $(in_ns ip -o link show type veth | wc -l) -eq 1 ]] || fail "after rm: $(in_ns ip -o link show type veth)"
    ! in_ns nft list ruleset | grep -q "dport 8090" || fail "the DNAT rule stayed: $(in_ns nft list ruleset)"
    ! grep -q "\"$N-a\"" "$CR_ROOT/@net/leases.json" || fail "lease stayed: $(cat "$CR_ROOT/@net/leases.json")"
    cri stop -t 1 "$N-b" >/dev/null
    cri rm "$N-b" >/dev/null
    [[ -z $(in_ns ip -o link show type veth) ]] || fail "veth stayed: $(in_ns ip -o link show type veth)"
    in_ns ip link show cr0 >/dev/null 2>&1 || fail "the bridge went (it stays, as docker0 does)"
    [[ -z $(in_ns nft list table ip cr 2>/dev/null) ]] || fail "the nft table stayed: $(in_ns nft list ruleset)"
    run cri run --rm "$BB" true
    [[ -z $(in_ns ip -o link show type veth) ]] || fail "--rm left a veth: $(in_ns ip -o link show type veth)"
}

@test "20 parallel cr run --rm get 20 distinct addresses and leave nothing" {
    local i pids=()
    for i in $(seq 20); do
        nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --name "$N-$i" "$BB" \
            sh -c 'ip -4 -o addr show eth0 | awk "{print \$4}"; sleep 1' >"$BATS_TEST_TMPDIR/ip.$i" 2>&1 3>&- &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || fail "a run failed: $(cat "$BATS_TEST_TMPDIR"/ip.*)"; done
    [[ $(cat "$BATS_TEST_TMPDIR"/ip.* | grep -c '^10\.98\.') -eq 20 ]] || fail "addresses: $(cat "$BATS_TEST_TMPDIR"/ip.*)"
    [[ $(cat "$BATS_TEST_TMPDIR"/ip.* | sort -u | wc -l) -eq 20 ]] || fail "duplicates: $(sort "$BATS_TEST_TMPDIR"/ip.* | uniq -d)"
    [[ -z $(in_ns ip -o link show type veth) ]] || fail "veths left: $(in_ns ip -o link show type veth)"
}
