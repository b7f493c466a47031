// cr-test: libs=-lbearssl
/* libFuzzer target for what `cr logs` reads and parses: a container's
   ctr.log (json-file lines written by the monitor, or raw output of an
   older cr, or anything a user or a crash left there), the --since and
   --until strings, and `run --log-opt`. The input is NUL-separated:
   since, until, log-opt, then the log. Entries must come out whole (the
   text of each entry within the log's size), bounds must be refused with
   a message or accepted, and log-opt likewise. The log is read from a
   memfd; no file is written. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#include "cr.h"
#include "fuzz_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t total, limit;

static int emit(void *user, int err, const char *time, const char *p, size_t n) {
    (void)user; (void)err;
    if (time && !*time && n > limit) abort();
    if (n > limit || (n && !p)) abort();
    total += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cr__ctr c;
    const char *f[3], *opts[2];
    char *log, *buf = fuzz_fields(data, size, f, 3);
    cr_ctr_logs_opts o;
    cr_ctr_opts co;
    cr__ctr_lr l;
    cr_err err = {0};
    int fd;
    if (!buf) return 0;
    /* the rest after the third field, NULs and all */
    log = f[2] >= buf && f[2] < buf + size ? (char *)f[2] + strlen(f[2]) + 1 : buf + size;
    if (log > buf + size) log = buf + size;
    memset(&l, 0, sizeof l);
    memset(&o, 0, sizeof o);
    o.has_tail = size & 1;
    o.tail = (long)(size % 7);
    l.o = &o;
    l.emit = emit;
    if (cr__ctr_log_bound(*f[0] ? f[0] : NULL, "--since", &l.since, &err) < 0 && !err.msg[0]) abort();
    memset(&err, 0, sizeof err);
    if (cr__ctr_log_bound(*f[1] ? f[1] : NULL, "--until", &l.until, &err) < 0 && !err.msg[0]) abort();
    memset(&c, 0, sizeof c);
    memset(&co, 0, sizeof co);
    memset(&err, 0, sizeof err);
    c.o = &co;
    opts[0] = f[2]; opts[1] = NULL;
    co.log_opts = *f[2] ? opts : NULL;
    if (cr__ctr_log_opts(&c, &err) < 0 && !err.msg[0]) abort();
    if ((fd = memfd_create("log", MFD_CLOEXEC)) >= 0) {
        limit = (size_t)(buf + size - log);
        total = 0;
        if (cr__write_all(fd, log, limit) == 0 && lseek(fd, 0, SEEK_SET) == 0) {
            cr__ctr_log_feed(&l, fd, 0);
            cr__ctr_log_feed(&l, fd, 1);
        }
        if (l.part.len) abort();   /* final: nothing is left over */
        close(fd);
    }
    cr_buf_free(&l.part);
    free(buf);
    return 0;
}
