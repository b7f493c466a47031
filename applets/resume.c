/* resume — thaw a paused container. */
#include "../multicall/applets.h"

const char cr_usage_resume[] =
"usage: cr resume CONTAINER_ID\n"
"\n"
"Thaw a container frozen by `cr pause`.\n";

int cr_applet_resume(int argc, char **argv) { return cr_opt_id_applet(argc, argv, cr_container_resume); }
