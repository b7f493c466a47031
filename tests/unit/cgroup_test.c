// cr-test: libs=-lseccomp -lm
/* Unit tests of the cgroup resources code (cr__cgroup_apply, _freeze, _stats,
   _oom_count, the eBPF device filter). The writers run against fake cgroupfs
   trees (temp dirs with the files pre-created), so v1, v2 and hybrid
   behaviour is tested on any host; a few tests use real cgroups as root
   (v1 memory and devices, a v2 cgroup with an eBPF device filter) and are
   skipped elsewhere. TAP output. */
#define CR_IMPLEMENTATION
#include "cr.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/inotify.h>
#include <sys/wait.h>

/* ---- log capture ---- */
static char logbuf[8192];
static void logfn(void *user, int level, const char *msg) {
    size_t n = strlen(logbuf);
    (void)user;
    snprintf(logbuf + n, sizeof logbuf - n, "%s:%s\n", level == CR_LOG_WARN ? "W" : level == CR_LOG_DEBUG ? "D" : "I", msg);
}

/* ---- fake cgroupfs trees ---- */
typedef struct tree { char dir[64]; } tree;

static void put(const char *dir, const char *file, const char *content) {
    char p[512];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    f = fopen(p, "w");
    if (!f) { TAP_FAIL("cannot create %s: %s", p, strerror(errno)); return; }
    fputs(content, f);
    fclose(f);
}

