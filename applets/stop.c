/* stop — stop image containers: their stop signal, then SIGKILL. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>

const char cr_usage_stop[] =
"usage: cr stop [-t SECONDS] NAME...\n"
"\n"
"Send each container its image's StopSignal (SIGTERM by default), and\n"
"SIGKILL when it is still running after the timeout. Returns once it has\n"
"stopped (a --rm container is then removed).\n"
"\n"
"  -t, --time SECONDS   seconds to wait before SIGKILL (default 10)\n";

int cr_applet_stop(int argc, char **argv) {
    static const cr_opt opts[] = { {"time", 't', 1}, {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k, i, timeout = -1, failed = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        char *end;
        timeout = (int)strtol(st.value, &end, 10);
        if (*end || end == st.value || timeout < 0) return cr_main_usage_error(argv[0], "--time: expected seconds, got \"%s\"", st.value);
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (!st.noperands) return cr_main_usage_error(argv[0], "expected at least one NAME");
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_stop(&cr_main_runtime, &cr_main_store, st.operands[i], timeout, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
