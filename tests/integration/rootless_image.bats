#!/usr/bin/env bats
# rootless_image.bats — `cr pull` and `cr run IMAGE` by unprivileged users,
# as Podman does it: storage under ~/.local/share/cr ($XDG_DATA_HOME/cr),
# state under $XDG_RUNTIME_DIR/cr, a user namespace of the user's
# subordinate ids (newuidmap) or of its one id, --network none and host,
# volumes seeded from the image, slirp4netns for the default network, and
# errors that say "rootless".
# Two users made here: $RS with a /etc/subuid+subgid range at $SUB, $RN
# without. Images come from a docker-registry on 127.0.0.1 (registry_helpers).

load rootless_helpers

setup_file() {
    mkdir -p "$FIX"
    : >"$BG_LIST"
    echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$FIX/policy.json"
    make_busybox_layout
    # owned: /home/app owned by 1000:1000 in the layer, and a VOLUME /vol
    local r=$FIX/ownedroot
    mkdir -p "$r"
    cp -a "$FIX/rootfs/." "$r/"
    mkdir -p "$r/home/app" "$r/vol"
    echo mine >"$r/home/app/file"
    chown -R 1000:1000 "$r/home/app"
    echo "image content" >"$r/vol/seed"
    KEEP_OWNERS=1 oci_image "$FIX/oci/owned" "$r" '{Env: ["PATH=/usr/bin:/bin"], Cmd: ["sh"], Volumes: {"/vol": {}}}'
    reg_start -e
    push busybox test/busybox
    push owned test/owned
    export REG REG_PID BB=$REG/test/busybox OWNED=$REG/test/owned
    rl_setup_dir
    RS=crrs$$x$RANDOM RN=crrn$$x$RANDOM
    SUB=$(rl_sub_base)
    rl_user_add "$RS" "$SUB"
    rl_user_add "$RN"
    export RS RN SUB RS_UID=$(id -u "$RS") RN_UID=$(id -u "$RN")
    local u i out
    for u in "$RS" "$RN"; do
        for i in "$BB" "$OWNED"; do
            out=$(as "$u" "$RL_CR" pull -q "$i" 2>&1) || fail "$u: cr pull $i: $out"
        done
    done
}

teardown_file() {
    rl_teardown_users
    reg_teardown_file
}

