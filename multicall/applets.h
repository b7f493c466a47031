/* The applet table's view of the world: what every applet may use besides
   cr.h — the global options, option parsing and error reporting. */
#ifndef CR_APPLETS_H
#define CR_APPLETS_H
#include "../cr.h"
#include <stddef.h>

typedef struct cr_applet {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
    const char *usage;
} cr_applet;

/* Global options, set by main before the applet runs. */
extern cr_runtime cr_main_runtime;
extern cr_store cr_main_store;     /* --storage */
extern cr_conf cr_main_conf;       /* cr.conf's settings (flags override them) */
/* cr.conf's pull settings where the command line left them unset: platform,
   pull_concurrency, mirrors, and the insecure hosts (registries or mirrors). */
void cr_main_pull_defaults(cr_pull_opts *o);
extern int cr_main_debug;
extern char **cr_main_argv;   /* the original argv, for cr_util_reexec_sealed */

/* Option parsing the way runc's CLI accepts it: --name value, --name=value,
   -name value (Go style), -n value, and flags (--flag=false unsets it);
   options may follow operands.

   An applet declares its options once, by name, in an X-macro beside its
   usage text:
       #define KILL_OPTIONS(X) X(OPT_ALL, "all", 'a', CR_OPT_FLAG)
   and CR_OPTIONS(opts, KILL_OPTIONS) inside its function makes both the
   enum of the ids (OPT_ALL = 0, ...) and the table cr_opt_parse reads. */
