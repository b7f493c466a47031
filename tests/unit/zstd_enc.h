/* zstd_enc.h - a buffer through cr's zstd writer, for zstd_test.c and
   tests/fuzz/fuzz_zstd.c. Include after cr.h (with CR_IMPLEMENTATION). */
#ifndef CR_ZSTD_ENC_H
#define CR_ZSTD_ENC_H

static int zenc_sink(void *user, const void *p, size_t n) {
    cr_buf_add((cr_buf *)user, p, n);
    return ((cr_buf *)user)->oom ? -ENOMEM : 0;
}

/* in[0..n) compressed into out in writes of chunk bytes; known: the
   content size goes in the frame header. 0, or < 0 (-errno). */
static int zenc(const uint8_t *in, size_t n, size_t chunk, int known, cr_buf *out) {
    cr__zstw *z = cr__zstw_new(zenc_sink, out);
    size_t off;
    int r = 0;
    out->len = 0;
    if (!z) return -ENOMEM;
    if (known) z->size = n + 1;
    for (off = 0; off < n && r == 0; off += chunk) r = cr__zstw_write(z, in + off, n - off < chunk ? n - off : chunk);
    if (r == 0) r = cr__zstw_finish(z);
    cr__zstw_free(z);
    return r;
}

#endif
