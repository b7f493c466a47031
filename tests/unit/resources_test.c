/* Unit tests of linux.resources parsing (cr_spec_parse_resources and the
   resources of cr_spec_parse): typed values, unset versus 0, and errors that
   name the field. cc -I. tests/unit/resources_test.c && ./a.out (TAP). */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* parsing needs no libseccomp, zstd, zlib or BearSSL */
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

/* Parses text that must be valid into *res. */
static int parse_ok(const char *text, cr_resources *res) {
    cr_err err = {0};
    if (cr_spec_parse_resources(text, strlen(text), res, &err) == 0) return 1;
    TAP_FAIL("parse of %s failed: %s", text, err.msg);
    return 0;
}

/* Text that must be rejected with a message containing want. */
static void parse_bad(const char *text, const char *want) {
    cr_resources res;
    cr_err err = {0};
    int r = cr_spec_parse_resources(text, strlen(text), &res, &err);
    if (r >= 0) {
        TAP_FAIL("%s parsed, wanted an error with \"%s\"", text, want);
        cr_spec_resources_free(&res);
        return;
    }
    if (!strstr(err.msg, want)) TAP_FAIL("%s: error \"%s\" lacks \"%s\"", text, err.msg, want);
    /* a failed parse leaves nothing to free */
    if (res.json || res.arena || res.ndevices) TAP_FAIL("%s: storage left after an error", text);
}

