// cr-test: libs=-lzstd -lz -lbearssl
/* Unit tests of the unpack section (cr_unpack_layer and the cr__tar_* push
   parser). Archives are built in memory by a small tar writer below (ustar,
   PAX, GNU long names, base-256 numbers), compressed with zlib and zstd
   where a test wants it, and unpacked into temp dirs. Each attack test
   keeps a sentinel directory beside the layer root and checks that it is
   untouched and that the error names the entry. Ownership, devices and
   trusted./security. xattrs need root: without it the layer is unpacked
   rootless and those checks are skipped. TAP output. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* unpack needs zlib, zstd and BearSSL, not libseccomp */
#include "cr.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <zlib.h>
#include <zstd.h>
#include <bearssl.h>

static int is_root;

/* ---- a tiny tar writer ---- */

typedef struct ent {
    const char *name;
    char type;                 /* '0' file (default), '1' hard link, '2' symlink, '3' chr, '5' dir, '6' fifo,
                                  'N' a NUL typeflag, anything else as is */
    unsigned mode;
    unsigned long long uid, gid;
    long long mtime;
    const char *link;
    const char *data;          /* file contents (size = strlen unless len) */
    size_t len;
    unsigned maj, min;
    const char *pax[8];        /* extra PAX records "key=value" (value up to the end of the string) */
    int gnu;                   /* long name / link as GNU 'L' / 'K' instead of PAX */
    long long size_field;      /* when nonzero: the header's size field says this instead */
    int b256;                  /* uid, gid and mtime in base-256 */
    int ustar_prefix;          /* split a long name into prefix/name */
} ent;

static void put_oct(uint8_t *f, size_t n, unsigned long long v) {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%0*llo", (int)n - 1, v);
    memcpy(f, tmp, n - 1);
    f[n - 1] = 0;
}

static void put_b256(uint8_t *f, size_t n, long long v) {
    size_t i;
    long long u = v;
    for (i = n; i-- > 0;) { f[i] = (uint8_t)(u & 0xff); u >>= 8; }   /* arithmetic shift: sign bytes */
    f[0] = v < 0 ? 0xff : 0x80;
}

static void block(cr_buf *b, const void *p, size_t n) {
    static const char zero[512];
    cr_buf_add(b, p, n);
    if (n % 512) cr_buf_add(b, zero, 512 - n % 512);
}

static void header(cr_buf *b, const char *name, char type, unsigned mode, unsigned long long uid, unsigned long long gid,
                   unsigned long long size, long long mtime, const char *link, unsigned maj, unsigned min, int b256,
                   const char *prefix) {
    uint8_t h[512];
    unsigned sum = 0;
    size_t i;
    memset(h, 0, sizeof h);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    put_oct(h + 100, 8, mode);
    if (b256) { put_b256(h + 108, 8, (long long)uid); put_b256(h + 116, 8, (long long)gid); put_b256(h + 136, 12, mtime); }
    else { put_oct(h + 108, 8, uid); put_oct(h + 116, 8, gid); put_oct(h + 136, 12, (unsigned long long)mtime); }
    put_oct(h + 124, 12, size);
    h[156] = (uint8_t)type;
    if (link) memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257, "ustar\0" "00", 8);
    memcpy(h + 265, "root", 4);
    memcpy(h + 297, "root", 4);
    put_oct(h + 329, 8, maj);
    put_oct(h + 337, 8, min);
    if (prefix) memcpy(h + 345, prefix, strlen(prefix));
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    block(b, h, 512);
}

/* "LEN key=value\n" where LEN counts itself. */
static void pax_rec(cr_buf *b, const char *key, const char *val, size_t vlen) {
    size_t body = strlen(key) + vlen + 3, len = body + 1;   /* ' ', '=' and '\n' */
    char num[32];
    while ((size_t)snprintf(num, sizeof num, "%zu", len) + body != len) len = strlen(num) + body;
    snprintf(num, sizeof num, "%zu ", len);
    cr_buf_puts(b, num);
    cr_buf_puts(b, key);
    cr_buf_putc(b, '=');
    cr_buf_add(b, val, vlen);
    cr_buf_putc(b, '\n');
}

static void add(cr_buf *b, const ent *e) {
    char type = !e->type ? '0' : e->type == 'N' ? 0 : e->type;
    size_t dlen = e->data ? (e->len ? e->len : strlen(e->data)) : 0, i;
    const char *name = e->name, *link = e->link;
    char prefix[160] = "", shortname[101];
    cr_buf pax = {0};
    if (e->ustar_prefix && strlen(name) > 100) {
        const char *cut = strchr(name + strlen(name) - 100, '/');
        snprintf(prefix, sizeof prefix, "%.*s", (int)(cut - name), name);
        snprintf(shortname, sizeof shortname, "%s", cut + 1);
        name = shortname;
    }
    if (strlen(name) > 100 && e->gnu) {
        header(b, "././@LongLink", 'L', 0, 0, 0, strlen(name) + 1, 0, NULL, 0, 0, 0, NULL);
        block(b, name, strlen(name) + 1);
    } else if (strlen(name) > 100) pax_rec(&pax, "path", name, strlen(name));
    if (link && strlen(link) > 100 && e->gnu) {
        header(b, "././@LongLink", 'K', 0, 0, 0, strlen(link) + 1, 0, NULL, 0, 0, 0, NULL);
        block(b, link, strlen(link) + 1);
    } else if (link && strlen(link) > 100) pax_rec(&pax, "linkpath", link, strlen(link));
    for (i = 0; i < 8 && e->pax[i]; i++) {
        const char *eq = strchr(e->pax[i], '=');
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - e->pax[i]), e->pax[i]);
        pax_rec(&pax, key, eq + 1, strlen(eq + 1));
    }
    if (pax.len) {
        header(b, "PaxHeaders/x", 'x', 0644, 0, 0, pax.len, 0, NULL, 0, 0, 0, NULL);
        block(b, pax.data, pax.len);
    }
    cr_buf_free(&pax);
    header(b, name, type, e->mode ? e->mode : (type == '5' ? 0755 : 0644), e->uid, e->gid,
           e->size_field ? (unsigned long long)e->size_field : dlen, e->mtime ? e->mtime : 1600000000, link,
           e->maj, e->min, e->b256, prefix[0] ? prefix : NULL);
    if (dlen) block(b, e->data, dlen);
}

