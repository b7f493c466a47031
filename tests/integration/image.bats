#!/usr/bin/env bats
# cr run IMAGE: images from a local docker-registry (127.0.0.1, started
# here), pulled into a store, run with Docker's options (in a network
# namespace of the file's own); stop, rm, logs, inspect, list, rmi.

load image_helpers

@test "run: output, exit status, --rm leaves nothing; a missing image is pulled" {
    run --separate-stderr cri run --rm --name "$N" "$BB" sh -c 'echo hello; exit 3'
    [[ $status -eq 3 && $output == hello ]] || fail "status $status output '$output' stderr '$stderr'"
    [[ -z $(leftovers "$N") ]] || fail "left behind: $(leftovers "$N")"
    rm -rf "$STORE"
    run --separate-stderr "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --network none "$BB" true
    [[ $status -eq 0 && $stderr == *"Unable to find image '$BB' locally"* ]] || fail "pull on run: $status $stderr"
    run --separate-stderr cri run --rm --pull never "$REG/test/nothere" true
    [[ $status -eq 125 && $stderr == *"nothere"*"not in the store"* ]] || fail "--pull never: $status $stderr"
}

@test "run: the image config: Entrypoint, Cmd, Env, WorkingDir, User; overrides" {
    run --separate-stderr cri run --rm "$APP"
    [[ $output == "entry default-cmd" ]] || fail "entrypoint+cmd: '$output' $stderr"
    run --separate-stderr cri run --rm "$APP" given args
    [[ $output == "entry given args" ]] || fail "COMMAND replaces Cmd: '$output'"
    run --separate-stderr cri run --rm --entrypoint /bin/sh "$APP" -c 'echo $FOO $(pwd) $(id -u):$(id -g) $(id -G)'
    [[ $output == "from-image /srv 1000:1000 1000 2000" ]] || fail "env/workdir/user: '$output' $stderr"
    echo "FOO=from-file" >"$BATS_TEST_TMPDIR/env"
    echo "# a comment" >>"$BATS_TEST_TMPDIR/env"
    export HOSTVAR=from-host
    run --separate-stderr cri run --rm --entrypoint /bin/sh --env-file "$BATS_TEST_TMPDIR/env" -e BAR=b -e HOSTVAR \
        -w /tmp/new -u 0:2000 "$APP" -c 'echo $FOO $BAR $HOSTVAR $(pwd) $(id -u):$(id -g)'
    [[ $output == "from-file b from-host /tmp/new 0:2000" ]] || fail "overrides: '$output' $stderr"
    run --separate-stderr cri run --rm -u nobody "$APP"
    [[ $status -eq 125 && $stderr == *'user "nobody": no matching entries'* ]] || fail "unknown user: $status $stderr"
    run --separate-stderr cri run --rm --entrypoint "" "$APP"
    [[ $status -eq 125 && $stderr == *"no command specified"* ]] || fail "no command: $status $stderr"
}

@test "run: Docker's defaults: capabilities, seccomp, masked paths, hostname, hosts, resolv.conf, lo up" {
    run --separate-stderr cri run --rm --network none --name "$N" "$BB" sh -c \
        'grep -E "^(CapBnd|Seccomp):" /proc/self/status; hostname; grep -c "$(hostname)" /etc/hosts; wc -c </proc/keys;
         cat /etc/resolv.conf | md5sum; mount | grep -c " /dev/shm type tmpfs"; ip -o link | cut -d: -f2 | tr -d " \n"'
    local id
    id=$(jq -r .Id "$STORE/containers/$N/ctr.json" 2>/dev/null || true)
    [[ ${lines[0]} == $'CapBnd:\t00000000a80425fb' ]] || fail "capabilities: ${lines[0]}"
    [[ ${lines[1]} == $'Seccomp:\t2' ]] || fail "seccomp: ${lines[1]}"
    [[ ${lines[2]} =~ ^[0-9a-f]{12}$ ]] || fail "hostname: ${lines[2]}"
    [[ ${lines[3]} -ge 1 && ${lines[4]} == 0 ]] || fail "hosts/kcore: ${lines[3]} ${lines[4]}"
    [[ ${lines[5]} == "$(md5sum </etc/resolv.conf)" ]] || fail "resolv.conf differs from the host's"
    [[ ${lines[6]} == 1 && ${lines[7]} == lo ]] || fail "shm/lo: ${lines[6]} ${lines[7]}"
    run --separate-stderr cri run --rm --hostname box "$BB" sh -c 'hostname; cat /etc/hostname'
    [[ $output == $'box\nbox' ]] || fail "--hostname: $output"
}

