// cr-test: libs=-lseccomp
/* embed.c - proves that cr.h embeds: one #define, one #include, link
   libseccomp, and another program runs containers through the public API
   alone (no applet, no cr binary). Built the way build.sh builds unit tests
   (cc -O1 -g -Wall -I. with glibc, dynamic). Needs root: prints
   "1..0 # SKIP not root" otherwise. Prints TAP.

   Bundle: a rootfs with Debian's busybox-static, config.json from
   cr_spec_default() rewritten through the JSON API (process.args, terminal
   false, a bind mount of a temp dir at /out); state root in a temp dir. */
#define CR_IMPLEMENTATION
#define CR_NO_REGISTRY   /* only runs bundles: libc + libseccomp */
#include "cr.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BUSYBOX "/bin/busybox"

static void log_line(void *user, int level, const char *msg) {
    (void)user;
    printf("# cr log %d: %s\n", level, msg);
    fflush(stdout);
}

static char base[64];               /* the mkdtemp dir: everything lives under it */
static char bundle[128], rootfs[192], outdir[192], stateroot[192];

static int write_file(const char *path, const char *data, size_t len, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t off = 0;
    if (fd < 0) return -1;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { close(fd); return -1; }
        off += (size_t)n;
    }
    return close(fd);
}

static int copy_file(const char *from, const char *to, mode_t mode) {
    cr_buf b = {0};
    cr_err err = {0};
    int r = cr_util_read_file(AT_FDCWD, from, 64 << 20, &b, &err);
    if (r == 0) r = write_file(to, b.data, b.len, mode);
    cr_buf_free(&b);
    return r;
}

/* rm -rf, without following symlinks; for the temp dirs of this test only */
static void rm_rf(const char *path) {
    struct stat sb;
    if (lstat(path, &sb) < 0) return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char sub[4096];
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            rm_rf(sub);
        }
        if (d) closedir(d);
        rmdir(path);
    } else unlink(path);
}

/* Writes bundle/config.json: cr_spec_default() with process.args = args,
   terminal false, root.path = root_path and a bind mount of outdir at /out.
   Rewritten member by member with the cr_json parser and cr_jw writer. */
static int write_config(const char *const *args, const char *root_path, cr_err *err) {
    cr_buf def = {0}, out = {0};
    cr_json *root = NULL, *m, *pm;
    cr_jw w;
    char path[512];
    int i, r;
    cr_spec_default(&def, 0);
    if (def.oom || !def.data) { cr_buf_free(&def); return cr_err_set(err, ENOMEM, "cr_spec_default: out of memory"); }
    if ((r = cr_json_parse(def.data, def.len, &root, err)) < 0) { cr_buf_free(&def); return cr_err_wrap(err, "default spec"); }
    cr_jw_init(&w, &out);
    cr_jw_obj(&w);
    for (m = root->child; m; m = m->next) {
        cr_jw_key(&w, m->key);
        if (!strcmp(m->key, "process") && m->type == CR_JSON_OBJECT) {
            cr_jw_obj(&w);
            for (pm = m->child; pm; pm = pm->next) {
                cr_jw_key(&w, pm->key);
                if (!strcmp(pm->key, "terminal")) cr_jw_bool(&w, 0);
                else if (!strcmp(pm->key, "args")) {
                    cr_jw_arr(&w);
                    for (i = 0; args[i]; i++) cr_jw_str(&w, args[i]);
                    cr_jw_arr_end(&w);
                } else cr_jw_value(&w, pm);
            }
            cr_jw_obj_end(&w);
        } else if (!strcmp(m->key, "root")) {
            cr_jw_obj(&w);
            cr_jw_key(&w, "path"); cr_jw_str(&w, root_path);
            cr_jw_key(&w, "readonly"); cr_jw_bool(&w, 1);
            cr_jw_obj_end(&w);
        } else if (!strcmp(m->key, "mounts") && m->type == CR_JSON_ARRAY) {
            cr_jw_arr(&w);
            for (pm = m->child; pm; pm = pm->next) cr_jw_value(&w, pm);
            cr_jw_obj(&w);
            cr_jw_key(&w, "destination"); cr_jw_str(&w, "/out");
            cr_jw_key(&w, "type"); cr_jw_str(&w, "bind");
            cr_jw_key(&w, "source"); cr_jw_str(&w, outdir);
            cr_jw_key(&w, "options");
            cr_jw_arr(&w); cr_jw_str(&w, "rbind"); cr_jw_str(&w, "rw"); cr_jw_arr_end(&w);
            cr_jw_obj_end(&w);
            cr_jw_arr_end(&w);
        } else cr_jw_value(&w, m);
    }
    cr_jw_obj_end(&w);
    cr_json_free(root);
    cr_buf_free(&def);
    if (out.oom || !out.data) { cr_buf_free(&out); return cr_err_set(err, ENOMEM, "config.json: out of memory"); }
    snprintf(path, sizeof path, "%s/config.json", bundle);
    r = write_file(path, out.data, out.len, 0644);
    cr_buf_free(&out);
    if (r < 0) return cr_err_set(err, errno, "write %s: %s", path, strerror(errno));
    return 0;
}

