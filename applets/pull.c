/* pull — fetch an image from a registry or a local archive into the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char cr_usage_pull[] =
"usage: cr pull [OPTIONS] IMAGE\n"
"\n"
"Pull IMAGE (docker.io/library/alpine:latest, host:port/repo:tag,\n"
"repo@sha256:...) into the store (--storage, $CR_STORAGE, /var/lib/cr).\n"
"Blobs are verified against their digests before they are stored; an\n"
"interrupted pull resumes where it stopped. IMAGE may also be local:\n"
"\n"
"  oci:DIR[:TAG]               an OCI image layout (named localhost/DIR:TAG)\n"
"  oci-archive:FILE[:TAG]      a tar of one (localhost/FILE:TAG)\n"
"  docker-archive:FILE[:REF]   the output of docker save (named by its RepoTags)\n"
"\n"
"  --platform OS/ARCH[/VARIANT]  platform to pick from a multi-platform image (default: this host)\n"
"  --creds USER:PASS             registry credentials\n"
"  --authfile FILE               credentials file (Docker's config.json format)\n"
"  --tls-verify=false            allow plain HTTP and unverified TLS for any registry\n"
"  --cert-dir DIR                CA and client certificates (DIR/HOST:PORT/*.crt, client.cert/.key)\n"
"  -q, --quiet                   print only the manifest digest\n";

typedef struct { int tty, quiet; char last[80]; } cr_pull_ui;

static void cr_pull_progress(void *user, const char *what, const char *digest, uint64_t done, uint64_t total) {
    cr_pull_ui *ui = (cr_pull_ui *)user;
    const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
    int finished = total && done >= total;
    if (ui->quiet) return;
    if (!strcmp(what, "exists")) { printf("%.12s: already exists\n", hex); return; }
    if (ui->tty) {
        printf("\r%-6s %.12s: %8.1f / %.1f MiB%s", what, hex, done / 1048576.0, total / 1048576.0, finished ? "\n" : "");
        fflush(stdout);
    } else if (finished) printf("%s %.12s: %llu bytes done\n", what, hex, (unsigned long long)total);
}

int cr_applet_pull(int argc, char **argv) {
    static const cr_opt opts[] = { {"platform", 0, 1}, {"creds", 0, 1}, {"authfile", 0, 1}, {"tls-verify", 0, 1},
                                   {"cert-dir", 0, 1}, {"quiet", 'q', 0}, {0, 0, 0} };
    cr_pull_opts o;
    cr_pull_ui ui;
    cr_optstate st;
    cr_err err = {0};
    char digest[136];
    int k;
    memset(&o, 0, sizeof o);
    memset(&ui, 0, sizeof ui);
    cr_opt_begin(&st, argc, argv);
    while ((k = cr_opt_next(&st, opts)) >= 0) {
        switch (k) {
        case 0: o.platform = st.value; break;
        case 1: o.creds = st.value; break;
        case 2: o.authfile = st.value; break;
        case 3:
            if (!strcmp(st.value, "false")) o.insecure = 1;
            else if (strcmp(st.value, "true")) return cr_main_usage_error(argv[0], "--tls-verify: expected true or false");
            break;
        case 4: o.certs_dir = st.value; break;
        case 5: ui.quiet = 1; break;
        }
    }
    if (k == -3) return 0;
    if (k == -2) return 1;
    if (st.noperands != 1) return cr_main_usage_error(argv[0], "expected exactly one IMAGE");
    ui.tty = isatty(1);
    o.progress = cr_pull_progress;
    o.user = &ui;
    if (cr_image_pull(&cr_main_store, st.operands[0], &o, digest, &err) < 0) return cr_main_fail_err(argv[0], &err);
    printf("%s%s\n", ui.quiet ? "" : "Digest: ", digest);
    return 0;
}
