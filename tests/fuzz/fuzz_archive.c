// cr-test: libs=-lzstd -lz -lbearssl
/* libFuzzer target for the local image sources of cr_image_pull: the
   first byte picks what the rest is.
     bit 0 clear  docker save's manifest.json, through cr__dsave_parse
     bit 0 set    an archive, listed from a memfd by cr__tar_list into a
                  cr__src; then every recorded name is looked up with
                  cr__src_find (links followed) and read; unless bit 7 is
                  set, header checksums are recomputed first so that
                  mutations get past them
   What is accepted must hold the promises the importer relies on:
   manifest.json's names are names inside the archive and its RepoTags
   references; the listing holds cleaned names only, every entry's data
   lies inside the file, and lookups end on a regular file entry or fail
   with a message. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* nothing here needs libseccomp */
#include "cr.h"
#include "fuzz_tar_common.h"

#include <stdlib.h>
#include <string.h>

static int inside(const char *name) {
    char clean[PATH_MAX];
    return strlen(name) < PATH_MAX && cr__tar_clean(name, clean) == 0 && clean[0];
}

static void manifest(const char *body, size_t len) {
    cr_json *root = NULL;
    const cr_json *e, *v, *x;
    cr_err err = {0};
    char d[CR_SHA256_DIGEST_MAX];
    if (cr__dsave_parse(body, len, &root, &err) < 0) {
        if (root || !err.msg[0]) abort();
        return;
    }
    if (!root || root->type != CR_JSON_ARRAY || !root->len) abort();
    for (e = root->child; e; e = e->next) {
        v = cr_json_get(e, "Config");
        if (e->type != CR_JSON_OBJECT || !v || v->type != CR_JSON_STRING || !inside(v->str)) abort();
        cr__dsave_digest(v->str, d);
        if (d[0] && (strlen(d) != 71 || cr__ref_digest_why(d, 71))) abort();
        v = cr_json_get(e, "Layers");
        if (!v || v->type != CR_JSON_ARRAY) abort();
        for (x = v->child; x; x = x->next)
            if (x->type != CR_JSON_STRING || !inside(x->str)) abort();
        v = cr_json_get(e, "RepoTags");
        if (v && v->type != CR_JSON_NULL) {
            if (v->type != CR_JSON_ARRAY) abort();
            for (x = v->child; x; x = x->next) {
                cr_ref ref;
                if (x->type != CR_JSON_STRING || cr_ref_parse(x->str, &ref, NULL) < 0) abort();
            }
        }
    }
    cr_json_free(root);
}

static void archive(const uint8_t *data, size_t size, int keep_sums) {
    cr__src s;
    cr_err err = {0};
    cr_buf out = {0};
    uint8_t *copy = (uint8_t *)malloc(size + 1);
    size_t i;
    int fd;
    if (!copy) abort();
    memcpy(copy, data, size);
    if (!keep_sums) fix_checksums(copy, size);
    memset(&s, 0, sizeof s);
    s.dirfd = -1;
    fd = (int)syscall(SYS_memfd_create, "archive", MFD_CLOEXEC);
    if (fd < 0 || cr__write_all(fd, copy, size) < 0) abort();
    s.fd = fd;
    if (cr__tar_list(fd, "archive", cr__src_visit, &s, &err) < 0) {
        if (!err.code || !err.msg[0]) abort();
    } else {
        for (i = 0; i < s.n; i++) {
            const cr__src_entry *e = &s.e[i];
            const char *name = s.names.data + e->name;
            char clean[PATH_MAX];
            if (e->off > size || e->size > size - e->off) abort();
            if (cr__tar_clean(name, clean) != 0 || strcmp(clean, name)) abort();
            if (e->type != '0' && e->type != '1' && e->type != '2') abort();
        }
        for (i = 0; i < s.n; i++) {
            const cr__src_entry *hit;
            err.code = 0;
            err.msg[0] = 0;
            if (cr__src_find(&s, "entry", s.names.data + s.e[i].name, &hit, &err) < 0) {
                if (!err.code || !err.msg[0]) abort();
                continue;
            }
            if (hit < s.e || hit >= s.e + s.n || hit->type != '0') abort();
            if (cr__src_read(&s, "entry", s.names.data + s.e[i].name, 1 << 16, &out, &err) < 0) {
                if (err.code != EFBIG) abort();
            } else if (out.len != hit->size || (out.len && memcmp(out.data, copy + hit->off, out.len))) {
                abort();
            }
        }
    }
    close(fd);
    CR_FREE(s.e);
    cr_buf_free(&s.names);
    cr_buf_free(&out);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    if (data[0] & 1) archive(data + 1, size - 1, data[0] & 0x80);
    else manifest((const char *)data + 1, size - 1);
    return 0;
}
