/* restart — stop image containers and start them again (Docker). */
#include "../multicall/applets.h"

const char cr_usage_restart[] =
"usage: cr restart [-t SECONDS] NAME...\n"
"\n"
"Stop each image container as `cr stop` does (its StopSignal, SIGKILL after\n"
"the timeout), then start it again as `cr start` does (same upper dir,\n"
"volumes and network); prints each name.\n"
"\n"
"  -t, --time SECONDS   seconds to wait before SIGKILL (default 10)\n";

int cr_applet_restart(int argc, char **argv) { return cr_opt_stop_applet(argc, argv); }
