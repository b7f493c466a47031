/* fuzz_fields.h — the input of a fuzz target as NUL-separated fields
   (fuzz_ctr.c, fuzz_docker.c). */
#ifndef FUZZ_FIELDS_H
#define FUZZ_FIELDS_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copies data with a NUL after it and points f[0..n-1] at its NUL-separated
   fields ("" past the end). Returns the copy (free it), or NULL. */
static char *fuzz_fields(const uint8_t *data, size_t size, const char **f, int n) {
    char *buf = (char *)malloc(size + 1), *p;
    int k;
    if (!buf) return NULL;
    memcpy(buf, data, size);
    buf[size] = 0;
    for (k = 0, p = buf; k < n; k++) {
        f[k] = p <= buf + size ? p : "";
        if (p <= buf + size) p += strlen(p) + 1;
    }
    return buf;
}
#endif