@test "run: volumes: bind ro/rw, named volumes outlive containers, anonymous image volumes, --tmpfs" {
    local h=$BATS_TEST_TMPDIR/host
    mkdir -p "$h"
    echo on-host >"$h/f"
    run --separate-stderr cri run --rm -v "$h:/data:ro" -v "$h:/rw" "$BB" sh -c 'cat /data/f; echo new >/rw/g; echo x >/data/h'
    [[ $output == on-host && -f $h/g && ! -e $h/h && $stderr == *"Read-only file system"* ]] || fail "bind: $output $stderr"
    cri run --rm -v "vol$N:/v" "$BB" sh -c 'echo kept >/v/k'
    run cri run --rm -v "vol$N:/v" "$BB" cat /v/k
    [[ $output == kept ]] || fail "named volume: $output"
    run --separate-stderr cri run --name "$N" -u 0 --entrypoint /bin/sh "$APP" -c 'mount | grep -c " /vol "; cat /vol/seed; echo a >/vol/a'
    [[ $output == $'1\nimage content' ]] || fail "the image's VOLUME /vol is not a mount seeded from the image: $output $stderr"
    run cri inspect "$N"
    [[ $(jq -r '.[0].Mounts[] | select(.Destination == "/vol") | .Type' <<<"$output") == volume ]] || fail "inspect Mounts: $output"
    local src
    src=$(jq -r '.[0].Mounts[] | select(.Destination == "/vol") | .Source' <<<"$output")
    [[ -f $src/a ]] || fail "no anonymous volume at $src"
    cri rm "$N"
    [[ ! -e $src ]] || fail "rm left the anonymous volume $src"
    run --separate-stderr cri run --rm --tmpfs /scratch:size=1m "$BB" sh -c 'mount | grep " /scratch "'
    [[ $output == *"tmpfs on /scratch type tmpfs (rw,nosuid,nodev,noexec"*"size=1024k"* ]] || fail "--tmpfs: $output $stderr"
    run --separate-stderr cri run --rm -v relative/path:/x "$BB" true
    [[ $status -eq 125 && $stderr == *'volume name'* ]] || fail "bad volume: $status $stderr"
}

@test "run: --read-only, --memory, --cpus, --pids-limit, --ulimit" {
    run --separate-stderr cri run --rm --read-only "$BB" sh -c 'touch /x || echo ro; touch /tmp/x 2>/dev/null || echo tmp-ro'
    [[ ${lines[0]} == ro ]] || fail "--read-only: $output"
    run --separate-stderr cri run --rm -m 64m --cpus 0.5 --pids-limit 50 --ulimit nofile=123:456 "$BB" sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max 2>/dev/null | head -1;
         cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max;
         cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; ulimit -n; ulimit -Hn'
    [[ $output == $'67108864\n50000\n50\n123\n456' ]] || fail "limits: $output $stderr"
    run --separate-stderr cri run --rm -m lots "$BB" true
    [[ $status -eq 125 && $stderr == *'--memory "lots"'* ]] || fail "bad --memory: $stderr"
    run --separate-stderr cri run --rm --ulimit bogus=1 "$BB" true
    [[ $status -eq 125 && $stderr == *'unknown limit "bogus"'* ]] || fail "bad --ulimit: $stderr"
}

