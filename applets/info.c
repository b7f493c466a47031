/* info — system-wide information, as docker info. */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_info[] =
"usage: cr info [-f FORMAT]\n"
"\n"
"Show the image containers (running, paused, stopped), the images, the\n"
"storage and state roots, the cgroup version and manager, the kernel, the\n"
"OS, the CPUs and the memory, as docker info does.\n"
"\n"
"  -f, --format FORMAT   a Go template over Docker's info object instead:\n"
"                        {{.ContainersRunning}}, {{.CgroupVersion}}, {{json .}}\n";
#define INFO_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)

static const char info_text[] =
    "Client: cr\n Version: {{.ServerVersion}}\n\nServer:\n Containers: {{.Containers}}\n  Running: {{.ContainersRunning}}\n"
    "  Paused: {{.ContainersPaused}}\n  Stopped: {{.ContainersStopped}}\n Images: {{.Images}}\n"
    " Server Version: {{.ServerVersion}}\n Storage Driver: {{.Driver}}\n Cgroup Driver: {{.CgroupDriver}}\n"
    " Cgroup Version: {{.CgroupVersion}}\n Kernel Version: {{.KernelVersion}}\n Operating System: {{.OperatingSystem}}\n"
    " OSType: {{.OSType}}\n Architecture: {{.Architecture}}\n CPUs: {{.NCPU}}\n Total Memory: {{.MemTotal}} bytes\n"
    " Storage Root: {{.DockerRootDir}}\n State Root: {{.StateRoot}}\n";

int cr_applet_info(int argc, char **argv) {
    CR_OPTIONS(opts, INFO_OPTIONS);
    cr_optstate st;
    cr_err err = {0};
    cr_buf out = {0};
    const char *format;
    int rc = cr_opt_parse(&st, argc, argv, opts, "", 0);
    if (rc >= 0) return rc;
    format = cr_opt_value(&st, OPT_FORMAT);
    cr_main_gc();
    if (cr_ctr_system_info(&cr_main_runtime, &cr_main_store, &out, &err) < 0) rc = cr_main_fail_err(argv[0], &err);
    else rc = cr_main_print_template(argv[0], format ? format : info_text, out.data);
    if (format && !rc) putchar('\n');
    cr_buf_free(&out);
    return rc;
}
