// cr-test: libs=-lzstd -lz -lbearssl
/* Unit tests of the local image sources behind cr_image_pull's oci:,
   oci-archive: and docker-archive: transports: the tar listing (entries,
   data offsets, PAX names, links resolved inside the archive, ".." and
   truncation refused), docker save's manifest.json checker, the names
   images get, and cr_auth_remove of every entry (logout --all). Archives
   are built in memory and listed from a memfd. No network. TAP output. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* nothing here needs libseccomp */
#include "cr.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- a minimal tar writer: ustar headers, a PAX path for long names ---- */

static void pad(cr_buf *b) {
    static const char zero[512];
    if (b->len % 512) cr_buf_add(b, zero, 512 - b->len % 512);
}

static void hdr(cr_buf *b, const char *name, char type, const char *link, size_t size) {
    uint8_t h[512];
    unsigned sum = 0;
    size_t i;
    memset(h, 0, sizeof h);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011zo", size);
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (uint8_t)type;
    if (link) memcpy(h + 157, link, strlen(link));
    memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++) sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    cr_buf_add(b, h, 512);
}

/* A file (type '0'), symlink ('2'), hard link ('1') or directory ('5');
   names of 100 bytes and more go into a PAX header. */
static void entry(cr_buf *b, const char *name, char type, const char *link, const char *data, size_t len) {
    if (strlen(name) >= 100) {
        char rec[600];
        size_t n = strlen(name) + 8;   /* " path=", "\n" and at least one digit of the length itself */
        while ((size_t)snprintf(rec, sizeof rec, "%zu path=%s\n", n, name) != n) n++;
        hdr(b, "PaxHeader", 'x', NULL, strlen(rec));
        cr_buf_puts(b, rec);
        pad(b);
    }
    hdr(b, name, type, link, len);
    if (len) { cr_buf_add(b, data, len); pad(b); }
}

static void finish(cr_buf *b) {
    static const char zero[1024];
    cr_buf_add(b, zero, sizeof zero);
}

/* Lists b (from a memfd) into s; returns cr__tar_list's result. */
static int list(const cr_buf *b, cr__src *s, int *fd, cr_err *err) {
    memset(s, 0, sizeof *s);
    s->dirfd = s->fd = -1;
    *fd = memfd_create("archive", MFD_CLOEXEC);
    if (*fd < 0 || cr__write_all(*fd, b->data, b->len) < 0) return -EIO;
    s->fd = *fd;
    return cr__tar_list(*fd, "archive", cr__src_visit, s, err);
}

static void src_free(cr__src *s) {
    if (s->fd >= 0) close(s->fd);
    CR_FREE(s->e);
    cr_buf_free(&s->names);
}

/* The data of name as cr__src_read gets it, or NULL. */
static char *read_entry(cr__src *s, const char *name, cr_buf *out) {
    cr_err err = {0};
    return cr__src_read(s, "entry", name, 1 << 20, out, &err) == 0 ? out->data : NULL;
}

/* ---- tests ---- */

