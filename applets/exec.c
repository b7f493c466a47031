/* exec — run a new process inside a running container. */
#include "../multicall/applets.h"

const char cr_usage_exec[] =
"usage: cr exec [OPTIONS] CONTAINER_ID [COMMAND [ARG...]]\n"
"\n"
"Run a process in the container's namespaces and cgroup. Without --process\n"
"it inherits the container's process settings, changed by the options.\n"
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
    X(OPT_PROCESS, "process", 'p', CR_OPT_VALUE) \
    X(OPT_TTY, "tty", 't', CR_OPT_FLAG) \
    X(OPT_CWD, "cwd", 0, CR_OPT_VALUE) \
    X(OPT_ENV, "env", 'e', CR_OPT_VALUE) \
    X(OPT_USER, "user", 'u', CR_OPT_VALUE) \
    X(OPT_CAP, "cap", 'c', CR_OPT_VALUE) \
    X(OPT_DETACH, "detach", 'd', CR_OPT_FLAG) \
    X(OPT_PID_FILE, "pid-file", 0, CR_OPT_VALUE) \
    X(OPT_CONSOLE_SOCKET, "console-socket", 0, CR_OPT_VALUE) \
    X(OPT_PRESERVE_FDS, "preserve-fds", 0, CR_OPT_VALUE) \
    X(OPT_NO_NEW_PRIVS, "no-new-privs", 0, CR_OPT_FLAG) \
    X(OPT_PROCESS_LABEL, "process-label", 0, CR_OPT_VALUE) \
    X(OPT_APPARMOR, "apparmor", 0, CR_OPT_VALUE) \
    X(OPT_IGNORE_PAUSED, "ignore-paused", 0, CR_OPT_FLAG) \
    X(OPT_CGROUP, "cgroup", 0, CR_OPT_VALUE) \
    X(OPT_ADDITIONAL_GIDS, "additional-gids", 'g', CR_OPT_VALUE)

int cr_applet_exec(int argc, char **argv) {
    CR_OPTIONS(opts, EXEC_OPTIONS);
    cr_exec_opts o = {0};
    cr_optstate st;
    cr_err err = {0};
    int status = 0, rc;
    /* options end at the container id: what follows belongs to COMMAND */
    if ((rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID [COMMAND...]", CR_OPT_STOP_AT_OPERAND)) >= 0) return rc;
    if (cr_opt_preserve_fds(&st, OPT_PRESERVE_FDS, &o.preserve_fds)) return 1;
    o.process_file = cr_opt_value(&st, OPT_PROCESS);
    o.tty = cr_opt_given(&st, OPT_TTY) > 0;
    o.cwd = cr_opt_value(&st, OPT_CWD);
    o.env = cr_opt_values(&st, OPT_ENV);
    o.user = cr_opt_value(&st, OPT_USER);
    o.caps = cr_opt_values(&st, OPT_CAP);
    o.detach = cr_opt_given(&st, OPT_DETACH) > 0;
    o.pid_file = cr_opt_value(&st, OPT_PID_FILE);
    o.console_socket = cr_opt_value(&st, OPT_CONSOLE_SOCKET);
    o.no_new_privs = cr_opt_given(&st, OPT_NO_NEW_PRIVS) > 0;
    o.ignore_paused = cr_opt_given(&st, OPT_IGNORE_PAUSED) > 0;
    o.cgroups = cr_opt_values(&st, OPT_CGROUP);
    o.additional_gids = cr_opt_values(&st, OPT_ADDITIONAL_GIDS);
    o.args = (const char **)st.operands + 1;
    if (!o.process_file && !o.args[0]) return cr_main_usage_error(argv[0], "expected a COMMAND or --process FILE");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_exec(&cr_main_runtime, st.operands[0], &o, &status, &err) < 0) { cr_main_fail_err(argv[0], &err); return 255; }
    return status;
}
