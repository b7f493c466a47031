/* ps — the processes of a container, from its cgroup. */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char cr_usage_ps[] =
"usage: cr ps [-f|--format table|json] CONTAINER_ID [PS_OPTION...]\n"
"\n"
"List the processes in the container's cgroup: the host's ps (with\n"
"PS_OPTION..., default -ef) showing only the container's lines, as runc does.\n"
"\n"
"  -f, --format FMT   table (default) or json (a list of pids)\n";
#define PS_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)

static int cr_ps_listed(const char *field, const pid_t *pids, size_t n) {
    char *end;
    long pid = strtol(field, &end, 10);
    size_t i;
    if (end == field) return 0;
    for (i = 0; i < n; i++) if (pids[i] == pid) return 1;
    return 0;
}

/* Runs the host's ps with args (default -ef) and prints its header and the
   lines whose PID column is one of pids. */
static int cr_ps_table(const char *applet, char **args, int nargs, const pid_t *pids, size_t n) {
    char **argv = calloc((size_t)nargs + 3, sizeof *argv), line[8192];
    int fd[2], i, col = -1, status = 0;
    pid_t child;
    FILE *f;
    if (!argv || pipe2(fd, O_CLOEXEC) < 0) return cr_main_fail(applet, "cannot run ps: %s", strerror(errno));
    argv[0] = "ps";
    for (i = 0; i < nargs; i++) argv[i + 1] = args[i];
    if (!nargs) argv[1] = "-ef";
    if ((child = fork()) == 0) {
        dup2(fd[1], 1);
        execvp("ps", argv);
        _exit(127);
    }
    close(fd[1]);
    free(argv);
    if (child < 0 || !(f = fdopen(fd[0], "r"))) { close(fd[0]); return cr_main_fail(applet, "cannot run ps: %s", strerror(errno)); }
    if (fgets(line, sizeof line, f)) {
        char copy[sizeof line], *tok, *save = NULL;
        fputs(line, stdout);
        snprintf(copy, sizeof copy, "%s", line);
        for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), i++)
            if (!strcmp(tok, "PID")) { col = i; break; }
    }
    while (col >= 0 && fgets(line, sizeof line, f)) {
        char copy[sizeof line], *tok, *save = NULL;
        snprintf(copy, sizeof copy, "%s", line);
        for (i = 0, tok = strtok_r(copy, " \t\n", &save); tok && i < col; tok = strtok_r(NULL, " \t\n", &save)) i++;
        if (tok && cr_ps_listed(tok, pids, n)) fputs(line, stdout);
    }
    fclose(f);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) ;
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return cr_main_fail(applet, "ps failed (status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    if (col < 0) return cr_main_fail(applet, "couldn't find PID field in ps output");
    return 0;
}

int cr_applet_ps(int argc, char **argv) {
    CR_OPTIONS(opts, PS_OPTIONS);
    cr_optstate st;
    cr_state cs;
    cr_err err = {0};
    pid_t *pids = NULL;
    size_t n = 0, i;
    int json = 0, r = 0, nargs;
    /* what follows the container id goes to ps */
    int rc = cr_opt_parse(&st, argc, argv, opts, "CONTAINER_ID [PS_OPTION...]", CR_OPT_STOP_AT_OPERAND);
    if (rc >= 0) return rc;
    while (cr_opt_next(&st) == OPT_FORMAT)
        if (cr_opt_format(argv[0], st.value, &json) < 0) return 1;
    if (cr_state_load(&cr_main_runtime, st.operands[0], &cs, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cs.status != CR_STOPPED && cs.cgroup[0] && cr_cgroup_pids(cs.cgroup, &pids, &n, &err) < 0) {
        cr_state_free(&cs);
        return cr_main_fail_err(argv[0], &err);
    }
    if (json) {
        printf("[");
        for (i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
    } else {
        fflush(stdout);
        for (nargs = 0; st.operands[1 + nargs]; nargs++) ;
        r = cr_ps_table(argv[0], st.operands + 1, nargs, pids, n);
    }
    cr_util_free(pids);
    cr_state_free(&cs);
    return r;
}
