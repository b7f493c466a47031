/* container — Docker's container group over the image-container applets. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_container[] =
"usage: cr container COMMAND [OPTIONS] ...\n"
"\n"
"Docker's container group: each COMMAND is the applet of that name, with\n"
"its options (cr container rm -f web = cr rm -f web):\n"
"  ls, list (= ps)   run, create, start, stop, restart, kill, rm, wait,\n"
"  rename, pause, unpause (= resume), exec, logs, inspect (= inspect\n"
"  --type container), top, stats, port, diff, export, cp, prune\n"
"\n"
"  cr container prune [-f]   remove every stopped image container (asks\n"
"                            first unless -f, --force)\n";
static int prune_one(void *user, const cr_ctr_info *c) {
    cr_buf *names = (cr_buf *)user;
    if (c->status == CR_STOPPED) { cr_buf_puts(names, c->name); cr_buf_putc(names, '\n'); }
    return 0;
}

static int container_prune(int argc, char **argv) {
    CR_OPTIONS(opts, CR_PRUNE_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    cr_buf names = {0};
    char *name, *next;
    int failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    if (!cr_opt_given(&st, OPT_FORCE) && !cr_main_confirm("all stopped containers")) return 0;
    cr_main_gc();
    if (cr_ctr_list(&cr_main_runtime, &cr_main_store, prune_one, &names, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (names.len) puts("Deleted Containers:");
    for (name = names.data; name && *name; name = next) {
        next = strchr(name, '\n');
        *next++ = 0;
        if (cr_ctr_remove(&cr_main_runtime, &cr_main_store, name, 0, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(name);
    }
    cr_buf_free(&names);
    return failed;
}

int cr_applet_container(int argc, char **argv) {
    /* the commands, each between spaces; ls and list are ps, unpause is resume where cr has no unpause */
    static const char cmds[] = " ls list ps unpause inspect run create start stop restart kill rm wait rename pause exec logs top stats port diff export cp ";
    const char *sub = argc > 1 ? argv[1] : "", *p;
    const cr_applet *a;
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { fputs(cr_usage_container, stdout); return 0; }
    if (!strcmp(sub, "prune")) return cr_main_subapplet(argc, argv, container_prune, "container prune", NULL);
    p = *sub && !strchr(sub, ' ') ? strstr(cmds, sub) : NULL;
    if (!p || p[-1] != ' ' || p[strlen(sub)] != ' ') return cr_main_usage_error(argv[0], "unknown command \"%s\"", sub);
    if (!(a = cr_main_applet(p < cmds + 9 ? "ps" : sub)) && !(a = cr_main_applet(!strcmp(sub, "unpause") ? "resume" : "")))
        return cr_main_usage_error(argv[0], "\"%s\" is not available in this cr", sub);
    return cr_main_subapplet(argc, argv, a->main, a->name, !strcmp(sub, "inspect") ? "--type=container" : NULL);
}
