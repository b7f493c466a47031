/* rmi — forget image names; --prune frees the space they held. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_rmi[] =
"usage: cr rmi [-f] [--prune] IMAGE...\n"
"\n"
"Remove image names (reference, id or id prefix) from the store. Once an\n"
"image has no name left, its blobs and unpacked layers that no other image\n"
"and no container uses are removed too (`Deleted: ID`), as with Docker.\n"
"\n"
"  -f, --force   remove it even when containers use it (they keep running)\n"
"  --prune       also remove every blob and layer nothing refers to, and\n"
"                partial downloads no pull is using\n";
#define RMI_OPTIONS(X) \
    X(OPT_PRUNE, "prune", 0, CR_OPT_FLAG) \
    X(OPT_FORCE, "force", 'f', CR_OPT_FLAG)

typedef struct { const char *config; char users[1024]; } cr_rmi_use;

static int cr_rmi_user(void *user, const cr_ctr_info *c) {
    cr_rmi_use *u = (cr_rmi_use *)user;
    size_t n = strlen(u->users);
    if (strcmp(c->image_id, u->config) || n > sizeof u->users - 300) return 0;
    snprintf(u->users + n, sizeof u->users - n, "%s%s", n ? ", " : "", c->name);
    return 0;
}

/* The containers that use an image, as "a, b" ("" when none). */
static void cr_rmi_users(const char *image, char *out, size_t n) {
    cr_image_info info;
    cr_rmi_use u;
    cr_err err = {0};
    out[0] = 0;
    if (cr_store_find(&cr_main_store, image, &info, &err) < 0) return;
    memset(&u, 0, sizeof u);
    u.config = info.config;
    cr_ctr_list(&cr_main_runtime, &cr_main_store, cr_rmi_user, &u, &err);
    snprintf(out, n, "%s", u.users);
}

int cr_applet_rmi(int argc, char **argv) {
    CR_OPTIONS(opts, RMI_OPTIONS);
    cr_optstate st;
    int i, r, prune, force, rc = cr_opt_parse(&st, argc, argv, opts, NULL, 0);
    char users[1024];
    cr_image_info info;
    if (rc >= 0) return rc;
    rc = 0;
    prune = cr_opt_given(&st, OPT_PRUNE) > 0;
    force = cr_opt_given(&st, OPT_FORCE) > 0;
    if (!st.noperands && !prune) return cr_main_usage_error(argv[0], "expected an IMAGE");
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        cr_err err = {0};
        if (!force && (cr_rmi_users(st.operands[i], users, sizeof users), users[0])) {
            rc = cr_main_fail(argv[0], "image \"%s\" is used by container %s (remove it first, or use --force)", st.operands[i], users);
            continue;
        }
        if (cr_store_find(&cr_main_store, st.operands[i], &info, &err) < 0 || cr_store_remove(&cr_main_store, st.operands[i], &err) < 0) {
            rc = cr_main_fail_err(argv[0], &err);
            continue;
        }
        printf("Untagged: %s\n", st.operands[i]);
        if ((r = cr_store_release(&cr_main_store, &info, NULL, &err)) < 0) rc = cr_main_fail_err(argv[0], &err);
        else if (r > 0) printf("Deleted: %s\n", info.config);
    }
    if (prune) {
        cr_err err = {0};
        uint64_t freed = 0;
        if (cr_store_gc(&cr_main_store, &freed, &err) < 0) return cr_main_fail_err(argv[0], &err);
        printf("Reclaimed %.1f MB\n", freed / 1e6);
    }
    return rc;
}
