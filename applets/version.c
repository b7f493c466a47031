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
static const char version_text[] =
    "{{range $k, $v := .}}{{$k}}: cr\n Version:           {{$v.Version}}\n OCI runtime spec:  {{$v.OciVersion}}\n"
    " OS/Arch:           {{$v.Os}}/{{$v.Arch}}\n Kernel:            {{$v.KernelVersion}}\n{{end}}";

static int version_make(cr_buf *out, cr_err *err) {
    cr_jw w;
    struct utsname u;
    int i;
    (void)err;
    uname(&u);
    cr_jw_init(&w, out);
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
    return 0;
}

int cr_applet_version(int argc, char **argv) { return cr_main_json_applet(argc, argv, version_make, version_text); }
