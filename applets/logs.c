/* logs — print the output of a detached image container. */
#include "../multicall/applets.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_logs[] =
"usage: cr logs [-f] [-n|--tail N|all] NAME\n"
"\n"
"Print what a container started with `cr run -d` wrote to stdout and\n"
"stderr.\n"
"\n"
"  -f, --follow       keep printing new output until the container stops\n"
"  -n, --tail N|all   begin with the last N lines (default all)\n";
#define LOGS_OPTIONS(X) \
    X(OPT_FOLLOW, "follow", 'f', CR_OPT_FLAG) \
    X(OPT_TAIL, "tail", 'n', CR_OPT_VALUE)

int cr_applet_logs(int argc, char **argv) {
    CR_OPTIONS(opts, LOGS_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    cr_ctr_logs_opts o = {0};
    const char *tail;
    long long n = 0;
    int rc = cr_opt_parse(&st, argc, argv, opts, "NAME", 0);
    if (rc >= 0) return rc;
    if ((tail = cr_opt_value(&st, OPT_TAIL)) && strcmp(tail, "all")) {
        if (cr_opt_number(tail, 0, LONG_MAX, &n) < 0) return cr_main_usage_error(argv[0], "--tail: expected a number of lines or all, got \"%s\"", tail);
        o.has_tail = 1;
        o.tail = (long)n;
    }
    o.flags = cr_opt_given(&st, OPT_FOLLOW) > 0 ? CR_CTR_LOGS_FOLLOW : 0;
    cr_main_gc();
    fflush(stdout);
    if (cr_ctr_logs_opt(&cr_main_runtime, &cr_main_store, st.operands[0], &o, STDOUT_FILENO, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
