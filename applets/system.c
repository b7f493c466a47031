/* system — Docker's system group: prune, df. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_system[] =
"usage: cr system prune [-f] [-a]\n"
"       cr system df\n"
"\n"
"df: the disk usage of images, containers (their upper dirs), local volumes\n"
"and build cache as TYPE TOTAL ACTIVE SIZE RECLAIMABLE, as docker system df.\n"
"\n"
"prune: "
"Remove the stopped image containers, then free the blobs, layers and\n"
"partial downloads no image uses (cr rmi --prune). Asks first unless -f.\n"
"\n"
"  -a, --all     also remove every image no container uses\n"
"  -f, --force   do not ask\n"
"\n"
"(cr info shows the system; cr version its version.)\n";
#define SYSTEM_OPTIONS(X) \
    X(OPT_ALL, "all", 'a', CR_OPT_FLAG) \
    CR_PRUNE_OPTIONS(X)

typedef struct { cr_buf used, names; } system_images;

static int system_used(void *user, const cr_ctr_info *c) {
    cr_buf_puts(&((system_images *)user)->used, c->image_id);
    return 0;
}

static int system_unused(void *user, const cr_image_info *img) {
    system_images *s = (system_images *)user;
    if (s->used.data && strstr(s->used.data, img->config)) return 0;
    cr_buf_puts(&s->names, img->name);
    cr_buf_putc(&s->names, '\n');
    return 0;
}

static int system_df(void) {
    static const char *const type[] = { "Images", "Containers", "Local Volumes", "Build Cache" };
    cr_ctr_df d;
    cr_err err = {0};
    char a[16], b[16];
    int i;
    if (cr_ctr_system_df(&cr_main_runtime, &cr_main_store, &d, &err) < 0) return cr_main_fail_err("system", &err);
    printf("%-15s%-10s%-10s%-12s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
    for (i = 0; i < 4; i++)
        printf("%-15s%-10d%-10d%-12s%s (%.0f%%)\n", type[i], d.row[i].total, d.row[i].active, cr_main_human_size((double)d.row[i].size, a, sizeof a),
               cr_main_human_size((double)d.row[i].reclaimable, b, sizeof b), d.row[i].size ? 100.0 * d.row[i].reclaimable / d.row[i].size : 0);
    return 0;
}

int cr_applet_system(int argc, char **argv) {
    CR_OPTIONS(opts, SYSTEM_OPTIONS);
    static char container[] = "container", prune[] = "prune", force[] = "-f", rmi[] = "rmi", pr[] = "--prune";
    char *cv[] = { container, prune, force, NULL }, *rv[] = { rmi, pr, NULL }, *name, *next;
    cr_optstate st;
    cr_err err = {0};
    system_images s;
    int rc, all;
    if (argc == 2 && !strcmp(argv[1], "df")) { cr_main_gc(); return system_df(); }
    if (argc < 2 || strcmp(argv[1], "prune")) {
        if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) { fputs(cr_usage_system, stdout); return 0; }
        return cr_main_usage_error(argv[0], "expected prune or df (cr info and cr version show the system)");
    }
    argv[1] = argv[0];
    if ((rc = cr_opt_parse(&st, argc - 1, argv + 1, opts, "", 0)) >= 0) return rc;
    all = cr_opt_given(&st, OPT_ALL) > 0;
    if (!cr_opt_given(&st, OPT_FORCE) && !cr_main_confirm(all ? "all stopped containers and all images no container uses"
                                                               : "all stopped containers and all blobs and layers no image uses")) return 0;
    rc = cr_applet_container(3, cv);
    memset(&s, 0, sizeof s);
    if (all && cr_ctr_list(&cr_main_runtime, &cr_main_store, system_used, &s, &err) == 0 &&
        cr_store_list(&cr_main_store, system_unused, &s, &err) == 0)
        for (name = s.names.data; name && *name; name = next) {
            char *v[] = { rmi, name, NULL };
            next = strchr(name, '\n');
            *next++ = 0;
            fflush(stdout);
            rc |= cr_applet_rmi(2, v);
        }
    cr_buf_free(&s.used);
    cr_buf_free(&s.names);
    fflush(stdout);
    return cr_applet_rmi(2, rv) | rc;
}
