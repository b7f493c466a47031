// cr-test: libs=-lzstd -lz -lbearssl timeout=600
/* Unit tests of cr's own zstd writer (cr__zstw_*, the unpack section),
   which cr push --compression zstd uses: every input goes through it in
   writes of several sizes (the frames must be byte for byte the same),
   then back through libzstd's decoder (which checks the XXH64 checksum)
   and through the zstd command when it is installed. Inputs: empty, 1 and
   2 bytes, all-zero MiB, random, text, sizes around the 128 KiB block,
   repeats nearer and farther than the 2 MiB window, and a real tar of
   /usr files. TAP output. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* the writer needs nothing; the unpack section links zlib, zstd and BearSSL */
#include "cr.h"
#include "tap.h"
#include "zstd_enc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zstd.h>

static int have_zstd_cmd;
static char tmp[PATH_MAX];

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

static void fill_random(uint8_t *p, size_t n) { while (n--) *p++ = (uint8_t)rnd(); }

static void fill_text(uint8_t *p, size_t n) {
    static const char *words[] = { "container ", "runtime ", "layer ", "the ", "of ", "image\n", "registry ", "zstd ",
                                   "push ", "a ", "blob ", "manifest ", "digest ", "sha256:", "{\"mediaType\": ", "config " };
    size_t i = 0;
    while (i < n) {
        const char *w = words[rnd() % 16];
        while (*w && i < n) p[i++] = (uint8_t)*w++;
    }
}

/* in round-trips through the writer (in three write patterns, the same bytes),
   libzstd and the zstd command; returns the compressed size. */
static size_t roundtrip(const char *what, const uint8_t *in, size_t n) {
    cr_buf a = {0}, b = {0};
    size_t got, chunks[3] = { n ? n : 1, 65536 + 7, 4093 }, i;
    uint8_t *back = (uint8_t *)malloc(n + 1);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    if (zenc(in, n, chunks[0], 0, &a) < 0) TAP_FAIL("%s: encode failed", what);
    for (i = 1; i < 3 && n < (64u << 20); i++) {
        if (zenc(in, n, chunks[i], 0, &b) < 0) TAP_FAIL("%s: encode failed", what);
        if (b.len != a.len || memcmp(a.data, b.data, a.len)) TAP_FAIL("%s: writes of %zu bytes give another frame", what, chunks[i]);
    }
    got = ZSTD_decompressDCtx(d, back, n + 1, a.data, a.len);
    if (ZSTD_isError(got)) TAP_FAIL("%s: libzstd: %s", what, ZSTD_getErrorName(got));
    else if (got != n || memcmp(back, in, n)) TAP_FAIL("%s: libzstd gives %zu bytes back, not the %zu in", what, got, n);
    if (ZSTD_getFrameContentSize(a.data, a.len) != ZSTD_CONTENTSIZE_UNKNOWN) TAP_FAIL("%s: a content size without one", what);
    if (have_zstd_cmd) {
        char path[PATH_MAX + 16], cmd[3 * PATH_MAX];
        FILE *f;
        snprintf(path, sizeof path, "%s/in", tmp);
        if ((f = fopen(path, "w"))) { fwrite(in, 1, n, f); fclose(f); }
        snprintf(path, sizeof path, "%s/in.zst", tmp);
        if ((f = fopen(path, "w"))) { fwrite(a.data, 1, a.len, f); fclose(f); }
        snprintf(cmd, sizeof cmd, "zstd -q -d -c %s/in.zst | cmp -s - %s/in", tmp, tmp);
        if (system(cmd) != 0) TAP_FAIL("%s: zstd -d does not give the input back", what);
    }
    got = a.len;
    cr_buf_free(&a);
    cr_buf_free(&b);
    ZSTD_freeDCtx(d);
    free(back);
    return got;
}

static void t_small(void) {
    static const uint8_t one[2] = { 'x', 'y' };
    uint8_t p[200];
    size_t n;
    CHECK(roundtrip("empty", NULL, 0) < 16);
    CHECK(roundtrip("1 byte", one, 1) < 16);
    roundtrip("2 bytes", one, 2);
    for (n = 3; n <= sizeof p; n += 13) { fill_text(p, n); roundtrip("short text", p, n); }
    fill_random(p, sizeof p);
    roundtrip("short random", p, sizeof p);
}

static void t_zero_random_text(void) {
    size_t n = 1 << 20, z;
    uint8_t *p = (uint8_t *)calloc(1, 3 * n);
    z = roundtrip("all-zero MiB", p, n);
    if (z > 64) TAP_FAIL("all-zero MiB: %zu bytes", z);
    fill_random(p, n);
    z = roundtrip("random MiB", p, n);
    if (z > n + n / 128) TAP_FAIL("random MiB: %zu bytes", z);
    fill_text(p, 3 * n);
    z = roundtrip("text 3 MiB", p, 3 * n);
    if (z > 3 * n / 2) TAP_FAIL("text: %zu bytes of %zu", z, 3 * n);
    tap_diag("text 3 MiB -> %zu bytes", z);
    free(p);
}

