/* restart — stop image containers and start them again (Docker). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_restart[] =
"usage: cr restart [-t SECONDS] NAME...\n"
"\n"
"Stop each image container as `cr stop` does (its StopSignal, SIGKILL after\n"
"the timeout), then start it again as `cr start` does (same upper dir,\n"
"volumes and network); prints each name.\n"
"\n"
"  -t, --time SECONDS   seconds to wait before SIGKILL (default 10)\n";
#define RESTART_OPTIONS(X) X(OPT_TIME, "time", 't', CR_OPT_VALUE)

int cr_applet_restart(int argc, char **argv) {
    CR_OPTIONS(opts, RESTART_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    long long timeout;
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    if (cr_opt_time(&st, OPT_TIME, &timeout)) return 1;
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_stop(&cr_main_runtime, &cr_main_store, st.operands[i], (int)timeout, &err) < 0 ||
            cr_ctr_start(&cr_main_runtime, &cr_main_store, st.operands[i], 0, NULL, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
