#!/usr/bin/env bats
# What a bundle, a container or a peer on the network must not get from cr:
# the host's kernel settings, a look into cr's own processes, a pull that
# never ends, a host port taken from its owner.

load helpers

setup_file() { make_rootfs; }
setup() { cr_setup; }
teardown() {
    restore_host_sysctls
    cr_teardown
}

# ---------------------------------------------------------------- sysctl

# host_sysctl NAME: the host's value of a sysctl (dots as separators).
host_sysctl() { cat "/proc/sys/${1//.//}"; }

# save_host_sysctl NAME: remember the host's value, put back in teardown
# whatever a cr that writes the host's settings did to it.
save_host_sysctl() {
    printf '%s\t%s\n' "$1" "$(host_sysctl "$1")" >>"$BATS_TEST_TMPDIR/.sysctls"
}
restore_host_sysctls() {
    local name value
    [[ -f $BATS_TEST_TMPDIR/.sysctls ]] || return 0
    while IFS=$'\t' read -r name value; do
        [[ $(host_sysctl "$name") == "$value" ]] || printf '%s\n' "$value" >"/proc/sys/${name//.//}"
    done <"$BATS_TEST_TMPDIR/.sysctls"
}

# sysctl_refused NAME VALUE WHY: run the bundle with NAME=VALUE; cr must
# refuse it naming the key and WHY, leave the host's value alone and leave
# nothing behind.
sysctl_refused() {
    local name=$1 value=$2 why=$3 before id
    before=$(host_sysctl "$name")
    save_host_sysctl "$name"
    cfg '.linux.sysctl = {($n): $v}' --arg n "$name" --arg v "$value"
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    [[ $(host_sysctl "$name") == "$before" ]] || fail "$name: the host's value changed from '$before' to '$(host_sysctl "$name")'" || return 1
    assert_error 1 "linux.sysctl \"$name\"" "$why" || return 1
    assert_no_leftovers "$id"
}

@test "sysctl: keys no namespace holds are refused and the host keeps its values" {
    local burst expire
    set_args true
    burst=$(host_sysctl kernel.printk_ratelimit_burst)
    expire=$(host_sysctl vm.dirty_expire_centisecs)
    sysctl_refused kernel.printk_ratelimit_burst $((burst + 1)) "not namespaced"
    sysctl_refused vm.dirty_expire_centisecs $((expire + 1)) "not namespaced"
    sysctl_refused kernel.core_pattern "|/bin/false cr-test %p" "not namespaced"
}

@test "sysctl: namespaced keys are refused without the container's own namespace" {
    local fwd
    set_args true
    fwd=$(host_sysctl net.ipv4.ip_forward)
    cfg '.linux.namespaces |= map(select(.type != "network"))'
    sysctl_refused net.ipv4.ip_forward $((1 - fwd)) "needs its own network namespace"
    # a path naming the host's own network namespace is no namespace of its own
    cfg '.linux.namespaces += [{type: "network", path: $p}]' --arg p "/proc/$$/ns/net"
    sysctl_refused net.ipv4.ip_forward $((1 - fwd)) "is the host's"
    cfg '.linux.namespaces |= map(select(.type != "ipc"))'
    sysctl_refused kernel.shmmax 4096 "needs its own ipc namespace"
    sysctl_refused fs.mqueue.msg_max 11 "needs its own ipc namespace"
    cfg '.linux.namespaces |= map(select(.type != "uts"))'
    sysctl_refused kernel.domainname cr-test "needs its own uts namespace"
}

@test "sysctl: kernel.hostname is refused for the hostname field" {
    set_args true
    cfg '.hostname = "cr-one"'
    sysctl_refused kernel.hostname cr-two "conflicts with the hostname field"
    sysctl_refused kernel.hostname cr-one "conflicts with the hostname field"
}

@test "sysctl: namespaced keys are set in the container, not on the host" {
    local fwd shmmax id
    fwd=$(host_sysctl net.ipv4.ip_forward)
    shmmax=$(host_sysctl kernel.shmmax)
    save_host_sysctl net.ipv4.ip_forward
    save_host_sysctl kernel.shmmax
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": $f, "kernel.shmmax": "4096", "kernel.domainname": "cr-test"}' \
        --arg f $((1 - fwd))
    set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/kernel/domainname'
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $(tr '\n' ' ' <<<"$output") == "$((1 - fwd)) 4096 cr-test " ]] || fail "in the container: $output"
    [[ $(host_sysctl net.ipv4.ip_forward) == "$fwd" && $(host_sysctl kernel.shmmax) == "$shmmax" ]] ||
        fail "the host's values changed"
}

@test "sysctl: a network namespace the container joins by path takes net.* keys" {
    local fwd ns_pid id i
    fwd=$(host_sysctl net.ipv4.ip_forward)
    save_host_sysctl net.ipv4.ip_forward
    unshare --net sleep 1000 3>&- &
    ns_pid=$!
    track_bg "$ns_pid"
    for ((i = 0; i < 100; i++)); do
        [[ $(readlink "/proc/$ns_pid/ns/net") != "$(readlink /proc/self/ns/net)" ]] && break
        sleep 0.1
    done
    cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' --arg p "/proc/$ns_pid/ns/net"
    cfg '.linux.sysctl = {"net.ipv4.ip_forward": $f}' --arg f $((1 - fwd))
    set_args cat /proc/sys/net/ipv4/ip_forward
    id=$(new_id)
    run --separate-stderr crr run --bundle "$BUNDLE" "$id"
    assert_status 0
    [[ $output == "$((1 - fwd))" ]] || fail "in the container: $output"
    [[ $(host_sysctl net.ipv4.ip_forward) == "$fwd" ]] || fail "the host's value changed"
}
