// cr-test: timeout=60
/* Unit tests of the state section: state.json written the way create does
   (cr__state_save, atomically) and read back through cr_state_load into a
   temp state root; the status computed from the pid, its start time and
   the start fifo; a missing container, a stale directory, a damaged file
   (an error naming state.json), bad ids, and cr_state_list's order. TAP. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* state needs libc only */
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];
static cr_runtime rt;

/* The container's state directory (made if missing), opened. */
static int state_dir(const char *id) {
    char path[256];
    int fd;
    snprintf(path, sizeof path, "%s/%s", root, id);
    if (mkdir(path, 0711) < 0 && errno != EEXIST) TAP_FAIL("mkdir %s: %s", path, strerror(errno));
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) TAP_FAIL("open %s: %s", path, strerror(errno));
    return fd;
}

static void put(int dirfd, const char *name, const char *text) {
    cr_err err = {0};
    if (cr__write_atomic(dirfd, name, text, strlen(text), 0, &err) < 0) TAP_FAIL("write %s: %s", name, err.msg);
}

/* Saves st as create would, then loads it back into got. */
static int save_load(const cr_state *st, int creating, cr_state *got, cr_err *err) {
    int dirfd = state_dir(st->id), r;
    memset(err, 0, sizeof *err);
    r = cr__state_save(dirfd, st, creating, err);
    close(dirfd);
    if (r < 0) return r;
    return cr_state_load(&rt, st->id, got, err);
}

static void fill(cr_state *st, const char *id) {
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->bundle, sizeof st->bundle, "/srv/bundles/%s", id);
    snprintf(st->rootfs, sizeof st->rootfs, "/srv/bundles/%s/rootfs", id);
    snprintf(st->created, sizeof st->created, "2024-05-01T12:00:00.123456789Z");
    snprintf(st->cgroup, sizeof st->cgroup, "/sys/fs/cgroup/nonexistent/%s\n", id);
    st->owner = 1000;
}