/* Sizes at the 128 KiB block: text, random, and random blocks that repeat. */
static void t_block_edges(void) {
    static const size_t sizes[] = { 131071, 131072, 131073, 262143, 262144, 262145, 393216 + 5 };
    uint8_t *p = (uint8_t *)malloc(400000);
    size_t i;
    char what[64];
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        fill_text(p, sizes[i]);
        snprintf(what, sizeof what, "text %zu", sizes[i]);
        roundtrip(what, p, sizes[i]);
        fill_random(p, sizes[i]);
        memcpy(p + sizes[i] / 2, p, sizes[i] / 2 - 3);
        snprintf(what, sizeof what, "random+repeat %zu", sizes[i]);
        roundtrip(what, p, sizes[i]);
    }
    memset(p, 'a', 131072);
    memset(p + 131072, 'b', 131073);
    roundtrip("two runs (RLE blocks)", p, 262145);
    free(p);
}

/* Repeats 1 MiB back (in the window, after the buffer slid) and 3 MiB back (out of it). */
static void t_window(void) {
    size_t n = 12u << 20, z;
    uint8_t *p = (uint8_t *)malloc(n);
    fill_random(p, 1u << 20);
    for (z = 1u << 20; z < n; z += 1u << 20) memcpy(p + z, p, 1u << 20);
    z = roundtrip("random MiB repeated 12 times", p, n);
    if (z > (3u << 20) / 2) TAP_FAIL("repeats 1 MiB back: %zu bytes", z);
    fill_random(p, 3u << 20);
    for (z = 3u << 20; z < n; z += 3u << 20) memcpy(p + z, p, 3u << 20);
    z = roundtrip("random 3 MiB repeated 4 times", p, n);
    if (z < n) TAP_FAIL("repeats 3 MiB back came out smaller than the input: %zu", z);
    free(p);
}

/* A content size recorded in the header; libzstd reads it. */
static void t_known_size(void) {
    uint8_t p[5000];
    cr_buf a = {0};
    fill_text(p, sizeof p);
    CHECK(zenc(p, sizeof p, 1000, 1, &a) == 0);
    CHECK(ZSTD_getFrameContentSize(a.data, a.len) == sizeof p);
    {
        uint8_t back[6000];
        size_t got = ZSTD_decompress(back, sizeof back, a.data, a.len);
        CHECK(!ZSTD_isError(got) && got == sizeof p && !memcmp(back, p, sizeof p));
    }
    cr_buf_free(&a);
}

/* A real tar: /usr/share and /usr/lib files, up to 48 MiB. */
static void t_real_tar(void) {
    char cmd[PATH_MAX + 128];
    cr_buf t = {0};
    FILE *f;
    size_t n, z;
    char buf[65536];
    snprintf(cmd, sizeof cmd, "tar -cf - -C / usr/share/doc usr/lib/x86_64-linux-gnu usr/lib 2>/dev/null | head -c 50331648");
    if (!(f = popen(cmd, "r"))) TAP_SKIP("no tar");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) cr_buf_add(&t, buf, n);
    pclose(f);
    if (t.len < (1u << 20)) { cr_buf_free(&t); TAP_SKIP("no /usr files to tar"); }
    z = roundtrip("a tar of /usr", (const uint8_t *)t.data, t.len);
    tap_diag("tar of /usr: %zu -> %zu bytes (%.1f%%)", t.len, z, 100.0 * (double)z / (double)t.len);
    if (z >= t.len) TAP_FAIL("the tar did not get smaller");
    cr_buf_free(&t);
}

static const tap_test tests[] = {
    { "empty, 1 and 2 bytes, short text and random", t_small },
    { "all-zero MiB, random MiB, text", t_zero_random_text },
    { "sizes around the 128 KiB block; RLE blocks", t_block_edges },
    { "matches within the 2 MiB window across buffer slides, none beyond it", t_window },
    { "a known content size goes in the header", t_known_size },
    { "a real tar round-trips and gets smaller", t_real_tar },
};

int main(void) {
    int r;
    if (tap_tmpdir(tmp, sizeof tmp, "zstd") < 0) return tap_bail("no temp dir");
    have_zstd_cmd = system("zstd --version >/dev/null 2>&1") == 0;
    if (!have_zstd_cmd) printf("# no zstd command: libzstd only\n");
    r = TAP_RUN_ALL(tests);
    {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
        if (system(cmd) != 0) r = 1;
    }
    return r;
}
