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
"IMAGE is a reference, an image id, or oci:DIR[:TAG] or docker-archive:FILE[:REF]\n"
"(imported into the store first, as `cr pull` does).\n"
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
"  --network MODE           bridge (default), none, host, container:NAME, ns:PATH, NETWORK\n"
"  --network-alias NAME     another name on NETWORK (cr network; repeatable)\n"
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
"  --mount type=bind|volume|tmpfs,target=DST[,source=SRC][,readonly][,bind-propagation=P]\n"
"                           [,tmpfs-size=SIZE][,tmpfs-mode=MODE]  a mount, Docker's keys\n"
"  -l, --label KEY[=VALUE]  a label (Config.Labels, over the image's; repeatable)\n"
"  --label-file FILE        KEY[=VALUE] lines of labels (repeatable)\n"
"  --expose PORT[/PROTO]    expose a port besides the image's (repeatable)\n"
"  -P, --publish-all        publish every exposed port on a free host port\n"
"  --device HOST[:CONTAINER][:rwm]  a host device node (repeatable)\n"
"  --shm-size SIZE          size of /dev/shm (default 64m)\n"
"  --sysctl KEY=VALUE       a namespaced kernel parameter (repeatable)\n"
"  --group-add GROUP        another group, by name (the image's /etc/group) or gid\n"
"  --stop-signal SIG        the signal stop sends first (default: the image's, SIGTERM)\n"
"  --stop-timeout SECONDS   how long stop waits before SIGKILL (default 10; -1: forever)\n"
"  --memory-swap SIZE       memory plus swap (needs -m; -1: unlimited swap)\n"
"  --memory-reservation SIZE  soft memory limit\n"
"  -c, --cpu-shares N       relative CPU weight (default 1024)\n"
"  --cpuset-cpus LIST       CPUs it may run on (0-2,4)\n"
"  --pid, --ipc, --uts MODE  host, or container:NAME to share that container's\n"
"  --cidfile FILE           write the container id to FILE (must not exist)\n"
"  --ip IP                  the address on a user-defined --network (of its subnet, not taken)\n"
"  --mac-address MAC        eth0's MAC address (bridge)\n"
"  --volumes-from NAME[:ro|rw]  the volumes and binds of container NAME (repeatable)\n"
"  -a, --attach STREAM      stdin, stdout or stderr: attach only these (repeatable)\n"
"  --sig-proxy=false        do not forward signals: a signal detaches instead\n"
"  --detach-keys KEYS       keys that detach -it (default ctrl-p,ctrl-q; \"\" none):\n"
"                           the container goes on detached, its output in `cr logs`\n"
"  --restart POLICY         with -d: no (default), on-failure[:N], always, unless-stopped;\n"
"                           the monitor restarts it after 100 ms, doubled each time (at\n"
"                           most 1 min), back to 100 ms once it ran 10 s; stop, kill and\n"
"                           rm hold it until the next start\n"
"  --log-driver DRIVER      json-file (default: ctr.log, read by `cr logs`) or none\n"
"  --log-opt OPT            json-file: max-size=SIZE (rotate beyond it), max-file=N\n"
"                           (files kept, default 1); repeat or separate with commas\n"
"  --health-cmd CMD         with -d: health check run by the monitor with /bin/sh -c\n"
"                           (shown by ps and inspect's State.Health)\n"
"  --health-interval D      time between checks (default 30s; Go durations: 500ms, 1m30s)\n"
"  --health-timeout D       a check taking longer fails (default 30s)\n"
"  --health-retries N       failures in a row that make it unhealthy (default 3)\n"
"  --health-start-period D  failures during this time after the start do not count\n"
"  --no-healthcheck         no health check, not even the image's HEALTHCHECK\n"
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

