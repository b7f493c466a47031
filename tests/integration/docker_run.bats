#!/usr/bin/env bats
# cr run IMAGE with the rest of Docker's run flags (--mount, labels, -P,
# --device, --shm-size, --sysctl, --group-add, --stop-*, memory and CPU
# knobs, --pid/--ipc/--uts, --cidfile, --volumes-from, -a, --sig-proxy,
# --detach-keys), run errors, oci:/docker-archive: images, and cr shell.

load image_helpers

# crp SCRIPT-ARGS: the cr command line for `script -qec` (a real pty)
crp() { echo "nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE $*"; }
# wait_running NAME: until inspect says it runs (at most 10 s)
wait_running() {
    local i
    for i in $(seq 100); do
        [[ $(cri inspect "$1" 2>/dev/null | jq -r '.[0].State.Running // .State.Running') == true ]] && return 0
        sleep 0.1
    done
    return 1
}
inspect() { cri inspect "$1" | jq -c "if type == \"array\" then .[0] else . end | $2"; }

@test "run --label, -l, --label-file: Config.Labels over the image's" {
    printf 'from.file=1\n# comment\nbare\n' >"$BATS_TEST_TMPDIR/labels"
    cri run -d --name "$N" --label a=1 -l b --label-file "$BATS_TEST_TMPDIR/labels" -l from.file=2 "$APP" >/dev/null
    run inspect "$N" .Config.Labels
    [[ $output == '{"a":"1","b":"","bare":"","cr.test":"app","from.file":"2"}' ]] || fail "labels: $output"
    run --separate-stderr cri run --rm --label =x "$BB" true
    [[ $status -eq 125 && $stderr == *'--label "=x"'* ]] || fail "bad label: $status $stderr"
}

@test "run --mount type=bind|volume|tmpfs with readonly, tmpfs-size; errors before anything runs" {
    local h=$BATS_TEST_TMPDIR/host
    mkdir -p "$h"
    echo on-host >"$h/f"
    run --separate-stderr cri run --rm --mount "type=bind,source=$h,target=/b,readonly" \
        --mount "type=volume,src=mv$N,dst=/v" --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 "$BB" \
        sh -c 'cat /b/f; touch /b/x 2>/dev/null || echo ro; echo kept >/v/k; grep " /t " /proc/mounts | grep -o "size=[0-9]*k,mode=1770"'
    [[ $output == $'on-host\nro\nsize=1024k,mode=1770' ]] || fail "mounts: $output $stderr"
    run cri run --rm --mount "type=volume,source=mv$N,target=/v,ro" "$BB" cat /v/k
    [[ $output == kept ]] || fail "named volume: $output"
    run --separate-stderr cri run --rm --name "$N" --mount "type=bind,source=$h/nothere,target=/b" "$BB" true
    [[ $status -eq 125 && $stderr == *"bind source path does not exist: $h/nothere"* ]] || fail "missing source: $stderr"
    [[ -z $(leftovers "$N") && ! -e $h/nothere ]] || fail "left behind: $(leftovers "$N")"
    run --separate-stderr cri run --rm --mount type=bind,target=/b,bogus=1 "$BB" true
    [[ $status -eq 125 && $stderr == *'unexpected key "bogus"'* ]] || fail "bad key: $stderr"
    run --separate-stderr cri run --rm --mount type=tmpfs,source=x,target=/t "$BB" true
    [[ $status -eq 125 && $stderr == *'source must not be given'* ]] || fail "tmpfs source: $stderr"
}

