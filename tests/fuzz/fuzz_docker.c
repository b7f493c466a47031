// cr-test: libs=-lbearssl
/* libFuzzer target for the Docker verbs' parsers of untrusted strings: the
   input is NUL-separated fields
     0  a Go duration (--health-interval ...)   cr__ctr_duration
     1  a --restart policy                       cr__ctr_restart_parse
     2  a docker ps --format line                cr_ctr_format (a row and the header)
     3  a --filter KEY=VALUE                     cr_ctr_match
     4  an image config (its Healthcheck)        cr__ctr_health_json
   What is accepted must be sane (durations not negative, policy names
   Docker's, a retry count only with on-failure, the Health object valid
   JSON); what is refused must say why. No file is read or written. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#include "cr.h"
#include "fuzz_fields.h"

#include <stdlib.h>
#include <string.h>

enum { F_DURATION, F_RESTART, F_FORMAT, F_FILTER, F_CONFIG, F_N };

static int said(const cr_err *err) { return err->code > 0 && err->msg[0]; }

static void health(const char *config) {
    static cr__ctr c;
    cr_ctr_opts o;
    cr_buf b = {0};
    cr_json *back = NULL;
    cr_jw w;
    cr_err err = {0};
    memset(&c, 0, sizeof c);
    memset(&o, 0, sizeof o);
    c.o = &o;
    if (cr_manifest_config_parse(config, strlen(config), &c.img, &err) < 0) return;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    if (cr__ctr_health_json(&c, &w, &err) < 0) abort();   /* no option given: the image's check never fails */
    cr_jw_obj_end(&w);
    if (!b.oom && cr_json_parse(b.data, b.len, &back, &err) < 0) abort();
    cr_json_free(back);
    cr_buf_free(&b);
    cr_manifest_config_free(&c.img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *f[F_N], *filters[2];
    char *buf = fuzz_fields(data, size, f, F_N), name[16];
    cr_ctr_info info;
    cr_buf out = {0};
    cr_err err = {0};
    int64_t ms;
    int max, r;
    if (!buf) return 0;
    if (cr__ctr_duration(f[F_DURATION], &ms) == 0 && ms < 0) abort();
    if (cr__ctr_restart_parse(f[F_RESTART], name, &max, &err) < 0) { if (!said(&err)) abort(); }
    else if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") && strcmp(name, "on-failure")) abort();
    else if (max < 0 || (max && strcmp(name, "on-failure"))) abort();
    memset(&info, 0, sizeof info);
    snprintf(info.id, sizeof info.id, "%064d", 7);
    snprintf(info.name, sizeof info.name, "fuzz");
    snprintf(info.command, sizeof info.command, "sh -c \xe2\x80\xa6 long command line here");
    snprintf(info.created, sizeof info.created, "2026-01-02T03:04:05Z");
    snprintf(info.dir, sizeof info.dir, "/nonexistent/fuzz");
    info.status = CR_RUNNING;
    memset(&err, 0, sizeof err);
    if ((r = cr_ctr_format(&info, f[F_FORMAT], 0, &out, &err)) < 0 && !said(&err)) abort();
    memset(&err, 0, sizeof err);
    if (cr_ctr_format(NULL, f[F_FORMAT], 0, &out, &err) < 0 && (r == 0 || !said(&err))) abort();
    filters[0] = f[F_FILTER];
    filters[1] = NULL;
    memset(&err, 0, sizeof err);
    if ((r = cr_ctr_match(&info, filters, &err)) < 0 && !said(&err)) abort();
    if (r > 1) abort();
    health(f[F_CONFIG]);
    cr_buf_free(&out);
    free(buf);
    return 0;
}
