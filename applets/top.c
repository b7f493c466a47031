/* top — the processes of a running image container, as docker top. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_top[] =
"usage: cr top NAME [PS_OPTION...]\n"
"\n"
"List the processes of a running image container (name, id or id\n"
"prefix): the host's ps with PS_OPTION... (default -ef) showing only the\n"
"container's lines, as docker top does. (cr ps ID ... is the same for any\n"
"container, by its exact id.)\n";

int cr_applet_top(int argc, char **argv) {
    cr_err err = {0};
    cr_ctr_info c;
    if (argc < 2 || argv[1][0] == '-') {
        cr_optstate st;
        int rc = cr_opt_parse(&st, argc, argv, NULL, "NAME", 0);
        if (rc >= 0) return rc;
    }
    cr_main_gc();
    if (cr_ctr_find(&cr_main_runtime, &cr_main_store, argv[1], &c, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (c.status != CR_RUNNING && c.status != CR_PAUSED) return cr_main_fail(argv[0], "container \"%s\" is not running", c.name);
    fflush(stdout);
    return cr_main_subapplet(argc, argv, cr_applet_ps, "ps", c.name);
}
