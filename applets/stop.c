/* stop — stop image containers: their stop signal, then SIGKILL. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_stop[] =
"usage: cr stop [-t SECONDS] NAME...\n"
"\n"
"Send each container its image's StopSignal (SIGTERM by default), and\n"
"SIGKILL when it is still running after the timeout. Returns once it has\n"
"stopped (a --rm container is then removed).\n"
"\n"
"  -t, --time SECONDS   seconds to wait before SIGKILL (default 10)\n";
#define STOP_OPTIONS(X) X(OPT_TIME, "time", 't', CR_OPT_VALUE)

int cr_applet_stop(int argc, char **argv) {
    CR_OPTIONS(opts, STOP_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    long long timeout;
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    if (cr_opt_time(&st, OPT_TIME, &timeout)) return 1;
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_stop(&cr_main_runtime, &cr_main_store, st.operands[i], (int)timeout, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
