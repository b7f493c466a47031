/* logout — forget stored registry credentials. */
#include "../multicall/applets.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char cr_usage_logout[] =
"usage: cr logout [--authfile FILE] REGISTRY\n"
"       cr logout [--authfile FILE] --all\n"
"\n"
"Remove the credentials stored for REGISTRY (or, with --all, for every\n"
"registry) from FILE; its other contents stay as they are.\n"
"\n"
"  --authfile FILE   credentials file (default ~/.docker/config.json)\n"
"  -a, --all         remove every registry's credentials\n";

int cr_applet_logout(int argc, char **argv) {
    static const cr_opt opts[] = { {"authfile", 0, 1}, {"all", 'a', 0}, {0, 0, 0} };
    char file[4096];
    const char *authfile = NULL;
    cr_optstate st;
    cr_err err = {0};
    int k, all = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        if (k == 0) authfile = st.value;
        else all = 1;
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (all ? st.noperands != 0 : st.noperands != 1) return cr_main_usage_error(argv[0], all ? "--all takes no REGISTRY" : "expected exactly one REGISTRY");
    if (!authfile) authfile = cr_auth_default_file(file, sizeof file);
    if (cr_auth_remove(authfile, all ? NULL : st.operands[0], &err) < 0 && !(all && err.code == ENOENT))
        return cr_main_fail_err(argv[0], &err);
    if (all) printf("Removed login credentials for all registries\n");
    else printf("Removed login credentials for %s\n", st.operands[0]);
    return 0;
}
