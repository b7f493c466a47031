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
    X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE) \
    X(OPT_TYPE, "type", 0, CR_OPT_VALUE)

enum { ANY, CONTAINER, IMAGE };

static int inspect_one(const char *name, int type, cr_buf *one, cr_err *err) {
    int r = -ENOENT;
    if (type != IMAGE) r = cr_ctr_inspect(&cr_main_runtime, &cr_main_store, name, one, err);
    if (r == -ENOENT && type != CONTAINER) {
        one->len = 0;
        r = cr_store_inspect(&cr_main_store, name, one, err);
    }
    if (r == -ENOENT && type == ANY) cr_err_set(err, ENOENT, "no such object: \"%s\"", name);
    return r;
}

/* FORMAT over one object's JSON into out. */
static int inspect_format(const cr_json_tmpl *t, const cr_buf *one, cr_buf *out, cr_err *err) {
    cr_json *v = NULL;
    int r = cr_json_parse(one->data, one->len, &v, err);
    if (r == 0) r = cr_json_tmpl_exec(t, v, out, err);
    cr_json_free(v);
    return r;
}

int cr_applet_inspect(int argc, char **argv) {
    CR_OPTIONS(opts, INSPECT_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    cr_buf out = {0};
    cr_json_tmpl *t = NULL;
    const char *format = NULL, *type_name;
    int i, type = ANY, failed = 0, n = 0, rc = cr_opt_parse(&st, argc, argv, opts, "NAME...", 0);
    if (rc >= 0) return rc;
    format = cr_opt_value(&st, OPT_FORMAT);
    if ((type_name = cr_opt_value(&st, OPT_TYPE))) {
        if (!strcmp(type_name, "container")) type = CONTAINER;
        else if (!strcmp(type_name, "image")) type = IMAGE;
        else return cr_main_usage_error(argv[0], "--type: expected container or image, got \"%s\"", type_name);
    }
    if (format && cr_json_tmpl_parse(format, &t, &err) < 0) return cr_main_fail(argv[0], "template parsing error: %s", err.msg);
    cr_main_gc();
    if (!t) cr_buf_putc(&out, '[');
    for (i = 0; i < st.noperands; i++) {
        cr_buf one = {0};
        size_t mark = out.len;
        if (inspect_one(st.operands[i], type, &one, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else if (t && inspect_format(t, &one, &out, &err) < 0) { out.len = mark; failed = cr_main_fail_err(argv[0], &err); }
        else if (t) cr_buf_putc(&out, '\n');
        else { if (n++) cr_buf_putc(&out, ','); cr_buf_puts(&out, one.data); }
        cr_buf_free(&one);
    }
    if (!t) cr_buf_puts(&out, "]\n");
    if (out.data) fwrite(out.data, 1, out.len, stdout);
    cr_buf_free(&out);
    cr_json_tmpl_free(t);
    return failed;
}
