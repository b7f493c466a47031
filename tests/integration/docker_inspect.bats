#!/usr/bin/env bats
# Docker's inspection verbs on image containers and images: inspect -f
# (Go templates), --type, image inspect, State.OOMKilled, port bindings,
# port, the container group.

load image_helpers

@test "inspect -f: fields, json, index, range, if, \$; errors as Docker's" {
    cri run -d --name "$N" "$APP" >/dev/null
    cri run -d --name "$N-b" "$BB" sleep 30 >/dev/null
    run --separate-stderr cri inspect -f '{{.Name}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{index .Config.Labels "cr.test"}}' "$N"
    [[ $status -eq 0 && $output == "/$N /srv [\"/bin/echo\",\"entry\"] app" ]] || fail "fields: $status $output $stderr"
    run cri inspect --format '{{range .Config.Env}}[{{.}}]{{end}}|{{if .State.Running}}up{{else}}down{{end}}|{{len .Args}}' "$N-b"
    [[ $output == *'[PATH=/usr/local/sbin:'*']'* && $output == *'[HOSTNAME='*']'*'|up|1' ]] || fail "range/if/len: $output"
    run cri inspect -f '{{.State.Status}}' "$N-b" "$N-b"
    [[ $output == $'running\nrunning' ]] || fail "one line per object: $output"
    run cri inspect -f '{{range $k, $v := .Config.Volumes}}{{$k}}{{end}} {{.Config.ExposedPorts}} {{$.State.OOMKilled}}' "$N"
    [[ $output == '/vol <nil> false' ]] || fail "Volumes, ExposedPorts, OOMKilled: $output"
    run --separate-stderr cri inspect -f '{{.Nope}}' "$N"
    [[ $status -eq 1 && -z $output && $stderr == *'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'* ]] ||
        fail "missing key: $status $output $stderr"
    run --separate-stderr cri inspect -f '{{nope .Id}}' "$N"
    [[ $status -eq 1 && -z $output && $stderr == *'template parsing error: template: :1: function "nope" not defined'* ]] ||
        fail "bad template: $status $output $stderr"
    run --separate-stderr cri inspect -f '{{.Id}}' nothere "$N-b"
    [[ $status -eq 1 && $output =~ ^[0-9a-f]{64}$ && $stderr == *'no such object: "nothere"'* ]] || fail "unknown name: $status $output $stderr"
}

@test "inspect IMAGE, image inspect, --type; images shows the unpacked size" {
    run --separate-stderr cri inspect "$APP"
    [[ $status -eq 0 ]] || fail "inspect image: $stderr"
    [[ $(jq -r '.[0].RepoTags[0], .[0].Config.WorkingDir, .[0].Config.Labels["cr.test"], .[0].Os, .[0].RootFS.Type, (.[0].Size > 1000), (.[0].Id | startswith("sha256:"))' <<<"$output") == \
        "$APP:latest"$'\n/srv\napp\nlinux\nlayers\ntrue\ntrue' ]] || fail "image inspect: $output"
    [[ $(jq -r '.[0].RepoDigests[0]' <<<"$output") == "$APP@sha256:"* ]] || fail "RepoDigests: $output"
    local size id
    size=$(jq -r '.[0].Size' <<<"$output")
    id=$(jq -r '.[0].Id' <<<"$output")
    run cri image inspect -f '{{.Id}} {{json .Config.Volumes}}' "${id:7:12}"
    [[ $output == "$id {\"/vol\":{}}" ]] || fail "image inspect -f by id prefix: $output"
    run --separate-stderr cri inspect --type container "$APP"
    [[ $status -eq 1 && $stderr == *"no such container"* ]] || fail "--type container: $stderr"
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    run --separate-stderr cri inspect --type image "$N"
    [[ $status -eq 1 && $stderr == *"not in the store"* ]] || fail "--type image: $stderr"
    run cri container inspect -f '{{.State.Status}}' "$N"
    [[ $output == running ]] || fail "container inspect: $output"
    run cri images --format json
    [[ $(jq -r --arg n "$APP:latest" '.[] | select(.name == $n) | .size' <<<"$output") == "$size" ]] || fail "images size ($size): $output"
}