@test "run --device, --shm-size, --sysctl, --group-add" {
    run --separate-stderr cri run --rm --device /dev/null:/dev/mynull:rw --shm-size 16m --network none \
        --sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=12345 --group-add 3000 --entrypoint sh "$APP" -c \
        'echo x >/dev/mynull && stat -c %t,%T /dev/mynull; grep " /dev/shm " /proc/mounts | grep -o size=[0-9]*k;
         cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; id -G'
    [[ $output == $'1,3\nsize=16384k\n1\n12345\n1000 2000 3000' ]] || fail "flags: $output $stderr"
    run --separate-stderr cri run --rm --device "$BATS_TEST_TMPDIR" "$BB" true
    [[ $status -eq 125 && $stderr == *"is not a device node"* ]] || fail "not a device: $stderr"
    run --separate-stderr cri run --rm --group-add nosuch "$APP"
    [[ $status -eq 125 && $stderr == *'--group-add "nosuch"'* ]] || fail "bad group: $stderr"
    run --separate-stderr cri run --rm --network host --sysctl net.ipv4.ip_forward=1 "$BB" true
    [[ $status -eq 125 && $stderr == *"net.ipv4.ip_forward"*"host's namespace"* ]] || fail "host sysctl: $stderr"
    run --separate-stderr cri run --rm --sysctl kernel.panic=1 "$BB" true
    [[ $status -eq 125 && $stderr == *'sysctl "kernel.panic" is not allowed'* ]] || fail "host-wide sysctl: $stderr"
}

@test "run --stop-signal and --stop-timeout are what stop uses" {
    cri run -d --name "$N" --stop-signal USR2 --stop-timeout 1 "$BB" sh -c \
        'trap "echo got-usr2" USR2; trap "" TERM; echo started; while :; do sleep 0.1; done' >/dev/null
    run inspect "$N" '[.Config.StopSignal, .Config.StopTimeout]'
    [[ $output == '["USR2",1]' ]] || fail "record: $output"
    for i in $(seq 100); do cri logs "$N" | grep -q started && break; sleep 0.1; done
    run cri stop "$N"
    [[ $status -eq 0 ]] || fail "stop: $output"
    run inspect "$N" '.State.Running'
    [[ $output == false ]] || fail "still running"
    run cri logs "$N"
    [[ $output == *got-usr2* ]] || fail "signal: $output"
    run --separate-stderr cri run --rm --stop-signal BOGUS "$BB" true
    [[ $status -eq 125 && $stderr == *'--stop-signal "BOGUS"'* ]] || fail "bad signal: $stderr"
}

@test "run --memory-swap, --memory-reservation, --cpu-shares, --cpuset-cpus" {
    run --separate-stderr cri run --rm -m 64m --memory-swap 96m --memory-reservation 32m --cpu-shares 512 --cpuset-cpus 0 "$BB" sh -c \
        'cat /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/memory.low /sys/fs/cgroup/cpuset.cpus 2>/dev/null ||
         cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/cpuset/cpuset.cpus'
    [[ $output == $'33554432\n33554432\n0' || $output == $'100663296\n33554432\n0' ]] || fail "limits: $output $stderr"
    run --separate-stderr cri run --rm --memory-swap 1g "$BB" true
    [[ $status -eq 125 && $stderr == *"--memory-swap needs --memory"* ]] || fail "swap without memory: $stderr"
    run --separate-stderr cri run --rm -m 64m --memory-swap 32m "$BB" true
    [[ $status -eq 125 && $stderr == *"must be at least --memory"* ]] || fail "swap < memory: $stderr"
    run --separate-stderr cri run --rm --cpuset-cpus x "$BB" true
    [[ $status -eq 125 && $stderr == *'--cpuset-cpus "x"'* ]] || fail "bad cpuset: $stderr"
}

@test "run --pid, --ipc, --uts host and container:NAME" {
    run cri run --rm --pid host --ipc host --uts host "$BB" sh -c 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname'
    [[ $output == "$(for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname)" ]] || fail "host: $output"
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    local pid
    pid=$(jq -r .pid "$CR_ROOT/$N/state.json")
    run cri run --rm --pid "container:$N" --ipc "container:$N" "$BB" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; ps -o comm | grep -c sleep'
    [[ $output == "$(readlink /proc/$pid/ns/pid; readlink /proc/$pid/ns/ipc)"$'\n1' ]] || fail "container: $output"
    run --separate-stderr cri run --rm --pid bogus "$BB" true
    [[ $status -eq 125 && $stderr == *'--pid "bogus": expected host or container:NAME'* ]] || fail "bad --pid: $stderr"
    run --separate-stderr cri run --rm --uts host --hostname x "$BB" true
    [[ $status -eq 125 && $stderr == *"conflicting options"* ]] || fail "--uts host --hostname: $stderr"
}

