/* rm — remove image containers. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_rm[] =
"usage: cr rm [-f] NAME...\n"
"\n"
"Remove stopped image containers: state, cgroup, overlay directories,\n"
"anonymous volumes and log. Named volumes stay.\n"
"\n"
"  -f, --force   kill a running container first\n";
#define RM_OPTIONS(X) X(OPT_FORCE, "force", 'f', CR_OPT_FLAG)

int cr_applet_rm(int argc, char **argv) {
    CR_OPTIONS(opts, RM_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_remove(&cr_main_runtime, &cr_main_store, st.operands[i], cr_opt_given(&st, OPT_FORCE) > 0 ? CR_CTR_REMOVE_FORCE : 0, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