/* Creates a temp dir with the given files (NULL-terminated; "name=content" pre-fills). */
static void mktree(tree *t, const char *const *files) {
    if (tap_tmpdir(t->dir, sizeof t->dir, "crcg") < 0) return;
    for (; files && *files; files++) {
        char name[128];
        const char *eq = strchr(*files, '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - *files) : (int)strlen(*files), *files);
        put(t->dir, name, eq ? eq + 1 : "");
    }
}

static void rmtree(tree *t) {
    DIR *d;
    struct dirent *e;
    if (!t->dir[0] || !(d = opendir(t->dir))) return;
    while ((e = readdir(d))) {
        char p[512];
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        snprintf(p, sizeof p, "%s/%s", t->dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(t->dir);
}

/* A fake cgroup v2 tree with these files, and a target of it alone. */
static void v2_target(tree *a, const char *const *files, cr__cg_target *t) {
    mktree(a, files);
    memset(t, 0, sizeof *t);
    t->v2 = a->dir;
    t->pure_v2 = 1;
}

/* A fake v1 hierarchy of one controller with these files, and a target of it. */
static void v1_target(tree *a, const char *const *files, int controller, cr__cg_target *t) {
    mktree(a, files);
    memset(t, 0, sizeof *t);
    t->v1[controller] = a->dir;
}

static const char *rd(const char *dir, const char *file) {
    static char buf[4][4096];
    static int k;
    char p[512];
    char *b = buf[k++ & 3];
    FILE *f;
    size_t n;
    snprintf(p, sizeof p, "%s/%s", dir, file);
    b[0] = 0;
    if (!(f = fopen(p, "r"))) { snprintf(b, 4096, "<missing>"); return b; }
    n = fread(b, 1, 4095, f);
    b[n] = 0;
    fclose(f);
    return b;
}

#define CHECK_FILE(dir, file, want) do { const char *got_ = rd(dir, file); \
    if (strcmp(got_, want)) TAP_FAIL("%s is \"%s\", want \"%s\"", file, got_, want); } while (0)

/* Parsed by the spec section (where bad values are caught), then applied. */
static int apply(const cr__cg_target *t, const char *json, int update, cr_err *err) {
    cr_resources res;
    int r;
    memset(err, 0, sizeof *err);
    if ((r = cr_spec_parse_resources(json, strlen(json), &res, err)) < 0) return r;
    r = cr__cgroup_apply(t, &res, update, err);
    cr_spec_resources_free(&res);
    return r;
}

/* The eBPF filter of a linux.resources.devices list given as JSON. */
static int devices_prog(const char *list, struct bpf_insn *out, size_t max, size_t *len, cr_err *err) {
    char json[8300];
    cr_resources res;
    int r;
    snprintf(json, sizeof json, "{\"devices\":%s}", list);
    if ((r = cr_spec_parse_resources(json, strlen(json), &res, err)) < 0) return r;
    r = cr__cgroup_devices_prog(res.devices, (size_t)res.ndevices, out, max, len, err);
    cr_spec_resources_free(&res);
    return r;
}

#define APPLY_OK(t, json, update) do { cr_err e_; if (apply(t, json, update, &e_) < 0) TAP_FAIL("apply failed: %s", e_.msg); } while (0)
/* file in dir holds before; json applied (update or create) must leave want there */
#define APPLY_FILE(t, dir, file, before, json, update, want) \
    do { put(dir, file, before); APPLY_OK(t, json, update); CHECK_FILE(dir, file, want); } while (0)
#define APPLY_ERR(t, json, update, want) do { cr_err e_; int r_ = apply(t, json, update, &e_); \
    if (r_ >= 0) TAP_FAIL("apply succeeded, wanted an error with \"%s\"", want); \
    else if (!strstr(e_.msg, want)) TAP_FAIL("error \"%s\" lacks \"%s\"", e_.msg, want); } while (0)

static const char *const v2_files[] = {
    "cgroup.controllers=cpuset cpu io memory hugetlb pids rdma misc\n",
    "cpu.weight", "cpu.max=max 100000\n", "cpu.max.burst", "cpu.idle",
    "cpuset.cpus", "cpuset.mems",
    "memory.max", "memory.low", "memory.swap.max", "memory.current=4096\n",
    "pids.max", "io.weight", "io.max", "hugetlb.2MB.max", "hugetlb.1GB.max", "rdma.max",
    "memory.high", "cgroup.freeze", "cgroup.events=populated 1\nfrozen 1\n", NULL
};

/* ---- cpu ---- */

static uint64_t libm_weight(uint64_t s) {
    double l, e;
    if (!s) return 0;
    if (s <= 2) return 1;
    if (s >= 262144) return 10000;
    l = log2((double)s);
    e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return (uint64_t)ceil(pow(10, e));
}

static void t_weight_all(void) {
    uint64_t s, bad = 0;
    CHECK(cr__cgroup_res_weight(1024) == 100);
    CHECK(cr__cgroup_res_weight(2) == 1);
    CHECK(cr__cgroup_res_weight(262144) == 10000);
    CHECK(cr__cgroup_res_weight(0) == 0);
    for (s = 0; s <= 300000; s++)
        if (cr__cgroup_res_weight(s) != libm_weight(s) && bad++ < 5)
            TAP_FAIL("shares %llu: %llu, libm %llu", (unsigned long long)s, (unsigned long long)cr__cgroup_res_weight(s),
                 (unsigned long long)libm_weight(s));
    CHECK(bad == 0);
}

static void t_cpu_v2(void) {
    tree a;
    cr__cg_target t;
    v2_target(&a, v2_files, &t);
    APPLY_OK(&t, "{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":200000,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":1,\"burst\":1000}}", 0);
    CHECK_FILE(a.dir, "cpu.weight", "100");
    CHECK_FILE(a.dir, "cpu.max", "50000 200000");
    CHECK_FILE(a.dir, "cpu.max.burst", "1000");
    CHECK_FILE(a.dir, "cpu.idle", "1");
    CHECK_FILE(a.dir, "cpuset.cpus", "0-1");
    CHECK_FILE(a.dir, "cpuset.mems", "0");
    APPLY_FILE(&t, a.dir, "cpu.weight", "", "{\"cpu\":{\"shares\":2}}", 0, "1");
    APPLY_FILE(&t, a.dir, "cpu.weight", "", "{\"cpu\":{\"shares\":512}}", 0, "59");
    /* quota without period on create: "max 100000"-style default period */
    APPLY_FILE(&t, a.dir, "cpu.max", "max 100000\n", "{\"cpu\":{\"quota\":-1}}", 0, "max 100000");
    APPLY_FILE(&t, a.dir, "cpu.max", "", "{\"cpu\":{\"quota\":20000}}", 0, "20000 100000");
    /* update: a lone quota keeps the current period, a lone period the quota */
    APPLY_FILE(&t, a.dir, "cpu.max", "max 250000\n", "{\"cpu\":{\"quota\":50000}}", 1, "50000 250000");
    APPLY_FILE(&t, a.dir, "cpu.max", "30000 250000\n", "{\"cpu\":{\"period\":100000}}", 1, "30000 100000");
    /* realtime has no v2 equivalent: an error (runtime-spec MUST) */
    APPLY_ERR(&t, "{\"cpu\":{\"realtimeRuntime\":1000}}", 0, "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
    rmtree(&a);
}

static void t_cpu_v1(void) {
    static const char *const files[] = { "cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.idle", NULL };
    static const char *const cs[] = { "cpuset.cpus", "cpuset.mems", NULL };
    tree a, b;
    cr__cg_target t;
    mktree(&a, files);
    mktree(&b, cs);
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_CPU] = t.v1[CR__CG_CPUACCT] = a.dir;
    t.v1[CR__CG_CPUSET] = b.dir;
    logbuf[0] = 0;
    cr_log_set(logfn, NULL, CR_LOG_DEBUG);
    APPLY_OK(&t, "{\"cpu\":{\"shares\":512,\"quota\":-5,\"period\":50000,\"burst\":10,\"idle\":0,"
                 "\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"1\"}}", 0);
    CHECK_FILE(a.dir, "cpu.shares", "512");
    CHECK_FILE(a.dir, "cpu.cfs_quota_us", "-1");
    CHECK_FILE(a.dir, "cpu.cfs_period_us", "50000");
    CHECK_FILE(a.dir, "cpu.cfs_burst_us", "10");
    CHECK_FILE(a.dir, "cpu.idle", "0");
    CHECK_FILE(b.dir, "cpuset.cpus", "1");
    /* no CONFIG_RT_GROUP_SCHED: a warning, not an error */
    CHECK(strstr(logbuf, "W:linux.resources.cpu.realtimePeriod:") && strstr(logbuf, "cpu.rt_period_us does not exist"));
    cr_log_set(NULL, NULL, CR_LOG_WARN);
    rmtree(&a);
    rmtree(&b);
}

/* ---- memory ---- */

static void t_memory_v2(void) {
    tree a;
    cr__cg_target t;
    v2_target(&a, v2_files, &t);
    APPLY_OK(&t, "{\"memory\":{\"limit\":1073741824,\"swap\":2147483648,\"reservation\":536870912}}", 0);
    CHECK_FILE(a.dir, "memory.max", "1073741824");
    CHECK_FILE(a.dir, "memory.swap.max", "1073741824");
    CHECK_FILE(a.dir, "memory.low", "536870912");
    put(a.dir, "memory.max", ""); put(a.dir, "memory.swap.max", "");
    APPLY_OK(&t, "{\"memory\":{\"limit\":-1}}", 0);
    CHECK_FILE(a.dir, "memory.max", "max");
    CHECK_FILE(a.dir, "memory.swap.max", "max");
    put(a.dir, "memory.max", ""); put(a.dir, "memory.swap.max", "");
    APPLY_OK(&t, "{\"memory\":{\"limit\":1048576,\"swap\":1048576}}", 0);
    CHECK_FILE(a.dir, "memory.swap.max", "0");
    APPLY_ERR(&t, "{\"memory\":{\"swap\":1048576}}", 0, "linux.resources.memory.swap: a swap limit needs a memory limit");
    APPLY_ERR(&t, "{\"memory\":{\"limit\":2097152,\"swap\":1048576}}", 0, "is below the memory limit");
    APPLY_ERR(&t, "{\"memory\":{\"swappiness\":10}}", 0, "linux.resources.memory.swappiness: not supported on cgroup v2");
    APPLY_ERR(&t, "{\"memory\":{\"disableOOMKiller\":true}}", 0, "disableOOMKiller: not supported on cgroup v2");
    APPLY_OK(&t, "{\"memory\":{\"disableOOMKiller\":false,\"kernel\":-1,\"kernelTCP\":1000000}}", 0);
    /* checkBeforeUpdate: memory.current is 4096 here */
    APPLY_ERR(&t, "{\"memory\":{\"limit\":4096,\"checkBeforeUpdate\":true}}", 1, "rejecting memory limit 4096 below the current usage 4096");
    APPLY_OK(&t, "{\"memory\":{\"limit\":8192,\"checkBeforeUpdate\":true}}", 1);
    CHECK_FILE(a.dir, "memory.max", "8192");
    APPLY_ERR(&t, "{\"memory\":{\"limit\":\"1G\"}}", 0, "linux.resources.memory.limit: expected a 64-bit integer, got string");
    rmtree(&a);
}

/* The names of the files closed after writing, in order (inotify). */
static void write_order(int fd, char *out, size_t n) {
    char buf[4096] __attribute__((aligned(8)));
    ssize_t len;
    out[0] = 0;
    while ((len = read(fd, buf, sizeof buf)) > 0) {
        char *p = buf;
        while (p < buf + len) {
            struct inotify_event *ev = (struct inotify_event *)p;
            size_t l = strlen(out);
            if (ev->len) snprintf(out + l, n - l, "%s%s", l ? "," : "", ev->name);
            p += sizeof *ev + ev->len;
        }
    }
}

static void t_memory_v1_order(void) {
    static const char *const files[] = { "memory.limit_in_bytes=1048576\n", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
                                         "memory.swappiness", "memory.oom_control", "memory.use_hierarchy", "memory.usage_in_bytes=0\n",
                                         "memory.max_usage_in_bytes=0\n", NULL };
    tree a;
    cr__cg_target t;
    char order[512];
    int in;
    v1_target(&a, files, CR__CG_MEMORY, &t);
    in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, a.dir, IN_CLOSE_WRITE) < 0) { TAP_FAIL("inotify: %s", strerror(errno)); rmtree(&a); return; }
    /* raising: the current limit (1 MiB) is below the new memsw, so memsw goes first */
    APPLY_OK(&t, "{\"memory\":{\"limit\":4194304,\"swap\":8388608}}", 0);
    write_order(in, order, sizeof order);
    CHECK(!strcmp(order, "memory.memsw.limit_in_bytes,memory.limit_in_bytes") || (TAP_FAIL("order %s", order), 0));
    CHECK_FILE(a.dir, "memory.limit_in_bytes", "4194304");
    CHECK_FILE(a.dir, "memory.memsw.limit_in_bytes", "8388608");
    /* lowering below the current limit: limit first */
    put(a.dir, "memory.limit_in_bytes", "8388608\n");
    write_order(in, order, sizeof order);
    APPLY_OK(&t, "{\"memory\":{\"limit\":2097152,\"swap\":4194304}}", 0);
    write_order(in, order, sizeof order);
    CHECK(!strcmp(order, "memory.limit_in_bytes,memory.memsw.limit_in_bytes") || (TAP_FAIL("order %s", order), 0));
    /* -1: unlimited memory takes unlimited swap along (runc), swap first */
    APPLY_OK(&t, "{\"memory\":{\"limit\":-1}}", 0);
    write_order(in, order, sizeof order);
    CHECK(!strcmp(order, "memory.memsw.limit_in_bytes,memory.limit_in_bytes") || (TAP_FAIL("order %s", order), 0));
    CHECK(!strncmp(rd(a.dir, "memory.memsw.limit_in_bytes"), "-1", 2));
    CHECK(!strncmp(rd(a.dir, "memory.limit_in_bytes"), "-1", 2));
    APPLY_OK(&t, "{\"memory\":{\"reservation\":1024,\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":true}}", 0);
    CHECK_FILE(a.dir, "memory.soft_limit_in_bytes", "1024");
    CHECK_FILE(a.dir, "memory.swappiness", "60");
    CHECK_FILE(a.dir, "memory.oom_control", "1");
    CHECK_FILE(a.dir, "memory.use_hierarchy", "1");
    APPLY_ERR(&t, "{\"memory\":{\"swappiness\":101}}", 0, "linux.resources.memory.swappiness: 101 is out of range");
    /* kernel memory: no file -> a debug line only */
    logbuf[0] = 0;
    cr_log_set(logfn, NULL, CR_LOG_DEBUG);
    APPLY_OK(&t, "{\"memory\":{\"kernel\":1048576,\"kernelTCP\":1048576}}", 0);
    CHECK(strstr(logbuf, "D:linux.resources.memory.kernel:") && !strstr(logbuf, "W:"));
    cr_log_set(NULL, NULL, CR_LOG_WARN);
    close(in);
    rmtree(&a);
}