@test "run: --cap-add, --cap-drop, --privileged, --security-opt seccomp and no-new-privileges" {
    run cri run --rm --cap-drop ALL --cap-add net_admin "$BB" grep CapBnd /proc/self/status
    [[ $output == $'CapBnd:\t0000000000001000' ]] || fail "cap-drop ALL + cap-add: $output"
    run cri run --rm --cap-drop CHOWN "$BB" chown 1 /tmp
    [[ $status -ne 0 ]] || fail "chown worked without CAP_CHOWN"
    run cri run --rm --privileged "$BB" sh -c 'grep Seccomp: /proc/self/status; [ -e /dev/kmsg ] && echo dev; cat /proc/self/status | grep CapBnd'
    [[ ${lines[0]} == $'Seccomp:\t0' && ${lines[1]} == dev && ${lines[2]} != *a80425fb ]] || fail "--privileged: $output"
    run cri run --rm --security-opt seccomp=unconfined "$BB" grep Seccomp: /proc/self/status
    [[ $output == $'Seccomp:\t0' ]] || fail "seccomp=unconfined: $output"
    printf '%s' '{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
      "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
                  {"names":["rmdir"],"action":"SCMP_ACT_ERRNO","includes":{"caps":["CAP_SYS_ADMIN"]}}]}' >"$BATS_TEST_TMPDIR/prof.json"
    run --separate-stderr cri run --rm --security-opt "seccomp=$BATS_TEST_TMPDIR/prof.json" "$BB" sh -c 'mkdir /tmp/d || echo denied; mkdir -p /tmp/e 2>/dev/null; rmdir /tmp && echo no'
    [[ ${lines[0]} == *"Operation not permitted"* || $output == *denied* ]] || fail "seccomp=FILE: $output $stderr"
    run cri run --rm --security-opt no-new-privileges "$BB" grep NoNewPrivs /proc/self/status
    [[ $output == $'NoNewPrivs:\t1' ]] || fail "no-new-privileges: $output"
    run --separate-stderr cri run --rm --cap-add CAP_BOGUS "$BB" true
    [[ $status -eq 125 && $stderr == *'unknown capability'* ]] || fail "bad cap: $stderr"
}

@test "run: --network none, host, container:NAME" {
    run cri run --rm --network none "$BB" sh -c 'ls /sys/class/net | tr "\n" " "'
    [[ $output == "lo " ]] || fail "none: $output"
    run cri run --rm --network host "$BB" readlink /proc/self/ns/net
    [[ $output == "$(in_ns readlink /proc/self/ns/net)" ]] || fail "host: $output"
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    run cri run --rm --network "container:$N" "$BB" readlink /proc/self/ns/net
    [[ $output == "$(readlink "/proc/$(jq -r .pid "$CR_ROOT/$N/state.json")/ns/net")" ]] || fail "container:: $output"
    run --separate-stderr cri run --rm --network bogus "$BB" true
    [[ $status -eq 125 && $stderr == *'--network "bogus"'* ]] || fail "bad network: $stderr"
}

@test "run: exit statuses 125, 126, 127, and 128+N when killed" {
    run -127 --separate-stderr cri run --rm "$BB" /nonexistent   # (127 is meant: not bats' BW01 "command not found")
    [[ $stderr == *'/nonexistent'* ]] || fail "127: $stderr"
    run --separate-stderr cri run --rm "$BB" /etc/passwd
    [[ $status -eq 126 ]] || fail "126: $status $stderr"
    run --separate-stderr cri run --rm --bogus "$BB" true
    [[ $status -eq 125 ]] || fail "125: $status $stderr"
    nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --name "$N" "$BB" sleep 30 3>&- &
    local crpid=$! i
    for i in $(seq 100); do [[ -f $CR_ROOT/$N/state.json ]] && break; sleep 0.05; done
    sleep 0.2
    kill -9 "$(jq -r .pid "$CR_ROOT/$N/state.json")"
    wait "$crpid" && status=0 || status=$?
    [[ $status -eq 137 ]] || fail "137: $status"
}

