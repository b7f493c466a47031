/* images — list the images in the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_images[] =
"usage: cr images [--format table|json] [-q|--quiet]\n"
"\n"
"List the images in the store: REPOSITORY, TAG, IMAGE ID, PULLED, SIZE\n"
"(unpacked, as Docker shows it: the files of the image's layers).\n"
"\n"
"  --format FMT   table (default) or json\n"
"  -q, --quiet    print only the image ids\n";

/* the options are the listing's (cr_listing_begin); the table's columns: */
#define CR_IMAGES_COLUMNS "%-48s %-16s %-12.12s %-30s %s"

static int cr_images_one(void *user, const cr_image_info *img) {
    cr_listing *l = (cr_listing *)user;
    const char *id = strchr(img->config, ':') ? strchr(img->config, ':') + 1 : img->config;
    char repo[CR_REF_STRING_MAX], size[32], *colon, *slash;
    uint64_t bytes = img->size;
    if (l->quiet) { printf("%.12s\n", id); return 0; }
    if (cr_store_image_size(&cr_main_store, img, &bytes, NULL) < 0) bytes = img->size;
    if (l->json) {
        cr_jw_obj(&l->w);
        cr_jw_key(&l->w, "name"); cr_jw_str(&l->w, img->name);
        cr_jw_key(&l->w, "id"); cr_jw_str(&l->w, img->config);
        cr_jw_key(&l->w, "digest"); cr_jw_str(&l->w, img->digest);
        cr_jw_key(&l->w, "size"); cr_jw_u64(&l->w, bytes);
        cr_jw_key(&l->w, "pulled"); cr_jw_str(&l->w, img->pulled);
        cr_jw_obj_end(&l->w);
        return 0;
    }
    snprintf(repo, sizeof repo, "%s", img->name);
    slash = strrchr(repo, '/');
    colon = strrchr(slash ? slash : repo, ':');
    if (colon) *colon = 0;
    cr_main_human_size((double)bytes, size, sizeof size);
    cr_listing_row(l);
    printf(CR_IMAGES_COLUMNS "\n", repo, colon ? colon + 1 : "<none>", id, img->pulled, size);
    return 0;
}

int cr_applet_images(int argc, char **argv) {
    cr_listing l;
    cr_err err = {0};
    int rc = cr_listing_begin(&l, argc, argv, CR_IMAGES_COLUMNS, "REPOSITORY", "TAG", "IMAGE ID", "PULLED", "SIZE");
    if (rc >= 0) return rc;
    if (cr_store_list(&cr_main_store, cr_images_one, &l, &err) < 0) return cr_main_fail_err(argv[0], &err);
    cr_listing_end(&l);
    return 0;
}
