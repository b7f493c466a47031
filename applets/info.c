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
static const char info_text[] =
    "Client: cr\n Version: {{.ServerVersion}}\n\nServer:\n Containers: {{.Containers}}\n  Running: {{.ContainersRunning}}\n"
    "  Paused: {{.ContainersPaused}}\n  Stopped: {{.ContainersStopped}}\n Images: {{.Images}}\n"
    " Server Version: {{.ServerVersion}}\n Storage Driver: {{.Driver}}\n Cgroup Driver: {{.CgroupDriver}}\n"
    " Cgroup Version: {{.CgroupVersion}}\n Kernel Version: {{.KernelVersion}}\n Operating System: {{.OperatingSystem}}\n"
    " OSType: {{.OSType}}\n Architecture: {{.Architecture}}\n CPUs: {{.NCPU}}\n Total Memory: {{.MemTotal}} bytes\n"
    " Storage Root: {{.DockerRootDir}}\n State Root: {{.StateRoot}}\n";

static int info_make(cr_buf *out, cr_err *err) {
    cr_main_gc();
    return cr_ctr_system_info(&cr_main_runtime, &cr_main_store, out, err);
}

int cr_applet_info(int argc, char **argv) { return cr_main_json_applet(argc, argv, info_make, info_text); }
