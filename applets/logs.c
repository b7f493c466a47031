/* logs — print the output of a detached image container. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <unistd.h>

const char cr_usage_logs[] =
"usage: cr logs [-f] NAME\n"
"\n"
"Print what a container started with `cr run -d` wrote to stdout and\n"
"stderr.\n"
"\n"
"  -f, --follow   keep printing new output until the container stops\n";
#define LOGS_OPTIONS(X) X(OPT_FOLLOW, "follow", 'f', CR_OPT_FLAG)

int cr_applet_logs(int argc, char **argv) {
    CR_OPTIONS(opts, LOGS_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, opts, "NAME", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    fflush(stdout);
    if (cr_ctr_logs(&cr_main_runtime, &cr_main_store, st.operands[0], cr_opt_given(&st, OPT_FOLLOW) > 0 ? CR_CTR_LOGS_FOLLOW : 0, STDOUT_FILENO, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
