#!/usr/bin/env bats
# escape.bats — container escapes a container (or its image) actually tries,
# after known runc/crun CVEs. Every attempt must fail.
#
# Debian packages: busybox-static jq musl-tools libcap2-bin util-linux coreutils
# (listed in tests/integration/packages.txt). The attack programs are C
# sources in escape_helpers.bash, compiled static with musl-gcc in setup_file.

load escape_helpers

setup_file() { esc_setup_file; }
setup() { esc_setup; }
teardown() { esc_teardown; }

# host_sysctl NAME: the host's value of a sysctl (dots as separators).
host_sysctl() { cat "/proc/sys/${1//.//}"; }

# ====================================================================== 1
# CVE-2019-5736: a process in the container overwrites the runtime binary
# through /proc/PID/exe of a runtime process that entered the container.

# exe_attack_start ID: copies the attacker into $BUNDLE's rootfs (and /evil,
# a script run by /proc/self/exe) and starts two attackers in container ID:
#   attack: holds every foreign /proc/PID/exe and keeps reopening it for writing
#   a shell loop: `>>` on every /proc/PID/exe that is not the container's busybox
exe_attack_setup() {
    cp "$ESC_TOOLS/attack" "$BUNDLE/rootfs/bin/attack"
    printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil"
    chmod 755 "$BUNDLE/rootfs/evil"
}
exe_attack_start() {
    local id=$1
    crr exec -d "$id" sh -c 'attack 90 >/tmp/attack.log 2>&1' </dev/null >/dev/null 2>&1
    crr exec -d "$id" sh -c '
        end=$(( $(date +%s) + 90 ))
        while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/stop-attack ]; do
            for e in /proc/[0-9]*/exe; do
                l=$(readlink "$e" 2>/dev/null) || continue
                case "$l" in /bin/*) continue ;; esac
                printf "garbage" >>"$e" 2>/dev/null && echo "SH-WROTE $e -> $l"
            done
        done >/tmp/shattack.log 2>&1
        echo DONE >>/tmp/shattack.log' </dev/null >/dev/null 2>&1
    wait_file "$BUNDLE/rootfs/tmp/attack.log"
    sleep 0.3
}
# exe_attack_stop: stops both attackers; their output in $ATTACK_LOG.
exe_attack_stop() {
    local i
    touch "$BUNDLE/rootfs/tmp/stop-attack"
    for ((i = 0; i < 150; i++)); do
        grep -q '^DONE' "$BUNDLE/rootfs/tmp/attack.log" 2>/dev/null &&
            grep -q '^DONE' "$BUNDLE/rootfs/tmp/shattack.log" 2>/dev/null && break
        sleep 0.1
    done
    ATTACK_LOG=$(cat "$BUNDLE/rootfs/tmp/attack.log" "$BUNDLE/rootfs/tmp/shattack.log" 2>/dev/null)
}

@test "CVE-2019-5736: container cannot overwrite the cr binary through /proc/PID/exe during exec" {
    # the runtime of this test is a copy: a successful attack breaks only it
    local victim=$BATS_TEST_TMPDIR/cr-victim sum id i log
    cp "$CR" "$victim"
    sum=$(sha256sum <"$victim")
    ESC_CR=$victim
    exe_attack_setup
    id=$(esc_id)
    esc_start_sleeping "$id"
    exe_attack_start "$id"
    # the exec'd process re-executes /proc/self/exe: it becomes the runtime
    # (a cr exec that hangs is killed after 20 s: see the next test); its
    # init applet keeps it alive for a while, so that the attacker meets it
    # whatever the load
    for ((i = 0; i < 15; i++)); do
        esc_exec_bounded "$id" /evil 2>/dev/null || true
        esc_exec_bounded "$id" /proc/self/exe --version 2>/dev/null || true
        esc_exec_bounded "$id" /proc/self/exe init -- /bin/sleep 0.5 2>/dev/null || true
    done
    exe_attack_stop
    log=$ATTACK_LOG
    echo "$log" | grep -v '^OPENED' | head -40

    [[ $(sha256sum <"$victim") == "$sum" ]] || fail "the host cr binary was modified by the container" || return 1
    # the attack really reached runtime processes, and none of them was writable
    grep -qE '^HOLDING .*exe=(/memfd:.*|/)$' <<<"$log" || fail "the attacker never saw a cr process (test did not exercise the attack)" || return 1
    ! grep -E '^(WROTE|SH-WROTE)' <<<"$log" || fail "the container wrote into a runtime executable" || return 1
    ! grep -E '^HOLDING .*exe=('"$victim"'|/.*cr-victim)' <<<"$log" || fail "a process in the container runs the host cr binary" || return 1
    # and the runtime still works
    run -0 "$victim" --version
    run -0 crr exec "$id" true
    run -0 crr delete -f "$id"
}

@test "CVE-2019-5736 load: cr exec always returns while the container attacks /proc/PID/exe" {
    # Under this load the exec'd process can report ready before the
    # intermediate process has sent its pid: cr exec must still wait for
    # the right process and return.
    local id i hung=()
    exe_attack_setup
    id=$(esc_id)
    esc_start_sleeping "$id"
    exe_attack_start "$id"
    for ((i = 0; i < 15; i++)); do
        esc_exec_bounded "$id" /evil || hung+=("/evil ($i)")
        esc_exec_bounded "$id" /proc/self/exe --version || hung+=("/proc/self/exe --version ($i)")
        esc_exec_bounded "$id" true || hung+=("true ($i)")
    done
    exe_attack_stop
    ((${#hung[@]} == 0)) || fail "cr exec never returned (killed after 20 s) for: ${hung[*]}"
}

@test "CVE-2019-5736: the init of a created container and cr exec run from a read-only copy, not the host binary" {
    local id pid exe
    id=$(esc_id)
    esc_create "$id"
    pid=$(crr state "$id" | jq -r .pid)
    [[ $pid =~ ^[0-9]+$ && $pid -gt 0 ]]
    exe=$(readlink "/proc/$pid/exe")
    exe_not_writable "$pid" || fail "the container init runs '$exe', expected a read-only copy" || return 1
    # even the host's root cannot write into it
    run ! sh -c "printf x >>/proc/$pid/exe"
    run ! sh -c "printf x >/proc/$pid/exe"
    [[ $(readlink "/proc/$pid/exe") == "$exe" ]]
    crr start "$id"
    wait_status "$id" running
    # a foreground cr exec, seen from the host while it waits for its process
    "$CR" --root "$CR_ROOT" exec "$id" sleep 3 </dev/null >/dev/null 2>&1 3>&- &
    pid=$!
    esc_bg "$pid"
    sleep 1
    exe=$(readlink "/proc/$pid/exe")
    exe_not_writable "$pid" || fail "cr exec runs '$exe', expected a read-only copy" || return 1
    run ! sh -c "printf x >>/proc/$pid/exe"
    wait "$pid"
}

# ====================================================================== 2
# CVE-2024-21626: a leaked host directory fd as process.cwd.

@test "CVE-2024-21626: process.cwd /proc/self/fd/N (N=3..10) never leaves the container" {
    local n marker
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    for n in 3 4 5 6 7 8 9 10; do
        cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
        set_sh "pwd; echo cwd=\$(readlink /proc/self/cwd);
                for up in . .. ../.. ../../.. ../../../.. ../../../../.. ../../../../../../../..; do
                    [ -e \"\$up$marker/host-only\" ] && echo ESCAPED-VIA-\$up
                done; [ -e $marker/host-only ] && echo ESCAPED-ABS; true"
        run esc_run </dev/null
        echo "# fd $n: status $status: $output"
        if ((status == 0)); then
            [[ $output != *ESCAPED* ]] || fail "fd $n: the container reached the host through its cwd" || return 1
            [[ $output == *"cwd=/"* && $output != *"cwd=/proc/self/fd"* ]] || fail "fd $n: cwd is not inside the container" || return 1
            [[ $output != *"(unreachable)"* ]] || fail "fd $n: cwd is unreachable (outside the root)" || return 1
        else
            esc_refused cwd || return 1
        fi
    done
}

@test "CVE-2024-21626: cr exec --cwd /proc/self/fd/N never leaves the container" {
    local n id marker
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    id=$(esc_id)
    esc_start_sleeping "$id"
    for n in 3 4 5 6 7 8 9 10; do
        run crr exec --cwd "/proc/self/fd/$n" "$id" sh -c "echo cwd=\$(readlink /proc/self/cwd);
                for up in . .. ../.. ../../.. ../../../.. ../../../../../../../..; do
                    [ -e \"\$up$marker/host-only\" ] && echo ESCAPED-VIA-\$up
                done; true" </dev/null
        echo "# fd $n: status $status: $output"
        if ((status == 0)); then
            [[ $output != *ESCAPED* ]] || fail "fd $n: exec reached the host through its cwd" || return 1
            [[ $output == *"cwd=/"* && $output != *"(unreachable)"* ]] || fail "fd $n: cwd is not inside the container" || return 1
        else
            esc_refused cwd || return 1
        fi
    done
}

@test "CVE-2024-21626: a cwd symlink in the image pointing at /proc/self/fd/N never leaves the container" {
    local n marker
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    for n in 3 4 5 6 7 8 9 10; do
        ln -sfn "/proc/self/fd/$n" "$BUNDLE/rootfs/cwdlink$n"
        cfg '.process.cwd = $c' --arg c "/cwdlink$n"
        set_sh "echo cwd=\$(readlink /proc/self/cwd); [ -e ../../../../../../../..$marker/host-only ] && echo ESCAPED; true"
        run esc_run </dev/null
        echo "# fd $n: status $status: $output"
        if ((status == 0)); then
            [[ $output != *ESCAPED* && $output != *"(unreachable)"* ]] || fail "fd $n: the container reached the host" || return 1
        else
            esc_refused cwd || return 1
        fi
    done
}

@test "CVE-2024-21626: no runtime fd leaks into the init or into exec'd processes" {
    local id pid bad=
    id=$(esc_id)
    esc_start_sleeping "$id"
    # inside: ls itself holds one directory fd (3) on /proc/self/fd
    run -0 crr exec "$id" ls -l /proc/self/fd </dev/null
    echo "$output"
    run -0 crr exec "$id" sh -c 'ls /proc/self/fd | tr "\n" " "' </dev/null
    [[ $output == "0 1 2 3 " ]] || fail "exec'd process has fds: $output (expected 0 1 2 and ls's own 3)" || return 1
    # from the host: the init and a detached exec hold only 0 1 2
    pid=$(crr state "$id" | jq -r .pid)
    run -0 ls "/proc/$pid/fd"
    [[ $(echo $output) == "0 1 2" ]] || { ls -l "/proc/$pid/fd"; fail "init has fds: $(echo $output)"; return 1; }
    crr exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sleep 100 </dev/null >/dev/null 2>&1
    pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
    run -0 ls "/proc/$pid/fd"
    [[ $(echo $output) == "0 1 2" ]] || { ls -l "/proc/$pid/fd"; fail "detached exec has fds: $(echo $output)"; return 1; }
    # an fd the caller of cr exec leaves open (not CLOEXEC) is not passed on
    run -0 bash -c 'exec 7</ 8>/dev/null; exec "$@" 3>&-' _ "$CR" --root "$CR_ROOT" exec "$id" sh -c 'ls /proc/self/fd | tr "\n" " "'
    [[ $output == "0 1 2 3 " ]] || fail "fds of the caller leaked into exec: $output" || return 1
}

# ====================================================================== 2b
# CVE-2016-9962: runtime processes inside the container's pid namespace
# (the init before start, an exec'd process before its execve) must not
# hand their host fds to the container through /proc/PID/fd.

# fdscan_verdict LOG: fail if fdscan reached the host.
fdscan_verdict() {
    local log
    log=$(cat "$1" 2>/dev/null)
    echo "$log" | sort | uniq -c | sort -rn | head -20
    grep -q '^SCANNING' <<<"$log" || fail "the scanner did not run" || return 1
    ! grep -qE '^(HOST-PROC|ESCAPED)' <<<"$log" || fail "the container reached the host through a runtime process's fds" || return 1
}

@test "CVE-2016-9962: a process exec'd into a created container cannot use the init's fds to reach the host" {
    local id marker
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    cp "$ESC_TOOLS/fdscan" "$BUNDLE/rootfs/bin/fdscan"
    id=$(esc_id)
    esc_create "$id"
    run crr exec "$id" sh -c "ls -l /proc/1/fd; fdscan 2 $marker/host-only >/tmp/fdscan.log 2>&1" </dev/null
    echo "exec into the created container: status $status: $output"
    if ((status != 0)) && [[ ! -e $BUNDLE/rootfs/tmp/fdscan.log ]]; then
        esc_refused created running
        return
    fi
    fdscan_verdict "$BUNDLE/rootfs/tmp/fdscan.log"
}

@test "CVE-2016-9962: a container sharing the pid namespace cannot use a created container's init fds to reach the host" {
    local a b marker pid bundle2
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    cp "$ESC_TOOLS/fdscan" "$BUNDLE/rootfs/bin/fdscan"
    set_sh "fdscan 30 $marker/host-only >/tmp/fdscan.log 2>&1; sleep 1000"
    a=$(esc_id attacker)
    esc_start_sleeping "$a"
    wait_file "$BUNDLE/rootfs/tmp/fdscan.log"
    pid=$(crr state "$a" | jq -r .pid)
    # the victim joins the attacker's pid namespace (a pod with a shared pid
    # namespace) and stays created for a while
    bundle2=$BATS_TEST_TMPDIR/bundle2
    esc_make_bundle "$bundle2"
    cfg_in "$bundle2" '.linux.namespaces |= map(if .type == "pid" then . + {path: $p} else . end)' --arg p "/proc/$pid/ns/pid"
    b=$(esc_id victim)
    crc create --bundle "$bundle2" "$b" || fail "create of the victim failed: $(cat "$BATS_TEST_TMPDIR/ctr.err")" || return 1
    sleep 3
    touch "$BUNDLE/rootfs/tmp/stop-attack"
    sleep 0.5
    fdscan_verdict "$BUNDLE/rootfs/tmp/fdscan.log"
}

@test "CVE-2016-9962: a container racing cr exec cannot use the exec'd process's fds to reach the host" {
    local id marker i
    marker=$(esc_scratch cr-esc-marker)
    touch "$marker/host-only"
    cp "$ESC_TOOLS/fdscan" "$BUNDLE/rootfs/bin/fdscan"
    id=$(esc_id)
    esc_start_sleeping "$id"
    crr exec -d "$id" sh -c "fdscan 60 $marker/host-only >/tmp/fdscan.log 2>&1" </dev/null >/dev/null 2>&1
    wait_file "$BUNDLE/rootfs/tmp/fdscan.log"
    for ((i = 0; i < 100; i++)); do
        esc_exec_bounded "$id" true || true
        grep -qE '^(HOST-PROC|ESCAPED)' "$BUNDLE/rootfs/tmp/fdscan.log" && break
    done
    touch "$BUNDLE/rootfs/tmp/stop-attack"
    sleep 0.5
    fdscan_verdict "$BUNDLE/rootfs/tmp/fdscan.log"
}

# ====================================================================== 3
# CVE-2021-30465 class: mount destinations that are symlinks out of the rootfs.

@test "CVE-2021-30465: a mount destination symlinked to a host directory lands inside the rootfs" {
    local h
    h=$(esc_scratch cr-esc-host)
    touch "$h/host-file"
    ln -s "$h" "$BUNDLE/rootfs/evil"
    mkdir -p "$BUNDLE/rootfs$h"
    cfg '.mounts += [{destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
    set_sh "touch /evil/written-by-container; ls -A /evil; grep ' $h ' /proc/self/mountinfo"
    run -0 esc_run </dev/null
    echo "$output"
    # inside: the tmpfs is at the symlink's target resolved in the rootfs
    [[ $output == *" $h "*tmpfs* ]] || fail "the tmpfs is not at $h inside the container" || return 1
    [[ $output != *host-file* ]] || fail "the host directory is visible at /evil" || return 1
    # outside: nothing mounted on, nothing written into the host directory
    [[ -z $(host_mounts_at "$h") ]] || fail "mounted on the host: $(host_mounts_at "$h")" || return 1
    [[ ! -e $h/written-by-container && -e $h/host-file ]]
}

@test "CVE-2021-30465: without a mount namespace a symlinked destination still lands inside the rootfs" {
    local h src id
    h=$(esc_scratch cr-esc-host)
    src=$(esc_scratch cr-esc-src)
    touch "$h/host-file" "$src/from-source"
    ln -s "$h" "$BUNDLE/rootfs/evil"
    ln -s "$h" "$BUNDLE/rootfs/evilbind"
    mkdir -p "$BUNDLE/rootfs$h"
    cfg '.linux.namespaces |= map(select(.type != "mount"))
         | .mounts += [{destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["size=1m"]},
                       {destination: "/evilbind", type: "bind", source: $s, options: ["rbind"]}]' --arg s "$src"
    id=$(esc_id)
    esc_create "$id"
    host_mounts_at "$BUNDLE/rootfs$h"
    [[ -z $(host_mounts_at "$h") ]] || fail "mounted on the host directory: $(host_mounts_at "$h")" || return 1
    [[ -e $h/host-file && ! -e $h/from-source ]] || fail "the host directory is covered" || return 1
    [[ -n $(host_mounts_at "$BUNDLE/rootfs$h") ]] || fail "the mounts are not inside the rootfs either" || return 1
    run -0 crr delete -f "$id"
    [[ -z $(host_mounts_at "$BUNDLE/rootfs") ]] || fail "mounts left after delete: $(host_mounts_at "$BUNDLE/rootfs")"
}

@test "CVE-2021-30465: a destination symlink to a path missing in the rootfs never mounts on the host" {
    local h id ns
    for ns in with without; do
        h=$(esc_symlinked_bundle evil "$ns")
        cfg '.mounts += [{destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
        id=$(esc_id "$ns")
        esc_try_create "$id"
        echo "# $ns mount namespace: create status $status: $output"
        [[ -z $(host_mounts_at "$h") ]] || fail "$ns mntns: mounted on the host: $(host_mounts_at "$h")" || return 1
        [[ -e $h/host-file ]]
        if ((status == 0)); then
            # it may create the target inside the rootfs (as runc does)
            [[ -d $BUNDLE/rootfs$h ]] || fail "$ns mntns: where did the mount go?" || return 1
            crr delete -f "$id"
        else
            esc_refused /evil || return 1
        fi
        # a failed (or deleted) container leaves nothing mounted on the host
        [[ -z $(host_mounts_at "$BUNDLE/rootfs") ]] ||
            fail "$ns mount namespace: create status $status left mounts on the host:" "$(host_mounts_at "$BUNDLE/rootfs")" || return 1
    done
}

@test "CVE-2021-30465: racing a destination between a directory and a symlink to a host directory (20 creates)" {
    local h src i id swp st ok=0 failed=0 ns
    h=$(esc_scratch cr-esc-host)
    src=$(esc_scratch cr-esc-src)
    touch "$h/host-file" "$src/from-source"
    mkdir -p "$BUNDLE/rootfs/racedir" "$BUNDLE/rootfs$h"
    ln -s "$h" "$BUNDLE/rootfs/racedir.alt"
    cfg '.mounts += [{destination: "/racedir", type: "bind", source: $s, options: ["rbind"]},
                     {destination: "/racedir/sub", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]' --arg s "$src"
    cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/with-mntns.json"
    cfg '.linux.namespaces |= map(select(.type != "mount"))'
    cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/without-mntns.json"
    "$ESC_TOOLS/swap" "$BUNDLE/rootfs/racedir" "$BUNDLE/rootfs/racedir.alt" &
    swp=$!
    esc_bg "$swp"
    for ((i = 0; i < 20; i++)); do
        ns=without
        ((i % 2)) && ns=with
        cp "$BATS_TEST_TMPDIR/$ns-mntns.json" "$BUNDLE/config.json"
        id=$(esc_id)
        st=0
        crc create --bundle "$BUNDLE" "$id" || st=$?
        if ((st == 0)); then ok=$((ok + 1)); else
            failed=$((failed + 1))
            echo "# create $i ($ns mount namespace) failed: $(tail -n 1 "$BATS_TEST_TMPDIR/ctr.err")"
        fi
        if [[ -n $(host_mounts_at "$h") || ! -e $h/host-file || -e $h/from-source ]]; then
            kill "$swp"
            fail "create $i ($ns mount namespace, status $st) mounted on the host directory $h:" "$(host_mounts_at "$h")"
            return 1
        fi
        crr delete -f "$id" >/dev/null 2>&1 || true
    done
    kill "$swp"
    wait "$swp" 2>/dev/null || true
    echo "# $ok creates succeeded, $failed failed"
    [[ -z $(host_mounts_at "$h") ]]
    [[ -e $h/host-file && ! -e $h/from-source ]]
    ((ok + failed == 20))
    # (mounts that a failed create without a mount namespace leaves inside
    # the rootfs are the subject of the test above, not of this one)
}

# ====================================================================== 4
# CVE-2025-31133 / CVE-2025-52565: /dev/null, masked and read-only paths,
# /dev/console replaced by symlinks.

@test "CVE-2025-31133: rootfs /dev/null as a symlink to core_pattern neither unmasks nor reaches the host" {
    local before
    before=$(cat /proc/sys/kernel/core_pattern)
    # no /dev tmpfs: the image's /dev is what the container gets
    cfg '.mounts |= map(select(.destination != "/dev"))'
    rm -f "$BUNDLE/rootfs/dev/null"
    ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
    set_sh 'ls -l /dev/null; for f in /proc/keys /proc/timer_list /proc/kcore; do [ -e $f ] && echo "$f=$(wc -c <$f)"; done
            echo "|/tmp/pwned %p" >/dev/null; echo "|/tmp/pwned %p" >/proc/sys/kernel/core_pattern; cat /proc/sys/kernel/core_pattern'
    run esc_run </dev/null
    echo "$output"
    [[ $(cat /proc/sys/kernel/core_pattern) == "$before" ]] || fail "host core_pattern changed to: $(cat /proc/sys/kernel/core_pattern)" || return 1
    ((status == 0)) || { esc_refused /dev/null; return; } # refusing such a rootfs is fine too
    [[ $output == *"1,   3"* ]] || fail "/dev/null in the container is not the null device" || return 1
    [[ $output != *"/proc/keys="[1-9]* && $output != *"/proc/timer_list="[1-9]* && $output != *"/proc/kcore="[1-9]* ]] ||
        fail "a masked path is readable" || return 1
    [[ $output != *"/tmp/pwned"* ]] || fail "core_pattern written from the container"
}

@test "CVE-2025-31133: a masked path replaced by a symlink masks nothing outside and unmasks nothing" {
    local before h
    before=$(cat /proc/sys/kernel/core_pattern)
    h=$(esc_scratch cr-esc-host)
    echo secret >"$h/host-secret"
    ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/etc/masked-core"
    ln -s "$h/host-secret" "$BUNDLE/rootfs/etc/masked-host"
    mkdir -p "$BUNDLE/rootfs$h" && echo inside >"$BUNDLE/rootfs$h/host-secret"
    cfg '.linux.maskedPaths += ["/etc/masked-core", "/etc/masked-host"]'
    set_sh 'cat /etc/masked-host; for f in /proc/keys /proc/timer_list; do echo "$f=$(wc -c <$f)"; done
            echo "|/tmp/pwned %p" >/etc/masked-core; echo "|/tmp/pwned %p" >/proc/sys/kernel/core_pattern; true'
    run esc_run </dev/null
    echo "$output"
    [[ $(cat /proc/sys/kernel/core_pattern) == "$before" ]] || fail "host core_pattern changed" || return 1
    [[ -z $(host_mounts_at /proc/sys/kernel/core_pattern) && -z $(host_mounts_at "$h") ]] || fail "a host path got masked" || return 1
    [[ $(cat "$h/host-secret") == secret ]]
    ((status == 0)) || { esc_refused masked; return; }
    [[ $output != *secret* ]] || fail "the container read a host file through a masked-path symlink" || return 1
    [[ $output == *"/proc/keys=0"* && $output == *"/proc/timer_list=0"* ]] || fail "the default masked paths are not masked" || return 1
}

@test "CVE-2025-31133: a readonlyPaths entry replaced by a symlink to a writable place changes nothing outside" {
    local h
    h=$(esc_scratch cr-esc-host)
    mkdir -p "$BUNDLE/rootfs/data"
    ln -s /data "$BUNDLE/rootfs/etc/ro-link"
    ln -s "$h" "$BUNDLE/rootfs/etc/ro-host"
    mkdir -p "$BUNDLE/rootfs$h"
    cfg '.linux.readonlyPaths += ["/etc/ro-link", "/etc/ro-host"]'
    set_sh 'echo x >/proc/sys/kernel/domainname && echo PROC-SYS-WRITABLE; touch /tmp/w && echo TMP-WRITABLE; grep -E "ro-|data|cr-esc" /proc/self/mountinfo; true'
    run esc_run </dev/null
    echo "$output"
    # the host directory stays writable and unmounted
    touch "$h/still-writable"
    [[ -z $(host_mounts_at "$h") ]]
    ((status == 0)) || { esc_refused readonly ro-link ro-host; return; }
    [[ $output != *PROC-SYS-WRITABLE* ]] || fail "/proc/sys became writable" || return 1
    [[ $output == *TMP-WRITABLE* ]] || fail "an unrelated path became read-only" || return 1
}

@test "CVE-2025-52565: rootfs /dev/console as a symlink to core_pattern is not bound over with the pty" {
    local before sock out
    before=$(cat /proc/sys/kernel/core_pattern)
    cfg '.mounts |= map(select(.destination != "/dev")) | .process.terminal = true'
    ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/console"
    set_sh 'ls -l /dev/console; echo "|/tmp/pwned %p" >/dev/console; cat /proc/sys/kernel/core_pattern; sleep 0.3'
    sock=$BATS_TEST_TMPDIR/console.sock
    out=$BATS_TEST_TMPDIR/console.out
    "$ESC_TOOLS/console-recv" "$sock" "$out" "$out.ready" 3>&- &
    esc_bg $!
    wait_file "$out.ready"
    run esc_run --console-socket "$sock" </dev/null
    echo "status $status: $output"
    cat "$out" 2>/dev/null || true
    [[ $(cat /proc/sys/kernel/core_pattern) == "$before" ]] || fail "host core_pattern changed" || return 1
    [[ -z $(host_mounts_at /proc/sys/kernel/core_pattern) ]]
    ((status == 0)) || esc_refused console
}

# ====================================================================== 5
# CVE-2025-52881 / CVE-2023-27561 class: /proc of the rootfs redirected.

@test "CVE-2025-52881: rootfs /proc as a symlink to /tmp: proc is mounted inside the rootfs, masks still apply" {
    rmdir "$BUNDLE/rootfs/proc"
    ln -s /tmp "$BUNDLE/rootfs/proc"
    set_sh 'for f in /proc/keys /proc/timer_list; do echo "$f=$(wc -c <$f)"; done
            echo x >/proc/sys/kernel/domainname && echo PROC-SYS-WRITABLE; grep " proc " /proc/self/mountinfo | head -3; true'
    run esc_run </dev/null
    echo "status $status: $output"
    [[ -z $(host_mounts_at /tmp | grep -F -v -- "$BATS_TEST_TMPDIR" | grep -w proc) ]] || fail "proc mounted on the host's /tmp" || return 1
    ((status == 0)) || { esc_refused /proc; return; }
    [[ $output == *"/proc/keys=0"* && $output == *"/proc/timer_list=0"* ]] || fail "masked paths are readable" || return 1
    [[ $output != *PROC-SYS-WRITABLE* ]] || fail "/proc/sys is writable" || return 1
}

@test "CVE-2025-52881: rootfs /proc as a symlink to a host directory never mounts proc on the host" {
    local h ns id
    for ns in with without; do
        h=$(esc_symlinked_bundle proc "$ns")
        id=$(esc_id "$ns")
        esc_try_create "$id"
        echo "# $ns mount namespace: create status $status: $output"
        [[ -z $(host_mounts_at "$h") ]] || fail "$ns mntns: proc mounted on the host directory" || return 1
        [[ -e $h/host-file ]]
        if ((status == 0)); then crr delete -f "$id"; else esc_refused /proc || return 1; fi
        [[ -z $(host_mounts_at "$BUNDLE/rootfs") ]] ||
            fail "$ns mount namespace: create status $status left mounts on the host:" "$(host_mounts_at "$BUNDLE/rootfs")" || return 1
    done
}

@test "CVE-2025-52881: linux.sysctl with a redirected /proc writes the container's namespaces only" {
    local fwd dom want
    fwd=$(host_sysctl net.ipv4.ip_forward)
    dom=$(host_sysctl kernel.domainname)
    want=$((1 - fwd))
    mkdir -p "$BUNDLE/rootfs/elsewhere"
    rmdir "$BUNDLE/rootfs/proc"
    ln -s /elsewhere "$BUNDLE/rootfs/proc"
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.domainname": "cr-escape-test"}' --arg f "$want"
    set_sh 'echo fwd=$(cat /proc/sys/net/ipv4/ip_forward) dom=$(cat /proc/sys/kernel/domainname)'
    run esc_run </dev/null
    echo "status $status: $output"
    [[ $(host_sysctl net.ipv4.ip_forward) == "$fwd" ]] || fail "host net.ipv4.ip_forward changed" || return 1
    [[ $(host_sysctl kernel.domainname) == "$dom" ]] || fail "host kernel.domainname changed" || return 1
    ((status == 0)) || { esc_refused /proc sysctl; return; }
    [[ $output == *"fwd=$want dom=cr-escape-test"* ]] || fail "the sysctls did not reach the container's namespaces"
}

# ====================================================================== 6
# CVE-2022-29162: capabilities of a non-root user.

@test "CVE-2022-29162: a non-root process.user has no capabilities and gains none from file capabilities" {
    local bb=$BUNDLE/rootfs/bin/busybox nnp
    command -v setcap >/dev/null || skip "setcap (libcap2-bin) is not installed"
    cp "$bb" "$BUNDLE/rootfs/bin/busybox-raw"
    cp "$bb" "$BUNDLE/rootfs/bin/busybox-inh"
    setcap cap_net_raw+ep "$BUNDLE/rootfs/bin/busybox-raw"
    # inheritable file capabilities that the bounding set allows: gained
    # only if the process has them inheritable (the CVE)
    setcap cap_net_bind_service,cap_kill,cap_audit_write+ei "$BUNDLE/rootfs/bin/busybox-inh"
    cfg '.process.user = {uid: 1000, gid: 1000}'
    for nnp in true false; do
        cfg '.process.noNewPrivileges = ($n == "true")' --arg n "$nnp"
        set_sh 'grep ^Cap /proc/self/status; echo raw; busybox-raw grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status
                echo inh; busybox-inh grep -E "^Cap(Inh|Prm|Eff|Amb)" /proc/self/status; true'
        run esc_run </dev/null
        echo "# noNewPrivileges=$nnp: $output"
        ((status == 0))
        run -0 grep -E '^Cap(Inh|Prm|Eff|Amb):' <<<"$output"
        [[ ${#lines[@]} -ge 4 ]]
        run ! grep -E '^Cap(Inh|Prm|Eff|Amb):[[:space:]]*0*[1-9a-f]' <<<"$output"
    done
}

# ====================================================================== 7
# seccomp: Docker's default profile.

@test "seccomp: with cr spec --seccomp-default, keyctl, add_key, bpf and unshare get EPERM" {
    rm "$BUNDLE/config.json"
    "$CR" spec --seccomp-default --bundle "$BUNDLE"
    cfg '.process.terminal = false | .root.readonly = false'
    cp "$ESC_TOOLS/probe" "$BUNDLE/rootfs/bin/probe"
    # control: without the profile (and with the capabilities that unshare
    # and bpf need) the probe's calls are allowed
    cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/seccomp.json"
    cfg 'del(.linux.seccomp) | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN", "CAP_BPF"])'
    set_args probe
    run -0 esc_run </dev/null
    echo "# without seccomp: $output"
    [[ $output == *keyctl=ok* && $output == *unshare=ok* ]]
    # the profile, default capabilities
    cp "$BATS_TEST_TMPDIR/seccomp.json" "$BUNDLE/config.json"
    set_args probe
    run -0 esc_run </dev/null
    echo "# seccomp: $output"
    [[ $output == *keyctl=EPERM* && $output == *add_key=EPERM* && $output == *bpf=EPERM* && $output == *unshare=EPERM* ]]
    # the same profile with CAP_SYS_ADMIN added afterwards: still EPERM
    cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN", "CAP_BPF"])'
    run -0 esc_run </dev/null
    echo "# seccomp + CAP_SYS_ADMIN: $output"
    [[ $output == *keyctl=EPERM* && $output == *add_key=EPERM* && $output == *bpf=EPERM* && $output == *unshare=EPERM* ]]
    set_args unshare -n true
    run esc_run </dev/null
    echo "# unshare -n: $status $output"
    ((status != 0))
    [[ $output == *"not permitted"* ]]
}

# ====================================================================== 8
# default maskedPaths and readonlyPaths of cr spec.

@test "default masked and read-only paths: sysrq-trigger, /proc/sys, /sys/firmware, kcore and friends" {
    local dom
    dom=$(host_sysctl kernel.domainname)
    # CAP_SYS_ADMIN: only the mounts stand in the way
    cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
    set_sh 'echo h >/proc/sysrq-trigger && echo SYSRQ-WRITTEN
            echo cr-escape >/proc/sys/kernel/domainname && echo PROC-SYS-WRITTEN
            echo 1 >/proc/sys/net/ipv4/ip_forward && echo PROC-SYS-NET-WRITTEN
            echo firmware=$(ls -A /sys/firmware | wc -l)
            for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
                [ -e $f ] && echo "$f=$(cat $f 2>/dev/null | wc -c)"; done
            for d in /proc/acpi /proc/scsi /proc/asound; do [ -d $d ] && echo "$d=$(ls -A $d | wc -l)"; done
            grep -E " /proc/(sys|sysrq-trigger|bus|fs|irq) " /proc/self/mountinfo; true'
    local out
    run -0 esc_run </dev/null
    out=$output
    echo "$out"
    [[ $(host_sysctl kernel.domainname) == "$dom" ]]
    [[ $out != *-WRITTEN* ]] || fail "a read-only /proc path was written" || return 1
    [[ $out == *firmware=0* ]] || fail "/sys/firmware is not empty" || return 1
    ! grep -E '^/proc/[a-z_]+=[1-9]' <<<"$out" || fail "a masked path is readable" || return 1
    # /proc/sys is a read-only mount (sysrq-trigger too where the kernel has it)
    grep -qE ' /proc/sys ro[, ]' <<<"$out" || fail "/proc/sys is not a read-only mount" || return 1
    if [[ -e /proc/sysrq-trigger ]]; then
        grep -qE ' /proc/sysrq-trigger ro[, ]' <<<"$out" || fail "/proc/sysrq-trigger is not read-only" || return 1
    fi
}
