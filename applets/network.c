/* network — Docker's network group: user-defined bridge networks. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <string.h>

const char cr_usage_network[] =
"usage: cr network create [--subnet CIDR] [-d bridge] NAME   (default subnet: a free 10.N.0.0/16)\n"
"       cr network ls [-q] | inspect [-f FORMAT] NET... | rm NET... | prune [-f]\n"
"       cr network connect [--ip IP] [--alias NAME]... NET CONTAINER | disconnect [-f] NET CONTAINER\n"
"`cr run --network NAME` containers reach each other by --name and --network-alias.\n"
"connect gives a running container one more interface (eth1 ...) on NET, --ip that\n"
"address, --alias more names there; disconnect takes it away (-f: accepted, as\n"
"Docker's --force). Each start joins the networks connect gave again (of a\n"
"stopped container, both change only that). Containers of different networks\n"
"cannot reach each other.\n";
#define NETWORK_OPTIONS(X) \
    CR_INSPECT_OPTIONS(X) \
    X(OPT_QUIET, "quiet", 'q', CR_OPT_FLAG) \
    X(OPT_SUBNET, "subnet", 0, CR_OPT_VALUE) \
    X(OPT_DRIVER, "driver", 'd', CR_OPT_VALUE) \
    X(OPT_IP, "ip", 0, CR_OPT_VALUE) \
    X(OPT_ALIAS, "alias", 0, CR_OPT_VALUE)

static cr_net_config network_conf;
static char network_dir[4096];

static int network_inspect_one(const char *name, cr_buf *out, cr_err *err) { return cr_net_inspect(&network_conf, name, out, err); }

static void network_pruned(void *user, const char *name) {
    int *n = (int *)user;
    printf("%s%s\n", (*n)++ ? "" : "Deleted Networks:\n", name);
}

/* ls: Docker's table, or the ids */
static int network_ls(const char *applet, int quiet) {
    cr_buf out = {0};
    cr_json *all = NULL;
    const cr_json *n;
    cr_err err = {0};
    int w = 7;                            /* Docker's tabwriter: columns of at least 10 */
    if (cr_net_inspect(&network_conf, NULL, &out, &err) < 0 || cr_json_parse(out.data, out.len, &all, &err) < 0) {
        cr_buf_free(&out);
        return cr_main_fail_err(applet, &err);
    }
    for (n = all->child; n; n = n->next) if ((int)cr_json_get(n, "Name")->len > w) w = (int)cr_json_get(n, "Name")->len;
    if (!quiet) printf("NETWORK ID     %-*s   DRIVER    SCOPE\n", w, "NAME");
    for (n = all->child; n; n = n->next)
        if (quiet) printf("%.12s\n", cr_json_get(n, "Id")->str);
        else printf("%-12.12s   %-*s   %-10slocal\n", cr_json_get(n, "Id")->str, w, cr_json_get(n, "Name")->str, cr_json_get(n, "Driver")->str);
    cr_json_free(all);
    cr_buf_free(&out);
    return 0;
}

int cr_applet_network(int argc, char **argv) {
    CR_OPTIONS(opts, NETWORK_OPTIONS);
    CR_OPTIONS(prune_opts, CR_PRUNE_OPTIONS);   /* prune's -f is --force */
    static const char *const subs[] = { "create", "NAME", "ls", "", "inspect", "NETWORK...", "rm", "NETWORK...",
                                        "prune", "", "connect", "NETWORK CONTAINER", "disconnect", "NETWORK CONTAINER", NULL };
    cr_optstate st;
    cr_err err = {0};
    const char *sub = argc > 1 ? argv[1] : "", *d;
    char id[65], **n;
    int i, rc, pruned = 0;
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) { fputs(cr_usage_network, stdout); return 0; }
    for (i = 0; subs[i] && strcmp(subs[i], sub); i += 2) {}
    if (!subs[i]) return cr_main_usage_error(argv[0], "expected create, ls, inspect, rm, prune, connect or disconnect%s%s", *sub ? ", got " : "", sub);
    argv[1] = argv[0];
    if ((rc = cr_opt_parse(&st, argc - 1, argv + 1, !strcmp(sub, "prune") || !strcmp(sub, "disconnect") ? prune_opts : opts, subs[i + 1], 0)) >= 0) return rc;
    snprintf(network_dir, sizeof network_dir, "%s/@net", cr_state_root(&cr_main_runtime));
    network_conf.state_dir = network_dir;
    network_conf.bridge = cr_conf_get(&cr_main_conf, CR_CONF_BRIDGE);
    network_conf.subnet = cr_conf_get(&cr_main_conf, CR_CONF_SUBNET);
    if (!strcmp(sub, "create")) {
        if ((d = cr_opt_value(&st, OPT_DRIVER)) && strcmp(d, "bridge"))
            return cr_main_usage_error(argv[0], "--driver %s: only bridge is supported", d);
        if (cr_net_create(&network_conf, st.operands[0], cr_opt_value(&st, OPT_SUBNET), NULL, id, &err) < 0) return cr_main_fail_err(argv[0], &err);
        puts(id);
        return 0;
    }
    if (!strcmp(sub, "connect") || !strcmp(sub, "disconnect")) {
        cr_ctr_connect_opts co = { cr_opt_value(&st, OPT_IP), (const char *const *)cr_opt_values(&st, OPT_ALIAS) };
        if (*sub == 'c' ? cr_ctr_connect(&cr_main_runtime, &cr_main_store, st.operands[1], st.operands[0], &co, &err)
                        : cr_ctr_disconnect(&cr_main_runtime, &cr_main_store, st.operands[1], st.operands[0], &err)) return cr_main_fail_err(argv[0], &err);
        return 0;
    }
    if (!strcmp(sub, "inspect")) return cr_main_inspect_objects(&st, network_inspect_one);
    if (!strcmp(sub, "ls") || !strcmp(sub, "list")) return network_ls(argv[0], cr_opt_given(&st, OPT_QUIET) > 0);
    for (n = st.operands; !strcmp(sub, "rm") && *n; n++)
        if (cr_net_remove(&network_conf, *n, NULL, NULL, &err) < 0) rc = cr_main_fail_err(argv[0], &err);
        else puts(*n);
    if (!strcmp(sub, "rm")) return rc > 0 ? rc : 0;
    if (!cr_opt_given(&st, OPT_FORCE) && !cr_main_confirm("all custom networks not used by at least one container")) return 0;
    if (cr_net_remove(&network_conf, NULL, network_pruned, &pruned, &err) < 0) return cr_main_fail_err(argv[0], &err);
    return 0;
}
