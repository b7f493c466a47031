/* exec — run a new process inside a running container. */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_exec[] =
"usage: cr exec [OPTIONS] NAME COMMAND [ARG...]              (Docker's form)\n"
"       cr exec [OPTIONS] CONTAINER_ID [COMMAND [ARG...]]     (runc's form)\n"
"\n"
"Run a process in the container's namespaces and cgroup. The Docker form is\n"
"taken when NAME is an image container (`cr run IMAGE`) of this state root,\n"
"or -i, -w/--workdir, --env-file or a combined flag such as -it is given,\n"
"and no option only runc has (--process, --cwd, --cap, --console-socket,\n"
"--pid-file, --preserve-fds, --cgroup, -g ...); else the runc form.\n"
"\n"
"Docker form:\n"
"  -i, --interactive        keep stdin open (without it the process reads nothing)\n"
"  -t, --tty                allocate a pseudo-terminal (and set TERM=xterm)\n"
"  -d, --detach             do not wait for the process\n"
"  -e, --env KEY[=VALUE]    set an environment variable (KEY alone: the caller's value)\n"
"  --env-file FILE          read KEY=VALUE lines (repeatable)\n"
"  -u, --user NAME|UID[:GROUP|GID]  user, by name from the container's /etc/passwd\n"
"  -w, --workdir DIR        working directory (absolute)\n"
"  --detach-keys KEYS       accepted, ignored\n"
"Exits with the process's status; 126 when the command cannot be run, 127\n"
"when it is not found, 1 when cr fails (as docker exec).\n"
"\n"
"runc form: it inherits the container's process settings, changed by the\n"
"options.\n"
"\n"
"  -p, --process FILE       process JSON (runtime-spec `process`) instead of COMMAND\n"
"  -t, --tty                allocate a pseudo-terminal\n"
"  --cwd DIR                working directory\n"
"  -e, --env NAME=VALUE     set an environment variable (repeatable)\n"
"  -u, --user UID[:GID]     user to run as\n"
"  -c, --cap CAP            add a capability (repeatable)\n"
"  -d, --detach             do not wait for the process\n"
"  --pid-file FILE          write the process's pid to FILE\n"
"  --console-socket PATH    unix socket that receives the pty master\n"
"  --preserve-fds N         pass N extra fds to the process\n"
"  --no-new-privs           set no_new_privs for the process\n"
"  --ignore-paused          allow exec into a paused container (it runs once resumed)\n"
"  --cgroup [CTRL[,CTRL]:]PATH  run in this existing sub-cgroup of the container (repeatable)\n"
"  -g, --additional-gids GID    an additional group of the process (repeatable)\n"
"\n"
"Exits with the process's status, or 255 when it could not be started (runc's).\n";
/* process-label and apparmor are runc's, accepted and ignored */
#define EXEC_OPTIONS(X) \
    X(OPT_PROCESS, "process", 'p', CR_OPT_VALUE_IN(process_file)) \
    X(OPT_TTY, "tty", 't', CR_OPT_FLAG_IN(tty)) \
    X(OPT_CWD, "cwd", 0, CR_OPT_VALUE_IN(cwd)) \
    X(OPT_ENV, "env", 'e', CR_OPT_VALUES_IN(env)) \
    X(OPT_USER, "user", 'u', CR_OPT_VALUE_IN(user)) \
    X(OPT_CAP, "cap", 'c', CR_OPT_VALUES_IN(caps)) \
    X(OPT_DETACH, "detach", 'd', CR_OPT_FLAG_IN(detach)) \
    X(OPT_PID_FILE, "pid-file", 0, CR_OPT_VALUE_IN(pid_file)) \
    X(OPT_CONSOLE_SOCKET, "console-socket", 0, CR_OPT_VALUE_IN(console_socket)) \
    X(OPT_PRESERVE_FDS, "preserve-fds", 0, CR_OPT_VALUE) \
    X(OPT_NO_NEW_PRIVS, "no-new-privs", 0, CR_OPT_FLAG_IN(no_new_privs)) \
    X(OPT_PROCESS_LABEL, "process-label", 0, CR_OPT_VALUE) \
    X(OPT_APPARMOR, "apparmor", 0, CR_OPT_VALUE) \
    X(OPT_IGNORE_PAUSED, "ignore-paused", 0, CR_OPT_FLAG_IN(ignore_paused)) \
    X(OPT_CGROUP, "cgroup", 0, CR_OPT_VALUES_IN(cgroups)) \
    X(OPT_ADDITIONAL_GIDS, "additional-gids", 'g', CR_OPT_VALUES_IN(additional_gids))