static void finish(cr_buf *b) {
    static const char zero[1024];
    cr_buf_add(b, zero, sizeof zero);
}

static void build(cr_buf *b, const ent *es, size_t n) {
    size_t i;
    memset(b, 0, sizeof *b);
    for (i = 0; i < n; i++) add(b, &es[i]);
    finish(b);
}

/* ---- temp dirs: base/{root,outside/keep} ---- */

static char base[256];
static int rootfd = -1;

static void rm_rf(const char *path) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return;
    close(fd);
    {
        char *slash = strrchr(path, '/');
        char dir[256];
        int dfd;
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) { cr__rm_rf(dfd, slash + 1); close(dfd); }
    }
}

/* base/outside, the sentinel dir, as an absolute symlink target */
static char outside[300];

static void fresh(void) {
    char p[300];
    if (rootfd >= 0) close(rootfd);
    if (base[0]) rm_rf(base);
    snprintf(base, sizeof base, "/tmp/unpack_test.XXXXXX");
    if (!mkdtemp(base)) { perror("mkdtemp"); exit(2); }
    snprintf(p, sizeof p, "%s/root", base);
    mkdir(p, 0755);
    rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    snprintf(outside, sizeof outside, "%s/outside", base);
    mkdir(outside, 0755);
    snprintf(p, sizeof p, "%s/outside/keep", base);
    close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

/* The sentinel dir holds exactly "keep", unlinked elsewhere, and base holds
   exactly root and outside. */
static void sentinel_ok(int line) {
    char p[300];
    struct dirent *de;
    struct stat st;
    int n = 0;
    DIR *d;
    snprintf(p, sizeof p, "%s/outside", base);
    d = opendir(p);
    while (d && (de = readdir(d))) if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    if (d) closedir(d);
    snprintf(p, sizeof p, "%s/outside/keep", base);
    if (n != 1 || stat(p, &st) < 0 || st.st_nlink != 1 || st.st_size != 0) tap_fail_at(__FILE__, line, "the sentinel dir changed");
    n = 0;
    d = opendir(base);
    while (d && (de = readdir(d))) if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    if (d) closedir(d);
    if (n != 2) tap_fail_at(__FILE__, line, "something appeared beside the layer root");
}

static int memfd_of(const void *p, size_t n) {
    int fd = (int)syscall(SYS_memfd_create, "layer", MFD_CLOEXEC);
    if (fd < 0 || cr__write_all(fd, p, n) < 0 || lseek(fd, 0, SEEK_SET) < 0) { perror("memfd"); exit(2); }
    return fd;
}

static int unpack_opts(const void *p, size_t n, const cr_unpack_opts *o, char *diff, cr_err *err) {
    int fd = memfd_of(p, n), r;
    cr_unpack_opts def = {0};
    if (!o) { def.rootless = !is_root; o = &def; }
    memset(err, 0, sizeof *err);
    r = cr_unpack_layer(fd, rootfd, o, diff, err);
    close(fd);
    return r;
}

static int unpack(const cr_buf *b, cr_err *err) {
    char diff[CR_SHA256_DIGEST_MAX];
    return unpack_opts(b->data, b->len, NULL, diff, err);
}

#define OK_UNPACK(b) do { cr_err e_; if (unpack(b, &e_) < 0) tap_fail_at(__FILE__, __LINE__, "unpack failed: %s", e_.msg); } while (0)
/* must fail with a message that contains want (and nothing may leak out) */
static void bad_(const cr_buf *b, const char *want, int line) {
    cr_err e;
    if (unpack(b, &e) >= 0) tap_fail_at(__FILE__, line, "unpack succeeded, wanted an error with '%s'", want);
    else if (!strstr(e.msg, want)) tap_fail_at(__FILE__, line, "error '%s' lacks '%s'", e.msg, want);
    sentinel_ok(line);
}
#define BAD(b, want) bad_(b, want, __LINE__)

static int lst(const char *path, struct stat *st) { return fstatat(rootfd, path, st, AT_SYMLINK_NOFOLLOW); }

static char *slurp(const char *path) {
    static char buf[4096];
    int fd = openat(rootfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    buf[n < 0 ? 0 : n] = 0;
    return n < 0 ? NULL : buf;
}

static ssize_t getx(const char *path, const char *name, char *val, size_t n) {
    char p[512];
    snprintf(p, sizeof p, "%s/root/%s", base, path);
    return lgetxattr(p, name, val, n);
}

static void sha_hex(const void *p, size_t n, char out[CR_SHA256_DIGEST_MAX]) {
    br_sha256_context c;
    uint8_t h[32];
    int i;
    br_sha256_init(&c);
    br_sha256_update(&c, p, n);
    br_sha256_out(&c, h);
    strcpy(out, "sha256:");
    for (i = 0; i < 32; i++) sprintf(out + 7 + 2 * i, "%02x", h[i]);
}

/* A sorted listing of the tree (type, mode, owner, size, mtime of non-dirs,
   link target, contents digest) to compare two unpacks. */
static void listing(int dfd, const char *rel, cr_buf *out) {
    struct dirent **names;
    int n, i, fd = openat(dfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char p[PATH_MAX];
    if (fd < 0) return;
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    n = scandir(p, &names, NULL, alphasort);
    for (i = 0; i < n; i++) {
        struct stat st;
        char sub[PATH_MAX], lnk[PATH_MAX] = "";
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]->d_name);
            fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW);
            if (S_ISLNK(st.st_mode)) { ssize_t k = readlinkat(dfd, sub, lnk, sizeof lnk - 1); lnk[k < 0 ? 0 : k] = 0; }
            cr_buf_printf(out, "%s %o %u:%u %lld %lld %s\n", sub, (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid,
                          S_ISREG(st.st_mode) ? (long long)st.st_size : 0LL, (long long)st.st_mtime, lnk);
            if (S_ISDIR(st.st_mode)) listing(dfd, sub, out);
        }
        free(names[i]);
    }
    if (n >= 0) free(names);
    close(fd);
}

/* ---- compression ---- */