@test "port bindings: inspect's HostConfig.PortBindings and NetworkSettings.Ports, port NAME" {
    cri run -d --name "$N" -p 8080:80 -p 127.0.0.1:8081:80 -p 5353:53/udp "$BB" sleep 30 >/dev/null
    run cri inspect -f '{{json .HostConfig.PortBindings}}' "$N"
    [[ $output == '{"80/tcp":[{"HostIp":"","HostPort":"8080"},{"HostIp":"127.0.0.1","HostPort":"8081"}],"53/udp":[{"HostIp":"","HostPort":"5353"}]}' ]] ||
        fail "PortBindings: $output"
    run cri inspect -f '{{json .NetworkSettings.Ports}} {{json .Config.ExposedPorts}}' "$N"
    [[ $output == '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"127.0.0.1","HostPort":"8081"}],"53/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"}]} {"80/tcp":{},"53/udp":{}}' ]] ||
        fail "NetworkSettings.Ports: $output"
    run cri port "$N"
    [[ $output == $'80/tcp -> 0.0.0.0:8080\n80/tcp -> 127.0.0.1:8081\n53/udp -> 0.0.0.0:5353' ]] || fail "port: $output"
    run cri port "$N" 80
    [[ $output == $'0.0.0.0:8080\n127.0.0.1:8081' ]] || fail "port 80: $output"
    run cri port "$N" 53/udp
    [[ $output == '0.0.0.0:5353' ]] || fail "port 53/udp: $output"
    run --separate-stderr cri port "$N" 81
    [[ $status -eq 1 && $stderr == *'no public port "81/tcp" published'* ]] || fail "port 81: $status $stderr"
    cri stop -t 1 "$N" >/dev/null
    run cri inspect -f '{{json .NetworkSettings.Ports}}' "$N"
    [[ $output == '{}' ]] || fail "stopped: $output"
}

@test "State.OOMKilled: a container killed by the OOM killer" {
    [[ -e /sys/fs/cgroup/cgroup.controllers || -d /sys/fs/cgroup/memory ]] || skip "no memory cgroup"
    run cri run --name "$N" -m 16m "$BB" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1'
    [[ $status -eq 137 ]] || skip "dd was not OOM killed (status $status: $output)"
    run cri inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' "$N"
    [[ $output == 'true 137' ]] || fail "OOMKilled: $output"
}

@test "container group: rm, prune -f; unknown commands are refused" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    cri run --name "$N-done" "$BB" true
    run cri container prune -f
    [[ $output == $'Deleted Containers:\n'"$N-done" ]] || fail "prune: $output"
    [[ $(cri inspect -f '{{.State.Status}}' "$N") == running ]] || fail "prune removed a running container"
    run cri container rm -f "$N"
    [[ $status -eq 0 && -z $(leftovers "$N") ]] || fail "container rm -f: $output $(leftovers "$N")"
    run --separate-stderr cri container pull x
    [[ $status -eq 1 && $stderr == *'unknown command "pull"'* ]] || fail "container pull: $stderr"
}

