/* import — a tar of a file system as a one-layer image. */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_import[] =
"usage: cr import FILE|- [IMAGE]\n"
"\n"
"A one-layer image of a tar (plain, gzip or zstd) from FILE or stdin (-).\n";

static int cr_import_file(char **operands, cr_err *err) {
    char id[CR_DIGEST_MAX];
    const char *file = operands[0];
    int r, fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return cr_err_set(err, errno, "open %s: %s", file, strerror(errno));
    r = cr_build_import(&cr_main_store, fd, strcmp(file, "-") ? file : "-", operands[1], id, err);
    if (fd > 0) close(fd);
    if (r < 0) return r;
    printf("%s\n", id);
    return 0;
}

int cr_applet_import(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "FILE [IMAGE]", 0, cr_import_file); }
