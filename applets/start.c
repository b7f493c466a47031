/* start — release a created container's init (runc), or start stopped
   image containers again (Docker). */
#include "../multicall/applets.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_start[] =
"usage: cr start CONTAINER_ID                   (runc's form)\n"
"       cr start [-a] [-i] NAME...              (Docker's form)\n"
"\n"
"runc's form starts a created container: its process runs, poststart hooks\n"
"follow. The Docker form, taken when -a or -i is given, when several operands\n"
"are, or when the operand is an image container (`cr run IMAGE`) of this\n"
"state root, runs stopped image containers again with the same upper dir,\n"
"volumes and network, under a monitor that keeps their --restart policy and\n"
"health check and logs their output (`cr logs`); it prints each name, and\n"
"one already running is left alone.\n"
"\n"
"  -a, --attach        in the foreground: the container's output here, and\n"
"                      its exit status as cr's (one NAME)\n"
"  -i, --interactive   with -a: pass stdin to the container\n";
#define START_OPTIONS(X) \
    X(OPT_ATTACH, "attach", 'a', CR_OPT_FLAG) \
    X(OPT_INTERACTIVE, "interactive", 'i', CR_OPT_FLAG)

static int cr_start_docker(int argc, char **argv) {
    CR_OPTIONS(opts, START_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    int i, status = 0, failed = 0, attach, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    attach = cr_opt_given(&st, OPT_ATTACH) > 0;
    if (attach && st.noperands > 1) return cr_main_usage_error(argv[0], "-a: one NAME only");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_main_gc();
    if (attach && !cr_opt_given(&st, OPT_INTERACTIVE)) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) { dup2(null, 0); close(null); }
    }
    for (i = 0; i < st.noperands; i++) {
        if (cr_ctr_start(&cr_main_runtime, &cr_main_store, st.operands[i], attach ? CR_CTR_START_ATTACH : 0, &status, &err) < 0)
            failed = cr_main_fail_err(argv[0], &err);
        else if (!attach) puts(st.operands[i]);
    }
    return failed ? failed : status;
}

int cr_applet_start(int argc, char **argv) {
    int i, operands = 0, docker = 0;
    const char *first = NULL;
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-') { operands++; if (!first) first = argv[i]; }
        else if (strcmp(argv[i], "--help") && strcmp(argv[i], "-h")) docker = 1;
    }
    if (docker || operands > 1 || (first && cr_ctr_owns(&cr_main_runtime, &cr_main_store, first))) return cr_start_docker(argc, argv);
    return cr_opt_id_applet(argc, argv, cr_container_start);
}
