/* Unit tests of the json section's templates (cr_json_tmpl_*): cc -I. tests/unit/tmpl_test.c && ./a.out (TAP).
   The expected outputs are what Go's text/template (docker inspect -f) prints for the same data. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#define CR_NO_REGISTRY
#include "cr.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

static const char data_text[] =
    "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true,\"OOMKilled\":false},"
    "\"Args\":[\"-c\",\"echo hi\"],\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"Empty\":[],\"Nil\":null,"
    "\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}],\"53/udp\":null}}";

/* The output of tmpl over the data, or the error message. */
static const char *run(const char *tmpl) {
    static cr_buf out;
    cr_json *data = NULL;
    cr_json_tmpl *t = NULL;
    cr_err err = {0};
    cr_buf_free(&out);
    if (cr_json_parse(data_text, strlen(data_text), &data, &err) < 0) return "data!";
    if (cr_json_tmpl_parse(tmpl, &t, &err) == 0 && cr_json_tmpl_exec(t, data, &out, &err) == 0) {
        cr_json_tmpl_free(t);
        cr_json_free(data);
        return out.data ? out.data : "";
    }
    cr_json_tmpl_free(t);
    cr_json_free(data);
    cr_buf_free(&out);
    cr_buf_puts(&out, err.msg);
    return out.data;
}

/* Each case: its group (a test below), a template and the output (or error) it must give. */
static const char *const cases[][3] = {
    /* fields */
    { "0", "{{.Id}}", "abc" },
    { "0", "x{{.State.Status}}y{{.State.Pid}}", "xrunningy42" },
    { "0", "{{.State.Running}} {{.State.OOMKilled}}", "true false" },
    { "0", "{{.Args}}", "[-c echo hi]" },
    { "0", "{{.Labels}}", "map[a:1 b:2]" },
    { "0", "{{.Nil}}|{{.Empty}}", "<nil>|[]" },
    { "0", "{{$.Id}} {{$}}x",
      "abc map[Args:[-c echo hi] Empty:[] Id:abc Labels:map[a:1 b:2] Name:/web Nil:<nil> "
        "Ports:map[53/udp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]] "
        "State:map[OOMKilled:false Pid:42 Running:true Status:running]]x" },
    { "0", "no actions", "no actions" },
    { "0", "", "" },
    /* functions */
    { "1", "{{json .Labels}}", "{\"b\":\"2\",\"a\":\"1\"}" },
    { "1", "{{json .Name}} {{.State | json}}",
      "\"/web\" {\"Status\":\"running\",\"Pid\":42,\"Running\":true,\"OOMKilled\":false}" },
    { "1", "{{index .Labels \"a\"}}{{index .Args 1}}", "1echo hi" },
    { "1", "{{index .Labels \"zz\"}}", "<no value>" },
    { "1", "{{(index (index .Ports \"80/tcp\") 0).HostPort}}", "8080" },
    { "1", "{{index .Ports \"80/tcp\" 0 \"HostIp\"}}", "0.0.0.0" },
    { "1", "{{len .Args}} {{len .Labels}} {{len .Id}}", "2 2 3" },
    { "1", "{{join .Args \",\"}}", "-c,echo hi" },
    { "1", "{{upper .Id}} {{lower \"AbC\"}} {{title \"hello world\"}}", "ABC abc Hello World" },
    { "1", "{{range split \"a:b:c\" \":\"}}<{{.}}>{{end}}", "<a><b><c>" },
    { "1", "{{eq .State.Status \"running\"}} {{ne .State.Pid 42}} {{not .Nil}}", "true false true" },
    { "1", "{{and .Id .Name}} {{or .Nil .Empty \"z\"}}", "/web z" },
    { "1", "{{print \"a\" 1 2 \"b\"}}|{{println .Id 1}}", "a1 2b|abc 1\n" },
    { "1", "{{`raw\\n`}}{{\"q\\\"\\n\"}}", "raw\\nq\"\n" },
    /* control */
    { "2", "{{range .Args}}[{{.}}]{{end}}", "[-c][echo hi]" },
    { "2", "{{range .Empty}}x{{else}}none{{end}}", "none" },
    { "2", "{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", "a=1;b=2;" },
    { "2", "{{range $i, $a := .Args}}{{$i}}:{{$a}} {{end}}", "0:-c 1:echo hi " },
    { "2", "{{range $p, $c := .Ports}}{{$p}}->{{if $c}}{{(index $c 0).HostPort}}{{else}}-{{end}} {{end}}",
      "53/udp->- 80/tcp->8080 " },
    { "2", "{{if .State.Running}}up{{else}}down{{end}}", "up" },
    { "2", "{{if .Nil}}a{{else if .Empty}}b{{else if .Id}}c{{else}}d{{end}}", "c" },
    { "2", "{{with .State}}{{.Status}}{{end}}{{with .Nil}}x{{else}}y{{end}}", "runningy" },
    { "2", "{{$n := .Name}}{{range $.Args}}{{$n}}{{end}}", "/web/web" },
    { "2", "a  {{- .Id -}}  \n b", "aabcb" },
    { "2", "a{{/* a comment }} */}}b{{- /* x */ -}} c", "abc" },
    { "2", "{{range .Args}}{{range $.Args}}.{{end}}{{end}}", "...." },
    /* errors */
    { "3", "{{.Foo}}", "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"" },
    { "3", "{{.State.Pid.X}}", "template: :1:12: executing \"\" at <.X>: can't evaluate field X in type number" },
    { "3", "{{.Nil.X}}", "template: :1:6: executing \"\" at <.X>: nil pointer evaluating .X" },
    { "3", "{{foo .Id}}", "template: :1: function \"foo\" not defined" },
    { "3", "x\n{{.Id", "template: :2: unclosed action" },
    { "3", "{{if .Id}}x", "template: :1: unexpected EOF" },
    { "3", "{{end}}", "template: :1: unexpected {{end}}" },
    { "3", "{{.Id .Name}}", "template: :1: can't give argument to non-function .Id" },
    { "3", "{{index .Args 5}}",
      "template: :1:2: executing \"\" at <index>: error calling index: index out of range: 5" },
    { "3", "{{len}}", "template: :1: wrong number of args for len: want 1 got 0" },
    { "3", "{{}}", "template: :1: missing value for command" },
    { "3", "{{$x}}", "template: :1:2: executing \"\" at <$x>: undefined variable \"$x\"" },
    { "3", "{{range .Id}}{{end}}", "template: :1:8: executing \"\" at <.Id>: range can't iterate over a string" },
    { "3", "{{(.Id}}", "template: :1: unclosed left paren" },
    { "3", "{{template \"x\"}}", "template: :1: this action is not supported (only if, with, range, else, end)" },
    { "3", "{{\"abc}}", "template: :1: unclosed action" },
};

static void check_group(const char *group) {
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++)
        if (!strcmp(cases[i][0], group) && strcmp(run(cases[i][1]), cases[i][2]))
            TAP_FAIL("%s: got \"%s\", want \"%s\"", cases[i][1], run(cases[i][1]), cases[i][2]);
}

