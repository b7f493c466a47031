/* Unit tests of the json section: cc -I. tests/unit/json_test.c && ./a.out (TAP). */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP    /* JSON needs no libseccomp, zstd, zlib or BearSSL to link */
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>

#define LIT(s) s, sizeof(s) - 1

/* Parses text that must be valid. */
static cr_json *ok_(const char *s, size_t n, int line) {
    cr_err err = {0};
    cr_json *v = NULL;
    if (cr_json_parse(s, n, &v, &err) < 0 || !v) tap_fail_at(__FILE__, line, "parse failed: %s", err.msg);
    return v;
}
#define OK(s) ok_(s, strlen(s), __LINE__)

/* Text that must be rejected with a message containing want. */
static void bad_(const char *s, size_t n, const char *want, int line) {
    cr_err err = {0};
    cr_json *v = (cr_json *)&err;
    int r = cr_json_parse(s, n, &v, &err);
    if (r != -EINVAL || err.code != EINVAL || v) {
        tap_fail_at(__FILE__, line, "%.60s: expected -EINVAL, got %d", s, r);
        cr_json_free(v == (cr_json *)&err ? NULL : v);
    } else if (want && !strstr(err.msg, want)) {
        tap_fail_at(__FILE__, line, "message \"%s\" lacks \"%s\"", err.msg, want);
    }
}
#define BAD(s, want) bad_(LIT(s), want, __LINE__)
#define BADZ(s, want) bad_(s, strlen(s), want, __LINE__)

static int str_is(const cr_json *v, const char *s, size_t n) {
    return v && v->type == CR_JSON_STRING && v->len == n && !memcmp(v->str, s, n) && !v->str[n];
}

static char *jw_out(const cr_json *v, cr_buf *b) {
    cr_jw w;
    memset(b, 0, sizeof *b);
    cr_jw_init(&w, b);
    cr_jw_value(&w, v);
    return b->oom ? NULL : b->data;
}

static int tree_eq(const cr_json *a, const cr_json *b) {
    const cr_json *x, *y;
    if (a->type != b->type || a->len != b->len) return 0;
    if ((a->key || b->key) && (!a->key || !b->key || strcmp(a->key, b->key))) return 0;
    if (a->type == CR_JSON_STRING) return !memcmp(a->str, b->str, a->len);
    if (a->type == CR_JSON_NUMBER) return !strcmp(a->str, b->str);
    for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
        if (!tree_eq(x, y)) return 0;
    return !x && !y;
}

static void t_scalars(void) {
    cr_json *v;
    CHECK((v = OK("null")) && v->type == CR_JSON_NULL); cr_json_free(v);
    CHECK((v = OK("true")) && v->type == CR_JSON_TRUE); cr_json_free(v);
    CHECK((v = OK("false")) && v->type == CR_JSON_FALSE); cr_json_free(v);
    CHECK((v = OK("-12.5e3")) && v->type == CR_JSON_NUMBER && !strcmp(v->str, "-12.5e3")); cr_json_free(v);
    CHECK((v = OK("\"hi\"")) && str_is(v, "hi", 2) && !v->key && !v->next); cr_json_free(v);
    CHECK((v = OK(" \t\r\n 7 \t\r\n ")) && v->type == CR_JSON_NUMBER && !strcmp(v->str, "7")); cr_json_free(v);
}

static void t_escapes(void) {
    cr_json *v = OK("\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\t\"");
    CHECK(str_is(v, "q\"b\\s/b\bf\fn\nr\rt\t", 16));
    cr_json_free(v);
    BAD("\"\\x\"", "invalid escape '\\x'");
    BAD("\"\\U0041\"", "invalid escape");
    BAD("\"\\u12\"", "invalid \\u escape");
    BAD("\"\\u12G4\"", "line 1 column 2");
    BAD("\"\\u0000\"", "\\u0000 is not allowed");
    BAD("\"abc", "unterminated string");
    BAD("\"abc\\", "unterminated string");
}

