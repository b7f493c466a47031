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
    char cmd[4096];
    if (!cr_state_annotation(s, CR_CTR_ANNOTATION_IMAGE, image, in) || !*image) snprintf(image, in, "-");
    if (cr_state_annotation(s, CR_CTR_ANNOTATION_COMMAND, cmd, sizeof cmd))
        snprintf(command, cn, "\"%.*s%s\"", 18, cmd, strlen(cmd) > 18 ? "..." : "");
    else snprintf(command, cn, "-");
}

static int cr_list_one(void *user, const cr_state *s) {
    cr_listing *l = (cr_listing *)user;
    char image[CR_REF_STRING_MAX], command[64], pid_text[16];
    int pid = s->status == CR_STOPPED ? 0 : (int)s->pid;
    if (l->quiet) { puts(s->id); return 0; }
    if (l->json) {
        cr_buf entry = {0};
        cr_state_list_json(s, &entry);
        cr_jw_raw(&l->w, entry.data ? entry.data : "{}");
        cr_buf_free(&entry);
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