static void t_round_trip(void) {
    cr_state st, got;
    cr_err err;
    cr_buf out = {0};
    char annotations[] = "{\"org.example.key\":\"a value\"}";
    fill(&st, "web");
    st.annotations_json = annotations;
    if (save_load(&st, 0, &got, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK_STR(got.id, "web");
    CHECK_STR(got.bundle, "/srv/bundles/web");
    CHECK_STR(got.rootfs, "/srv/bundles/web/rootfs");
    CHECK_STR(got.created, st.created);
    CHECK_STR(got.cgroup, st.cgroup);
    CHECK(got.owner == 1000);
    CHECK(got.pid == 0);
    CHECK(got.status == CR_STOPPED);
    CHECK_STR((const char *)got.annotations_json, annotations);
    /* the OCI state a client reads (runc's shape and key order) */
    cr_state_json(&got, &out);
    CHECK_HAS(out.data, "\"ociVersion\":\"");
    CHECK_HAS(out.data, "\"id\":\"web\",\"pid\":0,\"status\":\"stopped\",\"bundle\":\"/srv/bundles/web\"");
    CHECK_HAS(out.data, "\"annotations\":{\"org.example.key\":\"a value\"}");
    CHECK_HASNT(out.data, "pidStart");
    cr_buf_free(&out);
    cr_state_free(&got);
    CHECK(got.annotations_json == NULL);
}

/* The status is computed, never stored: pid, its start time, the fifo. */
static void t_status(void) {
    cr_state st, got;
    cr_err err;
    int dirfd;
    fill(&st, "status");
    CHECK(save_load(&st, 1, &got, &err) == 0 && got.status == CR_CREATING);
    st.pid = getpid();
    st.pid_start = cr__pid_start_time(st.pid);
    CHECK(save_load(&st, 1, &got, &err) == 0 && got.status == CR_CREATING);
    dirfd = state_dir("status");
    put(dirfd, "exec.fifo", "");
    CHECK(save_load(&st, 0, &got, &err) == 0 && got.status == CR_CREATED && got.pid == st.pid);
    CHECK(unlinkat(dirfd, "exec.fifo", 0) == 0);
    CHECK(save_load(&st, 0, &got, &err) == 0 && got.status == CR_RUNNING);
    CHECK_STR(cr_state_status_name(got.status), "running");
    /* the same pid with another start time is a reused pid: stopped */
    st.pid_start++;
    CHECK(save_load(&st, 0, &got, &err) == 0 && got.status == CR_STOPPED);
    close(dirfd);
}

static void t_missing(void) {
    cr_state got;
    cr_err err = {0};
    int dirfd;
    CHECK(cr_state_load(&rt, "absent", &got, &err) == -ENOENT);
    CHECK_STR(err.msg, "container \"absent\" does not exist");
    /* a directory without state.json: create died before writing it */
    dirfd = state_dir("stale");
    close(dirfd);
    memset(&err, 0, sizeof err);
    CHECK(cr_state_load(&rt, "stale", &got, &err) == 0);
    CHECK_STR(got.id, "stale");
    CHECK(got.status == CR_STOPPED && got.pid == 0);
    cr_state_free(&got);
}

static void t_damaged(void) {
    static const char *const bad[] = { "{\"id\":\"broken\",", "", "\x01garbage", "{\"id\":\"broken\"}}" };
    cr_state got;
    cr_err err;
    size_t i;
    int dirfd = state_dir("broken");
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        put(dirfd, "state.json", bad[i]);
        memset(&err, 0, sizeof err);
        CHECK(cr_state_load(&rt, "broken", &got, &err) == -EINVAL);
        CHECK(err.code == EINVAL);
        CHECK_HAS(err.msg, "/broken/state.json is damaged: ");
    }
    close(dirfd);
}

static void t_bad_ids(void) {
    static const struct { const char *id, *want; } t[] = {
        { "", "container id: must not be empty" },
        { "..", "container id \"..\": invalid" },
        { "../etc", "container id \"../etc\": invalid character '/'" },
        { "a b", "invalid character ' '" },
    };
    cr_state got;
    cr_err err;
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        memset(&err, 0, sizeof err);
        CHECK(cr_state_load(&rt, t[i].id, &got, &err) == -EINVAL);
        CHECK_HAS(err.msg, t[i].want);
    }
    CHECK(cr_state_check_id("web-1_a.b+c", NULL) == 0);
}

static int collect(void *user, const cr_state *st) {
    cr_buf *ids = (cr_buf *)user;
    cr_buf_puts(ids, st->id);
    cr_buf_putc(ids, ' ');
    return 0;
}

/* Every container under the root, sorted by id; names no id can have are skipped. */
static void t_list(void) {
    char path[256];
    cr_buf ids = {0};
    cr_err err = {0};
    snprintf(path, sizeof path, "%s/.hidden", root);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/not an id", root);
    CHECK(mkdir(path, 0700) == 0);
    CHECK(cr_state_list(&rt, collect, &ids, &err) == 0);
    /* the containers the tests above made; "broken" fails to load and is left out */
    CHECK_STR(ids.data, "stale status web ");
    cr_buf_free(&ids);
}

static const tap_test tests[] = {
    { "state.json round trip: every field, annotations, the OCI state JSON", t_round_trip },
    { "status from pid, start time and exec.fifo: creating, created, running, stopped", t_status },
    { "a missing container is ENOENT naming it; a stale directory is stopped", t_missing },
    { "a damaged state.json is an error naming the file", t_damaged },
    { "bad ids are refused before any path is made", t_bad_ids },
    { "cr_state_list: sorted ids, stray names skipped", t_list },
};

int main(void) {
    int status;
    if (tap_tmpdir(root, sizeof root, "cr-state") < 0) return 1;
    rt.root = root;
    status = TAP_RUN_ALL(tests);
    cr__rm_rf(AT_FDCWD, root);
    return status;
}