static void t_valid(void) {
    static const char text[] =
        "{\"memory\":{\"limit\":33554432,\"reservation\":1048576,\"swap\":-1,\"kernel\":0,\"kernelTCP\":4096,"
        "\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":false,\"checkBeforeUpdate\":true},"
        "\"cpu\":{\"shares\":512,\"quota\":-1,\"burst\":0,\"period\":100000,\"realtimeRuntime\":950000,"
        "\"realtimePeriod\":1000000,\"cpus\":\"0-3,5\",\"mems\":\"0\",\"idle\":1},"
        "\"pids\":{\"limit\":20},"
        "\"blockIO\":{\"weight\":300,\"leafWeight\":10,"
        "\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":500},{\"major\":8,\"minor\":16,\"leafWeight\":0}],"
        "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
        "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100},{\"major\":4294967295,\"minor\":1,\"rate\":0}]},"
        "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
        "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":500},{\"name\":\"lo\"}]},"
        "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000},\"mlx4_0\":{\"hcaObjects\":0}},"
        "\"unified\":{\"memory.high\":\"1073741824\",\"io.max\":\"8:0 rbps=1\\n8:16 wbps=2\"},"
        "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
        "{\"allow\":true,\"type\":\"b\",\"major\":-1,\"access\":\"m\"}],"
        "\"future\":{\"x\":1}}";
    cr_resources r;
    if (!parse_ok(text, &r)) return;
    CHECK(r.has_memory && r.has_cpu && r.has_pids && r.has_block_io && r.has_hugepage_limits);
    CHECK(r.has_network && r.has_rdma && r.has_unified && r.has_devices);
    CHECK(r.memory.has_limit && r.memory.limit == 33554432);
    CHECK(r.memory.has_reservation && r.memory.reservation == 1048576);
    CHECK(r.memory.has_swap && r.memory.swap == -1);
    CHECK(r.memory.has_kernel && r.memory.kernel == 0);
    CHECK(r.memory.has_kernel_tcp && r.memory.kernel_tcp == 4096);
    CHECK(r.memory.has_swappiness && r.memory.swappiness == 60);
    CHECK(r.memory.has_disable_oom_killer && r.memory.disable_oom_killer == 1);
    CHECK(r.memory.has_use_hierarchy && r.memory.use_hierarchy == 0);
    CHECK(r.memory.has_check_before_update && r.memory.check_before_update == 1);
    CHECK(r.cpu.has_shares && r.cpu.shares == 512);
    CHECK(r.cpu.has_quota && r.cpu.quota == -1);
    CHECK(r.cpu.has_burst && r.cpu.burst == 0);
    CHECK(r.cpu.has_period && r.cpu.period == 100000);
    CHECK(r.cpu.has_realtime_runtime && r.cpu.realtime_runtime == 950000);
    CHECK(r.cpu.has_realtime_period && r.cpu.realtime_period == 1000000);
    CHECK(r.cpu.has_idle && r.cpu.idle == 1);
    CHECK(r.cpu.cpus && !strcmp(r.cpu.cpus, "0-3,5") && r.cpu.mems && !strcmp(r.cpu.mems, "0"));
    CHECK(r.pids.has_limit && r.pids.limit == 20);
    CHECK(r.block_io.has_weight && r.block_io.weight == 300 && r.block_io.has_leaf_weight && r.block_io.leaf_weight == 10);
    CHECK(r.block_io.nweight_device == 2);
    if (r.block_io.nweight_device == 2) {
        const cr_res_weight_device *w = r.block_io.weight_device;
        CHECK(w[0].major == 8 && w[0].minor == 0 && w[0].has_weight && w[0].weight == 500 && !w[0].has_leaf_weight);
        CHECK(w[1].major == 8 && w[1].minor == 16 && !w[1].has_weight && w[1].has_leaf_weight && w[1].leaf_weight == 0);
    }
    CHECK(r.block_io.nthrottle[CR_RES_READ_BPS] == 1 && r.block_io.nthrottle[CR_RES_WRITE_BPS] == 0);
    CHECK(r.block_io.nthrottle[CR_RES_READ_IOPS] == 0 && r.block_io.nthrottle[CR_RES_WRITE_IOPS] == 2);
    if (r.block_io.nthrottle[CR_RES_READ_BPS] == 1)
        CHECK(r.block_io.throttle[CR_RES_READ_BPS][0].major == 8 && r.block_io.throttle[CR_RES_READ_BPS][0].rate == 1048576);
    if (r.block_io.nthrottle[CR_RES_WRITE_IOPS] == 2) {
        const cr_res_rate_device *d = r.block_io.throttle[CR_RES_WRITE_IOPS];
        CHECK(d[0].rate == 100 && d[1].major == 4294967295u && d[1].minor == 1 && d[1].rate == 0);
    }
    CHECK(r.nhugepage_limits == 1 && !strcmp(r.hugepage_limits[0].page_size, "2MB") && r.hugepage_limits[0].limit == 209715200);
    CHECK(r.network.has_class_id && r.network.class_id == 1048577 && r.network.npriorities == 2);
    if (r.network.npriorities == 2) {
        CHECK(!strcmp(r.network.priorities[0].name, "eth0") && r.network.priorities[0].priority == 500);
        CHECK(!strcmp(r.network.priorities[1].name, "lo") && r.network.priorities[1].priority == 0);
    }
    CHECK(r.nrdma == 2);
    if (r.nrdma == 2) {
        CHECK(!strcmp(r.rdma[0].device, "mlx5_1") && r.rdma[0].has_hca_handles && r.rdma[0].hca_handles == 3);
        CHECK(r.rdma[0].has_hca_objects && r.rdma[0].hca_objects == 10000);
        CHECK(!strcmp(r.rdma[1].device, "mlx4_0") && !r.rdma[1].has_hca_handles && r.rdma[1].has_hca_objects && r.rdma[1].hca_objects == 0);
    }
    CHECK(r.nunified == 2);
    if (r.nunified == 2) {
        CHECK(!strcmp(r.unified[0].key, "memory.high") && !strcmp(r.unified[0].value, "1073741824"));
        CHECK(!strcmp(r.unified[1].key, "io.max") && !strcmp(r.unified[1].value, "8:0 rbps=1\n8:16 wbps=2"));
    }
    CHECK(r.ndevices == 3);
    if (r.ndevices == 3) {
        const cr_res_device *d = r.devices;
        unsigned rwm = CR_RES_ACCESS_READ | CR_RES_ACCESS_WRITE | CR_RES_ACCESS_MKNOD;
        CHECK(d[0].type == 'a' && !d[0].allow && d[0].major == -1 && d[0].minor == -1 && d[0].access == rwm);
        CHECK(d[1].type == 'c' && d[1].allow && d[1].major == 1 && d[1].minor == 3);
        CHECK(d[1].access == (CR_RES_ACCESS_READ | CR_RES_ACCESS_WRITE));
        CHECK(d[2].type == 'b' && d[2].major == -1 && d[2].minor == -1 && d[2].access == CR_RES_ACCESS_MKNOD);
    }
    cr_spec_resources_free(&r);
    CHECK(!r.json && !r.arena && !r.ndevices && !r.memory.has_limit);
}

