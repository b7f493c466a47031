/* wait — wait for image containers to exit and print their exit statuses (Docker). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_wait[] =
"usage: cr wait NAME...\n"
"\n"
"Wait until each image container exits (one that is not running: its last\n"
"exit) and print its exit status, one a line.\n";

int cr_applet_wait(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int i, code, failed = 0, rc = cr_opt_parse(&st, argc, argv, NULL, "NAME...", 0);
    if (rc >= 0) return rc;
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_wait(&cr_main_runtime, &cr_main_store, st.operands[i], &code, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else { printf("%d\n", code); fflush(stdout); }
    }
    return failed;
}
