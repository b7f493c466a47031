/* inspect — show image containers and images as Docker's inspect does. */
#include "../multicall/applets.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char cr_usage_inspect[] =
"usage: cr inspect [-f FORMAT] [--type container|image] NAME|IMAGE...\n"
"\n"
"Print a JSON array with one object per container or image, in Docker's\n"
"shape where the fields overlap. A name is looked up among the image\n"
"containers first, then the images.\n"
"  containers: Id, Name, Created, Path, Args, State (Status, Running, Paused,\n"
"    OOMKilled, Pid, ExitCode, StartedAt, FinishedAt), Image, LogPath,\n"
"    Config (Env, Cmd, Entrypoint, Labels, ExposedPorts, Volumes, ...), Mounts,\n"
"    HostConfig (PortBindings, ...), NetworkSettings (IPAddress, Ports, ...)\n"
"  images: Id, RepoTags, RepoDigests, Created, Config, Architecture, Os,\n"
"    Size (unpacked), RootFS, Metadata\n"
"\n"
"  -f, --format FORMAT   print FORMAT for each object instead: a Go template,\n"
"                        as with Docker: {{.State.Status}}, {{json .Config}},\n"
"                        {{index .Config.Labels \"k\"}}, {{range .Mounts}}{{.Source}} {{end}},\n"
"                        {{if .State.Running}}up{{else}}down{{end}}, {{$}}\n"
"                        (functions: json index len join split upper lower title\n"
"                        eq ne not and or print println)\n"
"      --type TYPE       container or image: look only for that kind\n";
#define INSPECT_OPTIONS(X) \
    CR_INSPECT_OPTIONS(X) \
    X(OPT_TYPE, "type", 0, CR_OPT_VALUE)

enum { ANY, CONTAINER, IMAGE };
static int inspect_type;

static int inspect_one(const char *name, cr_buf *one, cr_err *err) {
    int r = -ENOENT;
    if (inspect_type != IMAGE) r = cr_ctr_inspect(&cr_main_runtime, &cr_main_store, name, one, err);
    if (r == -ENOENT && inspect_type != CONTAINER) {
        one->len = 0;
        r = cr_store_inspect(&cr_main_store, name, one, err);
    }
    if (r == -ENOENT && inspect_type == ANY) cr_err_set(err, ENOENT, "no such object: \"%s\"", name);
    return r;
}

int cr_applet_inspect(int argc, char **argv) {
    CR_OPTIONS(opts, INSPECT_OPTIONS);
    cr_optstate st;
    const char *type;
    int rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    if ((type = cr_opt_value(&st, OPT_TYPE))) {
        if (!strcmp(type, "container")) inspect_type = CONTAINER;
        else if (!strcmp(type, "image")) inspect_type = IMAGE;
        else return cr_main_usage_error(argv[0], "--type: expected container or image, got \"%s\"", type);
    }
    cr_main_gc();
    return cr_main_inspect_objects(&st, inspect_one);
}
