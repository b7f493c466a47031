// cr-test: libs=-lbearssl
/* Unit tests of the http and tls sections: the URL, head and chunked
   parsers on their own, then cr_http_request against real servers on
   127.0.0.1 — a forked HTTP/1.1 server with scripted routes (plain, or TLS
   through cr serve's relay, cr__tls_relay, which asks client certificates
   too) and `openssl s_server` for TLS interop (certificate errors, client
   certificates). Certificates are made by the
   openssl tool in a temp dir; without it the TLS tests are skipped. TAP. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* HTTP needs libc and BearSSL only */
#include "cr.h"
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

/* A point per check; the error message is shown under it, for a reader of the log. */
#define OK(cond, name) TAP_OK_WHY(cond, name, err.msg)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- parsers ------------------------------------------------------------ */

/* Feeds a head in pieces of `step` bytes; returns the parser's result. */
static int feed_head(const char *s, size_t step, cr__http_head *h, cr_buf *hdrs, size_t *used_total, cr_err *err) {
    size_t off = 0, used;
    int r = 0;
    memset(h, 0, sizeof *h);
    h->max = 65536;
    while (off < strlen(s) && r == 0) {
        size_t n = strlen(s) - off < step ? strlen(s) - off : step;
        r = cr__http_head_feed(h, s + off, n, &used, hdrs, err);
        off += used;
    }
    *used_total = off;
    cr_buf_free(&h->raw);
    return r;
}

