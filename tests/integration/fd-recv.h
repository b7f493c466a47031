/* fd-recv.h — what console-recv.c and seccomp-agent.c share: taking the one
 * fd that cr passes over a unix socket (SCM_RIGHTS), as it does for
 * --console-socket (the pty master) and linux.seccomp.listenerPath (the
 * listener fd). Include it after defining _GNU_SOURCE (accept4). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

/* recv_fd_on SOCK READY BUF SIZE LEN: listen on the unix socket path SOCK,
 * call READY once connections are accepted, take one connection and one
 * message: its bytes go to BUF (at most SIZE; the count in *LEN), its fd is
 * returned. -2: SOCK is too long for a socket path; -1: any other failure
 * (said on stderr). */
static int recv_fd_on(const char *sock, int (*ready)(void), char *buf, size_t size, ssize_t *len) {
    struct sockaddr_un sa;
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { buf, size };
    struct msghdr msg;
    struct cmsghdr *cm;
    int ls, c, fd = -1;

    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof sa.sun_path) { fprintf(stderr, "socket path too long\n"); return -2; }
    strcpy(sa.sun_path, sock);
    ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0) { perror("listen"); return -1; }
    if (ready() < 0) return -1;
    c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) { perror("accept"); return -1; }
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    *len = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (*len < 0) { perror("recvmsg"); return -1; }
    for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    close(c);
    close(ls);
    if (fd < 0) fprintf(stderr, "no fd received\n");
    return fd;
}
