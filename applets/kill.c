/* kill — send a signal to a container's init, or with --all to all its processes. */
#include "../multicall/applets.h"
#include <signal.h>

const char cr_usage_kill[] =
"usage: cr kill [-a|--all] CONTAINER_ID [SIGNAL]\n"
"\n"
"Send SIGNAL (a name like TERM or SIGKILL, or a number; default SIGTERM) to\n"
"the container's init.\n"
"\n"
"  -a, --all   signal every process in the container's cgroup\n";
#define KILL_OPTIONS(X) X(OPT_ALL, "all", 'a', CR_OPT_FLAG)

int cr_applet_kill(int argc, char **argv) {
    CR_OPTIONS(opts, KILL_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    int sig = SIGTERM, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID [SIGNAL]", 0);
    if (rc >= 0) return rc;
    if (st.noperands == 2 && (sig = cr_util_signal_parse(st.operands[1])) < 0)
        return cr_main_fail(argv[0], "unknown signal \"%s\"", st.operands[1]);
    if (cr_container_kill(&cr_main_runtime, st.operands[0], sig, cr_opt_given(&st, OPT_ALL) > 0 ? CR_KILL_ALL : 0, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
