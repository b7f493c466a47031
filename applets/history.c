/* history — the history of an image. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

const char cr_usage_history[] =
"usage: cr history [--no-trunc] [-q] [--format table|json] IMAGE\n"
"\n"
"How the image was made, newest step first (SIZE: what the step's layer holds,\n"
"unpacked, as Docker counts it).\n"
"\n"
"  --no-trunc     do not cut ids and commands\n"
"  -q, --quiet    print only the image ids\n"
"  --format FMT   table (default) or json\n";
#define HISTORY_OPTIONS(X) \
    X(OPT_NO_TRUNC, "no-trunc", 0, CR_OPT_FLAG) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG) \
    X(OPT_FORMAT, "format", 0, CR_OPT_VALUE)

#define CR_HISTORY_COLUMNS "%-14s %-15s %-*s %-10s %s\n"   /* CREATED BY: 47 columns */

typedef struct { int trunc, quiet, json; cr_jw w; } cr_history_ui;

/* "3 minutes ago", as Docker's go-units HumanDuration */
static void cr_history_ago(const char *rfc3339, char *out, size_t n) {
    struct tm tm;
    long long d;
    memset(&tm, 0, sizeof tm);
    if (!rfc3339 || sscanf(rfc3339, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
        snprintf(out, n, "N/A");
        return;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    d = (long long)(time(NULL) - timegm(&tm));
    if (d < 1) snprintf(out, n, "Less than a second ago");
    else if (d < 60) snprintf(out, n, "%lld seconds ago", d);
    else if (d < 120) snprintf(out, n, "About a minute ago");
    else if (d < 3600) snprintf(out, n, "%lld minutes ago", d / 60);
    else if (d < 7200) snprintf(out, n, "About an hour ago");
    else if (d < 48 * 3600) snprintf(out, n, "%lld hours ago", d / 3600);
    else if (d < 14 * 86400) snprintf(out, n, "%lld days ago", d / 86400);
    else if (d < 90 * 86400) snprintf(out, n, "%lld weeks ago", d / (7 * 86400));
    else if (d < 730 * 86400) snprintf(out, n, "%lld months ago", d / (30 * 86400));
    else snprintf(out, n, "%lld years ago", d / (365LL * 86400));
}

static int cr_history_one(void *user, const cr_build_history_entry *h) {
    cr_history_ui *ui = (cr_history_ui *)user;
    char id[80], ago[64], size[32], by[4200];
    int cut;
    snprintf(id, sizeof id, "%s", h->id ? (ui->trunc ? h->id + 7 : h->id) : "<missing>");
    if (h->id && ui->trunc) id[12] = 0;
    if (ui->quiet) { printf("%s\n", id); return 0; }
    if (ui->json) {
        cr_jw_obj(&ui->w);
        cr_jw_key(&ui->w, "id"); cr_jw_str(&ui->w, h->id ? h->id : "<missing>");
        cr_jw_key(&ui->w, "created"); cr_jw_str(&ui->w, h->created);
        cr_jw_key(&ui->w, "createdBy"); cr_jw_str(&ui->w, h->created_by ? h->created_by : "");
        cr_jw_key(&ui->w, "size"); cr_jw_u64(&ui->w, h->size);
        cr_jw_key(&ui->w, "comment"); cr_jw_str(&ui->w, h->comment ? h->comment : "");
        cr_jw_obj_end(&ui->w);
        return 0;
    }
    cr_history_ago(h->created, ago, sizeof ago);
    cr_main_human_size((double)h->size, size, sizeof size);
    snprintf(by, sizeof by, "%s", h->created_by ? h->created_by : "");
    cut = ui->trunc && strlen(by) > 45;
    if (cut) strcpy(by + 44, "\xe2\x80\xa6");   /* 3 bytes, 1 column */
    printf(CR_HISTORY_COLUMNS, id, ago, 47 + 2 * cut, by, size, h->comment ? h->comment : "");
    return 0;
}

int cr_applet_history(int argc, char **argv) {
    CR_OPTIONS(opts, HISTORY_OPTIONS);
    cr_optstate st;
    cr_history_ui ui;
    cr_buf out = {0};
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, opts, "IMAGE", 0);
    if (rc >= 0) return rc;
    memset(&ui, 0, sizeof ui);
    ui.trunc = !cr_opt_given(&st, OPT_NO_TRUNC);
    ui.quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    if (cr_opt_value(&st, OPT_FORMAT) && cr_opt_format(argv[0], cr_opt_value(&st, OPT_FORMAT), &ui.json) < 0) return 1;
    cr_jw_init(&ui.w, &out);
    if (ui.json) cr_jw_arr(&ui.w);
    else if (!ui.quiet) printf(CR_HISTORY_COLUMNS, "IMAGE", "CREATED", 47, "CREATED BY", "SIZE", "COMMENT");
    rc = cr_build_history(&cr_main_store, st.operands[0], cr_history_one, &ui, &err);
    if (ui.json) { cr_jw_arr_end(&ui.w); printf("%s\n", out.data ? out.data : "[]"); }
    cr_buf_free(&out);
    return rc < 0 ? cr_main_fail_err(argv[0], &err) : 0;
}
