/* features — what this runtime supports, in runc's `features` JSON. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_features[] =
"usage: cr features\n"
"\n"
"Print the runtime's features (OCI runtime-spec features.md) as JSON.\n";

static int cr_features_print(char **operands, cr_err *err) {
    cr_buf b = {0};
    (void)operands; (void)err;
    cr_container_features(&b);
    puts(b.data);
    cr_buf_free(&b);
    return 0;
}

int cr_applet_features(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "", 0, cr_features_print); }
