/* serve — the Docker Engine API on a unix socket or TCP with TLS, for docker, SDKs, Compose. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_serve[] =
"usage: cr serve [--socket PATH] [--group GROUP]\n"
"       cr serve --tcp ADDR:PORT --tls-cert FILE --tls-key FILE [--tls-ca FILE] [--socket PATH]\n"
"\n"
"Serve the Docker Engine API (the docker CLI, Docker SDKs) on a unix socket\n"
"until SIGTERM or SIGINT. Each connection is served by a process of its own;\n"
"the containers are cr's image containers in the same store and state root,\n"
"so `cr ps` and `docker ps` show the same ones. Use it with\n"
"DOCKER_HOST=unix://PATH. Access to the socket is root on the host.\n"
"With systemd socket activation (LISTEN_FDS=1, LISTEN_PID this process) it\n"
"serves fd 3 instead of making a socket.\n"
"\n"
"With --tcp it listens on TCP instead (and on the socket too if --socket is\n"
"given), every connection TLS 1.2 with the certificate and key given (PEM,\n"
"RSA or EC): `docker --tlsverify --tlscacert ca.pem --tlscert cert.pem\n"
"--tlskey key.pem -H tcp://ADDR:PORT`. With --tls-ca a client must present\n"
"a certificate signed by one of its CAs (Docker's --tlsverify); without it,\n"
"whoever reaches the port is root on the host.\n"
"\n"
"  --socket PATH      the socket (default /run/cr/docker.sock, or\n"
"                     $XDG_RUNTIME_DIR/cr/docker.sock rootless: <state root>/docker.sock)\n"
"  --group GROUP      group that may use the socket (mode 0660; default root)\n"
"  --tcp ADDR:PORT    listen on TCP (tcp://ADDR:PORT and [IPv6]:PORT too; port 0:\n"
"                     a free one, printed); refused without --tls-cert/--tls-key\n"
"  --tls-cert FILE    PEM certificate chain of the server, its own first\n"
"  --tls-key FILE     PEM private key of that certificate (RSA or EC, unencrypted)\n"
"  --tls-ca FILE      PEM CA certificates: clients must present a certificate they signed\n"
"  --insecure-tcp     allow --tcp without TLS: plain HTTP, root for anyone who can connect\n";
#define SERVE_OPTIONS(X) \
    X(OPT_SOCKET, "socket", 0, CR_OPT_VALUE_IN(socket)) \
    X(OPT_GROUP, "group", 'G', CR_OPT_VALUE_IN(group)) \
    X(OPT_TCP, "tcp", 0, CR_OPT_VALUE_IN(tcp)) \
    X(OPT_TLS_CERT, "tls-cert", 0, CR_OPT_VALUE_IN(tls_cert)) \
    X(OPT_TLS_KEY, "tls-key", 0, CR_OPT_VALUE_IN(tls_key)) \
    X(OPT_TLS_CA, "tls-ca", 0, CR_OPT_VALUE_IN(tls_ca)) \
    X(OPT_INSECURE_TCP, "insecure-tcp", 0, CR_OPT_FLAG_IN(insecure_tcp))

static void cr_serve_ready(void *user, const char *socket) {
    (void)user;
    fprintf(stderr, "cr serve: listening on %s\n", socket);
}

int cr_applet_serve(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, SERVE_OPTIONS, cr_serve_opts);
    cr_optstate st;
    cr_serve_opts o;
    cr_err err = {0};
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    memset(&o, 0, sizeof o);
    cr_opt_into(&st, opts, &o);
    if (st.noperands) return cr_main_usage_error(argv[0], "unexpected operand \"%s\"", st.operands[0]);
    if (pid && fds && atoi(pid) == (int)getpid() && atoi(fds) >= 1) o.listen_fd = 3;
    if (o.tcp && !o.tls_cert && !o.tls_key && !o.insecure_tcp)
        return cr_main_fail(argv[0], "--tcp %s without --tls-cert and --tls-key: refused, since anyone who can connect "
                                     "would be root on this host (--insecure-tcp allows plain HTTP)", o.tcp);
    /* exec into containers must not expose this binary (CVE-2019-5736) */
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (o.tcp && o.insecure_tcp && !o.tls_cert)
        fprintf(stderr, "cr serve: WARNING: --insecure-tcp: the API on %s is plain HTTP without authentication: "
                        "anyone who can connect to it is root on this host\n", o.tcp);
    else if (o.tcp && o.tls_cert && !o.tls_ca)
        fprintf(stderr, "cr serve: WARNING: no --tls-ca: any client that can connect to %s is root on this host\n", o.tcp);
    o.ready = cr_serve_ready;
    cr_main_gc();
    if (cr_serve_run(&cr_main_runtime, &cr_main_store, &o, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
