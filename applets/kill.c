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

int cr_applet_kill(int argc, char **argv) {
    static const cr_opt opts[] = { {"all", 'a', 0}, {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k, all = 0, sig = SIGTERM;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) all = 1;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands < 1 || st.noperands > 2) return cr_main_usage_error(argv[0], "expected CONTAINER_ID [SIGNAL]");
    if (st.noperands == 2 && (sig = cr_util_signal_parse(st.operands[1])) < 0)
        return cr_main_fail(argv[0], "unknown signal \"%s\"", st.operands[1]);
    if (cr_container_kill(&cr_main_runtime, st.operands[0], sig, all, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
