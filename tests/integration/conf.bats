#!/usr/bin/env bats
# conf.bats — cr.conf: each setting changes what a user sees, flags win
# over the file, and a bad file is an error naming its line and key. Every
# test writes its own file and points $CR_CONFIG at it; /etc/cr/cr.conf is
# not touched.

load image_helpers

# conf TEXT : writes the test's cr.conf (printf-style escapes) and exports CR_CONFIG
conf() {
    export CR_CONFIG=$BATS_TEST_TMPDIR/cr.conf
    printf "$1" >"$CR_CONFIG"
}

# crc ARGS... : cr in $NETNS with this test's state root and store given
# by the config file only
crc() { in_ns "$CR" "$@" 3>&-; }

# run_in ARGS... : `cr run --rm` of the busybox image (config-given root/store)
run_in() { crc run --rm "$@"; }

setup() {
    img_setup
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n"
}

# bad_conf TEXT WANT : with that cr.conf, cr list fails saying $CR_CONFIG:WANT
bad_conf() {
    conf "$1"
    run -1 "$CR" list
    [[ $output == *"$CR_CONFIG:$2"* ]] || { show_run; false; }
}

@test "conf: a bad file is an error naming the file, the line and the key" {
    bad_conf '[network]\ndns = ["1.1.1.1"]\nbridge = 12\n' "3: network.bridge: expected a quoted string"
    bad_conf '[network]\nsubnets = "10.0.0.0/8"\n' "2: network.subnets: unknown key"
    conf '[registries]\nmirrors = ["a=b",\n  "c"\n'
    run -1 "$CR" images
    [[ $output == *"$CR_CONFIG:4: registries.mirrors: expected , or ] in the array"* || $output == *"$CR_CONFIG:3: registries.mirrors"* ]] || { show_run; false; }
    # a value the file's key is to blame for, not --log-opt
    bad_conf '[containers]\nlog_size_max = "10x"\n' "2: containers.log_size_max: expected a size"
    bad_conf '[containers]\nlog_max_file = 0\n' "2: containers.log_max_file: expected an integer from 1 to 999"
    export CR_CONFIG=$BATS_TEST_TMPDIR/missing.conf
    run -1 "$CR" list
    [[ $output == *'$CR_CONFIG'*missing.conf* ]] || { show_run; false; }
}

@test "conf: engine.state_root and engine.storage replace the defaults; --root and --storage win" {
    run -0 crc images
    [[ $output == *test/busybox* ]] || { show_run; false; }
    run -0 crc run -d --name "$N" "$BB" sleep 100
    [[ -d $CR_ROOT/$N ]]
    run -0 crc --root "$BATS_TEST_TMPDIR/other" list -q
    [[ -z $output ]] || { show_run; false; }
    run -0 crc --storage "$BATS_TEST_TMPDIR/empty" images -q
    [[ -z $output ]] || { show_run; false; }
    run -0 crc rm -f "$N"
}

@test "conf: network.default_network none; --network on the command line wins" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[network]\ndefault_network = \"none\"\n"
    run -0 run_in "$BB" cat /proc/net/dev
    [[ $output != *eth0* && $output == *lo:* ]] || { show_run; false; }
    run -0 run_in --network bridge "$BB" cat /proc/net/dev
    [[ $output == *eth0* ]] || { show_run; false; }
}

@test "conf: network.bridge and network.subnet make the default network" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[network]\nbridge = \"crconf$$\"\nsubnet = \"10.123.7.0/24\"\n"
    run -0 run_in "$BB" ip -4 addr show eth0
    [[ $output == *"inet 10.123.7."* ]] || { show_run; false; }
    in_ns ip link show "crconf$$" >/dev/null
}

@test "conf: network.dns fills resolv.conf; --dns wins" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[network]\ndns = [\"192.0.2.53\", \"192.0.2.54\"]\n"
    run -0 run_in --network none "$BB" cat /etc/resolv.conf
    [[ $output == *"nameserver 192.0.2.53"*"nameserver 192.0.2.54"* ]] || { show_run; false; }
    run -0 run_in --network none --dns 198.51.100.1 "$BB" cat /etc/resolv.conf
    [[ $output == *"nameserver 198.51.100.1"* && $output != *192.0.2.53* ]] || { show_run; false; }
}

