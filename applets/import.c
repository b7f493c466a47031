/* import — a tar of a file system as a one-layer image. */
#include "../multicall/applets.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_import[] =
"usage: cr import FILE|- [IMAGE]\n"
"\n"
"A one-layer image of a tar (plain, gzip or zstd) from FILE or stdin (-).\n";

int cr_applet_import(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    char id[CR_DIGEST_MAX];
    const char *file;
    int fd, r, rc = cr_opt_parse(&st, argc, argv, NULL, "FILE [IMAGE]", 0);
    if (rc >= 0) return rc;
    file = st.operands[0];
    fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return cr_main_fail(argv[0], "open %s: %m", file);
    r = cr_build_import(&cr_main_store, fd, strcmp(file, "-") ? file : "-", st.operands[1], id, &err);
    if (fd > 0) close(fd);
    if (r < 0) return cr_main_fail_err(argv[0], &err);
    printf("%s\n", id);
    return 0;
}