static void t_fields(void) { check_group("0"); }
static void t_functions(void) { check_group("1"); }
static void t_control(void) { check_group("2"); }
static void t_errors(void) { check_group("3"); }

static void t_bounds(void) {
    char deep[1024];
    int i;
    CHECK_HAS(run("{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}"
                  "{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}"
                  "{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}{{range $.Args}}"
                  "x{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}"
                  "{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}"), "too much output");
    for (i = 0; i < 100; i++) memcpy(deep + 5 * i, "{{if ", 5);
    deep[500] = 0;
    CHECK_HAS(run(deep), "template: :1:");
    for (i = 0; i < 200; i++) deep[i] = '(';
    snprintf(deep + 200, sizeof deep - 200, ".Id");
    {
        char t[1100];
        snprintf(t, sizeof t, "{{%s}}", deep);
        CHECK_HAS(run(t), "nested too deep");
    }
}

static const tap_test tests[] = {
    { "fields, dot, root, Go's printing of maps, arrays and null", t_fields },
    { "functions: json index len join upper lower title split eq ne not and or print println", t_functions },
    { "range, if, else if, with, variables, trim markers, comments", t_control },
    { "errors name the line (and column), as Go's", t_errors },
    { "nesting and output are bounded", t_bounds },
};

int main(void) {
    return TAP_RUN_ALL(tests);
}
