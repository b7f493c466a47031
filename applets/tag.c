/* tag — give an image another name. */
#include "../multicall/applets.h"

const char cr_usage_tag[] =
"usage: cr tag SOURCE TARGET\n"
"\n"
"Give the image SOURCE (a name, id or id prefix) the name TARGET too.\n";

int cr_applet_tag(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "SOURCE TARGET", 0);
    if (rc >= 0) return rc;
    if (cr_build_tag(&cr_main_store, st.operands[0], st.operands[1], &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
