/* rename — give an image container a new name (Docker). */
#include "../multicall/applets.h"

const char cr_usage_rename[] =
"usage: cr rename NAME NEW_NAME\n"
"\n"
"Rename an image container, running or stopped (as docker rename): its\n"
"directory, records, OCI state and network lease take NEW_NAME, the cr that\n"
"runs it follows, and NAME is free for a new container at once.\n";

static int cr_rename_two(char **operands, cr_err *err) {
    cr_main_gc();
    return cr_ctr_rename(&cr_main_runtime, &cr_main_store, operands[0], operands[1], err);
}

int cr_applet_rename(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "NAME NEW_NAME", 0, cr_rename_two); }