@test "run: the foreground run forwards signals and exits with the container's status" {
    nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --name "$N" "$BB" sh -c \
        'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
    local pid=$! i
    for i in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
    kill -TERM "$pid"
    wait "$pid" && status=0 || status=$?
    [[ $status -eq 7 ]] || fail "status $status: $(cat "$BATS_TEST_TMPDIR/out")"
    grep -q got-term "$BATS_TEST_TMPDIR/out" || fail "no got-term: $(cat "$BATS_TEST_TMPDIR/out")"
    [[ -z $(leftovers "$N") ]] || fail "left behind: $(leftovers "$N")"
}

@test "run -t / -it: through a real pty, input and exit status" {
    run script -qec "nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE run --rm -t $BB tty" /dev/null </dev/null
    [[ $output == *"/dev/pts/0"* ]] || fail "-t: $output"
    printf 'echo in-$((6*7))\nexit 4\n' >"$BATS_TEST_TMPDIR/in"
    run script -qec "nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE run --rm -it $BB sh" "$BATS_TEST_TMPDIR/typescript" <"$BATS_TEST_TMPDIR/in"
    [[ $status -eq 4 ]] || fail "-it status $status: $output"
    grep -q "in-42" "$BATS_TEST_TMPDIR/typescript" || fail "-it output: $(cat -v "$BATS_TEST_TMPDIR/typescript")"
}

@test "run -i passes stdin; without -i the container reads nothing" {
    run bash -c "echo from-stdin | nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE run --rm -i $BB cat"
    [[ $output == from-stdin ]] || fail "-i: $output"
    run bash -c "echo from-stdin | nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE run --rm $BB cat"
    [[ $status -eq 0 && -z $output ]] || fail "without -i: $status '$output'"
}

@test "run -d, logs [-f], stop (StopSignal, then SIGKILL), inspect, rm" {
    run --separate-stderr cri run -d --name "$N" --entrypoint /bin/sh "$APP" -c \
        'trap "echo got-usr1; exit 9" USR1; echo started; echo to-stderr >&2; while :; do sleep 0.1; done'
    [[ $status -eq 0 && $output =~ ^[0-9a-f]{64}$ ]] || fail "-d printed '$output' ($stderr)"
    local id=$output i
    for i in $(seq 50); do [[ $(cri logs "$N" 2>&1) == *to-stderr* ]] && break; sleep 0.1; done
    run --separate-stderr cri logs "$N"
    [[ $output == started && $stderr == to-stderr ]] || fail "logs (stderr kept apart): [$output] [$stderr]"
    run cri inspect "${id:0:10}"
    [[ $(jq -r '.[0].Name, .[0].State.Status, .[0].Config.StopSignal, .[0].Config.Labels["cr.test"]' <<<"$output") == $'/'"$N"$'\nrunning\nSIGUSR1\napp' ]] ||
        fail "inspect: $output"
    cri logs -f "$N" >"$BATS_TEST_TMPDIR/follow" &
    local follower=$!
    cri stop "$N"
    wait "$follower" || fail "logs -f failed"
    [[ $(tail -1 "$BATS_TEST_TMPDIR/follow") == got-usr1 ]] || fail "logs -f: $(cat "$BATS_TEST_TMPDIR/follow")"
    run cri inspect "$N"
    [[ $(jq -r '.[0].State.Status, .[0].State.ExitCode' <<<"$output") == $'exited\n9' ]] || fail "after stop: $output"
    cri rm "$N"
    [[ -z $(leftovers "$N") ]] || fail "left behind: $(leftovers "$N")"
    cri run -d --name "$N" "$BB" sh -c 'trap "" TERM; while :; do sleep 0.1; done' >/dev/null
    run cri stop -t 1 "$N"
    [[ $status -eq 0 ]] || fail "stop -t 1: $output"
    run cri inspect "$N"
    [[ $(jq -r '.[0].State.ExitCode' <<<"$output") == 137 ]] || fail "SIGKILL after the timeout: $output"
    run --separate-stderr cri rm nothere
    [[ $status -ne 0 && $stderr == *'no such container: "nothere"'* ]] || fail "rm unknown: $stderr"
}

