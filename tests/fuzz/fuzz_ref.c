// cr-test: libs=-lbearssl
/* libFuzzer target for image references: cr_ref_transport and cr_ref_parse
   on the input as a string. Whatever parses must print canonically, within
   CR_REF_STRING_MAX, and parse back to the same cr_ref (a fixed point);
   whatever fails must say which reference and why. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* references need no libseccomp */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char s[2048], out[CR_REF_STRING_MAX], again_s[CR_REF_STRING_MAX];
    cr_ref r, again;
    cr_err err = {0};
    const char *rest;
    int kind;
    if (size >= sizeof s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (cr_ref_transport(s, &kind, &rest) == 0 && (!*rest || rest < s || rest > s + size)) abort();
    if (cr_ref_parse(s, &r, &err) < 0) {
        if (err.code != EINVAL || strncmp(err.msg, "invalid reference \"", 19)) abort();
        return 0;
    }
    if (!r.domain[0] || !r.path[0] || strlen(r.path) > 255 || (!r.tag[0] && !r.digest[0])) abort();
    cr_ref_string(&r, out, sizeof out);
    if (strlen(out) >= sizeof out - 1) abort();
    if (cr_ref_parse(out, &again, &err) < 0 || memcmp(&r, &again, sizeof r)) abort();
    cr_ref_string(&again, again_s, sizeof again_s);
    if (strcmp(out, again_s)) abort();
    return 0;
}
