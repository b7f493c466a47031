// cr-test: libs=-lzstd -lz -lbearssl
/* libFuzzer target for the unpack section:
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_tar.c -lzstd -lz -lbearssl
   The first byte picks the options and the path in, the rest is the layer:
     bit 0  whiteouts CR_UNPACK_APPLY (else overlay)
     bit 1  rootless
     bit 2  max_size 64 KiB (else 8 MiB: a zstd bomb must not fill the disk)
     bit 3  the cr__tar_* push parser directly, in chunks of sizes[byte >> 4 & 7]
            (else cr_unpack_layer on a memfd: gzip and zstd are sniffed there)
     bit 7  leave header checksums alone; else, unless the layer starts
            with a gzip or zstd magic, they are recomputed along a walk of
            the headers, so that mutations get past the checksum test
   Every run unpacks into a fresh jail/w/root (as root this creates devices,
   sets owners and trusted.* xattrs). As root the jail is a tmpfs in a
   private mount namespace: ext4 spends most of a run on unlink. Afterwards jail must hold only
   "sentinel" and "w", w only "root", and sentinel only the empty, singly
   linked file "keep": an entry that escaped the root by a symlink, a ".."
   or a hard link would show there (or in keep's link count). The root is
   then removed with cr__rm_rf, which must succeed. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* unpack needs zlib, zstd and BearSSL, not libseccomp */
#include "cr.h"
#include "fuzz_tar_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char jail[64];
static int jailfd = -1, wfd = -1;

static void cleanup(void) {
    int fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
    umount2(jail, MNT_DETACH);
    if (fd >= 0) cr__rm_rf(fd, jail + 5);
    if (fd >= 0) close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    snprintf(jail, sizeof jail, "/tmp/cr_fuzz_tar.XXXXXX");
    if (!mkdtemp(jail)) { perror("mkdtemp"); abort(); }
    atexit(cleanup);
    if (!unshare(CLONE_NEWNS) && !mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
        mount("cr_fuzz_tar", jail, "tmpfs", 0, "mode=0700");
    jailfd = open(jail, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (jailfd < 0 || mkdirat(jailfd, "sentinel", 0755) < 0 || mkdirat(jailfd, "w", 0755) < 0) abort();
    close(openat(jailfd, "sentinel/keep", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    wfd = openat(jailfd, "w", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (wfd < 0) abort();
    return 0;
}

/* The names in directory fd, sorted into one string, must be want. */
static void expect_names(int fd, const char *want) {
    char got[256] = "";
    struct dirent *de;
    int n = 0, dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) abort();
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (++n > 2 || strlen(got) + strlen(de->d_name) + 2 > sizeof got) { fprintf(stderr, "extra entry %s\n", de->d_name); abort(); }
        /* two names at most: keep them in order */
        if (got[0] && strcmp(de->d_name, got) < 0) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%s %s", de->d_name, got);
            strcpy(got, tmp);
        } else {
            if (got[0]) strcat(got, " ");
            strcat(got, de->d_name);
        }
    }
    closedir(d);
    if (strcmp(got, want)) { fprintf(stderr, "escape: found \"%s\", want \"%s\"\n", got, want); abort(); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const size_t sizes[8] = { 1, 7, 511, 512, 513, 1536, 4097, 1 << 20 };
    cr_unpack_opts o = {0};
    cr_err err = {0};
    struct stat st;
    int rootfd;
    uint8_t flags, *copy;
    if (!size) return 0;
    flags = data[0];
    data++, size--;
    copy = (uint8_t *)malloc(size + 1);
    if (!copy) abort();
    memcpy(copy, data, size);
    if (!(flags & 0x80) && !(size >= 2 && copy[0] == 0x1f && copy[1] == 0x8b) &&
        !(size >= 4 && !memcmp(copy, "\x28\xb5\x2f\xfd", 4)))
        fix_checksums(copy, size);
    data = copy;
    o.whiteouts = flags & 1 ? CR_UNPACK_APPLY : CR_UNPACK_OVERLAY;
    o.rootless = !!(flags & 2);
    o.max_size = flags & 4 ? 65536 : 8 << 20;
    if (mkdirat(wfd, "root", 0755) < 0) abort();
    rootfd = openat(wfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) abort();
    if (flags & 8) {
        size_t chunk = sizes[flags >> 4 & 7], off;
        cr__tar t;
        int r = 0;
        cr__tar_init(&t, rootfd, &o);
        for (off = 0; off < size && r >= 0; off += chunk)
            r = cr__tar_feed(&t, data + off, size - off < chunk ? size - off : chunk, &err);
        if (r >= 0) r = cr__tar_finish(&t, &err);
        if (r < 0 && (!err.code || !err.msg[0])) abort();   /* every failure explains itself */
        cr__tar_free(&t);
    } else {
        int fd = (int)syscall(SYS_memfd_create, "layer", MFD_CLOEXEC);
        char diff[CR_SHA256_DIGEST_MAX];
        if (fd < 0 || cr__write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0) abort();
        if (cr_unpack_layer(fd, rootfd, &o, diff, &err) < 0) {
            if (!err.code || !err.msg[0]) abort();
        } else if (strncmp(diff, "sha256:", 7) || strlen(diff) != 71) {
            abort();
        }
        close(fd);
    }
    close(rootfd);
    free(copy);
    expect_names(jailfd, "sentinel w");
    expect_names(wfd, "root");
    {
        int s = openat(jailfd, "sentinel", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s < 0) abort();
        expect_names(s, "keep");
        if (fstatat(s, "keep", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || st.st_size || st.st_nlink != 1) {
            fprintf(stderr, "escape: sentinel/keep changed\n");
            abort();
        }
        close(s);
    }
    if (cr__rm_rf(wfd, "root") < 0) { perror("rmtree"); abort(); }
    return 0;
}
