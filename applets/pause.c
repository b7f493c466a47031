/* pause — freeze every process of a container. */
#include "../multicall/applets.h"

const char cr_usage_pause[] =
"usage: cr pause CONTAINER_ID\n"
"\n"
"Freeze the container's processes (cgroup v1 freezer or v2 cgroup.freeze);\n"
"its status becomes \"paused\" until `cr resume`.\n";

int cr_applet_pause(int argc, char **argv) {
    const char *id;
    cr_err err = {0};
    int rc = cr_opt_one_id(argc, argv, &id);
    if (!id) return rc;
    if (cr_container_pause(&cr_main_runtime, id, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