#define EXEC_DOCKER_OPTIONS(X) \
    X(OPT_D_INTERACTIVE, "interactive", 'i', CR_OPT_FLAG) \
    X(OPT_D_TTY, "tty", 't', CR_OPT_FLAG_IN(tty)) \
    X(OPT_D_DETACH, "detach", 'd', CR_OPT_FLAG_IN(detach)) \
    X(OPT_D_ENV, "env", 'e', CR_OPT_VALUES_IN(env)) \
    X(OPT_D_ENV_FILE, "env-file", 0, CR_OPT_VALUES_IN(env_files)) \
    X(OPT_D_USER, "user", 'u', CR_OPT_VALUE_IN(user)) \
    X(OPT_D_WORKDIR, "workdir", 'w', CR_OPT_VALUE_IN(workdir)) \
    X(OPT_D_DETACH_KEYS, "detach-keys", 0, CR_OPT_VALUE)

/* The Docker form: a Docker-only option, or an image container's name,
   and no option only runc has. */
static int cr_exec_is_runc_option(const char *a) {
    CR_OPTIONS_INTO(runc, EXEC_OPTIONS, cr_exec_opts);
    return cr_opt_match(runc, a) >= 0;
}

static int cr_exec_is_docker_form(int argc, char **argv) {
    CR_OPTIONS_INTO(docker, EXEC_DOCKER_OPTIONS, cr_ctr_exec_opts);
    int i, k, docker_only = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-' || !a[1]) break;
        if (a[1] != '-' && a[2] && strspn(a + 1, "itd") == strlen(a + 1)) { docker_only = 1; continue; }
        if ((k = cr_opt_match(docker, a)) >= 0) {
            if (k == OPT_D_INTERACTIVE || k == OPT_D_WORKDIR || k == OPT_D_ENV_FILE || k == OPT_D_DETACH_KEYS) docker_only = 1;
            if (docker[k].has_arg && !strchr(a, '=')) i++;
        } else if (cr_exec_is_runc_option(a)) return 0;
    }
    return docker_only || (i < argc && cr_ctr_owns(&cr_main_runtime, &cr_main_store, argv[i]));
}

static int cr_exec_docker(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, EXEC_DOCKER_OPTIONS, cr_ctr_exec_opts);
    cr_ctr_exec_opts o = {0};
    cr_optstate st;
    cr_err err = {0};
    int status = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME COMMAND...", CR_OPT_STOP_AT_OPERAND);
    if (rc >= 0) return rc;
    if (st.noperands < 2) return cr_main_usage_error(argv[0], "expected NAME COMMAND [ARG...]");
    cr_opt_into(&st, opts, &o);
    o.args = (const char *const *)st.operands + 1;
    if (!cr_opt_given(&st, OPT_D_INTERACTIVE)) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) { dup2(null, 0); close(null); }
    }
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_ctr_exec(&cr_main_runtime, &cr_main_store, st.operands[0], &o, &status, &err) < 0) {
        cr_main_fail_err(argv[0], &err);
        if (err.kind == CR_ERR_EXEC) return err.code == ENOENT ? 127 : 126;
        return 1;
    }
    return status;
}

int cr_applet_exec(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, EXEC_OPTIONS, cr_exec_opts);
    cr_exec_opts o = {0};
    cr_optstate st;
    cr_err err = {0};
    int status = 0, rc, n;
    char **v;
    if (cr_exec_is_docker_form(argc, argv)) {
        CR_OPTIONS_INTO(docker, EXEC_DOCKER_OPTIONS, cr_ctr_exec_opts);
        if (!(v = cr_opt_split_flags(argc, argv, docker, "itd", &n))) return cr_main_fail(argv[0], "out of memory");
        return cr_exec_docker(n, v);
    }
    /* options end at the container id: what follows belongs to COMMAND */
    if ((rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID [COMMAND...]", CR_OPT_STOP_AT_OPERAND)) >= 0) return rc;
    if (cr_opt_preserve_fds(&st, OPT_PRESERVE_FDS, &o.preserve_fds)) return 1;
    cr_opt_into(&st, opts, &o);
    o.args = (const char **)st.operands + 1;
    if (!o.process_file && !o.args[0]) return cr_main_usage_error(argv[0], "expected a COMMAND or --process FILE");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_exec(&cr_main_runtime, st.operands[0], &o, &status, &err) < 0) { cr_main_fail_err(argv[0], &err); return 255; }
    return status;
}
