/* ps — the processes of a container, from its cgroup. */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char cr_usage_ps[] =
"usage: cr ps [-f|--format table|json] CONTAINER_ID [PS_OPTION...]   (runc's form)\n"
"       cr ps [-a] [-q] [--filter KEY=VALUE]... [--format FORMAT] [--no-trunc]   (Docker's)\n"
"\n"
"With a CONTAINER_ID operand (runc's form): the processes in the container's\n"
"cgroup, the host's ps (with PS_OPTION..., default -ef) showing only the\n"
"container's lines, as runc does.\n"
"  -f, --format FMT   table (default) or json (a list of pids)\n"
"\n"
"Without an operand (Docker's form): the image containers, newest first, as\n"
"docker ps shows them (CONTAINER ID, IMAGE, COMMAND, CREATED, STATUS, PORTS,\n"
"NAMES; STATUS with the health: Up 3 seconds (healthy)).\n"
"  -a, --all            also the containers that are not running\n"
"  -q, --quiet          only the ids\n"
"  -f, --filter K=V     status=created|running|paused|restarting|exited, name=,\n"
"                       id= (prefix), label=KEY[=VALUE], ancestor=IMAGE, exited=CODE;\n"
"                       a key given twice matches either, different keys all\n"
"  --format FORMAT      a Go-template-like line: {{.ID}} {{.Names}} {{.Image}}\n"
"                       {{.Command}} {{.CreatedAt}} {{.RunningFor}} {{.Ports}}\n"
"                       {{.State}} {{.Status}} {{.Labels}} {{.Label \"KEY\"}}, \\t;\n"
"                       \"table ...\" adds the header and aligns the columns\n"
"  --no-trunc           full ids and commands\n"
"  -n, --last N         the N newest (with -a implied); -l, --latest: the newest\n"
"  -s, --size           accepted; sizes are not shown\n";
#define PS_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)
#define PS_DOCKER_OPTIONS(X) \
    X(OPT_ALL, "all", 'a', CR_OPT_FLAG) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG) \
    X(OPT_FILTER, "filter", 'f', CR_OPT_VALUE) \
    X(OPT_DFORMAT, "format", 0, CR_OPT_VALUE) \
    X(OPT_NO_TRUNC, "no-trunc", 0, CR_OPT_FLAG) \
    X(OPT_LAST, "last", 'n', CR_OPT_VALUE) \
    X(OPT_LATEST, "latest", 'l', CR_OPT_FLAG) \
    X(OPT_SIZE, "size", 's', CR_OPT_FLAG)

typedef struct cr_ps_list { cr_ctr_info *v; int n, cap; } cr_ps_list;