@test "rm refuses a running container, rm -f kills it; exec and list work by name" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    run cri exec "$N" echo via-exec
    [[ $output == via-exec ]] || fail "exec by name: $output"
    run cri list
    [[ $output == *"$N "*running*"$BB"*'"sleep 30"'* ]] || fail "list: $output"
    run --separate-stderr cri rm "$N"
    [[ $status -ne 0 && $stderr == *"is running: stop it first, or use --force"* ]] || fail "rm running: $stderr"
    cri rm -f "$N"
    [[ -z $(leftovers "$N") ]] || fail "left behind: $(leftovers "$N")"
}

@test "a container name is unique: the second run fails clearly, the first is untouched" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    run --separate-stderr cri run --rm --name "$N" "$BB" true
    [[ $status -eq 125 && $stderr == *"container name \"$N\" is already in use"* ]] || fail "$status $stderr"
    [[ $(cri inspect "$N" | jq -r '.[0].State.Status') == running ]] || fail "the first container changed"
}

@test "--rm after SIGKILL of the container, and after SIGKILL of cr itself, leaves nothing" {
    cri run -d --rm --name "$N" "$BB" sleep 30 >/dev/null
    kill -9 "$(jq -r .pid "$CR_ROOT/$N/state.json")"
    local i
    for i in $(seq 100); do [[ -z $(leftovers "$N") ]] && break; sleep 0.1; done
    [[ -z $(leftovers "$N") ]] || fail "-d --rm after SIGKILL: $(leftovers "$N")"
    nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" run --rm --name "$N-b" "$BB" sleep 1 3>&- &
    local crpid=$!
    for i in $(seq 100); do [[ -f $CR_ROOT/$N-b/state.json ]] && break; sleep 0.05; done
    sleep 0.2
    kill -9 "$crpid"
    wait "$crpid" || true
    local pid
    pid=$(jq -r .pid "$CR_ROOT/$N-b/state.json")
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    run --separate-stderr cri list -q
    [[ $stderr == *"removed stale container $N-b"* ]] || fail "no stale message: $stderr"
    [[ -z $(leftovers "$N-b") ]] || fail "after cr was killed: $(leftovers "$N-b")"
}

@test "--init runs cr-init as PID 1, which reaps orphans and passes the status on" {
    run cri run --rm --init "$BB" sh -c 'sh -c "sleep 0.2 &"; sleep 0.6; ps -o stat | grep -c Z; cat /proc/1/cmdline | tr "\0" " "; exit 6'
    [[ $status -eq 6 ]] || fail "status $status: $output"
    [[ ${lines[0]} == 0 && ${lines[1]} == "/sbin/cr-init init -- sh -c"* ]] || fail "init: $output"
}

@test "rmi refuses an image a container uses; --force; prune keeps the container's layers" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    run --separate-stderr cri rmi "$BB"
    [[ $status -ne 0 && $stderr == *"used by container $N"* ]] || fail "rmi: $stderr"
    cri rmi -f "$BB" >/dev/null
    cri rmi --prune >/dev/null
    [[ -n $(ls "$STORE/layers/sha256") ]] || fail "prune removed the running container's layers"
    run cri exec "$N" sh -c 'cat /bin/busybox >/dev/null && echo readable'
    [[ $output == readable ]] || fail "the container's root after prune: $output"
    cri rm -f "$N" >/dev/null
    cri rmi --prune >/dev/null
    run cri run --rm --pull never "$BB" true
    [[ $status -eq 125 ]] || fail "the image is still named"
}

@test "--rootfs DIR runs on a directory; rm leaves the directory" {
    local r=$BATS_TEST_TMPDIR/rootfs
    cp -a "$FIX/rootfs" "$r"
    run --separate-stderr cri run --rm --rootfs "$r" sh -c 'echo written >/root/file; cat /etc/hostname'
    [[ $status -eq 0 && $output =~ ^[0-9a-f]{12}$ ]] || fail "--rootfs: $status $output $stderr"
    [[ $(cat "$r/root/file") == written && -x $r/bin/busybox ]] || fail "the rootfs changed unexpectedly"
}
