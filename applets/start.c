/* start — release a created container's init to run the user program. */
#include "../multicall/applets.h"

const char cr_usage_start[] =
"usage: cr start CONTAINER_ID\n"
"\n"
"Start a created container: its process runs, poststart hooks follow.\n";

int cr_applet_start(int argc, char **argv) {
    const char *id;
    cr_err err = {0};
    int rc = cr_opt_one_id(argc, argv, &id);
    if (!id) return rc;
    if (cr_container_start(&cr_main_runtime, id, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
