#!/usr/bin/env bats
# build.bats — cr build (a multi-stage Dockerfile with every instruction,
# run with cr), its layer cache, reproducible digests, errors that name the
# line, and commit / tag / history / import. The base image is
# registry_helpers' busybox OCI layout pulled from oci:DIR (no registry);
# RUN steps run in the file's network namespace ($NETNS). Where podman is
# installed, `podman build` (buildah, runc) builds the same Dockerfile and
# the results are compared.

load image_helpers

BASE=localhost/busybox:latest

setup_file() {
    mkdir -p "$FIX"
    : >"$BG_LIST"
    make_busybox_layout
    "$CR" --storage "$FIX/store" pull -q "oci:$FIX/oci/busybox:latest" >/dev/null
    export NETNS=cr-build-$$
    ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
}

setup() {
    img_setup
    C=$BATS_TEST_TMPDIR/ctx
    make_context "$C"
}

# the config blob of image NAME (as the store names it), as JSON
config_of() {
    local id
    id=$(jq -er --arg n "$1" '.[] | select(.name == $n) | .config' "$STORE/images.json") || return 1
    cat "$STORE/blobs/sha256/${id#sha256:}"
}

# build ARGS... : cr build in $NETNS with a timeout; $output as run gives it
crb() { run timeout 120 nsenter --net="/run/netns/$NETNS" "$CR" --root "$CR_ROOT" --storage "$STORE" build "$@" 3>&-; }

make_context() {
    local c=$1
    mkdir -p "$c/sub" "$c/tarsrc/deep"
    echo hello >"$c/a.txt"
    echo sub >"$c/sub/s.txt"
    echo secret >"$c/secret.txt"
    echo deep >"$c/tarsrc/deep/file"
    tar -C "$c/tarsrc" -czf "$c/files.tar.gz" .
    printf '# comment\nsecret.txt\ntarsrc\n' >"$c/.dockerignore"
    cat >"$c/Dockerfile" <<'EOF'
# syntax=docker/dockerfile:1
# escape=\
ARG BASE=localhost/busybox:latest

# the first stage: ENV, ARG, RUN (both forms), WORKDIR, COPY, ADD
FROM ${BASE} AS build
ARG MSG
ARG DEF=default-value
ENV GREETING="hello world" \
    OTHER=x
RUN echo "$MSG $DEF $GREETING" > /built.txt && \
    mkdir -p /data && echo d > /data/f
WORKDIR /work
COPY a.txt sub ./
COPY --chmod=600 --chown=1000:1000 a.txt /etc/a600
ADD files.tar.gz /unpacked/
RUN ["/bin/sh", "-c", "ls /work > /work/list"]

FROM localhost/busybox:latest
COPY --from=build /built.txt /work/list /app/
COPY --from=0 /unpacked /app/unpacked
RUN rm /etc/removeme
LABEL a=b c="d e"
EXPOSE 80 53/udp
VOLUME ["/vol"]
USER root
WORKDIR /app
STOPSIGNAL SIGUSR1
HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
SHELL ["/bin/sh", "-e", "-c"]
RUN echo shell-form > /app/shell.txt
ONBUILD RUN echo onbuild
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/built.txt"]
EOF
}

