/* delete — remove a stopped container (or any, with --force). */
#include "../multicall/applets.h"

const char cr_usage_delete[] =
"usage: cr delete [-f|--force] CONTAINER_ID...\n"
"\n"
"Delete containers: their cgroup and state go, poststop hooks run.\n"
"\n"
"  -f, --force   kill the container first if it is not stopped\n";
#define DELETE_OPTIONS(X) X(OPT_FORCE, "force", 'f', CR_OPT_FLAG)

int cr_applet_delete(int argc, char **argv) {
    CR_OPTIONS(opts, DELETE_OPTIONS);
    cr_optstate st;
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID...", 0);
    if (rc >= 0) return rc;
    for (i = 0; i < st.noperands; i++) {
        cr_err err = {0};
        if (cr_container_delete(&cr_main_runtime, st.operands[i], cr_opt_given(&st, OPT_FORCE) > 0 ? CR_DELETE_FORCE : 0, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
    }
    return failed;
}
