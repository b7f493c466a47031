/* update — change the resource limits of a running container (runc's
   form), or of image containers by name (Docker's). */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cr_usage_update[] =
"usage: cr update [OPTIONS] CONTAINER_ID\n"
"       cr update [OPTIONS] NAME...   (image containers, Docker's: inspect and\n"
"                                  the next start follow; prints the names)\n"
"\n"
"Change the container's cgroup limits. Sizes take k, m, g, t suffixes.\n"
"\n"
"  --cpus N, --restart POLICY  of image containers (as cr run's)\n"
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
"  --blkio-weight N           block IO weight (10-1000)\n"
"  --l3-cache-schema LINE     Intel RDT/CAT schemata line (L3:0=ff), where resctrl has L3\n"
"  --mem-bw-schema LINE       Intel RDT/MBA schemata line (MB:0=70), where resctrl has MB\n";

#define UPDATE_OPTIONS(X) \
    X(OPT_RESOURCES, "resources", 'r', CR_OPT_VALUE) \
    X(OPT_MEMORY, "memory", 'm', CR_OPT_VALUE) \
    X(OPT_MEMORY_RESERVATION, "memory-reservation", 0, CR_OPT_VALUE) \
    X(OPT_MEMORY_SWAP, "memory-swap", 0, CR_OPT_VALUE) \
    X(OPT_KERNEL_MEMORY, "kernel-memory", 0, CR_OPT_VALUE) \
    X(OPT_KERNEL_MEMORY_TCP, "kernel-memory-tcp", 0, CR_OPT_VALUE) \
    X(OPT_CPU_SHARES, "cpu-shares", 'c', CR_OPT_VALUE) \
    X(OPT_CPU_QUOTA, "cpu-quota", 0, CR_OPT_VALUE) \
    X(OPT_CPU_PERIOD, "cpu-period", 0, CR_OPT_VALUE) \
    X(OPT_CPU_BURST, "cpu-burst", 0, CR_OPT_VALUE) \
    X(OPT_CPU_RT_RUNTIME, "cpu-rt-runtime", 0, CR_OPT_VALUE) \
    X(OPT_CPU_RT_PERIOD, "cpu-rt-period", 0, CR_OPT_VALUE) \
    X(OPT_CPU_IDLE, "cpu-idle", 0, CR_OPT_VALUE) \
    X(OPT_CPUSET_CPUS, "cpuset-cpus", 0, CR_OPT_VALUE) \
    X(OPT_CPUSET_MEMS, "cpuset-mems", 0, CR_OPT_VALUE) \
    X(OPT_PIDS_LIMIT, "pids-limit", 0, CR_OPT_VALUE) \
    X(OPT_BLKIO_WEIGHT, "blkio-weight", 0, CR_OPT_VALUE) \
    X(OPT_CPU_SHARE, "cpu-share", 0, CR_OPT_VALUE) \
    X(OPT_L3_CACHE_SCHEMA, "l3-cache-schema", 0, CR_OPT_VALUE) \
    X(OPT_MEM_BW_SCHEMA, "mem-bw-schema", 0, CR_OPT_VALUE) \
    X(OPT_CPUS, "cpus", 0, CR_OPT_VALUE) \
    X(OPT_RESTART, "restart", 0, CR_OPT_VALUE)
enum { UPDATE_OPTIONS(CR_OPT_ID) opts_count };
static const cr_opt opts[] = { UPDATE_OPTIONS(CR_OPT_ROW) { 0 } };

/* Docker's form: each image container through cr_ctr_update. */
static int update_ctr(const char *applet, char **names, const char **val) {
    cr_ctr_opts o;
    cr_err err = {0};
    int i, rc = 0;
    if (val[OPT_RESOURCES]) return cr_main_usage_error(applet, "--resources: not for image containers (give the limits as options)");
    for (i = OPT_KERNEL_MEMORY; i <= OPT_MEM_BW_SCHEMA; i++)
        if (val[i] && i != OPT_CPU_SHARES && i != OPT_CPU_QUOTA && i != OPT_CPU_PERIOD && i != OPT_CPUSET_CPUS && i != OPT_PIDS_LIMIT &&
            i != OPT_BLKIO_WEIGHT && i != OPT_CPU_SHARE)
            return cr_main_usage_error(applet, "--%s: not for image containers", opts[i].name);
    memset(&o, 0, sizeof o);
    o.memory = val[OPT_MEMORY]; o.memory_reservation = val[OPT_MEMORY_RESERVATION]; o.memory_swap = val[OPT_MEMORY_SWAP];
    o.cpu_shares = val[OPT_CPU_SHARES]; o.cpu_quota = val[OPT_CPU_QUOTA]; o.cpu_period = val[OPT_CPU_PERIOD];
    o.cpuset_cpus = val[OPT_CPUSET_CPUS]; o.pids_limit = val[OPT_PIDS_LIMIT]; o.blkio_weight = val[OPT_BLKIO_WEIGHT];
    o.cpus = val[OPT_CPUS]; o.restart = val[OPT_RESTART];
    for (; *names; names++)
        if (cr_ctr_update(&cr_main_runtime, &cr_main_store, *names, &o, &err) < 0) rc = cr_main_fail_err(applet, &err);
        else puts(*names);
    return rc;
}