static void test_head(void) {
    static const char good[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Fold: a\r\n   b\r\nconnection: Keep-Alive\r\n"
        "Content-Length: 5\r\nX-Empty:\r\n\r\nhello";
    cr_err err = {0};
    cr__http_head h;
    cr_buf hd = {0}, hd1 = {0};
    cr_http_response hr;
    char v[64];
    size_t used, used1;
    int r = feed_head(good, 4096, &h, &hd, &used, &err);
    OK(r == 1 && h.status == 200 && h.minor == 1 && h.length == 5 && !h.chunked && !h.close, "head: parsed in one piece");
    TAP_OK(used == sizeof good - 1 - 5, "head: consumes through the blank line, not the body");
    r = feed_head(good, 1, &h, &hd1, &used1, &err);
    TAP_OK(r == 1 && used1 == used && hd1.len == hd.len && !memcmp(hd.data, hd1.data, hd.len), "head: byte by byte gives the same");
    memset(&hr, 0, sizeof hr);
    hr.headers = hd;
    TAP_OK(cr_http_header(&hr, "x-fold", v, sizeof v) && !strcmp(v, "a b"), "head: obs-fold joined with one space");
    TAP_OK(cr_http_header(&hr, "X-EMPTY", v, sizeof v) && !strcmp(v, ""), "head: empty value");
    TAP_OK(!cr_http_header(&hr, "X-Missing", v, sizeof v), "head: absent header is NULL");
    TAP_OK(cr_http_header(&hr, "x-fold", v, 2) && !strcmp(v, "a"), "head: value cut to the buffer");
    cr_buf_free(&hd); cr_buf_free(&hd1);

    r = feed_head("HTTP/1.0 200 OK\n\n", 3, &h, &hd, &used, &err);
    OK(r == 1 && h.close && h.length == UINT64_MAX, "head: HTTP/1.0, bare LF, no length: until close");
    r = feed_head("HTTP/1.0 204 \r\nConnection: keep-alive\r\n\r\n", 7, &h, &hd, &used, &err);
    OK(r == 1 && !h.close && h.status == 204, "head: HTTP/1.0 keep-alive");
    r = feed_head("HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n", 5, &h, &hd, &used, &err);
    OK(r == 1 && h.chunked && h.close && h.length == UINT64_MAX, "head: chunked beats Content-Length, and closes");
    r = feed_head("HTTP/1.1 200 OK\r\nConnection: foo, close\r\n\r\n", 64, &h, &hd, &used, &err);
    OK(r == 1 && h.close, "head: Connection list with close");
    r = feed_head("HTTP/1.1 200 OK\r\n\r", 64, &h, &hd, &used, &err);
    TAP_OK(r == 0, "head: incomplete wants more");

    {
        static const struct { const char *head; int code; const char *msg; } bad[] = {
            {"HTTP/1.1 2000 OK\r\n\r\n", EPROTO, "malformed status line"},
            {"HTTP/2 200\r\n\r\n", EPROTO, "malformed status line"},
            {"ICY 200 OK\r\n\r\n", EPROTO, "malformed status line"},
            {"HTTP/1.1 099 Low\r\n\r\n", EPROTO, "malformed status line"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", EPROTO, "conflicting Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", EPROTO, "bad Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", EPROTO, "bad Content-Length"},
            {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", EPROTO, "bad Content-Length"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", EPROTO, "unsupported Transfer-Encoding"},
            {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", EPROTO, "unsupported Transfer-Encoding"},
            {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", EPROTO, "malformed header line"},
            {"HTTP/1.1 200 OK\r\nName : x\r\n\r\n", EPROTO, "malformed header line"},
            {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", EPROTO, "malformed header line"},
            {"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", EPROTO, "control character"},
            {"HTTP/1.1 200 OK\r\n folded-first\r\n\r\n", EPROTO, "continuation"},
        };
        size_t i;
        int all = 1;
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            memset(&err, 0, sizeof err);
            r = feed_head(bad[i].head, 3, &h, &hd, &used, &err);
            if (r != -bad[i].code || !strstr(err.msg, bad[i].msg)) {
                printf("# bad head %zu: r=%d msg=%s\n", i, r, err.msg);
                all = 0;
            }
        }
        TAP_OK(all, "head: malformed heads refused with a reason");
    }
    {
        char big[300];
        memset(&h, 0, sizeof h);
        h.max = 100;
        memset(big, 'a', sizeof big);
        memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
        r = cr__http_head_feed(&h, big, sizeof big, &used, &hd, &err);
        OK(r == -EMSGSIZE && strstr(err.msg, "larger than 100 bytes"), "head: size limit");
        cr_buf_free(&h.raw);
    }
    cr_buf_free(&hd);
}

/* Decodes a chunked body fed in pieces of step bytes into out. */
static int feed_chunked(const char *s, size_t len, size_t step, cr_buf *out, size_t *consumed, cr_err *err) {
    cr__http_chunked c;
    size_t off = 0;
    int r = 0;
    memset(&c, 0, sizeof c);
    out->len = 0;
    while (off < len && r == 0) {
        size_t n = len - off < step ? len - off : step, used;
        const char *d;
        size_t dl;
        r = cr__http_chunked_feed(&c, s + off, n, &used, &d, &dl, err);
        if (dl) cr_buf_add(out, d, dl);
        off += used;
    }
    *consumed = off;
    return r;
}

static void test_chunked(void) {
    static const char body[] = "5;name=value\r\nhello\r\n7\r\n, world\r\n00000000000000000000000\r\nX-Trailer: 1\r\n\r\nNEXT";
    cr_err err = {0};
    cr_buf out = {0};
    size_t used, step;
    int r, all = 1;
    for (step = 1; step <= sizeof body; step++) {
        r = feed_chunked(body, sizeof body - 1, step, &out, &used, &err);
        if (r != 1 || out.len != 12 || memcmp(out.data, "hello, world", 12) || used != sizeof body - 1 - 4) all = 0;
    }
    OK(all, "chunked: every split decodes the same and stops before the next response");
    r = feed_chunked("A\nabcdefghij\n0\n\n", 16, 3, &out, &used, &err);
    OK(r == 1 && out.len == 10, "chunked: bare LF line ends");
    {
        static const struct { const char *s; const char *msg; } bad[] = {
            {"x\r\n", "chunk size expected"},
            {"5\r\nhelloX", "longer than its size"},
            {"5\rX", "CR without LF"},
            {"5$\r\n", "bad character"},
            {"11111111111111111\r\n", "too large"},
        };
        size_t i;
        all = 1;
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            memset(&err, 0, sizeof err);
            r = feed_chunked(bad[i].s, strlen(bad[i].s), 2, &out, &used, &err);
            if (r != -EPROTO || !strstr(err.msg, bad[i].msg)) { printf("# bad chunked %zu: %d %s\n", i, r, err.msg); all = 0; }
        }
        TAP_OK(all, "chunked: malformed framing refused");
    }
    {
        /* endless trailers or extensions must not be accepted forever */
        cr_buf t = {0};
        int i;
        cr_buf_puts(&t, "0\r\n");
        for (i = 0; i < 2000; i++) cr_buf_puts(&t, "X-T: 0123456789\r\n");
        r = feed_chunked(t.data, t.len, 100, &out, &used, &err);
        OK(r == -EPROTO && strstr(err.msg, "trailers too long"), "chunked: trailer limit");
        t.len = 0;
        cr_buf_puts(&t, "1;");
        for (i = 0; i < 500; i++) cr_buf_puts(&t, "a=bcdefghij");
        r = feed_chunked(t.data, t.len, 100, &out, &used, &err);
        OK(r == -EPROTO && strstr(err.msg, "extensions too long"), "chunked: extension limit");
        cr_buf_free(&t);
    }
    cr_buf_free(&out);
}

static void test_url(void) {
    static const struct { const char *url; int tls; const char *host; unsigned port; const char *target; } good[] = {
        {"https://Registry.Example:5000/v2/?n=1#frag", 1, "registry.example", 5000, "/v2/?n=1"},
        {"http://127.0.0.1", 0, "127.0.0.1", 80, ""},
        {"HTTPS://[::1]:8443?x", 1, "::1", 8443, "?x"},
        {"https://[fe80::1]/a%20b", 1, "fe80::1", 443, "/a%20b"},
        {"http://a_b-c.d:65535/", 0, "a_b-c.d", 65535, "/"},
    };
    static const struct { const char *url; const char *msg; } bad[] = {
        {"ftp://x/", "not http:// or https://"},
        {"https://user:pw@host/", "user:password@: not supported"},
        {"https://[::1/", "unterminated"},
        {"https://[nope]/", "bad IPv6"},
        {"https:///path", "missing host"},
        {"https://ho st/", "invalid character in host"},
        {"https://host:0/", "bad port"},
        {"https://host:65536/", "bad port"},
        {"https://host:/", "bad port"},
        {"https://host:12ab/", "bad port"},
        {"https://[::1]x/", "unexpected character"},
        {"https://host/a b", "must be percent-encoded"},
        {"https://host/a\r\nX-Injected: 1", "must be percent-encoded"},
        {"https://host/\xc3\xa9", "must be percent-encoded"},
    };
    static const struct { const char *base, *loc, *want; } res[] = {
        {"https://r.example/v2/a/blobs/x?q=1", "https://cdn.example/b?sig=2", "https://cdn.example/b?sig=2"},
        {"https://r.example/v2/a/blobs/x?q=1", "//cdn.example/b", "https://cdn.example/b"},
        {"http://r.example:5000/v2/a/blobs/x?q=1", "/other", "http://r.example:5000/other"},
        {"http://r.example:5000/v2/a/blobs/x?q=1", "y?z", "http://r.example:5000/v2/a/blobs/y?z"},
        {"http://r.example:5000/v2/a/blobs/x?q=1", "?p=2", "http://r.example:5000/v2/a/blobs/x?p=2"},
        {"http://r.example", "rel", "http://r.example/rel"},
        {"http://r.example?q", "rel", "http://r.example/rel"},
        {"http://r.example/a", "ftp://elsewhere/", "ftp://elsewhere/"},
    };
    cr_err err = {0};
    cr__http_url u;
    char out[256], auth[CR__HTTP_AUTH_MAX];
    size_t i;
    int all = 1;
    for (i = 0; i < sizeof good / sizeof *good; i++) {
        if (cr__http_parse_url(good[i].url, &u, &err) < 0 || u.tls != good[i].tls || strcmp(u.host, good[i].host) ||
            u.port != good[i].port || u.target_len != strlen(good[i].target) || memcmp(u.target, good[i].target, u.target_len)) {
            printf("# good url %s: %s\n", good[i].url, err.msg);
            all = 0;
        }
    }
    TAP_OK(all, "url: scheme, host, [IPv6], port, path and query");
    all = 1;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&err, 0, sizeof err);
        if (cr__http_parse_url(bad[i].url, &u, &err) != -EINVAL || !strstr(err.msg, bad[i].msg)) {
            printf("# bad url %zu: %s\n", i, err.msg);
            all = 0;
        }
    }
    TAP_OK(all, "url: bad URLs refused with a reason");
    all = 1;
    for (i = 0; i < sizeof res / sizeof *res; i++) {
        if (cr__http_parse_url(res[i].base, &u, &err) < 0 || cr__http_resolve(res[i].base, &u, res[i].loc, out, sizeof out) < 0 ||
            strcmp(out, res[i].want)) {
            printf("# resolve %s + %s = %s\n", res[i].base, res[i].loc, out);
            all = 0;
        }
    }
    TAP_OK(all, "url: Location resolved against the request URL");
    cr__http_parse_url("https://[::1]:443/", &u, &err);
    cr__http_authority(&u, 0, auth, sizeof auth);
    TAP_OK(!strcmp(auth, "[::1]"), "url: Host header leaves out the default port");
    cr__http_authority(&u, 1, auth, sizeof auth);
    TAP_OK(!strcmp(auth, "[::1]:443"), "url: pool key keeps it");
    TAP_OK(cr__http_loopback("127.8.9.10") && cr__http_loopback("::1") && cr__http_loopback("localhost") &&
          !cr__http_loopback("0.0.0.0") && !cr__http_loopback("localhost.example") && !cr__http_loopback("128.0.0.1"),
          "url: loopback rule");
}

/* ---- the test server ---------------------------------------------------- */

typedef struct shared { int accepts; char last[8192]; } shared;
static shared *sh;

typedef struct srv { pid_t pid; int port; } srv;
typedef struct tconn { int fd; } tconn;

static int t_read(tconn *c, char *p, size_t n) { return (int)recv(c->fd, p, n, 0); }
static void t_write(tconn *c, const void *p, size_t n) {
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) _exit(0);
        p = (const char *)p + w; n -= (size_t)w;
    }
}
static void t_printf(tconn *c, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    t_write(c, buf, (size_t)n);
}

