/* spec — write a default config.json to start a bundle from. */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_spec[] =
"usage: cr spec [-b|--bundle DIR] [--rootless] [--seccomp-default]\n"
"\n"
"Write a default config.json into the bundle directory (default: current\n"
"directory). It runs `sh` on a terminal in new namespaces.\n"
"\n"
"  -b, --bundle DIR   where to write config.json\n"
"  --rootless         a config for unprivileged users (user namespace, no network ns)\n"
"  --seccomp-default  add Docker's default seccomp profile (linux.seccomp)\n";

int cr_applet_spec(int argc, char **argv) {
    static const cr_opt opts[] = { {"bundle", 'b', 1}, {"rootless", 0, 0}, {"seccomp-default", 0, 0}, {0, 0, 0} };
    const char *bundle = ".";
    cr_optstate st;
    cr_buf b = {0};
    cr_err err = {0};
    char path[4096];
    int k, flags = 0, dir;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        if (k == 0) bundle = st.value;
        else flags |= k == 1 ? CR_SPEC_ROOTLESS : CR_SPEC_SECCOMP;
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands) return cr_main_usage_error(argv[0], "takes no operands");
    snprintf(path, sizeof path, "%s/config.json", bundle);
    if (access(path, F_OK) == 0) return cr_main_fail(argv[0], "%s: already exists; remove it first", path);
    cr_spec_default(&b, flags);
    dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return cr_main_fail(argv[0], "bundle \"%s\": %s", bundle, strerror(errno));
    k = cr_util_write_atomic(dir, "config.json", b.data, b.len, &err);
    close(dir);
    cr_buf_free(&b);
    if (k < 0) return cr_main_fail(argv[0], "%s: %s", path, err.msg);
    return 0;
}
