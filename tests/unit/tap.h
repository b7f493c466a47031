/* tap.h - the unit tests' harness: TAP output, checks that record a failure
   and go on, named tests, skips. Header-only C99; include it after cr.h.

     static void t_sum(void) {
         if (!have_thing) TAP_SKIP("no thing");
         CHECK(1 + 1 == 2);
         CHECK_STR(name, "web");
     }
     static const tap_test tests[] = { { "sums add up", t_sum } };
     int main(void) { return TAP_RUN_ALL(tests); }

   A test groups checks into one TAP point: "ok N - name", or "not ok N -
   name" followed by a "# file:line: what" line for each failed check. A
   test that called TAP_SKIP and failed nothing prints "ok N - name # SKIP
   why". TAP_OK(cond, name) is a point made of one check, for programs that
   go step by step (tap_done() then prints the plan at the end).
   tap_skip_all() prints "1..0 # SKIP why" for a program that cannot run
   here. TAP_RUN_ALL and tap_done() return the exit status: 1 when a point
   failed or the plan was not kept, else 0. Output is flushed line by line,
   so tests may fork. */
#ifndef CR_TAP_H
#define CR_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tap_test { const char *name; void (*fn)(void); } tap_test;

static struct {
    int points, failed_points, planned; /* planned < 0: no plan printed yet */
    int in_test, test_failed;
    const char *test_name, *skip_why;
    char diag[16384];                   /* "# " lines printed after the test's result */
    size_t diag_len;
} tap__s = { 0, 0, -1, 0, 0, NULL, NULL, "", 0 };

static inline void tap_plan(int n) {
    printf("1..%d\n", n);
    fflush(stdout);
    tap__s.planned = n;
}

/* The whole program is skipped; main returns this (0). */
static inline int tap_skip_all(const char *why) {
    printf("1..0 # SKIP %s\n", why);
    fflush(stdout);
    tap__s.planned = 0;
    return 0;
}

