/* export — an image container's file system as a tar, as docker export. */
#include "../multicall/applets.h"
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

const char cr_usage_export[] =
"usage: cr export [-o FILE] NAME\n"
"\n"
"Write the file system of an image container (running or stopped) as a\n"
"tar to stdout (refused when it is a terminal), without what the runtime\n"
"mounts there (/proc, /sys, /dev, /etc/hosts, /etc/hostname,\n"
"/etc/resolv.conf) and without its volumes, as docker export.\n"
"\n"
"  -o, --output FILE   write to FILE instead\n";
#define EXPORT_OPTIONS(X) \
    X(OPT_OUTPUT, "output", 'o', CR_OPT_VALUE)

int cr_applet_export(int argc, char **argv) {
    CR_OPTIONS(opts, EXPORT_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    const char *out;
    int fd = 1, rc = cr_opt_parse(&st, argc, argv, opts, "NAME", 0);
    if (rc >= 0) return rc;
    out = cr_opt_value(&st, OPT_OUTPUT);
    if (!out && isatty(1)) return cr_main_usage_error(argv[0], "refusing to write a tar to a terminal (use -o FILE or a redirect)");
    if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) { perror(out); return 1; }
    cr_main_gc();
    rc = cr_ctr_export(&cr_main_runtime, &cr_main_store, st.operands[0], fd, &err);
    if (fd != 1) close(fd);
    return rc < 0 ? cr_main_fail_err(argv[0], &err) : 0;
}
