// cr-test: timeout=240
/* Tests of the net section: -p parsing, resolv.conf and hosts, and, as root,
   real attaches. The program first moves into a network and a mount
   namespace of its own (unshare), so every bridge, veth, address and NAT
   rule it makes lives in a throw-away netns; /run is a private tmpfs and
   /etc/resolv.conf a bind mount. "Containers" are forked children that
   unshare(CLONE_NEWNET) and pause; checks inside them run `ip`, `nft` and
   `iptables-save` (independent of cr's own netlink code) and TCP/UDP
   probes from forked processes that setns() into them. TAP output. */
#define CR_IMPLEMENTATION
#include "cr.h"
#include "tap.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <sys/time.h>
#include <sys/wait.h>

static char state_dir[64];
static int have_nft, have_ipt, is_root;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* ---- containers: children in a netns of their own ---- */

typedef struct ctr { pid_t pid; } ctr;

static int ctr_start(ctr *c) {
    int p[2];
    char x;
    c->pid = -1;
    if (pipe(p) < 0) return -1;
    c->pid = fork();
    if (c->pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlives the process that made it */
        if (unshare(CLONE_NEWNET) < 0) _exit(1);
        if (write(p[1], "x", 1) != 1) _exit(1);
        close(p[1]);
        for (;;) pause();
    }
    close(p[1]);
    if (c->pid < 0 || read(p[0], &x, 1) != 1) { close(p[0]); return -1; }
    close(p[0]);
    return 0;
}

static void stop_pid(pid_t *pid) {
    if (*pid <= 0) return;
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = -1;
}
static void ctr_stop(ctr *c) { stop_pid(&c->pid); }

static int join_ns(pid_t pid) {
    char path[64];
    int fd, r;
    if (pid <= 0) return 0;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return -1;
    r = setns(fd, CLONE_NEWNET);
    close(fd);
    return r;
}

/* Runs sh -c cmd in pid's netns (0: ours); output in out; exit status. */
static int sh_in(pid_t pid, const char *cmd, char *out, size_t n) {
    int p[2], st = 0;
    size_t len = 0;
    pid_t c;
    if (pipe(p) < 0) return -1;
    c = fork();
    if (c == 0) {
        close(p[0]);
        dup2(p[1], 1); dup2(p[1], 2);
        if (join_ns(pid) < 0) _exit(126);
        execlp("sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    for (;;) {
        ssize_t r = read(p[0], out + len, n - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        if (len == n - 1) break;
    }
    out[len] = 0;
    close(p[0]);
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A server in pid's netns on port: answers every TCP connection (or UDP
   datagram) with reply. Returns its pid once it listens. */
static pid_t serve(pid_t pid, int udp, int port, const char *reply) {
    int p[2];
    char x;
    pid_t c;
    if (pipe(p) < 0) return -1;
    c = fork();
    if (c == 0) {
        struct sockaddr_in sa;
        int s, one = 1;
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (join_ns(pid) < 0) _exit(1);
        s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || (!udp && listen(s, 16) < 0)) _exit(1);
        if (write(p[1], "x", 1) != 1) _exit(1);
        for (;;) {
            if (udp) {
                char b[64];
                struct sockaddr_in from;
                socklen_t fl = sizeof from;
                if (recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl) >= 0)
                    sendto(s, reply, strlen(reply), 0, (struct sockaddr *)&from, fl);
            } else {
                int a = accept(s, NULL, NULL);
                if (a >= 0) { if (write(a, reply, strlen(reply)) < 0) {} close(a); }
            }
        }
    }
    close(p[1]);
    if (c < 0 || read(p[0], &x, 1) != 1) { close(p[0]); if (c > 0) stop_pid(&c); return -1; }
    close(p[0]);
    return c;
}

/* From pid's netns (0: ours), talks to ip:port; the reply or "error: ...". */
static void probe(pid_t pid, int udp, const char *ip, int port, char *out, size_t n) {
    int p[2];
    ssize_t len;
    pid_t c;
    snprintf(out, n, "error: fork");
    if (pipe(p) < 0) return;
    c = fork();
    if (c == 0) {
        struct sockaddr_in sa;
        struct timeval tv = { 3, 0 };
        char b[128] = "";
        ssize_t r;
        int s;
        close(p[0]);
        if (join_ns(pid) < 0) { dprintf(p[1], "error: setns"); _exit(1); }
        s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, ip, &sa.sin_addr);
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) { dprintf(p[1], "error: connect: %s", strerror(errno)); _exit(1); }
        if (udp && send(s, "ping", 4, 0) < 0) { dprintf(p[1], "error: send: %s", strerror(errno)); _exit(1); }
        r = recv(s, b, sizeof b - 1, 0);
        if (r < 0) { dprintf(p[1], "error: recv: %s", strerror(errno)); _exit(1); }
        b[r] = 0;
        dprintf(p[1], "%s", b);
        _exit(0);
    }
    close(p[1]);
    len = c < 0 ? -1 : read(p[0], out, n - 1);
    out[len > 0 ? len : 0] = 0;
    close(p[0]);
    if (c > 0) waitpid(c, NULL, 0);
}

static cr_net_config config(void) {
    cr_net_config c;
    memset(&c, 0, sizeof c);
    c.state_dir = state_dir;
    return c;
}

