/* stop — stop image containers: their stop signal, then SIGKILL. */
#include "../multicall/applets.h"

const char cr_usage_stop[] =
"usage: cr stop [-t SECONDS] NAME...\n"
"\n"
"Send each container its image's StopSignal (SIGTERM by default), and\n"
"SIGKILL when it is still running after the timeout. Returns once it has\n"
"stopped (a --rm container is then removed).\n"
"\n"
"  -t, --time SECONDS   seconds to wait before SIGKILL (default 10)\n";

int cr_applet_stop(int argc, char **argv) { return cr_opt_stop_applet(argc, argv); }