@test "diff: A, C, D from the container's upper dir; top: its processes with ps options" {
    cri run --name "$N" "$BB" sh -c 'echo x >/new; echo y >>/etc/passwd; rm /bin/ls; mkdir -p /d/e; touch /d/e/f'
    run cri diff "$N"
    [[ $output == $'C /bin\nD /bin/ls\nA /d\nA /d/e\nA /d/e/f\nC /etc\nC /etc/passwd\nA /new' ]] || fail "diff: $output"
    cri run -d --name "$N-t" "$BB" sleep 31 >/dev/null
    run cri top "$N-t"
    [[ ${lines[0]} == *PID*CMD* && $output == *'sleep 31'* && ${#lines[@]} -eq 2 ]] || fail "top: $output"
    run cri top "$N-t" -o pid,args
    [[ ${lines[0]} == *PID*COMMAND* && ${lines[1]} == *'sleep 31' ]] || fail "top -o pid,args: $output"
    run --separate-stderr cri top "$N"
    [[ $status -eq 1 && $stderr == *"container \"$N\" is not running"* ]] || fail "top of a stopped one: $stderr"
}

@test "info and version: Docker's text and -f templates" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    cri run --name "$N-done" "$BB" true
    run cri info
    [[ $output == *$'Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 2\n'* ]] || fail "info: $output"
    [[ $output == *"Storage Root: $STORE"* && $output == *"Kernel Version: $(uname -r)"* ]] || fail "info: $output"
    run cri info -f '{{.ContainersRunning}} {{.Images}} {{.OSType}} {{.NCPU}}'
    [[ $output == "1 2 linux $(nproc)" ]] || fail "info -f: $output"
    run cri info --format '{{json .}}'
    [[ $(jq -r '.CgroupVersion, .DockerRootDir' <<<"$output") == [12]$'\n'"$STORE" ]] || fail "info json: $output"
    run cri version -f '{{.Server.Version}} {{.Client.Os}}'
    [[ $output == "$("$CR" --version | sed -n 's/^cr version //p') linux" ]] || fail "version -f: $output"
    run cri version
    [[ ${lines[0]} == 'Client: cr' && $output == *'OCI runtime spec:  1.2.0'* ]] || fail "version: $output"
}

@test "volume create, ls, inspect, rm (refused while mounted), prune" {
    run cri volume create "$N-v"
    [[ $output == "$N-v" && -d $STORE/volumes/$N-v/_data ]] || fail "create: $output"
    run cri volume create
    [[ $output =~ ^[0-9a-f]{64}$ ]] || fail "create without a name: $output"
    local anon=$output
    run cri volume ls
    [[ $output == *$'DRIVER    VOLUME NAME\n'* && $output == *"local     $N-v"* && $output == *"local     $anon"* ]] || fail "ls: $output"
    run cri volume ls -q
    [[ $(sort <<<"$output") == "$(printf '%s\n' "$N-v" "$anon" | sort)" ]] || fail "ls -q: $output"
    run cri volume inspect "$N-v"
    [[ $(jq -r '.[0].Name, .[0].Driver, .[0].Mountpoint' <<<"$output") == "$N-v"$'\nlocal\n'"$STORE/volumes/$N-v/_data" ]] || fail "inspect: $output"
    run cri volume inspect -f '{{.Name}} {{.Scope}}' "$N-v"
    [[ $output == "$N-v local" ]] || fail "inspect -f: $output"
    cri run -d --name "$N" -v "$N-v:/data" "$BB" sleep 30 >/dev/null
    run --separate-stderr cri volume rm "$N-v"
    [[ $status -eq 1 && $stderr == *"volume \"$N-v\" is in use by container \"$N\""* ]] || fail "rm in use: $status $stderr"
    run cri volume prune -f
    [[ $output == $'Deleted Volumes:\n'"$anon" && -d $STORE/volumes/$N-v ]] || fail "prune: $output"
    cri rm -f "$N" >/dev/null
    run cri volume rm "$N-v"
    [[ $status -eq 0 && $output == "$N-v" && ! -e $STORE/volumes/$N-v ]] || fail "rm: $output"
    run --separate-stderr cri volume inspect nothere
    [[ $status -eq 1 && $stderr == *'no such volume: "nothere"'* ]] || fail "inspect unknown: $stderr"
}

@test "logs --tail N (-n): the last N lines, also of a last line without a newline" {
    cri run -d --name "$N" "$BB" sh -c 'for i in 1 2 3 4 5; do echo line$i; done; printf last' >/dev/null
    local i
    for i in $(seq 100); do [[ $(cri inspect -f '{{.State.Status}}' "$N") == exited ]] && break; sleep 0.1; done
    run cri logs --tail 2 "$N"
    [[ $output == $'line5\nlast' ]] || fail "--tail 2: $output"
    run cri logs -n 1 "$N"
    [[ $output == last ]] || fail "-n 1: $output"
    run cri logs --tail 0 "$N"
    [[ $status -eq 0 && -z $output ]] || fail "--tail 0: $output"
    run cri logs --tail all "$N"
    [[ $output == $'line1\nline2\nline3\nline4\nline5\nlast' ]] || fail "--tail all: $output"
    run cri logs --tail 100 "$N"
    [[ ${#lines[@]} -eq 6 ]] || fail "--tail 100: $output"
    run --separate-stderr cri logs --tail x "$N"
    [[ $status -eq 1 && $stderr == *'--tail: expected a number of lines or all, got "x"'* ]] || fail "--tail x: $stderr"
}

@test "system prune [-a]: stopped containers, unused images and layers; the question unless -f" {
    cri run -d --name "$N" "$BB" sleep 30 >/dev/null
    cri run --name "$N-done" "$APP" >/dev/null
    run cri system prune <<<"n"
    [[ $output == *'WARNING! This will remove all stopped containers'*'[y/N]'* && -d $STORE/containers/$N-done ]] || fail "no: $output"
    run cri system prune -f
    [[ $output == *$'Deleted Containers:\n'"$N-done"* && $output == *Reclaimed* ]] || fail "prune: $output"
    [[ $(cri images -q | wc -l) -eq 2 ]] || fail "prune without -a removed images"
    run cri system prune -a <<<"y"
    [[ $status -eq 0 && $output == *"Untagged: $APP:latest"* && $output != *"Untagged: $BB"* ]] || fail "prune -a: $output"
    [[ $(cri images --format json | jq -r '.[].name') == "$BB:latest" ]] || fail "images after prune -a: $(cri images)"
    [[ $(cri inspect -f '{{.State.Status}}' "$N") == running ]] || fail "the running container"
}