#define RUN_IMAGE_OPTIONS(X) \
    X(OPT_RM, "rm", 0, CR_OPT_FLAG_IN(rm)) \
    X(OPT_DETACH, "detach", 'd', CR_OPT_FLAG_IN(detach)) \
    X(OPT_NAME, "name", 0, CR_OPT_VALUE_IN(name)) \
    X(OPT_ENV, "env", 'e', CR_OPT_VALUES_IN(env)) \
    X(OPT_ENV_FILE, "env-file", 0, CR_OPT_VALUES_IN(env_files)) \
    X(OPT_VOLUME, "volume", 'v', CR_OPT_VALUES_IN(volumes)) \
    X(OPT_TMPFS, "tmpfs", 0, CR_OPT_VALUES_IN(tmpfs)) \
    X(OPT_WORKDIR, "workdir", 'w', CR_OPT_VALUE_IN(workdir)) \
    X(OPT_USER, "user", 'u', CR_OPT_VALUE_IN(user)) \
    X(OPT_ENTRYPOINT, "entrypoint", 0, CR_OPT_VALUE_IN(entrypoint)) \
    X(OPT_HOSTNAME, "hostname", 0, CR_OPT_VALUE_IN(hostname)) \
    X(OPT_READ_ONLY, "read-only", 0, CR_OPT_FLAG_IN(read_only)) \
    X(OPT_MEMORY, "memory", 'm', CR_OPT_VALUE_IN(memory)) \
    X(OPT_CPUS, "cpus", 0, CR_OPT_VALUE_IN(cpus)) \
    X(OPT_PIDS_LIMIT, "pids-limit", 0, CR_OPT_VALUE_IN(pids_limit)) \
    X(OPT_CAP_ADD, "cap-add", 0, CR_OPT_VALUES_IN(cap_add)) \
    X(OPT_CAP_DROP, "cap-drop", 0, CR_OPT_VALUES_IN(cap_drop)) \
    X(OPT_PRIVILEGED, "privileged", 0, CR_OPT_FLAG_IN(privileged)) \
    X(OPT_SECURITY_OPT, "security-opt", 0, CR_OPT_VALUES_IN(security_opt)) \
    X(OPT_ULIMIT, "ulimit", 0, CR_OPT_VALUES_IN(ulimits)) \
    X(OPT_NETWORK, "network", 0, CR_OPT_VALUE) \
    X(OPT_NET, "net", 0, CR_OPT_VALUE) \
    X(OPT_NETWORK_ALIAS, "network-alias", 0, CR_OPT_VALUES_IN(network_aliases)) \
    X(OPT_TTY, "tty", 't', CR_OPT_FLAG_IN(tty)) \
    X(OPT_INTERACTIVE, "interactive", 'i', CR_OPT_FLAG_IN(interactive)) \
    X(OPT_INIT, "init", 0, CR_OPT_FLAG) \
    X(OPT_ROOTFS, "rootfs", 0, CR_OPT_VALUE_IN(rootfs)) \
    X(OPT_PULL, "pull", 0, CR_OPT_VALUE) \
    X(OPT_PLATFORM, "platform", 0, CR_OPT_VALUE) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG) \
    X(OPT_PUBLISH, "publish", 'p', CR_OPT_VALUES_IN(publish)) \
    X(OPT_DNS, "dns", 0, CR_OPT_VALUES_IN(dns)) \
    X(OPT_ADD_HOST, "add-host", 0, CR_OPT_VALUES_IN(add_hosts)) \
    X(OPT_MOUNT, "mount", 0, CR_OPT_VALUES_IN(mounts)) \
    X(OPT_LABEL, "label", 'l', CR_OPT_VALUES_IN(labels)) \
    X(OPT_LABEL_FILE, "label-file", 0, CR_OPT_VALUES_IN(label_files)) \
    X(OPT_EXPOSE, "expose", 0, CR_OPT_VALUES_IN(expose)) \
    X(OPT_PUBLISH_ALL, "publish-all", 'P', CR_OPT_FLAG_IN(publish_all)) \
    X(OPT_DEVICE, "device", 0, CR_OPT_VALUES_IN(devices)) \
    X(OPT_SHM_SIZE, "shm-size", 0, CR_OPT_VALUE_IN(shm_size)) \
    X(OPT_SYSCTL, "sysctl", 0, CR_OPT_VALUES_IN(sysctls)) \
    X(OPT_GROUP_ADD, "group-add", 0, CR_OPT_VALUES_IN(group_add)) \
    X(OPT_STOP_SIGNAL, "stop-signal", 0, CR_OPT_VALUE_IN(stop_signal)) \
    X(OPT_STOP_TIMEOUT, "stop-timeout", 0, CR_OPT_VALUE_IN(stop_timeout)) \
    X(OPT_MEMORY_SWAP, "memory-swap", 0, CR_OPT_VALUE_IN(memory_swap)) \
    X(OPT_MEMORY_RESERVATION, "memory-reservation", 0, CR_OPT_VALUE_IN(memory_reservation)) \
    X(OPT_CPU_SHARES, "cpu-shares", 'c', CR_OPT_VALUE_IN(cpu_shares)) \
    X(OPT_CPUSET_CPUS, "cpuset-cpus", 0, CR_OPT_VALUE_IN(cpuset_cpus)) \
    X(OPT_PID, "pid", 0, CR_OPT_VALUE_IN(pid)) \
    X(OPT_IPC, "ipc", 0, CR_OPT_VALUE_IN(ipc)) \
    X(OPT_UTS, "uts", 0, CR_OPT_VALUE_IN(uts)) \
    X(OPT_CIDFILE, "cidfile", 0, CR_OPT_VALUE_IN(cidfile)) \
    X(OPT_IP, "ip", 0, CR_OPT_VALUE_IN(ip)) \
    X(OPT_MAC_ADDRESS, "mac-address", 0, CR_OPT_VALUE_IN(mac_address)) \
    X(OPT_VOLUMES_FROM, "volumes-from", 0, CR_OPT_VALUES_IN(volumes_from)) \
    X(OPT_ATTACH, "attach", 'a', CR_OPT_VALUE) \
    X(OPT_SIG_PROXY, "sig-proxy", 0, CR_OPT_FLAG) \
    X(OPT_DETACH_KEYS, "detach-keys", 0, CR_OPT_VALUE_IN(detach_keys)) \
    X(OPT_RESTART, "restart", 0, CR_OPT_VALUE_IN(restart)) \
    X(OPT_LOG_DRIVER, "log-driver", 0, CR_OPT_VALUE_IN(log_driver)) \
    X(OPT_LOG_OPT, "log-opt", 0, CR_OPT_VALUES_IN(log_opts)) \
    X(OPT_HEALTH_CMD, "health-cmd", 0, CR_OPT_VALUE_IN(health_cmd)) \
    X(OPT_HEALTH_INTERVAL, "health-interval", 0, CR_OPT_VALUE_IN(health_interval)) \
    X(OPT_HEALTH_TIMEOUT, "health-timeout", 0, CR_OPT_VALUE_IN(health_timeout)) \
    X(OPT_HEALTH_RETRIES, "health-retries", 0, CR_OPT_VALUE_IN(health_retries)) \
    X(OPT_HEALTH_START_PERIOD, "health-start-period", 0, CR_OPT_VALUE_IN(health_start_period)) \
    X(OPT_NO_HEALTHCHECK, "no-healthcheck", 0, CR_OPT_FLAG_IN(no_healthcheck))