@test "run -P publishes the exposed ports on free host ports that reach the container" {
    cri run -d --name "$N" --expose 80 -P "$BB" sh -c "mkdir -p /www && echo $N >/www/index.html && exec httpd -f -p 80 -h /www" >/dev/null
    local port i
    port=$(inspect "$N" '.HostConfig.PortBindings["80/tcp"][0].HostPort' | tr -d '"')
    [[ $port =~ ^[0-9]+$ && $port -gt 0 ]] || fail "no host port: $port"
    for i in $(seq 50); do in_ns curl -fsS -m 2 "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done >"$BATS_TEST_TMPDIR/body"
    [[ $(cat "$BATS_TEST_TMPDIR/body") == "$N" ]] || fail "GET 127.0.0.1:$port: $(cat "$BATS_TEST_TMPDIR/body")"
}

@test "update in Docker's form: limits and restart policy of image containers by name, running or stopped; runc-only flags refused" {
    cri run -d --name "$N" --network none "$BB" sleep 600 >/dev/null
    cri run -d --name "$N-2" --network none "$BB" sleep 600 >/dev/null
    run cri update --memory 64m --cpus 0.5 --pids-limit 77 --restart on-failure:2 "$N" "$N-2"
    [[ $status -eq 0 && $output == "$N"$'\n'"$N-2" ]] || fail "update: $status $output"
    run cri inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' "$N-2"
    [[ $output == "67108864 500000000 77 on-failure:2" ]] || fail "inspect: $output"
    local pid
    pid=$(cri inspect -f '{{.State.Pid}}' "$N")
    [[ $(cg_value "$pid" memory memory.limit_in_bytes memory.max) == 67108864 ]] || fail "memory: $(cg_value "$pid" memory memory.limit_in_bytes memory.max)"
    run cg_value "$pid" cpu cpu.cfs_quota_us cpu.max
    [[ $output == 50000 || $output == "50000 100000" ]] || fail "cpu: $output"
    [[ $(cg_value "$pid" pids pids.max pids.max) == 77 ]] || fail "pids: $(cg_value "$pid" pids pids.max pids.max)"
    # a stopped one: its next start has the limit
    cri stop -t 0 "$N-2" >/dev/null
    cri update -m 32m "$N-2" >/dev/null
    cri start "$N-2" >/dev/null
    pid=$(cri inspect -f '{{.State.Pid}}' "$N-2")
    [[ $(cg_value "$pid" memory memory.limit_in_bytes memory.max) == 33554432 ]] || fail "after start: $(cg_value "$pid" memory memory.limit_in_bytes memory.max)"
    run --separate-stderr cri update --kernel-memory 10m "$N"
    [[ $status -ne 0 && $stderr == *"--kernel-memory: not for image containers"* ]] || fail "--kernel-memory: $status $stderr"
    run --separate-stderr cri update --cpus 1 "$N-none"
    [[ $status -ne 0 && $stderr == *"$N-none is not an image container"* ]] || fail "unknown name: $status $stderr"
}

@test "run --cidfile, --ip, -P/--expose, --volumes-from" {
    local cid=$BATS_TEST_TMPDIR/cid
    cri run -d --name "$N" --cidfile "$cid" -v "vf$N:/data" --expose 81/udp -P "$APP" >/dev/null
    run inspect "$N" .Id
    [[ $output == "\"$(cat "$cid")\"" ]] || fail "cidfile: $(cat "$cid") vs $output"
    run inspect "$N" '.HostConfig.PortBindings | keys'
    [[ $output == '["81/udp"]' ]] || fail "-P: $output"
    run --separate-stderr cri run --rm --cidfile "$cid" "$BB" true
    [[ $status -eq 125 && $stderr == *"container ID file found"* ]] || fail "cidfile exists: $stderr"
    run --separate-stderr cri run --rm --ip 10.98.0.9 "$BB" true
    [[ $status -eq 125 && $stderr == *"user specified IP address is supported on user defined networks only"* ]] || fail "--ip: $stderr"
    cri run --rm -v "vf$N:/data" "$BB" sh -c 'echo shared >/data/f'
    run --separate-stderr cri run --rm --volumes-from "$N" "$BB" sh -c 'cat /data/f; cat /vol/seed'
    [[ $output == $'shared\nimage content' ]] || fail "--volumes-from: $output $stderr"
    run --separate-stderr cri run --rm --volumes-from "$N:ro" "$BB" sh -c 'touch /data/g || echo ro'
    [[ $output == ro ]] || fail "--volumes-from :ro: $output"
}