/* ---- pids, io, hugetlb, rdma, network ---- */

static void t_pids(void) {
    tree a;
    cr__cg_target t;
    v2_target(&a, v2_files, &t);
    APPLY_OK(&t, "{\"pids\":{\"limit\":0}}", 0);
    CHECK_FILE(a.dir, "pids.max", "max");
    APPLY_FILE(&t, a.dir, "pids.max", "", "{\"pids\":{\"limit\":-1}}", 0, "max");
    APPLY_FILE(&t, a.dir, "pids.max", "", "{\"pids\":{\"limit\":1234}}", 0, "1234");
    APPLY_FILE(&t, a.dir, "pids.max", "", "{\"pids\":{}}", 0, "");
    rmtree(&a);
}

static void t_io_v2(void) {
    tree a;
    cr__cg_target t;
    v2_target(&a, v2_files, &t);
    APPLY_OK(&t, "{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":10}],"
                 "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000},{\"major\":8,\"minor\":16,\"rate\":5}],"
                 "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":20}],"
                 "\"throttleWriteBpsDevice\":[{\"major\":259,\"minor\":0,\"rate\":7}],"
                 "\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":9}]}}", 0);
    CHECK_FILE(a.dir, "io.weight", "8:0 1");   /* device weights are converted too */
    CHECK_FILE(a.dir, "io.max", "8:0 rbps=1000 wiops=20\n8:16 rbps=5 riops=9\n259:0 wbps=7\n");
    APPLY_FILE(&t, a.dir, "io.weight", "", "{\"blockIO\":{\"weight\":500}}", 0, "4950");   /* 1 + (500 - 10) * 9999 / 990 */
    APPLY_ERR(&t, "{\"blockIO\":{\"weight\":5}}", 0, "linux.resources.blockIO.weight: 5 is out of range (10..1000)");
    APPLY_ERR(&t, "{\"blockIO\":{\"leafWeight\":500}}", 0, "leafWeight: not supported on cgroup v2");
    APPLY_ERR(&t, "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}}", 0,
              "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required");
    /* BFQ: the weight goes to io.bfq.weight unconverted */
    put(a.dir, "io.bfq.weight", "default 100\n");
    put(a.dir, "io.weight", "");
    APPLY_OK(&t, "{\"blockIO\":{\"weight\":500}}", 0);
    CHECK_FILE(a.dir, "io.bfq.weight", "500");
    CHECK_FILE(a.dir, "io.weight", "");
    rmtree(&a);
}

static void t_blkio_v1(void) {
    static const char *const files[] = { "blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device",
                                         "blkio.throttle.write_iops_device", NULL };
    tree a;
    cr__cg_target t;
    v1_target(&a, files, CR__CG_BLKIO, &t);
    logbuf[0] = 0;
    cr_log_set(logfn, NULL, CR_LOG_WARN);
    APPLY_OK(&t, "{\"blockIO\":{\"weight\":300,\"leafWeight\":200,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":50}],"
                 "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000}],"
                 "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":20}]}}", 0);
    CHECK_FILE(a.dir, "blkio.bfq.weight", "300");
    CHECK_FILE(a.dir, "blkio.bfq.weight_device", "8:0 50");
    CHECK_FILE(a.dir, "blkio.throttle.read_bps_device", "8:0 1000");
    CHECK_FILE(a.dir, "blkio.throttle.write_iops_device", "8:0 20");
    CHECK(strstr(logbuf, "W:linux.resources.blockIO.leafWeight:"));
    cr_log_set(NULL, NULL, CR_LOG_WARN);
    /* no proportional scheduler at all: an error that names the file */
    {
        char f[128];
        snprintf(f, sizeof f, "%s/blkio.bfq.weight", a.dir);
        unlink(f);
    }
    APPLY_ERR(&t, "{\"blockIO\":{\"weight\":300}}", 0, "linux.resources.blockIO.weight: blkio.weight does not exist in");
    rmtree(&a);
}

static void t_hugetlb_hybrid(void) {
    static const char *const memv1[] = { "memory.limit_in_bytes", NULL };
    tree v1, v2;
    cr__cg_target t;
    mktree(&v1, memv1);
    mktree(&v2, v2_files);
    memset(&t, 0, sizeof t);
    /* hybrid: memory on v1, hugetlb only on v2 */
    t.v1[CR__CG_MEMORY] = v1.dir;
    t.v2 = v2.dir;
    APPLY_OK(&t, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1073741824},{\"pageSize\":\"1GB\",\"limit\":0}],"
                 "\"memory\":{\"limit\":1048576}}", 0);
    CHECK_FILE(v2.dir, "hugetlb.2MB.max", "1073741824");
    CHECK_FILE(v2.dir, "hugetlb.1GB.max", "0");
    CHECK_FILE(v1.dir, "memory.limit_in_bytes", "1048576");
    CHECK_FILE(v2.dir, "memory.max", "");
    APPLY_ERR(&t, "{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}", 0, "invalid page size");
    APPLY_ERR(&t, "{\"hugepageLimits\":[{\"pageSize\":\"16GB\",\"limit\":1}]}", 0, "hugetlb.16GB.max does not exist");
    /* v1 hugetlb when it is mounted there */
    put(v1.dir, "hugetlb.2MB.limit_in_bytes", "");
    t.v1[CR__CG_HUGETLB] = v1.dir;
    put(v2.dir, "hugetlb.2MB.max", "");
    APPLY_OK(&t, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}]}", 0);
    CHECK_FILE(v1.dir, "hugetlb.2MB.limit_in_bytes", "2097152");
    CHECK_FILE(v2.dir, "hugetlb.2MB.max", "");
    /* a controller that is nowhere */
    t.v2 = NULL;
    APPLY_ERR(&t, "{\"pids\":{\"limit\":5}}", 0, "linux.resources.pids.limit: the pids cgroup controller is not available");
    rmtree(&v1);
    rmtree(&v2);
}

static void t_rdma_network(void) {
    static const char *const cls[] = { "net_cls.classid", "net_prio.ifpriomap", NULL };
    tree a, n;
    cr__cg_target t;
    mktree(&a, v2_files);
    mktree(&n, cls);
    memset(&t, 0, sizeof t);
    t.v2 = a.dir; t.pure_v2 = 1;
    APPLY_OK(&t, "{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}}}", 0);
    CHECK_FILE(a.dir, "rdma.max", "mlx5_1 hca_handle=3 hca_object=10000");
    APPLY_ERR(&t, "{\"rdma\":{\"mlx5_1\":{}}}", 0, "linux.resources.rdma.mlx5_1: set hcaHandles, hcaObjects or both");
    APPLY_ERR(&t, "{\"network\":{\"classID\":1048577}}", 0, "linux.resources.network.classID: not supported on cgroup v2");
    t.pure_v2 = 0; t.v2 = NULL;
    t.v1[CR__CG_NET_CLS] = t.v1[CR__CG_NET_PRIO] = n.dir;
    APPLY_OK(&t, "{\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":500},{\"name\":\"lo\",\"priority\":1}]}}", 0);
    CHECK_FILE(n.dir, "net_cls.classid", "1048577");
    CHECK_FILE(n.dir, "net_prio.ifpriomap", "eth0 500\nlo 1\n");
    APPLY_ERR(&t, "{\"network\":{\"priorities\":[{\"name\":\"eth0 1\\nlo\",\"priority\":1}]}}", 0, "expected an interface name");
    rmtree(&a);
    rmtree(&n);
}

/* ---- unified ---- */

