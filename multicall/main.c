/* cr — the multicall binary. Dispatches on argv[0] (a symlink named after an
   applet) and otherwise on the first operand, after the global options. */
#include "applets.h"

#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>

cr_runtime cr_main_runtime;
cr_store cr_main_store;
cr_conf cr_main_conf;
int cr_main_debug;
char **cr_main_argv;
static FILE *cr_main_log;
static int cr_main_log_json;

static const char cr_main_usage[] =
"usage: cr [GLOBAL OPTIONS] APPLET [ARGS...]\n"
"\n"
"An OCI container runtime in one static binary.\n"
"\n"
"Global options:\n"
"  --root DIR               state directory (default /run/cr; not root or in a user namespace: $XDG_RUNTIME_DIR/cr, else /tmp/cr-run-UID)\n"
"  --storage DIR            image store (default $CR_STORAGE or /var/lib/cr; not root or in a user namespace: $XDG_DATA_HOME/cr, else ~/.local/share/cr)\n"
"  --log FILE               write log lines to FILE (default stderr)\n"
"  --log-format text|json   log line format (json: runc's level/msg/time)\n"
"  --debug                  log debug lines\n"
"  --systemd-cgroup         cgroupsPath is slice:prefix:name (systemd naming; needs systemd)\n"
"  --cgroup-manager M       cgroupfs (default), systemd (as --systemd-cgroup) or disabled\n"
"  --rootless true|false|auto  accepted for runc compatibility\n"
"  --criu PATH              the criu binary of checkpoint/restore (default $CR_CRIU, or criu on PATH)\n"
"  --version, -v            print the version\n"
"  --help, -h               print this help; `cr APPLET --help` for an applet\n"
"\n"
"Applets:\n";

#define CR_TABLE_ROW(n, s) { #n, cr_applet_##n, s, cr_usage_##n },
static const cr_applet cr_main_applets[] = { CR_APPLETS(CR_TABLE_ROW) };
#define CR_NAPPLETS (sizeof cr_main_applets / sizeof *cr_main_applets)

const cr_applet *cr_main_applet(const char *name) {
    size_t i;
    for (i = 0; i < CR_NAPPLETS; i++) if (!strcmp(cr_main_applets[i].name, name)) return &cr_main_applets[i];
    return NULL;
}

static void cr_main_json_str(FILE *f, const char *s) {
    cr_buf b = {0};
    cr_jw w;
    cr_jw_init(&w, &b);
    cr_jw_str(&w, s);
    if (b.data) fputs(b.data, f);
    cr_buf_free(&b);
}

static void cr_main_log_line(void *user, int level, const char *msg) {
    static const char *const names[] = { "error", "warning", "info", "debug" };
    FILE *f = cr_main_log ? cr_main_log : stderr;
    (void)user;
    flockfile(f);   /* one line at a time from the pull workers */
    if (cr_main_log_json) {
        char ts[64];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(f, "{\"level\":\"%s\",\"msg\":", names[level]);
        cr_main_json_str(f, msg);
        fprintf(f, ",\"time\":\"%s\"}\n", ts);
    } else fprintf(f, "%s: %s\n", names[level], msg);
    fflush(f);
    funlockfile(f);
}

