// cr-test: timeout=60
/* Unit tests of the spec section: cr_spec_parse on valid configs (runc's
   default from cr_spec_default, and one using most members, checked field
   by field), on members of the wrong type, out of range, unknown enum
   values and relative paths (the error names the member), plus
   cr_spec_parse_process and cr_spec_load. No privileges. TAP. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* the spec section needs libc only */
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* A config with ociVersion and root, then the given members. */
#define CFG(members) "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," members "}"
#define PROCESS(members) CFG("\"process\":{" members "}")
#define LINUX(members) CFG("\"linux\":{" members "}")

static int parse(cr_spec *spec, const char *text, cr_err *err) {
    memset(err, 0, sizeof *err);
    return cr_spec_parse(spec, text, strlen(text), err);
}

static void t_default(void) {
    static const int flags[] = { 0, CR_SPEC_ROOTLESS, CR_SPEC_SECCOMP, CR_SPEC_ROOTLESS | CR_SPEC_SECCOMP };
    size_t i;
    for (i = 0; i < sizeof flags / sizeof *flags; i++) {
        cr_buf text = {0};
        cr_spec spec;
        cr_err err = {0};
        cr_spec_default(&text, flags[i]);
        if (cr_spec_parse(&spec, text.data, text.len, &err) < 0) {
            TAP_FAIL("flags %d: %s", flags[i], err.msg);
        } else {
            CHECK(spec.has_process && spec.process.nargs == 1 && !strcmp(spec.process.args[0], "sh"));
            CHECK(spec.process.cwd && !strcmp(spec.process.cwd, "/"));
            CHECK(!strcmp(spec.root_path, "rootfs"));
            CHECK(spec.ns[CR_NS_PID].present && spec.ns[CR_NS_MNT].present);
            CHECK(spec.ns[CR_NS_USER].present == !!(flags[i] & CR_SPEC_ROOTLESS));
            CHECK((spec.seccomp != NULL) == !!(flags[i] & CR_SPEC_SECCOMP));
            cr_spec_free(&spec);
        }
        cr_buf_free(&text);
    }
}

static const char full[] = "{"
    "\"ociVersion\":\"1.2.0\",\"future\":{\"ignored\":[1,2]},"
    "\"root\":{\"path\":\"/srv/rootfs\",\"readonly\":true},"
    "\"hostname\":\"web\",\"domainname\":\"example.org\","
    "\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
    "  \"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,6]},"
    "  \"args\":[\"/bin/sh\",\"-c\",\"true\"],\"env\":[\"PATH=/bin\",\"A=b=c\"],\"cwd\":\"/work\","
    "  \"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]},"
    "  \"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096}],"
    "  \"noNewPrivileges\":true,\"oomScoreAdj\":-500,"
    "  \"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":4},"
    "  \"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5}},"
    "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"ro\",\"size=64k\",\"mode=1777\",\"rprivate\"]},"
    "  {\"destination\":\"/data\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"rro\"]}],"
    "\"hooks\":{\"prestart\":[{\"path\":\"/bin/hook\",\"args\":[\"hook\",\"x\"],\"timeout\":5}]},"
    "\"annotations\":{\"k\":\"v\"},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},"
    "  {\"type\":\"network\",\"path\":\"/proc/1/ns/net\"},{\"type\":\"user\"}],"
    "  \"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "  \"gidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
    "  \"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":438}],"
    "  \"cgroupsPath\":\"/cr/web\",\"rootfsPropagation\":\"rslave\","
    "  \"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
    "  \"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
    "  \"personality\":{\"domain\":\"LINUX32\"},\"resources\":{\"pids\":{\"limit\":10}}}"
    "}";

