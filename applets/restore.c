/* restore — restore a container from a criu checkpoint (runc's restore). */
#include "../multicall/applets.h"

const char cr_usage_restore[] =
"usage: cr restore [OPTIONS] CONTAINER_ID\n"
"\n"
"Restore a `cr checkpoint` with criu as CONTAINER_ID of the bundle; without\n"
"--detach, wait like run. criu's log: WORK/restore.log.\n"
"\n"
"  --image-path DIR          criu's images (default ./checkpoint)\n"
"  --work-path DIR           criu's work directory and log (default: the image path)\n"
"  -b, --bundle DIR          bundle directory (default: current directory)\n"
"  -d, --detach              do not wait for the container\n"
"  --pid-file FILE           write the init's pid to FILE\n"
"  --console-socket PATH     unix socket that receives the pty master\n"
"  --no-subreaper            with --detach: do not be the restore's subreaper\n"
"  --no-pivot                accepted (criu sets up the root)\n"
"  --tcp-established         restore open TCP connections\n"
"  --ext-unix-sk             allow external unix sockets\n"
"  --shell-job               allow a shell job (a terminal of the caller)\n"
"  --file-locks              restore file locks\n"
"  --lazy-pages              fetch memory pages lazily\n"
"  --manage-cgroups-mode M   soft (default), full, strict or ignore\n"
"  --empty-ns network        do not restore the network namespace\n"
"  --auto-dedup              accepted\n";

int cr_applet_restore(int argc, char **argv) { return cr_opt_criu_applet(argc, argv); }