/* Answers one request; returns 1 to keep the connection for another. */
static int route(tconn *c, const char *req, const char *path) {
    const char *auth = strstr(req, "\r\nAuthorization: ");
    char a[256] = "none";
    if (auth) sscanf(auth + 17, "%255[^\r]", a);
    if (!strcmp(path, "/hello")) { t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello"); return 1; }
    if (!strcmp(path, "/chunked")) {
        t_printf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n");
        return 1;
    }
    if (!strcmp(path, "/slow")) {            /* one byte per segment: every parser boundary gets crossed */
        static const char s[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
        size_t i;
        for (i = 0; i < sizeof s - 1; i++) { t_write(c, s + i, 1); usleep(300); }
        return 1;
    }
    if (!strcmp(path, "/folded")) {
        t_printf(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Fold: a\r\n\tb\r\nContent-Length: 2\r\n\r\nok");
        return 1;
    }
    if (!strncmp(path, "/redirect-other?port=", 21)) {
        t_printf(c, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/auth\r\nContent-Length: 3\r\n\r\nbye", atoi(path + 21));
        return 1;
    }
    if (!strcmp(path, "/redirect-same")) { t_printf(c, "HTTP/1.1 307 Temporary Redirect\r\nLocation: auth?x=1\r\nContent-Length: 0\r\n\r\n"); return 1; }
    if (!strcmp(path, "/loop")) { t_printf(c, "HTTP/1.1 301 Moved\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"); return 1; }
    if (!strcmp(path, "/see-other")) { t_printf(c, "HTTP/1.1 303 See Other\r\nLocation: /method\r\nContent-Length: 0\r\n\r\n"); return 1; }
    if (!strcmp(path, "/method")) {
        char m[16] = "";
        sscanf(req, "%15s", m);
        t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(m), strcmp(m, "HEAD") ? m : "");
        return 1;
    }
    if (!strncmp(path, "/auth", 5)) { t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(a), a); return 1; }
    if (!strcmp(path, "/404")) {
        t_printf(c, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"errors\":\"missing\"}");
        return 1;
    }
    if (!strcmp(path, "/bighead")) {
        int i;
        t_printf(c, "HTTP/1.1 200 OK\r\n");
        for (i = 0; i < 2000; i++) t_printf(c, "X-Pad-%d: 0123456789012345678901234567890123456789\r\n", i);
        t_printf(c, "Content-Length: 0\r\n\r\n");
        return 0;
    }
    if (!strcmp(path, "/big") || !strcmp(path, "/big-error")) {
        static char x[65536];
        int i;
        memset(x, 'x', sizeof x);
        t_printf(c, "HTTP/1.1 %s\r\nContent-Length: 1048576\r\n\r\n", path[4] ? "500 Oops" : "200 OK");
        for (i = 0; i < 16; i++) t_write(c, x, sizeof x);
        return 1;
    }
    if (!strcmp(path, "/hang")) { sleep(60); return 0; }
    if (!strcmp(path, "/close")) { t_printf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye"); return 0; }
    if (!strcmp(path, "/drop")) { t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); return 0; }  /* an idle timeout, early */
    if (!strcmp(path, "/eof")) { t_printf(c, "HTTP/1.1 200 OK\r\n\r\nuntil close"); return 0; }
    if (!strcmp(path, "/range")) {
        if (strstr(req, "\r\nRange: bytes=2-\r\n"))
            t_printf(c, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-10/11\r\nContent-Length: 9\r\n\r\nllo world");
        else t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world");
        return 1;
    }
    if (!strcmp(path, "/head")) { t_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"); return 1; }
    if (!strcmp(path, "/nocontent")) { t_printf(c, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"); return 1; }
    if (!strcmp(path, "/bad-status")) { t_printf(c, "HTTP/1.1 abc\r\n\r\n"); return 0; }
    t_printf(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    return 1;
}

static void serve_conn(tconn *c) {
    for (;;) {
        char req[8192], path[1024] = "";
        size_t n = 0;
        while (!memmem(req, n, "\r\n\r\n", 4)) {
            int r = t_read(c, req + n, sizeof req - 1 - n);
            if (r <= 0) return;
            n += (size_t)r;
        }
        req[n] = 0;
        snprintf(sh->last, sizeof sh->last, "%s", req);
        sscanf(req, "%*s %1023s", path);
        if (!route(c, req, path)) return;
    }
}

/* set: the server speaks TLS through cr serve's relay (tls_ca: and wants
   client certificates its CAs signed) */
static const char *tls_cert, *tls_key, *tls_ca;

/* One connection of the test server: served as is, or with TLS by
   cr__tls_relay in this process while a child serves the cleartext. */
static void conn_proc(tconn *c, const cr__tls_server *tls) {
    cr_err err = {0};
    int sp[2];
    if (!tls) { serve_conn(c); return; }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) return;
    if (!fork()) {
        close(c->fd); close(sp[0]);
        c->fd = sp[1];
        serve_conn(c);
        _exit(0);
    }
    close(sp[1]);
    if (cr__tls_relay(tls, c->fd, sp[0], &err) < 0) snprintf(sh->last, sizeof sh->last, "%s", err.msg);
    close(sp[0]);
}

static srv start_server(void) {
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    srv s;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 64) < 0) { perror("bind"); exit(1); }
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    s.port = ntohs(sa.sin_port);
    fflush(stdout);
    if (!(s.pid = fork())) {
        cr__tls_server keys;
        setpgid(0, 0);
        signal(SIGCHLD, SIG_IGN);
        if (tls_cert) {
            cr_err err = {0};
            if (cr__tls_server_load(&keys, tls_cert, tls_key, tls_ca, &err) < 0) { fprintf(stderr, "%s\n", err.msg); _exit(1); }
        }
        for (;;) {
            tconn c;
            memset(&c, 0, sizeof c);
            if ((c.fd = accept(lfd, NULL, NULL)) < 0) continue;
            __atomic_add_fetch(&sh->accepts, 1, __ATOMIC_SEQ_CST);
            if (!fork()) {
                close(lfd);
                conn_proc(&c, tls_cert ? &keys : NULL);
                _exit(0);
            }
            close(c.fd);
        }
    }
    close(lfd);
    return s;
}

static void stop(pid_t pid) {
    int st;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

/* ---- request helpers ---------------------------------------------------- */

typedef struct sinkbuf { cr_buf b; int calls, abort_after; } sinkbuf;
static int sink_fn(void *user, const void *p, size_t n) {
    sinkbuf *s = (sinkbuf *)user;
    s->calls++;
    if (s->abort_after && s->calls >= s->abort_after) return -1;
    cr_buf_add(&s->b, p, n);
    return 0;
}

static cr_http_response resp;
static cr_buf body;

/* GET (or method) url into body; returns the request's result. */
static int req(cr_http_client *c, const char *method, const char *url, const char *const *hdrs, size_t max, cr_err *err) {
    memset(err, 0, sizeof *err);
    body.len = 0;
    if (body.data) body.data[0] = 0;
    return cr_http_request(c, method, url, hdrs, NULL, NULL, &body, max, &resp, err);
}
#define BODY_IS(s) (body.len == strlen(s) && !memcmp(body.data, s, body.len))

/* GET the URL made from fmt into url (kept for the requests that follow). */
static int get_at(cr_http_client *c, cr_err *err, char *url, size_t size, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int get_at(cr_http_client *c, cr_err *err, char *url, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(url, size, fmt, ap);
    va_end(ap);
    return req(c, "GET", url, NULL, 0, err);
}

static void test_plain(void) {
    cr_http_client c = {0};
    cr_err err = {0};
    char url[512], url2[128], v[64];
    srv s = start_server(), s2 = start_server();
    int r;
    double t;
    const char *auth_hdr[] = {"Authorization: Bearer secret", "X-Other: kept", NULL};

#define U(path) (snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s.port, path), url)
    sh->accepts = 0;
    r = req(&c, "GET", U("/hello"), NULL, 0, &err);
    OK(r == 0 && resp.status == 200 && BODY_IS("hello") && resp.content_length == 5, "plain: GET with Content-Length");
    TAP_OK(cr_http_header(&resp, "x-test", v, sizeof v) && !strcmp(v, "yes"), "plain: response header lookup");
    TAP_OK(strstr(sh->last, "GET /hello HTTP/1.1\r\n") && strstr(sh->last, "\r\nUser-Agent: cr/") &&
          strstr(sh->last, "\r\nHost: 127.0.0.1:"), "plain: request line, Host, User-Agent");
    r = req(&c, "GET", U("/chunked"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello, world") && resp.content_length == UINT64_MAX, "plain: chunked body with extension and trailer");
    r = req(&c, "GET", U("/slow"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello, world"), "plain: response arriving byte by byte");
    TAP_OK(sh->accepts == 1, "plain: keep-alive: three requests, one connection");

    r = req(&c, "GET", U("/close"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("bye"), "plain: Connection: close response");
    r = req(&c, "GET", U("/hello"), NULL, 0, &err);
    OK(r == 0 && sh->accepts == 2, "plain: ... and a new connection after it");
    r = req(&c, "GET", U("/drop"), NULL, 0, &err);
    r = req(&c, "GET", U("/hello"), NULL, 0, &err);
    TAP_OK(r == 0 && BODY_IS("hello") && sh->accepts == 3, "plain: idle connection closed by the server: retried on a new one");

    r = req(&c, "GET", U("/folded"), NULL, 0, &err);
    OK(r == 0 && resp.status == 200 && BODY_IS("ok") && cr_http_header(&resp, "X-Fold", v, sizeof v) && !strcmp(v, "a b"),
       "plain: 100 Continue skipped, folded header");
    r = req(&c, "HEAD", U("/head"), NULL, 0, &err);
    OK(r == 0 && resp.status == 200 && resp.content_length == 1000 && body.len == 0, "plain: HEAD: length without a body");
    r = req(&c, "GET", U("/nocontent"), NULL, 0, &err);
    OK(r == 0 && resp.status == 204 && body.len == 0, "plain: 204");
    r = req(&c, "GET", U("/hello"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello") && sh->accepts == 3, "plain: connection still in step after HEAD and 204");
    r = req(&c, "GET", U("/eof"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("until close"), "plain: body delimited by close");

    {
        const char *range[] = {"Range: bytes=2-", NULL};
        sinkbuf sb;
        memset(&sb, 0, sizeof sb);
        memset(&err, 0, sizeof err);
        r = cr_http_request(&c, "GET", U("/range"), range, sink_fn, &sb, NULL, 0, &resp, &err);
        OK(r == 0 && resp.status == 206 && sb.b.len == 9 && !memcmp(sb.b.data, "llo world", 9), "plain: 206 partial content to the sink");
        sb.b.len = 0;
        r = cr_http_request(&c, "GET", U("/big"), NULL, sink_fn, &sb, NULL, 10, &resp, &err);
        OK(r == 0 && sb.b.len == 1048576, "plain: sink takes any size (max_body is for body_out)");
        sb.b.len = 0;
        r = cr_http_request(&c, "GET", U("/404"), NULL, sink_fn, &sb, &body, 0, &resp, &err);
        OK(r == 0 && resp.status == 404 && sb.b.len == 0 && strstr(body.data, "missing"), "plain: 404: error body to body_out, not the sink");
        sb.abort_after = 2;
        sb.calls = 0;
        r = cr_http_request(&c, "GET", U("/big"), NULL, sink_fn, &sb, NULL, 0, &resp, &err);
        OK(r == -ECANCELED && strstr(err.msg, "body consumer stopped"), "plain: sink aborts");
        cr_buf_free(&sb.b);
    }
    r = req(&c, "GET", U("/big"), NULL, 1000, &err);
    OK(r == -EFBIG && strstr(err.msg, "larger than 1000 bytes"), "plain: body limit");
    r = req(&c, "GET", U("/big-error"), NULL, 100, &err);
    OK(r == 0 && resp.status == 500 && body.len == 100, "plain: error body cut at the limit, no error");
    r = req(&c, "GET", U("/bighead"), NULL, 0, &err);
    OK(r == -EMSGSIZE && strstr(err.msg, "response head larger than 65536 bytes"), "plain: header size limit");
    c.max_header_bytes = 200000;
    r = req(&c, "GET", U("/bighead"), NULL, 0, &err);
    OK(r == 0 && resp.status == 200, "plain: ... raised by max_header_bytes");
    c.max_header_bytes = 0;
    r = req(&c, "GET", U("/bad-status"), NULL, 0, &err);
    OK(r == -EPROTO && strstr(err.msg, "malformed status line \"HTTP/1.1 abc\"") && strstr(err.msg, "GET http://127.0.0.1:"),
       "plain: malformed response, error names the request");

    snprintf(url2, sizeof url2, "/redirect-other?port=%d", s2.port);
    r = req(&c, "GET", U(url2), auth_hdr, 0, &err);
    snprintf(url2, sizeof url2, "http://127.0.0.1:%d/auth", s2.port);
    OK(r == 0 && resp.status == 200 && BODY_IS("none") && !strcmp(resp.final_url, url2) && strstr(sh->last, "X-Other: kept"),
       "plain: redirect to another port drops Authorization only");
    r = req(&c, "GET", U("/redirect-same"), auth_hdr, 0, &err);
    OK(r == 0 && BODY_IS("Bearer secret") && strstr(resp.final_url, "/auth?x=1"), "plain: same-origin relative redirect keeps it");
    r = req(&c, "GET", U("/loop"), NULL, 0, &err);
    OK(r == -ELOOP && strstr(err.msg, "stopped after 10 redirects"), "plain: redirect loop stops");
    r = req(&c, "HEAD", U("/see-other"), NULL, 0, &err);
    OK(r == 0 && resp.status == 200, "plain: 303 after HEAD stays HEAD");
    r = req(&c, "DELETE", U("/see-other"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("GET"), "plain: 303 turns other methods into GET");

    c.timeout_ms = 300;
    t = now_s();
    r = req(&c, "GET", U("/hang"), NULL, 0, &err);
    t = now_s() - t;
    OK(r == -ETIMEDOUT && strstr(err.msg, "timed out after 300 ms") && t < 2.0, "plain: server that never answers: timeout");
    c.timeout_ms = 0;

    r = get_at(&c, &err, url, sizeof url, "http://localhost:%d/hello", s.port);
    OK(r == 0 && BODY_IS("hello"), "plain: localhost");

    {
        const char *inj[] = {"X-A: 1\r\nX-B: 2", NULL};
        r = req(&c, "GET", U("/hello"), inj, 0, &err);
        OK(r == -EINVAL && strstr(err.msg, "on one line"), "plain: header injection refused");
        r = req(&c, "get", U("/hello"), NULL, 0, &err);
        OK(r == -EINVAL, "plain: bad method refused");
    }

    /* no byte leaves for a non-loopback http:// URL: the name would not even resolve */
    t = now_s();
    r = req(&c, "GET", "http://registry.invalid/v2/", NULL, 0, &err);
    OK(r == -EPERM && strstr(err.msg, "only for loopback hosts") && strstr(err.msg, "http://registry.invalid/v2/") && now_s() - t < 0.5,
       "plain: http:// to a non-loopback host refused before any lookup");
    /* 0.0.0.0 is not loopback by the rule, yet Linux connects it to this host */
    r = get_at(&c, &err, url, sizeof url, "http://0.0.0.0:%d/hello", s.port);
    OK(r == -EPERM, "plain: 0.0.0.0 is not loopback");
    c.insecure = 1;
    r = req(&c, "GET", url, NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello"), "plain: ... but allowed with insecure (--tls-verify=false)");
    c.insecure = 0;

    {
        int port = s2.port;
        stop(s2.pid);
        r = get_at(&c, &err, url, sizeof url, "http://127.0.0.1:%d/hello", port);
        OK(r == -ECONNREFUSED && strstr(err.msg, "connect 127.0.0.1:") && strstr(err.msg, "refused"), "plain: connection refused");
    }
    cr_http_client_close(&c);
    TAP_OK(c.priv == NULL, "plain: client closed");
    r = req(&c, "GET", U("/hello"), NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello"), "plain: client usable again after close");
    cr_http_client_close(&c);
    stop(s.pid);
#undef U
}

/* ---- TLS ----------------------------------------------------------------- */

static char dir[] = "/tmp/cr-http-test-XXXXXX";

static int sh_run(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static int make_certs(void) {
    return sh_run(
        "cd %s && exec >log 2>&1 && set -e && "
        "EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
        "openssl req -x509 $EC -keyout ca.key -out ca.crt -subj /CN=cr-test-ca -days 2 && "
        "openssl req -x509 $EC -keyout ca2.key -out ca2.crt -subj /CN=cr-other-ca -days 2 && "
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >san.ext && "
        "printf 'subjectAltName=DNS:other.test\\n' >other.ext && "
        "printf 'extendedKeyUsage=clientAuth\\n' >client.ext && "
        "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=cr-test-server && "
        "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out srv.crt && "
        "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -days -1 -extfile san.ext -out expired.crt && "
        "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -days 2 -extfile other.ext -out other.crt && "
        "openssl req $EC -keyout client.key -out client.csr -subj /CN=cr-client && "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -days 2 -extfile client.ext -out client.cert && "
        "openssl x509 -req -in client.csr -CA ca2.crt -CAkey ca2.key -CAcreateserial -days 2 -extfile client.ext -out client2.cert && "
        "openssl req -newkey rsa:2048 -nodes -keyout crsa.key -out crsa.csr -subj /CN=cr-client-rsa && "
        "openssl x509 -req -in crsa.csr -CA ca.crt -CAkey ca.key -days 2 -extfile client.ext -out crsa.cert && "
        "echo 'hello tls' >hello.txt", dir);
}

/* openssl s_server serving the temp dir (-WWW: HTTP/1.0, one response per
   connection) on an ephemeral port. */
static pid_t s_server(const char *cert, const char *extra, int *port, int *outfd) {
    int p[2];
    pid_t pid;
    char line[256];
    size_t n = 0;
    if (pipe(p) < 0) return -1;
    fflush(stdout);
    if (!(pid = fork())) {
        int nul = open("/dev/null", O_RDWR);
        setpgid(0, 0);
        dup2(p[1], 1); dup2(nul, 0); dup2(nul, 2);
        if (chdir(dir) < 0) _exit(127);
        execlp("sh", "sh", "-c", "exec openssl s_server -accept 127.0.0.1:0 -WWW -cert \"$0\" -key srv.key $1", cert, extra, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    *port = 0;
    while (!*port) {                          /* "ACCEPT 127.0.0.1:PORT" once it listens */
        struct pollfd pfd = {p[0], POLLIN, 0};
        ssize_t r;
        char *a;
        if (poll(&pfd, 1, 10000) <= 0 || (r = read(p[0], line + n, sizeof line - 1 - n)) <= 0) break;
        n += (size_t)r;
        line[n] = 0;
        if ((a = strstr(line, "ACCEPT ")) && strchr(a, '\n') && sscanf(a, "ACCEPT %*[^:]:%d", port) != 1) break;
    }
    *outfd = p[0];                             /* kept open: s_server writes there */
    return pid;
}

static int der_cb(void *u, const char *name, const unsigned char *der, size_t n) {
    (void)name;
    cr_buf_add((cr_buf *)u, der, n);
    return 0;
}

static void test_san_walker(void) {
    static const unsigned char lo[4] = {127, 0, 0, 1}, other[4] = {10, 0, 0, 1};
    const unsigned char *d;
    cr_buf pem = {0}, der = {0};
    cr_err err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/srv.crt", dir);
    if (cr_util_read_file(AT_FDCWD, path, 1 << 20, &pem, &err) < 0 || cr__tls_pem_each(pem.data, pem.len, der_cb, &der) != 1) {
        OK(0, "tls: IP SAN lookup in DER");
        return;
    }
    d = (const unsigned char *)der.data;
    TAP_OK(cr__tls_cert_has_ip(d, der.len, lo, 4) && !cr__tls_cert_has_ip(d, der.len, other, 4) &&
          !cr__tls_cert_has_ip(d, der.len / 2, lo, 4), "tls: IP SAN lookup in DER");
    cr_buf_free(&pem);
    cr_buf_free(&der);
}

/* cr serve's TLS listener (the relay above): client certificates its CA
   signed, the certificate of another CA, none; an EC key; load errors. */
static void test_tls_server(void) {
    static const struct { const char *cert, *want, *log, *name; } clients[] = {
        {NULL, "refused the handshake (alert 42, bad certificate); it may want a client certificate", "the client sent no certificate",
         "tls server: a client without a certificate is refused (bad_certificate)"},
        {"client2.cert", "refused the handshake (alert 42, bad certificate)", "client certificate signed by unknown authority",
         "tls server: a client certificate of another CA is refused"},
        {"client.cert", NULL, NULL, "tls server: a client certificate its CA signed (EC key) gets through, keep-alive"},
    };
    cr_http_client c = {0};
    cr_err err = {0};
    cr__tls_server t;
    char url[256], path[3][512], certsd[512];
    size_t i;
    srv s;
    int r, w;
    snprintf(path[0], sizeof path[0], "%s/srv.crt", dir);
    snprintf(path[1], sizeof path[1], "%s/srv.key", dir);
    snprintf(path[2], sizeof path[2], "%s/ca.crt", dir);
    tls_cert = path[0]; tls_key = path[1]; tls_ca = path[2];
    s = start_server();
    tls_cert = tls_key = tls_ca = NULL;
    snprintf(certsd, sizeof certsd, "%s/certs2.d", dir);
    for (i = 0; i < sizeof clients / sizeof *clients; i++) {
        sh_run("rm -rf %s && mkdir -p %s/127.0.0.1:%d && cp %s/ca.crt %s/client.key %s/127.0.0.1:%d/", certsd, certsd, s.port, dir, dir, certsd, s.port);
        if (clients[i].cert) sh_run("cp %s/%s %s/127.0.0.1:%d/client.cert", dir, clients[i].cert, certsd, s.port);
        else sh_run("rm %s/127.0.0.1:%d/client.key", certsd, s.port);
        c.certs_dir = certsd;
        sh->last[0] = 0;
        r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello", s.port);
        if (!clients[i].want) r = r || get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/chunked", s.port);
        for (w = 0; clients[i].log && w < 1000 && !strstr(sh->last, clients[i].log); w++) usleep(10000);   /* the server's log line comes after its alert */
        OK(clients[i].want ? r == -EPROTO && strstr(err.msg, clients[i].want) && strstr(sh->last, clients[i].log)
                           : r == 0 && BODY_IS("hello, world"), clients[i].name);
        cr_http_client_close(&c);
    }
    stop(s.pid);
    snprintf(path[0], sizeof path[0], "%s/client.cert", dir);
    snprintf(path[1], sizeof path[1], "%s/client.key", dir);
    tls_cert = path[0]; tls_key = path[1];
    s = start_server();
    tls_cert = tls_key = NULL;
    c.insecure = 1;
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello", s.port);
    OK(r == 0 && BODY_IS("hello"), "tls server: an EC key");
    cr_http_client_close(&c);
    stop(s.pid);
    snprintf(path[1], sizeof path[1], "%s/crsa.key", dir);
    r = cr__tls_server_load(&t, path[0], path[1], NULL, &err);
    OK(r == -EINVAL && strstr(err.msg, "crsa.key: the key does not match the certificate ") && strstr(err.msg, "client.cert"),
       "tls server: a key not the certificate's is refused, naming both files");
    r = cr__tls_server_load(&t, path[0], path[0], NULL, &err);
    OK(r == -EINVAL && strstr(err.msg, "client.cert: no usable private key"), "tls server: a key file without a key");
    r = cr__tls_server_load(&t, path[1], path[1], NULL, &err);
    OK(r == -EINVAL && strstr(err.msg, "crsa.key: no PEM certificate"), "tls server: a certificate file without a certificate");
}

static void test_tls(void) {
    cr_http_client c = {0};
    cr_err err = {0};
    /* one GET from s_server with cert: want_msg names the failure, else it succeeds */
    static const struct { const char *cert, *host, *want_msg, *name; } one[] = {
        {"srv.crt", "localhost", NULL, "tls: openssl s_server by name (SNI, dNSName), HTTP/1.0 body"},
        {"expired.crt", "127.0.0.1", "certificate has expired or is not yet valid", "tls: expired certificate"},
    };
    size_t i;
    char url[256], ca[512], ca2[512], certsd[512], srvcrt[512], srvkey[512], sub[700];
    srv s;
    int r, port, pfd;
    pid_t p;

    if (!mkdtemp(dir) || make_certs()) {
        int i;
        for (i = 0; i < 26; i++) tap_skip_point("tls", "openssl could not make test certificates");
        return;
    }
    snprintf(ca, sizeof ca, "%s/ca.crt", dir);
    snprintf(ca2, sizeof ca2, "%s/ca2.crt", dir);
    snprintf(srvcrt, sizeof srvcrt, "%s/srv.crt", dir);
    snprintf(srvkey, sizeof srvkey, "%s/srv.key", dir);
    test_san_walker();

    tls_cert = srvcrt; tls_key = srvkey;
    s = start_server();
    tls_cert = tls_key = NULL;
    sh->accepts = 0;
    c.ca_file = ca;
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello", s.port);
    OK(r == 0 && resp.status == 200 && BODY_IS("hello"), "tls: GET with the test CA (ca_file), IP SAN");
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/chunked", s.port);
    OK(r == 0 && BODY_IS("hello, world"), "tls: chunked");
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/slow", s.port);
    OK(r == 0 && BODY_IS("hello, world") && sh->accepts == 1, "tls: byte-sized records, keep-alive: one connection");
    get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/drop", s.port);
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello", s.port);
    TAP_OK(r == 0 && BODY_IS("hello") && sh->accepts == 2, "tls: idle connection closed by the server: retried");
    r = get_at(&c, &err, url, sizeof url, "http://127.0.0.1:%d/hello", s.port);
    OK(r < 0, "tls: plain http to a TLS port fails cleanly");
    cr_http_client_close(&c);

    c.ca_file = NULL;
    setenv("SSL_CERT_FILE", ca, 1);
    r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello", s.port);
    OK(r == 0 && BODY_IS("hello"), "tls: SSL_CERT_FILE replaces the system bundle");
    cr_http_client_close(&c);
    setenv("SSL_CERT_FILE", ca2, 1);
    r = req(&c, "GET", url, NULL, 0, &err);
    OK(r == -EPROTO && strstr(err.msg, "tls: certificate signed by unknown authority"), "tls: unknown CA");
    cr_http_client_close(&c);
    unsetenv("SSL_CERT_FILE");
    c.ca_file = ca2;                           /* added to the system bundle: still unknown */
    r = req(&c, "GET", url, NULL, 0, &err);
    OK(r == -EPROTO && strstr(err.msg, "certificate signed by unknown authority") && strstr(err.msg, "GET https://127.0.0.1:"),
       "tls: unknown CA with ca_file + system bundle");
    cr_http_client_close(&c);
    c.insecure = 1;
    r = req(&c, "GET", url, NULL, 0, &err);
    OK(r == 0 && BODY_IS("hello"), "tls: insecure skips verification");
    cr_http_client_close(&c);
    c.insecure = 0;
    stop(s.pid);
    test_tls_server();

    /* openssl s_server: interop, name checks, expiry, client certificates */
    c.ca_file = ca;
    for (i = 0; i < sizeof one / sizeof *one; i++) {
        if ((p = s_server(one[i].cert, "", &port, &pfd)) > 0 && port) {
            r = get_at(&c, &err, url, sizeof url, "https://%s:%d/hello.txt", one[i].host, port);
            OK(one[i].want_msg ? r == -EPROTO && strstr(err.msg, one[i].want_msg)
                               : r == 0 && resp.status == 200 && BODY_IS("hello tls\n"), one[i].name);
            cr_http_client_close(&c);
        } else OK(0, "tls: openssl s_server starts");
        stop(p); close(pfd);
    }

    if ((p = s_server("other.crt", "", &port, &pfd)) > 0 && port) {
        r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello.txt", port);
        OK(r == -EPROTO && strstr(err.msg, "certificate is not valid for host 127.0.0.1"), "tls: wrong host (IP)");
        r = get_at(&c, &err, url, sizeof url, "https://localhost:%d/hello.txt", port);
        OK(r == -EPROTO && strstr(err.msg, "certificate is not valid for host localhost"), "tls: wrong host (name)");
        c.insecure = 1;
        r = req(&c, "GET", url, NULL, 0, &err);
        OK(r == 0 && BODY_IS("hello tls\n"), "tls: insecure accepts the wrong name");
        c.insecure = 0;
        cr_http_client_close(&c);
    } else OK(0, "tls: openssl s_server starts");
    stop(p); close(pfd);

    if ((p = s_server("srv.crt", "-Verify 1 -verify_return_error -CAfile ca.crt", &port, &pfd)) > 0 && port) {
        r = get_at(&c, &err, url, sizeof url, "https://127.0.0.1:%d/hello.txt", port);
        OK(r == -EPROTO && strstr(err.msg, "refused the handshake") && strstr(err.msg, "client certificate"),
           "tls: server wants a client certificate: clear error");
        cr_http_client_close(&c);
        /* certs.d: the CA and an EC client certificate for this host:port only */
        snprintf(certsd, sizeof certsd, "%s/certs.d", dir);
        sh_run("mkdir -p %s/127.0.0.1:%d && cp %s/ca.crt %s/client.cert %s/client.key %s/127.0.0.1:%d/",
               certsd, port, dir, dir, dir, certsd, port);
        c.ca_file = NULL;
        c.certs_dir = certsd;
        r = req(&c, "GET", url, NULL, 0, &err);
        OK(r == 0 && BODY_IS("hello tls\n"), "tls: mTLS with an EC key and CA from certs.d/<host:port>");
        cr_http_client_close(&c);
        snprintf(sub, sizeof sub, "%s/127.0.0.1", certsd);   /* no port: the fallback directory */
        sh_run("rm -rf %s/127.0.0.1:%d && mkdir -p %s && cp %s/ca.crt %s/ && cp %s/crsa.cert %s/my.cert && cp %s/crsa.key %s/my.key",
               certsd, port, sub, dir, sub, dir, sub, dir, sub);
        r = req(&c, "GET", url, NULL, 0, &err);
        OK(r == 0 && BODY_IS("hello tls\n"), "tls: mTLS with an RSA key from certs.d/<host>");
        cr_http_client_close(&c);
        sh_run("rm %s/my.cert", sub);
        r = req(&c, "GET", url, NULL, 0, &err);
        OK(r == -ENOENT && strstr(err.msg, "missing my.cert for my.key"), "tls: certs.d key without certificate refused");
        cr_http_client_close(&c);
        c.certs_dir = NULL;
    } else OK(0, "tls: openssl s_server starts");
    stop(p); close(pfd);
    sh_run("rm -rf %s", dir);
}

/* cr serve's names of socket addresses (its log): IPv6 as inet_ntop prints it */
static void test_addr_name(void) {
    static const char *const in[] = { "::1", "::", "fd00::2:0:0:1", "1:0:0:2:0:0:0:3", "2001:db8:0:1:1:1:1:1", "1::", "::ffff:127.0.0.1",
                                      "fe80::1:2", "1:2:3:4:5:6:7:8" };
    struct sockaddr_storage ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    char out[64], want[64], n[INET6_ADDRSTRLEN], why[256] = "";
    size_t i;
    for (i = 0; i < sizeof in / sizeof *in; i++) {
        memset(&ss, 0, sizeof ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(2376);
        inet_pton(AF_INET6, in[i], &a6->sin6_addr);
        inet_ntop(AF_INET6, &a6->sin6_addr, n, sizeof n);
        snprintf(want, sizeof want, "tcp://[%s]:2376", n);
        cr__srv_addr_name(&ss, "tcp://", out, sizeof out);
        if (strcmp(out, want) && !why[0]) snprintf(why, sizeof why, "%s: got %s, want %s", in[i], out, want);
    }
    ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
    ((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(0x7f000001);
    cr__srv_addr_name(&ss, "", out, sizeof out);
    if (strcmp(out, "127.0.0.1:2376") && !why[0]) snprintf(why, sizeof why, "IPv4: got %s", out);
    TAP_OK_WHY(!why[0], "serve: socket addresses are named as inet_ntop names them", why);
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

int main(void) {
    int fds = count_fds();
    setvbuf(stdout, NULL, _IOLBF, 0);
    sh = (shared *)mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) { perror("mmap"); return 1; }
    test_head();
    test_chunked();
    test_url();
    test_plain();
    test_tls();
    test_addr_name();
    TAP_OK(count_fds() == fds, "no file descriptor left open");
    cr_buf_free(&resp.headers);
    cr_buf_free(&body);
    return tap_done();
}
