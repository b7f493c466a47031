/* console-recv — a minimal --console-socket receiver for the terminal tests.
 *
 *   console-recv SOCKET OUTFILE READYFILE
 *
 * Listens on the unix socket SOCKET, creates READYFILE once it accepts
 * connections, takes one connection, receives one fd with SCM_RIGHTS (the
 * pty master), and copies everything read from it to OUTFILE until EOF/EIO
 * (the container side of the pty is closed). Exit status: 0 when a fd was
 * received and drained, 2 on usage errors, 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fd-recv.h"

static const char *ready_path;

/* the READYFILE: the socket accepts connections */
static int make_ready(void) {
    int fd = open(ready_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { perror(ready_path); return -1; }
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    int master, out;
    char buf[4096], name[256];
    ssize_t n;

    if (argc != 4) { fprintf(stderr, "usage: console-recv SOCKET OUTFILE READYFILE\n"); return 2; }
    ready_path = argv[3];
    master = recv_fd_on(argv[1], make_ready, name, sizeof name, &n);
    if (master < 0) return master == -2 ? 2 : 1;
    out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) { perror(argv[2]); return 1; }
    for (;;) {
        n = read(master, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;   /* EIO: every slave fd is closed */
        if (write(out, buf, (size_t)n) != n) { perror("write"); return 1; }
    }
    close(out);
    return 0;
}
