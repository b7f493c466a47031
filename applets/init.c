/* init — the PID 1 of `cr run --init`: runs a command, forwards signals
   to it, reaps orphans. */
#include "../multicall/applets.h"

const char cr_usage_init[] =
"usage: cr init [--] COMMAND [ARG...]\n"
"\n"
"Run COMMAND as a child, forward every signal to it, reap every process\n"
"that is orphaned onto this one, and exit with COMMAND's status. `cr run\n"
"--init` binds cr into the container as /sbin/cr-init and runs this.\n";

int cr_applet_init(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "COMMAND [ARG...]", CR_OPT_STOP_AT_OPERAND);
    if (rc >= 0) return rc;
    if ((rc = cr_ctr_init(st.operands, &err)) < 0) return cr_main_fail_err(argv[0], &err);
    return rc;
}
