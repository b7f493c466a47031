/* update — change the resource limits of a running container. */
#include "../multicall/applets.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cr_usage_update[] =
"usage: cr update [OPTIONS] CONTAINER_ID\n"
"\n"
"Change the container's cgroup limits. Sizes take k, m, g, t suffixes.\n"
"\n"
"  -r, --resources FILE       linux.resources JSON (- for stdin); flags below override it\n"
"  --memory SIZE              memory limit\n"
"  --memory-reservation SIZE  memory soft limit\n"
"  --memory-swap SIZE         memory plus swap limit (-1: unlimited)\n"
"  --kernel-memory SIZE       kernel memory limit (v1, where the kernel has it)\n"
"  --kernel-memory-tcp SIZE   kernel TCP buffer limit (v1)\n"
"  --cpu-shares, --cpu-share N  relative CPU weight (v2: converted to cpu.weight)\n"
"  --cpu-quota N              CPU time per period, in microseconds (-1: none)\n"
"  --cpu-period N             CPU period, in microseconds\n"
"  --cpu-burst N              CPU burst, in microseconds\n"
"  --cpu-rt-runtime N         realtime runtime, in microseconds (v1)\n"
"  --cpu-rt-period N          realtime period, in microseconds (v1)\n"
"  --cpu-idle N               1: SCHED_IDLE-like weight (v2)\n"
"  --cpuset-cpus LIST         CPUs allowed (0-3,5)\n"
"  --cpuset-mems LIST         memory nodes allowed\n"
"  --pids-limit N             maximum number of processes (-1 or 0: none)\n"
"  --blkio-weight N           block IO weight (10-1000)\n";

/* "512m" -> 536870912; -1 stays -1. */
static int cr_update_size(const char *s, long long *out) {
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s) return -1;
    switch (tolower((unsigned char)*end)) {
    case 0: break;
    case 'k': v <<= 10; end++; break;
    case 'm': v <<= 20; end++; break;
    case 'g': v <<= 30; end++; break;
    case 't': v <<= 40; end++; break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B') end++;
    if (*end) return -1;
    *out = v;
    return 0;
}

int cr_applet_update(int argc, char **argv) {
    enum { R, MEM, MEMRES, SWAP, KMEM, KTCP, SHARES, QUOTA, PERIOD, BURST, RTRUN, RTPER, IDLE, CPUS, MEMS, PIDS, BLKIO, SHARE, N };
    static const cr_opt opts[] = { {"resources", 'r', 1}, {"memory", 'm', 1}, {"memory-reservation", 0, 1},
        {"memory-swap", 0, 1}, {"kernel-memory", 0, 1}, {"kernel-memory-tcp", 0, 1}, {"cpu-shares", 0, 1},
        {"cpu-quota", 0, 1}, {"cpu-period", 0, 1}, {"cpu-burst", 0, 1}, {"cpu-rt-runtime", 0, 1},
        {"cpu-rt-period", 0, 1}, {"cpu-idle", 0, 1}, {"cpuset-cpus", 0, 1}, {"cpuset-mems", 0, 1},
        {"pids-limit", 0, 1}, {"blkio-weight", 0, 1}, {"cpu-share", 0, 1}, {0, 0, 0} };
    const char *val[N] = {0};
    cr_optstate st;
    cr_err err = {0};
    cr_buf in = {0}, out = {0};
    cr_json *base = NULL;
    cr_jw w;
    int k, i;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) val[k] = st.value;
    /* runc spells it --cpu-share */
    if (val[SHARE]) val[SHARES] = val[SHARE];
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one CONTAINER_ID");
    if (val[R]) {
        int r = cr_util_read_file(AT_FDCWD, strcmp(val[R], "-") ? val[R] : "/dev/stdin", 1 << 20, &in, &err);
        if (r < 0 || cr_json_parse(in.data, in.len, &base, &err) < 0) return cr_main_fail(argv[0], "--resources: %s", err.msg);
        if (base->type != CR_JSON_OBJECT) return cr_main_fail(argv[0], "--resources: expected a JSON object");
    }
    /* the flags, as a resources object merged over --resources */
    cr_jw_init(&w, &out);
    cr_jw_obj(&w);
    for (i = MEM; i < N; i++) {
        long long n;
        if (!val[i] || i == CPUS || i == MEMS) continue;
        if (cr_update_size(val[i], &n) < 0) return cr_main_usage_error(argv[0], "--%s: \"%s\" is not a number", opts[i].name, val[i]);
    }
    {
        static const struct { int opt; const char *group, *key; } map[] = {
            {MEM, "memory", "limit"}, {MEMRES, "memory", "reservation"}, {SWAP, "memory", "swap"},
            {KMEM, "memory", "kernel"}, {KTCP, "memory", "kernelTCP"}, {SHARES, "cpu", "shares"},
            {QUOTA, "cpu", "quota"}, {PERIOD, "cpu", "period"}, {BURST, "cpu", "burst"},
            {RTRUN, "cpu", "realtimeRuntime"}, {RTPER, "cpu", "realtimePeriod"}, {IDLE, "cpu", "idle"},
            {CPUS, "cpu", "cpus"}, {MEMS, "cpu", "mems"}, {PIDS, "pids", "limit"}, {BLKIO, "blockIO", "weight"} };
        static const char *const groups[] = { "memory", "cpu", "pids", "blockIO" };
        size_t g, m;
        const cr_json *e;
        for (g = 0; g < sizeof groups / sizeof *groups; g++) {
            const cr_json *from = base ? cr_json_get(base, groups[g]) : NULL;
            int any = 0;
            for (m = 0; m < sizeof map / sizeof *map; m++) if (!strcmp(map[m].group, groups[g]) && val[map[m].opt]) any = 1;
            if (!any && !from) continue;
            cr_jw_key(&w, groups[g]);
            cr_jw_obj(&w);
            for (e = from && from->type == CR_JSON_OBJECT ? from->child : NULL; e; e = e->next) {
                int overridden = 0;
                for (m = 0; m < sizeof map / sizeof *map; m++)
                    if (!strcmp(map[m].group, groups[g]) && !strcmp(map[m].key, e->key) && val[map[m].opt]) overridden = 1;
                if (!overridden) { cr_jw_key(&w, e->key); cr_jw_value(&w, e); }
            }
            for (m = 0; m < sizeof map / sizeof *map; m++) {
                long long n;
                if (strcmp(map[m].group, groups[g]) || !val[map[m].opt]) continue;
                cr_jw_key(&w, map[m].key);
                if (map[m].opt == CPUS || map[m].opt == MEMS) cr_jw_str(&w, val[map[m].opt]);
                else { cr_update_size(val[map[m].opt], &n); cr_jw_i64(&w, n); }
            }
            cr_jw_obj_end(&w);
        }
        for (e = base ? base->child : NULL; e; e = e->next) {
            for (g = 0; g < sizeof groups / sizeof *groups; g++) if (!strcmp(e->key, groups[g])) break;
            if (g == sizeof groups / sizeof *groups) { cr_jw_key(&w, e->key); cr_jw_value(&w, e); }
        }
    }
    cr_jw_obj_end(&w);
    cr_json_free(base);
    cr_buf_free(&in);
    if (cr_container_update(&cr_main_runtime, st.operands[0], out.data, out.len, &err) < 0) {
        cr_buf_free(&out);
        return cr_main_fail_err(argv[0], &err);
    }
    cr_buf_free(&out);
    return 0;
}
