/* run — run an image (Docker's `run`), or create, start and wait for a
   bundle (runc's `run`). */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

const char cr_usage_run[] =
"usage: cr run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
"       cr run [--bundle DIR] [OCI OPTIONS] CONTAINER_ID\n"
"\n"
"The first form runs an image from the store (pulled when missing) the way\n"
"`docker run` does; the second creates and starts an OCI bundle like runc.\n"
"The bundle form is chosen by --bundle or any other OCI option, or when\n"
"./config.json exists and one operand is given with no image option.\n"
"\n"
"Image options (Docker's spelling):\n"
"  --rm                     remove the container when it exits\n"
"  -d, --detach             run in the background; print the container id\n"
"  --name NAME              name the container (default: the short id)\n"
"  -e, --env KEY[=VALUE]    set an environment variable (repeatable)\n"
"  --env-file FILE          read KEY=VALUE lines (repeatable)\n"
"  -v, --volume SRC:DST[:ro]  bind a host path or a named volume (repeatable)\n"
"  --tmpfs DST[:OPTIONS]    mount a tmpfs (repeatable)\n"
"  -w, --workdir DIR        working directory\n"
"  -u, --user USER[:GROUP]  user, by name (the image's /etc/passwd) or number\n"
"  --entrypoint CMD         replace the image's entrypoint\n"
"  --hostname NAME          container host name\n"
"  --read-only              mount the root file system read-only\n"
"  -m, --memory SIZE        memory limit (64m, 1g)\n"
"  --cpus N                 CPU limit (1.5)\n"
"  --pids-limit N           process limit\n"
"  --cap-add CAP, --cap-drop CAP   change the capabilities (ALL for all)\n"
"  --privileged             every capability and device, no seccomp, no masked paths\n"
"  --security-opt OPT       seccomp=unconfined|FILE, no-new-privileges\n"
"  --ulimit NAME=SOFT[:HARD]  resource limit (nofile=1024:2048)\n"
"  --network MODE           bridge (default), none, host, container:NAME, ns:PATH\n"
"  -p, --publish [IP:]HOST:CONTAINER[/udp]  publish a port (bridge; repeatable)\n"
"  --dns IP                 nameserver for /etc/resolv.conf (repeatable)\n"
"  --add-host NAME:IP       an /etc/hosts entry (repeatable)\n"
"  -t, --tty                allocate a terminal\n"
"  -i, --interactive        keep stdin open\n"
"  --init                   run a small init as PID 1 that forwards signals and reaps\n"
"  --rootfs DIR             run on DIR instead of an image (IMAGE is then omitted)\n"
"  --pull POLICY            missing (default), always or never\n"
"  --platform OS/ARCH       platform to pull\n"
"  -q, --quiet              pull without progress output\n"
"\n"
"OCI options:\n"
"  -b, --bundle DIR         bundle directory (default: current directory)\n"
"  -d, --detach             do not wait for the container\n"
"  --console-socket PATH    unix socket that receives the pty master\n"
"  --pid-file FILE          write the init's pid to FILE\n"
"  --preserve-fds N         pass N extra fds (3 .. 3+N-1) to the container\n"
"  --keep                   keep the container's state after it exits\n"
"  --no-pivot               use chroot instead of pivot_root\n"
"  --no-new-keyring         accepted; cr never creates a session keyring\n"
"\n"
"Exit status: the container's (128+N when killed by signal N); 125 when cr\n"
"fails, 126 when the command cannot be run, 127 when it is not found.\n";

