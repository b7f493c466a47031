/* pull — fetch an image from a registry or a local archive into the store. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cr_usage_pull[] =
"usage: cr pull [OPTIONS] IMAGE\n"
"\n"
"Pull IMAGE (docker.io/library/alpine:latest, host:port/repo:tag,\n"
"repo@sha256:...) into the store (--storage, $CR_STORAGE, /var/lib/cr).\n"
"Layers download in parallel and unpack as soon as each is in; blobs are\n"
"verified against their digests before they are stored; an interrupted\n"
"pull resumes where it stopped. Mirrors come from --registry-mirror and\n"
"$CR_REGISTRIES_CONF or /etc/cr/registries.json:\n"
"  {\"mirrors\": {\"docker.io\": [\"127.0.0.1:5001\", \"https://mirror.example\"]}}\n"
"IMAGE may also be local:\n"
"\n"
"  oci:DIR[:TAG]               an OCI image layout (named localhost/DIR:TAG)\n"
"  oci-archive:FILE[:TAG]      a tar of one (localhost/FILE:TAG)\n"
"  docker-archive:FILE[:REF]   the output of docker save (named by its RepoTags)\n"
"\n"
"  --platform OS/ARCH[/VARIANT]  platform to pick from a multi-platform image (default: this host)\n"
"  --creds USER:PASS             registry credentials (never sent to mirrors)\n"
"  --authfile FILE               credentials file (Docker's config.json format)\n"
"  --tls-verify=false            allow plain HTTP and unverified TLS for any registry\n"
"  --cert-dir DIR                CA and client certificates (DIR/HOST:PORT/*.crt, client.cert/.key)\n"
"  --max-concurrent-downloads N  layers fetched at once (default 3, at most 16)\n"
"  --registry-mirror REG=MIRROR  try MIRROR ([http[s]://]host[:port]) before registry REG;\n"
"                                repeatable, tried in order before the config file's\n"
"  --max-layer-size SIZE         refuse a layer that unpacks to more (k, m, g, t; default 32g)\n"
"  -q, --quiet                   print only the image digest\n";
#define PULL_OPTIONS(X) \
    X(OPT_PLATFORM, "platform", 0, CR_OPT_VALUE_IN(platform)) \
    CR_REGISTRY_OPTIONS(X) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG) \
    X(OPT_MAX_CONCURRENT_DOWNLOADS, "max-concurrent-downloads", 0, CR_OPT_VALUE) \
    X(OPT_REGISTRY_MIRROR, "registry-mirror", 0, CR_OPT_VALUES_IN(mirrors)) \
    X(OPT_MAX_LAYER_SIZE, "max-layer-size", 0, CR_OPT_VALUE)

/* One progress line per layer, in the order the layers were first reported. */
typedef struct cr_pull_line {
    char id[13];
    cr_pull_phase phase;
    uint64_t done, total, done0;   /* done0: bytes already there when the download started */
    double t0, drawn;              /* when the download started, when the line was last drawn */
} cr_pull_line;

typedef struct cr_pull_ui {
    int tty, quiet;
    cr_pull_line *lines;
    size_t n;
} cr_pull_ui;

static double cr_pull_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 12345678 -> "12.3MB" (decimal units, as docker prints them) */
static const char *cr_pull_size(double v, char *buf, size_t n) {
    static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
    int u = 0;
    while (v >= 1000 && u < 4) { v /= 1000; u++; }
    snprintf(buf, n, u ? "%.1f%s" : "%.0f%s", v, unit[u]);
    return buf;
}

static const char *const cr_pull_phase_name[] = { "Waiting", "Downloading", "Extracting", "Pull complete", "Already exists" };

static void cr_pull_format(const cr_pull_line *l, double now, char *out, size_t n) {
    char a[32], b[32], c[32];
    int k = snprintf(out, n, "%s: %s", l->id, cr_pull_phase_name[l->phase]);
    if (l->phase != CR_PULL_DOWNLOADING && l->phase != CR_PULL_EXTRACTING) return;
    k += snprintf(out + k, n - (size_t)k, "  %s/%s", cr_pull_size((double)l->done, a, sizeof a), cr_pull_size((double)l->total, b, sizeof b));
    if (l->phase == CR_PULL_DOWNLOADING && now - l->t0 >= 0.2)
        snprintf(out + k, n - (size_t)k, "  %s/s", cr_pull_size((double)(l->done - l->done0) / (now - l->t0), c, sizeof c));
}

