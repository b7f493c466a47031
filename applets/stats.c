/* stats — resource usage of image containers, as docker stats. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysinfo.h>

const char cr_usage_stats[] =
"usage: cr stats [--no-stream] [--format FORMAT] [NAME...]\n"
"\n"
"Show the CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O and PIDS of\n"
"image containers (default: the running ones) from their cgroups, as docker\n"
"stats: refreshed every second until interrupted.\n"
"\n"
"  --no-stream       print one sample and exit\n"
"  --format FORMAT   a Go template per container over Container, ID, Name,\n"
"                    CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs\n";
#define STATS_OPTIONS(X) \
    X(OPT_NO_STREAM, "no-stream", 0, CR_OPT_FLAG) \
    X(OPT_FORMAT, "format", 0, CR_OPT_VALUE)

#define STATS_MAX 64
typedef struct { const char *arg; struct { char id[13], name[256]; pid_t pid; } c; double cpu, at; } stats_ctr;

/* The number at a dotted path of v (0 when absent). */
static double stats_num(const cr_json *v, const char *path) {
    char key[64];
    for (; v && *path; path += strcspn(path, ".") + (path[strcspn(path, ".")] != 0)) {
        snprintf(key, sizeof key, "%.*s", (int)strcspn(path, "."), path);
        v = cr_json_get(v, key);
    }
    return v && v->type == CR_JSON_NUMBER ? strtod(v->str, NULL) : 0;
}

static void stats_bin(double b, char *out, size_t n) {
    static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int i = 0;
    while (b >= 1024 && i < 4) { b /= 1024; i++; }
    snprintf(out, n, "%.4g%s", b, u[i]);
}

/* "RX / TX" of the container's network interfaces but lo. */
static void stats_net(pid_t pid, char *out, size_t n) {
    char p[64], line[512], a[16], b[16];
    double rx = 0, tx = 0, r, t;
    FILE *f;
    snprintf(p, sizeof p, "/proc/%d/net/dev", (int)pid);
    if ((f = pid > 0 ? fopen(p, "re") : NULL)) {
        while (fgets(line, sizeof line, f))
            if (strchr(line, ':') && !strstr(line, "lo:") && sscanf(strchr(line, ':') + 1, "%lf %*s %*s %*s %*s %*s %*s %*s %lf", &r, &t) == 2) rx += r, tx += t;
        fclose(f);
    }
    snprintf(out, n, "%s / %s", cr_main_human_size(rx, a, sizeof a), cr_main_human_size(tx, b, sizeof b));
}

/* One row as Docker's stats object, in row; the CPU % since the last sample
   (names are [a-zA-Z0-9_.-], so they need no JSON escapes). */
static int stats_row(stats_ctr *s, cr_buf *row, int *ready) {
    cr_buf raw = {0};
    cr_json *v = NULL;
    const cr_json *d, *e;
    struct timespec ts;
    struct sysinfo si;
    char a[16], b[16], c[16], n[16], net[40];
    double cpu, at, usage, limit, rd = 0, wr = 0, total;
    if (cr_container_stats(&cr_main_runtime, s->c.name, &raw, NULL) < 0 || cr_json_parse(raw.data, raw.len, &v, NULL) < 0) { cr_buf_free(&raw); return -1; }
    d = cr_json_get(v, "data");
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sysinfo(&si);
    total = (double)si.totalram * si.mem_unit;
    at = ts.tv_sec + ts.tv_nsec / 1e9;
    cpu = stats_num(d, "cpu.usage.total");
    *ready = s->at > 0;
    usage = stats_num(d, "memory.usage.usage");
    limit = stats_num(d, "memory.usage.limit");
    if (limit <= 0 || limit > total) limit = total;
    for (e = (e = cr_json_get(cr_json_get(d, "blkio"), "ioServiceBytesRecursive")) ? e->child : NULL; e; e = e->next) {
        const cr_json *op = cr_json_get(e, "op");
        char k = op && op->str ? (char)(op->str[0] | 0x20) : 0;
        if (k == 'r') rd += stats_num(e, "value");
        if (k == 'w') wr += stats_num(e, "value");
    }
    stats_bin(usage, a, sizeof a);
    stats_bin(limit, b, sizeof b);
    stats_net(s->c.pid, net, sizeof net);
    cr_buf_printf(row, "{\"Container\":\"%s\",\"ID\":\"%s\",\"Name\":\"%s\",\"CPUPerc\":\"%.2f%%\",\"MemUsage\":\"%s / %s\","
                  "\"MemPerc\":\"%.2f%%\",\"NetIO\":\"%s\",\"BlockIO\":\"%s / %s\",\"PIDs\":\"%.0f\"}",
                  s->arg, s->c.id, s->c.name, *ready && at > s->at ? (cpu - s->cpu) / 1e9 / (at - s->at) * 100 : 0, a, b,
                  usage / limit * 100, net, cr_main_human_size(rd, c, sizeof c), cr_main_human_size(wr, n, sizeof n), stats_num(d, "pids.current"));
    s->cpu = cpu;
    s->at = at;
    cr_json_free(v);
    cr_buf_free(&raw);
    return 0;
}

