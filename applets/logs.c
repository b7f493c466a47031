/* logs — print the output of an image container. */
#include "../multicall/applets.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_logs[] =
"usage: cr logs [-f] [-t] [-n|--tail N|all] [--since T] [--until T] NAME\n"
"\n"
"Print what an image container wrote to stdout (here to stdout) and to\n"
"stderr (here to stderr), detached or in the foreground.\n"
"\n"
"  -f, --follow       keep printing new output until the container stops\n"
"  -n, --tail N|all   begin with the last N lines (default all)\n"
"  -t, --timestamps   begin each line with its time (RFC3339Nano)\n"
"  --since T          only lines from T on: 2006-01-02T15:04:05Z, Unix seconds,\n"
"                     or a duration before now (10m, 1h30m)\n"
"  --until T          only lines up to T (the same forms)\n";
#define LOGS_OPTIONS(X) \
    X(OPT_FOLLOW, "follow", 'f', CR_OPT_FLAG) \
    X(OPT_TAIL, "tail", 'n', CR_OPT_VALUE) \
    X(OPT_TIMESTAMPS, "timestamps", 't', CR_OPT_FLAG) \
    X(OPT_SINCE, "since", 0, CR_OPT_VALUE_IN(since)) \
    X(OPT_UNTIL, "until", 0, CR_OPT_VALUE_IN(until))

int cr_applet_logs(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, LOGS_OPTIONS, cr_ctr_logs_opts);
    cr_optstate st;
    cr_err err = {0};
    cr_ctr_logs_opts o = {0};
    const char *tail;
    long long n = 0;
    int rc = cr_opt_parse(&st, argc, argv, opts, "NAME", 0);
    if (rc >= 0) return rc;
    cr_opt_into(&st, opts, &o);
    if ((tail = cr_opt_value(&st, OPT_TAIL)) && strcmp(tail, "all")) {
        if (cr_opt_number(tail, 0, LONG_MAX, &n) < 0) return cr_main_usage_error(argv[0], "--tail: expected a number of lines or all, got \"%s\"", tail);
        o.has_tail = 1;
        o.tail = (long)n;
    }
    o.flags = (cr_opt_given(&st, OPT_FOLLOW) > 0 ? CR_CTR_LOGS_FOLLOW : 0) | (cr_opt_given(&st, OPT_TIMESTAMPS) > 0 ? CR_CTR_LOGS_TIMESTAMPS : 0);
    o.err_fd = STDERR_FILENO;
    cr_main_gc();
    fflush(stdout);
    if (cr_ctr_logs_opt(&cr_main_runtime, &cr_main_store, st.operands[0], &o, STDOUT_FILENO, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
