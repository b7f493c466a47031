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
    static const cr_opt none[] = { {0, 0, 0} };
    cr_optstate st;
    cr_err err = {0};
    int k;
    cr_opt_begin(&st, argc, argv);
    st.stop_at_operand = 1;
    while ((k = cr_opt_next(&st, none)) >= 0) ;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (!st.noperands) return cr_main_usage_error(argv[0], "expected a COMMAND");
    while (st.i < st.argc) st.operands[st.noperands++] = st.argv[st.i++];
    st.operands[st.noperands] = NULL;
    if ((k = cr_ctr_init(st.operands, &err)) < 0) return cr_main_fail_err(argv[0], &err);
    return k;
}
