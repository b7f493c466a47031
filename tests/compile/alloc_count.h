/* alloc_count.h - a counting allocator for cr.h, and a trap for allocations
   that bypass it. Included (-include) before cr.h in the one file that
   defines CR_IMPLEMENTATION (multicall/cr.c for out/matrix/cr-counted):
   CR_MALLOC/CR_REALLOC/CR_FREE count what goes through them, and malloc,
   calloc, realloc, free, strdup and strndup named anywhere after this
   header in that file count as strays. At exit each process appends
   "pid=P through=N stray=S" to $CR_ALLOC_REPORT (when set). */
#ifndef CR_ALLOC_COUNT_H
#define CR_ALLOC_COUNT_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CR_COUNT_FN static __attribute__((unused))
static unsigned long cr_count_through, cr_count_stray;

CR_COUNT_FN void cr_count_bump(unsigned long *n) { __atomic_add_fetch(n, 1, __ATOMIC_RELAXED); }

CR_COUNT_FN void *cr_count_malloc(size_t n) { cr_count_bump(&cr_count_through); return malloc(n); }
CR_COUNT_FN void *cr_count_realloc(void *p, size_t n) { cr_count_bump(&cr_count_through); return realloc(p, n); }
CR_COUNT_FN void cr_count_free(void *p) { if (p) cr_count_bump(&cr_count_through); free(p); }

CR_COUNT_FN void *cr_stray_malloc(size_t n) { cr_count_bump(&cr_count_stray); return malloc(n); }
CR_COUNT_FN void *cr_stray_calloc(size_t n, size_t m) { cr_count_bump(&cr_count_stray); return calloc(n, m); }
CR_COUNT_FN void *cr_stray_realloc(void *p, size_t n) { cr_count_bump(&cr_count_stray); return realloc(p, n); }
CR_COUNT_FN void cr_stray_free(void *p) { if (p) cr_count_bump(&cr_count_stray); free(p); }
CR_COUNT_FN char *cr_stray_strdup(const char *s) { cr_count_bump(&cr_count_stray); return strdup(s); }
CR_COUNT_FN char *cr_stray_strndup(const char *s, size_t n) { cr_count_bump(&cr_count_stray); return strndup(s, n); }

__attribute__((destructor)) static void cr_count_report(void) {
    const char *path = getenv("CR_ALLOC_REPORT");
    char line[128];
    int fd, n;
    if (!path || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) return;
    n = snprintf(line, sizeof line, "pid=%d through=%lu stray=%lu\n", (int)getpid(), cr_count_through, cr_count_stray);
    if (write(fd, line, (size_t)n) < 0) n = 0;
    close(fd);
}

#define CR_MALLOC(n) cr_count_malloc(n)
#define CR_REALLOC(p, n) cr_count_realloc(p, n)
#define CR_FREE(p) cr_count_free(p)
#define malloc(n) cr_stray_malloc(n)
#define calloc(n, m) cr_stray_calloc(n, m)
#define realloc(p, n) cr_stray_realloc(p, n)
#define free(p) cr_stray_free(p)
#define strdup(s) cr_stray_strdup(s)
#define strndup(s, n) cr_stray_strndup(s, n)
#endif
