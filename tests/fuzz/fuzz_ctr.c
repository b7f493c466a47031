// cr-test: libs=-lbearssl
/* libFuzzer target for what `cr run IMAGE` makes of untrusted input: an
   image config (from a registry), the image's /etc/passwd and /etc/group,
   and the user's option strings (-u, -e, --entrypoint, -m, --cpus,
   --pids-limit, --ulimit, --tmpfs, --cap-add, --cap-drop, --security-opt).
   The input is NUL-separated fields in that order (missing ones are
   empty). Whatever is accepted must give a runtime config that cr's own
   spec parser accepts, with the process args cr computed; whatever is
   refused must say why. No file is read or written. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* the config is only generated and parsed */
#include "cr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_CONFIG, F_PASSWD, F_GROUP, F_USER, F_ENV, F_ENTRY, F_MEMORY, F_CPUS, F_PIDS, F_ULIMIT, F_TMPFS,
       F_CAPADD, F_CAPDROP, F_SECOPT, F_N };

static int check(const cr_err *err) { return err->code > 0 && err->msg[0]; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cr__ctr c;
    cr_ctr_opts o;
    const char *f[F_N], *env[2], *ulimit[2], *tmpfs[2], *capadd[2], *capdrop[2], *secopt[3];
    char *buf = (char *)malloc(size + 1), *p;
    cr_buf config = {0};
    cr_spec spec;
    cr_err err = {0};
    int k, r;
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    for (k = 0, p = buf; k < F_N; k++) {
        f[k] = p <= buf + size ? p : "";
        if (p <= buf + size) p += strlen(p) + 1;
    }
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
    r = cr__ctr_user_lookup(&c, *f[F_PASSWD] ? f[F_PASSWD] : NULL, *f[F_GROUP] ? f[F_GROUP] : NULL, f[F_USER], &err);
    if (r == 0) r = cr__ctr_caps(&c, &err);
    if (r == 0) r = cr__ctr_security_opts(&c, &err);
    if (r == 0) r = cr__ctr_environment(&c, &err);
    if (r == 0) r = cr__ctr_command(&c, &err);
    if (r == 0 && *f[F_TMPFS]) r = cr__ctr_tmpfs(&c, tmpfs[0], &err);
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
    free(buf);
    return 0;
}
