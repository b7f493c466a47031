/* volume — Docker's volume group: named volumes in the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

const char cr_usage_volume[] =
"usage: cr volume create [NAME]             make a named volume (no NAME: a random one); prints its name\n"
"       cr volume ls|list [-q]              the named volumes (-q: names only)\n"
"       cr volume inspect [-f FORMAT] NAME...   as JSON (Name, Driver, Mountpoint, CreatedAt, ...),\n"
"                                           or through a Go template\n"
"       cr volume rm NAME...                remove volumes no image container mounts\n"
"       cr volume prune [-f]                remove every volume no image container mounts\n"
"                                           (asks first unless -f, --force)\n"
"\n"
"Named volumes live in STORE/volumes/NAME/_data; `cr run -v NAME:/path`\n"
"makes one on first use.\n";
#define VOLUME_OPTIONS(X) \
    CR_INSPECT_OPTIONS(X) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG)

static int volume_quiet, volume_prune;

static int volume_inspect_one(const char *name, cr_buf *out, cr_err *err) { return cr_ctr_volume_inspect(&cr_main_store, name, out, err); }

static int volume_row(void *user, const char *name) {
    cr_err err = {0};
    (void)user;
    if (volume_prune) {
        if (cr_ctr_volume_remove(&cr_main_store, name, &err) == 0) printf("%s%s\n", volume_prune++ == 1 ? "Deleted Volumes:\n" : "", name);
    } else if (volume_quiet) puts(name);
    else printf("local     %s\n", name);
    return 0;
}

int cr_applet_volume(int argc, char **argv) {
    CR_OPTIONS(opts, VOLUME_OPTIONS);
    CR_OPTIONS(prune_opts, CR_PRUNE_OPTIONS);   /* prune's -f is --force */
    static const char *const subs[] = { "create", "[NAME]", "ls", "", "list", "", "inspect", "NAME...", "rm", "NAME...",
                                        "remove", "NAME...", "prune", "", NULL };
    cr_optstate st;
    cr_err err = {0};
    const char *sub = argc > 1 ? argv[1] : "";
    char name[65], **n;
    unsigned char b[32];
    int i, rc;
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { fputs(cr_usage_volume, stdout); return 0; }
    for (i = 0; subs[i] && strcmp(subs[i], sub); i += 2) {}
    if (!subs[i]) return cr_main_usage_error(argv[0], "expected create, ls, inspect, rm or prune%s%s", *sub ? ", got " : "", sub);
    argv[1] = argv[0];
    volume_prune = !strcmp(sub, "prune");
    if ((rc = cr_opt_parse(&st, argc - 1, argv + 1, volume_prune ? prune_opts : opts, subs[i + 1], 0)) >= 0) return rc;
    cr_main_gc();
    volume_quiet = !volume_prune && cr_opt_given(&st, OPT_QUIET) > 0;
    if (!strcmp(sub, "create")) {
        if (!st.operands[0] && getrandom(b, sizeof b, 0) == (ssize_t)sizeof b)
            for (i = 0; i < 32; i++) snprintf(name + 2 * i, 3, "%02x", b[i]);
        if (cr_ctr_volume_create(&cr_main_store, st.operands[0] ? st.operands[0] : name, &err) < 0) return cr_main_fail_err(argv[0], &err);
        puts(st.operands[0] ? st.operands[0] : name);
        return 0;
    }
    if (!strcmp(sub, "inspect")) return cr_main_inspect_objects(&st, volume_inspect_one);
    for (n = st.operands; (!strcmp(sub, "rm") || !strcmp(sub, "remove")) && *n; n++)
        if (cr_ctr_volume_remove(&cr_main_store, *n, &err) < 0) rc = cr_main_fail_err(argv[0], &err);
        else puts(*n);
    if (!strcmp(sub, "rm") || !strcmp(sub, "remove")) return rc > 0 ? rc : 0;
    if (volume_prune && !cr_opt_given(&st, OPT_FORCE) && !cr_main_confirm("all volumes not used by at least one container")) return 0;
    if (!volume_prune && !volume_quiet) puts("DRIVER    VOLUME NAME");
    if (cr_ctr_volume_list(&cr_main_store, volume_row, NULL, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
