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

typedef struct { int format_json, quiet, n; cr_buf json; cr_jw w; } cr_list_ctx;

static void cr_list_header(void) {
    printf("%-24s %-8s %-10s %-40s %-32s %-6s %-28s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", "IMAGE", "COMMAND");
}

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
    cr_list_ctx *c = (cr_list_ctx *)user;
    char image[CR_REF_STRING_MAX], command[64];
    int pid = s->status == CR_STOPPED ? 0 : (int)s->pid;
    if (c->quiet) { puts(s->id); return 0; }
    if (c->format_json) {
        cr_jw_obj(&c->w);
        cr_jw_key(&c->w, "ociVersion"); cr_jw_str(&c->w, CR_OCI_VERSION);
        cr_jw_key(&c->w, "id"); cr_jw_str(&c->w, s->id);
        cr_jw_key(&c->w, "pid"); cr_jw_i64(&c->w, pid);
        cr_jw_key(&c->w, "status"); cr_jw_str(&c->w, cr_state_status_name(s->status));
        cr_jw_key(&c->w, "bundle"); cr_jw_str(&c->w, s->bundle);
        cr_jw_key(&c->w, "rootfs"); cr_jw_str(&c->w, s->rootfs);
        cr_jw_key(&c->w, "created"); cr_jw_str(&c->w, s->created);
        cr_jw_key(&c->w, "owner"); cr_jw_str(&c->w, s->owner == 0 ? "root" : "");
        if (s->annotations_json) { cr_jw_key(&c->w, "annotations"); cr_jw_raw(&c->w, (const char *)s->annotations_json); }
        cr_jw_obj_end(&c->w);
        return 0;
    }
    cr_list_annotations(s, image, sizeof image, command, sizeof command);
    if (!c->n++) cr_list_header();
    printf("%-24s %-8d %-10s %-40s %-32s %-6s %-28s %s\n", s->id, pid, cr_state_status_name(s->status), s->bundle,
           s->created, s->owner == 0 ? "root" : "-", image, command);
    return 0;
}

int cr_applet_list(int argc, char **argv) {
    static const cr_opt opts[] = { {"format", 'f', 1}, {"quiet", 'q', 0}, {0, 0, 0} };
    cr_list_ctx c;
    cr_optstate st;
    cr_err err = {0};
    int k;
    memset(&c, 0, sizeof c);
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        if (k == 1) { c.quiet = 1; continue; }
        if (cr_opt_format(argv[0], st.value, &c.format_json) < 0) return 1;
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands) return cr_main_usage_error(argv[0], "takes no operands");
    cr_main_gc();
    cr_jw_init(&c.w, &c.json);
    if (c.format_json) cr_jw_arr(&c.w);
    if (cr_state_list(&cr_main_runtime, cr_list_one, &c, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (c.format_json) { cr_jw_arr_end(&c.w); puts(c.json.data); }
    else if (!c.n && !c.quiet) cr_list_header();
    cr_buf_free(&c.json);
    return 0;
}
