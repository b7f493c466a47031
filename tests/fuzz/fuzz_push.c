// cr-test: libs=-lbearssl
/* libFuzzer target for what a registry says about an upload: the input is
   a Range header value for cr_push_parse_range. What parses must print
   back as "0-N" and parse again to the same count (a fixed point); what
   fails must be -EINVAL and leave the count alone. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* none of this needs libseccomp */
#include "cr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char s[256], again[64];
    uint64_t have = 12345, have2 = 0;
    int r;
    if (size >= sizeof s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    r = cr_push_parse_range(s, &have);
    if (r < 0) {
        if (r != -EINVAL || have != 12345) abort();
        return 0;
    }
    if (r != 0 || !memchr(s, '-', size)) abort();
    snprintf(again, sizeof again, "0-%llu", (unsigned long long)(have ? have - 1 : 0));
    if (cr_push_parse_range(again, &have2) < 0 || have2 != have) abort();
    return 0;
}
