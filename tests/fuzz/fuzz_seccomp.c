/* libFuzzer target: random linux.seccomp objects through the profile
   builder (libseccomp rules exported as BPF), never loaded. */
#define CR_IMPLEMENTATION
#include "cr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cr_json *root = NULL;
    cr_spec spec;
    cr__seccomp_filter f;
    cr_err err = {0};
    if (cr_json_parse((const char *)data, size, &root, &err) < 0) return 0;
    memset(&spec, 0, sizeof spec);
    if (root->type == CR_JSON_OBJECT) {
        spec.seccomp = root;
        if (cr__seccomp_build(&spec, NULL, &f, &err) == 0) CR_FREE(f.code);
        cr__seccomp_wants_listener(&spec);
    }
    cr_json_free(root);
    return 0;
}
