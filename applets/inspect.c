/* inspect — show image containers as Docker's inspect does (JSON). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_inspect[] =
"usage: cr inspect NAME...\n"
"\n"
"Print a JSON array with one object per container, in Docker's shape\n"
"where the fields overlap: Id, Name, Created, Path, Args, State, Image,\n"
"Config, Mounts, HostConfig, NetworkSettings.\n";

int cr_applet_inspect(int argc, char **argv) {
    cr_optstate st;
    cr_err err = {0};
    cr_buf out = {0};
    int i, failed = 0, n = 0, rc = cr_opt_parse(&st, argc, argv, NULL, "NAME...", 0);
    if (rc >= 0) return rc;
    cr_main_gc();
    cr_buf_putc(&out, '[');
    for (i = 0; i < st.noperands; i++) {
        cr_buf one = {0};
        if (cr_ctr_inspect(&cr_main_runtime, &cr_main_store, st.operands[i], &one, &err) < 0) failed = cr_main_fail_err(argv[0], &err);
        else { if (n++) cr_buf_putc(&out, ','); cr_buf_puts(&out, one.data); }
        cr_buf_free(&one);
    }
    cr_buf_puts(&out, "]");
    puts(out.data);
    cr_buf_free(&out);
    return failed;
}
