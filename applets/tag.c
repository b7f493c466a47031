/* tag — give an image another name. */
#include "../multicall/applets.h"

const char cr_usage_tag[] =
"usage: cr tag SOURCE TARGET\n"
"\n"
"Give the image SOURCE (a name, id or id prefix) the name TARGET too.\n";

static int cr_tag_two(char **operands, cr_err *err) { return cr_build_tag(&cr_main_store, operands[0], operands[1], err); }

int cr_applet_tag(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "SOURCE TARGET", 0, cr_tag_two); }
