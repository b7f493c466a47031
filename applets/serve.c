/* serve — the Docker Engine API on a unix socket, for docker, SDKs, Compose. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_serve[] =
"usage: cr serve [--socket PATH] [--group GROUP]\n"
"\n"
"Serve the Docker Engine API (the docker CLI, Docker SDKs) on a unix socket\n"
"until SIGTERM or SIGINT. Each connection is served by a process of its own;\n"
"the containers are cr's image containers in the same store and state root,\n"
"so `cr ps` and `docker ps` show the same ones. Use it with\n"
"DOCKER_HOST=unix://PATH. Access to the socket is root on the host.\n"
"With systemd socket activation (LISTEN_FDS=1, LISTEN_PID this process) it\n"
"serves fd 3 instead of making a socket.\n"
"\n"
"  --socket PATH   the socket (default /run/cr/docker.sock, or\n"
"                  $XDG_RUNTIME_DIR/cr/docker.sock rootless: <state root>/docker.sock)\n"
"  --group GROUP   group that may use the socket (mode 0660; default root)\n";
#define SERVE_OPTIONS(X) \
    X(OPT_SOCKET, "socket", 0, CR_OPT_VALUE) \
    X(OPT_GROUP, "group", 'G', CR_OPT_VALUE)

static void cr_serve_ready(void *user, const char *socket) {
    (void)user;
    fprintf(stderr, "cr serve: listening on %s\n", socket);
}

int cr_applet_serve(int argc, char **argv) {
    CR_OPTIONS(opts, SERVE_OPTIONS);
    cr_optstate st;
    cr_serve_opts o = {0};
    cr_err err = {0};
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int id, rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    while ((id = cr_opt_next(&st)) >= 0) {
        if (id == OPT_SOCKET) o.socket = st.value;
        else if (id == OPT_GROUP) o.group = st.value;
    }
    if (st.noperands) return cr_main_usage_error(argv[0], "unexpected operand \"%s\"", st.operands[0]);
    if (pid && fds && atoi(pid) == (int)getpid() && atoi(fds) >= 1) o.listen_fd = 3;
    /* exec into containers must not expose this binary (CVE-2019-5736) */
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    o.ready = cr_serve_ready;
    cr_main_gc();
    if (cr_serve_run(&cr_main_runtime, &cr_main_store, &o, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
