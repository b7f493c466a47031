# vm_helpers.bash — boots Debian's kernel under qemu (TCG: no nested KVM
# here) with an initramfs the test builds: busybox-static, out/cr, kernel
# modules, images as oci-archive files and bundles made on the host, and
# tests/vm/guest.sh. PID 1 is cr itself (/init is a link to cr, so its
# `init` applet runs `sh /guest.sh MODE` and reaps); the guest prints TAP
# lines on the serial console, which comes back as a file the tests read.

source "${BASH_SOURCE[0]%/*}/../integration/registry_helpers.bash"

VM_DIR=$BATS_FILE_TMPDIR/vm
: "${VM_BOOT_TIMEOUT:=600}"   # seconds one boot may take before it is killed

# vm_kernel: sets VM_KERNEL (a vmlinuz) and VM_KVER; fails without one.
vm_kernel() {
    local k
    k=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
    [[ -n $k ]] || { echo "no /boot/vmlinuz-*: install linux-image-amd64" >&2; return 1; }
    VM_KERNEL=$k
    VM_KVER=${k#/boot/vmlinuz-}
    [[ -f /lib/modules/$VM_KVER/modules.dep ]] || { echo "no modules for $VM_KVER" >&2; return 1; }
}

# vm_modules ROOT NAME... : the modules and what they depend on, in load
# order, under ROOT/lib/modules, listed in ROOT/lib/modules/load.
vm_modules() {
    local root=$1 dep=/lib/modules/$VM_KVER/modules.dep name path order=() seen=" "
    shift
    mkdir -p "$root/lib/modules"
    _vm_add() {
        local rel d
        rel=$(awk -F: -v m="/$1.ko" '{ n = length($1) - length(m) } n >= 0 && substr($1, n + 1) == m { print $1; exit }' "$dep")
        [[ -n $rel ]] || return 0   # built in
        [[ $seen == *" $rel "* ]] && return 0
        seen+="$rel "
        for d in $(awk -F: -v r="$rel" '$1 == r { print $2 }' "$dep"); do
            d=${d##*/}
            _vm_add "${d%%.ko*}"
        done
        order+=("$rel")
    }
    for name in "$@"; do _vm_add "$name"; done
    for path in "${order[@]}"; do
        case $path in
        *.ko.xz) xz -dc "/lib/modules/$VM_KVER/$path" >"$root/lib/modules/$(basename "${path%.xz}")" ;;
        *.ko.zst) zstd -qdc "/lib/modules/$VM_KVER/$path" >"$root/lib/modules/$(basename "${path%.zst}")" ;;
        *) cp "/lib/modules/$VM_KVER/$path" "$root/lib/modules/" ;;
        esac
        basename "${path%.ko*}.ko" >>"$root/lib/modules/load"
    done
}

# vm_root ROOT: busybox, cr (also as /init), the guest script; no
# /etc/passwd, no /run, no /dev beyond what devtmpfs gives.
vm_root() {
    local root=$1
    busybox_rootfs "$root" proc sys dev mnt images bundles || return 1
    rm -f "$root/etc/passwd" "$root/etc/group"
    cp "$CR" "$root/bin/cr"
    ln -s bin/cr "$root/init"
    cp "$BATS_TEST_DIRNAME/guest.sh" "$root/guest.sh"
}

# vm_bundle ROOT NAME JQ_FILTER: a bundle at ROOT/bundles/NAME: `cr spec`
# (terminal off) edited by JQ_FILTER, and a busybox rootfs.
vm_bundle() {
    local dir=$1/bundles/$2
    mkdir -p "$dir"
    busybox_rootfs "$dir/rootfs" proc sys dev || return 1
    (cd "$dir" && "$CR" spec) || return 1
    jq ".process.terminal = false | $3" "$dir/config.json" >"$dir/config.json.new" &&
        mv "$dir/config.json.new" "$dir/config.json"
}

# vm_archive LAYOUT FILE: an oci-archive of an OCI layout directory.
vm_archive() { tar -C "$1" -cf "$2" .; }

# vm_initramfs ROOT OUT: a gzip'd newc cpio of ROOT.
vm_initramfs() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$2"
}

# vm_boot NAME MEM_MIB INITRD MODE [DISK]: boots, the console in
# $VM_DIR/NAME.log; returns when the guest powers off (or is killed).
vm_boot() {
    local name=$1 mem=$2 initrd=$3 mode=$4 disk=${5:-} drive=()
    [[ -n $disk ]] && drive=(-drive "file=$disk,format=raw,if=virtio")
    timeout -k 10 "$VM_BOOT_TIMEOUT" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 1 -m "$mem" \
        -display none -monitor none -serial "file:$VM_DIR/$name.log" -no-reboot \
        -kernel "$VM_KERNEL" -initrd "$initrd" "${drive[@]}" \
        -append "console=ttyS0 panic=-1 quiet cgroup_no_v1=all rdinit=/init -- /bin/sh /guest.sh $mode" \
        </dev/null >"$VM_DIR/$name.qemu.log" 2>&1 || true
}

# vm_result LOG NAME: the guest's line for test NAME; fails (printing the
# guest's diagnostics for it) unless it is "ok".
vm_result() {
    local log=$1 name=$2 line
    line=$(tr -d '\r' <"$log" | grep -E "^(not )?ok - $name\$|^(not )?ok - $name[:#]" | head -1)
    if [[ $line == "ok - $name"* ]]; then return 0; fi
    echo "guest said: ${line:-nothing about $name}"
    tr -d '\r' <"$log" | sed -n "/^# $name:/p" | head -40
    [[ -n $line ]] || tail -30 "$log"
    return 1
}
