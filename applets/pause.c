/* pause — freeze every process of a container. */
#include "../multicall/applets.h"

const char cr_usage_pause[] =
"usage: cr pause CONTAINER_ID\n"
"\n"
"Freeze the container's processes (cgroup v1 freezer or v2 cgroup.freeze);\n"
"its status becomes \"paused\" until `cr resume`.\n";

int cr_applet_pause(int argc, char **argv) { return cr_opt_id_applet(argc, argv, cr_container_pause); }
