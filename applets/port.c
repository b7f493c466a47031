/* port — the published ports of an image container, as docker port. */
#include "../multicall/applets.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

const char cr_usage_port[] =
"usage: cr port NAME [PRIVATE_PORT[/PROTO]]\n"
"\n"
"List the port bindings of a running container (its -p options), one a\n"
"line: `80/tcp -> 0.0.0.0:8080`. With PRIVATE_PORT (PROTO tcp by default),\n"
"only the host addresses of that port: `0.0.0.0:8080`.\n";

static int cr_port_list(char **operands, cr_err *err) {
    cr_buf one = {0};
    cr_json *v = NULL;
    const cr_json *ns, *ports, *p, *b;
    char want[32] = "";
    int found = 0;
    if (operands[1]) snprintf(want, sizeof want, "%s%s", operands[1], strchr(operands[1], '/') ? "" : "/tcp");
    cr_main_gc();
    if (cr_ctr_inspect(&cr_main_runtime, &cr_main_store, operands[0], &one, err) < 0 ||
        cr_json_parse(one.data, one.len, &v, err) < 0) {
        cr_buf_free(&one);
        return -1;
    }
    ns = cr_json_get(v, "NetworkSettings");
    ports = ns ? cr_json_get(ns, "Ports") : NULL;
    for (p = ports ? ports->child : NULL; p; p = p->next) {
        if (want[0] && strcmp(p->key, want)) continue;
        for (b = p->type == CR_JSON_ARRAY ? p->child : NULL; b; b = b->next) {
            const cr_json *ip = cr_json_get(b, "HostIp"), *port = cr_json_get(b, "HostPort");
            if (!want[0]) printf("%s -> ", p->key);
            printf("%s:%s\n", ip && ip->str ? ip->str : "", port && port->str ? port->str : "");
            found++;
        }
    }
    cr_json_free(v);
    cr_buf_free(&one);
    if (want[0] && !found) return cr_err_set(err, ENOENT, "no public port \"%s\" published for \"%s\"", want, operands[0]);
    return 0;
}

int cr_applet_port(int argc, char **argv) { return cr_opt_operands_applet(argc, argv, "NAME [PRIVATE_PORT]", 0, cr_port_list); }
