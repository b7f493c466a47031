// cr-test: timeout=60
/* Unit tests of path resolution inside a container root (cr__open_in_root,
   which is openat2(RESOLVE_IN_ROOT) where the kernel has it, and its
   component walk fallback, tested on its own): "..", relative symlinks
   that climb and absolute symlinks all stay inside the root, files are
   created inside it, a symlink loop is ELOOP and a missing component
   ENOENT. The root is a temp dir with a file of the same name beside it,
   so an escape would read "outside". No privileges. TAP. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* path resolution needs libc only */
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64], root[96];
static int rootfd = -1;

static int walk(int dirfd, const char *path, int flags, mode_t mode) {
    return cr__open_in_root_walk(dirfd, path, flags, mode, 0);
}

/* base/
     secret            "outside"
     root/secret       "inside"
     root/etc/secret   "inside etc"
     root/tmp/
     root/a/b/         a/b/up -> ../../../.. ; a/b/root -> /
     root/abs -> /etc ; root/tmpdir -> /tmp ; root/dots -> ../../secret
     root/loop1 -> loop2 -> loop1 ; root/self -> self                    */
static int put(int dirfd, const char *name, const char *text) {
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ssize_t n;
    if (fd < 0) return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int make_tree(void) {
    static const char *const dirs[] = { "etc", "tmp", "a", "a/b" };
    static const struct { const char *target, *name; } links[] = {
        { "../../../..", "a/b/up" }, { "/", "a/b/root" }, { "/etc", "abs" }, { "/tmp", "tmpdir" },
        { "../../secret", "dots" }, { "loop2", "loop1" }, { "loop1", "loop2" }, { "self", "self" },
    };
    static const struct { const char *name, *text; } files[] = {
        { "secret", "inside" }, { "etc/secret", "inside etc" },
    };
    size_t i;
    int basefd;
    snprintf(base, sizeof base, "/tmp/cr-path-XXXXXX");
    if (!mkdtemp(base)) return -1;
    snprintf(root, sizeof root, "%s/root", base);
    if (mkdir(root, 0755) < 0 || (basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return -1;
    if (put(basefd, "secret", "outside") < 0) { close(basefd); return -1; }
    close(basefd);
    if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return -1;
    for (i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if (mkdirat(rootfd, dirs[i], 0755) < 0) return -1;
    for (i = 0; i < sizeof links / sizeof *links; i++)
        if (symlinkat(links[i].target, rootfd, links[i].name) < 0) return -1;
    for (i = 0; i < sizeof files / sizeof *files; i++)
        if (put(rootfd, files[i].name, files[i].text) < 0) return -1;
    return 0;
}

/* What the fd holds, or "<errno name>" when open failed. */
static const char *contents(int fd, int open_errno) {
    static char buf[64];
    ssize_t n;
    if (fd < 0) { snprintf(buf, sizeof buf, "<%s>", strerror(open_errno)); return buf; }
    n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    close(fd);
    return buf;
}

/* Every path, opened read-only inside the root, reads want. */
static const struct { const char *path, *want; } reads[] = {
    { "secret", "inside" },
    { "/secret", "inside" },
    { "../secret", "inside" },
    { "../../../../secret", "inside" },
    { "a/b/../../secret", "inside" },
    { "a/../../a/b/../../etc/secret", "inside etc" },
    { "a/b/up/secret", "inside" },
    { "a/b/up/etc/secret", "inside etc" },
    { "a/b/root/secret", "inside" },
    { "abs/secret", "inside etc" },
    { "abs/../secret", "inside" },
    { "dots", "inside" },
    { "./etc/./secret", "inside etc" },
    { "loop1", "<Too many levels of symbolic links>" },
    { "loop2/secret", "<Too many levels of symbolic links>" },
    { "self", "<Too many levels of symbolic links>" },
    { "missing", "<No such file or directory>" },
    { "missing/secret", "<No such file or directory>" },
    { "a/missing/../secret", "<No such file or directory>" },
    { "etc/secret/x", "<Not a directory>" },
};

static void check_reads(int (*open_fn)(int, const char *, int, mode_t)) {
    size_t i;
    for (i = 0; i < sizeof reads / sizeof *reads; i++) {
        int fd = open_fn(rootfd, reads[i].path, O_RDONLY, 0);
        const char *got = contents(fd, errno);
        if (strcmp(got, reads[i].want)) TAP_FAIL("\"%s\" gives \"%s\", want \"%s\"", reads[i].path, got, reads[i].want);
    }
}

/* O_CREAT through an absolute symlink and through "..": the file is made in the root. */
static void check_creates(int (*open_fn)(int, const char *, int, mode_t)) {
    static const char *const paths[] = { "tmpdir/cr-path-test-made", "../../tmp/cr-path-test-made" };
    char host[128];
    struct stat sb;
    size_t i;
    snprintf(host, sizeof host, "/tmp/cr-path-test-made");
    for (i = 0; i < sizeof paths / sizeof *paths; i++) {
        int fd = open_fn(rootfd, paths[i], O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) { TAP_FAIL("create %s: %s", paths[i], strerror(errno)); continue; }
        close(fd);
        CHECK(fstatat(rootfd, "tmp/cr-path-test-made", &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode));
        if (lstat(host, &sb) == 0) { TAP_FAIL("%s was made outside the root", host); unlink(host); }
        CHECK(unlinkat(rootfd, "tmp/cr-path-test-made", 0) == 0);
    }
}

static void t_open_in_root(void) {
    check_reads(cr__open_in_root);
    check_creates(cr__open_in_root);
}

static void t_walk(void) {
    check_reads(walk);
    check_creates(walk);
}

/* O_NOFOLLOW on the last component opens the link itself, with O_PATH. */
static void t_nofollow(void) {
    struct stat sb;
    int fd = walk(rootfd, "a/b/root", O_PATH | O_NOFOLLOW, 0);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode));
    if (fd >= 0) close(fd);
    fd = cr__open_in_root(rootfd, "a/b/root", O_PATH | O_NOFOLLOW, 0);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode));
    if (fd >= 0) close(fd);
    fd = cr__open_in_root(rootfd, "abs", O_RDONLY | O_NOFOLLOW, 0);
    CHECK(fd < 0 && errno == ELOOP);
    if (fd >= 0) close(fd);
}

static const tap_test tests[] = {
    { "cr__open_in_root: .., climbing and absolute symlinks stay inside; loops ELOOP, missing ENOENT", t_open_in_root },
    { "the fallback walk resolves the same way", t_walk },
    { "O_NOFOLLOW: the last symlink is not followed", t_nofollow },
};

int main(void) {
    int status;
    if (make_tree() < 0) {
        int e = errno;
        if (base[0]) cr__rm_rf(AT_FDCWD, base);
        return tap_bail("making the tree in %s: %s", base, strerror(e));
    }
    status = TAP_RUN_ALL(tests);
    close(rootfd);
    cr__rm_rf(AT_FDCWD, base);
    return status;
}
