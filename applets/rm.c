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
CR_OPTIONS(rm_opts, RM_OPTIONS);

static int cr_rm_one(const cr_optstate *st, const char *name, cr_err *err) {
    return name ? cr_ctr_remove(&cr_main_runtime, &cr_main_store, name, cr_opt_given(st, OPT_FORCE) > 0 ? CR_CTR_REMOVE_FORCE : 0, err) : 0;
}

int cr_applet_rm(int argc, char **argv) {
    return cr_opt_ctr_applet(argc, argv, rm_opts, 0, cr_rm_one);
}
