/* init — the PID 1 of `cr run --init`: runs a command, forwards signals
   to it, reaps orphans. */
#include "../multicall/applets.h"

const char cr_usage_init[] =
"usage: cr init [--] COMMAND [ARG...]\n"
"\n"
"Run COMMAND as a child, forward every signal to it, reap every process\n"
"that is orphaned onto this one, and exit with COMMAND's status. `cr run\n"
"--init` binds cr into the container as /sbin/cr-init and runs this.\n";

static int cr_init_command(char **operands, cr_err *err) { return cr_ctr_init(operands, err); }

int cr_applet_init(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "COMMAND [ARG...]", CR_OPT_STOP_AT_OPERAND, cr_init_command); }
