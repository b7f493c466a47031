/* commit — a container's changes as a new image. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_commit[] =
"usage: cr commit [-m MESSAGE] CONTAINER [IMAGE]\n"
"\n"
"A new image: the container's image plus its changes as one more layer.\n"
"\n"
"  -m, --message TEXT   the history comment\n";
#define COMMIT_OPTIONS(X) X(OPT_MESSAGE, "message", 'm', CR_OPT_VALUE)

int cr_applet_commit(int argc, char **argv) {
    CR_OPTIONS(opts, COMMIT_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    char id[CR_DIGEST_MAX];
    int rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER [IMAGE]", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    if (cr_build_commit(&cr_main_runtime, &cr_main_store, st.operands[0], st.operands[1], cr_opt_value(&st, OPT_MESSAGE), id, &err) < 0)
        return cr_main_fail_err(argv[0], &err);
    printf("%s\n", id);
    return 0;
}