teardown() {
    local u id d
    for u in "$RS" "$RN"; do
        for id in $(as "$u" "$RL_CR" ps -aq 2>/dev/null); do as "$u" "$RL_CR" rm -f "$id" >/dev/null 2>&1; done
    done
    for d in $(tracked cgroup); do
        [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    return 0
}

# delegate USER CONTROLLER: a v1 cgroup beneath ours, the user's ($CGNAME); its path
delegate() {
    local own d
    own=$(awk -F: -v c="$2" '$2 == c { print $3 }' /proc/self/cgroup)
    d=/sys/fs/cgroup/$2${own%/}/$CGNAME
    [[ -d /sys/fs/cgroup/$2 ]] || skip "no v1 $2 hierarchy"
    mkdir "$d" && track cgroup "$d" && chown -R "$1:$1" "$d" || fail "cannot make $d"
    echo "$d"
}

# store USER: the user's default storage
store() { echo "$RL_DIR/$1/.local/share/cr"; }
# nothing_left USER NAME: no container dir, state, process or mount
nothing_left() {
    [[ ! -e $(store "$1")/containers/$2 ]] || fail "container dir left: $(store "$1")/containers/$2"
    [[ ! -e $RL_DIR/$1/run/cr/$2 ]] || fail "state left: $RL_DIR/$1/run/cr/$2"
    ! grep -qF "$RL_DIR" /proc/self/mountinfo || fail "mounts left: $(grep -F "$RL_DIR" /proc/self/mountinfo)"
}

@test "rootless image: pull stores under ~/.local/share/cr, \$XDG_DATA_HOME/cr, --storage or cr.conf, never /var/lib/cr" {
    local u=$RN h=$RL_DIR/$RN
    run -0 as "$u" "$RL_CR" images
    [[ $output == *test/busybox* && $output == *test/owned* ]] || fail "the user's images: $output"
    [[ -f $(store "$u")/images.json && $(stat -c %U "$(store "$u")/images.json") == "$u" ]] || fail "no storage in ~/.local/share/cr"
    ! grep -qs "$REG/test/owned" /var/lib/cr/images.json || fail "the user's pull went to /var/lib/cr"
    run -0 as "$u" XDG_DATA_HOME="$h/data" "$RL_CR" pull -q "$BB"
    grep -q test/busybox "$h/data/cr/images.json" || fail "no pull into \$XDG_DATA_HOME/cr"
    run -0 as "$u" "$RL_CR" --storage "$h/flag" pull -q "$BB"
    grep -q test/busybox "$h/flag/images.json" || fail "--storage was not used"
    mkdir -p "$h/.config/cr"
    printf '[engine]\nstorage = "%s"\n' "$h/conf" >"$h/.config/cr/cr.conf"
    chown -R "$u:$u" "$h/.config"
    run -0 as "$u" "$RL_CR" pull -q "$BB"
    run -0 as "$u" "$RL_CR" info
    rm -rf "$h/.config"
    [[ $output == *"  engine.storage: \"$h/conf\" ($h/.config/cr/cr.conf:2)"* && $output == *"  engine.state_root: \"$h/run/cr\" (default)"* &&
       $output == *'  network.default_network: "slirp4netns" (default)'* ]] || fail "cr info of the user: $output"
    grep -q test/busybox "$h/conf/images.json" || fail "~/.config/cr/cr.conf's storage was not used"
}

@test "rootless image: run --network none as root inside, image files owned by 0, writes land in the user's storage as the user" {
    local u uid
    for u in "$RS" "$RN"; do
        uid=$(id -u "$u")
        run -0 as "$u" "$RL_CR" run --rm --network none "$BB" id -u
        [[ $output == 0 ]] || fail "$u: id -u printed '$output'"
        run -0 as "$u" "$RL_CR" run --name w --network none "$BB" sh -c 'stat -c %u:%g /etc/passwd; echo hi >/written'
        [[ $output == 0:0 ]] || fail "$u: /etc/passwd is owned by '$output' inside"
        [[ $(stat -c %u:%g "$(store "$u")/containers/w/upper/written") == "$uid:$(id -g "$u")" ]] ||
            fail "$u: the written file is owned by $(stat -c %u:%g "$(store "$u")/containers/w/upper/written") on the host"
        [[ ! -e /var/lib/cr/containers/w ]]
        run -0 as "$u" "$RL_CR" rm w
        nothing_left "$u" w
    done
}

@test "rootless image: with subordinate ids, the image's owners are kept and the container's ids are subordinate ids on the host" {
    local s
    run -0 as "$RS" "$RL_CR" run --rm --network none "$OWNED" sh -c 'stat -c %u:%g /home/app/file; cat /proc/self/uid_map'
    [[ ${lines[0]} == 1000:1000 ]] || fail "/home/app/file inside: ${lines[0]}"
    [[ $(echo ${lines[1]}) == "0 $RS_UID 1" && $(echo ${lines[2]}) == "1 $SUB 65536" ]] || fail "uid_map: $output"
    s=$(find "$(store "$RS")/layers/sha256" -path '*/home/app/file' | head -1)
    [[ $(stat -c %u "$s") == $((SUB + 999)) ]] || fail "the layer's file is owned by $(stat -c %u "$s"), expected $((SUB + 999))"
    run -0 as "$RS" "$RL_CR" run --rm --network none --user 1000 "$OWNED" sh -c 'id -u; cat /home/app/file'
    [[ $output == $'1000\nmine' ]] || fail "--user 1000: $output"
    # files of other ids, in a directory only they may enter: rm takes them away
    run -0 as "$RS" "$RL_CR" run --name o --network none "$BB" sh -c 'echo x >/f1; chown 1:1 /f1; mkdir -m 700 /d; echo y >/d/y; chown -R 2:2 /d'
    [[ $(stat -c %u "$(store "$RS")/containers/o/upper/f1") == "$SUB" ]] || fail "uid 1 is $(stat -c %u "$(store "$RS")/containers/o/upper/f1") on the host"
    run -0 as "$RS" "$RL_CR" rm o
    nothing_left "$RS" o
}

@test "rootless image: without subordinate ids, one id is mapped and other users are refused saying rootless" {
    run -0 as "$RN" "$RL_CR" run --rm --network none "$OWNED" sh -c 'stat -c %u /home/app/file; wc -l </proc/self/uid_map'
    [[ $output == $'0\n1' ]] || fail "expected the user's files as 0 and one mapping: $output"
    run as "$RN" "$RL_CR" run --rm --network none --user 1000 "$OWNED" id -u
    [[ $status -eq 125 && $output == *rootless* && $output == *subuid* ]] || fail "status $status: $output"
}

@test "rootless image: --network host shares the host's network (the registry on 127.0.0.1), none has its own" {
    local u host
    host=$(readlink /proc/self/ns/net)
    for u in "$RS" "$RN"; do
        run -0 as "$u" "$RL_CR" run --rm --network host "$BB" sh -c "readlink /proc/self/ns/net; wget -q -O- http://$REG/v2/"
        [[ ${lines[0]} == "$host" && ${lines[1]} == '{}' ]] || fail "$u --network host: $output"
        run -0 as "$u" "$RL_CR" run --rm --network none "$BB" readlink /proc/self/ns/net
        [[ $output != "$host" ]] || fail "$u --network none: the host's network namespace"
    done
}

@test "rootless image: state under \$XDG_RUNTIME_DIR/cr; cr ps, cr stop and cr rm as the user" {
    local u
    for u in "$RS" "$RN"; do
        run -0 as "$u" "$RL_CR" run -d --name bg --network none "$BB" sleep 1000
        [[ -f $RL_DIR/$u/run/cr/bg/state.json ]] || fail "$u: no state in \$XDG_RUNTIME_DIR/cr"
        [[ ! -e /run/cr/bg ]]
        run -0 as "$u" "$RL_CR" ps
        [[ $output == *bg* && $output == *Up* ]] || fail "$u: cr ps: $output"
        run -0 as "$u" "$RL_CR" stop -t 1 bg
        run -0 as "$u" "$RL_CR" rm bg
        nothing_left "$u" bg
        run -0 as "$u" "$RL_CR" ps -aq
        [[ -z $output ]] || fail "$u: cr ps -a after rm: $output"
    done
}

@test "rootless image: without \$XDG_RUNTIME_DIR the state is in a private /tmp/cr-run-UID" {
    run -0 as "$RN" XDG_RUNTIME_DIR= "$RL_CR" run -d --name tmpst --network none "$BB" sleep 1000
    [[ -f /tmp/cr-run-$RN_UID/tmpst/state.json ]] || fail "no state in /tmp/cr-run-$RN_UID"
    [[ $(stat -c %a:%u "/tmp/cr-run-$RN_UID") == "700:$RN_UID" ]] || fail "/tmp/cr-run-$RN_UID is $(stat -c %a:%u "/tmp/cr-run-$RN_UID")"
    run -0 as "$RN" XDG_RUNTIME_DIR= "$RL_CR" rm -f tmpst
    [[ ! -e /tmp/cr-run-$RN_UID/tmpst ]]
}

@test "rootless image: the default network is slirp4netns: outbound to the host's 127.0.0.1 as 10.0.2.2, DNS at 10.0.2.3" {
    local u
    for u in "$RS" "$RN"; do
        run -0 as "$u" "$RL_CR" run --rm "$BB" sh -c "ip -4 -o addr show tap0; cat /etc/resolv.conf; wget -q -O- http://10.0.2.2:${REG##*:}/v2/"
        [[ ${lines[0]} == *10.0.2.100/24* && ${lines[1]} == 'nameserver 10.0.2.3' && ${lines[2]} == '{}' ]] || fail "$u: $output"
        # detached, it keeps its network while it runs
        run -0 as "$u" "$RL_CR" run -d --name sl "$BB" sleep 1000
        run -0 as "$u" "$RL_CR" exec sl wget -q -O- "http://10.0.2.2:${REG##*:}/v2/"
        [[ $output == '{}' ]] || fail "$u detached: $output"
        run -0 as "$u" "$RL_CR" rm -f sl
        nothing_left "$u" sl
    done
}

# served USER PORT: the user's curl gets USER from 127.0.0.1:PORT (a few tries while httpd starts)
served_once() { [[ $(as "$1" curl -sf --max-time 2 "http://127.0.0.1:$2/") == "$1" ]]; }
served() { wait_until 10 served_once "$@" || fail "$1: nothing served on 127.0.0.1:$2"; }
# closed PORT: nothing answers on 127.0.0.1:PORT any more; no_slirp USER: no slirp4netns of USER
closed_once() { ! curl -s --max-time 1 "http://127.0.0.1:$1/"; }
no_slirp_once() { ! pgrep -u "$1" -x slirp4netns; }
closed() {
    wait_until 10 closed_once "$2" || fail "$1: 127.0.0.1:$2 still answers"
    wait_until 10 no_slirp_once "$1" || fail "$1: slirp4netns left: $(pgrep -a -u "$1" slirp4netns)"
}
# web USER NAME: a detached busybox httpd serving USER on 127.0.0.1:$port (a free port) through -p
web() {
    port=$(free_port)
    run -0 as "$1" "$RL_CR" run -d --name "$2" -p "127.0.0.1:$port:80" "$BB" sh -c "mkdir -p /www && echo $1 >/www/index.html && exec httpd -f -p 80 -h /www"
    served "$1" "$port"
}
# web_rm USER NAME: rm -f leaves no container, no forward, no slirp4netns
web_rm() {
    run -0 as "$1" "$RL_CR" rm -f "$2"
    nothing_left "$1" "$2"
    closed "$1" "$port"
}

@test "rootless image: -p HOST:CTR through slirp4netns: the container's server answers on 127.0.0.1:HOST, nothing left after rm" {
    local u port
    for u in "$RS" "$RN"; do
        web "$u" web
        run -0 as "$u" "$RL_CR" port web
        [[ $output == "80/tcp -> 127.0.0.1:$port" ]] || fail "$u: cr port: $output"
        # a port the host uses already: refused before anything is made
        run as "$u" "$RL_CR" run --rm --name web2 -p "127.0.0.1:$port:80" "$BB" true
        [[ $status -eq 125 && $output == *"$port"*'in use'* ]] || fail "$u: a port in use: status $status: $output"
        nothing_left "$u" web2
        web_rm "$u" web
    done
}

@test "rootless image: start and restart of a stopped container bring its slirp4netns network and -p back" {
    local u port
    for u in "$RS" "$RN"; do
        web "$u" web
        run -0 as "$u" "$RL_CR" stop -t 1 web
        closed "$u" "$port"
        run as "$u" "$RL_CR" start web
        [[ $status -eq 0 ]] || fail "$u: start: $output"
        served "$u" "$port"
        run -0 as "$u" "$RL_CR" exec web wget -q -O- "http://10.0.2.2:${REG##*:}/v2/"
        [[ $output == '{}' ]] || fail "$u: outbound after start: $output"
        run as "$u" "$RL_CR" restart -t 1 web
        [[ $status -eq 0 ]] || fail "$u: restart: $output"
        served "$u" "$port"
        web_rm "$u" web
    done
    # a foreground one, started attached
    run -0 as "$RN" "$RL_CR" run --name fg "$BB" sh -c "wget -q -O- http://10.0.2.2:${REG##*:}/v2/"
    run -0 as "$RN" "$RL_CR" start -a fg
    [[ $output == '{}' ]] || fail "start -a: $output"
    run -0 as "$RN" "$RL_CR" rm fg
    nothing_left "$RN" fg
}

@test "rootless image: what needs root fails saying rootless: no slirp4netns, cgroup limits" {
    local u
    # (a user without subordinate ids needs no newuidmap on $PATH either)
    run as "$RN" PATH=/nonexistent "$RL_CR" run --rm --name nb "$BB" true
    [[ $status -eq 125 && $output == *rootless* && $output == *slirp4netns* && $output == *'--network none'* ]] || fail "no slirp4netns: status $status: $output"
    nothing_left "$RN" nb
    for u in "$RS" "$RN"; do
        run as "$u" "$RL_CR" run --rm --name nm --network none --memory 64m "$BB" true
        [[ $status -eq 125 && $output == *rootless* && $output == *memory* ]] || fail "$u --memory: status $status: $output"
        run as "$u" "$RL_CR" run --rm --name np --network none --pids-limit 10 "$BB" true
        [[ $status -eq 125 && $output == *rootless* ]] || fail "$u --pids-limit: status $status: $output"
        nothing_left "$u" nb
        nothing_left "$u" nm
    done
}

@test "rootless image: cgroup limits in cgroups delegated to the user are applied, a limit without one is refused saying rootless" {
    local u=$RS pids mem id
    CGNAME=crrl$$x$RANDOM
    pids=$(delegate "$u" pids)
    # the user's cr runs in its pids cgroup (not its memory one): --pids-limit is applied, --memory refused
    run as "$u" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$pids" "$RL_CR" run --rm --name nm --network none --memory 64m "$BB" true
    [[ $status -eq 125 && $output == *rootless* && $output == *memory*delegated* ]] || fail "--memory: status $status: $output"
    nothing_left "$u" nm
    [[ -z $(find "$pids" -mindepth 2 -type d) ]] || fail "cgroups left: $(find "$pids" -mindepth 2 -type d)"
    mem=$(delegate "$u" memory)
    run as "$u" sh -c 'echo $$ >"$0/cgroup.procs" && echo $$ >"$1/cgroup.procs" && shift && exec "$@"' "$pids" "$mem" \
        "$RL_CR" run -d --name lim --network none --memory 64m --pids-limit 10 "$BB" sleep 1000
    [[ $status -eq 0 ]] || fail "run -d: status $status: $output"
    # the container's cgroups are named by its id (a rename leaves them)
    run -0 as "$u" "$RL_CR" inspect -f '{{.Id}}' lim
    id=$output
    [[ $(cat "$mem/cr/$id/memory.limit_in_bytes") == 67108864 ]] || fail "memory.limit_in_bytes: $(cat "$mem/cr/$id/memory.limit_in_bytes")"
    [[ $(cat "$pids/cr/$id/pids.max") == 10 ]] || fail "pids.max: $(cat "$pids/cr/$id/pids.max")"
    run -0 as "$u" "$RL_CR" exec lim cat /proc/self/cgroup
    [[ $output == *memory:* && $output == *pids:* ]] || fail "/proc/self/cgroup inside: $output"
    run -0 as "$u" "$RL_CR" rm -f lim
    nothing_left "$u" lim
    [[ ! -e $mem/cr/$id && ! -e $pids/cr/$id ]] || fail "the container's cgroups outlived rm"
}

@test "rootless image: cr cp into and out of a container, running or stopped, with the container's owners" {
    local u=$RS h=$RL_DIR/$RS st
    run -0 as "$u" "$RL_CR" run -d --name cp --network none "$OWNED" sleep 1000
    echo hello >"$h/in.txt"
    chown "$u:$u" "$h/in.txt"
    for st in running stopped; do
        # in: the user's file is root's inside (docker cp's rule), even in a directory of uid 1000
        run as "$u" "$RL_CR" cp in.txt "cp:/home/app/in-$st"
        [[ $status -eq 0 ]] || fail "$st: cp in: $output"
        # out: a tar keeps the container's owners; a copy on the host is the user's
        run -0 as "$u" sh -c "\"\$0\" cp cp:/home/app - | tar -tvf -" "$RL_CR"
        [[ $output == *"1000/1000"*app/file* && $output == *"0/0"*"app/in-$st"* ]] || fail "$st: the tar out: $output"
        run -0 as "$u" "$RL_CR" cp cp:/home/app "out-$st"
        [[ $(cat "$h/out-$st/file") == mine && $(stat -c %U "$h/out-$st/file") == "$u" ]] || fail "$st: out-$st/file: $(ls -ln "$h/out-$st")"
        [[ $st == stopped ]] || run -0 as "$u" "$RL_CR" stop -t 1 cp
    done
    run -0 as "$u" "$RL_CR" start cp
    run -0 as "$u" "$RL_CR" exec cp stat -c %u:%g:%n /home/app/file /home/app/in-running /home/app/in-stopped
    [[ $output == $'1000:1000:/home/app/file\n0:0:/home/app/in-running\n0:0:/home/app/in-stopped' ]] || fail "owners inside: $output"
    run -0 as "$u" "$RL_CR" rm -f cp
    nothing_left "$u" cp
}

@test "rootless image: the image's VOLUME and a new named volume are seeded from the image" {
    local u
    for u in "$RS" "$RN"; do
        run -0 as "$u" "$RL_CR" run --rm --network none "$OWNED" cat /vol/seed
        [[ $output == "image content" ]] || fail "$u anonymous volume: $output"
        run -0 as "$u" "$RL_CR" run --rm --network none -v data:/vol "$OWNED" sh -c 'cat /vol/seed; echo new >/vol/new'
        [[ $output == "image content" ]] || fail "$u named volume: $output"
        [[ $(stat -c %u "$(store "$u")/volumes/data/_data/new") == "$(id -u "$u")" ]] || fail "$u: the volume's file is not the user's"
        run -0 as "$u" "$RL_CR" volume rm data
        [[ ! -e $(store "$u")/volumes/data ]]
    done
}
