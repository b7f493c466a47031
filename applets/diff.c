/* diff — what changed in an image container's root, as docker diff. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_diff[] =
"usage: cr diff NAME\n"
"\n"
"List the files and directories changed in the container's root since it\n"
"was made from its image, one a line: `A /new`, `C /changed`, `D /deleted`.\n";

static int diff_line(void *user, char kind, const char *path) {
    (void)user;
    printf("%c %s\n", kind, path);
    return 0;
}

int cr_applet_diff(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "NAME", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    if (cr_ctr_diff(&cr_main_runtime, &cr_main_store, st.operands[0], diff_line, NULL, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
