/* features — what this runtime supports, in runc's `features` JSON. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_features[] =
"usage: cr features\n"
"\n"
"Print the runtime's features (OCI runtime-spec features.md) as JSON.\n";

int cr_applet_features(int argc, char **argv) {
    cr_optstate st;
    cr_buf b = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "", 0);
    if (rc >= 0) return rc;
    cr_container_features(&b);
    puts(b.data);
    cr_buf_free(&b);
    return 0;
}