static void t_full(void) {
    cr_spec s;
    cr_err err;
    const cr_process *p = &s.process;
    if (parse(&s, full, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK_STR(s.oci_version, "1.2.0");
    CHECK_STR(s.root_path, "/srv/rootfs");
    CHECK(s.root_readonly);
    CHECK_STR(s.hostname, "web");
    CHECK_STR(s.domainname, "example.org");
    CHECK(p->terminal && p->console_height == 24 && p->console_width == 80);
    CHECK(p->uid == 1000 && p->gid == 100 && p->has_umask && p->umask == 18);
    CHECK(p->ngids == 2 && p->gids[0] == 5 && p->gids[1] == 6);
    CHECK(p->nargs == 3 && !strcmp(p->args[2], "true") && p->args[3] == NULL);
    CHECK(p->nenv == 2 && !strcmp(p->env[1], "A=b=c") && p->env[2] == NULL);
    CHECK_STR(p->cwd, "/work");
    CHECK(p->has_caps);
    CHECK(p->caps[CR_CAP_BOUNDING] == (1ULL << cr_spec_cap_parse("CAP_CHOWN") | 1ULL << cr_spec_cap_parse("CAP_KILL")));
    CHECK(p->caps[CR_CAP_EFFECTIVE] == 1ULL << cr_spec_cap_parse("CAP_KILL"));
    CHECK(p->caps[CR_CAP_AMBIENT] == 0);
    CHECK(p->nrlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 4096);
    CHECK(p->no_new_privileges);
    CHECK(p->has_oom_score_adj && p->oom_score_adj == -500);
    CHECK(p->has_io_priority && p->io_priority_class == 2 && p->io_priority == 4);
    CHECK(p->has_scheduler && p->sched_policy == 3 && p->sched_nice == 5);
    CHECK(s.nmounts == 2);
    if (s.nmounts == 2) {
        CHECK_STR(s.mounts[0].destination, "/tmp");
        CHECK(s.mounts[0].flags == (MS_NOSUID | MS_RDONLY) && !s.mounts[0].bind);
        CHECK_STR(s.mounts[0].data, "size=64k,mode=1777");
        CHECK(s.mounts[0].propagation == (MS_PRIVATE | MS_REC));
        CHECK(s.mounts[1].bind && s.mounts[1].type == NULL && s.mounts[1].flags == (MS_BIND | MS_REC));
        CHECK(s.mounts[1].attr_set == MOUNT_ATTR_RDONLY);
    }
    CHECK(s.nhooks[CR_HOOK_PRESTART] == 1 && s.nhooks[CR_HOOK_POSTSTOP] == 0);
    if (s.nhooks[CR_HOOK_PRESTART] == 1) {
        CHECK_STR(s.hooks[CR_HOOK_PRESTART][0].path, "/bin/hook");
        CHECK(s.hooks[CR_HOOK_PRESTART][0].timeout == 5 && !strcmp(s.hooks[CR_HOOK_PRESTART][0].args[1], "x"));
    }
    CHECK(s.annotations != NULL);
    CHECK(s.ns[CR_NS_PID].present && !s.ns[CR_NS_PID].path);
    CHECK(s.ns[CR_NS_NET].present && s.ns[CR_NS_NET].path && !strcmp(s.ns[CR_NS_NET].path, "/proc/1/ns/net"));
    CHECK(!s.ns[CR_NS_IPC].present && !s.ns[CR_NS_CGROUP].present);
    CHECK(s.n_uid_map == 1 && s.uid_map[0].host_id == 100000 && s.uid_map[0].size == 65536);
    CHECK(s.n_gid_map == 1);
    CHECK(s.ndevices == 1 && s.devices[0].type == 'c' && s.devices[0].major == 10 && s.devices[0].minor == 229);
    CHECK(s.ndevices == 1 && s.devices[0].has_mode && s.devices[0].file_mode == 438 && !s.devices[0].has_uid);
    CHECK_STR(s.cgroups_path, "/cr/web");
    CHECK(s.rootfs_propagation == (MS_SLAVE | MS_REC));
    CHECK(s.nsysctl == 1 && !strcmp(s.sysctl[0].key, "net.ipv4.ip_forward") && !strcmp(s.sysctl[0].value, "1"));
    CHECK(s.nmasked == 1 && s.nreadonly == 2 && !strcmp(s.readonly_paths[1], "/proc/bus"));
    CHECK(s.has_personality && s.personality == PER_LINUX32);
    CHECK(s.resources != NULL && s.seccomp == NULL);
    cr_spec_free(&s);
}

/* Each config is refused with an error whose message contains want. */
static const struct { const char *config, *want; } bad[] = {
    { "[]", "expected a JSON object, got array" },
    { "{\"ociVersion\":\"1.0.2\",", "line 1" },
    { "{\"root\":{\"path\":\"rootfs\"}}", "ociVersion: required" },
    { "{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"rootfs\"}}", "ociVersion: unsupported version \"2.0.0\"" },
    { "{\"ociVersion\":1,\"root\":{\"path\":\"rootfs\"}}", "ociVersion: expected string, got number" },
    { "{\"ociVersion\":\"1.0.2\"}", "root.path: required" },
    { "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":\"yes\"}}", "root.readonly: expected a boolean, got string" },
    { CFG("\"process\":[]"), "process: expected object, got array" },
    { PROCESS("\"args\":\"sh\",\"cwd\":\"/\""), "process.args: expected array, got string" },
    { PROCESS("\"args\":[\"sh\",1],\"cwd\":\"/\""), "process.args[1]: expected string, got number" },
    { PROCESS("\"args\":[\"sh\"],\"env\":[\"PATH\"],\"cwd\":\"/\""), "process.env[0]: \"PATH\" is not NAME=VALUE" },
    { PROCESS("\"args\":[\"sh\"]"), "process.cwd: required" },
    { PROCESS("\"args\":[\"sh\"],\"cwd\":\"work\""), "process.cwd: \"work\" is not an absolute path" },
    { PROCESS("\"terminal\":1,\"cwd\":\"/\""), "process.terminal: expected a boolean, got number" },
    { PROCESS("\"user\":{\"uid\":\"0\"},\"cwd\":\"/\""), "process.user.uid: expected number, got string" },
    { PROCESS("\"user\":{\"uid\":-1},\"cwd\":\"/\""), "process.user.uid: -1 is not an integer in [0, 4294967295]" },
    { PROCESS("\"user\":{\"gid\":4294967296},\"cwd\":\"/\""), "process.user.gid: 4294967296 is not an integer" },
    { PROCESS("\"user\":{\"additionalGids\":[1,\"2\"]},\"cwd\":\"/\""), "process.user.additionalGids[1]: expected number, got string" },
    { PROCESS("\"capabilities\":{\"effective\":\"CAP_KILL\"},\"cwd\":\"/\""), "process.capabilities.effective: expected array, got string" },
    { PROCESS("\"rlimits\":[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}],\"cwd\":\"/\""), "process.rlimits[0].type: unknown rlimit \"RLIMIT_NOPE\"" },
    { PROCESS("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1}],\"cwd\":\"/\""), "process.rlimits[0]: soft and hard are required" },
    { PROCESS("\"oomScoreAdj\":2000,\"cwd\":\"/\""), "process.oomScoreAdj: 2000 is not an integer in [-1000, 1000]" },
    { PROCESS("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_FAST\"},\"cwd\":\"/\""), "process.ioPriority.class: unknown class \"IOPRIO_CLASS_FAST\"" },
    { PROCESS("\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":40},\"cwd\":\"/\""), "process.scheduler.nice: 40 is not an integer in [-20, 19]" },
    { CFG("\"mounts\":{}"), "mounts: expected array, got object" },
    { CFG("\"mounts\":[{\"destination\":\"tmp\",\"type\":\"tmpfs\"}]"), "mounts[0].destination: \"tmp\" is not an absolute path" },
    { CFG("\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\"},{\"destination\":\"/b\"}]"), "mounts[1].type: required unless options has bind or rbind" },
    { CFG("\"mounts\":[{\"destination\":\"/b\",\"options\":[\"bind\"]}]"), "mounts[0].source: required for a bind mount" },
    { CFG("\"mounts\":[{\"destination\":\"/b\",\"type\":\"tmpfs\",\"options\":\"ro\"}]"), "mounts[0]: mounts[].options: expected array, got string" },
    { CFG("\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}"), "hooks.prestart[0].path: must be an absolute path" },
    { CFG("\"hooks\":{\"poststop\":[{\"path\":\"/hook\",\"timeout\":0}]}"), "hooks.poststop[0].timeout: must be greater than zero" },
    { CFG("\"annotations\":{\"k\":1}"), "annotations.k: expected string, got number" },
    { CFG("\"hostname\":\"web\""), "hostname: setting it needs a new uts namespace" },
    { LINUX("\"namespaces\":{}"), "linux.namespaces: expected array, got object" },
    { LINUX("\"namespaces\":[{\"type\":\"bogus\"}]"), "linux.namespaces[0].type: unknown namespace type \"bogus\"" },
    { LINUX("\"namespaces\":[{\"type\":1}]"), "linux.namespaces[0]: expected string, got number" },
    { LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"), "linux.namespaces[1].type: duplicate namespace \"pid\"" },
    { LINUX("\"namespaces\":[{\"type\":\"net\"}]"), "linux.namespaces[0].type: unknown namespace type \"net\"" },
    { LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]"), "linux.namespaces[0].path: \"proc/1/ns/net\" is not an absolute path" },
    { LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"), "linux.uidMappings: set, but no new user namespace is requested" },
    { LINUX("\"namespaces\":[{\"type\":\"user\"}]"), "linux.uidMappings: a new user namespace needs uidMappings and gidMappings" },
    { LINUX("\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]"), "linux.uidMappings[0].size: must be at least 1" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]"), "linux.devices[0].type: \"z\" is not one of c, b, u, p" },
    { LINUX("\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3}]"), "linux.devices[0].path: must be an absolute path" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]"), "linux.devices[0]: major and minor are required for type c" },
    { LINUX("\"resources\":[]"), "linux.resources: expected object, got array" },
    { LINUX("\"rootfsPropagation\":\"sideways\""), "linux.rootfsPropagation: unknown propagation \"sideways\"" },
    { LINUX("\"sysctl\":{\"kernel/x\":\"1\"}"), "linux.sysctl: invalid key \"kernel/x\"" },
    { LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":1}"), "linux.sysctl.net.ipv4.ip_forward: expected string, got number" },
    { LINUX("\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]"), "linux.maskedPaths[1]: \"proc/keys\" is not an absolute path" },
    { LINUX("\"readonlyPaths\":[\"sys\"]"), "linux.readonlyPaths[0]: \"sys\" is not an absolute path" },
    { LINUX("\"personality\":{\"domain\":\"BSD\"}"), "linux.personality.domain: unknown domain \"BSD\"" },
};

