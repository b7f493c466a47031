/* exec — run a new process inside a running container. */
#include "../multicall/applets.h"
#include <stdlib.h>

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
"  -g, --additional-gids GID    an additional group of the process (repeatable)\n";

int cr_applet_exec(int argc, char **argv) {
    static const cr_opt opts[] = { {"process", 'p', 1}, {"tty", 't', 0}, {"cwd", 0, 1}, {"env", 'e', 1},
                                   {"user", 'u', 1}, {"cap", 'c', 1}, {"detach", 'd', 0}, {"pid-file", 0, 1},
                                   {"console-socket", 0, 1}, {"preserve-fds", 0, 1}, {"no-new-privs", 0, 0},
                                   {"process-label", 0, 1}, {"apparmor", 0, 1}, {"ignore-paused", 0, 0},
                                   {"cgroup", 0, 1}, {"additional-gids", 'g', 1}, {0, 0, 0} };
    cr_exec_opts o = {0};
    cr_optstate st;
    cr_err err = {0};
    const char **env = calloc((size_t)argc + 1, sizeof *env), **caps = calloc((size_t)argc + 1, sizeof *caps);
    const char **cgroups = calloc((size_t)argc + 1, sizeof *cgroups), **gids = calloc((size_t)argc + 1, sizeof *gids);
    int k, nenv = 0, ncaps = 0, ncgroups = 0, ngids = 0, status = 0;
    if (!env || !caps || !cgroups || !gids) return cr_main_fail(argv[0], "out of memory");
    /* options end at the container id: what follows belongs to COMMAND */
    cr_opt_begin(&st, argc, argv);
    st.stop_at_operand = 1;
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        switch (k) {
        case 0: o.process_file = st.value; break;
        case 1: o.tty = 1; break;
        case 2: o.cwd = st.value; break;
        case 3: env[nenv++] = st.value; break;
        case 4: o.user = st.value; break;
        case 5: caps[ncaps++] = st.value; break;
        case 6: o.detach = 1; break;
        case 7: o.pid_file = st.value; break;
        case 8: o.console_socket = st.value; break;
        case 9: o.preserve_fds = atoi(st.value); break;
        case 10: o.no_new_privs = 1; break;
        case 13: o.ignore_paused = 1; break;
        case 14: cgroups[ncgroups++] = st.value; break;
        case 15: gids[ngids++] = st.value; break;
        }
    }
    if (st.noperands == 0) {
        if (k == -3) return 0;
        if (k == -2) return 1;
        return cr_main_usage_error(argv[0], "expected CONTAINER_ID [COMMAND...]");
    }
    o.env = nenv ? env : NULL;
    o.caps = ncaps ? caps : NULL;
    o.cgroups = ncgroups ? cgroups : NULL;
    o.additional_gids = ngids ? gids : NULL;
    o.args = (const char **)&st.argv[st.i];
    if (!o.process_file && st.i >= argc) return cr_main_usage_error(argv[0], "expected a COMMAND or --process FILE");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    /* runc's exit status when exec fails */
    if (cr_container_exec(&cr_main_runtime, st.operands[0], &o, &status, &err) < 0) { cr_main_fail_err(argv[0], &err); return 255; }
    return status;
}
