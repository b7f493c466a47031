// cr-test: libs=-lzstd -lz -lbearssl
/* libFuzzer target for cr's own zstd writer (cr__zstw_*, the unpack
   section): the input, after its first byte, is compressed in writes of
   two sizes (the frames must be the same bytes) and libzstd's decoder must
   give it back exactly (checking the frame's XXH64 too). First byte:
     bits 0-3  the second write size: 1 << bits (1 B .. 32 KiB)
     bits 4-5  the data repeated 1, 7, 60 or 500 times, each copy with one
               byte changed, so that inputs cross 128 KiB blocks
     bit 6     the content size goes in the frame header
     bit 7     every other byte of each copy is the copy's number (long runs of literals) */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* the writer needs no libseccomp */
#include "cr.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "../unit/zstd_enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const size_t reps[4] = { 1, 7, 60, 500 };
    cr_buf a = {0}, b = {0};
    uint8_t *in, *back;
    size_t n, i, got;
    if (size < 1) return 0;
    n = (size - 1) * reps[data[0] >> 4 & 3];
    if (!(in = (uint8_t *)malloc(n + 1)) || !(back = (uint8_t *)malloc(n + 1))) abort();
    for (i = 0; i < n; i++) {
        size_t copy = i / (size - 1), j = i % (size - 1);
        in[i] = (data[0] & 0x80) && (j & 1) ? (uint8_t)copy : data[1 + j];
        if (j == copy % (size - 1)) in[i] ^= 0x5a;
    }
    if (zenc(in, n, n ? n : 1, data[0] & 0x40, &a) < 0 || zenc(in, n, (size_t)1 << (data[0] & 15), data[0] & 0x40, &b) < 0) abort();
    if (a.len != b.len || memcmp(a.data, b.data, a.len)) abort();
    got = ZSTD_decompress(back, n + 1, a.data, a.len);
    if (ZSTD_isError(got) || got != n || memcmp(back, in, n)) abort();
    if (a.len > n + n / 256 + 32) abort();   /* raw blocks bound the frame */
    cr_buf_free(&a);
    cr_buf_free(&b);
    free(in);
    free(back);
    return 0;
}