static int link_exists(const char *name) {
    char cmd[128], out[1024];
    snprintf(cmd, sizeof cmd, "ip link show dev %s", name);
    return sh_in(0, cmd, out, sizeof out) == 0;
}

static int parse_port(const char *spec, cr_net_port *p) {
    cr_err err = {0};
    int r = cr_net_port_parse(spec, p, &err);
    if (r < 0) TAP_FAIL("port \"%s\": %s", spec, err.msg);
    return r;
}

/* ---- tests without privileges ---- */

static void t_port_parse_good(void) {
    static const struct { const char *spec, *canon, *ip; int udp, host, ctr; } ok[] = {
        {"8080:80", "8080:80/tcp", "", 0, 8080, 80},
        {"8080:80/tcp", "8080:80/tcp", "", 0, 8080, 80},
        {"53:5353/udp", "53:5353/udp", "", 1, 53, 5353},
        {"127.0.0.1:8080:80", "127.0.0.1:8080:80/tcp", "127.0.0.1", 0, 8080, 80},
        {"0.0.0.0:1:65535/udp", "1:65535/udp", "", 1, 1, 65535},
        {":8080:80", "8080:80/tcp", "", 0, 8080, 80},
        {"10.1.2.3:65535:1", "10.1.2.3:65535:1/tcp", "10.1.2.3", 0, 65535, 1},
    };
    size_t i;
    for (i = 0; i < sizeof ok / sizeof *ok; i++) {
        cr_net_port p;
        char canon[64];
        if (parse_port(ok[i].spec, &p) < 0) continue;
        CHECK_STR(p.host_ip, ok[i].ip);
        CHECK(p.udp == ok[i].udp && p.host_port == ok[i].host && p.container_port == ok[i].ctr);
        cr__net_port_fmt(&p, canon, sizeof canon);
        CHECK_STR(canon, ok[i].canon);
    }
}

static void t_port_parse_bad(void) {
    static const struct { const char *spec, *msg; } bad[] = {
        {"", "port \"\": empty (expected [IP:]HOST:CONTAINER[/tcp|/udp])"},
        {"80", "port \"80\": expected [IP:]HOST:CONTAINER (publishing on a random host port is not supported)"},
        {"127.0.0.1::80", "port \"127.0.0.1::80\": empty host port (publishing on a random host port is not supported)"},
        {"abc:80", "port \"abc:80\": host port \"abc\" is not a number from 1 to 65535"},
        {"8080:0", "port \"8080:0\": container port \"0\" is not a number from 1 to 65535"},
        {"8080:65536", "port \"8080:65536\": container port \"65536\" is not a number from 1 to 65535"},
        {"+80:80", "port \"+80:80\": host port \"+80\" is not a number from 1 to 65535"},
        {"8080:80/", "port \"8080:80/\": unknown protocol \"\" (tcp or udp)"},
        {"8000-8010:80-90", "port \"8000-8010:80-90\": port ranges are not supported"},
        {"8080:80/sctp", "port \"8080:80/sctp\": sctp is not supported (tcp or udp)"},
        {"8080:80/TCP", "port \"8080:80/TCP\": unknown protocol \"TCP\" (tcp or udp)"},
        {"[::1]:8080:80", "port \"[::1]:8080:80\": IPv6 host address \"::1\" is not supported (the bridge is IPv4 only)"},
        {"[nope]:8080:80", "port \"[nope]:8080:80\": host address \"nope\" is not an IP address"},
        {"::1:8080:80", "port \"::1:8080:80\": too many ':' (expected [IP:]HOST:CONTAINER; IPv6 is not supported)"},
        {"1.2.3:8080:80", "port \"1.2.3:8080:80\": host address \"1.2.3\" is not an IPv4 address"},
        {"localhost:8080:80", "port \"localhost:8080:80\": host address \"localhost\" is not an IPv4 address"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_net_port p;
        cr_err err = {0};
        int r = cr_net_port_parse(bad[i].spec, &p, &err);
        CHECK(r == -EINVAL);
        CHECK_STR(err.msg, bad[i].msg);
    }
}

static void t_hosts(void) {
    cr_buf b = {0};
    cr_err err = {0};
    const char *add[] = {"db:10.0.0.5", "v6:::1", "web=192.168.1.9", "br:[fe80::1]", NULL};
    /* an address, a hostname and at most one --add-host, one of them wrong */
    static const struct { const char *ip, *hostname, *add, *want; } bad[] = {
        {"10.98.0.2", "a b", NULL, "hostname \"a b\": invalid (no blanks, '#' or control characters, at most 253)"},
        {"10.98.0.2", "x", "nocolon", "--add-host \"nocolon\": expected NAME:IP"},
        {"10.98.0.2", "x", "x:1.2.3", "--add-host \"x:1.2.3\": \"1.2.3\" is not an IP address"},
        {"10.98.0.2", "x", "gw:host-gateway", "--add-host \"gw:host-gateway\": host-gateway is not supported: give the address"},
        {"10.98.0.2", "x", "a b:1.2.3.4", "--add-host \"a b:1.2.3.4\": expected NAME:IP"},
        {"10.98.0", "x", NULL, "hosts: address \"10.98.0\" is not an IP address"},
    };
    size_t i;
    CHECK(cr_net_hosts("10.98.0.2", "web.example.com", add, &b, &err) == 0);
    CHECK_STR(b.data,
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::\tip6-localnet\n"
        "ff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
        "10.0.0.5\tdb\n::1\tv6\n192.168.1.9\tweb\nfe80::1\tbr\n"
        "10.98.0.2\tweb.example.com web\n");
    cr_buf_free(&b);
    CHECK(cr_net_hosts(NULL, "box", NULL, &b, &err) == 0);
    CHECK_HASNT(b.data, "box");
    cr_buf_free(&b);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *one[] = {bad[i].add, NULL};
        CHECK(cr_net_hosts(bad[i].ip, bad[i].hostname, bad[i].add ? one : NULL, &b, &err) == -EINVAL);
        CHECK_STR(err.msg, bad[i].want);
    }
    cr_buf_free(&b);
}

