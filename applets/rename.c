/* rename — give an image container a new name (Docker). */
#include "../multicall/applets.h"

const char cr_usage_rename[] =
"usage: cr rename NAME NEW_NAME\n"
"\n"
"Rename an image container that is not running: its directory, record and\n"
"config follow (cr does not rename running containers).\n";

int cr_applet_rename(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "NAME NEW_NAME", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    if (cr_ctr_rename(&cr_main_runtime, &cr_main_store, st.operands[0], st.operands[1], &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