static void gzip_members(const cr_buf *in, size_t cut, cr_buf *out) {
    size_t parts[2][2] = {{0, cut}, {cut, in->len - cut}};
    int i;
    memset(out, 0, sizeof *out);
    for (i = 0; i < 2; i++) {
        z_stream z;
        uint8_t buf[1 << 16];
        memset(&z, 0, sizeof z);
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (Bytef *)in->data + parts[i][0];
        z.avail_in = (uInt)parts[i][1];
        for (;;) {
            int r;
            z.next_out = buf; z.avail_out = sizeof buf;
            r = deflate(&z, Z_FINISH);
            cr_buf_add(out, buf, sizeof buf - z.avail_out);
            if (r == Z_STREAM_END) break;
        }
        deflateEnd(&z);
    }
}

/* Two frames, with checksums so that a corrupted byte is always noticed. */
static void zstd_frames(const cr_buf *in, size_t cut, cr_buf *out) {
    size_t cap = ZSTD_compressBound(in->len) * 2 + 64, a, b;
    char *buf = malloc(cap);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
    a = ZSTD_compress2(c, buf, cap, in->data, cut);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 19);
    b = ZSTD_compress2(c, buf + a, cap - a, in->data + cut, in->len - cut);
    ZSTD_freeCCtx(c);
    memset(out, 0, sizeof *out);
    cr_buf_add(out, buf, a + b);
    free(buf);
}

/* ---- tests ---- */

/* VFS_CAP_REVISION_2, permitted = CAP_NET_BIND_SERVICE (bit 10); base64 AAAAAgAEAAAAAAAAAAAAAAAAAAA */
static const char capv2[20] = { 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00 };