static void t_bad(void) {
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_spec spec;
        cr_err err;
        int r = parse(&spec, bad[i].config, &err);
        if (r >= 0) { TAP_FAIL("accepted %s", bad[i].config); cr_spec_free(&spec); continue; }
        /* out-of-range numbers say ERANGE in err.code; the parse still returns -EINVAL */
        if (r != -EINVAL || (err.code != EINVAL && err.code != ERANGE)) TAP_FAIL("%s: returned %d, code %d", bad[i].config, r, err.code);
        if (!strstr(err.msg, bad[i].want)) TAP_FAIL("%s:\n  error \"%s\"\n  lacks \"%s\"", bad[i].config, err.msg, bad[i].want);
    }
}

static char warned[512];
static void keep_warning(void *user, int level, const char *msg) {
    (void)user;
    if (level == CR_LOG_WARN) snprintf(warned, sizeof warned, "%s", msg);
}

/* Unknown capability names are warnings, as runtime-spec 1.1 asks: a newer
   kernel's name must not stop a container on an older one. */
static void t_unknown_capability(void) {
    static const char config[] = PROCESS("\"capabilities\":{\"bounding\":[\"CAP_NOPE\",\"CAP_CHOWN\"]},\"cwd\":\"/\"");
    cr_spec spec;
    cr_err err;
    warned[0] = 0;
    cr_log_set(keep_warning, NULL, CR_LOG_WARN);
    if (parse(&spec, config, &err) < 0) TAP_FAIL("refused: %s", err.msg);
    else {
        CHECK(spec.process.caps[CR_CAP_BOUNDING] == 1ULL << cr_spec_cap_parse("CAP_CHOWN"));
        cr_spec_free(&spec);
    }
    cr_log_set(NULL, NULL, CR_LOG_WARN);
    CHECK_HAS(warned, "process.capabilities.bounding[0]: unknown capability \"CAP_NOPE\"");
}