/* The program cannot go on; main returns this (1). */
static inline int tap_bail(const char *fmt, ...) {
    va_list ap;
    fputs("Bail out! ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    return 1;
}

/* Adds "# <prefix><message>" to the test's diagnostics, every line of a
   multi-line message prefixed "# " so it stays a TAP comment. */
static inline void tap__vadd(const char *prefix, const char *fmt, va_list ap) {
    char msg[8192];
    const char *p;
    size_t n = tap__s.diag_len, cap = sizeof tap__s.diag - 1;
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (n = strlen(msg); n && msg[n - 1] == '\n'; n--) msg[n - 1] = 0;
    n = tap__s.diag_len;
    for (p = "# "; *p && n < cap; p++) tap__s.diag[n++] = *p;
    for (p = prefix; *p && n < cap; p++) tap__s.diag[n++] = *p;
    for (p = msg; *p && n < cap; p++) {
        tap__s.diag[n++] = *p;
        if (*p == '\n' && n + 2 < cap) { tap__s.diag[n++] = '#'; tap__s.diag[n++] = ' '; }
    }
    if (n < cap) tap__s.diag[n++] = '\n';
    tap__s.diag[n] = 0;
    tap__s.diag_len = n;
}

static inline void tap__flush_diag(void) {
    fputs(tap__s.diag, stdout);
    fflush(stdout);
    tap__s.diag[0] = 0;
    tap__s.diag_len = 0;
}

static inline void tap__point(int pass, const char *name, const char *directive) {
    tap__s.points++;
    if (!pass) tap__s.failed_points++;
    printf("%sok %d - %s%s\n", pass ? "" : "not ", tap__s.points, name, directive ? directive : "");
    tap__flush_diag();
}

/* A diagnostic that is no failure; inside a test it follows the result line. */
static inline void tap_diag(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    tap__vadd("", fmt, ap);
    va_end(ap);
    if (!tap__s.in_test) tap__flush_diag();
}

/* Records a failed check; outside a test it is a failed point of its own. */
static inline void tap_fail_at(const char *file, int line, const char *fmt, ...) {
    char where[512];
    va_list ap;
    snprintf(where, sizeof where, "%s:%d: ", file, line);
    va_start(ap, fmt);
    tap__vadd(where, fmt, ap);
    va_end(ap);
    if (tap__s.in_test) tap__s.test_failed = 1;
    else tap__point(0, "check outside a test", NULL);
}

#define TAP_FAIL(...) tap_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define CHECK(c) do { if (!(c)) TAP_FAIL("%s", #c); } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
    if (!g_ || strcmp(g_, w_)) TAP_FAIL("%s is \"%s\", want \"%s\"", #got, g_ ? g_ : "(null)", w_); } while (0)
#define CHECK_HAS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (!h_ || !strstr(h_, n_)) TAP_FAIL("\"%s\" lacks \"%s\"", h_ ? h_ : "(null)", n_); } while (0)
#define CHECK_HASNT(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (h_ && strstr(h_, n_)) TAP_FAIL("\"%s\" unexpectedly in \"%s\"", n_, h_); } while (0)

static inline void tap_begin(const char *name) {
    tap__s.in_test = 1;
    tap__s.test_failed = 0;
    tap__s.test_name = name;
    tap__s.skip_why = NULL;
}

/* The rest of the test does not apply here (a failure already seen wins). */
static inline void tap_skip(const char *why) { tap__s.skip_why = why; }
#define TAP_SKIP(why) do { tap_skip(why); return; } while (0)

static inline int tap_test_failed(void) { return tap__s.test_failed; }

/* Prints the test's point; returns 1 when it passed or was skipped. */
static inline int tap_end(void) {
    char directive[512] = "";
    int pass = !tap__s.test_failed;
    if (pass && tap__s.skip_why) snprintf(directive, sizeof directive, " # SKIP %s", tap__s.skip_why);
    tap__s.in_test = 0;
    tap__point(pass, tap__s.test_name, directive);
    return pass;
}

static inline int tap_run(const char *name, void (*fn)(void)) {
    tap_begin(name);
    fn();
    return tap_end();
}

/* A point of one check; why, when not empty, is shown under it either way. */
static inline int tap_ok_at(int pass, const char *name, const char *file, int line, const char *expr, const char *why) {
    tap_begin(name);
    if (!pass) tap_fail_at(file, line, "%s", expr);
    if (why && *why) tap_diag("  %s", why);
    return tap_end();
}
#define TAP_OK(cond, name) tap_ok_at(!!(cond), name, __FILE__, __LINE__, #cond, NULL)
#define TAP_OK_WHY(cond, name, why) tap_ok_at(!!(cond), name, __FILE__, __LINE__, #cond, why)

static inline void tap_skip_point(const char *name, const char *why) {
    tap_begin(name);
    tap_skip(why);
    tap_end();
}

/* Makes a new directory /tmp/NAME-XXXXXX, its path in dir (n bytes): 0,
   else -1 (dir "") after a failed check inside a test, or a "Bail out!"
   line outside one. */
static inline int tap_tmpdir(char *dir, size_t n, const char *name) {
    snprintf(dir, n, "/tmp/%s-XXXXXX", name);
    if (mkdtemp(dir)) return 0;
    if (tap__s.in_test) TAP_FAIL("mkdtemp /tmp/%s-XXXXXX: %s", name, strerror(errno));
    else tap_bail("mkdtemp /tmp/%s-XXXXXX: %s", name, strerror(errno));
    dir[0] = 0;
    return -1;
}

/* Prints the plan if none was printed; returns the exit status. */
static inline int tap_done(void) {
    if (tap__s.planned < 0) tap_plan(tap__s.points);
    else if (tap__s.planned != tap__s.points) {
        printf("# planned %d tests but ran %d\n", tap__s.planned, tap__s.points);
        fflush(stdout);
        return 1;
    }
    return tap__s.failed_points != 0;
}

static inline int tap_run_all(const tap_test *tests, size_t n) {
    size_t i;
    tap_plan((int)n);
    for (i = 0; i < n; i++) tap_run(tests[i].name, tests[i].fn);
    return tap_done();
}
#define TAP_RUN_ALL(table) tap_run_all(table, sizeof(table) / sizeof *(table))

#endif