@test "conf: containers.default_capabilities is the set --cap-add changes" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\ndefault_capabilities = [\"CHOWN\", \"KILL\"]\n"
    run -0 run_in --network none "$BB" grep CapEff /proc/self/status
    [[ $output == *0000000000000021* ]] || { show_run; false; }
    run -0 run_in --network none --cap-add NET_RAW "$BB" grep CapEff /proc/self/status
    [[ $output == *0000000000002021* ]] || { show_run; false; }
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\ndefault_capabilities = [\"CAP_NOPE\"]\n"
    run -125 run_in --network none "$BB" true
    [[ $output == *CAP_NOPE* ]] || { show_run; false; }
}

@test "conf: containers.seccomp_profile replaces Docker's; --security-opt seccomp= wins" {
    local prof=$BATS_TEST_TMPDIR/deny-mkdir.json
    echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$prof"
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\nseccomp_profile = \"$prof\"\n"
    run -1 run_in --network none "$BB" mkdir /tmp/x
    [[ $output == *"not permitted"* ]] || { show_run; false; }
    run -0 run_in --network none --security-opt seccomp=unconfined "$BB" mkdir /tmp/x
}

@test "conf: containers.default_ulimits; --ulimit wins" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\ndefault_ulimits = [\"nofile=512:512\"]\n"
    run -0 run_in --network none "$BB" sh -c 'ulimit -n'
    [[ $output == 512 ]] || { show_run; false; }
    run -0 run_in --network none --ulimit nofile=300:300 "$BB" sh -c 'ulimit -n'
    [[ $output == 300 ]] || { show_run; false; }
}

@test "conf: registries.mirrors serve a registry's pulls; registries.platform picks the manifest" {
    local img=registry.invalid/test/busybox
    # a registry of its own: the file's goes with the first test's teardown
    reg_start -e
    push busybox test/busybox
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\nmirrors = [\"registry.invalid=$REG\"]\npull_concurrency = 1\nplatform = \"linux/amd64\"\n"
    run "$CR" pull -q "$img"   # the registry is on the host's loopback, not in $NETNS
    ((status == 0)) || { show_run; cat "$CR_CONFIG"; false; }
    run -0 "$CR" images
    [[ $output == *registry.invalid/test/busybox* ]] || { show_run; false; }
    # a two-platform image: registries.platform picks the arm64 one
    local o=$FIX/oci/multi-$BATS_TEST_NUMBER l m1 m2 idx
    oci_init "$o"
    l=$(oci_layer "$o" "$FIX/rootfs" gzip)
    m1=$(oci_manifest "$o" amd64 "" "$l")
    m2=$(oci_manifest "$o" arm64 v8 "$l")
    idx=$(oci_index "$o" "$m1" "$m2")
    oci_tag "$o" latest "$idx"
    push "${o##*/}" test/multi --all
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh2\"\n[registries]\nplatform = \"linux/arm64\"\n"
    run -0 "$CR" pull -q "$REG/test/multi"
    run -0 "$CR" images --format json
    [[ $(jq -r '.[0].id' <<<"$output") == "$(jq -r .config.digest "$o/blobs/sha256/$(jq -r '.digest | sub("sha256:"; "")' <<<"$m2")")" ]] ||
        { show_run; false; }
}

@test "conf: cr info shows each setting in effect and where it came from: FILE:LINE, a flag, \$CR_STORAGE or default" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[network]\n# a comment\ndns = [\"192.0.2.53\"]\n"
    run -0 "$CR" info
    [[ $output == *"  network.dns: [\"192.0.2.53\"] ($CR_CONFIG:6)"* ]] || { show_run; false; }
    [[ $output == *"  engine.state_root: \"$CR_ROOT\" ($CR_CONFIG:2)"* ]] || { show_run; false; }
    # settings left alone show what cr does without them
    local d
    for d in 'network.bridge: "cr0"' 'network.subnet: "10.98.0.0/16"' 'network.default_network: "bridge"' \
        'containers.log_driver: "json-file"' 'containers.log_max_file: "1"' 'registries.pull_concurrency: "3"' \
        'containers.seccomp_profile: "builtin"' 'registries.insecure: []' "registries.platform: \"linux/$(dpkg --print-architecture)\""; do
        [[ $output == *"  $d (default)"* ]] || { echo "missing: $d (default)"; show_run; false; }
    done
    run -0 "$CR" info -f '{{json (index .Config "containers.default_capabilities").value}}'
    [[ $(jq length <<<"$output") == 14 && $output == *'"CAP_NET_BIND_SERVICE"'* ]] || { show_run; false; }
    run -0 "$CR" info -f '{{(index .Config "engine.storage").origin}}'
    [[ $output == "$CR_CONFIG:3" ]] || { show_run; false; }
    # flags and $CR_STORAGE win over the file, and say so
    run -0 "$CR" --root "$BATS_TEST_TMPDIR/r" --storage "$BATS_TEST_TMPDIR/s" info
    [[ $output == *"  engine.state_root: \"$BATS_TEST_TMPDIR/r\" (flag --root)"* &&
       $output == *"  engine.storage: \"$BATS_TEST_TMPDIR/s\" (flag --storage)"* ]] || { show_run; false; }
    CR_STORAGE=$BATS_TEST_TMPDIR/e run -0 "$CR" info -f '{{json (index .Config "engine.storage")}}'
    [[ $output == "{\"value\":\"$BATS_TEST_TMPDIR/e\",\"origin\":\"\$CR_STORAGE\"}" ]] || { show_run; false; }
    # no file at all: every setting is a default, and the roots are cr's own
    unset CR_CONFIG
    run -0 "$CR" info -f '{{range $k, $v := .Config}}{{$v.origin}} {{end}}{{(index .Config "engine.storage").value}}'
    [[ $output == "$(printf 'default %.0s' {1..16})/var/lib/cr" ]] || { show_run; false; }
}

@test "conf: containers.log_driver none keeps no log; --log-driver wins" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\nlog_driver = \"none\"\n"
    run -0 crc run --network none --name "$N" "$BB" echo logged
    run -1 crc logs "$N"
    [[ $output == *"does not support reading"* ]] || { show_run; false; }
    run -0 crc run --network none --log-driver json-file --name "${N}b" "$BB" echo logged
    run -0 crc logs "${N}b"
    [[ $output == logged ]] || { show_run; false; }
}

