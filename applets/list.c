/* list — list the containers under the state root. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_list[] =
"usage: cr list [-f|--format table|json] [-q|--quiet]\n"
"\n"
"List containers: ID, PID, STATUS, BUNDLE, CREATED, OWNER (runc's columns),\n"
"then IMAGE and COMMAND of image containers (`cr run IMAGE`; - for bundles).\n"
"\n"
"  -f, --format FMT   table (default) or json (runc's shape)\n"
"  -q, --quiet        print only the ids\n";
/* the options are the listing's (cr_listing_begin); the table's columns: */

#define CR_LIST_COLUMNS "%-24s %-8s %-10s %-40s %-32s %-6s %-28s %s"

/* IMAGE and COMMAND of an image container ("-" for bundles), the command
   quoted and cut as Docker's ps does. */
static void cr_list_annotations(const cr_state *s, char *image, size_t in, char *command, size_t cn) {
    cr_json *a = NULL;
    const cr_json *v;
    snprintf(image, in, "-");
    snprintf(command, cn, "-");
    if (!s->annotations_json || cr_json_parse(s->annotations_json, strlen(s->annotations_json), &a, NULL) < 0) return;
    if ((v = cr_json_get(a, "run.cr.image")) && v->type == CR_JSON_STRING && *v->str) snprintf(image, in, "%s", v->str);
    if ((v = cr_json_get(a, "run.cr.command")) && v->type == CR_JSON_STRING)
        snprintf(command, cn, "\"%.*s%s\"", 18, v->str, strlen(v->str) > 18 ? "..." : "");
    cr_json_free(a);
}

static int cr_list_one(void *user, const cr_state *s) {
    cr_listing *l = (cr_listing *)user;
    char image[CR_REF_STRING_MAX], command[64], pid_text[16];
    int pid = s->status == CR_STOPPED ? 0 : (int)s->pid;
    if (l->quiet) { puts(s->id); return 0; }
    if (l->json) {
        cr_jw_obj(&l->w);
        cr_jw_key(&l->w, "ociVersion"); cr_jw_str(&l->w, CR_OCI_VERSION);
        cr_jw_key(&l->w, "id"); cr_jw_str(&l->w, s->id);
        cr_jw_key(&l->w, "pid"); cr_jw_i64(&l->w, pid);
        cr_jw_key(&l->w, "status"); cr_jw_str(&l->w, cr_state_status_name(s->status));
        cr_jw_key(&l->w, "bundle"); cr_jw_str(&l->w, s->bundle);
        cr_jw_key(&l->w, "rootfs"); cr_jw_str(&l->w, s->rootfs);
        cr_jw_key(&l->w, "created"); cr_jw_str(&l->w, s->created);
        cr_jw_key(&l->w, "owner"); cr_jw_str(&l->w, s->owner == 0 ? "root" : "");
        if (s->annotations_json) { cr_jw_key(&l->w, "annotations"); cr_jw_raw(&l->w, (const char *)s->annotations_json); }
        cr_jw_obj_end(&l->w);
        return 0;
    }
    cr_list_annotations(s, image, sizeof image, command, sizeof command);
    snprintf(pid_text, sizeof pid_text, "%d", pid);
    cr_listing_row(l);
    printf(CR_LIST_COLUMNS "\n", s->id, pid_text, cr_state_status_name(s->status), s->bundle, s->created,
           s->owner == 0 ? "root" : "-", image, command);
    return 0;
}

int cr_applet_list(int argc, char **argv) {
    cr_listing l;
    cr_err err = {0};
    int rc = cr_listing_begin(&l, argc, argv, CR_LIST_COLUMNS, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", "IMAGE", "COMMAND");
    if (rc >= 0) return rc;
    cr_main_gc();
    if (cr_state_list(&cr_main_runtime, cr_list_one, &l, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_listing_end(&l);
    return 0;
}