static void t_kinds(void) {
    char v[64], diff[CR_SHA256_DIGEST_MAX], want[CR_SHA256_DIGEST_MAX];
    ent es[] = {
        { .name = "etc/", .type = '5', .mode = 0750, .uid = 3, .gid = 4, .mtime = 1000000000 },
        { .name = "etc/hosts", .data = "127.0.0.1 localhost\n", .mode = 0640, .uid = 5, .gid = 6, .mtime = 1100000000 },
        { .name = "bin/", .type = '5' },
        { .name = "bin/su", .data = "#!/bin/sh\n", .mode = 04755, .uid = 1000, .gid = 1000 },
        { .name = "bin/sg", .data = "x", .mode = 02711, .uid = 0, .gid = 42 },
        { .name = "bin/ping", .data = "ping", .mode = 0755, .uid = 9, .pax = { "SCHILY.xattr.user.note=hello",
          "LIBARCHIVE.xattr.user.b64=aGk", "LIBARCHIVE.xattr.security.capability=AAAAAgAEAAAAAAAAAAAAAAAAAAA" } },
        { .name = "bin/sh", .type = '2', .link = "/bin/busybox", .uid = 7, .gid = 8, .mtime = 1200000000 },
        { .name = "bin/hl", .type = '1', .link = "bin/su" },
        { .name = "./run/fifo", .type = '6', .mode = 0620 },
        { .name = "dev/null", .type = '3', .mode = 0666, .maj = 1, .min = 3 },
        { .name = "dev/sda", .type = '4', .mode = 0660, .maj = 8, .min = 0 },
        { .name = "/abs/file", .data = "abs" },
        { .name = "big/", .type = '5', .uid = 2097152 + 5, .gid = 3000000, .mtime = -86400, .b256 = 1 },
        { .name = "old/dir/", .type = 'N', .mode = 0700 },
        { .name = "pax", .data = "p", .pax = { "mtime=1234567890.5", "uid=70000", "gid=70001", "atime=1.0", "hdrcharset=BINARY" } },
    };
    cr_buf b;
    cr_err e;
    struct stat st;
    fresh();
    build(&b, es, sizeof es / sizeof *es);
    if (unpack_opts(b.data, b.len, NULL, diff, &e) < 0) { TAP_FAIL("unpack: %s", e.msg); cr_buf_free(&b); return; }
    sha_hex(b.data, b.len, want);
    CHECK(!strcmp(diff, want));
    CHECK(!lst("etc", &st) && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750 && st.st_mtime == 1000000000);
    CHECK(!lst("etc/hosts", &st) && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640 && st.st_mtime == 1100000000);
    CHECK(slurp("etc/hosts") && !strcmp(slurp("etc/hosts"), "127.0.0.1 localhost\n"));
    CHECK(!lst("bin/sh", &st) && S_ISLNK(st.st_mode) && st.st_mtime == 1200000000);
    {
        char l[64];
        ssize_t n = readlinkat(rootfd, "bin/sh", l, sizeof l);
        CHECK(n == 12 && !memcmp(l, "/bin/busybox", 12));
    }
    {
        struct stat a;
        CHECK(!lst("bin/hl", &st) && !lst("bin/su", &a) && st.st_ino == a.st_ino && a.st_nlink == 2);
    }
    CHECK(!lst("run/fifo", &st) && S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0620);
    CHECK(!lst("abs/file", &st) && S_ISREG(st.st_mode));
    CHECK(!lst("old/dir", &st) && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
    CHECK(!lst("big", &st) && st.st_mtime == -86400);
    CHECK(!lst("pax", &st) && st.st_mtime == 1234567890 && st.st_mtim.tv_nsec == 500000000);
    CHECK(getx("bin/ping", "user.note", v, sizeof v) == 5 && !memcmp(v, "hello", 5));
    CHECK(getx("bin/ping", "user.b64", v, sizeof v) == 2 && !memcmp(v, "hi", 2));
    if (is_root) {
        CHECK(!lst("bin/su", &st) && (st.st_mode & 07777) == 04755 && st.st_uid == 1000 && st.st_gid == 1000);
        CHECK(!lst("bin/sg", &st) && (st.st_mode & 07777) == 02711 && st.st_gid == 42);
        CHECK(!lst("etc/hosts", &st) && st.st_uid == 5 && st.st_gid == 6);
        CHECK(!lst("etc", &st) && st.st_uid == 3 && st.st_gid == 4);
        CHECK(!lst("bin/sh", &st) && st.st_uid == 7 && st.st_gid == 8);
        CHECK(!lst("big", &st) && st.st_uid == 2097157 && st.st_gid == 3000000);
        CHECK(!lst("pax", &st) && st.st_uid == 70000 && st.st_gid == 70001);
        CHECK(!lst("dev/null", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) && (st.st_mode & 07777) == 0666);
        CHECK(!lst("dev/sda", &st) && S_ISBLK(st.st_mode) && st.st_rdev == makedev(8, 0));
        CHECK(getx("bin/ping", "security.capability", v, sizeof v) == 20 && !memcmp(v, capv2, 20));
    } else {
        CHECK(lst("dev/null", &st) < 0);
    }
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

/* security.capability through SCHILY (raw bytes with NULs), on a file owned
   by someone else with a setuid mode: chown must come first. */
static void t_capability(void) {
    cr_buf b = {0}, pax = {0};
    char v[64];
    struct stat st;
    if (!is_root) TAP_SKIP("needs root");
    fresh();
    pax_rec(&pax, "SCHILY.xattr.security.capability", capv2, sizeof capv2);
    header(&b, "PaxHeaders/x", 'x', 0644, 0, 0, pax.len, 0, NULL, 0, 0, 0, NULL);
    block(&b, pax.data, pax.len);
    header(&b, "ping", '0', 04755, 1000, 1000, 4, 1, NULL, 0, 0, 0, NULL);
    block(&b, "ping", 4);
    finish(&b);
    OK_UNPACK(&b);
    CHECK(getx("ping", "security.capability", v, sizeof v) == 20 && !memcmp(v, capv2, 20));
    CHECK(!lst("ping", &st) && (st.st_mode & 07777) == 04755 && st.st_uid == 1000);
    cr_buf_free(&b);
    cr_buf_free(&pax);
}

static void t_long_names(void) {
    char longdir[300], longname[500], target[500];
    cr_buf b;
    struct stat st;
    memset(longdir, 'd', 150); longdir[150] = 0;
    snprintf(longname, sizeof longname, "%s/%0120d", longdir, 7);
    snprintf(target, sizeof target, "/%s/%0120d", longdir, 8);
    {
        ent es[] = {
            { .name = longname, .data = "pax" },                                           /* PAX path */
            { .name = "sym", .type = '2', .link = target },                                 /* PAX linkpath */
            { .name = "gnu/", .type = '5' },
            { .name = longname, .data = "gnu", .gnu = 1 },                                  /* GNU 'L' (replaces) */
            { .name = "glink", .type = '1', .link = longname, .gnu = 1 },                   /* GNU 'K' */
            { .name = "pre/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/f",
              .data = "prefix", .ustar_prefix = 1 },
        };
        fresh();
        build(&b, es, sizeof es / sizeof *es);
    }
    OK_UNPACK(&b);
    CHECK(slurp(longname) && !strcmp(slurp(longname), "gnu"));
    {
        char l[500];
        ssize_t n = readlinkat(rootfd, "sym", l, sizeof l);
        CHECK(n == (ssize_t)strlen(target) && !memcmp(l, target, (size_t)n));
    }
    {
        struct stat a;
        CHECK(!lst("glink", &st) && !lst(longname, &a) && st.st_ino == a.st_ino);
    }
    CHECK(slurp("pre/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/f") != NULL);
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

static const ent mixed[] = {
    { .name = "a/", .type = '5', .mode = 0711, .mtime = 1500000000 },
    { .name = "a/f", .data = "0123456789abcdef", .mode = 0600 },
    { .name = "a/g", .type = '1', .link = "a/f" },
    { .name = "a/s", .type = '2', .link = "f" },
    { .name = "a/b/c/d", .data = "deep" },                 /* parents made on the way ... */
    { .name = "a/b/c/", .type = '5', .mtime = 1500000002 },  /* ... then merged: the listing has no "now" in it */
    { .name = "a/b/", .type = '5', .mtime = 1500000001 },
    { .name = "x", .data = "a file of some length, repeated. a file of some length, repeated." },
};

/* gzip (two members), zstd (two frames) and plain give the same tree and
   the same diff_id, the sha256 of the tar. */
static void t_compressed(void) {
    cr_buf tar, z, l0 = {0}, l1 = {0};
    char d0[CR_SHA256_DIGEST_MAX], d1[CR_SHA256_DIGEST_MAX], want[CR_SHA256_DIGEST_MAX];
    cr_err e;
    int i;
    build(&tar, mixed, sizeof mixed / sizeof *mixed);
    sha_hex(tar.data, tar.len, want);
    fresh();
    if (unpack_opts(tar.data, tar.len, NULL, d0, &e) < 0) TAP_FAIL("plain: %s", e.msg);
    CHECK(!strcmp(d0, want));
    listing(rootfd, "", &l0);
    for (i = 0; i < 2; i++) {
        if (i == 0) gzip_members(&tar, 1536, &z); else zstd_frames(&tar, 1000, &z);
        fresh();
        if (unpack_opts(z.data, z.len, NULL, d1, &e) < 0) TAP_FAIL("%s: %s", i ? "zstd" : "gzip", e.msg);
        CHECK(!strcmp(d1, want));
        cr_buf_free(&l1);
        listing(rootfd, "", &l1);
        CHECK(l0.len && l1.len == l0.len && !memcmp(l0.data, l1.data, l0.len));
        /* cut short: the decompressor notices */
        fresh();
        if (unpack_opts(z.data, z.len - 7, NULL, d1, &e) >= 0) TAP_FAIL("truncated %s unpacked", i ? "zstd" : "gzip");
        else CHECK(strstr(e.msg, "truncated") || strstr(e.msg, "layer entry"));
        /* a flipped byte in the middle: refused somewhere, never a crash */
        z.data[z.len / 2] ^= 0x55;
        fresh();
        CHECK(unpack_opts(z.data, z.len, NULL, d1, &e) < 0);
        cr_buf_free(&z);
    }
    cr_buf_free(&tar); cr_buf_free(&l0); cr_buf_free(&l1);
}

/* The push parser gives the same tree whatever the chunk sizes. */
static void t_push_chunks(void) {
    static const size_t sizes[] = { 1, 7, 511, 512, 513, 100000 };
    cr_buf tar, l0 = {0}, l1 = {0};
    cr_unpack_opts o = {0};
    size_t i, off;
    build(&tar, mixed, sizeof mixed / sizeof *mixed);
    o.rootless = !is_root;
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        cr__tar t;
        cr_err e = {0};
        int r = 0;
        fresh();
        cr__tar_init(&t, rootfd, &o);
        for (off = 0; off < tar.len && r >= 0; off += sizes[i])
            r = cr__tar_feed(&t, (const uint8_t *)tar.data + off, tar.len - off < sizes[i] ? tar.len - off : sizes[i], &e);
        if (r >= 0) r = cr__tar_finish(&t, &e);
        cr__tar_free(&t);
        if (r < 0) TAP_FAIL("chunks of %zu: %s", sizes[i], e.msg);
        cr_buf_free(&l1);
        listing(rootfd, "", &l1);
        if (!i) { l0 = l1; memset(&l1, 0, sizeof l1); }
        else CHECK(l1.len == l0.len && !memcmp(l0.data, l1.data, l0.len));
    }
    CHECK(strstr(l0.data, "a 40711") && strstr(l0.data, " 1500000000 "));
    cr_buf_free(&tar); cr_buf_free(&l0); cr_buf_free(&l1);
}

static void t_whiteout_overlay(void) {
    ent es[] = {
        { .name = "d/", .type = '5' },
        { .name = "d/keep", .data = "k" },
        { .name = "d/.wh..wh..opq" },
        { .name = ".wh.gone" },
        { .name = "e/.wh.sub" },
        { .name = ".wh..wh.aufs", .data = "aufs" },
    };
    cr_buf b;
    struct stat st;
    char v[8];
    if (!is_root) TAP_SKIP("trusted.overlay.opaque needs root");
    fresh();
    build(&b, es, sizeof es / sizeof *es);
    OK_UNPACK(&b);
    CHECK(!lst("gone", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    CHECK(!lst("e/sub", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    CHECK(getx("d", "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
    CHECK(!lst("d/keep", &st));
    CHECK(lst(".wh.gone", &st) < 0 && lst("d/.wh..wh..opq", &st) < 0 && lst(".wh..wh.aufs", &st) < 0 && lst("aufs", &st) < 0);
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

static void t_whiteout_apply(void) {
    ent lower[] = {
        { .name = "gone/", .type = '5' },
        { .name = "gone/x", .data = "x" },
        { .name = "f", .data = "lower" },
        { .name = "d/", .type = '5' },
        { .name = "d/old", .data = "old" },
        { .name = "d/sub/old2", .data = "old2" },
        { .name = "d/mine/old3", .data = "old3" },
    };
    ent upper[] = {
        { .name = "d/new", .data = "new" },
        { .name = "d/mine/", .type = '5' },
        { .name = "d/mine/new2", .data = "new2" },
        { .name = "d/.wh..wh..opq" },          /* after this layer's own entries: they stay */
        { .name = ".wh.gone" },
        { .name = ".wh.f" },
        { .name = ".wh.nothing" },
    };
    cr_buf b;
    cr_unpack_opts o = {0};
    char diff[CR_SHA256_DIGEST_MAX];
    cr_err e;
    struct stat st;
    o.whiteouts = CR_UNPACK_APPLY;
    o.rootless = !is_root;
    fresh();
    build(&b, lower, sizeof lower / sizeof *lower);
    if (unpack_opts(b.data, b.len, &o, diff, &e) < 0) TAP_FAIL("lower: %s", e.msg);
    cr_buf_free(&b);
    build(&b, upper, sizeof upper / sizeof *upper);
    if (unpack_opts(b.data, b.len, &o, diff, &e) < 0) TAP_FAIL("upper: %s", e.msg);
    CHECK(lst("gone", &st) < 0 && errno == ENOENT);
    CHECK(lst("f", &st) < 0);
    CHECK(lst("d/old", &st) < 0 && lst("d/sub", &st) < 0 && lst("d/mine/old3", &st) < 0);
    CHECK(slurp("d/new") && !strcmp(slurp("d/new"), "new"));
    CHECK(slurp("d/mine/new2") && !strcmp(slurp("d/mine/new2"), "new2"));
    CHECK(lst(".wh.gone", &st) < 0 && lst("d/.wh..wh..opq", &st) < 0);
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

/* Existing entries: a file replaces a file (not writing through its other
   links), a file replaces a tree, a dir merges into a dir, a dir replaces a
   symlink (not following it). */
static void t_replace(void) {
    ent first[] = {
        { .name = "f", .data = "one" },
        { .name = "f2", .type = '1', .link = "f" },
        { .name = "tree/a/b", .data = "b" },
        { .name = "d/", .type = '5', .mode = 0700 },
        { .name = "d/a", .data = "a" },
        { .name = "l", .type = '2', .link = "d" },
    };
    ent second[] = {
        { .name = "f", .data = "two" },
        { .name = "tree", .data = "now a file" },
        { .name = "d/", .type = '5', .mode = 0755 },
        { .name = "d/b", .data = "b" },
        { .name = "l/", .type = '5' },
        { .name = "l/inside", .data = "i" },
    };
    cr_buf b;
    struct stat st;
    fresh();
    build(&b, first, sizeof first / sizeof *first);
    OK_UNPACK(&b);
    cr_buf_free(&b);
    build(&b, second, sizeof second / sizeof *second);
    OK_UNPACK(&b);
    CHECK(slurp("f") && !strcmp(slurp("f"), "two"));
    CHECK(slurp("f2") && !strcmp(slurp("f2"), "one"));
    CHECK(!lst("tree", &st) && S_ISREG(st.st_mode));
    CHECK(!lst("d/a", &st) && !lst("d/b", &st) && !lst("d", &st) && (st.st_mode & 07777) == 0755);
    CHECK(!lst("l", &st) && S_ISDIR(st.st_mode) && !lst("l/inside", &st) && lst("d/inside", &st) < 0);
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

static void t_dotdot(void) {
    ent a[] = { { .name = "../x", .data = "x" } };
    ent b2[] = { { .name = "ok/../../x", .data = "x" } };
    ent c[] = { { .name = "x", .data = "x", .pax = { "path=a/../../../outside/x" } } };
    ent d[] = { { .name = "..", .type = '5' } };
    cr_buf b;
    fresh();
    build(&b, a, 1); BAD(&b, "layer entry \"../x\": \"..\" in the name"); cr_buf_free(&b);
    build(&b, b2, 1); BAD(&b, "layer entry \"ok/../../x\""); cr_buf_free(&b);
    build(&b, c, 1); BAD(&b, "layer entry \"a/../../../outside/x\""); cr_buf_free(&b);
    build(&b, d, 1); BAD(&b, "layer entry \"..\""); cr_buf_free(&b);
}

/* A leading "/" is dropped, as tar -x does: the absolute path of the
   sentinel lands inside the root. */
static void t_absolute(void) {
    char name[400];
    struct stat st;
    cr_buf b;
    ent es[] = { { .name = name, .data = "abs" } };
    fresh();
    snprintf(name, sizeof name, "%s/outside/keep", base);
    build(&b, es, 1);
    OK_UNPACK(&b);
    CHECK(slurp(name + 1) && !strcmp(slurp(name + 1), "abs"));
    CHECK(!lst(name + 1, &st) && S_ISREG(st.st_mode));
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

/* "a" -> the sentinel dir (absolute) then "a/f": resolved inside the root,
   where that path does not exist. */
static void t_symlink_write_through(void) {
    char rel[64];
    cr_buf b;
    struct stat st;
    ent es[] = { { .name = "a", .type = '2', .link = outside }, { .name = "a/f", .data = "pwned" } };
    ent es2[] = { { .name = "b", .type = '2', .link = rel }, { .name = "b/f", .data = "pwned" } };
    ent es3[] = { { .name = "c", .type = '2', .link = "/" }, { .name = "c/f", .data = "inside" } };
    ent es4[] = { { .name = "a", .type = '2', .link = outside }, { .name = "a/sub/f", .data = "pwned" } };
    fresh();
    snprintf(rel, sizeof rel, "../outside");
    build(&b, es, 2); BAD(&b, "layer entry \"a/f\": parent directory \"a\""); cr_buf_free(&b);
    fresh();
    build(&b, es2, 2); BAD(&b, "layer entry \"b/f\": parent directory \"b\""); cr_buf_free(&b);
    fresh();
    build(&b, es4, 2); BAD(&b, "layer entry \"a/sub/f\": parent directory"); cr_buf_free(&b);
    /* a symlink to "/" is the layer root itself */
    fresh();
    build(&b, es3, 2);
    OK_UNPACK(&b);
    CHECK(slurp("f") && !strcmp(slurp("f"), "inside"));
    CHECK(!lst("c", &st) && S_ISLNK(st.st_mode));
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

static void t_hardlink_escape(void) {
    cr_buf b;
    ent a[] = { { .name = "usr/bin/x", .type = '1', .link = "../../etc/shadow" } };
    ent c[] = { { .name = "l", .type = '2', .link = outside }, { .name = "h", .type = '1', .link = "l/keep" } };
    ent d[] = { { .name = "h", .type = '1', .link = "/../outside/keep" } };
    ent e2[] = { { .name = "h", .type = '1', .link = "a/../b" } };
    fresh();
    build(&b, a, 1); BAD(&b, "layer entry \"usr/bin/x\": hard link target \"../../etc/shadow\" is outside the layer"); cr_buf_free(&b);
    build(&b, d, 1); BAD(&b, "layer entry \"h\": hard link target \"/../outside/keep\" is outside the layer"); cr_buf_free(&b);
    build(&b, e2, 1); BAD(&b, "layer entry \"h\": hard link target \"a/../b\" has a \"..\""); cr_buf_free(&b);
    build(&b, c, 2); BAD(&b, "layer entry \"h\": hard link target \"l/keep\""); cr_buf_free(&b);
}

/* A dir with a file in it, then the dir replaced by a symlink out, then a
   file under it again. */
static void t_symlink_parent_swap(void) {
    cr_buf b;
    struct stat st;
    ent es[] = {
        { .name = "d/", .type = '5' },
        { .name = "d/f", .data = "f" },
        { .name = "d", .type = '2', .link = outside },
        { .name = "d/g", .data = "pwned" },
    };
    ent es2[] = {
        { .name = "d/", .type = '5' },
        { .name = "d/f", .data = "f" },
        { .name = "d", .type = '2', .link = "../../../../../.." },
        { .name = "d/g", .data = "inside" },
    };
    fresh();
    build(&b, es, 4); BAD(&b, "layer entry \"d/g\": parent directory \"d\""); cr_buf_free(&b);
    fresh();
    build(&b, es2, 4);
    OK_UNPACK(&b);
    CHECK(slurp("g") && !strcmp(slurp("g"), "inside"));   /* ".." stops at the root */
    CHECK(!lst("d", &st) && S_ISLNK(st.st_mode));
    sentinel_ok(__LINE__);
    cr_buf_free(&b);
}

static void t_truncated(void) {
    ent es[] = { { .name = "f", .data = "0123456789" }, { .name = "big", .data = "x", .size_field = 5000 } };
    cr_buf b, c = {0};
    fresh();
    build(&b, es, 1);
    c.data = b.data;
    c.len = 512 + 5;                               /* inside the data */
    BAD(&c, "layer entry \"f\": truncated archive");
    c.len = 200;                                   /* inside the first header */
    BAD(&c, "layer: offset 0: truncated archive: it ends inside a header");
    c.len = 1024 + 100;                            /* inside an end block */
    BAD(&c, "after entry \"f\": truncated archive: it ends inside a header");
    cr_buf_free(&b);
    memset(&c, 0, sizeof c);
    /* size says more than there is */
    build(&b, es, 2);
    BAD(&b, "layer entry \"big\": truncated archive");
    cr_buf_free(&b);
    /* an extended header and nothing after it */
    header(&c, "PaxHeaders/x", 'x', 0644, 0, 0, 12, 0, NULL, 0, 0, 0, NULL);
    block(&c, "12 path=abc\n", 12);
    BAD(&c, "an extended header without its entry");
    cr_buf_free(&c);
    /* no end-of-archive blocks is fine (Go's archive/tar agrees) */
    fresh();
    build(&b, es, 1);
    b.len -= 1024;
    OK_UNPACK(&b);
    cr_buf_free(&b);
}

/* size says less than there is: the rest is read as a header. */
static void t_size_lies(void) {
    char data[1500];
    ent es[] = { { .name = "f", .data = data, .size_field = 10 } };
    cr_buf b;
    memset(data, 'A', sizeof data - 1);
    data[sizeof data - 1] = 0;
    fresh();
    build(&b, es, 1);
    BAD(&b, "after entry \"f\": invalid tar header (checksum mismatch)");
    cr_buf_free(&b);
}

static void t_max_size(void) {
    char data[3000];
    ent es[] = { { .name = "small", .data = "s" }, { .name = "big", .data = data } };
    cr_buf b;
    cr_unpack_opts o = {0};
    char diff[CR_SHA256_DIGEST_MAX];
    cr_err e;
    memset(data, 'B', sizeof data - 1);
    data[sizeof data - 1] = 0;
    o.rootless = !is_root;
    fresh();
    build(&b, es, 2);
    o.max_size = 2000;
    if (unpack_opts(b.data, b.len, &o, diff, &e) >= 0) TAP_FAIL("max_size 2000 passed");
    else CHECK(e.code == EFBIG && strstr(e.msg, "layer entry \"big\": ") && strstr(e.msg, "limit of 2000 bytes"));
    sentinel_ok(__LINE__);
    o.max_size = 4000;   /* big's 2999 bytes fit, but the stream passes 4000 inside them */
    fresh();
    if (unpack_opts(b.data, b.len, &o, diff, &e) >= 0) TAP_FAIL("max_size passed");
    else CHECK(e.code == EFBIG && strstr(e.msg, "layer entry \"big\": "));
    o.max_size = b.len;
    fresh();
    if (unpack_opts(b.data, b.len, &o, diff, &e) < 0) TAP_FAIL("exact max_size: %s", e.msg);
    /* a gzip bomb stops at the limit too, even in what follows the end of the archive */
    {
        cr_buf tar = {0}, z;
        char *zeros = calloc(1, 1 << 24);
        header(&tar, "bomb", '0', 0644, 0, 0, 1, 1, NULL, 0, 0, 0, NULL);
        block(&tar, "b", 1);
        cr_buf_add(&tar, zeros, 1 << 24);
        gzip_members(&tar, 512, &z);
        o.max_size = 1 << 20;
        fresh();
        if (unpack_opts(z.data, z.len, &o, diff, &e) >= 0) TAP_FAIL("bomb passed");
        else CHECK(e.code == EFBIG && strstr(e.msg, "after entry \"bomb\": the layer is larger than the limit"));
        CHECK(slurp("bomb") != NULL);
        cr_buf_free(&tar); cr_buf_free(&z); free(zeros);
    }
    cr_buf_free(&b);
}

/* Malformed or unsupported headers are refused with the entry's name. */
static void t_refused(void) {
    cr_buf b = {0}, pax = {0};
    char *huge;
    /* one entry each, and what the refusal says */
    static const struct { ent e; const char *want; } one[] = {
        { { .name = "sp", .type = 'S', .data = "" }, "layer entry \"sp\": sparse files are not supported" },
        { { .name = "sp", .data = "x", .pax = { "GNU.sparse.major=1" } }, "layer entry \"sp\": sparse files are not supported" },
        { { .name = "v", .type = 'V' }, "layer entry \"v\": unsupported entry type 'V'" },
        { { .name = "p", .pax = { "uid=12x" } }, "invalid PAX uid" },
        { { .name = "d/.wh.." }, "layer entry \"d/.wh..\": invalid whiteout name" },
        { { .name = "n", .data = "x", .pax = { "LIBARCHIVE.xattr.user.a%00b=eA" } }, "malformed PAX record" },
        { { .name = "n", .data = "x", .pax = { "LIBARCHIVE.xattr.user.a=e!A" } }, "malformed PAX record" },
        { { .name = "./", .data = "x" }, "layer entry \"./\": names the layer root" },
        { { .name = "s", .type = '2', .link = "" }, "layer entry \"s\": empty symlink target" },
    };
    size_t i;
    fresh();
    for (i = 0; i < sizeof one / sizeof *one; i++) {
        build(&b, &one[i].e, 1);
        BAD(&b, one[i].want);
        cr_buf_free(&b);
    }
    /* a PAX header over 1 MiB */
    huge = malloc(CR__TAR_PAX_MAX + 10);
    memset(huge, 'a', CR__TAR_PAX_MAX + 9);
    huge[CR__TAR_PAX_MAX + 9] = 0;
    memset(&b, 0, sizeof b);
    pax_rec(&pax, "comment", huge, strlen(huge));
    header(&b, "PaxHeaders/x", 'x', 0644, 0, 0, pax.len, 0, NULL, 0, 0, 0, NULL);
    block(&b, pax.data, pax.len);
    finish(&b);
    BAD(&b, "PAX header of");
    cr_buf_free(&b); cr_buf_free(&pax); free(huge);
    /* a PAX record whose length runs past the header */
    header(&b, "PaxHeaders/x", 'x', 0644, 0, 0, 12, 0, NULL, 0, 0, 0, NULL);
    block(&b, "99 path=abc\n", 12);
    header(&b, "f", '0', 0644, 0, 0, 0, 0, NULL, 0, 0, 0, NULL);
    finish(&b);
    BAD(&b, "malformed PAX record");
    cr_buf_free(&b);
    /* a name longer than PATH_MAX */
    huge = malloc(PATH_MAX + 10);
    memset(huge, 'a', PATH_MAX + 9);
    huge[PATH_MAX + 9] = 0;
    {
        ent l[] = { { .name = huge, .data = "x" } };
        build(&b, l, 1); BAD(&b, "longer than 4095 bytes"); cr_buf_free(&b);
    }
    free(huge);
}

/* trusted.overlay.* from the archive would steer overlayfs: dropped. */
static void t_overlay_xattrs_dropped(void) {
    ent es[] = { { .name = "d/", .type = '5', .pax = { "SCHILY.xattr.trusted.overlay.redirect=/etc", "SCHILY.xattr.user.ok=1" } } };
    cr_buf b;
    char v[16];
    fresh();
    build(&b, es, 1);
    OK_UNPACK(&b);
    CHECK(getx("d", "trusted.overlay.redirect", v, sizeof v) < 0);
    CHECK(getx("d", "user.ok", v, sizeof v) == 1);
    cr_buf_free(&b);
}

/* Directory modes and times are set last: a read-only dir still gets its
   children, and their creation does not disturb its mtime. */
static void t_dir_order(void) {
    ent es[] = {
        { .name = "ro/", .type = '5', .mode = 0555, .mtime = 1300000000 },
        { .name = "ro/sub/", .type = '5', .mode = 0500, .mtime = 1300000001 },
        { .name = "ro/sub/f", .data = "f", .mode = 0444 },
        { .name = "ro/g", .data = "g" },
    };
    cr_buf b;
    struct stat st;
    fresh();
    build(&b, es, 4);
    OK_UNPACK(&b);
    CHECK(!lst("ro", &st) && (st.st_mode & 07777) == 0555 && st.st_mtime == 1300000000);
    CHECK(!lst("ro/sub", &st) && (st.st_mode & 07777) == 0500 && st.st_mtime == 1300000001);
    CHECK(!lst("ro/sub/f", &st) && !lst("ro/g", &st));
    cr_buf_free(&b);
}

/* The iterative rmtree copes with a tree deeper than PATH_MAX. */
static void t_rmtree_deep(void) {
    int i, fd;
    fresh();
    fd = dup(rootfd);
    mkdirat(fd, "deep", 0755);
    for (i = 0; i < 3000; i++) {
        int next;
        if (i == 0) next = openat(fd, "deep", O_PATH | O_DIRECTORY | O_CLOEXEC);
        else { mkdirat(fd, "ddddddddd", 0755); next = openat(fd, "ddddddddd", O_PATH | O_DIRECTORY | O_CLOEXEC); }
        close(fd);
        fd = next;
        if (fd < 0) break;
        if (i % 100 == 0) close(openat(fd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (i % 150 == 0) symlinkat("/", fd, "link");
    }
    if (fd >= 0) close(fd);
    CHECK(cr__rm_rf(rootfd, "deep") == 0);
    CHECK(faccessat(rootfd, "deep", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
    sentinel_ok(__LINE__);
}

/* An unknown whiteout mode is refused. */
static void t_bad_opts(void) {
    cr_unpack_opts o = {0};
    cr_err e;
    char diff[CR_SHA256_DIGEST_MAX];
    o.whiteouts = 7;
    fresh();
    CHECK(unpack_opts("", 0, &o, diff, &e) == -EINVAL && strstr(e.msg, "whiteout mode"));
    o.whiteouts = 0;
    o.rootless = !is_root;
    CHECK(unpack_opts("", 0, &o, diff, &e) == 0);   /* an empty stream is an empty layer */
    CHECK(!strcmp(diff, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

/* on_read sees the bytes read so far after every read; non-zero stops. */
typedef struct { int calls, stop_after; uint64_t last, bad; } reads;
static int count_reads(void *user, uint64_t n) {
    reads *r = (reads *)user;
    if (n < r->last) r->bad = 1;
    r->last = n;
    return ++r->calls == r->stop_after;
}

static void t_on_read(void) {
    char *data = malloc(600000);
    ent es[] = { { .name = "big", .data = data } };
    cr_buf b;
    cr_unpack_opts o = {0};
    reads rd;
    char diff[CR_SHA256_DIGEST_MAX];
    cr_err e;
    memset(data, 'R', 599999);
    data[599999] = 0;
    build(&b, es, 1);
    o.rootless = !is_root;
    o.on_read = count_reads;
    o.user = &rd;
    memset(&rd, 0, sizeof rd);
    fresh();
    if (unpack_opts(b.data, b.len, &o, diff, &e) < 0) TAP_FAIL("on_read: %s", e.msg);
    CHECK(rd.calls >= 3 && rd.last == b.len && !rd.bad);
    memset(&rd, 0, sizeof rd);
    rd.stop_after = 2;
    fresh();
    CHECK(unpack_opts(b.data, b.len, &o, diff, &e) == -ECANCELED && strstr(e.msg, "stopped"));
    CHECK(rd.calls == 2);
    cr_buf_free(&b);
    free(data);
}

/* The diff_id and blob hashes: SHA-NI (when this CPU has it) must agree
   with BearSSL for every length around the block size, fed in any split. */
static void t_sha256(void) {
    static unsigned char data[4096 + 200];
    unsigned char want[32], got[32];
    size_t len, cut, i;
    cr__sha256 s;
    br_sha256_context c;
    uint32_t x = 12345;
    for (i = 0; i < sizeof data; i++) { x = x * 1103515245 + 12345; data[i] = (unsigned char)(x >> 16); }
    cr__sha256_init(&s);
    cr__sha256_update(&s, "abc", 3);
    cr__sha256_out(&s, got);
    CHECK(got[0] == 0xba && got[1] == 0x78 && got[30] == 0x15 && got[31] == 0xad);
    for (len = 0; len < sizeof data; len += len < 300 ? 1 : 61) {
        br_sha256_init(&c);
        br_sha256_update(&c, data, len);
        br_sha256_out(&c, want);
        for (cut = 0; cut <= len; cut += len < 200 ? 1 : 37) {
            cr__sha256_init(&s);
            cr__sha256_update(&s, data, cut);
            cr__sha256_update(&s, data + cut, len - cut);
            cr__sha256_out(&s, got);
            if (memcmp(got, want, 32)) { TAP_FAIL("sha256 of %zu bytes split at %zu differs", len, cut); return; }
        }
    }
    cr__sha256_init(&s);
    if (!s.ni) tap_skip("no SHA-NI on this CPU: BearSSL alone was compared with itself");
}

static const tap_test tests[] = {
    { "entry kinds, modes, owners, times, xattrs, diff_id", t_kinds },
    { "security.capability after chown", t_capability },
    { "PAX and GNU long names and links, ustar prefix", t_long_names },
    { "gzip and zstd (multi-member), truncated, corrupt", t_compressed },
    { "push parser: any chunk size", t_push_chunks },
    { "whiteouts: overlay", t_whiteout_overlay },
    { "whiteouts: apply", t_whiteout_apply },
    { "existing entries replaced, dirs merged", t_replace },
    { "attack: .. components", t_dotdot },
    { "attack: absolute names stay inside", t_absolute },
    { "attack: write through a symlink", t_symlink_write_through },
    { "attack: hard link targets outside", t_hardlink_escape },
    { "attack: symlink parent swap", t_symlink_parent_swap },
    { "attack: truncated streams", t_truncated },
    { "attack: size field smaller than the data", t_size_lies },
    { "attack: max_size (plain and gzip bomb)", t_max_size },
    { "refused headers", t_refused },
    { "trusted.overlay xattrs from the archive dropped", t_overlay_xattrs_dropped },
    { "directory modes and times applied last", t_dir_order },
    { "rmtree deeper than PATH_MAX", t_rmtree_deep },
    { "options and empty stream", t_bad_opts },
    { "sha256: SHA-NI and BearSSL agree", t_sha256 },
    { "on_read: progress and a stop", t_on_read },
};

int main(void) {
    int status;
    is_root = geteuid() == 0;
    status = TAP_RUN_ALL(tests);
    if (rootfd >= 0) close(rootfd);
    if (base[0]) rm_rf(base);
    return status;
}
