/* unpause — thaw paused containers (Docker's name for resume). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_unpause[] =
"usage: cr unpause NAME...\n"
"\n"
"Thaw containers frozen by `cr pause` (image containers by name or id\n"
"prefix, else OCI container ids) and print each name.\n";

int cr_applet_unpause(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, NULL, "NAME...", 0);
    if (rc >= 0) return rc;
    for (i = 0; i < st.noperands; i++) {
        cr_ctr_info c;
        const char *id = cr_ctr_find(&cr_main_runtime, &cr_main_store, st.operands[i], &c, NULL) == 0 ? c.name : st.operands[i];
        if (cr_container_resume(&cr_main_runtime, id, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}