static void t_unset_and_zero(void) {
    cr_resources r;
    static const cr_resources zero;
    /* a zeroed struct sets nothing */
    CHECK(!zero.has_memory && !zero.memory.has_limit && !zero.pids.has_limit && !zero.cpu.cpus && !zero.ndevices);
    if (parse_ok("{}", &r)) {
        CHECK(!r.has_memory && !r.has_cpu && !r.has_devices && !r.memory.has_limit && !r.pids.has_limit);
        cr_spec_resources_free(&r);
    }
    /* 0 is set, and differs from absent */
    if (parse_ok("{\"memory\":{\"limit\":0},\"pids\":{\"limit\":0},\"cpu\":{\"shares\":0,\"idle\":0},\"blockIO\":{\"weight\":0}}", &r)) {
        CHECK(r.memory.has_limit && r.memory.limit == 0 && !r.memory.has_swap && !r.memory.has_reservation);
        CHECK(r.pids.has_limit && r.pids.limit == 0);
        CHECK(r.cpu.has_shares && r.cpu.shares == 0 && r.cpu.has_idle && !r.cpu.has_quota && !r.cpu.has_burst);
        CHECK(r.block_io.has_weight && r.block_io.weight == 0 && !r.block_io.has_leaf_weight);
        cr_spec_resources_free(&r);
    }
    /* null members are absent; swappiness -1 is runc's "unset"; a null
       device list still asks for the device cgroup (deny-all, defaults) */
    if (parse_ok("{\"memory\":{\"limit\":null,\"swappiness\":-1},\"cpu\":null,\"devices\":null}", &r)) {
        CHECK(r.has_memory && !r.memory.has_limit && !r.memory.has_swappiness);
        CHECK(!r.has_cpu && r.has_devices && r.ndevices == 0);
        cr_spec_resources_free(&r);
    }
    /* an empty device list is given: it replaces the rules with deny-all */
    if (parse_ok("{\"devices\":[]}", &r)) {
        CHECK(r.has_devices && r.ndevices == 0);
        cr_spec_resources_free(&r);
    }
    if (parse_ok("null", &r)) {
        CHECK(!r.has_memory && !r.has_devices);
        cr_spec_resources_free(&r);
    }
}

static void t_wrong_types(void) {
    parse_bad("[]", "linux.resources: expected an object, got array");
    parse_bad("{\"memory\":", "linux.resources");
    parse_bad("{\"memory\":[]}", "linux.resources.memory: expected an object, got array");
    parse_bad("{\"memory\":{\"limit\":\"1G\"}}", "linux.resources.memory.limit: expected a 64-bit integer, got string");
    parse_bad("{\"memory\":{\"limit\":1.5}}", "linux.resources.memory.limit: expected a 64-bit integer, got 1.5");
    parse_bad("{\"memory\":{\"disableOOMKiller\":1}}", "linux.resources.memory.disableOOMKiller: expected a boolean, got number");
    parse_bad("{\"cpu\":{\"cpus\":0}}", "linux.resources.cpu.cpus: expected a string, got number");
    parse_bad("{\"pids\":5}", "linux.resources.pids: expected an object, got number");
    parse_bad("{\"blockIO\":{\"weightDevice\":{}}}", "linux.resources.blockIO.weightDevice: expected an array, got object");
    parse_bad("{\"blockIO\":{\"weightDevice\":[{\"minor\":0}]}}", "linux.resources.blockIO.weightDevice[0].major: required");
    parse_bad("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}}",
              "linux.resources.blockIO.throttleReadBpsDevice[0].minor: required");
    parse_bad("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0}]}}",
              "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: required");
    parse_bad("{\"hugepageLimits\":[{\"limit\":1}]}", "linux.resources.hugepageLimits[0].pageSize: required");
    parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}", "linux.resources.hugepageLimits[0].pageSize: invalid page size");
    parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}", "linux.resources.hugepageLimits[0].limit: required");
    parse_bad("{\"network\":{\"priorities\":[{\"name\":\"eth0 1\\nlo\",\"priority\":1}]}}",
              "linux.resources.network.priorities[0].name: expected an interface name");
    parse_bad("{\"rdma\":{\"mlx5_1\":{}}}", "linux.resources.rdma.mlx5_1: set hcaHandles, hcaObjects or both");
    parse_bad("{\"rdma\":{\"a/b\":{\"hcaHandles\":1}}}", "linux.resources.rdma.a/b: invalid device name");
    parse_bad("{\"unified\":{\"a/b\":\"1\"}}", "linux.resources.unified.\"a/b\": must be a file name");
    parse_bad("{\"unified\":{\"..\":\"1\"}}", "linux.resources.unified.\"..\": must be a file name");
    parse_bad("{\"unified\":{\"memory.high\":5}}", "linux.resources.unified.\"memory.high\": expected a string, got number");
    parse_bad("{\"devices\":{}}", "linux.resources.devices: expected an array, got object");
    parse_bad("{\"devices\":[{\"type\":\"c\",\"access\":\"r\"}]}", "linux.resources.devices[0].allow: required");
    parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"u\",\"access\":\"r\"}]}", "linux.resources.devices[0].type");
    parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1}]}", "linux.resources.devices[0].access: required");
    parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"access\":\"rx\"}]}", "linux.resources.devices[0].access");
}