@test "conf: containers.log_size_max and log_max_file rotate the log; --log-opt wins key by key" {
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$STORE\"\n[containers]\nlog_size_max = \"1k\"\nlog_max_file = 2\n"
    local d=$STORE/containers lines100='i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "line $i"; done' f
    run -0 crc run --network none --name "$N" "$BB" sh -c "$lines100"
    [[ -f $d/$N/ctr.log && -f $d/$N/ctr.log.1 && ! -e $d/$N/ctr.log.2 ]] || { ls -l "$d/$N"; false; }
    for f in "$d/$N"/ctr.log*; do (($(stat -c %s "$f") <= 1024)) || { ls -l "$d/$N"; false; }; done
    run -0 crc logs "$N"
    [[ ${lines[-1]} == 'line 100' && ${lines[0]} != 'line 1' ]] || { show_run; false; }
    # the flag's max-size, the file's max-file
    run -0 crc run --network none --log-opt max-size=2k --name "${N}b" "$BB" sh -c "$lines100"
    [[ -f $d/${N}b/ctr.log.1 && ! -e $d/${N}b/ctr.log.2 ]] || { ls -l "$d/${N}b"; false; }
    for f in "$d/${N}b"/ctr.log*; do (($(stat -c %s "$f") <= 2048)) || { ls -l "$d/${N}b"; false; }; done
    (($(stat -c %s "$d/${N}b/ctr.log.1") > 1024)) || { ls -l "$d/${N}b"; false; }
    run -0 crc logs "${N}b"
    [[ ${lines[-1]} == 'line 100' ]] || { show_run; false; }
    # another driver takes none of the file's options
    run -0 crc run --network none --log-driver none --name "${N}c" "$BB" true
}

# tls_reg : a registry ($REG) with test/busybox, its certificate from a CA cr does not know
tls_reg() {
    local ca=$BATS_TEST_TMPDIR/ca
    make_ca "$ca"
    make_server_cert "$ca" reg "IP:127.0.0.1"
    reg_start -e --tls "$ca/reg.crt" "$ca/reg.key"
    push busybox test/busybox
}