static void t_list_entries(void) {
    cr_buf b = {0}, out = {0};
    cr__src s;
    cr_err err = {0};
    char longname[200], big[1500];
    const cr__src_entry *e;
    int fd, r;
    memset(big, 'b', sizeof big);
    memset(longname, 0, sizeof longname);
    memset(longname, 'n', 150);
    memcpy(longname, "dir/", 4);
    entry(&b, "blobs/", '5', NULL, NULL, 0);
    entry(&b, "./index.json", '0', NULL, "{}", 2);
    entry(&b, "a.tar", '0', NULL, big, sizeof big);
    entry(&b, "x/layer.tar", '2', "../a.tar", NULL, 0);
    entry(&b, "y/layer.tar", '2', "/x/layer.tar", NULL, 0);
    entry(&b, "hard", '1', "a.tar", NULL, 0);
    entry(&b, longname, '0', NULL, "long", 4);
    entry(&b, "/abs/name", '0', NULL, "abs", 3);
    entry(&b, "index.json", '0', NULL, "[1]", 3);   /* the last entry of a name wins */
    finish(&b);
    r = list(&b, &s, &fd, &err);
    CHECK(r == 0);
    if (r) TAP_FAIL("%s", err.msg);
    CHECK(s.n == 8);   /* the directory is not recorded */
    CHECK(read_entry(&s, "index.json", &out) && !strcmp(out.data, "[1]"));
    CHECK(read_entry(&s, "a.tar", &out) && out.len == sizeof big && !memcmp(out.data, big, sizeof big));
    CHECK(read_entry(&s, "x/layer.tar", &out) && out.len == sizeof big);
    CHECK(read_entry(&s, "y/layer.tar", &out) && out.len == sizeof big);
    CHECK(read_entry(&s, "./x//layer.tar", &out) && out.len == sizeof big);
    CHECK(read_entry(&s, "hard", &out) && out.len == sizeof big);
    CHECK(read_entry(&s, longname, &out) && !strcmp(out.data, "long"));
    CHECK(read_entry(&s, "abs/name", &out) && !strcmp(out.data, "abs"));
    CHECK(cr__src_find(&s, NULL, "x/layer.tar", &e, &err) == 0 && e->type == '0' && !strcmp(s.names.data + e->name, "a.tar"));
    CHECK(cr__src_find(&s, "layer", "nope.tar", &e, &err) == -ENOENT);
    CHECK_HAS(err.msg, "layer \"nope.tar\": not in the archive");
    CHECK(cr__src_find(&s, "layer", "../a.tar", &e, &err) == -EINVAL);
    CHECK_HAS(err.msg, "layer \"../a.tar\": not a name inside the archive");
    CHECK(cr__src_read(&s, "config", "a.tar", 100, &out, &err) == -EFBIG);
    CHECK_HAS(err.msg, "config \"a.tar\": 1500 bytes, more than 100");
    CHECK(cr__src_read(&s, "config", "blobs", 100, &out, &err) == -ENOENT);   /* a directory is nothing to read */
    src_free(&s);
    cr_buf_free(&b);
    cr_buf_free(&out);
}

static void t_list_refuses(void) {
    static const struct { const char *name; char type; const char *link; const char *find, *want; } links[] = {
        {"l", '2', "../../etc/passwd", "l", "link target \"../../etc/passwd\" is outside the archive"},
        {"d/l", '2', "../../x", "d/l", "link target \"../../x\" is outside the archive"},
        {"h", '1', "../x", "h", "link target \"../x\" is outside the archive"},
        {"e", '2', "", "e", "link target \"\" is outside the archive"},
    };
    cr_buf b = {0}, out = {0};
    cr__src s;
    cr_err err = {0};
    const cr__src_entry *e;
    size_t i;
    int fd;

    entry(&b, "ok", '0', NULL, "x", 1);
    entry(&b, "../evil", '0', NULL, "x", 1);
    finish(&b);
    CHECK(list(&b, &s, &fd, &err) == -EINVAL);
    CHECK_HAS(err.msg, "archive entry \"../evil\": \"..\" in the name");
    src_free(&s);

    b.len = 0;
    entry(&b, "a/../../evil", '2', "x", NULL, 0);
    finish(&b);
    CHECK(list(&b, &s, &fd, &err) == -EINVAL);
    CHECK_HAS(err.msg, "archive entry \"a/../../evil\"");
    src_free(&s);

    /* the data runs past the end: a truncated archive, not a short read later */
    b.len = 0;
    entry(&b, "big", '0', NULL, "0123456789", 10);
    b.len = 512 + 5;
    CHECK(list(&b, &s, &fd, &err) == -EIO);
    CHECK_HAS(err.msg, "archive entry \"big\": truncated archive");
    src_free(&s);

    b.len = 0;
    entry(&b, "x", '0', NULL, "x", 1);
    for (i = 0; i < sizeof links / sizeof *links; i++) entry(&b, links[i].name, links[i].type, links[i].link, NULL, 0);
    entry(&b, "loop1", '2', "loop2", NULL, 0);
    entry(&b, "loop2", '2', "loop1", NULL, 0);
    finish(&b);
    CHECK(list(&b, &s, &fd, &err) == 0);
    for (i = 0; i < sizeof links / sizeof *links; i++) {
        err.msg[0] = 0;
        CHECK(cr__src_find(&s, NULL, links[i].find, &e, &err) < 0);
        CHECK_HAS(err.msg, links[i].want);
    }
    CHECK(cr__src_find(&s, NULL, "loop1", &e, &err) == -ELOOP);
    CHECK_HAS(err.msg, "loop1: too many links");
    CHECK(read_entry(&s, "x", &out) && !strcmp(out.data, "x"));
    src_free(&s);

    /* not a tar at all */
    b.len = 0;
    cr_buf_puts(&b, "{\"this is\": \"json\"}");
    pad(&b);
    CHECK(list(&b, &s, &fd, &err) == -EINVAL);
    CHECK_HAS(err.msg, "archive: offset 0: invalid tar header");
    src_free(&s);
    cr_buf_free(&b);
    cr_buf_free(&out);
}

