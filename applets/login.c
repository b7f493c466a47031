/* login — check registry credentials, then store them for pull. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

const char cr_usage_login[] =
"usage: cr login [OPTIONS] REGISTRY\n"
"\n"
"Log in to REGISTRY (host[:port], docker.io): the credentials are checked\n"
"with the registry (GET /v2/ with Basic auth, or its token server) and only\n"
"then stored, in Docker's format, where cr pull finds them. Missing user\n"
"name and password are asked for on a terminal (the password without echo).\n"
"\n"
"  -u, --username USER     user name\n"
"  -p, --password PASS     password (other users can see it in ps: prefer --password-stdin)\n"
"  --password-stdin        read the password from standard input\n"
"  --authfile FILE         credentials file (default ~/.docker/config.json)\n"
"  --tls-verify=false      allow plain HTTP and unverified TLS for any registry\n"
"  --cert-dir DIR          CA and client certificates (DIR/HOST:PORT/*.crt, client.cert/.key)\n";
#define LOGIN_OPTIONS(X) \
    X(OPT_USERNAME, "username", 'u', CR_OPT_VALUE) \
    X(OPT_PASSWORD, "password", 'p', CR_OPT_VALUE) \
    X(OPT_PASSWORD_STDIN, "password-stdin", 0, CR_OPT_FLAG) \
    X(OPT_AUTHFILE, "authfile", 0, CR_OPT_VALUE) \
    CR_REGISTRY_TLS_OPTIONS(X)

/* One line of stdin without its line end; echo off while a terminal reads it. */
static int cr_login_line(const char *prompt, int echo, char *buf, size_t n) {
    struct termios old, quiet;
    int tty = prompt && isatty(0) && tcgetattr(0, &old) == 0, ok;
    size_t len;
    /* echo goes off before the prompt shows, and without a flush: what is
       typed as soon as the prompt appears is kept, not thrown away */
    if (tty && !echo) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSANOW, &quiet);
    }
    if (prompt) { fputs(prompt, stderr); fflush(stderr); }
    ok = fgets(buf, (int)n, stdin) != NULL;
    if (tty && !echo) { tcsetattr(0, TCSANOW, &old); fputc('\n', stderr); }
    if (!ok) return -1;
    len = strcspn(buf, "\r\n");
    if (!buf[len] && !feof(stdin)) return -2;   /* no line end within n bytes */
    buf[len] = 0;
    return 0;
}

int cr_applet_login(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, LOGIN_OPTIONS, cr_login_opts);
    static char user[256], pass[4096];
    char file[4096];
    const char *u, *p, *authfile;
    cr_login_opts o;
    cr_optstate st;
    cr_err err = {0};
    int from_stdin, r = cr_opt_parse(&st, argc, argv, opts, "REGISTRY", 0);
    if (r >= 0) return r;
    memset(&o, 0, sizeof o);
    u = cr_opt_value(&st, OPT_USERNAME);
    p = cr_opt_value(&st, OPT_PASSWORD);
    from_stdin = cr_opt_given(&st, OPT_PASSWORD_STDIN) > 0;
    authfile = cr_opt_value(&st, OPT_AUTHFILE);
    cr_opt_into(&st, opts, &o);
    if (cr_opt_tls_verify(&st, OPT_TLS_VERIFY, &o.insecure)) return 1;
    o.insecure_hosts = cr_conf_list(&cr_main_conf, CR_CONF_INSECURE);
    if (p && from_stdin) return cr_main_usage_error(argv[0], "--password and --password-stdin are mutually exclusive");
    if (from_stdin && !u) return cr_main_usage_error(argv[0], "--password-stdin needs --username");
    if (p) fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (!u) {
        if (!isatty(0)) return cr_main_fail(argv[0], "no user name given: use --username");
        if (cr_login_line("Username: ", 1, user, sizeof user) < 0 || !user[0]) return cr_main_fail(argv[0], "no user name given");
        u = user;
    }
    if (from_stdin || !p) {
        if (!from_stdin && !isatty(0)) return cr_main_fail(argv[0], "no password given: use --password-stdin or --password");
        r = cr_login_line(from_stdin ? NULL : "Password: ", 0, pass, sizeof pass);
        if (r == -2) return cr_main_fail(argv[0], "password longer than %zu bytes", sizeof pass - 2);
        if (r < 0 || !pass[0]) return cr_main_fail(argv[0], "no password given");
        p = pass;
    }
    if (!authfile) authfile = cr_auth_default_file(file, sizeof file);
    o.user = u;
    o.pass = p;
    r = cr_image_login(st.operands[0], &o, &err);
    if (r == 0 && cr_auth_store(authfile, st.operands[0], u, p, &err) < 0) { cr_err_wrap(&err, "login %s", st.operands[0]); r = -1; }
    explicit_bzero(pass, sizeof pass);
    if (r < 0) return cr_main_fail_err(argv[0], &err);
    printf("Login Succeeded\n");
    return 0;
}
