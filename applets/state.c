/* state — print the OCI state of a container. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_state[] =
"usage: cr state CONTAINER_ID\n"
"\n"
"Print the state of the container as JSON (ociVersion, id, status, pid,\n"
"bundle, rootfs, created, owner, annotations).\n";

static int cr_state_print(const cr_runtime *rt, const char *id, cr_err *err) {
    cr_state cs;
    cr_buf b = {0};
    if (cr_state_load(rt, id, &cs, err) < 0) return -1;
    cr_state_json(&cs, &b);
    puts(b.data ? b.data : "{}");
    cr_buf_free(&b);
    cr_state_free(&cs);
    return 0;
}

int cr_applet_state(int argc, char **argv) { return cr_opt_id_applet(argc, argv, cr_state_print); }