static void t_join(void) {
    static const struct { const char *dir, *target, *want; } t[] = {
        {"x", "../a.tar", "a.tar"}, {"a/b", "../c", "a/c"}, {"a/b", "./c/./d", "a/b/c/d"}, {"", "a", "a"},
        {"a/b", "/c", "c"}, {"a", "..//b/", "b"}, {"a/b", "../../c", "c"},
        {"a", "../..", NULL}, {"", "..", NULL}, {"a/b", "../../../c", NULL},
    };
    char out[PATH_MAX];
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        int r = cr__src_join(t[i].dir, t[i].target, out);
        if (t[i].want ? r != 0 || strcmp(out, t[i].want) : r != -1)
            TAP_FAIL("join(\"%s\", \"%s\"): %d \"%s\", want %s", t[i].dir, t[i].target, r, r ? "" : out, t[i].want ? t[i].want : "-1");
    }
}

static void t_dsave_parse(void) {
    static const struct { const char *json, *err; } bad[] = {
        {"{}", "expected an array, got object"},
        {"[]", "no images"},
        {"[1]", "[0]: expected object, got number"},
        {"[{\"Layers\": []}]", "[0].Config: missing"},
        {"[{\"Config\": 5, \"Layers\": []}]", "[0].Config: expected string, got number"},
        {"[{\"Config\": \"\", \"Layers\": []}]", "[0].Config: \"\" is not a name inside the archive"},
        {"[{\"Config\": \"/\", \"Layers\": []}]", "[0].Config: \"/\" is not a name inside the archive"},
        {"[{\"Config\": \"c.json\"}]", "[0].Layers: expected array, got nothing"},
        {"[{\"Config\": \"c.json\", \"Layers\": {}}]", "[0].Layers: expected array, got object"},
        {"[{\"Config\": \"c.json\", \"Layers\": [\"a/layer.tar\", \"../b\"]}]", "[0].Layers[1]: \"../b\" is not a name inside the archive"},
        {"[{\"Config\": \"c.json\", \"Layers\": [null]}]", "[0].Layers[0]: expected string, got null"},
        {"[{\"Config\": \"c.json\", \"Layers\": [], \"RepoTags\": \"a\"}]", "[0].RepoTags: expected array, got string"},
        {"[{\"Config\": \"c.json\", \"Layers\": [], \"RepoTags\": [1]}]", "[0].RepoTags[0]: expected string, got number"},
        {"[{\"Config\": \"c.json\", \"Layers\": [], \"RepoTags\": [\"ok:1\", \"Bad\"]}]", "[0].RepoTags[1]: invalid reference \"Bad\""},
        {"[{\"Config\": \"c.json\", \"Layers\": []}, {\"Config\": \"..\", \"Layers\": []}]", "[1].Config"},
        {"[{\"Config\": \"c.json\", \"Layers\": []", "line 1"},
    };
    const char *good = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"busybox:latest\",\"localhost:5000/x/y:1\"],"
                       "\"Layers\":[\"1/layer.tar\",\"blobs/sha256/" "0123456789012345678901234567890123456789012345678901234567890123" "\"],"
                       "\"LayerSources\":{}},{\"Config\":\"./d.json\",\"RepoTags\":null,\"Layers\":[]}]";
    cr_json *root = NULL;
    cr_err err = {0};
    size_t i;
    CHECK(cr__dsave_parse(good, strlen(good), &root, &err) == 0);
    CHECK(root && root->len == 2);
    cr_json_free(root);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.msg[0] = 0;
        root = (cr_json *)&err;
        if (cr__dsave_parse(bad[i].json, strlen(bad[i].json), &root, &err) == 0) TAP_FAIL("accepted %s", bad[i].json);
        else CHECK_HAS(err.msg, bad[i].err);
        CHECK(root == NULL);
    }
}

