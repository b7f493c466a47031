/* libFuzzer target for -p specs: cr_net_port_parse on the input as a
   string. Whatever parses must be a usable port (numbers 1-65535, host_ip
   empty or a canonical IPv4 address) whose canonical spec parses back to
   the same port; whatever fails must be EINVAL naming the spec. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#define CR_NO_REGISTRY
#include "cr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char s[256], canon[64], ipstr[16];
    cr_net_port p, again;
    cr_err err = {0};
    uint32_t ip;
    if (size >= sizeof s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    if (cr_net_port_parse(s, &p, &err) < 0) {
        if (err.code != EINVAL || strncmp(err.msg, "port \"", 6)) abort();
        return 0;
    }
    if (!p.host_port || !p.container_port || (p.udp != 0 && p.udp != 1)) abort();
    if (p.host_ip[0]) {
        if (cr__ip4_parse(p.host_ip, &ip) < 0 || !ip) abort();
        cr__ip4_str(ip, ipstr, sizeof ipstr);
        if (strcmp(ipstr, p.host_ip)) abort();
    }
    cr__net_port_fmt(&p, canon, sizeof canon);
    if (cr_net_port_parse(canon, &again, &err) < 0 || memcmp(&p, &again, sizeof p)) abort();
    return 0;
}
