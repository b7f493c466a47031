#!/usr/bin/env bats
# Docker's verbs on image containers, beside runc's forms of the same
# applets: exec NAME, start [-a] / restart / wait / rename / unpause /
# kill -s, ps without an operand (-a, -q, --filter, --format), --restart
# kept by the -d monitor, --health-* checks. Images from a local
# docker-registry (image_helpers), every container in the file's netns.

load image_helpers

# status_is NAME WORD: inspect's State.Status of NAME is WORD
status_is() { [[ $(cri inspect "$1" 2>/dev/null | jq -r '.[0].State.Status') == "$2" ]]; }

@test "exec NAME (Docker form): -u NAME[:GROUP], -w, -e, --env-file, HOME, TERM, -i, -d, 126/127" {
    cri run -d --name "$N" --entrypoint /bin/sleep "$APP" 1000 >/dev/null
    run --separate-stderr cri exec "$N" sh -c 'echo $(id -u):$(id -g) $HOME $(pwd) ${TERM:-no-term} $FOO'
    [[ $output == "1000:1000 /srv /srv no-term from-image" ]] || fail "defaults (image's user, workdir, env): '$output' $stderr"
    run --separate-stderr cri exec -u root -w /tmp "$N" sh -c 'echo $(id -u):$(id -g) $HOME $(pwd)'
    [[ $output == "0:0 /root /tmp" ]] || fail "-u root -w: '$output' $stderr"
    run --separate-stderr cri exec -u app:extra "$N" sh -c 'echo $(id -u):$(id -g)'
    [[ $output == "1000:2000" ]] || fail "-u app:extra: '$output' $stderr"
    run --separate-stderr cri exec --user 0:2000 "$N" id -G
    [[ $output == "2000" ]] || fail "-u 0:2000: '$output' $stderr"
    printf 'A=from-file\n# comment\nB=b\n' >"$BATS_TEST_TMPDIR/env"
    export HOSTVAR=from-host
    run --separate-stderr cri exec --env-file "$BATS_TEST_TMPDIR/env" -e B=from-e -e HOSTVAR "$N" sh -c 'echo $A $B $HOSTVAR'
    [[ $output == "from-file from-e from-host" ]] || fail "-e/--env-file: '$output' $stderr"
    run bash -c "echo typed | nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE exec -i $N cat"
    [[ $output == typed ]] || fail "-i: '$output'"
    run bash -c "echo typed | nsenter --net=/run/netns/$NETNS $CR --root $CR_ROOT --storage $STORE exec $N cat"
    [[ $status -eq 0 && -z $output ]] || fail "without -i stdin is empty: $status '$output'"
    run --separate-stderr cri exec -d -u 0 "$N" sh -c 'sleep 0.2; echo detached >/tmp/d'
    [[ $status -eq 0 ]] || fail "-d: $status $stderr"
    wait_until 10 cri exec "$N" test -f /tmp/d || fail "-d: the process did not run"
    run --separate-stderr cri exec "$N" sh -c 'exit 7'
    [[ $status -eq 7 ]] || fail "status: $status"
    run -127 --separate-stderr cri exec "$N" no-such-command
    [[ $status -eq 127 && $stderr == *no-such-command*"not found"* ]] || fail "missing command: $status $stderr"
    run --separate-stderr cri exec "$N" /etc/passwd
    [[ $status -eq 126 && $stderr == *"permission denied"* ]] || fail "not executable: $status $stderr"
    run --separate-stderr cri exec -u nobody "$N" true
    [[ $status -eq 1 && $stderr == *'user "nobody": no matching entries'* ]] || fail "unknown user: $status $stderr"
    run --separate-stderr cri exec nosuch-$N true
    [[ $status -eq 255 ]] || fail "an unknown name is runc's form (255): $status $stderr"
    run --separate-stderr cri exec -i nosuch-$N true
    [[ $status -eq 1 && $stderr == *"no such container"* ]] || fail "Docker form, unknown name: $status $stderr"
    # runc's form stays: --cwd and -p are runc's
    run --separate-stderr cri exec --cwd /tmp "$N" pwd
    [[ $output == /tmp ]] || fail "runc form --cwd: '$output' $stderr"
    cri stop -t 1 "$N" >/dev/null
    run --separate-stderr cri exec -i "$N" true
    [[ $status -eq 1 && $stderr == *"is not running"* ]] || fail "stopped: $status $stderr"
}