static void t_out_of_range(void) {
    parse_bad("{\"cpu\":{\"shares\":-1}}", "linux.resources.cpu.shares: expected an integer in 0..18446744073709551615, got -1");
    parse_bad("{\"cpu\":{\"period\":18446744073709551616}}", "linux.resources.cpu.period: expected an integer in 0..18446744073709551615");
    parse_bad("{\"memory\":{\"limit\":9223372036854775808}}", "linux.resources.memory.limit: expected a 64-bit integer");
    parse_bad("{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness: 101 is out of range (0..100)");
    parse_bad("{\"memory\":{\"swappiness\":-2}}", "linux.resources.memory.swappiness: -2 is out of range (0..100)");
    parse_bad("{\"blockIO\":{\"weight\":70000}}", "linux.resources.blockIO.weight: expected an integer in 0..65535");
    parse_bad("{\"blockIO\":{\"weightDevice\":[{\"major\":4294967296,\"minor\":0}]}}",
              "linux.resources.blockIO.weightDevice[0].major: expected an integer in 0..4294967295");
    parse_bad("{\"network\":{\"classID\":4294967296}}", "linux.resources.network.classID: expected an integer in 0..4294967295");
    parse_bad("{\"rdma\":{\"mlx5_1\":{\"hcaHandles\":-1}}}", "linux.resources.rdma.mlx5_1.hcaHandles: expected an integer in 0..4294967295");
    parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":4294967296,\"access\":\"r\"}]}",
              "linux.resources.devices[0]: major/minor out of range");
    /* the bounds themselves are fine */
    {
        cr_resources r;
        if (parse_ok("{\"memory\":{\"swappiness\":100,\"limit\":9223372036854775807},\"blockIO\":{\"weight\":65535},"
                     "\"network\":{\"classID\":4294967295}}", &r)) {
            CHECK(r.memory.swappiness == 100 && r.memory.limit == INT64_MAX);
            CHECK(r.block_io.weight == 65535 && r.network.class_id == 4294967295u);
            cr_spec_resources_free(&r);
        }
    }
}

/* config.json: resources are typed by cr_spec_parse, and a bad value fails
   the parse itself (so create fails before it clones anything). */
static void t_in_spec(void) {
    static const char head[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"linux\":{";
    char text[1024];
    cr_spec spec;
    cr_err err = {0};
    snprintf(text, sizeof text, "%s\"resources\":{\"pids\":{\"limit\":7},\"memory\":{\"limit\":0}}}}", head);
    if (cr_spec_parse(&spec, text, strlen(text), &err) < 0) TAP_FAIL("%s", err.msg);
    else {
        CHECK(spec.resources && spec.resources->pids.has_limit && spec.resources->pids.limit == 7);
        CHECK(spec.resources && spec.resources->memory.has_limit && !spec.resources->has_cpu);
        CHECK(spec.resources && !spec.resources->json && !spec.resources->arena);   /* the spec owns the storage */
        cr_spec_free(&spec);
    }
    snprintf(text, sizeof text, "%s\"cgroupsPath\":\"/x\"}}", head);
    if (cr_spec_parse(&spec, text, strlen(text), &err) < 0) TAP_FAIL("%s", err.msg);
    else {
        CHECK(!spec.resources);
        cr_spec_free(&spec);
    }
    snprintf(text, sizeof text, "%s\"resources\":{\"cpu\":{\"quota\":\"lots\"}}}}", head);
    CHECK(cr_spec_parse(&spec, text, strlen(text), &err) < 0 && strstr(err.msg, "linux.resources.cpu.quota: expected a 64-bit integer"));
    snprintf(text, sizeof text, "%s\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"x\",\"access\":\"r\"}]}}}", head);
    CHECK(cr_spec_parse(&spec, text, strlen(text), &err) < 0 && strstr(err.msg, "linux.resources.devices[0].type"));
    snprintf(text, sizeof text, "%s\"resources\":[]}}", head);
    CHECK(cr_spec_parse(&spec, text, strlen(text), &err) < 0 && strstr(err.msg, "linux.resources: expected object, got array"));
}

static const tap_test tests[] = {
    { "valid: every member typed", t_valid },
    { "unset differs from 0; nulls are absent; swappiness -1 is unset", t_unset_and_zero },
    { "wrong types and missing members name the field", t_wrong_types },
    { "out-of-range numbers name the field and the range", t_out_of_range },
    { "config.json: typed resources, errors at parse time", t_in_spec },
};

int main(void) { return TAP_RUN_ALL(tests); }