@test "conf: registries.insecure skips the certificate check of the registries it lists" {
    tls_reg
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\ninsecure = [\"127.0.0.1:1\"]\n"
    run -1 "$CR" pull -q "$REG/test/busybox"
    [[ $output == *"signed by unknown authority"* ]] || { show_run; false; }
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\ninsecure = [\"127.0.0.1:1\", \"$REG\"]\n"
    run -0 "$CR" pull -q "$REG/test/busybox"
    run -0 "$CR" images
    [[ $output == *"$REG/test/busybox"* ]] || { show_run; false; }
}

@test "conf: registries.insecure is for push and login too" {
    tls_reg
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\ninsecure = [\"$REG\"]\n"
    run -0 "$CR" pull -q "$REG/test/busybox"
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\ninsecure = [\"127.0.0.1:1\"]\n"
    run -1 "$CR" push -q "$REG/test/busybox" "$REG/test/copy"
    [[ $output == *"signed by unknown authority"* ]] || { show_run; false; }
    run -1 "$CR" login --authfile "$BATS_TEST_TMPDIR/auth.json" -u u --password-stdin "$REG" <<<p
    [[ $output == *"signed by unknown authority"* ]] || { show_run; false; }
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\ninsecure = [\"127.0.0.1:1\", \"$REG\"]\n"
    run -0 "$CR" push -q "$REG/test/busybox" "$REG/test/copy"
    run -0 "$CR" pull -q "$REG/test/copy"
    run -0 "$CR" login --authfile "$BATS_TEST_TMPDIR/auth.json" -u u --password-stdin "$REG" <<<p
    [[ $output == *"Login Succeeded"* ]] || { show_run; false; }
}

@test "conf: registries.insecure applies to a mirror it lists, not to the registry the mirror serves" {
    tls_reg
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\nmirrors = [\"registry.invalid=$REG\"]\ninsecure = [\"$REG\"]\n"
    run "$CR" pull -q registry.invalid/test/busybox
    ((status == 0)) || { show_run; false; }
    # a mirror's listing leaves the registry it serves checked
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh2\"\n[registries]\nmirrors = [\"$REG=127.0.0.1:1\"]\ninsecure = [\"127.0.0.1:1\"]\n"
    run -1 "$CR" pull -q "$REG/test/busybox"
    [[ $output == *"signed by unknown authority"* ]] || { show_run; false; }
}

@test "conf: registries.pull_concurrency is how many connections fetch layers at once; --max-concurrent-downloads wins" {
    local o=$FIX/oci/four-$BATS_TEST_NUMBER ls=() k nlog
    oci_with_busybox "$o"
    ls=("$(oci_layer "$o" "$FIX/rootfs" gzip)")
    for k in 1 2 3; do
        mkdir -p "$BATS_TEST_TMPDIR/l$k"
        head -c 1M /dev/urandom >"$BATS_TEST_TMPDIR/l$k/random.bin"
        ls+=("$(oci_layer "$o" "$BATS_TEST_TMPDIR/l$k" gzip1)")
    done
    oci_tag "$o" latest "$(oci_manifest "$o" amd64 "" "${ls[@]}")"
    reg_start -e
    push "${o##*/}" test/four
    # throttled (1 MiB/s a connection): every worker gets a layer
    proxy_start "$BATS_TEST_TMPDIR/proxy" "$REG_PORT"
    echo 1048576 >"$BATS_TEST_TMPDIR/proxy/rate"
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/s2\"\n[registries]\npull_concurrency = 2\n"
    nlog=$(wc -l <"$REG_LOG")
    run -0 timeout 60 "$CR" pull -q "127.0.0.1:$PROXY_PORT/test/four"
    tail -n +"$((nlog + 1))" "$REG_LOG" >"$BATS_TEST_TMPDIR/two.log"
    [[ $(reg_blob_conns "$BATS_TEST_TMPDIR/two.log" | wc -l) == 2 ]] || { reg_blob_conns "$BATS_TEST_TMPDIR/two.log"; false; }
    nlog=$(wc -l <"$REG_LOG")
    run -0 timeout 60 "$CR" --storage "$BATS_TEST_TMPDIR/s1" pull -q --max-concurrent-downloads 1 "127.0.0.1:$PROXY_PORT/test/four"
    tail -n +"$((nlog + 1))" "$REG_LOG" >"$BATS_TEST_TMPDIR/one.log"
    [[ $(reg_blob_conns "$BATS_TEST_TMPDIR/one.log" | wc -l) == 1 ]] || { reg_blob_conns "$BATS_TEST_TMPDIR/one.log"; false; }
}

@test "conf: /etc/cr/registries.json (\$CR_REGISTRIES_CONF) is still read: its mirrors follow cr.conf's" {
    local dead
    dead=$(free_port)
    reg_start -e
    push busybox test/busybox
    jq -n --arg m "http://$REG" '{mirrors: {"registry.invalid": [$m]}}' >"$BATS_TEST_TMPDIR/registries.json"
    conf "[engine]\nstate_root = \"$CR_ROOT\"\nstorage = \"$BATS_TEST_TMPDIR/fresh\"\n[registries]\nmirrors = [\"registry.invalid=127.0.0.1:$dead\"]\n"
    # cr.conf's mirror is tried first, then the file's
    CR_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.json run --separate-stderr "$CR" --debug pull -q registry.invalid/test/busybox
    ((status == 0)) && [[ $stderr == *"127.0.0.1:$dead"* ]] || { show_run; echo "$stderr"; false; }
    run -0 "$CR" images
    [[ $output == *registry.invalid/test/busybox* ]] || { show_run; false; }
    # without its mirror only the dead one and the registry are left
    echo '{}' >"$BATS_TEST_TMPDIR/empty.json"
    CR_REGISTRIES_CONF=$BATS_TEST_TMPDIR/empty.json run -1 "$CR" --storage "$BATS_TEST_TMPDIR/fresh2" pull -q registry.invalid/test/busybox
    [[ $output == *"registry registry.invalid"* ]] || { show_run; false; }
}
