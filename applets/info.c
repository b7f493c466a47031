/* info — system-wide information, as docker info. */
#include "../multicall/applets.h"
#include <errno.h>
#include <stdio.h>

const char cr_usage_info[] =
"usage: cr info [-f FORMAT]\n"
"\n"
"Show the image containers (running, paused, stopped), the images, the\n"
"storage and state roots, the cgroup version and manager, the kernel, the\n"
"OS, the CPUs and the memory, as docker info does; then every cr.conf\n"
"setting in effect and where it came from: FILE:LINE of /etc/cr/cr.conf,\n"
"the user's cr.conf or $CR_CONFIG, \"flag --root\", \"flag --storage\",\n"
"\"$CR_STORAGE\", or \"default\" (what cr does without a setting).\n"
"\n"
"  -f, --format FORMAT   a Go template over Docker's info object instead:\n"
"                        {{.ContainersRunning}}, {{.CgroupVersion}}, {{json .Config}}\n";
static const char info_text[] =
    "Client: cr\n Version: {{.ServerVersion}}\n\nServer:\n Containers: {{.Containers}}\n  Running: {{.ContainersRunning}}\n"
    "  Paused: {{.ContainersPaused}}\n  Stopped: {{.ContainersStopped}}\n Images: {{.Images}}\n"
    " Server Version: {{.ServerVersion}}\n Storage Driver: {{.Driver}}\n Cgroup Driver: {{.CgroupDriver}}\n"
    " Cgroup Version: {{.CgroupVersion}}\n Kernel Version: {{.KernelVersion}}\n Operating System: {{.OperatingSystem}}\n"
    " OSType: {{.OSType}}\n Architecture: {{.Architecture}}\n CPUs: {{.NCPU}}\n Total Memory: {{.MemTotal}} bytes\n"
    " Storage Root: {{.DockerRootDir}}\n State Root: {{.StateRoot}}\n"
    " Config:\n{{range $k, $v := .Config}}  {{$k}}: {{json $v.value}} ({{$v.origin}})\n{{end}}";

/* Docker's info object, and "Config": cr.conf's settings (cr_conf_json). */
static int info_make(cr_buf *out, cr_err *err) {
    cr_buf conf = {0};
    int r;
    cr_main_gc();
    if ((r = cr_ctr_system_info(&cr_main_runtime, &cr_main_store, out, err)) < 0) return r;
    while (out->len && out->data[out->len - 1] != '}') out->len--;
    if (!out->len || cr_ctr_conf_defaults(&cr_main_runtime, &cr_main_store, &cr_main_conf) < 0 || cr_conf_json(&cr_main_conf, &conf) < 0)
        r = cr_err_set(err, ENOMEM, "out of memory");
    else {
        out->len--;
        cr_buf_puts(out, ",\"Config\":");
        cr_buf_add(out, conf.data, conf.len);
        cr_buf_putc(out, '}');
    }
    cr_buf_free(&conf);
    return r;
}

int cr_applet_info(int argc, char **argv) { return cr_main_json_applet(argc, argv, info_make, info_text); }