static void t_process(void) {
    static const char good[] = "{\"args\":[\"ps\",\"aux\"],\"cwd\":\"/\",\"env\":[\"TERM=xterm\"],\"user\":{\"uid\":7}}";
    static const char bad_args[] = "{\"args\":[1],\"cwd\":\"/\"}", no_cwd[] = "{\"args\":[\"sh\"]}";
    cr_spec owner;
    cr_process p;
    cr_err err = {0};
    memset(&owner, 0, sizeof owner);
    if (cr_spec_parse_process(&owner, &p, good, strlen(good), &err) < 0) TAP_FAIL("%s", err.msg);
    else CHECK(p.nargs == 2 && !strcmp(p.args[1], "aux") && p.nenv == 1 && p.uid == 7 && !strcmp(p.cwd, "/"));
    /* a second process replaces the first one's tree in the same owner */
    CHECK(cr_spec_parse_process(&owner, &p, bad_args, strlen(bad_args), &err) == -EINVAL);
    CHECK_HAS(err.msg, "process.args[0]: expected string, got number");
    CHECK(cr_spec_parse_process(&owner, &p, no_cwd, strlen(no_cwd), &err) == -EINVAL);
    CHECK_HAS(err.msg, "process.cwd: required");
    cr_spec_free(&owner);
}