static int cr_run_bundle(int argc, char **argv) {
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

/* Is this command line the OCI form? */
static int cr_run_is_bundle_form(int argc, char **argv) {
    static const char *const oci[] = { "-b", "--bundle", "-bundle", "--console-socket", "-console-socket", "--pid-file",
                                       "-pid-file", "--preserve-fds", "-preserve-fds", "--keep", "-keep", "--no-pivot",
                                       "-no-pivot", "--no-new-keyring", "-no-new-keyring", NULL };
    int i, k, operands = 0, image_opts = 0;
    for (i = 1; i < argc; i++) {
        size_t n = strcspn(argv[i], "=");
        if (!strcmp(argv[i], "--")) break;
        for (k = 0; oci[k]; k++) if (strlen(oci[k]) == n && !strncmp(argv[i], oci[k], n)) return 1;
        if (argv[i][0] != '-') operands++;
        else if (strcmp(argv[i], "-d") && strcmp(argv[i], "--detach")) image_opts++;
    }
    return operands == 1 && !image_opts && access("config.json", F_OK) == 0;
}

/* -it, -dit, -ti ...: Docker's combined one-letter flags, split up. */
static char **cr_run_split_flags(int argc, char **argv, int *out_argc) {
    char **v = (char **)calloc((size_t)argc * 4 + 1, sizeof *v);
    static char flags[3][3] = { "-d", "-i", "-t" };
    int i, n = 0, operand = 0;
    if (!v) return NULL;
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i && !operand && a[0] == '-' && a[1] && a[1] != '-' && a[2] && strspn(a + 1, "dit") == strlen(a + 1)) {
            for (a++; *a; a++) v[n++] = flags[*a == 'd' ? 0 : *a == 'i' ? 1 : 2];
            continue;
        }
        if (i && a[0] != '-') operand = 1;
        v[n++] = argv[i];
    }
    *out_argc = n;
    return v;
}

typedef struct cr_run_lists { const char **v[11]; int n[11]; } cr_run_lists;

static void cr_run_push(cr_run_lists *l, int which, const char *s, int argc) {
    if (!l->v[which]) l->v[which] = (const char **)calloc((size_t)argc + 1, sizeof(char *));
    if (l->v[which]) l->v[which][l->n[which]++] = s;
}

/* Pulls the image when the policy says so; 0 when it is in the store. */
static int cr_run_pull(const char *image, const char *policy, const char *platform, int quiet, cr_err *err) {
    cr_image_info info;
    cr_pull_opts po = {0};
    char digest[136];
    int missing = cr_store_find(&cr_main_store, image, &info, err) < 0;
    if (!strcmp(policy, "never") || (!strcmp(policy, "missing") && !missing)) return missing ? -ENOENT : 0;
    if (missing && !quiet) fprintf(stderr, "Unable to find image '%s' locally\n", image);
    po.platform = platform;
    if (cr_image_pull(&cr_main_store, image, &po, digest, err) < 0) return -1;
    if (!quiet) fprintf(stderr, "Pulled %s: %s\n", image, digest);
    return 0;
}

/* 126/127 when the command is at fault, as Docker says; else 125. */
static int cr_run_failure_status(const cr_err *err) {
    if (!strstr(err->msg, "process.args[0]") && !strstr(err->msg, "exec \"")) return 125;
    return err->code == ENOENT ? 127 : err->code == EACCES || err->code == ENOEXEC ? 126 : 125;
}

