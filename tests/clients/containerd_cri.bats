#!/usr/bin/env bats
# containerd's CRI plugin (the path kubelet takes) with the runc v2 shim's
# BinaryName set to cr, driven over the CRI gRPC API by cri.py (Debian's
# python3-grpcio; the messages it sends are in cri.proto, compiled here by
# Debian's protoc).
#
# setup_file starts a private containerd (everything under $T, the CRI
# stream server on 127.0.0.1, no CNI: the pods use the host's network) and
# imports a busybox image and a pause image (busybox running `sleep`) built
# here. This machine's root lacks CAP_SYS_RESOURCE, so no runtime (runc
# neither) may lower oom_score_adj below containerd's: restrict_oom_score_adj
# keeps the pods' values at containerd's, as for a rootless containerd.

load helpers

IMAGE=localhost/crtest/busybox:1
PAUSE=localhost/crtest/pause:1

setup_file() {
    require_cmds containerd ctr containerd-shim-runc-v2 protoc || return 0
    if ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
        export CLIENTS_SKIP="python3-grpcio is not installed (see tests/clients/packages.txt)"
        return 0
    fi
    T=$(clients_tmpdir cri)
    export T
    export CTD_SOCK=$T/containerd.sock
    export RUNC_ROOT=$T/runc-root # Root that the shim passes to cr as --root
    mkdir -p "$T/logs" "$T/gen"
    # the pods' cgroups go under a parent of this file's own
    export CRI_LOG_DIR=$T/logs CRI_CGROUP_PARENT=/${T##*/}
    protoc --python_out="$T/gen" -I "$BATS_TEST_DIRNAME" "$BATS_TEST_DIRNAME/cri.proto" || fail "protoc failed"

    write_containerd_config "$T" "
[plugins.\"io.containerd.grpc.v1.cri\"]
  sandbox_image = \"$PAUSE\"
  stream_server_address = \"127.0.0.1\"
  stream_server_port = \"0\"
  restrict_oom_score_adj = true
  [plugins.\"io.containerd.grpc.v1.cri\".cni]
    bin_dir = \"$T/cni/bin\"
    conf_dir = \"$T/cni/conf\"
  [plugins.\"io.containerd.grpc.v1.cri\".containerd]
    default_runtime_name = \"cr\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.cr]
      runtime_type = \"io.containerd.runc.v2\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.cr.options]
        BinaryName = \"$CR\"
        Root = \"$RUNC_ROOT\"
" cri
    start_containerd "$T"

    make_rootfs "$T/rootfs"
    make_oci_archive "$T/rootfs" "$T/image.tar" "$IMAGE" || fail "could not build the OCI archive"
    make_oci_archive "$T/rootfs" "$T/pause.tar" "$PAUSE" '["sleep","2147483647"]' || fail "could not build the pause archive"
    ct images import "$T/image.tar" >/dev/null || fail "ctr images import failed"
    ct images import "$T/pause.tar" >/dev/null || fail "ctr images import (pause) failed"
}

teardown_file() {
    [[ -n ${T:-} ]] || return 0
    if [[ -S $CTD_SOCK ]]; then
        local p
        for p in $(cat "$T/pods" 2>/dev/null); do
            cri stopp "$p" >/dev/null 2>&1
            cri rmp "$p" >/dev/null 2>&1
        done
    fi
    daemon_stop_all "$T/daemons" 20
    cr_delete_all "$RUNC_ROOT/k8s.io"
    remove_cgroups "${CRI_CGROUP_PARENT#/}"
    cleanup_tmpdir "$T"
}

setup() { skip_if_unavailable; }

teardown() { show_failure_log "$T/containerd.log"; }

# ct ARGS...: ctr on our containerd, namespace k8s.io (the CRI plugin's).
ct() { ctr --address "$CTD_SOCK" -n k8s.io "$@" 3>&-; }

# cri COMMAND ARG...: cri.py on our containerd (see cri.py for the commands).
cri() { timeout 90 /usr/bin/python3 "$BATS_TEST_DIRNAME/cri.py" "$CTD_SOCK" "$T/gen" "$@" 3>&-; }

# run_pod NAME PIDMODE: a pod sandbox (its id in $POD, remembered for teardown).
run_pod() {
    POD=$(cri runp "$1" "$2") && [[ -n $POD ]] || fail "RunPodSandbox $1 failed"
    echo "$POD" >>"$T/pods"
}

# container_exited ID: CRI says the container exited.
container_exited() { [[ $(cri status "$1") == "CONTAINER_EXITED "* ]]; }

# host_pid PATTERN: the pid of the one host process whose command line is PATTERN.
host_pid() {
    local p
    p=$(pgrep -fx -- "$1") && [[ $p != *$'\n'* ]] && echo "$p"
}

@test "CRI: the runtime handler runs pods and containers through cr" {
    run -0 cri version
    [[ $output == containerd* ]] || fail "Version: $output"
    run_pod "pod-$BATS_TEST_NUMBER" POD
    # the pause container is cr's
    run -0 "$CR" --root "$RUNC_ROOT/k8s.io" state "$POD"
    [[ $(jq -r .status <<<"$output") == running ]] || fail "cr state of the sandbox: $output"
}

@test "CRI: in a pod sharing its PID namespace, the children of a container's main process die with it (kill --all)" {
    local pod=pod-$BATS_TEST_NUMBER cid marker main child
    run_pod "$pod" POD
    # the main process waits for its child until the test kills it. In a
    # shared PID namespace the child then belongs to the pod's init, not to
    # the container's: the shim runs `kill --all ID KILL` for it as soon as
    # it has reaped the main process, before it reports the exit, and logs
    # "failed to kill init's children" when the runtime refuses (the child
    # then lives on until containerd deletes the task, seconds later).
    marker="sleep 9$BATS_TEST_NUMBER$$"
    cid=$(cri create "$POD" "$pod" POD main "$IMAGE" sh -c "$marker & wait") && [[ -n $cid ]] ||
        fail "CreateContainer failed"
    cri start "$cid" || fail "StartContainer failed"
    wait_until 20 host_pid "$marker" || fail "the child did not start"
    wait_until 20 host_pid "sh -c $marker & wait" || fail "the main process is not there"
    child=$(host_pid "$marker")
    main=$(host_pid "sh -c $marker & wait")
    kill -KILL "$main"
    wait_until 30 container_exited "$cid" || fail "the container did not exit: $(cri status "$cid")"
    ! grep "failed to kill init's children" "$T/containerd.log" | grep -F -- "$cid" ||
        fail "the shim's kill --all failed (above)"
    wait_until 10 dead "$child" || fail "the child outlived the container"
    # the pod itself is still there: its sandbox was not what killed the child
    run -0 "$CR" --root "$RUNC_ROOT/k8s.io" state "$POD"
    [[ $(jq -r .status <<<"$output") == running ]] || fail "the sandbox: $output"
    run -0 cri status "$cid"
    [[ $output == "CONTAINER_EXITED 137" ]] || fail "status: $output"
    cri rm "$cid" || fail "RemoveContainer failed"
}
