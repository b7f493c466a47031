/* The applet table's view of the world: what every applet may use besides
   cr.h — the global options, option parsing and error reporting. */
#ifndef CR_APPLETS_H
#define CR_APPLETS_H
#include "../cr.h"

typedef struct cr_applet {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
    const char *usage;
} cr_applet;

/* Global options, set by main before the applet runs. */
extern cr_runtime cr_main_runtime;
extern cr_store cr_main_store;     /* --storage */
extern int cr_main_debug;
extern char **cr_main_argv;   /* the original argv, for cr_util_reexec_sealed */

/* Option parsing the way runc's CLI accepts it: --name value, --name=value,
   -name value (Go style), -n value, and flags; options may follow operands. */
typedef struct cr_opt { const char *name; char short_name; int has_arg; } cr_opt;
typedef struct cr_optstate {
    int argc; char **argv; int i;
    char **operands; int noperands;
    const char *value;
    const char *applet;
    int stop_at_operand;   /* exec: the first operand ends the options */
} cr_optstate;
/* Returns the index into opts of the next option (value in st->value), -1
   at the end (operands are then in st->operands), or -2 after printing a
   usage error. "--help"/"-h" print the applet's usage and return -3. */
int cr_opt_next(cr_optstate *st, const cr_opt *opts);
void cr_opt_begin(cr_optstate *st, int argc, char **argv);

/* --format table|json: sets *json; else prints a usage error and returns
   -1 (the applet then exits 1). */
int cr_opt_format(const char *applet, const char *value, int *json);

/* For applets that take no options and one CONTAINER_ID: returns 0 with
   *id set, else the applet's exit status after printing help (0) or a
   usage error (1) — callers return it when *id is NULL. */
int cr_opt_one_id(int argc, char **argv, const char **id);

/* Prints "cr APPLET: msg" to stderr (and the --log file) and returns 1. */
int cr_main_fail(const char *applet, const char *fmt, ...);
int cr_main_fail_err(const char *applet, const cr_err *err);
/* Exit status for bad usage after a message. */
int cr_main_usage_error(const char *applet, const char *fmt, ...);
const cr_applet *cr_main_applet(const char *name);
/* Removes stale image containers (cr_ctr_gc), saying so on stderr; the
   image-level applets call it first. */
void cr_main_gc(void);

#define CR_APPLETS(X) \
    X(create, "create a container from a bundle") \
    X(delete, "delete a container and everything it holds") \
    X(events, "print resource statistics and OOM events of a container (JSON)") \
    X(exec, "run a new process in a running container") \
    X(features, "show the features of this runtime (JSON)") \
    X(image, "Docker's image group: ls, pull, rm, prune") \
    X(images, "list the images in the store") \
    X(init, "the PID 1 of run --init: run a command, forward signals, reap orphans") \
    X(inspect, "show image containers as JSON (Docker's inspect shape)") \
    X(kill, "send a signal to a container's init (or all its processes)") \
    X(list, "list containers") \
    X(login, "check registry credentials and store them for pull") \
    X(logout, "remove stored registry credentials") \
    X(logs, "print the output of a detached image container") \
    X(pause, "freeze every process of a container") \
    X(ps, "show the processes running in a container") \
    X(pull, "pull an image from a registry or a local archive into the store") \
    X(resume, "thaw a paused container") \
    X(rmi, "remove images from the store (--prune: free unused layers)") \
    X(rm, "remove image containers") \
    X(run, "run an image, or create and start a bundle, and wait for it") \
    X(spec, "write a default config.json") \
    X(start, "start a created container") \
    X(state, "print the state of a container (JSON)") \
    X(stop, "stop image containers (stop signal, then SIGKILL)") \
    X(update, "change the resource limits of a running container")

#define CR_DECLARE_APPLET(n, s) int cr_applet_##n(int argc, char **argv); extern const char cr_usage_##n[];
CR_APPLETS(CR_DECLARE_APPLET)
#undef CR_DECLARE_APPLET

#endif