/* Any of these on the command line chooses the OCI form. */
#define RUN_OCI_ONLY_OPTIONS(X) \
    CR_CREATE_OPTIONS(X) \
    X(OPT_KEEP, "keep", 0, CR_OPT_FLAG)
#define RUN_OCI_OPTIONS(X) \
    RUN_OCI_ONLY_OPTIONS(X) \
    X(OPT_DETACH, "detach", 'd', CR_OPT_FLAG)

static int cr_run_bundle(int argc, char **argv) {
    CR_OPTIONS(opts, RUN_OCI_OPTIONS);
    cr_create_opts o = {0};
    const char *bundle;
    cr_optstate st;
    cr_err err = {0};
    int status = 0, rc = cr_opt_create(&st, argc, argv, opts, &bundle, &o);
    if (rc >= 0) return rc;
    o.detach = cr_opt_given(&st, OPT_DETACH) > 0;
    o.keep = cr_opt_given(&st, OPT_KEEP) > 0;
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (cr_container_run(&cr_main_runtime, st.operands[0], bundle, &o, &status, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return status;
}

/* Is this command line the OCI form? */
static int cr_run_is_bundle_form(int argc, char **argv) {
    CR_OPTIONS(oci, RUN_OCI_ONLY_OPTIONS);
    int i, operands = 0, image_opts = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (argv[i][0] != '-') operands++;
        else if (cr_opt_match(oci, argv[i]) >= 0) return 1;
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

typedef struct cr_run_found { const char *digest; char name[CR_REF_STRING_MAX]; } cr_run_found;
static int cr_run_by_digest(void *user, const cr_image_info *img) {
    cr_run_found *f = (cr_run_found *)user;
    if (strcmp(img->digest, f->digest)) return 0;
    snprintf(f->name, sizeof f->name, "%s", img->name[0] ? img->name : img->config);
    return 1;
}

/* Pulls the image when the policy says so; 0 when it is in the store.
   oci:DIR[:TAG] and docker-archive:FILE[:REF] are imported, and *image
   becomes the name they got. */
static int cr_run_pull(const char **image, const char *policy, const char *platform, int quiet, cr_err *err) {
    static cr_run_found f;
    cr_image_info info;
    cr_pull_opts po = {0};
    cr_ref ref;
    char digest[CR_DIGEST_MAX];
    const char *rest;
    int kind, missing;
    po.platform = platform;
    cr_main_pull_defaults(&po);
    if (cr_ref_transport(*image, &kind, &rest) == 0 && kind != CR_TRANSPORT_REGISTRY) {
        if (cr_image_pull(&cr_main_store, *image, &po, digest, err) < 0) return -1;
        f.digest = digest;
        if (cr_store_list(&cr_main_store, cr_run_by_digest, &f, err) <= 0) return cr_err_set(err, ENOENT, "%s: imported, but not found in the store", *image);
        *image = f.name;
        return 0;
    }
    missing = cr_store_find(&cr_main_store, *image, &info, err) < 0;
    /* a reference that can never be pulled is said before anything else */
    if (missing && cr_ref_parse(*image, &ref, err) < 0) return -1;
    if (!strcmp(policy, "never") || (!strcmp(policy, "missing") && !missing)) return missing ? -ENOENT : 0;
    if (missing && !quiet) fprintf(stderr, "Unable to find image '%s' locally\n", *image);
    if (cr_image_pull(&cr_main_store, *image, &po, digest, err) < 0) return -1;
    if (!quiet) fprintf(stderr, "Pulled %s: %s\n", *image, digest);
    return 0;
}

/* -a STREAM...: the streams not named read or write /dev/null. */
static int cr_run_attach(const char *applet, const char **streams, int detach, int interactive) {
    static const char *const names[3] = { "stdin", "stdout", "stderr" };
    int fd, k, want = 0;
    if (!streams) return 0;
    if (detach) return cr_main_usage_error(applet, "conflicting options: -a and -d"), -1;
    for (; *streams; streams++) {
        for (k = 0; k < 3 && strcasecmp(*streams, names[k]); k++) ;
        if (k == 3) return cr_main_usage_error(applet, "-a \"%s\": expected stdin, stdout or stderr", *streams), -1;
        want |= 1 << k;
    }
    for (k = 0; k < 3; k++)
        if (!(want >> k & 1) && (k || interactive) && (fd = open("/dev/null", k ? O_WRONLY : O_RDONLY)) >= 0) { dup2(fd, k); close(fd); }
    return 0;
}

/* cr.conf's defaults for what the command line left unset. */
static void cr_run_conf_defaults(cr_ctr_opts *o) {
    const char *d = cr_conf_get(&cr_main_conf, CR_CONF_LOG_DRIVER), *v, **opts;
    if (!o->network) o->network = cr_conf_get(&cr_main_conf, CR_CONF_NETWORK);
    if (!o->dns) o->dns = cr_conf_list(&cr_main_conf, CR_CONF_DNS);
    if (!o->ulimits) o->ulimits = cr_conf_list(&cr_main_conf, CR_CONF_ULIMITS);
    o->default_caps = cr_conf_list(&cr_main_conf, CR_CONF_CAPABILITIES);
    o->bridge = cr_conf_get(&cr_main_conf, CR_CONF_BRIDGE);
    o->subnet = cr_conf_get(&cr_main_conf, CR_CONF_SUBNET);
    o->seccomp_profile = cr_conf_get(&cr_main_conf, CR_CONF_SECCOMP_PROFILE);
    /* the file's log options go to the driver it names, before --log-opt,
       which overrides them key by key (as Docker's daemon log-opts) */
    if (!o->log_driver || !strcmp(o->log_driver, d ? d : "json-file")) {
        static char size[80], files[40];
        size_t n = 0, k = 0;
        while (o->log_opts && o->log_opts[k]) k++;
        if (!(opts = (const char **)calloc(k + 3, sizeof *opts))) return;
        if ((v = cr_conf_get(&cr_main_conf, CR_CONF_LOG_SIZE_MAX))) snprintf(size, sizeof size, "max-size=%s", v), opts[n++] = size;
        if ((v = cr_conf_get(&cr_main_conf, CR_CONF_LOG_MAX_FILE))) snprintf(files, sizeof files, "max-file=%s", v), opts[n++] = files;
        if (k) memcpy(opts + n, o->log_opts, k * sizeof *opts);
        o->log_opts = opts;
    }
    if (!o->log_driver) o->log_driver = d;
}

/* 126/127 when the command is at fault, as Docker says; else 125. */
static int cr_run_failure_status(const cr_err *err) {
    if (err->kind != CR_ERR_EXEC) return 125;
    return err->code == ENOENT ? 127 : err->code == EACCES || err->code == ENOEXEC ? 126 : 125;
}

static int cr_run_image(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, RUN_IMAGE_OPTIONS, cr_ctr_opts);
    cr_ctr_opts o = {0};
    cr_optstate st;
    cr_err err = {0};
    const char *policy, *platform;
    char name[256];
    int k, status = 0, quiet, rc = cr_opt_parse(&st, argc, argv, opts, NULL, CR_OPT_STOP_AT_OPERAND);
    if (rc >= 0) return rc ? 125 : 0;
    cr_opt_into(&st, opts, &o);
    while ((k = cr_opt_next(&st)) >= 0) if (k == OPT_NETWORK || k == OPT_NET) o.network = st.value;
    if (cr_opt_given(&st, OPT_INIT)) o.init = "/proc/self/exe";
    policy = cr_opt_value_or(&st, OPT_PULL, "missing");
    platform = cr_opt_value(&st, OPT_PLATFORM);
    quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    o.no_sig_proxy = cr_opt_said_false(&st, OPT_SIG_PROXY);
    if (cr_run_attach(argv[0], cr_opt_values(&st, OPT_ATTACH), o.detach, o.interactive) < 0) return 125;
    if (strcmp(policy, "missing") && strcmp(policy, "always") && strcmp(policy, "never"))
        return cr_main_usage_error(argv[0], "--pull: expected missing, always or never"), 125;
    if (!o.rootfs && !st.noperands) return cr_main_usage_error(argv[0], "expected an IMAGE (or --rootfs DIR)"), 125;
    /* with --rootfs every operand is the command; else IMAGE comes first */
    if (!o.rootfs) o.image = st.operands[0];
    o.args = (const char *const *)(st.operands + (o.rootfs ? 0 : 1));
    cr_run_conf_defaults(&o);
    if (cr_util_reexec_sealed(cr_main_argv, &err) < 0) return cr_main_fail_err(argv[0], &err), 125;
    cr_main_gc();
    if (o.image && cr_run_pull(&o.image, policy, platform, quiet, &err) < 0) return cr_main_fail_err(argv[0], &err), 125;
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
