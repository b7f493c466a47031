/* fuzz_tar_common.h — what the fuzz targets that read tar archives share
   (fuzz_tar.c, fuzz_archive.c). Include after cr.h with CR_IMPLEMENTATION. */
#ifndef FUZZ_TAR_COMMON_H
#define FUZZ_TAR_COMMON_H
#include <stdio.h>
#include <string.h>

/* Recomputes the checksum of every header met by stepping over entries by
   their size fields (PAX sizes are not followed: a rare miss is fine). */
static void fix_checksums(uint8_t *p, size_t n) {
    size_t pos = 0, i;
    while (n - pos >= 512) {
        uint8_t *h = p + pos;
        unsigned sum = 0;
        int64_t size;
        char type = (char)h[156];
        for (i = 0; i < 512 && !h[i]; i++) ;
        pos += 512;
        if (i == 512) continue;
        memset(h + 148, ' ', 8);
        for (i = 0; i < 512; i++) sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum);
        if (cr__tar_num(h + 124, 12, &size) < 0 || size < 0 || !strchr("07xgLK", type ? type : '0')) size = 0;
        if ((uint64_t)size > n - pos || (((size_t)size + 511) & ~(size_t)511) > n - pos) break;
        pos += ((size_t)size + 511) & ~(size_t)511;
    }
}

#endif
