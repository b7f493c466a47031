/* start — release a created container's init to run the user program. */
#include "../multicall/applets.h"

const char cr_usage_start[] =
"usage: cr start CONTAINER_ID\n"
"\n"
"Start a created container: its process runs, poststart hooks follow.\n";

int cr_applet_start(int argc, char **argv) { return cr_opt_id_applet(argc, argv, cr_container_start); }
