// cr-test: libs=-lzstd -lz -lbearssl
/* libFuzzer target for the build section's parsers:
   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_dockerfile.c -lzstd -lz -lbearssl
   The input is a Dockerfile: cr_build_parse must accept it or fail with a
   message naming the file and a line that exists; what parses must hold its
   promises (a keyword among the known ones, lines in order, flags and JSON
   lists NULL-terminated). Each instruction's arguments then go through the
   word lexer (quotes, escapes, ${VAR:-x}) with a few variables set, the
   KEY=VALUE pair reader and the .dockerignore matcher; an ONBUILD's
   trigger is checked and parsed as a build FROM that image does. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#include "cr.h"

#include <stdlib.h>
#include <string.h>

static void check_words(const cr_build_instr *in, char esc, const cr__strv *vars) {
    cr__strv w = {0}, pairs = {0};
    int i;
    cr__bld_lex(in->args, esc, vars, 1, &w);
    for (i = 0; i < w.n; i++) if (!w.v[i]) abort();
    if (w.v && w.v[w.n]) abort();
    cr__bld_pairs(in->args, esc, vars, &pairs);
    for (i = 0; i < w.n && i < 2; i++) cr__bld_match(w.v[i], in->original);
    cr__strv_free(&w);
    cr__strv_free(&pairs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cr_dockerfile df;
    cr_err err = {0};
    cr__strv vars = {0};
    size_t i, lines = 1, k;
    int last = 0;
    if (size > 1 << 16) return 0;
    for (i = 0; i < size; i++) lines += data[i] == '\n';
    if (cr_build_parse((const char *)data, size, "Dockerfile", &df, &err) < 0) {
        if (strncmp(err.msg, "Dockerfile", 10) || !err.code) abort();
        return 0;
    }
    cr__strv_push(&vars, "A=1");
    cr__strv_push(&vars, "EMPTY=");
    cr__strv_push(&vars, "LONG=a b  c");
    if (!df.n || (df.escape != '\\' && df.escape != '`') || !df.syntax) abort();
    for (i = 0; i < df.n; i++) {
        const cr_build_instr *in = &df.instr[i];
        if (in->line <= last || (size_t)in->line > lines || !in->keyword || !in->args || !in->original || !in->flags) abort();
        if (!cr__bld_in(in->keyword, " ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER VOLUME WORKDIR ")) abort();
        for (k = 0; in->flags[k]; k++) if (strncmp(in->flags[k], "--", 2)) abort();
        for (k = 0; in->json && in->json[k]; k++) ;
        if (!strcmp(in->keyword, "SHELL") && !in->json) abort();
        last = in->line;
        if (i < 64) check_words(in, df.escape, &vars);
        if (!strcmp(in->keyword, "ONBUILD") && cr__bld_trigger_ok(in->args, &err) == 0) {
            cr_dockerfile t;
            if (cr_build_parse(in->args, strlen(in->args), "ONBUILD", &t, &err) == 0) {
                if (!t.n || !t.instr[0].keyword) abort();
                cr_build_parse_free(&t);
            } else if (!err.code) abort();
        }
    }
    cr__strv_free(&vars);
    cr_build_parse_free(&df);
    return 0;
}
