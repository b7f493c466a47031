#!/usr/bin/env bats
# Docker's cp, export, stats and system df on image containers.

load image_helpers

@test "cp out of and into a running container; its symlinks never lead out" {
    cri run -d --name "$N" "$BB" sleep 60 >/dev/null
    local d="$BATS_TEST_TMPDIR"
    cri cp "$N:/etc/passwd" "$d/passwd" || fail "cp file out"
    grep -q '^root:' "$d/passwd" || fail "copied passwd: $(cat "$d/passwd")"
    mkdir "$d/into"
    cri cp "$N:/bin" "$d/into" || fail "cp dir into a dir"
    [[ -e $d/into/bin/sh ]] || fail "bin/sh: $(ls "$d/into" "$d/into/bin" | head)"
    printf 'hello\n' >"$d/hello"
    cri cp "$d/hello" "$N:/tmp/" || fail "cp file in"
    cri cp "$d/hello" "$N:/tmp/renamed" || fail "cp file in as a new name"
    run cri exec "$N" cat /tmp/hello /tmp/renamed
    [[ $output == $'hello\nhello' ]] || fail "in the container: $output"
    # a symlink to the host's / resolves in the container's root
    cri exec "$N" ln -s / /tmp/out
    echo secret >"$d/host-only"
    run --separate-stderr cri cp "$N:/tmp/out$d/host-only" "$d/got"
    [[ $status -ne 0 && ! -e $d/got ]] || fail "followed a symlink out: $status $stderr"
    mkdir -p "$d/tree/sub" && echo x >"$d/tree/sub/f"
    cri cp "$d/tree" "$N:/tmp/out/" || fail "cp into a symlinked dir"
    run cri exec "$N" cat /tree/sub/f
    [[ $output == x ]] || fail "landed in the container's /: $output"
    [[ ! -e /tree ]] || fail "landed on the host"
}

@test "cp with - (tar on stdout and stdin); errors" {
    cri run -d --name "$N" "$BB" sleep 60 >/dev/null
    cri cp "$N:/etc" - >"$BATS_TEST_TMPDIR/etc.tar" || fail "cp to stdout"
    run tar -tf "$BATS_TEST_TMPDIR/etc.tar"
    [[ $output == *'etc/passwd'* && $output == 'etc/'* ]] || fail "tar out: $output"
    mkdir -p "$BATS_TEST_TMPDIR/t/a" && echo y >"$BATS_TEST_TMPDIR/t/a/b"
    tar -C "$BATS_TEST_TMPDIR/t" -c a | cri cp - "$N:/root" || fail "tar in"
    run cri exec "$N" cat /root/a/b
    [[ $output == y ]] || fail "unpacked: $output"
    run --separate-stderr cri cp "$N:/nope" "$BATS_TEST_TMPDIR/x"
    [[ $status -eq 1 && $stderr == *'/nope'* ]] || fail "missing source: $status $stderr"
    run --separate-stderr cri cp "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/u"
    [[ $status -eq 1 && $stderr == *NAME:PATH* ]] || fail "two host paths: $status $stderr"
}

