// cr-test: libs=-lbearssl
/* libFuzzer target for what cr serve's TLS relay reads from a client before
   BearSSL does: the record framing of cr__tls_net_in (record heads split
   anywhere, lengths, and the alert records the relay opens itself once the
   handshake is done, opened here by a null cipher that takes every record,
   so that any alert body reaches that code). The server key is an EC key made from
   a fixed seed (no handshake completes, so the certificate is a stub).
   Input: byte 0 bit 0: the handshake counts as done; byte 1: the size of
   the pieces the client's bytes arrive in; the rest: what the client sends. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* TLS needs libc and BearSSL only */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static cr__tls_server srv;
static unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
static unsigned char stub[] = {0x30, 0x00};
static br_x509_certificate chain = {stub, sizeof stub};

/* The engine's incoming cipher once the handshake is "done": none. */
static int null_check(const br_sslrec_in_class *const *ctx, size_t len) { (void)ctx; return len <= 16384; }
static unsigned char *null_decrypt(const br_sslrec_in_class **ctx, int type, unsigned version, void *payload, size_t *len) {
    (void)ctx; (void)type; (void)version; (void)len;
    return (unsigned char *)payload;
}
static const br_sslrec_in_class null_in = { 0, null_check, null_decrypt };

static void init_once(void) {
    br_hmac_drbg_context rng;
    if (srv.id.nchain) return;
    br_hmac_drbg_init(&rng, &br_sha256_vtable, "cr fuzz", 7);
    if (!br_ec_keygen(&rng.vtable, br_ec_get_default(), &srv.id.key.key.ec, kbuf, BR_EC_secp256r1)) abort();
    srv.id.key.key_type = BR_KEYTYPE_EC;
    srv.id.chain = &chain;
    srv.id.nchain = 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
    static cr__tls_conn k;
    size_t off = 2, step;
    int sp[2], r = 1;
    if (size < 2) return 0;
    init_once();
    step = data[1] ? data[1] : 1;
    if (cr__tls_conn_init(&k, &srv) < 0) abort();
    if ((k.ready = data[0] & 1)) k.sc.eng.in.vtable = &null_in;
    k.hlen = k.need = k.alen = 0;
    k.alert = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0) abort();
    while (off < size && r >= 0) {
        size_t n = size - off < step ? size - off : step;
        if (send(sp[1], data + off, n, MSG_NOSIGNAL) != (ssize_t)n) break;     /* full: the engine takes no more */
        off += n;
        /* what has come, as the relay takes it: while the engine wants records */
        while ((br_ssl_engine_current_state(&k.sc.eng) & BR_SSL_RECVREC) && (r = cr__tls_net_in(&k, sp[0])) > 0)
            if (k.hlen > 5 || (k.alert && (k.need > sizeof k.abuf || k.alen > k.need))) abort();
        if (br_ssl_engine_current_state(&k.sc.eng) & BR_SSL_CLOSED) break;
        if (r == 0) r = 1;
    }
    close(sp[0]);
    close(sp[1]);
    return 0;
}
