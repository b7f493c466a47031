// cr-test: libs=-lbearssl
/* libFuzzer target for what `cr run IMAGE` makes of untrusted input: an
   image config (from a registry), the image's /etc/passwd and /etc/group,
   and the user's option strings (-u, -e, --entrypoint, -m, --cpus,
   --pids-limit, --ulimit, --tmpfs, --cap-add, --cap-drop, --security-opt,
   --label, --mount of type tmpfs, --sysctl, --shm-size, --memory-swap,
   --memory-reservation, --cpu-shares, --cpuset-cpus, --stop-signal,
   --stop-timeout, --mac-address, --detach-keys).
   The input is NUL-separated fields in that order (missing ones are
   empty). Whatever is accepted must give a runtime config that cr's own
   spec parser accepts, with the process args cr computed; whatever is
   refused must say why. No file is read or written. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* the config is only generated and parsed */
#include "cr.h"
#include "fuzz_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_CONFIG, F_PASSWD, F_GROUP, F_USER, F_ENV, F_ENTRY, F_MEMORY, F_CPUS, F_PIDS, F_ULIMIT, F_TMPFS,
       F_CAPADD, F_CAPDROP, F_SECOPT, F_LABEL, F_MOUNT, F_SYSCTL, F_SHM, F_SWAP, F_RESV, F_SHARES, F_CPUSET,
       F_STOPSIG, F_STOPTIME, F_MAC, F_KEYS, F_N };

static int check(const cr_err *err) { return err->code > 0 && err->msg[0]; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cr__ctr c;
    cr_ctr_opts o;
    const char *f[F_N], *env[2], *ulimit[2], *tmpfs[2], *capadd[2], *capdrop[2], *secopt[3], *label[2], *sysctl[2];
    char keys[16];
    char *buf = fuzz_fields(data, size, f, F_N);
    cr_buf config = {0};
    cr_spec spec;
    cr_err err = {0};
    int k, r;
    if (!buf) return 0;
    memset(&c, 0, sizeof c);
    memset(&o, 0, sizeof o);
    c.o = &o;
    c.store = "/nonexistent";
    snprintf(c.hostname, sizeof c.hostname, "box");
    snprintf(c.name, sizeof c.name, "fuzz");
    if (cr_manifest_config_parse(f[F_CONFIG], strlen(f[F_CONFIG]), &c.img, &err) < 0) {
        if (!check(&err)) abort();
        memset(&c.img, 0, sizeof c.img);
    }
    o.image = "fuzz";
    o.entrypoint = *f[F_ENTRY] == '-' ? NULL : f[F_ENTRY];   /* "-": keep the image's */
    o.memory = *f[F_MEMORY] ? f[F_MEMORY] : NULL;
    o.cpus = *f[F_CPUS] ? f[F_CPUS] : NULL;
    o.pids_limit = *f[F_PIDS] ? f[F_PIDS] : NULL;
    env[0] = f[F_ENV]; env[1] = NULL; o.env = *f[F_ENV] ? env : NULL;
    ulimit[0] = f[F_ULIMIT]; ulimit[1] = NULL; o.ulimits = *f[F_ULIMIT] ? ulimit : NULL;
    tmpfs[0] = f[F_TMPFS]; tmpfs[1] = NULL;
    capadd[0] = f[F_CAPADD]; capadd[1] = NULL; o.cap_add = *f[F_CAPADD] ? capadd : NULL;
    capdrop[0] = f[F_CAPDROP]; capdrop[1] = NULL; o.cap_drop = *f[F_CAPDROP] ? capdrop : NULL;
    /* seccomp=FILE would read a file: the profile stays off */
    secopt[0] = strstr(f[F_SECOPT], "seccomp") ? "no-new-privileges" : f[F_SECOPT];
    secopt[1] = "seccomp=unconfined"; secopt[2] = NULL; o.security_opt = secopt;
    label[0] = f[F_LABEL]; label[1] = NULL; o.labels = *f[F_LABEL] ? label : NULL;
    sysctl[0] = f[F_SYSCTL]; sysctl[1] = NULL; o.sysctls = *f[F_SYSCTL] ? sysctl : NULL;
#define FUZZ_OPT(field, k) o.field = *f[k] ? f[k] : NULL
    FUZZ_OPT(shm_size, F_SHM); FUZZ_OPT(memory_swap, F_SWAP); FUZZ_OPT(memory_reservation, F_RESV);
    FUZZ_OPT(cpu_shares, F_SHARES); FUZZ_OPT(cpuset_cpus, F_CPUSET); FUZZ_OPT(stop_signal, F_STOPSIG);
    FUZZ_OPT(stop_timeout, F_STOPTIME); FUZZ_OPT(mac_address, F_MAC);
    c.bridge = 1;
    if (cr__ctr_detach_keys(f[F_KEYS], keys, &err) < 0 && !check(&err)) abort();
    memset(&err, 0, sizeof err);
    {
        cr__ctr_ids ids;
        r = cr__ctr_user_lookup(&ids, *f[F_PASSWD] ? f[F_PASSWD] : NULL, *f[F_GROUP] ? f[F_GROUP] : NULL, f[F_USER], &err);
        if (r == 0) { c.uid = ids.uid; c.gid = ids.gid; c.ngids = ids.ngids; memcpy(c.gids, ids.gids, sizeof c.gids); }
    }
    if (r == 0) r = cr__ctr_caps(&c, &err);
    if (r == 0) r = cr__ctr_security_opts(&c, &err);
    if (r == 0) r = cr__ctr_environment(&c, &err);
    if (r == 0) r = cr__ctr_command(&c, &err);
    if (r == 0 && *f[F_TMPFS]) r = cr__ctr_tmpfs(&c, tmpfs[0], &err);
    /* only tmpfs mounts: a bind or a volume would touch the file system */
    if (r == 0 && strstr(f[F_MOUNT], "type=tmpfs") && !strstr(f[F_MOUNT], "type=bind") && !strstr(f[F_MOUNT], "type=volume"))
        r = cr__ctr_mount_opt(&c, f[F_MOUNT], 0, &err);
    if (r == 0) r = cr__ctr_labels(&c, &err);
    if (r == 0) r = cr__ctr_check_misc(&c, &err);
    if (r == 0) r = cr__ctr_shm(&c, &err);
    if (r == 0) r = cr__ctr_config(&c, &config, &err);
    if (r < 0) {
        if (!check(&err)) abort();
    } else {
        memset(&spec, 0, sizeof spec);
        if (cr_spec_parse(&spec, config.data, config.len, &err) < 0) { fprintf(stderr, "%s\n%s\n", err.msg, config.data); abort(); }
        if (spec.process.nargs != c.args.n) abort();
        for (k = 0; k < c.args.n; k++) if (strcmp(spec.process.args[k], c.args.v[k])) abort();
        if (spec.process.uid != c.uid || spec.process.gid != c.gid) abort();
        cr_spec_free(&spec);
    }
    cr_buf_free(&config);
    cr_manifest_config_free(&c.img);
    cr__strv_free(&c.args); cr__strv_free(&c.env); cr__strv_free(&c.mounts_json); cr__strv_free(&c.user_mounts);
    cr__strv_free(&c.labels);
    free(buf);
    return 0;
}