static void t_nested(void) {
    cr_json *v = OK("{\"a\":[1,{\"b\":null},\"x\"],\"c\":{\"d\":true},\"e\":[]}"), *a, *m;
    CHECK(v && v->type == CR_JSON_OBJECT && v->len == 3);
    if (!v) return;
    a = cr_json_get(v, "a");
    CHECK(a && a->type == CR_JSON_ARRAY && a->len == 3 && !strcmp(a->key, "a"));
    CHECK(a && a->child->type == CR_JSON_NUMBER && !a->child->key);
    m = a ? a->child->next : NULL;
    CHECK(m && m->type == CR_JSON_OBJECT && m->len == 1 && cr_json_get(m, "b")->type == CR_JSON_NULL);
    CHECK(m && str_is(m->next, "x", 1) && !m->next->next);
    CHECK(cr_json_get(cr_json_get(v, "c"), "d")->type == CR_JSON_TRUE);
    CHECK(cr_json_get(v, "e")->len == 0 && !cr_json_get(v, "e")->child && !cr_json_get(v, "e")->next);
    CHECK(!cr_json_get(v, "zz") && !cr_json_get(a, "a") && !cr_json_get(NULL, "a"));
    cr_json_free(v);
    CHECK((v = OK(" { } ")) && v->type == CR_JSON_OBJECT && !v->len && !v->child); cr_json_free(v);
    CHECK((v = OK("[ [ ] , { } ]")) && v->len == 2); cr_json_free(v);
}

