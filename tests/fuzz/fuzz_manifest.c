// cr-test: libs=-lbearssl
/* libFuzzer target for the registry's JSON documents: the first byte picks
   the Content-Type, the rest goes through cr_manifest_parse (and, for an
   index, cr_manifest_pick), cr_manifest_config_parse and cr_auth_token_parse.
   What is accepted must hold the promises the store relies on: verifiable
   digests, NULL-terminated arrays, a token fit for a header. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* none of this needs libseccomp */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static const char *const types[] = {
    NULL, "", CR_MT_OCI_MANIFEST, CR_MT_OCI_INDEX, CR_MT_DOCKER_MANIFEST, CR_MT_DOCKER_LIST,
    "application/json; charset=utf-8", "application/vnd.docker.distribution.manifest.v1+prettyjws",
};
static const char *const platforms[] = {NULL, "linux/amd64", "linux/arm64", "linux/arm/v6", "windows/amd64", "linux/amd64/v3"};

static void check_desc(const cr_descriptor *d) {
    if (cr__ref_digest_why(d->digest, strlen(d->digest)) || d->size > INT64_MAX) abort();
}

static void manifest(const char *ct, const char *body, size_t len) {
    cr_manifest m;
    cr_err err = {0};
    size_t i, k;
    if (cr_manifest_parse(ct, body, len, &m, &err) < 0) {
        if (strncmp(err.msg, "manifest: ", 10) || m.layers || m.manifests) abort();
        return;
    }
    if (m.is_index != (!strcmp(m.media_type, CR_MT_OCI_INDEX) || !strcmp(m.media_type, CR_MT_DOCKER_LIST))) abort();
    if (m.is_index ? m.nlayers != 0 : m.nmanifests != 0) abort();
    if (!m.is_index) check_desc(&m.config);
    for (i = 0; i < m.nlayers; i++) {
        check_desc(&m.layers[i]);
        if (m.layers[i].compression < CR_LAYER_TAR || m.layers[i].compression > CR_LAYER_ZSTD) abort();
    }
    for (i = 0; i < m.nmanifests; i++) check_desc(&m.manifests[i]);
    for (k = 0; m.is_index && k < sizeof platforms / sizeof *platforms; k++) {
        const cr_descriptor *d = (const cr_descriptor *)&m;
        if (cr_manifest_pick(&m, platforms[k], &d, &err) == 0) {
            if (!d || d < m.manifests || d >= m.manifests + m.nmanifests) abort();
        } else if (d || !err.msg[0]) abort();
    }
    cr_manifest_free(&m);
}

static void config(const char *body, size_t len) {
    cr_image_config c;
    cr_err err = {0};
    size_t i;
    if (cr_manifest_config_parse(body, len, &c, &err) < 0) {
        if (c.json || c.arena) abort();
        return;
    }
    if ((c.env && c.env[c.nenv]) || (c.cmd && c.cmd[c.ncmd]) || (c.entrypoint && c.entrypoint[c.nentrypoint]) ||
        (c.volumes && c.volumes[c.nvolumes]) || (c.exposed_ports && c.exposed_ports[c.nexposed_ports]) || !c.diff_ids || c.diff_ids[c.ndiff_ids])
        abort();
    for (i = 0; i < c.ndiff_ids; i++) if (cr__ref_digest_why(c.diff_ids[i], strlen(c.diff_ids[i]))) abort();
    for (i = 0; i < c.nlabels; i++) if (!c.labels[i].key || !c.labels[i].value) abort();
    cr_manifest_config_free(&c);
}

static void token(const char *body, size_t len) {
    cr_buf t = {0};
    int64_t exp, iss;
    size_t i;
    if (cr_auth_token_parse(body, len, &t, &exp, &iss, NULL) == 0) {
        if (!t.len || exp < 60 || exp > INT32_MAX) abort();
        for (i = 0; i < t.len; i++) if ((unsigned char)t.data[i] <= ' ' || (unsigned char)t.data[i] >= 0x7f) abort();
    }
    cr_buf_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *body = (const char *)data + 1;
    if (!size) return 0;
    manifest(types[data[0] % (sizeof types / sizeof *types)], body, size - 1);
    config(body, size - 1);
    token(body, size - 1);
    return 0;
}
