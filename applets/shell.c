/* shell — an interactive prompt that runs applets without the `cr` prefix. */
#include "../multicall/applets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <termios.h>
#include <sys/wait.h>

const char cr_usage_shell[] =
"usage: cr shell\n"
"\n"
"A prompt that runs any applet without the `cr` prefix (`ps -a`, `run -d\n"
"IMAGE`, `logs NAME`), with the global options cr shell was given. Words\n"
"split at blanks; '...' and \"...\" quote, \\ escapes. Built in:\n"
"  help                     the applets and these commands\n"
"  clear                    clear the screen\n"
"  exit, quit (or Ctrl-D)   leave\n"
"\n"
"On a terminal: left/right, Home/End (Ctrl-A/Ctrl-E), Backspace, Delete,\n"
"Ctrl-U/Ctrl-K (delete to the start/end), Ctrl-W (the word before),\n"
"Ctrl-C (drop the line), Ctrl-L (clear); Up/Down walk the history, kept in\n"
"$CR_HISTORY (default ~/.cr_history, 500 lines); Tab completes applet\n"
"names, then container and image names. Without a terminal, lines are read\n"
"as they come (`cr shell <script`).\n"
"\n"
"Exit status: that of the last command.\n";

#define CR_SH_LINE 4096
#define CR_SH_HIST 500

typedef struct cr_sh {
    char line[CR_SH_LINE];
    size_t len, pos;
    char *hist[CR_SH_HIST];
    int nhist;
    const char *hist_file;
    const char *word; size_t wlen;   /* completion: the word being completed */
    char match[CR_SH_LINE]; int nmatch;
    int show;                        /* print the candidates */
} cr_sh;

#define CR_SH_NAME(n, s) #n,
static const char *const cr_sh_applets[] = { CR_APPLETS(CR_SH_NAME) "help", "clear", "exit", "quit", NULL };

static void cr_sh_hist_add(cr_sh *sh, const char *l) {
    if (!*l || (sh->nhist && !strcmp(sh->hist[sh->nhist - 1], l))) return;
    if (sh->nhist == CR_SH_HIST) { free(sh->hist[0]); memmove(sh->hist, sh->hist + 1, (CR_SH_HIST - 1) * sizeof *sh->hist); sh->nhist--; }
    if ((sh->hist[sh->nhist] = strdup(l))) sh->nhist++;
}

/* Each candidate that starts with the word: the longest common prefix in
   match; listed when show is set. */
static void cr_sh_cand(cr_sh *sh, const char *c) {
    size_t k = 0;
    if (strncmp(c, sh->word, sh->wlen)) return;
    if (sh->show) printf("%s  ", c);
    if (!sh->nmatch++) { snprintf(sh->match, sizeof sh->match, "%s", c); return; }
    while (sh->match[k] && sh->match[k] == c[k]) k++;
    sh->match[k] = 0;
}
static int cr_sh_ctr(void *user, const cr_ctr_info *c) { cr_sh_cand((cr_sh *)user, c->name); return 0; }
static int cr_sh_img(void *user, const cr_image_info *i) { cr_sh_cand((cr_sh *)user, i->name); return 0; }

static void cr_sh_complete(cr_sh *sh) {
    size_t start = sh->pos, i, add;
    int first;
    cr_err err = {0};
    while (start && sh->line[start - 1] != ' ') start--;
    for (i = 0; i < start && sh->line[i] == ' '; i++) ;
    first = i == start;
    sh->word = sh->line + start;
    sh->wlen = sh->pos - start;
    for (sh->show = 0; sh->show < 2; sh->show++) {
        sh->nmatch = 0;
        if (sh->show) printf("\r\n");
        for (i = 0; first && cr_sh_applets[i]; i++) cr_sh_cand(sh, cr_sh_applets[i]);
        if (!first) cr_ctr_list(&cr_main_runtime, &cr_main_store, cr_sh_ctr, sh, &err);
        if (!first) cr_store_list(&cr_main_store, cr_sh_img, sh, &err);
        add = sh->nmatch ? strlen(sh->match) - sh->wlen : 0;
        if (add || sh->nmatch <= 1) break;
    }
    if (sh->show) printf("\r\n");
    if (sh->nmatch == 1) strcat(sh->match, " "), add++;
    if (!sh->nmatch || sh->len + add >= CR_SH_LINE) return;
    memmove(sh->line + sh->pos + add, sh->line + sh->pos, sh->len - sh->pos + 1);
    memcpy(sh->line + sh->pos, sh->match + sh->wlen, add);
    sh->pos += add;
    sh->len += add;
}

