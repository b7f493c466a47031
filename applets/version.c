/* version — cr's version, as docker version. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <sys/utsname.h>

const char cr_usage_version[] =
"usage: cr version [-f FORMAT]\n"
"\n"
"Show cr's version, the OCI runtime spec it implements, the OS, the\n"
"architecture and the kernel. (cr has no daemon: Client and Server are the\n"
"same binary.)\n"
"\n"
"  -f, --format FORMAT   a Go template over {\"Client\":{...},\"Server\":{...}},\n"
"                        as docker version: {{.Server.Version}}, {{json .}}\n";
#define VERSION_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)

static const char version_text[] =
    "{{range $k, $v := .}}{{$k}}: cr\n Version:           {{$v.Version}}\n OCI runtime spec:  {{$v.OciVersion}}\n"
    " OS/Arch:           {{$v.Os}}/{{$v.Arch}}\n Kernel:            {{$v.KernelVersion}}\n{{end}}";

int cr_applet_version(int argc, char **argv) {
    CR_OPTIONS(opts, VERSION_OPTIONS);
    cr_optstate st;
    cr_buf out = {0};
    cr_jw w;
    struct utsname u;
    const char *format;
    int i, rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    format = cr_opt_value(&st, OPT_FORMAT);
    uname(&u);
    cr_jw_init(&w, &out);
    cr_jw_obj(&w);
    for (i = 0; i < 2; i++) {
        cr_jw_key(&w, i ? "Server" : "Client");
        cr_jw_obj(&w);
        cr_jw_key(&w, "Version"); cr_jw_str(&w, CR_VERSION);
        cr_jw_key(&w, "OciVersion"); cr_jw_str(&w, CR_OCI_VERSION);
        cr_jw_key(&w, "Os"); cr_jw_str(&w, "linux");
#if defined(__x86_64__)
        cr_jw_key(&w, "Arch"); cr_jw_str(&w, "amd64");
#elif defined(__aarch64__)
        cr_jw_key(&w, "Arch"); cr_jw_str(&w, "arm64");
#else
        cr_jw_key(&w, "Arch"); cr_jw_str(&w, u.machine);
#endif
        cr_jw_key(&w, "KernelVersion"); cr_jw_str(&w, u.release);
        cr_jw_obj_end(&w);
    }
    cr_jw_obj_end(&w);
    rc = cr_main_print_template(argv[0], format ? format : version_text, out.data);
    if (format && !rc) putchar('\n');
    cr_buf_free(&out);
    return rc;
}
