/* kill — send a signal to a container's init, or with --all to all its
   processes (runc); or to image containers (Docker). */
#include "../multicall/applets.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>

const char cr_usage_kill[] =
"usage: cr kill [-a|--all] CONTAINER_ID [SIGNAL]        (runc's form)\n"
"       cr kill [-s SIGNAL] NAME...                     (Docker's form)\n"
"\n"
"runc's form sends SIGNAL (a name like TERM or SIGKILL, or a number;\n"
"default SIGTERM) to the container's init. The Docker form, taken when -s is\n"
"given or when the first operand is an image container (`cr run IMAGE`) of\n"
"this state root and no second operand is a signal, sends SIGNAL (default\n"
"SIGKILL) to each running container and prints its name; its --restart policy\n"
"then rests until it is started again.\n"
"\n"
"  -a, --all            signal every process in the container's cgroup (runc)\n"
"  -s, --signal SIGNAL  the signal (Docker)\n";
#define KILL_OPTIONS(X) \
    X(OPT_ALL, "all", 'a', CR_OPT_FLAG) \
    X(OPT_SIGNAL, "signal", 's', CR_OPT_VALUE)

static int cr_kill_docker(const char *applet, const cr_optstate *st, const char *name) {
    cr_err err = {0};
    int i, failed = 0, sig = name ? cr_util_signal_parse(name) : SIGKILL;
    if (sig < 0) return cr_main_fail(applet, "unknown signal \"%s\"", name);
    for (i = 0; i < st->noperands; i++) {
        if (cr_ctr_kill(&cr_main_runtime, &cr_main_store, st->operands[i], sig, &err) < 0) failed = cr_main_fail_err(applet, &err);
        else puts(st->operands[i]);
    }
    return failed;
}

int cr_applet_kill(int argc, char **argv) {
    CR_OPTIONS(opts, KILL_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    int sig = SIGTERM, rc = cr_opt_parse(&st, argc, argv, opts, NULL, 0);
    if (rc >= 0) return rc;
    if (!st.noperands) return cr_main_usage_error(argv[0], "expected CONTAINER_ID [SIGNAL] or NAME...");
    if (cr_opt_given(&st, OPT_SIGNAL) ||
        ((st.noperands == 1 || cr_util_signal_parse(st.operands[1]) < 0) && cr_ctr_owns(&cr_main_runtime, &cr_main_store, st.operands[0])))
        return cr_kill_docker(argv[0], &st, cr_opt_value(&st, OPT_SIGNAL));
    if (st.noperands > 2) return cr_main_usage_error(argv[0], "expected CONTAINER_ID [SIGNAL]");
    if (st.noperands == 2 && (sig = cr_util_signal_parse(st.operands[1])) < 0)
        return cr_main_fail(argv[0], "unknown signal \"%s\"", st.operands[1]);
    if (cr_container_kill(&cr_main_runtime, st.operands[0], sig, cr_opt_given(&st, OPT_ALL) > 0 ? CR_KILL_ALL : 0, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