static int cr_ps_collect(void *user, const cr_ctr_info *c) {
    cr_ps_list *l = (cr_ps_list *)user;
    if (l->n == l->cap) {
        cr_ctr_info *v = realloc(l->v, (size_t)(l->cap ? l->cap * 2 : 16) * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = l->cap ? l->cap * 2 : 16;
    }
    l->v[l->n++] = *c;
    return 0;
}

static int cr_ps_newest_first(const void *a, const void *b) {
    return strcmp(((const cr_ctr_info *)b)->created, ((const cr_ctr_info *)a)->created);
}

/* Go's text/tabwriter as docker uses it (minwidth 10, padding 3): the
   tab-terminated cells of lines aligned, each line's last cell as it is. */
static void cr_ps_tabwrite(const char *text) {
    size_t width[64] = { 0 };
    const char *p, *line;
    int col;
    for (p = text, col = 0; *p; p++) {
        size_t w = 0;
        const char *q = p;
        for (; *q && *q != '\t' && *q != '\n'; q++) w += ((unsigned char)*q & 0xc0) != 0x80;
        if (*q == '\t' && col < 64 && w + 3 > width[col]) width[col] = w + 3 < 10 ? 10 : w + 3;
        col = *q == '\t' ? col + 1 : 0;
        p = q;
        if (!*q) break;
    }
    for (line = text, col = 0; *line; line++) {
        size_t w = 0;
        const char *q = line;
        for (; *q && *q != '\t' && *q != '\n'; q++) w += ((unsigned char)*q & 0xc0) != 0x80;
        fwrite(line, 1, (size_t)(q - line), stdout);
        if (*q == '\t') { for (; col < 64 && w < width[col]; w++) putchar(' '); col++; }
        else { if (*q) putchar('\n'); col = 0; }
        line = q;
        if (!*q) break;
    }
}

static int cr_ps_docker(int argc, char **argv) {
    CR_OPTIONS(opts, PS_DOCKER_OPTIONS);
    const char *fmt, *const *filters;
    cr_optstate st;
    cr_err err = {0};
    cr_ps_list l = { 0 };
    cr_buf out = {0};
    long long last = -1;
    unsigned flags;
    int i, shown = 0, quiet, all, rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    if (cr_opt_value(&st, OPT_LAST) && cr_opt_number(cr_opt_value(&st, OPT_LAST), -1, 1 << 30, &last) < 0)
        return cr_main_usage_error(argv[0], "--last: expected a number");
    if (cr_opt_given(&st, OPT_LATEST)) last = 1;
    all = cr_opt_given(&st, OPT_ALL) > 0 || last >= 0;
    quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    flags = cr_opt_given(&st, OPT_NO_TRUNC) ? CR_CTR_FORMAT_NO_TRUNC : 0;
    filters = cr_opt_values(&st, OPT_FILTER);
    fmt = quiet ? "{{.ID}}" : cr_opt_value_or(&st, OPT_DFORMAT, "table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}");
    cr_main_gc();
    if (cr_ctr_list(&cr_main_runtime, &cr_main_store, cr_ps_collect, &l, &err) < 0) { free(l.v); return cr_main_fail_err(argv[0], &err); }
    if (l.n) qsort(l.v, (size_t)l.n, sizeof *l.v, cr_ps_newest_first);
    if (!strncmp(fmt, "table", 5) && cr_ctr_format(NULL, fmt, flags, &out, &err) == 0) cr_buf_putc(&out, '\n');
    for (i = 0; i < l.n && err.code == 0 && (last < 0 || shown < last); i++) {
        int m = cr_ctr_match(&l.v[i], filters, &err);
        if (m <= 0 || (!all && l.v[i].status != CR_RUNNING && l.v[i].status != CR_PAUSED && !l.v[i].restarting)) continue;
        shown++;
        if (cr_ctr_format(&l.v[i], fmt, flags, &out, &err) == 0) cr_buf_putc(&out, '\n');
    }
    free(l.v);
    if (err.code) { cr_buf_free(&out); return cr_main_fail_err(argv[0], &err); }
    if (!strncmp(fmt, "table", 5)) cr_ps_tabwrite(out.data ? out.data : "");
    else fputs(out.data ? out.data : "", stdout);
    cr_buf_free(&out);
    return 0;
}

static int cr_ps_listed(const char *field, const pid_t *pids, size_t n) {
    char *end;
    long pid = strtol(field, &end, 10);
    size_t i;
    if (end == field) return 0;
    for (i = 0; i < n; i++) if (pids[i] == pid) return 1;
    return 0;
}

/* Runs the host's ps with args (default -ef) and prints its header and the
   lines whose PID column is one of pids. */
static int cr_ps_table(const char *applet, char **args, int nargs, const pid_t *pids, size_t n) {
    char **argv = calloc((size_t)nargs + 3, sizeof *argv), line[8192];
    int fd[2], i, col = -1, status = 0;
    pid_t child;
    FILE *f;
    if (!argv || pipe2(fd, O_CLOEXEC) < 0) return cr_main_fail(applet, "cannot run ps: %s", strerror(errno));
    argv[0] = "ps";
    for (i = 0; i < nargs; i++) argv[i + 1] = args[i];
    if (!nargs) argv[1] = "-ef";
    if ((child = fork()) == 0) {
        dup2(fd[1], 1);
        execvp("ps", argv);
        _exit(127);
    }
    close(fd[1]);
    free(argv);
    if (child < 0 || !(f = fdopen(fd[0], "r"))) { close(fd[0]); return cr_main_fail(applet, "cannot run ps: %s", strerror(errno)); }
    if (fgets(line, sizeof line, f)) {
        char copy[sizeof line], *tok, *save = NULL;
        fputs(line, stdout);
        snprintf(copy, sizeof copy, "%s", line);
        for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), i++)
            if (!strcmp(tok, "PID")) { col = i; break; }
    }
    while (col >= 0 && fgets(line, sizeof line, f)) {
        char copy[sizeof line], *tok, *save = NULL;
        snprintf(copy, sizeof copy, "%s", line);
        for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok && i < col; tok = strtok_r(NULL, " \t\n", &save)) i++;
        if (tok && cr_ps_listed(tok, pids, n)) fputs(line, stdout);
    }
    fclose(f);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) ;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return cr_main_fail(applet, "ps failed (status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    if (col < 0) return cr_main_fail(applet, "couldn't find PID field in ps output");
    return 0;
}

int cr_applet_ps(int argc, char **argv) {
    CR_OPTIONS(opts, PS_OPTIONS);
    cr_optstate st;
    cr_state cs;
    cr_err err = {0};
    pid_t *pids = NULL;
    size_t n = 0, i;
    int json = 0, r = 0, nargs, rc, i2;
    /* no operand: Docker's form */
    for (i2 = 1; i2 < argc; i2++) {
        CR_OPTIONS(docker, PS_DOCKER_OPTIONS);
        if (argv[i2][0] != '-') break;
        if (((rc = cr_opt_match(opts, argv[i2])) >= 0 || ((rc = cr_opt_match(docker, argv[i2])) >= 0 && docker[rc].has_arg)) &&
            !strchr(argv[i2], '=')) i2++;
    }
    if (i2 >= argc && !(argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))) {
        CR_OPTIONS(docker, PS_DOCKER_OPTIONS);
        char **v = cr_opt_split_flags(argc, argv, docker, "aqls", &nargs);
        return v ? cr_ps_docker(nargs, v) : cr_main_fail(argv[0], "out of memory");
    }
    /* what follows the container id goes to ps */
    rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID [PS_OPTION...]", CR_OPT_STOP_AT_OPERAND);
    if (rc >= 0) return rc;
    while (cr_opt_next(&st) == OPT_FORMAT)
        if (cr_opt_format(argv[0], st.value, &json) < 0) return 1;
    if (cr_state_load(&cr_main_runtime, st.operands[0], &cs, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cs.status != CR_STOPPED && cs.cgroup[0] && cr_cgroup_pids(cs.cgroup, &pids, &n, &err) < 0) {
        cr_state_free(&cs);
        return cr_main_fail_err(argv[0], &err);
    }
    if (json) {
        printf("[");
        for (i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
    } else {
        fflush(stdout);
        for (nargs = 0; st.operands[1 + nargs]; nargs++) ;
        r = cr_ps_table(argv[0], st.operands + 1, nargs, pids, n);
    }
    cr_util_free(pids);
    cr_state_free(&cs);
    return r;
}