typedef struct cr_opt {
    const char *name; char short_name;
    unsigned char has_arg;
    unsigned char into; unsigned short field;   /* CR_OPT_*_IN: what cr_opt_into sets, where */
} cr_opt;
enum { CR_OPT_FLAG, CR_OPT_VALUE };
enum { CR_OPT_INTO_NONE, CR_OPT_INTO_FLAG, CR_OPT_INTO_VALUE, CR_OPT_INTO_VALUES };
#define CR_OPT_ID(id, name, short_name, has_arg) id,
#define CR_OPT_ROW(id, name_, short_name_, has_arg_) { .name = name_, .short_name = short_name_, .has_arg = has_arg_ },
#define CR_OPTIONS(table, LIST) \
    enum { LIST(CR_OPT_ID) table##_count }; \
    static const cr_opt table[] = { LIST(CR_OPT_ROW) { 0 } }

/* An option that only fills a field of the applet's options struct names
   the field in place of CR_OPT_FLAG or CR_OPT_VALUE:
       X(OPT_RM, "rm", 0, CR_OPT_FLAG_IN(rm))          int: given (and not =false)
       X(OPT_NAME, "name", 0, CR_OPT_VALUE_IN(name))   const char *: the last value
       X(OPT_ENV, "env", 'e', CR_OPT_VALUES_IN(env))   const char *const *: every value
   CR_OPTIONS_INTO(opts, LIST, struct type) makes the table (a field of
   another type is a compiler warning), and cr_opt_into(&st, opts, &o) sets
   every such field of o after cr_opt_parse. */
#define CR_OPT_FLAG_IN(f) CR_OPT_FLAG, .into = CR_OPT_INTO_FLAG, .field = CR_OPT_FIELD(f, int)
#define CR_OPT_VALUE_IN(f) CR_OPT_VALUE, .into = CR_OPT_INTO_VALUE, .field = CR_OPT_FIELD(f, const char *)
#define CR_OPT_VALUES_IN(f) CR_OPT_VALUE, .into = CR_OPT_INTO_VALUES, .field = CR_OPT_FIELD(f, const char *const *)
#define CR_OPT_FIELD(f, type) \
    (unsigned short)(offsetof(cr_opt_into_type, f) + 0 * sizeof((type *)0 == &((cr_opt_into_type *)0)->f))
#define CR_OPTIONS_INTO(table, LIST, type) \
    typedef type cr_opt_into_type; \
    CR_OPTIONS(table, LIST)

typedef struct cr_optstate {
    char **operands;   /* NULL-terminated */
    int noperands;
    const char *value; /* of the option cr_opt_next returned */
    /* what cr_opt_parse found, in command-line order */
    const char *applet;
    int *found, nfound, next;
    const char **found_value;
    int *count;          /* per option id */
    int *off;            /* per flag id: its last mention was --flag=false */
    const char ***values;
} cr_optstate;

/* The first operand ends the options: it and all that follows are operands
   (exec's CONTAINER_ID COMMAND..., run's IMAGE COMMAND...). */
#define CR_OPT_STOP_AT_OPERAND 1
/* Parses argv[1..] against opts (NULL: the applet takes none), and checks
   the number of operands against operands, written as in the usage line:
   "" none, "CONTAINER_ID" exactly one, "NAME..." one or more,
   "CONTAINER_ID [SIGNAL]" one or two (NULL: the applet checks them).
   Returns -1 when the applet goes on, else its exit status: 0 after
   printing its usage for --help/-h, 1 after a usage error. */
int cr_opt_parse(cr_optstate *st, int argc, char **argv, const cr_opt *opts, const char *operands, int flags);
/* The index in opts of the option that argument a ("-x", "--name=value")
   names, or -1. */
int cr_opt_match(const cr_opt *opts, const char *a);
/* The options found, in command-line order: the next one's id (its value
   in st->value), -1 at the end. For options whose order matters. */
int cr_opt_next(cr_optstate *st);
/* Docker's combined one-letter flags (-it, -dit) before the first operand
(values of opts' options are skipped), split up when every letter is one of
letters: a new argv (*argc_out entries) that lives as long as the process.
NULL when out of memory. */
char **cr_opt_split_flags(int argc, char **argv, const cr_opt *opts, const char *letters, int *argc_out);
/* How many times option id was given. */
int cr_opt_given(const cr_optstate *st, int id);
/* 1 when flag id was last given as --id=false (Docker's --sig-proxy=false). */
int cr_opt_said_false(const cr_optstate *st, int id);
/* The last value given to option id, or NULL (or fallback). */
const char *cr_opt_value(const cr_optstate *st, int id);
const char *cr_opt_value_or(const cr_optstate *st, int id, const char *fallback);
/* Every value given to option id, NULL-terminated; NULL when none. */
const char **cr_opt_values(const cr_optstate *st, int id);
/* Sets the fields the options of opts name (CR_OPT_*_IN) in o. */
void cr_opt_into(const cr_optstate *st, const cr_opt *opts, void *o);

/* --format table|json: sets *json; else prints a usage error and returns
   -1 (the applet then exits 1). */
int cr_opt_format(const char *applet, const char *value, int *json);

/* The whole of an applet that takes no options and one CONTAINER_ID, and
   calls fn with it (pause, resume, start, state): returns its exit status. */
int cr_opt_id_applet(int argc, char **argv, int (*fn)(const cr_runtime *rt, const char *id, cr_err *err));
/* The whole of an applet that takes no options and the operands spec
   (cr_opt_parse's, with its flags), and calls fn with them (tag, rename,
   init, features): returns fn's result, or 1 after its error when it is
   negative. */
int cr_opt_operands_applet(int argc, char **argv, const char *spec, int flags, int (*fn)(char **operands, cr_err *err));
/* The whole of an applet that takes no options and NAME... (wait,
   unpause): fn for each NAME (it prints what the applet shows); the exit
   status is 1 when one failed, after its error. */
int cr_opt_names_applet(int argc, char **argv, int (*fn)(const char *name, cr_err *err));
/* The whole of an applet over image containers that takes opts and
   NAME... (rm, stop, restart): fn(st, NULL, ...) first checks the options
   (nonzero: the exit status, after a message), stale containers are
   collected (cr_main_gc), then fn for each NAME, which is printed when fn
   succeeds; the exit status is 1 when one failed, after its error. With
   CR_OPT_SEALED cr re-executes itself sealed first (what starts a
   container's process does). */
#define CR_OPT_SEALED 1u
int cr_opt_ctr_applet(int argc, char **argv, const cr_opt *opts, unsigned flags, int (*fn)(const cr_optstate *st, const char *name, cr_err *err));
/* The whole of stop and restart (argv[0] says which): -t/--time SECONDS,
   then each NAME stopped (restart: and started again). */
int cr_opt_stop_applet(int argc, char **argv);
/* -t/--time SECONDS of stop and restart (option id): 0 with *secs set (-1
   when not given), else 1 after a usage error. */
int cr_opt_time(const cr_optstate *st, int id, long long *secs);

/* A decimal integer from min to max: 0, -EINVAL when s is not one, -ERANGE
   when it is out of range. (Sizes: cr_util_parse_size.) */
int cr_opt_number(const char *s, long long min, long long max, long long *out);
/* --preserve-fds N of create, run and exec (option id): 0 with *n set to
   the last N (untouched when none is given), else 1 after a usage error
   naming the option. */
int cr_opt_preserve_fds(const cr_optstate *st, int id, int *n);

/* --tls-verify true|false of login and pull (option id): 0, with *insecure
   set when one says false; else 1 after a usage error. */
int cr_opt_tls_verify(const cr_optstate *st, int id, int *insecure);

/* The registry options of pull and push: the fields of the same names in
   cr_pull_opts and cr_push_opts (--tls-verify=false: cr_opt_tls_verify). */
#define CR_REGISTRY_OPTIONS(X) \
    X(OPT_CREDS, "creds", 0, CR_OPT_VALUE_IN(creds)) \
    X(OPT_AUTHFILE, "authfile", 0, CR_OPT_VALUE_IN(authfile)) \
    CR_REGISTRY_TLS_OPTIONS(X)
/* Those login takes too (into cr_login_opts). */
#define CR_REGISTRY_TLS_OPTIONS(X) \
    X(OPT_TLS_VERIFY, "tls-verify", 0, CR_OPT_VALUE) \
    X(OPT_CERT_DIR, "cert-dir", 0, CR_OPT_VALUE_IN(certs_dir))

/* -f/--force of container, volume and system prune: do not ask first
   (cr_main_confirm). */
#define CR_PRUNE_OPTIONS(X) X(OPT_FORCE, "force", 'f', CR_OPT_FLAG)

/* The options create and run's bundle form share, declared for both; with
   CR_OPTIONS they take the first ids, which cr_opt_create reads. */
#define CR_CREATE_OPTIONS(X) \
    X(OPT_BUNDLE, "bundle", 'b', CR_OPT_VALUE) \
    X(OPT_CONSOLE_SOCKET, "console-socket", 0, CR_OPT_VALUE) \
    X(OPT_PID_FILE, "pid-file", 0, CR_OPT_VALUE) \
    X(OPT_PRESERVE_FDS, "preserve-fds", 0, CR_OPT_VALUE) \
    X(OPT_NO_PIVOT, "no-pivot", 0, CR_OPT_FLAG) \
    X(OPT_NO_NEW_KEYRING, "no-new-keyring", 0, CR_OPT_FLAG)
/* Parses a command line of create or run's bundle form (opts begins with
   CR_CREATE_OPTIONS) into *o and *bundle and wants exactly one
   CONTAINER_ID (st->operands[0]). Returns -1 when the applet goes on, else
   its exit status. */
int cr_opt_create(cr_optstate *st, int argc, char **argv, const cr_opt *opts, const char **bundle, cr_create_opts *o);

/* checkpoint and restore share one option list (runc's flags of both;
   each applet's usage says which apply to it). */
#define CR_CRIU_OPTIONS(X) \
    X(OPT_CRIU_IMAGE_PATH, "image-path", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_WORK_PATH, "work-path", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_PARENT_PATH, "parent-path", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_MANAGE_CGROUPS_MODE, "manage-cgroups-mode", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_EMPTY_NS, "empty-ns", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_LEAVE_RUNNING, "leave-running", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_TCP_ESTABLISHED, "tcp-established", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_EXT_UNIX_SK, "ext-unix-sk", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_SHELL_JOB, "shell-job", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_LAZY_PAGES, "lazy-pages", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_FILE_LOCKS, "file-locks", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_PRE_DUMP, "pre-dump", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_AUTO_DEDUP, "auto-dedup", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_NO_SUBREAPER, "no-subreaper", 0, CR_OPT_FLAG) \
    X(OPT_CRIU_BUNDLE, "bundle", 'b', CR_OPT_VALUE) \
    X(OPT_CRIU_DETACH, "detach", 'd', CR_OPT_FLAG) \
    X(OPT_CRIU_PID_FILE, "pid-file", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_CONSOLE_SOCKET, "console-socket", 0, CR_OPT_VALUE) \
    X(OPT_CRIU_NO_PIVOT, "no-pivot", 0, CR_OPT_FLAG)
/* The whole of checkpoint and restore (argv[0] says which): their
   options (image path default ./checkpoint, as runc's; each refuses the
   other's own options) and the call; returns the exit status (restore's
   without --detach: the container's). */
int cr_opt_criu_applet(int argc, char **argv);

/* The output of list and images: a JSON array (-f/--format json), the ids
   alone (-q/--quiet) or a table under its header line, which is printed
   also when there are no rows. */
typedef struct cr_listing {
    int json, quiet, rows;
    char header[256];
    cr_buf out;
    cr_jw w;
} cr_listing;
/* Parses the listing's options (-f/--format, -q/--quiet; no operands),
   makes the header from columns (the rows' printf format, all %s) and the
   column names, and opens the JSON array. Returns -1 when the applet goes
   on, else its exit status. */
int cr_listing_begin(cr_listing *l, int argc, char **argv, const char *columns, ...);
/* Before each table row: prints the header before the first one. */
void cr_listing_row(cr_listing *l);
/* Prints the JSON array, or the header of an empty table. */
void cr_listing_end(cr_listing *l);

/* Prints "cr APPLET: msg" to stderr (and the --log file) and returns 1. */
int cr_main_fail(const char *applet, const char *fmt, ...);
int cr_main_fail_err(const char *applet, const cr_err *err);
/* Exit status for bad usage after a message. */
int cr_main_usage_error(const char *applet, const char *fmt, ...);
const cr_applet *cr_main_applet(const char *name);
/* Prints format (a Go template, cr_json_tmpl) run over the JSON text json;
   returns the exit status (1 after a message when either is bad). */
int cr_main_print_template(const char *applet, const char *format, const char *json);
/* Docker's prune question: "WARNING! This will remove WARNING." and a y/N
   answer from stdin; 1 for yes. */
int cr_main_confirm(const char *warning);
/* -f/--format FORMAT of inspect and volume inspect; with CR_OPTIONS it
   takes the first id, which cr_main_inspect_objects reads. */
#define CR_INSPECT_OPTIONS(X) X(OPT_FORMAT, "format", 'f', CR_OPT_VALUE)
/* inspect's output: a JSON array of what one writes for each operand of
   st, or its -f/--format (a Go template, cr_json_tmpl) run over each, a
   line each; a name one fails for is an error line, the others are
   printed. Returns the exit status. */
int cr_main_inspect_objects(const cr_optstate *st, int (*one)(const char *name, cr_buf *out, cr_err *err));
/* The whole of an applet that prints one JSON object (made by make) as
   text (the template text), or through -f/--format FORMAT (then a newline),
   as info and version: returns its exit status. */
int cr_main_json_applet(int argc, char **argv, int (*make)(cr_buf *out, cr_err *err), const char *text);
/* A size as Docker prints it (go-units, 3 digits, powers of 1000):
   "1.98MB", "512B", "7.05kB"; returns buf. */
const char *cr_main_human_size(double bytes, char *buf, size_t n);
/* Runs the applet fn for a command group's subcommand (argv[1]): fn gets
   argv[0] = name, then extra (an option; NULL: none), then argv[2...]. */
int cr_main_subapplet(int argc, char **argv, int (*fn)(int argc, char **argv), const char *name, const char *extra);
/* Removes stale image containers (cr_ctr_gc), saying so on stderr; the
   image-level applets call it first. */
void cr_main_gc(void);

#define CR_APPLETS(X) \
    X(build, "build an image from a Dockerfile") \
    X(checkpoint, "checkpoint a running container with criu") \
    X(commit, "make an image of an image container's changes") \
    X(cp, "copy files between an image container and the host (docker cp)") \
    X(container, "Docker's container group: ls, rm, inspect, logs, start, stop, prune, ...") \
    X(create, "create a container from a bundle") \
    X(delete, "delete a container and everything it holds") \
    X(diff, "list the files changed in an image container's root (A, C, D)") \
    X(events, "print resource statistics and OOM events of a container (JSON)") \
    X(exec, "run a new process in a running container") \
    X(export, "write a running image container's file system as a tar") \
    X(features, "show the features of this runtime (JSON)") \
    X(image, "Docker's image group: ls, pull, rm, prune") \
    X(images, "list the images in the store") \
    X(history, "show how an image was made") \
    X(import, "make a one-layer image of a file system tar") \
    X(info, "show system-wide information: containers, images, storage, cgroups, kernel") \
    X(init, "the PID 1 of run --init: run a command, forward signals, reap orphans") \
    X(inspect, "show image containers and images as JSON, or through a Go template") \
    X(kill, "send a signal to a container's init (or all its processes)") \
    X(list, "list containers") \
    X(login, "check registry credentials and store them for pull") \
    X(logout, "remove stored registry credentials") \
    X(load, "load images from a docker-archive or oci-archive (docker save's output)") \
    X(logs, "print the output of a detached image container") \
    X(network, "Docker's network group: create, ls, inspect, rm, prune (bridges, names in /etc/hosts)") \
    X(pause, "freeze every process of a container") \
    X(port, "list the published ports of an image container") \
    X(ps, "show the processes running in a container") \
    X(pull, "pull an image from a registry or a local archive into the store") \
    X(push, "push an image of the store to a registry") \
    X(rename, "rename a stopped image container") \
    X(restart, "stop image containers and start them again") \
    X(restore, "restore a container from a criu checkpoint") \
    X(resume, "thaw a paused container") \
    X(rmi, "remove images from the store (--prune: free unused layers)") \
    X(rm, "remove image containers") \
    X(run, "run an image, or create and start a bundle, and wait for it") \
    X(save, "write images of the store into a docker-archive or oci-archive") \
    X(serve, "serve the Docker Engine API on a unix socket (docker CLI, SDKs)") \
    X(shell, "an interactive prompt that runs applets (history, Tab completion)") \
    X(spec, "write a default config.json") \
    X(start, "start a created container, or stopped image containers again") \
    X(stats, "show CPU, memory, network, block I/O and PIDs of image containers") \
    X(state, "print the state of a container (JSON)") \
    X(stop, "stop image containers (stop signal, then SIGKILL)") \
    X(system, "Docker's system group: prune (stopped containers, unused images and layers), df") \
    X(tag, "give an image another name") \
    X(top, "show the processes of a running image container (docker top)") \
    X(unpause, "thaw paused containers (Docker's resume)") \
    X(update, "change the resource limits of a running container") \
    X(version, "show the version of cr, the OCI spec, the OS and the architecture") \
    X(volume, "Docker's volume group: create, ls, inspect, rm, prune") \
    X(wait, "wait for image containers to exit; print their exit statuses")

#define CR_DECLARE_APPLET(n, s) int cr_applet_##n(int argc, char **argv); extern const char cr_usage_##n[];
CR_APPLETS(CR_DECLARE_APPLET)
#undef CR_DECLARE_APPLET

#endif
