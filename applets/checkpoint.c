/* checkpoint — dump a running container with criu (runc's checkpoint). */
#include "../multicall/applets.h"

const char cr_usage_checkpoint[] =
"usage: cr checkpoint [OPTIONS] CONTAINER_ID\n"
"\n"
"Checkpoint a running container with criu (the global --criu, $CR_CRIU or\n"
"criu on PATH). Unless --leave-running or --pre-dump, the container is then\n"
"gone; `cr restore` brings it back. criu's log: WORK/dump.log.\n"
"\n"
"  --image-path DIR          where criu writes its images (default ./checkpoint)\n"
"  --work-path DIR           criu's work directory and log (default: the image path)\n"
"  --parent-path DIR         the pre-dump to build on (relative to the image path)\n"
"  --leave-running           leave the container running after the dump\n"
"  --pre-dump                dump memory only, the container keeps running\n"
"  --tcp-established         allow open TCP connections\n"
"  --ext-unix-sk             allow external unix sockets\n"
"  --shell-job               allow a shell job (a terminal of the caller)\n"
"  --file-locks              dump file locks\n"
"  --lazy-pages              serve memory pages lazily\n"
"  --manage-cgroups-mode M   soft (default), full, strict or ignore\n"
"  --empty-ns network        do not dump the network namespace\n"
"  --auto-dedup              deduplicate a pre-dump chain\n";

int cr_applet_checkpoint(int argc, char **argv) { return cr_opt_criu_applet(argc, argv); }
