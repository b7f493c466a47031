/* state — print the OCI state of a container. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_state[] =
"usage: cr state CONTAINER_ID\n"
"\n"
"Print the state of the container as JSON (ociVersion, id, status, pid,\n"
"bundle, rootfs, created, owner, annotations).\n";

int cr_applet_state(int argc, char **argv) {
    cr_optstate st;
    cr_state cs;
    cr_err err = {0};
    cr_buf b = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "CONTAINER_ID", 0);
    if (rc >= 0) return rc;
    if (cr_state_load(&cr_main_runtime, st.operands[0], &cs, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_state_json(&cs, &b);
    puts(b.data ? b.data : "{}");
    cr_buf_free(&b);
    cr_state_free(&cs);
    return 0;
}