static int cr_main_vfail(const char *applet, const char *fmt, va_list ap) {
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "cr %s: %s\n", applet, msg);
    if (cr_main_log) cr_main_log_line(NULL, CR_LOG_ERROR, msg);
    return 1;
}
int cr_main_fail(const char *applet, const char *fmt, ...) {
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = cr_main_vfail(applet, fmt, ap);
    va_end(ap);
    return r;
}
int cr_main_fail_err(const char *applet, const cr_err *err) { return cr_main_fail(applet, "%s", err->msg); }
int cr_main_usage_error(const char *applet, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cr_main_vfail(applet, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'cr %s --help'.\n", applet);
    return 1;
}

static void cr_main_gc_note(void *user, const char *name, const char *why) {
    (void)user;
    fprintf(stderr, "cr: removed stale container %s: %s\n", name, why);
}

int cr_main_confirm(const char *warning) {
    char line[16];
    printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ", warning);
    fflush(stdout);
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

int cr_main_inspect_objects(const cr_optstate *st, int (*one)(const char *name, cr_buf *out, cr_err *err)) {
    enum { CR_INSPECT_OPTIONS(CR_OPT_ID) };
    const char *applet = st->applet, *format = cr_opt_value(st, OPT_FORMAT);
    char **names = st->operands;
    cr_err err = {0};
    cr_buf out = {0};
    cr_json_tmpl *t = NULL;
    int failed = 0, n = 0;
    if (format && cr_json_tmpl_parse(format, &t, &err) < 0) return cr_main_fail(applet, "template parsing error: %s", err.msg);
    if (!t) cr_buf_putc(&out, '[');
    for (; *names; names++) {
        cr_buf obj = {0};
        cr_json *v = NULL;
        size_t mark = out.len;
        int r = one(*names, &obj, &err);
        if (r == 0 && t && (r = cr_json_parse(obj.data, obj.len, &v, &err)) == 0 && (r = cr_json_tmpl_exec(t, v, &out, &err)) == 0)
            cr_buf_putc(&out, '\n');
        else if (r == 0 && !t) { if (n++) cr_buf_putc(&out, ','); cr_buf_puts(&out, obj.data); }
        if (r < 0) { out.len = mark; failed = cr_main_fail_err(applet, &err); }
        cr_json_free(v);
        cr_buf_free(&obj);
    }
    if (!t) cr_buf_puts(&out, "]\n");
    if (out.data) fwrite(out.data, 1, out.len, stdout);
    cr_buf_free(&out);
    cr_json_tmpl_free(t);
    return failed;
}

int cr_main_json_applet(int argc, char **argv, int (*make)(cr_buf *out, cr_err *err), const char *text) {
    static const cr_opt opts[] = { { .name = "format", .short_name = 'f', .has_arg = CR_OPT_VALUE }, { 0 } };
    cr_optstate st;
    cr_err err = {0};
    cr_buf out = {0};
    const char *format;
    int rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    format = cr_opt_value(&st, 0);
    if (make(&out, &err) < 0) rc = cr_main_fail_err(argv[0], &err);
    else rc = cr_main_print_template(argv[0], format ? format : text, out.data);
    if (format && !rc) putchar('\n');
    cr_buf_free(&out);
    return rc;
}

int cr_main_print_template(const char *applet, const char *format, const char *json) {
    cr_json_tmpl *t = NULL;
    cr_json *v = NULL;
    cr_buf out = {0};
    cr_err err = {0};
    int r = cr_json_tmpl_parse(format, &t, &err);
    if (r < 0) return cr_main_fail(applet, "template parsing error: %s", err.msg);
    if ((r = cr_json_parse(json, strlen(json), &v, &err)) == 0) r = cr_json_tmpl_exec(t, v, &out, &err);
    if (r == 0 && out.data) fwrite(out.data, 1, out.len, stdout);
    cr_buf_free(&out);
    cr_json_free(v);
    cr_json_tmpl_free(t);
    return r < 0 ? cr_main_fail_err(applet, &err) : 0;
}

const char *cr_main_human_size(double bytes, char *buf, size_t n) {
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
    int u = 0;
    while (bytes >= 999.5 && u < 5) { bytes /= 1000; u++; }
    snprintf(buf, n, "%.3g%s", bytes, units[u]);
    return buf;
}

int cr_main_subapplet(int argc, char **argv, int (*fn)(int argc, char **argv), const char *name, const char *extra) {
    char **v = (char **)calloc((size_t)argc + 2, sizeof *v);
    int i, n = 0, rc;
    if (!v) return cr_main_fail(argv[0], "out of memory");
    v[n++] = (char *)name;
    if (extra) v[n++] = (char *)extra;
    for (i = 2; i < argc; i++) v[n++] = argv[i];
    rc = fn(n, v);
    free(v);
    return rc;
}

void cr_main_gc(void) {
    cr_err err = {0};
    if (cr_ctr_gc(&cr_main_runtime, &cr_main_store, cr_main_gc_note, NULL, &err) < 0) cr_main_fail("", "%s", err.msg);
}

int cr_opt_match(const cr_opt *opts, const char *a) {
    const char *name = a + (a[1] == '-' ? 2 : 1);
    size_t n = strcspn(name, "=");
    int k;
    for (k = 0; opts[k].name || opts[k].short_name; k++) {
        if (opts[k].name && strlen(opts[k].name) == n && !strncmp(name, opts[k].name, n)) return k;
        if (a[1] != '-' && opts[k].short_name && n == 1 && name[0] == opts[k].short_name) return k;
    }
    return -1;
}

/* Per option id, the NULL-terminated list of its values, all in one array. */
static int cr_main_opt_lists(cr_optstate *st, int nopts) {
    const char **pool = (const char **)calloc((size_t)(st->nfound + nopts + 1), sizeof *pool);
    int k, i, used = 0;
    if (!pool) return -1;
    for (k = 0; k < nopts; k++) {
        if (!st->count[k]) continue;
        st->values[k] = pool + used;
        for (i = 0; i < st->nfound; i++) if (st->found[i] == k) pool[used++] = st->found_value[i];
        used++;
    }
    return 0;
}

/* Does the number of operands fit spec (see cr_opt_parse)? Else prints the
   usage error and returns 1. */
static int cr_main_opt_operands(const cr_optstate *st, const char *spec) {
    const char *optional = strchr(spec, '['), *dots = strstr(spec, "...");
    int min = 0, max = 0;
    const char *p;
    for (p = spec; *p; p += strcspn(p, " ")) {
        p += strspn(p, " ");
        if (!*p) break;
        max++;
        if (!optional || p < optional) min++;
    }
    if (st->noperands >= min && (dots || st->noperands <= max)) return 0;
    if (!*spec) return cr_main_usage_error(st->applet, "takes no operands");
    if (min == 1 && max == 1 && !dots) return cr_main_usage_error(st->applet, "expected exactly one %s", spec);
    if (min == 1 && max == 1) return cr_main_usage_error(st->applet, "expected at least one %.*s", (int)(dots - spec), spec);
    return cr_main_usage_error(st->applet, "expected %s", spec);
}

int cr_opt_parse(cr_optstate *st, int argc, char **argv, const cr_opt *opts, const char *operands, int flags) {
    static const cr_opt none[] = { { 0 } };
    int i = 1, nopts = 0;
    memset(st, 0, sizeof *st);
    st->applet = argv[0];
    if (!opts) opts = none;
    while (opts[nopts].name || opts[nopts].short_name) nopts++;
    st->operands = (char **)calloc((size_t)argc + 1, sizeof *st->operands);
    st->found = (int *)calloc((size_t)argc, sizeof *st->found);
    st->found_value = (const char **)calloc((size_t)argc, sizeof *st->found_value);
    st->count = (int *)calloc((size_t)nopts + 1, sizeof *st->count);
    st->off = (int *)calloc((size_t)nopts + 1, sizeof *st->off);
    st->values = (const char ***)calloc((size_t)nopts + 1, sizeof *st->values);
    if (!st->operands || !st->found || !st->found_value || !st->count || !st->off || !st->values) return cr_main_fail(st->applet, "out of memory");
    while (i < argc) {
        char *a = argv[i++];
        const char *eq, *value = NULL;
        int k;
        if (!strcmp(a, "--")) {
            while (i < argc) st->operands[st->noperands++] = argv[i++];
            break;
        }
        if (a[0] != '-' || !a[1]) {
            st->operands[st->noperands++] = a;
            if (flags & CR_OPT_STOP_AT_OPERAND) while (i < argc) st->operands[st->noperands++] = argv[i++];
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            const cr_applet *ap = cr_main_applet(st->applet);
            fputs(ap ? ap->usage : cr_main_usage, stdout);
            return 0;
        }
        if ((k = cr_opt_match(opts, a)) < 0) return cr_main_usage_error(st->applet, "unknown option %s", a);
        eq = strchr(a, '=');
        if (!opts[k].has_arg) {
            st->off[k] = eq && (!strcmp(eq + 1, "false") || !strcmp(eq + 1, "0"));
            if (st->off[k]) { st->count[k] = 0; continue; }   /* the last mention wins */
            if (eq && strcmp(eq + 1, "true") && strcmp(eq + 1, "1")) return cr_main_usage_error(st->applet, "option %s takes no value", a);
        } else if (eq) value = eq + 1;
        else if (i < argc) value = argv[i++];
        else return cr_main_usage_error(st->applet, "option %s needs a value", a);
        st->found[st->nfound] = k;
        st->found_value[st->nfound++] = value;
        st->count[k]++;
    }
    if (cr_main_opt_lists(st, nopts) < 0) return cr_main_fail(st->applet, "out of memory");
    if (operands && cr_main_opt_operands(st, operands)) return 1;
    return -1;
}

int cr_opt_next(cr_optstate *st) {
    if (st->next >= st->nfound) return -1;
    st->value = st->found_value[st->next];
    return st->found[st->next++];
}

int cr_opt_given(const cr_optstate *st, int id) { return st->count[id]; }
int cr_opt_said_false(const cr_optstate *st, int id) { return st->off[id]; }

const char *cr_opt_value(const cr_optstate *st, int id) { return st->count[id] ? st->values[id][st->count[id] - 1] : NULL; }

const char *cr_opt_value_or(const cr_optstate *st, int id, const char *fallback) {
    return st->count[id] ? cr_opt_value(st, id) : fallback;
}

const char **cr_opt_values(const cr_optstate *st, int id) { return st->values[id]; }

void cr_opt_into(const cr_optstate *st, const cr_opt *opts, void *o) {
    int id;
    for (id = 0; opts[id].name || opts[id].short_name; id++) {
        char *f = (char *)o + opts[id].field;
        if (opts[id].into == CR_OPT_INTO_FLAG) *(int *)f = cr_opt_given(st, id) > 0;
        else if (opts[id].into == CR_OPT_INTO_VALUE) *(const char **)f = cr_opt_value(st, id);
        else if (opts[id].into == CR_OPT_INTO_VALUES) *(const char *const **)f = cr_opt_values(st, id);
    }
}

/* The global options an applet reached by its symlink also takes first. */
static int cr_main_global_option(const char *o) {
    static const char *const names[] = { "root", "storage", "log", "log-format", "debug", "systemd-cgroup",
                                         "cgroup-manager", "rootless", "criu" };
    size_t i, n = strcspn(o, "=");
    for (i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && !strncmp(o, names[i], n)) return 1;
    return 0;
}

int cr_opt_format(const char *applet, const char *value, int *json) {
    if (!strcmp(value, "json") || !strcmp(value, "table")) { *json = !strcmp(value, "json"); return 0; }
    cr_main_usage_error(applet, "--format: expected table or json, got \"%s\"", value);
    return -1;
}

char **cr_opt_split_flags(int argc, char **argv, const cr_opt *opts, const char *letters, int *argc_out) {
    static char one[8][3];
    char **v = (char **)calloc((size_t)argc * strlen(letters) + 1, sizeof *v);
    int i, n = 0, k;
    if (!v) return NULL;
    for (k = 0; letters[k] && k < 8; k++) { one[k][0] = '-'; one[k][1] = letters[k]; }
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i && (a[0] != '-' || !strcmp(a, "--"))) break;
        if (i && a[1] && a[1] != '-' && a[2] && strspn(a + 1, letters) == strlen(a + 1)) {
            for (a++; *a; a++) v[n++] = one[strchr(letters, *a) - letters];
            continue;
        }
        v[n++] = argv[i];
        /* an option's value is no operand */
        if (i && (k = cr_opt_match(opts, a)) >= 0 && opts[k].has_arg && !strchr(a, '=') && i + 1 < argc) v[n++] = argv[++i];
    }
    while (i < argc) v[n++] = argv[i++];
    *argc_out = n;
    return v;
}

