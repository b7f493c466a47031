/* resume — thaw a paused container. */
#include "../multicall/applets.h"

const char cr_usage_resume[] =
"usage: cr resume CONTAINER_ID\n"
"\n"
"Thaw a container frozen by `cr pause`.\n";

int cr_applet_resume(int argc, char **argv) {
    static const cr_opt opts[] = { {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) ;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one CONTAINER_ID");
    if (cr_container_resume(&cr_main_runtime, st.operands[0], &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