static void t_unified(void) {
    tree a;
    cr__cg_target t;
    v2_target(&a, v2_files, &t);
    /* unified is written last: it overrides memory.limit */
    APPLY_OK(&t, "{\"memory\":{\"limit\":1048576},\"unified\":{\"memory.high\":\"500000\",\"memory.max\":\"2097152\","
                 "\"io.max\":\"8:0 rbps=1\\n8:16 wbps=2\\n\",\"pids.max\":\"\"}}", 0);
    CHECK_FILE(a.dir, "memory.high", "500000");
    CHECK_FILE(a.dir, "memory.max", "2097152");
    CHECK_FILE(a.dir, "io.max", "8:0 rbps=18:16 wbps=2");   /* one write per line (a real io.max takes each) */
    CHECK_FILE(a.dir, "pids.max", "");
    APPLY_ERR(&t, "{\"unified\":{\"../memory.max\":\"1\"}}", 0, "linux.resources.unified.\"../memory.max\": must be a file name");
    APPLY_ERR(&t, "{\"unified\":{\"..\":\"1\"}}", 0, "linux.resources.unified.\"..\": must be a file name");
    APPLY_ERR(&t, "{\"unified\":{\"a/b\":\"1\"}}", 0, "linux.resources.unified.\"a/b\": must be a file name");
    APPLY_ERR(&t, "{\"unified\":{\"memory.nonexistent\":\"1\"}}", 0, "linux.resources.unified.\"memory.nonexistent\": memory.nonexistent does not exist");
    APPLY_ERR(&t, "{\"unified\":{\"sched.max\":\"1\"}}", 0, "the cgroup v2 controller \"sched\" is not enabled");
    APPLY_ERR(&t, "{\"unified\":{\"memory.high\":5}}", 0, "expected a string, got number");
    /* v1-only host */
    t.v2 = NULL; t.pure_v2 = 0;
    APPLY_ERR(&t, "{\"unified\":{\"memory.high\":\"1\"}}", 0, "linux.resources.unified: needs cgroup v2");
    rmtree(&a);
}

/* ---- devices ---- */

static void t_devices_v1(void) {
    static const char *const files[] = { "devices.allow", "devices.deny", NULL };
    tree a;
    cr__cg_target t;
    v1_target(&a, files, CR__CG_DEVICES, &t);
    APPLY_OK(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
                 "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rw\"},{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"},"
                 "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"w\"}]}", 0);
    CHECK_FILE(a.dir, "devices.deny", "a\nc 1:5 w\n");
    CHECK_FILE(a.dir, "devices.allow", "c 1:3 rwm\nc 1:5 rw\nb 8:* r\n");
    /* no leading "a" rule: everything is denied first (runc) */
    put(a.dir, "devices.allow", ""); put(a.dir, "devices.deny", "");
    APPLY_OK(&t, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rwm\"}]}", 0);
    CHECK_FILE(a.dir, "devices.deny", "a\n");
    CHECK_FILE(a.dir, "devices.allow", "c 10:200 rwm\n");
    /* allow-all */
    put(a.dir, "devices.allow", ""); put(a.dir, "devices.deny", "");
    APPLY_OK(&t, "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}", 0);
    CHECK_FILE(a.dir, "devices.deny", "");
    CHECK_FILE(a.dir, "devices.allow", "a\n");
    /* runc's defaults after the spec's rules, minus those whose path linux.devices redefines */
    {
        cr_device dev[1];
        memset(dev, 0, sizeof dev);
        dev[0].path = "/dev/zero"; dev[0].type = 'c'; dev[0].major = 1; dev[0].minor = 5;
        t.default_devices = 1; t.devices = dev; t.ndevices = 1;
        put(a.dir, "devices.allow", ""); put(a.dir, "devices.deny", "");
        APPLY_OK(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":4,\"minor\":1,\"access\":\"rw\"}]}", 0);
        CHECK_FILE(a.dir, "devices.deny", "a\n");
        CHECK_FILE(a.dir, "devices.allow", "c 4:1 rw\nc *:* m\nb *:* m\nc 1:3 rwm\nc 1:8 rwm\nc 1:7 rwm\nc 5:0 rwm\nc 1:9 rwm\n"
                                           "c 136:* rwm\nc 5:2 rwm\nc 10:200 rwm\n");
        /* create without "devices": the defaults alone; update without it: untouched */
        put(a.dir, "devices.allow", ""); put(a.dir, "devices.deny", "");
        APPLY_OK(&t, "{}", 1);
        CHECK_FILE(a.dir, "devices.allow", "");
        APPLY_OK(&t, "{}", 0);
        CHECK_FILE(a.dir, "devices.deny", "a\n");
        CHECK(!strncmp(rd(a.dir, "devices.allow"), "c *:* m\n", 8));
    }
    APPLY_ERR(&t, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1}]}", 0, "linux.resources.devices[0].access: required");
    APPLY_ERR(&t, "{\"devices\":[{\"allow\":true,\"type\":\"u\",\"access\":\"r\"}]}", 0, "linux.resources.devices[0].type");
    APPLY_ERR(&t, "{\"devices\":[{\"type\":\"c\",\"access\":\"r\"}]}", 0, "linux.resources.devices[0].allow: required");
    APPLY_ERR(&t, "{\"devices\":[{\"allow\":true,\"type\":\"c\",\"access\":\"rx\"}]}", 0, "linux.resources.devices[0].access");
    rmtree(&a);
}

/* A small interpreter for the instructions the device filter uses, with the
   verifier's constraints that matter here (forward jumps in range, exit
   reached). Returns the program's verdict or -1. */
static int run_prog(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t acc, uint32_t maj, uint32_t min) {
    uint64_t r[11] = {0};
    uint32_t ctx[3];
    size_t pc = 0;
    ctx[0] = acc << 16 | type; ctx[1] = maj; ctx[2] = min;
    while (pc < n) {
        const struct bpf_insn *i = &p[pc++];
        uint64_t imm = (uint64_t)(int64_t)i->imm;
        if (i->off < 0) return -1;
        switch (i->code) {
        case BPF_LDX | BPF_W | BPF_MEM:
            if (i->src_reg != 1 || i->off % 4 || i->off > 8) return -1;
            r[i->dst_reg] = ctx[i->off / 4];
            break;
        case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm); break;
        case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = imm; break;
        case BPF_JMP | BPF_JNE | BPF_K: if (r[i->dst_reg] != imm) pc += (size_t)i->off; break;
        case BPF_JMP | BPF_JSET | BPF_K: if (r[i->dst_reg] & imm) pc += (size_t)i->off; break;
        case BPF_JMP | BPF_JA: pc += (size_t)i->off; break;
        case BPF_JMP | BPF_EXIT: return (int)r[0];
        default: return -1;
        }
    }
    return -1;
}

typedef struct rrule { int allow; char type; int major, minor; unsigned acc; } rrule;

/* The model: per requested access bit, the last rule that matches decides;
   an "a" rule matches everything; nothing matches: deny. */
static int model(const rrule *rs, int n, char type, int maj, int min, unsigned acc) {
    unsigned bit;
    for (bit = 1; bit <= 4; bit <<= 1) {
        int i, v = 0;
        if (!(acc & bit)) continue;
        for (i = n - 1; i >= 0; i--) {
            const rrule *x = &rs[i];
            if (x->type == 'a') { v = x->allow; break; }
            if (x->type != type || !(x->acc & bit)) continue;
            if (x->major >= 0 && x->major != maj) continue;
            if (x->minor >= 0 && x->minor != min) continue;
            v = x->allow;
            break;
        }
        if (!v) return 0;
    }
    return 1;
}

static int prog_of(const rrule *rs, int n, struct bpf_insn *out, size_t max, size_t *len) {
    char json[8192];
    size_t k = 0;
    int i, r;
    cr_err err = {0};
    k += (size_t)snprintf(json + k, sizeof json - k, "[");
    for (i = 0; i < n; i++) {
        k += (size_t)snprintf(json + k, sizeof json - k, "%s{\"allow\":%s,\"type\":\"%c\",\"access\":\"%s%s%s\"", i ? "," : "",
                              rs[i].allow ? "true" : "false", rs[i].type, rs[i].acc & 2 ? "r" : "", rs[i].acc & 4 ? "w" : "", rs[i].acc & 1 ? "m" : "");
        if (rs[i].major >= 0) k += (size_t)snprintf(json + k, sizeof json - k, ",\"major\":%d", rs[i].major);
        if (rs[i].minor >= 0) k += (size_t)snprintf(json + k, sizeof json - k, ",\"minor\":%d", rs[i].minor);
        k += (size_t)snprintf(json + k, sizeof json - k, "}");
    }
    snprintf(json + k, sizeof json - k, "]");
    r = devices_prog(json, out, max, len, &err);
    if (r < 0) TAP_FAIL("devices_prog: %s", err.msg);
    return r;
}

