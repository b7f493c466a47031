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

int cr_applet_logs(int argc, char **argv) {
    static const cr_opt opts[] = { {"follow", 'f', 0}, {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k, follow = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) follow = 1;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one NAME");
    cr_main_gc();
    fflush(stdout);
    if (cr_ctr_logs(&cr_main_runtime, &cr_main_store, st.operands[0], follow, STDOUT_FILENO, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
