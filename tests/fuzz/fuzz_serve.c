// cr-test: libs=-lbearssl
/* libFuzzer target for what cr serve reads from clients: the request head
   parser (request line, headers, framing, the /v1.NN prefix), query
   arguments, X-Registry-Auth (base64url JSON), and whole requests with JSON bodies fed through one
   connection (cr_serve_conn on a socketpair) against an empty state root
   and store, so that no request may crash it or make it hang; and the
   websocket frames a client sends to attach/ws, fed in pieces.
   Input: byte 0 picks the target (and the pieces' size); the rest is data. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* no container runs: an empty store has no image */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static void fuzz_head(const char *d, size_t n) {
    cr__srv_req q;
    char v[256];
    memset(&q, 0, sizeof q);
    if (cr__srv_parse_head(&q, d, n, NULL) == 0) {
        if (q.path[0] != '/' || strlen(q.method) >= sizeof q.method) abort();
        if (q.chunked && q.length != UINT64_MAX) abort();
        cr__srv_arg(&q, "name", v, sizeof v);
        cr__srv_arg(&q, "filters", v, sizeof v);
        cr__srv_flag(&q, "all");
        cr__srv_num(&q, "t", 0);
        {   /* repeated arguments (t=, names=) and X-Registry-Auth */
            cr__strv all;
            int i;
            memset(&all, 0, sizeof all);
            cr__srv_args(&q, "t", &all);
            for (i = 0; i < all.n; i++) if (!all.v[i][0]) abort();
            cr__strv_free(&all);
            if (cr__srv_creds(&q, v, sizeof v) && !strchr(v, ':')) abort();
        }
    }
    cr_buf_free(&q.hdrs);
}

static char fuzz_top[64];   /* fuzz-serve-PID in /tmp: the state root and store, removed at exit */
static void fuzz_cleanup(void) {
    int tmp = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (tmp >= 0) cr__rm_rf(tmp, fuzz_top);
    if (tmp >= 0) close(tmp);
}

/* A whole connection: the server's answers are drained and dropped. */
static void fuzz_conn(const char *d, size_t n) {
    static cr_runtime rt;
    static cr_store st;
    static char root[64], store[64];
    int sv[2];
    pid_t pid;
    char buf[4096];
    if (!root[0]) {
        snprintf(fuzz_top, sizeof fuzz_top, "fuzz-serve-%d", (int)getpid());
        atexit(fuzz_cleanup);
        snprintf(root, sizeof root, "/tmp/fuzz-serve-%d/state", (int)getpid());
        snprintf(store, sizeof store, "/tmp/fuzz-serve-%d/store", (int)getpid());
        cr__mkdir_p(root, 0700);
        cr__mkdir_p(store, 0700);
        rt.root = root;
        st.root = store;
        snprintf(buf, sizeof buf, "%s/@serve", root);
        cr__mkdir_p(buf, 0700);
        signal(SIGPIPE, SIG_IGN);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return;
    /* the server in a child: what it forks or waits for stays out of the fuzzer */
    if ((pid = fork()) == 0) {
        close(sv[0]);
        alarm(5);
        cr_serve_conn(&rt, &st, sv[1]);
        _exit(0);
    }
    close(sv[1]);
    {   /* streams (events, wait) end once the client is gone: give up after 100 ms of silence */
        struct timeval tv = { 0, 100000 };
        setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    if (n) (void)!write(sv[0], d, n);
    shutdown(sv[0], SHUT_WR);
    while (read(sv[0], buf, sizeof buf) > 0) ;
    close(sv[0]);
    waitpid(pid, NULL, 0);
}

/* Client frames in pieces of 1 to 64 bytes: never more out than in, a header never beyond its 14 bytes. */
static void fuzz_ws(const char *d, size_t n, size_t piece) {
    unsigned char buf[64];
    cr__ws s;
    size_t i, k;
    ssize_t r;
    memset(&s, 0, sizeof s);
    for (i = 0; i < n; i += k) {
        k = n - i < piece ? n - i : piece;
        memcpy(buf, d + i, k);
        if ((r = cr__ws_decode(&s, -1, buf, k)) < 0) break;
        if ((size_t)r > k || s.hlen >= 14 || s.mpos < 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 65536) return 0;
    if (data[0] & 1) fuzz_conn((const char *)data + 1, size - 1);
    else if (data[0] & 2) fuzz_ws((const char *)data + 1, size - 1, (size_t)(data[0] >> 2) + 1);
    else fuzz_head((const char *)data + 1, size - 1);
    return 0;
}
