/* libFuzzer target for the embedded DNS server's answers
   (cr_net_dns_answer, the net section). The input is a query; after a
   first line "#hosts\n...\n#\n" it is the text of the hosts file instead
   of a fixed one. An answer must fit the buffer, keep the query's id and
   question, be flagged as a response and hold exactly its count of A,
   AAAA or PTR records that point at the question's name. */
#define CR_IMPLEMENTATION
#define CR_NO_SECCOMP
#define CR_NO_REGISTRY
#include "cr.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char fixed[] = "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n10.99.0.2\tweb www # a comment\n"
                                "10.99.0.3 db\n10.99.0.4 db\nfe80::1 db\n";
    unsigned char out[512];
    char hosts[4096];
    const uint8_t *q = data;
    size_t n = size, end = 12, o, i;
    int r, an;
    snprintf(hosts, sizeof hosts, "%s", fixed);
    if (size > 7 && !memcmp(data, "#hosts\n", 7)) {
        const uint8_t *stop = (const uint8_t *)memmem(data + 7, size - 7, "\n#\n", 3);
        size_t h;
        if (!stop || (h = (size_t)(stop - data) - 7) >= sizeof hosts || memchr(data + 7, 0, h)) return 0;
        memcpy(hosts, data + 7, h);
        hosts[h] = 0;
        q = stop + 3;
        n = size - (size_t)(q - data);
    }
    r = cr_net_dns_answer(q, n, hosts, out, sizeof out);
    if (r <= 0) return 0;
    if ((size_t)r > sizeof out || r < 12 || memcmp(out, q, 2) || !(out[2] & 0x80) || out[5] != 1 || out[9] || out[11]) abort();
    while (end < n && q[end]) end += 1u + q[end];
    end += 5;
    if (end > (size_t)r || memcmp(out + 12, q + 12, end - 12)) abort();
    an = out[6] << 8 | out[7];
    for (o = end, i = 0; i < (size_t)an; i++) {
        size_t len;
        if (o + 12 > (size_t)r || out[o] != 0xc0 || out[o + 1] != 12) abort();
        len = (size_t)(out[o + 10] << 8 | out[o + 11]);
        if (out[o + 3] == 12) {   /* PTR: a name of labels, ending in the root */
            size_t k = 0;
            while (k < len && out[o + 12 + k]) k += 1u + out[o + 12 + k];
            if (k + 1 != len || len > 256) abort();
        } else if (len != 4 && len != 16) abort();
        if (o + 12 + len > (size_t)r) abort();
        o += 12 + len;
    }
    if (o != (size_t)r) abort();
    return 0;
}
