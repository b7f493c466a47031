/* logout — forget stored registry credentials. */
#include "../multicall/applets.h"
#include <errno.h>
#include <stdio.h>

const char cr_usage_logout[] =
"usage: cr logout [--authfile FILE] REGISTRY\n"
"       cr logout [--authfile FILE] --all\n"
"\n"
"Remove the credentials stored for REGISTRY (or, with --all, for every\n"
"registry) from FILE; its other contents stay as they are.\n"
"\n"
"  --authfile FILE   credentials file (default ~/.docker/config.json)\n"
"  -a, --all         remove every registry's credentials\n";
#define LOGOUT_OPTIONS(X) \
    X(OPT_AUTHFILE, "authfile", 0, CR_OPT_VALUE) \
    X(OPT_ALL, "all", 'a', CR_OPT_FLAG)

int cr_applet_logout(int argc, char **argv) {
    CR_OPTIONS(opts, LOGOUT_OPTIONS);
    char file[4096];
    const char *authfile;
    cr_optstate st;
    cr_err err = {0};
    int all, rc = cr_opt_parse(&st, argc, argv, opts, NULL, 0);
    if (rc >= 0) return rc;
    authfile = cr_opt_value(&st, OPT_AUTHFILE);
    all = cr_opt_given(&st, OPT_ALL) > 0;
    if (all ? st.noperands != 0 : st.noperands != 1) return cr_main_usage_error(argv[0], all ? "--all takes no REGISTRY" : "expected exactly one REGISTRY");
    if (!authfile) authfile = cr_auth_default_file(file, sizeof file);
    if (cr_auth_remove(authfile, all ? NULL : st.operands[0], &err) < 0 && !(all && err.code == ENOENT))
        return cr_main_fail_err(argv[0], &err);
    if (all) printf("Removed login credentials for all registries\n");
    else printf("Removed login credentials for %s\n", st.operands[0]);
    return 0;
}
