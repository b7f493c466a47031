// cr-test: libs=-lbearssl
/* libFuzzer target for what the http section reads from servers and
   redirects: response heads, chunked bodies, URLs with Location resolution,
   the certificate SAN walker and the PEM trust-anchor loader.
   Input: byte 0 picks the target, byte 1 a piece size; the rest is data.
   Heads and chunked bodies are fed whole and in pieces and must come out
   the same both ways. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* HTTP needs libc and BearSSL only */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static void fuzz_head(const char *d, size_t n, size_t step) {
    cr__http_head a, b;
    cr_buf ha = {0}, hb = {0};
    size_t ua = 0, ub = 0, used;
    int ra, rb = 0;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.max = b.max = 4096;
    ra = cr__http_head_feed(&a, d, n, &ua, &ha, NULL);
    while (ub < n && rb == 0) {
        rb = cr__http_head_feed(&b, d + ub, n - ub < step ? n - ub : step, &used, &hb, NULL);
        ub += used;
    }
    if (ra != rb) abort();
    if (ra == 1) {
        cr_http_response r;
        const char *p, *end, *nm, *v;
        size_t nl, vl;
        char buf[32];
        if (ua != ub || a.status != b.status || a.length != b.length || a.chunked != b.chunked || a.close != b.close ||
            ha.len != hb.len || (ha.len && memcmp(ha.data, hb.data, ha.len)))
            abort();
        if (a.status < 100 || a.status > 599 || (a.chunked && a.length != UINT64_MAX)) abort();
        /* the normalised block: "Name: value\r\n" lines, nothing else */
        for (p = ha.data, end = ha.len ? p + ha.len : p; p && cr__http_header_next(&p, end, &nm, &nl, &v, &vl); )
            if (!nl || v + vl + 2 > end || memcmp(v + vl, "\r\n", 2) || cr__http_ctl(v, vl)) abort();
        memset(&r, 0, sizeof r);
        r.headers = ha;
        if (a.length != UINT64_MAX && !cr_http_header(&r, "content-length", buf, sizeof buf)) abort();
    }
    cr_buf_free(&a.raw); cr_buf_free(&b.raw);
    cr_buf_free(&ha); cr_buf_free(&hb);
}

static int decode(const char *d, size_t n, size_t step, cr_buf *out, size_t *consumed) {
    cr__http_chunked c;
    size_t off = 0;
    int r = 0;
    memset(&c, 0, sizeof c);
    while (off < n && r == 0) {
        const char *p;
        size_t used, dl;
        r = cr__http_chunked_feed(&c, d + off, n - off < step ? n - off : step, &used, &p, &dl, NULL);
        if (dl) {
            if (p < d + off || p + dl > d + off + used) abort();    /* data points into what was consumed */
            cr_buf_add(out, p, dl);
        }
        if (r >= 0 && !used && off < n && c.state != CR__CH_DONE) abort();   /* always progresses */
        off += used;
    }
    *consumed = off;
    return r;
}

static void fuzz_chunked(const char *d, size_t n, size_t step) {
    cr_buf a = {0}, b = {0};
    size_t ca, cb;
    int ra = decode(d, n, n ? n : 1, &a, &ca), rb = decode(d, n, step, &b, &cb);
    if (ra != rb || (ra >= 0 && (ca != cb || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len))))) abort();
    cr_buf_free(&a); cr_buf_free(&b);
}

/* "base\nlocation": the base is parsed, the location resolved against it. */
static void fuzz_url(const char *d, size_t n) {
    char *s = (char *)malloc(n + 1), *loc, out[CR_HTTP_URL_MAX], auth[CR__HTTP_AUTH_MAX];
    cr__http_url u, v;
    size_t i;
    memcpy(s, d, n);
    s[n] = 0;
    if ((loc = strchr(s, '\n'))) *loc++ = 0;
    if (cr__http_parse_url(s, &u, NULL) == 0) {
        if (!u.host[0] || !u.port || u.port > 65535 || u.target + u.target_len > s + strlen(s)) abort();
        for (i = 0; i < u.target_len; i++) if ((unsigned char)u.target[i] <= ' ' || (unsigned char)u.target[i] >= 0x7f) abort();
        cr__http_authority(&u, 1, auth, sizeof auth);
        if (strlen(auth) + 1 >= sizeof auth) abort();
        (void)cr__http_loopback(u.host);
        if (loc && cr__http_resolve(s, &u, loc, out, sizeof out) == 0 && cr__http_parse_url(out, &v, NULL) == 0 &&
            loc[0] == '/' && loc[1] != '/' && (v.tls != u.tls || v.port != u.port || strcmp(v.host, u.host)))
            abort();                         /* an absolute path keeps the origin */
    }
    free(s);
}

static void fuzz_san(const char *d, size_t n) {
    static const unsigned char ip[16] = {127, 0, 0, 1};
    (void)cr__tls_cert_has_ip((const unsigned char *)d, n, ip, 4);
    (void)cr__tls_cert_has_ip((const unsigned char *)d, n, ip, 16);
}

static void fuzz_pem(const char *d, size_t n) {
    cr__tls_anchors a;
    cr__tls_cas x;
    memset(&a, 0, sizeof a);
    x.a = &a; x.added = x.skipped = 0;
    if (cr__tls_pem_each(d, n, cr__tls_ca_cb, &x) >= 0 && a.n != x.added) abort();
    cr__tls_anchors_free(&a, 0);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    const char *d = (const char *)data + 2;
    size_t n, step;
    if (size < 2) return 0;
    n = size - 2;
    step = (size_t)data[1] % 64 + 1;
    switch (data[0] % 5) {
    case 0: fuzz_head(d, n, step); break;
    case 1: fuzz_chunked(d, n, step); break;
    case 2: fuzz_url(d, n); break;
    case 3: fuzz_san(d, n); break;
    case 4: fuzz_pem(d, n); break;
    }
    return 0;
}
