/* state — print the OCI state of a container. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_state[] =
"usage: cr state CONTAINER_ID\n"
"\n"
"Print the state of the container as JSON (ociVersion, id, status, pid,\n"
"bundle, rootfs, created, owner, annotations).\n";

int cr_applet_state(int argc, char **argv) {
    static const cr_opt opts[] = { {0, 0, 0} };
    cr_optstate st;
    cr_state cs;
    cr_err err = {0};
    cr_buf b = {0};
    int k;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) ;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one CONTAINER_ID");
    if (cr_state_load(&cr_main_runtime, st.operands[0], &cs, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_state_json(&cs, &b);
    puts(b.data ? b.data : "{}");
    cr_buf_free(&b);
    cr_state_free(&cs);
    return 0;
}
