#!/usr/bin/env bats
# vm.bats — cr where its users run it, proven on a kernel of our own in
# qemu: from an initramfs (no pivot_root, no /etc/passwd, no /run, no
# network), on a pure cgroup v2 kernel (cgroup_no_v1=all), and in a 96 MiB
# guest that pulls and runs a 100+ MiB image. Two boots in setup_file; each
# test reads the guest's verdict for it from the serial console (guest.sh
# made the check inside the guest and printed why when it failed).

load vm_helpers

BIG_MIB=110

# v2 guest: 256 MiB, the initramfs with the busybox image and the bundles,
# and an 8 MiB disk for io.max and the device filter.
build_v2_guest() {
    local root=$VM_DIR/v2root devrule
    vm_root "$root" || return 1
    vm_modules "$root" virtio_pci virtio_blk overlay
    make_busybox_layout || return 1
    vm_archive "$FIX/oci/busybox" "$root/images/busybox.tar"
    vm_bundle "$root" hello '.process.args = ["echo", "hello-bundle"]'
    vm_bundle "$root" sleeper '.process.args = ["sleep", "100000"] | .linux.resources += {
        memory: {limit: 33554432}, pids: {limit: 20}, cpu: {quota: 50000, period: 100000},
        hugepageLimits: [{pageSize: "2MB", limit: 4194304}],
        blockIO: {throttleReadBpsDevice: [{major: 9999, minor: 9999, rate: 1048576}]}}'
    vm_bundle "$root" oom '.process.args = ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]
        | .linux.resources.memory = {limit: 16777216}'
    vm_bundle "$root" forks '.process.args = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"]
        | .linux.resources.pids = {limit: 4}'
    devrule='.process.args = ["sh", "-c", "head -c 1 /dev/vda >/dev/null && echo READ || echo DENIED"]
        | .mounts += [{destination: "/dev/vda", type: "bind", source: "/dev/vda", options: ["bind"]}]'
    vm_bundle "$root" devdeny "$devrule"
    vm_bundle "$root" devallow "$devrule | .linux.resources.devices += [{allow: true, type: \"b\", major: 9999, minor: 9999, access: \"r\"}]"
    vm_bundle "$root" true '.process.args = ["/bin/true"] | .ociVersion = "1.0.2"'
    vm_crun "$root"
    vm_initramfs "$root" "$VM_DIR/v2.cpio.gz"
    truncate -s 8M "$VM_DIR/v2.disk"
}

