/* wait — wait for image containers to exit and print their exit statuses (Docker). */
#include "../multicall/applets.h"
#include <stdio.h>

const char cr_usage_wait[] =
"usage: cr wait NAME...\n"
"\n"
"Wait until each image container exits (one that is not running: its last\n"
"exit) and print its exit status, one a line.\n";

static int cr_wait_one(const char *name, cr_err *err) {
    int code, r = cr_ctr_wait(&cr_main_runtime, &cr_main_store, name, &code, err);
    if (r == 0) printf("%d\n", code);
    return r;
}

int cr_applet_wait(int argc, char **argv) { return cr_opt_names_applet(argc, argv, cr_wait_one); }
