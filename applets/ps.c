/* ps — the processes of a container, from its cgroup. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>

const char cr_usage_ps[] =
"usage: cr ps [-f|--format table|json] CONTAINER_ID\n"
"\n"
"List the processes in the container's cgroup.\n"
"\n"
"  -f, --format FMT   table (default: PID and command) or json (a list of pids)\n";
#define PS_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)

static void cr_ps_cmdline(int pid, char *out, size_t n) {
    char path[64];
    FILE *f;
    size_t len, i;
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    out[0] = 0;
    if (!(f = fopen(path, "re"))) return;
    len = fread(out, 1, n - 1, f);
    fclose(f);
    for (i = 0; i + 1 < len; i++) if (!out[i]) out[i] = ' ';
    out[len] = 0;
}

int cr_applet_ps(int argc, char **argv) {
    CR_OPTIONS(opts, PS_OPTIONS);
    cr_optstate st;
    cr_state cs;
    cr_err err = {0};
    pid_t *pids = NULL;
    size_t n = 0, i;
    int json = 0, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID", 0);
    if (rc >= 0) return rc;
    while (cr_opt_next(&st) == OPT_FORMAT)
        if (cr_opt_format(argv[0], st.value, &json) < 0) return 1;
    if (cr_state_load(&cr_main_runtime, st.operands[0], &cs, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cs.status != CR_STOPPED && cs.cgroup[0] && cr_cgroup_pids(cs.cgroup, &pids, &n, &err) < 0) {
        cr_state_free(&cs);
        return cr_main_fail_err(argv[0], &err);
    }
    if (json) {
        printf("[");
        for (i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
    } else {
        printf("%-8s %s\n", "PID", "CMD");
        for (i = 0; i < n; i++) {
            char cmd[512];
            cr_ps_cmdline((int)pids[i], cmd, sizeof cmd);
            printf("%-8d %s\n", (int)pids[i], cmd);
        }
    }
    cr_util_free(pids);
    cr_state_free(&cs);
    return 0;
}
