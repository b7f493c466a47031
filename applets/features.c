/* features — what this runtime supports, in runc's `features` JSON. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_features[] =
"usage: cr features\n"
"\n"
"Print the runtime's features (OCI runtime-spec features.md) as JSON.\n";

int cr_applet_features(int argc, char **argv) {
    static const cr_opt opts[] = { {0, 0, 0} };
    cr_optstate st;
    cr_buf b = {0};
    int k;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) ;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands) return cr_main_usage_error(argv[0], "takes no operands");
    cr_container_features(&b);
    puts(b.data);
    cr_buf_free(&b);
    return 0;
}