static void cr_sh_redraw(const cr_sh *sh, const char *prompt) {
    printf("\r%s%s\033[K", prompt, sh->line);
    if (sh->len > sh->pos) printf("\033[%zuD", sh->len - sh->pos);
    fflush(stdout);
}

/* One key: a byte, or E(x) after ESC [ or ESC O: E(final byte), or
   E('0'+N) for ESC [ N ~. */
#define E(x) (0x100 | (x))
static int cr_sh_key(cr_sh *sh, int k, int *h) {
    size_t p = sh->pos;
    const char *from = NULL;
    switch (k) {
    case 1: case E('H'): case E('1'): case E('7'): sh->pos = 0; break;
    case 5: case E('F'): case E('4'): case E('8'): sh->pos = sh->len; break;
    case 2: case E('D'): if (p) sh->pos--; break;
    case 6: case E('C'): if (p < sh->len) sh->pos++; break;
    case 127: case 8: if (!p) break; sh->pos--; /* fall through */
    case E('3'): if (sh->pos < sh->len) memmove(sh->line + sh->pos, sh->line + sh->pos + 1, sh->len-- - sh->pos); break;
    case 11: sh->line[sh->len = p] = 0; break;
    case 21: memmove(sh->line, sh->line + p, sh->len - p + 1); sh->len -= p; sh->pos = 0; break;
    case 23:
        while (sh->pos && sh->line[sh->pos - 1] == ' ') sh->pos--;
        while (sh->pos && sh->line[sh->pos - 1] != ' ') sh->pos--;
        memmove(sh->line + sh->pos, sh->line + p, sh->len - p + 1);
        sh->len -= p - sh->pos;
        break;
    case 9: cr_sh_complete(sh); break;
    case 12: printf("\033[H\033[2J"); break;
    case E('A'): if (*h > 0) from = sh->hist[--*h]; break;
    case E('B'): if (*h < sh->nhist) from = ++*h < sh->nhist ? sh->hist[*h] : ""; break;
    default:
        if (k < 32 || k > 255 || sh->len + 1 >= CR_SH_LINE) break;
        memmove(sh->line + p + 1, sh->line + p, sh->len - p + 1);
        sh->line[p] = (char)k;
        sh->len++;
        sh->pos++;
    }
    if (from) { snprintf(sh->line, CR_SH_LINE, "%s", from); sh->len = sh->pos = strlen(sh->line); }
    return 0;
}

/* Reads a line into sh->line, editing it on a terminal; -1 at the end. */
static int cr_sh_read(cr_sh *sh, const char *prompt) {
    struct termios saved, raw;
    int h = sh->nhist, r = 0;
    unsigned char c;
    sh->len = sh->pos = 0;
    sh->line[0] = 0;
    if (!isatty(0) || tcgetattr(0, &saved) < 0) {
        if (!fgets(sh->line, CR_SH_LINE, stdin)) return -1;
        sh->line[strcspn(sh->line, "\n")] = 0;
        return 0;
    }
    raw = saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &raw);
    for (cr_sh_redraw(sh, prompt);; cr_sh_redraw(sh, prompt)) {
        if (read(0, &c, 1) != 1 || (c == 4 && !sh->len)) { r = -1; break; }
        if (c == '\r' || c == '\n') break;
        if (c == 3) { sh->line[sh->len = sh->pos = 0] = 0; printf("^C\r\n"); continue; }
        if (c == 27) {
            unsigned char s[3] = { 0, 0, 0 };
            if (read(0, s, 1) != 1 || (s[0] != '[' && s[0] != 'O') || read(0, s + 1, 1) != 1) continue;
            if (s[1] >= '0' && s[1] <= '9' && (read(0, s + 2, 1) != 1 || s[2] != '~')) continue;
            cr_sh_key(sh, E(s[1]), &h);
        } else cr_sh_key(sh, c, &h);
    }
    tcsetattr(0, TCSANOW, &saved);
    printf("\r\n");
    return r;
}

