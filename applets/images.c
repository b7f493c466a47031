/* images — list the images in the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_images[] =
"usage: cr images [--format table|json] [-q|--quiet]\n"
"\n"
"List the images in the store: REPOSITORY, TAG, IMAGE ID, PULLED, SIZE.\n"
"\n"
"  --format FMT   table (default) or json\n"
"  -q, --quiet    print only the image ids\n";

typedef struct { int json, quiet, n; cr_buf out; cr_jw w; } cr_images_ctx;

static int cr_images_one(void *user, const cr_image_info *img) {
    cr_images_ctx *c = (cr_images_ctx *)user;
    const char *id = strchr(img->config, ':') ? strchr(img->config, ':') + 1 : img->config;
    char repo[CR_REF_STRING_MAX], *colon, *slash;
    if (c->quiet) { printf("%.12s\n", id); return 0; }
    if (c->json) {
        cr_jw_obj(&c->w);
        cr_jw_key(&c->w, "name"); cr_jw_str(&c->w, img->name);
        cr_jw_key(&c->w, "id"); cr_jw_str(&c->w, img->config);
        cr_jw_key(&c->w, "digest"); cr_jw_str(&c->w, img->digest);
        cr_jw_key(&c->w, "size"); cr_jw_u64(&c->w, img->size);
        cr_jw_key(&c->w, "pulled"); cr_jw_str(&c->w, img->pulled);
        cr_jw_obj_end(&c->w);
        return 0;
    }
    snprintf(repo, sizeof repo, "%s", img->name);
    slash = strrchr(repo, '/');
    colon = strrchr(slash ? slash : repo, ':');
    if (colon) *colon = 0;
    if (!c->n++) printf("%-48s %-16s %-12s %-30s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "PULLED", "SIZE");
    printf("%-48s %-16s %.12s %-30s %.1f MB\n", repo, colon ? colon + 1 : "<none>", id, img->pulled, img->size / 1e6);
    return 0;
}

int cr_applet_images(int argc, char **argv) {
    static const cr_opt opts[] = { {"format", 'f', 1}, {"quiet", 'q', 0}, {0, 0, 0} };
    cr_images_ctx c;
    cr_optstate st;
    cr_err err = {0};
    int k;
    memset(&c, 0, sizeof c);
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        if (k == 1) { c.quiet = 1; continue; }
        if (cr_opt_format(argv[0], st.value, &c.json) < 0) return 1;
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands) return cr_main_usage_error(argv[0], "takes no operands");
    cr_jw_init(&c.w, &c.out);
    if (c.json) cr_jw_arr(&c.w);
    if (cr_store_list(&cr_main_store, cr_images_one, &c, &err) < 0) return cr_main_fail_err(argv[0], &err);
    if (c.json) { cr_jw_arr_end(&c.w); puts(c.out.data); }
    else if (!c.n && !c.quiet) printf("%-48s %-16s %-12s %-30s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "PULLED", "SIZE");
    cr_buf_free(&c.out);
    return 0;
}
