// cr-test: libs=-lbearssl
/* libFuzzer target for cr.conf (cr_conf_parse): any input either parses,
   leaving every setting either unset or with its origin "fuzz.conf:LINE",
   and its JSON view parses back; or fails naming the file and a line that
   the input has. Nothing leaks (cr_conf_free), nothing reads past it. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#include "cr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cr_conf c;
    cr_err err = {0};
    cr_buf json = {0};
    cr_json *root = NULL;
    char *text = (char *)malloc(size ? size : 1);
    size_t lines = 1, i;
    int k, line;
    memcpy(text, data, size);
    for (i = 0; i < size; i++) lines += data[i] == '\n';
    memset(&c, 0, sizeof c);
    if (cr_conf_parse(&c, "fuzz.conf", text, size, &err) < 0) {
        if (err.code != EINVAL && err.code != ENOMEM) abort();
        if (strncmp(err.msg, "fuzz.conf", 9)) abort();
        if (err.msg[9] != ':') abort();
        if (sscanf(err.msg + 10, "%d", &line) == 1 && (line < 1 || (size_t)line > lines)) abort();
    } else {
        for (k = 0; k < CR_CONF_NKEYS; k++) {
            if (!c.s[k].value && !c.s[k].list) { if (c.s[k].origin[0]) abort(); continue; }
            if (strncmp(c.s[k].origin, "fuzz.conf:", 10) || (c.s[k].value && c.s[k].list)) abort();
        }
        if (cr_conf_json(&c, &json) < 0 || cr_json_parse(json.data, json.len, &root, &err) < 0) abort();
        cr_json_free(root);
    }
    cr_buf_free(&json);
    cr_conf_free(&c);
    free(text);
    return 0;
}
