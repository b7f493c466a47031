/* resume — thaw a paused container. */
#include "../multicall/applets.h"

const char cr_usage_resume[] =
"usage: cr resume CONTAINER_ID\n"
"\n"
"Thaw a container frozen by `cr pause`.\n";

int cr_applet_resume(int argc, char **argv) {
    const char *id;
    cr_err err = {0};
    int rc = cr_opt_one_id(argc, argv, &id);
    if (!id) return rc;
    if (cr_container_resume(&cr_main_runtime, id, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