@test "run -a stdout, --sig-proxy=false, and -a with -d" {
    run --separate-stderr cri run --rm -a stdout "$BB" sh -c 'echo out; echo err >&2'
    [[ $output == out && -z $stderr ]] || fail "-a stdout: '$output' '$stderr'"
    run --separate-stderr cri run --rm -a stderr "$BB" sh -c 'echo out; echo err >&2'
    [[ -z $output && $stderr == err ]] || fail "-a stderr: '$output' '$stderr'"
    run --separate-stderr cri run -d -a stdout "$BB" true
    [[ $status -eq 125 && $stderr == *"conflicting options: -a and -d"* ]] || fail "-a -d: $stderr"
    # (nsenter, not in_ns: $! must be cr itself, which nsenter becomes)
    nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" run --sig-proxy=false --name "$N" "$BB" sh -c \
        'trap "echo got-term" TERM; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    local pid=$!
    wait_running "$N" || fail "not running"
    kill -TERM "$pid"
    timeout 10 tail --pid="$pid" -f /dev/null || fail "cr run did not return"
    run inspect "$N" .State.Running
    [[ $output == true ]] || fail "the container stopped: $output $(cat "$BATS_TEST_TMPDIR/out")"
    ! grep -q got-term "$BATS_TEST_TMPDIR/out" || fail "the signal was forwarded"
}

# detach_run KEYS CR-RUN-ARGS...: `cr run -it -v $H:/b ARGS` in a pty whose
# container reads a line, notes it in /b/seen, then prints ticks; KEYS are
# typed once it has the line (cr proxies the terminal then, in raw mode)
detach_run() {
    local keys=$1
    shift
    rm -f "$H/seen"
    { printf 'hello\n'; for i in $(seq 100); do [[ -s $H/seen ]] && break; sleep 0.1; done; printf '%b' "$keys"; } |
        timeout 20 script -qec "$(crp run -it -v "$H:/b" "$@" "$BB" sh -c "'read l; echo \$l >/b/seen; while :; do echo tick; sleep 0.2; done'")" /dev/null
}

@test "run -it: Ctrl-P Ctrl-Q detaches and leaves it running; --detach-keys" {
    H=$BATS_TEST_TMPDIR/h
    mkdir -p "$H"
    run detach_run '\x10\x11' --name "$N"
    [[ $status -eq 0 ]] || fail "detach: status $status $output"
    run inspect "$N" .State.Running
    [[ $output == true ]] || fail "not running after detach: $output"
    for i in $(seq 50); do [[ $(cri logs "$N" | grep -c tick) -ge 2 ]] && break; sleep 0.1; done
    [[ $(cri logs "$N" | grep -c tick) -ge 2 ]] || fail "no output in the log after the detach: $(cri logs "$N")"
    run detach_run 'x\x10y' --detach-keys ctrl-p,y --name "${N}b"
    [[ $status -eq 0 ]] || fail "--detach-keys: $status $output"
    run inspect "${N}b" .State.Running
    [[ $output == true ]] || fail "not running after detach: $output"
    run -127 timeout 20 script -qec "$(crp run -it --rm "$BB" /nonexistent)" /dev/null </dev/null
    [[ $status -eq 127 ]] || fail "-it of a missing command: $status $output"
    run --separate-stderr cri run --rm -it --detach-keys ctrl-1 "$BB" true
    [[ $status -eq 125 && $stderr == *'--detach-keys "ctrl-1"'* ]] || fail "bad keys: $stderr"
}

@test "run errors: a bad reference before any pull; oci: and docker-archive: images run" {
    run --separate-stderr cri run --rm "Bad/Ref" true
    [[ $status -eq 125 && $stderr == *"invalid reference"* && $stderr != *"Unable to find"* ]] || fail "bad ref: $stderr"
    run --separate-stderr cri run --rm "oci:$FIX/oci/busybox:latest" echo from-oci
    [[ $status -eq 0 && $output == from-oci ]] || fail "oci: $status $output $stderr"
    skopeo copy -q --insecure-policy "oci:$FIX/oci/busybox:latest" "docker-archive:$BATS_TEST_TMPDIR/bb.tar:test/arch:v1"
    run --separate-stderr cri run --rm "docker-archive:$BATS_TEST_TMPDIR/bb.tar" echo from-archive
    [[ $status -eq 0 && $output == from-archive ]] || fail "docker-archive: $status $output $stderr"
}