/* ---- resolv.conf: the host files are bind mounts in our mount ns ---- */

static int put_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    return fclose(f);
}

static char resolv_src[128];

static void resolv_case(const char *host, const char *upstream, const char *const *dns, const char *want) {
    cr_buf b = {0};
    cr_err err = {0};
    if (put_file(resolv_src, host) < 0) { TAP_FAIL("write %s: %s", resolv_src, strerror(errno)); return; }
    unlink("/run/systemd/resolve/resolv.conf");
    if (upstream && put_file("/run/systemd/resolve/resolv.conf", upstream) < 0) { TAP_FAIL("write upstream: %s", strerror(errno)); return; }
    if (cr_net_resolv_conf(dns, &b, &err) < 0) TAP_FAIL("resolv_conf: %s", err.msg);
    else CHECK_STR(b.data, want);
    cr_buf_free(&b);
}

static void t_resolv_conf(void) {
    const char *dns[] = {"1.1.1.1", "2606:4700:4700::1111", NULL}, *bad[] = {"dns.example", NULL};
    cr_buf b = {0};
    cr_err err = {0};
    if (!is_root) TAP_SKIP("not root (bind mounts over /etc/resolv.conf)");
    if (!resolv_src[0]) TAP_SKIP("no private /etc/resolv.conf");
    /* systemd-resolved's stub: its upstreams (IPv4 only) */
    resolv_case("# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n",
                "nameserver 192.168.1.1\nnameserver fd00::1\nnameserver 192.168.1.2\nsearch lan\n", NULL,
                "# stub\noptions edns0 trust-ad\nsearch lan\nnameserver 192.168.1.1\nnameserver 192.168.1.2\n");
    /* only loopback and IPv6, no resolved: Docker's fallback */
    resolv_case("nameserver 127.0.0.1\nnameserver ::1\n  nameserver\t2001:db8::53\nsearch x\n", NULL, NULL,
                "search x\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    /* usable ones are kept as written, in place */
    resolv_case("nameserver 10.255.255.53\nnameserver 127.0.0.11\nnameserver 9.9.9.9 # quad9\n", NULL, NULL,
                "nameserver 10.255.255.53\nnameserver 9.9.9.9 # quad9\n");
    /* --dns replaces every nameserver, IPv6 included */
    resolv_case("nameserver 10.0.0.1\nsearch a b\noptions ndots:2\n", NULL, dns,
                "search a b\noptions ndots:2\nnameserver 1.1.1.1\nnameserver 2606:4700:4700::1111\n");
    /* an empty host file */
    resolv_case("", NULL, NULL, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    CHECK(cr_net_resolv_conf(bad, &b, &err) == -EINVAL);
    CHECK_STR(err.msg, "--dns \"dns.example\": not an IP address");
    cr_buf_free(&b);
}

/* ---- attaches ---- */

static void t_bad_input(void) {
    /* each a config() with one field wrong (or a bad id) */
    static const struct { const char *subnet, *bridge, *nat; int mtu; const char *id, *want; } bad[] = {
        {"10.98.0.5/16", NULL, NULL, 0, "x", "subnet \"10.98.0.5/16\": host bits are set (the network is 10.98.0.0/16)"},
        {"10.98.0.0/31", NULL, NULL, 0, "x", "subnet \"10.98.0.0/31\": expected an IPv4 network A.B.C.D/N with N from 8 to 30"},
        {NULL, "bad bridge", NULL, 0, "x", "bridge \"bad bridge\": invalid character ' ' (use letters, digits, _ . -)"},
        {NULL, NULL, NULL, 20, "x", "mtu 20: expected 68 to 65535"},
        {NULL, NULL, "pf", 0, "x", "nat \"pf\": expected \"nft\" or \"iptables\""},
        {NULL, NULL, NULL, 0, "a/b", "container id \"a/b\": invalid character '/' (use letters, digits, _ - . +)"},
    };
    cr_net_config c;
    cr_net_lease l;
    cr_err err = {0};
    cr_net_port p = {0};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        c = config();
        if (bad[i].subnet) c.subnet = bad[i].subnet;
        if (bad[i].bridge) c.bridge = bad[i].bridge;
        if (bad[i].nat) c.nat = bad[i].nat;
        c.mtu = bad[i].mtu;
        CHECK(cr_net_attach(&c, bad[i].id, getpid(), NULL, 0, &l, &err) == -EINVAL);
        CHECK_STR(err.msg, bad[i].want);
    }
    c = config();
    p.host_port = 80;
    CHECK(cr_net_attach(&c, "x", getpid(), &p, 1, &l, &err) == -EINVAL);
    CHECK_STR(err.msg, "attach \"x\": port 80:0/tcp: ports must be 1 to 65535 and the host address IPv4");
    if (!is_root) return;
    CHECK(cr_net_attach(&c, "x", getpid(), NULL, 0, &l, &err) == -EINVAL);
    {
        char want[160];
        snprintf(want, sizeof want, "attach \"x\": pid %d shares this process's network namespace (it needs its own)", (int)getpid());
        CHECK_STR(err.msg, want);
    }
    CHECK(cr_net_lease_get(&c, "x", &l, &err) == -ENOENT);
    CHECK_STR(err.msg, "container \"x\" has no network lease");
    CHECK(cr_net_detach(&c, "x", &err) == 0);
}

static ctr A = {-1}, B = {-1};
static pid_t srv_b = -1, srv_a = -1, srv_udp = -1;
static cr_net_lease la, lb;

/* eth0 of a container: its address, the MTU, lo up, the default route */
static void check_inside(pid_t pid, const cr_net_lease *l, int mtu) {
    char out[4096], want[128];
    CHECK(sh_in(pid, "ip -4 -o addr show dev eth0", out, sizeof out) == 0);
    snprintf(want, sizeof want, "inet %s/%d brd ", l->ip, l->prefix);
    CHECK_HAS(out, want);
    CHECK(sh_in(pid, "ip -o link show dev eth0", out, sizeof out) == 0);
    snprintf(want, sizeof want, " mtu %d ", mtu);
    CHECK_HAS(out, want);
    CHECK_HAS(out, ",UP,LOWER_UP>");
    snprintf(want, sizeof want, "link/ether %s ", l->mac);
    CHECK_HAS(out, want);
    CHECK(sh_in(pid, "ip -o link show dev lo", out, sizeof out) == 0);
    CHECK_HAS(out, "<LOOPBACK,UP,LOWER_UP>");
    CHECK(sh_in(pid, "ip -4 route show default", out, sizeof out) == 0);
    snprintf(want, sizeof want, "default via %s dev eth0", l->gateway);
    CHECK_HAS(out, want);
}

static void t_attach_two(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease got;
    cr_net_port ports[2];
    char out[8192];
    double t0, t1, t2;
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    c.mtu = 1400;
    if (ctr_start(&A) < 0 || ctr_start(&B) < 0) { TAP_FAIL("cannot start containers"); return; }
    if (parse_port("8080:80", &ports[0]) < 0 || parse_port("5353:53/udp", &ports[1]) < 0) return;
    t0 = now_ms();
    if (cr_net_attach(&c, "a", A.pid, NULL, 0, &la, &err) < 0) { TAP_FAIL("attach a: %s", err.msg); return; }
    t1 = now_ms();
    if (cr_net_attach(&c, "b", B.pid, ports, 2, &lb, &err) < 0) { TAP_FAIL("attach b: %s", err.msg); return; }
    t2 = now_ms();
    tap_diag("attach: first (bridge + NAT table) %.2f ms, second with 2 ports %.2f ms", t1 - t0, t2 - t1);
    CHECK_STR(la.ip, "10.98.0.2");
    CHECK_STR(lb.ip, "10.98.0.3");
    CHECK_STR(la.gateway, "10.98.0.1");
    CHECK(la.prefix == 16 && lb.prefix == 16);
    CHECK_STR(la.mac, "02:63:0a:62:00:02");
    CHECK_STR(la.host_veth, "veth0a620002");
    check_inside(A.pid, &la, 1400);
    check_inside(B.pid, &lb, 1400);
    CHECK(cr_net_lease_get(&c, "b", &got, &err) == 0 && !memcmp(&got, &lb, sizeof got));
    /* the host side: bridge with the gateway, veths on it with hairpin, forwarding */
    CHECK(sh_in(0, "ip -4 -o addr show dev cr0", out, sizeof out) == 0);
    CHECK_HAS(out, "inet 10.98.0.1/16 ");
    CHECK(sh_in(0, "ip -d -o link show dev veth0a620003", out, sizeof out) == 0);
    CHECK_HAS(out, "master cr0");
    CHECK_HAS(out, "hairpin on");
    CHECK(sh_in(0, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/cr0/route_localnet", out, sizeof out) == 0);
    CHECK_STR(out, "1\n1\n");
    CHECK(sh_in(0, "nft list table ip cr", out, sizeof out) == 0);
    CHECK_HAS(out, "ip saddr 10.98.0.0/16 oifname != \"cr0\" masquerade");
    CHECK_HAS(out, "fib daddr type local tcp dport 8080 dnat to 10.98.0.3:80 comment \"cr:b\"");
    CHECK_HAS(out, "fib daddr type local udp dport 5353 dnat to 10.98.0.3:53 comment \"cr:b\"");
    /* a second attach of the same id, a port another container holds */
    {
        ctr C = {-1};
        cr_net_lease lc;
        if (ctr_start(&C) == 0) {
            CHECK(cr_net_attach(&c, "a", C.pid, NULL, 0, &lc, &err) == -EEXIST);
            CHECK_STR(err.msg, "attach \"a\" to cr0: it already has the address 10.98.0.2 on cr0");
            CHECK(cr_net_attach(&c, "c", C.pid, ports, 1, &lc, &err) == -EADDRINUSE);
            CHECK_STR(err.msg, "attach \"c\" to cr0: port 8080:80/tcp: the host port is already published by container \"b\"");
            CHECK(cr_net_lease_get(&c, "c", &lc, &err) == -ENOENT);
            ctr_stop(&C);
        }
    }
}

static void t_reach(void) {
    char out[256];
    if (!is_root) TAP_SKIP("not root");
    if (A.pid <= 0 || !lb.ip[0]) TAP_SKIP("no containers");
    srv_b = serve(B.pid, 0, 80, "b-tcp");
    srv_a = serve(A.pid, 0, 81, "a-tcp");
    srv_udp = serve(B.pid, 1, 53, "b-udp");
    if (srv_b < 0 || srv_a < 0 || srv_udp < 0) { TAP_FAIL("cannot start servers"); return; }
    /* container to container, both ways */
    probe(A.pid, 0, lb.ip, 80, out, sizeof out);
    CHECK_STR(out, "b-tcp");
    probe(B.pid, 0, la.ip, 81, out, sizeof out);
    CHECK_STR(out, "a-tcp");
    /* host to a container's address */
    probe(0, 0, la.ip, 81, out, sizeof out);
    CHECK_STR(out, "a-tcp");
    /* published ports from the host: the gateway address and localhost */
    probe(0, 0, "10.98.0.1", 8080, out, sizeof out);
    CHECK_STR(out, "b-tcp");
    probe(0, 0, "127.0.0.1", 8080, out, sizeof out);
    CHECK_STR(out, "b-tcp");
    probe(0, 1, "10.98.0.1", 5353, out, sizeof out);
    CHECK_STR(out, "b-udp");
    probe(0, 1, "127.0.0.1", 5353, out, sizeof out);
    CHECK_STR(out, "b-udp");
    /* hairpin: a container through the host's published port, to another and to itself */
    probe(A.pid, 0, "10.98.0.1", 8080, out, sizeof out);
    CHECK_STR(out, "b-tcp");
    probe(B.pid, 0, "10.98.0.1", 8080, out, sizeof out);
    CHECK_STR(out, "b-tcp");
}

static void t_detach(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l;
    char out[8192];
    double t0, t1, t2;
    if (!is_root) TAP_SKIP("not root");
    if (A.pid <= 0 || !lb.ip[0]) TAP_SKIP("no containers");
    t0 = now_ms();
    CHECK(cr_net_detach(&c, "b", &err) == 0);
    t1 = now_ms();
    CHECK(!link_exists("veth0a620003"));
    CHECK(sh_in(B.pid, "ip link show dev eth0", out, sizeof out) != 0);
    CHECK(cr_net_lease_get(&c, "b", &l, &err) == -ENOENT);
    CHECK(sh_in(0, "nft list table ip cr", out, sizeof out) == 0);
    CHECK_HASNT(out, "dnat to");
    CHECK_HAS(out, "masquerade");
    CHECK(link_exists("cr0"));
    probe(0, 0, "127.0.0.1", 8080, out, sizeof out);
    CHECK(!strncmp(out, "error: ", 7));
    CHECK(cr_net_detach(&c, "b", &err) == 0);       /* idempotent */
    /* the address is free again */
    CHECK(cr_net_attach(&c, "b2", B.pid, NULL, 0, &l, &err) == 0);
    CHECK_STR(l.ip, "10.98.0.3");
    CHECK(cr_net_detach(&c, "b2", &err) == 0);
    t2 = now_ms();
    CHECK(cr_net_detach(&c, "a", &err) == 0);
    tap_diag("detach: with 2 ports %.2f ms, the last (table) %.2f ms", t1 - t0, now_ms() - t2);
    CHECK(link_exists("cr0"));          /* the bridge stays, as docker0 does */
    CHECK(!link_exists("veth0a620002"));
    CHECK(sh_in(0, "nft list tables", out, sizeof out) == 0);
    CHECK_HASNT(out, "table ip cr");
    stop_pid(&srv_a); stop_pid(&srv_b); stop_pid(&srv_udp);
    ctr_stop(&A); ctr_stop(&B);
    {
        char path[128], text[4096];
        FILE *f;
        size_t n;
        snprintf(path, sizeof path, "%s/leases.json", state_dir);
        if ((f = fopen(path, "r"))) {
            n = fread(text, 1, sizeof text - 1, f);
            text[n] = 0;
            fclose(f);
            CHECK_STR(text, "{\"nat\":\"\",\"networks\":[],\"leases\":[],\"defs\":[]}\n");
        } else TAP_FAIL("%s: %s", path, strerror(errno));
    }
}

/* attach timings without ports, on an existing bridge */
static void t_timing(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l;
    ctr k[11];
    double t, att = 0, det = 0;
    int i, n = 0;
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    for (i = 0; i < 11; i++) k[i].pid = -1;
    for (i = 0; i < 11; i++) {
        char id[16];
        if (ctr_start(&k[i]) < 0) { TAP_FAIL("cannot start container"); break; }
        snprintf(id, sizeof id, "t%d", i);
        t = now_ms();
        if (cr_net_attach(&c, id, k[i].pid, NULL, 0, &l, &err) < 0) { TAP_FAIL("attach %s: %s", id, err.msg); break; }
        if (i) att += now_ms() - t, n++;
    }
    for (i = 10; i >= 0; i--) {
        char id[16];
        snprintf(id, sizeof id, "t%d", i);
        t = now_ms();
        if (cr_net_detach(&c, id, &err) < 0) TAP_FAIL("detach %s: %s", id, err.msg);
        if (i) det += now_ms() - t;
        ctr_stop(&k[i]);
    }
    if (n) tap_diag("attach without ports on an existing bridge: %.2f ms mean of %d; detach (not the last) %.2f ms", att / n, n, det / n);
    CHECK(link_exists("cr0"));     /* a bridge cr made stays */
}

/* A failed attach undoes everything: here eth0 already exists inside. */
static void t_undo(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l;
    cr_net_port p;
    ctr k = {-1};
    char out[4096];
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    if (ctr_start(&k) < 0) { TAP_FAIL("cannot start container"); return; }
    if (sh_in(k.pid, "ip link add eth0 type veth peer name other", out, sizeof out) != 0) { TAP_FAIL("ip link add: %s", out); ctr_stop(&k); return; }
    if (parse_port("9090:90", &p) < 0) { ctr_stop(&k); return; }
    CHECK(cr_net_attach(&c, "u", k.pid, &p, 1, &l, &err) == -EEXIST);
    CHECK_HAS(err.msg, "attach \"u\" to cr0: create veth veth0a620002 with eth0 in the container: file exists");
    CHECK(cr_net_lease_get(&c, "u", &l, &err) == -ENOENT);
    CHECK(link_exists("cr0"));     /* a bridge cr made stays */
    CHECK(!link_exists("veth0a620002"));
    CHECK(sh_in(0, "nft list tables", out, sizeof out) == 0);
    CHECK_HASNT(out, "table ip cr");
    ctr_stop(&k);
}

/* A container that died without detach: its lease goes when its port or
   address is needed. */
static void t_gc(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l;
    cr_net_port p;
    ctr k1 = {-1}, k2 = {-1};
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    if (parse_port("7070:70", &p) < 0) return;
    if (ctr_start(&k1) < 0 || ctr_start(&k2) < 0) { TAP_FAIL("cannot start containers"); goto out; }
    if (cr_net_attach(&c, "dead", k1.pid, &p, 1, &l, &err) < 0) { TAP_FAIL("attach dead: %s", err.msg); goto out; }
    ctr_stop(&k1);                    /* its netns goes, and with it the veth pair */
    for (int i = 0; i < 100 && link_exists(l.host_veth); i++) usleep(10000);
    if (cr_net_attach(&c, "alive", k2.pid, &p, 1, &l, &err) < 0) TAP_FAIL("attach alive: %s", err.msg);
    CHECK(cr_net_lease_get(&c, "dead", &l, &err) == -ENOENT);
    CHECK(cr_net_detach(&c, "alive", &err) == 0);
    CHECK(link_exists("cr0"));     /* a bridge cr made stays */
out:
    ctr_stop(&k1); ctr_stop(&k2);
}

static void t_iptables(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l;
    cr_net_port p;
    ctr k = {-1};
    pid_t srv = -1;
    char out[8192];
    if (!is_root) TAP_SKIP("not root");
    if (!have_ipt) TAP_SKIP("iptables-restore not installed");
    c.nat = "iptables";
    c.bridge = "crt1";
    c.subnet = "10.99.7.0/24";
    if (parse_port("127.0.0.1:6060:60", &p) < 0) return;
    if (ctr_start(&k) < 0) { TAP_FAIL("cannot start container"); return; }
    if (cr_net_attach(&c, "ipt", k.pid, &p, 1, &l, &err) < 0) { TAP_FAIL("attach: %s", err.msg); goto out; }
    CHECK_STR(l.ip, "10.99.7.2");
    CHECK(sh_in(0, "iptables-save -t nat", out, sizeof out) == 0);
    CHECK_HAS(out, "-A PREROUTING -m addrtype --dst-type LOCAL -j CR-PREROUTING");
    CHECK_HAS(out, "-A OUTPUT -m addrtype --dst-type LOCAL -j CR-OUTPUT");
    CHECK_HAS(out, "-A POSTROUTING -j CR-POSTROUTING");
    CHECK_HAS(out, "-A CR-POSTROUTING -s 10.99.7.0/24 ! -o crt1 -j MASQUERADE");
    CHECK_HAS(out, "-A CR-OUTPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 6060 -m comment --comment \"cr:ipt\" -j DNAT --to-destination 10.99.7.2:60");
    if ((srv = serve(k.pid, 0, 60, "ipt-tcp")) < 0) TAP_FAIL("cannot start server");
    probe(0, 0, "127.0.0.1", 6060, out, sizeof out);
    CHECK_STR(out, "ipt-tcp");
    probe(0, 0, "10.99.7.1", 6060, out, sizeof out);      /* published on 127.0.0.1 only */
    CHECK(!strncmp(out, "error: ", 7));
    CHECK(cr_net_detach(&c, "ipt", &err) == 0);
    CHECK(sh_in(0, "iptables-save -t nat", out, sizeof out) == 0);
    CHECK_HASNT(out, "CR-");
    CHECK(link_exists("crt1"));     /* a bridge cr made stays */
out:
    stop_pid(&srv);
    ctr_stop(&k);
}

/* Neither nft nor iptables: ports are refused, a plain lease works. */
static void t_no_nat_tool(void) {
    int p[2], st = 0;
    char out[1024] = "";
    ssize_t n;
    size_t len;
    pid_t w;
    if (!is_root) TAP_SKIP("not root");
    if (pipe(p) < 0) { TAP_FAIL("pipe"); return; }
    w = fork();
    if (w == 0) {
        cr_net_config c = config();
        cr_err err = {0};
        cr_net_lease l;
        cr_net_port port;
        ctr k = {-1};
        int r;
        close(p[0]);
        /* hide the sbin directories from this process only */
        if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/usr/sbin", "tmpfs", 0, NULL) < 0)
            { dprintf(p[1], "mount: %s", strerror(errno)); _exit(1); }
        if (access("/usr/local/sbin", F_OK) == 0) mount("tmpfs", "/usr/local/sbin", "tmpfs", 0, NULL);
        if (access("/sbin/nft", X_OK) == 0 || access("/sbin/iptables-restore", X_OK) == 0) mount("tmpfs", "/sbin", "tmpfs", 0, NULL);
        setenv("PATH", "/nonexistent", 1);
        c.bridge = "crt2";
        c.subnet = "10.99.8.0/24";
        cr_net_port_parse("1234:80", &port, &err);
        if (ctr_start(&k) < 0) _exit(1);
        r = cr_net_attach(&c, "n", k.pid, &port, 1, &l, &err);
        dprintf(p[1], "%d %s\n", r, err.msg);
        r = cr_net_attach(&c, "n", k.pid, NULL, 0, &l, &err);
        dprintf(p[1], "%d %s\n", r, r < 0 ? err.msg : l.ip);
        r = cr_net_detach(&c, "n", &err);
        dprintf(p[1], "%d", r);
        ctr_stop(&k);
        _exit(0);
    }
    close(p[1]);
    for (len = 0; (n = read(p[0], out + len, sizeof out - 1 - len)) > 0; ) len += (size_t)n;
    out[len] = 0;
    close(p[0]);
    waitpid(w, &st, 0);
    CHECK_STR(out, "-2 attach \"n\" to crt2: publishing ports needs nft or iptables-restore: not found in PATH, "
                   "/usr/sbin or /sbin (install the nftables or iptables package)\n0 10.99.8.2\n0");
    CHECK(link_exists("crt2"));     /* a bridge cr made stays */
}

/* 20 processes attach their own container at once: 20 addresses. */
static void t_parallel(void) {
    enum { N = 20 };
    cr_net_config c = config();
    cr_err err = {0};
    pid_t w[N];
    int p[2], i, j, got = 0;
    char ips[N][46], buf[4096];
    size_t len = 0;
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    if (pipe(p) < 0) { TAP_FAIL("pipe"); return; }
    for (i = 0; i < N; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            ctr k = {-1};
            cr_net_lease l;
            char id[16];
            close(p[0]);
            snprintf(id, sizeof id, "par%d", i);
            if (ctr_start(&k) < 0) { dprintf(p[1], "%02d fork\n", i); _exit(1); }
            if (cr_net_attach(&c, id, k.pid, NULL, 0, &l, &err) < 0) dprintf(p[1], "%02d error %s\n", i, err.msg);
            else dprintf(p[1], "%02d %s\n", i, l.ip);
            ctr_stop(&k);
            _exit(0);
        }
    }
    close(p[1]);
    for (;;) {
        ssize_t r = read(p[0], buf + len, sizeof buf - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
    }
    buf[len] = 0;
    close(p[0]);
    for (i = 0; i < N; i++) if (w[i] > 0) waitpid(w[i], NULL, 0);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        uint32_t ip;
        if (strlen(line) < 4 || strstr(line, "error") || cr__ip4_parse(line + 3, &ip) < 0 || (ip >> 16) != 0x0a62) {
            TAP_FAIL("%s", line);
            continue;
        }
        snprintf(ips[got++], sizeof ips[0], "%s", line + 3);
        if (got == N) break;
    }
    CHECK(got == N);
    for (i = 0; i < got; i++)
        for (j = 0; j < i; j++)
            if (!strcmp(ips[i], ips[j])) TAP_FAIL("%s handed out twice", ips[i]);
    for (i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "par%d", i);
        if (cr_net_detach(&c, id, &err) < 0) TAP_FAIL("detach %s: %s", id, err.msg);
    }
    CHECK(link_exists("cr0"));     /* a bridge cr made stays */
}

/* Two leases of one id on two networks (Docker's connect), --ip, disconnect. */
static void t_connect(void) {
    cr_net_config c = config();
    cr_err err = {0};
    cr_net_lease l[4];
    ctr k = {-1};
    char id[65], out[1024];
    if (!is_root) TAP_SKIP("not root");
    if (!have_nft) TAP_SKIP("nft not installed");
    if (cr_net_create(&c, "u1", "10.210.0.0/24", NULL, id, &err) < 0) { TAP_FAIL("create: %s", err.msg); return; }
    if (ctr_start(&k) < 0) { TAP_FAIL("cannot start a container"); goto out; }
    if (cr_net_attach(&c, "mc", k.pid, NULL, 0, l, &err) < 0) { TAP_FAIL("attach: %s", err.msg); goto out; }
    c.network = "u1"; c.ip = "10.210.1.5";
    CHECK(cr_net_check(&c, &err) == -EINVAL && strstr(err.msg, "does not belong"));
    c.ip = "10.210.0.1";
    CHECK(cr_net_attach(&c, "mc", k.pid, NULL, 0, l, &err) == -EADDRINUSE);
    c.ip = "10.210.0.77";
    if (cr_net_attach(&c, "mc", k.pid, NULL, 0, l, &err) < 0) { TAP_FAIL("connect: %s", err.msg); goto out; }
    CHECK(cr_net_attach(&c, "mc", k.pid, NULL, 0, l, &err) == -EEXIST);
    CHECK(cr_net_lease_list(&c, "mc", l, 4, &err) == 2);
    CHECK(!strcmp(l[0].ifname, "eth0") && !strcmp(l[0].network, "bridge"));
    CHECK(!strcmp(l[1].ifname, "eth1") && !strcmp(l[1].network, "u1") && !strcmp(l[1].ip, "10.210.0.77"));
    CHECK(sh_in(k.pid, "ip -4 -o addr show eth1; ip route | grep -c default", out, sizeof out) == 0 &&
          strstr(out, "10.210.0.77/24") && strstr(out, "\n1\n"));
    CHECK(cr_net_disconnect(&c, "mc", "u1", &err) == 0);
    CHECK(cr_net_disconnect(&c, "mc", "u1", &err) == -ENOENT);
    CHECK(cr_net_lease_list(&c, "mc", l, 4, &err) == 1 && !strcmp(l[0].ifname, "eth0"));
    CHECK(cr_net_detach(&c, "mc", &err) == 0 && cr_net_lease_list(&c, "mc", l, 4, &err) == 0);
out:
    ctr_stop(&k);
    cr_net_detach(&c, "mc", NULL);
    if (cr_net_remove(&c, "u1", NULL, NULL, &err) < 0) TAP_FAIL("remove: %s", err.msg);
}

static const tap_test tests[] = {
    { "port parse: good specs and their canonical form", t_port_parse_good },
    { "port parse: bad specs name the fault", t_port_parse_bad },
    { "hosts: localhost lines, --add-host, the container's name", t_hosts },
    { "resolv.conf: loopback and IPv6 nameservers replaced, --dns", t_resolv_conf },
    { "attach: bad config, id, ports and pid", t_bad_input },
    { "attach two containers: eth0, MTU, MAC, lo, route, bridge, NAT rules", t_attach_two },
    { "reach: container to container, published ports from host, localhost and hairpin", t_reach },
    { "detach: veth, lease, rules; the table after the last (the bridge stays)", t_detach },
    { "attach and detach timings on an existing bridge", t_timing },
    { "a failed attach undoes everything", t_undo },
    { "leases of dead containers are reclaimed on a clash", t_gc },
    { "iptables backend: chains, DNAT on 127.0.0.1, removal", t_iptables },
    { "no nft or iptables: ports refused, lease without NAT", t_no_nat_tool },
    { "20 parallel attaches get 20 addresses", t_parallel },
    { "connect: a second network's eth1 (--ip, no default route), disconnect", t_connect },
};

/* Our own network and mount namespaces: lo up, /run a tmpfs, a private
   /etc/resolv.conf. */
static int sandbox(char *why, size_t n) {
    cr__nl nl;
    int fd;
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) { snprintf(why, n, "unshare: %s", strerror(errno)); return -1; }
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) { snprintf(why, n, "make / private: %s", strerror(errno)); return -1; }
    if (cr__nl_open(&nl) < 0 || cr__nl_link_up(&nl, 1) < 0) { snprintf(why, n, "lo up: %s", strerror(errno)); return -1; }
    cr__nl_close(&nl);
    if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0 || mkdir("/run/systemd", 0755) < 0 ||
        mkdir("/run/systemd/resolve", 0755) < 0) { snprintf(why, n, "/run: %s", strerror(errno)); return -1; }
    snprintf(resolv_src, sizeof resolv_src, "%s/resolv.conf", state_dir);
    if ((fd = open(resolv_src, O_WRONLY | O_CREAT, 0644)) >= 0) close(fd);
    if (access("/etc/resolv.conf", F_OK) == 0 && mount(resolv_src, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) resolv_src[0] = 0;
    return 0;
}

int main(void) {
    int status;
    char why[256] = "", path[PATH_MAX];
    if (tap_tmpdir(state_dir, sizeof state_dir, "crnet") < 0) return 1;
    is_root = geteuid() == 0;
    if (is_root && sandbox(why, sizeof why) < 0) is_root = 0;
    have_nft = cr__net_which("nft", path, sizeof path) == 0;
    have_ipt = cr__net_which("iptables-restore", path, sizeof path) == 0 && cr__net_which("iptables-save", path, sizeof path) == 0;
    if (why[0]) tap_diag("no network namespace (%s): root tests skipped", why);
    status = TAP_RUN_ALL(tests);
    stop_pid(&srv_a); stop_pid(&srv_b); stop_pid(&srv_udp);
    ctr_stop(&A); ctr_stop(&B);
    cr__rm_rf(AT_FDCWD, state_dir);
    return status;
}
