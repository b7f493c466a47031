// cr-test: libs=-lbearssl
/* Unit tests of the registry section's parsers: image references (Docker's
   normalisation and its test tables), transports, manifests and indexes of
   each kind, platform choice, image configs, WWW-Authenticate challenges,
   token responses, base64 and the auth files (lookup, login/logout round
   trips in a temp dir). No network. TAP output. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* nothing here needs libseccomp */
#include "cr.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define H64 "e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"
#define D64 "sha256:" H64
#define D64B "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
#define D64C "sha256:0000000000000000000000000000000000000000000000000000000000000001"
#define D512 "sha512:" H64 H64

static char *rep(const char *unit, int times, const char *tail) {
    static char buf[8][8192];
    static int k;
    char *b = buf[k++ & 7];
    b[0] = 0;
    while (times-- > 0) strcat(b, unit);
    strcat(b, tail);
    return b;
}

/* ---- references ---- */

static void t_ref_valid(void) {
    static const struct { const char *in, *want, *domain, *path, *tag, *digest; } t[] = {
        {"alpine", "docker.io/library/alpine:latest", "docker.io", "library/alpine", "latest", ""},
        {"alpine:3.19", "docker.io/library/alpine:3.19", 0, 0, "3.19", 0},
        {"library/alpine", "docker.io/library/alpine:latest", 0, 0, 0, 0},
        {"docker.io/alpine", "docker.io/library/alpine:latest", 0, 0, 0, 0},
        {"docker.io/library/alpine", "docker.io/library/alpine:latest", 0, 0, 0, 0},
        {"index.docker.io/alpine", "docker.io/library/alpine:latest", "docker.io", 0, 0, 0},
        {"index.docker.io/user/app", "docker.io/user/app:latest", 0, 0, 0, 0},
        {"docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker", 0, 0},
        {"docker.io/library/foo/bar", "docker.io/library/foo/bar:latest", 0, "library/foo/bar", 0, 0},
        {"store/foo/bar", "docker.io/store/foo/bar:latest", 0, 0, 0, 0},
        {"localhost/foo", "localhost/foo:latest", "localhost", "foo", 0, 0},
        {"localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", ""},
        {"localhost", "docker.io/library/localhost:latest", 0, 0, 0, 0},
        {"localhost:5000", "docker.io/library/localhost:5000", 0, "library/localhost", "5000", 0},
        {"127.0.0.1:5000/debian", "127.0.0.1:5000/debian:latest", "127.0.0.1:5000", "debian", 0, 0},
        {"127.0.0.1:5000/library/debian", "127.0.0.1:5000/library/debian:latest", 0, 0, 0, 0},
        {"192.168.0.1", "docker.io/library/192.168.0.1:latest", 0, 0, 0, 0},
        {"192.168.0.1:80", "docker.io/library/192.168.0.1:80", 0, 0, "80", 0},
        {"192.168.0.1:8/debian", "192.168.0.1:8/debian:latest", "192.168.0.1:8", 0, 0, 0},
        {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000/repo:5050", 0, 0, "5050", 0},
        {"[::1]:5000/repo", "[::1]:5000/repo:latest", "[::1]:5000", "repo", 0, 0},
        {"[2001:db8::1]/repo", "[2001:db8::1]/repo:latest", "[2001:db8::1]", 0, 0, 0},
        {"[2001:db8::]:5000/repo", "[2001:db8::]:5000/repo:latest", 0, 0, 0, 0},
        {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]/repo:tag", 0, 0, 0, 0},
        {"[fc00::1]:5000/docker/docker", "[fc00::1]:5000/docker/docker:latest", 0, 0, 0, 0},
        {"[2001:db8::1]:5000/repo:tag@" D64, "[2001:db8::1]:5000/repo:tag@" D64, 0, 0, "tag", D64},
        {"registry.example/a/b/c:v1.2-rc_3", "registry.example/a/b/c:v1.2-rc_3", 0, "a/b/c", "v1.2-rc_3", 0},
        {"sub-dom1.foo.example/bar/baz/quux:some-long-tag", "sub-dom1.foo.example/bar/baz/quux:some-long-tag", "sub-dom1.foo.example", 0, 0, 0},
        {"b.foo.example/test.example.com/my-app:test.example.com", "b.foo.example/test.example.com/my-app:test.example.com", 0, "test.example.com/my-app", 0, 0},
        {"xn--n3h.example/myimage:xn--n3h.example", "xn--n3h.example/myimage:xn--n3h.example", 0, 0, 0, 0},
        {"xn--7o8h.example/myimage:xn--7o8h.example@" D512, "xn--7o8h.example/myimage:xn--7o8h.example@" D512, 0, 0, 0, D512},
        {"test:5000/repo", "test:5000/repo:latest", "test:5000", 0, 0, 0},
        {"test:5000/repo@" D64, "test:5000/repo@" D64, 0, 0, "", D64},
        {"test:5000/repo:tag@" D64, "test:5000/repo:tag@" D64, 0, 0, "tag", D64},
        {"test-com:8080/foo", "test-com:8080/foo:latest", "test-com:8080", 0, 0, 0},
        {"busybox:latest@" D64, "docker.io/library/busybox:latest@" D64, 0, 0, "latest", D64},
        {"busybox@" D64, "docker.io/library/busybox@" D64, 0, 0, "", 0},
        {"foo_bar.example:8080", "docker.io/library/foo_bar.example:8080", 0, 0, "8080", 0},
        {"foo/foo_bar.example:8080", "docker.io/foo/foo_bar.example:8080", "docker.io", "foo/foo_bar.example", 0, 0},
        {"test_com/foo", "docker.io/test_com/foo:latest", 0, 0, 0, 0},
        {"dock__er/docker", "docker.io/dock__er/docker:latest", 0, 0, 0, 0},
        {"docker---rules/docker", "docker.io/docker---rules/docker:latest", 0, 0, 0, 0},
        {"docker-rules/docker", "docker.io/docker-rules/docker:latest", 0, 0, 0, 0},
        {"d/docker", "docker.io/d/docker:latest", 0, 0, 0, 0},
        {"jess/t", "docker.io/jess/t:latest", 0, 0, 0, 0},
        {"user/a.b_c__d-e--f", "docker.io/user/a.b_c__d-e--f:latest", 0, "user/a.b_c__d-e--f", 0, 0},
        {"thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest", 0, 0, 0, 0},
        {"docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest", 0, 0, 0, 0},
        {"dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest", 0, 0, 0, 0},
        {"Docker/docker", "Docker/docker:latest", "Docker", "docker", 0, 0},
        {"FOO/bar", "FOO/bar:latest", "FOO", "bar", 0, 0},
        {"lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", 0, 0, "Uppercase", 0},
        {"alpine:_x", "docker.io/library/alpine:_x", 0, 0, "_x", 0},
        {"ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base:latest", 0, 0, 0, 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_ref r, again;
        cr_err err = {0};
        char s[CR_REF_STRING_MAX];
        if (cr_ref_parse(t[i].in, &r, &err) < 0) { TAP_FAIL("%s: %s", t[i].in, err.msg); continue; }
        cr_ref_string(&r, s, sizeof s);
        if (strcmp(s, t[i].want)) TAP_FAIL("%s: got %s, want %s", t[i].in, s, t[i].want);
        if (t[i].domain && strcmp(r.domain, t[i].domain)) TAP_FAIL("%s: domain %s", t[i].in, r.domain);
        if (t[i].path && strcmp(r.path, t[i].path)) TAP_FAIL("%s: path %s", t[i].in, r.path);
        if (t[i].tag && strcmp(r.tag, t[i].tag)) TAP_FAIL("%s: tag %s", t[i].in, r.tag);
        if (t[i].digest && strcmp(r.digest, t[i].digest)) TAP_FAIL("%s: digest %s", t[i].in, r.digest);
        /* the canonical form is a fixed point */
        if (cr_ref_parse(s, &again, &err) < 0 || memcmp(&again, &r, sizeof r)) TAP_FAIL("%s: canonical %s does not parse back", t[i].in, s);
    }
}

static void t_ref_lengths(void) {
    cr_ref r;
    cr_err err = {0};
    char in[2048];
    /* the path may have 255 bytes, with "library/" counted */
    CHECK(cr_ref_parse(rep("a/", 127, "a:tag-puts-this-over-max"), &r, &err) == 0 && strlen(r.path) == 255);
    CHECK(cr_ref_parse(rep("a/", 128, "a:tag"), &r, &err) == -EINVAL);
    CHECK_HAS(err.msg, "repository name must not be more than 255 characters");
    CHECK(cr_ref_parse(rep("a", 247, ""), &r, &err) == 0 && strlen(r.path) == 255);
    CHECK(cr_ref_parse(rep("a", 248, ""), &r, &err) == -EINVAL);
    snprintf(in, sizeof in, "registry.example/%s", rep("b", 255, ""));
    CHECK(cr_ref_parse(in, &r, &err) == 0);
    snprintf(in, sizeof in, "registry.example/%s", rep("b", 256, ""));
    CHECK(cr_ref_parse(in, &r, &err) == -EINVAL);
    /* tags: 128 characters */
    snprintf(in, sizeof in, "alpine:%s", rep("t", 128, ""));
    CHECK(cr_ref_parse(in, &r, &err) == 0 && strlen(r.tag) == 128);
    snprintf(in, sizeof in, "alpine:%s", rep("t", 129, ""));
    CHECK(cr_ref_parse(in, &r, &err) == -EINVAL);
    CHECK_HAS(err.msg, "invalid tag");
    /* registry host: 255 bytes fit the struct */
    snprintf(in, sizeof in, "%s.example/x", rep("h", 247, ""));
    CHECK(cr_ref_parse(in, &r, &err) == 0 && strlen(r.domain) == 255);
    snprintf(in, sizeof in, "%s.example/x", rep("h", 248, ""));
    CHECK(cr_ref_parse(in, &r, &err) == -EINVAL);
    CHECK_HAS(err.msg, "invalid registry host");
    /* the longest parse still prints whole */
    snprintf(in, sizeof in, "%s.example/%s:%s@" D512, rep("h", 247, ""), rep("p", 255, ""), rep("t", 128, ""));
    CHECK(cr_ref_parse(in, &r, &err) == 0);
    {
        char s[CR_REF_STRING_MAX];
        cr_ref_string(&r, s, sizeof s);
        CHECK(strlen(s) == strlen(in));
        cr_ref_string(&r, s, 10);
        CHECK(strlen(s) == 9);
    }
    CHECK(cr_ref_parse(rep("a", 1025, ""), &r, &err) == -EINVAL);
    CHECK_HAS(err.msg, "longer than 1024 bytes");
}

static void t_ref_invalid(void) {
    static const struct { const char *in, *want; } t[] = {
        {"", "invalid reference \"\": repository name must have at least one component"},
        {"Alpine", "invalid reference \"Alpine\": repository name must be lowercase"},
        {"docker/Docker", "must be lowercase"},
        {"docker.io/docker/Docker", "must be lowercase"},
        {"docker.io/Alpine", "must be lowercase"},
        {"test:5000/Uppercase/lowercase:tag", "must be lowercase"},
        {"Uppercase:tag", "must be lowercase"},
        {":justtag", "invalid repository name"},
        {"@" D64, "invalid repository name"},
        {"repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid digest \"sha256:ffffffffffffffffffffffffffffffffff\": sha256 needs 64 lowercase hex digits"},
        {"validname@invaliddigest:" H64, "invalid digest \"invaliddigest:" H64 "\": unsupported algorithm"},
        {"repo@md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported algorithm"},
        {"repo@sha384:" H64 "0123456789abcdef0123456789abcdef", "unsupported algorithm"},
        {"repo@sha256:E692418E4CBAF90CA69D05A66403747BAA33EE08806650B51FAB815AD7FC331F", "sha256 needs 64 lowercase hex digits"},
        {"repo@sha512:" H64, "sha512 needs 128 lowercase hex digits"},
        {"repo@sha256:" H64 "0", "sha256 needs 64"},
        {"repo@sha256:g692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f", "sha256 needs 64"},
        {"repo@" H64, "invalid digest \"" H64 "\": expected ALGORITHM:HEX"},
        {"alpine@", "invalid digest"},
        {"alpine:tag@", "invalid digest"},
        {"alpine:", "invalid tag \"\""},
        {"alpine:-x", "invalid tag \"-x\""},
        {"alpine:.x", "invalid tag"},
        {"alpine:a:b", "invalid tag \"a:b\""},
        {"alpine:a/b", "invalid registry host \"alpine:a\""},   /* a ':' before the first '/' makes a host */
        {"alpine:t@g", "invalid digest"},
        {"aa/asdf$$^/aa", "invalid repository name"},
        {"https://github.example/docker/docker", "invalid registry host \"https:\""},
        {"-docker", "invalid repository name"},
        {"-docker/docker", "invalid repository name"},
        {"docker-/docker", "invalid repository name"},
        {"-docker-/docker", "invalid repository name"},
        {"-docker.io/docker/docker", "invalid registry host \"-docker.io\""},
        {"host-.example/docker", "invalid registry host"},
        {"host..example/docker", "invalid registry host"},
        {"host:/docker", "invalid registry host"},
        {"host:50a0/docker", "invalid registry host"},
        {"____/____", "invalid repository name"},
        {"_docker/_docker", "invalid repository name"},
        {"dock..er/docker", "invalid registry host"},   /* a '.' makes it a host */
        {"dock_.er/docker", "invalid registry host"},
        {"dock-.er/docker", "invalid registry host"},
        {"user/dock..er", "invalid repository name"},
        {"user/dock_.er", "invalid repository name"},
        {"user/dock-.er", "invalid repository name"},
        {"dock___er/docker", "invalid repository name"},
        {"docker/", "invalid repository name"},
        {"docker///docker", "invalid repository name"},
        {"docker.io/docker///docker", "invalid repository name"},
        {"localhost:5000/", "invalid repository name"},
        {"a b", "invalid repository name"},
        {"alpine ", "invalid repository name"},
        {"[fc00::1]", "invalid repository name"},
        {"[fc00::1]:5000", "invalid repository name"},
        {"[2001:db8::1]:tag", "invalid repository name"},
        {"fc00::1:5000/debian", "invalid registry host"},
        {"[fe80::1%eth0]:5000/debian", "invalid registry host"},
        {"[fe80::1%@invalidzone]:5000/repo", "invalid registry host"},
        {"[2001:db8:3:4::192.0.2.33]:5000/debian", "invalid registry host"},
        {"[]:5000/debian", "invalid registry host"},
        {"[::1/debian", "invalid registry host"},
        {"1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "cannot specify 64-byte hexadecimal strings"},
        {"this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker",
         "must not be more than 255 characters"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_ref r;
        cr_err err = {0};
        int rc = cr_ref_parse(t[i].in, &r, &err);
        if (rc != -EINVAL || err.code != EINVAL) { TAP_FAIL("%s: expected -EINVAL, got %d", t[i].in, rc); continue; }
        if (!strstr(err.msg, t[i].want)) TAP_FAIL("%s: message \"%s\" lacks \"%s\"", t[i].in, err.msg, t[i].want);
        if (strncmp(err.msg, "invalid reference \"", 19)) TAP_FAIL("%s: message \"%s\" does not name the reference", t[i].in, err.msg);
    }
    {
        cr_ref r;
        cr_err err = {0};
        CHECK(cr_ref_parse(NULL, &r, &err) == -EINVAL);
    }
}

static void t_ref_transport(void) {
    static const struct { const char *in; int rc, kind; const char *rest; } t[] = {
        {"alpine", 0, CR_TRANSPORT_REGISTRY, "alpine"},
        {"localhost:5000/x:y", 0, CR_TRANSPORT_REGISTRY, "localhost:5000/x:y"},
        {"docker://alpine:3", 0, CR_TRANSPORT_REGISTRY, "alpine:3"},
        {"docker://registry.example/a/b", 0, CR_TRANSPORT_REGISTRY, "registry.example/a/b"},
        {"oci:/tmp/layout:v1", 0, CR_TRANSPORT_OCI, "/tmp/layout:v1"},
        {"oci:layout", 0, CR_TRANSPORT_OCI, "layout"},
        {"oci-archive:/tmp/a.tar", 0, CR_TRANSPORT_OCI_ARCHIVE, "/tmp/a.tar"},
        {"oci-archive:/tmp/a.tar:latest", 0, CR_TRANSPORT_OCI_ARCHIVE, "/tmp/a.tar:latest"},
        {"docker-archive:/tmp/a.tar:alpine:latest", 0, CR_TRANSPORT_DOCKER_ARCHIVE, "/tmp/a.tar:alpine:latest"},
        {"oci:", -EINVAL, CR_TRANSPORT_OCI, ""},
        {"docker://", -EINVAL, CR_TRANSPORT_REGISTRY, ""},
        {"docker-archive:", -EINVAL, CR_TRANSPORT_DOCKER_ARCHIVE, ""},
        {"", -EINVAL, CR_TRANSPORT_REGISTRY, ""},
        {"docker:/x", 0, CR_TRANSPORT_REGISTRY, "docker:/x"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        int kind = -1;
        const char *rest = NULL;
        int rc = cr_ref_transport(t[i].in, &kind, &rest);
        if (rc != t[i].rc || kind != t[i].kind || !rest || strcmp(rest, t[i].rest))
            TAP_FAIL("%s: rc %d kind %d rest %s", t[i].in, rc, kind, rest ? rest : "(null)");
    }
}

/* ---- manifests ---- */

static const char oci_manifest[] =
    "{\n"
    "  \"schemaVersion\": 2,\n"
    "  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
    "  \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\", \"digest\": \"" D64 "\", \"size\": 1469},\n"
    "  \"layers\": [\n"
    "    {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"" D64B "\", \"size\": 3370706,\n"
    "     \"annotations\": {\"org.opencontainers.image.title\": \"base\"}},\n"
    "    {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+zstd\", \"digest\": \"" D512 "\", \"size\": 0},\n"
    "    {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar\", \"digest\": \"" D64C "\", \"size\": 9223372036854775807}\n"
    "  ],\n"
    "  \"annotations\": {\"org.opencontainers.image.created\": \"2024-01-01T00:00:00Z\"}\n"
    "}\n";

static const char docker_manifest[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":7023,\"digest\":\"" D64 "\"},"
    "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":32654,\"digest\":\"" D64B "\"},"
    "{\"mediaType\":\"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip\",\"size\":16724,\"digest\":\"" D64C "\","
    "\"urls\":[\"https://layers.example/base.tar.gz\"]},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd\",\"size\":1,\"digest\":\"" D64 "\"}]}";

#define ENTRY(mt, d, os, arch, var) \
    "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":528,\"platform\":{\"architecture\":\"" arch "\",\"os\":\"" os "\"" var "}}"
#define V(v) ",\"variant\":\"" v "\""
#define OCI_M "application/vnd.oci.image.manifest.v1+json"
#define DOCKER_M "application/vnd.docker.distribution.manifest.v2+json"
#define DA "sha256:000000000000000000000000000000000000000000000000000000000000000a"
#define DB "sha256:000000000000000000000000000000000000000000000000000000000000000b"
#define DC "sha256:000000000000000000000000000000000000000000000000000000000000000c"
#define DD "sha256:000000000000000000000000000000000000000000000000000000000000000d"
#define DE "sha256:000000000000000000000000000000000000000000000000000000000000000e"
#define DF "sha256:000000000000000000000000000000000000000000000000000000000000000f"
#define DG "sha256:0000000000000000000000000000000000000000000000000000000000000010"
#define DH "sha256:0000000000000000000000000000000000000000000000000000000000000011"

static const char oci_index[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    ENTRY(OCI_M, DA, "linux", "amd64", "") ","
    ENTRY(OCI_M, DB, "linux", "arm64", V("v8")) ","
    ENTRY(OCI_M, DC, "linux", "arm", V("v7")) ","
    ENTRY(OCI_M, DD, "linux", "arm", V("v6")) ","
    ENTRY(OCI_M, DE, "linux", "386", "") ","
    ENTRY(OCI_M, DF, "windows", "amd64", "") ","
    ENTRY("application/vnd.example.signature.v1+json", DG, "linux", "ppc64le", "") ","
    "{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DH "\",\"size\":566,"
    "\"annotations\":{\"vnd.docker.reference.digest\":\"" DA "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},"
    "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}"
    "],\"annotations\":{\"org.opencontainers.image.ref.name\":\"ignored at the top\"}}";

static const char docker_list[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
    ENTRY(DOCKER_M, DA, "linux", "amd64", "") ","
    ENTRY(DOCKER_M, DB, "linux", "arm64", V("v8")) ","
    ENTRY(DOCKER_M, DC, "linux", "ppc64le", "") ","
    ENTRY(DOCKER_M, DD, "linux", "s390x", "") "]}";

static int mparse(const char *ct, const char *body, cr_manifest *m, cr_err *err) {
    return cr_manifest_parse(ct, body, strlen(body), m, err);
}

static void t_manifest_oci(void) {
    cr_manifest m;
    cr_err err = {0};
    if (mparse(CR_MT_OCI_MANIFEST, oci_manifest, &m, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK(!m.is_index && !strcmp(m.media_type, CR_MT_OCI_MANIFEST));
    CHECK(!strcmp(m.config.media_type, CR_MT_OCI_CONFIG) && !strcmp(m.config.digest, D64) && m.config.size == 1469);
    CHECK(m.nlayers == 3 && m.layers && !m.manifests && !m.nmanifests);
    if (m.nlayers == 3) {
        CHECK(m.layers[0].compression == CR_LAYER_GZIP && !m.layers[0].foreign && m.layers[0].size == 3370706 && !strcmp(m.layers[0].digest, D64B));
        CHECK(m.layers[1].compression == CR_LAYER_ZSTD && !strcmp(m.layers[1].digest, D512) && m.layers[1].size == 0);
        CHECK(m.layers[2].compression == CR_LAYER_TAR && !strcmp(m.layers[2].media_type, "application/vnd.oci.image.layer.v1.tar"));
    }
    cr_manifest_free(&m);
    CHECK(!m.layers && !m.nlayers);
    cr_manifest_free(&m);   /* twice is harmless */
    cr_manifest_free(NULL);
}

static void t_manifest_docker(void) {
    cr_manifest m;
    cr_err err = {0};
    if (mparse("application/vnd.docker.distribution.manifest.v2+json", docker_manifest, &m, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK(!m.is_index && !strcmp(m.media_type, CR_MT_DOCKER_MANIFEST));
    CHECK(!strcmp(m.config.media_type, CR_MT_DOCKER_CONFIG) && m.config.size == 7023);
    CHECK(m.nlayers == 3);
    if (m.nlayers == 3) {
        CHECK(m.layers[0].compression == CR_LAYER_GZIP && !m.layers[0].foreign);
        CHECK(m.layers[1].compression == CR_LAYER_GZIP && m.layers[1].foreign);
        CHECK(m.layers[2].compression == CR_LAYER_ZSTD && m.layers[2].foreign);
    }
    cr_manifest_free(&m);
}

static void t_manifest_indexes(void) {
    cr_manifest m;
    cr_err err = {0};
    if (mparse(CR_MT_OCI_INDEX, oci_index, &m, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK(m.is_index && !strcmp(m.media_type, CR_MT_OCI_INDEX) && m.nmanifests == 8 && !m.nlayers);
    if (m.nmanifests == 8) {
        CHECK(!strcmp(m.manifests[1].os, "linux") && !strcmp(m.manifests[1].arch, "arm64") && !strcmp(m.manifests[1].variant, "v8"));
        CHECK(!strcmp(m.manifests[0].variant, "") && m.manifests[0].size == 528);
        CHECK(!strcmp(m.manifests[6].media_type, "application/vnd.example.signature.v1+json"));
        CHECK(!strcmp(m.manifests[7].os, "unknown"));
    }
    cr_manifest_free(&m);
    if (mparse(CR_MT_DOCKER_LIST, docker_list, &m, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK(m.is_index && !strcmp(m.media_type, CR_MT_DOCKER_LIST) && m.nmanifests == 4);
    cr_manifest_free(&m);
    /* an OCI layout's index.json: no mediaType, no platform, a ref name */
    CHECK(mparse(NULL, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1,"
                 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1.0\"}}]}", &m, &err) == 0);
    CHECK(m.is_index && !strcmp(m.media_type, CR_MT_OCI_INDEX) && m.nmanifests == 1 && !strcmp(m.manifests[0].ref_name, "v1.0") && !m.manifests[0].os[0]);
    cr_manifest_free(&m);
    /* an empty index is valid (and picks nothing) */
    CHECK(mparse(CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[]}", &m, &err) == 0 && m.is_index && !m.nmanifests);
    cr_manifest_free(&m);
}

static void t_manifest_types(void) {
    static const struct { const char *ct, *body; const char *want; int is_index; } t[] = {
        /* Content-Type wins; parameters and spaces ignored, case folded */
        {"application/vnd.oci.image.manifest.v1+json; charset=utf-8", oci_manifest, CR_MT_OCI_MANIFEST, 0},
        {"  Application/VND.OCI.Image.Manifest.v1+JSON ", oci_manifest, CR_MT_OCI_MANIFEST, 0},
        /* empty or generic: from the body's mediaType */
        {"", docker_manifest, CR_MT_DOCKER_MANIFEST, 0},
        {NULL, docker_list, CR_MT_DOCKER_LIST, 1},
        {"application/json", docker_list, CR_MT_DOCKER_LIST, 1},
        {"application/json;charset=utf-8", oci_index, CR_MT_OCI_INDEX, 1},
        /* no mediaType: from the shape */
        {NULL, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":[]}", CR_MT_OCI_MANIFEST, 0},
        {CR_MT_DOCKER_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_DOCKER_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":[]}", CR_MT_DOCKER_MANIFEST, 0},
        {NULL, "{\"schemaVersion\":2,\"manifests\":[]}", CR_MT_OCI_INDEX, 1},
        /* media types in the body compare case-insensitively too */
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"mediaType\":\"APPLICATION/vnd.oci.image.index.v1+json\",\"manifests\":[]}", CR_MT_OCI_INDEX, 1},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_manifest m;
        cr_err err = {0};
        if (mparse(t[i].ct, t[i].body, &m, &err) < 0) { TAP_FAIL("case %zu: %s", i, err.msg); continue; }
        if (strcmp(m.media_type, t[i].want) || m.is_index != t[i].is_index) TAP_FAIL("case %zu: got %s", i, m.media_type);
        cr_manifest_free(&m);
    }
}

static void t_manifest_errors(void) {
    static const struct { const char *ct, *body, *want; int code; } t[] = {
        {"application/vnd.docker.distribution.manifest.v1+prettyjws", "{\"schemaVersion\":1}", "manifest: schema1 manifests are not supported", ENOTSUP},
        {"application/vnd.docker.distribution.manifest.v1+json", "{}", "schema1 manifests are not supported", ENOTSUP},
        {NULL, "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"y\",\"fsLayers\":[],\"history\":[]}", "schema1 manifests are not supported", ENOTSUP},
        {"", "{\"schemaVersion\":2,\"fsLayers\":[{\"blobSum\":\"" D64 "\"}]}", "schema1", ENOTSUP},
        {NULL, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}", "schema1", ENOTSUP},
        {"text/html", "<html></html>", "manifest: unsupported media type \"text/html\"", ENOTSUP},
        {"application/vnd.oci.artifact.manifest.v1+json", "{}", "unsupported media type", ENOTSUP},
        {NULL, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\"}", "unsupported media type \"application/vnd.oci.artifact.manifest.v1+json\"", ENOTSUP},
        {NULL, "{\"schemaVersion\":2,\"mediaType\":7}", "mediaType: expected string, got number", EINVAL},
        {CR_MT_OCI_MANIFEST, oci_index, "mediaType \"" CR_MT_OCI_INDEX "\" contradicts Content-Type \"" CR_MT_OCI_MANIFEST "\"", EINVAL},
        {CR_MT_DOCKER_MANIFEST, oci_manifest, "contradicts", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}", "ambiguous document: an index with config or layers", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[],\"config\":{}}", "ambiguous", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"manifests\":[],\"config\":{},\"layers\":[]}", "ambiguous document: a manifest with manifests", EINVAL},
        {NULL, "{\"config\":{},\"layers\":[]}", "schemaVersion: expected 2", EINVAL},
        {NULL, "{\"schemaVersion\":\"2\",\"manifests\":[]}", "schemaVersion: expected 2", EINVAL},
        {NULL, "{\"schemaVersion\":3,\"manifests\":[]}", "schemaVersion: expected 2", EINVAL},
        {NULL, "[]", "manifest: expected an object, got array", EINVAL},
        {NULL, "{\"schemaVersion\":2,", "manifest: line 1 column", EINVAL},
        {NULL, "", "manifest:", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"layers\":[]}", "manifest: config: missing", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":[],\"layers\":[]}", "config: expected object, got array", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2}}", "layers: missing", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":{}}", "layers: expected array, got object", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":[]}",
         "config.mediaType: \"application/vnd.cncf.helm.config.v1+json\" is not a container image config", ENOTSUP},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D64 "\",\"size\":2},\"layers\":[]}", "config.mediaType: missing", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"size\":2},\"layers\":[]}", "config.digest: missing", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\"},\"layers\":[]}", "config.size: missing", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":-1},\"layers\":[]}", "config.size: expected a non-negative integer", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":1.5},\"layers\":[]}", "config.size: expected a non-negative integer", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":\"2\"},\"layers\":[]}", "config.size: expected a non-negative integer", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":18446744073709551616},\"layers\":[]}", "config.size", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":9223372036854775808},\"layers\":[]}", "config.size", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"sha256:abc\",\"size\":2},\"layers\":[]}", "config.digest: invalid digest \"sha256:abc\": sha256 needs 64 lowercase hex digits", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":5,\"size\":2},\"layers\":[]}", "config.digest: expected string, got number", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":["
         "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D64 "\",\"size\":1},"
         "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+bzip2\",\"digest\":\"" D64 "\",\"size\":1}]}",
         "manifest: layers[1].mediaType: unsupported layer type \"application/vnd.oci.image.layer.v1.tar+bzip2\"", ENOTSUP},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":["
         "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"blake3:" H64 "\",\"size\":1}]}",
         "layers[0].digest: invalid digest \"blake3:" H64 "\": unsupported algorithm", EINVAL},
        {CR_MT_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":[\"x\"]}",
         "layers[0]: expected object, got string", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\"}]}", "manifests[0].size: missing", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
         "manifests[0].platform.architecture: missing", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1,\"platform\":[]}]}",
         "manifests[0].platform: expected object, got array", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}]}",
         "manifests[0].platform.architecture: longer than 31 bytes", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":1}}]}",
         "manifests[0].annotations.org.opencontainers.image.ref.name: expected string", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2,\"manifests\":{}}", "manifests: expected array, got object", EINVAL},
        {CR_MT_OCI_INDEX, "{\"schemaVersion\":2}", "manifests: missing", EINVAL},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_manifest m;
        cr_err err = {0};
        int rc = mparse(t[i].ct, t[i].body, &m, &err);
        if (rc != -t[i].code || err.code != t[i].code) { TAP_FAIL("case %zu: rc %d (%s)", i, rc, err.msg); continue; }
        if (!strstr(err.msg, t[i].want)) TAP_FAIL("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, t[i].want);
        if (strncmp(err.msg, "manifest: ", 10)) TAP_FAIL("case %zu: \"%s\" does not start with \"manifest: \"", i, err.msg);
        CHECK(!m.layers && !m.manifests && !m.nlayers && !m.nmanifests);
    }
}

static void t_manifest_limits(void) {
    cr_buf b = {0};
    cr_manifest m;
    cr_err err = {0};
    int i;
    /* 4096 entries are fine, 4097 are refused before anything is allocated */
    cr_buf_puts(&b, "{\"schemaVersion\":2,\"manifests\":[");
    for (i = 0; i < 4096; i++) cr_buf_printf(&b, "%s{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":%d}", i ? "," : "", i);
    cr_buf_puts(&b, "]}");
    CHECK(cr_manifest_parse(NULL, b.data, b.len, &m, &err) == 0 && m.nmanifests == 4096 && m.manifests[4095].size == 4095);
    cr_manifest_free(&m);
    b.len -= 2;
    cr_buf_puts(&b, ",{}]}");
    CHECK(cr_manifest_parse(NULL, b.data, b.len, &m, &err) == -E2BIG);
    CHECK_HAS(err.msg, "manifests: 4097 entries, more than 4096");
    cr_buf_free(&b);
    /* an error in the last entry frees the whole array */
    cr_buf_puts(&b, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" CR_MT_OCI_CONFIG "\",\"digest\":\"" D64 "\",\"size\":2},\"layers\":[");
    for (i = 0; i < 100; i++) cr_buf_printf(&b, "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D64 "\",\"size\":%d},", i);
    cr_buf_puts(&b, "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D64 "\"}]}");
    CHECK(cr_manifest_parse(NULL, b.data, b.len, &m, &err) == -EINVAL && !m.layers);
    CHECK_HAS(err.msg, "layers[100].size: missing");
    cr_buf_free(&b);
}

static void t_manifest_accept(void) {
    const char *a = cr_manifest_accept();
    CHECK(strstr(a, CR_MT_OCI_MANIFEST) && strstr(a, CR_MT_OCI_INDEX) && strstr(a, CR_MT_DOCKER_MANIFEST) && strstr(a, CR_MT_DOCKER_LIST));
    CHECK(!strstr(a, "v1+prettyjws") && !strchr(a, '\n'));
}

/* ---- platform choice ---- */

static const char *pick(const char *body, const char *platform, cr_err *err) {
    static char digest[CR_DIGEST_MAX];
    cr_manifest m;
    const cr_descriptor *d = NULL;
    int rc;
    digest[0] = 0;
    if (mparse(NULL, body, &m, err) < 0) { TAP_FAIL("%s", err->msg); return "parse failed"; }
    rc = cr_manifest_pick(&m, platform, &d, err);
    if (rc == 0 && d) snprintf(digest, sizeof digest, "%s", d->digest);
    if (rc < 0 && d) TAP_FAIL("pick %s failed but set *out", platform ? platform : "(host)");
    cr_manifest_free(&m);
    return digest;
}

static void t_pick(void) {
    static const struct { const char *platform, *want; } t[] = {
        {"linux/amd64", DA}, {"linux/x86_64", DA}, {"linux/x86-64", DA}, {"LINUX/AMD64", DA}, {"linux/amd64/v1", DA},
        {"linux/amd64/v3", DA},                   /* no v3 image: v2, then v1 */
        {"linux/arm64", DB}, {"linux/aarch64", DB}, {"linux/arm64/v8", DB}, {"linux/arm64/8", DB},
        {"linux/arm", DC}, {"linux/arm/v7", DC}, {"linux/arm/7", DC}, {"linux/armhf", DC},
        {"linux/arm/v6", DD}, {"linux/armel", DD},
        {"linux/arm/v8", DC},                     /* v8 runs v7 */
        {"linux/386", DE}, {"linux/i386", DE},
        {"windows/amd64", DF},
    };
    size_t i;
    cr_err err = {0};
    char host[96];
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        const char *got = pick(oci_index, t[i].platform, &err);
        if (strcmp(got, t[i].want)) TAP_FAIL("%s: got %s, want %s (%s)", t[i].platform, got, t[i].want, err.msg);
    }
    CHECK(!strcmp(pick(docker_list, "linux/s390x", &err), DD));
    /* no match: the message lists what there is, without attestations or artifacts */
    CHECK(!pick(oci_index, "linux/s390x", &err)[0] && err.code == ENOENT);
    CHECK_HAS(err.msg, "no image for platform linux/s390x (the index has: linux/amd64, linux/arm64/v8, linux/arm/v7, linux/arm/v6, linux/386, windows/amd64)");
    CHECK(!strstr(err.msg, "unknown") && !strstr(err.msg, "ppc64le"));
    CHECK(!pick(oci_index, "linux/arm/v5", &err)[0] && err.code == ENOENT);
    CHECK(!pick(oci_index, "linux/ppc64le", &err)[0]);   /* only a signature has that platform */
    CHECK(!pick("{\"schemaVersion\":2,\"manifests\":[]}", "linux/amd64", &err)[0]);
    CHECK_HAS(err.msg, "(the index has: none)");
    /* bad platform strings */
    {
        static const char *const bad[] = {"linux", "linux/", "/amd64", "linux//v7", "linux/arm/", "a/b/c/d",
                                          "linux/amd64aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""};
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            if (pick(oci_index, bad[i], &err)[0] || err.code != EINVAL) TAP_FAIL("platform \"%s\" accepted", bad[i]);
            else CHECK_HAS(err.msg, "expected OS/ARCH[/VARIANT]");
        }
    }
    /* containerd's fallbacks: arm64 hosts run 32-bit arm, amd64 runs 386 and older levels */
    {
        static const char arm_only[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(OCI_M, DC, "linux", "arm", V("v6")) "," ENTRY(OCI_M, DD, "linux", "arm", V("v7")) "]}";
        static const char levels[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(OCI_M, DA, "linux", "amd64", "") "," ENTRY(OCI_M, DB, "linux", "amd64", V("v2")) ","
                                     ENTRY(OCI_M, DC, "linux", "amd64", V("v4")) "]}";
        static const char i386_only[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(OCI_M, DE, "linux", "386", "") "]}";
        static const char x86_64_named[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(OCI_M, DA, "linux", "x86_64", "") "," ENTRY(OCI_M, DB, "linux", "aarch64", "") "]}";
        CHECK(!strcmp(pick(arm_only, "linux/arm64", &err), DD));
        CHECK(!strcmp(pick(arm_only, "linux/arm/v7", &err), DD));
        CHECK(!strcmp(pick(arm_only, "linux/arm/v6", &err), DC));
        CHECK(!strcmp(pick(levels, "linux/amd64/v3", &err), DB));
        CHECK(!strcmp(pick(levels, "linux/amd64/v4", &err), DC));
        CHECK(!strcmp(pick(levels, "linux/amd64", &err), DA));
        CHECK(!strcmp(pick(i386_only, "linux/amd64", &err), DE));
        CHECK(!pick(i386_only, "linux/arm64", &err)[0]);
        CHECK(!strcmp(pick(x86_64_named, "linux/amd64", &err), DA));
        CHECK(!strcmp(pick(x86_64_named, "linux/arm64/v8", &err), DB));
    }
    /* an entry without a platform is the last resort */
    {
        static const char layout[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(OCI_M, DB, "linux", "arm64", "") ","
                                     "{\"mediaType\":\"" OCI_M "\",\"digest\":\"" DA "\",\"size\":1}]}";
        CHECK(!strcmp(pick(layout, "linux/s390x", &err), DA));
        CHECK(!strcmp(pick(layout, "linux/arm64", &err), DB));
    }
    /* nested indexes are picked like manifests */
    {
        static const char nested[] = "{\"schemaVersion\":2,\"manifests\":[" ENTRY(CR_MT_OCI_INDEX, DA, "linux", "amd64", "") "]}";
        CHECK(!strcmp(pick(nested, "linux/amd64", &err), DA));
    }
    /* the host */
    cr_manifest_host_platform(host, sizeof host);
    CHECK(!strncmp(host, "linux/", 6) && strlen(host) > 6);
    {
        char by_null[CR_DIGEST_MAX];
        snprintf(by_null, sizeof by_null, "%s", pick(oci_index, NULL, &err));
        CHECK(!strcmp(by_null, pick(oci_index, host, &err)));
    }
#if defined(__x86_64__)
    CHECK(!strcmp(host, "linux/amd64") && !strcmp(pick(oci_index, NULL, &err), DA));
#elif defined(__aarch64__)
    CHECK(!strcmp(host, "linux/arm64") && !strcmp(pick(oci_index, NULL, &err), DB));
#endif
    /* a manifest is not an index */
    {
        cr_manifest m;
        const cr_descriptor *d = (const cr_descriptor *)&m;
        CHECK(mparse(NULL, oci_manifest, &m, &err) == 0);
        CHECK(cr_manifest_pick(&m, "linux/amd64", &d, &err) == -EINVAL && !d);
        CHECK_HAS(err.msg, "not an index");
        cr_manifest_free(&m);
    }
}

/* ---- image config ---- */

static const char docker_config[] =
    "{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"nobody:nogroup\","
    "\"AttachStdin\":false,\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Tty\":false,"
    "\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"NGINX_VERSION=1.25.3\"],"
    "\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"Image\":\"" D64 "\",\"Volumes\":{\"/var/cache\":{}},"
    "\"WorkingDir\":\"/srv\",\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"OnBuild\":null,"
    "\"Labels\":{\"maintainer\":\"NGINX <nginx@example>\",\"org.opencontainers.image.version\":\"1.25.3\"},"
    "\"StopSignal\":\"SIGQUIT\"},\"container\":\"abc\",\"created\":\"2023-11-01T00:00:00.000000000Z\","
    "\"docker_version\":\"20.10.23\",\"history\":[{\"created\":\"2023-11-01T00:00:00Z\",\"created_by\":\"/bin/sh\"}],"
    "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D64 "\",\"" D64B "\",\"" D512 "\"]}}";

static void t_config(void) {
    cr_image_config c;
    cr_err err = {0};
    if (cr_manifest_config_parse(docker_config, strlen(docker_config), &c, &err) < 0) { TAP_FAIL("%s", err.msg); return; }
    CHECK(!strcmp(c.os, "linux") && !strcmp(c.architecture, "amd64") && !c.variant);
    CHECK(c.nentrypoint == 1 && !strcmp(c.entrypoint[0], "/docker-entrypoint.sh") && !c.entrypoint[1]);
    CHECK(c.ncmd == 3 && !strcmp(c.cmd[2], "daemon off;") && !c.cmd[3]);
    CHECK(c.nenv == 2 && !strcmp(c.env[1], "NGINX_VERSION=1.25.3") && !c.env[2]);
    CHECK(!strcmp(c.working_dir, "/srv") && !strcmp(c.user, "nobody:nogroup") && !strcmp(c.stop_signal, "SIGQUIT"));
    CHECK(c.nexposed_ports == 2 && !strcmp(c.exposed_ports[0], "80/tcp") && !strcmp(c.exposed_ports[1], "53/udp") && !c.exposed_ports[2]);
    CHECK(c.nvolumes == 1 && !strcmp(c.volumes[0], "/var/cache") && !c.volumes[1]);
    CHECK(c.nlabels == 2 && !strcmp(c.labels[0].key, "maintainer") && !strcmp(c.labels[1].value, "1.25.3"));
    CHECK(c.ndiff_ids == 3 && !strcmp(c.diff_ids[0], D64) && !strcmp(c.diff_ids[2], D512) && !c.diff_ids[3]);
    cr_manifest_config_free(&c);
    CHECK(!c.json && !c.arena && !c.env);
    cr_manifest_config_free(&c);

    /* Docker's nulls and a config-less OCI image */
    {
        static const char nulls[] = "{\"architecture\":\"arm\",\"variant\":\"v7\",\"os\":\"linux\",\"config\":{\"Env\":null,\"Cmd\":null,"
                                    "\"Entrypoint\":null,\"Labels\":null,\"Volumes\":null,\"ExposedPorts\":null,\"WorkingDir\":null,\"User\":\"\"},"
                                    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        static const char bare[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D64 "\"]}}";
        CHECK(cr_manifest_config_parse(nulls, strlen(nulls), &c, &err) == 0);
        CHECK(!c.env && !c.cmd && !c.entrypoint && !c.labels && !c.volumes && !c.exposed_ports && !c.working_dir && !c.nenv);
        CHECK(c.user && !c.user[0] && !strcmp(c.variant, "v7") && c.ndiff_ids == 0 && c.diff_ids && !c.diff_ids[0]);
        cr_manifest_config_free(&c);
        CHECK(cr_manifest_config_parse(bare, strlen(bare), &c, &err) == 0);
        CHECK(!c.os && !c.architecture && !c.cmd && c.ndiff_ids == 1);
        cr_manifest_config_free(&c);
    }
}

static void t_config_errors(void) {
    static const struct { const char *body, *want; } t[] = {
        {"[]", "image config: expected an object, got array"},
        {"{", "image config: line 1"},
        {"{\"config\":{}}", "image config: rootfs: missing"},
        {"{\"rootfs\":{\"type\":\"layers\"}}", "rootfs.diff_ids: missing"},
        {"{\"rootfs\":{\"type\":\"tarball\",\"diff_ids\":[]}}", "rootfs.type: expected \"layers\""},
        {"{\"rootfs\":{\"diff_ids\":[]}}", "rootfs.type: expected \"layers\""},
        {"{\"rootfs\":[]}", "rootfs: expected object, got array"},
        {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D64 "\",\"sha256:123\"]}}", "rootfs.diff_ids[1]: invalid digest \"sha256:123\""},
        {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[7]}}", "rootfs.diff_ids[0]: expected string, got number"},
        {"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":{}}}", "rootfs.diff_ids: expected array, got object"},
        {"{\"config\":[],\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config: expected object, got array"},
        {"{\"config\":{\"Env\":[\"A=1\",2]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Env[1]: expected string, got number"},
        {"{\"config\":{\"Cmd\":\"sh\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Cmd: expected array, got string"},
        {"{\"config\":{\"Entrypoint\":[null]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Entrypoint[0]: expected string, got null"},
        {"{\"config\":{\"Labels\":{\"a\":\"b\",\"c\":1}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Labels.c: expected string, got number"},
        {"{\"config\":{\"Labels\":[]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Labels: expected object, got array"},
        {"{\"config\":{\"ExposedPorts\":[\"80/tcp\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.ExposedPorts: expected object, got array"},
        {"{\"config\":{\"Volumes\":\"/data\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.Volumes: expected object, got string"},
        {"{\"config\":{\"WorkingDir\":1},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.WorkingDir: expected string, got number"},
        {"{\"config\":{\"User\":false},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.User: expected string, got boolean"},
        {"{\"config\":{\"StopSignal\":9},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "config.StopSignal: expected string"},
        {"{\"os\":1,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "os: expected string, got number"},
        {"{\"architecture\":[],\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", "architecture: expected string"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_image_config c;
        cr_err err = {0};
        int rc = cr_manifest_config_parse(t[i].body, strlen(t[i].body), &c, &err);
        if (rc != -EINVAL) { TAP_FAIL("case %zu: rc %d", i, rc); if (!rc) cr_manifest_config_free(&c); continue; }
        if (!strstr(err.msg, t[i].want)) TAP_FAIL("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, t[i].want);
        CHECK(!c.json && !c.arena);
    }
}

/* ---- WWW-Authenticate ---- */

static void t_challenge(void) {
    static const struct { const char *h, *scheme, *realm, *service, *scope; } t[] = {
        {"Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:samalba/my-app:pull,push\"",
         "Bearer", "https://auth.example/token", "registry.example", "repository:samalba/my-app:pull,push"},
        {"bearer realm=\"https://auth.example/token\"", "Bearer", "https://auth.example/token", "", ""},
        {"BEARER   Realm = \"r\" ,  SERVICE= \"s\",scope =\"a b\"", "Bearer", "r", "s", "a b"},
        {"Bearer realm=\"r\",error=\"insufficient_scope\",error_description=\"x, y\",scope=\"repository:a:pull\"", "Bearer", "r", "", "repository:a:pull"},
        {"Bearer realm=r,service=s", "Bearer", "r", "s", ""},
        {"Basic realm=\"Registry Realm\"", "Basic", "Registry Realm", "", ""},
        {"Basic", "Basic", "", "", ""},
        {"basic realm=\"a \\\"quoted\\\" \\\\ realm\"", "Basic", "a \"quoted\" \\ realm", "", ""},
        {"Basic realm=\"\"", "Basic", "", "", ""},
        {"Basic realm=\"tab\there\"", "Basic", "tab\there", "", ""},
        /* several challenges: Bearer wins wherever it is */
        {"Basic realm=\"basic\", Bearer realm=\"https://auth.example/t\",service=\"s\"", "Bearer", "https://auth.example/t", "s", ""},
        {"Bearer realm=\"b\", Basic realm=\"x\"", "Bearer", "b", "", ""},
        {"Negotiate, Basic realm=\"r\"", "Basic", "r", "", ""},
        {"Negotiate abc==, Basic realm=\"r\"", "Basic", "r", "", ""},
        {"Negotiate a/b+c=, Basic realm=\"r\"", "Basic", "r", "", ""},
        {"Digest realm=\"d\", nonce=\"n\", Basic realm=\"r\"", "Basic", "r", "", ""},
        {" ,Bearer realm=\"r\", ", "Bearer", "r", "", ""},
        {"Bearer realm=\"r1\",realm=\"r2\"", "Bearer", "r2", "", ""},
        {"Bearer realm=\"x\", Bearer realm=\"y\"", "Bearer", "x", "", ""},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        char scheme[16], realm[256], service[256], scope[256];
        cr_err err = {0};
        if (cr_auth_challenge_parse(t[i].h, scheme, sizeof scheme, realm, sizeof realm, service, sizeof service, scope, sizeof scope, &err) < 0) {
            TAP_FAIL("%s: %s", t[i].h, err.msg);
            continue;
        }
        if (strcmp(scheme, t[i].scheme) || strcmp(realm, t[i].realm) || strcmp(service, t[i].service) || strcmp(scope, t[i].scope))
            TAP_FAIL("%s: got [%s] [%s] [%s] [%s]", t[i].h, scheme, realm, service, scope);
    }
    {
        char realm[8];
        cr_err err = {0};
        /* NULL outputs are allowed */
        CHECK(cr_auth_challenge_parse("Bearer realm=\"r\",service=\"s\"", NULL, 0, realm, sizeof realm, NULL, 0, NULL, 0, &err) == 0 && !strcmp(realm, "r"));
        CHECK(cr_auth_challenge_parse("Bearer realm=\"12345678\"", NULL, 0, realm, sizeof realm, NULL, 0, NULL, 0, &err) == -E2BIG);
        CHECK_HAS(err.msg, "realm is too long");
        CHECK(cr_auth_challenge_parse("Bearer realm=\"1234567\"", NULL, 0, realm, sizeof realm, NULL, 0, NULL, 0, &err) == 0 && !strcmp(realm, "1234567"));
        CHECK(cr_auth_challenge_parse("Bearer realm=\"r\"", realm, 3, NULL, 0, NULL, 0, NULL, 0, &err) == -E2BIG);
    }
}

static void t_challenge_errors(void) {
    static const struct { const char *h, *want; int code; } t[] = {
        {"", "WWW-Authenticate: empty", EINVAL},
        {"Digest realm=\"x\", nonce=\"y\"", "no Bearer or Basic challenge", ENOTSUP},
        {"Negotiate", "no Bearer or Basic challenge", ENOTSUP},
        {"Bearer realm=\"unterminated", "malformed quoted string", EINVAL},
        {"Bearer realm=\"bad\\", "malformed quoted string", EINVAL},
        {"Bearer realm=\"ctl\x01\"", "malformed quoted string", EINVAL},
        {"Bearer realm=\"nl\nX\"", "malformed quoted string", EINVAL},
        {"Bearer service=\"s\",scope=\"x\"", "Bearer challenge without a realm", EINVAL},
        {"Bearer", "without a realm", EINVAL},
        {"realm=\"x\"", "parameter before any scheme", EINVAL},
        {"Bearer realm=https://auth.example/token", "unexpected character ':'", EINVAL},
        {"\"Bearer\"", "unexpected character '\"'", EINVAL},
        {"\x01" "Bearer realm=\"r\"", "unexpected byte 0x01", EINVAL},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        char scheme[16], realm[256], service[256], scope[256];
        cr_err err = {0};
        int rc = cr_auth_challenge_parse(t[i].h, scheme, sizeof scheme, realm, sizeof realm, service, sizeof service, scope, sizeof scope, &err);
        if (rc != -t[i].code) { TAP_FAIL("case %zu: rc %d (%s)", i, rc, err.msg); continue; }
        CHECK_HAS(err.msg, t[i].want);
    }
    {
        cr_err err = {0};
        char big[6000];
        snprintf(big, sizeof big, "Bearer realm=\"%s\"", rep("x", 5000, ""));
        CHECK(cr_auth_challenge_parse(big, NULL, 0, NULL, 0, NULL, 0, NULL, 0, &err) == 0);   /* realm not wanted */
        CHECK(cr_auth_challenge_parse(NULL, NULL, 0, NULL, 0, NULL, 0, NULL, 0, &err) == -EINVAL);
    }
}

/* ---- token responses ---- */

static void t_token(void) {
    static const struct { const char *body, *token; int64_t expires, issued; } t[] = {
        {"{\"token\":\"abc.def-ghi_jkl\",\"expires_in\":300,\"issued_at\":\"2009-11-10T23:00:00Z\"}", "abc.def-ghi_jkl", 300, 1257894000},
        {"{\"access_token\":\"tok\"}", "tok", 60, 0},
        {"{\"token\":\"\",\"access_token\":\"x\"}", "x", 60, 0},
        {"{\"token\":\"t\",\"access_token\":\"x\",\"refresh_token\":\"r\"}", "t", 60, 0},
        {"{\"token\":\"a\",\"expires_in\":10}", "a", 60, 0},
        {"{\"token\":\"a\",\"expires_in\":-5}", "a", 60, 0},
        {"{\"token\":\"a\",\"expires_in\":\"3600\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"expires_in\":1e3}", "a", 60, 0},
        {"{\"token\":\"a\",\"expires_in\":99999999999999}", "a", 2147483647, 0},
        {"{\"token\":\"a\",\"issued_at\":\"2009-11-10T23:00:00.123456789+01:00\"}", "a", 60, 1257894000 - 3600},
        {"{\"token\":\"a\",\"issued_at\":\"2009-11-10t23:00:00-00:30\"}", "a", 60, 1257894000 + 1800},
        {"{\"token\":\"a\",\"issued_at\":\"1970-01-01T00:00:00Z\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":\"1969-12-31T23:59:59Z\"}", "a", 60, -1},
        {"{\"token\":\"a\",\"issued_at\":\"2000-02-29T12:00:00Z\"}", "a", 60, 951825600},
        {"{\"token\":\"a\",\"issued_at\":\"2038-01-19T03:14:08Z\"}", "a", 60, 2147483648LL},
        {"{\"token\":\"a\",\"issued_at\":\"yesterday\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":\"2009-13-10T23:00:00Z\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":\"2009-11-10T23:00:00\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":\"2009-11-10T23:00:00Zjunk\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":\"2009-11-10T23:00:00.Z\"}", "a", 60, 0},
        {"{\"token\":\"a\",\"issued_at\":5}", "a", 60, 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_buf tok = {0};
        int64_t exp = -1, iss = -2;
        cr_err err = {0};
        if (cr_auth_token_parse(t[i].body, strlen(t[i].body), &tok, &exp, &iss, &err) < 0) TAP_FAIL("%s: %s", t[i].body, err.msg);
        else if (!tok.data || strcmp(tok.data, t[i].token) || exp != t[i].expires || iss != t[i].issued)
            TAP_FAIL("%s: got %s %lld %lld", t[i].body, tok.data ? tok.data : "(null)", (long long)exp, (long long)iss);
        cr_buf_free(&tok);
    }
    {
        static const struct { const char *body, *want; } bad[] = {
            {"{}", "token response: no token"},
            {"{\"token\":5}", "no token"},
            {"{\"token\":\"\"}", "no token"},
            {"[\"token\"]", "no token"},
            {"{\"token\":\"a b\"}", "token has a byte 0x20"},
            {"{\"token\":\"a\\r\\nX-Injected: 1\"}", "token has a byte 0x0d"},
            {"{\"token\":\"caf\\u00e9\"}", "token has a byte 0xc3"},
            {"not json", "token response: line 1"},
        };
        for (i = 0; i < sizeof bad / sizeof *bad; i++) {
            cr_buf tok = {0};
            int64_t exp, iss;
            cr_err err = {0};
            if (cr_auth_token_parse(bad[i].body, strlen(bad[i].body), &tok, &exp, &iss, &err) != -EINVAL) TAP_FAIL("%s: accepted", bad[i].body);
            else CHECK_HAS(err.msg, bad[i].want);
            cr_buf_free(&tok);
        }
    }
    {
        /* the buffer is reused: the old token goes */
        cr_buf tok = {0};
        int64_t exp, iss;
        cr_buf_puts(&tok, "previous-token-text");
        CHECK(cr_auth_token_parse("{\"token\":\"new\"}", 15, &tok, &exp, &iss, NULL) == 0 && tok.len == 3 && !strcmp(tok.data, "new"));
        cr_buf_free(&tok);
    }
}

/* ---- base64 ---- */

static void t_base64(void) {
    static const struct { const char *plain, *enc; } t[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}, {"user:pass", "dXNlcjpwYXNz"},
        {"\xff\xfe\xfd", "//79"}, {"\xfb\xef", "++8="},
    };
    size_t i;
    unsigned char out[64];
    for (i = 0; i < sizeof t / sizeof *t; i++) {
        cr_buf b = {0};
        long n;
        cr__auth_b64_encode((const unsigned char *)t[i].plain, strlen(t[i].plain), &b);
        if (strcmp(b.data ? b.data : "", t[i].enc)) TAP_FAIL("encode %s: got %s", t[i].plain, b.data ? b.data : "");
        cr_buf_free(&b);
        n = cr__auth_b64_decode(t[i].enc, strlen(t[i].enc), out);
        if (n != (long)strlen(t[i].plain) || memcmp(out, t[i].plain, (size_t)n)) TAP_FAIL("decode %s: got %ld", t[i].enc, n);
    }
    /* padding is optional */
    CHECK(cr__auth_b64_decode("Zg", 2, out) == 1 && out[0] == 'f');
    CHECK(cr__auth_b64_decode("Zm9vYmE", 7, out) == 5 && !memcmp(out, "fooba", 5));
    {
        static const char *const bad[] = {"Z", "Zg=", "Zg===", "Zm9v!", "Zg==Zg==", "Zm 9v", "Zm9v\n", "=", "Zm-_"};
        for (i = 0; i < sizeof bad / sizeof *bad; i++)
            if (cr__auth_b64_decode(bad[i], strlen(bad[i]), out) != -1) TAP_FAIL("decode \"%s\" accepted", bad[i]);
        CHECK(cr__auth_b64_decode("Zm\0v", 4, out) == -1);
    }
    /* every byte value round-trips, at every length mod 3 */
    {
        unsigned char bin[258], back[258];
        int len;
        for (i = 0; i < sizeof bin; i++) bin[i] = (unsigned char)(i * 37 + 11);
        for (len = 255; len <= 258; len++) {
            cr_buf b = {0};
            cr__auth_b64_encode(bin, (size_t)len, &b);
            CHECK(b.len == (size_t)(len + 2) / 3 * 4);
            CHECK(cr__auth_b64_decode(b.data, b.len, back) == len && !memcmp(bin, back, (size_t)len));
            cr_buf_free(&b);
        }
    }
    {
        cr_buf b = {0};
        cr_auth_basic("user", "pass", &b);
        CHECK(b.data && !strcmp(b.data, "Basic dXNlcjpwYXNz"));
        cr_buf_free(&b);
        cr_auth_basic("Aladdin", "open sesame", &b);
        CHECK(b.data && !strcmp(b.data, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        cr_buf_free(&b);
    }
}

/* ---- auth files ---- */

static char tmp[64];

static void put_file(const char *name, const char *text) {
    char p[256];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", tmp, name);
    if (!(f = fopen(p, "w"))) { TAP_FAIL("create %s: %s", p, strerror(errno)); return; }
    fputs(text, f);
    fclose(f);
}

static const char *path_of(const char *name) {
    static char p[64][256];
    static int k;
    char *b = p[k++ & 63];
    snprintf(b, 256, "%s/%s", tmp, name);
    return b;
}

static char *b64(const char *s) {
    static char out[4][256];
    static int k;
    char *o = out[k++ & 3];
    cr_buf b = {0};
    cr__auth_b64_encode((const unsigned char *)s, strlen(s), &b);
    snprintf(o, 256, "%s", b.data ? b.data : "");
    cr_buf_free(&b);
    return o;
}

static void rm_rf(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) return;
    while ((e = readdir(d))) {
        char p[512];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (!lstat(p, &st) && S_ISDIR(st.st_mode)) rm_rf(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* lookup result as "user/pass", "none" or "error: msg" */
static const char *lookup(const char *reg, const char *const *files) {
    static char out[1200];
    char user[64], pass[64];
    cr_err err = {0};
    int r = cr_auth_lookup(reg, files, user, sizeof user, pass, sizeof pass, &err);
    if (r < 0) snprintf(out, sizeof out, "error: %s", err.msg);
    else if (r == 0) snprintf(out, sizeof out, "none%s%s", user[0] || pass[0] ? " but filled " : "", user);
    else snprintf(out, sizeof out, "%s/%s", user, pass);
    return out;
}

#define LOOKUP(reg, files, want) do { const char *got_ = lookup(reg, files); \
    if (strcmp(got_, want)) TAP_FAIL("lookup %s: got \"%s\", want \"%s\"", reg, got_, want); } while (0)

/* Auth files that are refused with an error containing want. */
static const struct { const char *name, *text, *want; } bad_files[] = {
    { "notb64.json", "{\"auths\":{\"registry.example\":{\"auth\":\"!!!!\"}}}", "not base64" },
    { "emptyuser.json", "{\"auths\":{\"registry.example\":{\"auth\":\"OnBhc3M=\"}}}", "not base64" },   /* ":pass" */
    { "nul.json", "{\"auths\":{\"registry.example\":{\"auth\":\"dQA6cA==\"}}}", "not base64" },        /* "u\0:p" */
    { "auths-array.json", "{\"auths\":[]}", "auths: expected object, got array" },
    { "toplevel.json", "[1]", "expected an object, got array" },
    { "entry.json", "{\"auths\":{\"registry.example\":\"dTE6cDE=\"}}", "auths.\"registry.example\": expected object, got string" },
};

static void t_auth_lookup(void) {
    char text[4096];
    size_t i;
    const char *f1 = path_of("authfile.json"), *f2 = path_of("auth.json"), *f3 = path_of("config.json");
    const char *none = path_of("missing/auth.json");
    const char *all[] = {f1, f2, f3, NULL}, *only2[] = {f2, NULL}, *only3[] = {f3, NULL}, *hub[] = {none, "", f3, NULL};
    const char *f2f3[] = {f2, f3, NULL}, *missing[] = {none, NULL}, *empty[] = {NULL};
    snprintf(text, sizeof text, "{\"auths\":{\"registry.example\":{\"auth\":\"%s\"}}}", b64("u1:p1"));
    put_file("authfile.json", text);
    snprintf(text, sizeof text, "{\"auths\":{\"docker.io\":{\"auth\":\"%s\"},\"registry.example/team\":{\"auth\":\"%s\"},"
             "\"registry.example/team/app\":{\"auth\":\"%s\"},\"colon.example\":{\"auth\":\"%s\"}}}",
             b64("hub:secret"), b64("team:tp"), b64("app:ap"), b64("u:p:a:ss"));
    put_file("auth.json", text);
    snprintf(text, sizeof text, "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\"auth\": \"%s\"},\n"
             "\t\t\"https://other.example/v1/\": {\"auth\": \"%s\", \"email\": \"x@example\"},\n"
             "\t\t\"empty.example\": {},\n\t\t\"nullauth.example\": {\"auth\": null},\n"
             "\t\t\"HTTP://Upper.Example:5000\": {\"auth\": \"%s\"}\n\t},\n"
             "\t\"credsStore\": \"desktop\",\n\t\"HttpHeaders\": {\"User-Agent\": \"x\"}\n}\n",
             b64("dhub:dpass"), b64("o:op"), b64("up:upp"));
    put_file("config.json", text);

    LOOKUP("registry.example", all, "u1/p1");                 /* the first file that knows it wins */
    LOOKUP("registry.example/team/app", all, "u1/p1");
    LOOKUP("registry.example/team/app", only2, "app/ap");     /* the longest namespace wins */
    LOOKUP("registry.example/team/app/sub", only2, "app/ap");
    LOOKUP("registry.example/team/other", only2, "team/tp");
    LOOKUP("registry.example/teams", only2, "none");
    LOOKUP("registry.example", only2, "none");
    LOOKUP("docker.io", f2f3, "hub/secret");
    LOOKUP("docker.io", hub, "dhub/dpass");                   /* Docker's v1 URL key */
    LOOKUP("index.docker.io", only3, "dhub/dpass");
    LOOKUP("registry-1.docker.io", only3, "dhub/dpass");
    LOOKUP("docker.io/library/alpine", only3, "dhub/dpass");
    LOOKUP("index.docker.io", only2, "hub/secret");
    LOOKUP("other.example", only3, "o/op");
    LOOKUP("other.example/ns/repo", only3, "o/op");
    LOOKUP("upper.example:5000", only3, "up/upp");
    LOOKUP("Registry.Example", all, "u1/p1");
    LOOKUP("https://registry.example/v2/", all, "u1/p1");
    LOOKUP("empty.example", only3, "none");                   /* the secret is in a helper */
    LOOKUP("nullauth.example", only3, "none");
    LOOKUP("colon.example", only2, "u/p:a:ss");               /* the password keeps its colons */
    LOOKUP("nothere.example", all, "none");
    LOOKUP("registry.example", missing, "none");
    LOOKUP("registry.example", empty, "none");
    CHECK(cr_auth_lookup("registry.example", NULL, NULL, 0, NULL, 0, NULL) == 0);
    LOOKUP("", all, "error: invalid registry name \"\"");

    /* errors name the file and never the secret */
    put_file("bad.json", "{\"auths\":");
    {
        const char *bad[] = {path_of("bad.json"), NULL};
        const char *got = lookup("registry.example", bad);
        CHECK(!strncmp(got, "error: ", 7) && strstr(got, "bad.json: line 1"));
    }
    snprintf(text, sizeof text, "{\"auths\":{\"registry.example\":{\"auth\":\"%s\"}}}", "c2VjcmV0cGFzcw==");   /* "secretpass": no colon */
    put_file("nocolon.json", text);
    {
        const char *bad[] = {path_of("nocolon.json"), NULL};
        const char *got = lookup("registry.example", bad);
        CHECK(strstr(got, "nocolon.json: auths.\"registry.example\".auth: not base64 of \"user:password\"") && !strstr(got, "c2Vj") && !strstr(got, "secret"));
    }
    for (i = 0; i < sizeof bad_files / sizeof *bad_files; i++) {
        const char *bad[] = {path_of(bad_files[i].name), NULL}, *got;
        put_file(bad_files[i].name, bad_files[i].text);
        got = lookup("registry.example", bad);
        if (!strstr(got, bad_files[i].want)) TAP_FAIL("%s: \"%s\" lacks \"%s\"", bad_files[i].name, got, bad_files[i].want);
    }
    put_file("noauths.json", "{\"credsStore\":\"x\"}");
    {
        const char *ok[] = {path_of("noauths.json"), f1, NULL};
        LOOKUP("registry.example", ok, "u1/p1");
    }
    {
        /* a directory where a file should be is an error, not "no credentials" */
        const char *dir[] = {tmp, NULL};
        CHECK(!strncmp(lookup("registry.example", dir), "error: ", 7));
    }
    {
        char user[2], pass[64];
        cr_err err = {0};
        CHECK(cr_auth_lookup("registry.example", all, user, sizeof user, pass, sizeof pass, &err) == -E2BIG);
        CHECK_HAS(err.msg, "too long");
        CHECK(strstr(err.msg, "auths.") && !strstr(strstr(err.msg, "auths."), "p1"));   /* (the file's random path may hold "p1") */
    }
}

static int file_mode(const char *p) {
    struct stat st;
    return stat(p, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

static cr_json *load_json(const char *p, cr_buf *text) {
    cr_json *v = NULL;
    memset(text, 0, sizeof *text);
    if (cr_util_read_file(AT_FDCWD, p, 1 << 20, text, NULL) < 0 || cr_json_parse(text->data, text->len, &v, NULL) < 0) return NULL;
    return v;
}

static size_t count_members(const cr_json *o) { return o && o->type == CR_JSON_OBJECT ? o->len : 0; }

static int dir_has_temp(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    if (!d) return 0;
    while ((e = readdir(d))) if (strstr(e->d_name, ".tmp")) found = 1;
    closedir(d);
    return found;
}

static void t_auth_store(void) {
    char text[2048], dir[256];
    const char *f = path_of("new/sub/auth.json");
    const char *files[] = {f, NULL};
    cr_err err = {0};
    cr_buf b;
    cr_json *v;

    /* a new file in new directories, 0600 in 0700 */
    CHECK(cr_auth_store(f, "registry.example", "alice", "s3cr:et", &err) == 0);
    CHECK(file_mode(f) == 0600);
    snprintf(dir, sizeof dir, "%s/new/sub", tmp);
    CHECK(file_mode(dir) == 0700);
    LOOKUP("registry.example", files, "alice/s3cr:et");
    CHECK(!dir_has_temp(dir));
    /* again: replaced, not duplicated */
    CHECK(cr_auth_store(f, "registry.example", "bob", "pw", &err) == 0);
    LOOKUP("registry.example", files, "bob/pw");
    v = load_json(f, &b);
    CHECK(v && count_members(cr_json_get(v, "auths")) == 1);
    cr_json_free(v);
    cr_buf_free(&b);
    /* Docker Hub goes under Docker's key, and replaces every other name of it */
    CHECK(cr_auth_store(f, "docker.io", "hubu", "hubp", &err) == 0);
    CHECK(cr_auth_store(f, "index.docker.io", "hubu2", "hubp2", &err) == 0);
    v = load_json(f, &b);
    CHECK(v && count_members(cr_json_get(v, "auths")) == 2 && cr_json_get(cr_json_get(v, "auths"), "https://index.docker.io/v1/"));
    cr_json_free(v);
    cr_buf_free(&b);
    LOOKUP("docker.io", files, "hubu2/hubp2");
    /* namespaces are entries of their own */
    CHECK(cr_auth_store(f, "registry.example/team", "t", "tp", &err) == 0);
    LOOKUP("registry.example/team/app", files, "t/tp");
    LOOKUP("registry.example/other", files, "bob/pw");
    /* logout */
    CHECK(cr_auth_remove(f, "registry.example/team", &err) == 0);
    LOOKUP("registry.example/team/app", files, "bob/pw");
    CHECK(cr_auth_remove(f, "registry.example", &err) == 0);
    LOOKUP("registry.example", files, "none");
    CHECK(cr_auth_remove(f, "registry.example", &err) == -ENOENT);
    CHECK_HAS(err.msg, "not logged in to registry.example");
    CHECK(cr_auth_remove(f, "registry-1.docker.io", &err) == 0);
    LOOKUP("docker.io", files, "none");
    v = load_json(f, &b);
    CHECK(v && cr_json_get(v, "auths") && count_members(cr_json_get(v, "auths")) == 0);
    cr_json_free(v);
    cr_buf_free(&b);
    CHECK(cr_auth_remove(path_of("nothere.json"), "registry.example", &err) == -ENOENT);
    CHECK(file_mode(path_of("nothere.json")) == -1);

    /* every other key and entry survives, in order */
    {
        static const char before[] =
            "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"ZDpw\",\"email\":\"x@example\"},\"docker.io\":{\"auth\":\"eDp5\"},"
            "\"other.example\":{\"auth\":\"bzpw\",\"identitytoken\":\"tok\"}},\"credsStore\":\"desktop\","
            "\"credHelpers\":{\"helper.example\":\"ecr-login\"},\"HttpHeaders\":{\"User-Agent\":\"x\"},\"n\":1.50e3,\"u\":\"\\u00e9\\n\"}";
        const char *g = path_of("keep.json");
        const char *gf[] = {g, NULL};
        put_file("keep.json", before);
        CHECK(cr_auth_store(g, "registry.example", "r", "rp", &err) == 0);
        v = load_json(g, &b);
        if (!v) TAP_FAIL("keep.json does not parse: %s", b.data ? b.data : "");
        else {
            const cr_json *auths = cr_json_get(v, "auths"), *m = v->child;
            CHECK(m && !strcmp(m->key, "auths") && m->next && !strcmp(m->next->key, "credsStore"));
            CHECK(count_members(auths) == 4);
            CHECK(cr_json_get(cr_json_get(auths, "other.example"), "identitytoken"));
            CHECK(cr_json_get(auths, "registry.example"));
            CHECK(!strcmp(cr_json_get(v, "n")->str, "1.50e3") && !strcmp(cr_json_get(v, "u")->str, "\xc3\xa9\n"));
            CHECK(!strcmp(cr_json_get(cr_json_get(v, "credHelpers"), "helper.example")->str, "ecr-login"));
        }
        cr_json_free(v);
        cr_buf_free(&b);
        LOOKUP("registry.example", gf, "r/rp");
        LOOKUP("docker.io", gf, "x/y");
        /* storing Hub drops both of its old entries and keeps the rest */
        CHECK(cr_auth_store(g, "docker.io", "nu", "np", &err) == 0);
        v = load_json(g, &b);
        CHECK(v && count_members(cr_json_get(v, "auths")) == 3 && !cr_json_get(cr_json_get(v, "auths"), "docker.io"));
        cr_json_free(v);
        cr_buf_free(&b);
        LOOKUP("docker.io", gf, "nu/np");
        LOOKUP("other.example", gf, "o/p");
    }
    /* a file without auths gets one; a symlinked file stays a symlink */
    {
        const char *real = path_of("real.json"), *link = path_of("link.json");
        const char *lf[] = {link, NULL};
        struct stat st;
        put_file("real.json", "{\"credsStore\":\"x\"}");
        CHECK(symlink("real.json", link) == 0);
        CHECK(cr_auth_store(link, "registry.example", "l", "lp", &err) == 0);
        CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
        LOOKUP("registry.example", lf, "l/lp");
        v = load_json(real, &b);
        CHECK(v && cr_json_get(v, "credsStore") && count_members(cr_json_get(v, "auths")) == 1);
        cr_json_free(v);
        cr_buf_free(&b);
    }
    /* a broken file is left alone */
    {
        const char *g = path_of("broken.json");
        cr_buf after = {0};
        put_file("broken.json", "{\"auths\": nope}");
        CHECK(cr_auth_store(g, "registry.example", "a", "b", &err) == -EINVAL);
        CHECK_HAS(err.msg, "broken.json: line 1");
        CHECK(cr_util_read_file(AT_FDCWD, g, 4096, &after, NULL) == 0 && !strcmp(after.data, "{\"auths\": nope}"));
        cr_buf_free(&after);
        put_file("broken.json", "{\"auths\":\"x\"}");
        CHECK(cr_auth_store(g, "registry.example", "a", "b", &err) == -EINVAL);
        CHECK_HAS(err.msg, "auths: expected object, got string");
        put_file("broken.json", "[]");
        CHECK(cr_auth_remove(g, "registry.example", &err) == -EINVAL);
    }
    /* bad arguments */
    CHECK(cr_auth_store(f, "registry.example", "a:b", "p", &err) == -EINVAL);
    CHECK_HAS(err.msg, "without ':'");
    CHECK(cr_auth_store(f, "registry.example", "", "p", &err) == -EINVAL);
    CHECK(cr_auth_store(f, "", "u", "p", &err) == -EINVAL);
    CHECK(cr_auth_store("", "registry.example", "u", "p", &err) == -EINVAL);
    CHECK(cr_auth_remove(f, "", &err) == -EINVAL);
    /* an empty password is allowed (tokens as user names) */
    CHECK(cr_auth_store(f, "registry.example", "token-user", "", &err) == 0);
    LOOKUP("registry.example", files, "token-user/");
    snprintf(text, sizeof text, "%s/new", tmp);
    CHECK(!dir_has_temp(text));
}

/* Relative names resolve against the working directory, like everything else. */
static void t_auth_relative(void) {
    char cwd[4096];
    const char *rel[] = {"rel.json", NULL}, *sub[] = {"sub2/rel.json", NULL};
    cr_err err = {0};
    if (!getcwd(cwd, sizeof cwd) || chdir(tmp) < 0) { TAP_FAIL("chdir %s: %s", tmp, strerror(errno)); return; }
    CHECK(cr_auth_store("rel.json", "registry.example", "r", "p", &err) == 0);
    LOOKUP("registry.example", rel, "r/p");
    CHECK(cr_auth_store("sub2/rel.json", "registry.example", "s", "q", &err) == 0);
    LOOKUP("registry.example", sub, "s/q");
    CHECK(file_mode("sub2") == 0700 && file_mode("sub2/rel.json") == 0600);
    CHECK(cr_auth_remove("rel.json", "registry.example", &err) == 0);
    LOOKUP("registry.example", rel, "none");
    CHECK(!dir_has_temp(".") && !dir_has_temp("sub2"));
    if (chdir(cwd) < 0) TAP_FAIL("chdir back: %s", strerror(errno));
}

/* Mirrors: the sources of a pull in order as "mirror scheme host" lines
   (--registry-mirror entries, then the config file's, then the registry);
   every entry is checked, also those for other registries. */
static int sources(const char *ref, const char *const *flags, const char *conf, char *out, size_t n, cr_err *err) {
    static cr__pull p;
    cr_pull_opts o;
    char path[128];
    size_t k = 0;
    int i, r;
    FILE *f;
    memset(&p, 0, sizeof p);
    memset(&o, 0, sizeof o);
    o.mirrors = flags;
    o.registries_conf = "";
    if (conf) {
        snprintf(path, sizeof path, "%s/registries.json", tmp);
        if ((f = fopen(path, "w"))) { fputs(conf, f); fclose(f); }
        o.registries_conf = path;
    }
    p.o = &o;
    out[0] = 0;
    if ((r = cr_ref_parse(ref, &p.ref, err)) < 0 || (r = cr__pull_sources(&p, err)) < 0) return r;
    for (i = 0; i < p.nsrc && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, "%s%d %c %s", i ? ", " : "", p.src[i].mirror, p.src[i].scheme ? p.src[i].scheme : '-', p.src[i].host);
    return 0;
}

static void t_mirror_sources(void) {
    static const char *const flags[] = { "docker.io=127.0.0.1:5001", "quay.io=q.example", "index.docker.io=[::1]:5002/", NULL };
    static const char *const bad_flags[][2] = {
        { "docker.io", "registry mirror \"docker.io\": expected REGISTRY=MIRROR" },
        { "=m.example", "expected REGISTRY=MIRROR" },
        { "docker.io=", "mirror \"\": expected [http[s]://]host[:port]" },
        { "docker.io=m.example/ns", "mirror \"m.example/ns\": expected [http[s]://]host[:port]" },
        { "quay.io=ftp://m.example", "mirror \"ftp://m.example\"" },
        { "quay.io=bad host", "mirror \"bad host\": URL" },
    };
    static const char *const bad_conf[][2] = {
        { "[]", "expected an object" },
        { "{\"mirrors\": []}", "mirrors: expected an object" },
        { "{\"mirrors\": {\"docker.io\": \"m.example\"}}", "mirrors.\"docker.io\": expected an array" },
        { "{\"mirrors\": {\"quay.io\": [\"ok.example\", 5]}}", "mirrors.\"quay.io\"[1]: expected a string" },
        { "{\"mirrors\": {\"quay.io\": [\"http://\"]}}", "mirrors.\"quay.io\"[0]: mirror \"http://\"" },
        { "{\"mirrors\": ", "registries config" },
    };
    const char *one[2] = { NULL, NULL };
    char out[2048], many[16][32];
    const char *many_flags[17];
    cr_err err = {0};
    size_t i;
    CHECK(sources("alpine", flags, "{\"other\": 1, \"mirrors\": {\"registry-1.docker.io\": [\"https://m.example/\", \"http://10.0.0.5:5000\"], "
                  "\"quay.io\": [\"x.example\"]}}", out, sizeof out, &err) == 0);
    if (strcmp(out, "1 - 127.0.0.1:5001, 1 - [::1]:5002, 1 s m.example, 1 h 10.0.0.5:5000, 0 - registry-1.docker.io"))
        TAP_FAIL("sources: %s (%s)", out, err.msg);
    CHECK(sources("localhost:5000/x", flags, NULL, out, sizeof out, &err) == 0 && !strcmp(out, "0 - localhost:5000"));
    for (i = 0; i < sizeof bad_flags / sizeof *bad_flags; i++) {
        one[0] = bad_flags[i][0];
        memset(&err, 0, sizeof err);
        if (sources("alpine", one, NULL, out, sizeof out, &err) != -EINVAL || !strstr(err.msg, bad_flags[i][1]))
            TAP_FAIL("flag %s: %s", bad_flags[i][0], err.msg);
    }
    for (i = 0; i < sizeof bad_conf / sizeof *bad_conf; i++) {
        memset(&err, 0, sizeof err);
        if (sources("alpine", NULL, bad_conf[i][0], out, sizeof out, &err) >= 0 || !strstr(err.msg, bad_conf[i][1]) ||
            !strstr(err.msg, "registries.json"))
            TAP_FAIL("config %s: %s", bad_conf[i][0], err.msg);
    }
    for (i = 0; i < 16; i++) { snprintf(many[i], sizeof many[i], "docker.io=m%zu.example", i); many_flags[i] = many[i]; }
    many_flags[16] = NULL;
    CHECK(sources("alpine", many_flags, NULL, out, sizeof out, &err) == -E2BIG && strstr(err.msg, "m15.example"));
}

/* Every function takes a NULL cr_err on its error paths too. */
/* A registry's error answers become messages with the spec's code. */
static void t_reg_status(void) {
    cr_buf b = {0};
    char out[300];
    CHECK(!strcmp(cr__reg_status(404, NULL, out, sizeof out), "HTTP 404 (not found)"));
    CHECK(!strcmp(cr__reg_status(429, NULL, out, sizeof out), "HTTP 429 (rate limited: too many requests)"));
    CHECK(!strcmp(cr__reg_status(503, NULL, out, sizeof out), "HTTP 503 (registry error)"));
    cr_buf_puts(&b, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}");
    CHECK(!strcmp(cr__reg_status(404, &b, out, sizeof out), "HTTP 404 (MANIFEST_UNKNOWN: manifest unknown)"));
    b.len = 0;
    cr_buf_puts(&b, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"You have reached your pull rate limit.\"}]}");
    CHECK(!strcmp(cr__reg_status(429, &b, out, sizeof out), "HTTP 429 (TOOMANYREQUESTS: You have reached your pull rate limit.)"));
    b.len = 0;
    cr_buf_puts(&b, "<html>busy</html>");
    CHECK(!strcmp(cr__reg_status(502, &b, out, sizeof out), "HTTP 502 (registry error)"));
    cr_buf_free(&b);
}

static void t_null_err(void) {
    cr_ref r;
    cr_manifest m;
    cr_image_config c;
    const cr_descriptor *d;
    cr_buf tok = {0};
    int64_t e, i;
    char u[64], p[64];
    const char *bad[] = {path_of("null-err.json"), NULL};
    CHECK(cr_ref_parse("Alpine", &r, NULL) == -EINVAL);
    CHECK(cr_manifest_parse("text/html", "x", 1, &m, NULL) == -ENOTSUP);
    CHECK(cr_manifest_parse(NULL, "{", 1, &m, NULL) == -EINVAL);
    CHECK(mparse(NULL, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\",\"digest\":\"" D64 "\",\"size\":1},\"layers\":[]}", &m, NULL) == -ENOTSUP);
    CHECK(mparse(NULL, "{\"schemaVersion\":2,\"manifests\":[{}]}", &m, NULL) == -EINVAL);
    CHECK(mparse(NULL, "{\"schemaVersion\":2,\"manifests\":[]}", &m, NULL) == 0);
    CHECK(cr_manifest_pick(&m, "linux/amd64", &d, NULL) == -ENOENT && !d);
    CHECK(cr_manifest_pick(&m, "linux", &d, NULL) == -EINVAL);
    cr_manifest_free(&m);
    CHECK(cr_manifest_config_parse("{}", 2, &c, NULL) == -EINVAL);
    CHECK(cr_manifest_config_parse("{\"config\":{\"Env\":[1]}}", 21, &c, NULL) == -EINVAL);
    CHECK(cr_auth_challenge_parse("Bearer realm=\"x", NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL) == -EINVAL);
    CHECK(cr_auth_challenge_parse("Digest", NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL) == -ENOTSUP);
    CHECK(cr_auth_token_parse("{", 1, &tok, &e, &i, NULL) == -EINVAL);
    CHECK(cr_auth_token_parse("{}", 2, &tok, &e, &i, NULL) == -EINVAL);
    put_file("null-err.json", "{\"auths\":{\"registry.example\":{\"auth\":\"x\"}}}");
    CHECK(cr_auth_lookup("registry.example", bad, u, sizeof u, p, sizeof p, NULL) == -EINVAL);
    CHECK(cr_auth_store(bad[0], "registry.example", "u", "p", NULL) == 0);
    CHECK(cr_auth_remove(bad[0], "other.example", NULL) == -ENOENT);
    put_file("null-err.json", "[");
    CHECK(cr_auth_store(bad[0], "registry.example", "u", "p", NULL) == -EINVAL);
    cr_buf_free(&tok);
}

static const tap_test tests[] = {
    { "references: Docker's valid examples normalise", t_ref_valid },
    { "references: length limits", t_ref_lengths },
    { "references: invalid ones give a reason", t_ref_invalid },
    { "transports", t_ref_transport },
    { "OCI image manifest", t_manifest_oci },
    { "Docker schema2 manifest, foreign and non-distributable layers", t_manifest_docker },
    { "OCI index, Docker manifest list, OCI layout index", t_manifest_indexes },
    { "media type from Content-Type, body or shape", t_manifest_types },
    { "manifest errors: schema1, unknown types, digests, sizes", t_manifest_errors },
    { "manifest entry limit", t_manifest_limits },
    { "Accept header", t_manifest_accept },
    { "platform choice", t_pick },
    { "image config", t_config },
    { "image config errors", t_config_errors },
    { "WWW-Authenticate challenges", t_challenge },
    { "WWW-Authenticate errors", t_challenge_errors },
    { "token responses", t_token },
    { "base64", t_base64 },
    { "auth file lookup", t_auth_lookup },
    { "auth file store / remove round trip", t_auth_store },
    { "auth files named relative to the working directory", t_auth_relative },
    { "a NULL cr_err is allowed", t_null_err },
    { "registry error answers: the spec's code and message, or the status's meaning", t_reg_status },
    { "mirrors: flags, then the config file, then the registry", t_mirror_sources },
};

int main(void) {
    int status;
    if (tap_tmpdir(tmp, sizeof tmp, "cr-registry") < 0) return 1;
    status = TAP_RUN_ALL(tests);
    rm_rf(tmp);
    return status;
}