@test "run --mac-address sets eth0's address on the bridge" {
    run --separate-stderr cri run --rm --mac-address 02:42:ac:11:00:99 "$BB" cat /sys/class/net/eth0/address
    [[ $status -eq 0 && $output == 02:42:ac:11:00:99 ]] || fail "mac: $status $output $stderr"
    run --separate-stderr cri run --rm --mac-address 01:00:00:00:00:01 "$BB" true
    [[ $status -eq 125 && $stderr == *"invalid MAC address"* ]] || fail "multicast: $stderr"
    run --separate-stderr cri run --rm --network none --mac-address 02:42:ac:11:00:99 "$BB" true
    [[ $status -eq 125 && $stderr == *"conflicting options"* ]] || fail "none: $stderr"
}

@test "shell: runs applets and its built-ins from a pipe; exit's status" {
    run --separate-stderr bash -c "printf 'help\ninfo\nrun --rm $BB echo \"hi  there\"\n# comment\nbogus\nexit 5\n' |
        nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE shell"
    [[ $status -eq 5 ]] || fail "status $status"
    [[ $output == *"  shell      an interactive prompt"* && $output == *"Built in: help, clear, exit"* ]] || fail "help: $output"
    [[ $output == *$'Containers: 0\n'*"Images: 2"*"State Root: $CR_ROOT"* ]] || fail "info: $output"
    [[ $output == *$'\nhi  there'* && $stderr == *"bogus: unknown command"* ]] || fail "run: $output $stderr"
    run cri shell --help
    [[ $status -eq 0 && $output == *"Tab completes applet"* ]] || fail "--help: $output"
}

@test "shell: line editing, Tab completion of applets and container names, history kept in a file" {
    export CR_HISTORY=$BATS_TEST_TMPDIR/hist
    cri run -d --name "${N}longname" "$BB" sleep 30 >/dev/null
    # Ctrl-A, Home, Left + Delete, Ctrl-U, Ctrl-W, Ctrl-K, Backspace; Tab
    printf '%b' 'sion\x01ver\n' 'xsion\x1b[Hver\x1b[3~\n' 'versionXY\x1b[D\x1b[D\x1b[3~\x1b[3~\n' 'junk1ABCDH\x15version\n' \
        'version junk\x17\n' 'versionJUNK\x1b[D\x1b[D\x1b[D\x1b[D\x0b\n' 'versionn\x7f\n' 'vers\t\n' \
        "inspect ${N}lo\\t\\n" 'exit\n' >"$BATS_TEST_TMPDIR/in"
    run timeout 20 script -qec "$(crp shell)" /dev/null <"$BATS_TEST_TMPDIR/in"
    [[ $status -eq 0 ]] || fail "status $status: $output"
    [[ $(grep -c '^Client: cr' <<<"${output//$'\r'/}") -eq 8 ]] || fail "editing: $(cat -v <<<"$output")"
    [[ $output == *"\"Name\": \"/${N}longname\""* || $output == *"\"Name\":\"/${N}longname\""* ]] || fail "name completion: $(cat -v <<<"$output")"
    grep -q "^inspect ${N}longname" "$CR_HISTORY" || fail "history file: $(cat "$CR_HISTORY")"
    printf '%b' 'info\n' 'exit\n' >"$BATS_TEST_TMPDIR/in"
    timeout 20 script -qec "$(crp shell)" /dev/null <"$BATS_TEST_TMPDIR/in" >/dev/null
    # the newest line is "exit": two steps up is "info"
    printf '%b' '\x1b[A\x1b[A\n' 'exit\n' >"$BATS_TEST_TMPDIR/in"
    run timeout 20 script -qec "$(crp shell)" /dev/null <"$BATS_TEST_TMPDIR/in"
    [[ $output == *"Containers: 1"* ]] || fail "history: $(cat -v <<<"$output")"
}
