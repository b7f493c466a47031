/* libFuzzer target for templates (cr_json_tmpl_*): the input is a
   template, run over a fixed inspect-like object. Parsing either fails
   with EINVAL and a "template: " message or gives a template whose run
   fails only with EINVAL or E2BIG (the bounds), never crashes, leaks or
   reads out of bounds. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#define CR_NO_REGISTRY
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static const char data_text[] =
    "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true},"
    "\"Args\":[\"-c\",\"echo hi\",\"x\"],\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"Empty\":[],\"Nil\":null,\"N\":1.5e3,"
    "\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}],\"53/udp\":null}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static cr_json *root;
    char *s;
    cr_json_tmpl *t;
    cr_buf out = {0};
    cr_err err = {0};
    int r;
    if (!root && cr_json_parse(data_text, strlen(data_text), &root, &err) < 0) abort();
    if (size > 4096 || !(s = (char *)malloc(size + 1))) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    r = cr_json_tmpl_parse(s, &t, &err);
    free(s);
    if (r < 0) {
        if (r != -EINVAL || strncmp(err.msg, "template: ", 10)) abort();
        return 0;
    }
    r = cr_json_tmpl_exec(t, root, &out, &err);
    if (r < 0 && r != -EINVAL && r != -E2BIG) abort();
    if (r == 0 && out.len > ((size_t)65 << 20)) abort();
    cr_buf_free(&out);
    cr_json_tmpl_free(t);
    return 0;
}