/* Polls the state until the container has stopped. The bound only guards
   against a hang (build.sh's own timeout would lose the TAP output). */
static int wait_stopped(const cr_runtime *rt, const char *id, cr_state *st, cr_err *err) {
    struct timespec ts = { 0, 5 * 1000 * 1000 };
    int i, r;
    for (i = 0; i < 12000; i++) {   /* 12000 x 5 ms = 60 s */
        memset(st, 0, sizeof *st);
        if ((r = cr_state_load(rt, id, st, err)) < 0) return r;
        if (st->status == CR_STOPPED) return 0;
        cr_state_free(st);
        nanosleep(&ts, NULL);
    }
    return cr_err_set(err, ETIMEDOUT, "container \"%s\" did not stop", id);
}

static int dir_exists(const char *root, const char *id) {
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", root, id);
    return lstat(p, &sb) == 0;
}

int main(void) {
    static const char *const args_write[] = { "/bin/sh", "-c", "echo embedded > /out/x", NULL };
    static const char *const args_exit3[] = { "/bin/sh", "-c", "exit 3", NULL };
    cr_runtime rt = {0};
    cr_state st;
    cr_err err = {0};
    cr_buf got = {0};
    cr_spec spec;
    char path[512], id[64], id_run[64], id_bad[64], id_dup[64], id_none[64], diag[8192];
    struct stat sb;
    int r, status = -1, created = 0;

    if (geteuid() != 0) return tap_skip_all("not root");
    if (stat(BUSYBOX, &sb) < 0) return tap_skip_all("no " BUSYBOX " (package busybox-static)");
    tap_plan(20);
    cr_log_set(log_line, NULL, CR_LOG_WARN);

    if (tap_tmpdir(base, sizeof base, "cr-embed") < 0) return 1;
    snprintf(bundle, sizeof bundle, "%s/bundle", base);
    snprintf(rootfs, sizeof rootfs, "%s/rootfs", bundle);
    snprintf(outdir, sizeof outdir, "%s/out", base);
    snprintf(stateroot, sizeof stateroot, "%s/state", base);
    rt.root = stateroot;
    snprintf(id, sizeof id, "embed-%d", (int)getpid());
    snprintf(id_run, sizeof id_run, "embed-%d-run", (int)getpid());
    snprintf(id_bad, sizeof id_bad, "embed-%d-bad", (int)getpid());
    snprintf(id_dup, sizeof id_dup, "embed-%d-dup", (int)getpid());
    snprintf(id_none, sizeof id_none, "embed-%d-none", (int)getpid());

    /* 1: bundle */
    r = 0;
    if (mkdir(bundle, 0755) < 0 || mkdir(rootfs, 0755) < 0 || mkdir(outdir, 0777) < 0) r = -1;
    {
        static const char *const dirs[] = { "bin", "proc", "dev", "sys", "tmp", "out" };
        size_t i;
        for (i = 0; !r && i < sizeof dirs / sizeof *dirs; i++) {
            snprintf(path, sizeof path, "%s/%s", rootfs, dirs[i]);
            if (mkdir(path, 0755) < 0) r = -1;
        }
    }
    snprintf(path, sizeof path, "%s/bin/busybox", rootfs);
    if (!r && copy_file(BUSYBOX, path, 0755) < 0) r = -1;
    snprintf(path, sizeof path, "%s/bin/sh", rootfs);
    if (!r && symlink("busybox", path) < 0) r = -1;
    snprintf(diag, sizeof diag, "%s", r == 0 ? "" : strerror(errno));
    TAP_OK_WHY(r == 0, "bundle rootfs from busybox-static", diag);

    /* 2: config.json from cr_spec_default, rewritten; it parses back */
    r = write_config(args_write, "rootfs", &err);
    if (r == 0) {
        cr_buf text = {0};
        snprintf(path, sizeof path, "%s/config.json", bundle);
        memset(&spec, 0, sizeof spec);
        r = cr_util_read_file(AT_FDCWD, path, 1 << 20, &text, &err);
        if (r == 0 && (r = cr_spec_parse(&spec, text.data, text.len, &err)) == 0) {
            if (spec.process.nargs != 3 || strcmp(spec.process.args[2], args_write[2]) || spec.process.terminal)
                r = cr_err_set(&err, EINVAL, "process not as written");
            cr_spec_free(&spec);
        }
        cr_buf_free(&text);
    }
    TAP_OK_WHY(r == 0, "config.json from cr_spec_default() + bind mount at /out parses", err.msg);

    /* 3-4: create, state created */
    fflush(stdout);
    memset(&err, 0, sizeof err);
    r = cr_container_create(&rt, id, bundle, NULL, &err);
    created = r == 0;
    TAP_OK_WHY(r == 0, "cr_container_create", err.msg);
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    r = cr_state_load(&rt, id, &st, &err);
    snprintf(diag, sizeof diag, "r=%d status=%s pid=%d bundle=%s %s", r,
             r == 0 ? cr_state_status_name(st.status) : "-", (int)st.pid, st.bundle, err.msg);
    TAP_OK_WHY(r == 0 && st.status == CR_CREATED && st.pid > 0 && !strcmp(st.id, id), "cr_state_load: created, with a pid", diag);
    cr_state_free(&st);

    /* 5-6: start, wait until stopped */
    memset(&err, 0, sizeof err);
    r = cr_container_start(&rt, id, &err);
    TAP_OK_WHY(r == 0, "cr_container_start", err.msg);
    memset(&err, 0, sizeof err);
    r = wait_stopped(&rt, id, &st, &err);
    TAP_OK_WHY(r == 0, "cr_state_load polls to stopped", err.msg);
    if (r == 0) cr_state_free(&st);

    /* 7: the container wrote /out/x through the bind mount */
    snprintf(path, sizeof path, "%s/x", outdir);
    memset(&err, 0, sizeof err);
    r = cr_util_read_file(AT_FDCWD, path, 4096, &got, &err);
    snprintf(diag, sizeof diag, "r=%d got \"%s\" %s", r, got.data ? got.data : "", err.msg);
    TAP_OK_WHY(r == 0 && got.data && !strcmp(got.data, "embedded\n"), "the container wrote /out/x = \"embedded\"", diag);
    cr_buf_free(&got);

    /* 8-9: delete; the state dir is gone */
    memset(&err, 0, sizeof err);
    r = created ? cr_container_delete(&rt, id, 0, &err) : -1;
    TAP_OK_WHY(r == 0, "cr_container_delete", err.msg);
    memset(&err, 0, sizeof err);
    r = cr_state_load(&rt, id, &st, &err);
    if (r == 0) cr_state_free(&st);
    snprintf(diag, sizeof diag, "state dir %s: %s; cr_state_load r=%d", id, dir_exists(stateroot, id) ? "exists" : "gone", r);
    TAP_OK_WHY(!dir_exists(stateroot, id) && r < 0, "after delete the state dir is gone and cr_state_load fails", diag);

    /* 10-11: run `exit 3`: status 3, no state left behind */
    memset(&err, 0, sizeof err);
    r = write_config(args_exit3, "rootfs", &err);
    if (r == 0) {
        fflush(stdout);
        r = cr_container_run(&rt, id_run, bundle, NULL, &status, &err);
    }
    snprintf(diag, sizeof diag, "r=%d status=%d %s", r, status, err.msg);
    TAP_OK_WHY(r == 0 && status == 3, "cr_container_run of `exit 3` gives status 3", diag);
    TAP_OK_WHY(!dir_exists(stateroot, id_run), "cr_container_run leaves no state behind", id_run);
    if (dir_exists(stateroot, id_run)) { cr_err e2 = {0}; cr_container_delete(&rt, id_run, CR_DELETE_FORCE, &e2); }

    /* 12-13: create with a missing rootfs fails, names root.path, leaves no state */
    memset(&err, 0, sizeof err);
    r = write_config(args_exit3, "no-such-rootfs", &err);
    if (r == 0) r = cr_container_create(&rt, id_bad, bundle, NULL, &err);
    snprintf(diag, sizeof diag, "r=%d msg=\"%s\"", r, err.msg);
    TAP_OK_WHY(r < 0 && strstr(err.msg, "root.path") != NULL, "create with a missing rootfs fails naming root.path", diag);
    TAP_OK_WHY(!dir_exists(stateroot, id_bad), "a failed create leaves no state dir", id_bad);
    if (r == 0) { cr_err e2 = {0}; cr_container_delete(&rt, id_bad, CR_DELETE_FORCE, &e2); }

    /* 14-15: delete of an unknown id fails; force-delete of it succeeds */
    memset(&err, 0, sizeof err);
    r = cr_container_delete(&rt, id_none, 0, &err);
    snprintf(diag, sizeof diag, "r=%d msg=\"%s\"", r, err.msg);
    TAP_OK_WHY(r < 0 && err.msg[0] && strstr(err.msg, id_none) != NULL, "delete of an unknown id fails and names it", diag);
    memset(&err, 0, sizeof err);
    r = cr_container_delete(&rt, id_none, CR_DELETE_FORCE, &err);
    TAP_OK_WHY(r == 0, "force delete of an unknown id succeeds (runc's delete --force)", err.msg);
    {
        cr_create_opts bad_fds = {0};
        bad_fds.preserve_fds = -1;
        memset(&err, 0, sizeof err);
        r = cr_container_create(&rt, id_none, bundle, &bad_fds, &err);
        snprintf(diag, sizeof diag, "r=%d msg=\"%s\"", r, err.msg);
        TAP_OK_WHY(r < 0 && strstr(err.msg, "preserve_fds") && !dir_exists(stateroot, id_none),
                   "a negative preserve_fds is refused, naming it, and leaves nothing", diag);
    }

    /* 16-19: a second create with the same id fails and leaves the first
       intact; a created container goes with a plain delete, and with force */
    memset(&err, 0, sizeof err);
    r = write_config(args_exit3, "rootfs", &err);
    fflush(stdout);
    if (r == 0) r = cr_container_create(&rt, id_dup, bundle, NULL, &err);
    TAP_OK_WHY(r == 0, "create another container", err.msg);
    memset(&err, 0, sizeof err);
    r = cr_container_create(&rt, id_dup, bundle, NULL, &err);
    snprintf(diag, sizeof diag, "r=%d msg=\"%s\"", r, err.msg);
    TAP_OK_WHY(r == -EEXIST && strstr(err.msg, "exists") != NULL, "create with a used id fails with EEXIST", diag);
    memset(&err, 0, sizeof err);
    /* runc's rule, which containerd relies on: a created container (its
       process never ran) is deleted without force */
    r = cr_container_delete(&rt, id_dup, 0, &err);
    snprintf(diag, sizeof diag, "r=%d msg=\"%s\"", r, err.msg);
    TAP_OK_WHY(r == 0 && !dir_exists(stateroot, id_dup), "plain delete of a created container removes it", diag);
    memset(&err, 0, sizeof err);
    r = cr_container_create(&rt, id_dup, bundle, NULL, &err);
    if (r == 0) r = cr_container_delete(&rt, id_dup, CR_DELETE_FORCE, &err);
    TAP_OK_WHY(r == 0 && !dir_exists(stateroot, id_dup), "force delete of a created container", err.msg);

    /* cleanup: whatever is left under the state root, then the temp dir */
    {
        const char *all[] = { id, id_run, id_bad, id_dup, id_none };
        size_t i;
        for (i = 0; i < sizeof all / sizeof *all; i++)
            if (dir_exists(stateroot, all[i])) { cr_err e2 = {0}; cr_container_delete(&rt, all[i], CR_DELETE_FORCE, &e2); }
    }
    rm_rf(base);
    return tap_done();
}
