#!/usr/bin/env bats
# Docker's logs of image containers: the json-file log (stdout and stderr
# kept apart, a time per line), -t, --since, --until, foreground runs,
# --log-driver none and --log-opt max-size/max-file rotation.

load image_helpers

# wait_exited NAME : until the container has exited (at most 10 s)
wait_exited() {
    local i
    for i in $(seq 100); do [[ $(cri inspect -f '{{.State.Status}}' "$1") == exited ]] && return 0; sleep 0.1; done
    fail "$1 did not exit"
}

@test "logs: stdout and stderr apart, json-file lines, -t, --since, --until" {
    cri run -d --name "$N" "$BB" sh -c 'echo out1; echo err1 >&2; echo out2; printf tail' >/dev/null
    wait_exited "$N"
    run --separate-stderr cri logs "$N"
    [[ $status -eq 0 && $output == $'out1\nout2\ntail' && $stderr == err1 ]] || fail "streams: $status [$output] [$stderr]"
    run jq -r '[.stream, .log, (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$"))] | join(",")' "$STORE/containers/$N/ctr.log"
    [[ $output == *$'stdout,out1\n,true'* && $output == *$'stderr,err1\n,true'* && $output == *'stdout,tail,true' ]] || fail "json-file: $output"
    run --separate-stderr cri logs -t "$N"
    [[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ out1$ && ${#lines[@]} -eq 3 && $stderr =~ Z\ err1$ ]] ||
        fail "-t: $output $stderr"
    local t2=${lines[1]%% *}
    run --separate-stderr cri logs --since "$t2" "$N"
    [[ $output == $'out2\ntail' ]] || fail "--since the third line's time: $output"
    run --separate-stderr cri logs --until "$t2" --tail 1 "$N"
    [[ $output == out2 && $stderr == '' ]] || fail "--until with --tail: [$output] [$stderr]"
    run cri logs --since 1h "$N"
    [[ ${#lines[@]} -eq 4 ]] || fail "--since 1h: $output"
    run cri logs --since 2099-01-01T00:00:00Z "$N"
    [[ $status -eq 0 && -z $output ]] || fail "--since later: $output"
    run cri logs --until 2000-01-01 "$N"
    [[ $status -eq 0 && -z $output ]] || fail "--until 2000: $output"
    run cri logs --since 946684800 --until 4102444800.5 "$N"
    [[ ${#lines[@]} -eq 4 ]] || fail "Unix seconds: $output"
    run --separate-stderr cri logs --since yesterday "$N"
    [[ $status -eq 1 && $stderr == *'--since "yesterday": expected a time'* ]] || fail "bad --since: $status $stderr"
}

@test "logs: a log written raw by an older cr is still read" {
    cri run -d --name "$N" "$BB" true >/dev/null
    wait_exited "$N"
    printf 'old one\nold two\n{not json\nno newline' >"$STORE/containers/$N/ctr.log"
    run --separate-stderr cri logs "$N"
    [[ $output == $'old one\nold two\n{not json\nno newline' && -z $stderr ]] || fail "raw: $output $stderr"
    run cri logs -t --tail 2 "$N"
    [[ $output == $'{not json\nno newline' ]] || fail "raw --tail: $output"
}

@test "logs of a foreground run: its output is shown and kept, --log-driver none keeps nothing" {
    run --separate-stderr cri run --name "$N" "$BB" sh -c 'echo fg-out; echo fg-err >&2; exit 3'
    [[ $status -eq 3 && $output == fg-out && $stderr == fg-err ]] || fail "run: $status [$output] [$stderr]"
    run --separate-stderr cri logs "$N"
    [[ $status -eq 0 && $output == fg-out && $stderr == fg-err ]] || fail "logs: $status [$output] [$stderr]"
    run cri inspect -f '{{.LogPath}}' "$N"
    [[ $output == "$STORE/containers/$N/ctr.log" ]] || fail "LogPath: $output"
    run --separate-stderr cri run --log-driver none --name "$N-n" "$BB" echo hidden
    [[ $status -eq 0 && $output == hidden ]] || fail "run none: $status $output $stderr"
    cri run -d --log-driver none --name "$N-d" "$BB" echo hidden >/dev/null
    wait_exited "$N-d"
    [[ ! -e $STORE/containers/$N-n/ctr.log && ! -e $STORE/containers/$N-d/ctr.log ]] || fail "none wrote a log"
    run --separate-stderr cri logs "$N-d"
    [[ $status -eq 1 && -z $output && $stderr == *'configured logging driver does not support reading'* ]] || fail "logs none: $status $output $stderr"
    run --separate-stderr cri run --log-driver syslog "$BB" true
    [[ $status -eq 125 && $stderr == *'--log-driver "syslog": expected json-file or none'* ]] || fail "syslog: $status $stderr"
}

@test "logs of a foreground run with -t and -it (on a pty): what the terminal showed is kept" {
    run crpty "run -t --name $N $BB sh -c 'echo tty-out; echo tty-err >&2; [ -t 1 ] && echo is-a-tty'" </dev/null
    [[ $status -eq 0 && $output == *tty-out*tty-err*is-a-tty* ]] || fail "run -t: $status $(cat -v <<<"$output")"
    run cri logs "$N"
    [[ $(tr -d '\r' <<<"$output") == $'tty-out\ntty-err\nis-a-tty' ]] || fail "logs -t: $(cat -v <<<"$output")"
    printf 'echo typed-$((6*7))\nexit 4\n' >"$BATS_TEST_TMPDIR/in"
    run crpty "run -it --name $N-i $BB sh" <"$BATS_TEST_TMPDIR/in"
    [[ $status -eq 4 && $output == *typed-42* ]] || fail "run -it: $status $(cat -v <<<"$output")"
    run cri logs "$N-i"
    [[ $output == *typed-42* ]] || fail "logs -it: $(cat -v <<<"$output")"
    [[ $(cri inspect -f '{{.State.ExitCode}}' "$N-i") == 4 ]] || fail "exit code"
    # -t without a terminal around it
    run --separate-stderr cri run -t --name "$N-p" "$BB" echo piped
    [[ $status -eq 0 && $(tr -d '\r' <<<"$output") == piped ]] || fail "run -t, no pty: $status $output $stderr"
    [[ $(cri logs "$N-p" | tr -d '\r') == piped ]] || fail "logs -t, no pty: $(cri logs "$N-p")"
}

@test "logs: --log-opt max-size, max-file rotate ctr.log; logs reads the files in order" {
    cri run -d --name "$N" --log-opt max-size=1k,max-file=3 "$BB" sh -c 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "line $i"; done' >/dev/null
    wait_exited "$N"
    local d=$STORE/containers/$N f
    [[ -f $d/ctr.log && -f $d/ctr.log.1 && -f $d/ctr.log.2 && ! -e $d/ctr.log.3 ]] || fail "files: $(ls "$d")"
    for f in "$d"/ctr.log*; do [[ $(stat -c %s "$f") -le 1024 ]] || fail "$f: $(stat -c %s "$f") bytes"; done
    run cri logs "$N"
    [[ ${lines[-1]} == 'line 100' ]] || fail "last: ${lines[-1]}"
    local first=${lines[0]#line } i
    for i in "${!lines[@]}"; do [[ ${lines[$i]} == "line $((first + i))" ]] || fail "order at $i: $output"; done
    run cri logs --tail 30 "$N"
    [[ ${#lines[@]} -eq 30 && ${lines[0]} == 'line 71' ]] || fail "--tail 30: $output"
    run --separate-stderr cri run --log-opt max-file=x "$BB" true
    [[ $status -eq 125 && $stderr == *'--log-opt "max-file=x": expected max-size=SIZE'* ]] || fail "bad opt: $status $stderr"
    run --separate-stderr cri run --log-driver none --log-opt max-size=1m "$BB" true
    [[ $status -eq 125 && $stderr == *'the none log driver takes no options'* ]] || fail "none with opts: $status $stderr"
}

@test "logs -f follows a detached container to its end" {
    cri run -d --name "$N" "$BB" sh -c 'echo a; sleep 1; echo b >&2; echo c' >/dev/null
    run --separate-stderr timeout 20 "$CR" --root "$CR_ROOT" --storage "$STORE" logs -f "$N"
    [[ $status -eq 0 && $output == $'a\nc' && $stderr == b ]] || fail "-f: $status [$output] [$stderr]"
}

@test "logs: cr's --debug lines go to cr's stderr, never into the container's output or log" {
    run --separate-stderr cri --debug run --name "$N" "$BB" sh -c 'echo out; echo err >&2'
    [[ $status -eq 0 && $output == out && $stderr == *err* ]] || fail "foreground: $status [$output] [$stderr]"
    run --separate-stderr cri logs "$N"
    [[ $output == out && $stderr == err ]] || fail "foreground log: [$output] [$stderr]"
    run --separate-stderr cri --debug run -d --name "$N-d" "$BB" sh -c 'echo out; echo err >&2'
    [[ $status -eq 0 ]] || fail "detached: $status $stderr"
    wait_exited "$N-d"
    run --separate-stderr cri logs "$N-d"
    [[ $output == out && $stderr == err ]] || fail "detached log: [$output] [$stderr]"
}