static void t_devices_prog_cases(void) {
    static const rrule r1[] = { { 0, 'a', -1, -1, 7 }, { 1, 'c', 1, 3, 7 } };
    static const rrule r2[] = { { 0, 'a', -1, -1, 7 }, { 1, 'c', 1, 3, 2 }, { 1, 'c', 1, 3, 4 } };
    static const rrule r3[] = { { 1, 'c', 1, 3, 7 }, { 0, 'c', 1, 3, 4 } };
    static const rrule r4[] = { { 1, 'a', -1, -1, 7 }, { 0, 'c', 1, -1, 7 }, { 1, 'c', 1, 3, 7 } };
    static const rrule r5[] = { { 1, 'c', -1, -1, 1 }, { 1, 'c', 1, 3, 7 }, { 0, 'a', -1, -1, 7 }, { 1, 'b', 8, 0, 2 } };
    struct bpf_insn p[512];
    size_t n = 0;
    /* deny all, allow c 1:3 rwm */
    if (prog_of(r1, 2, p, 512, &n) == 0) {
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 1, 3) == 1);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 5) == 0);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 1, 3) == 0);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_MKNOD, 1, 3) == 1);
    }
    /* r and w allowed by separate rules: rw is allowed (v1 merges them too) */
    if (prog_of(r2, 3, p, 512, &n) == 0)
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 1, 3) == 1);
    /* a later deny of w: read stays, write and read+write go */
    if (prog_of(r3, 2, p, 512, &n) == 0) {
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 1);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_WRITE, 1, 3) == 0);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, 1, 3) == 0);
    }
    /* allow all, deny c 1:*, allow c 1:3 again */
    if (prog_of(r4, 3, p, 512, &n) == 0) {
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 1);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 5) == 0);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_WRITE, 8, 0) == 1);
    }
    /* rules before the last "a" rule do not count */
    if (prog_of(r5, 4, p, 512, &n) == 0) {
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 0);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_READ, 8, 0) == 1);
        CHECK(run_prog(p, n, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_ACC_WRITE, 8, 0) == 0);
    }
    /* empty list: deny everything */
    if (prog_of(r1, 0, p, 512, &n) == 0) CHECK(run_prog(p, n, BPF_DEVCG_DEV_CHAR, BPF_DEVCG_ACC_READ, 1, 3) == 0);
    /* too small a buffer */
    {
        cr_err err = {0};
        static const char one[] = "[{\"allow\":true,\"type\":\"c\",\"access\":\"rwm\"}]";
        CHECK(devices_prog(one, p, 4, &n, &err) == -ENOSPC && strstr(err.msg, "instructions"));
    }
}

static void t_devices_prog_random(void) {
    static struct bpf_insn p[4096];
    unsigned seed = 12345;
    int round, mismatches = 0;
    for (round = 0; round < 3000 && mismatches < 5; round++) {
        rrule rs[12];
        int n, i, q;
        size_t len = 0;
#define RND(m) ((int)((seed = seed * 1103515245u + 12345u) >> 16) % (m))
        n = RND(12);
        for (i = 0; i < n; i++) {
            rs[i].allow = RND(2);
            rs[i].type = RND(8) == 0 ? 'a' : RND(2) ? 'c' : 'b';
            rs[i].major = RND(3) == 0 ? -1 : RND(3);
            rs[i].minor = RND(3) == 0 ? -1 : RND(3);
            rs[i].acc = (unsigned)(1 + RND(7));
        }
        if (prog_of(rs, n, p, 4096, &len) < 0) return;
        for (q = 0; q < 40; q++) {
            char type = RND(2) ? 'c' : 'b';
            int maj = RND(3), min = RND(3);
            unsigned acc = (unsigned)(1 + RND(7));
            int got = run_prog(p, len, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, acc, (uint32_t)maj, (uint32_t)min);
            int want = model(rs, n, type, maj, min, acc);
            if (got != want && mismatches++ < 5)
                TAP_FAIL("round %d (%d rules): %c %d:%d acc %u: program %d, model %d", round, n, type, maj, min, acc, got, want);
        }
#undef RND
    }
    CHECK(mismatches == 0);
}

/* ---- real cgroups (root) ---- */

static const char *hier(const char *ctrl, int v2) {
    int i;
    cr__cgroup_scan();
    for (i = 0; i < cr__cg_n; i++) {
        if (v2 && cr__cg_hiers[i].v2) return cr__cg_hiers[i].mnt;
        if (!v2 && !cr__cg_hiers[i].v2) {
            char opts[160];
            snprintf(opts, sizeof opts, ",%s,", cr__cg_hiers[i].opts);
            if (strstr(opts, ctrl)) return cr__cg_hiers[i].mnt;
        }
    }
    return NULL;
}

static int mkcg(const char *mnt, char *dir, size_t n) {
    snprintf(dir, n, "%s/crtest-%d-%ld", mnt, (int)getpid(), (long)random());
    return mkdir(dir, 0755);
}

static void t_real_memory_v1(void) {
    const char *mnt;
    char dir[512];
    cr__cg_target t;
    char memsw[600];
    if (geteuid()) TAP_SKIP("not root");
    if (!(mnt = hier(",memory,", 0))) TAP_SKIP("no cgroup v1 memory hierarchy");
    if (mkcg(mnt, dir, sizeof dir) < 0) { TAP_FAIL("mkdir %s: %s", dir, strerror(errno)); return; }
    snprintf(memsw, sizeof memsw, "%s/memory.memsw.limit_in_bytes", dir);
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_MEMORY] = dir;
    if (access(memsw, F_OK) == 0) {
        APPLY_OK(&t, "{\"memory\":{\"limit\":104857600,\"swap\":209715200}}", 0);
        CHECK_FILE(dir, "memory.limit_in_bytes", "104857600\n");
        CHECK_FILE(dir, "memory.memsw.limit_in_bytes", "209715200\n");
        /* up: memsw must go first or the kernel refuses the limit */
        APPLY_OK(&t, "{\"memory\":{\"limit\":314572800,\"swap\":629145600}}", 1);
        CHECK_FILE(dir, "memory.limit_in_bytes", "314572800\n");
        CHECK_FILE(dir, "memory.memsw.limit_in_bytes", "629145600\n");
        /* down below the old limit: limit first */
        APPLY_OK(&t, "{\"memory\":{\"limit\":52428800,\"swap\":62914560}}", 1);
        CHECK_FILE(dir, "memory.limit_in_bytes", "52428800\n");
        CHECK_FILE(dir, "memory.memsw.limit_in_bytes", "62914560\n");
        APPLY_OK(&t, "{\"memory\":{\"limit\":-1}}", 1);
        CHECK(!strcmp(rd(dir, "memory.limit_in_bytes"), rd(mnt, "memory.limit_in_bytes")));
        CHECK(!strcmp(rd(dir, "memory.memsw.limit_in_bytes"), rd(mnt, "memory.limit_in_bytes")));
        /* the kernel's own check: memsw below the limit */
        APPLY_OK(&t, "{\"memory\":{\"limit\":52428800}}", 1);
        APPLY_ERR(&t, "{\"memory\":{\"swap\":10485760}}", 1, "linux.resources.memory.swap: write memory.memsw.limit_in_bytes: invalid argument");
    } else {
        APPLY_OK(&t, "{\"memory\":{\"limit\":104857600}}", 0);
        CHECK_FILE(dir, "memory.limit_in_bytes", "104857600\n");
    }
    if (rmdir(dir) < 0) TAP_FAIL("rmdir %s: %s", dir, strerror(errno));
}

