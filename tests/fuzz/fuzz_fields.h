/* fuzz_fields.h — what the fuzz targets whose input is NUL-separated
   fields share (fuzz_ctr.c, fuzz_logs.c). */
#ifndef FUZZ_FIELDS_H
#define FUZZ_FIELDS_H
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of data (free it), split into n fields (missing
   ones are ""); *rest: what follows the n-th field ("" if nothing). */
static char *fuzz_fields(const uint8_t *data, size_t size, const char **f, int n, char **rest) {
    char *buf = (char *)malloc(size + 1), *p;
    int k;
    if (!buf) return NULL;
    memcpy(buf, data, size);
    buf[size] = 0;
    for (k = 0, p = buf; k < n; k++) {
        f[k] = p <= buf + size ? p : "";
        if (p <= buf + size) p += strlen(p) + 1;
    }
    if (rest) *rest = p <= buf + size ? p : buf + size;
    return buf;
}

#endif
