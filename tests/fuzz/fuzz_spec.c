// cr-test: libs=-lseccomp
/* libFuzzer target: config.json text through the spec parser and validator,
   and the same bytes as an exec --process document. */
#define CR_IMPLEMENTATION
#include "cr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cr_spec spec, owner;
    cr_process p;
    cr_err err = {0};
    if (cr_spec_parse(&spec, (const char *)data, size, &err) == 0) {
        cr__seccomp_filter f;
        cr_err e2 = {0};
        if (cr__seccomp_build(&spec, NULL, &f, &e2) == 0) CR_FREE(f.code);
        cr_spec_free(&spec);
    }
    memset(&owner, 0, sizeof owner);
    cr_spec_parse_process(&owner, &p, (const char *)data, size, &err);
    cr_spec_free(&owner);
    return 0;
}