static void stats_keep(stats_ctr *s, const cr_ctr_info *c, const char *arg) {
    snprintf(s->c.id, sizeof s->c.id, "%s", c->id);
    snprintf(s->c.name, sizeof s->c.name, "%s", c->name);
    s->c.pid = c->pid;
    s->arg = arg ? arg : s->c.name;
}

static int stats_running(void *user, const cr_ctr_info *c) {
    stats_ctr *list = (stats_ctr *)user;
    int i;
    for (i = 0; i < STATS_MAX - 1 && list[i].arg; i++) {}
    if (c->status == CR_RUNNING || c->status == CR_PAUSED) stats_keep(&list[i], c, NULL);
    return 0;
}

int cr_applet_stats(int argc, char **argv) {
    CR_OPTIONS(opts, STATS_OPTIONS);
    static stats_ctr list[STATS_MAX];
    cr_optstate st;
    cr_err err = {0};
    cr_buf tmpl = {0};
    int i, n, ready = 0, rc = cr_opt_parse(&st, argc, argv, opts, NULL, 0);
    if (rc >= 0) return rc;
    /* one line per container */
    cr_buf_printf(&tmpl, "{{range .}}%s\n{{end}}", cr_opt_value_or(&st, OPT_FORMAT,
        "{{.ID}}   {{.Name}}   {{.CPUPerc}}   {{.MemUsage}}   {{.MemPerc}}   {{.NetIO}}   {{.BlockIO}}   {{.PIDs}}"));
    cr_main_gc();
    for (i = 0; i < st.noperands && i < STATS_MAX - 1; i++) {
        cr_ctr_info c;
        if (cr_ctr_find(&cr_main_runtime, &cr_main_store, st.operands[i], &c, &err) < 0) return cr_main_fail_err(argv[0], &err);
        stats_keep(&list[i], &c, st.operands[i]);
    }
    if (!st.noperands && cr_ctr_list(&cr_main_runtime, &cr_main_store, stats_running, list, &err) < 0) return cr_main_fail_err(argv[0], &err);
    for (rc = 0;; usleep(ready ? 1000000 : 500000)) {
        cr_buf rows = {0};
        for (n = 0; list[n].arg; n++) {
            cr_buf row = {0};
            if (stats_row(&list[n], &row, &ready) == 0) { cr_buf_puts(&rows, n ? "," : "["); cr_buf_puts(&rows, row.data); }
            cr_buf_free(&row);
        }
        cr_buf_puts(&rows, rows.len ? "]" : "[]");
        if (ready || !n) {
            if (!cr_opt_given(&st, OPT_NO_STREAM)) fputs("\033[2J\033[H", stdout);
            if (!cr_opt_value(&st, OPT_FORMAT)) puts("CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT   MEM %   NET I/O   BLOCK I/O   PIDS");
            rc = cr_main_print_template(argv[0], tmpl.data, rows.data);
        }
        cr_buf_free(&rows);
        if (rc || ((ready || !n) && cr_opt_given(&st, OPT_NO_STREAM))) break;
        fflush(stdout);
    }
    cr_buf_free(&tmpl);
    return rc;
}