/* Terminal: the line of each layer rewritten in place (the cursor stays
   below the last line). Otherwise one plain line per change of phase. */
static void cr_pull_progress(void *user, cr_pull_phase phase, const char *digest, uint64_t done, uint64_t total) {
    cr_pull_ui *ui = (cr_pull_ui *)user;
    const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
    double now = cr_pull_now();
    cr_pull_line *l = NULL;
    char text[160];
    size_t i;
    int changed;
    if (ui->quiet) return;
    for (i = 0; i < ui->n; i++) if (!strncmp(ui->lines[i].id, hex, 12)) { l = &ui->lines[i]; break; }
    if (!l) {
        cr_pull_line *nl = (cr_pull_line *)realloc(ui->lines, (ui->n + 1) * sizeof *nl);
        if (!nl) return;
        ui->lines = nl;
        l = &nl[ui->n++];
        memset(l, 0, sizeof *l);
        snprintf(l->id, sizeof l->id, "%.12s", hex);
        l->phase = (cr_pull_phase)-1;
        if (ui->tty) fputc('\n', stdout);
    }
    changed = l->phase != phase;
    if (changed && phase == CR_PULL_DOWNLOADING) { l->t0 = now; l->done0 = done; }
    l->phase = phase;
    l->done = done;
    l->total = total;
    if (!ui->tty) {
        if (!changed) return;
        if (phase == CR_PULL_DOWNLOADING || phase == CR_PULL_EXTRACTING)
            printf("%s: %s %s\n", l->id, cr_pull_phase_name[phase], cr_pull_size((double)total, text, sizeof text));
        else printf("%s: %s\n", l->id, cr_pull_phase_name[phase]);
        fflush(stdout);
        return;
    }
    /* at most ten redraws a second per line, but every change of phase and the end */
    if (!changed && done < total && now - l->drawn < 0.1) return;
    l->drawn = now;
    cr_pull_format(l, now, text, sizeof text);
    i = ui->n - (size_t)(l - ui->lines);
    printf("\033[%zuA\r%s\033[K\033[%zuB\r", i, text, i);
    fflush(stdout);
}

int cr_applet_pull(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, PULL_OPTIONS, cr_pull_opts);
    cr_pull_opts o;
    cr_pull_ui ui;
    cr_optstate st;
    cr_err err = {0};
    char digest[CR_DIGEST_MAX];
    long long n;
    int64_t size;
    int k, r = cr_opt_parse(&st, argc, argv, opts, "IMAGE", 0);
    if (r >= 0) return r;
    memset(&o, 0, sizeof o);
    memset(&ui, 0, sizeof ui);
    cr_opt_into(&st, opts, &o);
    ui.quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    if (cr_opt_tls_verify(&st, OPT_TLS_VERIFY, &o.insecure)) return 1;
    while ((k = cr_opt_next(&st)) >= 0) {
        if (k == OPT_MAX_CONCURRENT_DOWNLOADS) {
            if (cr_opt_number(st.value, 1, 16, &n) < 0)
                return cr_main_usage_error(argv[0], "--max-concurrent-downloads: expected a number from 1 to 16, not \"%s\"", st.value);
            o.max_concurrent = (int)n;
        }
        if (k == OPT_MAX_LAYER_SIZE) {
            if (cr_util_parse_size(st.value, &size) < 0 || size <= 0)
                return cr_main_usage_error(argv[0], "--max-layer-size: \"%s\" is not a size (512m, 4g)", st.value);
            o.max_layer_size = (uint64_t)size;
        }
    }
    cr_main_pull_defaults(&o);
    ui.tty = isatty(1);
    o.progress = cr_pull_progress;
    o.user = &ui;
    r = cr_image_pull(&cr_main_store, st.operands[0], &o, digest, &err);
    free(ui.lines);
    if (r < 0) return cr_main_fail_err(argv[0], &err);
    printf("%s%s\n", ui.quiet ? "" : "Digest: ", digest);
    return 0;
}