static void t_real_devices_v1(void) {
    const char *mnt;
    char dir[512];
    cr__cg_target t;
    if (geteuid()) TAP_SKIP("not root");
    if (!(mnt = hier(",devices,", 0))) TAP_SKIP("no cgroup v1 devices hierarchy");
    if (mkcg(mnt, dir, sizeof dir) < 0) { TAP_FAIL("mkdir %s: %s", dir, strerror(errno)); return; }
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_DEVICES] = dir;
    APPLY_OK(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
                 "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rw\"},{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"}]}", 0);
    CHECK_FILE(dir, "devices.list", "c 1:3 rwm\nc 1:5 rw\nb 8:* r\n");
    if (rmdir(dir) < 0) TAP_FAIL("rmdir %s: %s", dir, strerror(errno));
}

/* All programs attached to dirfd; detaches them when detach is set. */
static int bpf_progs(int dirfd, int detach) {
    union bpf_attr a;
    uint32_t ids[64], i, n;
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)dirfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = 64;
    if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof a) < 0) return -errno;
    n = a.query.prog_cnt;
    for (i = 0; detach && i < n && i < 64; i++) {
        int pfd;
        memset(&a, 0, sizeof a);
        a.prog_id = ids[i];
        if ((pfd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &a, sizeof a)) < 0) continue;
        memset(&a, 0, sizeof a);
        a.target_fd = (uint32_t)dirfd;
        a.attach_bpf_fd = (uint32_t)pfd;
        a.attach_type = BPF_CGROUP_DEVICE;
        syscall(SYS_bpf, BPF_PROG_DETACH, &a, sizeof a);
        close(pfd);
    }
    return (int)n;
}

/* Child: joins the cgroup, then reports what it can open. Exit code bits:
   1 /dev/null failed, 2 /dev/zero opened, 4 /dev/zero failed with something
   other than EPERM, 8 join failed. */
static int probe(const char *dir) {
    pid_t pid = fork();
    int st;
    if (pid < 0) return -1;
    if (!pid) {
        char procs[600];
        int fd, code = 0;
        snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
        fd = open(procs, O_WRONLY);
        if (fd < 0 || write(fd, "0", 1) != 1) _exit(8);
        close(fd);
        if ((fd = open("/dev/null", O_RDWR)) < 0) code |= 1; else close(fd);
        if ((fd = open("/dev/zero", O_RDONLY)) >= 0) { code |= 2; close(fd); }
        else if (errno != EPERM) code |= 4;
        _exit(code);
    }
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

static void t_real_ebpf(void) {
    static const char rules[] = "[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]";
    const char *mnt;
    char dir[512];
    struct bpf_insn p[256];
    size_t n = 0;
    cr_err err = {0};
    int dfd = -1, r, code;
    if (geteuid()) TAP_SKIP("not root");
    if (!(mnt = hier(NULL, 1))) TAP_SKIP("no cgroup v2 hierarchy");
    if (mkcg(mnt, dir, sizeof dir) < 0) { TAP_FAIL("mkdir %s: %s", dir, strerror(errno)); return; }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { TAP_FAIL("open %s: %s", dir, strerror(errno)); goto out; }
    if (devices_prog(rules, p, 256, &n, &err) < 0) {
        TAP_FAIL("%s", err.msg);
        goto out;
    }
    r = cr__cgroup_res_bpf_attach(dfd, p, n, &err);
    if (r < 0 && (err.code == ENOSYS || err.code == EPERM || err.code == EINVAL)) { tap_skip("bpf cgroup device programs unavailable"); goto out; }
    if (r < 0) { TAP_FAIL("attach: %s", err.msg); goto out; }
    CHECK(bpf_progs(dfd, 0) == 1);
    code = probe(dir);
    if (code != 0) TAP_FAIL("probe exit code %d (1: /dev/null refused, 2: /dev/zero allowed, 4: not EPERM, 8: join failed)", code);
    /* through cr__cgroup_apply as an update: replaces ours, never stacks */
    {
        cr__cg_target t;
        memset(&t, 0, sizeof t);
        t.v2 = dir;           /* hybrid: no v1 devices -> eBPF on v2 */
        APPLY_OK(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}", 1);
        CHECK(bpf_progs(dfd, 0) == 1);
        code = probe(dir);
        CHECK(code == 0 || (TAP_FAIL("probe after update: %d", code), 0));
        /* runc's defaults open /dev/zero again */
        t.default_devices = 1;
        APPLY_OK(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}", 1);
        CHECK(bpf_progs(dfd, 0) == 1);
        code = probe(dir);
        CHECK(code == 2 || (TAP_FAIL("probe with defaults: %d", code), 0));
        /* freeze for real: nobody in it, so it is frozen at once */
        {
            cr_err e2 = {0};
            CHECK(cr__cgroup_freeze(&t, 1, &e2) == 0 || (TAP_FAIL("freeze: %s", e2.msg), 0));
            CHECK(strstr(rd(dir, "cgroup.events"), "frozen 1") != NULL);
            CHECK(cr__cgroup_freeze(&t, 0, &e2) == 0 || (TAP_FAIL("thaw: %s", e2.msg), 0));
            CHECK_FILE(dir, "cgroup.freeze", "0\n");
        }
    }
out:
    if (dfd >= 0) { bpf_progs(dfd, 1); close(dfd); }
    if (rmdir(dir) < 0 && errno != ENOENT) {
        usleep(100000);   /* the probe child may still be leaving */
        if (rmdir(dir) < 0) TAP_FAIL("rmdir %s: %s", dir, strerror(errno));
    }
}

/* ---- freeze, oom, stats on fake trees ---- */

static void t_freeze_fake(void) {
    static const char *const fz[] = { "freezer.state=THAWED\n", NULL };
    tree a, b;
    cr__cg_target t;
    cr_err err = {0};
    mktree(&a, fz);
    mktree(&b, v2_files);
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_FREEZER] = a.dir;
    t.v2 = b.dir;
    CHECK(cr__cgroup_freeze(&t, 1, &err) == 0);
    CHECK_FILE(a.dir, "freezer.state", "FROZEN");
    CHECK(cr__cgroup_freeze(&t, 0, &err) == 0);
    CHECK_FILE(a.dir, "freezer.state", "THAWED");
    CHECK_FILE(b.dir, "cgroup.freeze", "");
    t.v1[CR__CG_FREEZER] = NULL;
    CHECK(cr__cgroup_freeze(&t, 1, &err) == 0 || (TAP_FAIL("%s", err.msg), 0));
    CHECK_FILE(b.dir, "cgroup.freeze", "1");
    CHECK(cr__cgroup_freeze(&t, 0, &err) == 0);
    CHECK_FILE(b.dir, "cgroup.freeze", "0");
    t.v2 = NULL;
    CHECK(cr__cgroup_freeze(&t, 1, &err) == -ENODEV);
    rmtree(&a);
    rmtree(&b);
}

static void t_oom_count(void) {
    static const char *const m1[] = { "memory.oom_control=oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", NULL };
    static const char *const m2[] = { "memory.events=low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\noom_group_kill 0\n", NULL };
    tree a, b;
    cr__cg_target t;
    uint64_t n = 99;
    mktree(&a, m1);
    mktree(&b, m2);
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_MEMORY] = a.dir;
    CHECK(cr__cgroup_oom_count(&t, &n) == 0 && n == 3);
    t.v1[CR__CG_MEMORY] = NULL; t.v2 = b.dir;
    CHECK(cr__cgroup_oom_count(&t, &n) == 0 && n == 2);
    t.v2 = NULL;
    CHECK(cr__cgroup_oom_count(&t, &n) < 0);
    rmtree(&a);
    rmtree(&b);
}

