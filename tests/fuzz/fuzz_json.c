/* libFuzzer target for the json section:
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_json.c
   Whatever parses must serialise to JSON that parses again and is a fixed
   point of parse -> cr_jw_value. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* JSON needs no libseccomp, zstd, zlib or BearSSL to link */
#define CR_NO_REGISTRY
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static int serialise(const char *text, size_t len, cr_buf *out) {
    cr_json *v;
    cr_jw w;
    if (cr_json_parse(text, len, &v, NULL) < 0) return -1;
    memset(out, 0, sizeof *out);
    cr_jw_init(&w, out);
    cr_jw_value(&w, v);
    cr_json_free(v);
    if (out->oom || !out->data) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    cr_buf a, b;
    if (serialise((const char *)data, size, &a) < 0) return 0;
    if (serialise(a.data, a.len, &b) < 0) abort();              /* our own output must parse */
    if (a.len != b.len || memcmp(a.data, b.data, a.len)) abort();   /* and be stable */
    cr_buf_free(&a);
    cr_buf_free(&b);
    return 0;
}