/* Words of line (quotes and backslashes as a shell's), in place; -1 if a
   quote is not closed. */
static int cr_sh_split(char *line, char **argv, int max) {
    char *in = line, *out = line;
    int n = 0;
    while (n < max - 1) {
        char q = 0;
        while (*in == ' ' || *in == '\t') in++;
        if (!*in) break;
        argv[n++] = out;
        for (; *in && (q || (*in != ' ' && *in != '\t')); in++) {
            if (!q && (*in == '\'' || *in == '"')) q = *in;
            else if (q && *in == q) q = 0;
            else if (*in == '\\' && q != '\'' && in[1]) *out++ = *++in;
            else *out++ = *in;
        }
        if (q) return -1;
        if (*in) in++;
        *out++ = 0;
    }
    argv[n] = NULL;
    return n;
}

/* Runs argv: a built-in, or cr itself with the shell's global options. */
static int cr_sh_run(int argc, char **argv) {
    char *args[264];
    int n = 0, st = 0, k;
    pid_t pid;
    if (!strcmp(argv[0], "help")) {
        fputs("Applets (cr APPLET --help for each):\n", stdout);
        for (k = 0; cr_sh_applets[k + 4]; k++) printf("  %-10s %s\n", cr_sh_applets[k], cr_main_applet(cr_sh_applets[k])->summary);
        fputs("Built in: help, clear, exit\n", stdout);
        return 0;
    }
    if (!strcmp(argv[0], "clear")) return printf("\033[H\033[2J"), fflush(stdout), 0;
    if (!cr_main_applet(argv[0])) return fprintf(stderr, "%s: unknown command (help lists them)\n", argv[0]), 127;
    args[n++] = (char *)"cr";
    if (cr_main_runtime.root) args[n++] = (char *)"--root", args[n++] = (char *)cr_main_runtime.root;
    if (cr_main_store.root) args[n++] = (char *)"--storage", args[n++] = (char *)cr_main_store.root;
    for (k = 0; k < argc; k++) args[n++] = argv[k];
    args[n] = NULL;
    fflush(stdout);
    if ((pid = fork()) == 0) {
        signal(SIGINT, SIG_DFL);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) ;
    return pid < 0 ? 125 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int cr_applet_shell(int argc, char **argv) {
    static cr_sh sh;
    char *args[257], path[4096], prompt[16];
    const char *home = getenv("HOME");
    int n, status = 0, tty = isatty(0);
    cr_optstate st;
    FILE *f;
    if ((n = cr_opt_parse(&st, argc, argv, NULL, "", 0)) >= 0) return n;
    snprintf(path, sizeof path, "%s/.cr_history", home ? home : "/");
    sh.hist_file = getenv("CR_HISTORY") ? getenv("CR_HISTORY") : path;
    if (tty && (f = fopen(sh.hist_file, "re"))) {
        while (fgets(sh.line, CR_SH_LINE, f)) { sh.line[strcspn(sh.line, "\n")] = 0; cr_sh_hist_add(&sh, sh.line); }
        fclose(f);
    }
    snprintf(prompt, sizeof prompt, "cr%c ", geteuid() ? '$' : '#');
    signal(SIGINT, SIG_IGN);
    while (cr_sh_read(&sh, tty ? prompt : "") == 0) {
        if (tty && *sh.line) {
            cr_sh_hist_add(&sh, sh.line);
            if ((f = fopen(sh.hist_file, "ae"))) { fprintf(f, "%s\n", sh.line); fclose(f); }
        }
        if ((n = cr_sh_split(sh.line, args, 257)) < 0) { fputs("unclosed quote\n", stderr); status = 2; continue; }
        if (!n || args[0][0] == '#') continue;
        if (!strcmp(args[0], "exit") || !strcmp(args[0], "quit")) return n > 1 ? atoi(args[1]) : status;
        status = cr_sh_run(n, args);
    }
    return status;
}