static const cr_json *jpath(const cr_json *v, const char *path) {
    char key[64];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        v = cr_json_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

static uint64_t jnum(const cr_json *root, const char *path) {
    uint64_t x = 0;
    const cr_json *v = jpath(root, path);
    if (!v || cr_json_u64(v, &x) < 0) return (uint64_t)-1;
    return x;
}

static cr_json *stats_of(const cr__cg_target *t, cr_buf *b) {
    cr_jw w;
    cr_err err = {0};
    cr_json *v = NULL;
    memset(b, 0, sizeof *b);
    cr_jw_init(&w, b);
    if (cr__cgroup_stats(t, &w, &err) < 0) { TAP_FAIL("stats: %s", err.msg); return NULL; }
    if (cr_json_parse(b->data, b->len, &v, &err) < 0) { TAP_FAIL("stats JSON: %s: %.300s", err.msg, b->data); return NULL; }
    return v;
}

static void t_stats_v1(void) {
    static const char *const cpu[] = { "cpuacct.usage=123456\n", "cpuacct.usage_percpu=100 200 \n",
                                       "cpuacct.usage_all=cpu user system\n0 60 40\n1 150 50\n", "cpuacct.stat=user 5\nsystem 7\n",
                                       "cpu.stat=nr_periods 10\nnr_throttled 2\nthrottled_time 3000\n", NULL };
    static const char *const mem[] = { "memory.usage_in_bytes=4096\n", "memory.max_usage_in_bytes=8192\n", "memory.failcnt=1\n",
                                       "memory.limit_in_bytes=9223372036854771712\n", "memory.memsw.usage_in_bytes=4096\n",
                                       "memory.memsw.max_usage_in_bytes=8192\n", "memory.memsw.failcnt=0\n", "memory.memsw.limit_in_bytes=1000000\n",
                                       "memory.stat=cache 100\nrss 200\nmapped_file 0\n",
                                       "memory.oom_control=oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", NULL };
    static const char *const pids[] = { "pids.current=3\n", "pids.max=max\n", NULL };
    static const char *const blk[] = { "blkio.throttle.io_service_bytes_recursive=8:0 Read 100\n8:0 Write 200\n8:0 Sync 0\n8:0 Async 300\n8:0 Discard 0\n8:0 Total 300\nTotal 300\n",
                                       "blkio.throttle.io_serviced_recursive=8:0 Read 1\n8:0 Write 2\nTotal 3\n",
                                       "blkio.bfq.io_serviced_recursive=", NULL };
    static const char *const cs[] = { "cpuset.cpus=0-2,5\n", "cpuset.mems=0\n", "cpuset.cpu_exclusive=1\n", "cpuset.sched_relax_domain_level=-1\n", NULL };
    static const char *const hv2[] = { "hugetlb.2MB.max=max\n", "hugetlb.2MB.current=2097152\n", "hugetlb.2MB.events=max 5\n",
                                       "hugetlb.2MB.rsvd.max=max\n", "hugetlb.2MB.rsvd.current=4194304\n", "hugetlb.1GB.max=max\n",
                                       "hugetlb.1GB.current=0\n", "hugetlb.1GB.events=max 0\n", NULL };
    tree c, m, p, b, s, h;
    cr__cg_target t;
    cr_buf out;
    cr_json *v;
    mktree(&c, cpu); mktree(&m, mem); mktree(&p, pids); mktree(&b, blk); mktree(&s, cs); mktree(&h, hv2);
    memset(&t, 0, sizeof t);
    t.v1[CR__CG_CPU] = t.v1[CR__CG_CPUACCT] = c.dir;
    t.v1[CR__CG_MEMORY] = m.dir;
    t.v1[CR__CG_PIDS] = p.dir;
    t.v1[CR__CG_BLKIO] = b.dir;
    t.v1[CR__CG_CPUSET] = s.dir;
    t.v2 = h.dir;   /* hybrid: hugetlb on v2 */
    if ((v = stats_of(&t, &out))) {
        const cr_json *a;
        CHECK(jnum(v, "cpu.usage.total") == 123456);
        CHECK(jnum(v, "cpu.usage.user") == 50000000ULL && jnum(v, "cpu.usage.kernel") == 70000000ULL);
        CHECK((a = jpath(v, "cpu.usage.percpu")) && a->len == 2 && !strcmp(a->child->next->str, "200"));
        CHECK((a = jpath(v, "cpu.usage.percpu_kernel")) && a->len == 2 && !strcmp(a->child->str, "40"));
        CHECK((a = jpath(v, "cpu.usage.percpu_user")) && a->len == 2 && !strcmp(a->child->next->str, "150"));
        CHECK(jnum(v, "cpu.throttling.periods") == 10 && jnum(v, "cpu.throttling.throttledPeriods") == 2 && jnum(v, "cpu.throttling.throttledTime") == 3000);
        CHECK(jnum(v, "memory.usage.usage") == 4096 && jnum(v, "memory.usage.max") == 8192 && jnum(v, "memory.usage.failcnt") == 1);
        CHECK(jnum(v, "memory.usage.limit") == 9223372036854771712ULL);
        CHECK(jnum(v, "memory.swap.limit") == 1000000);
        CHECK(jnum(v, "memory.cache") == 100 && jnum(v, "memory.raw.rss") == 200 && jnum(v, "memory.raw.mapped_file") == 0);
        CHECK(!jpath(v, "memory.kernel"));
        CHECK(jnum(v, "pids.current") == 3 && !jpath(v, "pids.limit"));
        CHECK((a = jpath(v, "blkio.ioServiceBytesRecursive")) && a->len == 6);   /* runc keeps Sync, Async, Discard, Total */
        CHECK(a && jnum(a->child, "major") == 8 && !jpath(a->child, "minor") && !strcmp(jpath(a->child, "op")->str, "Read") && jnum(a->child, "value") == 100);
        CHECK((a = jpath(v, "blkio.ioServicedRecursive")) && a->len == 2);
        CHECK((a = jpath(v, "cpuset.cpus")) && a->len == 4 && !strcmp(a->child->next->next->next->str, "5"));
        CHECK(jnum(v, "cpuset.cpu_exclusive") == 1 && jpath(v, "cpuset.sched_relax_domain_level") && !strcmp(jpath(v, "cpuset.sched_relax_domain_level")->str, "-1"));
        CHECK(jnum(v, "hugetlb.2MB.usage") == 4194304 && jnum(v, "hugetlb.2MB.failcnt") == 5);
        CHECK(jnum(v, "hugetlb.1GB.failcnt") == 0 && !jpath(v, "hugetlb.1GB.usage"));
        CHECK(jpath(v, "intel_rdt") && jpath(v, "network_interfaces") && jpath(v, "network_interfaces")->type == CR_JSON_NULL);
        if (tap_test_failed()) TAP_FAIL("%.2000s", out.data);
        cr_json_free(v);
    }
    cr_buf_free(&out);
    rmtree(&c); rmtree(&m); rmtree(&p); rmtree(&b); rmtree(&s); rmtree(&h);
}

static void t_stats_v2(void) {
    static const char *const f[] = { "cpu.stat=usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n",
                                     "memory.current=4096\n", "memory.max=max\n", "memory.peak=16384\n", "memory.swap.current=1024\n",
                                     "memory.swap.max=1048576\n", "memory.stat=anon 10\nfile 20\n", "pids.current=2\n", "pids.max=100\n",
                                     "io.stat=8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=5 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
                                     NULL };
    tree a;
    cr__cg_target t;
    cr_buf out;
    cr_json *v;
    v2_target(&a, f, &t);
    if ((v = stats_of(&t, &out))) {
        const cr_json *x;
        CHECK(jnum(v, "cpu.usage.total") == 100000 && jnum(v, "cpu.usage.user") == 60000 && jnum(v, "cpu.usage.kernel") == 40000);
        CHECK(!jpath(v, "cpu.usage.percpu"));
        CHECK(jnum(v, "cpu.throttling.throttledTime") == 7000);
        CHECK(jnum(v, "memory.usage.usage") == 4096 && jnum(v, "memory.usage.limit") == UINT64_MAX && jnum(v, "memory.usage.max") == 16384);
        CHECK(jnum(v, "memory.swap.usage") == 5120 && jnum(v, "memory.swap.limit") == UINT64_MAX);
        CHECK(jnum(v, "memory.cache") == 20);
        CHECK(jnum(v, "pids.current") == 2 && jnum(v, "pids.limit") == 100);
        CHECK((x = jpath(v, "blkio.ioServiceBytesRecursive")) && x->len == 4);
        CHECK(x && !strcmp(jpath(x->child->next, "op")->str, "Write") && jnum(x->child->next, "value") == 20);
        CHECK((x = jpath(v, "blkio.ioServicedRecursive")) && x->len == 4);
        CHECK((x = jpath(v, "hugetlb")) && x->type == CR_JSON_OBJECT && x->len == 0);
        if (tap_test_failed()) TAP_FAIL("%.2000s", out.data);
        cr_json_free(v);
    }
    cr_buf_free(&out);
    rmtree(&a);
}

/* stats of the host's real root cgroups: the real file formats parse */
static void t_stats_real(void) {
    static const char *const names[CR__CG_NCTRL] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio",
                                                     "pids", "hugetlb", "net_cls", "net_prio", "rdma", "misc" };
    cr__cg_target t;
    cr_buf out;
    cr_json *v;
    int i, any = 0;
    char key[32];
    memset(&t, 0, sizeof t);
    for (i = 0; i < CR__CG_NCTRL; i++) {
        snprintf(key, sizeof key, ",%s,", names[i]);
        if ((t.v1[i] = hier(key, 0))) any = 1;
    }
    t.v2 = hier(NULL, 1);
    if (!any && t.v2) t.pure_v2 = 1;
    if (!any && !t.v2) TAP_SKIP("no cgroups mounted");
    if ((v = stats_of(&t, &out))) {
        CHECK(jpath(v, "cpu.usage") && jpath(v, "memory") && jpath(v, "pids") && jpath(v, "blkio") && jpath(v, "hugetlb"));
        cr_json_free(v);
    }
    cr_buf_free(&out);
}