# crun and the libraries it links, for the guest's bench line (when installed)
vm_crun() {
    local crun lib
    crun=$(command -v crun) || return 0
    mkdir -p "$1/crun"
    cp "$crun" "$1/crun/crun"
    for lib in $(ldd "$crun" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do cp -L "$lib" "$1/crun/"; done
    cp -L "$(ldd "$crun" | awk '/ld-linux/ { print $1 }')" "$1/crun/ld.so"
    printf '#!/bin/sh\nexec /crun/ld.so --library-path /crun /crun/crun "$@"\n' >"$1/bin/crun"
    chmod +x "$1/bin/crun"
}

# lowmem guest: 96 MiB, the image (busybox + BIG_MIB MiB of random data) as
# an oci-archive on an ext2 disk that also holds the store.
build_lowmem_guest() {
    local root=$VM_DIR/lowroot disk=$VM_DIR/lowdisk l m
    vm_root "$root" || return 1
    vm_modules "$root" virtio_pci virtio_blk overlay crc32c_generic ext4
    mkdir -p "$FIX/bigroot/data" "$disk/store"
    cp -a "$FIX/rootfs/." "$FIX/bigroot/"
    head -c "${BIG_MIB}M" /dev/urandom >"$FIX/bigroot/data/big"
    stat -c %s "$FIX/bigroot/data/big" >"$disk/big.size"
    oci_init "$FIX/oci/big"
    l=$(oci_layer "$FIX/oci/big" "$FIX/bigroot" gzip1)
    m=$(oci_manifest "$FIX/oci/big" amd64 "" "$l")
    oci_tag "$FIX/oci/big" latest "$m"
    vm_archive "$FIX/oci/big" "$disk/big.tar"
    rm -rf "$FIX/bigroot" "$FIX/oci/big"
    vm_initramfs "$root" "$VM_DIR/low.cpio.gz"
    truncate -s 640M "$VM_DIR/low.disk"
    mkfs.ext2 -q -F -d "$disk" "$VM_DIR/low.disk"
    rm -rf "$disk"
}

setup_file() {
    mkdir -p "$VM_DIR" "$FIX"
    vm_kernel
    command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed" >&2; return 1; }
    build_v2_guest
    vm_boot v2 256 "$VM_DIR/v2.cpio.gz" v2 "$VM_DIR/v2.disk"
    rm -f "$VM_DIR/v2.disk" "$VM_DIR/v2.cpio.gz"
    build_lowmem_guest
    vm_boot low 96 "$VM_DIR/low.cpio.gz" lowmem "$VM_DIR/low.disk"
    rm -f "$VM_DIR/low.disk" "$VM_DIR/low.cpio.gz"
    [[ -z ${VM_LOGS:-} ]] || cp "$VM_DIR"/*.log "$VM_LOGS/"   # to read a failure at leisure
    # the numbers a note quotes, on bats' fd 3
    tr -d '\r' <"$VM_DIR/v2.log" | grep -E '^# (bench|lowmem):' | sed 's/^/# vm: /' >&3 || true
    tr -d '\r' <"$VM_DIR/low.log" | grep -E '^# (bench|lowmem):' | sed 's/^/# vm: /' >&3 || true
}

V2=$BATS_FILE_TMPDIR/vm/v2.log
LOW=$BATS_FILE_TMPDIR/vm/low.log

@test "vm: both guests ran to the end" {
    grep -q "guest done" "$V2" || { tail -40 "$V2"; cat "$BATS_FILE_TMPDIR/vm/v2.qemu.log"; false; }
    grep -q "guest done" "$LOW" || { tail -40 "$LOW"; cat "$BATS_FILE_TMPDIR/vm/low.qemu.log"; false; }
}

@test "initramfs: the root is the initramfs, PID 1 is cr's init, no /etc/passwd, no /run" {
    vm_result "$V2" initramfs_root
}

@test "initramfs: an image from an oci-archive runs (MS_MOVE + chroot, said in --debug)" {
    vm_result "$V2" image_run
}

@test "initramfs: a bundle runs" {
    vm_result "$V2" bundle_run
}

@test "cgroup v2: the init starts in its own cgroup" {
    vm_result "$V2" v2_placement
}

@test "cgroup v2: memory.max, pids.max, cpu.max, hugetlb and io.max from config.json" {
    vm_result "$V2" v2_limits
}

@test "cgroup v2: update changes memory.max and pids.max" {
    vm_result "$V2" v2_update
}

@test "cgroup v2: events --stats reports memory and pids" {
    vm_result "$V2" v2_stats
}

@test "cgroup v2: pause and resume through cgroup.freeze" {
    vm_result "$V2" v2_freeze
}

@test "cgroup v2: delete --force kills every process and removes the cgroup" {
    vm_result "$V2" v2_kill_on_delete
}

@test "cgroup v2: memory.max OOM-kills and events reports it" {
    vm_result "$V2" v2_oom
}

@test "cgroup v2: pids.max stops a fork bomb" {
    vm_result "$V2" v2_pids_limit
}

@test "cgroup v2: the eBPF device filter denies a device the config does not allow" {
    vm_result "$V2" v2_device_filter
}

@test "low memory: a 96 MiB guest pulls a ${BIG_MIB} MiB image from an oci-archive" {
    vm_result "$LOW" lowmem_pull
}

@test "low memory: and runs it" {
    vm_result "$LOW" lowmem_run
}
