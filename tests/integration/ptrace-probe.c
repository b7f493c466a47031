/* ptrace-probe — runs inside a container and tries to look into cr's own
 * processes, which must stay closed to the container until they execve the
 * container's program.
 *
 *   ptrace-probe DIR
 *     Until DIR/stop exists (at most 120 s), scans /proc for processes
 *     whose comm is "cr" or "memfd:cr" (cr runs from a read-only copy of
 *     itself: a detached read-only bind mount, else a sealed memfd)
 *     and, for each, tries PTRACE_ATTACH, a read of /proc/PID/mem and
 *     process_vm_readv at an address from its /proc/PID/maps. Creates
 *     DIR/ready after its first scan. Writes to stdout one line per process
 *     first seen ("seen PID") and one per success ("attach PID", "mem PID",
 *     "vm PID", once per process and kind), then "done seen=N broken=M" (M
 *     counts every success). Exit status 0 when nothing
 *     succeeded, 1 when something did, 2 on usage errors. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 4096

static int seen[MAX_SEEN], told[MAX_SEEN], nseen, broken;   /* told: kinds reported, by bit */

static int is_cr(int pid) {
    char path[64], comm[64] = "";
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/comm", pid);
    if (!(f = fopen(path, "re"))) return 0;
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    comm[strcspn(comm, "\n")] = 0;
    return !strcmp(comm, "cr") || !strcmp(comm, "memfd:cr");
}

/* the start of the first mapping, or 0 when maps cannot be read */
static unsigned long first_mapping(int pid) {
    char path[64];
    unsigned long start = 0;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    if (!(f = fopen(path, "re"))) return 0;
    if (fscanf(f, "%lx-", &start) != 1) start = 0;
    fclose(f);
    return start;
}

/* A success counts only if the process is still cr's afterwards: the
   kernel checks access and an execve changes comm under the same lock
   (exec_update_lock), so a process that was cr's after the access was cr's
   during it, not the container's program that replaced it. */
static void broke(int i, int kind, const char *how, int pid) {
    if (!is_cr(pid)) return;
    broken++;
    if (told[i] & kind) return;
    told[i] |= kind;
    printf("%s %d\n", how, pid);
    fflush(stdout);
}

static void probe(int pid) {
    char path[64], buf[16];
    unsigned long addr = first_mapping(pid);
    int fd, i;
    for (i = 0; i < nseen && seen[i] != pid; i++) ;
    if (i == MAX_SEEN) return;
    if (i == nseen) {
        seen[nseen++] = pid;
        printf("seen %d\n", pid);
        fflush(stdout);
    }
    if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
        waitpid(pid, NULL, __WALL);
        broke(i, 1, "attach", pid);
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
        if (addr && pread(fd, buf, sizeof buf, (off_t)addr) > 0) broke(i, 2, "mem", pid);
        close(fd);
    }
    if (addr) {
        struct iovec local = { buf, sizeof buf }, remote = { (void *)addr, sizeof buf };
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) > 0) broke(i, 4, "vm", pid);
    }
}

int main(int argc, char **argv) {
    char stop[4096], ready[4096];
    time_t end = time(NULL) + 120;
    int self = getpid(), scans = 0;
    if (argc != 2) { fprintf(stderr, "usage: ptrace-probe DIR\n"); return 2; }
    snprintf(stop, sizeof stop, "%s/stop", argv[1]);
    snprintf(ready, sizeof ready, "%s/ready", argv[1]);
    while (time(NULL) < end) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        int last = access(stop, F_OK) == 0;
        if (!d) { perror("/proc"); return 2; }
        while ((e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid > 0 && pid != self && is_cr(pid)) probe(pid);
        }
        closedir(d);
        if (++scans == 1) close(open(ready, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        if (last) break;
    }
    printf("done seen=%d broken=%d\n", nseen, broken);
    return broken ? 1 : 0;
}
