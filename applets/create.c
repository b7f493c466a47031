/* create — create a container from a bundle; it waits in "created" until start. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>

const char cr_usage_create[] =
"usage: cr create [OPTIONS] CONTAINER_ID\n"
"\n"
"Create a container from the OCI bundle. The container's init is set up and\n"
"waits for `cr start`.\n"
"\n"
"  -b, --bundle DIR         bundle directory (default: current directory)\n"
"  --console-socket PATH    unix socket that receives the pty master (process.terminal)\n"
"  --pid-file FILE          write the init's pid to FILE\n"
"  --preserve-fds N         pass N extra fds (3 .. 3+N-1) to the container\n"
"  --no-pivot               use chroot instead of pivot_root (initramfs)\n"
"  --no-new-keyring         accepted; cr never creates a session keyring\n";

int cr_applet_create(int argc, char **argv) {
    static const cr_opt opts[] = { {"bundle", 'b', 1}, {"console-socket", 0, 1}, {"pid-file", 0, 1},
                                   {"preserve-fds", 0, 1}, {"no-pivot", 0, 0}, {"no-new-keyring", 0, 0}, {0, 0, 0} };
    cr_create_opts o = {0};
    const char *bundle = ".";
    cr_optstate st;
    cr_err err = {0};
    int k;
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        switch (k) {
        case 0: bundle = st.value; break;
        case 1: o.console_socket = st.value; break;
        case 2: o.pid_file = st.value; break;
        case 3: o.preserve_fds = atoi(st.value); break;
        case 4: o.no_pivot = 1; break;
        case 5: o.no_new_keyring = 1; break;
        }
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one CONTAINER_ID");
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_create(&cr_main_runtime, st.operands[0], bundle, &o, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
