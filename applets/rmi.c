/* rmi — forget image names; --prune frees the space they held. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_rmi[] =
"usage: cr rmi [--prune] IMAGE...\n"
"\n"
"Remove image names (reference, id or id prefix) from the store. The blobs\n"
"and layers stay until a prune finds no image using them.\n"
"\n"
"  --prune   also remove every blob and layer no image refers to\n";

int cr_applet_rmi(int argc, char **argv) {
    static const cr_opt opts[] = { {"prune", 0, 0}, {"force", 'f', 0}, {0, 0, 0} };
    cr_optstate st;
    int k, i, rc = 0, prune = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) if (k == 0) prune = 1;
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (!st.noperands && !prune) return cr_main_usage_error(argv[0], "expected an IMAGE");
    for (i = 0; i < st.noperands; i++) {
        cr_err err = {0};
        if (cr_image_remove(&cr_main_store, st.operands[i], &err) < 0) rc = cr_main_fail_err(argv[0], &err);
        else printf("Untagged: %s\n", st.operands[i]);
    }
    if (prune) {
        cr_err err = {0};
        uint64_t freed = 0;
        if (cr_store_gc(&cr_main_store, &freed, &err) < 0) return cr_main_fail_err(argv[0], &err);
        printf("Reclaimed %.1f MB\n", freed / 1e6);
    }
    return rc;
}
