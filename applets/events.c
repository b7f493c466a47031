/* events — container statistics and OOM notices, as runc prints them. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cr_usage_events[] =
"usage: cr events [--stats] [--interval DURATION] CONTAINER_ID\n"
"\n"
"Print JSON events, one a line: {\"type\":\"stats\",\"id\":...,\"data\":{cpu, memory,\n"
"pids, blkio, hugetlb}} every interval, and {\"type\":\"oom\",\"id\":...} when the\n"
"kernel OOM-kills a process of the container. Ends when the container stops.\n"
"\n"
"  --stats              print the statistics once and exit\n"
"  --interval DURATION  time between statistics (default 5s; 500ms, 2s, 1m)\n";
#define EVENTS_OPTIONS(X) \
    X(OPT_STATS, "stats", 0, CR_OPT_FLAG) \
    X(OPT_INTERVAL, "interval", 0, CR_OPT_VALUE)

static int cr_events_interval(const char *s, long *ms) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    if (!strcmp(end, "ms")) *ms = (long)v;
    else if (!strcmp(end, "s") || !*end) *ms = (long)(v * 1000);
    else if (!strcmp(end, "m")) *ms = (long)(v * 60000);
    else return -1;
    return *ms > 0 ? 0 : -1;
}

int cr_applet_events(int argc, char **argv) {
    CR_OPTIONS(opts, EVENTS_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    long interval = 5000, waited = 0;
    int k, once, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID", 0);
    uint64_t ooms = 0, now;
    if (rc >= 0) return rc;
    once = cr_opt_given(&st, OPT_STATS) > 0;
    while ((k = cr_opt_next(&st)) >= 0)
        if (k == OPT_INTERVAL && cr_events_interval(st.value, &interval) < 0) return cr_main_usage_error(argv[0], "--interval: bad duration \"%s\"", st.value);
    if (cr_container_oom_count(&cr_main_runtime, st.operands[0], &ooms, &err) < 0) return cr_main_fail_err(argv[0], &err);
    for (;;) {
        if (once || waited >= interval) {
            cr_buf b = {0};
            if (cr_container_stats(&cr_main_runtime, st.operands[0], &b, &err) < 0) {
                cr_buf_free(&b);
                return once ? cr_main_fail_err(argv[0], &err) : 0;
            }
            puts(b.data);
            fflush(stdout);
            cr_buf_free(&b);
            if (once) return 0;
            waited = 0;
        }
        {
            struct timespec ts = { 0, 100 * 1000000L };
            int stopped = cr_container_oom_count(&cr_main_runtime, st.operands[0], &now, &err);
            if (stopped < 0) return 0;
            for (; ooms < now; ooms++) { printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", st.operands[0]); fflush(stdout); }
            if (stopped) return 0;
            nanosleep(&ts, NULL);
            waited += 100;
        }
    }
}