@test "build: a multi-stage Dockerfile with every instruction, run with cr" {
    crb -t t1 --build-arg MSG=from-arg --label extra=yes "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"note: # syntax=docker/dockerfile:1 is ignored"* ]]
    [[ $output == *"Step 1/27 : ARG BASE=localhost/busybox:latest"* ]]
    [[ $output == *"Step 27/27 : CMD [\"cat /app/built.txt\"]"* ]]
    [[ $output == *"Successfully built "* && $output == *"Successfully tagged t1"* ]]
    run cri run --rm --network none t1
    [ "$status" -eq 0 ]
    [ "$output" = "from-arg default-value hello world" ]
    run cri run --rm --network none t1 'ls /app; ls /app/unpacked/deep; cat /app/list /app/shell.txt; test ! -e /etc/removeme && echo gone; pwd'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'built.txt\nlist\nshell.txt\nunpacked\nfile\na.txt\nlist\ns.txt\nshell-form\ngone\n/app')" ]
    # the config: what each instruction recorded
    config_of docker.io/library/t1:latest >"$BATS_TEST_TMPDIR/cfg"
    run jq -c '.config | [.User, .ExposedPorts, .Volumes, .WorkingDir, .StopSignal, .Labels, .Entrypoint, .Cmd, .Shell, .OnBuild, .Healthcheck]' "$BATS_TEST_TMPDIR/cfg"
    echo "$output"
    [ "$output" = '["root",{"80/tcp":{},"53/udp":{}},{"/vol":{}},"/app","SIGUSR1",{"cr.test.arch":"amd64","a":"b","c":"d e","extra":"yes"},["/bin/sh","-c"],["cat /app/built.txt"],["/bin/sh","-e","-c"],["RUN echo onbuild"],{"Test":["CMD","true"],"Interval":5000000000,"Retries":2}]' ]
    # the RUN that removed a file has it as an OCI whiteout
    run jq -r '.history[] | select(.created_by == "/bin/sh -c rm /etc/removeme") | .created_by' "$BATS_TEST_TMPDIR/cfg"
    [ "$output" = "/bin/sh -c rm /etc/removeme" ]
    local n l
    n=$(jq '[.history[] | select(.empty_layer != true)] | length' "$BATS_TEST_TMPDIR/cfg")
    [ "$n" -eq "$(jq '.rootfs.diff_ids | length' "$BATS_TEST_TMPDIR/cfg")" ]
    l=$(jq -r '.rootfs.diff_ids[3]' "$BATS_TEST_TMPDIR/cfg")
    run cri images --format json
    for b in "$STORE"/blobs/sha256/*; do
        [[ $(head -c2 "$b" | od -An -tx1 | tr -d ' ') == 1f8b ]] || continue
        [[ sha256:$(gunzip -c "$b" | sha256sum | cut -d' ' -f1) == "$l" ]] && gunzip -c "$b" | tar -t >"$BATS_TEST_TMPDIR/rm.list"
    done
    grep -qx 'etc/.wh.removeme' "$BATS_TEST_TMPDIR/rm.list"
}

@test "build: --target stops at a stage: ENV, ARG, COPY --chown/--chmod, ADD, .dockerignore" {
    crb --target build -t stage1 --build-arg MSG=m "$C"
    [ "$status" -eq 0 ]
    [[ $output == *"Step 11/11 : RUN"* ]]
    run cri run --rm --network none stage1 sh -c 'echo "$GREETING|$OTHER|$MSG"; stat -c "%a %u %g" /etc/a600; cat /work/list; ls /unpacked/deep; ls /work; ls /data'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "hello world|x|" ]   # an ARG is no ENV of the image
    [ "${lines[1]}" = "600 1000 1000" ]
    [ "$(printf '%s\n' "${lines[@]:2}")" = "$(printf 'a.txt\nlist\ns.txt\nfile\na.txt\nlist\ns.txt\nf')" ]
}

@test "build: a second build uses the cache for every step; a changed COPY source rebuilds from that step on" {
    crb -t t2 --network none "$C"
    [ "$status" -eq 0 ]
    crb -t t2 --network none "$C"
    [ "$status" -eq 0 ]
    [[ $output != *"Running in"* ]]
    # every step but the FROMs and ARGs
    [ "$(grep -c -- '---> Using cache' <<<"$output")" -eq 22 ]
    echo changed >"$C/a.txt"
    crb -t t2 --network none "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    # ENV, RUN and WORKDIR (steps 5-7) from the cache, COPY a.txt (step 8) and all after it not
    [ "$(sed -n '/^Step 8\//,$p' <<<"$output" | grep -c -- '---> Using cache')" -eq 0 ]
    [ "$(sed -n '/^Step 8\//q;p' <<<"$output" | grep -c -- '---> Using cache')" -eq 3 ]
    run cri run --rm --network none --entrypoint cat t2 /app/built.txt
    [ "$output" = " default-value hello world" ]
    # a changed file that .dockerignore leaves out changes nothing
    echo other >"$C/secret.txt"
    crb -t t2 --network none "$C"
    [ "$status" -eq 0 ]
    [[ $output != *"Running in"* ]]
}

@test "build: the same context with the same SOURCE_DATE_EPOCH gives one digest" {
    local a b c
    cp -a "$FIX/store" "$BATS_TEST_TMPDIR/store2"
    SOURCE_DATE_EPOCH=1700000000 crb -q --network none --no-cache "$C"
    [ "$status" -eq 0 ]
    a=$output
    touch "$C/a.txt" "$C/sub"   # new mtimes are clamped
    STORE=$BATS_TEST_TMPDIR/store2 SOURCE_DATE_EPOCH=1700000000 crb -q --network none --no-cache "$C"
    [ "$status" -eq 0 ]
    b=$output
    [[ $a == sha256:* && $a == "$b" ]]
    crb -q --network none --timestamp 1700000001 "$C"
    c=$output
    [[ $c == sha256:* && $c != "$a" ]]
    [ "$(jq -r .created "$STORE/blobs/sha256/${a#sha256:}")" = "2023-11-14T22:13:20Z" ]
}

@test "build: # escape=\`, COPY into a directory symlink (/lib -> usr/lib), a destination with a dot" {
    mkdir -p "$C/tree/lib"
    echo lib >"$C/tree/lib/x.so"
    cat >"$C/Dockerfile" <<EOF
# escape=\`
FROM $BASE
RUN mkdir -p /usr/lib && \`
    ln -s usr/lib /lib
COPY tree/ /
COPY ["a.txt", "/dst./"]
EOF
    crb -t esc --network none "$C"
    [ "$status" -eq 0 ]
    run cri run --rm --network none esc sh -c 'readlink /lib; cat /usr/lib/x.so /dst./a.txt'
    [ "$output" = "$(printf 'usr/lib\nlib\nhello')" ]
}

@test "build: ONBUILD triggers run right after FROM in the next build, and only there" {
    mkdir -p "$C/base" "$C/child"
    cat >"$C/base/Dockerfile" <<EOF
FROM $BASE
ONBUILD RUN dd if=/dev/zero of=/h1 bs=1000 count=5 2>/dev/null && ln /h1 /h2
onbuild ENV FROM_TRIGGER=yes
EOF
    crb -t obase --network none "$C/base"
    [ "$status" -eq 0 ]
    run config_of docker.io/library/obase:latest
    [ "$(jq -c .config.OnBuild <<<"$output")" = '["RUN dd if=/dev/zero of=/h1 bs=1000 count=5 2>/dev/null && ln /h1 /h2","ENV FROM_TRIGGER=yes"]' ]
    printf 'FROM obase\nRUN echo "$FROM_TRIGGER" >/env.txt\n' >"$C/child/Dockerfile"
    crb -t ochild --network none "$C/child"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Step 1/2 : FROM obase"*"# Executing 2 build triggers"*" ---> Running in "*"Step 2/2 : RUN"* ]]
    run cri run --rm --network none ochild sh -c 'cat /env.txt; stat -c %h /h2'
    [ "$output" = "$(printf 'yes\n2')" ]
    run config_of docker.io/library/ochild:latest
    [ "$(jq -c .config.OnBuild <<<"$output")" = null ]
    # history: the trigger's layer, its hard-linked file counted once
    run cri history --format json ochild
    [ "$(jq '.[] | select(.createdBy | startswith("/bin/sh -c dd")) | .size' <<<"$output")" -eq 5000 ]
    # the child does not pass the triggers on; a second build takes them from the cache
    printf 'FROM ochild\n' >"$C/Dockerfile"
    crb --network none "$C"
    [ "$status" -eq 0 ] && [[ $output != *"Executing"* ]]
    crb -t ochild --network none "$C/child"
    [ "$(grep -c -- '---> Using cache' <<<"$output")" -eq 3 ]
    # a failing trigger names the FROM line
    printf 'FROM %s\nONBUILD RUN exit 4\n' "$BASE" >"$C/base/Dockerfile"
    crb -t obase --network none "$C/base"
    printf 'ARG X\nFROM obase\n' >"$C/child/Dockerfile"
    crb --network none "$C/child"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"cr build: Dockerfile:2: FROM: ONBUILD RUN: the command '/bin/sh -c exit 4' returned a non-zero code: 4"* ]]
}

@test "build: quoted LABEL keys, EXPOSE ranges, variables in --chown and --chmod, MAINTAINER" {
    cat >"$C/Dockerfile" <<EOF
FROM $BASE
MAINTAINER Jane Doe <jane@example.invalid>
ARG U=1000 M=640
LABEL "multi word"="v 1" \\
      other=2
EXPOSE 7000-7002/UDP 80
COPY --chown=\${U}:\$U --chmod=\$M a.txt /a
EOF
    crb -t lbl --network none "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    run config_of docker.io/library/lbl:latest
    [ "$(jq -c '[.author, .config.Labels, .config.ExposedPorts]' <<<"$output")" = '["Jane Doe <jane@example.invalid>",{"cr.test.arch":"amd64","multi word":"v 1","other":"2"},{"7000/udp":{},"7001/udp":{},"7002/udp":{},"80/tcp":{}}]' ]
    run cri run --rm --network none lbl stat -c '%a %u %g' /a
    [ "$output" = "640 1000 1000" ]
}

# multi_registry: a registry ($REG) holding $REG/test/multi, an index of
# linux/amd64 and linux/arm64 (the same busybox layer, configs labelled
# with their arch)
multi_registry() {
    local o=$FIX/oci/multi l
    if [[ ! -f $o/index.json ]]; then
        oci_init "$o"
        l=$(oci_layer "$o" "$FIX/rootfs" gzip)
        oci_tag "$o" latest "$(oci_index "$o" "$(oci_manifest "$o" amd64 "" "$l")" "$(oci_manifest "$o" arm64 "" "$l")")"
    fi
    echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$FIX/policy.json"
    reg_start -e
    push multi test/multi --all
}

# arch_of NAME: os/architecture[/variant] and the arch label of image NAME's config
arch_of() { config_of "$1" | jq -r '"\(.os)/\(.architecture)\(if .variant then "/" + .variant else "" end) \(.config.Labels["cr.test.arch"])"'; }

@test "build: FROM --platform takes that platform's image of an index; the TARGET and BUILD ARGs; the result records it" {
    multi_registry
    # the registry listens in the host's network: RUN runs with --network none there
    crh() { run timeout 120 "$CR" --root "$CR_ROOT" --storage "$STORE" build --network none "$@" 3>&-; }
    cat >"$C/Dockerfile" <<EOF
FROM --platform=linux/arm64 $REG/test/multi AS arm
COPY a.txt /a.txt
FROM --platform=\$BUILDPLATFORM $REG/test/multi
ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH
COPY --from=arm /a.txt /
RUN echo "\$TARGETPLATFORM \$TARGETOS \$TARGETARCH [\$TARGETVARIANT] \$BUILDPLATFORM \$BUILDOS \$BUILDARCH" >/plat.txt
EOF
    crh -t plat "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Pulling $REG/test/multi for linux/arm64"* ]]
    run cri run --rm --network none plat cat /a.txt /plat.txt
    [ "$output" = "$(printf 'hello\nlinux/amd64 linux amd64 [] linux/amd64 linux amd64')" ]
    [ "$(arch_of docker.io/library/plat:latest)" = "linux/amd64 amd64" ]
    # again: each platform's image from the store (the index pulled holds both), every step cached
    crh -t plat "$C"
    [ "$status" -eq 0 ] && [[ $output != *Pulling* ]]
    [ "$(grep -c -- '---> Using cache' <<<"$output")" -eq 3 ]
    crh -t platarm --target arm "$C"
    [ "$status" -eq 0 ]
    [ "$(arch_of docker.io/library/platarm:latest)" = "linux/arm64 arm64" ]
    # --platform: the default of every FROM and the TARGET ARGs (usable in FROM); scratch too
    printf 'FROM scratch\nCOPY a.txt /\n' >"$C/Dockerfile"
    crh -t armv7 --platform linux/arm/v7 "$C"
    [ "$status" -eq 0 ]
    [ "$(arch_of docker.io/library/armv7:latest)" = "linux/arm/v7 null" ]
    printf 'ARG TARGETARCH\nFROM --platform=linux/$TARGETARCH %s\nARG TARGETPLATFORM TARGETVARIANT\nLABEL t=$TARGETPLATFORM v=$TARGETVARIANT\n' \
        "$REG/test/multi" >"$C/Dockerfile"
    crh -t arm64 --platform linux/arm64 "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(arch_of docker.io/library/arm64:latest)" = "linux/arm64 arm64" ]
    [ "$(config_of docker.io/library/arm64:latest | jq -c .config.Labels.t,.config.Labels.v)" = "$(printf '"linux/arm64"\n""')" ]
    # a platform the index lacks; a stage this machine cannot run
    printf 'FROM --platform=linux/s390x %s\n' "$REG/test/multi" >"$C/Dockerfile"
    crh "$C"
    [ "$status" -eq 1 ]
    [[ $output == *"Dockerfile:1: FROM: "*"no image for platform linux/s390x (the index has: linux/amd64, linux/arm64)"* ]]
    crh --platform linux "$C"
    [ "$status" -eq 1 ] && [[ $output == *'cr build: --platform: platform "linux": expected OS/ARCH[/VARIANT]'* ]]
    printf 'FROM %s\n' "$BASE" >"$C/Dockerfile"
    crh --platform linux/arm64 "$C"
    [ "$status" -eq 1 ] && [[ $output == *"cr build: Dockerfile:1: FROM: \"$BASE\" in the store is linux/amd64, not linux/arm64: pull "* ]]
    [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && skip "this machine runs arm64 programs (qemu through binfmt_misc)"
    printf 'FROM %s AS cross\nCOPY a.txt /\nRUN true\n' "$REG/test/multi" >"$C/Dockerfile"
    crh --platform linux/arm64 "$C"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"cr build: Dockerfile:3: RUN: stage cross is linux/arm64: this machine (linux/amd64) cannot run its programs"* ]]
}

@test "build: the cache key holds cr's version: a step another version cached is built again" {
    printf 'FROM %s\nRUN echo one >/one\nCOPY a.txt /\n' "$BASE" >"$C/Dockerfile"
    crb -t ver --network none "$C"
    [ "$status" -eq 0 ]
    CR_TEST_BUILD_VERSION=99.0.0 crb -t ver --network none "$C"
    [ "$status" -eq 0 ]
    [[ $output == *"Running in"* && $output != *"Using cache"* ]]
    CR_TEST_BUILD_VERSION=99.0.0 crb -t ver --network none "$C"
    [ "$(grep -c -- '---> Using cache' <<<"$output")" -eq 2 ]
}

@test "run: an image whose ExposedPorts holds a range (as podman writes) runs; -P publishes each port" {
    oci_image "$BATS_TEST_TMPDIR/ranged" "$FIX/rootfs" '{Cmd: ["sleep", "100"], ExposedPorts: {"8000-8002/tcp": {}, "53/udp": {}}}'
    run -0 cri pull -q "oci:$BATS_TEST_TMPDIR/ranged:latest"
    run -0 cri run -d --name "${N}r" -P localhost/ranged
    run -0 cri inspect "${N}r"
    [ "$(jq -c '.[0] // . | .HostConfig.PortBindings | keys' <<<"$output")" = '["53/udp","8000/tcp","8001/tcp","8002/tcp"]' ]
    run -0 cri rm -f "${N}r"
    run -0 cri run --rm --network none --expose 9000-9001/udp localhost/ranged true
    run cri run --rm --network none --expose 9001-9000 localhost/ranged true
    [ "$status" -eq 125 ]
    [[ $output == *'--expose "9001-9000": expected PORT[-PORT][/tcp|/udp]'* ]]
}

# fails_with MESSAGE LINE... : a Dockerfile of FROM $BASE and LINEs fails
# the build (exit status 1) with MESSAGE on stderr
fails_with() {
    local want=$1
    shift
    printf 'FROM %s\n' "$BASE" >"$C/Dockerfile"
    printf '%s\n' "$@" >>"$C/Dockerfile"
    crb --network none "$C"
    echo "$output"
    [ "$status" -eq 1 ] && [[ $output == *"cr build: $want"* ]]
}

@test "build: errors name the Dockerfile line; nothing is left behind" {
    fails_with "Dockerfile:4: RUN: the command '/bin/sh -c exit 3' returned a non-zero code: 3" 'RUN true' '' 'RUN exit 3'
    fails_with "Dockerfile:3: unknown instruction: FORM" '# c' 'FORM x'
    fails_with 'Dockerfile:2: COPY: "secret.txt": not found in the build context (or excluded by .dockerignore)' 'COPY secret.txt /x'
    fails_with "Dockerfile:2: SHELL requires the arguments to be in JSON form" 'SHELL /bin/sh'
    fails_with 'Dockerfile:2: ADD: "https://example.invalid/x": remote sources are not supported' 'ADD https://example.invalid/x /x'
    fails_with "Dockerfile:2: COPY: unknown flag: --nope" 'COPY --nope a.txt /x'
    fails_with "Dockerfile:3: ONBUILD: Chaining ONBUILD via \`ONBUILD ONBUILD\` isn't allowed" 'RUN true' 'ONBUILD ONBUILD RUN true'
    fails_with "Dockerfile:2: ONBUILD: FROM isn't allowed as an ONBUILD trigger" 'onbuild from scratch'
    fails_with "Dockerfile:2: ONBUILD: MAINTAINER isn't allowed as an ONBUILD trigger" 'ONBUILD maintainer me'
    fails_with "Dockerfile:3: COPY: variable expansion is not supported for --from" 'ARG S=0' 'COPY --from=$S /x /y'
    printf 'FROM %s\nCOPY \\\n  nope /x\n' "$BASE" >"$C/other"
    crb -f "$C/other" "$C"
    [ "$status" -eq 1 ]
    [[ $output == *'cr build: other:2: COPY: "nope": not found in the build context'* ]]
    ls "$STORE/containers" "$STORE/tmp"
    [ -z "$(ls "$STORE/containers")" ]
    [ -z "$(ls "$STORE/tmp" | grep -v '^@\|\.lock$')" ]
    [ -z "$(grep -F "$STORE" /proc/self/mountinfo)" ]
}

@test "commit, tag, history, import" {
    local id
    run cri run --name "${N}c" --network none "$BASE" sh -c 'echo committed >/new; rm /etc/removeme'
    [ "$status" -eq 0 ]
    run cri commit -m "my change" "${N}c" localhost/committed:1
    [ "$status" -eq 0 ]
    [[ $output == sha256:* ]]
    run cri run --rm --network none localhost/committed:1 sh -c 'cat /new; ls /etc/removeme 2>&1; cat /etc/hosts | wc -c'
    [[ ${lines[0]} == committed && ${lines[1]} == *"No such file"* ]]
    run cri tag localhost/committed:1 other:2
    [ "$status" -eq 0 ]
    run cri images
    [[ $output == *"docker.io/library/other"*"2"* ]]
    run cri history other:2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "IMAGE"*"CREATED"*"CREATED BY"*"SIZE"*"COMMENT" ]]
    [[ ${lines[1]} == *"sh -c echo committed >/new; rm /etc/removeme"*" 10B "*"my change" ]]
    [ "${#lines[@]}" -eq 3 ]
    [[ ${lines[2]} == "<missing>"* ]]
    # SIZE is what each layer holds unpacked, as Docker counts it: the bytes
    # of its files and symlinks, a hard-linked file once, directories none
    local want
    want=$(find "$FIX/rootfs" ! -type d -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')
    run cri history --format json other:2
    [ "$(jq -c '[.[].size]' <<<"$output")" = "[10,$want]" ]
    tar -C "$FIX/rootfs" -c . | cri import - localhost/imported >"$BATS_TEST_TMPDIR/id"
    run cri run --rm --network none localhost/imported /bin/busybox echo imported
    [ "$output" = imported ]
    run cri history --format json localhost/imported
    [ "$(jq -r '.[0].comment' <<<"$output")" = "Imported from -" ]
    run cri tag nothere x
    [ "$status" -eq 1 ]
    [[ $output == *'image "nothere": not in the store'* ]]
}

# ---- podman build on the same Dockerfile ----

pm() { podman --root "$PM/root" --runroot "$PM/runroot" --runtime runc --cgroup-manager cgroupfs "$@"; }

@test "build: what podman build makes of the same Dockerfile, cr makes too" {
    command -v podman >/dev/null && command -v runc >/dev/null || skip "podman and runc are not installed"
    PM=$BATS_TEST_TMPDIR/pm
    mkdir -p "$PM/tmp" "$PM/net"
    printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\ntmp_dir = "%s/tmp"\n[network]\nnetwork_config_dir = "%s/net"\n' \
        "$PM" "$PM" "$PM" >"$PM/containers.conf"
    printf '[storage]\ndriver = "vfs"\nrunroot = "%s/runroot"\ngraphroot = "%s/root"\n' "$PM" "$PM" >"$PM/storage.conf"
    export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf
    tar -C "$FIX/rootfs" -c . | pm import - "$BASE" >/dev/null
    run timeout 300 podman --root "$PM/root" --runroot "$PM/runroot" --runtime runc --cgroup-manager cgroupfs build \
        --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --format docker --build-arg MSG=m -t pmt "$C"
    echo "$output"
    [ "$status" -eq 0 ]
    crb -t crt --build-arg MSG=m --network none "$C"
    [ "$status" -eq 0 ]
    # the same files
    local script='cat /app/built.txt /app/list /app/shell.txt; ls /app/unpacked/deep; ls -a /etc/removeme'
    p=$(pm run --rm --network none pmt "$script" 2>&1 | grep -v level=error)
    run cri run --rm --network none crt "$script"
    diff <(echo "$p") <(echo "$output")
    # the same config, but for what buildah adds of its own
    pm image inspect --format '{{json .Config}}' pmt |
        jq -cS '{User, ExposedPorts, Volumes, WorkingDir, StopSignal, Entrypoint, Cmd, Labels: (.Labels | del(."io.buildah.version"))}' >"$BATS_TEST_TMPDIR/pm.json"
    config_of docker.io/library/crt:latest |
        jq -cS '.config | {User, ExposedPorts, Volumes, WorkingDir, StopSignal, Entrypoint, Cmd, Labels: (.Labels | del(."cr.test.arch"))}' >"$BATS_TEST_TMPDIR/cr.json"
    diff "$BATS_TEST_TMPDIR/pm.json" "$BATS_TEST_TMPDIR/cr.json"
    pm rmi -a -f >/dev/null 2>&1 || true
}
