/* console-recv — a minimal --console-socket receiver for the terminal tests.
 *
 *   console-recv SOCKET OUTFILE READYFILE
 *
 * Listens on the unix socket SOCKET, creates READYFILE once it accepts
 * connections, takes one connection, receives one fd with SCM_RIGHTS (the
 * pty master), and copies everything read from it to OUTFILE until EOF/EIO
 * (the container side of the pty is closed). Exit status: 0 when a fd was
 * received and drained, 2 on usage errors, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct sockaddr_un sa;
    int ls, c, master = -1, out, rd;
    char buf[4096], name[256];
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { name, sizeof name };
    struct msghdr msg;
    struct cmsghdr *cm;
    ssize_t n;

    if (argc != 4) { fprintf(stderr, "usage: console-recv SOCKET OUTFILE READYFILE\n"); return 2; }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(argv[1]) >= sizeof sa.sun_path) { fprintf(stderr, "socket path too long\n"); return 2; }
    strcpy(sa.sun_path, argv[1]);
    ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0) { perror("listen"); return 1; }
    rd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (rd < 0) { perror(argv[3]); return 1; }
    close(rd);
    c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) { perror("accept"); return 1; }
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) { perror("recvmsg"); return 1; }
    for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(&master, CMSG_DATA(cm), sizeof(int));
    close(c);
    close(ls);
    if (master < 0) { fprintf(stderr, "no fd received\n"); return 1; }
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