@test "exec -it / -t through a pty: a terminal, TERM=xterm, input and exit status" {
    cri run -d --name "$N" "$BB" sleep 1000 >/dev/null
    run crpty "exec -t $N sh -c 'tty; echo \$TERM'" </dev/null
    [[ $status -eq 0 && $output == *"/dev/pts/"*"xterm"* ]] || fail "-t: $status $(cat -v <<<"$output")"
    printf 'echo in-$((6*7))\nexit 5\n' >"$BATS_TEST_TMPDIR/in"
    run crpty "exec -it $N sh" <"$BATS_TEST_TMPDIR/in"
    [[ $status -eq 5 && $output == *in-42* ]] || fail "-it: $status $(cat -v <<<"$output")"
}

@test "start, restart, wait, rename, kill -s, unpause: same upper dir, volumes and network" {
    cri run -d --name "$N" -v "vol$N:/v" -p 8080:80 "$BB" sh -c 'echo run >>/state; echo run >>/v/count; trap "exit 9" USR1; sleep 1000 & wait' >/dev/null
    [[ $(cri ps --format '{{.Ports}}' --filter name="$N") == "0.0.0.0:8080->80/tcp" ]] || fail "PORTS: $(cri ps)"
    run --separate-stderr cri kill -s USR1 "$N"
    [[ $status -eq 0 && $output == "$N" ]] || fail "kill -s: $status $output $stderr"
    run cri wait "$N"
    [[ $output == 9 ]] || fail "wait after SIGUSR1: $output"
    run --separate-stderr cri start "$N"
    [[ $status -eq 0 && $output == "$N" ]] || fail "start: $status $output $stderr"
    status_is "$N" running || fail "not running after start: $(cri ps -a)"
    run cri exec "$N" sh -c 'cat /state /v/count | tr "\n" " "; ip -o -4 addr show eth0 | grep -c "inet 10\."'
    [[ $output == $'run run run run 1' ]] || fail "same upper dir, volume and network: '$output'"
    cri pause "$N"
    status_is "$N" paused || fail "pause"
    run cri unpause "$N"
    [[ $status -eq 0 ]] && status_is "$N" running || fail "unpause: $output"
    run --separate-stderr cri restart -t 1 "$N"
    [[ $status -eq 0 && $output == "$N" ]] || fail "restart: $status $output $stderr"
    [[ $(cri exec "$N" cat /state | wc -l) == 3 ]] || fail "restart: $(cri exec "$N" cat /state)"
    cri kill "$N" >/dev/null
    [[ $(cri wait "$N") == 137 ]] || fail "kill's default is SIGKILL"
    run --separate-stderr cri rename "$N" "$N-new"
    [[ $status -eq 0 ]] || fail "rename: $status $stderr"
    [[ $(cri inspect "$N-new" | jq -r '.[0].Name') == "/$N-new" && ! -e $STORE/containers/$N ]] || fail "renamed: $(cri ps -a)"
    run --separate-stderr cri start "$N-new"
    [[ $(cri exec "$N-new" cat /state | wc -l) == 4 ]] || fail "start after rename: $status $stderr"
    cri rm -f "$N-new" >/dev/null
    # start -a: in the foreground, the output here and the exit status
    cri run --name "$N-a" "$BB" sh -c 'echo ran >>/f; cat /f; exit 3' >/dev/null || true
    run --separate-stderr cri start -a "$N-a"
    [[ $status -eq 3 && $output == $'ran\nran' ]] || fail "start -a: $status '$output' $stderr"
    [[ $(cri wait "$N-a") == 3 ]] || fail "wait of a stopped container: its last exit"
    # runc's start and kill stay as they were
    run --separate-stderr cri kill "$N-a" KILL
    [[ $status -eq 1 && $stderr == *"not running"* ]] || fail "runc kill form: $status $stderr"
}

