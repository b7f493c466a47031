/* create — create a container from a bundle; it waits in "created" until start. */
#include "../multicall/applets.h"

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
#define CREATE_OPTIONS(X) CR_CREATE_OPTIONS(X)

int cr_applet_create(int argc, char **argv) {
    CR_OPTIONS(opts, CREATE_OPTIONS);
    cr_create_opts o = {0};
    const char *bundle;
    cr_optstate st;
    cr_err err = {0};
    int rc = cr_opt_create(&st, argc, argv, opts, &bundle, &o);
    if (rc >= 0) return rc;
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_create(&cr_main_runtime, st.operands[0], bundle, &o, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