@test "cp out of and into a stopped container, export of it; its next start sees what came in" {
    local d="$BATS_TEST_TMPDIR" m
    cri_t 60 run --name "$N" "$BB" sh -c 'cat /tmp/in 2>/dev/null; [ -e /made ] && exit 0; echo made >/made; rm /etc/removeme; mkdir -p /d/e; echo f >/d/e/f; ln -s / /d/out' ||
        fail "run"
    cri_t 30 cp "$N:/made" "$d/made" || fail "cp a file out"
    [[ $(cat "$d/made") == made ]] || fail "copied: $(cat "$d/made")"
    cri_t 30 cp "$N:/d" "$d/d" || fail "cp a dir out"
    [[ $(cat "$d/d/e/f") == f ]] || fail "dir: $(ls -R "$d/d")"
    run --separate-stderr cri_t 30 cp "$N:/etc/removeme" "$d/removeme"
    [[ $status -eq 1 && ! -e $d/removeme ]] || fail "a file the container removed: $status $stderr"
    echo secret >"$d/host-only"
    run --separate-stderr cri_t 30 cp "$N:/d/out$d/host-only" "$d/got"
    [[ $status -ne 0 && ! -e $d/got ]] || fail "followed a symlink out: $status $stderr"
    printf 'in\n' >"$d/in"
    cri_t 30 cp "$d/in" "$N:/tmp/" || fail "cp a file in"
    mkdir -p "$d/tree/sub" && echo x >"$d/tree/sub/f"
    cri_t 30 cp "$d/tree" "$N:/d/out/" || fail "cp into a symlinked dir"
    [[ ! -e /tree ]] || fail "landed on the host"
    cri_t 30 export -o "$d/x.tar" "$N" || fail "export"
    run tar -tf "$d/x.tar"
    [[ $output == *$'\nmade'* && $output == *'tmp/in'* && $output == *'tree/sub/f'* && $output == *'bin/sh'* ]] || fail "tar: $output"
    [[ $output != *'etc/removeme'* && $output != *'proc/'* ]] || fail "tar has what it should not: $output"
    m=$(grep -F "$STORE/containers/$N" /proc/self/mountinfo) || true
    [[ -z $m ]] || fail "a mount is left: $m"
    run --separate-stderr cri_t 60 start -a "$N"
    [[ $status -eq 0 && $output == in ]] || fail "start after cp in: $status $output $stderr"
    run --separate-stderr cri_t 30 cp "$N:/nope" "$d/x"
    [[ $status -eq 1 && $stderr == *'/nope'* ]] || fail "missing source: $status $stderr"
}

@test "export: the root as a tar without /proc" {
    cri run -d --name "$N" "$BB" sleep 60 >/dev/null
    cri exec "$N" sh -c 'echo z >/made'
    cri export -o "$BATS_TEST_TMPDIR/x.tar" "$N" || fail "export"
    run tar -tf "$BATS_TEST_TMPDIR/x.tar"
    [[ $output == *$'\nmade'* && $output == *'bin/sh'* && $output != *'proc/'* ]] || fail "tar: $(head <<<"$output")"
}

@test "system df: images, containers, volumes, build cache" {
    cri run -d --name "$N" -v "vol-$N:/data" "$BB" sleep 60 >/dev/null
    cri exec "$N" sh -c 'head -c 200000 /dev/zero >/data/z; head -c 100000 /dev/zero >/big'
    run --separate-stderr cri system df
    [[ $status -eq 0 ]] || fail "df: $stderr"
    [[ ${lines[0]} == 'TYPE           TOTAL     ACTIVE    SIZE        RECLAIMABLE' ]] || fail "header: $output"
    [[ ${lines[1]} =~ ^Images\ +2\ +1\ +[0-9.]+MB\ +[0-9.]+MB\ \([0-9]+%\)$ ]] || fail "images: $output"
    [[ ${lines[2]} =~ ^Containers\ +1\ +1\ +(100|10[0-9])(\.[0-9])?kB\ +0B ]] || fail "containers: $output"
    [[ ${lines[3]} =~ ^Local\ Volumes\ +1\ +1\ +200(\.[0-9])?kB ]] || fail "volumes: $output"
    [[ ${lines[4]} =~ ^Build\ Cache\ +0\ +0\ +0B ]] || fail "build cache: $output"
}

@test "stats --no-stream, --format, NAME" {
    cri run -d --name "$N" "$BB" sleep 60 >/dev/null
    run --separate-stderr timeout 20 "$CR" --root "$CR_ROOT" --storage "$STORE" stats --no-stream
    [[ $status -eq 0 && ${lines[0]} == 'CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT   MEM %   NET I/O   BLOCK I/O   PIDS' ]] || fail "header: $status $output $stderr"
    [[ ${lines[1]} =~ ^[0-9a-f]{12}\ +$N\ +[0-9.]+%\ +[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]i?B\ +[0-9.]+%\ +.*\ /\ .*\ +1$ ]] || fail "row: $output"
    run --separate-stderr timeout 20 "$CR" --root "$CR_ROOT" --storage "$STORE" stats --no-stream --format '{{.Name}} {{.PIDs}} {{.Container}}' "$N"
    [[ $status -eq 0 && $output == "$N 1 $N" ]] || fail "format: $status $output $stderr"
    run --separate-stderr timeout 20 "$CR" --root "$CR_ROOT" --storage "$STORE" stats --no-stream nothere
    [[ $status -eq 1 && $stderr == *nothere* ]] || fail "unknown: $status $stderr"
}