int cr_opt_id_applet(int argc, char **argv, int (*fn)(const cr_runtime *rt, const char *id, cr_err *err)) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, "CONTAINER_ID", 0);
    if (rc >= 0) return rc;
    if (fn(&cr_main_runtime, st.operands[0], &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}

int cr_opt_operands_applet(int argc, char **argv, const char *spec, int flags, int (*fn)(char **operands, cr_err *err)) {
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_parse(&st, argc, argv, NULL, spec, flags);
    if (rc >= 0) return rc;
    if ((rc = fn(st.operands, &err)) < 0) return cr_main_fail_err(argv[0], &err);
    return rc;
}

int cr_opt_names_applet(int argc, char **argv, int (*fn)(const char *name, cr_err *err)) {
    cr_optstate st;
    cr_err err = {0};
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, NULL, "NAME...", 0);
    if (rc >= 0) return rc;
    for (i = 0; i < st.noperands; i++) {
        if (fn(st.operands[i], &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        fflush(stdout);
    }
    return failed;
}

int cr_opt_ctr_applet(int argc, char **argv, const cr_opt *opts, unsigned flags, int (*fn)(const cr_optstate *st, const char *name, cr_err *err)) {
    cr_optstate st;
    cr_err err = {0};
    int i, failed = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    if ((rc = fn(&st, NULL, &err))) return rc;
    if ((flags & CR_OPT_SEALED) && cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_main_gc();
    for (i = 0; i < st.noperands; i++) {
        if (fn(&st, st.operands[i], &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else puts(st.operands[i]);
    }
    return failed;
}

static int cr_main_stop_one(const cr_optstate *st, const char *name, cr_err *err) {
    long long timeout;
    if (cr_opt_time(st, 0, &timeout)) return 1;
    if (!name) return 0;
    if (cr_ctr_stop(&cr_main_runtime, &cr_main_store, name, (int)timeout, err) < 0) return -1;
    return strcmp(st->applet, "restart") ? 0 : cr_ctr_start(&cr_main_runtime, &cr_main_store, name, CR_CTR_START_RESTART, NULL, err);
}

int cr_opt_stop_applet(int argc, char **argv) {
    static const cr_opt opts[] = { { .name = "time", .short_name = 't', .has_arg = CR_OPT_VALUE }, { 0 } };
    return cr_opt_ctr_applet(argc, argv, opts, strcmp(argv[0], "restart") ? 0 : CR_OPT_SEALED, cr_main_stop_one);
}

int cr_opt_time(const cr_optstate *st, int id, long long *secs) {
    const char *v = cr_opt_value(st, id);
    *secs = -1;
    if (v && cr_opt_number(v, 0, INT_MAX, secs) < 0) return cr_main_usage_error(st->applet, "--time: expected seconds, got \"%s\"", v);
    return 0;
}

int cr_opt_number(const char *s, long long min, long long max, long long *out) {
    char *end;
    long long v;
    if (!isdigit((unsigned char)s[*s == '-'])) return -EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end) return -EINVAL;
    if (errno || v < min || v > max) return -ERANGE;
    *out = v;
    return 0;
}

int cr_opt_preserve_fds(const cr_optstate *st, int id, int *n) {
    const char **v;
    long long fds;
    for (v = cr_opt_values(st, id); v && *v; v++) {
        /* fd 3+N-1 must still be an int */
        if (cr_opt_number(*v, 0, INT_MAX - 3, &fds) < 0)
            return cr_main_usage_error(st->applet, "--preserve-fds: expected a number of fds (0 or more), got \"%s\"", *v);
        *n = (int)fds;
    }
    return 0;
}

int cr_opt_tls_verify(const cr_optstate *st, int id, int *insecure) {
    const char **v;
    for (v = cr_opt_values(st, id); v && *v; v++) {
        if (!strcmp(*v, "false")) *insecure = 1;
        else if (strcmp(*v, "true")) return cr_main_usage_error(st->applet, "--tls-verify: expected true or false");
    }
    return 0;
}

int cr_opt_create(cr_optstate *st, int argc, char **argv, const cr_opt *opts, const char **bundle, cr_create_opts *o) {
    enum { CR_CREATE_OPTIONS(CR_OPT_ID) };
    int rc = cr_opt_parse(st, argc, argv, opts, "CONTAINER_ID", 0);
    if (rc >= 0) return rc;
    *bundle = cr_opt_value_or(st, OPT_BUNDLE, ".");
    o->console_socket = cr_opt_value(st, OPT_CONSOLE_SOCKET);
    o->pid_file = cr_opt_value(st, OPT_PID_FILE);
    o->no_pivot = cr_opt_given(st, OPT_NO_PIVOT) > 0;
    o->no_new_keyring = cr_opt_given(st, OPT_NO_NEW_KEYRING) > 0;
    return cr_opt_preserve_fds(st, OPT_PRESERVE_FDS, &o->preserve_fds) ? 1 : -1;
}

int cr_opt_criu_applet(int argc, char **argv) {
    CR_OPTIONS(opts, CR_CRIU_OPTIONS);
    static const int flags[][2] = { { OPT_CRIU_LEAVE_RUNNING, CR_CRIU_LEAVE_RUNNING }, { OPT_CRIU_TCP_ESTABLISHED, CR_CRIU_TCP_ESTABLISHED },
        { OPT_CRIU_EXT_UNIX_SK, CR_CRIU_EXT_UNIX_SK }, { OPT_CRIU_SHELL_JOB, CR_CRIU_SHELL_JOB }, { OPT_CRIU_LAZY_PAGES, CR_CRIU_LAZY_PAGES },
        { OPT_CRIU_FILE_LOCKS, CR_CRIU_FILE_LOCKS }, { OPT_CRIU_PRE_DUMP, CR_CRIU_PRE_DUMP }, { OPT_CRIU_AUTO_DEDUP, CR_CRIU_AUTO_DEDUP },
        { OPT_CRIU_NO_SUBREAPER, CR_CRIU_NO_SUBREAPER } };
    cr_optstate st;
    cr_criu_opts o;
    cr_create_opts co;
    cr_err err = {0};
    int restore = !strcmp(argv[0], "restore"), status = 0, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID", 0), k;
    const char *ns;
    size_t i;
    if (rc >= 0) return rc;
    memset(&o, 0, sizeof o);
    memset(&co, 0, sizeof co);
    for (k = 0; k < opts_count; k++) {
        int only_restore = k >= OPT_CRIU_NO_SUBREAPER;
        int only_checkpoint = k == OPT_CRIU_PARENT_PATH || k == OPT_CRIU_LEAVE_RUNNING || k == OPT_CRIU_PRE_DUMP;
        if (cr_opt_given(&st, k) && (restore ? only_checkpoint : only_restore))
            return cr_main_usage_error(argv[0], "unknown option --%s", opts[k].name);
    }
    o.image_path = cr_opt_value_or(&st, OPT_CRIU_IMAGE_PATH, "checkpoint");
    o.work_path = cr_opt_value(&st, OPT_CRIU_WORK_PATH);
    o.parent_path = cr_opt_value(&st, OPT_CRIU_PARENT_PATH);
    o.manage_cgroups_mode = cr_opt_value(&st, OPT_CRIU_MANAGE_CGROUPS_MODE);
    if ((ns = cr_opt_value(&st, OPT_CRIU_EMPTY_NS)) && strcmp(ns, "network") && strcmp(ns, "net"))
        return cr_main_usage_error(argv[0], "--empty-ns \"%s\": only network is supported", ns);
    o.empty_net = ns != NULL;
    for (i = 0; i < sizeof flags / sizeof *flags; i++) if (cr_opt_given(&st, flags[i][0])) o.flags |= (unsigned)flags[i][1];
    co.detach = cr_opt_given(&st, OPT_CRIU_DETACH) > 0;
    co.pid_file = cr_opt_value(&st, OPT_CRIU_PID_FILE);
    co.console_socket = cr_opt_value(&st, OPT_CRIU_CONSOLE_SOCKET);
    if (restore ? cr_container_restore(&cr_main_runtime, st.operands[0], cr_opt_value_or(&st, OPT_CRIU_BUNDLE, "."), &co, &o, &status, &err)
                : cr_container_checkpoint(&cr_main_runtime, st.operands[0], &o, &err)) return cr_main_fail_err(argv[0], &err);
    return status;
}

#define CR_LISTING_OPTIONS(X) \
    X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG)

int cr_listing_begin(cr_listing *l, int argc, char **argv, const char *columns, ...) {
    CR_OPTIONS(opts, CR_LISTING_OPTIONS);
    cr_optstate st;
    va_list names;
    int rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    memset(l, 0, sizeof *l);
    if (rc >= 0) return rc;
    va_start(names, columns);
    vsnprintf(l->header, sizeof l->header, columns, names);
    va_end(names);
    while ((rc = cr_opt_next(&st)) >= 0)
        if (rc == OPT_FORMAT && cr_opt_format(argv[0], st.value, &l->json) < 0) return 1;
    l->quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    cr_jw_init(&l->w, &l->out);
    if (l->json) cr_jw_arr(&l->w);
    return -1;
}

void cr_listing_row(cr_listing *l) {
    if (!l->rows++) puts(l->header);
}

void cr_listing_end(cr_listing *l) {
    if (l->json) { cr_jw_arr_end(&l->w); puts(l->out.data); }
    else if (!l->rows && !l->quiet) puts(l->header);
    cr_buf_free(&l->out);
}

/* A path of cr.conf's [engine]; for a user not the system file's, which
   names root's directories (a user's come from their own file). */
static const char *cr_main_conf_path(cr_conf_key k) {
    if (geteuid() != 0 && !strncmp(cr_main_conf.s[k].origin, "/etc/cr/cr.conf:", 16)) return NULL;
    return cr_conf_get(&cr_main_conf, k);
}

/* What cr info says is in effect for k: given (a flag's or $CR_STORAGE's
   value) from origin; else the file's if cr uses it (used), else none:
   cr_ctr_conf_defaults then says "default". */
static void cr_main_conf_said(cr_conf_key k, const char *given, const char *origin, const char *used) {
    if (given || !used) cr_conf_set(&cr_main_conf, k, given, NULL, given ? origin : "", 0);
}

/* cr.conf: its state root and storage unless --root/--storage (or
   $CR_STORAGE) said otherwise; the applets take the rest. */
static int cr_main_load_conf(void) {
    cr_err err = {0};
    const char *root = cr_main_runtime.root, *store = cr_main_store.root, *env = getenv("CR_STORAGE");
    if (cr_conf_load(&cr_main_conf, &err) < 0) return cr_main_fail("", "%s", err.msg), -1;
    if (!root) cr_main_runtime.root = cr_main_conf_path(CR_CONF_STATE_ROOT);
    if (!store && !(env && *env)) cr_main_store.root = cr_main_conf_path(CR_CONF_STORAGE);
    cr_main_conf_said(CR_CONF_STATE_ROOT, root, "flag --root", cr_main_runtime.root);
    cr_main_conf_said(CR_CONF_STORAGE, store ? store : env && *env ? env : NULL, store ? "flag --storage" : "$CR_STORAGE", cr_main_store.root);
    return 0;
}

void cr_main_pull_defaults(cr_pull_opts *o) {
    const char *v;
    if (!o->platform) o->platform = cr_conf_get(&cr_main_conf, CR_CONF_PLATFORM);
    if (!o->max_concurrent && (v = cr_conf_get(&cr_main_conf, CR_CONF_PULL_CONCURRENCY))) o->max_concurrent = atoi(v);
    if (!o->mirrors) o->mirrors = cr_conf_list(&cr_main_conf, CR_CONF_MIRRORS);
    o->insecure_hosts = cr_conf_list(&cr_main_conf, CR_CONF_INSECURE);
}

static int cr_main_run_applet(const cr_applet *ap, int argc, char **argv) {
    argv[0] = (char *)ap->name;
    return ap->main(argc, argv);
}

int main(int argc, char **argv) {
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    const cr_applet *ap = cr_main_applet(base);
    int i;
    size_t k;
    cr_main_argv = argv;
    cr_main_runtime.criu = getenv("CR_CRIU");
    cr_log_set(cr_main_log_line, NULL, CR_LOG_WARN);
    /* global options come first, also through an applet's symlink:
       `state --root DIR ID` is `cr --root DIR state ID` */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        const char *o = a[0] == '-' ? a + (a[1] == '-' ? 2 : 1) : NULL;
        if (!o || (ap && !cr_main_global_option(o))) break;
        v = strchr(o, '=');
#define CR_OPT_IS(n) (!strncmp(o, n, v ? (size_t)(v - o) : strlen(o)) && strlen(n) == (v ? (size_t)(v - o) : strlen(o)))
#define CR_OPT_VAL() (v ? v + 1 : (i + 1 < argc ? argv[++i] : NULL))
        if (CR_OPT_IS("root")) {
            if (!(cr_main_runtime.root = CR_OPT_VAL())) return cr_main_usage_error("", "--root needs a directory");
        } else if (CR_OPT_IS("storage")) {
            if (!(cr_main_store.root = CR_OPT_VAL())) return cr_main_usage_error("", "--storage needs a directory");
        } else if (CR_OPT_IS("log")) {
            const char *f = CR_OPT_VAL();
            if (!f) return cr_main_usage_error("", "--log needs a file");
            if (!(cr_main_log = fopen(f, "ae"))) return cr_main_fail("", "--log \"%s\": %s", f, strerror(errno));
        } else if (CR_OPT_IS("log-format")) {
            const char *f = CR_OPT_VAL();
            if (!f || (strcmp(f, "json") && strcmp(f, "text"))) return cr_main_usage_error("", "--log-format: expected text or json");
            cr_main_log_json = !strcmp(f, "json");
        } else if (CR_OPT_IS("debug")) {
            cr_main_debug = 1;
        } else if (CR_OPT_IS("systemd-cgroup")) {
            cr_main_runtime.cgroup_manager = CR_CGROUP_MANAGER_SYSTEMD;
        } else if (CR_OPT_IS("cgroup-manager")) {
            const char *m = CR_OPT_VAL();
            if (m && !strcmp(m, "cgroupfs")) cr_main_runtime.cgroup_manager = CR_CGROUP_MANAGER_CGROUPFS;
            else if (m && !strcmp(m, "systemd")) cr_main_runtime.cgroup_manager = CR_CGROUP_MANAGER_SYSTEMD;
            else if (m && !strcmp(m, "disabled")) cr_main_runtime.cgroup_manager = CR_CGROUP_MANAGER_DISABLED;
            else return cr_main_usage_error("", "--cgroup-manager: expected cgroupfs, systemd or disabled");
        } else if (CR_OPT_IS("criu")) {
            if (!(cr_main_runtime.criu = CR_OPT_VAL())) return cr_main_usage_error("", "--criu needs a path");
        } else if (CR_OPT_IS("rootless")) {
            if (!v && i + 1 < argc && argv[i + 1][0] != '-' && !cr_main_applet(argv[i + 1])) i++;
        } else if (CR_OPT_IS("version") || !strcmp(a, "-v")) {
            printf("cr version %s\nspec: %s\n", CR_VERSION, CR_OCI_VERSION);
            return 0;
        } else if (CR_OPT_IS("help") || !strcmp(a, "-h")) {
            fputs(cr_main_usage, stdout);
            for (k = 0; k < CR_NAPPLETS; k++) printf("  %-10s %s\n", cr_main_applets[k].name, cr_main_applets[k].summary);
            return 0;
        } else if (CR_OPT_IS("list")) {
            for (k = 0; k < CR_NAPPLETS; k++) puts(cr_main_applets[k].name);
            return 0;
        } else return cr_main_usage_error("", "unknown global option %s", a);
#undef CR_OPT_IS
#undef CR_OPT_VAL
    }
    cr_log_set(cr_main_log_line, NULL, cr_main_debug ? CR_LOG_DEBUG : CR_LOG_WARN);
    if (cr_main_load_conf() < 0) return 1;
    if (ap) {
        argv[i - 1] = argv[0];
        return cr_main_run_applet(ap, argc - i + 1, argv + i - 1);
    }
    if (i >= argc) {
        fputs(cr_main_usage, stderr);
        for (k = 0; k < CR_NAPPLETS; k++) fprintf(stderr, "  %-10s %s\n", cr_main_applets[k].name, cr_main_applets[k].summary);
        return 1;
    }
    ap = cr_main_applet(argv[i]);
    if (!ap) return cr_main_usage_error("", "unknown applet \"%s\" (see cr --help)", argv[i]);
    return cr_main_run_applet(ap, argc - i, argv + i);
}