static void t_unicode(void) {
    cr_json *v = OK("\"\\u0041\\u00e9\\u20AC\\uFFFF\"");
    CHECK(str_is(v, "A\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBF", 9));
    cr_json_free(v);
    v = OK("\"\\uD83D\\uDE00|\\udbff\\udfff\"");   /* U+1F600, U+10FFFF */
    CHECK(str_is(v, "\xF0\x9F\x98\x80|\xF4\x8F\xBF\xBF", 9));
    cr_json_free(v);
    v = OK("\"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F\"");   /* raw UTF-8 and DEL pass through */
    CHECK(str_is(v, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F", 11));
    cr_json_free(v);
}

static void t_surrogates(void) {
    BAD("\"\\uD800\"", "lone surrogate \\uD800");
    BAD("\"\\uDC00\"", "lone surrogate \\uDC00");
    BAD("\"\\uD800x\"", "lone surrogate");
    BAD("\"\\uD800\\u0041\"", "lone surrogate");
    BAD("\"\\uD800\\uD800\"", "lone surrogate");
    BAD("\"\\uDE00\\uD83D\"", "lone surrogate");
    BAD("\"\\uD800\\u", "invalid \\u escape");
}

static void t_bad_utf8(void) {
    BAD("\"\xC0\x80\"", "invalid UTF-8 byte 0xc0");      /* overlong NUL */
    BAD("\"\xC1\xBF\"", "invalid UTF-8");
    BAD("\"\xE0\x80\xAF\"", "invalid UTF-8");            /* overlong '/' */
    BAD("\"\xF0\x80\x80\xAF\"", "invalid UTF-8");
    BAD("\"\xED\xA0\x80\"", "invalid UTF-8");            /* U+D800 encoded */
    BAD("\"\xED\xBF\xBF\"", "invalid UTF-8");
    BAD("\"\xF4\x90\x80\x80\"", "invalid UTF-8");        /* U+110000 */
    BAD("\"\xF5\x80\x80\x80\"", "invalid UTF-8");
    BAD("\"\x80\"", "invalid UTF-8");
    BAD("\"\xE2\x82\"", "invalid UTF-8");                /* truncated */
    BAD("\"\xE2\x82", "invalid UTF-8");
    BAD("\"\xFF\"", "invalid UTF-8 byte 0xff");
    BAD("[\xC3\xA9]", "expected a value, found byte 0xc3");
}

static void t_control(void) {
    BAD("\"a\nb\"", "control character 0x0a in string");
    BAD("\"\t\"", "control character 0x09");
    BAD("\"\x1f\"", "control character 0x1f");
    bad_("\"a\0b\"", 5, "control character 0x00", __LINE__);
    bad_("1\0", 2, "unexpected data after the JSON value, found byte 0x00", __LINE__);
}

static char *nest(int depth, const char *open, const char *mid, const char *close) {
    size_t lo = strlen(open), lc = strlen(close), lm = strlen(mid);
    char *s = malloc((lo + lc) * (size_t)depth + lm + 1), *p = s;
    int i;
    for (i = 0; i < depth; i++) memcpy(p, open, lo), p += lo;
    memcpy(p, mid, lm), p += lm;
    for (i = 0; i < depth; i++) memcpy(p, close, lc), p += lc;
    *p = 0;
    return s;
}

static void t_depth(void) {
    char *s = nest(CR_JSON_MAX_DEPTH, "[", "1", "]");
    cr_json *v = OK(s), *c;
    int d = 0;
    for (c = v; c && c->type == CR_JSON_ARRAY; c = c->child) d++;
    CHECK(d == CR_JSON_MAX_DEPTH && c && c->type == CR_JSON_NUMBER);
    cr_json_free(v);
    free(s);
    s = nest(CR_JSON_MAX_DEPTH + 1, "[", "", "]");
    BADZ(s, "nesting deeper than");
    free(s);
    s = nest(CR_JSON_MAX_DEPTH, "{\"a\":", "{}", "}");   /* MAX-1 + 1 objects... */
    BADZ(s, "nesting deeper than");                        /* ...plus the innermost {} is MAX+1 */
    free(s);
    s = nest(CR_JSON_MAX_DEPTH - 1, "{\"a\":", "[]", "}");
    cr_json_free(OK(s));
    free(s);
    s = nest(100000, "[", "", "]");                       /* far too deep: fails fast, no recursion */
    BADZ(s, "line 1 column 129 (offset 128): nesting deeper than");
    free(s);
}

static void t_trailing(void) {
    cr_json_free(OK("{}  \n\t\r "));
    BAD("1 2", "unexpected data after the JSON value, found '2'");
    BAD("{}x", "line 1 column 3 (offset 2)");
    BAD("[]]", "unexpected data");
    BAD("\"a\"\"b\"", "unexpected data");
    BAD("nullx", "unexpected data");
    BAD("truefalse", "unexpected data");
}

static void t_strict(void) {
    BAD("", "expected a value, found end of input");
    BAD("  \n ", "line 2 column 2");
    BAD("[1,]", "expected a value, found ']'");
    BAD("{\"a\":1,}", "expected a string (object key), found '}'");
    BAD("[,1]", "expected a value");
    BAD("{,}", "object key");
    BAD("[1,,2]", "expected a value");
    BAD("// c\n1", "expected a value, found '/'");
    BAD("/* c */ 1", "expected a value");
    BAD("[1 /* c */]", "expected ',' or ']' after array element, found '/'");
    BAD("{'a':1}", "found '''");
    BAD("{a:1}", "object key");
    BAD("[1 2]", "expected ',' or ']' after array element");
    BAD("{\"a\" 1}", "expected ':' after object key");
    BAD("{\"a\":}", "expected a value");
    BAD("{\"a\":1 \"b\":2}", "expected ',' or '}' after object member");
    BAD("[", "expected a value, found end of input");
    BAD("{", "found end of input");
    BAD("{\"a\":1", "expected ',' or '}' after object member, found end of input");
    BAD("[1", "found end of input");
    BAD("tru", "invalid literal");
    BAD("True", "expected a value, found 'T'");
    BAD("nul", "invalid literal");
    BAD("NaN", "expected a value");
    BAD("Infinity", "expected a value");
    BAD("-Infinity", "expected a digit after '-'");
    BAD("\xEF\xBB\xBF{}", "byte order mark");
    BAD("\xEF\xBB\xBF", "byte order mark");
    BAD("{}\xEF\xBB\xBF", "unexpected data");
    BAD("[\"a\"\v]", "found byte 0x0b");    /* \v and \f are not JSON whitespace */
    BAD("\f1", "found byte 0x0c");
}

static void t_numbers_grammar(void) {
    static const char *good[] = { "0", "-0", "0.0", "1E5", "1e+5", "1e-5", "-1.25E-10", "10", "123456789012345678901234567890" };
    size_t i;
    for (i = 0; i < sizeof good / sizeof *good; i++) {
        cr_json *v = OK(good[i]);
        CHECK(v && v->type == CR_JSON_NUMBER && !strcmp(v->str, good[i]));
        cr_json_free(v);
    }
    BAD("01", "leading zeros");
    BAD("-01", "leading zeros");
    BAD("[00]", "line 1 column 2");
    BAD("1.", "expected a digit after '.'");
    BAD("1.e5", "expected a digit after '.', found 'e'");
    BAD(".5", "expected a value, found '.'");
    BAD("-", "expected a digit after '-', found end of input");
    BAD("+1", "expected a value, found '+'");
    BAD("1e", "expected a digit in the exponent");
    BAD("1e+", "expected a digit in the exponent");
    BAD("0x10", "unexpected data");
    BAD("1_000", "unexpected data");
}

/* s read by cr_json_u64 (is_unsigned) or cr_json_i64 must give want_r and,
   when 0, want (an int64_t as its bits); a failure leaves the output alone. */
static void integer_case(const char *s, int is_unsigned, int want_r, uint64_t want) {
    cr_json *v = OK(s);
    int64_t si = 7;
    uint64_t ui = 7, got;
    int r = is_unsigned ? cr_json_u64(v, &ui) : cr_json_i64(v, &si);
    got = is_unsigned ? ui : (uint64_t)si;
    if (r != want_r || (r == 0 && got != want) || (r && got != 7)) {
        if (is_unsigned) TAP_FAIL("u64(%s) = %d, %llu", s, r, (unsigned long long)ui);
        else TAP_FAIL("i64(%s) = %d, %lld", s, r, (long long)si);
    }
    cr_json_free(v);
}

static void t_i64(void) {
    static const struct { const char *s; int r; int64_t v; } c[] = {
        { "0", 0, 0 }, { "-0", 0, 0 }, { "42", 0, 42 }, { "-42", 0, -42 },
        { "9223372036854775807", 0, INT64_MAX }, { "-9223372036854775808", 0, INT64_MIN },
        { "9223372036854775808", -ERANGE, 0 }, { "-9223372036854775809", -ERANGE, 0 },
        { "18446744073709551616", -ERANGE, 0 }, { "99999999999999999999999", -ERANGE, 0 },
        { "1.5", -EINVAL, 0 }, { "1e3", -EINVAL, 0 }, { "1.0", -EINVAL, 0 }, { "-1E0", -EINVAL, 0 },
    };
    size_t i;
    for (i = 0; i < sizeof c / sizeof *c; i++) integer_case(c[i].s, 0, c[i].r, (uint64_t)c[i].v);
}

static void t_u64(void) {
    static const struct { const char *s; int r; uint64_t v; } c[] = {
        { "0", 0, 0 }, { "-0", 0, 0 }, { "42", 0, 42 },
        { "18446744073709551615", 0, UINT64_MAX }, { "18446744073709551616", -ERANGE, 0 },
        { "184467440737095516150", -ERANGE, 0 }, { "-1", -ERANGE, 0 },
        { "-18446744073709551615", -ERANGE, 0 }, { "1.5", -EINVAL, 0 }, { "1e3", -EINVAL, 0 },
    };
    size_t i;
    for (i = 0; i < sizeof c / sizeof *c; i++) integer_case(c[i].s, 1, c[i].r, c[i].v);
}

static void t_not_numbers(void) {
    cr_json *v = OK("[\"1\",true,null,[],{}]"), *e;
    int64_t i;
    uint64_t u;
    double d;
    for (e = v ? v->child : NULL; e; e = e->next)
        CHECK(cr_json_i64(e, &i) == -EINVAL && cr_json_u64(e, &u) == -EINVAL && cr_json_double(e, &d) == -EINVAL);
    CHECK(cr_json_i64(NULL, &i) == -EINVAL && cr_json_double(NULL, &d) == -EINVAL);
    cr_json_free(v);
}

static void t_double(void) {
    cr_json *v = OK("[1.5,1e3,-2.5e-3,0,1e400,-1e400,1e-400,18446744073709551616]"), *e;
    double d[8] = {0};
    int r[8], i = 0;
    for (e = v ? v->child : NULL; e && i < 8; e = e->next, i++) r[i] = cr_json_double(e, &d[i]);
    CHECK(i == 8);
    CHECK(!r[0] && d[0] == 1.5 && !r[1] && d[1] == 1000.0 && !r[2] && d[2] == -2.5e-3 && !r[3] && d[3] == 0.0);
    CHECK(r[4] == -ERANGE && r[5] == -ERANGE && !r[6] && d[6] >= 0 && d[6] < 1e-300);
    CHECK(!r[7] && d[7] == 18446744073709551616.0);
    cr_json_free(v);
}

static void t_errors(void) {
    cr_err err = {0};
    cr_json *v = (cr_json *)&err;
    CHECK(cr_json_parse(LIT("{\n  \"a\": 1\n  \"b\": 2\n}"), &v, &err) == -EINVAL && !v && err.code == EINVAL);
    CHECK(!strcmp(err.msg, "line 3 column 3 (offset 13): expected ',' or '}' after object member, found '\"'"));
    if (strcmp(err.msg, "line 3 column 3 (offset 13): expected ',' or '}' after object member, found '\"'")) TAP_FAIL("%s", err.msg);
    BAD("[\"\xC3\xA9\", x]", "line 1 column 7 (offset 7): expected a value, found 'x'");   /* columns count characters */
    BAD("[1,\r\n 2,\r\n  ?]", "line 3 column 3 (offset 12)");
    BAD("\n\n  \"ab\x01\"", "line 3 column 6 (offset 7): control character 0x01");
    BAD("[\"x\",\n \"unterminated", "line 2 column 2 (offset 7): unterminated string");
}

static void t_duplicates(void) {
    char want[300], key[101];
    BAD("{\n  \"uid\": 1,\n  \"uid\": 2\n}", "line 3 column 3 (offset 16): duplicate key \"uid\" in object");
    BAD("{\"a\":1,\"b\":2,\"a\":3,\"b\":4}", "column 14 (offset 13): duplicate key \"a\"");   /* first repeat in document order */
    BAD("{\"b\":1,\"a\":2,\"c\":3,\"a\":4,\"b\":5}", "duplicate key \"a\"");
    BAD("[{\"x\":{\"y\":1,\"y\":1}}]", "duplicate key \"y\"");
    BAD("{\"a\":1,\"\\u0061\":2}", "duplicate key \"a\"");              /* compared after decoding */
    BAD("{\"\":1,\"\":2}", "duplicate key \"\"");
    BAD("{\"\\u001b[31m\":1,\"\\u001b[31m\":2}", "duplicate key \"?[31m\"");   /* no raw escapes in messages */
    memset(key, 'a', 100), key[100] = 0;
    snprintf(want, sizeof want, "{\"%s\":1,\"%s\":2}", key, key);
    BADZ(want, "duplicate key \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" in object");
    memcpy(key, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xA9", 65), key[65] = 0;
    snprintf(want, sizeof want, "{\"%s\":1,\"%s\":2}", key, key);   /* 63 'a' + é: cut before the é */
    BADZ(want, "aaaaaaa...\" in object");
    cr_json_free(OK("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}],\"A\":0,\"a \":0}"));
}

static void t_type_names(void) {
    CHECK(!strcmp(cr_json_type_name(CR_JSON_NULL), "null"));
    CHECK(!strcmp(cr_json_type_name(CR_JSON_TRUE), "boolean") && !strcmp(cr_json_type_name(CR_JSON_FALSE), "boolean"));
    CHECK(!strcmp(cr_json_type_name(CR_JSON_NUMBER), "number") && !strcmp(cr_json_type_name(CR_JSON_STRING), "string"));
    CHECK(!strcmp(cr_json_type_name(CR_JSON_ARRAY), "array") && !strcmp(cr_json_type_name(CR_JSON_OBJECT), "object"));
    CHECK(!strcmp(cr_json_type_name((cr_json_type)99), "invalid"));
}

static void t_writer(void) {
    cr_buf b = {0};
    cr_jw w;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    cr_jw_key(&w, "a"); cr_jw_i64(&w, 1);
    cr_jw_key(&w, "b"); cr_jw_arr(&w); cr_jw_bool(&w, 1); cr_jw_bool(&w, 0); cr_jw_null(&w); cr_jw_arr_end(&w);
    cr_jw_key(&w, "c"); cr_jw_str(&w, "x");
    cr_jw_key(&w, "d"); cr_jw_i64(&w, INT64_MIN);
    cr_jw_key(&w, "e"); cr_jw_u64(&w, UINT64_MAX);
    cr_jw_key(&w, "f"); cr_jw_str(&w, NULL);
    cr_jw_key(&w, "g"); cr_jw_obj(&w); cr_jw_obj_end(&w);
    cr_jw_key(&w, "h"); cr_jw_arr(&w); cr_jw_arr(&w); cr_jw_arr_end(&w); cr_jw_arr(&w); cr_jw_arr_end(&w); cr_jw_arr_end(&w);
    cr_jw_key(&w, "k\"\n"); cr_jw_strn(&w, "ab", 1);
    cr_jw_key(&w, "r"); cr_jw_raw(&w, "{\"x\":[1]}");
    cr_jw_obj_end(&w);
    CHECK(!b.oom && b.data && !strcmp(b.data, "{\"a\":1,\"b\":[true,false,null],\"c\":\"x\",\"d\":-9223372036854775808,"
                                               "\"e\":18446744073709551615,\"f\":null,\"g\":{},\"h\":[[],[]],\"k\\\"\\n\":\"a\",\"r\":{\"x\":[1]}}"));
    if (b.data) cr_json_free(OK(b.data));
    cr_buf_free(&b);
}

static void t_writer_escape(void) {
    static const char in[] = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\0z";
    static const char want[] = "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f/\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\\u0000z\"";
    cr_buf b = {0};
    cr_jw w;
    cr_jw_init(&w, &b);
    cr_jw_strn(&w, in, sizeof in - 1);
    CHECK(b.data && !strcmp(b.data, want));
    if (b.data && strcmp(b.data, want)) TAP_FAIL("got %s", b.data);
    cr_buf_free(&b);
}

static void t_writer_bad_utf8(void) {
    static const struct { const char *in, *out; } c[] = {
        { "\xFF", "\"\xEF\xBF\xBD\"" },
        { "a\xC0\x80z", "\"a\xEF\xBF\xBD\xEF\xBF\xBDz\"" },
        { "\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "\xF4\x90\x80\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "x\xE2\x82", "\"x\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "\xE2\x82\xAC\x80", "\"\xE2\x82\xAC\xEF\xBF\xBD\"" },
    };
    size_t i;
    for (i = 0; i < sizeof c / sizeof *c; i++) {
        cr_buf b = {0};
        cr_jw w;
        cr_json *v;
        cr_jw_init(&w, &b);
        cr_jw_str(&w, c[i].in);
        CHECK(b.data && !strcmp(b.data, c[i].out));
        v = b.data ? OK(b.data) : NULL;   /* the output always parses */
        CHECK(v && v->type == CR_JSON_STRING);
        cr_json_free(v);
        cr_buf_free(&b);
    }
}

static void t_writer_depth(void) {
    cr_buf b = {0};
    cr_jw w;
    int i;
    cr_jw_init(&w, &b);
    for (i = 0; i < CR_JSON_MAX_DEPTH; i++) cr_jw_arr(&w);
    CHECK(!b.oom);
    cr_jw_arr(&w);
    CHECK(b.oom);
    cr_buf_free(&b);
}

static void t_roundtrip(void) {
    static const char in[] =
        "{ \"s\" : \"a\\u00e9\\ud83d\\ude00\\n\\\"\\/\\u001f\",\n"
        "  \"n\": [0, -0, 1.5e+10, -2E-3, 123456789012345678901234567890],\n"
        "  \"t\": true, \"f\": false, \"z\": null,\n"
        "  \"o\": {\"e\": {}, \"a\": []}, \"nested\": [[[{\"x\": [1]}]]] }\n";
    static const char want[] =
        "{\"s\":\"a\xC3\xA9\xF0\x9F\x98\x80\\n\\\"/\\u001f\",\"n\":[0,-0,1.5e+10,-2E-3,123456789012345678901234567890],"
        "\"t\":true,\"f\":false,\"z\":null,\"o\":{\"e\":{},\"a\":[]},\"nested\":[[[{\"x\":[1]}]]]}";
    cr_buf b1, b2;
    cr_json *v = OK(in), *v2 = NULL;
    char *s1 = v ? jw_out(v, &b1) : NULL, *s2;
    CHECK(s1 && !strcmp(s1, want));
    if (s1 && strcmp(s1, want)) TAP_FAIL("got %s", s1);
    if (s1) v2 = OK(s1);
    CHECK(v2 && tree_eq(v, v2));
    s2 = v2 ? jw_out(v2, &b2) : NULL;
    CHECK(s2 && s1 && !strcmp(s1, s2));
    if (v) cr_buf_free(&b1);
    if (v2) cr_buf_free(&b2);
    cr_json_free(v);
    cr_json_free(v2);
    s1 = nest(CR_JSON_MAX_DEPTH, "{\"k\":[", "0", "]}");   /* MAX*2 levels: too deep for the parser */
    BADZ(s1, "nesting");
    free(s1);
    s1 = nest(CR_JSON_MAX_DEPTH / 2, "{\"k\":[", "0", "]}");
    v = OK(s1);
    s2 = v ? jw_out(v, &b1) : NULL;
    CHECK(s2 && !strcmp(s1, s2));
    if (v) cr_buf_free(&b1);
    cr_json_free(v);
    free(s1);
}

static void big(int dup) {
    cr_buf b = {0};
    cr_err err = {0};
    cr_json *v = NULL, *m;
    clock_t t0;
    int64_t x = 0;
    int i, r;
    cr_buf_putc(&b, '{');
    for (i = 0; i < 100000; i++) cr_buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", i, i);
    if (dup) cr_buf_puts(&b, ",\n\"key31337\":0");
    cr_buf_putc(&b, '}');
    CHECK(!b.oom);
    t0 = clock();
    r = cr_json_parse(b.data, b.len, &v, &err);
    if ((double)(clock() - t0) / CLOCKS_PER_SEC > 2.0) TAP_FAIL("parsing took %.2f s", (double)(clock() - t0) / CLOCKS_PER_SEC);
    if (dup) {
        CHECK(r == -EINVAL && strstr(err.msg, "line 2 column 1") && strstr(err.msg, "duplicate key \"key31337\""));
    } else {
        CHECK(r == 0 && v && v->len == 100000);
        m = cr_json_get(v, "key99999");
        CHECK(m && cr_json_i64(m, &x) == 0 && x == 99999);
    }
    cr_json_free(v);
    cr_buf_free(&b);
}
static void t_big(void) { big(0); }
static void t_big_dup(void) { big(1); }

static void t_failure_out(void) {
    cr_json *v = (cr_json *)&v;
    CHECK(cr_json_parse(LIT("[1,"), &v, NULL) == -EINVAL && !v);   /* err may be NULL */
    CHECK(cr_json_parse(NULL, 0, &v, NULL) == -EINVAL && !v);
}

static const tap_test tests[] = {
    { "scalars", t_scalars },
    { "string escapes", t_escapes },
    { "nested arrays and objects, cr_json_get", t_nested },
    { "unicode escapes and raw UTF-8", t_unicode },
    { "lone surrogates rejected", t_surrogates },
    { "invalid UTF-8 rejected", t_bad_utf8 },
    { "raw control characters rejected", t_control },
    { "depth limit", t_depth },
    { "trailing garbage rejected", t_trailing },
    { "RFC 8259 strictness", t_strict },
    { "number grammar", t_numbers_grammar },
    { "cr_json_i64 bounds", t_i64 },
    { "cr_json_u64 bounds", t_u64 },
    { "number getters on non-numbers", t_not_numbers },
    { "cr_json_double", t_double },
    { "error messages give line, column and offset", t_errors },
    { "duplicate keys rejected", t_duplicates },
    { "type names", t_type_names },
    { "writer structure, commas, cr_jw_raw", t_writer },
    { "writer escaping", t_writer_escape },
    { "writer replaces invalid UTF-8 with U+FFFD", t_writer_bad_utf8 },
    { "writer depth overflow sets oom", t_writer_depth },
    { "round trip parse -> cr_jw_value -> parse", t_roundtrip },
    { "100000-member object parses fast", t_big },
    { "duplicate in a 100000-member object found fast", t_big_dup },
    { "failed parse leaves *out NULL", t_failure_out },
};

int main(void) {
    return TAP_RUN_ALL(tests);
}