static void t_dsave_digest(void) {
    static const struct { const char *name, *want; } t[] = {
        {"blobs/sha256/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
        {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/layer.tar", ""},   /* a v1 layer id */
        {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.tar", ""},
        {"blobs/sha256/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", ""},
        {"blobs/sha256/abc", ""}, {"config.json", ""},
    };
    char out[CR_SHA256_DIGEST_MAX];
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr__dsave_digest(t[i].name, out);
        if (strcmp(out, t[i].want)) TAP_FAIL("digest of \"%s\": \"%s\", want \"%s\"", t[i].name, out, t[i].want);
    }
}

static void t_import_name(void) {
    static const struct { const char *path, *tag, *want; } t[] = {
        {"/srv/images/busybox", "latest", "localhost/busybox:latest"},
        {"busybox/", "v1.36", "localhost/busybox:v1.36"},
        {"/x/My Layout.v2", "latest", "localhost/my-layout.v2:latest"},
        {"/x/busybox.tar", "latest", "localhost/busybox:latest"},
        {"/x/a__b--c..d", "t", "localhost/a-b-c-d:t"},
        {"/x/..hidden", "t", "localhost/hidden:t"},
        {"/", "t", "localhost/image:t"},
        {".", "t", "localhost/image:t"},
        {"/x/layout", "example.com/team/app:1.0", "example.com/team/app:1.0"},
        {"/x/layout", "busybox:1.36", "docker.io/library/busybox:1.36"},
        {"/x/layout", "localhost:5000/a", "localhost:5000/a:latest"},
    };
    char out[CR_REF_STRING_MAX];
    cr_err err = {0};
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        if (cr__import_name(t[i].path, t[i].tag, out, sizeof out, &err) < 0) TAP_FAIL("name(\"%s\", \"%s\"): %s", t[i].path, t[i].tag, err.msg);
        else if (strcmp(out, t[i].want)) TAP_FAIL("name(\"%s\", \"%s\"): \"%s\", want \"%s\"", t[i].path, t[i].tag, out, t[i].want);
    }
    CHECK(cr__import_name("/x/layout", "Bad:Tag:x", out, sizeof out, &err) == -EINVAL);
    CHECK_HAS(err.msg, "invalid reference");
}

static void t_auth_remove_all(void) {
    char dir[64], file[128];
    cr_buf text = {0};
    cr_err err = {0};
    if (tap_tmpdir(dir, sizeof dir, "cr_import_test") < 0) return;
    snprintf(file, sizeof file, "%s/config.json", dir);
    {
        FILE *f = fopen(file, "w");
        if (f) { fputs("{\"credsStore\":\"x\",\"auths\":{\"a.example\":{\"auth\":\"eDp5\"}}}", f); fclose(f); }
    }
    CHECK(cr_auth_store(file, "localhost:5000", "u", "p", &err) == 0);
    CHECK(cr_auth_remove(file, NULL, &err) == 0);
    CHECK(cr_util_read_file(AT_FDCWD, file, 1 << 20, &text, &err) == 0);
    CHECK(text.data && !strcmp(text.data, "{\"credsStore\":\"x\",\"auths\":{}}\n"));
    CHECK(cr_auth_remove(file, NULL, &err) == -ENOENT);
    CHECK_HAS(err.msg, "not logged in");
    CHECK(cr_auth_remove(file, "", &err) == -EINVAL);
    unlink(file);
    rmdir(dir);
    cr_buf_free(&text);
}

static const tap_test tests[] = {
    {"tar listing: entries, data offsets, PAX names, links followed inside the archive", t_list_entries},
    {"tar listing: .. names, truncated data, links out of the archive and loops are refused", t_list_refuses},
    {"archive link targets resolve lexically and never climb out", t_join},
    {"docker save manifest.json: accepted shapes and errors naming the member", t_dsave_parse},
    {"docker save names that carry a digest", t_dsave_digest},
    {"image names from a directory or file name and a tag or reference", t_import_name},
    {"cr_auth_remove with no registry removes every entry and keeps other keys", t_auth_remove_all},
};

int main(void) {
    return TAP_RUN_ALL(tests);
}
