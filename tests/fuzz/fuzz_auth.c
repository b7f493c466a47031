// cr-test: libs=-lbearssl
/* libFuzzer target for registry credentials: the input up to the first
   newline is a WWW-Authenticate header, the rest an auth file. The file is
   looked up, then rewritten as cr login / cr logout would: the result must
   parse, hold (or no longer hold) the entry, and be a fixed point. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* none of this needs libseccomp */
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static void challenge(const char *h) {
    char scheme[8], realm[256], service[256], scope[256];
    cr_err err = {0};
    if (cr_auth_challenge_parse(h, scheme, sizeof scheme, realm, sizeof realm, service, sizeof service, scope, sizeof scope, &err) == 0) {
        if (strcmp(scheme, "Bearer") && strcmp(scheme, "Basic")) abort();
        if (!strcmp(scheme, "Bearer") && !realm[0]) abort();
    } else if (!err.msg[0]) abort();
}

static void file(const char *text, size_t len) {
    char user[64], pass[64];
    cr_buf a = {0}, b = {0};
    cr_err err = {0};
    int r;
    cr__auth_find(text, len, "registry.example/ns/repo", user, sizeof user, pass, sizeof pass, &err);
    cr__auth_find(text, len, "docker.io", user, sizeof user, pass, sizeof pass, &err);
    /* login: "u:p" */
    if (cr__auth_merge(text, len, "registry.example", "dTpw", &a, &err) >= 0) {
        if (cr__auth_find(a.data, a.len, "registry.example", user, sizeof user, pass, sizeof pass, &err) != 1 ||
            strcmp(user, "u") || strcmp(pass, "p")) abort();
        if (cr__auth_merge(a.data, a.len, "registry.example", "dTpw", &b, &err) != 1 || a.len != b.len || memcmp(a.data, b.data, a.len)) abort();
        cr_buf_free(&b);
        /* logout */
        if ((r = cr__auth_merge(a.data, a.len, "registry.example", NULL, &b, &err)) != 1) abort();
        if (cr__auth_find(b.data, b.len, "registry.example", user, sizeof user, pass, sizeof pass, &err) != 0) abort();
    }
    cr_buf_free(&a);
    cr_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *nl = memchr(data, '\n', size);
    size_t hn = nl ? (size_t)(nl - (const char *)data) : size;
    char *h = malloc(hn + 1);
    if (!h) return 0;
    memcpy(h, data, hn);
    h[hn] = 0;
    challenge(h);
    free(h);
    if (nl) file(nl + 1, size - hn - 1);
    return 0;
}
