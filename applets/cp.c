/* cp — copy files between an image container and the host, as docker cp. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_cp[] =
"usage: cr cp NAME:PATH DEST|-\n"
"       cr cp SRC|- NAME:PATH\n"
"\n"
"Copy a file or directory out of an image container or into it, as\n"
"docker cp: PATH is resolved in the container's root (its symlinks never\n"
"lead out of it). When the destination is a directory the source lands in\n"
"it under its own name; otherwise it is made (its parent must exist) or\n"
"replaced. `-` is a tar stream: written to stdout, or unpacked from stdin\n"
"into the directory NAME:PATH. An argument is a container's path when a\n"
"colon comes before any slash. A stopped container works too: its root is\n"
"mounted for the copy only (not its volumes), and a start waits for it.\n";

/* NAME:PATH: container NAME; else a host path. */
static void cp_end(char *arg, cr_ctr_cp_end *e) {
    char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
    memset(e, 0, sizeof *e);
    e->path = arg;
    if (colon && colon != arg && (!slash || colon < slash)) {
        *colon = 0;
        e->container = arg;
        e->path = *(colon + 1) ? colon + 1 : "/";
    }
}

int cr_applet_cp(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    cr_ctr_cp_end from, to;
    int rc = cr_opt_parse(&st, argc, argv, NULL, "SRC DEST", 0);
    if (rc >= 0) return rc;
    cp_end(st.operands[0], &from);
    cp_end(st.operands[1], &to);
    if (!from.container == !to.container)
        return cr_main_usage_error(argv[0], "exactly one of SRC and DEST must be NAME:PATH");
    cr_main_gc();
    if (cr_ctr_copy(&cr_main_runtime, &cr_main_store, &from, &to, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
