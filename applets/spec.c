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
#define SPEC_OPTIONS(X) \
    X(OPT_BUNDLE, "bundle", 'b', CR_OPT_VALUE) \
    X(OPT_ROOTLESS, "rootless", 0, CR_OPT_FLAG) \
    X(OPT_SECCOMP_DEFAULT, "seccomp-default", 0, CR_OPT_FLAG)

int cr_applet_spec(int argc, char **argv) {
    CR_OPTIONS(opts, SPEC_OPTIONS);
    const char *bundle;
    cr_optstate st;
    cr_buf b = {0};
    cr_err err = {0};
    char path[4096];
    int k, flags = 0, dir, rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    bundle = cr_opt_value_or(&st, OPT_BUNDLE, ".");
    if (cr_opt_given(&st, OPT_ROOTLESS)) flags |= CR_SPEC_ROOTLESS;
    if (cr_opt_given(&st, OPT_SECCOMP_DEFAULT)) flags |= CR_SPEC_SECCOMP;
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