/* Hybrid host with a stray read-only cpu mount (a container's cgroupfs left
   on the host) and a bind of a sub-cgroup: one entry per hierarchy, the one
   under /sys/fs/cgroup wins. */
static void t_mountinfo_dedup(void) {
    static const char mi[] =
        "30 23 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
        "90 23 0:29 / /tmp/x/sys/fs/cgroup/cpu ro - cgroup cgroup ro,cpu\n"
        "31 30 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
        "32 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "33 30 0:31 / /sys/fs/cgroup/cpuacct,cpu rw - cgroup cgroup rw,cpu,cpuacct,clone_children\n"
        "34 30 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
        "91 23 0:30 /cr/x /tmp/y rw - cgroup cgroup rw,memory\n"
        "92 23 0:32 / /tmp/z rw - cgroup2 cgroup2 rw\n";
    FILE *f = fmemopen((void *)mi, sizeof mi - 1, "r");
    int i, cpu = -1;
    if (!f) { CHECK(!"fmemopen"); return; }
    cr__cgroup_parse_mountinfo(f);
    fclose(f);
    CHECK(cr__cg_n == 4);
    CHECK(cr__cg_mode == CR_CGROUP_HYBRID);
    for (i = 0; i < cr__cg_n; i++) if (!strcmp(cr__cg_hiers[i].opts, "cpu")) cpu = i;
    CHECK(cpu >= 0 && !strcmp(cr__cg_hiers[cpu].mnt, "/sys/fs/cgroup/cpu"));
    CHECK(cr__cgroup_hier_of("/tmp/y/cr") < 0);
    CHECK(cr__cgroup_hier_of("/sys/fs/cgroup/unified/cr/a") >= 0 && cr__cg_hiers[cr__cgroup_hier_of("/sys/fs/cgroup/unified/cr/a")].v2);
    cr__cg_n = -1; /* let the real scan run again for later tests */
}

static void t_target_add(void) {
    cr__cg_target t;
    memset(&t, 0, sizeof t);
    cr__cgroup_target_add(&t, "cpu,cpuacct", 0, "/a");
    cr__cgroup_target_add(&t, "memory", 0, "/m");
    cr__cgroup_target_add(&t, "name=systemd", 0, "/s");
    cr__cgroup_target_add(&t, "net_cls,net_prio", 0, "/n");
    cr__cgroup_target_add(&t, "", 1, "/u");
    CHECK(t.v1[CR__CG_CPU] && !strcmp(t.v1[CR__CG_CPU], "/a") && t.v1[CR__CG_CPUACCT] && !strcmp(t.v1[CR__CG_CPUACCT], "/a"));
    CHECK(t.v1[CR__CG_MEMORY] && !strcmp(t.v1[CR__CG_MEMORY], "/m"));
    CHECK(t.v1[CR__CG_NET_CLS] && t.v1[CR__CG_NET_PRIO] && !t.v1[CR__CG_CPUSET] && !t.v1[CR__CG_HUGETLB]);
    CHECK(t.v2 && !strcmp(t.v2, "/u"));
}

static void t_bad_input(void) {
    tree a;
    cr__cg_target t;
    cr_err err;
    v2_target(&a, v2_files, &t);
    APPLY_ERR(&t, "[]", 0, "linux.resources: expected an object, got array");
    APPLY_ERR(&t, "{\"memory\":[]}", 0, "linux.resources.memory: expected an object, got array");
    APPLY_ERR(&t, "{\"cpu\":{\"shares\":-1}}", 0, "linux.resources.cpu.shares: expected an integer in 0..18446744073709551615, got -1");
    APPLY_ERR(&t, "{\"devices\":{}}", 0, "linux.resources.devices: expected an array, got object");
    APPLY_ERR(&t, "{\"blockIO\":{\"weight\":70000}}", 0, "linux.resources.blockIO.weight: expected an integer in 0..65535");
    /* nulls are absent; unknown members are ignored */
    APPLY_OK(&t, "{\"memory\":null,\"cpu\":{\"shares\":null},\"future\":{\"x\":1}}", 0);
    CHECK(apply(&t, "null", 0, &err) == 0);
    /* the directory itself is missing */
    t.v2 = "/nonexistent/crtest";
    APPLY_ERR(&t, "{\"pids\":{\"limit\":5}}", 0, "linux.resources.pids.limit: open cgroup /nonexistent/crtest: no such file or directory");
    rmtree(&a);
}

static const tap_test tests[] = {
    { "cpu.shares -> cpu.weight matches libm for all shares", t_weight_all },
    { "cpu on v2: weight, cpu.max, burst, idle, cpuset, update keeps the other half", t_cpu_v2 },
    { "cpu on v1: shares, cfs, burst, idle; missing rt files warn", t_cpu_v1 },
    { "memory on v2: max, swap.max = swap - limit, low, errors, checkBeforeUpdate", t_memory_v2 },
    { "memory on v1: memsw/limit order, -1, soft limit, swappiness, oom, kmem", t_memory_v1_order },
    { "pids.max: 0 and -1 are max", t_pids },
    { "io on v2: io.weight conversion, io.max per device, io.bfq.weight", t_io_v2 },
    { "blkio on v1: bfq weight, weight_device, throttles, leaf weight warns", t_blkio_v1 },
    { "hybrid: hugetlb on v2 when v1 lacks it, memory on v1", t_hugetlb_hybrid },
    { "rdma.max, net_cls, net_prio", t_rdma_network },
    { "unified: written last, names checked, v1-only hosts refused", t_unified },
    { "devices on v1: rule order, default rules, bad rules", t_devices_v1 },
    { "eBPF device filter: semantics of chosen rule lists", t_devices_prog_cases },
    { "eBPF device filter agrees with the last-match-wins model (random)", t_devices_prog_random },
    { "real v1 memory cgroup: memsw/limit order both ways", t_real_memory_v1 },
    { "real v1 devices cgroup: devices.list starts with the spec's allow rules", t_real_devices_v1 },
    { "real v2 cgroup: eBPF filter allows /dev/null, denies /dev/zero; replace on update; freeze", t_real_ebpf },
    { "freeze on fake v1 and v2 trees", t_freeze_fake },
    { "oom_kill count from v1 and v2", t_oom_count },
    { "stats from v1 files (hybrid hugetlb on v2)", t_stats_v1 },
    { "stats from v2 files", t_stats_v2 },
    { "stats of the host's real cgroups parse", t_stats_real },
    { "cr__cgroup_target_add maps controller lists", t_target_add },
    { "mountinfo: one entry per hierarchy, stray mounts and sub-cgroup binds skipped", t_mountinfo_dedup },
    { "bad input names the field", t_bad_input },
};

int main(void) {
    srandom((unsigned)getpid());
    return TAP_RUN_ALL(tests);
}
