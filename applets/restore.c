/* restore — restore a container from a criu checkpoint (runc's restore). */
#include "../multicall/applets.h"

const char cr_usage_restore[] =
"usage: cr restore [OPTIONS] CONTAINER_ID\n"
"\n"
"Restore a container checkpointed by `cr checkpoint` with criu, as\n"
"CONTAINER_ID of the bundle. Without --detach, wait for it like run and\n"
"exit with its status. criu's restore.log is written to the work directory.\n"
"\n"
"  --image-path DIR          criu's images (default ./checkpoint)\n"
"  --work-path DIR           criu's work directory and log (default: the image path)\n"
"  -b, --bundle DIR          bundle directory (default: current directory)\n"
"  -d, --detach              do not wait for the container\n"
"  --pid-file FILE           write the init's pid to FILE\n"
"  --console-socket PATH     unix socket that receives the pty master\n"
"  --no-subreaper            with --detach: do not become the subreaper of the restore\n"
"  --no-pivot                accepted (criu sets up the root)\n"
"  --tcp-established         restore open TCP connections\n"
"  --ext-unix-sk             allow external unix sockets\n"
"  --shell-job               allow a shell job (a terminal of the caller)\n"
"  --file-locks              restore file locks\n"
"  --lazy-pages              fetch memory pages lazily\n"
"  --manage-cgroups-mode M   soft (default), full, strict or ignore\n"
"  --empty-ns network        do not restore the network namespace\n"
"  --auto-dedup              deduplicate the images\n";

int cr_applet_restore(int argc, char **argv) { return cr_opt_criu_applet(argc, argv); }