int cr_applet_update(int argc, char **argv) {
    const char *val[opts_count], *resources;
    int64_t num[opts_count];
    cr_optstate st;
    cr_err err = {0};
    cr_buf in = {0}, out = {0};
    cr_json *base = NULL;
    cr_resources res;
    cr_jw w;
    int k, i, r, rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID...", 0);
    if (rc >= 0) return rc;
    for (i = 0; i < opts_count; i++) val[i] = cr_opt_value(&st, i);
    if (val[OPT_CPU_SHARE]) val[OPT_CPU_SHARES] = val[OPT_CPU_SHARE];   /* runc spells it --cpu-share */
    if (cr_ctr_owns(&cr_main_runtime, &cr_main_store, st.operands[0])) return update_ctr(argv[0], st.operands, val);
    if (st.noperands > 1 || val[OPT_CPUS] || val[OPT_RESTART])
        return cr_main_usage_error(argv[0], "%s is not an image container: one CONTAINER_ID, without --cpus and --restart", st.operands[0]);
    if ((resources = val[OPT_RESOURCES])) {
        r = cr_util_read_file(AT_FDCWD, strcmp(resources, "-") ? resources : "/dev/stdin", 1 << 20, &in, &err);
        if (r < 0 || cr_json_parse(in.data, in.len, &base, &err) < 0) return cr_main_fail(argv[0], "--resources: %s", err.msg);
        if (base->type != CR_JSON_OBJECT) return cr_main_fail(argv[0], "--resources: expected a JSON object");
    }
    /* every number (all but the file, the cpuset lists and the schemata), in command-line order */
    while ((k = cr_opt_next(&st)) >= 0) {
        if (k == OPT_RESOURCES || k == OPT_CPUSET_CPUS || k == OPT_CPUSET_MEMS || k >= OPT_L3_CACHE_SCHEMA) continue;
        if ((rc = cr_util_parse_size(st.value, &num[k])) < 0)
            return cr_main_usage_error(argv[0], "--%s: \"%s\" is %s", opts[k].name, st.value, rc == -ERANGE ? "out of range" : "not a number");
    }
    /* runc spells it --cpu-share */
    if (val[OPT_CPU_SHARE]) {
        val[OPT_CPU_SHARES] = val[OPT_CPU_SHARE];
        num[OPT_CPU_SHARES] = num[OPT_CPU_SHARE];
    }
    /* the flags, as a resources object merged over --resources */
    cr_jw_init(&w, &out);
    cr_jw_obj(&w);
    {
        static const struct { unsigned char opt, group; const char *key; } map[] = {   /* group: of groups[] */
            {OPT_MEMORY, 0, "limit"}, {OPT_MEMORY_RESERVATION, 0, "reservation"},
            {OPT_MEMORY_SWAP, 0, "swap"}, {OPT_KERNEL_MEMORY, 0, "kernel"},
            {OPT_KERNEL_MEMORY_TCP, 0, "kernelTCP"}, {OPT_CPU_SHARES, 1, "shares"},
            {OPT_CPU_QUOTA, 1, "quota"}, {OPT_CPU_PERIOD, 1, "period"}, {OPT_CPU_BURST, 1, "burst"},
            {OPT_CPU_RT_RUNTIME, 1, "realtimeRuntime"}, {OPT_CPU_RT_PERIOD, 1, "realtimePeriod"},
            {OPT_CPU_IDLE, 1, "idle"}, {OPT_CPUSET_CPUS, 1, "cpus"}, {OPT_CPUSET_MEMS, 1, "mems"},
            {OPT_PIDS_LIMIT, 2, "limit"}, {OPT_BLKIO_WEIGHT, 3, "weight"} };
        static const char *const groups[] = { "memory", "cpu", "pids", "blockIO" };
        size_t g, m;
        const cr_json *e;
        for (g = 0; g < sizeof groups / sizeof *groups; g++) {
            const cr_json *from = base ? cr_json_get(base, groups[g]) : NULL;
            int any = 0;
            for (m = 0; m < sizeof map / sizeof *map; m++) if (map[m].group == g && val[map[m].opt]) any = 1;
            if (!any && !from) continue;
            cr_jw_key(&w, groups[g]);
            cr_jw_obj(&w);
            for (e = from && from->type == CR_JSON_OBJECT ? from->child : NULL; e; e = e->next) {
                int overridden = 0;
                for (m = 0; m < sizeof map / sizeof *map; m++)
                    if (map[m].group == g && !strcmp(map[m].key, e->key) && val[map[m].opt]) overridden = 1;
                if (!overridden) { cr_jw_key(&w, e->key); cr_jw_value(&w, e); }
            }
            for (m = 0; m < sizeof map / sizeof *map; m++) {
                if (map[m].group != g || !val[map[m].opt]) continue;
                cr_jw_key(&w, map[m].key);
                if (map[m].opt == OPT_CPUSET_CPUS || map[m].opt == OPT_CPUSET_MEMS) cr_jw_str(&w, val[map[m].opt]);
                else cr_jw_i64(&w, num[map[m].opt]);
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
    r = cr_spec_parse_resources(out.data, out.len, &res, &err);
    cr_buf_free(&out);
    res.l3_cache_schema = val[OPT_L3_CACHE_SCHEMA];
    res.mem_bw_schema = val[OPT_MEM_BW_SCHEMA];
    if (r < 0) cr_err_wrap(&err, "update \"%s\"", st.operands[0]);
    else r = cr_container_update(&cr_main_runtime, st.operands[0], &res, &err);
    cr_spec_resources_free(&res);
    return r < 0 ? cr_main_fail_err(argv[0], &err) : 0;
}
