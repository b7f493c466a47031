#!/usr/bin/env bats
# Drop-in fidelity with runc (issue 12), third part: output shapes runc's
# suite parses, mounts under a user namespace, --no-pivot, update's flags.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() { cr_teardown; }

# ---------------------------------------------------------------- output

@test "state and list --format json: runc's key order (ociVersion, id, pid, status, bundle, ...)" {
    local id
    id=$(new_id)
    create "$id"
    run -0 crr state "$id"
    [[ $(jq -c 'keys_unsorted' <<<"$output") == '["ociVersion","id","pid","status","bundle","rootfs","created","owner"]' ]] ||
        fail "state's keys: $output"
    run -0 crr list --format json
    [[ $(jq -c '.[0] | keys_unsorted' <<<"$output") == '["ociVersion","id","pid","status","bundle","rootfs","created","owner"]' ]] ||
        fail "list's keys: $output"
}

# ---------------------------------------------------------------- mounts

@test "user namespace: bind sources under a root-only directory are mounted (run, then exec)" {
    local id d
    userns_bundle
    d=$(scratch_dir)
    mkdir -p "$d/private-1/dir" "$d/private-2/file-parent"
    echo one >"$d/private-1/dir/foo.txt"
    echo two >"$d/private-2/file-parent/bar.txt"
    chmod 700 "$d/private-1" "$d/private-2"
    add_mount /tmp/mount-1 bind "$d/private-1/dir" bind
    add_mount /tmp/bar.txt bind "$d/private-2/file-parent/bar.txt" rbind ro
    set_args sh -c 'cat /tmp/mount-1/foo.txt /tmp/bar.txt'
    run_new
    assert_status 0
    [[ $output == $'one\ntwo' ]] || { show_run; fail "the bind mounts' contents"; }

    id=$(new_id)
    set_args sleep 1000
    run --separate-stderr crc run --detach --bundle "$BUNDLE" "$id"
    assert_status 0
    run --separate-stderr crr exec "$id" cat /tmp/mount-1/foo.txt /tmp/bar.txt
    assert_status 0
    [[ $output == $'one\ntwo' ]] || { show_run; fail "exec: the bind mounts' contents"; }
    # the copy of the host's mount is no peer of it: nothing mounted in
    # the container under it can show on the host
    run -0 crr exec "$id" cat /proc/self/mountinfo
    [[ $(grep ' /tmp/mount-1 ' <<<"$output") != *" shared:"* ]] || fail "/tmp/mount-1 is shared with the host: $output"
    # read-only where the config says so
    run crr exec "$id" sh -c 'echo x >/tmp/bar.txt'
    [[ $status -ne 0 ]] || fail "bar.txt is writable"
}

@test "--no-pivot: no full procfs of the host stays reachable, a nested user namespace cannot mount proc" {
    cfg '.process.capabilities.bounding += ["CAP_SETFCAP"] | .process.capabilities.permitted += ["CAP_SETFCAP"]'
    set_args unshare -mrpf sh -c 'mount -t proc none /proc && echo mounted'
    local id
    id=$(new_id)
    run --separate-stderr crr run --no-pivot --bundle "$BUNDLE" "$id"
    [[ $status -ne 0 && $output != *mounted* && $stderr == *"ermission denied"* ]] || { show_run; fail "proc could be mounted"; }
    # the container itself still works: its own /proc is there
    set_args sh -c 'test -r /proc/self/status && echo ok'
    run_new
    assert_status 0
    [[ $output == ok ]] || { show_run; fail "no /proc in a --no-pivot container"; }
}

@test "mounts: a dangling symlink as destination is followed inside the rootfs and its target made there (not for proc, sysfs)" {
    ln -s /made/by/cr "$BUNDLE/rootfs/mnt/dangling"
    ln -s ../made-rel/file.txt "$BUNDLE/rootfs/mnt/dangling-file"
    echo hello >"$HOSTDIR/file.txt"
    add_mount /mnt/dangling tmpfs tmpfs
    add_mount /mnt/dangling-file bind "$HOSTDIR/file.txt" bind
    set_args sh -c 'grep -c " /made/by/cr tmpfs " /proc/self/mounts; cat /mnt/dangling-file /made-rel/file.txt'
    run_new
    assert_status 0
    [[ $output == $'1\nhello\nhello' ]] || { show_run; fail "the mounts did not land on the symlinks' targets"; }
    [[ -d $BUNDLE/rootfs/made/by/cr && -f $BUNDLE/rootfs/made-rel/file.txt ]] || fail "the targets were not made in the rootfs"
    [[ ! -e /made ]] || fail "a target was made on the host"
    # but procfs and sysfs never go through a symlink, as runc has it
    rmdir "$BUNDLE/rootfs/sys"
    ln -s /symlink "$BUNDLE/rootfs/sys"
    set_args true
    run_new
    [[ $status -ne 0 && $stderr == *'"/sys": filesystem "sysfs" must be mounted on ordinary directory'* ]] ||
        { show_run; fail "sysfs went through a symlink"; }
    [[ ! -e $BUNDLE/rootfs/symlink ]] || fail "the symlink's target was made"
}

# ---------------------------------------------------------------- update

@test "update --l3-cache-schema / --mem-bw-schema: runc's flags, refused with runc's words where resctrl lacks L3 / MB" {
    [[ ! -e /sys/fs/resctrl/info/L3 && ! -e /sys/fs/resctrl/info/MB ]] || skip "this host has Intel RDT (resctrl L3 or MB)"
    local id
    id=$(new_id)
    create "$id"
    crr start "$id"
    run --separate-stderr crr update --l3-cache-schema 'L3:0=f' "$id"
    assert_status 1
    [[ $stderr == *"Intel RDT/CAT: l3 cache schema is not enabled"* ]] || { show_run; fail "--l3-cache-schema"; }
    run --separate-stderr crr update --mem-bw-schema 'MB:0=70' --pids-limit 50 "$id"
    assert_status 1
    [[ $stderr == *"Intel RDT/MBA: memory bandwidth schema is not enabled"* ]] || { show_run; fail "--mem-bw-schema"; }
    run -0 crr update --help
    [[ $output == *--l3-cache-schema*--mem-bw-schema* ]] || fail "update --help: $output"
}
