/* build — build an image from a Dockerfile. */
#include "../multicall/applets.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_build[] =
"usage: cr build [OPTIONS] CONTEXT\n"
"\n"
"Build an image from CONTEXT/Dockerfile into the store, printing the steps\n"
"as Docker's builder does. Steps are cached; with $SOURCE_DATE_EPOCH or\n"
"--timestamp the same context gives the same image digest.\n"
"\n"
"  -t, --tag NAME           name the result (repeatable)\n"
"  -f, --file FILE          the Dockerfile (default CONTEXT/Dockerfile)\n"
"  --build-arg KEY[=VALUE]  set an ARG (KEY alone: from the environment; repeatable)\n"
"  --target STAGE           build up to this stage\n"
"  --no-cache               do not use cached steps\n"
"  --pull                   pull FROM images even when they are in the store\n"
"  --platform OS/ARCH[/VARIANT]  the platform of every FROM without --platform= and of\n"
"                           the TARGET* ARGs (a stage this host cannot run may not RUN)\n"
"  --label KEY=VALUE        set a label on the result (repeatable)\n"
"  --network MODE           RUN's network: bridge (default), none or host\n"
"  --timestamp SECONDS      created time and mtime clamp (as SOURCE_DATE_EPOCH)\n"
"  -q, --quiet              print only the image id\n";
#define BUILD_OPTIONS(X) \
    X(OPT_TAG, "tag", 't', CR_OPT_VALUES_IN(tags)) \
    X(OPT_FILE, "file", 'f', CR_OPT_VALUE_IN(dockerfile)) \
    X(OPT_BUILD_ARG, "build-arg", 0, CR_OPT_VALUES_IN(build_args)) \
    X(OPT_TARGET, "target", 0, CR_OPT_VALUE_IN(target)) \
    X(OPT_NO_CACHE, "no-cache", 0, CR_OPT_FLAG_IN(no_cache)) \
    X(OPT_PULL, "pull", 0, CR_OPT_FLAG_IN(pull)) \
    X(OPT_PLATFORM, "platform", 0, CR_OPT_VALUE_IN(platform)) \
    X(OPT_LABEL, "label", 0, CR_OPT_VALUES_IN(labels)) \
    X(OPT_NETWORK, "network", 0, CR_OPT_VALUE) \
    X(OPT_TIMESTAMP, "timestamp", 0, CR_OPT_VALUE) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG)

static void cr_build_line(void *user, const char *line) {
    (void)user;
    printf("%s\n", line);
    fflush(stdout);
}

int cr_applet_build(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, BUILD_OPTIONS, cr_build_opts);
    cr_optstate st;
    cr_build_opts o;
    cr_err err = {0};
    char id[CR_DIGEST_MAX];
    long long ts;
    const char *net;
    int rc = cr_opt_parse(&st, argc, argv, opts, "CONTEXT", 0), quiet;
    if (rc >= 0) return rc;
    memset(&o, 0, sizeof o);
    cr_opt_into(&st, opts, &o);
    o.context = st.operands[0];
    net = cr_opt_value(&st, OPT_NETWORK);
    if (net && strcmp(net, "bridge") && strcmp(net, "none") && strcmp(net, "host") && strcmp(net, "default"))
        return cr_main_usage_error(argv[0], "--network %s: expected bridge, none or host", net);
    o.network = net && strcmp(net, "default") ? net : NULL;
    if (cr_opt_value(&st, OPT_TIMESTAMP)) {
        if (cr_opt_number(cr_opt_value(&st, OPT_TIMESTAMP), 0, 253402300799LL, &ts) < 0)
            return cr_main_usage_error(argv[0], "--timestamp %s: expected seconds since 1970", cr_opt_value(&st, OPT_TIMESTAMP));
        o.has_timestamp = 1;
        o.timestamp = ts;
    }
    quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    o.output_fd = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
    o.progress = quiet ? NULL : cr_build_line;
    cr_main_gc();
    rc = cr_build_image(&cr_main_runtime, &cr_main_store, &o, id, &err);
    if (o.output_fd >= 0) close(o.output_fd);
    if (rc < 0) return cr_main_fail_err(argv[0], &err);
    if (quiet) printf("%s\n", id);
    return 0;
}
