/* unpause — thaw paused containers (Docker's name for resume). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_unpause[] =
"usage: cr unpause NAME...\n"
"\n"
"Thaw containers frozen by `cr pause` (image containers by name or id\n"
"prefix, else OCI container ids) and print each name.\n";

static int cr_unpause_one(const char *name, cr_err *err) {
    cr_ctr_info c;
    int r = cr_container_resume(&cr_main_runtime, cr_ctr_find(&cr_main_runtime, &cr_main_store, name, &c, NULL) == 0 ? c.name : name, err);
    if (r == 0) puts(name);
    return r;
}

int cr_applet_unpause(int argc, char **argv) { return cr_opt_names_applet(argc, argv, cr_unpause_one); }
