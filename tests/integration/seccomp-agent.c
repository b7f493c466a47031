/* seccomp-agent — a minimal linux.seccomp.listenerPath agent for the seccomp
 * tests, and a helper that runs inside the container.
 *
 *   seccomp-agent listen SOCKET DIR MODE
 *     Listens on the unix socket SOCKET and creates DIR/ready once it accepts
 *     connections. Takes one connection, receives the listener fd
 *     (SCM_RIGHTS) with the state message, which it writes to DIR/state.json,
 *     then answers every notification according to MODE until no process
 *     uses the filter any more:
 *       deny      fail the syscall with EMLINK
 *       fake      report success without running the syscall
 *       continue  let the kernel run the syscall (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 *       hold      like deny, but hold the first notification: write the
 *                 caller's pid to DIR/held and answer once DIR/release exists
 *     Each notification and the fate of its answer go to DIR/log:
 *       "notify SYSCALL pid=PID" then "reply ok" or "reply failed: ERROR".
 *     Exit status: 0 when a fd was received and drained, 2 on usage errors,
 *     1 otherwise.
 *
 *   seccomp-agent sigmkdir PATH
 *     (in the container) mkdir PATH with a SIGUSR1 handler installed without
 *     SA_RESTART, then prints "mkdir: ok|ERROR" and "signal: yes|no". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd-recv.h"

static const char *dir;

static int put_file(const char *name, const void *data, size_t len) {
    char path[4096];
    int fd;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) { perror(path); return -1; }
    return close(fd);
}

static void logf_(const char *fmt, ...) {
    char path[4096];
    va_list ap;
    FILE *f;
    snprintf(path, sizeof path, "%s/log", dir);
    if (!(f = fopen(path, "a"))) return;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}

static const char *syscall_name(int nr) {
    static char buf[32];
#ifdef __NR_mkdir
    if (nr == __NR_mkdir) return "mkdir";
#endif
    if (nr == __NR_mkdirat) return "mkdirat";
    snprintf(buf, sizeof buf, "nr%d", nr);
    return buf;
}

/* Waits (bounded, generous) for DIR/release. */
static void wait_release(void) {
    char path[4096];
    int i;
    snprintf(path, sizeof path, "%s/release", dir);
    for (i = 0; i < 600 && access(path, F_OK) < 0; i++) usleep(100000);
}

static int serve(int nfd, const char *mode) {
    int held = 0;
    for (;;) {
        struct pollfd pfd = { nfd, POLLIN, 0 };
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR) continue;
            perror("poll");
            return 1;
        }
        if (!(pfd.revents & POLLIN)) return 0;   /* POLLHUP: the filter has no users left */
        memset(&req, 0, sizeof req);
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
            if (errno == EINTR || errno == ENOENT) continue;   /* the caller went away */
            perror("SECCOMP_IOCTL_NOTIF_RECV");
            return 1;
        }
        logf_("notify %s pid=%u", syscall_name(req.data.nr), req.pid);
        memset(&resp, 0, sizeof resp);
        resp.id = req.id;
        if (!strcmp(mode, "fake")) resp.val = 0;
        else if (!strcmp(mode, "continue")) resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else resp.error = -EMLINK;
        if (!strcmp(mode, "hold") && !held++) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%u\n", req.pid);
            if (put_file("held", pid, (size_t)n) < 0) return 1;
            wait_release();
        }
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) logf_("reply failed: %s", strerror(errno));
        else logf_("reply ok");
    }
}

static int make_ready(void) { return put_file("ready", "", 0); }

static int listen_main(const char *sock, const char *mode) {
    int nfd;
    static char buf[1 << 16];
    ssize_t n;

    if (strcmp(mode, "deny") && strcmp(mode, "fake") && strcmp(mode, "continue") && strcmp(mode, "hold")) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    nfd = recv_fd_on(sock, make_ready, buf, sizeof buf, &n);
    if (nfd < 0) return nfd == -2 ? 2 : 1;
    if (put_file("state.json", buf, (size_t)n) < 0) return 1;
    return serve(nfd, mode);
}

static volatile sig_atomic_t got_signal;
static void on_usr1(int sig) { (void)sig; got_signal = 1; }

static int sigmkdir_main(const char *path) {
    struct sigaction sa;
    int r;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;   /* no SA_RESTART: an interrupted mkdir fails with EINTR */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) < 0) { perror("sigaction"); return 1; }
    r = mkdir(path, 0755);
    printf("mkdir: %s\nsignal: %s\n", r == 0 ? "ok" : strerror(errno), got_signal ? "yes" : "no");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 5 && !strcmp(argv[1], "listen")) {
        dir = argv[3];
        return listen_main(argv[2], argv[4]);
    }
    if (argc == 3 && !strcmp(argv[1], "sigmkdir")) return sigmkdir_main(argv[2]);
    fprintf(stderr, "usage: seccomp-agent listen SOCKET DIR MODE | seccomp-agent sigmkdir PATH\n");
    return 2;
}
