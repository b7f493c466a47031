/* load — read images from a docker-archive or oci-archive into the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_load[] =
"usage: cr load [-i FILE] [-q]\n"
"\n"
"Load the images of an archive from FILE or stdin: docker save's\n"
"docker-archive (manifest.json) or an oci-archive (index.json), plain or\n"
"compressed with gzip or zstd. Prints \"Loaded image: NAME\" for each name.\n"
"\n"
"  -i, --input FILE              read FILE instead of stdin\n"
"  -q, --quiet                   print only the names\n";
#define LOAD_OPTIONS(X) \
    X(OPT_INPUT, "input", 'i', CR_OPT_VALUE) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG)

int cr_applet_load(int argc, char **argv) {
    CR_OPTIONS(opts, LOAD_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    cr_buf names = {0};
    const char *in;
    size_t off;
    int r = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (r >= 0) return r;
    in = cr_opt_value(&st, OPT_INPUT);
    if (!in && isatty(0)) return cr_main_usage_error(argv[0], "refusing to read an archive from a terminal: use -i FILE or a redirection");
    if (cr_image_load(&cr_main_store, in, NULL, &names, &err) < 0) {
        cr_buf_free(&names);
        return cr_main_fail_err(argv[0], &err);
    }
    for (off = 0; off < names.len; off += strlen(names.data + off) + 1)
        printf("%s%s\n", cr_opt_given(&st, OPT_QUIET) ? "" : "Loaded image: ", names.data + off);
    cr_buf_free(&names);
    return 0;
}
