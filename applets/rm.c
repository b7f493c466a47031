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

int cr_applet_rm(int argc, char **argv) {
    static const cr_opt opts[] = { {"force", 'f', 0}, {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k, i, force = 0, failed = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) force = 1;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (!st.noperands) return cr_main_usage_error(argv[0], "expected at least one NAME");
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_remove(&cr_main_runtime, &cr_main_store, st.operands[i], force, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
