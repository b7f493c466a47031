/* image — Docker's `image` command group over the image applets. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_image[] =
"usage: cr image ls|list [OPTIONS]        the images in the store (cr images)\n"
"       cr image pull [OPTIONS] IMAGE     pull an image (cr pull)\n"
"       cr image rm [OPTIONS] IMAGE...    remove image names (cr rmi)\n"
"       cr image inspect [-f FORMAT] IMAGE...   images as JSON (cr inspect --type image)\n"
"       cr image prune                    free the blobs and layers nothing uses (cr rmi --prune)\n";

int cr_applet_image(int argc, char **argv) {
    static char images[] = "images", pull[] = "pull", rmi[] = "rmi", prune[] = "--prune";
    const char *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { fputs(cr_usage_image, stdout); return 0; }
    /* the applet's own name, for its --help and its messages */
    if (!strcmp(sub, "ls") || !strcmp(sub, "list")) { argv[1] = images; return cr_applet_images(argc - 1, argv + 1); }
    if (!strcmp(sub, "pull")) { argv[1] = pull; return cr_applet_pull(argc - 1, argv + 1); }
    if (!strcmp(sub, "rm")) { argv[1] = rmi; return cr_applet_rmi(argc - 1, argv + 1); }
    if (!strcmp(sub, "inspect")) return cr_main_subapplet(argc, argv, cr_applet_inspect, "inspect", "--type=image");
    if (!strcmp(sub, "prune")) {
        char *v[3] = { rmi, prune, NULL };
        if (argc > 2) return cr_main_usage_error(argv[0], "prune takes no operands");
        return cr_applet_rmi(2, v);
    }
    return cr_main_usage_error(argv[0], "expected ls, pull, rm, inspect or prune%s%s", *sub ? ", got " : "", sub);
}
