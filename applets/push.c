/* push — upload an image of the store to a registry. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cr_usage_push[] =
"usage: cr push [OPTIONS] IMAGE [DEST]\n"
"\n"
"Push IMAGE (a name or id in the store) to DEST (default: its name; also\n"
"docker-archive:FILE or oci-archive:FILE, as cr save writes them). Blobs\n"
"the registry has are skipped, those another repository of it has are\n"
"mounted, the others uploaded (one PUT, or PATCH chunks resumed when one\n"
"fails); then the manifest, or the index when the store has every platform.\n"
"Credentials as for pull (--creds, --authfile, cr login's).\n"
"\n"
"  --creds USER:PASS             registry credentials\n"
"  --authfile FILE               credentials file (Docker's config.json format)\n"
"  --tls-verify=false            allow plain HTTP and unverified TLS for any registry\n"
"  --cert-dir DIR                CA and client certificates (DIR/HOST:PORT/*.crt, client.cert/.key)\n"
"  --compression gzip|zstd       recompress the other layers (new digests, OCI manifest)\n"
"  --chunk-size SIZE             PATCH chunks for larger blobs (k, m, g; default 64m)\n"
"  -q, --quiet                   print only the pushed reference\n";
#define PUSH_OPTIONS(X) \
    CR_REGISTRY_OPTIONS(X) \
    X(OPT_COMPRESSION, "compression", 0, CR_OPT_VALUE) \
    X(OPT_CHUNK_SIZE, "chunk-size", 0, CR_OPT_VALUE) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG)

/* One line per layer as Docker prints them once each is done. */
static void cr_push_progress(void *user, cr_push_phase phase, const char *digest, uint64_t done, uint64_t total, const char *from) {
    const char *hex = strchr(digest, ':') ? strchr(digest, ':') + 1 : digest;
    (void)user; (void)done; (void)total;
    if (phase == CR_PUSH_PUSHING) return;
    if (phase == CR_PUSH_MOUNTED) printf("%.12s: Mounted from %s\n", hex, from);
    else printf("%.12s: %s\n", hex, phase == CR_PUSH_PUSHED ? "Pushed" : "Layer already exists");
    fflush(stdout);
}

int cr_applet_push(int argc, char **argv) {
    CR_OPTIONS_INTO(opts, PUSH_OPTIONS, cr_push_opts);
    cr_push_opts o;
    cr_push_result res;
    cr_optstate st;
    cr_err err = {0};
    const char *comp;
    int64_t size;
    int quiet, r = cr_opt_parse(&st, argc, argv, opts, "IMAGE [DEST]", 0);
    if (r >= 0) return r;
    memset(&o, 0, sizeof o);
    cr_opt_into(&st, opts, &o);
    quiet = cr_opt_given(&st, OPT_QUIET) > 0;
    if (cr_opt_tls_verify(&st, OPT_TLS_VERIFY, &o.insecure)) return 1;
    o.insecure_hosts = cr_conf_list(&cr_main_conf, CR_CONF_INSECURE);
    if ((comp = cr_opt_value(&st, OPT_COMPRESSION))) {
        if (!strcmp(comp, "gzip")) o.compression = CR_PUSH_GZIP;
        else if (!strcmp(comp, "zstd")) o.compression = CR_PUSH_ZSTD;
        else return cr_main_usage_error(argv[0], "--compression: expected gzip or zstd, not \"%s\"", comp);
    }
    if (cr_opt_value(&st, OPT_CHUNK_SIZE)) {
        if (cr_util_parse_size(cr_opt_value(&st, OPT_CHUNK_SIZE), &size) < 0 || size <= 0)
            return cr_main_usage_error(argv[0], "--chunk-size: \"%s\" is not a size (512k, 64m)", cr_opt_value(&st, OPT_CHUNK_SIZE));
        o.chunk_size = (uint64_t)size;
    }
    if (!quiet) o.progress = cr_push_progress;
    if (!quiet) printf("The push refers to repository [%s]\n", st.noperands > 1 ? st.operands[1] : st.operands[0]);
    fflush(stdout);
    if (cr_push_image(&cr_main_store, st.operands[0], st.noperands > 1 ? st.operands[1] : NULL, &o, &res, &err) < 0)
        return cr_main_fail_err(argv[0], &err);
    if (!res.digest[0]) return 0;   /* an archive */
    if (quiet) printf("%s%s%s\n", res.repository, res.tag[0] ? ":" : "@", res.tag[0] ? res.tag : res.digest);
    else printf("%s: digest: %s size: %llu\n", res.tag[0] ? res.tag : res.digest, res.digest, (unsigned long long)res.size);
    return 0;
}
