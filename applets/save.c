/* save — write images of the store into a tar archive. */
#define _GNU_SOURCE   /* mkostemp */
#include "../multicall/applets.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_save[] =
"usage: cr save [-o FILE] [--format docker-archive|oci-archive] IMAGE...\n"
"\n"
"Write IMAGEs (names or ids in the store) as one tar archive to FILE or\n"
"stdout (refused when it is a terminal).\n"
"docker-archive (default) is what docker save writes: manifest.json,\n"
"repositories and an OCI layout, layers uncompressed; docker load, podman\n"
"load and cr load take it. oci-archive is an OCI image layout with the\n"
"blobs as stored, each image named by its reference.\n"
"\n"
"  -o, --output FILE             write to FILE (replaced once complete)\n"
"  --format docker-archive|oci-archive\n";
#define SAVE_OPTIONS(X) \
    X(OPT_OUTPUT, "output", 'o', CR_OPT_VALUE) \
    X(OPT_FORMAT, "format", 0, CR_OPT_VALUE)

int cr_applet_save(int argc, char **argv) {
    CR_OPTIONS(opts, SAVE_OPTIONS);
    cr_save_opts o;
    cr_optstate st;
    cr_err err = {0};
    const char *out, *fmt;
    char tmp[4096];
    int fd = 1, r = cr_opt_parse(&st, argc, argv, opts, "IMAGE...", 0);
    if (r >= 0) return r;
    memset(&o, 0, sizeof o);
    out = cr_opt_value(&st, OPT_OUTPUT);
    if ((fmt = cr_opt_value(&st, OPT_FORMAT))) {
        if (!strcmp(fmt, "oci-archive")) o.format = CR_SAVE_OCI_ARCHIVE;
        else if (strcmp(fmt, "docker-archive")) return cr_main_usage_error(argv[0], "--format: expected docker-archive or oci-archive, not \"%s\"", fmt);
    }
    if (!out && isatty(1)) return cr_main_usage_error(argv[0], "refusing to write an archive to a terminal: use -o FILE or a redirection");
    if (out) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out) >= (int)sizeof tmp) return cr_main_fail(argv[0], "%s: name too long", out);
        if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) return cr_main_fail(argv[0], "%s: %s", tmp, strerror(errno));
        fchmod(fd, 0644);
    }
    r = cr_save_images(&cr_main_store, (const char *const *)st.operands, &o, fd, &err);
    if (out) {
        if (r == 0 && (fsync(fd) < 0 || rename(tmp, out) < 0)) r = cr_err_set(&err, errno, "%s: %s", out, strerror(errno));
        if (r < 0) unlink(tmp);
        close(fd);
    }
    return r < 0 ? cr_main_fail_err(argv[0], &err) : 0;
}