static void t_load(void) {
    char dir[64], path[128];
    cr_spec spec;
    cr_err err = {0};
    int fd;
    if (tap_tmpdir(dir, sizeof dir, "cr-spec") < 0) return;
    CHECK(cr_spec_load(&spec, dir, &err) == -ENOENT);
    CHECK_HAS(err.msg, "config.json");
    snprintf(path, sizeof path, "%s/config.json", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    CHECK(fd >= 0 && write(fd, PROCESS("\"cwd\":5"), strlen(PROCESS("\"cwd\":5"))) > 0);
    if (fd >= 0) close(fd);
    memset(&err, 0, sizeof err);
    CHECK(cr_spec_load(&spec, dir, &err) == -EINVAL);
    /* the file first, then the member */
    CHECK_HAS(err.msg, path);
    CHECK_HAS(err.msg, "process.cwd: expected string, got number");
    cr__rm_rf(AT_FDCWD, dir);
}

static const tap_test tests[] = {
    { "cr_spec_default parses back, rootless and seccomp variants too", t_default },
    { "a config using most members, field by field; unknown members ignored", t_full },
    { "wrong types, ranges, enums and relative paths are errors naming the member", t_bad },
    { "unknown capability names are warnings naming them", t_unknown_capability },
    { "cr_spec_parse_process: a process object alone", t_process },
    { "cr_spec_load: a missing or bad config.json names the file and the member", t_load },
};

int main(void) {
    return TAP_RUN_ALL(tests);
}
