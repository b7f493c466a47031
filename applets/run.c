/* run — create and start a container and, unless detached, wait for it. */
#include "../multicall/applets.h"
#include <stdlib.h>

const char cr_usage_run[] =
"usage: cr run [OPTIONS] CONTAINER_ID\n"
"\n"
"Create and start a container from an OCI bundle. In the foreground cr\n"
"forwards signals, proxies the terminal when process.terminal is set, and\n"
"exits with the container's status (128+N when killed by signal N).\n"
"\n"
"  -b, --bundle DIR         bundle directory (default: current directory)\n"
"  -d, --detach             do not wait for the container\n"
"  --console-socket PATH    unix socket that receives the pty master\n"
"  --pid-file FILE          write the init's pid to FILE\n"
"  --preserve-fds N         pass N extra fds (3 .. 3+N-1) to the container\n"
"  --keep                   keep the container's state after it exits\n"
"  --no-pivot               use chroot instead of pivot_root\n"
"  --no-new-keyring         accepted; cr never creates a session keyring\n";

int cr_applet_run(int argc, char **argv) {
    static const cr_opt opts[] = { {"bundle", 'b', 1}, {"detach", 'd', 0}, {"console-socket", 0, 1},
                                   {"pid-file", 0, 1}, {"preserve-fds", 0, 1}, {"keep", 0, 0},
                                   {"no-pivot", 0, 0}, {"no-new-keyring", 0, 0}, {0, 0, 0} };
    cr_create_opts o = {0};
    const char *bundle = ".";
    cr_optstate st;
    cr_err err = {0};
    int k, status = 0;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        switch (k) {
        case 0: bundle = st.value; break;
        case 1: o.detach = 1; break;
        case 2: o.console_socket = st.value; break;
        case 3: o.pid_file = st.value; break;
        case 4: o.preserve_fds = atoi(st.value); break;
        case 5: o.keep = 1; break;
        case 6: o.no_pivot = 1; break;
        case 7: o.no_new_keyring = 1; break;
        }
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one CONTAINER_ID");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_run(&cr_main_runtime, st.operands[0], bundle, &o, &status, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return status;
}
