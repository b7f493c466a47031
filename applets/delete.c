/* delete — remove a stopped container (or any, with --force). */
#include "../multicall/applets.h"

const char cr_usage_delete[] =
"usage: cr delete [-f|--force] CONTAINER_ID...\n"
"\n"
"Delete containers: their cgroup and state go, poststop hooks run.\n"
"\n"
"  -f, --force   kill the container first if it is not stopped\n";

int cr_applet_delete(int argc, char **argv) {
    static const cr_opt opts[] = { {"force", 'f', 0}, {0, 0, 0} };
    cr_optstate st;
    int k, i, force = 0, rc = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) force = 1;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands < 1) return cr_main_usage_error(argv[0], "expected a CONTAINER_ID");
    for (i = 0; i < st.noperands; i++) {
        cr_err err = {0};
        if (cr_container_delete(&cr_main_runtime, st.operands[i], force, &err) < 0) rc = cr_main_fail_err(argv[0], &err);
    }
    return rc;
}