static int cr_run_image(int argc, char **argv) {
    static const cr_opt opts[] = {
        {"rm", 0, 0}, {"detach", 'd', 0}, {"name", 0, 1}, {"env", 'e', 1}, {"env-file", 0, 1}, {"volume", 'v', 1},
        {"tmpfs", 0, 1}, {"workdir", 'w', 1}, {"user", 'u', 1}, {"entrypoint", 0, 1}, {"hostname", 0, 1},
        {"read-only", 0, 0}, {"memory", 'm', 1}, {"cpus", 0, 1}, {"pids-limit", 0, 1}, {"cap-add", 0, 1},
        {"cap-drop", 0, 1}, {"privileged", 0, 0}, {"security-opt", 0, 1}, {"ulimit", 0, 1}, {"network", 0, 1},
        {"net", 0, 1}, {"tty", 't', 0}, {"interactive", 'i', 0}, {"init", 0, 0}, {"rootfs", 0, 1}, {"pull", 0, 1},
        {"platform", 0, 1}, {"quiet", 'q', 0}, {"publish", 'p', 1}, {"dns", 0, 1}, {"add-host", 0, 1}, {0, 0, 0} };
    enum { L_ENV, L_ENVFILE, L_VOL, L_TMPFS, L_CAPADD, L_CAPDROP, L_SECOPT, L_ULIMIT, L_PUBLISH, L_DNS, L_ADDHOST };
    cr_ctr_opts o = {0};
    cr_run_lists l;
    cr_optstate st;
    cr_err err = {0};
    const char *policy = "missing", *platform = NULL;
    char name[256];
    int k, status = 0, quiet = 0;
    memset(&l, 0, sizeof l);
    cr_opt_begin(&st, argc, argv);
    st.stop_at_operand = 1;
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        switch (k) {
        case 0: o.rm = 1; break;
        case 1: o.detach = 1; break;
        case 2: o.name = st.value; break;
        case 3: cr_run_push(&l, L_ENV, st.value, argc); break;
        case 4: cr_run_push(&l, L_ENVFILE, st.value, argc); break;
        case 5: cr_run_push(&l, L_VOL, st.value, argc); break;
        case 6: cr_run_push(&l, L_TMPFS, st.value, argc); break;
        case 7: o.workdir = st.value; break;
        case 8: o.user = st.value; break;
        case 9: o.entrypoint = st.value; break;
        case 10: o.hostname = st.value; break;
        case 11: o.read_only = 1; break;
        case 12: o.memory = st.value; break;
        case 13: o.cpus = st.value; break;
        case 14: o.pids_limit = st.value; break;
        case 15: cr_run_push(&l, L_CAPADD, st.value, argc); break;
        case 16: cr_run_push(&l, L_CAPDROP, st.value, argc); break;
        case 17: o.privileged = 1; break;
        case 18: cr_run_push(&l, L_SECOPT, st.value, argc); break;
        case 19: cr_run_push(&l, L_ULIMIT, st.value, argc); break;
        case 20: case 21: o.network = st.value; break;
        case 22: o.tty = 1; break;
        case 23: o.interactive = 1; break;
        case 24: o.init = "/proc/self/exe"; break;
        case 25: o.rootfs = st.value; break;
        case 26: policy = st.value; break;
        case 27: platform = st.value; break;
        case 28: quiet = 1; break;
        case 29: cr_run_push(&l, L_PUBLISH, st.value, argc); break;
        case 30: cr_run_push(&l, L_DNS, st.value, argc); break;
        case 31: cr_run_push(&l, L_ADDHOST, st.value, argc); break;
        }
    }
    if (k == -3) return 0;
    if (k == -2) return 125;
    if (strcmp(policy, "missing") && strcmp(policy, "always") && strcmp(policy, "never"))
        return cr_main_usage_error(argv[0], "--pull: expected missing, always or never"), 125;
    if (!o.rootfs && !st.noperands) return cr_main_usage_error(argv[0], "expected an IMAGE (or --rootfs DIR)"), 125;
    /* with --rootfs every operand is the command; else IMAGE comes first */
    if (!o.rootfs) o.image = st.operands[0];
    while (st.i < st.argc) st.operands[st.noperands++] = st.argv[st.i++];
    o.args = (const char *const *)(st.operands + (o.rootfs ? 0 : 1));
    o.env = l.v[L_ENV]; o.env_files = l.v[L_ENVFILE]; o.volumes = l.v[L_VOL]; o.tmpfs = l.v[L_TMPFS];
    o.cap_add = l.v[L_CAPADD]; o.cap_drop = l.v[L_CAPDROP]; o.security_opt = l.v[L_SECOPT]; o.ulimits = l.v[L_ULIMIT];
    o.publish = l.v[L_PUBLISH]; o.dns = l.v[L_DNS]; o.add_hosts = l.v[L_ADDHOST];
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err), 125;
    cr_main_gc();
    if (o.image && cr_run_pull(o.image, policy, platform, quiet, &err) < 0) return cr_main_fail_err(argv[0], &err), 125;
    /* without -i the container reads nothing, as with Docker */
    if (!o.interactive) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0) { dup2(null, 0); close(null); }
    }
    if (cr_ctr_run(&cr_main_runtime, &cr_main_store, &o, name, &status, &err) < 0)
        return cr_main_fail_err(argv[0], &err), cr_run_failure_status(&err);
    if (o.detach) {
        cr_ctr_info info;
        puts(cr_ctr_find(&cr_main_runtime, &cr_main_store, name, &info, &err) == 0 ? info.id : name);
    }
    return status;
}

int cr_applet_run(int argc, char **argv) {
    char **v;
    int n;
    if (cr_run_is_bundle_form(argc, argv)) return cr_run_bundle(argc, argv);
    if (!(v = cr_run_split_flags(argc, argv, &n))) return cr_main_fail(argv[0], "out of memory"), 125;
    return cr_run_image(n, v);
}