@test "rename of a running container: ps, inspect, exec, logs, stop, rm -f by the new name; the old name is free" {
    cri run -d --name "$N" -p 8081:80 "$BB" sh -c 'echo hello; trap "echo bye; exit 0" TERM; sleep 1000 & wait' >/dev/null
    local id ip pid
    id=$(cri inspect -f '{{.Id}}' "$N")
    ip=$(cri inspect -f '{{.NetworkSettings.IPAddress}}' "$N")
    [[ $ip == 10.* ]] || fail "no address: $ip"
    run --separate-stderr cri rename "$N" "$N-new"
    [[ $status -eq 0 && -z $output && -z $stderr ]] || fail "rename: $status $output $stderr"
    [[ $(cri ps --format '{{.Names}} {{.State}} {{.Ports}}') == "$N-new running 0.0.0.0:8081->80/tcp" ]] || fail "ps: $(cri ps)"
    [[ $(cri inspect -f '{{.Name}} {{.Id}} {{.NetworkSettings.IPAddress}}' "$N-new") == "/$N-new $id $ip" ]] ||
        fail "inspect: $(cri inspect "$N-new" | jq -c '.[0] | [.Name, .Id, .NetworkSettings.IPAddress]')"
    [[ $(cri exec "$N-new" sh -c 'echo in; ip -o -4 addr show eth0' ) == "in"*"inet $ip/"* ]] || fail "exec, same address"
    [[ $(cri logs "$N-new") == hello ]] || fail "logs: $(cri logs "$N-new")"
    run --separate-stderr cri inspect "$N"
    [[ $status -eq 1 && $stderr == *"no such object"* ]] || fail "the old name: $status $output $stderr"
    [[ -z $(leftovers "$N") ]] || fail "the old name's records: $(leftovers "$N")"
    cri run -d --name "$N" "$BB" sleep 1000 >/dev/null || fail "the old name is not free"
    [[ $(cri exec "$N" echo again) == again && $(cri ps -q | wc -l) == 2 ]] || fail "a new container of the old name: $(cri ps)"
    # the monitor follows: stop waits for it, the exit is recorded, the log goes on
    cri stop -t 5 "$N-new" >/dev/null
    [[ $(cri inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$N-new") == "exited 0" ]] || fail "stop: $(cri ps -a)"
    [[ $(cri logs "$N-new") == $'hello\nbye' ]] || fail "logs after stop: $(cri logs "$N-new")"
    status_is "$N" running || fail "stop of the renamed one reached the other: $(cri ps -a)"
    cri start "$N-new" >/dev/null
    cri rename "$N-new" "$N-2" || fail "rename after start"
    cri rm -f "$N-2" >/dev/null
    [[ -z $(leftovers "$N-new" "$id") && -z $(leftovers "$N-2" "$id") ]] || fail "left: $(leftovers "$N-new" "$id") $(leftovers "$N-2" "$id")"
    # a foreground --rm run follows too: nothing is left under either name
    cri_t 60 run --rm --name "$N-fg" "$BB" sleep 1000 >/dev/null &
    pid=$!
    wait_until 20 status_is "$N-fg" running || fail "foreground run did not start"
    id=$(cri inspect -f '{{.Id}}' "$N-fg")
    cri rename "$N-fg" "$N-fg2" || fail "rename of a foreground run"
    cri stop -t 1 "$N-fg2" >/dev/null
    wait "$pid" || true
    [[ -z $(leftovers "$N-fg" "$id") && -z $(leftovers "$N-fg2" "$id") ]] || fail "--rm left: $(leftovers "$N-fg2" "$id")"
    run --separate-stderr cri rename "$N" "$N"
    [[ $status -eq 1 && $stderr == *"already in use"* ]] || fail "rename onto a taken name: $status $stderr"
    # on a user-defined network the others' /etc/hosts and the network learn the new name
    cri network create "$N-net" >/dev/null
    cri run -d --name "$N-a" --network "$N-net" "$BB" sleep 1000 >/dev/null
    cri run -d --name "$N-b" --network "$N-net" "$BB" sleep 1000 >/dev/null
    cri rename "$N-a" "$N-a2" || fail "rename on a network"
    [[ $(cri exec "$N-b" cat /etc/hosts) == *"	$N-a2"* && $(cri exec "$N-b" cat /etc/hosts) != *"	$N-a"[^2]* ]] ||
        fail "b's hosts: $(cri exec "$N-b" cat /etc/hosts)"
    cri exec "$N-b" ping -c1 -W2 "$N-a2" >/dev/null || fail "ping by the new name"
    run cri network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$N-net"
    [[ $output == *"$N-a2 "* && $output != *"$N-a "* ]] || fail "network Containers: $output"
    cri rm -f "$N-a2" "$N-b" >/dev/null
    cri network rm "$N-net" >/dev/null || fail "network in use after rm -f of a renamed container"
}

@test "--health-cmd in a foreground run: ps and inspect from another shell see it while it runs" {
    cri_t 60 run --name "$N" --health-cmd 'test -f /tmp/ok' --health-interval 200ms --health-retries 1 "$BB" sleep 1000 >/dev/null &
    local pid=$!
    wait_until 20 eval '[[ $(cri ps --filter name=$N --format "{{.Status}}") == "Up "*" (unhealthy)" ]]' ||
        fail "unhealthy: $(cri ps) $(cri inspect "$N" | jq -c .[0].State.Health)"
    cri exec "$N" touch /tmp/ok
    wait_until 20 eval '[[ $(cri inspect -f "{{.State.Health.Status}}" "$N") == healthy ]]' || fail "healthy: $(cri ps)"
    [[ $(cri ps --filter name="$N" --format '{{.Status}}') == "Up "*" (healthy)" ]] || fail "ps: $(cri ps)"
    cri stop -t 1 "$N" >/dev/null
    wait "$pid" || true
    [[ ! -e $STORE/containers/$N/health.pid ]] && ! pgrep -f "health-cmd.*$N" >/dev/null || fail "a checker is left"
    cri_t 60 run --name "$N-s" --health-cmd 'exit 1' --health-interval 1h "$BB" sleep 1000 >/dev/null &
    pid=$!
    wait_until 20 status_is "$N-s" running || fail "not running"
    [[ $(cri ps --filter name="$N-s" --format '{{.Status}}') == *"(health: starting)" ]] || fail "starting: $(cri ps)"
    cri stop -t 1 "$N-s" >/dev/null
    wait "$pid" || true
}

@test "--restart: on-failure:N with back-off, always until stop; --rm conflicts" {
    cri run -d --name "$N" --restart on-failure:2 "$BB" sh -c 'echo x >>/runs; exit 3' >/dev/null
    wait_until 30 eval '[[ $(cri inspect "$N" | jq .[0].RestartCount) == 2 ]] && status_is "$N" exited && ! [[ -e $STORE/containers/$N/restarting ]]' ||
        fail "on-failure:2: $(cri inspect "$N" | jq -c '.[0].State, .[0].RestartCount')"
    sleep 0.5
    [[ $(cri inspect "$N" | jq .[0].RestartCount) == 2 && $(cri inspect "$N" | jq .[0].State.ExitCode) == 3 ]] || fail "more than 2 restarts"
    [[ $(cri inspect "$N" | jq -c .[0].HostConfig.RestartPolicy) == '{"Name":"on-failure","MaximumRetryCount":2}' ]] ||
        fail "HostConfig.RestartPolicy: $(cri inspect "$N" | jq -c .[0].HostConfig)"
    cri rm "$N" >/dev/null
    cri run -d --name "$N-b" --restart always "$BB" sh -c 'sleep 0.2; exit 0' >/dev/null
    wait_until 30 eval '(( $(cri inspect "$N-b" | jq .[0].RestartCount) >= 3 ))' || fail "always: $(cri inspect "$N-b" | jq .[0].RestartCount)"
    # wait of a container its monitor restarts: its next exit (the monitor keeps its lock)
    run timeout 10 nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" wait "$N-b"
    [[ $status -eq 0 && $output == 0 ]] || fail "wait of a restarting container: $status $output"
    run cri ps -a --filter name="$N-b" --format '{{.Status}}'
    [[ $output == Up* || $output == Restarting* ]] || fail "ps status: $output"
    cri stop -t 1 "$N-b" >/dev/null
    local n
    n=$(cri inspect "$N-b" | jq .[0].RestartCount)
    sleep 1
    [[ $(cri inspect "$N-b" | jq .[0].RestartCount) == "$n" ]] && status_is "$N-b" exited || fail "stop did not hold the policy"
    run --separate-stderr cri run --rm --restart always "$BB" true
    [[ $status -eq 125 && $stderr == *"conflicting options"* ]] || fail "--rm --restart: $status $stderr"
    run --separate-stderr cri run -d --restart sometimes "$BB" true
    [[ $status -eq 125 && $stderr == *'--restart "sometimes"'* ]] || fail "bad policy: $status $stderr"
}

@test "--health-cmd: starting, unhealthy, healthy in ps and inspect's State.Health; --no-healthcheck" {
    cri run -d --name "$N" --health-cmd 'test -f /tmp/ok' --health-interval 200ms --health-retries 2 "$BB" sleep 1000 >/dev/null
    wait_until 20 eval '[[ $(cri ps --filter name=$N --format "{{.Status}}") == "Up "*" (unhealthy)" ]]' ||
        fail "unhealthy: $(cri ps) $(cri inspect "$N" | jq -c .[0].State.Health)"
    [[ $(cri inspect "$N" | jq -r '.[0].State.Health | "\(.Status) \(.FailingStreak >= 2) \(.Log[-1].ExitCode)"') == "unhealthy true 1" ]] ||
        fail "State.Health: $(cri inspect "$N" | jq -c .[0].State.Health)"
    cri exec "$N" touch /tmp/ok
    wait_until 20 eval '[[ $(cri ps --filter name=$N --format "{{.Status}}") == "Up "*" (healthy)" ]]' || fail "healthy: $(cri ps)"
    [[ $(cri inspect "$N" | jq -r '.[0].State.Health.FailingStreak') == 0 ]] || fail "streak"
    cri run -d --name "$N-s" --health-cmd 'exit 1' --health-interval 1h "$BB" sleep 1000 >/dev/null
    [[ $(cri ps --filter name="$N-s" --format '{{.Status}}') == *"(health: starting)" ]] || fail "starting: $(cri ps)"
    cri run -d --name "$N-n" --no-healthcheck --health-cmd 'exit 1' "$BB" sleep 1000 >/dev/null
    [[ $(cri ps --filter name="$N-n" --format '{{.Status}}') != *"("* && $(cri inspect "$N-n" | jq .[0].State.Health) == null ]] || fail "--no-healthcheck"
    run --separate-stderr cri run -d --health-cmd true --health-interval soon "$BB" true
    [[ $status -eq 125 && $stderr == *"--health-interval"* ]] || fail "bad duration: $status $stderr"
}

@test "ps without an operand lists image containers as docker ps; ps ID stays runc's" {
    cri run -d --name "$N-up" "$BB" sleep 1000 >/dev/null
    cri run --name "$N-ex" "$APP" >/dev/null
    run cri ps
    [[ ${lines[0]} =~ ^"CONTAINER ID   IMAGE"\ +"COMMAND"\ +"CREATED"\ +"STATUS"\ +"PORTS"\ +"NAMES"$ ]] || fail "header: ${lines[0]}"
    [[ ${#lines[@]} == 2 && ${lines[1]} =~ ^[0-9a-f]{12}\ +"$BB"\ +'"sleep 1000"'\ +.*" ago"\ +"Up ".*"$N-up"$ ]] || fail "row: $output"
    run cri ps -a --format '{{.Names}} {{.State}} {{.Command}}'
    [[ $output == "$N-ex exited \"/bin/echo entry def…\""$'\n'"$N-up running \"sleep 1000\"" ]] || fail "-a (newest first): $output"
    run cri ps -aq --no-trunc
    [[ ${#lines[@]} == 2 && ${lines[1]} =~ ^[0-9a-f]{64}$ ]] || fail "-aq --no-trunc: $output"
    [[ $(cri ps -a -f status=exited --format '{{.Names}}') == "$N-ex" ]] || fail "status="
    [[ $(cri ps -a --filter label=cr.test=app --format '{{.Names}}') == "$N-ex" ]] || fail "label=K=V"
    [[ $(cri ps -a --filter label=cr.test --filter exited=0 --format '{{.Names}}') == "$N-ex" ]] || fail "label=K exited="
    [[ $(cri ps -a --filter ancestor="$BB" --format '{{.Names}}') == "$N-up" ]] || fail "ancestor="
    [[ $(cri ps -a --filter name="$N-up" --filter name="$N-ex" -q | wc -l) == 2 ]] || fail "a key twice: either"
    [[ $(cri ps -a --filter id="$(cri inspect "$N-up" | jq -r .[0].Id | cut -c1-5)" --format '{{.Names}}') == "$N-up" ]] || fail "id="
    run cri ps -a --format 'table {{.Names}}\t{{.Label "cr.test"}}' --filter name="$N-ex"
    [[ $output == "NAMES"*"LABEL"$'\n'"$N-ex"*app ]] || fail "table format: $output"
    run --separate-stderr cri ps --filter colour=red
    [[ $status -eq 1 && $stderr == *colour=red* ]] || fail "unknown filter: $status $stderr"
    run --separate-stderr cri ps "$N-up"
    [[ $status -eq 0 && ${lines[0]} == *PID* && $output == *"sleep 1000"* ]] || fail "runc form: $output $stderr"
}

@test "the image's HEALTHCHECK runs without --health-cmd; --no-healthcheck turns it off" {
    local o=$BATS_TEST_TMPDIR/hc
    oci_image "$o" "$FIX/rootfs" '{Env: ["PATH=/bin"], Cmd: ["sleep", "1000"],
        Healthcheck: {Test: ["CMD", "test", "-e", "/tmp/ok"], Interval: 200000000, Retries: 1}}'
    cri pull -q "oci:$o:latest" >/dev/null
    cri run -d --name "$N" localhost/hc:latest >/dev/null
    wait_until 20 eval '[[ $(cri ps --filter name=$N --format "{{.Status}}") == *"(unhealthy)" ]]' || fail "image check: $(cri ps)"
    cri exec "$N" touch /tmp/ok
    wait_until 20 eval '[[ $(cri ps --filter name=$N --format "{{.Status}}") == *"(healthy)" ]]' || fail "image check, healthy: $(cri ps)"
    cri run -d --name "$N-off" --no-healthcheck localhost/hc:latest >/dev/null
    [[ $(cri inspect "$N-off" | jq .[0].State.Health) == null ]] || fail "--no-healthcheck"
}
