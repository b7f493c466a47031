/* cr.h — an OCI container runtime in one header.

   What
     Namespaces, mounts, devices, process setup (user, capabilities, rlimits,
     console, hooks), cgroups, seccomp and the OCI lifecycle (create, start,
     state, kill, delete, exec) of runtime-spec 1.2, plus the pieces they are
     built from (a bounded JSON parser and writer, safe path resolution inside
     a root, fd passing). Bridge networking for image runs: veth pairs,
     addresses and routes over rtnetlink, NAT through nft or iptables.

   How to include
     #include "cr.h"                      everywhere you call it
     #define CR_IMPLEMENTATION             in exactly one .c file, before
     #include "cr.h"                      the include, to get the bodies

     Link with libseccomp unless CR_NO_SECCOMP is defined, and with BearSSL,
   zstd, zlib and threads (-lbearssl -lzstd -lz -pthread) unless
   CR_NO_REGISTRY is defined.

   Configuration macros (define before including)
     CR_IMPLEMENTATION   emit the function bodies
     CR_STATIC           make every function static (CR_API = static)
     CR_API              linkage of the public functions (default extern)
     CR_NO_SECCOMP       leave out libseccomp; a config with linux.seccomp
                         is then refused with an error
     CR_NO_REGISTRY      leave out HTTP, TLS, zstd and zlib (image pulls)
     CR_MALLOC / CR_REALLOC / CR_FREE   the allocator (default libc): all three
                         or none; every allocation of cr.h goes through them
     CR_JSON_MAX_DEPTH   nesting limit of the JSON parser (default 128)

   Example: run a bundle to completion
     cr_err err = {0};
     cr_runtime rt = {0};                  // zero = defaults: root /run/cr
     int status;
     if (cr_container_run(&rt, "demo", "/path/to/bundle", NULL, &status, &err) < 0)
         fprintf(stderr, "%s\n", err.msg);

   Errors
     Every fallible function returns 0 (or a non-negative value) on success
     and a negative errno-style code on failure, and fills the cr_err it is
     given with a message that names the input at fault. Context is prepended
     as the error travels up: `create "web": mount "/proc": Operation not
     permitted`. The library never prints and never exits; debug and warning
     lines go to the log callback set with cr_log_set().

   Sections (the >>tag of each banner, its public prefixes, what it holds;
   in dependency order: a section calls only itself and the ones above it.
   `grep -n '>>' cr.h` finds each section's declarations, then its bodies;
   ./build.sh check holds this list, the banners and the calls to it)
     >>util      cr_err_*, cr_buf_*, cr_log*, cr_util_*   errors, buffers, allocation, strings, hashing,
                                                            time, safe fs, fd passing, signals
     >>json      cr_json_*, cr_jw_*                         bounded parser and compact writer
     >>spec      cr_spec_*                                  config.json: parse, validate, default
     >>cgroup    cr_cgroup_*                                v1, v2 and hybrid; resources, freeze, stats
     >>state     cr_state_*                                 state dirs, atomic state.json, status
     >>rootfs    (none)                                     namespaces, mounts, devices: the container's view
     >>proc      (none)                                     user, caps, rlimits, sysctl, console, hooks
     >>seccomp   (none)                                     linux.seccomp: BPF via libseccomp, cache, notify
     >>lifecycle cr_container_*                             create/start/kill/delete/exec/run of OCI bundles
     >>net       cr_net_*                                   bridge, veth, addresses (rtnetlink), NAT, ports
     >>http      cr_http_*                                  HTTP/1.1 client over BearSSL TLS (not with CR_NO_REGISTRY)
     >>registry  cr_ref_*, cr_manifest_*, cr_auth_*         references, manifests, image configs, credentials
     >>store     cr_store_*                                 blobs, layers, image names, gc
     >>unpack    cr_unpack_*                                layer tarballs (plain, gzip, zstd) onto a directory
     >>image     cr_image_*                                 pull from a registry, OCI layout or docker archive; login
     >>ctr       cr_ctr_*                                   image containers: `cr run IMAGE` and Docker's verbs,
                                                            built on cr_container_* (ctr = container from an image)
*/
#ifndef CR_H
#define CR_H

/* The implementation needs Linux interfaces (O_PATH, clone flags, setns):
   include cr.h before other headers in the CR_IMPLEMENTATION file. */
#if defined(CR_IMPLEMENTATION) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#ifndef CR_API
#  if defined(CR_STATIC) && defined(__GNUC__)
#    define CR_API static __attribute__((unused))   /* a program uses a part of the API */
#  elif defined(CR_STATIC)
#    define CR_API static
#  else
#    define CR_API extern
#  endif
#endif

#define CR_VERSION "0.1.0"
#define CR_OCI_VERSION "1.2.0"

/* ---- >>util (cr_err_*, cr_buf_*, cr_log*, cr_util_*) -------------------- */

/* kind names a failure a caller branches on; the message stays for people.
   CR_ERR_EXEC: the container's program could not be run (code ENOENT: not
   found; EACCES or ENOEXEC: not runnable), as Docker maps to 127 and 126. */
enum { CR_ERR_OTHER = 0, CR_ERR_EXEC = 1 };
typedef struct cr_err { int code; int kind; char msg[1024]; } cr_err;
/* Sets err to code (positive errno-like), kind CR_ERR_OTHER and a message;
   returns -code. */
CR_API int cr_err_set(cr_err *err, int code, const char *fmt, ...);
/* Prepends "context: " to err->msg; returns -err->code. */
CR_API int cr_err_wrap(cr_err *err, const char *fmt, ...);

/* Growable byte buffer, NUL-terminated whenever data != NULL; oom is sticky. */
/* Digest strings with their NUL: "sha256:" and 64 hex digits (blobs,
   layers' diff-ids), or up to "sha512:" and 128. */
#define CR_SHA256_DIGEST_MAX 72
#define CR_DIGEST_MAX 136

typedef struct cr_buf { char *data; size_t len, cap; int oom; } cr_buf;
CR_API void cr_buf_add(cr_buf *b, const void *p, size_t n);
CR_API void cr_buf_puts(cr_buf *b, const char *s);
CR_API void cr_buf_putc(cr_buf *b, char c);
CR_API void cr_buf_printf(cr_buf *b, const char *fmt, ...);
CR_API void cr_buf_free(cr_buf *b);

enum { CR_LOG_ERROR, CR_LOG_WARN, CR_LOG_INFO, CR_LOG_DEBUG };
typedef void (*cr_log_fn)(void *user, int level, const char *msg);
/* fn may be called from several threads at once (cr_image_pull's workers). */
CR_API void cr_log_set(cr_log_fn fn, void *user, int max_level);
CR_API void cr_log(int level, const char *fmt, ...);

/* Frees memory cr.h handed out (cr_cgroup_pids's list), with CR_FREE. */
CR_API void cr_util_free(void *p);
/* Reads a whole file (at most max bytes) into *out (NUL-terminated). */
CR_API int cr_util_read_file(int dirfd, const char *path, size_t max, cr_buf *out, cr_err *err);
/* Writes a file atomically: temp file, fsync, rename, in dirfd. */
CR_API int cr_util_write_atomic(int dirfd, const char *name, const void *data, size_t len, cr_err *err);
/* Re-executes the running program from a sealed memfd copy unless it
   already runs from one, so that /proc/PID/exe of a process that enters a
   container never points at the writable host binary (CVE-2019-5736).
   Returns only on failure. */
CR_API int cr_util_reexec_sealed(char **argv, cr_err *err);
/* Sends / receives one fd over a unix socket with SCM_RIGHTS. */
CR_API int cr_util_send_fd(int sock, int fd, const void *data, size_t len);
CR_API int cr_util_recv_fd(int sock, int *fd, void *data, size_t len);
CR_API int cr_util_signal_parse(const char *s);   /* "KILL", "SIGKILL", "9" -> 9; "0" -> 0; -1 if unknown */
CR_API const char *cr_util_signal_name(int sig);  /* "SIGKILL" */
/* A size as Docker and runc write it: digits with an optional fraction and
   sign, then k, m, g or t (powers of 1024, either case) and an optional b:
   "512m", "1.5g", "-1". 0, -EINVAL (not a size) or -ERANGE (beyond int64). */
CR_API int cr_util_parse_size(const char *s, int64_t *out);

/* ---- >>json (cr_json_*, cr_jw_*) ---------------------------------------- */
typedef enum cr_json_type { CR_JSON_NULL, CR_JSON_FALSE, CR_JSON_TRUE, CR_JSON_NUMBER, CR_JSON_STRING, CR_JSON_ARRAY, CR_JSON_OBJECT } cr_json_type;
typedef struct cr_json cr_json;
struct cr_json {
    cr_json_type type;
    cr_json *next;      /* next element / member of the parent */
    cr_json *child;     /* first element / member (ARRAY, OBJECT) */
    const char *key;    /* member name (NUL-terminated) when the parent is an OBJECT, else NULL */
    const char *str;    /* STRING: decoded UTF-8, NUL-terminated; NUMBER: the literal text as written */
    size_t len;         /* STRING: byte length (strings containing \u0000 are rejected); ARRAY/OBJECT: count */
};
#ifndef CR_JSON_MAX_DEPTH
#define CR_JSON_MAX_DEPTH 128   /* also sizes stack arrays: keep it in the hundreds */
#endif
/* Parses len bytes (strict RFC 8259, UTF-8, no duplicate keys, nesting at
   most CR_JSON_MAX_DEPTH). The whole tree is allocated as one block:
   cr_json_free(root) frees it. Errors say where: "line 3 column 14 (offset
   52): expected ',' or '}' after object member". */
CR_API int cr_json_parse(const char *text, size_t len, cr_json **out, cr_err *err);
CR_API void cr_json_free(cr_json *root);
CR_API cr_json *cr_json_get(const cr_json *obj, const char *key);   /* NULL if obj is not an object or no member */
CR_API const char *cr_json_type_name(cr_json_type t);              /* "string", "object", "boolean", ... for error messages */
/* Numbers: integer conversions with range checks; return 0 or -ERANGE/-EINVAL (not a number / not an integer / out of range). Accept exact integer literals only ("1e3" and "1.0" are -EINVAL for the integer getters); cr_json_double for any number. */
CR_API int cr_json_i64(const cr_json *v, int64_t *out);
CR_API int cr_json_u64(const cr_json *v, uint64_t *out);
CR_API int cr_json_double(const cr_json *v, double *out);   /* strtod: assumes LC_NUMERIC "C" */
/* Writer: appends compact JSON to a cr_buf. Commas are inserted automatically.
   Nesting deeper than CR_JSON_MAX_DEPTH sets b->oom (the output is unusable). */
typedef struct cr_jw { cr_buf *b; int depth; unsigned char first[CR_JSON_MAX_DEPTH + 1]; } cr_jw;
CR_API void cr_jw_init(cr_jw *w, cr_buf *b);
CR_API void cr_jw_obj(cr_jw *w);   CR_API void cr_jw_obj_end(cr_jw *w);
CR_API void cr_jw_arr(cr_jw *w);   CR_API void cr_jw_arr_end(cr_jw *w);
CR_API void cr_jw_key(cr_jw *w, const char *k);          /* inside an object, before each value */
CR_API void cr_jw_str(cr_jw *w, const char *s);           /* NULL writes null */
CR_API void cr_jw_strn(cr_jw *w, const char *s, size_t n);
CR_API void cr_jw_i64(cr_jw *w, int64_t v);
CR_API void cr_jw_u64(cr_jw *w, uint64_t v);
CR_API void cr_jw_bool(cr_jw *w, int v);
CR_API void cr_jw_null(cr_jw *w);
CR_API void cr_jw_value(cr_jw *w, const cr_json *v);      /* re-serialises a parsed tree (numbers as their literal text) */
CR_API void cr_jw_raw(cr_jw *w, const char *json);        /* one value given as JSON text, written unchecked */


/* ---- >>spec (cr_spec_*) ------------------------------------------------- */

enum { CR_HOOK_PRESTART, CR_HOOK_CREATE_RUNTIME, CR_HOOK_CREATE_CONTAINER,
       CR_HOOK_START_CONTAINER, CR_HOOK_POSTSTART, CR_HOOK_POSTSTOP, CR_HOOK_KINDS };
enum { CR_CAP_BOUNDING, CR_CAP_EFFECTIVE, CR_CAP_INHERITABLE, CR_CAP_PERMITTED,
       CR_CAP_AMBIENT, CR_CAP_SETS };
enum { CR_NS_PID, CR_NS_NET, CR_NS_IPC, CR_NS_UTS, CR_NS_MNT, CR_NS_USER,
       CR_NS_CGROUP, CR_NS_TIME, CR_NS_KINDS };

typedef struct cr_hook { const char *path; const char **args; const char **env; int timeout; } cr_hook;
typedef struct cr_idmap { uint32_t container_id, host_id, size; } cr_idmap;
typedef struct cr_mount {
    const char *destination, *type, *source;
    const char **options;             /* as written, NULL-terminated */
    unsigned long flags;              /* MS_* derived from options */
    unsigned long propagation;        /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (|MS_REC) */
    uint64_t attr_set, attr_clr;      /* MOUNT_ATTR_* for recursive r* options */
    char *data;                       /* options that are not flags, comma-joined */
    int bind;                         /* bind or rbind */
    cr_idmap *uid_map, *gid_map; int n_uid_map, n_gid_map;
} cr_mount;
typedef struct cr_device {
    const char *path; char type; int64_t major, minor;
    uint32_t file_mode; int has_mode; uint32_t uid, gid; int has_uid, has_gid;
} cr_device;
typedef struct cr_rlimit { int resource; uint64_t soft, hard; } cr_rlimit;
typedef struct cr_keyval { const char *key, *value; } cr_keyval;

/* linux.resources, typed. Every optional value has a has_* flag, so a
   zeroed struct sets nothing and "unset" differs from 0 (what a 0 does to
   the cgroup is runc's rule: see >>cgroup). Strings and lists point into
   the storage of their cr_spec or of cr_spec_parse_resources. */
enum { CR_RES_ACCESS_MKNOD = 1, CR_RES_ACCESS_READ = 2, CR_RES_ACCESS_WRITE = 4 };   /* cr_res_device.access */
typedef struct cr_res_device {        /* linux.resources.devices[]: one device cgroup rule */
    char type;                        /* 'a' (every device), 'b' or 'c' */
    int64_t major, minor;             /* -1: any */
    unsigned access;                  /* CR_RES_ACCESS_* bits; all three for type 'a' */
    int allow;
} cr_res_device;
typedef struct cr_res_memory {
    int has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
    int has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
    int64_t limit, reservation, swap, kernel, kernel_tcp;   /* bytes; negative: unlimited */
    int64_t swappiness;               /* 0..100 (-1 is read as unset, as runc does) */
    int disable_oom_killer, use_hierarchy, check_before_update;
} cr_res_memory;
typedef struct cr_res_cpu {
    int has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period, has_idle;
    uint64_t shares, burst, period, realtime_period;
    int64_t quota, realtime_runtime, idle;   /* quota negative: unlimited */
    const char *cpus, *mems;          /* cpuset lists ("0-3,5"); NULL: unset */
} cr_res_cpu;
typedef struct cr_res_pids { int has_limit; int64_t limit; /* <= 0: unlimited */ } cr_res_pids;
typedef struct cr_res_weight_device {
    uint32_t major, minor;
    int has_weight, has_leaf_weight; uint16_t weight, leaf_weight;
} cr_res_weight_device;
typedef struct cr_res_rate_device { uint32_t major, minor; uint64_t rate; } cr_res_rate_device;
/* blockIO.throttle* lists, in this order: throttleReadBpsDevice, throttleWriteBpsDevice,
   throttleReadIOPSDevice, throttleWriteIOPSDevice */
enum { CR_RES_READ_BPS, CR_RES_WRITE_BPS, CR_RES_READ_IOPS, CR_RES_WRITE_IOPS, CR_RES_THROTTLES };
typedef struct cr_res_block_io {
    int has_weight, has_leaf_weight; uint16_t weight, leaf_weight;
    cr_res_weight_device *weight_device; int nweight_device;
    cr_res_rate_device *throttle[CR_RES_THROTTLES]; int nthrottle[CR_RES_THROTTLES];
} cr_res_block_io;
typedef struct cr_res_hugepage { const char *page_size; uint64_t limit; } cr_res_hugepage;   /* "2MB", bytes */
typedef struct cr_res_ifprio { const char *name; uint32_t priority; } cr_res_ifprio;
typedef struct cr_res_network {
    int has_class_id; uint32_t class_id;
    cr_res_ifprio *priorities; int npriorities;
} cr_res_network;
typedef struct cr_res_rdma {          /* one member of linux.resources.rdma */
    const char *device;
    int has_hca_handles, has_hca_objects; uint32_t hca_handles, hca_objects;
} cr_res_rdma;
typedef struct cr_resources {
    /* which members the object has (null counts as absent) */
    int has_memory, has_cpu, has_pids, has_block_io, has_hugepage_limits, has_network, has_rdma, has_unified, has_devices;
    cr_res_memory memory;
    cr_res_cpu cpu;
    cr_res_pids pids;
    cr_res_block_io block_io;
    cr_res_hugepage *hugepage_limits; int nhugepage_limits;
    cr_res_network network;
    cr_res_rdma *rdma; int nrdma;
    cr_keyval *unified; int nunified;       /* cgroup v2 file name -> value */
    cr_res_device *devices; int ndevices;
    /* Intel RDT schemata lines for cr_container_update (runc's update
       --l3-cache-schema and --mem-bw-schema); no member of the JSON */
    const char *l3_cache_schema, *mem_bw_schema;
    void *json, *arena;               /* cr_spec_parse_resources's storage; NULL inside a cr_spec */
} cr_resources;

typedef struct cr_process {
    int terminal; unsigned console_height, console_width;
    uint32_t uid, gid, *gids; int ngids; int has_umask; uint32_t umask;
    const char **args, **env; int nargs, nenv;   /* NULL-terminated arrays */
    const char *cwd;
    int has_caps; uint64_t caps[CR_CAP_SETS];
    cr_rlimit *rlimits; int nrlimits;
    int no_new_privileges;
    int has_oom_score_adj; int oom_score_adj;
    const char *apparmor_profile, *selinux_label;
    int has_io_priority; int io_priority_class, io_priority;
    int has_scheduler; int sched_policy, sched_nice, sched_priority; unsigned sched_flags;
    uint64_t sched_runtime, sched_deadline, sched_period;
} cr_process;

typedef struct cr_spec {
    void *json;                       /* the parsed config (cr_json *); everything points into it */
    void *arena;
    void *process_json;               /* cr_spec_parse_process's tree */
    const char *oci_version;
    int has_process; cr_process process;
    const char *root_path; int root_readonly;
    const char *hostname, *domainname;
    cr_mount *mounts; int nmounts;
    cr_hook *hooks[CR_HOOK_KINDS]; int nhooks[CR_HOOK_KINDS];
    const void *annotations;          /* cr_json object or NULL */
    struct { int present; const char *path; } ns[CR_NS_KINDS];
    cr_idmap *uid_map, *gid_map; int n_uid_map, n_gid_map;
    int has_time_offsets; int64_t boottime_secs, monotonic_secs; uint32_t boottime_nsecs, monotonic_nsecs;
    cr_device *devices; int ndevices;
    const char *cgroups_path;
    cr_resources *resources;          /* linux.resources; NULL when absent */
    const void *seccomp;              /* cr_json linux.seccomp, read by the seccomp section */
    unsigned long rootfs_propagation; /* 0 = default (rslave) */
    cr_keyval *sysctl; int nsysctl;
    const char **masked_paths, **readonly_paths; int nmasked, nreadonly;
    const char *mount_label;
    int has_personality; unsigned long personality;
} cr_spec;

/* Parses and validates config.json text. Errors name the field:
   `process.user.uid: expected an unsigned integer, got string`. */
CR_API int cr_spec_parse(cr_spec *spec, const char *text, size_t len, cr_err *err);
CR_API int cr_spec_load(cr_spec *spec, const char *bundle, cr_err *err);
/* Parses a process object (exec --process FILE) into p, with storage owned by spec. */
CR_API int cr_spec_parse_process(cr_spec *owner, cr_process *p, const char *text, size_t len, cr_err *err);
CR_API void cr_spec_free(cr_spec *spec);
/* Parses a linux.resources object (update --resources) into res, which owns
   its storage until cr_spec_resources_free. Errors name the field as in
   config.json: `linux.resources.memory.limit: expected a 64-bit integer, got string`. */
CR_API int cr_spec_parse_resources(const char *text, size_t len, cr_resources *res, cr_err *err);
CR_API void cr_spec_resources_free(cr_resources *res);
/* Writes the default config.json (runc's `spec`). Flags: CR_SPEC_ROOTLESS
   (user namespace mapping the caller, /sys bound, no network namespace),
   CR_SPEC_SECCOMP (Docker's default seccomp profile). */
enum { CR_SPEC_ROOTLESS = 1, CR_SPEC_SECCOMP = 2 };
CR_API void cr_spec_default(cr_buf *out, int flags);
CR_API int cr_spec_cap_parse(const char *name);      /* "CAP_CHOWN" -> 0; -1 if unknown */
CR_API const char *cr_spec_cap_name(int cap);

/* Docker's default profile as a linux.seccomp object, for a container whose
   bounding set is caps (bit N = capability N): capability-gated syscalls are
   allowed only where the capability is held. */
CR_API void cr_spec_default_seccomp(cr_buf *out, uint64_t caps);

/* ---- >>cgroup (cr_cgroup_*) --------------------------------------------- */

enum { CR_CGROUP_MANAGER_CGROUPFS, CR_CGROUP_MANAGER_SYSTEMD, CR_CGROUP_MANAGER_DISABLED };
enum { CR_CGROUP_V1 = 1, CR_CGROUP_V2 = 2, CR_CGROUP_HYBRID = 3 };
CR_API int cr_cgroup_mode(void);
/* Pids in the container's cgroup (cr_state.cgroup); free *pids with cr_util_free. */
CR_API int cr_cgroup_pids(const char *cgroup_dirs, pid_t **pids, size_t *n, cr_err *err);

/* ---- >>state (cr_state_*) ----------------------------------------------- */

typedef enum cr_status { CR_CREATING, CR_CREATED, CR_RUNNING, CR_STOPPED, CR_PAUSED } cr_status;
typedef struct cr_state {
    char id[256];
    char bundle[4096], rootfs[4096];
    pid_t pid; uint64_t pid_start;    /* start time guards against pid reuse */
    cr_status status;                 /* computed from the pid and the fifo */
    char created[40];                 /* RFC 3339 */
    uint32_t owner;
    char cgroup[16384];               /* the cgroup's directories, one a line; empty: none */
    void *annotations_json;           /* raw JSON text (malloc'd) or NULL */
} cr_state;

typedef struct cr_runtime {
    const char *root;                 /* state root; NULL = /run/cr or $XDG_RUNTIME_DIR/cr */
    int cgroup_manager;               /* CR_CGROUP_MANAGER_* */
} cr_runtime;

CR_API const char *cr_state_root(const cr_runtime *rt);
CR_API int cr_state_check_id(const char *id, cr_err *err);
CR_API int cr_state_load(const cr_runtime *rt, const char *id, cr_state *st, cr_err *err);
CR_API void cr_state_free(cr_state *st);
CR_API const char *cr_state_status_name(cr_status s);
/* Writes the OCI state JSON (runc's `state` shape) of st. */
CR_API void cr_state_json(const cr_state *st, cr_buf *out);
/* Writes st as an entry of runc's `list --format json` (owner named). */
CR_API void cr_state_list_json(const cr_state *st, cr_buf *out);
/* The string annotation key of st into out: 1, or 0 (out "") without one. */
CR_API int cr_state_annotation(const cr_state *st, const char *key, char *out, size_t n);
/* Calls fn for every container under the root, sorted by id. */
CR_API int cr_state_list(const cr_runtime *rt, int (*fn)(void *user, const cr_state *st), void *user, cr_err *err);

/* ---- >>lifecycle (cr_container_*) --------------------------------------- */

typedef struct cr_create_opts {
    const char *console_socket;       /* path of a unix socket that receives the pty master */
    const char *pid_file;
    int preserve_fds;                 /* fds 3..3+n-1 go to the container (0 to INT_MAX - 3) */
    int no_pivot, no_new_keyring;
    int detach;                       /* run: do not wait */
    int keep;                         /* run: keep the state after exit */
    /* An overlayfs mounted on root.path inside the container's mount
       namespace (so it never exists on the host and goes with the
       container): lower dirs top first, NULL-terminated; needs a mount
       namespace. */
    const char *const *rootfs_lower;
    const char *rootfs_upper, *rootfs_work;
    int rootfs_volatile;              /* overlay "volatile": no syncs, for an upper dir thrown away after */
    /* run: called once the container is created (its init waits for
       start), before start; a negative return deletes the container and
       fails the run with err */
    int (*created)(void *user, pid_t pid, cr_err *err);
    /* run: called once the container has started, before the wait */
    void (*started)(void *user, pid_t pid);
    void *user;
} cr_create_opts;

CR_API int cr_container_create(const cr_runtime *rt, const char *id, const char *bundle,
                               const cr_create_opts *opts, cr_err *err);
CR_API int cr_container_start(const cr_runtime *rt, const char *id, cr_err *err);
enum { CR_KILL_ALL = 1 };       /* every process in the cgroup, also after the init exited */
CR_API int cr_container_kill(const cr_runtime *rt, const char *id, int sig, unsigned flags, cr_err *err);
enum { CR_DELETE_FORCE = 1 };   /* kill (and thaw) a container that is not stopped */
CR_API int cr_container_delete(const cr_runtime *rt, const char *id, unsigned flags, cr_err *err);
/* create + start; unless opts->detach waits and stores the exit status
   (shell style: 128+signal) in *status. */
CR_API int cr_container_run(const cr_runtime *rt, const char *id, const char *bundle,
                            const cr_create_opts *opts, int *status, cr_err *err);

typedef struct cr_exec_opts {
    const char *process_file;         /* process JSON, or NULL to use the fields below */
    const char **args; const char **env; const char *cwd; const char *user;
    const char **caps; int tty; int detach; int no_new_privs;
    const char *console_socket, *pid_file; int preserve_fds;
    int ignore_paused;                /* exec into a paused container: the process starts once it is resumed */
    /* sub-cgroups to run in, runc's --cgroup [CONTROLLER[,CONTROLLER...]:]PATH
       (PATH under the container's cgroup; must exist); NULL-terminated or NULL */
    const char *const *cgroups;
    const char *const *additional_gids;  /* runc's --additional-gids: decimal gids, NULL-terminated or NULL */
} cr_exec_opts;
CR_API int cr_container_exec(const cr_runtime *rt, const char *id, const cr_exec_opts *opts,
                             int *status, cr_err *err);
/* Freezer: status "paused" until resume. */
CR_API int cr_container_pause(const cr_runtime *rt, const char *id, cr_err *err);
CR_API int cr_container_resume(const cr_runtime *rt, const char *id, cr_err *err);
/* Applies resources (cr_spec_parse_resources) to a running container's
   cgroup: only what they set changes. Intel RDT schemata go to the resctrl
   group /sys/fs/resctrl/<id> (made and joined by the init when missing), as
   runc's; refused as runc refuses where resctrl has no L3 (CAT) or MB (MBA). */
CR_API int cr_container_update(const cr_runtime *rt, const char *id, const cr_resources *res, cr_err *err);
/* runc's `events --stats` line: {"type":"stats","id":...,"data":{...}}. */
CR_API int cr_container_stats(const cr_runtime *rt, const char *id, cr_buf *out, cr_err *err);
/* OOM kills so far in *n; returns 1 once the container has stopped. */
CR_API int cr_container_oom_count(const cr_runtime *rt, const char *id, uint64_t *n, cr_err *err);
/* runc's `features` JSON. */
CR_API void cr_container_features(cr_buf *out);


/* ---- >>net (cr_net_*) --------------------------------------------------- */

/* Bridge networking for image runs: a Linux bridge (default "cr0", subnet
   10.98.0.0/16, the bridge holds the gateway = the first address), one veth
   pair per container with eth0 inside, NAT through nftables (table "ip cr")
   or, without nft, iptables (chains CR-PREROUTING, CR-OUTPUT, CR-POSTROUTING
   in the nat table). Needs root (CAP_NET_ADMIN on the host and in the
   container's netns). */
#define CR_NET_BRIDGE "cr0"
#define CR_NET_SUBNET "10.98.0.0/16"
#define CR_NET_TABLE  "cr"
typedef struct cr_net_config {
    const char *bridge;       /* NULL: "cr0"; letters, digits, _ . - (at most 15) */
    const char *subnet;       /* IPv4 CIDR, /8 to /30; NULL: "10.98.0.0/16"; gateway = first address */
    const char *state_dir;    /* leases.json and its lock; NULL: "<cr_state_root(NULL)>/@net" (ids cannot hold @) */
    int mtu;                  /* of the bridge and both veth ends; 0: 1500 */
    const char *nat;          /* "nft" or "iptables"; NULL: nft if found, else iptables. The
                                 first lease picks the tool; the others follow it until the last goes */
} cr_net_config;
/* A published port; host_ip empty: every local address (and 127.0.0.1). */
typedef struct cr_net_port { int udp; char host_ip[46]; uint16_t host_port, container_port; } cr_net_port;
typedef struct cr_net_lease { char ip[46], gateway[46], mac[18], host_veth[16]; int prefix; } cr_net_lease;

/* -p [IP:]HOST:CONTAINER[/tcp|/udp], Docker's syntax. IP is IPv4 (0.0.0.0 =
   any); ranges, random host ports and IPv6 are refused with the reason. */
CR_API int cr_net_port_parse(const char *spec, cr_net_port *out, cr_err *err);
/* Puts the netns of pid on the bridge: an address for id from the subnet
   (never two live leases with one address, even across parallel cr
   processes: the state file is rewritten under a lock), a veth pair whose
   far end is created inside the netns as eth0 with that address, the MTU
   and a MAC derived from the address, a default route via the gateway, lo
   up; ports published with DNAT from every local address or host_ip
   (including from containers of the bridge and from 127.0.0.1); masquerade
   for traffic leaving the subnet. The first lease creates the bridge, the
   NAT table and sets net.ipv4.ip_forward=1 (and route_localnet on the
   bridge). NAT is run through nft / iptables-restore only when rules
   change. Without either tool, ports are refused and a lease without ports
   gets no masquerade (a warning is logged). On failure undoes what it did. */
CR_API int cr_net_attach(const cr_net_config *c, const char *id, pid_t pid, const cr_net_port *ports,
                         int nports, cr_net_lease *out, cr_err *err);
/* Undoes attach for id: its port rules, the host veth (and so eth0), the
   lease; with the last lease of the bridge its masquerade rules (and the
   gateway address, if attach added it to a bridge it did not make; a
   bridge it made stays, as docker0 does), with the last lease of all the
   NAT table.
   Every step is tried and the lease is forgotten even if one fails (the
   error names it). Idempotent: no lease -> 0. Only the config's state dir
   matters: the lease knows its bridge. */
CR_API int cr_net_detach(const cr_net_config *c, const char *id, cr_err *err);
CR_API int cr_net_lease_get(const cr_net_config *c, const char *id, cr_net_lease *out, cr_err *err);   /* -ENOENT if none */
/* /etc/resolv.conf for a bridged container: the host's, without nameservers
   the container cannot reach (loopback such as systemd-resolved's
   127.0.0.53 or ::1, and IPv6 ones: the bridge is IPv4). If none is left:
   the IPv4 upstreams in /run/systemd/resolve/resolv.conf, else 8.8.8.8 and
   8.8.4.4 (Docker's fallback). dns: NULL-terminated --dns list replacing
   every nameserver (search and options lines are kept). */
CR_API int cr_net_resolv_conf(const char *const *dns, cr_buf *out, cr_err *err);
/* /etc/hosts: localhost lines, the --add-host "NAME:IP" (or NAME=IP)
   entries, then "IP hostname [short name]" (none when ip is NULL). */
CR_API int cr_net_hosts(const char *ip, const char *hostname, const char *const *add_hosts, cr_buf *out, cr_err *err);

#ifndef CR_NO_REGISTRY
/* ---- >>http (cr_http_*) ------------------------------------------------- */

/* HTTP/1.1 client for registries: keep-alive, chunked bodies, redirects, and
   TLS 1.2 through BearSSL. A zeroed client is the safe default: certificates
   are verified against the system CA bundle (/etc/ssl/certs/ca-certificates.crt
   or the usual places elsewhere; $SSL_CERT_FILE replaces it) plus ca_file.
   Plain http:// is accepted only for loopback hosts (127.0.0.0/8, ::1,
   localhost) unless insecure is set, so a missing "s" never sends
   credentials in the clear. A client is used by one thread at a time. */
typedef struct cr_http_client {
    int timeout_ms;            /* connect, and every wait for data; 0 = 30000 */
    int deadline_ms;           /* a whole request, connect to the body's last byte, redirects
                                  included: a server trickling bytes cannot hold it; 0 = 3600000 */
    int insecure;              /* --tls-verify=false: no certificate checks, http:// to any host */
    const char *ca_file;       /* extra PEM CA bundle, added to the system one */
    const char *certs_dir;     /* certs.d layout: <dir>/<host:port> (else <dir>/<host>) holds
                                  *.crt CAs and X.cert + X.key client certificate (mTLS) */
    size_t max_header_bytes;   /* response head limit; 0 = 64 KiB */
    void *priv;                /* idle connections, loaded CAs: freed by cr_http_client_close */
} cr_http_client;

#define CR_HTTP_URL_MAX 8192   /* redirects to signed storage URLs can be long */
typedef struct cr_http_response {
    int status;
    uint64_t content_length;   /* UINT64_MAX when not announced (chunked, or until close) */
    cr_buf headers;            /* "Name: value\r\n" lines, folded lines joined; zero it
                                  before the first use, reuse it, free it with cr_buf_free */
    char final_url[CR_HTTP_URL_MAX];   /* the URL that answered, after redirects */
} cr_http_response;

/* Sends a bodiless request (GET, HEAD, DELETE ...) and reads the response.
   Returns 0 for any HTTP response (check resp->status) and <0 when none
   arrived (DNS, connect, TLS, timeout, malformed response, limits).
   headers: NULL or a NULL-terminated list of "Name: value" strings.
   Body of a 2xx response: passed to sink chunk by chunk (a negative return
   aborts with -ECANCELED), else appended to body_out, else dropped; more
   than max_body bytes (0 = 16 MiB) in body_out fails with -EFBIG. Body of
   other statuses (the server's error text): into body_out when given,
   silently cut at max_body, never to sink. Up to 10 redirects (301, 302,
   303, 307, 308) are followed; Authorization is not sent to another
   scheme/host/port than the original URL's. */
CR_API int cr_http_request(cr_http_client *c, const char *method, const char *url,
                           const char *const *headers,
                           int (*sink)(void *user, const void *p, size_t n), void *user,
                           cr_buf *body_out, size_t max_body,
                           cr_http_response *resp, cr_err *err);
/* Value of the first header called name (case-insensitive) copied into buf
   (cut to n-1 bytes); NULL if absent. */
CR_API const char *cr_http_header(const cr_http_response *r, const char *name, char *buf, size_t n);
/* Closes idle connections and forgets loaded CAs; the client stays usable. */
CR_API void cr_http_client_close(cr_http_client *c);
#endif /* CR_NO_REGISTRY */

/* ---- >>registry (cr_ref_*, cr_manifest_*, cr_auth_*) -------------------- */
#ifndef CR_NO_REGISTRY

/* Image references, normalised as Docker does (distribution/reference):
   "alpine" is docker.io/library/alpine:latest, "index.docker.io/x" and
   "docker.io/x" are docker.io/library/x, a first component with '.', ':',
   an upper-case letter or "localhost" names the registry. */
typedef struct cr_ref {
    char domain[256];      /* "docker.io", "localhost:5000", "[::1]:5000" */
    char path[512];        /* "library/alpine" (at most 255 bytes) */
    char tag[129];         /* "latest" unless a digest alone was given */
    char digest[CR_DIGEST_MAX];  /* "sha256:<64 hex>", "sha512:<128 hex>" or "" */
} cr_ref;
#define CR_REF_STRING_MAX 800   /* fits cr_ref_string() of any parsed reference */
/* "alpine", "host:port/repo:tag", "repo@sha256:...", "repo:tag@sha256:...".
   Errors give the reason: `invalid reference "Alpine": repository name
   must be lowercase`, `... invalid tag "-x"`, `... invalid digest ...`. */
CR_API int cr_ref_parse(const char *s, cr_ref *out, cr_err *err);
/* "docker.io/library/alpine:latest[@sha256:...]"; always NUL-terminated. */
CR_API void cr_ref_string(const cr_ref *r, char *out, size_t n);
/* Where an image comes from: "docker://REF" or a plain REF (a registry),
   "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]", "docker-archive:FILE[:REF]".
   *rest points past the prefix; as in containers/image a path and its tag
   split at the first ':'. -EINVAL when nothing follows the prefix. */
enum { CR_TRANSPORT_REGISTRY, CR_TRANSPORT_OCI, CR_TRANSPORT_OCI_ARCHIVE, CR_TRANSPORT_DOCKER_ARCHIVE };
CR_API int cr_ref_transport(const char *s, int *kind, const char **rest);

#define CR_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define CR_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define CR_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CR_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define CR_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define CR_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
enum { CR_LAYER_TAR, CR_LAYER_GZIP, CR_LAYER_ZSTD };

typedef struct cr_descriptor {
    char media_type[128];  /* known types in their canonical spelling */
    char digest[CR_DIGEST_MAX];      /* validated: sha256 or sha512, lowercase hex */
    uint64_t size;
    char os[32], arch[32], variant[32];  /* index entries: the platform ("" if none) */
    char ref_name[256];    /* index entries: org.opencontainers.image.ref.name (OCI layouts) */
    int compression;       /* layers: CR_LAYER_* */
    int foreign;           /* layers: foreign / non-distributable, the registry may not serve it */
} cr_descriptor;
typedef struct cr_manifest {
    char media_type[128];  /* one of the four CR_MT_* manifest and index types */
    int is_index;
    cr_descriptor config;                           /* manifests */
    cr_descriptor *layers; size_t nlayers;          /* manifests, base layer first */
    cr_descriptor *manifests; size_t nmanifests;    /* indexes */
} cr_manifest;
/* An OCI image manifest or index, or a Docker schema2 manifest or manifest
   list. media_type is the Content-Type (parameters ignored); NULL, "" or
   "application/json" take the type from the body's "mediaType", else from
   its shape. Schema1, unknown types, non-image configs (OCI artifacts),
   unknown layer types, malformed digests and missing sizes are refused. */
CR_API int cr_manifest_parse(const char *media_type, const char *body, size_t len, cr_manifest *m, cr_err *err);
CR_API void cr_manifest_free(cr_manifest *m);
/* The index entry for platform "os/arch[/variant]" (NULL: this host), with
   containerd's fallbacks (arm64 runs arm/v8..v5, amd64/v3 runs v2, v1 and
   386); an entry without a platform is the last resort. The error lists the
   platforms the index has. */
CR_API int cr_manifest_pick(const cr_manifest *index, const char *platform, const cr_descriptor **out, cr_err *err);
CR_API void cr_manifest_host_platform(char *out, size_t n);   /* "linux/amd64", "linux/arm/v7" */
CR_API const char *cr_manifest_accept(void);                  /* Accept header for manifest requests */

/* An image config blob. Strings point into the parsed JSON, arrays live in
   an arena; absent and null members are NULL / 0. */
typedef struct cr_image_config {
    void *json, *arena;
    const char *os, *architecture, *variant;
    const char **entrypoint, **cmd, **env;          /* NULL-terminated */
    size_t nentrypoint, ncmd, nenv;
    const char *working_dir, *user, *stop_signal;
    const char **exposed_ports, **volumes;          /* the keys: "80/tcp", "/data" */
    size_t nexposed_ports, nvolumes;
    cr_keyval *labels; size_t nlabels;
    const char **diff_ids; size_t ndiff_ids;        /* rootfs.diff_ids, validated digests */
} cr_image_config;
CR_API int cr_manifest_config_parse(const char *body, size_t len, cr_image_config *c, cr_err *err);
CR_API void cr_manifest_config_free(cr_image_config *c);

/* WWW-Authenticate: picks the Bearer challenge, else the Basic one. scheme
   gets "Bearer" or "Basic"; parameters that are absent come back "". Any
   output may be NULL. A Bearer challenge must carry a realm. */
CR_API int cr_auth_challenge_parse(const char *header, char *scheme, size_t scheme_n, char *realm, size_t realm_n,
                                   char *service, size_t service_n, char *scope, size_t scope_n, cr_err *err);
/* A token server's answer: "token" (or "access_token") replaces the
   contents of *token (printable ASCII, fit for a header), expires_in in seconds (at least 60, the default), issued_at as Unix
   time (0 when absent or not RFC 3339). */
CR_API int cr_auth_token_parse(const char *body, size_t len, cr_buf *token, int64_t *expires_in,
                               int64_t *issued_at, cr_err *err);
/* Credentials for registry ("host" or "host/namespace/repo") from the
   "auths" of the files tried in order (NULL-terminated; missing files are
   skipped): --authfile, $XDG_RUNTIME_DIR/containers/auth.json,
   ~/.docker/config.json. Keys may be "host", "https://host/..." or
   "host/ns" (the longest namespace wins); Docker Hub's names are one. The
   first file with credentials for it wins. Returns 1 with user and pass
   filled, 0 if no entry has credentials (an empty entry: a helper's). */
CR_API int cr_auth_lookup(const char *registry, const char *const *files, char *user, size_t user_n,
                          char *pass, size_t pass_n, cr_err *err);
/* cr login / cr logout: rewrite file atomically (mode 0600, parent made
   0700 if missing) keeping every other key and entry; the entries that
   name registry are replaced / removed (Docker Hub is filed under Docker's
   "https://index.docker.io/v1/"). remove: registry NULL removes every
   entry (logout --all); -ENOENT if there was none. */
CR_API int cr_auth_store(const char *file, const char *registry, const char *user, const char *pass, cr_err *err);
CR_API int cr_auth_remove(const char *file, const char *registry, cr_err *err);
/* The file cr login writes by default: Docker's ~/.docker/config.json
   ($HOME, else the passwd entry), which pulls read too. Returns buf. */
CR_API const char *cr_auth_default_file(char *buf, size_t n);
CR_API void cr_auth_basic(const char *user, const char *pass, cr_buf *out);   /* "Basic base64(user:pass)" */

#endif /* CR_NO_REGISTRY */

/* ---- >>store (cr_store_*) ----------------------------------------------- */
#ifndef CR_NO_REGISTRY

/* The image store: blobs/sha256/<hex> (verified before they are renamed into
   place), layers/sha256/<diff-id hex>/ (one unpacked directory per layer,
   overlay whiteouts; layers/sha256/.unpacked/<hex> is written once it is
   complete), images.json (names -> manifest digests), tmp/ (partial
   downloads that the next pull resumes). Zero = $CR_STORAGE or /var/lib/cr. */
typedef struct cr_store { const char *root; } cr_store;
CR_API const char *cr_store_root(const cr_store *s);

typedef struct cr_image_info {
    char name[CR_REF_STRING_MAX];   /* "docker.io/library/alpine:latest" */
    char digest[CR_DIGEST_MAX];               /* what was pulled: the index of a multi-platform image, else the manifest */
    char manifest[CR_DIGEST_MAX];             /* the platform's manifest */
    char config[CR_DIGEST_MAX];               /* config blob: the image id */
    uint64_t size;                  /* compressed layers + config */
    char pulled[40];                /* RFC 3339 */
} cr_image_info;
CR_API int cr_store_list(const cr_store *s, int (*fn)(void *user, const cr_image_info *img), void *user, cr_err *err);
/* Looks an image up by reference, id (config digest) or unique id prefix. */
CR_API int cr_store_find(const cr_store *s, const char *name, cr_image_info *out, cr_err *err);
/* Forgets a name; the blobs and layers stay until cr_store_gc. */
CR_API int cr_store_remove(const cr_store *s, const char *name, cr_err *err);
/* Removes blobs and layers no image refers to, and stale tmp/ files;
   *freed gets the bytes. */
CR_API int cr_store_gc(const cr_store *s, uint64_t *freed, cr_err *err);
#endif /* CR_NO_REGISTRY */

/* ---- >>unpack (cr_unpack_*) --------------------------------------------- */
#ifndef CR_NO_REGISTRY

/* How a layer lands on a directory. Zero = overlay whiteouts, as root, no
   size limit. */
typedef struct cr_unpack_opts {
    int whiteouts;          /* CR_UNPACK_OVERLAY: .wh.NAME becomes a 0:0 char device NAME and
                               .wh..wh..opq the xattr trusted.overlay.opaque=y on its directory
                               (user.overlay.opaque when rootless), for a layer dir used as an
                               overlay lowerdir; CR_UNPACK_APPLY: they delete what lower layers
                               put in the directory (flattening onto a dir that holds them) */
    int rootless;           /* not root: device nodes are skipped (debug log), failures of
                               chown and of trusted./security. xattrs are tolerated */
    uint64_t max_size;      /* limit on the uncompressed tar stream in bytes; 0 = none */
    /* called after every read from in_fd with the bytes read so far (progress);
       a non-zero return stops the unpack with -ECANCELED. NULL: none */
    int (*on_read)(void *user, uint64_t bytes_read);
    void *user;
} cr_unpack_opts;
enum { CR_UNPACK_OVERLAY = 0, CR_UNPACK_APPLY = 1 };

/* Streams a layer from in_fd onto dirfd. The compression is detected from
   magic bytes (gzip 1f 8b, zstd 28 b5 2f fd, else plain tar). Fills diff_id
   (may be NULL) with "sha256:<hex>" of the whole uncompressed stream, to be
   checked against the image config's rootfs.diff_ids. Entries never land
   outside dirfd: a leading "/" is dropped from names, ".." is refused,
   symlinks met on the way are resolved inside dirfd. On error dirfd holds a
   partial layer: unpack into a temp dir and remove it on failure. Errors
   name the entry: `layer entry "usr/bin/x": hard link target
   "../../etc/shadow" is outside the layer`. */
CR_API int cr_unpack_layer(int in_fd, int dirfd, const cr_unpack_opts *o, char diff_id[CR_SHA256_DIGEST_MAX], cr_err *err);
#endif /* CR_NO_REGISTRY */

/* ---- >>image (cr_image_*) ----------------------------------------------- */
#ifndef CR_NO_REGISTRY

/* What cr_image_pull reports about a layer (digest: its compressed blob). */
typedef enum cr_pull_phase {
    CR_PULL_WAITING,       /* to be fetched once a download slot is free */
    CR_PULL_DOWNLOADING,   /* done of total compressed bytes are stored (a resumed
                              download starts at what the previous pull left) */
    CR_PULL_EXTRACTING,    /* done of total compressed bytes are unpacked */
    CR_PULL_COMPLETE,      /* verified, stored and unpacked */
    CR_PULL_EXISTS         /* already unpacked in the store: nothing to fetch */
} cr_pull_phase;

#define CR_PULL_MAX_LAYER_SIZE ((uint64_t)32 << 30)   /* default limit on a layer's unpacked size */

typedef struct cr_pull_opts {
    const char *platform;      /* "os/arch[/variant]"; NULL: this host */
    const char *creds;         /* "USER:PASS", for the registry only (never sent to a mirror) */
    const char *authfile;      /* tried before the default credential files */
    int insecure;              /* --tls-verify=false: plain HTTP and unverified TLS anywhere */
    const char *certs_dir;     /* NULL: /etc/containers/certs.d, then /etc/docker/certs.d */
    int max_concurrent;        /* layers downloaded and unpacked at once; 0 = 3 */
    uint64_t max_layer_size;   /* refuse a layer that unpacks to more bytes; 0 = CR_PULL_MAX_LAYER_SIZE */
    int request_timeout;       /* seconds a registry request may take in all (a blob's download
                                  included); 0: $CR_PULL_TIMEOUT, else 3600 */
    /* Mirrors, tried in order before the registry itself: "REGISTRY=MIRROR"
       entries (NULL-terminated) first, then the registries config file's.
       MIRROR is "host[:port]" (https, or plain http for loopback and
       insecure pulls, as for registries), "https://host[:port]" or
       "http://host[:port]"; REGISTRY as in references ("docker.io"). */
    const char *const *mirrors;
    const char *registries_conf;   /* NULL: $CR_REGISTRIES_CONF, else /etc/cr/registries.json
                                      (skipped if absent); "": none */
    /* Per layer: WAITING, DOWNLOADING and EXTRACTING as bytes go by, then
       COMPLETE; or EXISTS alone. Called by one thread at a time (layers are
       fetched by several), never for the config blob. */
    void (*progress)(void *user, cr_pull_phase phase, const char *digest, uint64_t done, uint64_t total);
    void *user;
} cr_pull_opts;
/* Pulls ref into the store and names it; digest gets the manifest digest
   (the index's for a multi-platform image). From a registry, up to
   max_concurrent layers download at once, each unpacked as soon as it is
   stored; the first error stops the others; a mirror that fails
   (connection, HTTP error, bad content) hands over to the next source. A
   pull killed at any moment leaves only tmp/ files that the next pull
   reuses or gc removes. ref is a
   registry reference ("docker://" optional) or a local source:
     oci:DIR[:TAG]            an OCI image layout: the index.json entry whose
                              org.opencontainers.image.ref.name is TAG, else
                              its only image (or, if its entries are
                              platforms of one image, the one for o->platform)
     oci-archive:FILE[:TAG]   a tar of such a layout
     docker-archive:FILE[:REF]  the output of `docker save` (manifest.json,
                              a config, layer tars, plain or gzip); REF picks
                              one of several images by its RepoTags
   Archives are read in place (never extracted); entries named with ".."
   are refused. Every blob is checked against its digest and size before it
   is stored, layers against the config's diff-ids. Names: TAG (or the
   entry's ref.name) becomes localhost/<DIR or FILE base name>:TAG unless it
   is a full reference; a docker archive's images keep their RepoTags (or
   REF, or the names in its "repositories" file). Errors start with the
   source: `oci:/x: index.json: ...`, `docker-archive:/x.tar: layer
   "abc/layer.tar": digest mismatch (...)`. */
CR_API int cr_image_pull(const cr_store *s, const char *ref, const cr_pull_opts *o, char digest[CR_DIGEST_MAX], cr_err *err);
/* What cr_image_login checks. */
typedef struct cr_login_opts {
    const char *user, *pass;   /* user: non-empty, without ':' */
    int insecure;              /* --tls-verify=false: plain HTTP and unverified TLS */
    const char *certs_dir;     /* NULL: /etc/containers/certs.d, then /etc/docker/certs.d */
} cr_login_opts;
/* Checks o->user and o->pass with registry ("host[:port]", "docker.io"):
   GET /v2/ with Basic auth, or a token from the registry's token server,
   over HTTPS (plain HTTP for loopback or o->insecure, as pulls do). Nothing
   is stored: cr_auth_store does that. Wrong credentials fail with -EACCES
   and `login HOST: unauthorized: wrong user name or password`. */
CR_API int cr_image_login(const char *registry, const cr_login_opts *o, cr_err *err);
#endif /* CR_NO_REGISTRY */

/* ---- >>ctr (cr_ctr_*: image containers) ----------------------------------- */
/* The annotations an image container's OCI state carries: its image
   reference and its command (read them with cr_state_annotation). */
#define CR_CTR_ANNOTATION_IMAGE "run.cr.image"
#define CR_CTR_ANNOTATION_COMMAND "run.cr.command"
#ifndef CR_NO_REGISTRY

/* What `cr run IMAGE` makes of an image: an OCI container whose id is its
   name, with its bundle in <store>/containers/<name>/: config.json (the
   image config turned into a runtime config with Docker's defaults),
   ctr.json (what `inspect` shows: Docker's shape), upper/ and work/ of the
   overlay root (mounted inside the container's mount namespace only, so it
   never outlives the container), hosts, hostname, resolv.conf, anonymous
   volumes and the log of a detached run. The process that runs it (`cr
   run` in the foreground, or the monitor forked for a detached run) holds
   the flock of <dir>/lock; a container whose lock is free and whose OCI
   state is gone, or that was --rm and has stopped, is stale: cr_ctr_gc
   removes it. */
typedef struct cr_ctr_opts {
    const char *image;                 /* reference or image id (in the store); NULL with rootfs */
    const char *rootfs;                /* --rootfs DIR: run on DIR itself instead of an image */
    const char *name;                  /* --name; NULL: the first 12 hex digits of the id */
    const char *const *args;           /* COMMAND [ARG...] (NULL-terminated); NULL: the image's Cmd */
    const char *entrypoint;            /* --entrypoint ("" clears the image's); drops the image's Cmd */
    const char *const *env;            /* -e KEY=VALUE, or KEY: taken from the caller's environment */
    const char *const *env_files;      /* --env-file: KEY=VALUE lines, # comments */
    const char *const *volumes;        /* -v SRC:DST[:ro|rw]; SRC without '/' is a named volume; DST alone: anonymous */
    const char *const *tmpfs;          /* --tmpfs DST[:OPTIONS] */
    const char *workdir, *user, *hostname;
    int read_only, privileged, tty, interactive, rm, detach;
    const char *memory;                /* -m: "64m", "1g", bytes */
    const char *cpus;                  /* "1.5" */
    const char *pids_limit;            /* "100"; 0 or less: unlimited */
    const char *const *cap_add, *const *cap_drop;   /* "NET_ADMIN", "cap_sys_time", "ALL" */
    const char *const *security_opt;   /* "seccomp=unconfined|FILE", "no-new-privileges[=true|false]" */
    const char *const *ulimits;        /* "nofile=1024[:2048]" */
    const char *network;               /* "bridge" (default: cr_net_attach), "none", "host",
                                          "container:NAME", "ns:PATH" */
    const char *const *publish;        /* -p [IP:]HOST:CONTAINER[/udp] (bridge) */
    const char *const *dns;            /* --dns: replaces the nameservers */
    const char *const *add_hosts;      /* --add-host NAME:IP */
    const char *init;                  /* --init: a cr binary, bound read-only to /sbin/cr-init and
                                          run as PID 1 (`cr-init init -- COMMAND`); NULL: none */
} cr_ctr_opts;

/* Creates and starts an image container; name gets its name. In the
   foreground it waits (signals forwarded, the terminal proxied with tty)
   and *status gets the exit status (128+N for signal N); a detached run
   returns once the container has started, leaving a monitor that waits
   for it, logs its output and records its exit. rm: nothing is left once
   it exits. Errors before the container runs leave nothing behind. */
CR_API int cr_ctr_run(const cr_runtime *rt, const cr_store *s, const cr_ctr_opts *o, char name[256],
                      int *status, cr_err *err);

typedef struct cr_ctr_info {
    char id[65], name[256];
    char image[CR_REF_STRING_MAX];     /* as given to run; "" for --rootfs */
    char image_id[CR_DIGEST_MAX];
    char command[1024];                /* the process args, joined by spaces */
    char created[40], finished[40];
    int exited, exit_code;             /* exited: exit_code is known */
    int rm;
    cr_status status; pid_t pid;       /* the OCI state; CR_STOPPED once it is gone */
    char dir[4096];                    /* the bundle */
} cr_ctr_info;
/* By name, full id or unique id prefix. */
CR_API int cr_ctr_find(const cr_runtime *rt, const cr_store *s, const char *name, cr_ctr_info *out, cr_err *err);
/* Every image container, by name. */
CR_API int cr_ctr_list(const cr_runtime *rt, const cr_store *s, int (*fn)(void *user, const cr_ctr_info *c),
                       void *user, cr_err *err);
/* The image's StopSignal (else SIGTERM), then SIGKILL after timeout
   seconds (negative: 10); returns once it has stopped and its runner is
   done (a --rm container is then gone). Stopped already: 0. */
CR_API int cr_ctr_stop(const cr_runtime *rt, const cr_store *s, const char *name, int timeout, cr_err *err);
/* Removes a stopped container (force: kills a running one first): OCI
   state, cgroup, overlay dirs, anonymous volumes, record. */
enum { CR_CTR_REMOVE_FORCE = 1 };   /* stop a running container first */
CR_API int cr_ctr_remove(const cr_runtime *rt, const cr_store *s, const char *name, unsigned flags, cr_err *err);
/* Removes stale containers (see above); removed (may be NULL) is told
   each one and why. */
CR_API int cr_ctr_gc(const cr_runtime *rt, const cr_store *s,
                     void (*removed)(void *user, const char *name, const char *why), void *user, cr_err *err);
/* Docker's `inspect` object: Id, Name, Created, Path, Args, State, Image,
   Config, Mounts, HostConfig, NetworkSettings, LogPath. */
CR_API int cr_ctr_inspect(const cr_runtime *rt, const cr_store *s, const char *name, cr_buf *out, cr_err *err);
/* Copies a detached container's log to fd; follow: then waits for more
   until the container has stopped. */
enum { CR_CTR_LOGS_FOLLOW = 1 };    /* keep writing until the container exits */
CR_API int cr_ctr_logs(const cr_runtime *rt, const cr_store *s, const char *name, unsigned flags, int fd, cr_err *err);
/* What --init runs as PID 1: runs argv as a child, forwards signals to it,
   reaps every orphan, and returns the child's exit status (128+N). */
CR_API int cr_ctr_init(char *const *argv, cr_err *err);

#endif /* CR_NO_REGISTRY */

#endif /* CR_H */

/* ========================================================================== */
#ifdef CR_IMPLEMENTATION
#ifndef CR_IMPLEMENTATION_DONE
#define CR_IMPLEMENTATION_DONE

/* Paths are built into PATH_MAX buffers with snprintf. Config strings
   longer than PATH_MAX are refused by the spec parser, so what could be cut
   is only a composition the kernel would refuse with ENAMETOOLONG anyway. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>

#if defined(CR_MALLOC) || defined(CR_REALLOC) || defined(CR_FREE)
#  if !defined(CR_MALLOC) || !defined(CR_REALLOC) || !defined(CR_FREE)
#    error "cr.h: define all or none of CR_MALLOC, CR_REALLOC, CR_FREE"
#  endif
#else
#  define CR_MALLOC(n) malloc(n)
#  define CR_REALLOC(p, n) realloc(p, n)
#  define CR_FREE(p) free(p)
#endif

/* ==========================================================================
 * >>util — cr_err_*, cr_buf_*, cr_log_*, cr_util_*: errors, buffers, logging,
 *        safe file access, fd passing, signals
 * ========================================================================== */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_fsopen
#define SYS_move_mount 429
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#ifndef FSCONFIG_SET_STRING
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#define FSMOUNT_CLOEXEC 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 2U
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x10U
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef MS_REC
#define MS_REC 16384
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#define MOUNT_ATTR_IDMAP 0x00100000
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif

struct cr__clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
             set_tid, set_tid_size, cgroup;
};
struct cr__open_how { uint64_t flags, mode, resolve; };
struct cr__mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

CR_API int cr_err_set(cr_err *err, int code, const char *fmt, ...) {
    if (code < 0) code = -code;
    if (code == 0) code = EINVAL;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
        err->kind = CR_ERR_OTHER;
    }
    return -code;
}

CR_API int cr_err_wrap(cr_err *err, const char *fmt, ...) {
    char ctx[512], old[sizeof err->msg];
    va_list ap;
    if (!err) return -EINVAL;
    if (!err->code) err->code = EINVAL;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", ctx, old);
    return -err->code;
}

/* errno-carrying shorthand: `return cr__errno(err, "open %s", path);`.
   The errno text is lower-case, as runc writes it: Docker's CLI picks exit
   status 126/127 by matching "permission denied" / "no such file or
   directory" in the runtime's error. */
static int cr__errno(cr_err *err, const char *fmt, ...) {
    int e = errno ? errno : EIO;
    char ctx[768], text[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    snprintf(text, sizeof text, "%s", strerror(e));
    if (text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a' && text[1] <= 'z') text[0] = (char)(text[0] - 'A' + 'a');
    return cr_err_set(err, e, "%s: %s", ctx, text);
}

static int cr__buf_grow(cr_buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->oom) return -1;
    need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    p = (char *)CR_REALLOC(b->data, cap);
    if (!p) { b->oom = 1; return -1; }
    b->data = p; b->cap = cap;
    return 0;
}
CR_API void cr_buf_add(cr_buf *b, const void *p, size_t n) {
    if (cr__buf_grow(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}
CR_API void cr_buf_puts(cr_buf *b, const char *s) { cr_buf_add(b, s, strlen(s)); }
CR_API void cr_buf_putc(cr_buf *b, char c) { cr_buf_add(b, &c, 1); }
CR_API void cr_buf_printf(cr_buf *b, const char *fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || cr__buf_grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}
CR_API void cr_buf_free(cr_buf *b) { CR_FREE(b->data); memset(b, 0, sizeof *b); }

CR_API void cr_util_free(void *p) { CR_FREE(p); }

static cr_log_fn cr__log_fn;
static void *cr__log_user;
static int cr__log_max = CR_LOG_WARN;
CR_API void cr_log_set(cr_log_fn fn, void *user, int max_level) {
    cr__log_fn = fn; cr__log_user = user; cr__log_max = max_level;
}
CR_API void cr_log(int level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    if (!cr__log_fn || level > cr__log_max) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cr__log_fn(cr__log_user, level, msg);
}

/* Arena: the spec and its arrays live here and die together. */
typedef struct cr__arena_block { struct cr__arena_block *next; size_t used, size; } cr__arena_block;
typedef struct cr__arena { cr__arena_block *head; } cr__arena;
static void *cr__arena_alloc(cr__arena *a, size_t n) {
    cr__arena_block *b = a->head;
    n = (n + 15) & ~(size_t)15;
    if (!b || b->size - b->used < n) {
        size_t size = n > 8192 ? n : 8192;
        b = (cr__arena_block *)CR_MALLOC(sizeof *b + 16 + size);
        if (!b) return NULL;
        b->next = a->head; b->used = 0; b->size = size;
        a->head = b;
    }
    {
        char *base = (char *)(b + 1);
        void *p = (void *)(((uintptr_t)(base + b->used) + 15) & ~(uintptr_t)15);
        b->used = (size_t)((char *)p - base) + n;
        memset(p, 0, n);
        return p;
    }
}
static void cr__arena_free(cr__arena *a) {
    while (a && a->head) { cr__arena_block *n = a->head->next; CR_FREE(a->head); a->head = n; }
}
static char *cr__arena_strdup(cr__arena *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)cr__arena_alloc(a, n);
    if (p) memcpy(p, s, n);
    return p;
}

static int cr__write_all(int fd, const void *p, size_t n) {
    const char *c = (const char *)p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        c += w; n -= (size_t)w;
    }
    return 0;
}

CR_API int cr_util_read_file(int dirfd, const char *path, size_t max, cr_buf *out, cr_err *err) {
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    char tmp[8192];
    if (fd < 0) return cr__errno(err, "open %s", path);
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0) { if (errno == EINTR) continue; close(fd); return cr__errno(err, "read %s", path); }
        if (r == 0) break;
        if (out->len + (size_t)r > max) { close(fd); return cr_err_set(err, EFBIG, "%s: larger than %zu bytes", path, max); }
        cr_buf_add(out, tmp, (size_t)r);
    }
    close(fd);
    if (out->oom) return cr_err_set(err, ENOMEM, "%s: out of memory", path);
    if (!out->data) cr_buf_add(out, "", 0);
    return 0;
}

/* State under /run does not outlive a reboot, so its files skip the fsync:
   rename alone keeps readers from ever seeing half a file. */
static int cr__write_atomic(int dirfd, const char *name, const void *data, size_t len, int durable, cr_err *err) {
    char tmp[300];
    int fd;
    snprintf(tmp, sizeof tmp, ".%s.%d.tmp", name, (int)getpid());
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return cr__errno(err, "create %s", tmp);
    if (cr__write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        int r = cr__errno(err, "write %s", name);
        close(fd); unlinkat(dirfd, tmp, 0);
        return r;
    }
    close(fd);
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int r = cr__errno(err, "rename %s", name);
        unlinkat(dirfd, tmp, 0);
        return r;
    }
    return 0;
}

CR_API int cr_util_write_atomic(int dirfd, const char *name, const void *data, size_t len, cr_err *err) {
    return cr__write_atomic(dirfd, name, data, len, 1, err);
}

/* --pid-file: the pid alone, no newline (runtime-tools parses it with Atoi). */
static int cr__write_pid_file(const char *path, pid_t pid, cr_err *err) {
    char pidstr[32], dir[PATH_MAX], *slash;
    int dfd, r;
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash) { *slash = 0; dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC); }
    else dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return cr__errno(err, "--pid-file \"%s\"", path);
    r = cr__write_atomic(dfd, slash ? slash + 1 : dir, pidstr, strlen(pidstr), 0, err);
    close(dfd);
    return r < 0 ? cr_err_wrap(err, "--pid-file \"%s\"", path) : 0;
}

static int cr__write_str(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC), r;
    if (fd < 0) return -1;
    r = cr__write_all(fd, s, strlen(s));
    if (close(fd) < 0) r = -1;
    return r;
}

CR_API int cr_util_reexec_sealed(char **argv, cr_err *err) {
    extern char **environ;
    int self, mfd, seals;
    struct stat st;
    off_t off = 0;
    self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) return cr__errno(err, "open /proc/self/exe");
    seals = fcntl(self, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE)) { close(self); return 0; }
    mfd = (int)syscall(SYS_memfd_create, "cr", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0) mfd = (int)syscall(SYS_memfd_create, "cr", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) { close(self); return cr__errno(err, "memfd_create"); }
    if (fstat(self, &st) < 0) goto fail;
    while (off < st.st_size) {
        ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
        if (n <= 0) { if (n < 0 && errno == EINTR) continue; goto fail; }
    }
    if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) goto fail;
    close(self);
    fexecve(mfd, argv, environ);
    close(mfd);
    return cr__errno(err, "re-exec from sealed copy");
fail:
    close(self); close(mfd);
    return cr__errno(err, "copy /proc/self/exe to sealed memfd");
}

CR_API int cr_util_send_fd(int sock, int fd, const void *data, size_t len) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    char dummy = 0;
    struct iovec iov = { (void *)(data ? data : &dummy), data ? len : 1 };
    struct msghdr msg = {0};
    msg.msg_iov = &iov; msg.msg_iovlen = 1;
    if (fd >= 0) {
        struct cmsghdr *c;
        memset(cbuf, 0, sizeof cbuf);
        msg.msg_control = cbuf; msg.msg_controllen = sizeof cbuf;
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) if (errno != EINTR) return -errno;
    return 0;
}

CR_API int cr_util_recv_fd(int sock, int *fd, void *data, size_t len) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    char dummy;
    struct iovec iov = { data ? data : &dummy, data ? len : 1 };
    struct msghdr msg = {0};
    struct cmsghdr *c;
    ssize_t n;
    msg.msg_iov = &iov; msg.msg_iovlen = 1;
    msg.msg_control = cbuf; msg.msg_controllen = sizeof cbuf;
    *fd = -1;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0) if (errno != EINTR) return -errno;
    for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
    return (int)n;
}

static const struct { const char *name; int sig; } cr__signals[] = {
    {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL}, {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"IOT", SIGIOT}, {"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL},
    {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU}, {"URG", SIGURG}, {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR}, {"SYS", SIGSYS},
};

CR_API int cr_util_signal_parse(const char *s) {
    char *end;
    size_t i;
    long n;
    if (!s || !*s) return -1;
    if (*s >= '0' && *s <= '9') {
        errno = 0;
        n = strtol(s, &end, 10);
        /* 0 sends nothing: kill's liveness check */
        return (*end || errno || n < 0 || n > SIGRTMAX) ? -1 : (int)n;
    }
    if (!strncasecmp(s, "SIG", 3)) s += 3;
    for (i = 0; i < sizeof cr__signals / sizeof *cr__signals; i++)
        if (!strcasecmp(s, cr__signals[i].name)) return cr__signals[i].sig;
    if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
        int base = !strncasecmp(s, "RTMIN", 5) ? SIGRTMIN : SIGRTMAX;
        if (!s[5]) return base;
        n = strtol(s + 5, &end, 10);
        if (*end || n < -32 || n > 32) return -1;
        n += base;
        return (n < SIGRTMIN || n > SIGRTMAX) ? -1 : (int)n;
    }
    return -1;
}

CR_API int cr_util_parse_size(const char *s, int64_t *out) {
    /* at most 6 digits of a fraction count: 10^6 << 40 still fits */
    uint64_t whole = 0, frac = 0, scale = 1, v;
    int neg = *s == '-', shift = 0;
    const char *p = s + neg;
    if (!isdigit((unsigned char)*p)) return -EINVAL;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10) return -ERANGE;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        if (!isdigit((unsigned char)*++p)) return -EINVAL;
        for (; isdigit((unsigned char)*p); p++)
            if (scale < 1000000) { frac = frac * 10 + (uint64_t)(*p - '0'); scale *= 10; }
    }
    switch (tolower((unsigned char)*p)) {
    case 'k': shift = 10; p++; break;
    case 'm': shift = 20; p++; break;
    case 'g': shift = 30; p++; break;
    case 't': shift = 40; p++; break;
    }
    if (*p == 'b' || *p == 'B') p++;
    if (*p) return -EINVAL;
    if (whole > ((uint64_t)INT64_MAX >> shift)) return -ERANGE;
    v = (whole << shift) + (frac << shift) / scale;
    if (v > (uint64_t)INT64_MAX) return -ERANGE;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

CR_API const char *cr_util_signal_name(int sig) {
    static char buf[16];
    size_t i;
    for (i = 0; i < sizeof cr__signals / sizeof *cr__signals; i++)
        if (cr__signals[i].sig == sig) { snprintf(buf, sizeof buf, "SIG%s", cr__signals[i].name); return buf; }
    snprintf(buf, sizeof buf, "%d", sig);
    return buf;
}

/* Opens path inside root, so that symlinks and ".." can never leave it.
   openat2(RESOLVE_IN_ROOT) where the kernel has it; otherwise a component
   walk that resolves symlinks itself against the root. */
static int cr__open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, int depth);
static int cr__open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
    static int no_openat2;
    if (!no_openat2) {
        struct cr__open_how how = {0};
        int fd;
        how.flags = (uint64_t)(flags | O_CLOEXEC);
        how.mode = (flags & O_CREAT) ? mode : 0;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return fd;
        no_openat2 = 1;
    }
    return cr__open_in_root_walk(rootfd, path, flags, mode, 0);
}

static int cr__open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, int depth) {
    char done[PATH_MAX] = "", comp[NAME_MAX + 1];
    const char *p = path;
    int cur;
    if (depth > 40) { errno = ELOOP; return -1; }
    cur = dup(rootfd);
    if (cur < 0) return -1;
    while (*p) {
        size_t n;
        int next, last;
        struct stat st;
        while (*p == '/') p++;
        if (!*p) break;
        n = strcspn(p, "/");
        if (n > NAME_MAX) { close(cur); errno = ENAMETOOLONG; return -1; }
        memcpy(comp, p, n); comp[n] = 0;
        p += n;
        while (*p == '/') p++;
        last = !*p;
        if (!strcmp(comp, ".")) continue;
        if (!strcmp(comp, "..")) {
            /* restart from the root with the parent of what was resolved */
            char *slash = strrchr(done, '/');
            char again[PATH_MAX];
            if (slash) *slash = 0; else done[0] = 0;
            snprintf(again, sizeof again, "%s/%s", done, p);
            close(cur);
            return cr__open_in_root_walk(rootfd, again, flags, mode, depth + 1);
        }
        if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode) &&
            (!last || !(flags & O_NOFOLLOW))) {
            char target[PATH_MAX], again[PATH_MAX * 2 + 2];
            ssize_t tl = readlinkat(cur, comp, target, sizeof target - 1);
            close(cur);
            if (tl < 0) return -1;
            target[tl] = 0;
            if (target[0] == '/') snprintf(again, sizeof again, "%s/%s", target, p);
            else snprintf(again, sizeof again, "%s/%s/%s", done, target, p);
            return cr__open_in_root_walk(rootfd, again, flags, mode, depth + 1);
        }
        if (last) {
            next = openat(cur, comp, flags | O_CLOEXEC | O_NOFOLLOW, mode);
            close(cur);
            return next;
        }
        next = openat(cur, comp, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        close(cur);
        if (next < 0) return -1;
        cur = next;
        if (strlen(done) + n + 2 > sizeof done) { close(cur); errno = ENAMETOOLONG; return -1; }
        strcat(done, "/"); strcat(done, comp);
    }
    if (flags & O_PATH) return cur;
    {
        int fd = openat(cur, ".", flags | O_CLOEXEC, mode);
        close(cur);
        return fd;
    }
}

/* Removes name in dirfd, the whole tree if it is a directory, never
   following a symlink. Iterative, with one directory fd open at a time and
   the names on the way down kept on the heap: a layer can build a tree
   deeper than any stack or fd table (a symlink in a parent path lets names
   go past PATH_MAX). ENOENT is success. */
static int cr__rm_rf(int dirfd, const char *name) {
    cr_buf down = {0};               /* NUL-terminated names from name to the current dir */
    int cur, e;
    if (!unlinkat(dirfd, name, 0) || errno == ENOENT) return 0;
    if (errno != EISDIR) return -1;
    cur = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (cur < 0) return -1;
    cr_buf_add(&down, name, strlen(name) + 1);
    for (;;) {
        char sub[NAME_MAX + 1] = "";
        struct dirent *de;
        int fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) { if (fd >= 0) close(fd); goto fail; }
        while ((de = readdir(d))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            if (!unlinkat(cur, de->d_name, 0) || errno == ENOENT) continue;
            if (errno != EISDIR) { closedir(d); goto fail; }
            if (!sub[0]) snprintf(sub, sizeof sub, "%s", de->d_name);
        }
        closedir(d);
        if (down.oom) { errno = ENOMEM; goto fail; }
        if (sub[0]) {              /* go down into the first subdirectory */
            int next = openat(cur, sub, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next < 0) goto fail;
            close(cur);
            cur = next;
            cr_buf_add(&down, sub, strlen(sub) + 1);
            continue;
        }
        {                          /* empty: remove it from its parent and look there again */
            size_t start = down.len - 1;
            int top, parent;
            while (start && down.data[start - 1]) start--;
            top = start == 0;
            parent = top ? dirfd : openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (!top && parent < 0) goto fail;
            close(cur);
            cur = -1;
            if (unlinkat(parent, down.data + start, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                if (!top) { e = errno; close(parent); errno = e; }
                goto fail;
            }
            if (top) break;
            down.len = start;
            cur = parent;
        }
    }
    cr_buf_free(&down);
    return 0;
fail:
    e = errno;
    if (cur >= 0) close(cur);
    cr_buf_free(&down);
    errno = e;
    return -1;
}

/* Creates every missing directory of path inside root; returns an O_PATH fd
   of the last one. */
/* The path inside the root that path names once its symlinks are followed
   there, dangling ones included: what a missing component starts is kept as
   written ("." and ".." taken lexically, never above the root). A hint to
   create from: whoever uses it still resolves it inside the root. */
static int cr__resolve_in_root(int rootfd, const char *path, char *out, size_t n) {
    char rest[PATH_MAX * 2 + 2], comp[NAME_MAX + 1], target[PATH_MAX];
    const char *p;
    size_t len = 0, k;
    int links = 0, missing = 0;
    struct stat st;
    snprintf(rest, sizeof rest, "%s", path);
    out[0] = 0;
    for (p = rest; *p;) {
        while (*p == '/') p++;
        if (!*p) break;
        if ((k = strcspn(p, "/")) > NAME_MAX) { errno = ENAMETOOLONG; return -1; }
        memcpy(comp, p, k); comp[k] = 0;
        p += k;
        if (!strcmp(comp, ".")) continue;
        if (!strcmp(comp, "..")) { while (len && out[--len] != '/') ; out[len] = 0; continue; }
        if (len + k + 2 > n) { errno = ENAMETOOLONG; return -1; }
        out[len] = '/'; memcpy(out + len + 1, comp, k + 1);
        if (!missing && fstatat(rootfd, out + 1, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) return -1;
            missing = 1;
        } else if (!missing && S_ISLNK(st.st_mode)) {
            ssize_t tl = readlinkat(rootfd, out + 1, target, sizeof target - 1);
            char again[sizeof rest];
            if (tl < 0) return -1;
            if (++links > 40) { errno = ELOOP; return -1; }
            target[tl] = 0;
            out[len] = 0;
            if (target[0] == '/') len = 0, out[0] = 0;
            snprintf(again, sizeof again, "%s/%s", target, p);
            snprintf(rest, sizeof rest, "%s", again);
            p = rest;
            continue;
        }
        len += k + 1;
    }
    if (!len) snprintf(out, n, "/");
    return 0;
}

static int cr__mkdir_in_root(int rootfd, const char *path, mode_t mode) {
    char buf[PATH_MAX], *p;
    snprintf(buf, sizeof buf, "%s", path);
    for (p = buf; ; p++) {
        if (*p == '/' || !*p) {
            char save = *p;
            *p = 0;
            if (*buf) {
                int fd = cr__open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0);
                if (fd < 0) {
                    char *slash = strrchr(buf, '/');
                    int parent;
                    if (errno != ENOENT) return -1;
                    if (slash && slash != buf) { *slash = 0; parent = cr__open_in_root(rootfd, buf, O_PATH | O_DIRECTORY, 0); *slash = '/'; }
                    else parent = dup(rootfd);
                    if (parent < 0) return -1;
                    if (mkdirat(parent, slash ? slash + 1 : buf, mode) < 0 && errno != EEXIST) { close(parent); return -1; }
                    close(parent);
                } else close(fd);
            }
            *p = save;
            if (!save) break;
        }
    }
    return cr__open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
}

static uint64_t cr__pid_start_time(pid_t pid) {
    char path[64], buf[1024], *p;
    int fd;
    ssize_t n;
    unsigned long long start = 0;
    int field;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p) return 0;
    /* field 3 is the state right after ") "; starttime is field 22 */
    for (field = 2; *p && field < 22; p++) if (*p == ' ') field++;
    sscanf(p, "%llu", &start);
    return start;
}

static char cr__pid_state(pid_t pid) {
    char path[64], buf[512], *p;
    int fd;
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    p = strrchr(buf, ')');
    return (p && p[1] == ' ') ? p[2] : 0;
}

static char *cr__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)CR_MALLOC(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Zeroed memory for n elements of size bytes; NULL on overflow or out of memory. */
static void *cr__calloc(size_t n, size_t size) {
    void *p;
    if (size && n > SIZE_MAX / size) return NULL;
    if ((p = CR_MALLOC(n * size + 1))) memset(p, 0, n * size);
    return p;
}

static int cr__name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void cr__dir_names_free(char **names, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) CR_FREE(names[i]);
    CR_FREE(names);
}

/* The entries of dir but "." and "..", sorted (scandir's alphasort without
   its malloc): 0, or -errno with nothing allocated. */
static int cr__dir_names(const char *dir, char ***names, size_t *count) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    *names = NULL;
    *count = 0;
    if (!d) return -errno;
    while (!r && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n == cap) {
            char **p = (char **)CR_REALLOC(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
            if (!p) { r = -ENOMEM; break; }
            v = p;
        }
        if (!(v[n] = cr__strdup(e->d_name))) r = -ENOMEM;
        else n++;
    }
    closedir(d);
    if (r < 0) { cr__dir_names_free(v, n); return r; }
    if (n) qsort(v, n, sizeof *v, cr__name_cmp);
    *names = v;
    *count = n;
    return 0;
}

static int cr__mkdir_p(const char *path, mode_t mode) {
    char buf[PATH_MAX], *p;
    snprintf(buf, sizeof buf, "%s", path);
    for (p = buf + 1; *p; p++)
        if (*p == '/') { *p = 0; if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1; *p = '/'; }
    return (mkdir(buf, mode) < 0 && errno != EEXIST) ? -1 : 0;
}

static void cr__now_rfc3339(char *out, size_t n) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

#ifndef CR_NO_REGISTRY
#include <bearssl.h>

/* ---- SHA-256: the x86 SHA extensions when the CPU has them, else BearSSL ---- */

/* Blobs and layers are hashed at every pull (the compressed blob and the
   uncompressed stream): with SHA-NI that costs a tenth of the software
   rounds, which otherwise take as long as the decompression. */
typedef struct cr__sha256 {
    br_sha256_context br;       /* without SHA-NI */
    uint32_t h[8];
    unsigned char buf[64];
    uint64_t n;                 /* bytes hashed */
    int ni;
} cr__sha256;

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define CR__SHA_NI 1

static const uint32_t cr__sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2 };

static int cr__sha_ni_ok(void) {
    static int have = -1;
    int h = __atomic_load_n(&have, __ATOMIC_RELAXED);
    unsigned a, b, c, d;
    if (h >= 0) return h;
    h = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
        __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
    __atomic_store_n(&have, h, __ATOMIC_RELAXED);
    return h;
}

/* SHA256RNDS2 keeps the state as two vectors, A B E F and C D G H (A in the
   top lane); each call runs two rounds, so the vector that held ABEF holds
   the next CDGH. SHA256MSG1/MSG2 extend the message four words at a time. */
__attribute__((target("sha,ssse3,sse4.1")))
static void cr__sha256_ni_blocks(uint32_t st[8], const unsigned char *p, size_t nblocks) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abef, cdgh, t, u, sa, sc, w, m0, m1, m2, m3;
    int i;
    t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)st), 0xb1);         /* B A D C */
    u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(st + 4)), 0x1b);   /* H G F E */
    abef = _mm_alignr_epi8(t, u, 8);
    cdgh = _mm_blend_epi16(u, t, 0xf0);
#define CR__SHA_ROUNDS(m, k) \
    w = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(cr__sha256_k + 4 * (k)))); \
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, w); \
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(w, 0x0e))
#define CR__SHA_NEXT(a, b, c, d) \
    a = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(a, b), _mm_alignr_epi8(d, c, 4)), d)
    for (; nblocks; nblocks--, p += 64) {
        sa = abef;
        sc = cdgh;
        m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);        CR__SHA_ROUNDS(m0, 0);
        m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap); CR__SHA_ROUNDS(m1, 1);
        m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap); CR__SHA_ROUNDS(m2, 2);
        m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap); CR__SHA_ROUNDS(m3, 3);
        for (i = 4; i < 16; i += 4) {
            CR__SHA_NEXT(m0, m1, m2, m3); CR__SHA_ROUNDS(m0, i);
            CR__SHA_NEXT(m1, m2, m3, m0); CR__SHA_ROUNDS(m1, i + 1);
            CR__SHA_NEXT(m2, m3, m0, m1); CR__SHA_ROUNDS(m2, i + 2);
            CR__SHA_NEXT(m3, m0, m1, m2); CR__SHA_ROUNDS(m3, i + 3);
        }
        abef = _mm_add_epi32(abef, sa);
        cdgh = _mm_add_epi32(cdgh, sc);
    }
#undef CR__SHA_ROUNDS
#undef CR__SHA_NEXT
    t = _mm_shuffle_epi32(abef, 0x1b);   /* A B E F */
    u = _mm_shuffle_epi32(cdgh, 0xb1);   /* G H C D */
    _mm_storeu_si128((__m128i *)st, _mm_blend_epi16(t, u, 0xf0));
    _mm_storeu_si128((__m128i *)(st + 4), _mm_alignr_epi8(u, t, 8));
}
#endif

static void cr__sha256_init(cr__sha256 *s) {
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memset(s, 0, sizeof *s);
#ifdef CR__SHA_NI
    s->ni = cr__sha_ni_ok();
#endif
    if (!s->ni) br_sha256_init(&s->br);
    memcpy(s->h, iv, sizeof iv);
}

static void cr__sha256_update(cr__sha256 *s, const void *data, size_t n) {
#ifdef CR__SHA_NI
    const unsigned char *p = (const unsigned char *)data;
    size_t k = (size_t)(s->n & 63);
    if (s->ni) {
        s->n += n;
        if (k) {
            size_t take = 64 - k < n ? 64 - k : n;
            memcpy(s->buf + k, p, take);
            p += take;
            n -= take;
            if (k + take < 64) return;
            cr__sha256_ni_blocks(s->h, s->buf, 1);
        }
        if (n >= 64) cr__sha256_ni_blocks(s->h, p, n / 64);
        memcpy(s->buf, p + (n & ~(size_t)63), n & 63);
        return;
    }
#endif
    br_sha256_update(&s->br, data, n);
}

static void cr__sha256_out(cr__sha256 *s, unsigned char out[32]) {
    unsigned char pad[CR_SHA256_DIGEST_MAX];
    size_t k = (size_t)(s->n & 63), padn = (k < 56 ? 56 : 120) - k;
    uint64_t bits = s->n * 8;
    int i;
    if (!s->ni) { br_sha256_out(&s->br, out); return; }
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (i = 0; i < 8; i++) pad[padn + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
    cr__sha256_update(s, pad, padn + 8);
    for (i = 0; i < 32; i++) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void cr__sha256_digest(cr__sha256 *h, char out[CR_SHA256_DIGEST_MAX]) {
    unsigned char d[32];
    int i;
    cr__sha256_out(h, d);
    memcpy(out, "sha256:", 7);
    for (i = 0; i < 32; i++) snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

static void cr__sha256_bytes(const void *p, size_t n, char out[CR_SHA256_DIGEST_MAX]) {
    cr__sha256 h;
    cr__sha256_init(&h);
    cr__sha256_update(&h, p, n);
    cr__sha256_digest(&h, out);
}
#endif /* CR_NO_REGISTRY */





/* ==========================================================================
 * >>json — cr_json_*: bounded RFC 8259 parser and a compact writer
 * ========================================================================== */
/* Rules (config.json and image configs are untrusted):
   - strict RFC 8259: no comments, trailing commas, leading zeros, NaN,
     Infinity, single quotes or raw control characters in strings; one value,
     then only whitespace; a leading UTF-8 BOM is an error.
   - the input must be valid UTF-8 (no overlongs, no UTF-8-encoded
     surrogates, nothing above U+10FFFF); \u escapes must pair surrogates and
     must not produce U+0000, so every string is a plain C string.
   - a duplicate key in one object is an error: parsers disagree on which
     one wins, so accepting it lets two tools read different configs.
   - bounded: nesting <= CR_JSON_MAX_DEPTH with an explicit stack; time is
     linear but for sorting each object's keys to find duplicates
     (O(n log n), never quadratic). A first pass validates and counts nodes
     and string bytes, the second fills one block.
   Writer: strings are escaped (", \, control characters) and invalid UTF-8
   bytes become U+FFFD, so the output always parses. */
#include <float.h>

typedef struct cr__json_p {
    const unsigned char *s;
    size_t n;
    cr_json *nodes;   /* NULL during the counting pass */
    char *pool;       /* decoded strings and number literals */
    size_t nn, np;    /* nodes and pool bytes used */
    cr_json **sort;   /* build pass: scratch for the duplicate check */
    size_t *koff;     /* build pass: offset of each node's key, for errors */
    cr_err *err;
} cr__json_p;

static int cr__json_fail(cr__json_p *p, size_t off, const char *fmt, ...) {
    char m[256];
    size_t i, line = 1, col = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    for (i = 0; i < off && i < p->n; i++) {   /* columns count characters, not bytes */
        if (p->s[i] == '\n') line++, col = 1;
        else if ((p->s[i] & 0xC0) != 0x80) col++;
    }
    return cr_err_set(p->err, EINVAL, "line %zu column %zu (offset %zu): %s", line, col, off, m);
}

static int cr__json_expect(cr__json_p *p, size_t i, const char *what) {
    if (i >= p->n) return cr__json_fail(p, i, "%s, found end of input", what);
    if (p->s[i] > 0x20 && p->s[i] < 0x7F) return cr__json_fail(p, i, "%s, found '%c'", what, p->s[i]);
    return cr__json_fail(p, i, "%s, found byte 0x%02x", what, p->s[i]);
}

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), 0 if none. */
static size_t cr__json_utf8(const unsigned char *s, size_t n) {
    unsigned lo = 0x80, hi = 0xBF;
    size_t k, i;
    if (s[0] < 0x80) return 1;
    if (s[0] < 0xC2) return 0;
    if (s[0] < 0xE0) k = 2;
    else if (s[0] < 0xF0) { k = 3; if (s[0] == 0xE0) lo = 0xA0; else if (s[0] == 0xED) hi = 0x9F; }
    else if (s[0] < 0xF5) { k = 4; if (s[0] == 0xF0) lo = 0x90; else if (s[0] == 0xF4) hi = 0x8F; }
    else return 0;
    if (n < k || s[1] < lo || s[1] > hi) return 0;
    for (i = 2; i < k; i++) if ((s[i] & 0xC0) != 0x80) return 0;
    return k;
}

static int cr__json_hex4(cr__json_p *p, size_t i, uint32_t *c) {
    size_t k;
    *c = 0;
    for (k = i; k < i + 4; k++) {
        unsigned d = k < p->n ? p->s[k] : 0;
        if (d >= '0' && d <= '9') d -= '0';
        else if ((d | 0x20) >= 'a' && (d | 0x20) <= 'f') d = (d | 0x20) - 'a' + 10;
        else return cr__json_fail(p, i - 2, "invalid \\u escape (needs 4 hex digits)");
        *c = *c << 4 | d;
    }
    return 0;
}

/* Validates the string at s[*i] == '"', decodes it into dst unless NULL,
   and stores its decoded length; *i moves past the closing quote. */
static int cr__json_str(cr__json_p *p, size_t *i, char *dst, size_t *len) {
    const unsigned char *s = p->s;
    size_t j = *i + 1, o = 0, k;
    uint32_t c, lo;
    for (;;) {
        if (j >= p->n) return cr__json_fail(p, *i, "unterminated string");
        c = s[j];
        if (c == '"') break;
        if (c < 0x20) return cr__json_fail(p, j, "control character 0x%02x in string (must be escaped)", (unsigned)c);
        if (c >= 0x80) {
            if (!(k = cr__json_utf8(s + j, p->n - j))) return cr__json_fail(p, j, "invalid UTF-8 byte 0x%02x in string", (unsigned)c);
            if (dst) memcpy(dst + o, s + j, k);
            o += k, j += k;
            continue;
        }
        if (c != '\\') { if (dst) dst[o] = (char)c; o++, j++; continue; }
        if (j + 1 >= p->n) return cr__json_fail(p, *i, "unterminated string");
        switch (s[j + 1]) {
        case '"': case '\\': case '/': c = s[j + 1]; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u':
            if (cr__json_hex4(p, j + 2, &c)) return -EINVAL;
            if (c >= 0xDC00 && c <= 0xDFFF) return cr__json_fail(p, j, "lone surrogate \\u%04X", (unsigned)c);
            if (c >= 0xD800 && c <= 0xDBFF) {
                if (j + 7 >= p->n || s[j + 6] != '\\' || s[j + 7] != 'u') return cr__json_fail(p, j, "lone surrogate \\u%04X", (unsigned)c);
                if (cr__json_hex4(p, j + 8, &lo)) return -EINVAL;
                if (lo < 0xDC00 || lo > 0xDFFF) return cr__json_fail(p, j, "lone surrogate \\u%04X", (unsigned)c);
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                j += 6;
            }
            if (!c) return cr__json_fail(p, j, "\\u0000 is not allowed in strings");
            j += 6;
            k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (dst) {
                unsigned char *u = (unsigned char *)dst + o;
                if (k == 1) u[0] = (unsigned char)c;
                else if (k == 2) u[0] = (unsigned char)(0xC0 | c >> 6);
                else if (k == 3) u[0] = (unsigned char)(0xE0 | c >> 12), u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
                else u[0] = (unsigned char)(0xF0 | c >> 18), u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F)),
                     u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
                if (k > 1) u[k - 1] = (unsigned char)(0x80 | (c & 0x3F));
            }
            o += k;
            continue;
        default:
            return cr__json_fail(p, j, "invalid escape '\\%c'", s[j + 1] > 0x20 && s[j + 1] < 0x7F ? s[j + 1] : '?');
        }
        if (dst) dst[o] = (char)c;
        o++, j += 2;
    }
    if (dst) dst[o] = 0;
    *i = j + 1;
    *len = o;
    return 0;
}

static int cr__json_digit(const cr__json_p *p, size_t i) { return i < p->n && p->s[i] >= '0' && p->s[i] <= '9'; }

/* Validates the number at *i and moves *i past it. */
static int cr__json_num(cr__json_p *p, size_t *i) {
    size_t j = *i + (p->s[*i] == '-');
    if (!cr__json_digit(p, j)) return cr__json_expect(p, j, "expected a digit after '-'");
    if (p->s[j] == '0' && cr__json_digit(p, j + 1)) return cr__json_fail(p, j, "leading zeros are not allowed in numbers");
    while (cr__json_digit(p, j)) j++;
    if (j < p->n && p->s[j] == '.') {
        if (!cr__json_digit(p, ++j)) return cr__json_expect(p, j, "expected a digit after '.'");
        while (cr__json_digit(p, j)) j++;
    }
    if (j < p->n && (p->s[j] | 0x20) == 'e') {
        j++;
        if (j < p->n && (p->s[j] == '+' || p->s[j] == '-')) j++;
        if (!cr__json_digit(p, j)) return cr__json_expect(p, j, "expected a digit in the exponent");
        while (cr__json_digit(p, j)) j++;
    }
    *i = j;
    return 0;
}

static int cr__json_keycmp(const void *a, const void *b) {
    const cr_json *x = *(const cr_json *const *)a, *y = *(const cr_json *const *)b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x > y) - (x < y);
}

/* Reports the first member (in document order) whose key appeared before. */
static int cr__json_dups(cr__json_p *p, const cr_json *o) {
    cr_json *m, *dup = NULL;
    size_t k = 0, i;
    char q[CR_SHA256_DIGEST_MAX];
    if (o->len < 2) return 0;
    for (m = o->child; m; m = m->next) p->sort[k++] = m;
    qsort(p->sort, k, sizeof *p->sort, cr__json_keycmp);
    for (i = 1; i < k; i++)
        if (!strcmp(p->sort[i - 1]->key, p->sort[i]->key) && (!dup || p->sort[i] < dup)) dup = p->sort[i];
    if (!dup) return 0;
    /* the key is untrusted: keep the message short and free of control characters */
    for (i = 0; dup->key[i] && i < 64; i++) q[i] = (unsigned char)dup->key[i] < 0x20 || dup->key[i] == 0x7F ? '?' : dup->key[i];
    if (dup->key[i]) {
        while (i && ((unsigned char)dup->key[i] & 0xC0) == 0x80) i--;   /* cut on a character boundary */
        memcpy(q + i, "...", 3), i += 3;
    }
    q[i] = 0;
    return cr__json_fail(p, p->koff[dup - p->nodes], "duplicate key \"%s\" in object", q);
}

static size_t cr__json_ws(const cr__json_p *p, size_t i) {
    while (i < p->n && (p->s[i] == ' ' || p->s[i] == '\n' || p->s[i] == '\r' || p->s[i] == '\t')) i++;
    return i;
}

/* One pass over the text; builds the tree when p->nodes is set, else only
   validates and counts. Both passes take identical steps. */
static int cr__json_run(cr__json_p *p) {
    static const char *const lit[] = { "null", "false", "true" };
    enum { VALUE, KEY, AFTER } st = VALUE;
    unsigned char obj[CR_JSON_MAX_DEPTH];
    cr_json *up[CR_JSON_MAX_DEPTH], *last[CR_JSON_MAX_DEPTH], *v = NULL;
    const char *key = NULL;
    size_t i = 0, d = 0, ko = 0, len, start;
    int t;
    for (;;) {
        i = cr__json_ws(p, i);
        if (st == KEY) {
            if (i >= p->n || p->s[i] != '"') return cr__json_expect(p, i, "expected a string (object key)");
            ko = i;
            if (cr__json_str(p, &i, p->nodes ? p->pool + p->np : NULL, &len)) return -EINVAL;
            key = p->nodes ? p->pool + p->np : NULL;
            p->np += len + 1;
            i = cr__json_ws(p, i);
            if (i >= p->n || p->s[i] != ':') return cr__json_expect(p, i, "expected ':' after object key");
            i++;
            st = VALUE;
            continue;
        }
        if (st == AFTER) {
            if (!d) return i < p->n ? cr__json_expect(p, i, "unexpected data after the JSON value") : 0;
            if (i < p->n && p->s[i] == ',') { i++; st = obj[d - 1] ? KEY : VALUE; continue; }
            if (i < p->n && p->s[i] == (obj[d - 1] ? '}' : ']')) {
                i++, d--;
                if (p->nodes && obj[d] && cr__json_dups(p, up[d])) return -EINVAL;
                continue;
            }
            return cr__json_expect(p, i, obj[d - 1] ? "expected ',' or '}' after object member"
                                                   : "expected ',' or ']' after array element");
        }
        if (i >= p->n) return cr__json_expect(p, i, "expected a value");
        if (p->nodes) {
            v = &p->nodes[p->nn];
            memset(v, 0, sizeof *v);
            v->key = key;
            p->koff[p->nn] = ko;
            if (d) {
                if (last[d - 1]) last[d - 1]->next = v;
                else up[d - 1]->child = v;
                last[d - 1] = v;
                up[d - 1]->len++;
            }
        }
        p->nn++;
        key = NULL;
        st = AFTER;
        switch (p->s[i]) {
        case '{': case '[':
            if (d == CR_JSON_MAX_DEPTH) return cr__json_fail(p, i, "nesting deeper than %d levels", CR_JSON_MAX_DEPTH);
            obj[d] = p->s[i] == '{';
            if (v) {
                v->type = obj[d] ? CR_JSON_OBJECT : CR_JSON_ARRAY;
                up[d] = v;
                last[d] = NULL;
            }
            i = cr__json_ws(p, i + 1);
            if (i < p->n && p->s[i] == (obj[d] ? '}' : ']')) i++;   /* empty */
            else st = obj[d++] ? KEY : VALUE;
            break;
        case '"':
            if (cr__json_str(p, &i, p->nodes ? p->pool + p->np : NULL, &len)) return -EINVAL;
            if (v) {
                v->type = CR_JSON_STRING;
                v->str = p->pool + p->np;
                v->len = len;
            }
            p->np += len + 1;
            break;
        case 'n': case 'f': case 't':
            t = p->s[i] == 'n' ? 0 : p->s[i] == 'f' ? 1 : 2;
            len = strlen(lit[t]);
            if (p->n - i < len || memcmp(p->s + i, lit[t], len)) return cr__json_fail(p, i, "invalid literal (expected true, false or null)");
            if (v) v->type = (cr_json_type)(CR_JSON_NULL + t);
            i += len;
            break;
        default:
            if (p->s[i] != '-' && (p->s[i] < '0' || p->s[i] > '9')) return cr__json_expect(p, i, "expected a value");
            start = i;
            if (cr__json_num(p, &i)) return -EINVAL;
            if (v) {
                v->type = CR_JSON_NUMBER;
                v->str = p->pool + p->np;
                memcpy(p->pool + p->np, p->s + start, i - start);
                p->pool[p->np + i - start] = 0;
            }
            p->np += i - start + 1;
        }
    }
}

CR_API int cr_json_parse(const char *text, size_t len, cr_json **out, cr_err *err) {
    cr__json_p p;
    size_t nn;
    int r;
    *out = NULL;
    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)text;
    p.n = len;
    p.err = err;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) return cr__json_fail(&p, 0, "UTF-8 byte order mark is not allowed");
    if ((r = cr__json_run(&p)) < 0) return r;
    nn = p.nn;
    if (nn > (SIZE_MAX - p.np) / sizeof(cr_json))
        return cr_err_set(err, ENOMEM, "JSON text too large");
    p.nodes = (cr_json *)CR_MALLOC(nn * sizeof(cr_json) + p.np);
    p.sort = (cr_json **)CR_MALLOC(nn * sizeof(cr_json *));
    p.koff = (size_t *)CR_MALLOC(nn * sizeof(size_t));
    if (p.nodes && p.sort && p.koff) {
        p.pool = (char *)(p.nodes + nn);
        p.nn = p.np = 0;
        r = cr__json_run(&p);
    } else {
        r = cr_err_set(err, ENOMEM, "out of memory parsing %zu bytes of JSON", len);
    }
    CR_FREE(p.sort);
    CR_FREE(p.koff);
    if (r < 0) CR_FREE(p.nodes);
    else *out = p.nodes;
    return r;
}

CR_API void cr_json_free(cr_json *root) { CR_FREE(root); }

CR_API cr_json *cr_json_get(const cr_json *obj, const char *key) {
    cr_json *m;
    if (!obj || obj->type != CR_JSON_OBJECT || !key) return NULL;
    for (m = obj->child; m; m = m->next)
        if (m->key && !strcmp(m->key, key)) return m;
    return NULL;
}

CR_API const char *cr_json_type_name(cr_json_type t) {
    switch (t) {
    case CR_JSON_NULL: return "null";
    case CR_JSON_FALSE: case CR_JSON_TRUE: return "boolean";
    case CR_JSON_NUMBER: return "number";
    case CR_JSON_STRING: return "string";
    case CR_JSON_ARRAY: return "array";
    case CR_JSON_OBJECT: return "object";
    }
    return "invalid";
}

/* Splits an exact integer literal into sign and magnitude. */
static int cr__json_int(const cr_json *v, int *neg, uint64_t *mag) {
    const char *s;
    size_t k;
    if (!v || v->type != CR_JSON_NUMBER || !v->str) return -EINVAL;
    s = v->str + (*neg = v->str[0] == '-');
    k = strspn(s, "0123456789");
    if (!k || s[k]) return -EINVAL;
    for (*mag = 0; *s; s++) {
        unsigned dg = (unsigned)(*s - '0');
        if (*mag > (UINT64_MAX - dg) / 10) return -ERANGE;
        *mag = *mag * 10 + dg;
    }
    return 0;
}

CR_API int cr_json_i64(const cr_json *v, int64_t *out) {
    uint64_t m;
    int neg, r = cr__json_int(v, &neg, &m);
    if (r) return r;
    if (m > (uint64_t)INT64_MAX + (uint64_t)neg) return -ERANGE;
    *out = neg ? (m ? -(int64_t)(m - 1) - 1 : 0) : (int64_t)m;
    return 0;
}

CR_API int cr_json_u64(const cr_json *v, uint64_t *out) {
    uint64_t m;
    int neg, r = cr__json_int(v, &neg, &m);
    if (r) return r;
    if (neg && m) return -ERANGE;
    *out = m;
    return 0;
}

CR_API int cr_json_double(const cr_json *v, double *out) {
    char *end;
    double x;
    if (!v || v->type != CR_JSON_NUMBER || !v->str) return -EINVAL;
    errno = 0;
    x = strtod(v->str, &end);
    if (end == v->str || *end) return -EINVAL;
    if (errno == ERANGE && (x > DBL_MAX || x < -DBL_MAX)) return -ERANGE;   /* underflow to 0 is fine */
    *out = x;
    return 0;
}

/* first[depth]: 0 = nothing written at this level, 1 = a comma is due, 2 = a key was just written. */
static void cr__json_sep(cr_jw *w) {
    if (w->depth > CR_JSON_MAX_DEPTH) return;   /* too deep: cr__json_open set oom */
    if (w->first[w->depth] == 1) cr_buf_putc(w->b, ',');
    w->first[w->depth] = 1;
}

static void cr__json_quote(cr_jw *w, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0, k;
    char e[6] = { '\\', 'u', '0', '0' };
    cr_buf_putc(w->b, '"');
    while (i < n) {
        if (u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' && u[i] != '\\') { i++; continue; }
        if (u[i] >= 0x80 && (k = cr__json_utf8(u + i, n - i))) { i += k; continue; }
        cr_buf_add(w->b, s + run, i - run);
        switch (u[i]) {
        case '"': cr_buf_add(w->b, "\\\"", 2); break;
        case '\\': cr_buf_add(w->b, "\\\\", 2); break;
        case '\b': cr_buf_add(w->b, "\\b", 2); break;
        case '\f': cr_buf_add(w->b, "\\f", 2); break;
        case '\n': cr_buf_add(w->b, "\\n", 2); break;
        case '\r': cr_buf_add(w->b, "\\r", 2); break;
        case '\t': cr_buf_add(w->b, "\\t", 2); break;
        default:
            if (u[i] >= 0x80) { cr_buf_add(w->b, "\xEF\xBF\xBD", 3); break; }   /* invalid UTF-8 -> U+FFFD */
            e[4] = hex[u[i] >> 4], e[5] = hex[u[i] & 15];
            cr_buf_add(w->b, e, 6);
        }
        run = ++i;
    }
    cr_buf_add(w->b, s + run, n - run);
    cr_buf_putc(w->b, '"');
}

static void cr__json_open(cr_jw *w, char c) {
    cr__json_sep(w);
    cr_buf_putc(w->b, c);
    if (++w->depth > CR_JSON_MAX_DEPTH) w->b->oom = 1;
    else w->first[w->depth] = 0;
}

static void cr__json_close(cr_jw *w, char c) {
    cr_buf_putc(w->b, c);
    if (w->depth > 0) w->depth--;
}

CR_API void cr_jw_init(cr_jw *w, cr_buf *b) { memset(w, 0, sizeof *w); w->b = b; }
CR_API void cr_jw_obj(cr_jw *w) { cr__json_open(w, '{'); }
CR_API void cr_jw_obj_end(cr_jw *w) { cr__json_close(w, '}'); }
CR_API void cr_jw_arr(cr_jw *w) { cr__json_open(w, '['); }
CR_API void cr_jw_arr_end(cr_jw *w) { cr__json_close(w, ']'); }

CR_API void cr_jw_key(cr_jw *w, const char *k) {
    cr__json_sep(w);
    cr__json_quote(w, k, strlen(k));
    cr_buf_putc(w->b, ':');
    if (w->depth <= CR_JSON_MAX_DEPTH) w->first[w->depth] = 2;
}

CR_API void cr_jw_strn(cr_jw *w, const char *s, size_t n) { cr__json_sep(w); cr__json_quote(w, s, n); }
CR_API void cr_jw_str(cr_jw *w, const char *s) {
    if (s) cr_jw_strn(w, s, strlen(s));
    else cr_jw_null(w);
}
CR_API void cr_jw_i64(cr_jw *w, int64_t v) { cr__json_sep(w); cr_buf_printf(w->b, "%lld", (long long)v); }
CR_API void cr_jw_u64(cr_jw *w, uint64_t v) { cr__json_sep(w); cr_buf_printf(w->b, "%llu", (unsigned long long)v); }
CR_API void cr_jw_bool(cr_jw *w, int v) { cr__json_sep(w); cr_buf_puts(w->b, v ? "true" : "false"); }
CR_API void cr_jw_null(cr_jw *w) { cr__json_sep(w); cr_buf_puts(w->b, "null"); }
CR_API void cr_jw_raw(cr_jw *w, const char *json) { cr__json_sep(w); cr_buf_puts(w->b, json); }

/* Iterative, so a hand-built tree cannot overflow the C stack. */
CR_API void cr_jw_value(cr_jw *w, const cr_json *v) {
    const cr_json *stk[CR_JSON_MAX_DEPTH];
    int sp = 0;
    if (!v) { cr_jw_null(w); return; }
    for (;;) {
        if (sp && stk[sp - 1]->type == CR_JSON_OBJECT) cr_jw_key(w, v->key ? v->key : "");
        switch (v->type) {
        case CR_JSON_FALSE: case CR_JSON_TRUE: cr_jw_bool(w, v->type == CR_JSON_TRUE); break;
        case CR_JSON_NUMBER:
            if (v->str) cr_jw_raw(w, v->str);
            else cr_jw_null(w);
            break;
        case CR_JSON_STRING:
            if (v->str) cr_jw_strn(w, v->str, v->len);
            else cr_jw_null(w);
            break;
        case CR_JSON_ARRAY: case CR_JSON_OBJECT:
            cr__json_open(w, v->type == CR_JSON_OBJECT ? '{' : '[');
            if (v->child) {
                if (sp == CR_JSON_MAX_DEPTH) { w->b->oom = 1; return; }
                stk[sp++] = v;
                v = v->child;
                continue;
            }
            cr__json_close(w, v->type == CR_JSON_OBJECT ? '}' : ']');
            break;
        default: cr_jw_null(w);
        }
        while (sp && !v->next) {
            v = stk[--sp];
            cr__json_close(w, v->type == CR_JSON_OBJECT ? '}' : ']');
        }
        if (!sp) return;
        v = v->next;
    }
}

/* A parsed value back as malloc'd JSON text (NULL when out of memory). */
static char *cr__json_text(const cr_json *v) {
    cr_buf b = {0};
    cr_jw w;
    cr_jw_init(&w, &b);
    cr_jw_value(&w, v);
    if (b.oom) cr_buf_free(&b);
    return b.data;
}



/* ==========================================================================
 * >>spec — cr_spec_*: config.json parsed into cr_spec, validated, defaulted
 *
 * Unknown members are ignored, as runtime-spec requires; members of the
 * wrong type, out-of-range numbers, unknown enum strings and relative paths
 * where absolute ones are required are errors naming the member.
 * ========================================================================== */

typedef struct cr__sp { cr_spec *spec; cr__arena *arena; cr_err *err; } cr__sp;

static int cr__sp_type(cr__sp *c, const cr_json *v, cr_json_type want, const char *field) {
    if (!v || v->type == want) return 0;
    if (want == CR_JSON_TRUE && v->type == CR_JSON_FALSE) return 0;
    return cr_err_set(c->err, EINVAL, "%s: expected %s, got %s", field,
                      want == CR_JSON_TRUE ? "a boolean" : cr_json_type_name(want), cr_json_type_name(v->type));
}
static int cr__sp_str(cr__sp *c, const cr_json *obj, const char *key, const char *field, const char **out) {
    const cr_json *v = cr_json_get(obj, key);
    int r = cr__sp_type(c, v, CR_JSON_STRING, field);
    if (!r && v && v->len >= PATH_MAX) return cr_err_set(c->err, ENAMETOOLONG, "%s: longer than %d bytes", field, PATH_MAX - 1);
    if (!r && v) *out = v->str;
    return r;
}
static int cr__sp_bool(cr__sp *c, const cr_json *obj, const char *key, const char *field, int *out) {
    const cr_json *v = cr_json_get(obj, key);
    int r = cr__sp_type(c, v, CR_JSON_TRUE, field);
    if (!r && v) *out = v->type == CR_JSON_TRUE;
    return r;
}
static int cr__sp_i64(cr__sp *c, const cr_json *v, const char *field, int64_t lo, int64_t hi, int64_t *out) {
    int64_t x = 0;
    if (cr__sp_type(c, v, CR_JSON_NUMBER, field)) return -EINVAL;
    if (cr_json_i64(v, &x) < 0 || x < lo || x > hi)
        return cr_err_set(c->err, ERANGE, "%s: %s is not an integer in [%lld, %lld]", field, v->str, (long long)lo, (long long)hi);
    *out = x;
    return 0;
}
static int cr__sp_u64(cr__sp *c, const cr_json *v, const char *field, uint64_t hi, uint64_t *out) {
    uint64_t x = 0;
    if (cr__sp_type(c, v, CR_JSON_NUMBER, field)) return -EINVAL;
    if (cr_json_u64(v, &x) < 0 || x > hi)
        return cr_err_set(c->err, ERANGE, "%s: %s is not an integer in [0, %llu]", field, v->str, (unsigned long long)hi);
    *out = x;
    return 0;
}
static int cr__sp_u32(cr__sp *c, const cr_json *obj, const char *key, const char *field, uint32_t *out, int *present) {
    const cr_json *v = cr_json_get(obj, key);
    uint64_t x;
    if (!v) return 0;
    if (cr__sp_u64(c, v, field, UINT32_MAX, &x)) return -EINVAL;
    *out = (uint32_t)x;
    if (present) *present = 1;
    return 0;
}
/* A JSON array of strings as a NULL-terminated array in the arena. */
static int cr__sp_strv(cr__sp *c, const cr_json *v, const char *field, const char ***out, int *n) {
    const cr_json *e;
    const char **a;
    int i = 0;
    if (!v) return 0;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, field)) return -EINVAL;
    a = (const char **)cr__arena_alloc(c->arena, (v->len + 1) * sizeof *a);
    if (!a) return cr_err_set(c->err, ENOMEM, "%s: out of memory", field);
    for (e = v->child; e; e = e->next, i++) {
        if (e->type != CR_JSON_STRING)
            return cr_err_set(c->err, EINVAL, "%s[%d]: expected string, got %s", field, i, cr_json_type_name(e->type));
        a[i] = e->str;
    }
    *out = a;
    if (n) *n = i;
    return 0;
}

static const char *const cr__cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define CR__NCAPS ((int)(sizeof cr__cap_names / sizeof *cr__cap_names))

CR_API int cr_spec_cap_parse(const char *name) {
    int i;
    for (i = 0; i < CR__NCAPS; i++)
        if (!strcasecmp(name, cr__cap_names[i]) || !strcasecmp(name, cr__cap_names[i] + 4)) return i;
    return -1;
}
CR_API const char *cr_spec_cap_name(int cap) { return cap >= 0 && cap < CR__NCAPS ? cr__cap_names[cap] : NULL; }

static int cr__cap_last(void) {
    static int last = -1;
    if (last < 0) {
        char buf[16] = {0};
        int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { if (read(fd, buf, sizeof buf - 1) > 0) last = atoi(buf); close(fd); }
        if (last <= 0) last = CR__NCAPS - 1;
    }
    return last;
}

static int cr__sp_caps(cr__sp *c, const cr_json *caps, uint64_t out[CR_CAP_SETS]) {
    static const char *const sets[CR_CAP_SETS] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
    int s;
    if (cr__sp_type(c, caps, CR_JSON_OBJECT, "process.capabilities")) return -EINVAL;
    for (s = 0; s < CR_CAP_SETS; s++) {
        const cr_json *v = cr_json_get(caps, sets[s]), *e;
        char field[64];
        int i = 0;
        snprintf(field, sizeof field, "process.capabilities.%s", sets[s]);
        if (!v) continue;
        if (cr__sp_type(c, v, CR_JSON_ARRAY, field)) return -EINVAL;
        for (e = v->child; e; e = e->next, i++) {
            int cap;
            if (e->type != CR_JSON_STRING)
                return cr_err_set(c->err, EINVAL, "%s[%d]: expected string, got %s", field, i, cr_json_type_name(e->type));
            cap = cr_spec_cap_parse(e->str);
            /* runtime-spec 1.1: unknown names are ignored with a warning, as
               runc and crun do, so a newer config runs on an older runtime */
            if (cap < 0 || strncasecmp(e->str, "CAP_", 4)) {
                cr_log(CR_LOG_WARN, "%s[%d]: unknown capability \"%s\", ignored", field, i, e->str);
                continue;
            }
            if (cap > cr__cap_last()) { cr_log(CR_LOG_WARN, "%s: %s is not supported by this kernel, ignored", field, e->str); continue; }
            out[s] |= 1ULL << cap;
        }
    }
    return 0;
}

static const struct { const char *name; int res; } cr__rlimits[] = {
    {"RLIMIT_CPU", RLIMIT_CPU}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

static int cr__sp_user(cr__sp *c, const cr_json *user, cr_process *out) {
    const cr_json *v, *e;
    int i;
    if (cr__sp_type(c, user, CR_JSON_OBJECT, "process.user") ||
        cr__sp_u32(c, user, "uid", "process.user.uid", &out->uid, NULL) ||
        cr__sp_u32(c, user, "gid", "process.user.gid", &out->gid, NULL) ||
        cr__sp_u32(c, user, "umask", "process.user.umask", &out->umask, &out->has_umask)) return -EINVAL;
    if (!(v = cr_json_get(user, "additionalGids"))) return 0;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, "process.user.additionalGids")) return -EINVAL;
    out->gids = (uint32_t *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof *out->gids);
    if (!out->gids) return cr_err_set(c->err, ENOMEM, "out of memory");
    for (i = 0, e = v->child; e; e = e->next, i++) {
        uint64_t g;
        char f[64];
        snprintf(f, sizeof f, "process.user.additionalGids[%d]", i);
        if (cr__sp_u64(c, e, f, UINT32_MAX, &g)) return -EINVAL;
        out->gids[i] = (uint32_t)g;
    }
    out->ngids = i;
    return 0;
}

static int cr__sp_rlimits(cr__sp *c, const cr_json *v, cr_process *out) {
    const cr_json *e;
    int i;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, "process.rlimits")) return -EINVAL;
    out->rlimits = (cr_rlimit *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof *out->rlimits);
    if (!out->rlimits) return cr_err_set(c->err, ENOMEM, "out of memory");
    for (i = 0, e = v->child; e; e = e->next, i++) {
        const char *type = NULL;
        char f[64];
        size_t k;
        int j, found = -1;
        snprintf(f, sizeof f, "process.rlimits[%d]", i);
        if (cr__sp_type(c, e, CR_JSON_OBJECT, f)) return -EINVAL;
        if (cr__sp_str(c, e, "type", f, &type)) return -EINVAL;
        if (!type) return cr_err_set(c->err, EINVAL, "%s.type: required", f);
        for (k = 0; k < sizeof cr__rlimits / sizeof *cr__rlimits; k++)
            if (!strcmp(type, cr__rlimits[k].name)) found = cr__rlimits[k].res;
        if (found < 0) return cr_err_set(c->err, EINVAL, "%s.type: unknown rlimit \"%s\"", f, type);
        for (j = 0; j < i; j++)
            if (out->rlimits[j].resource == found) return cr_err_set(c->err, EINVAL, "%s.type: duplicate rlimit \"%s\"", f, type);
        out->rlimits[i].resource = found;
        if (!cr_json_get(e, "soft") || !cr_json_get(e, "hard"))
            return cr_err_set(c->err, EINVAL, "%s: soft and hard are required", f);
        if (cr__sp_u64(c, cr_json_get(e, "soft"), f, UINT64_MAX, &out->rlimits[i].soft) ||
            cr__sp_u64(c, cr_json_get(e, "hard"), f, UINT64_MAX, &out->rlimits[i].hard)) return -EINVAL;
    }
    out->nrlimits = i;
    return 0;
}

static int cr__sp_io_priority(cr__sp *c, const cr_json *v, cr_process *out) {
    static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
    const char *cls = NULL;
    int64_t prio = 0;
    int i;
    if (cr__sp_type(c, v, CR_JSON_OBJECT, "process.ioPriority") ||
        cr__sp_str(c, v, "class", "process.ioPriority.class", &cls)) return -EINVAL;
    if (cr_json_get(v, "priority") && cr__sp_i64(c, cr_json_get(v, "priority"), "process.ioPriority.priority", 0, 7, &prio)) return -EINVAL;
    for (i = 1; i < 4; i++) if (cls && !strcmp(cls, classes[i])) out->io_priority_class = i;
    if (!out->io_priority_class) return cr_err_set(c->err, EINVAL, "process.ioPriority.class: unknown class \"%s\"", cls ? cls : "");
    out->has_io_priority = 1; out->io_priority = (int)prio;
    return 0;
}

static int cr__sp_scheduler(cr__sp *c, const cr_json *v, cr_process *out) {
    static const struct { const char *n; int p; } pol[] = {
        {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2}, {"SCHED_BATCH", 3},
        {"SCHED_ISO", 4}, {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6} };
    const char *policy = NULL;
    int64_t x = 0;
    size_t k;
    if (cr__sp_type(c, v, CR_JSON_OBJECT, "process.scheduler") ||
        cr__sp_str(c, v, "policy", "process.scheduler.policy", &policy)) return -EINVAL;
    out->sched_policy = -1;
    for (k = 0; k < sizeof pol / sizeof *pol; k++) if (policy && !strcmp(policy, pol[k].n)) out->sched_policy = pol[k].p;
    if (out->sched_policy < 0) return cr_err_set(c->err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"", policy ? policy : "");
    if (cr_json_get(v, "nice") && cr__sp_i64(c, cr_json_get(v, "nice"), "process.scheduler.nice", -20, 19, &x)) return -EINVAL;
    out->sched_nice = (int)x; x = 0;
    if (cr_json_get(v, "priority") && cr__sp_i64(c, cr_json_get(v, "priority"), "process.scheduler.priority", 0, 99, &x)) return -EINVAL;
    out->sched_priority = (int)x;
    if (cr_json_get(v, "runtime") && cr__sp_u64(c, cr_json_get(v, "runtime"), "process.scheduler.runtime", UINT64_MAX, &out->sched_runtime)) return -EINVAL;
    if (cr_json_get(v, "deadline") && cr__sp_u64(c, cr_json_get(v, "deadline"), "process.scheduler.deadline", UINT64_MAX, &out->sched_deadline)) return -EINVAL;
    if (cr_json_get(v, "period") && cr__sp_u64(c, cr_json_get(v, "period"), "process.scheduler.period", UINT64_MAX, &out->sched_period)) return -EINVAL;
    out->has_scheduler = 1;
    return 0;
}

static int cr__sp_process(cr__sp *c, const cr_json *p, cr_process *out) {
    const cr_json *v;
    int i;
    if (cr__sp_type(c, p, CR_JSON_OBJECT, "process")) return -EINVAL;
    if (cr__sp_bool(c, p, "terminal", "process.terminal", &out->terminal)) return -EINVAL;
    if ((v = cr_json_get(p, "consoleSize"))) {
        if (cr__sp_type(c, v, CR_JSON_OBJECT, "process.consoleSize") ||
            cr__sp_u32(c, v, "height", "process.consoleSize.height", &out->console_height, NULL) ||
            cr__sp_u32(c, v, "width", "process.consoleSize.width", &out->console_width, NULL)) return -EINVAL;
    }
    if ((v = cr_json_get(p, "user")) && cr__sp_user(c, v, out)) return -EINVAL;
    if (cr__sp_strv(c, cr_json_get(p, "args"), "process.args", &out->args, &out->nargs)) return -EINVAL;
    if (cr__sp_strv(c, cr_json_get(p, "env"), "process.env", &out->env, &out->nenv)) return -EINVAL;
    for (i = 0; i < out->nenv; i++)
        if (!strchr(out->env[i], '=')) return cr_err_set(c->err, EINVAL, "process.env[%d]: \"%s\" is not NAME=VALUE", i, out->env[i]);
    if (cr__sp_str(c, p, "cwd", "process.cwd", &out->cwd)) return -EINVAL;
    if (!out->cwd) return cr_err_set(c->err, EINVAL, "process.cwd: required");
    if (out->cwd[0] != '/') return cr_err_set(c->err, EINVAL, "process.cwd: \"%s\" is not an absolute path", out->cwd);
    if ((v = cr_json_get(p, "capabilities"))) {
        out->has_caps = 1;
        if (cr__sp_caps(c, v, out->caps)) return -EINVAL;
    }
    if ((v = cr_json_get(p, "rlimits")) && cr__sp_rlimits(c, v, out)) return -EINVAL;
    if (cr__sp_bool(c, p, "noNewPrivileges", "process.noNewPrivileges", &out->no_new_privileges)) return -EINVAL;
    if ((v = cr_json_get(p, "oomScoreAdj"))) {
        int64_t x;
        if (cr__sp_i64(c, v, "process.oomScoreAdj", -1000, 1000, &x)) return -EINVAL;
        out->has_oom_score_adj = 1; out->oom_score_adj = (int)x;
    }
    if (cr__sp_str(c, p, "apparmorProfile", "process.apparmorProfile", &out->apparmor_profile) ||
        cr__sp_str(c, p, "selinuxLabel", "process.selinuxLabel", &out->selinux_label)) return -EINVAL;
    if ((v = cr_json_get(p, "ioPriority")) && cr__sp_io_priority(c, v, out)) return -EINVAL;
    if ((v = cr_json_get(p, "scheduler")) && cr__sp_scheduler(c, v, out)) return -EINVAL;
    return 0;
}

static const struct { const char *name; unsigned long set, clear; uint64_t attr; int rec; } cr__mount_opts[] = {
    {"defaults", 0, 0, 0, 0}, {"ro", MS_RDONLY, 0, 0, 0}, {"rw", 0, MS_RDONLY, 0, 0},
    {"suid", 0, MS_NOSUID, 0, 0}, {"nosuid", MS_NOSUID, 0, 0, 0},
    {"dev", 0, MS_NODEV, 0, 0}, {"nodev", MS_NODEV, 0, 0, 0},
    {"exec", 0, MS_NOEXEC, 0, 0}, {"noexec", MS_NOEXEC, 0, 0, 0},
    {"sync", MS_SYNCHRONOUS, 0, 0, 0}, {"async", 0, MS_SYNCHRONOUS, 0, 0},
    {"dirsync", MS_DIRSYNC, 0, 0, 0}, {"remount", MS_REMOUNT, 0, 0, 0},
    {"mand", MS_MANDLOCK, 0, 0, 0}, {"nomand", 0, MS_MANDLOCK, 0, 0},
    {"atime", 0, MS_NOATIME, 0, 0}, {"noatime", MS_NOATIME, 0, 0, 0},
    {"diratime", 0, MS_NODIRATIME, 0, 0}, {"nodiratime", MS_NODIRATIME, 0, 0, 0},
    {"relatime", MS_RELATIME, 0, 0, 0}, {"norelatime", 0, MS_RELATIME, 0, 0},
    {"strictatime", MS_STRICTATIME, 0, 0, 0}, {"nostrictatime", 0, MS_STRICTATIME, 0, 0},
    {"silent", MS_SILENT, 0, 0, 0}, {"loud", 0, MS_SILENT, 0, 0},
    {"iversion", MS_I_VERSION, 0, 0, 0}, {"noiversion", 0, MS_I_VERSION, 0, 0},
    {"lazytime", MS_LAZYTIME, 0, 0, 0}, {"nolazytime", 0, MS_LAZYTIME, 0, 0},
    {"bind", MS_BIND, 0, 0, 0}, {"rbind", MS_BIND | MS_REC, 0, 0, 0},
    {"rro", 0, 0, MOUNT_ATTR_RDONLY, 1}, {"rrw", 0, 0, MOUNT_ATTR_RDONLY, 2},
    {"rnosuid", 0, 0, MOUNT_ATTR_NOSUID, 1}, {"rsuid", 0, 0, MOUNT_ATTR_NOSUID, 2},
    {"rnodev", 0, 0, MOUNT_ATTR_NODEV, 1}, {"rdev", 0, 0, MOUNT_ATTR_NODEV, 2},
    {"rnoexec", 0, 0, MOUNT_ATTR_NOEXEC, 1}, {"rexec", 0, 0, MOUNT_ATTR_NOEXEC, 2},
    {"rnodiratime", 0, 0, MOUNT_ATTR_NODIRATIME, 1}, {"rdiratime", 0, 0, MOUNT_ATTR_NODIRATIME, 2},
    {"rnosymfollow", 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 1}, {"rsymfollow", 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 2},
};
static const struct { const char *name; unsigned long flags; } cr__propagations[] = {
    {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static unsigned long cr__propagation_parse(const char *s) {
    size_t i;
    for (i = 0; i < sizeof cr__propagations / sizeof *cr__propagations; i++)
        if (!strcmp(s, cr__propagations[i].name)) return cr__propagations[i].flags;
    return 0;
}

static int cr__sp_idmaps(cr__sp *c, const cr_json *v, const char *field, cr_idmap **out, int *n) {
    const cr_json *e;
    int i = 0;
    if (!v) return 0;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, field)) return -EINVAL;
    *out = (cr_idmap *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof **out);
    if (!*out) return cr_err_set(c->err, ENOMEM, "out of memory");
    for (e = v->child; e; e = e->next, i++) {
        char f[96];
        snprintf(f, sizeof f, "%s[%d]", field, i);
        if (cr__sp_type(c, e, CR_JSON_OBJECT, f) ||
            cr__sp_u32(c, e, "containerID", f, &(*out)[i].container_id, NULL) ||
            cr__sp_u32(c, e, "hostID", f, &(*out)[i].host_id, NULL) ||
            cr__sp_u32(c, e, "size", f, &(*out)[i].size, NULL)) return -EINVAL;
        if (!(*out)[i].size) return cr_err_set(c->err, EINVAL, "%s.size: must be at least 1", f);
    }
    *n = i;
    return 0;
}

static int cr__sp_mount(cr__sp *c, const cr_json *m, int idx, cr_mount *out) {
    char f[48];
    int i;
    cr_buf data = {0};
    snprintf(f, sizeof f, "mounts[%d]", idx);
    if (cr__sp_type(c, m, CR_JSON_OBJECT, f)) return -EINVAL;
    if (cr__sp_str(c, m, "destination", "mounts[].destination", &out->destination) ||
        cr__sp_str(c, m, "type", "mounts[].type", &out->type) ||
        cr__sp_str(c, m, "source", "mounts[].source", &out->source) ||
        cr__sp_strv(c, cr_json_get(m, "options"), "mounts[].options", &out->options, NULL))
        return cr_err_wrap(c->err, "%s", f);
    if (!out->destination || !*out->destination) return cr_err_set(c->err, EINVAL, "%s.destination: required", f);
    if (out->destination[0] != '/')
        return cr_err_set(c->err, EINVAL, "%s.destination: \"%s\" is not an absolute path", f, out->destination);
    if (cr__sp_idmaps(c, cr_json_get(m, "uidMappings"), "mounts[].uidMappings", &out->uid_map, &out->n_uid_map) ||
        cr__sp_idmaps(c, cr_json_get(m, "gidMappings"), "mounts[].gidMappings", &out->gid_map, &out->n_gid_map))
        return cr_err_wrap(c->err, "%s", f);
    if (out->type && !strcmp(out->type, "bind")) out->bind = 1;
    for (i = 0; out->options && out->options[i]; i++) {
        const char *o = out->options[i];
        size_t k;
        int known = 0;
        for (k = 0; k < sizeof cr__mount_opts / sizeof *cr__mount_opts; k++) {
            if (strcmp(o, cr__mount_opts[k].name)) continue;
            known = 1;
            out->flags = (out->flags | cr__mount_opts[k].set) & ~cr__mount_opts[k].clear;
            if (cr__mount_opts[k].set & MS_BIND) out->bind = 1;
            if (cr__mount_opts[k].rec == 1) { out->attr_set |= cr__mount_opts[k].attr; out->attr_clr &= ~cr__mount_opts[k].attr; }
            if (cr__mount_opts[k].rec == 2) { out->attr_clr |= cr__mount_opts[k].attr; out->attr_set &= ~cr__mount_opts[k].attr; }
        }
        if (!known && cr__propagation_parse(o)) { out->propagation = cr__propagation_parse(o); known = 1; }
        if (!known && (!strcmp(o, "tmpcopyup") || !strcmp(o, "idmap") || !strcmp(o, "ridmap") || !strcmp(o, "copy-symlink"))) known = 1;
        if (!known) {
            if (data.len) cr_buf_putc(&data, ',');
            cr_buf_puts(&data, o);
        }
    }
    if (out->bind) out->flags &= ~MS_REMOUNT;
    if (data.len) {
        out->data = cr__arena_strdup(c->arena, data.data);
        cr_buf_free(&data);
        if (!out->data) return cr_err_set(c->err, ENOMEM, "out of memory");
    }
    if (!out->type && !out->bind) return cr_err_set(c->err, EINVAL, "%s.type: required unless options has bind or rbind", f);
    if (out->bind && !out->source) return cr_err_set(c->err, EINVAL, "%s.source: required for a bind mount", f);
    return 0;
}

static int cr__sp_hooks(cr__sp *c, const cr_json *hooks) {
    static const char *const kinds[CR_HOOK_KINDS] = { "prestart", "createRuntime", "createContainer",
                                                      "startContainer", "poststart", "poststop" };
    int k;
    if (cr__sp_type(c, hooks, CR_JSON_OBJECT, "hooks")) return -EINVAL;
    for (k = 0; k < CR_HOOK_KINDS; k++) {
        const cr_json *v = cr_json_get(hooks, kinds[k]), *e;
        int i = 0;
        char f[64];
        if (!v) continue;
        snprintf(f, sizeof f, "hooks.%s", kinds[k]);
        if (cr__sp_type(c, v, CR_JSON_ARRAY, f)) return -EINVAL;
        c->spec->hooks[k] = (cr_hook *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof(cr_hook));
        if (!c->spec->hooks[k]) return cr_err_set(c->err, ENOMEM, "out of memory");
        for (e = v->child; e; e = e->next, i++) {
            cr_hook *h = &c->spec->hooks[k][i];
            char hf[80];
            snprintf(hf, sizeof hf, "%s[%d]", f, i);
            if (cr__sp_type(c, e, CR_JSON_OBJECT, hf) || cr__sp_str(c, e, "path", hf, &h->path) ||
                cr__sp_strv(c, cr_json_get(e, "args"), hf, &h->args, NULL) ||
                cr__sp_strv(c, cr_json_get(e, "env"), hf, &h->env, NULL)) return -EINVAL;
            if (!h->path || h->path[0] != '/') return cr_err_set(c->err, EINVAL, "%s.path: must be an absolute path", hf);
            if (cr_json_get(e, "timeout")) {
                int64_t t;
                if (cr__sp_i64(c, cr_json_get(e, "timeout"), hf, 1, INT32_MAX, &t))
                    return cr_err_wrap(c->err, "%s.timeout: must be greater than zero", hf);
                h->timeout = (int)t;
            }
        }
        c->spec->nhooks[k] = i;
    }
    return 0;
}

/* ---- linux.resources ----
   Parsed whole here, so a bad value is an error before anything is made.
   Members: 1 present (value stored), 0 absent or null, < 0 wrong type or
   out of range (the error names "path.key"). */

static const cr_json *cr__sp_res_get(const cr_json *obj, const char *key) {
    const cr_json *v = cr_json_get(obj, key);
    return v && v->type != CR_JSON_NULL ? v : NULL;
}

static int cr__sp_res_kind(cr__sp *c, const cr_json *v, cr_json_type type, const char *path) {
    if (v->type == type) return 0;
    return cr_err_set(c->err, EINVAL, "%s: expected an %s, got %s", path, cr_json_type_name(type), cr_json_type_name(v->type));
}

static int cr__sp_res_badnum(cr__sp *c, const cr_json *v, const char *path, const char *key, const char *want) {
    if (v->type == CR_JSON_NUMBER)
        return cr_err_set(c->err, EINVAL, "%s.%s: expected %s, got %.40s", path, key, want, v->str);
    return cr_err_set(c->err, EINVAL, "%s.%s: expected %s, got %s", path, key, want, cr_json_type_name(v->type));
}

static int cr__sp_res_i64(cr__sp *c, const cr_json *obj, const char *key, const char *path, int64_t *out) {
    const cr_json *v = cr__sp_res_get(obj, key);
    if (!v) return 0;
    if (cr_json_i64(v, out)) return cr__sp_res_badnum(c, v, path, key, "a 64-bit integer");
    return 1;
}

static int cr__sp_res_u64(cr__sp *c, const cr_json *obj, const char *key, const char *path, uint64_t max, uint64_t *out) {
    const cr_json *v = cr__sp_res_get(obj, key);
    char want[48];
    if (!v) return 0;
    if (cr_json_u64(v, out) || *out > max) {
        snprintf(want, sizeof want, "an integer in 0..%llu", (unsigned long long)max);
        return cr__sp_res_badnum(c, v, path, key, want);
    }
    return 1;
}

static int cr__sp_res_u32(cr__sp *c, const cr_json *obj, const char *key, const char *path, uint32_t *out) {
    uint64_t x = 0;
    int r = cr__sp_res_u64(c, obj, key, path, UINT32_MAX, &x);
    *out = (uint32_t)x;
    return r;
}

static int cr__sp_res_u16(cr__sp *c, const cr_json *obj, const char *key, const char *path, uint16_t *out) {
    uint64_t x = 0;
    int r = cr__sp_res_u64(c, obj, key, path, 65535, &x);
    *out = (uint16_t)x;
    return r;
}

static int cr__sp_res_bool(cr__sp *c, const cr_json *obj, const char *key, const char *path, int *out) {
    const cr_json *v = cr__sp_res_get(obj, key);
    if (!v) return 0;
    if (v->type != CR_JSON_TRUE && v->type != CR_JSON_FALSE)
        return cr_err_set(c->err, EINVAL, "%s.%s: expected a boolean, got %s", path, key, cr_json_type_name(v->type));
    *out = v->type == CR_JSON_TRUE;
    return 1;
}

static int cr__sp_res_str(cr__sp *c, const cr_json *obj, const char *key, const char *path, const char **out) {
    const cr_json *v = cr__sp_res_get(obj, key);
    if (!v) return 0;
    if (v->type != CR_JSON_STRING)
        return cr_err_set(c->err, EINVAL, "%s.%s: expected a string, got %s", path, key, cr_json_type_name(v->type));
    *out = v->str;
    return 1;
}

/* An array of n elements of size each in the arena (one more, so n = 0 works). */
static void *cr__sp_res_array(cr__sp *c, const cr_json *v, size_t size, const char *path) {
    void *a = cr__arena_alloc(c->arena, (v->len + 1) * size);
    if (!a) cr_err_set(c->err, ENOMEM, "%s: out of memory", path);
    return a;
}

/* An interface or RDMA device name: no blanks, controls or "/". */
static int cr__sp_res_name_ok(const char *s) {
    size_t i;
    for (i = 0; s[i]; i++) if ((unsigned char)s[i] <= ' ' || s[i] == '/' || (unsigned char)s[i] == 0x7F) return 0;
    return i > 0 && i < 64;
}

/* Names that become paths are checked here and again where the cgroup
   section uses them, since a cr_resources may be filled by hand. */
static int cr__sp_res_check_page_size(cr_err *err, const char *path, const char *size) {
    size_t k;
    if (!size) return cr_err_set(err, EINVAL, "%s.pageSize: required", path);
    for (k = 0; size[k] && isalnum((unsigned char)size[k]); k++) {}
    if (!k || size[k] || k > 16) return cr_err_set(err, EINVAL, "%s.pageSize: invalid page size \"%.20s\" (e.g. \"2MB\")", path, size);
    return 0;
}

static int cr__sp_res_check_unified_key(cr_err *err, const char *field, const char *key) {
    if (!*key || strchr(key, '/') || strstr(key, "..") || !strcmp(key, "."))
        return cr_err_set(err, EINVAL, "%s: must be a file name in the cgroup directory (no \"/\" or \"..\")", field);
    return 0;
}

static const char *const cr__sp_res_throttle[CR_RES_THROTTLES] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
                                                                   "throttleReadIOPSDevice", "throttleWriteIOPSDevice" };

static int cr__sp_res_memory(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.memory";
    cr_res_memory *m = &res->memory;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0 ||
        (m->has_limit = cr__sp_res_i64(c, v, "limit", P, &m->limit)) < 0 ||
        (m->has_reservation = cr__sp_res_i64(c, v, "reservation", P, &m->reservation)) < 0 ||
        (m->has_swap = cr__sp_res_i64(c, v, "swap", P, &m->swap)) < 0 ||
        (m->has_kernel = cr__sp_res_i64(c, v, "kernel", P, &m->kernel)) < 0 ||
        (m->has_kernel_tcp = cr__sp_res_i64(c, v, "kernelTCP", P, &m->kernel_tcp)) < 0 ||
        (m->has_swappiness = cr__sp_res_i64(c, v, "swappiness", P, &m->swappiness)) < 0 ||
        (m->has_disable_oom_killer = cr__sp_res_bool(c, v, "disableOOMKiller", P, &m->disable_oom_killer)) < 0 ||
        (m->has_use_hierarchy = cr__sp_res_bool(c, v, "useHierarchy", P, &m->use_hierarchy)) < 0 ||
        (m->has_check_before_update = cr__sp_res_bool(c, v, "checkBeforeUpdate", P, &m->check_before_update)) < 0)
        return -EINVAL;
    if (m->has_swappiness && (m->swappiness < -1 || m->swappiness > 100))
        return cr_err_set(c->err, EINVAL, "%s.swappiness: %lld is out of range (0..100)", P, (long long)m->swappiness);
    if (m->has_swappiness && m->swappiness == -1) { m->has_swappiness = 0; m->swappiness = 0; }   /* runc: -1 = unset */
    return 0;
}

static int cr__sp_res_cpu(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.cpu";
    cr_res_cpu *u = &res->cpu;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0 ||
        (u->has_shares = cr__sp_res_u64(c, v, "shares", P, UINT64_MAX, &u->shares)) < 0 ||
        (u->has_quota = cr__sp_res_i64(c, v, "quota", P, &u->quota)) < 0 ||
        (u->has_burst = cr__sp_res_u64(c, v, "burst", P, UINT64_MAX, &u->burst)) < 0 ||
        (u->has_period = cr__sp_res_u64(c, v, "period", P, UINT64_MAX, &u->period)) < 0 ||
        (u->has_realtime_runtime = cr__sp_res_i64(c, v, "realtimeRuntime", P, &u->realtime_runtime)) < 0 ||
        (u->has_realtime_period = cr__sp_res_u64(c, v, "realtimePeriod", P, UINT64_MAX, &u->realtime_period)) < 0 ||
        cr__sp_res_str(c, v, "cpus", P, &u->cpus) < 0 || cr__sp_res_str(c, v, "mems", P, &u->mems) < 0 ||
        (u->has_idle = cr__sp_res_i64(c, v, "idle", P, &u->idle)) < 0)
        return -EINVAL;
    return 0;
}

static int cr__sp_res_pids(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.pids";
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0 ||
        (res->pids.has_limit = cr__sp_res_i64(c, v, "limit", P, &res->pids.limit)) < 0) return -EINVAL;
    return 0;
}

static int cr__sp_res_majmin(cr__sp *c, const cr_json *e, const char *path, uint32_t *maj, uint32_t *min) {
    int r;
    if ((r = cr__sp_res_kind(c, e, CR_JSON_OBJECT, path)) < 0) return r;
    if ((r = cr__sp_res_u32(c, e, "major", path, maj)) < 0) return r;
    if (!r) return cr_err_set(c->err, EINVAL, "%s.major: required", path);
    if ((r = cr__sp_res_u32(c, e, "minor", path, min)) < 0) return r;
    if (!r) return cr_err_set(c->err, EINVAL, "%s.minor: required", path);
    return 0;
}

static int cr__sp_res_weight_devices(cr__sp *c, const cr_json *list, cr_res_block_io *b) {
    static const char *const P = "linux.resources.blockIO.weightDevice";
    const cr_json *e;
    char path[96];
    int i;
    if (cr__sp_res_kind(c, list, CR_JSON_ARRAY, P) < 0) return -EINVAL;
    if (!(b->weight_device = (cr_res_weight_device *)cr__sp_res_array(c, list, sizeof *b->weight_device, P))) return -ENOMEM;
    for (e = list->child, i = 0; e; e = e->next, i++) {
        cr_res_weight_device *w = &b->weight_device[i];
        snprintf(path, sizeof path, "%s[%d]", P, i);
        if (cr__sp_res_majmin(c, e, path, &w->major, &w->minor) < 0 ||
            (w->has_weight = cr__sp_res_u16(c, e, "weight", path, &w->weight)) < 0 ||
            (w->has_leaf_weight = cr__sp_res_u16(c, e, "leafWeight", path, &w->leaf_weight)) < 0) return -EINVAL;
    }
    b->nweight_device = i;
    return 0;
}

static int cr__sp_res_rates(cr__sp *c, const cr_json *list, const char *key, cr_res_rate_device **out, int *n) {
    const cr_json *e;
    char field[96], path[112];
    int i, r;
    snprintf(field, sizeof field, "linux.resources.blockIO.%s", key);
    if (cr__sp_res_kind(c, list, CR_JSON_ARRAY, field) < 0) return -EINVAL;
    if (!(*out = (cr_res_rate_device *)cr__sp_res_array(c, list, sizeof **out, field))) return -ENOMEM;
    for (e = list->child, i = 0; e; e = e->next, i++) {
        cr_res_rate_device *d = &(*out)[i];
        snprintf(path, sizeof path, "%s[%d]", field, i);
        if (cr__sp_res_majmin(c, e, path, &d->major, &d->minor) < 0) return -EINVAL;
        if ((r = cr__sp_res_u64(c, e, "rate", path, UINT64_MAX, &d->rate)) < 0) return r;
        if (!r) return cr_err_set(c->err, EINVAL, "%s.rate: required", path);
    }
    *n = i;
    return 0;
}

static int cr__sp_res_block_io(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.blockIO";
    cr_res_block_io *b = &res->block_io;
    const cr_json *list;
    int i;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0 ||
        (b->has_weight = cr__sp_res_u16(c, v, "weight", P, &b->weight)) < 0 ||
        (b->has_leaf_weight = cr__sp_res_u16(c, v, "leafWeight", P, &b->leaf_weight)) < 0) return -EINVAL;
    if ((list = cr__sp_res_get(v, "weightDevice")) && cr__sp_res_weight_devices(c, list, b) < 0) return -EINVAL;
    for (i = 0; i < CR_RES_THROTTLES; i++)
        if ((list = cr__sp_res_get(v, cr__sp_res_throttle[i])) &&
            cr__sp_res_rates(c, list, cr__sp_res_throttle[i], &b->throttle[i], &b->nthrottle[i]) < 0)
            return -EINVAL;
    return 0;
}

static int cr__sp_res_hugepages(cr__sp *c, const cr_json *list, cr_resources *res) {
    static const char *const P = "linux.resources.hugepageLimits";
    const cr_json *e;
    char path[96];
    int r, i;
    if (cr__sp_res_kind(c, list, CR_JSON_ARRAY, P) < 0) return -EINVAL;
    if (!(res->hugepage_limits = (cr_res_hugepage *)cr__sp_res_array(c, list, sizeof *res->hugepage_limits, P))) return -ENOMEM;
    for (e = list->child, i = 0; e; e = e->next, i++) {
        cr_res_hugepage *h = &res->hugepage_limits[i];
        snprintf(path, sizeof path, "%s[%d]", P, i);
        if ((r = cr__sp_res_kind(c, e, CR_JSON_OBJECT, path)) < 0) return r;
        if ((r = cr__sp_res_str(c, e, "pageSize", path, &h->page_size)) < 0) return r;
        if ((r = cr__sp_res_check_page_size(c->err, path, h->page_size)) < 0) return r;
        if ((r = cr__sp_res_u64(c, e, "limit", path, UINT64_MAX, &h->limit)) < 0) return r;
        if (!r) return cr_err_set(c->err, EINVAL, "%s.limit: required", path);
    }
    res->nhugepage_limits = i;
    return 0;
}

static int cr__sp_res_network(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.network";
    cr_res_network *n = &res->network;
    const cr_json *prio, *e;
    char path[96];
    int r, i;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0 ||
        (n->has_class_id = cr__sp_res_u32(c, v, "classID", P, &n->class_id)) < 0) return -EINVAL;
    if (!(prio = cr__sp_res_get(v, "priorities"))) return 0;
    if (cr__sp_res_kind(c, prio, CR_JSON_ARRAY, "linux.resources.network.priorities") < 0) return -EINVAL;
    if (!(n->priorities = (cr_res_ifprio *)cr__sp_res_array(c, prio, sizeof *n->priorities, P))) return -ENOMEM;
    for (e = prio->child, i = 0; e; e = e->next, i++) {
        cr_res_ifprio *p = &n->priorities[i];
        snprintf(path, sizeof path, "%s.priorities[%d]", P, i);
        if ((r = cr__sp_res_kind(c, e, CR_JSON_OBJECT, path)) < 0) return r;
        if ((r = cr__sp_res_str(c, e, "name", path, &p->name)) < 0) return r;
        if (!r || !cr__sp_res_name_ok(p->name)) return cr_err_set(c->err, EINVAL, "%s.name: expected an interface name", path);
        if ((r = cr__sp_res_u32(c, e, "priority", path, &p->priority)) < 0) return r;
    }
    n->npriorities = i;
    return 0;
}

static int cr__sp_res_rdma(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.rdma";
    const cr_json *e;
    char path[128];
    int i;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0) return -EINVAL;
    if (!(res->rdma = (cr_res_rdma *)cr__sp_res_array(c, v, sizeof *res->rdma, P))) return -ENOMEM;
    for (e = v->child, i = 0; e; e = e->next, i++) {
        cr_res_rdma *d = &res->rdma[i];
        snprintf(path, sizeof path, "%s.%.60s", P, e->key);
        if (!cr__sp_res_name_ok(e->key)) return cr_err_set(c->err, EINVAL, "%s: invalid device name", path);
        if (cr__sp_res_kind(c, e, CR_JSON_OBJECT, path) < 0 ||
            (d->has_hca_handles = cr__sp_res_u32(c, e, "hcaHandles", path, &d->hca_handles)) < 0 ||
            (d->has_hca_objects = cr__sp_res_u32(c, e, "hcaObjects", path, &d->hca_objects)) < 0) return -EINVAL;
        if (!d->has_hca_handles && !d->has_hca_objects) return cr_err_set(c->err, EINVAL, "%s: set hcaHandles, hcaObjects or both", path);
        d->device = e->key;
    }
    res->nrdma = i;
    return 0;
}

/* linux.resources.unified."KEY" for messages: the key is untrusted, so its
   control characters are shown as '?' and a long one is cut. */
static void cr__sp_res_unified_field(const char *key, char *out, size_t n) {
    char k[68];
    size_t i;
    for (i = 0; key[i] && i < 64; i++) k[i] = (unsigned char)key[i] < 0x20 || key[i] == 0x7F ? '?' : key[i];
    snprintf(k + i, sizeof k - i, "%s", key[i] ? "..." : "");
    snprintf(out, n, "linux.resources.unified.\"%s\"", k);
}

static int cr__sp_res_unified(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const char *const P = "linux.resources.unified";
    const cr_json *e;
    char field[160];
    int i;
    if (cr__sp_res_kind(c, v, CR_JSON_OBJECT, P) < 0) return -EINVAL;
    if (!(res->unified = (cr_keyval *)cr__sp_res_array(c, v, sizeof *res->unified, P))) return -ENOMEM;
    for (e = v->child, i = 0; e; e = e->next, i++) {
        cr__sp_res_unified_field(e->key, field, sizeof field);
        if (cr__sp_res_check_unified_key(c->err, field, e->key) < 0) return -EINVAL;
        if (e->type != CR_JSON_STRING)
            return cr_err_set(c->err, EINVAL, "%s: expected a string, got %s", field, cr_json_type_name(e->type));
        res->unified[i].key = e->key;
        res->unified[i].value = e->str;
    }
    res->nunified = i;
    return 0;
}

static int cr__sp_res_device(cr__sp *c, const cr_json *e, const char *path, cr_res_device *x) {
    const char *type = "a", *access = NULL;
    size_t i;
    int r;
    if ((r = cr__sp_res_kind(c, e, CR_JSON_OBJECT, path)) < 0) return r;
    if ((r = cr__sp_res_bool(c, e, "allow", path, &x->allow)) < 0) return r;
    if (!r) return cr_err_set(c->err, EINVAL, "%s.allow: required", path);
    if ((r = cr__sp_res_str(c, e, "type", path, &type)) < 0) return r;
    if (strcmp(type, "a") && strcmp(type, "b") && strcmp(type, "c"))
        return cr_err_set(c->err, EINVAL, "%s.type: expected \"a\", \"b\" or \"c\", got \"%.8s\"", path, type);
    x->type = type[0]; x->major = x->minor = -1;
    if ((r = cr__sp_res_i64(c, e, "major", path, &x->major)) < 0) return r;
    if ((r = cr__sp_res_i64(c, e, "minor", path, &x->minor)) < 0) return r;
    if (x->major < 0) x->major = -1;
    if (x->minor < 0) x->minor = -1;
    if (x->major > 0xFFFFFFFFLL || x->minor > 0xFFFFFFFFLL) return cr_err_set(c->err, EINVAL, "%s: major/minor out of range", path);
    if ((r = cr__sp_res_str(c, e, "access", path, &access)) < 0) return r;
    for (i = 0; access && access[i]; i++) {
        if (access[i] == 'r') x->access |= CR_RES_ACCESS_READ;
        else if (access[i] == 'w') x->access |= CR_RES_ACCESS_WRITE;
        else if (access[i] == 'm') x->access |= CR_RES_ACCESS_MKNOD;
        else return cr_err_set(c->err, EINVAL, "%s.access: \"%.8s\": expected letters of \"rwm\"", path, access);
    }
    /* "a" means every device and every access (cgroup v1) */
    if (x->type == 'a') x->access = CR_RES_ACCESS_READ | CR_RES_ACCESS_WRITE | CR_RES_ACCESS_MKNOD;
    else if (!x->access) return cr_err_set(c->err, EINVAL, "%s.access: required (letters of \"rwm\")", path);
    return 0;
}

static int cr__sp_res_devices(cr__sp *c, const cr_json *list, cr_resources *res) {
    static const char *const P = "linux.resources.devices";
    const cr_json *e;
    char path[64];
    int i;
    if (cr__sp_res_kind(c, list, CR_JSON_ARRAY, P) < 0) return -EINVAL;
    if (!(res->devices = (cr_res_device *)cr__sp_res_array(c, list, sizeof *res->devices, P))) return -ENOMEM;
    for (e = list->child, i = 0; e; e = e->next, i++) {
        snprintf(path, sizeof path, "%s[%d]", P, i);
        if (cr__sp_res_device(c, e, path, &res->devices[i]) < 0) return -EINVAL;
    }
    res->ndevices = i;
    return 0;
}

static int cr__sp_resources(cr__sp *c, const cr_json *v, cr_resources *res) {
    static const struct { const char *key; size_t has; int (*parse)(cr__sp *, const cr_json *, cr_resources *); } members[] = {
        { "devices", offsetof(cr_resources, has_devices), cr__sp_res_devices },
        { "memory", offsetof(cr_resources, has_memory), cr__sp_res_memory },
        { "cpu", offsetof(cr_resources, has_cpu), cr__sp_res_cpu },
        { "pids", offsetof(cr_resources, has_pids), cr__sp_res_pids },
        { "blockIO", offsetof(cr_resources, has_block_io), cr__sp_res_block_io },
        { "hugepageLimits", offsetof(cr_resources, has_hugepage_limits), cr__sp_res_hugepages },
        { "network", offsetof(cr_resources, has_network), cr__sp_res_network },
        { "rdma", offsetof(cr_resources, has_rdma), cr__sp_res_rdma },
        { "unified", offsetof(cr_resources, has_unified), cr__sp_res_unified },
    };
    size_t i;
    int r;
    if (v->type == CR_JSON_NULL) return 0;   /* as every null member: nothing set */
    if ((r = cr__sp_res_kind(c, v, CR_JSON_OBJECT, "linux.resources")) < 0) return r;
    /* "devices": null still asks for the device cgroup: deny-all and the
       default rules, never a container with every device open */
    if (cr_json_get(v, "devices")) res->has_devices = 1;
    for (i = 0; i < sizeof members / sizeof *members; i++) {
        const cr_json *m = cr__sp_res_get(v, members[i].key);
        if (!m) continue;
        *(int *)((char *)res + members[i].has) = 1;
        if ((r = members[i].parse(c, m, res)) < 0) return r;
    }
    return 0;
}

static const char *const cr__ns_names[CR_NS_KINDS] = { "pid", "network", "ipc", "uts", "mount", "user", "cgroup", "time" };
static const char *const cr__ns_proc[CR_NS_KINDS] = { "pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time" };
static const int cr__ns_flags[CR_NS_KINDS] = { CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS,
                                               CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWTIME };

static int cr__sp_namespaces(cr__sp *c, const cr_json *v) {
    cr_spec *s = c->spec;
    const cr_json *e;
    int i;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, "linux.namespaces")) return -EINVAL;
    for (i = 0, e = v->child; e; e = e->next, i++) {
        const char *type = NULL, *path = NULL;
        char f[48];
        int k, found = -1;
        snprintf(f, sizeof f, "linux.namespaces[%d]", i);
        if (cr__sp_type(c, e, CR_JSON_OBJECT, f) || cr__sp_str(c, e, "type", f, &type) ||
            cr__sp_str(c, e, "path", f, &path)) return -EINVAL;
        for (k = 0; k < CR_NS_KINDS; k++) if (type && !strcmp(type, cr__ns_names[k])) found = k;
        if (found < 0) return cr_err_set(c->err, EINVAL, "%s.type: unknown namespace type \"%s\"", f, type ? type : "");
        if (s->ns[found].present) return cr_err_set(c->err, EINVAL, "%s.type: duplicate namespace \"%s\"", f, type);
        if (path && path[0] != '/') return cr_err_set(c->err, EINVAL, "%s.path: \"%s\" is not an absolute path", f, path);
        s->ns[found].present = 1;
        s->ns[found].path = path && *path ? path : NULL;
    }
    return 0;
}

static int cr__sp_time_offsets(cr__sp *c, const cr_json *v) {
    static const char *const clocks[2] = { "boottime", "monotonic" };
    cr_spec *s = c->spec;
    int k;
    if (cr__sp_type(c, v, CR_JSON_OBJECT, "linux.timeOffsets")) return -EINVAL;
    for (k = 0; k < 2; k++) {
        const cr_json *o = cr_json_get(v, clocks[k]);
        int64_t secs = 0; uint32_t nsecs = 0;
        char f[64];
        snprintf(f, sizeof f, "linux.timeOffsets.%s", clocks[k]);
        if (!o) continue;
        if (cr__sp_type(c, o, CR_JSON_OBJECT, f)) return -EINVAL;
        if (cr_json_get(o, "secs") && cr__sp_i64(c, cr_json_get(o, "secs"), f, INT64_MIN, INT64_MAX, &secs)) return -EINVAL;
        if (cr__sp_u32(c, o, "nanosecs", f, &nsecs, NULL)) return -EINVAL;
        if (k == 0) { s->boottime_secs = secs; s->boottime_nsecs = nsecs; }
        else { s->monotonic_secs = secs; s->monotonic_nsecs = nsecs; }
    }
    s->has_time_offsets = 1;
    return 0;
}

static int cr__sp_devices(cr__sp *c, const cr_json *v) {
    cr_spec *s = c->spec;
    const cr_json *e;
    int i;
    if (cr__sp_type(c, v, CR_JSON_ARRAY, "linux.devices")) return -EINVAL;
    s->devices = (cr_device *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof *s->devices);
    if (!s->devices) return cr_err_set(c->err, ENOMEM, "out of memory");
    for (i = 0, e = v->child; e; e = e->next, i++) {
        cr_device *d = &s->devices[i];
        const char *type = NULL;
        char f[48];
        snprintf(f, sizeof f, "linux.devices[%d]", i);
        if (cr__sp_type(c, e, CR_JSON_OBJECT, f) || cr__sp_str(c, e, "path", f, &d->path) ||
            cr__sp_str(c, e, "type", f, &type) ||
            cr__sp_u32(c, e, "fileMode", f, &d->file_mode, &d->has_mode) ||
            cr__sp_u32(c, e, "uid", f, &d->uid, &d->has_uid) ||
            cr__sp_u32(c, e, "gid", f, &d->gid, &d->has_gid)) return -EINVAL;
        if (!d->path || d->path[0] != '/') return cr_err_set(c->err, EINVAL, "%s.path: must be an absolute path", f);
        if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
            return cr_err_set(c->err, EINVAL, "%s.type: \"%s\" is not one of c, b, u, p", f, type ? type : "");
        d->type = type[0];
        if (d->type != 'p') {
            if (!cr_json_get(e, "major") || !cr_json_get(e, "minor"))
                return cr_err_set(c->err, EINVAL, "%s: major and minor are required for type %c", f, d->type);
            if (cr__sp_i64(c, cr_json_get(e, "major"), f, 0, 0xfff, &d->major) ||
                cr__sp_i64(c, cr_json_get(e, "minor"), f, 0, 0xfffff, &d->minor)) return -EINVAL;
        }
    }
    s->ndevices = i;
    return 0;
}

static int cr__sp_sysctl(cr__sp *c, const cr_json *v) {
    cr_spec *s = c->spec;
    const cr_json *e;
    int i;
    if (cr__sp_type(c, v, CR_JSON_OBJECT, "linux.sysctl")) return -EINVAL;
    s->sysctl = (cr_keyval *)cr__arena_alloc(c->arena, (v->len + 1) * sizeof *s->sysctl);
    if (!s->sysctl) return cr_err_set(c->err, ENOMEM, "out of memory");
    for (i = 0, e = v->child; e; e = e->next, i++) {
        if (e->type != CR_JSON_STRING) return cr_err_set(c->err, EINVAL, "linux.sysctl.%s: expected string, got %s", e->key, cr_json_type_name(e->type));
        if (!*e->key || strstr(e->key, "..") || strchr(e->key, '/'))
            return cr_err_set(c->err, EINVAL, "linux.sysctl: invalid key \"%s\"", e->key);
        s->sysctl[i].key = e->key; s->sysctl[i].value = e->str;
    }
    s->nsysctl = i;
    return 0;
}

static int cr__sp_linux(cr__sp *c, const cr_json *l) {
    cr_spec *s = c->spec;
    const cr_json *v;
    int i;
    if (cr__sp_type(c, l, CR_JSON_OBJECT, "linux")) return -EINVAL;
    if ((v = cr_json_get(l, "namespaces")) && cr__sp_namespaces(c, v)) return -EINVAL;
    if (cr__sp_idmaps(c, cr_json_get(l, "uidMappings"), "linux.uidMappings", &s->uid_map, &s->n_uid_map) ||
        cr__sp_idmaps(c, cr_json_get(l, "gidMappings"), "linux.gidMappings", &s->gid_map, &s->n_gid_map)) return -EINVAL;
    if ((s->n_uid_map || s->n_gid_map) && !(s->ns[CR_NS_USER].present && !s->ns[CR_NS_USER].path))
        return cr_err_set(c->err, EINVAL, "linux.uidMappings: set, but no new user namespace is requested");
    if (s->ns[CR_NS_USER].present && !s->ns[CR_NS_USER].path && (!s->n_uid_map || !s->n_gid_map))
        return cr_err_set(c->err, EINVAL, "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    if ((v = cr_json_get(l, "timeOffsets")) && cr__sp_time_offsets(c, v)) return -EINVAL;
    if ((v = cr_json_get(l, "devices")) && cr__sp_devices(c, v)) return -EINVAL;
    if (cr__sp_str(c, l, "cgroupsPath", "linux.cgroupsPath", &s->cgroups_path)) return -EINVAL;
    if ((v = cr_json_get(l, "resources"))) {
        if (cr__sp_type(c, v, CR_JSON_OBJECT, "linux.resources")) return -EINVAL;
        if (!(s->resources = (cr_resources *)cr__arena_alloc(c->arena, sizeof *s->resources))) return cr_err_set(c->err, ENOMEM, "out of memory");
        if (cr__sp_resources(c, v, s->resources) < 0) return -EINVAL;
    }
    if ((v = cr_json_get(l, "seccomp"))) {
        if (cr__sp_type(c, v, CR_JSON_OBJECT, "linux.seccomp")) return -EINVAL;
        s->seccomp = v;
    }
    if ((v = cr_json_get(l, "rootfsPropagation"))) {
        if (cr__sp_type(c, v, CR_JSON_STRING, "linux.rootfsPropagation")) return -EINVAL;
        s->rootfs_propagation = cr__propagation_parse(v->str);
        if (!s->rootfs_propagation) return cr_err_set(c->err, EINVAL, "linux.rootfsPropagation: unknown propagation \"%s\"", v->str);
    }
    if ((v = cr_json_get(l, "sysctl")) && cr__sp_sysctl(c, v)) return -EINVAL;
    if (cr__sp_strv(c, cr_json_get(l, "maskedPaths"), "linux.maskedPaths", &s->masked_paths, &s->nmasked) ||
        cr__sp_strv(c, cr_json_get(l, "readonlyPaths"), "linux.readonlyPaths", &s->readonly_paths, &s->nreadonly)) return -EINVAL;
    for (i = 0; i < s->nmasked; i++)
        if (s->masked_paths[i][0] != '/') return cr_err_set(c->err, EINVAL, "linux.maskedPaths[%d]: \"%s\" is not an absolute path", i, s->masked_paths[i]);
    for (i = 0; i < s->nreadonly; i++)
        if (s->readonly_paths[i][0] != '/') return cr_err_set(c->err, EINVAL, "linux.readonlyPaths[%d]: \"%s\" is not an absolute path", i, s->readonly_paths[i]);
    if (cr__sp_str(c, l, "mountLabel", "linux.mountLabel", &s->mount_label)) return -EINVAL;
    if ((v = cr_json_get(l, "personality"))) {
        const char *domain = NULL;
        if (cr__sp_type(c, v, CR_JSON_OBJECT, "linux.personality") ||
            cr__sp_str(c, v, "domain", "linux.personality.domain", &domain)) return -EINVAL;
        if (domain && !strcmp(domain, "LINUX")) s->personality = PER_LINUX;
        else if (domain && !strcmp(domain, "LINUX32")) s->personality = PER_LINUX32;
        else return cr_err_set(c->err, EINVAL, "linux.personality.domain: unknown domain \"%s\"", domain ? domain : "");
        s->has_personality = 1;
    }
    return 0;
}

/* The namespace a sysctl belongs to (runc's list): CR_NS_IPC, CR_NS_NET or
   CR_NS_UTS; -1 for the rest, which no namespace holds: writing one from a
   container changes the host (kernel.core_pattern runs code as host root). */
static int cr__sysctl_ns(const char *key) {
    static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                       "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
    size_t i;
    for (i = 0; i < sizeof ipc / sizeof *ipc; i++) if (!strcmp(key, ipc[i])) return CR_NS_IPC;
    if (!strncmp(key, "fs.mqueue.", 10)) return CR_NS_IPC;
    if (!strncmp(key, "net.", 4)) return CR_NS_NET;
    if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")) return CR_NS_UTS;
    return -1;
}

/* linux.sysctl only for namespaces the container has (whether a joined one
   is the host's is cr__spec_sysctl_check's question, asked by create). */
static int cr__spec_sysctl_namespaced(const cr_spec *s, cr_err *err) {
    int i;
    for (i = 0; i < s->nsysctl; i++) {
        const char *key = s->sysctl[i].key;
        int kind = cr__sysctl_ns(key);
        if (kind < 0)
            return cr_err_set(err, EINVAL, "linux.sysctl \"%s\": not namespaced, writing it would change the host's value", key);
        if (!s->ns[kind].present)
            return cr_err_set(err, EINVAL, "linux.sysctl \"%s\": needs its own %s namespace", key, cr__ns_names[kind]);
        if (!strcmp(key, "kernel.hostname"))
            return cr_err_set(err, EINVAL, "linux.sysctl \"%s\": conflicts with the hostname field, set that instead", key);
    }
    return 0;
}

/* A sysctl's namespace given by path must not be the one cr runs in: a
   container joining the host's network namespace would set the host's. */
static int cr__spec_sysctl_check(const cr_spec *s, cr_err *err) {
    int i;
    for (i = 0; i < s->nsysctl; i++) {
        int kind = cr__sysctl_ns(s->sysctl[i].key);
        char self[32];
        struct stat ours, theirs;
        if (kind < 0 || !s->ns[kind].path) continue;
        snprintf(self, sizeof self, "/proc/self/ns/%s", cr__ns_proc[kind]);
        if (stat(self, &ours) < 0) return cr__errno(err, "linux.sysctl \"%s\": %s", s->sysctl[i].key, self);
        if (stat(s->ns[kind].path, &theirs) < 0)
            return cr__errno(err, "linux.sysctl \"%s\": %s namespace \"%s\"", s->sysctl[i].key, cr__ns_names[kind], s->ns[kind].path);
        if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino)
            return cr_err_set(err, EINVAL, "linux.sysctl \"%s\": the %s namespace \"%s\" is the host's", s->sysctl[i].key,
                              cr__ns_names[kind], s->ns[kind].path);
    }
    return 0;
}

static int cr__spec_from_json(cr_spec *spec, cr_err *err) {
    cr__sp c = { spec, (cr__arena *)spec->arena, err };
    const cr_json *root = (const cr_json *)spec->json, *v;
    int i;
    if (root->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "expected a JSON object, got %s", cr_json_type_name(root->type));
    if (cr__sp_str(&c, root, "ociVersion", "ociVersion", &spec->oci_version)) return -EINVAL;
    if (!spec->oci_version) return cr_err_set(err, EINVAL, "ociVersion: required");
    if (strncmp(spec->oci_version, "1.", 2)) return cr_err_set(err, EINVAL, "ociVersion: unsupported version \"%s\"", spec->oci_version);
    if ((v = cr_json_get(root, "root"))) {
        if (cr__sp_type(&c, v, CR_JSON_OBJECT, "root") || cr__sp_str(&c, v, "path", "root.path", &spec->root_path) ||
            cr__sp_bool(&c, v, "readonly", "root.readonly", &spec->root_readonly)) return -EINVAL;
    }
    if (!spec->root_path || !*spec->root_path) return cr_err_set(err, EINVAL, "root.path: required");
    if ((v = cr_json_get(root, "process"))) {
        spec->has_process = 1;
        if (cr__sp_process(&c, v, &spec->process)) return -EINVAL;
    }
    if (cr__sp_str(&c, root, "hostname", "hostname", &spec->hostname) ||
        cr__sp_str(&c, root, "domainname", "domainname", &spec->domainname)) return -EINVAL;
    if ((v = cr_json_get(root, "mounts"))) {
        const cr_json *e;
        if (cr__sp_type(&c, v, CR_JSON_ARRAY, "mounts")) return -EINVAL;
        spec->mounts = (cr_mount *)cr__arena_alloc(c.arena, (v->len + 1) * sizeof *spec->mounts);
        if (!spec->mounts) return cr_err_set(err, ENOMEM, "out of memory");
        for (i = 0, e = v->child; e; e = e->next, i++)
            if (cr__sp_mount(&c, e, i, &spec->mounts[i])) return -EINVAL;
        spec->nmounts = i;
    }
    if ((v = cr_json_get(root, "hooks")) && cr__sp_hooks(&c, v)) return -EINVAL;
    if ((v = cr_json_get(root, "annotations"))) {
        const cr_json *e;
        if (cr__sp_type(&c, v, CR_JSON_OBJECT, "annotations")) return -EINVAL;
        for (e = v->child; e; e = e->next)
            if (e->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "annotations.%s: expected string, got %s", e->key, cr_json_type_name(e->type));
        spec->annotations = v;
    }
    if ((v = cr_json_get(root, "linux")) && cr__sp_linux(&c, v)) return -EINVAL;
    if (cr__spec_sysctl_namespaced(spec, err) < 0) return -EINVAL;
    if ((spec->hostname || spec->domainname) && !(spec->ns[CR_NS_UTS].present))
        return cr_err_set(err, EINVAL, "hostname: setting it needs a new uts namespace");
    return 0;
}

CR_API int cr_spec_parse(cr_spec *spec, const char *text, size_t len, cr_err *err) {
    cr_json *root = NULL;
    int r;
    memset(spec, 0, sizeof *spec);
    if (cr_json_parse(text, len, &root, err) < 0) return -EINVAL;
    spec->json = root;
    spec->arena = CR_MALLOC(sizeof(cr__arena));
    if (!spec->arena) { cr_spec_free(spec); return cr_err_set(err, ENOMEM, "out of memory"); }
    memset(spec->arena, 0, sizeof(cr__arena));
    r = cr__spec_from_json(spec, err);
    if (r < 0) cr_spec_free(spec);
    return r;
}

CR_API int cr_spec_parse_process(cr_spec *owner, cr_process *p, const char *text, size_t len, cr_err *err) {
    cr_json *root = NULL;
    cr__sp c;
    memset(p, 0, sizeof *p);
    if (cr_json_parse(text, len, &root, err) < 0) return -EINVAL;
    if (!owner->arena) {
        owner->arena = CR_MALLOC(sizeof(cr__arena));
        if (!owner->arena) { cr_json_free(root); return cr_err_set(err, ENOMEM, "out of memory"); }
        memset(owner->arena, 0, sizeof(cr__arena));
    }
    cr_json_free((cr_json *)owner->process_json);
    owner->process_json = root;
    c.spec = owner; c.arena = (cr__arena *)owner->arena; c.err = err;
    if (cr__sp_process(&c, root, p) < 0) return -EINVAL;
    return 0;
}

CR_API int cr_spec_parse_resources(const char *text, size_t len, cr_resources *res, cr_err *err) {
    cr_json *root = NULL;
    cr__sp c;
    int r;
    memset(res, 0, sizeof *res);
    if (cr_json_parse(text, len, &root, err) < 0) return cr_err_wrap(err, "linux.resources");
    res->json = root;
    res->arena = CR_MALLOC(sizeof(cr__arena));
    if (!res->arena) { cr_spec_resources_free(res); return cr_err_set(err, ENOMEM, "out of memory"); }
    memset(res->arena, 0, sizeof(cr__arena));
    c.spec = NULL; c.arena = (cr__arena *)res->arena; c.err = err;
    if ((r = cr__sp_resources(&c, root, res)) < 0) cr_spec_resources_free(res);
    return r;
}

CR_API void cr_spec_resources_free(cr_resources *res) {
    if (!res) return;
    cr_json_free((cr_json *)res->json);
    cr__arena_free((cr__arena *)res->arena);
    CR_FREE(res->arena);
    memset(res, 0, sizeof *res);
}

CR_API int cr_spec_load(cr_spec *spec, const char *bundle, cr_err *err) {
    cr_buf text = {0};
    char path[PATH_MAX];
    int r;
    snprintf(path, sizeof path, "%s/config.json", bundle);
    r = cr_util_read_file(AT_FDCWD, path, 16 << 20, &text, err);
    if (r < 0) return r;
    r = cr_spec_parse(spec, text.data, text.len, err);
    cr_buf_free(&text);
    if (r < 0) return cr_err_wrap(err, "%s", path);
    return 0;
}

CR_API void cr_spec_free(cr_spec *spec) {
    if (!spec) return;
    cr_json_free((cr_json *)spec->json);
    cr_json_free((cr_json *)spec->process_json);
    cr__arena_free((cr__arena *)spec->arena);
    CR_FREE(spec->arena);
    memset(spec, 0, sizeof *spec);
}

static const char cr__default_spec[] =
"{\n"
"\t\"ociVersion\": \"" CR_OCI_VERSION "\",\n"
"\t\"process\": {\n"
"\t\t\"terminal\": true,\n"
"\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"
"\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"
"\t\t\"env\": [\n\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n\t\t\t\"TERM=xterm\"\n\t\t],\n"
"\t\t\"cwd\": \"/\",\n"
"\t\t\"capabilities\": {\n"
"\t\t\t\"bounding\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
"\t\t\t\"effective\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
"\t\t\t\"permitted\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t],\n"
"\t\t\t\"ambient\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t]\n"
"\t\t},\n"
"\t\t\"rlimits\": [\n\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\": 1024,\n\t\t\t\t\"soft\": 1024\n\t\t\t}\n\t\t],\n"
"\t\t\"noNewPrivileges\": true\n"
"\t},\n"
"\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"
"\t\"hostname\": \"cr\",\n"
"\t\"mounts\": [\n"
"\t\t{\n\t\t\t\"destination\": \"/proc\",\n\t\t\t\"type\": \"proc\",\n\t\t\t\"source\": \"proc\"\n\t\t},\n"
"\t\t{\n\t\t\t\"destination\": \"/dev\",\n\t\t\t\"type\": \"tmpfs\",\n\t\t\t\"source\": \"tmpfs\",\n"
"\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"strictatime\",\n\t\t\t\t\"mode=755\",\n\t\t\t\t\"size=65536k\"\n\t\t\t]\n\t\t},\n"
"\t\t{\n\t\t\t\"destination\": \"/dev/pts\",\n\t\t\t\"type\": \"devpts\",\n\t\t\t\"source\": \"devpts\",\n"
"\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"newinstance\",\n\t\t\t\t\"ptmxmode=0666\",\n\t\t\t\t\"mode=0620\"@@GID5@@\n\t\t\t]\n\t\t},\n"
"\t\t{\n\t\t\t\"destination\": \"/dev/shm\",\n\t\t\t\"type\": \"tmpfs\",\n\t\t\t\"source\": \"shm\",\n"
"\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"mode=1777\",\n\t\t\t\t\"size=65536k\"\n\t\t\t]\n\t\t},\n"
"\t\t{\n\t\t\t\"destination\": \"/dev/mqueue\",\n\t\t\t\"type\": \"mqueue\",\n\t\t\t\"source\": \"mqueue\",\n"
"\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\"\n\t\t\t]\n\t\t},\n"
"@@SYS@@"
"\t],\n"
"\t\"linux\": {\n"
"@@USERNS@@"
"@@SECCOMP@@"
"\t\t\"maskedPaths\": [\n"
"\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n\t\t\t\"/proc/keys\",\n"
"\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n\t\t\t\"/proc/timer_stats\",\n"
"\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n\t\t\t\"/proc/scsi\"\n\t\t],\n"
"\t\t\"readonlyPaths\": [\n"
"\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n\t\t\t\"/proc/sys\",\n\t\t\t\"/proc/sysrq-trigger\"\n\t\t]\n"
"\t}\n"
"}\n";

static void cr__buf_replace(cr_buf *out, const char *tmpl, const char *const *pairs) {
    const char *p = tmpl;
    while (*p) {
        const char *at = strstr(p, "@@");
        int i, hit = 0;
        if (!at) { cr_buf_puts(out, p); return; }
        cr_buf_add(out, p, (size_t)(at - p));
        for (i = 0; pairs[i]; i += 2) {
            size_t n = strlen(pairs[i]);
            if (!strncmp(at, pairs[i], n)) { cr_buf_puts(out, pairs[i + 1]); p = at + n; hit = 1; break; }
        }
        if (!hit) { cr_buf_add(out, "@@", 2); p = at + 2; }
    }
}


CR_API void cr_spec_default(cr_buf *out, int flags) {
    int rootless = flags & CR_SPEC_ROOTLESS;
    static const char sys_root[] =
        "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"sysfs\",\n\t\t\t\"source\": \"sysfs\",\n"
        "\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"ro\"\n\t\t\t]\n\t\t},\n"
        "\t\t{\n\t\t\t\"destination\": \"/sys/fs/cgroup\",\n\t\t\t\"type\": \"cgroup\",\n\t\t\t\"source\": \"cgroup\",\n"
        "\t\t\t\"options\": [\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"relatime\",\n\t\t\t\t\"ro\"\n\t\t\t]\n\t\t}\n";
    static const char sys_rootless[] =
        "\t\t{\n\t\t\t\"destination\": \"/sys\",\n\t\t\t\"type\": \"none\",\n\t\t\t\"source\": \"/sys\",\n"
        "\t\t\t\"options\": [\n\t\t\t\t\"rbind\",\n\t\t\t\t\"nosuid\",\n\t\t\t\t\"noexec\",\n\t\t\t\t\"nodev\",\n\t\t\t\t\"ro\"\n\t\t\t]\n\t\t}\n";
    static const char ns_root[] =
        "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n\t\t\t]\n\t\t},\n"
        "\t\t\"namespaces\": [\n\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n"
        "\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n"
        "\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t}\n\t\t],\n";
    char userns[1024];
    const char *pairs[] = { "@@GID5@@", rootless ? "" : ",\n\t\t\t\t\"gid=5\"",
                            "@@SYS@@", rootless ? sys_rootless : sys_root,
                            "@@USERNS@@", ns_root, "@@SECCOMP@@", "", NULL };
    cr_buf seccomp = {0};
    if (rootless) {
        snprintf(userns, sizeof userns,
                 "\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
                 "\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n"
                 "\t\t\"namespaces\": [\n\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n"
                 "\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n"
                 "\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t}\n\t\t],\n",
                 (unsigned)geteuid(), (unsigned)getegid());
        pairs[5] = userns;
    }
    if (flags & CR_SPEC_SECCOMP) {
        /* the default process keeps AUDIT_WRITE, KILL and NET_BIND_SERVICE */
        cr_buf_puts(&seccomp, "\t\t\"seccomp\": ");
        cr_spec_default_seccomp(&seccomp, 1ULL << 29 | 1ULL << 5 | 1ULL << 10);
        cr_buf_puts(&seccomp, ",\n");
        pairs[7] = seccomp.data;
    }
    cr__buf_replace(out, cr__default_spec, pairs);
    cr_buf_free(&seccomp);
}

/* Docker's default seccomp profile, as data: an allow list, plus rules that
   apply only when the container has (or lacks) a capability. Written out
   for a capability set by cr_spec_default_seccomp(). */
static const char *const cr__sc_allow[] = {
    "accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32 "
    "clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 "
    "clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 "
    "epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old "
    "eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate "
    "fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync "
    "fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync "
    "ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu "
    "getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 "
    "getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 "
    "getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area "
    "gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init inotify_init1 "
    "inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get "
    "ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self "
    "lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr "
    "lstat lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod "
    "mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
    "mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd "
    "msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect open openat openat2 "
    "pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll "
    "ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 "
    "pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 "
    "recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction "
    "rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait "
    "rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam "
    "sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval "
    "sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler "
    "sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 "
    "sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 "
    "setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid "
    "setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 "
    "setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn "
    "socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range "
    "syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 "
    "timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime "
    "timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat "
    "utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev "
    "process_vm_readv process_vm_writev ptrace arch_prctl modify_ldt"
};
/* cap < 0: always; otherwise allowed only with that capability */
static const struct { int cap; const char *names; } cr__sc_cap_allow[] = {
    { 2 /* DAC_READ_SEARCH */, "open_by_handle_at" },
    { 21 /* SYS_ADMIN */, "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount "
                          "mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd setdomainname "
                          "sethostname setns syslog umount umount2 unshare" },
    { 22 /* SYS_BOOT */, "reboot" },
    { 18 /* SYS_CHROOT */, "chroot" },
    { 16 /* SYS_MODULE */, "delete_module init_module finit_module" },
    { 20 /* SYS_PACCT */, "acct" },
    { 19 /* SYS_PTRACE */, "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace" },
    { 17 /* SYS_RAWIO */, "iopl ioperm" },
    { 25 /* SYS_TIME */, "settimeofday stime clock_settime clock_settime64" },
    { 26 /* SYS_TTY_CONFIG */, "vhangup" },
    { 23 /* SYS_NICE */, "get_mempolicy mbind set_mempolicy set_mempolicy_home_node" },
    { 34 /* SYSLOG */, "syslog" },
    { 39 /* BPF */, "bpf" },
    { 38 /* PERFMON */, "perf_event_open" },
};

static void cr__sc_names(cr_jw *w, const char *list) {
    const char *p = list;
    cr_jw_key(w, "names");
    cr_jw_arr(w);
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n) cr_jw_strn(w, p, n);
        p += n;
        while (*p == ' ') p++;
    }
    cr_jw_arr_end(w);
}

static void cr__sc_rule(cr_jw *w, const char *names, const char *action, int errno_ret) {
    cr_jw_obj(w);
    cr__sc_names(w, names);
    cr_jw_key(w, "action"); cr_jw_str(w, action);
    if (errno_ret) { cr_jw_key(w, "errnoRet"); cr_jw_i64(w, errno_ret); }
}

CR_API void cr_spec_default_seccomp(cr_buf *out, uint64_t caps) {
    static const uint32_t personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
    cr_jw w;
    size_t i;
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    cr_jw_key(&w, "defaultAction"); cr_jw_str(&w, "SCMP_ACT_ERRNO");
    cr_jw_key(&w, "defaultErrnoRet"); cr_jw_i64(&w, EPERM);
    cr_jw_key(&w, "architectures"); cr_jw_arr(&w);
#if defined(__x86_64__)
    cr_jw_str(&w, "SCMP_ARCH_X86_64"); cr_jw_str(&w, "SCMP_ARCH_X86"); cr_jw_str(&w, "SCMP_ARCH_X32");
#elif defined(__aarch64__)
    cr_jw_str(&w, "SCMP_ARCH_AARCH64"); cr_jw_str(&w, "SCMP_ARCH_ARM");
#endif
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "syscalls"); cr_jw_arr(&w);
    cr__sc_rule(&w, cr__sc_allow[0], "SCMP_ACT_ALLOW", 0);
    cr_jw_obj_end(&w);
    /* AF_VSOCK sockets reach the host: everything else is fine */
    cr__sc_rule(&w, "socket", "SCMP_ACT_ALLOW", 0);
    cr_jw_key(&w, "args"); cr_jw_arr(&w); cr_jw_obj(&w);
    cr_jw_key(&w, "index"); cr_jw_i64(&w, 0); cr_jw_key(&w, "value"); cr_jw_i64(&w, 40);
    cr_jw_key(&w, "op"); cr_jw_str(&w, "SCMP_CMP_NE");
    cr_jw_obj_end(&w); cr_jw_arr_end(&w); cr_jw_obj_end(&w);
    for (i = 0; i < sizeof personas / sizeof *personas; i++) {
        cr__sc_rule(&w, "personality", "SCMP_ACT_ALLOW", 0);
        cr_jw_key(&w, "args"); cr_jw_arr(&w); cr_jw_obj(&w);
        cr_jw_key(&w, "index"); cr_jw_i64(&w, 0); cr_jw_key(&w, "value"); cr_jw_u64(&w, personas[i]);
        cr_jw_key(&w, "op"); cr_jw_str(&w, "SCMP_CMP_EQ");
        cr_jw_obj_end(&w); cr_jw_arr_end(&w); cr_jw_obj_end(&w);
    }
    for (i = 0; i < sizeof cr__sc_cap_allow / sizeof *cr__sc_cap_allow; i++)
        if (caps >> cr__sc_cap_allow[i].cap & 1) { cr__sc_rule(&w, cr__sc_cap_allow[i].names, "SCMP_ACT_ALLOW", 0); cr_jw_obj_end(&w); }
    if (!(caps >> 21 & 1)) {
        /* without CAP_SYS_ADMIN: clone without namespace flags; clone3 says
           ENOSYS so libcs fall back to clone, whose flags can be checked */
        cr__sc_rule(&w, "clone", "SCMP_ACT_ALLOW", 0);
        cr_jw_key(&w, "args"); cr_jw_arr(&w); cr_jw_obj(&w);
        cr_jw_key(&w, "index"); cr_jw_i64(&w, 0); cr_jw_key(&w, "value"); cr_jw_i64(&w, 2114060288);
        cr_jw_key(&w, "valueTwo"); cr_jw_i64(&w, 0); cr_jw_key(&w, "op"); cr_jw_str(&w, "SCMP_CMP_MASKED_EQ");
        cr_jw_obj_end(&w); cr_jw_arr_end(&w); cr_jw_obj_end(&w);
        cr__sc_rule(&w, "clone3", "SCMP_ACT_ERRNO", ENOSYS);
        cr_jw_obj_end(&w);
    }
    cr_jw_arr_end(&w);
    cr_jw_obj_end(&w);
}

/* ==========================================================================
 * >>cgroup — cr_cgroup_*: where the container's processes are accounted.
 * The hierarchies are read once per process from /proc/self/mountinfo:
 * v1 controllers, a v2 unified hierarchy, or both (hybrid). Each container
 * gets the same relative path in every hierarchy.
 * ========================================================================== */

#define CR__CG_MAX 16
typedef struct cr__cg_hier { char mnt[256]; char opts[128]; int v2; } cr__cg_hier;
static cr__cg_hier cr__cg_hiers[CR__CG_MAX];
static int cr__cg_n = -1, cr__cg_mode;

static void cr__cgroup_parse_mountinfo(FILE *f) {
    char line[4096];
    cr__cg_n = 0;
    cr__cg_mode = 0;
    while (fgets(line, sizeof line, f) && cr__cg_n < CR__CG_MAX) {
        char mnt[256], root[256], fstype[32], super[256];
        char *sep = strstr(line, " - ");
        int v2, i, dup = -1;
        if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2) continue;
        if (sscanf(sep + 3, "%31s %*s %255s", fstype, super) != 2) continue;
        if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")) continue;
        /* a bind of a sub-cgroup (root != "/") is not the hierarchy */
        if (strcmp(root, "/")) continue;
        v2 = !strcmp(fstype, "cgroup2");
        cr__cg_hiers[cr__cg_n].v2 = v2;
        if (!v2) {
            /* keep only the controller names from the super options */
            char *tok, *save = NULL, out[128] = "";
            for (tok = strtok_r(super, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (!strcmp(tok, "rw") || !strcmp(tok, "ro") || !strncmp(tok, "release_agent", 13) ||
                    !strcmp(tok, "clone_children") || !strcmp(tok, "noprefix") || !strcmp(tok, "xattr")) continue;
                if (*out) strncat(out, ",", sizeof out - strlen(out) - 1);
                strncat(out, tok, sizeof out - strlen(out) - 1);
            }
            snprintf(cr__cg_hiers[cr__cg_n].opts, sizeof cr__cg_hiers[0].opts, "%s", out);
        } else cr__cg_hiers[cr__cg_n].opts[0] = 0;
        /* one entry per hierarchy: a second mount of it (a container's
           cgroupfs left on the host, a read-only bind) is skipped, unless
           it is the one under /sys/fs/cgroup and the first was not */
        for (i = 0; i < cr__cg_n; i++)
            if (cr__cg_hiers[i].v2 == v2 && !strcmp(cr__cg_hiers[i].opts, cr__cg_hiers[cr__cg_n].opts)) dup = i;
        if (dup >= 0) {
            if (!strncmp(mnt, "/sys/fs/cgroup/", 15) && strncmp(cr__cg_hiers[dup].mnt, "/sys/fs/cgroup/", 15))
                snprintf(cr__cg_hiers[dup].mnt, sizeof cr__cg_hiers[0].mnt, "%s", mnt);
            continue;
        }
        snprintf(cr__cg_hiers[cr__cg_n].mnt, sizeof cr__cg_hiers[0].mnt, "%s", mnt);
        cr__cg_mode |= v2 ? CR_CGROUP_V2 : CR_CGROUP_V1;
        cr__cg_n++;
    }
}

static void cr__cgroup_scan(void) {
    FILE *f;
    if (cr__cg_n >= 0) return;
    cr__cg_n = 0;
    if (!(f = fopen("/proc/self/mountinfo", "re"))) return;
    cr__cgroup_parse_mountinfo(f);
    fclose(f);
}

CR_API int cr_cgroup_mode(void) { cr__cgroup_scan(); return cr__cg_mode; }

/* A container's cgroup is kept as its directories, one per hierarchy and
   one per line ("/sys/fs/cgroup/pids/cr/web\n..."), resolved once at create
   time: relative cgroupsPath values are relative to the cgroup of the
   process that creates the container (runc's rule), which a later delete
   from another cgroup could not recompute. */
static const char *cr__cgroup_next(const char *p, char *dir, size_t n) {
    size_t l;
    if (!p || !*p) return NULL;
    l = strcspn(p, "\n");
    snprintf(dir, n, "%.*s", (int)l, p);
    return p[l] ? p + l + 1 : p + l;
}

static int cr__cgroup_hier_of(const char *dir) {
    int i;
    cr__cgroup_scan();
    for (i = 0; i < cr__cg_n; i++) {
        size_t l = strlen(cr__cg_hiers[i].mnt);
        if (!strncmp(dir, cr__cg_hiers[i].mnt, l) && (dir[l] == '/' || !dir[l])) return i;
    }
    return -1;
}

/* Our own cgroup in hierarchy h, from /proc/self/cgroup. */
static void cr__cgroup_own(const cr__cg_hier *h, char *out, size_t n) {
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[4096];
    snprintf(out, n, "/");
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = 0;
        line[strcspn(line, "\n")] = 0;
        c2[1 + strcspn(c2 + 1, "\n")] = 0;
        if ((h->v2 && !strcmp(c1 + 1, "")) || (!h->v2 && *h->opts && !strcmp(c1 + 1, h->opts))) {
            snprintf(out, n, "%s", c2 + 1);
            break;
        }
    }
    fclose(f);
}

/* systemd's "slice:prefix:name" as the path systemd would give it:
   "a-b.slice:docker:ID" -> /a.slice/a-b.slice/docker-ID.scope. cr writes
   cgroupfs itself under that name; it does not register the scope over
   D-Bus, so it asks for a running systemd only to keep the naming honest. */
static int cr__cgroup_systemd_path(const char *spec, const char *id, char *out, size_t n, cr_err *err) {
    char slice[256] = "", prefix[256] = "", name[256] = "", *p;
    const char *c1, *c2;
    cr_buf b = {0};
    if (access("/run/systemd/system", F_OK) < 0)
        return cr_err_set(err, ENOTSUP, "--systemd-cgroup: systemd is not running on this host; use --cgroup-manager cgroupfs");
    if (!spec || !*spec) spec = "";
    c1 = strchr(spec, ':');
    c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (*spec && (!c1 || !c2 || strchr(c2 + 1, ':')))
        return cr_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\" is not slice:prefix:name", spec);
    if (*spec) {
        snprintf(slice, sizeof slice, "%.*s", (int)(c1 - spec), spec);
        snprintf(prefix, sizeof prefix, "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        snprintf(name, sizeof name, "%s", c2 + 1);
    }
    if (!*slice) snprintf(slice, sizeof slice, "system.slice");
    if (!*name) snprintf(name, sizeof name, "%s", id);
    if (strchr(slice, '/') || strchr(prefix, '/') || strchr(name, '/') || strstr(slice, ".."))
        return cr_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\": parts must not contain '/'", spec);
    /* every dash-separated prefix of the slice is a parent slice */
    for (p = strchr(slice, '-'); p; p = strchr(p + 1, '-')) cr_buf_printf(&b, "/%.*s.slice", (int)(p - slice), slice);
    cr_buf_printf(&b, "/%s", slice);
    if (strstr(name, ".slice") == name + strlen(name) - 6 && strlen(name) > 6) cr_buf_printf(&b, "/%s", name);
    else cr_buf_printf(&b, "/%s%s%s.scope", prefix, *prefix ? "-" : "", name);
    snprintf(out, n, "%s", b.data ? b.data : "/");
    cr_buf_free(&b);
    return 0;
}

/* cgroupsPath without "//", trailing "/" and "." components; "..", and a
   path that names no cgroup below its base (the root, or the creator's own
   cgroup), are refused: delete kills what is in the container's cgroup. */
static int cr__cgroup_clean(const char *in, char *out, size_t n, cr_err *err) {
    const char *p = in;
    size_t len = 0;
    out[0] = 0;
    if (*p == '/') { out[len++] = '/'; out[len] = 0; }
    while (*p) {
        size_t l;
        while (*p == '/') p++;
        l = strcspn(p, "/");
        if (!l) break;
        if (l == 2 && !strncmp(p, "..", 2)) return cr_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\" must not contain \"..\"", in);
        if (!(l == 1 && *p == '.')) {
            if (len + l + 2 >= n) return cr_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
            if (len && out[len - 1] != '/') out[len++] = '/';
            memcpy(out + len, p, l);
            len += l;
            out[len] = 0;
        }
        p += l;
    }
    if (!len || !strcmp(out, "/"))
        return cr_err_set(err, EINVAL, "linux.cgroupsPath: \"%s\" names no cgroup of its own", in);
    return 0;
}

static int cr__cgroup_resolve(const char *cgroups_path, const char *id, int systemd, char *out, size_t n, cr_err *err) {
    cr_buf b = {0};
    char sd[PATH_MAX], clean[PATH_MAX];
    int i, r;
    cr__cgroup_scan();
    if (systemd) {
        if ((r = cr__cgroup_systemd_path(cgroups_path, id, sd, sizeof sd, err)) < 0) return r;
        cgroups_path = sd;
    }
    if (cgroups_path && *cgroups_path) {
        if ((r = cr__cgroup_clean(cgroups_path, clean, sizeof clean, err)) < 0) return r;
        cgroups_path = clean;
    }
    for (i = 0; i < cr__cg_n; i++) {
        const cr__cg_hier *h = &cr__cg_hiers[i];
        char own[PATH_MAX];
        if (!h->v2 && !*h->opts) continue;
        if (cgroups_path && cgroups_path[0] == '/') cr_buf_printf(&b, "%s%s\n", h->mnt, cgroups_path);
        else if (cgroups_path && *cgroups_path) {
            cr__cgroup_own(h, own, sizeof own);
            cr_buf_printf(&b, "%s%s%s%s\n", h->mnt, strcmp(own, "/") ? own : "", "/", cgroups_path);
        } else cr_buf_printf(&b, "%s/cr/%s\n", h->mnt, id);
    }
    if (b.oom || b.len >= n) { cr_buf_free(&b); return cr_err_set(err, ENAMETOOLONG, "linux.cgroupsPath: too long"); }
    snprintf(out, n, "%s", b.data ? b.data : "");
    cr_buf_free(&b);
    return 0;
}

/* cpuset children start empty and refuse tasks: copy the parent's sets. */
static void cr__cgroup_cpuset_init(const char *dir) {
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    int i;
    for (i = 0; i < 2; i++) {
        char path[PATH_MAX], ppath[PATH_MAX], *slash;
        cr_buf b = {0};
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (cr_util_read_file(AT_FDCWD, path, 4096, &b, NULL) == 0 && b.len > 1) { cr_buf_free(&b); continue; }
        cr_buf_free(&b);
        snprintf(ppath, sizeof ppath, "%s", dir);
        if (!(slash = strrchr(ppath, '/'))) continue;
        snprintf(slash, sizeof ppath - (size_t)(slash - ppath), "/%s", files[i]);
        if (cr_util_read_file(AT_FDCWD, ppath, 4096, &b, NULL) == 0) cr__write_str(path, b.data);
        cr_buf_free(&b);
    }
}

static int cr__cgroup_mkdir(const char *dir, cr_err *err) {
    char path[PATH_MAX], *p;
    int h = cr__cgroup_hier_of(dir), cpuset = h >= 0 && strstr(cr__cg_hiers[h].opts, "cpuset") != NULL;
    if (h < 0) return cr_err_set(err, EINVAL, "cgroup \"%s\": not in a cgroup hierarchy", dir);
    snprintf(path, sizeof path, "%s", dir);
    for (p = path + strlen(cr__cg_hiers[h].mnt) + 1; ; p++) {
        if (*p == '/' || !*p) {
            char save = *p;
            *p = 0;
            if (mkdir(path, 0755) < 0 && errno != EEXIST) return cr__errno(err, "mkdir %s", path);
            if (cpuset) cr__cgroup_cpuset_init(path);
            *p = save;
            if (!save) break;
        }
    }
    return 0;
}

/* Creates the container's cgroup in every hierarchy and moves pid in. As
   non-root, a hierarchy that is not delegated is skipped with a debug line
   and dropped from dirs, which then lists only the cgroups pid is in. */
static int cr__cgroup_enter(char *dirs, pid_t pid, cr_err *err) {
    char dir[PATH_MAX], pidstr[32];
    const char *p = dirs;
    cr_buf kept = {0};
    int r = 0;
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        char procs[PATH_MAX];
        cr_err e2 = {0};
        if (cr__cgroup_mkdir(dir, &e2) < 0) {
            if (geteuid() == 0) { *err = e2; r = -e2.code; break; }
            cr_log(CR_LOG_DEBUG, "cgroup: %s", e2.msg);
            continue;
        }
        snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
        if (cr__write_str(procs, pidstr) < 0) {
            if (geteuid() == 0) { r = cr__errno(err, "join %s", procs); break; }
            cr_log(CR_LOG_DEBUG, "join %s: %s", procs, strerror(errno));
            continue;
        }
        cr_buf_printf(&kept, "%s\n", dir);
    }
    if (!r) snprintf(dirs, strlen(dirs) + 1, "%s", kept.data ? kept.data : "");
    cr_buf_free(&kept);
    return r;
}

/* The container's cgroup2 directory, made now and opened for
   CLONE_INTO_CGROUP; -1 when there is none (the join then happens by pid). */
static int cr__cgroup_v2_fd(const char *dirs) {
    char dir[PATH_MAX];
    const char *p = dirs;
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        int h = cr__cgroup_hier_of(dir);
        if (h >= 0 && cr__cg_hiers[h].v2) {
            cr_err e = {0};
            if (cr__cgroup_mkdir(dir, &e) < 0) return -1;
            return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
    }
    return -1;
}

static int cr__cgroup_read_pids(const char *dir, pid_t **pids, size_t *n) {
    char path[PATH_MAX];
    FILE *f;
    int pid;
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    f = fopen(path, "re");
    if (!f) return -errno;
    while (fscanf(f, "%d", &pid) == 1) {
        pid_t *p = (pid_t *)CR_REALLOC(*pids, (*n + 1) * sizeof **pids);
        if (!p) { fclose(f); return -ENOMEM; }
        *pids = p;
        (*pids)[(*n)++] = pid;
    }
    fclose(f);
    return 0;
}

CR_API int cr_cgroup_pids(const char *dirs, pid_t **pids, size_t *n, cr_err *err) {
    char dir[PATH_MAX];
    const char *p = dirs;
    *pids = NULL; *n = 0;
    /* the first hierarchy that has the cgroup knows all its pids */
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        int r;
        if (access(dir, F_OK) < 0) continue;
        r = cr__cgroup_read_pids(dir, pids, n);
        if (r < 0) return cr_err_set(err, -r, "read %s/cgroup.procs: %s", dir, strerror(-r));
        return 0;
    }
    return 0;
}

static int cr__cgroup_frozen(const char *dirs) {
    char dir[PATH_MAX];
    const char *p = dirs;
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        int h = cr__cgroup_hier_of(dir), frozen = 0;
        char path[PATH_MAX];
        cr_buf b = {0};
        if (h < 0) continue;
        if (cr__cg_hiers[h].v2 && cr__cg_mode == CR_CGROUP_V2) snprintf(path, sizeof path, "%s/cgroup.freeze", dir);
        else if (strstr(cr__cg_hiers[h].opts, "freezer")) snprintf(path, sizeof path, "%s/freezer.state", dir);
        else continue;
        if (cr_util_read_file(AT_FDCWD, path, 64, &b, NULL) == 0)
            frozen = b.data[0] == '1' || !strncmp(b.data, "FROZEN", 6) || !strncmp(b.data, "FREEZING", 8);
        cr_buf_free(&b);
        return frozen;
    }
    return 0;
}

/* Signals every process of the container's cgroup. Never a hierarchy root
   (a state from an older cr could name one), never pid 0 (cgroup.procs
   lists tasks of other pid namespaces as 0) and never ourselves. */
static void cr__cgroup_kill_all(const char *dirs, int sig) {
    char dir[PATH_MAX];
    const char *p = dirs;
    pid_t *pids = NULL;
    size_t n = 0, i;
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        int h = cr__cgroup_hier_of(dir);
        size_t l;
        if (h < 0) return;
        l = strlen(cr__cg_hiers[h].mnt);
        if (!dir[l] || !strcmp(dir + l, "/")) return;
    }
    if (cr_cgroup_pids(dirs, &pids, &n, NULL) < 0) return;
    for (i = 0; i < n; i++) if (pids[i] > 0 && pids[i] != getpid()) kill(pids[i], sig);
    CR_FREE(pids);
}

/* The sub-cgroups a container made under its own (a writable cgroupfs in
   its cgroup namespace), deepest first: their processes killed, rmdir
   retried while they exit. What stays busy makes the caller's rmdir fail. */
static void cr__cgroup_remove_children(const char *dir, int depth) {
    DIR *d;
    struct dirent *e;
    if (depth > 64 || !(d = opendir(dir))) return;
    while ((e = readdir(d))) {
        char sub[PATH_MAX];
        int tries;
        if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= (int)sizeof sub) continue;
        cr__cgroup_remove_children(sub, depth + 1);
        for (tries = 0; tries < 100 && rmdir(sub) < 0 && errno == EBUSY; tries++) {
            cr__cgroup_kill_all(sub, SIGKILL);
            usleep(tries < 20 ? 1000 : 10000);
        }
    }
    closedir(d);
}

/* Removes the container's cgroup everywhere. Leftover processes are killed
   first (cgroup.kill on v2), and rmdir is retried while they exit. */
static int cr__cgroup_destroy(const char *dirs, cr_err *err) {
    char dir[PATH_MAX];
    const char *p = dirs;
    while ((p = cr__cgroup_next(p, dir, sizeof dir))) {
        char kill_file[PATH_MAX];
        int tries, h = cr__cgroup_hier_of(dir);
        if (h < 0 || !dir[strlen(cr__cg_hiers[h].mnt)] || !strcmp(dir + strlen(cr__cg_hiers[h].mnt), "/") || access(dir, F_OK) < 0) continue;
        snprintf(kill_file, sizeof kill_file, "%s/cgroup.kill", dir);
        if (cr__cg_hiers[h].v2) cr__write_str(kill_file, "1");
        for (tries = 0; tries < 200; tries++) {
            if (rmdir(dir) == 0 || errno == ENOENT) break;
            if (errno != EBUSY) return cr__errno(err, "remove cgroup %s", dir);
            cr__cgroup_remove_children(dir, 0);
            cr__cgroup_kill_all(dir, SIGKILL);
            usleep(tries < 20 ? 1000 : 10000);
        }
        if (tries == 200) return cr_err_set(err, EBUSY, "remove cgroup %s: still busy", dir);
    }
    return 0;
}

/* ---- cgroup resources: linux.resources -> cgroup files ----------------------
 *
 * cr__cgroup_apply writes linux.resources (a cr_resources, parsed and
 * checked by the spec section) into the container's cgroup;
 * cr__cgroup_freeze, cr__cgroup_stats and cr__cgroup_oom_count read and
 * drive it. The caller says where the container's cgroup is (cr__cg_target).
 *
 * Where a controller's settings go: t->v1[ctrl] when that v1 hierarchy is
 * mounted; otherwise t->v2 (a unified host, or a hybrid host whose v2 holds
 * what v1 lacks, e.g. hugetlb). pure_v2 = 1 ignores v1[] altogether.
 *
 * Values mean what they mean to runc (and crun where the two agree):
 *   - 0 means "not set" for memory limit/reservation/swap, cpu shares/quota/
 *     period/realtime, blkio weights, net_cls classID (runc's zero values,
 *     even where cr_resources says the value was given);
 *     a negative memory value or cpu quota means unlimited ("max" on v2,
 *     -1 on v1). pids.limit: <= 0 is "max".
 *   - memory.swap is memory+swap (v1 memsw); v2 gets swap - limit.
 *   - cpu.shares -> cpu.weight with the quadratic mapping that runc (>= 1.3,
 *     opencontainers/cgroups) and crun (>= 1.23) both use now: 2 -> 1,
 *     1024 -> 100 (the v2 default), 262144 -> 10000.
 *   - blkio weight -> io.bfq.weight as is when BFQ is there, else io.weight
 *     converted 10..1000 -> 1..10000 (1 + (w - 10) * 9999 / 990).
 *   - devices: the rules apply in order and the last matching rule wins,
 *     per access bit (r, w, m); a rule of type "a" resets to allow-all or
 *     deny-all; with no leading "a" rule everything starts denied (runc's
 *     emulator). v1 gets the rules written literally (after a "deny a" when
 *     the list does not start with an "a" rule); v2 gets an eBPF program.
 *   - unified keys are written last and so override the typed settings.
 * update = 1 (cr update): only what the object gives changes. The only
 *   differences: devices are left alone unless "devices" is given, and on
 *   v2 a lone quota or period keeps the other half of cpu.max.
 *
 * A setting that cannot be applied (THE RULE):
 *   1. its controller is absent (no v1 hierarchy and no v2 dir, or v2 has the
 *      file's controller off in cgroup.controllers): error naming the field;
 *   2. a v1-only setting on a v2 controller (swappiness, disableOOMKiller,
 *      realtime*, leafWeight, network): error, because runtime-spec says "if
 *      the conversion is not possible the runtime MUST generate an error"
 *      (crun does the same; runc ignores them). Exception: kernel and
 *      kernelTCP are deprecated and ignored on v2 with a debug line;
 *   3. the controller is there but this kernel lacks a knob that only tunes
 *      (cpu burst, cpu.idle, rt_* without CONFIG_RT_GROUP_SCHED, blkio leaf
 *      weights, memsw / memory.swap.max without swap accounting, memory
 *      use_hierarchy=0 on kernels that only do hierarchical accounting):
 *      cr_log(CR_LOG_WARN) and go on. Only a debug line: kmem limits
 *      (written where the file is there; runc ignores them everywhere), an
 *      unlimited swap without swap accounting, hugetlb rsvd files. A
 *      weightDevice leafWeight on v2 is a warning (runc and crun drop it);
 *   4. anything else, i.e. every real limit (memory, cpu quota/shares,
 *      cpuset, pids, io/blkio throttles and weights, hugetlb, rdma, devices,
 *      unified): an error naming the field and the file, e.g.
 *      "linux.resources.memory.limit: write memory.limit_in_bytes: Device or
 *      resource busy". Never a silent success.
 * Device-cgroup failures with EPERM/EACCES are a warning, not an error, when
 * not root or inside a user namespace (runc and crun: rootless).
 * ------------------------------------------------------------------------- */
#include <linux/bpf.h>

#if defined(__GNUC__)
#define CR__CGRES_USED __attribute__((unused))
#else
#define CR__CGRES_USED
#endif

enum { CR__CG_CPU, CR__CG_CPUACCT, CR__CG_CPUSET, CR__CG_MEMORY, CR__CG_DEVICES, CR__CG_FREEZER, CR__CG_BLKIO,
       CR__CG_PIDS, CR__CG_HUGETLB, CR__CG_NET_CLS, CR__CG_NET_PRIO, CR__CG_RDMA, CR__CG_MISC, CR__CG_NCTRL };

typedef struct cr__cg_target {
    const char *v1[16];      /* indexed by CR__CG_*: the container's cgroup dir in the hierarchy holding that v1 controller, or NULL */
    const char *v2;          /* dir in the cgroup2 hierarchy, or NULL */
    int pure_v2;             /* 1: every controller is on v2 (unified host); 0: v1 or hybrid (v2 only has what v1 lacks, e.g. hugetlb) */
    /* optional, zero = off: */
    int default_devices;     /* append runc's default device rules (mknod anything; null, zero, full, random,
                                urandom, tty, ptmx, pts, tun) after linux.resources.devices */
    const cr_device *devices; int ndevices;  /* linux.devices: a default rule whose path is redefined here is dropped (runc) */
} cr__cg_target;

static const char *const cr__cg_ctrl_name[CR__CG_NCTRL] = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio", "rdma", "misc"
};

/* Adds one hierarchy's directory of the container to t: the cgroup2 one
   (v2 = 1), or a v1 one with its controller list ("cpu,cpuacct"). The
   caller sets t->pure_v2 = (cr_cgroup_mode() == CR_CGROUP_V2). */
static void cr__cgroup_target_add(cr__cg_target *t, const char *opts, int v2, const char *dir) {
    const char *p = opts;
    int i;
    if (v2) { t->v2 = dir; return; }
    while (p && *p) {
        size_t n = strcspn(p, ",");
        for (i = 0; i < CR__CG_NCTRL; i++)
            if (strlen(cr__cg_ctrl_name[i]) == n && !strncmp(p, cr__cg_ctrl_name[i], n)) t->v1[i] = dir;
        p += n + (p[n] == ',');
    }
}

/* ---- small helpers: directories, files, JSON fields ---- */

typedef struct cr__cg_ctx {
    const cr__cg_target *t;
    int fd[CR__CG_NCTRL + 1];   /* open v1 dirs by controller, [CR__CG_NCTRL] the v2 dir; -1 = not open */
    cr_err *err;
} cr__cg_ctx;

typedef struct cr__cg_dir { int fd; int v2; const char *path; } cr__cg_dir;

static void cr__cgroup_res_init(cr__cg_ctx *c, const cr__cg_target *t, cr_err *err) {
    int i;
    c->t = t; c->err = err;
    for (i = 0; i <= CR__CG_NCTRL; i++) c->fd[i] = -1;
}

static void cr__cgroup_res_fini(cr__cg_ctx *c) {
    int i;
    for (i = 0; i <= CR__CG_NCTRL; i++) if (c->fd[i] >= 0) close(c->fd[i]);
}

/* Picks and opens the directory of controller ctrl (ctrl < 0: the v2
   directory). quiet: return -ENODEV without an error message when there is
   none (stats). */
static int cr__cgroup_res_dir(cr__cg_ctx *c, int ctrl, const char *field, int quiet, cr__cg_dir *d) {
    const cr__cg_target *t = c->t;
    int slot;
    if (ctrl >= 0 && !t->pure_v2 && t->v1[ctrl]) { slot = ctrl; d->path = t->v1[ctrl]; d->v2 = 0; }
    else if (t->v2) { slot = CR__CG_NCTRL; d->path = t->v2; d->v2 = 1; }
    else if (quiet) return -ENODEV;
    else if (ctrl < 0) return cr_err_set(c->err, ENODEV, "%s: needs cgroup v2, and this host has only cgroup v1", field);
    else return cr_err_set(c->err, ENODEV, "%s: the %s cgroup controller is not available (not mounted on cgroup v1, no cgroup v2)",
                           field, cr__cg_ctrl_name[ctrl]);
    if (c->fd[slot] < 0) {
        c->fd[slot] = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->fd[slot] < 0) {
            if (quiet) return -errno;
            return cr__errno(c->err, "%s: open cgroup %s", field, d->path);
        }
    }
    d->fd = c->fd[slot];
    return 0;
}

/* Reads a small file relative to dirfd into buf (NUL-terminated); returns its length or -errno. */
static int cr__cgroup_res_read(int dirfd, const char *file, char *buf, size_t n) {
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC), e;
    size_t got = 0;
    if (fd < 0) return -errno;
    while (got + 1 < n) {
        ssize_t r = read(fd, buf + got, n - 1 - got);
        if (r < 0) { if (errno == EINTR) continue; e = errno; close(fd); return -e; }
        if (!r) break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    return (int)got;
}

/* "123\n" or "max" (UINT64_MAX). */
static int cr__cgroup_res_parse_u64(const char *s, uint64_t *v) {
    char *end;
    unsigned long long x;
    while (*s == ' ' || *s == '\t') s++;
    if (!strncmp(s, "max", 3)) { *v = UINT64_MAX; return 0; }
    if (*s < '0' || *s > '9') return -EINVAL;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || (*end && *end != '\n' && *end != ' ')) return -EINVAL;
    *v = x;
    return 0;
}

static int cr__cgroup_res_readu64(int dirfd, const char *file, uint64_t *v) {
    char buf[64];
    int r = cr__cgroup_res_read(dirfd, file, buf, sizeof buf);
    return r < 0 ? r : cr__cgroup_res_parse_u64(buf, v);
}

/* Value of "key N" in a flat-keyed file (memory.events, cpu.stat, ...). */
static int cr__cgroup_res_key(const char *text, const char *key, uint64_t *v) {
    size_t k = strlen(key);
    const char *p = text;
    while (p && *p) {
        if (!strncmp(p, key, k) && p[k] == ' ') return cr__cgroup_res_parse_u64(p + k + 1, v);
        p = strchr(p, '\n');
        if (p) p++;
    }
    return -ENOENT;
}

/* Is word one of the space-separated words of list? */
static int cr__cgroup_res_word(const char *list, const char *word) {
    size_t k = strlen(word);
    const char *p = list;
    while (*p) {
        size_t n;
        while (*p == ' ' || *p == '\n') p++;
        n = strcspn(p, " \n");
        if (n == k && !strncmp(p, word, k)) return 1;
        p += n;
    }
    return 0;
}

enum { CR__CGW_MUST, CR__CGW_WARN, CR__CGW_DEBUG };

static int cr__cgroup_res_missing(cr__cg_ctx *c, const cr__cg_dir *d, const char *file, const char *field) {
    if (d->v2) {
        char ctl[64], list[1024];
        snprintf(ctl, sizeof ctl, "%.*s", (int)strcspn(file, "."), file);
        if (strcmp(ctl, "cgroup") && cr__cgroup_res_read(d->fd, "cgroup.controllers", list, sizeof list) >= 0 &&
            !cr__cgroup_res_word(list, ctl))
            return cr_err_set(c->err, ENOENT, "%s: %s: the cgroup v2 controller \"%s\" is not enabled in %s",
                              field, file, ctl, d->path);
    }
    return cr_err_set(c->err, ENOENT, "%s: %s does not exist in %s (not supported by this kernel or controller)",
                      field, file, d->path);
}

/* Opens file for writing. 0 with *fdp, 1 when it is missing and how lets
   that pass (logged), < 0 error. O_TRUNC is what a shell's ">" does: kernfs
   ignores it, and a plain file (tests) then holds what was last written. */
static int cr__cgroup_res_open(cr__cg_ctx *c, const cr__cg_dir *d, const char *file, const char *field, int how, int *fdp) {
    *fdp = openat(d->fd, file, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (*fdp >= 0) return 0;
    if (errno == ENOENT && how != CR__CGW_MUST) {
        cr_log(how == CR__CGW_WARN ? CR_LOG_WARN : CR_LOG_DEBUG,
               "%s: %s/%s does not exist on this kernel: setting ignored", field, d->path, file);
        return 1;
    }
    if (errno == ENOENT) return cr__cgroup_res_missing(c, d, file, field);
    return cr__errno(c->err, "%s: open %s", field, file);
}

/* One value, one write(2): cgroup files take a whole value per write. */
static int cr__cgroup_res_put(cr__cg_ctx *c, int fd, const char *file, const char *val, const char *field) {
    size_t n = strlen(val);
    ssize_t w;
    do w = write(fd, val, n); while (w < 0 && errno == EINTR);
    if (w < 0) return cr__errno(c->err, "%s: write %s", field, file);
    if ((size_t)w != n) return cr_err_set(c->err, EIO, "%s: write %s: short write", field, file);
    return 0;
}

static int cr__cgroup_res_write(cr__cg_ctx *c, const cr__cg_dir *d, const char *file, const char *val,
                                const char *field, int how) {
    int fd, r = cr__cgroup_res_open(c, d, file, field, how, &fd);
    if (r) return r;
    r = cr__cgroup_res_put(c, fd, file, val, field);
    close(fd);
    return r;
}

/* A failure that THE RULE turns into a warning: log it, clear err, go on. */
static int cr__cgroup_res_warned(cr__cg_ctx *c, const char *why) {
    cr_log(CR_LOG_WARN, "%s (%s)", c->err->msg, why);
    c->err->code = 0;
    c->err->msg[0] = 0;
    return 0;
}

static void cr__cgroup_res_fmt_i64(char *b, size_t n, int64_t v) { snprintf(b, n, "%lld", (long long)v); }
static void cr__cgroup_res_fmt_u64(char *b, size_t n, uint64_t v) { snprintf(b, n, "%llu", (unsigned long long)v); }

static int cr__cgroup_res_v1only(cr__cg_ctx *c, const char *field) {
    return cr_err_set(c->err, EOPNOTSUPP, "%s: not supported on cgroup v2 (no equivalent setting)", field);
}

/* ---- memory ---- */

static int cr__cgroup_res_mem_limit_v1(cr__cg_ctx *c, const cr__cg_dir *d, int64_t limit) {
    static const char *const field = "linux.resources.memory.limit";
    char v[32];
    int r;
    cr__cgroup_res_fmt_i64(v, sizeof v, limit < 0 ? -1 : limit);
    r = cr__cgroup_res_write(c, d, "memory.limit_in_bytes", v, field, CR__CGW_MUST);
    if (r == -EINVAL && limit > 0)
        cr_err_set(c->err, EINVAL, "%s: write memory.limit_in_bytes: %s (is %lld above memory.memsw.limit_in_bytes? then set memory.swap too)",
                   field, strerror(EINVAL), (long long)limit);
    if (r == -EBUSY) {
        uint64_t usage = 0, peak = 0;
        cr__cgroup_res_readu64(d->fd, "memory.usage_in_bytes", &usage);
        cr__cgroup_res_readu64(d->fd, "memory.max_usage_in_bytes", &peak);
        cr_err_set(c->err, EBUSY, "%s: write memory.limit_in_bytes: %s (limit %lld is below the current usage %llu, peak %llu)",
                   field, strerror(EBUSY), (long long)limit, (unsigned long long)usage, (unsigned long long)peak);
    }
    return r < 0 ? r : 0;
}

static int cr__cgroup_res_mem_swap_v1(cr__cg_ctx *c, const cr__cg_dir *d, int64_t swap) {
    char v[32];
    int r;
    cr__cgroup_res_fmt_i64(v, sizeof v, swap < 0 ? -1 : swap);
    /* no memsw file: the kernel does no swap accounting (swapaccount=0, or no swap) */
    r = cr__cgroup_res_write(c, d, "memory.memsw.limit_in_bytes", v, "linux.resources.memory.swap",
                             swap < 0 ? CR__CGW_DEBUG : CR__CGW_WARN);
    return r < 0 ? r : 0;
}

/* The memory settings as runc reads them: limit, reservation and swap are
   0 when not set and -1 when unlimited; the rest count when given. */
typedef struct cr__cg_mem_want { const cr_res_memory *m; int64_t limit, resv, swap; int update; } cr__cg_mem_want;

static int64_t cr__cgroup_res_mem_value(int has, int64_t v) { return !has ? 0 : v < 0 ? -1 : v; }

/* The field named when the memory controller is missing: the first one set. */
static const char *cr__cgroup_res_mem_first(const cr__cg_mem_want *n) {
    const cr_res_memory *m = n->m;
    if (n->limit) return "linux.resources.memory.limit";
    if (n->swap) return "linux.resources.memory.swap";
    if (n->resv) return "linux.resources.memory.reservation";
    if (m->has_swappiness) return "linux.resources.memory.swappiness";
    if (m->has_disable_oom_killer && (m->disable_oom_killer || n->update)) return "linux.resources.memory.disableOOMKiller";
    if (m->has_use_hierarchy) return "linux.resources.memory.useHierarchy";
    if (m->has_kernel || m->has_kernel_tcp) return "linux.resources.memory.kernel";
    return NULL;
}

/* Deprecated: written where the kernel still has the file, never fatal. */
static void cr__cgroup_res_mem_kernel_v1(cr__cg_ctx *c, const cr__cg_dir *d, const cr_res_memory *m) {
    int i;
    for (i = 0; i < 2; i++) {
        const char *file = i ? "memory.kmem.tcp.limit_in_bytes" : "memory.kmem.limit_in_bytes";
        int64_t x = i ? m->kernel_tcp : m->kernel;
        cr_err e2 = {0};
        cr__cg_ctx c2 = *c;
        char v[32];
        if (!(i ? m->has_kernel_tcp : m->has_kernel)) continue;
        c2.err = &e2;
        cr__cgroup_res_fmt_i64(v, sizeof v, x < 0 ? -1 : x);
        if (cr__cgroup_res_write(&c2, d, file, v, i ? "linux.resources.memory.kernelTCP" : "linux.resources.memory.kernel",
                                 CR__CGW_DEBUG) < 0)
            cr_log(CR_LOG_WARN, "%s (kernel memory limits are deprecated: ignored)", e2.msg);
    }
}

static int cr__cgroup_res_mem_v1(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_mem_want *n) {
    const cr_res_memory *m = n->m;
    int64_t limit = n->limit, swap = n->swap;
    char v[32];
    int r;
    /* runc's order: unlimited memory brings unlimited swap along; when
       both are set, raise memsw first if the new memsw is above the old
       limit, so the kernel's memsw >= limit check never trips */
    if (limit == -1 && !swap && faccessat(d->fd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0) swap = -1;
    if (limit && swap) {
        uint64_t cur = 0;
        int rc = cr__cgroup_res_readu64(d->fd, "memory.limit_in_bytes", &cur);
        if (rc == 0 && (swap == -1 || cur < (uint64_t)swap)) {
            if ((r = cr__cgroup_res_mem_swap_v1(c, d, swap)) < 0) return r;
            if ((r = cr__cgroup_res_mem_limit_v1(c, d, limit)) < 0) return r;
            limit = swap = 0;
        }
    }
    if (limit && (r = cr__cgroup_res_mem_limit_v1(c, d, limit)) < 0) return r;
    if (swap && (r = cr__cgroup_res_mem_swap_v1(c, d, swap)) < 0) return r;
    if (n->resv) {
        cr__cgroup_res_fmt_i64(v, sizeof v, n->resv);
        if ((r = cr__cgroup_res_write(c, d, "memory.soft_limit_in_bytes", v, "linux.resources.memory.reservation", CR__CGW_MUST)) < 0) return r;
    }
    cr__cgroup_res_mem_kernel_v1(c, d, m);
    if (m->has_disable_oom_killer && (m->disable_oom_killer || n->update) &&
        (r = cr__cgroup_res_write(c, d, "memory.oom_control", m->disable_oom_killer ? "1" : "0",
                                  "linux.resources.memory.disableOOMKiller", CR__CGW_MUST)) < 0)
        return r;
    if (m->has_use_hierarchy) {
        r = cr__cgroup_res_write(c, d, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", "linux.resources.memory.useHierarchy", CR__CGW_WARN);
        if (r == -EINVAL && !m->use_hierarchy) cr__cgroup_res_warned(c, "this kernel only does hierarchical accounting");
        else if (r < 0) return r;
    }
    if (m->has_swappiness) {
        cr__cgroup_res_fmt_i64(v, sizeof v, m->swappiness);
        if ((r = cr__cgroup_res_write(c, d, "memory.swappiness", v, "linux.resources.memory.swappiness", CR__CGW_MUST)) < 0) return r;
    }
    return 0;
}

/* memory.swap.max = swap - limit (runc's ConvertMemorySwapToCgroupV2Value) */
static int cr__cgroup_res_mem_swap_v2(cr__cg_ctx *c, const cr__cg_dir *d, int64_t limit, int64_t swap) {
    const char *sv = NULL;
    char v[32];
    int r;
    if (limit == -1 && !swap) sv = "max";
    else if (swap == -1) sv = "max";
    else if (swap > 0) {
        if (limit <= 0)
            return cr_err_set(c->err, EINVAL, "linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2");
        if (swap < limit)
            return cr_err_set(c->err, EINVAL, "linux.resources.memory.swap: memory+swap limit %lld is below the memory limit %lld",
                              (long long)swap, (long long)limit);
        cr__cgroup_res_fmt_i64(v, sizeof v, swap - limit);
        sv = v;
    }
    if (!sv) return 0;
    r = cr__cgroup_res_write(c, d, "memory.swap.max", sv, "linux.resources.memory.swap", !strcmp(sv, "max") ? CR__CGW_DEBUG : CR__CGW_WARN);
    return r < 0 ? r : 0;
}

static int cr__cgroup_res_mem_v2(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_mem_want *n) {
    const cr_res_memory *m = n->m;
    char v[32];
    int r;
    if (m->has_swappiness) return cr__cgroup_res_v1only(c, "linux.resources.memory.swappiness");
    if (m->has_disable_oom_killer && m->disable_oom_killer) return cr__cgroup_res_v1only(c, "linux.resources.memory.disableOOMKiller");
    if (m->has_use_hierarchy && !m->use_hierarchy) return cr__cgroup_res_v1only(c, "linux.resources.memory.useHierarchy");
    if (m->has_kernel || m->has_kernel_tcp) cr_log(CR_LOG_DEBUG, "linux.resources.memory.kernel/kernelTCP: ignored on cgroup v2");
    if (m->has_check_before_update && m->check_before_update && n->limit > 0) {
        /* best effort, as runc: an unreadable usage does not block the update */
        uint64_t usage;
        if (cr__cgroup_res_readu64(d->fd, "memory.current", &usage) == 0 && usage >= (uint64_t)n->limit)
            return cr_err_set(c->err, EBUSY, "linux.resources.memory.limit: rejecting memory limit %lld below the current usage %llu (checkBeforeUpdate)",
                              (long long)n->limit, (unsigned long long)usage);
    }
    if ((n->limit || n->swap) && (r = cr__cgroup_res_mem_swap_v2(c, d, n->limit, n->swap)) < 0) return r;
    if (n->limit) {
        if (n->limit < 0) snprintf(v, sizeof v, "max");
        else cr__cgroup_res_fmt_i64(v, sizeof v, n->limit);
        if ((r = cr__cgroup_res_write(c, d, "memory.max", v, "linux.resources.memory.limit", CR__CGW_MUST)) < 0) return r;
    }
    if (n->resv) {
        if (n->resv < 0) snprintf(v, sizeof v, "max");
        else cr__cgroup_res_fmt_i64(v, sizeof v, n->resv);
        if ((r = cr__cgroup_res_write(c, d, "memory.low", v, "linux.resources.memory.reservation", CR__CGW_MUST)) < 0) return r;
    }
    return 0;
}

static int cr__cgroup_res_memory(cr__cg_ctx *c, const cr_res_memory *m, int update) {
    cr__cg_mem_want n;
    const char *first;
    cr__cg_dir d;
    int r;
    n.m = m; n.update = update;
    n.limit = cr__cgroup_res_mem_value(m->has_limit, m->limit);
    n.resv = cr__cgroup_res_mem_value(m->has_reservation, m->reservation);
    n.swap = cr__cgroup_res_mem_value(m->has_swap, m->swap);
    if (!(first = cr__cgroup_res_mem_first(&n))) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_MEMORY, first, 0, &d)) < 0) return r;
    return d.v2 ? cr__cgroup_res_mem_v2(c, &d, &n) : cr__cgroup_res_mem_v1(c, &d, &n);
}

/* ---- cpu, cpuset ---- */

/* cpu.shares -> cpu.weight, runc's and crun's quadratic fit through (2, 1),
   (1024, 100), (262144, 10000): ceil(10^((l^2 + 125 l) / 612 - 7/34)) with
   l = log2(shares). Computed without libm (log via atanh series, exp via
   Taylor): identical to glibc's and musl's log2/pow for every shares value
   (the unit test checks all of them). */
static uint64_t cr__cgroup_res_weight(uint64_t shares) {
    const double ln2 = 0.69314718055994530942, ln10 = 2.30258509299404568402;
    double m, z, z2, term, sum, l, e, y, rem, p;
    int k = 0, i, n;
    uint64_t w;
    if (!shares) return 0;
    if (shares <= 2) return 1;
    if (shares >= 262144) return 10000;
    while (shares >> (k + 1)) k++;
    m = (double)shares / (double)(1ULL << k);            /* [1, 2) */
    z = (m - 1) / (m + 1); z2 = z * z; term = z; sum = 0;
    for (i = 1; i < 61; i += 2) { sum += term / i; term *= z2; }
    l = k + 2 * sum / ln2;
    e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    if (e == (double)(int)e) { for (p = 1, i = 0; i < (int)e; i++) p *= 10; return (uint64_t)p; }
    y = e * ln10;
    n = (int)(y / ln2 + 0.5);
    rem = y - n * ln2;
    for (term = 1, sum = 1, i = 1; i < 30; i++) { term *= rem / i; sum += term; }
    for (p = sum; n > 0; n--) p *= 2;
    w = (uint64_t)p;
    return (double)w < p ? w + 1 : w;
}

/* The cpu settings as runc reads them: shares, quota, period and the
   realtime pair are 0 when not set (quota -1: unlimited); burst and idle
   count when given, even as 0; empty cpuset lists are not set. */
typedef struct cr__cg_cpu_want {
    const cr_res_cpu *u;
    uint64_t shares, period, rtperiod;
    int64_t quota, rtruntime;
    const char *cpus, *mems;
    int update;
} cr__cg_cpu_want;

static const char *cr__cgroup_res_cpu_first(const cr__cg_cpu_want *n) {
    if (n->shares) return "linux.resources.cpu.shares";
    if (n->quota) return "linux.resources.cpu.quota";
    if (n->period) return "linux.resources.cpu.period";
    if (n->u->has_burst) return "linux.resources.cpu.burst";
    if (n->u->has_idle) return "linux.resources.cpu.idle";
    if (n->rtruntime || n->rtperiod) return "linux.resources.cpu.realtimeRuntime";
    return NULL;
}

/* Realtime: period first unless the kernel wants the runtime in first (runc). */
static int cr__cgroup_res_cpu_rt_v1(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_cpu_want *n) {
    char v[64], pend_period[64] = "";
    int r;
    if (n->rtperiod) {
        cr__cgroup_res_fmt_u64(v, sizeof v, n->rtperiod);
        r = cr__cgroup_res_write(c, d, "cpu.rt_period_us", v, "linux.resources.cpu.realtimePeriod", CR__CGW_WARN);
        if (r == -EINVAL && n->rtruntime) snprintf(pend_period, sizeof pend_period, "%s", v);
        else if (r < 0) return r;
    }
    if (n->rtruntime) {
        cr__cgroup_res_fmt_i64(v, sizeof v, n->rtruntime);
        if ((r = cr__cgroup_res_write(c, d, "cpu.rt_runtime_us", v, "linux.resources.cpu.realtimeRuntime", CR__CGW_WARN)) < 0) return r;
        if (*pend_period &&
            (r = cr__cgroup_res_write(c, d, "cpu.rt_period_us", pend_period, "linux.resources.cpu.realtimePeriod", CR__CGW_WARN)) < 0)
            return r;
    }
    return 0;
}

static int cr__cgroup_res_cpu_v1(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_cpu_want *n) {
    const cr_res_cpu *u = n->u;
    char v[64], pend_period[64] = "", pend_burst[64] = "";
    int r;
    if (n->shares) {
        uint64_t got = 0;
        cr__cgroup_res_fmt_u64(v, sizeof v, n->shares);
        if ((r = cr__cgroup_res_write(c, d, "cpu.shares", v, "linux.resources.cpu.shares", CR__CGW_MUST)) < 0) return r;
        /* the kernel clamps; say so like runc instead of running with another value */
        if (cr__cgroup_res_readu64(d->fd, "cpu.shares", &got) == 0 && got != n->shares && got)
            return cr_err_set(c->err, EINVAL, "linux.resources.cpu.shares: the %s allowed cpu shares is %llu",
                              n->shares > got ? "maximum" : "minimum", (unsigned long long)got);
    }
    if (n->period) {
        cr__cgroup_res_fmt_u64(v, sizeof v, n->period);
        r = cr__cgroup_res_write(c, d, "cpu.cfs_period_us", v, "linux.resources.cpu.period", CR__CGW_MUST);
        /* a shorter period can exceed the parent's quota until the new quota is in: retry after it */
        if (r == -EINVAL && n->quota) snprintf(pend_period, sizeof pend_period, "%s", v);
        else if (r < 0) return r;
    }
    if (u->has_burst) {
        cr__cgroup_res_fmt_u64(v, sizeof v, u->burst);
        r = cr__cgroup_res_write(c, d, "cpu.cfs_burst_us", v, "linux.resources.cpu.burst", CR__CGW_WARN);
        if (r == -EINVAL && n->quota) snprintf(pend_burst, sizeof pend_burst, "%s", v);
        else if (r < 0) return r;
    }
    if (n->quota) {
        cr__cgroup_res_fmt_i64(v, sizeof v, n->quota);
        if ((r = cr__cgroup_res_write(c, d, "cpu.cfs_quota_us", v, "linux.resources.cpu.quota", CR__CGW_MUST)) < 0) return r;
        if (*pend_period &&
            (r = cr__cgroup_res_write(c, d, "cpu.cfs_period_us", pend_period, "linux.resources.cpu.period", CR__CGW_MUST)) < 0)
            return r;
        if (*pend_burst &&
            (r = cr__cgroup_res_write(c, d, "cpu.cfs_burst_us", pend_burst, "linux.resources.cpu.burst", CR__CGW_WARN)) < 0)
            return r;
    }
    if (u->has_idle) {
        cr__cgroup_res_fmt_i64(v, sizeof v, u->idle);
        if ((r = cr__cgroup_res_write(c, d, "cpu.idle", v, "linux.resources.cpu.idle", CR__CGW_WARN)) < 0) return r;
    }
    return cr__cgroup_res_cpu_rt_v1(c, d, n);
}

/* cpu.max is "QUOTA PERIOD"; the half not given keeps its current value
   (a new cgroup has "max 100000", so this is runc's default). */
static int cr__cgroup_res_cpu_max_v2(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_cpu_want *n) {
    char cur[64] = "", q[32], v[64];
    uint64_t p = n->period;
    if (!n->quota || !n->period) cr__cgroup_res_read(d->fd, "cpu.max", cur, sizeof cur);
    if (n->quota > 0) cr__cgroup_res_fmt_i64(q, sizeof q, n->quota);
    else if (n->quota < 0 || !*cur || !n->update) snprintf(q, sizeof q, "max");
    else snprintf(q, sizeof q, "%.*s", (int)strcspn(cur, " \n"), cur);
    if (!p) {
        const char *sp = strchr(cur, ' ');
        if (!sp || cr__cgroup_res_parse_u64(sp + 1, &p) < 0 || !p || p == UINT64_MAX) p = 100000;
    }
    snprintf(v, sizeof v, "%s %llu", q, (unsigned long long)p);
    return cr__cgroup_res_write(c, d, "cpu.max", v, n->quota ? "linux.resources.cpu.quota" : "linux.resources.cpu.period", CR__CGW_MUST);
}

static int cr__cgroup_res_cpu_v2(cr__cg_ctx *c, const cr__cg_dir *d, const cr__cg_cpu_want *n) {
    const cr_res_cpu *u = n->u;
    char v[64], pend_burst[64] = "";
    int r;
    if (n->rtruntime || n->rtperiod)
        return cr__cgroup_res_v1only(c, n->rtruntime ? "linux.resources.cpu.realtimeRuntime" : "linux.resources.cpu.realtimePeriod");
    if (u->has_idle) {
        cr__cgroup_res_fmt_i64(v, sizeof v, u->idle);
        if ((r = cr__cgroup_res_write(c, d, "cpu.idle", v, "linux.resources.cpu.idle", CR__CGW_WARN)) < 0) return r;
    }
    if (n->shares) {
        cr__cgroup_res_fmt_u64(v, sizeof v, cr__cgroup_res_weight(n->shares));
        if ((r = cr__cgroup_res_write(c, d, "cpu.weight", v, "linux.resources.cpu.shares", CR__CGW_MUST)) < 0) return r;
    }
    if (u->has_burst) {
        cr__cgroup_res_fmt_u64(v, sizeof v, u->burst);
        r = cr__cgroup_res_write(c, d, "cpu.max.burst", v, "linux.resources.cpu.burst", CR__CGW_WARN);
        if (r == -EINVAL && (n->quota || n->period)) snprintf(pend_burst, sizeof pend_burst, "%s", v);
        else if (r < 0) return r;
    }
    if (n->quota || n->period) {
        if ((r = cr__cgroup_res_cpu_max_v2(c, d, n)) < 0) return r;
        if (*pend_burst &&
            (r = cr__cgroup_res_write(c, d, "cpu.max.burst", pend_burst, "linux.resources.cpu.burst", CR__CGW_WARN)) < 0)
            return r;
    }
    return 0;
}

static int cr__cgroup_res_cpuset(cr__cg_ctx *c, const cr__cg_cpu_want *n) {
    cr__cg_dir d;
    int r;
    if (!n->cpus && !n->mems) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_CPUSET, n->cpus ? "linux.resources.cpu.cpus" : "linux.resources.cpu.mems", 0, &d)) < 0) return r;
    if (n->cpus && (r = cr__cgroup_res_write(c, &d, "cpuset.cpus", n->cpus, "linux.resources.cpu.cpus", CR__CGW_MUST)) < 0) return r;
    if (n->mems && (r = cr__cgroup_res_write(c, &d, "cpuset.mems", n->mems, "linux.resources.cpu.mems", CR__CGW_MUST)) < 0) return r;
    return 0;
}

static int cr__cgroup_res_cpu(cr__cg_ctx *c, const cr_res_cpu *u, int update) {
    cr__cg_cpu_want n;
    const char *first;
    cr__cg_dir d;
    int r;
    n.u = u; n.update = update;
    n.shares = u->has_shares ? u->shares : 0;
    n.period = u->has_period ? u->period : 0;
    n.rtperiod = u->has_realtime_period ? u->realtime_period : 0;
    n.quota = !u->has_quota ? 0 : u->quota < 0 ? -1 : u->quota;
    n.rtruntime = u->has_realtime_runtime ? u->realtime_runtime : 0;
    n.cpus = u->cpus && *u->cpus ? u->cpus : NULL;
    n.mems = u->mems && *u->mems ? u->mems : NULL;
    if ((first = cr__cgroup_res_cpu_first(&n))) {
        if ((r = cr__cgroup_res_dir(c, CR__CG_CPU, first, 0, &d)) < 0) return r;
        if ((r = d.v2 ? cr__cgroup_res_cpu_v2(c, &d, &n) : cr__cgroup_res_cpu_v1(c, &d, &n)) < 0) return r;
    }
    return cr__cgroup_res_cpuset(c, &n);
}

/* ---- pids ---- */

static int cr__cgroup_res_pids(cr__cg_ctx *c, const cr_res_pids *p) {
    char v[32];
    cr__cg_dir d;
    int r;
    if (!p->has_limit) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_PIDS, "linux.resources.pids.limit", 0, &d)) < 0) return r;
    if (p->limit > 0) cr__cgroup_res_fmt_i64(v, sizeof v, p->limit);
    else snprintf(v, sizeof v, "max");
    return cr__cgroup_res_write(c, &d, "pids.max", v, "linux.resources.pids.limit", CR__CGW_MUST);
}

/* ---- blockIO ---- */

static uint64_t cr__cgroup_res_ioweight(uint64_t w) { return 1 + (w - 10) * 9999 / 990; }

static int cr__cgroup_res_blkio_v1(cr__cg_ctx *c, const cr__cg_dir *d, const cr_res_block_io *b) {
    static const char *const thr_v1[CR_RES_THROTTLES] = { "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                                          "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device" };
    /* CFQ's blkio.weight went with CFQ (5.0); BFQ has blkio.bfq.weight */
    int bfq = faccessat(d->fd, "blkio.weight", F_OK, 0) < 0 && faccessat(d->fd, "blkio.bfq.weight", F_OK, 0) == 0;
    const char *wfile = bfq ? "blkio.bfq.weight" : "blkio.weight", *wdfile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    char v[96], field[192];
    int r, i, j;
    if (b->has_weight && b->weight) {
        cr__cgroup_res_fmt_u64(v, sizeof v, b->weight);
        if ((r = cr__cgroup_res_write(c, d, wfile, v, "linux.resources.blockIO.weight", CR__CGW_MUST)) < 0) return r;
    }
    if (b->has_leaf_weight && b->leaf_weight) {
        cr__cgroup_res_fmt_u64(v, sizeof v, b->leaf_weight);
        if ((r = cr__cgroup_res_write(c, d, "blkio.leaf_weight", v, "linux.resources.blockIO.leafWeight", CR__CGW_WARN)) < 0) return r;
    }
    for (i = 0; i < b->nweight_device; i++) {
        const cr_res_weight_device *w = &b->weight_device[i];
        if (w->has_weight && w->weight) {
            snprintf(v, sizeof v, "%u:%u %u", w->major, w->minor, (unsigned)w->weight);
            snprintf(field, sizeof field, "linux.resources.blockIO.weightDevice[%d].weight", i);
            if ((r = cr__cgroup_res_write(c, d, wdfile, v, field, CR__CGW_MUST)) < 0) return r;
        }
        if (w->has_leaf_weight && w->leaf_weight) {
            snprintf(v, sizeof v, "%u:%u %u", w->major, w->minor, (unsigned)w->leaf_weight);
            snprintf(field, sizeof field, "linux.resources.blockIO.weightDevice[%d].leafWeight", i);
            if ((r = cr__cgroup_res_write(c, d, "blkio.leaf_weight_device", v, field, CR__CGW_WARN)) < 0) return r;
        }
    }
    for (i = 0; i < CR_RES_THROTTLES; i++)
        for (j = 0; j < b->nthrottle[i]; j++) {
            const cr_res_rate_device *e = &b->throttle[i][j];
            snprintf(field, sizeof field, "linux.resources.blockIO.%s[%d]", cr__sp_res_throttle[i], j);
            snprintf(v, sizeof v, "%u:%u %llu", e->major, e->minor, (unsigned long long)e->rate);
            if ((r = cr__cgroup_res_write(c, d, thr_v1[i], v, field, CR__CGW_MUST)) < 0) return r;
        }
    return 0;
}

static int cr__cgroup_res_blkio_weight_v2(cr__cg_ctx *c, const cr__cg_dir *d, const cr_res_block_io *b) {
    char cur[256], v[96], field[192];
    int bfq = cr__cgroup_res_read(d->fd, "io.bfq.weight", cur, sizeof cur) >= 0;
    /* per-device BFQ weights: the file reads "default N" instead of "N" */
    int bfq_dev = bfq && !strncmp(cur, "default", 7), i, r;
    if (b->has_weight && b->weight) {
        if (!bfq && (b->weight < 10 || b->weight > 1000))
            return cr_err_set(c->err, EINVAL, "linux.resources.blockIO.weight: %u is out of range (10..1000)", (unsigned)b->weight);
        cr__cgroup_res_fmt_u64(v, sizeof v, bfq ? b->weight : cr__cgroup_res_ioweight(b->weight));
        if ((r = cr__cgroup_res_write(c, d, bfq ? "io.bfq.weight" : "io.weight", v, "linux.resources.blockIO.weight", CR__CGW_MUST)) < 0)
            return r;
    }
    for (i = 0; i < b->nweight_device; i++) {
        const cr_res_weight_device *w = &b->weight_device[i];
        if (w->has_leaf_weight && w->leaf_weight)
            cr_log(CR_LOG_WARN, "linux.resources.blockIO.weightDevice[%d].leafWeight: ignored (cgroup v2 has no leaf weights)", i);
        if (!w->has_weight || !w->weight) continue;
        snprintf(field, sizeof field, "linux.resources.blockIO.weightDevice[%d].weight", i);
        if (!bfq_dev && (w->weight < 10 || w->weight > 1000))
            return cr_err_set(c->err, EINVAL, "%s: %u is out of range (10..1000)", field, (unsigned)w->weight);
        snprintf(v, sizeof v, "%u:%u %llu", w->major, w->minor,
                 (unsigned long long)(bfq_dev ? w->weight : cr__cgroup_res_ioweight(w->weight)));
        if ((r = cr__cgroup_res_write(c, d, bfq_dev ? "io.bfq.weight" : "io.weight", v, field, CR__CGW_MUST)) < 0) return r;
    }
    return 0;
}

/* io.max: one "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=.." line per device, in order of first mention. */
static int cr__cgroup_res_blkio_max_v2(cr__cg_ctx *c, const cr__cg_dir *d, const cr_res_block_io *b) {
    static const char *const thr_v2[CR_RES_THROTTLES] = { "rbps", "wbps", "riops", "wiops" };
    struct { uint32_t maj, min; uint64_t rate[CR_RES_THROTTLES]; unsigned char set; } dev[64];
    char field[192];
    int nd = 0, k, fd, i, j, r;
    for (i = 0; i < CR_RES_THROTTLES; i++)
        for (j = 0; j < b->nthrottle[i]; j++) {
            const cr_res_rate_device *e = &b->throttle[i][j];
            for (k = 0; k < nd && (dev[k].maj != e->major || dev[k].min != e->minor); k++) {}
            if (k == nd) {
                if (nd == (int)(sizeof dev / sizeof *dev))
                    return cr_err_set(c->err, E2BIG, "linux.resources.blockIO.%s[%d]: more than 64 devices", cr__sp_res_throttle[i], j);
                memset(&dev[nd], 0, sizeof dev[nd]);
                dev[nd].maj = e->major; dev[nd].min = e->minor; nd++;
            }
            dev[k].rate[i] = e->rate;
            dev[k].set |= (unsigned char)(1u << i);
        }
    if ((r = cr__cgroup_res_open(c, d, "io.max", "linux.resources.blockIO", CR__CGW_MUST, &fd)) != 0) return r < 0 ? r : 0;
    for (k = 0; k < nd && r == 0; k++) {
        char line[256];
        size_t n = (size_t)snprintf(line, sizeof line, "%u:%u", dev[k].maj, dev[k].min);
        for (i = 0; i < CR_RES_THROTTLES; i++)
            if (dev[k].set & (1u << i))
                n += (size_t)snprintf(line + n, sizeof line - n, " %s=%llu", thr_v2[i], (unsigned long long)dev[k].rate[i]);
        snprintf(line + n, sizeof line - n, "\n");
        snprintf(field, sizeof field, "linux.resources.blockIO (device %u:%u)", dev[k].maj, dev[k].min);
        r = cr__cgroup_res_put(c, fd, "io.max", line, field);
    }
    close(fd);
    return r < 0 ? r : 0;
}

static int cr__cgroup_res_blkio(cr__cg_ctx *c, const cr_res_block_io *b) {
    int r, i, any = 0;
    cr__cg_dir d;
    for (i = 0; i < CR_RES_THROTTLES; i++) if (b->nthrottle[i]) any = 1;
    if (!(b->has_weight && b->weight) && !(b->has_leaf_weight && b->leaf_weight) && !b->nweight_device && !any) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_BLKIO, "linux.resources.blockIO", 0, &d)) < 0) return r;
    if (!d.v2) return cr__cgroup_res_blkio_v1(c, &d, b);
    if (b->has_leaf_weight && b->leaf_weight) return cr__cgroup_res_v1only(c, "linux.resources.blockIO.leafWeight");
    if (((b->has_weight && b->weight) || b->nweight_device) && (r = cr__cgroup_res_blkio_weight_v2(c, &d, b)) < 0) return r;
    if (any && (r = cr__cgroup_res_blkio_max_v2(c, &d, b)) < 0) return r;
    return 0;
}

/* ---- hugepageLimits ---- */

static int cr__cgroup_res_hugetlb(cr__cg_ctx *c, const cr_resources *res) {
    static const char *const P = "linux.resources.hugepageLimits";
    char path[96], file[96], v[32];
    cr__cg_dir d;
    int r, i, rsvd = 1;
    if (!res->nhugepage_limits) return 0;
    /* hybrid hosts: hugetlb is often only on v2 (the dir choice does that) */
    if ((r = cr__cgroup_res_dir(c, CR__CG_HUGETLB, P, 0, &d)) < 0) return r;
    for (i = 0; i < res->nhugepage_limits; i++) {
        const cr_res_hugepage *h = &res->hugepage_limits[i];
        snprintf(path, sizeof path, "%s[%d]", P, i);
        if ((r = cr__sp_res_check_page_size(c->err, path, h->page_size)) < 0) return r;
        cr__cgroup_res_fmt_u64(v, sizeof v, h->limit);
        snprintf(file, sizeof file, d.v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size);
        if ((r = cr__cgroup_res_write(c, &d, file, v, path, CR__CGW_MUST)) < 0) return r;
        if (rsvd) {   /* reservations too (5.7+), as runc */
            snprintf(file, sizeof file, d.v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
            r = cr__cgroup_res_write(c, &d, file, v, path, CR__CGW_DEBUG);
            if (r < 0) return r;
            if (r == 1) rsvd = 0;
        }
    }
    return 0;
}

/* ---- network (v1 only), rdma ---- */

static int cr__cgroup_res_network(cr__cg_ctx *c, const cr_res_network *n) {
    static const char *const P = "linux.resources.network";
    char path[96], v[128];
    cr__cg_dir d;
    int r = 0, i, fd;
    if (n->has_class_id && n->class_id) {
        if ((r = cr__cgroup_res_dir(c, CR__CG_NET_CLS, "linux.resources.network.classID", 0, &d)) < 0) return r;
        if (d.v2) return cr__cgroup_res_v1only(c, "linux.resources.network.classID");
        cr__cgroup_res_fmt_u64(v, sizeof v, n->class_id);
        if ((r = cr__cgroup_res_write(c, &d, "net_cls.classid", v, "linux.resources.network.classID", CR__CGW_MUST)) < 0) return r;
    }
    if (!n->npriorities) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_NET_PRIO, "linux.resources.network.priorities", 0, &d)) < 0) return r;
    if (d.v2) return cr__cgroup_res_v1only(c, "linux.resources.network.priorities");
    if ((r = cr__cgroup_res_open(c, &d, "net_prio.ifpriomap", "linux.resources.network.priorities", CR__CGW_MUST, &fd)) != 0) return r < 0 ? r : 0;
    for (i = 0; i < n->npriorities && r == 0; i++) {
        snprintf(path, sizeof path, "%s.priorities[%d]", P, i);
        snprintf(v, sizeof v, "%s %u\n", n->priorities[i].name, n->priorities[i].priority);
        r = cr__cgroup_res_put(c, fd, "net_prio.ifpriomap", v, path);
    }
    close(fd);
    return r < 0 ? r : 0;
}

static int cr__cgroup_res_rdma(cr__cg_ctx *c, const cr_resources *res) {
    static const char *const P = "linux.resources.rdma";
    char path[128], v[160];
    cr__cg_dir d;
    int r, i;
    if (!res->nrdma) return 0;
    if ((r = cr__cgroup_res_dir(c, CR__CG_RDMA, P, 0, &d)) < 0) return r;
    for (i = 0; i < res->nrdma; i++) {
        const cr_res_rdma *e = &res->rdma[i];
        size_t n;
        snprintf(path, sizeof path, "%s.%.60s", P, e->device);
        n = (size_t)snprintf(v, sizeof v, "%s", e->device);
        if (e->has_hca_handles) n += (size_t)snprintf(v + n, sizeof v - n, " hca_handle=%u", e->hca_handles);
        if (e->has_hca_objects) snprintf(v + n, sizeof v - n, " hca_object=%u", e->hca_objects);
        if ((r = cr__cgroup_res_write(c, &d, "rdma.max", v, path, CR__CGW_MUST)) < 0) return r;
    }
    return 0;
}

/* ---- unified ---- */

/* One write per line (io.max etc. take one device per write). */
static int cr__cgroup_res_unified_put(cr__cg_ctx *c, int fd, const cr_keyval *e, const char *field) {
    const char *line;
    int r = 0;
    for (line = e->value; *line && r == 0; ) {
        size_t n = strcspn(line, "\n");
        if (n) {
            char *one = (char *)CR_MALLOC(n + 1);
            if (!one) return cr_err_set(c->err, ENOMEM, "%s: out of memory", field);
            memcpy(one, line, n); one[n] = 0;
            r = cr__cgroup_res_put(c, fd, e->key, one, field);
            CR_FREE(one);
        }
        line += n + (line[n] == '\n');
    }
    return r;
}

static int cr__cgroup_res_unified(cr__cg_ctx *c, const cr_resources *res) {
    char field[160];
    cr__cg_dir d;
    int r, i, fd;
    if (!res->nunified) return 0;
    if ((r = cr__cgroup_res_dir(c, -1, "linux.resources.unified", 0, &d)) < 0) return r;
    for (i = 0; i < res->nunified; i++) {
        const cr_keyval *e = &res->unified[i];
        cr__sp_res_unified_field(e->key, field, sizeof field);
        if ((r = cr__sp_res_check_unified_key(c->err, field, e->key)) < 0) return r;
        if (!*e->value) continue;
        if ((r = cr__cgroup_res_open(c, &d, e->key, field, CR__CGW_MUST, &fd)) != 0) return r < 0 ? r : 0;
        r = cr__cgroup_res_unified_put(c, fd, e, field);
        close(fd);
        if (r < 0) return r;
    }
    return 0;
}

/* ---- devices ---- */

/* The access bits of cr_res_device are the eBPF program's. */
#define CR__CG_ACC_M CR_RES_ACCESS_MKNOD   /* BPF_DEVCG_ACC_MKNOD */
#define CR__CG_ACC_R CR_RES_ACCESS_READ    /* BPF_DEVCG_ACC_READ */
#define CR__CG_ACC_W CR_RES_ACCESS_WRITE   /* BPF_DEVCG_ACC_WRITE */
#define CR__CG_ACC_RWM (CR__CG_ACC_M | CR__CG_ACC_R | CR__CG_ACC_W)

/* runc's AllowedDevices (specconv), in its order. */
static const struct { cr_res_device rule; const char *path; } cr__cg_default_rules[] = {
    { { 'c', -1, -1, CR__CG_ACC_M, 1 }, NULL },
    { { 'b', -1, -1, CR__CG_ACC_M, 1 }, NULL },
    { { 'c', 1, 3, CR__CG_ACC_RWM, 1 }, "/dev/null" },
    { { 'c', 1, 8, CR__CG_ACC_RWM, 1 }, "/dev/random" },
    { { 'c', 1, 7, CR__CG_ACC_RWM, 1 }, "/dev/full" },
    { { 'c', 5, 0, CR__CG_ACC_RWM, 1 }, "/dev/tty" },
    { { 'c', 1, 5, CR__CG_ACC_RWM, 1 }, "/dev/zero" },
    { { 'c', 1, 9, CR__CG_ACC_RWM, 1 }, "/dev/urandom" },
    { { 'c', 136, -1, CR__CG_ACC_RWM, 1 }, NULL },     /* /dev/pts/N */
    { { 'c', 5, 2, CR__CG_ACC_RWM, 1 }, NULL },        /* /dev/ptmx */
    { { 'c', 10, 200, CR__CG_ACC_RWM, 1 }, NULL },     /* /dev/net/tun */
};

#define CR__CG_MAX_RULES 2048

/* linux.resources.devices plus, when t asks, the default rules, into a
   malloc'd array. */
static int cr__cgroup_res_rules(const cr_res_device *devices, size_t ndevices, const cr__cg_target *t,
                                cr_res_device **out, size_t *n, cr_err *err) {
    size_t cap = ndevices, k = 0, i;
    cr_res_device *rules;
    *out = NULL; *n = 0;
    if (t && t->default_devices) cap += sizeof cr__cg_default_rules / sizeof *cr__cg_default_rules;
    if (cap > CR__CG_MAX_RULES) return cr_err_set(err, E2BIG, "linux.resources.devices: more than %d rules", CR__CG_MAX_RULES);
    rules = (cr_res_device *)CR_MALLOC((cap ? cap : 1) * sizeof *rules);
    if (!rules) return cr_err_set(err, ENOMEM, "linux.resources.devices: out of memory");
    for (i = 0; i < ndevices; i++) rules[k++] = devices[i];
    if (t && t->default_devices) {
        for (i = 0; i < sizeof cr__cg_default_rules / sizeof *cr__cg_default_rules; i++) {
            int j, dup = 0;
            for (j = 0; cr__cg_default_rules[i].path && t->devices && j < t->ndevices; j++)
                if (t->devices[j].path && !strcmp(t->devices[j].path, cr__cg_default_rules[i].path)) dup = 1;
            if (!dup) rules[k++] = cr__cg_default_rules[i].rule;
        }
    }
    *out = rules; *n = k;
    return 0;
}

static struct bpf_insn cr__cgroup_res_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = code; i.dst_reg = dst & 0xF; i.src_reg = src & 0xF; i.off = off; i.imm = imm;
    return i;
}

/* The device filter: for each access bit the request has (r, w, m), the
   rules are tried from the last to the first; the first that matches type,
   major and minor and has that bit decides. Past the last "a" rule nothing
   matters: it sets the default (no "a" rule: deny). Registers as in
   runc's and crun's filters: R2 type, R3 access, R4 major, R5 minor. */
static int cr__cgroup_res_compile(const cr_res_device *rules, size_t n, struct bpf_insn *out, size_t max, size_t *len, cr_err *err) {
    static const unsigned bits[3] = { CR__CG_ACC_R, CR__CG_ACC_W, CR__CG_ACC_M };
    size_t start = 0, i, k = 0, b;
    int def_allow = 0;
#define CR__CG_EMIT(code, dst, src, off, imm) do { \
        if (k >= max) return cr_err_set(err, ENOSPC, "linux.resources.devices: device filter needs more than %zu instructions", max); \
        out[k++] = cr__cgroup_res_insn((uint8_t)(code), dst, src, (int16_t)(off), (int32_t)(imm)); } while (0)
    for (i = 0; i < n; i++) if (rules[i].type == 'a') { start = i + 1; def_allow = rules[i].allow; }
    CR__CG_EMIT(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
    CR__CG_EMIT(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
    CR__CG_EMIT(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
    CR__CG_EMIT(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    CR__CG_EMIT(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
    CR__CG_EMIT(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
    for (b = 0; b < 3; b++) {
        size_t chain = k, nrules = 0, j;
        for (i = start; i < n; i++) if (rules[i].access & bits[b]) nrules++;
        if (!nrules && def_allow) continue;
        CR__CG_EMIT(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_3, 0, 1, bits[b]);   /* bit requested: check it */
        CR__CG_EMIT(BPF_JMP | BPF_JA, 0, 0, 0, 0);                            /* else: next bit (patched) */
        for (i = n; i-- > start; ) {
            const cr_res_device *x = &rules[i];
            int nchk, left;
            if (!(x->access & bits[b])) continue;
            if (x->major > 0x7FFFFFFF || x->minor > 0x7FFFFFFF) continue;   /* no such device number: never matches */
            nchk = 1 + (x->major >= 0) + (x->minor >= 0);
            left = nchk - 1 + (x->allow ? 1 : 2);   /* instructions after the first check, up to the next rule */
            CR__CG_EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, left, x->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
            if (x->major >= 0) { left--; CR__CG_EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, left, x->major); }
            if (x->minor >= 0) { left--; CR__CG_EMIT(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, left, x->minor); }
            if (x->allow) CR__CG_EMIT(BPF_JMP | BPF_JA, 0, 0, 0, 0);     /* this bit is allowed: next bit (patched) */
            else { CR__CG_EMIT(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); CR__CG_EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
        }
        if (!def_allow) { CR__CG_EMIT(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); CR__CG_EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
        if (k - chain > 32000) return cr_err_set(err, E2BIG, "linux.resources.devices: too many rules for one filter");
        for (j = chain; j < k; j++)
            if (out[j].code == (BPF_JMP | BPF_JA)) out[j].off = (int16_t)(k - j - 1);
    }
    CR__CG_EMIT(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
    CR__CG_EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
#undef CR__CG_EMIT
    *len = k;
    return 0;
}

/* The eBPF device filter of a rule list (no default rules added); for tests
   and for whoever wants to look at the program. */
static CR__CGRES_USED int cr__cgroup_devices_prog(const cr_res_device *devices, size_t ndevices, struct bpf_insn *out, size_t max,
                                                  size_t *n, cr_err *err) {
    cr_res_device *rules;
    size_t nr;
    int r = cr__cgroup_res_rules(devices, ndevices, NULL, &rules, &nr, err);
    if (r < 0) return r;
    r = cr__cgroup_res_compile(rules, nr, out, max, n, err);
    CR_FREE(rules);
    return r;
}

static long cr__cgroup_res_bpf(int cmd, union bpf_attr *a) { return syscall(SYS_bpf, cmd, a, sizeof *a); }

#define CR__CG_BPF_NAME "cr_devices"

/* Loads the filter and attaches it to the cgroup (dirfd), then detaches
   the filters of ours that were there before (an update): old and new are
   both attached for a moment, which only ever denies more. */
static int cr__cgroup_res_bpf_attach(int dirfd, const struct bpf_insn *insns, size_t n, cr_err *err) {
    static const char license[] = "MIT";
    union bpf_attr a;
    uint32_t ids[64];
    uint32_t nids = 0, i;
    int fd, e;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)insns;
    a.insn_cnt = (uint32_t)n;
    a.license = (uint64_t)(uintptr_t)license;
    memcpy(a.prog_name, CR__CG_BPF_NAME, sizeof CR__CG_BPF_NAME);
    fd = (int)cr__cgroup_res_bpf(BPF_PROG_LOAD, &a);
    if (fd < 0 && errno == EPERM) {
        /* before 5.11 programs count against RLIMIT_MEMLOCK: lift it for the load only */
        struct rlimit old, inf = { RLIM_INFINITY, RLIM_INFINITY };
        if (getrlimit(RLIMIT_MEMLOCK, &old) == 0 && setrlimit(RLIMIT_MEMLOCK, &inf) == 0) {
            fd = (int)cr__cgroup_res_bpf(BPF_PROG_LOAD, &a);
            e = errno;
            setrlimit(RLIMIT_MEMLOCK, &old);
            errno = e;
        }
    }
    if (fd < 0) {
        char log[4096], *last;
        e = errno;
        log[0] = 0;
        a.log_level = 1; a.log_buf = (uint64_t)(uintptr_t)log; a.log_size = sizeof log;
        if (e != EPERM && e != ENOSYS && (fd = (int)cr__cgroup_res_bpf(BPF_PROG_LOAD, &a)) >= 0) close(fd);
        log[sizeof log - 1] = 0;
        while (*log && log[strlen(log) - 1] == '\n') log[strlen(log) - 1] = 0;
        last = strrchr(log, '\n');
        return cr_err_set(err, e, "linux.resources.devices: load the eBPF device filter: %s%s%s%s", strerror(e),
                          *log ? " (verifier: " : "", last ? last + 1 : log, *log ? ")" : "");
    }
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)dirfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = 64;
    if (cr__cgroup_res_bpf(BPF_PROG_QUERY, &a) == 0 || errno == ENOSPC) nids = a.query.prog_cnt < 64 ? a.query.prog_cnt : 64;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)dirfd;
    a.attach_bpf_fd = (uint32_t)fd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (cr__cgroup_res_bpf(BPF_PROG_ATTACH, &a) < 0) {
        int r = cr__errno(err, "linux.resources.devices: attach the eBPF device filter");
        close(fd);
        return r;
    }
    close(fd);
    for (i = 0; i < nids; i++) {
        struct bpf_prog_info info;
        int pfd;
        memset(&a, 0, sizeof a);
        a.prog_id = ids[i];
        if ((pfd = (int)cr__cgroup_res_bpf(BPF_PROG_GET_FD_BY_ID, &a)) < 0) continue;   /* gone already */
        memset(&info, 0, sizeof info);
        memset(&a, 0, sizeof a);
        a.info.bpf_fd = (uint32_t)pfd;
        a.info.info_len = sizeof info;
        a.info.info = (uint64_t)(uintptr_t)&info;
        if (cr__cgroup_res_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 && !strncmp(info.name, CR__CG_BPF_NAME, sizeof info.name)) {
            memset(&a, 0, sizeof a);
            a.target_fd = (uint32_t)dirfd;
            a.attach_bpf_fd = (uint32_t)pfd;
            a.attach_type = BPF_CGROUP_DEVICE;
            if (cr__cgroup_res_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
                cr_log(CR_LOG_WARN, "linux.resources.devices: detach the previous device filter (id %u): %s", ids[i], strerror(errno));
        }
        close(pfd);
    }
    return 0;
}

static int cr__cgroup_res_in_userns(void) {
    char buf[128];
    unsigned long a = 1, b = 1, n = 0;
    if (cr__cgroup_res_read(AT_FDCWD, "/proc/self/uid_map", buf, sizeof buf) < 0) return 0;
    return sscanf(buf, "%lu %lu %lu", &a, &b, &n) != 3 || a != 0 || b != 0 || n != 4294967295UL;
}

static int cr__cgroup_res_devices(cr__cg_ctx *c, const cr_resources *res) {
    static const char *const P = "linux.resources.devices";
    cr_res_device *rules = NULL;
    size_t n = 0, i, ndevices = (size_t)res->ndevices;
    cr__cg_dir d;
    int r;
    if ((r = cr__cgroup_res_rules(res->devices, ndevices, c->t, &rules, &n, c->err)) < 0) return r;
    if ((r = cr__cgroup_res_dir(c, CR__CG_DEVICES, P, 0, &d)) < 0) goto out;
    if (!d.v2) {
        /* v1: the rules as written, after a "deny a" unless they start with an "a" rule */
        int fds[2] = { -1, -1 };   /* devices.deny, devices.allow */
        static const char *const files[2] = { "devices.deny", "devices.allow" };
        for (i = 0; i <= n && r == 0; i++) {
            char line[64], field[64];
            const cr_res_device *x = i ? &rules[i - 1] : NULL;
            int w;
            if (!x && n && rules[0].type == 'a') continue;
            w = x ? x->allow : 0;
            if (!x || x->type == 'a') snprintf(line, sizeof line, "a\n");
            else {
                char maj[24] = "*", min[24] = "*", acc[4];
                int k = 0;
                if (x->major >= 0) cr__cgroup_res_fmt_i64(maj, sizeof maj, x->major);
                if (x->minor >= 0) cr__cgroup_res_fmt_i64(min, sizeof min, x->minor);
                if (x->access & CR__CG_ACC_R) acc[k++] = 'r';
                if (x->access & CR__CG_ACC_W) acc[k++] = 'w';
                if (x->access & CR__CG_ACC_M) acc[k++] = 'm';
                acc[k] = 0;
                snprintf(line, sizeof line, "%c %s:%s %s\n", x->type, maj, min, acc);
            }
            if (x && i <= ndevices) snprintf(field, sizeof field, "%s[%zu]", P, i - 1);
            else snprintf(field, sizeof field, "%s", P);
            if (fds[w] < 0 && (r = cr__cgroup_res_open(c, &d, files[w], field, CR__CGW_MUST, &fds[w])) != 0) break;
            r = cr__cgroup_res_put(c, fds[w], files[w], line, field);
        }
        if (fds[0] >= 0) close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
    } else {
        size_t max = 16 + 3 * (4 + 5 * n), len = 0;
        struct bpf_insn *prog = (struct bpf_insn *)CR_MALLOC(max * sizeof *prog);
        if (!prog) r = cr_err_set(c->err, ENOMEM, "%s: out of memory", P);
        else if ((r = cr__cgroup_res_compile(rules, n, prog, max, &len, c->err)) == 0)
            r = cr__cgroup_res_bpf_attach(d.fd, prog, len, c->err);
        CR_FREE(prog);
    }
    if (r < 0 && (c->err->code == EPERM || c->err->code == EACCES) && (geteuid() != 0 || cr__cgroup_res_in_userns()))
        r = cr__cgroup_res_warned(c, "rootless: device rules not applied");
out:
    CR_FREE(rules);
    return r < 0 ? r : 0;
}

/* ---- apply ---- */

static int cr__cgroup_apply(const cr__cg_target *t, const cr_resources *res, int update, cr_err *err) {
    static const cr_resources none;
    cr__cg_ctx c;
    cr_err local;
    int r = 0;
    if (!err) { memset(&local, 0, sizeof local); err = &local; }
    if (!res) res = &none;
    cr__cgroup_res_init(&c, t, err);
    /* a given list, even empty, replaces the rules: an update without one leaves them */
    if (res->has_devices || (!update && t->default_devices)) r = cr__cgroup_res_devices(&c, res);
    if (r >= 0) r = cr__cgroup_res_memory(&c, &res->memory, update);
    if (r >= 0) r = cr__cgroup_res_cpu(&c, &res->cpu, update);
    if (r >= 0) r = cr__cgroup_res_pids(&c, &res->pids);
    if (r >= 0) r = cr__cgroup_res_blkio(&c, &res->block_io);
    if (r >= 0) r = cr__cgroup_res_hugetlb(&c, res);
    if (r >= 0) r = cr__cgroup_res_network(&c, &res->network);
    if (r >= 0) r = cr__cgroup_res_rdma(&c, res);
    if (r >= 0) r = cr__cgroup_res_unified(&c, res);
    cr__cgroup_res_fini(&c);
    return r < 0 ? r : 0;
}

/* ---- freeze ---- */

/* v1: freezer.state FROZEN, re-written until it reads FROZEN (runc: a task
   in a vfork or an uninterruptible sleep can keep it FREEZING; a short thaw
   every 50 tries lets it move on). v2: cgroup.freeze, then cgroup.events
   until "frozen 1". Both give up after about 10 s and thaw again. */
static int cr__cgroup_freeze(const cr__cg_target *t, int freeze, cr_err *err) {
    cr__cg_ctx c;
    cr__cg_dir d;
    char buf[256];
    int r, i;
    cr__cgroup_res_init(&c, t, err);
    if (!t->pure_v2 && t->v1[CR__CG_FREEZER]) {
        if ((r = cr__cgroup_res_dir(&c, CR__CG_FREEZER, "freezer", 0, &d)) < 0) goto out;
        if (!freeze) { r = cr__cgroup_res_write(&c, &d, "freezer.state", "THAWED", "thaw", CR__CGW_MUST); goto out; }
        for (i = 0; i < 1000; i++) {
            if (i % 50 == 49) {
                cr__cgroup_res_write(&c, &d, "freezer.state", "THAWED", "freeze", CR__CGW_MUST);
                usleep(10000);
            }
            if ((r = cr__cgroup_res_write(&c, &d, "freezer.state", "FROZEN", "freeze", CR__CGW_MUST)) < 0) goto fail;
            if (i % 25 == 24) usleep(10);
            if ((r = cr__cgroup_res_read(d.fd, "freezer.state", buf, sizeof buf)) < 0) {
                r = cr_err_set(err, -r, "freeze: read freezer.state: %s", strerror(-r));
                goto fail;
            }
            if (!strncmp(buf, "FROZEN", 6)) { r = 0; goto out; }
            if (strncmp(buf, "FREEZING", 8)) {
                r = cr_err_set(err, EIO, "freeze: unexpected freezer.state \"%.20s\"", buf);
                goto fail;
            }
        }
        r = cr_err_set(err, ETIMEDOUT, "freeze: %s/freezer.state still FREEZING after 1000 tries", d.path);
    fail:
        cr__cgroup_res_write(&c, &d, "freezer.state", "THAWED", "thaw", CR__CGW_MUST);
        goto out;
    }
    if (!t->v2) { r = cr_err_set(err, ENODEV, "%s: no freezer (v1 freezer not mounted, no cgroup v2)", freeze ? "freeze" : "thaw"); goto out; }
    if ((r = cr__cgroup_res_dir(&c, CR__CG_FREEZER, "freezer", 0, &d)) < 0) goto out;
    if ((r = cr__cgroup_res_write(&c, &d, "cgroup.freeze", freeze ? "1" : "0", freeze ? "freeze" : "thaw", CR__CGW_MUST)) < 0) {
        if (err->code == ENOENT) cr_err_set(err, ENOENT, "%s: %s/cgroup.freeze does not exist (cgroup v2 freezer: Linux 5.2+)", freeze ? "freeze" : "thaw", d.path);
        goto out;
    }
    if (!freeze) goto out;
    {
        int fd = openat(d.fd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        uint64_t frozen = 0;
        if (fd < 0) { r = cr__errno(err, "freeze: open %s/cgroup.events", d.path); goto v2fail; }
        for (i = 0; i < 1000; i++) {
            struct pollfd p;
            ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
            if (n < 0) { r = cr__errno(err, "freeze: read cgroup.events"); break; }
            buf[n] = 0;
            if (cr__cgroup_res_key(buf, "frozen", &frozen) == 0 && frozen == 1) break;
            p.fd = fd; p.events = POLLPRI; p.revents = 0;
            poll(&p, 1, 10);   /* kernfs wakes POLLPRI on change; else 10 ms */
        }
        close(fd);
        if (r < 0) goto v2fail;
        if (i == 1000) { r = cr_err_set(err, ETIMEDOUT, "freeze: %s did not freeze within 10 s", d.path); goto v2fail; }
    }
    goto out;
v2fail:
    cr__cgroup_res_write(&c, &d, "cgroup.freeze", "0", "thaw", CR__CGW_MUST);
out:
    cr__cgroup_res_fini(&c);
    return r < 0 ? r : 0;
}

/* ---- oom count ---- */

static int cr__cgroup_oom_count(const cr__cg_target *t, uint64_t *n) {
    cr__cg_ctx c;
    cr__cg_dir d;
    char buf[1024];
    int r;
    *n = 0;
    cr__cgroup_res_init(&c, t, NULL);
    r = cr__cgroup_res_dir(&c, CR__CG_MEMORY, "memory", 1, &d);
    if (r == 0) r = cr__cgroup_res_read(d.fd, d.v2 ? "memory.events" : "memory.oom_control", buf, sizeof buf);
    if (r >= 0 && cr__cgroup_res_key(buf, "oom_kill", n) < 0) *n = 0;   /* no oom_kill line (v1 before 4.13): 0 */
    cr__cgroup_res_fini(&c);
    return r < 0 ? r : 0;
}

/* ---- stats: runc's `events --stats` "data" object ---- */

static void cr__cgroup_st_u64(cr_jw *w, const char *key, uint64_t v, int omitempty) {
    if (omitempty && !v) return;
    cr_jw_key(w, key);
    cr_jw_u64(w, v);
}

/* Reads a whole stats file (NULL if missing). */
static char *cr__cgroup_st_file(int dirfd, const char *file) {
    cr_buf b = {0};
    if (cr_util_read_file(dirfd, file, 1 << 20, &b, NULL) < 0) { cr_buf_free(&b); return NULL; }
    return b.data;
}

/* Space-separated numbers as a JSON array (percpu); nothing when empty. */
static void cr__cgroup_st_nums(cr_jw *w, const char *key, const uint64_t *v, size_t n) {
    size_t i;
    if (!n) return;
    cr_jw_key(w, key);
    cr_jw_arr(w);
    for (i = 0; i < n; i++) cr_jw_u64(w, v[i]);
    cr_jw_arr_end(w);
}

static size_t cr__cgroup_st_parse_nums(const char *s, uint64_t **out) {
    size_t n = 0, cap = 0;
    *out = NULL;
    while (s && *s) {
        char *end;
        unsigned long long x;
        while (*s == ' ' || *s == '\n' || *s == '\t') s++;
        if (*s < '0' || *s > '9') break;
        x = strtoull(s, &end, 10);
        if (n == cap) {
            uint64_t *p = (uint64_t *)CR_REALLOC(*out, (cap = cap ? cap * 2 : 16) * sizeof *p);
            if (!p) break;
            *out = p;
        }
        (*out)[n++] = x;
        s = end;
    }
    return n;
}

static void cr__cgroup_st_cpu(cr__cg_ctx *c, cr_jw *w) {
    cr__cg_dir d;
    uint64_t total = 0, kernel = 0, user = 0, periods = 0, throttled = 0, ttime = 0, v;
    uint64_t *percpu = NULL, *pk = NULL, *pu = NULL;
    size_t npercpu = 0, nall = 0, cap = 0;
    char *s;
    if (cr__cgroup_res_dir(c, CR__CG_CPUACCT, "cpu", 1, &d) == 0 && !d.v2) {
        if (cr__cgroup_res_readu64(d.fd, "cpuacct.usage", &v) == 0) total = v;
        if ((s = cr__cgroup_st_file(d.fd, "cpuacct.usage_percpu"))) { npercpu = cr__cgroup_st_parse_nums(s, &percpu); CR_FREE(s); }
        if ((s = cr__cgroup_st_file(d.fd, "cpuacct.usage_all"))) {
            /* "cpu user system" header, then "N USER SYSTEM" per cpu (ns) */
            char *line = strchr(s, '\n');
            while (line && *++line) {
                unsigned long long cpu, u, k;
                if (sscanf(line, "%llu %llu %llu", &cpu, &u, &k) == 3) {
                    if (nall == cap) {
                        uint64_t *a = (uint64_t *)CR_REALLOC(pk, (cap ? cap * 2 : 16) * sizeof *a), *b2;
                        if (!a) break;
                        pk = a;
                        b2 = (uint64_t *)CR_REALLOC(pu, (cap ? cap * 2 : 16) * sizeof *b2);
                        if (!b2) break;
                        pu = b2;
                        cap = cap ? cap * 2 : 16;
                    }
                    pk[nall] = k; pu[nall] = u; nall++;
                }
                line = strchr(line, '\n');
            }
            CR_FREE(s);
        }
        if ((s = cr__cgroup_st_file(d.fd, "cpuacct.stat"))) {
            /* USER_HZ ticks; runc converts with 100 ticks per second */
            if (cr__cgroup_res_key(s, "user", &v) == 0) user = v * 1000000000ULL / 100;
            if (cr__cgroup_res_key(s, "system", &v) == 0) kernel = v * 1000000000ULL / 100;
            CR_FREE(s);
        }
        if (cr__cgroup_res_dir(c, CR__CG_CPU, "cpu", 1, &d) == 0 && !d.v2 && (s = cr__cgroup_st_file(d.fd, "cpu.stat"))) {
            if (cr__cgroup_res_key(s, "nr_periods", &v) == 0) periods = v;
            if (cr__cgroup_res_key(s, "nr_throttled", &v) == 0) throttled = v;
            if (cr__cgroup_res_key(s, "throttled_time", &v) == 0) ttime = v;
            CR_FREE(s);
        }
    } else if (cr__cgroup_res_dir(c, -1, "cpu", 1, &d) == 0 && (s = cr__cgroup_st_file(d.fd, "cpu.stat"))) {
        /* cpu.stat is there even with the cpu controller off */
        if (cr__cgroup_res_key(s, "usage_usec", &v) == 0) total = v * 1000;
        if (cr__cgroup_res_key(s, "user_usec", &v) == 0) user = v * 1000;
        if (cr__cgroup_res_key(s, "system_usec", &v) == 0) kernel = v * 1000;
        if (cr__cgroup_res_key(s, "nr_periods", &v) == 0) periods = v;
        if (cr__cgroup_res_key(s, "nr_throttled", &v) == 0) throttled = v;
        if (cr__cgroup_res_key(s, "throttled_usec", &v) == 0) ttime = v * 1000;
        CR_FREE(s);
    }
    cr_jw_key(w, "cpu");
    cr_jw_obj(w);
    cr_jw_key(w, "usage");
    cr_jw_obj(w);
    cr__cgroup_st_u64(w, "total", total, 1);
    cr__cgroup_st_nums(w, "percpu", percpu, npercpu);
    cr__cgroup_st_nums(w, "percpu_kernel", pk, nall);
    cr__cgroup_st_nums(w, "percpu_user", pu, nall);
    cr__cgroup_st_u64(w, "kernel", kernel, 0);
    cr__cgroup_st_u64(w, "user", user, 0);
    cr_jw_obj_end(w);
    cr_jw_key(w, "throttling");
    cr_jw_obj(w);
    cr__cgroup_st_u64(w, "periods", periods, 1);
    cr__cgroup_st_u64(w, "throttledPeriods", throttled, 1);
    cr__cgroup_st_u64(w, "throttledTime", ttime, 1);
    cr_jw_obj_end(w);
    cr_jw_obj_end(w);
    CR_FREE(percpu); CR_FREE(pk); CR_FREE(pu);
}

/* "0-3,7" -> [0,1,2,3,7] (bounded: ids above 65535 are dropped, like runc's uint16) */
static void cr__cgroup_st_list(cr_jw *w, const char *key, const char *s) {
    int any = 0;
    while (s && *s && *s != '\n') {
        char *end;
        unsigned long a = strtoul(s, &end, 10), b = a, i;
        if (end == s) break;
        s = end;
        if (*s == '-') { b = strtoul(s + 1, &end, 10); s = end; }
        if (*s == ',') s++;
        if (a > 65535) continue;
        if (b > 65535) b = 65535;
        for (i = a; i <= b; i++) {
            if (!any) { cr_jw_key(w, key); cr_jw_arr(w); any = 1; }
            cr_jw_u64(w, i);
        }
    }
    if (any) cr_jw_arr_end(w);
}

static void cr__cgroup_st_cpuset(cr__cg_ctx *c, cr_jw *w) {
    static const char *const flags[] = { "cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                                         "memory_spread_slab", "memory_pressure", "sched_load_balance" };
    cr__cg_dir d;
    char buf[4096], file[64];
    int v1 = cr__cgroup_res_dir(c, CR__CG_CPUSET, "cpuset", 1, &d) == 0 && !d.v2;
    size_t i;
    cr_jw_key(w, "cpuset");
    cr_jw_obj(w);
    if (v1 && cr__cgroup_res_read(d.fd, "cpuset.cpus", buf, sizeof buf) >= 0) cr__cgroup_st_list(w, "cpus", buf);
    for (i = 0; i < 1; i++) {
        uint64_t v = 0;
        snprintf(file, sizeof file, "cpuset.%s", flags[i]);
        if (v1) cr__cgroup_res_readu64(d.fd, file, &v);
        cr__cgroup_st_u64(w, flags[i], v, 0);
    }
    if (v1 && cr__cgroup_res_read(d.fd, "cpuset.mems", buf, sizeof buf) >= 0) cr__cgroup_st_list(w, "mems", buf);
    for (i = 1; i < sizeof flags / sizeof *flags; i++) {
        uint64_t v = 0;
        snprintf(file, sizeof file, "cpuset.%s", flags[i]);
        if (v1) cr__cgroup_res_readu64(d.fd, file, &v);
        cr__cgroup_st_u64(w, flags[i], v, 0);
    }
    {
        long long lv = 0;
        if (v1 && cr__cgroup_res_read(d.fd, "cpuset.sched_relax_domain_level", buf, sizeof buf) >= 0) lv = strtoll(buf, NULL, 10);
        cr_jw_key(w, "sched_relax_domain_level");
        cr_jw_i64(w, lv);
    }
    cr_jw_obj_end(w);
}

typedef struct cr__cg_mem { uint64_t usage, max, limit, failcnt; } cr__cg_mem;

static void cr__cgroup_st_mem(cr_jw *w, const char *key, const cr__cg_mem *m) {
    if (!m->usage && !m->max && !m->limit && !m->failcnt) return;   /* runc: omitzero */
    cr_jw_key(w, key);
    cr_jw_obj(w);
    cr__cgroup_st_u64(w, "limit", m->limit, 0);
    cr__cgroup_st_u64(w, "usage", m->usage, 1);
    cr__cgroup_st_u64(w, "max", m->max, 1);
    cr__cgroup_st_u64(w, "failcnt", m->failcnt, 0);
    cr_jw_obj_end(w);
}

static int cr__cgroup_st_keycmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* memory.stat as "raw" (keys sorted, as Go writes maps). */
static void cr__cgroup_st_raw(cr_jw *w, char *s) {
    char *lines[512], *p;
    size_t n = 0, i;
    for (p = s; p && *p && n < 512; ) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        if (strchr(p, ' ')) lines[n++] = p;
        p = nl ? nl + 1 : NULL;
    }
    if (!n) return;
    qsort(lines, n, sizeof *lines, cr__cgroup_st_keycmp);
    cr_jw_key(w, "raw");
    cr_jw_obj(w);
    for (i = 0; i < n; i++) {
        char *sp = strchr(lines[i], ' ');
        uint64_t v = 0;
        *sp = 0;
        if (cr__cgroup_res_parse_u64(sp + 1, &v) < 0) continue;
        cr_jw_key(w, lines[i]);
        cr_jw_u64(w, v);
    }
    cr_jw_obj_end(w);
}

static void cr__cgroup_st_memory(cr__cg_ctx *c, cr_jw *w) {
    cr__cg_dir d;
    cr__cg_mem usage = {0, 0, 0, 0}, swap = {0, 0, 0, 0}, kmem = {0, 0, 0, 0}, ktcp = {0, 0, 0, 0};
    char *stat = NULL;
    int have = cr__cgroup_res_dir(c, CR__CG_MEMORY, "memory", 1, &d) == 0;
    if (have && !d.v2) {
        static const char *const mod[4] = { "memory", "memory.memsw", "memory.kmem", "memory.kmem.tcp" };
        cr__cg_mem *m[4] = { &usage, &swap, &kmem, &ktcp };
        int i;
        for (i = 0; i < 4; i++) {
            char f[64];
            snprintf(f, sizeof f, "%s.usage_in_bytes", mod[i]);
            if (cr__cgroup_res_readu64(d.fd, f, &m[i]->usage) < 0) continue;
            snprintf(f, sizeof f, "%s.max_usage_in_bytes", mod[i]); cr__cgroup_res_readu64(d.fd, f, &m[i]->max);
            snprintf(f, sizeof f, "%s.failcnt", mod[i]); cr__cgroup_res_readu64(d.fd, f, &m[i]->failcnt);
            snprintf(f, sizeof f, "%s.limit_in_bytes", mod[i]); cr__cgroup_res_readu64(d.fd, f, &m[i]->limit);
        }
    } else if (have) {
        cr__cg_mem so = {0, 0, 0, 0};
        cr__cgroup_res_readu64(d.fd, "memory.current", &usage.usage);
        cr__cgroup_res_readu64(d.fd, "memory.max", &usage.limit);
        cr__cgroup_res_readu64(d.fd, "memory.peak", &usage.max);
        if (cr__cgroup_res_readu64(d.fd, "memory.swap.current", &so.usage) == 0) {
            /* runc: "swap" is memory+swap on v2 too */
            cr__cgroup_res_readu64(d.fd, "memory.swap.max", &so.limit);
            swap.usage = so.usage + usage.usage;
            swap.limit = so.limit == UINT64_MAX || usage.limit == UINT64_MAX || so.limit + usage.limit < so.limit
                         ? UINT64_MAX : so.limit + usage.limit;
        }
    }
    cr_jw_key(w, "memory");
    cr_jw_obj(w);
    if (have) stat = cr__cgroup_st_file(d.fd, "memory.stat");
    if (stat) {
        /* "cache" comes first in runc's output: find it before writing raw */
        uint64_t cache = 0;
        cr__cgroup_res_key(stat, d.v2 ? "file" : "cache", &cache);
        cr__cgroup_st_u64(w, "cache", cache, 1);
    }
    cr__cgroup_st_mem(w, "usage", &usage);
    cr__cgroup_st_mem(w, "swap", &swap);
    cr__cgroup_st_mem(w, "kernel", &kmem);
    cr__cgroup_st_mem(w, "kernelTCP", &ktcp);
    if (stat) cr__cgroup_st_raw(w, stat);
    CR_FREE(stat);
    cr_jw_obj_end(w);
}

static void cr__cgroup_st_pids(cr__cg_ctx *c, cr_jw *w) {
    cr__cg_dir d;
    uint64_t cur = 0, max = 0;
    if (cr__cgroup_res_dir(c, CR__CG_PIDS, "pids", 1, &d) == 0) {
        cr__cgroup_res_readu64(d.fd, "pids.current", &cur);
        if (cr__cgroup_res_readu64(d.fd, "pids.max", &max) < 0 || max == UINT64_MAX) max = 0;
    }
    cr_jw_key(w, "pids");
    cr_jw_obj(w);
    cr__cgroup_st_u64(w, "current", cur, 1);
    cr__cgroup_st_u64(w, "limit", max, 1);
    cr_jw_obj_end(w);
}

static void cr__cgroup_st_entry(cr_jw *w, unsigned long long maj, unsigned long long min, const char *op, unsigned long long v) {
    cr_jw_obj(w);
    cr__cgroup_st_u64(w, "major", maj, 1);
    cr__cgroup_st_u64(w, "minor", min, 1);
    if (op && *op) { cr_jw_key(w, "op"); cr_jw_str(w, op); }
    cr__cgroup_st_u64(w, "value", v, 1);
    cr_jw_obj_end(w);
}

/* One blkio.* v1 file as an array of entries ("8:0 Read 123", "8:0 123"; "Total" lines skipped). Returns the entry count. */
static int cr__cgroup_st_blkio_file(int dirfd, const char *file, const char *key, cr_jw *w, int write) {
    char *s = cr__cgroup_st_file(dirfd, file), *line;
    int n = 0;
    if (!s) return 0;
    for (line = s; line && *line; ) {
        unsigned long long maj, min, v;
        char op[32];
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (sscanf(line, "%llu:%llu %31s %llu", &maj, &min, op, &v) == 4 ||
            (op[0] = 0, sscanf(line, "%llu:%llu %llu", &maj, &min, &v) == 3)) {
            if (write) {
                if (!n) { cr_jw_key(w, key); cr_jw_arr(w); }
                cr__cgroup_st_entry(w, maj, min, op, v);
            }
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (write && n) cr_jw_arr_end(w);
    CR_FREE(s);
    return n;
}

static void cr__cgroup_st_blkio(cr__cg_ctx *c, cr_jw *w) {
    /* runc's order of preference: the first group whose first file has
       entries gives the numbers (BFQ debug, BFQ, CFQ, throttle recursive,
       throttle); keys[] gives each file's JSON name */
    static const char *const keys[8] = { "sectorsRecursive", "ioServiceTimeRecursive", "ioWaitTimeRecursive", "ioMergedRecursive",
                                         "ioQueueRecursive", "ioTimeRecursive", "ioServicedRecursive", "ioServiceBytesRecursive" };
    static const char *const sched[8] = { "sectors_recursive", "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive",
                                          "io_queued_recursive", "time_recursive", "io_serviced_recursive", "io_service_bytes_recursive" };
    static const struct { const char *prefix; int first; const char *thr; } groups[5] = {
        { "blkio.bfq.", 0, NULL }, { "blkio.bfq.", 6, NULL }, { "blkio.", 0, NULL },
        { "blkio.throttle.", 6, "_recursive" }, { "blkio.throttle.", 6, "" } };
    cr__cg_dir d;
    char file[96];
    int g, i;
    cr_jw_key(w, "blkio");
    cr_jw_obj(w);
    if (cr__cgroup_res_dir(c, CR__CG_BLKIO, "blkio", 1, &d) == 0 && !d.v2) {
        static const int order[8] = { 7, 6, 4, 1, 2, 3, 5, 0 };   /* runc's JSON field order */
        for (g = 0; g < 5; g++) {
            int k;
            for (k = -1; k < 8; k++) {
                i = k < 0 ? groups[g].first : order[k];
                if (i < groups[g].first) continue;
                if (groups[g].thr) snprintf(file, sizeof file, "%s%s%s", groups[g].prefix, i == 6 ? "io_serviced" : "io_service_bytes", groups[g].thr);
                else snprintf(file, sizeof file, "%s%s", groups[g].prefix, sched[i]);
                if (k < 0) { if (!cr__cgroup_st_blkio_file(d.fd, file, NULL, w, 0)) break; }
                else cr__cgroup_st_blkio_file(d.fd, file, keys[i], w, 1);
            }
            if (k == 8) break;
        }
    } else if (cr__cgroup_res_dir(c, -1, "blkio", 1, &d) == 0) {
        /* io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." -> Read/Write entries */
        char *s = cr__cgroup_st_file(d.fd, "io.stat");
        int pass;
        for (pass = 0; s && pass < 2; pass++) {
            int n = 0;
            char *line;
            for (line = s; *line; ) {
                size_t len = strcspn(line, "\n");
                unsigned long long maj, min;
                int off = 0;
                if (sscanf(line, "%llu:%llu%n", &maj, &min, &off) == 2) {
                    const char *rk = pass ? "rios=" : "rbytes=", *wk = pass ? "wios=" : "wbytes=";
                    const char *ops[2] = { rk, wk };
                    int o;
                    for (o = 0; o < 2; o++) {
                        const char *p = line + off;
                        while (p < line + len) {
                            size_t tl;
                            while (*p == ' ') p++;
                            tl = strcspn(p, " \n");
                            if (!strncmp(p, ops[o], strlen(ops[o]))) {
                                if (!n++) { cr_jw_key(w, pass ? "ioServicedRecursive" : "ioServiceBytesRecursive"); cr_jw_arr(w); }
                                cr__cgroup_st_entry(w, maj, min, o ? "Write" : "Read", strtoull(p + strlen(ops[o]), NULL, 10));
                            }
                            p += tl;
                            if (!tl) break;
                        }
                    }
                }
                line += len + (line[len] == '\n');
            }
            if (n) cr_jw_arr_end(w);
        }
        CR_FREE(s);
    }
    cr_jw_obj_end(w);
}

static void cr__cgroup_st_hugetlb(cr__cg_ctx *c, cr_jw *w) {
    cr__cg_dir d;
    char *sizes[16];
    size_t n = 0, i;
    cr_jw_key(w, "hugetlb");
    cr_jw_obj(w);
    if (cr__cgroup_res_dir(c, CR__CG_HUGETLB, "hugetlb", 1, &d) == 0) {
        int dfd = dup(d.fd);
        DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *de;
        const char *suffix = d.v2 ? ".max" : ".limit_in_bytes";
        if (!dir && dfd >= 0) close(dfd);
        while (dir && (de = readdir(dir)) && n < 16) {
            size_t l = strlen(de->d_name), sl = strlen(suffix);
            if (strncmp(de->d_name, "hugetlb.", 8) || l <= 8 + sl || strcmp(de->d_name + l - sl, suffix)) continue;
            if (memchr(de->d_name + 8, '.', l - 8 - sl)) continue;   /* hugetlb.2MB.rsvd.max */
            if (!(sizes[n] = (char *)CR_MALLOC(l - 8 - sl + 1))) break;
            memcpy(sizes[n], de->d_name + 8, l - 8 - sl);
            sizes[n][l - 8 - sl] = 0;
            n++;
        }
        if (dir) closedir(dir);
        qsort(sizes, n, sizeof *sizes, cr__cgroup_st_keycmp);
        for (i = 0; i < n; i++) {
            char f[96], buf[512];
            uint64_t usage = 0, max = 0, fail = 0;
            if (!d.v2) {
                snprintf(f, sizeof f, "hugetlb.%s.rsvd.usage_in_bytes", sizes[i]);
                if (cr__cgroup_res_readu64(d.fd, f, &usage) == 0) {
                    snprintf(f, sizeof f, "hugetlb.%s.rsvd.max_usage_in_bytes", sizes[i]); cr__cgroup_res_readu64(d.fd, f, &max);
                    snprintf(f, sizeof f, "hugetlb.%s.rsvd.failcnt", sizes[i]); cr__cgroup_res_readu64(d.fd, f, &fail);
                } else {
                    snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", sizes[i]); cr__cgroup_res_readu64(d.fd, f, &usage);
                    snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", sizes[i]); cr__cgroup_res_readu64(d.fd, f, &max);
                    snprintf(f, sizeof f, "hugetlb.%s.failcnt", sizes[i]); cr__cgroup_res_readu64(d.fd, f, &fail);
                }
            } else {
                snprintf(f, sizeof f, "hugetlb.%s.rsvd.current", sizes[i]);
                if (cr__cgroup_res_readu64(d.fd, f, &usage) < 0) {
                    snprintf(f, sizeof f, "hugetlb.%s.current", sizes[i]);
                    cr__cgroup_res_readu64(d.fd, f, &usage);
                }
                snprintf(f, sizeof f, "hugetlb.%s.events", sizes[i]);
                if (cr__cgroup_res_read(d.fd, f, buf, sizeof buf) >= 0) cr__cgroup_res_key(buf, "max", &fail);
            }
            cr_jw_key(w, sizes[i]);
            cr_jw_obj(w);
            cr__cgroup_st_u64(w, "usage", usage, 1);
            cr__cgroup_st_u64(w, "max", max, 1);
            cr__cgroup_st_u64(w, "failcnt", fail, 0);
            cr_jw_obj_end(w);
            CR_FREE(sizes[i]);
        }
    }
    cr_jw_obj_end(w);
}

/* Writes the object runc's `events --stats` puts under "data". Controllers
   that are missing give zeros, as in runc; fails only when nothing at all
   can be read. */
static int cr__cgroup_stats(const cr__cg_target *t, cr_jw *w, cr_err *err) {
    cr__cg_ctx c;
    int i, any = t->v2 != NULL;
    for (i = 0; i < CR__CG_NCTRL && !t->pure_v2; i++) if (t->v1[i]) any = 1;
    if (!any) return cr_err_set(err, ENODEV, "stats: the container has no cgroup");
    cr__cgroup_res_init(&c, t, err);
    cr_jw_obj(w);
    cr__cgroup_st_cpu(&c, w);
    cr__cgroup_st_cpuset(&c, w);
    cr__cgroup_st_memory(&c, w);
    cr__cgroup_st_pids(&c, w);
    cr__cgroup_st_blkio(&c, w);
    cr__cgroup_st_hugetlb(&c, w);
    cr_jw_key(w, "intel_rdt"); cr_jw_obj(w); cr_jw_obj_end(w);
    cr_jw_key(w, "network_interfaces"); cr_jw_null(w);
    cr_jw_obj_end(w);
    cr__cgroup_res_fini(&c);
    if (w->b->oom) return cr_err_set(err, ENOMEM, "stats: out of memory");
    return 0;
}

/* The cgroup section's view of a container: which directory holds which
   controller, for cr__cgroup_apply, _freeze, _stats and _oom_count. */
typedef struct cr__cg_view { cr__cg_target t; char buf[16384]; } cr__cg_view;

static void cr__cgroup_view(const char *dirs, cr__cg_view *v) {
    char *line, *save = NULL;
    memset(v, 0, sizeof *v);
    snprintf(v->buf, sizeof v->buf, "%s", dirs ? dirs : "");
    v->t.pure_v2 = cr_cgroup_mode() == CR_CGROUP_V2;
    for (line = strtok_r(v->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int h = cr__cgroup_hier_of(line);
        if (h >= 0) cr__cgroup_target_add(&v->t, cr__cg_hiers[h].opts, cr__cg_hiers[h].v2, line);
    }
}

/* In hybrid mode a controller that only cgroup2 has (hugetlb here) must be
   enabled in subtree_control from the v2 root down to the container. */
static int cr__cgroup_enable_v2(const char *dir, const char *ctrl, cr_err *err) {
    char path[PATH_MAX], *p, val[64];
    int h = cr__cgroup_hier_of(dir);
    if (h < 0) return 0;
    snprintf(val, sizeof val, "+%s", ctrl);
    snprintf(path, sizeof path, "%s", dir);
    for (p = path + strlen(cr__cg_hiers[h].mnt); p && *p; p = strchr(p + 1, '/')) {
        char file[PATH_MAX];
        char save = *p;
        *p = 0;
        snprintf(file, sizeof file, "%s/cgroup.subtree_control", path);
        *p = save;
        if (cr__write_str(file, val) < 0) return cr__errno(err, "enable %s in %s", ctrl, file);
    }
    return 0;
}

/* ==========================================================================
 * >>state — cr_state_*: one directory per container under the root:
 *   state.json   written atomically (temp, fsync, rename) under flock(dir)
 *   config.json  the config the container was created with (hooks, exec)
 *   exec.fifo    exists between create and start; the init blocks on it
 * The status is not stored: it is read off the init (alive? same start
 * time? stopped by the freezer?) and the fifo, so it can never be stale.
 * Nor is "creating" taken on trust: state.json names the create writing it
 * (pid and start time), and once that process is gone the init decides.
 * create writes state.json before it makes the cgroup or any mount, so
 * whatever it made is named there wherever it was killed.
 * ========================================================================== */

CR_API const char *cr_state_root(const cr_runtime *rt) {
    static char buf[PATH_MAX];
    const char *xdg;
    if (rt && rt->root && *rt->root) return rt->root;
    if (geteuid() != 0 && (xdg = getenv("XDG_RUNTIME_DIR")) && *xdg) {
        snprintf(buf, sizeof buf, "%s/cr", xdg);
        return buf;
    }
    return "/run/cr";
}

CR_API int cr_state_check_id(const char *id, cr_err *err) {
    const char *p;
    if (!id || !*id) return cr_err_set(err, EINVAL, "container id: must not be empty");
    if (strlen(id) > 200) return cr_err_set(err, EINVAL, "container id \"%.40s...\": longer than 200 characters", id);
    if (!strcmp(id, ".") || !strcmp(id, ".."))
        return cr_err_set(err, EINVAL, "container id \"%s\": invalid", id);
    for (p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.' || *p == '+'))
            return cr_err_set(err, EINVAL, "container id \"%s\": invalid character '%c' (use letters, digits, _ - . +)", id, *p);
    return 0;
}

CR_API const char *cr_state_status_name(cr_status s) {
    static const char *const names[] = { "creating", "created", "running", "stopped", "paused" };
    return names[s];
}

static int cr__state_dir_open(const cr_runtime *rt, const char *id, cr_err *err) {
    char path[PATH_MAX];
    int fd;
    if (cr_state_check_id(id, err) < 0) return -EINVAL;
    snprintf(path, sizeof path, "%s/%s", cr_state_root(rt), id);
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return cr_err_set(err, ENOENT, "container \"%s\" does not exist", id);
    if (fd < 0) return cr__errno(err, "open state of \"%s\"", id);
    return fd;
}

/* Is pid still the process that started at start (a reused pid is not),
   and not a zombie? */
static int cr__state_pid_alive(pid_t pid, uint64_t start) {
    char s = cr__pid_state(pid);
    return s && s != 'Z' && s != 'X' && cr__pid_start_time(pid) == start;
}

static void cr__state_compute(cr_state *st, int dirfd, int creating) {
    struct stat sb;
    if (!st->pid) { st->status = creating ? CR_CREATING : CR_STOPPED; return; }
    if (!cr__state_pid_alive(st->pid, st->pid_start)) { st->status = CR_STOPPED; return; }
    if (creating) { st->status = CR_CREATING; return; }
    if (fstatat(dirfd, "exec.fifo", &sb, 0) == 0) { st->status = CR_CREATED; return; }
    st->status = cr__cgroup_frozen(st->cgroup) ? CR_PAUSED : CR_RUNNING;
}

/* state.json is cr's own file, so a field of the wrong type is damage (a
   full disk, an edit, a bug), never a default: a pid read as 0 would let
   delete report success while the init runs on. */
static int cr__state_field(const cr_json *root, const char *key, cr_json_type type, int required, const cr_json **out, cr_err *err) {
    const cr_json *v = cr_json_get(root, key);
    *out = NULL;
    if (!v && !required) return 0;
    if (!v) return cr_err_set(err, EINVAL, "field \"%s\": missing", key);
    if (v->type != type && !(type == CR_JSON_TRUE && v->type == CR_JSON_FALSE))
        return cr_err_set(err, EINVAL, "field \"%s\": expected %s", key,
                          type == CR_JSON_STRING ? "a string" : type == CR_JSON_NUMBER ? "a number" :
                          type == CR_JSON_TRUE ? "true or false" : "an object");
    *out = v;
    return 0;
}

/* A create that was killed is over: the container is then what its init
   shows (dead: stopped; blocked on exec.fifo: created), as runc's status
   always is; only a create that still runs makes it creating. A state
   without a creator (an older cr's) is taken at its word. */
static int cr__state_creator(const cr_json *root, int *creating, cr_err *err) {
    const cr_json *v;
    int64_t pid = 0;
    uint64_t start = 0;
    int r;
    if ((r = cr__state_field(root, "creator", CR_JSON_NUMBER, 0, &v, err)) < 0) return r;
    if (!v) return 0;
    if (cr_json_i64(v, &pid) < 0 || pid <= 0 || pid > INT32_MAX) return cr_err_set(err, EINVAL, "field \"creator\": not a process id");
    if ((r = cr__state_field(root, "creatorStart", CR_JSON_NUMBER, 1, &v, err)) < 0) return r;
    if (cr_json_u64(v, &start) < 0) return cr_err_set(err, EINVAL, "field \"creatorStart\": not a start time");
    if (!cr__state_pid_alive((pid_t)pid, start)) *creating = 0;
    return 0;
}

static int cr__state_fields(cr_state *st, const cr_json *root, int *creating, cr_err *err) {
    static const struct { const char *key; size_t off, size; } strs[] = {
        { "id", offsetof(cr_state, id), sizeof st->id }, { "bundle", offsetof(cr_state, bundle), sizeof st->bundle },
        { "rootfs", offsetof(cr_state, rootfs), sizeof st->rootfs }, { "created", offsetof(cr_state, created), sizeof st->created },
        { "cgroup", offsetof(cr_state, cgroup), sizeof st->cgroup },
    };
    const cr_json *v;
    int64_t pid = 0;
    uint64_t uid = 0;
    size_t i;
    int r;
    if (root->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "expected an object");
    for (i = 0; i < sizeof strs / sizeof *strs; i++) {
        if ((r = cr__state_field(root, strs[i].key, CR_JSON_STRING, 1, &v, err)) < 0) return r;
        if (strlen(v->str) >= strs[i].size) return cr_err_set(err, EINVAL, "field \"%s\": too long", strs[i].key);
        memcpy((char *)st + strs[i].off, v->str, strlen(v->str) + 1);
    }
    if ((r = cr__state_field(root, "pid", CR_JSON_NUMBER, 1, &v, err)) < 0) return r;
    if (cr_json_i64(v, &pid) < 0 || pid < 0 || pid > INT32_MAX) return cr_err_set(err, EINVAL, "field \"pid\": not a process id");
    st->pid = (pid_t)pid;
    if ((r = cr__state_field(root, "pidStart", CR_JSON_NUMBER, 1, &v, err)) < 0) return r;
    if (cr_json_u64(v, &st->pid_start) < 0) return cr_err_set(err, EINVAL, "field \"pidStart\": not a start time");
    if ((r = cr__state_field(root, "uid", CR_JSON_NUMBER, 0, &v, err)) < 0) return r;
    if (v && (cr_json_u64(v, &uid) < 0 || uid > UINT32_MAX)) return cr_err_set(err, EINVAL, "field \"uid\": not a user id");
    st->owner = (uint32_t)uid;
    if ((r = cr__state_field(root, "creating", CR_JSON_TRUE, 0, &v, err)) < 0) return r;
    *creating = v && v->type == CR_JSON_TRUE;
    if (*creating && (r = cr__state_creator(root, creating, err)) < 0) return r;
    if ((r = cr__state_field(root, "annotations", CR_JSON_OBJECT, 0, &v, err)) < 0) return r;
    if (v && !(st->annotations_json = cr__json_text(v))) return cr_err_set(err, ENOMEM, "out of memory");
    return 0;
}

static int cr__state_parse(cr_state *st, const char *id, const char *text, size_t len, int dirfd, cr_err *err) {
    cr_json *root = NULL;
    int creating = 0, r;
    if ((r = cr_json_parse(text, len, &root, err)) < 0) return r;
    r = cr__state_fields(st, root, &creating, err);
    cr_json_free(root);
    if (r == 0 && strcmp(st->id, id)) r = cr_err_set(err, EINVAL, "field \"id\": \"%s\" is not the directory's \"%s\"", st->id, id);
    if (r < 0) { cr_state_free(st); return r; }
    cr__state_compute(st, dirfd, creating);
    return 0;
}

static int cr__state_read(int dirfd, const char *id, cr_state *st, cr_err *err) {
    cr_buf text = {0};
    char link[64], dir[PATH_MAX];
    ssize_t n;
    int r;
    memset(st, 0, sizeof *st);
    r = cr_util_read_file(dirfd, "state.json", 1 << 20, &text, err);
    if (r == -ENOENT) {
        /* create died before writing anything: a stale directory */
        snprintf(st->id, sizeof st->id, "%s", id);
        st->status = CR_STOPPED;
        return 0;
    }
    if (r < 0) return cr_err_wrap(err, "container \"%s\"", id);
    r = cr__state_parse(st, id, text.data, text.len, dirfd, err);
    cr_buf_free(&text);
    if (r == 0) return 0;
    /* the path, so that the way out (delete --force, or removing it) is plain */
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    if ((n = readlink(link, dir, sizeof dir - 1)) < 0) n = 0;
    dir[n] = 0;
    return cr_err_wrap(err, "container \"%s\": %s%sstate.json is damaged", id, dir, n ? "/" : "");
}

CR_API int cr_state_load(const cr_runtime *rt, const char *id, cr_state *st, cr_err *err) {
    int dirfd = cr__state_dir_open(rt, id, err), r;
    if (dirfd < 0) return dirfd;
    r = cr__state_read(dirfd, id, st, err);
    close(dirfd);
    return r;
}

CR_API void cr_state_free(cr_state *st) { CR_FREE(st->annotations_json); st->annotations_json = NULL; }

/* The shapes of a state: runc's `state`, an entry of runc's `list` (owner
   named), and state.json (what create and delete need besides). */
enum { CR__STATE_OCI, CR__STATE_LIST, CR__STATE_FILE };

static void cr__state_write_json(const cr_state *st, cr_buf *out, int shape, int creating) {
    int full = shape == CR__STATE_FILE;
    cr_jw w;
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    cr_jw_key(&w, "ociVersion"); cr_jw_str(&w, CR_OCI_VERSION);
    cr_jw_key(&w, "id"); cr_jw_str(&w, st->id);
    cr_jw_key(&w, "pid"); cr_jw_i64(&w, (!full && st->status == CR_STOPPED) ? 0 : st->pid);
    if (!full) { cr_jw_key(&w, "status"); cr_jw_str(&w, cr_state_status_name(st->status)); }   /* runc's order */
    cr_jw_key(&w, "bundle"); cr_jw_str(&w, st->bundle);
    cr_jw_key(&w, "rootfs"); cr_jw_str(&w, st->rootfs);
    cr_jw_key(&w, "created"); cr_jw_str(&w, st->created);
    cr_jw_key(&w, "owner"); cr_jw_str(&w, shape == CR__STATE_LIST && st->owner == 0 ? "root" : "");
    if (full) {
        cr_jw_key(&w, "pidStart"); cr_jw_u64(&w, st->pid_start);
        cr_jw_key(&w, "uid"); cr_jw_u64(&w, st->owner);
        cr_jw_key(&w, "cgroup"); cr_jw_str(&w, st->cgroup);
        cr_jw_key(&w, "creating"); cr_jw_bool(&w, creating);
        /* only the create writes creating: it names itself, so that a
           later reader can tell a create that still runs from one killed */
        if (creating) {
            cr_jw_key(&w, "creator"); cr_jw_i64(&w, getpid());
            cr_jw_key(&w, "creatorStart"); cr_jw_u64(&w, cr__pid_start_time(getpid()));
        }
    }
    if (st->annotations_json) {
        cr_jw_key(&w, "annotations");
        cr_jw_raw(&w, (const char *)st->annotations_json);
    }
    cr_jw_obj_end(&w);
}

CR_API void cr_state_json(const cr_state *st, cr_buf *out) { cr__state_write_json(st, out, CR__STATE_OCI, 0); }
CR_API void cr_state_list_json(const cr_state *st, cr_buf *out) { cr__state_write_json(st, out, CR__STATE_LIST, 0); }

CR_API int cr_state_annotation(const cr_state *st, const char *key, char *out, size_t n) {
    cr_json *a = NULL;
    const cr_json *v;
    int found = 0;
    if (n) out[0] = 0;
    if (!st->annotations_json || cr_json_parse(st->annotations_json, strlen(st->annotations_json), &a, NULL) < 0) return 0;
    if ((v = cr_json_get(a, key)) && v->type == CR_JSON_STRING) {
        snprintf(out, n, "%s", v->str);
        found = 1;
    }
    cr_json_free(a);
    return found;
}

static int cr__state_save(int dirfd, const cr_state *st, int creating, cr_err *err) {
    cr_buf b = {0};
    int r;
    cr__state_write_json(st, &b, CR__STATE_FILE, creating);
    if (b.oom) { cr_buf_free(&b); return cr_err_set(err, ENOMEM, "state.json: out of memory"); }
    r = cr__write_atomic(dirfd, "state.json", b.data, b.len, 0, err);
    cr_buf_free(&b);
    return r;
}

CR_API int cr_state_list(const cr_runtime *rt, int (*fn)(void *user, const cr_state *st), void *user, cr_err *err) {
    char **ids;
    size_t n, i;
    int r = cr__dir_names(cr_state_root(rt), &ids, &n);
    if (r == -ENOENT) return 0;
    if (r < 0) { errno = -r; return cr__errno(err, "open %s", cr_state_root(rt)); }
    for (i = 0; i < n && r == 0; i++) {
        cr_state st;
        cr_err e2 = {0};
        if (ids[i][0] == '.' || cr_state_check_id(ids[i], NULL) < 0) continue;
        if (cr_state_load(rt, ids[i], &st, &e2) == 0) {
            r = fn(user, &st);
            cr_state_free(&st);
        }
    }
    cr__dir_names_free(ids, n);
    return r;
}

/* ==========================================================================
 * >>rootfs — namespaces, mounts, devices (cr__ns_*, cr__mount_*, cr__dev_*): the container's view
 * of the world, built by the init inside its new mount namespace.
 * Every destination is resolved inside the rootfs (cr__open_in_root) and
 * mounted through /proc/self/fd/N of the resolved fd, so a symlink in the
 * rootfs (placed there before or during setup) can never redirect a mount
 * to the host.
 * ========================================================================== */

typedef struct cr__ctx {
    const cr_runtime *rt;
    const char *id;
    cr_spec *spec;
    const cr_create_opts *opts;
    char bundle[PATH_MAX], rootfs[PATH_MAX], cgroup[16384];
    int sync;                /* the init's end of the socketpair with create */
    int fifo_fd;             /* O_PATH of exec.fifo */
    int host_proc;           /* O_PATH of the host /proc: /proc/self/fd after pivot_root */
    int host_null;           /* O_PATH of the host /dev/null, verified 1:3 */
    int rootfd;
    int new_userns;
    int listen_fds;          /* systemd socket activation: $LISTEN_FDS of create */
    int *bind_src;           /* per mount: its bind source cloned on the host side, or -1 (cr__mount_sources) */
    char seccomp_cache[PATH_MAX];   /* compiled seccomp filters: <state root>/@seccomp */
} cr__ctx;

static char *cr__fdpath(char *buf, size_t n, int fd) { snprintf(buf, n, "/proc/self/fd/%d", fd); return buf; }

/* nosuid, nodev, noexec and atime flags of a mount are locked in a user
   namespace: a remount has to repeat them or it fails with EPERM. */
static unsigned long cr__mount_locked_flags(int fd) {
    struct statfs sf;
    unsigned long f = 0;
    if (fstatfs(fd, &sf) < 0) return 0;
    if (sf.f_flags & ST_NOSUID) f |= MS_NOSUID;
    if (sf.f_flags & ST_NODEV) f |= MS_NODEV;
    if (sf.f_flags & ST_NOEXEC) f |= MS_NOEXEC;
    if (sf.f_flags & ST_NOATIME) f |= MS_NOATIME;
    if (sf.f_flags & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sf.f_flags & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

/* Creates the destination (a directory, or a file when is_file) inside the
   rootfs and returns an O_PATH fd of it. */
static int cr__mount_target(cr__ctx *c, const char *dest, int is_file, cr_err *err) {
    char real[PATH_MAX];
    int fd = cr__open_in_root(c->rootfd, dest, O_PATH, 0);
    if (fd >= 0) return fd;
    /* a dangling symlink on the way is followed inside the rootfs and what
       it names is made, as runc does */
    if (errno != ENOENT || cr__resolve_in_root(c->rootfd, dest, real, sizeof real) < 0)
        return cr__errno(err, "resolve \"%s\" in the rootfs", dest);
    if (!is_file) fd = cr__mkdir_in_root(c->rootfd, real, 0755);
    else {
        char parent[PATH_MAX], *slash;
        int pfd;
        snprintf(parent, sizeof parent, "%s", real);
        slash = strrchr(parent, '/');
        *slash = 0;
        pfd = cr__mkdir_in_root(c->rootfd, *parent ? parent : "/", 0755);
        if (pfd < 0) return cr__errno(err, "create parent of \"%s\" in the rootfs", dest);
        close(pfd);
        fd = cr__open_in_root(c->rootfd, real, O_CREAT | O_WRONLY, 0644);
        if (fd >= 0) { close(fd); fd = cr__open_in_root(c->rootfd, real, O_PATH, 0); }
    }
    if (fd < 0) return cr__errno(err, "create \"%s\" in the rootfs", dest);
    return fd;
}

static int cr__mount_setattr_fd(int fd, uint64_t set, uint64_t clr, int recursive) {
    struct cr__mount_attr a;
    memset(&a, 0, sizeof a);
    a.attr_set = set; a.attr_clr = clr;
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a);
}

/* cgroup mounts: cgroup2 on a v2 host; on v1/hybrid a tmpfs with one mount
   per hierarchy, each showing only the container's cgroup. */
static int cr__mount_cgroup(cr__ctx *c, const cr_mount *m, int target, cr_err *err) {
    char p[64], sub[PATH_MAX];
    unsigned long fl = (m->flags & ~(MS_RDONLY | MS_BIND | MS_REC)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    int i, own_ns = c->spec->ns[CR_NS_CGROUP].present;
    cr__cgroup_scan();
    if (cr__cg_mode == CR_CGROUP_V2) {
        if (mount("cgroup2", cr__fdpath(p, sizeof p, target), "cgroup2", fl | (m->flags & MS_RDONLY), NULL) < 0)
            return cr__errno(err, "mount cgroup2 on \"%s\"", m->destination);
        return 0;
    }
    if (mount("tmpfs", cr__fdpath(p, sizeof p, target), "tmpfs", fl, "mode=755") < 0)
        return cr__errno(err, "mount tmpfs on \"%s\"", m->destination);
    for (i = 0; i < cr__cg_n; i++) {
        const cr__cg_hier *h = &cr__cg_hiers[i];
        const char *base = strrchr(h->mnt, '/') + 1;
        int fd;
        snprintf(sub, sizeof sub, "%s/%s", m->destination, base);
        fd = cr__mount_target(c, sub, 0, err);
        if (fd < 0) return fd;
        if (own_ns) {
            if (mount("cgroup", cr__fdpath(p, sizeof p, fd), h->v2 ? "cgroup2" : "cgroup", fl | (m->flags & MS_RDONLY),
                      h->v2 ? NULL : h->opts) < 0) { close(fd); return cr__errno(err, "mount cgroup %s on \"%s\"", h->opts, sub); }
        } else {
            char src[PATH_MAX], line[PATH_MAX];
            const char *q = c->cgroup;
            snprintf(src, sizeof src, "%s", h->mnt);
            while ((q = cr__cgroup_next(q, line, sizeof line))) if (cr__cgroup_hier_of(line) == i) snprintf(src, sizeof src, "%s", line);
            if (mount(src, cr__fdpath(p, sizeof p, fd), NULL, MS_BIND, NULL) < 0) { close(fd); return cr__errno(err, "bind %s on \"%s\"", src, sub); }
            if (m->flags & MS_RDONLY) {
                int fd2 = cr__open_in_root(c->rootfd, sub, O_PATH, 0);
                if (fd2 >= 0) { mount(NULL, cr__fdpath(p, sizeof p, fd2), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL); close(fd2); }
            }
        }
        close(fd);
    }
    /* combined controllers (cpu,cpuacct) get the names users expect as links */
    for (i = 0; i < cr__cg_n; i++) {
        const char *base = strrchr(cr__cg_hiers[i].mnt, '/') + 1;
        char list[128], *tok, *save = NULL;
        int dir = cr__open_in_root(c->rootfd, m->destination, O_PATH | O_DIRECTORY, 0);
        if (dir < 0) break;
        snprintf(list, sizeof list, "%s", base);
        if (strchr(list, ','))
            for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) symlinkat(base, dir, tok);
        close(dir);
    }
    if (m->flags & MS_RDONLY) {
        int fd2 = cr__open_in_root(c->rootfd, m->destination, O_PATH, 0);
        if (fd2 >= 0) { mount(NULL, cr__fdpath(p, sizeof p, fd2), NULL, MS_REMOUNT | MS_RDONLY | fl, "mode=755"); close(fd2); }
    }
    return 0;
}

/* runc's order: a read-only tmpfs (or /dev) is mounted writable, so mount
   points and devices can still be made in it, and goes read-only once the
   rootfs is complete (cr__rootfs_finish). */
static int cr__mount_ro_later(const cr_mount *m) {
    return !m->bind && (m->flags & MS_RDONLY) && ((m->type && !strcmp(m->type, "tmpfs")) || !strcmp(m->destination, "/dev"));
}

static int cr__mount_remount_ro(cr__ctx *c, const cr_mount *m, cr_err *err) {
    char p[64];
    int fd = cr__open_in_root(c->rootfd, m->destination, O_PATH, 0), r = 0;
    if (fd < 0) return cr__errno(err, "reopen \"%s\"", m->destination);
    if (mount(NULL, cr__fdpath(p, sizeof p, fd), NULL, MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) |
              cr__mount_locked_flags(fd), m->data) < 0)
        r = cr__errno(err, "remount \"%s\" read-only", m->destination);
    close(fd);
    return r;
}

static void cr__bind_source(const cr__ctx *c, const cr_mount *m, char *src, size_t n) {
    if (m->source[0] == '/') snprintf(src, n, "%s", m->source);
    else snprintf(src, n, "%s/%s", c->bundle, m->source);
}

/* With a user namespace the init may not reach a bind source (one under a
   root-only directory, as runc's tests have it): create clones each bind
   source's mount on the host side (open_tree) before the init is cloned,
   and the init attaches the copy it inherited. The copy is a peer of the
   host's mount: it becomes a slave (or private) as the rest of the
   container's mounts do in cr__rootfs_prepare. Where open_tree is refused
   (a rootless create), the init binds by path. */
static void cr__mount_sources(cr__ctx *c) {
    const cr_spec *s = c->spec;
    struct cr__mount_attr a;
    char src[PATH_MAX];
    int i, *fd;
    if (!s->ns[CR_NS_USER].present || !s->nmounts || !(c->bind_src = (int *)cr__calloc((size_t)s->nmounts, sizeof(int)))) return;
    memset(&a, 0, sizeof a);
    a.propagation = (s->rootfs_propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
    for (i = 0; i < s->nmounts; i++) {
        const cr_mount *m = &s->mounts[i];
        fd = &c->bind_src[i];
        *fd = -1;
        if (!m->bind) continue;
        cr__bind_source(c, m, src, sizeof src);
        *fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
        if (*fd >= 0 && syscall(SYS_mount_setattr, *fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) { close(*fd); *fd = -1; }
    }
}

static void cr__mount_sources_close(cr__ctx *c) {
    int i;
    for (i = 0; c->bind_src && i < c->spec->nmounts; i++) if (c->bind_src[i] >= 0) close(c->bind_src[i]);
    cr_util_free(c->bind_src);
    c->bind_src = NULL;
}

/* Binds src, or attaches the copy of it made on the host side (held). */
static int cr__mount_bind(const cr_mount *m, const char *src, int held, int target) {
    char p[64];
    if (held < 0) return mount(src, cr__fdpath(p, sizeof p, target), NULL, MS_BIND | (m->flags & MS_REC), NULL);
    return (int)syscall(SYS_move_mount, held, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int cr__mount_one(cr__ctx *c, const cr_mount *m, int idx, cr_err *err) {
    char src[PATH_MAX], p[64], p2[64];
    int target, top, is_file = 0, r = 0, held = c->bind_src && m->bind ? c->bind_src[idx] : -1;
    const char *type = m->type;
    if (m->bind) {
        struct stat sb;
        cr__bind_source(c, m, src, sizeof src);
        if ((held >= 0 ? fstat(held, &sb) : stat(src, &sb)) < 0) return cr__errno(err, "bind source \"%s\"", src);
        is_file = !S_ISDIR(sb.st_mode);
    } else snprintf(src, sizeof src, "%s", m->source ? m->source : (type ? type : "none"));
    /* procfs and sysfs never go through a symlink (or onto a file), even
       one inside the rootfs: runc's rule against symlink-exchange attacks */
    if (!m->bind && type && (!strcmp(type, "proc") || !strcmp(type, "sysfs")) &&
        (target = cr__open_in_root(c->rootfd, m->destination, O_PATH | O_NOFOLLOW, 0)) >= 0) {
        struct stat sb;
        int dir = fstat(target, &sb) == 0 && S_ISDIR(sb.st_mode);
        close(target);
        if (!dir) return cr_err_set(err, ENOTDIR, "\"%s\": filesystem \"%s\" must be mounted on ordinary directory", m->destination, type);
    }
    target = cr__mount_target(c, m->destination, is_file, err);
    if (target < 0) return target;
    if (!m->bind && type && !strcmp(type, "cgroup")) {
        r = cr__mount_cgroup(c, m, target, err);
        close(target);
        return r;
    }
    if (m->bind) {
        if (cr__mount_bind(m, src, held, target) < 0) {
            r = cr__errno(err, "bind \"%s\" on \"%s\"", src, m->destination);
            close(target);
            return r;
        }
    } else {
        const char *data = m->data;
        char with_label[4096];
        if (c->spec->mount_label && *c->spec->mount_label && access("/sys/fs/selinux/enforce", F_OK) == 0) {
            snprintf(with_label, sizeof with_label, "%s%scontext=\"%s\"", data ? data : "", data ? "," : "", c->spec->mount_label);
            data = with_label;
        }
        if (mount(src, cr__fdpath(p, sizeof p, target), type,
                  m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | (cr__mount_ro_later(m) ? MS_RDONLY : 0)), data) < 0) {
            r = cr__errno(err, "mount %s on \"%s\"", type, m->destination);
            close(target);
            return r;
        }
    }
    close(target);
    /* the fd still names the directory under the new mount: look it up again */
    top = cr__open_in_root(c->rootfd, m->destination, O_PATH, 0);
    if (top < 0) return cr__errno(err, "reopen \"%s\"", m->destination);
    cr__fdpath(p2, sizeof p2, top);
    if (m->bind && (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT))) {
        unsigned long fl = MS_REMOUNT | MS_BIND | (m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) | cr__mount_locked_flags(top);
        if (!(m->flags & MS_RDONLY)) fl &= ~(unsigned long)MS_RDONLY;
        if (mount(NULL, p2, NULL, fl, NULL) < 0) r = cr__errno(err, "remount \"%s\"", m->destination);
    }
    if (!r && m->propagation && mount(NULL, p2, NULL, m->propagation, NULL) < 0)
        r = cr__errno(err, "set propagation of \"%s\"", m->destination);
    if (!r && (m->attr_set || m->attr_clr) && cr__mount_setattr_fd(top, m->attr_set, m->attr_clr, 1) < 0)
        r = cr__errno(err, "set recursive attributes of \"%s\"", m->destination);
    close(top);
    return r;
}

static const cr_device cr__default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 1, 0, 0, 1, 1}, {"/dev/zero", 'c', 1, 5, 0666, 1, 0, 0, 1, 1},
    {"/dev/full", 'c', 1, 7, 0666, 1, 0, 0, 1, 1}, {"/dev/tty", 'c', 5, 0, 0666, 1, 0, 0, 1, 1},
    {"/dev/random", 'c', 1, 8, 0666, 1, 0, 0, 1, 1}, {"/dev/urandom", 'c', 1, 9, 0666, 1, 0, 0, 1, 1},
};

static int cr__dev_create(cr__ctx *c, const cr_device *d, cr_err *err) {
    char parent[PATH_MAX], *slash;
    const char *name;
    int pfd, r = 0;
    mode_t mode = (d->has_mode ? d->file_mode : 0666) & 07777;
    mode_t kind = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    struct stat sb;
    snprintf(parent, sizeof parent, "%s", d->path);
    slash = strrchr(parent, '/');
    *slash = 0;
    name = slash + 1;
    pfd = cr__mkdir_in_root(c->rootfd, *parent ? parent : "/", 0755);
    if (pfd < 0) return cr__errno(err, "linux.devices: create parent of \"%s\"", d->path);
    if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if ((sb.st_mode & S_IFMT) == kind && sb.st_rdev == makedev(d->major, d->minor)) goto perms;
        unlinkat(pfd, name, 0);
    }
    if (c->new_userns) {
        /* no mknod in a user namespace: bind the host's node instead */
        char p[64];
        int fd = openat(pfd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) { r = cr__errno(err, "linux.devices: create \"%s\"", d->path); goto out; }
        close(fd);
        fd = openat(pfd, name, O_PATH | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || mount(d->path, cr__fdpath(p, sizeof p, fd), NULL, MS_BIND, NULL) < 0)
            r = cr__errno(err, "linux.devices: bind host \"%s\"", d->path);
        if (fd >= 0) close(fd);
        goto out;
    }
    if (mknodat(pfd, name, kind | mode, d->type == 'p' ? 0 : makedev(d->major, d->minor)) < 0) {
        r = cr__errno(err, "linux.devices: mknod \"%s\"", d->path);
        goto out;
    }
perms:
    if (fchmodat(pfd, name, mode, 0) < 0 ||
        fchownat(pfd, name, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0, AT_SYMLINK_NOFOLLOW) < 0)
        r = cr__errno(err, "linux.devices: set owner and mode of \"%s\"", d->path);
out:
    close(pfd);
    return r;
}

static int cr__dev_setup(cr__ctx *c, cr_err *err) {
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"} };
    size_t i;
    int r, devfd, j;
    for (i = 0; i < sizeof cr__default_devices / sizeof *cr__default_devices; i++) {
        int dup = 0;
        for (j = 0; j < c->spec->ndevices; j++) if (!strcmp(c->spec->devices[j].path, cr__default_devices[i].path)) dup = 1;
        if (!dup && (r = cr__dev_create(c, &cr__default_devices[i], err)) < 0) return r;
    }
    for (j = 0; j < c->spec->ndevices; j++)
        if ((r = cr__dev_create(c, &c->spec->devices[j], err)) < 0) return r;
    devfd = cr__open_in_root(c->rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
    if (devfd < 0) return cr__errno(err, "open /dev in the rootfs");
    for (i = 0; i < sizeof links / sizeof *links; i++) {
        if (!strcmp(links[i][1], "ptmx")) unlinkat(devfd, "ptmx", 0);
        if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST) {
            r = cr__errno(err, "symlink /dev/%s", links[i][1]);
            close(devfd);
            return r;
        }
    }
    if (access("/proc/kcore", F_OK) == 0) symlinkat("/proc/kcore", devfd, "core");
    close(devfd);
    return 0;
}

/* maskedPaths: directories get an empty read-only tmpfs, everything else the
   host's /dev/null (checked to be 1:3 when it was opened, so a container's
   /dev/null swapped for a symlink cannot unmask anything). A symlink at the
   path itself is not followed. */
static int cr__mask_path(cr__ctx *c, const char *path, cr_err *err) {
    char p[64], np[64];
    struct stat sb;
    int fd = cr__open_in_root(c->rootfd, path, O_PATH | O_NOFOLLOW, 0), r = 0;
    if (fd < 0) return errno == ENOENT ? 0 : cr__errno(err, "linux.maskedPaths: \"%s\"", path);
    if (fstat(fd, &sb) < 0 || S_ISLNK(sb.st_mode)) { close(fd); return 0; }
    if (S_ISDIR(sb.st_mode)) {
        if (mount("tmpfs", cr__fdpath(p, sizeof p, fd), "tmpfs", MS_RDONLY, "size=0,mode=755") < 0)
            r = cr__errno(err, "linux.maskedPaths: mask \"%s\"", path);
    } else if (mount(cr__fdpath(np, sizeof np, c->host_null), cr__fdpath(p, sizeof p, fd), NULL, MS_BIND, NULL) < 0)
        r = cr__errno(err, "linux.maskedPaths: mask \"%s\"", path);
    close(fd);
    return r;
}

static int cr__readonly_path(cr__ctx *c, const char *path, cr_err *err) {
    char p[64];
    int fd = cr__open_in_root(c->rootfd, path, O_PATH | O_NOFOLLOW, 0), top, r = 0;
    if (fd < 0) return errno == ENOENT ? 0 : cr__errno(err, "linux.readonlyPaths: \"%s\"", path);
    if (mount(cr__fdpath(p, sizeof p, fd), p, NULL, MS_BIND | MS_REC, NULL) < 0) {
        r = cr__errno(err, "linux.readonlyPaths: bind \"%s\"", path);
        close(fd);
        return r;
    }
    close(fd);
    top = cr__open_in_root(c->rootfd, path, O_PATH | O_NOFOLLOW, 0);
    if (top < 0) return cr__errno(err, "linux.readonlyPaths: reopen \"%s\"", path);
    if (cr__mount_setattr_fd(top, MOUNT_ATTR_RDONLY, 0, 1) < 0 &&
        mount(NULL, cr__fdpath(p, sizeof p, top), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | cr__mount_locked_flags(top), NULL) < 0)
        r = cr__errno(err, "linux.readonlyPaths: make \"%s\" read-only", path);
    close(top);
    return r;
}

/* An overlayfs on target (upper NULL: read-only). fsconfig's "lowerdir+"
   takes one layer at a time, so no page-sized option string limits the
   number of layers; kernels before 6.8 get the classic option string. */
static int cr__overlay_mount(const char *target, const char *const *lower, const char *upper, const char *work, int volatile_upper,
                             cr_err *err) {
    cr_buf data = {0};
    int fs, mnt = -1, i, r = 0;
    fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    for (i = 0; fs >= 0 && lower[i]; i++)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lower[i], 0) < 0) {
            if (errno != EINVAL || i) { r = cr__errno(err, "overlay lower dir \"%s\"", lower[i]); close(fs); return r; }
            close(fs);
            fs = -1;
        }
    if (fs >= 0) {
        if ((upper && (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                       syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)) ||
            (volatile_upper && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0) ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
            (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, upper ? 0 : MOUNT_ATTR_RDONLY)) < 0 ||
            syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
            r = cr__errno(err, "overlay on \"%s\"%s%s%s", target, upper ? " (upper \"" : "", upper ? upper : "", upper ? "\")" : "");
        if (mnt >= 0) close(mnt);
        close(fs);
        return r;
    }
    cr_buf_puts(&data, "lowerdir=");
    for (i = 0; lower[i]; i++) { if (i) cr_buf_putc(&data, ':'); cr_buf_puts(&data, lower[i]); }
    if (upper) cr_buf_printf(&data, ",upperdir=%s,workdir=%s%s", upper, work, volatile_upper ? ",volatile" : "");
    if (data.oom || data.len >= 4096) r = cr_err_set(err, E2BIG, "overlay on \"%s\": %d layers do not fit in the mount options", target, i);
    else if (mount("overlay", target, "overlay", upper ? 0 : MS_RDONLY, data.data) < 0) r = cr__errno(err, "overlay on \"%s\"", target);
    cr_buf_free(&data);
    return r;
}

/* The image container's overlay, on root.path. */
static int cr__overlay_root(cr__ctx *c, cr_err *err) {
    const cr_create_opts *o = c->opts;
    if (!c->spec->ns[CR_NS_MNT].present) return cr_err_set(err, EINVAL, "an overlay root needs a mount namespace");
    return cr__overlay_mount(c->rootfs, o->rootfs_lower, o->rootfs_upper, o->rootfs_work, o->rootfs_volatile, err);
}

static int cr__rootfs_prepare(cr__ctx *c, cr_err *err) {
    cr_spec *s = c->spec;
    unsigned long prop = s->rootfs_propagation;
    int i, r, own_ns = s->ns[CR_NS_MNT].present;
    struct stat sb;
    /* a bind source must live in our own mount namespace: open it here */
    c->host_null = open("/dev/null", O_PATH | O_CLOEXEC);
    if (c->host_null < 0 || fstat(c->host_null, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(1, 3))
        return cr_err_set(err, EPERM, "/dev/null on the host is not the null device");
    /* without a mount namespace the mounts land on the host, as with runc;
       delete takes them down again (cr__rootfs_unmount_host) */
    /* nothing may propagate back to the host while we mount; the requested
       propagation goes on the new / after pivot_root, which refuses shared */
    if (own_ns && mount(NULL, "/", NULL, MS_REC | ((prop & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE), NULL) < 0)
        return cr__errno(err, "make / a slave mount");
    if (c->opts->rootfs_lower && (r = cr__overlay_root(c, err)) < 0) return r;
    if (own_ns && mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return cr__errno(err, "root.path: bind \"%s\"", c->rootfs);
    c->rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->rootfd < 0) return cr__errno(err, "root.path: open \"%s\"", c->rootfs);
    for (i = 0; i < s->nmounts; i++)
        if ((r = cr__mount_one(c, &s->mounts[i], i, err)) < 0) return cr_err_wrap(err, "mounts[%d]", i);
    return cr__dev_setup(c, err);
}

static int cr__rootfs_finish(cr__ctx *c, cr_err *err) {
    cr_spec *s = c->spec;
    int i, r;
    for (i = 0; i < s->nmounts; i++)
        if (cr__mount_ro_later(&s->mounts[i]) && (r = cr__mount_remount_ro(c, &s->mounts[i], err)) < 0) return cr_err_wrap(err, "mounts[%d]", i);
    for (i = 0; i < s->nmasked; i++) if ((r = cr__mask_path(c, s->masked_paths[i], err)) < 0) return r;
    for (i = 0; i < s->nreadonly; i++) if ((r = cr__readonly_path(c, s->readonly_paths[i], err)) < 0) return r;
    return 0;
}

/* --no-pivot leaves the host's mounts reachable around the chroot, and the
   kernel lets a user namespace mount a new procfs (or sysfs) wherever a
   full one is visible: so, as runc does, the full procfs and sysfs mounts
   outside the rootfs leave our mount namespace first (or are covered where
   they cannot be unmounted). The list is read whole: /proc goes with it. */
static int cr__rootfs_hide_procfs(cr__ctx *c, cr_err *err) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    cr_buf list = {0};
    char line[4096], root[PATH_MAX], mnt[PATH_MAX], *p, *q;
    int r = 0;
    if (!f) return cr__errno(err, "read /proc/self/mountinfo");
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2 && !strcmp(root, "/") && strncmp(mnt, c->rootfs, strlen(c->rootfs)) &&
            (p = strstr(line, " - ")) && (!strncmp(p + 3, "proc ", 5) || !strncmp(p + 3, "sysfs ", 6))) { cr_buf_puts(&list, mnt); cr_buf_putc(&list, '\n'); }
    fclose(f);
    for (p = list.data; !r && p && *p; p = q + 1) {
        q = strchr(p, '\n');
        *q = 0;
        if (mount(NULL, p, NULL, MS_SLAVE | MS_REC, NULL) < 0) { if (errno != ENOENT) r = cr__errno(err, "--no-pivot: make \"%s\" a slave", p); }
        else if (umount2(p, MNT_DETACH) < 0 && mount("tmpfs", p, "tmpfs", 0, NULL) < 0) r = cr__errno(err, "--no-pivot: hide \"%s\"", p);
    }
    cr_buf_free(&list);
    return r;
}

static int cr__rootfs_pivot(cr__ctx *c, cr_err *err) {
    int oldroot, newroot, r;
    if (c->opts->no_pivot || !c->spec->ns[CR_NS_MNT].present) {
        if (chdir(c->rootfs) < 0) return cr__errno(err, "chdir \"%s\"", c->rootfs);
        if (c->spec->ns[CR_NS_MNT].present && (r = cr__rootfs_hide_procfs(c, err)) < 0) return r;
        if (c->spec->ns[CR_NS_MNT].present && mount(c->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
            return cr__errno(err, "move rootfs to /");
        if (chroot(".") < 0) return cr__errno(err, "chroot \"%s\"", c->rootfs);
        return chdir("/") < 0 ? cr__errno(err, "chdir /") : 0;
    }
    oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    newroot = open(c->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0 || newroot < 0) { if (oldroot >= 0) close(oldroot); if (newroot >= 0) close(newroot); return cr__errno(err, "open rootfs"); }
    if (fchdir(newroot) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
        r = cr__errno(err, "pivot_root \"%s\" (try --no-pivot)", c->rootfs);
        close(oldroot); close(newroot);
        return r;
    }
    /* the old root sits on top of "/": keep its unmount from reaching the host */
    if (fchdir(oldroot) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0) {
        r = cr__errno(err, "detach the old root");
        close(oldroot); close(newroot);
        return r;
    }
    close(oldroot); close(newroot);
    return chdir("/") < 0 ? cr__errno(err, "chdir /") : 0;
}

/* Unmounts what a container without a mount namespace left under its rootfs
   on the host, deepest first. */
static void cr__rootfs_unmount_host(const char *rootfs) {
    size_t n = strlen(rootfs);
    int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC), tries = 0;
    if (rootfd < 0) return;
    /* each mount point is resolved inside the rootfs, so a component the
       container swapped for a symlink can neither send the unmount to the
       host nor stop it: that one is retried a while */
    while (tries < 200) {
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096], mnt[PATH_MAX], deepest[PATH_MAX] = "", p[64];
        int fd;
        if (!f) break;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && !strncmp(mnt, rootfs, n) && mnt[n] == '/' &&
                strlen(mnt) >= strlen(deepest)) snprintf(deepest, sizeof deepest, "%s", mnt);
        fclose(f);
        if (!*deepest) break;
        fd = cr__open_in_root(rootfd, deepest + n, O_PATH | O_NOFOLLOW, 0);
        if (fd >= 0 && umount2(cr__fdpath(p, sizeof p, fd), MNT_DETACH) == 0) { close(fd); continue; }
        if (fd >= 0) close(fd);
        tries++;
        usleep(5000);
    }
    close(rootfd);
}

static int cr__rootfs_after_pivot(cr__ctx *c, cr_err *err) {
    cr_spec *s = c->spec;
    if (s->root_readonly) {
        int fd = open("/", O_PATH | O_CLOEXEC);
        unsigned long locked = fd >= 0 ? cr__mount_locked_flags(fd) : 0;
        if (fd >= 0) close(fd);
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | locked, NULL) < 0)
            return cr__errno(err, "root.readonly: remount / read-only");
    }
    if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
        return cr__errno(err, "linux.rootfsPropagation: set on the new /");
    return 0;
}

/* ==========================================================================
 * >>proc — cr__proc_*: the process the container runs: sysctl, hostname,
 * console, rlimits, user and capabilities, hooks, executable lookup.
 * ========================================================================== */

struct cr__cap_hdr { uint32_t version; int pid; };
struct cr__cap_data { uint32_t effective, permitted, inheritable; };
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* Through the container's own /proc (mounted by now, resolved inside its
   root), never the host's: the spec only allows namespaced keys, and the
   write goes to the namespaces this process is in. */
static int cr__proc_sysctl(cr__ctx *c, cr_err *err) {
    int i;
    for (i = 0; i < c->spec->nsysctl; i++) {
        char path[PATH_MAX], *p;
        struct statfs sf;
        int fd;
        snprintf(path, sizeof path, "proc/sys/%s", c->spec->sysctl[i].key);
        for (p = path + 9; *p; p++) if (*p == '.') *p = '/';
        fd = cr__open_in_root(c->rootfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) return cr__errno(err, "linux.sysctl: \"%s\" (/%s in the container)", c->spec->sysctl[i].key, path);
        if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) {
            close(fd);
            return cr_err_set(err, EPERM, "linux.sysctl: \"%s\": /%s is not on the container's proc", c->spec->sysctl[i].key, path);
        }
        if (cr__write_all(fd, c->spec->sysctl[i].value, strlen(c->spec->sysctl[i].value)) < 0) {
            int r = cr__errno(err, "linux.sysctl: write \"%s\" = \"%s\"", c->spec->sysctl[i].key, c->spec->sysctl[i].value);
            close(fd);
            return r;
        }
        close(fd);
    }
    return 0;
}

static int cr__proc_limits(const cr_process *p, cr_err *err) {
    int i;
    for (i = 0; i < p->nrlimits; i++) {
        struct rlimit rl;
        rl.rlim_cur = p->rlimits[i].soft == UINT64_MAX ? RLIM_INFINITY : p->rlimits[i].soft;
        rl.rlim_max = p->rlimits[i].hard == UINT64_MAX ? RLIM_INFINITY : p->rlimits[i].hard;
        if (setrlimit(p->rlimits[i].resource, &rl) < 0) return cr__errno(err, "process.rlimits[%d]", i);
    }
    if (p->has_oom_score_adj) {
        char v[16];
        snprintf(v, sizeof v, "%d", p->oom_score_adj);
        if (cr__write_str("/proc/self/oom_score_adj", v) < 0) return cr__errno(err, "process.oomScoreAdj");
    }
    if (p->has_io_priority &&
        syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (p->io_priority_class << 13) | p->io_priority) < 0)
        return cr__errno(err, "process.ioPriority");
    if (p->has_scheduler) {
        struct { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t priority; uint64_t runtime, deadline, period; } a;
        memset(&a, 0, sizeof a);
        a.size = sizeof a; a.policy = (uint32_t)p->sched_policy; a.nice = p->sched_nice; a.priority = (uint32_t)p->sched_priority;
        a.runtime = p->sched_runtime; a.deadline = p->sched_deadline; a.period = p->sched_period;
        if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) return cr__errno(err, "process.scheduler");
    }
    return 0;
}

/* Drops to process.user with exactly the configured capabilities: the
   bounding set first (needs CAP_SETPCAP), then uid/gid with KEEPCAPS so the
   permitted set survives, then the three sets, then ambient. */
static int cr__proc_identity(const cr_process *p, int new_userns, cr_err *err) {
    struct cr__cap_hdr hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
    struct cr__cap_data data[2];
    int cap, last = cr__cap_last();
    for (cap = 0; cap <= last; cap++)
        if (!(p->caps[CR_CAP_BOUNDING] >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return cr__errno(err, "process.capabilities.bounding: drop %s", cr_spec_cap_name(cap));
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return cr__errno(err, "prctl(PR_SET_KEEPCAPS)");
    if (setgroups((size_t)p->ngids, (const gid_t *)p->gids) < 0 && !(new_userns && errno == EPERM && !p->ngids))
        return cr__errno(err, "process.user.additionalGids");
    /* A change of effective id makes us dumpable again (fs.suid_dumpable),
       and a process of the container may ptrace one whose real, effective
       and saved ids all match its own: the saved id follows only once
       dumpability is off again, so that no moment is open to it. */
    if (setresgid(p->gid, p->gid, (gid_t)-1) < 0) return cr__errno(err, "process.user.gid: setresgid(%u)", p->gid);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (setresgid((gid_t)-1, (gid_t)-1, p->gid) < 0) return cr__errno(err, "process.user.gid: setresgid(%u)", p->gid);
    if (setresuid(p->uid, p->uid, (uid_t)-1) < 0) return cr__errno(err, "process.user.uid: setresuid(%u)", p->uid);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (setresuid((uid_t)-1, (uid_t)-1, p->uid) < 0) return cr__errno(err, "process.user.uid: setresuid(%u)", p->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return cr__errno(err, "prctl(PR_SET_KEEPCAPS)");
    memset(data, 0, sizeof data);
    data[0].effective = (uint32_t)p->caps[CR_CAP_EFFECTIVE]; data[1].effective = (uint32_t)(p->caps[CR_CAP_EFFECTIVE] >> 32);
    data[0].permitted = (uint32_t)p->caps[CR_CAP_PERMITTED]; data[1].permitted = (uint32_t)(p->caps[CR_CAP_PERMITTED] >> 32);
    data[0].inheritable = (uint32_t)p->caps[CR_CAP_INHERITABLE]; data[1].inheritable = (uint32_t)(p->caps[CR_CAP_INHERITABLE] >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0) return cr__errno(err, "process.capabilities: capset");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (cap = 0; cap <= last; cap++)
        if ((p->caps[CR_CAP_AMBIENT] >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            cr_log(CR_LOG_DEBUG, "process.capabilities.ambient: cannot raise %s: %s", cr_spec_cap_name(cap), strerror(errno));
    if (p->has_umask) umask(p->umask);
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return cr__errno(err, "process.noNewPrivileges");
    return 0;
}

static const char *cr__env_get(const char *const *env, const char *name) {
    size_t n = strlen(name);
    for (; env && *env; env++) if (!strncmp(*env, name, n) && (*env)[n] == '=') return *env + n + 1;
    return NULL;
}

/* HOME as runc sets it when process.env has none: the home directory of
   process.user.uid in the container's /etc/passwd, else "/". Runs inside
   the container's root, before the process drops to its user. */
static int cr__proc_home_env(cr_process *p, cr_err *err) {
    static char home[PATH_MAX + 8];
    const char **env;
    char *line, *next;
    cr_buf b = {0};
    struct stat sb;
    int fd, i;
    if (cr__env_get(p->env, "HOME")) return 0;
    snprintf(home, sizeof home, "HOME=/");
    /* O_NONBLOCK: a fifo planted at /etc/passwd must not hang the setup */
    fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        close(fd);
        fd = -1;
        if (cr_util_read_file(AT_FDCWD, "/etc/passwd", 4 << 20, &b, NULL) == 0)
            for (line = b.data; line && *line; line = next) {
                char *f[7], *q, *end;
                int n = 1;
                if ((next = strchr(line, '\n'))) *next++ = 0;
                /* name:password:uid:gid:gecos:home:shell */
                for (f[0] = q = line; *q && n < 7; q++) if (*q == ':') { *q = 0; f[n++] = q + 1; }
                if (n == 7 && *f[2] && strtoul(f[2], &end, 10) == p->uid && !*end) {
                    if (*f[5]) snprintf(home, sizeof home, "HOME=%s", f[5]);
                    break;
                }
            }
    }
    if (fd >= 0) close(fd);
    cr_buf_free(&b);
    if (!(env = (const char **)CR_MALLOC((size_t)(p->nenv + 2) * sizeof *env))) return cr_err_set(err, ENOMEM, "out of memory");
    for (i = 0; i < p->nenv; i++) env[i] = p->env[i];
    env[i++] = home;
    env[i] = NULL;
    p->env = env; p->nenv = i;
    return 0;
}

/* process.cwd is resolved inside the container's root, never through a
   magic link: a cwd of /proc/self/fd/N naming one of our own fds would
   otherwise land on the host (CVE-2024-21626). The fd is entered with
   fchdir, without getcwd, which a seccomp profile may deny. */
static int cr__proc_cwd_open(int rootfd, const char *cwd, cr_err *err) {
    int fd = cr__open_in_root(rootfd, cwd, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) return cr__errno(err, "process.cwd \"%s\"", cwd);
    return fd;
}

/* Enters the cwd *fd the way runc does: first (final = 0) just before the
   drop to process.user, so a cwd the runtime may search but the user may
   not still works; where that is denied, again (final = 1) as the user, for
   a cwd only the user can reach. *fd is -1 once entered. */
static int cr__proc_chdir(int *fd, const char *cwd, int final, cr_err *err) {
    if (*fd < 0) return 0;
    if (fchdir(*fd) < 0) {
        if (!final && (errno == EACCES || errno == EPERM)) return 0;
        return cr__errno(err, "process.cwd: chdir \"%s\"", cwd);
    }
    close(*fd);
    *fd = -1;
    return 0;
}

/* Finds process.args[0] the way execvp would, with the container's PATH. */
static int cr__proc_find(const cr_process *p, char *out, size_t n, cr_err *err) {
    const char *a0 = p->args[0], *path, *s;
    struct stat sb;
    if (strchr(a0, '/')) {
        if (stat(a0, &sb) < 0) return cr__errno(err, "process.args[0]: exec: \"%s\"", a0);
        if (!S_ISREG(sb.st_mode) || access(a0, X_OK) < 0)
            return cr_err_set(err, EACCES, "process.args[0]: exec: \"%s\": permission denied", a0);
        snprintf(out, n, "%s", a0);
        return 0;
    }
    path = cr__env_get(p->env, "PATH");
    if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (s = path; ; ) {
        size_t l = strcspn(s, ":");
        snprintf(out, n, "%.*s%s%s", (int)l, s, l ? "/" : "", a0);
        if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111)) return 0;
        if (!s[l]) break;
        s += l + 1;
    }
    return cr_err_set(err, ENOENT, "process.args[0]: exec: \"%s\": executable file not found in $PATH", a0);
}

static int cr__proc_lookup(const cr_process *p, char *out, size_t n, cr_err *err) {
    int r = cr__proc_find(p, out, n, err);
    if (r < 0) err->kind = CR_ERR_EXEC;
    return r;
}

/* Runs one hook with the state on stdin; the timeout is in seconds. */
static int cr__hook_run(const cr_hook *h, const char *state_json, cr_err *err) {
    int sv[2], status = 0, pidfd;
    size_t len;
    char why[64];
    pid_t pid;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return cr__errno(err, "hook %s: socketpair", h->path);
    pid = fork();
    if (pid < 0) { close(sv[0]); close(sv[1]); return cr__errno(err, "hook %s: fork", h->path); }
    if (pid == 0) {
        extern char **environ;
        const char *argv1[2] = { h->path, NULL };
        dup2(sv[1], 0);
        shutdown(0, SHUT_WR);
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        /* a hook without env gets the runtime's environment, as with runc and crun */
        execve(h->path, (char *const *)(h->args ? h->args : argv1), h->env ? (char *const *)h->env : environ);
        _exit(127);
    }
    close(sv[1]);
    /* a hook need not read its stdin: one that exits first must not kill
       the runtime with SIGPIPE */
    for (len = strlen(state_json); len; ) {
        ssize_t sent = send(sv[0], state_json, len, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0) break;
        state_json += sent; len -= (size_t)sent;
    }
    shutdown(sv[0], SHUT_WR);
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (h->timeout > 0 && pidfd >= 0) {
        struct pollfd pfd = { pidfd, POLLIN, 0 };
        int r;
        while ((r = poll(&pfd, 1, h->timeout * 1000)) < 0 && errno == EINTR) ;
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(pidfd); close(sv[0]);
            return cr_err_set(err, ETIMEDOUT, "error running hook %s: timed out after %d s", h->path, h->timeout);
        }
    }
    if (pidfd >= 0) close(pidfd);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) ;
    close(sv[0]);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return cr_err_set(err, ENOEXEC, "error running hook %s: cannot be executed", h->path);
    if (WIFEXITED(status)) return cr_err_set(err, EIO, "error running hook %s: exit status %d", h->path, WEXITSTATUS(status));
    /* runc's words ("signal: bad system call"), which scripts grep for */
    snprintf(why, sizeof why, "%s", strsignal(WTERMSIG(status)));
    why[0] = (char)tolower((unsigned char)why[0]);
    return cr_err_set(err, EIO, "error running hook %s: signal: %s (%s)", h->path, why, cr_util_signal_name(WTERMSIG(status)));
}

/* Poststart hooks follow the program's start: one that looks at it, or
   races it for a file, should find it past its first steps. Waits until
   the process has left the run queue (sleeps, stops or exits), at most
   100 ms. */
static void cr__hooks_settle(pid_t pid) {
    struct timespec tick = { 0, 1000000L };
    char state;
    int i;
    for (i = 0; i < 100 && ((state = cr__pid_state(pid)) == 'R' || state == 'D'); i++) nanosleep(&tick, NULL);
}

/* Runs the hooks of one kind in order. The first failure of a prestart,
   createRuntime, createContainer or startContainer hook stops them and is
   the result; a poststart or poststop hook that fails is a warning and the
   next one still runs (runtime-spec's lifecycle), so those never fail. */
static int cr__hooks_run(cr_spec *s, int kind, const cr_state *st, cr_status as, cr_err *err) {
    static const char *const names[CR_HOOK_KINDS] = { "prestart", "createRuntime", "createContainer",
                                                      "startContainer", "poststart", "poststop" };
    int warn_only = kind == CR_HOOK_POSTSTART || kind == CR_HOOK_POSTSTOP;
    cr_state copy = *st;
    cr_buf json = {0};
    int i, r = 0;
    if (!s->nhooks[kind]) return 0;
    if (kind == CR_HOOK_POSTSTART) cr__hooks_settle(st->pid);
    copy.status = as;
    cr_state_json(&copy, &json);
    for (i = 0; i < s->nhooks[kind] && !r; i++) {
        cr_err herr = {0};
        if (cr__hook_run(&s->hooks[kind][i], json.data ? json.data : "{}", warn_only ? &herr : err) == 0) continue;
        if (warn_only) cr_log(CR_LOG_WARN, "hooks.%s[%d]: %s", names[kind], i, herr.msg);
        else r = cr_err_wrap(err, "hooks.%s[%d]", names[kind], i);
    }
    cr_buf_free(&json);
    return r;
}

/* Console: a pty from the container's devpts; the master goes to the
   caller, the slave becomes stdio, controlling terminal and /dev/console. */
static int cr__proc_console(cr__ctx *c, const cr_process *p, int sync, cr_err *err) {
    int master, slave, unlock = 0;
    char path[64];
    master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return cr__errno(err, "process.terminal: open /dev/pts/ptmx");
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) { close(master); return cr__errno(err, "process.terminal: unlock pty"); }
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) { close(master); return cr__errno(err, "process.terminal: open pty peer"); }
    /* the process's own terminal, as with runc (the group stays devpts's gid=) */
    if (fchown(slave, p->uid, (gid_t)-1) < 0) cr_log(CR_LOG_DEBUG, "process.terminal: chown pty to %u: %s", p->uid, strerror(errno));
    if (p->console_height || p->console_width) {
        struct winsize ws = { (unsigned short)p->console_height, (unsigned short)p->console_width, 0, 0 };
        ioctl(slave, TIOCSWINSZ, &ws);
    }
    if (cr_util_send_fd(sync, master, NULL, 0) < 0) { close(master); close(slave); return cr__errno(err, "process.terminal: send pty master"); }
    close(master);
    if (c) {
        int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            char src[64];
            close(fd);
            snprintf(src, sizeof src, "self/fd/%d", slave);
            fd = openat(c->host_proc, src, O_PATH | O_CLOEXEC);
            if (fd >= 0) {
                snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
                if (mount(path, "/dev/console", NULL, MS_BIND, NULL) < 0)
                    cr_log(CR_LOG_DEBUG, "bind pty on /dev/console: %s", strerror(errno));
                close(fd);
            }
        }
    }
    setsid();
    if (ioctl(slave, TIOCSCTTY, 0) < 0) { close(slave); return cr__errno(err, "process.terminal: set controlling terminal"); }
    if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) { close(slave); return cr__errno(err, "process.terminal: dup"); }
    close(slave);
    return 0;
}

/* AppArmor profile and SELinux label for the coming execve. A config that
   asks for an LSM the host does not run is refused: silently running
   unconfined would be worse. Checked before anything is set up. */
static int cr__proc_lsm_check(const cr_process *p, cr_err *err) {
    cr_buf b = {0};
    int apparmor = 0;
    if (p->apparmor_profile && *p->apparmor_profile) {
        if (cr_util_read_file(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16, &b, NULL) == 0) apparmor = b.data[0] == 'Y';
        cr_buf_free(&b);
        if (!apparmor) return cr_err_set(err, ENOTSUP, "process.apparmorProfile \"%s\": AppArmor is not enabled on this host", p->apparmor_profile);
    }
    if (p->selinux_label && *p->selinux_label && access("/sys/fs/selinux/enforce", F_OK) < 0)
        return cr_err_set(err, ENOTSUP, "process.selinuxLabel \"%s\": SELinux is not enabled on this host", p->selinux_label);
    return 0;
}

static int cr__proc_lsm_apply(const cr_process *p, cr_err *err) {
    char buf[4096];
    if (p->apparmor_profile && *p->apparmor_profile) {
        snprintf(buf, sizeof buf, "exec %s", p->apparmor_profile);
        if (cr__write_str("/proc/self/attr/apparmor/exec", buf) < 0 && cr__write_str("/proc/self/attr/exec", buf) < 0)
            return cr__errno(err, "process.apparmorProfile \"%s\"", p->apparmor_profile);
    }
    if (p->selinux_label && *p->selinux_label && cr__write_str("/proc/self/attr/exec", p->selinux_label) < 0)
        return cr__errno(err, "process.selinuxLabel \"%s\"", p->selinux_label);
    return 0;
}

/* Socket activation passes through, as with runc: the fds follow stdio and
   the process is told with LISTEN_FDS and LISTEN_PID=1. */
static int cr__proc_listen_env(cr_process *p, int n, cr_err *err) {
    static char fds[32];
    const char **env = (const char **)CR_MALLOC((size_t)(p->nenv + 3) * sizeof *env);
    int i, k = 0;
    if (!env) return cr_err_set(err, ENOMEM, "out of memory");
    for (i = 0; i < p->nenv; i++)
        if (strncmp(p->env[i], "LISTEN_FDS=", 11) && strncmp(p->env[i], "LISTEN_PID=", 11)) env[k++] = p->env[i];
    snprintf(fds, sizeof fds, "LISTEN_FDS=%d", n);
    env[k++] = fds;
    env[k++] = "LISTEN_PID=1";
    env[k] = NULL;
    p->env = env; p->nenv = k;
    return 0;
}

/* A session keyring of its own, so the container cannot read the caller's
   keys (runc's default; --no-new-keyring keeps the caller's). */
static void cr__proc_keyring(const char *id) {
    char name[300];
    long key;
    snprintf(name, sizeof name, "_ses.%s", id);
    key = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
    if (key < 0) { cr_log(CR_LOG_DEBUG, "join session keyring: %s", strerror(errno)); return; }
    /* possessor: everything; user: view, read, write, search, link, setattr */
    syscall(SYS_keyctl, 5 /* KEYCTL_SETPERM */, key, 0x3f3f0000, 0, 0);
}

/* Everything but stdio and the preserved fds is closed at exec. */
static void cr__proc_cloexec_from(int first) {
    if (syscall(SYS_close_range, first, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) == 0) return;
    {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        if (!d) return;
        while ((e = readdir(d))) {
            int fd = atoi(e->d_name);
            if (fd >= first && fd != dirfd(d)) fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        closedir(d);
    }
}

/* ==========================================================================
 * >>seccomp — cr__seccomp_*: linux.seccomp compiled with libseccomp
 * ========================================================================== */

#ifdef CR_NO_SECCOMP
typedef struct cr__seccomp_filter { void *code; } cr__seccomp_filter;
static int cr__seccomp_build(const cr_spec *s, const char *cache_dir, cr__seccomp_filter *out, cr_err *err) {
    (void)cache_dir;
    out->code = NULL;
    return s->seccomp ? cr_err_set(err, ENOTSUP, "linux.seccomp: this build of cr has no seccomp support (CR_NO_SECCOMP)") : 0;
}
static int cr__seccomp_load(cr__seccomp_filter *f, int listener, const char *state, cr_err *err) {
    (void)f; (void)listener; (void)state; (void)err;
    return 0;
}
#else
#include <seccomp.h>
#include <linux/filter.h>
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
/* The filter as BPF, loaded by cr with seccomp(2): libseccomp compiles it
   (or the cache has it), and libseccomp 2.5 could not pass every flag
   (WAIT_KILLABLE_RECV) anyway. */
typedef struct cr__seccomp_filter {
    struct sock_filter *code; unsigned short len;
    unsigned long flags;              /* LOG, SPEC_ALLOW, TSYNC */
    int wait_killable;                /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, with a listener */
} cr__seccomp_filter;

/* field names the action, ret_field its errno (errnoRet, defaultErrnoRet) */
static int cr__seccomp_action(const cr_json *ret, const char *field, const char *ret_field, const char *name,
                              uint32_t *out, cr_err *err) {
    uint64_t eret = EPERM;
    if (ret && (ret->type != CR_JSON_NUMBER || cr_json_u64(ret, &eret) < 0 || eret > 4095))
        return cr_err_set(err, EINVAL, "%s: expected an errno number", ret_field);
    if (!strcmp(name, "SCMP_ACT_ALLOW")) *out = SCMP_ACT_ALLOW;
    else if (!strcmp(name, "SCMP_ACT_ERRNO")) *out = SCMP_ACT_ERRNO((uint16_t)eret);
    else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD")) *out = SCMP_ACT_KILL_THREAD;
    else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS")) *out = SCMP_ACT_KILL_PROCESS;
    else if (!strcmp(name, "SCMP_ACT_TRAP")) *out = SCMP_ACT_TRAP;
    else if (!strcmp(name, "SCMP_ACT_TRACE")) *out = SCMP_ACT_TRACE((uint16_t)(ret ? eret : 0));
    else if (!strcmp(name, "SCMP_ACT_LOG")) *out = SCMP_ACT_LOG;
    else if (!strcmp(name, "SCMP_ACT_NOTIFY")) *out = SCMP_ACT_NOTIFY;
    else return cr_err_set(err, EINVAL, "%s: unknown action \"%s\"", field, name);
    return 0;
}

static int cr__seccomp_op(const char *op, enum scmp_compare *out) {
    static const struct { const char *n; enum scmp_compare c; } ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ} };
    size_t i;
    for (i = 0; i < sizeof ops / sizeof *ops; i++) if (!strcmp(op, ops[i].n)) { *out = ops[i].c; return 0; }
    return -1;
}

static int cr__seccomp_rule(scmp_filter_ctx ctx, const cr_json *rule, int idx, uint32_t def, cr_err *err) {
    char field[64], afield[80], rfield[80];
    const cr_json *names, *action, *args, *e;
    struct scmp_arg_cmp conds[6];
    int nconds = 0, same_index = 0, r;
    uint32_t act;
    snprintf(field, sizeof field, "linux.seccomp.syscalls[%d]", idx);
    snprintf(afield, sizeof afield, "%s.action", field);
    snprintf(rfield, sizeof rfield, "%s.errnoRet", field);
    if (rule->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "%s: expected object", field);
    action = cr_json_get(rule, "action");
    if (!action || action->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "%s: required string", afield);
    if ((r = cr__seccomp_action(cr_json_get(rule, "errnoRet"), afield, rfield, action->str, &act, err)) < 0) return r;
    if ((args = cr_json_get(rule, "args"))) {
        if (args->type != CR_JSON_ARRAY) return cr_err_set(err, EINVAL, "%s.args: expected array", field);
        if (args->len > 6) return cr_err_set(err, EINVAL, "%s.args: at most 6 conditions", field);
        for (e = args->child; e; e = e->next, nconds++) {
            const cr_json *op = cr_json_get(e, "op");
            uint64_t index = 0, value = 0, two = 0;
            int j;
            if (e->type != CR_JSON_OBJECT || !cr_json_get(e, "index") || cr_json_u64(cr_json_get(e, "index"), &index) < 0 || index > 5)
                return cr_err_set(err, EINVAL, "%s.args[%d].index: expected 0..5", field, nconds);
            if (cr_json_get(e, "value") && cr_json_u64(cr_json_get(e, "value"), &value) < 0)
                return cr_err_set(err, EINVAL, "%s.args[%d].value: expected an unsigned integer", field, nconds);
            if (cr_json_get(e, "valueTwo") && cr_json_u64(cr_json_get(e, "valueTwo"), &two) < 0)
                return cr_err_set(err, EINVAL, "%s.args[%d].valueTwo: expected an unsigned integer", field, nconds);
            if (!op || op->type != CR_JSON_STRING || cr__seccomp_op(op->str, &conds[nconds].op) < 0)
                return cr_err_set(err, EINVAL, "%s.args[%d].op: unknown operator \"%s\"", field, nconds,
                                  op && op->type == CR_JSON_STRING ? op->str : "");
            conds[nconds].arg = (unsigned)index;
            conds[nconds].datum_a = value;
            conds[nconds].datum_b = two;
            for (j = 0; j < nconds; j++) if (conds[j].arg == index) same_index = 1;
        }
    }
    names = cr_json_get(rule, "names");
    if (!names || names->type != CR_JSON_ARRAY) return cr_err_set(err, EINVAL, "%s.names: required array of syscall names", field);
    if (act == def) return 0;
    for (e = names->child; e; e = e->next) {
        int nr;
        if (e->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "%s.names: expected strings", field);
        nr = seccomp_syscall_resolve_name(e->str);
        if (nr == __NR_SCMP_ERROR) { cr_log(CR_LOG_DEBUG, "seccomp: unknown syscall \"%s\" skipped", e->str); continue; }
        /* libseccomp ANDs conditions and cannot test one argument twice:
           a rule comparing the same argument twice becomes one rule each */
        if (same_index) {
            int j;
            for (j = 0; j < nconds; j++)
                if ((r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[j])) < 0)
                    return cr_err_set(err, -r, "%s: add rule for \"%s\": %s", field, e->str, strerror(-r));
        } else if ((r = seccomp_rule_add_array(ctx, act, nr, (unsigned)nconds, conds)) < 0)
            return cr_err_set(err, -r, "%s: add rule for \"%s\": %s", field, e->str, strerror(-r));
    }
    return 0;
}

static int cr__seccomp_export(scmp_filter_ctx ctx, cr__seccomp_filter *out, cr_err *err) {
    struct stat sb;
    int mfd, r;
    if ((mfd = (int)syscall(SYS_memfd_create, "seccomp", MFD_CLOEXEC)) < 0) return cr__errno(err, "linux.seccomp: memfd");
    if ((r = seccomp_export_bpf(ctx, mfd)) < 0 || fstat(mfd, &sb) < 0 || lseek(mfd, 0, SEEK_SET) < 0) {
        close(mfd);
        return r < 0 ? cr_err_set(err, -r, "linux.seccomp: export the filter: %s", strerror(-r)) : cr__errno(err, "linux.seccomp: export");
    }
    if (sb.st_size <= 0 || (size_t)sb.st_size / sizeof(struct sock_filter) > 65535 ||
        !(out->code = (struct sock_filter *)CR_MALLOC((size_t)sb.st_size)) || read(mfd, out->code, (size_t)sb.st_size) != sb.st_size) {
        close(mfd);
        return cr_err_set(err, E2BIG, "linux.seccomp: the filter has %lld bytes of BPF", (long long)sb.st_size);
    }
    close(mfd);
    out->len = (unsigned short)((size_t)sb.st_size / sizeof(struct sock_filter));
    return 0;
}

/* runc's -ENOSYS stub. With a default action that refuses, a syscall newer
   than every one the profile names gets ENOSYS instead of the default, so
   a program falls back (clone3 to clone, statx to fstatat) rather than
   failing on a call the profile's author could not know. Prepended to the
   filter: for each architecture of the profile, numbers above the largest
   one it names (that libseccomp knows) go to ENOSYS, the rest on to the
   filter. x32 shares x86_64's audit arch and is told by its syscall bit. */
#define CR__X32_SYSCALL_BIT 0x40000000u
static int cr__seccomp_enosys(const cr_json *sc, const uint32_t *arches, int narch, cr__seccomp_filter *f, cr_err *err) {
    struct { uint32_t audit, max, max_x32; } a[16];
    struct sock_filter stub[16 * 5 + 3], *code;
    const cr_json *rules = cr_json_get(sc, "syscalls"), *rule, *names, *e;
    int na = 0, n = 0, i, k;
    for (i = 0; i < narch; i++) {
        uint32_t arch = arches[i], audit = arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch, max = 0;
        for (rule = rules ? rules->child : NULL; rule; rule = rule->next)
            for (e = (names = cr_json_get(rule, "names")) ? names->child : NULL; e; e = e->next) {
                int nr = e->type == CR_JSON_STRING ? seccomp_syscall_resolve_name_arch(arch, e->str) : -1;
                if (nr >= 0 && (uint32_t)nr > max) max = (uint32_t)nr;
            }
        for (k = 0; k < na && a[k].audit != audit; k++) ;
        if (!max || (k == na && na == 16)) continue;
        if (k == na) { a[na].audit = audit; a[na].max = a[na].max_x32 = 0; na++; }
        if (arch == SCMP_ARCH_X32) a[k].max_x32 = max; else a[k].max = max;
    }
    if (!na) return 0;
    /* jumps to 0xfe mean "ENOSYS", to 0xff "the filter": resolved below */
    stub[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);
    for (k = 0; k < na; k++) {
        int both = a[k].max && a[k].max_x32, one = a[k].max_x32 ? 1 : a[k].audit == SCMP_ARCH_X86_64;
        stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[k].audit, 0, (unsigned char)(2 + both + one));
        stub[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
        if (both) stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CR__X32_SYSCALL_BIT, 0, 1);
        else if (a[k].max_x32) stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CR__X32_SYSCALL_BIT, 0, 0xff);
        else if (one) stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CR__X32_SYSCALL_BIT, 0xff, 0);
        if (a[k].max_x32) stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[k].max_x32, 0xfe, 0xff);
        if (a[k].max) stub[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[k].max, 0xfe, 0xff);
    }
    stub[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
    stub[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS));
    for (i = 0; i < n; i++) {
        if (BPF_CLASS(stub[i].code) != BPF_JMP || BPF_OP(stub[i].code) == BPF_JA) continue;
        if (stub[i].jt >= 0xfe) stub[i].jt = (unsigned char)(n - (stub[i].jt == 0xfe) - (i + 1));
        if (stub[i].jf >= 0xfe) stub[i].jf = (unsigned char)(n - (stub[i].jf == 0xfe) - (i + 1));
    }
    if ((size_t)f->len + (size_t)n > 65535) return cr_err_set(err, E2BIG, "linux.seccomp: the filter is too long");
    if (!(code = (struct sock_filter *)CR_MALLOC(((size_t)f->len + (size_t)n) * sizeof *code))) return cr_err_set(err, ENOMEM, "out of memory");
    memcpy(code, stub, (size_t)n * sizeof *code);
    memcpy(code + n, f->code, f->len * sizeof *code);
    CR_FREE(f->code);
    f->code = code;
    f->len = (unsigned short)(f->len + n);
    return 0;
}

/* Compiles linux.seccomp with libseccomp into out (BPF). */
static int cr__seccomp_compile(const cr_json *sc, cr__seccomp_filter *out, cr_err *err) {
    const cr_json *v, *e;
    scmp_filter_ctx ctx;
    uint32_t def, arches[32];
    int r, i, narch = 0;
    v = cr_json_get(sc, "defaultAction");
    if (!v || v->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "linux.seccomp.defaultAction: required string");
    if ((r = cr__seccomp_action(cr_json_get(sc, "defaultErrnoRet"), "linux.seccomp.defaultAction",
                                "linux.seccomp.defaultErrnoRet", v->str, &def, err)) < 0) return r;
    ctx = seccomp_init(def);
    if (!ctx) return cr_err_set(err, EINVAL, "linux.seccomp: seccomp_init failed");
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if ((v = cr_json_get(sc, "architectures"))) {
        if (v->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "linux.seccomp.architectures: expected array"); goto fail; }
        for (i = 0, e = v->child; e; e = e->next, i++) {
            char lower[32];
            size_t k;
            uint32_t arch;
            if (e->type != CR_JSON_STRING || strncmp(e->str, "SCMP_ARCH_", 10) || strlen(e->str) - 10 >= sizeof lower) {
                r = cr_err_set(err, EINVAL, "linux.seccomp.architectures[%d]: unknown architecture", i);
                goto fail;
            }
            for (k = 0; e->str[10 + k]; k++) lower[k] = (char)tolower((unsigned char)e->str[10 + k]);
            lower[k] = 0;
            arch = seccomp_arch_resolve_name(lower);
            if (!arch) { r = cr_err_set(err, EINVAL, "linux.seccomp.architectures[%d]: unknown architecture \"%s\"", i, e->str); goto fail; }
            if (narch < 32) arches[narch++] = arch;
            if ((r = seccomp_arch_add(ctx, arch)) < 0 && r != -EEXIST) {
                r = cr_err_set(err, -r, "linux.seccomp.architectures[%d]: \"%s\": %s", i, e->str, strerror(-r));
                goto fail;
            }
        }
    }
    if ((v = cr_json_get(sc, "flags"))) {
        if (v->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "linux.seccomp.flags: expected array"); goto fail; }
        for (e = v->child; e; e = e->next) {
            const char *f = e->type == CR_JSON_STRING ? e->str : "?";
            if (!strcmp(f, "SECCOMP_FILTER_FLAG_LOG")) out->flags |= SECCOMP_FILTER_FLAG_LOG;
            else if (!strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) out->flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
            else if (!strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC")) out->flags |= SECCOMP_FILTER_FLAG_TSYNC;
            else if (!strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) out->wait_killable = 1;
            else { r = cr_err_set(err, EINVAL, "linux.seccomp.flags: unsupported flag \"%s\"", f); goto fail; }
        }
    }
    if ((v = cr_json_get(sc, "syscalls"))) {
        if (v->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "linux.seccomp.syscalls: expected array"); goto fail; }
        for (i = 0, e = v->child; e; e = e->next, i++)
            if ((r = cr__seccomp_rule(ctx, e, i, def, err)) < 0) goto fail;
    }
    r = cr__seccomp_export(ctx, out, err);
    if (!narch) arches[narch++] = seccomp_arch_native();
    /* runc adds no stub where the default allows (a tracer handles ENOSYS
       itself) or already is ENOSYS */
    if (!r && def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG && (def & 0xffff0000u) != SCMP_ACT_TRACE(0) &&
        def != SCMP_ACT_ERRNO(ENOSYS)) r = cr__seccomp_enosys(sc, arches, narch, out, err);
fail:
    seccomp_release(ctx);
    return r;
}

/* Compiling Docker's default profile takes libseccomp ~30 ms, most of a
   container start. The BPF is cached per profile in <state root>/@seccomp
   (a tmpfs in practice, root's own), keyed by a hash of the profile's text
   and the libseccomp version, and the text is compared in full before a
   cached program is used. File: "crsecc3\n", text length, flags,
   wait_killable, checksum (u64 each), the text, the BPF. The checksum
   (FNV-1a of the file with the checksum zero) turns away a truncated or
   damaged file, which the text alone would not. */
#define CR__FNV_BASIS 1469598103934665603ULL
static uint64_t cr__fnv1a(uint64_t h, const void *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    while (n--) h = (h ^ *s++) * 1099511628211ULL;
    return h;
}

static uint64_t cr__seccomp_key(const char *text) {
    const struct scmp_version *v = seccomp_version();
    char ver[64];
    snprintf(ver, sizeof ver, "|%u.%u.%u|%s", v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, CR_VERSION);
    return cr__fnv1a(cr__fnv1a(CR__FNV_BASIS, text, strlen(text)), ver, strlen(ver));
}

static int cr__seccomp_cache_get(const char *path, const char *text, cr__seccomp_filter *out) {
    cr_buf b = {0};
    uint64_t hdr[5], zero = 0;
    size_t tlen = strlen(text), n;
    int hit = 0;
    if (cr_util_read_file(AT_FDCWD, path, 16 << 20, &b, NULL) < 0) return 0;
    if (b.len > sizeof hdr + tlen) {
        memcpy(hdr, b.data, sizeof hdr);
        memcpy(b.data + 4 * sizeof *hdr, &zero, sizeof zero);
        n = b.len - sizeof hdr - tlen;
        if (!memcmp(hdr, "crsecc3\n", 8) && hdr[1] == tlen && hdr[4] == cr__fnv1a(CR__FNV_BASIS, b.data, b.len) &&
            !memcmp(b.data + sizeof hdr, text, tlen) && n % sizeof(struct sock_filter) == 0 &&
            n / sizeof(struct sock_filter) <= 65535 && (out->code = (struct sock_filter *)CR_MALLOC(n))) {
            memcpy(out->code, b.data + sizeof hdr + tlen, n);
            out->len = (unsigned short)(n / sizeof(struct sock_filter));
            out->flags = (unsigned long)hdr[2];
            out->wait_killable = (int)hdr[3];
            hit = 1;
        }
    }
    cr_buf_free(&b);
    return hit;
}

static void cr__seccomp_cache_put(const char *dir, const char *name, const char *text, const cr__seccomp_filter *f) {
    cr_buf b = {0};
    uint64_t hdr[5] = { 0, strlen(text), f->flags, (uint64_t)f->wait_killable, 0 };
    char tmp[PATH_MAX], path[PATH_MAX];
    int fd, ok;
    memcpy(hdr, "crsecc3\n", 8);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) return;
    cr_buf_add(&b, hdr, sizeof hdr);
    cr_buf_add(&b, text, strlen(text));
    cr_buf_add(&b, f->code, f->len * sizeof *f->code);
    if (b.oom) { cr_buf_free(&b); return; }
    hdr[4] = cr__fnv1a(CR__FNV_BASIS, b.data, b.len);
    memcpy(b.data + 4 * sizeof *hdr, &hdr[4], sizeof hdr[4]);
    /* a temporary name of its own: the inits of containers with a pid
       namespace, which all write this, are all pid 1 */
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) >= 0) {
        ok = cr__write_all(fd, b.data, b.len) == 0;
        close(fd);
        if (!ok || rename(tmp, path) < 0) unlink(tmp);
    }
    cr_buf_free(&b);
}

/* linux.seccomp as BPF, from the cache in cache_dir (NULL: none) or compiled. */
static int cr__seccomp_build(const cr_spec *s, const char *cache_dir, cr__seccomp_filter *out, cr_err *err) {
    char path[PATH_MAX], name[32];
    char *text;
    int r;
    memset(out, 0, sizeof *out);
    if (!s->seccomp) return 0;
    if (!cache_dir) return cr__seccomp_compile((const cr_json *)s->seccomp, out, err);
    if (!(text = cr__json_text((const cr_json *)s->seccomp))) return cr_err_set(err, ENOMEM, "out of memory");
    snprintf(name, sizeof name, "%016llx", (unsigned long long)cr__seccomp_key(text));
    snprintf(path, sizeof path, "%s/%s", cache_dir, name);
    if (cr__seccomp_cache_get(path, text, out)) { CR_FREE(text); return 0; }
    if ((r = cr__seccomp_compile((const cr_json *)s->seccomp, out, err)) == 0) cr__seccomp_cache_put(cache_dir, name, text, out);
    CR_FREE(text);
    return r;
}

/* Loads the filter. With SCMP_ACT_NOTIFY rules the listener fd goes at once
   to the agent on `listener` (connected before pivot_root), with the
   container process state of runtime-spec's seccomp notify protocol. */
static int cr__seccomp_load(cr__seccomp_filter *f, int listener, const char *state, cr_err *err) {
    unsigned long flags = f->flags;
    struct sock_fprog prog;
    int r = 0, fd;
    if (!f->code) return 0;
    if (listener >= 0) {
        /* the flag is about the listener: without one the kernel refuses it */
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | (f->wait_killable ? SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV : 0);
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    prog.len = f->len;
    prog.filter = f->code;
    fd = (int)syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, &prog);
    if (fd < 0) r = cr__errno(err, "linux.seccomp: load the filter");
    else if (listener >= 0 && (r = cr_util_send_fd(listener, fd, state, strlen(state))) < 0)
        r = cr_err_set(err, -r, "linux.seccomp.listenerPath: send the listener fd: %s", strerror(-r));
    if (fd > 0 && listener >= 0) close(fd);
    CR_FREE(f->code);
    f->code = NULL;
    return r;
}

#endif

static int cr__seccomp_wants_listener(const cr_spec *s) {
    const cr_json *sc = (const cr_json *)s->seccomp, *v, *e;
    if (!sc || !(v = cr_json_get(sc, "syscalls"))) return 0;
    for (e = v->child; e; e = e->next) {
        const cr_json *a = cr_json_get(e, "action");
        if (a && a->type == CR_JSON_STRING && !strcmp(a->str, "SCMP_ACT_NOTIFY")) return 1;
    }
    return 0;
}

/* Connects to linux.seccomp.listenerPath and prepares the message that
   goes with the fd: {"ociVersion","fds":["seccompFd"],"pid","metadata","state"}. */
static int cr__seccomp_listener(const cr_spec *s, const cr_state *st, int *sock, cr_buf *msg, cr_err *err) {
    const cr_json *sc = (const cr_json *)s->seccomp, *path, *meta;
    struct sockaddr_un sa;
    cr_jw w;
    cr_buf state = {0};
    *sock = -1;
    if (!cr__seccomp_wants_listener(s)) return 0;
    path = cr_json_get(sc, "listenerPath");
    meta = cr_json_get(sc, "listenerMetadata");
    if (!path || path->type != CR_JSON_STRING || !*path->str)
        return cr_err_set(err, EINVAL, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path->str) >= sizeof sa.sun_path) return cr_err_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath: too long");
    strcpy(sa.sun_path, path->str);
    *sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*sock < 0 || connect(*sock, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int r = cr__errno(err, "linux.seccomp.listenerPath \"%s\"", path->str);
        if (*sock >= 0) close(*sock);
        *sock = -1;
        return r;
    }
    cr_state_json(st, &state);
    cr_jw_init(&w, msg);
    cr_jw_obj(&w);
    cr_jw_key(&w, "ociVersion"); cr_jw_str(&w, CR_OCI_VERSION);
    cr_jw_key(&w, "fds"); cr_jw_arr(&w); cr_jw_str(&w, "seccompFd"); cr_jw_arr_end(&w);
    cr_jw_key(&w, "pid"); cr_jw_i64(&w, st->pid);
    cr_jw_key(&w, "metadata"); cr_jw_str(&w, meta && meta->type == CR_JSON_STRING ? meta->str : "");
    cr_jw_key(&w, "state"); cr_jw_raw(&w, state.data ? state.data : "{}");
    cr_jw_obj_end(&w);
    cr_buf_free(&state);
    return 0;
}

/* ==========================================================================
 * >>lifecycle — cr_container_*: create, start, kill, delete, run, exec
 *
 * create clones the init straight into its namespaces (clone3; one stage).
 * When a namespace must be joined before a new user namespace is made, or
 * the pid or time namespace only applies to children, the first child
 * joins/unshares and forks the init with CLONE_PARENT (two stages), so the
 * init is always a child of the create process. The init then talks to
 * create over a SOCK_SEQPACKET pair (cr__msg) and, once set up, blocks on
 * exec.fifo until start opens it.
 * ========================================================================== */


/* preserve_fds N hands fds 3..3+N-1 on: N must leave them ints. */
static int cr__preserve_fds_check(int n, cr_err *err) {
    if (n < 0 || n > INT_MAX - 3) return cr_err_set(err, EINVAL, "preserve_fds: %d is not a number of fds from 0 to %d", n, INT_MAX - 3);
    return 0;
}

/* Messages on the create <-> init socket. */
/* The pty master travels alone, as an fd with a one-byte payload. */
enum { CR__MSG_GO = 1, CR__MSG_MAPS, CR__MSG_PID, CR__MSG_HOOKS, CR__MSG_READY, CR__MSG_ERROR };
typedef struct cr__msg { int type; int value; int kind; char text[1024]; } cr__msg;

static int cr__msg_send(int sock, int type, int value, const char *text) {
    cr__msg m;
    memset(&m, 0, sizeof m);
    m.type = type; m.value = value;
    if (text) snprintf(m.text, sizeof m.text, "%s", text);
    while (send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0) if (errno != EINTR) return -errno;
    return 0;
}
/* A failure of the other side: its code, kind and message. */
static void cr__msg_send_err(int sock, const cr_err *e) {
    cr__msg m;
    memset(&m, 0, sizeof m);
    m.type = CR__MSG_ERROR; m.value = e->code; m.kind = e->kind;
    snprintf(m.text, sizeof m.text, "%s", e->msg);
    while (send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR) ;
}
static int cr__msg_err(const cr__msg *m, cr_err *err) {
    int r = cr_err_set(err, m->value ? m->value : EIO, "%s", m->text);
    err->kind = m->kind;
    return r;
}
static int cr__msg_recv(int sock, cr__msg *m, int *fd) {
    int r, dummy;
    memset(m, 0, sizeof *m);
    r = cr_util_recv_fd(sock, fd ? fd : &dummy, m, sizeof *m);
    if (!fd && dummy >= 0) close(dummy);
    if (r < 0) return r;
    return r == 0 ? -EPIPE : 0;
}
static int cr__msg_expect(int sock, int type, cr_err *err) {
    cr__msg m;
    int r = cr__msg_recv(sock, &m, NULL);
    if (r < 0) return cr_err_set(err, EPIPE, "lost the create process");
    if (m.type != type) return cr_err_set(err, EPROTO, "unexpected message %d from the create process", m.type);
    return 0;
}

/* fork-like clone3; cgroup_fd >= 0 starts the child in that cgroup2 cgroup
   (CLONE_INTO_CGROUP), so it never runs a moment outside it. */
static pid_t cr__clone(uint64_t flags, int cgroup_fd) {
    struct cr__clone_args a;
    pid_t pid;
    memset(&a, 0, sizeof a);
    a.flags = flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
    a.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0;
    /* with CLONE_PARENT the child inherits our exit signal: clone3 wants 0 */
    a.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
    if (pid >= 0 || errno != ENOSYS) return pid;
    return (pid_t)syscall(SYS_clone, (unsigned long)flags | a.exit_signal, 0, 0, 0, 0);
}

static int cr__write_idmap(pid_t pid, const char *file, const cr_idmap *m, int n, cr_err *err) {
    char path[64];
    cr_buf b = {0};
    int i, fd, r = 0;
    for (i = 0; i < n; i++) cr_buf_printf(&b, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || cr__write_all(fd, b.data, b.len) < 0)
        r = cr__errno(err, "linux.%s: write %s", !strcmp(file, "uid_map") ? "uidMappings" : "gidMappings", path);
    if (fd >= 0) close(fd);
    cr_buf_free(&b);
    return r;
}

/* An unprivileged user may map only its own id, once: anything else goes
   through the setuid helpers newuidmap/newgidmap, which check /etc/subuid. */
static int cr__idmap_helper(const char *tool, pid_t pid, const cr_idmap *m, int n, cr_err *err) {
    char **argv = (char **)CR_MALLOC((size_t)(3 * n + 3) * sizeof *argv), pidstr[16];
    char (*nums)[12] = (char (*)[12])CR_MALLOC((size_t)(3 * n) * sizeof *nums);
    int i, k = 0, status = 0;
    pid_t child;
    if (!argv || !nums) { CR_FREE(argv); CR_FREE(nums); return cr_err_set(err, ENOMEM, "out of memory"); }
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    argv[k++] = (char *)tool; argv[k++] = pidstr;
    for (i = 0; i < n; i++) {
        snprintf(nums[3 * i], 12, "%u", m[i].container_id);
        snprintf(nums[3 * i + 1], 12, "%u", m[i].host_id);
        snprintf(nums[3 * i + 2], 12, "%u", m[i].size);
        argv[k++] = nums[3 * i]; argv[k++] = nums[3 * i + 1]; argv[k++] = nums[3 * i + 2];
    }
    argv[k] = NULL;
    child = fork();
    if (child == 0) { execvp(tool, argv); _exit(127); }
    if (child > 0) while (waitpid(child, &status, 0) < 0 && errno == EINTR) ;
    CR_FREE(argv); CR_FREE(nums);
    if (child < 0) return cr__errno(err, "fork %s", tool);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return cr_err_set(err, ENOENT, "%s not found: install the uidmap package for multi-range id mappings", tool);
    if (!WIFEXITED(status) || WEXITSTATUS(status))
        return cr_err_set(err, EPERM, "%s failed (does /etc/sub%cid allow these ranges?)", tool, tool[3] == 'u' ? 'u' : 'g');
    return 0;
}

static int cr__idmap_needs_helper(const cr_idmap *m, int n, uint32_t own) {
    return n != 1 || m[0].size != 1 || m[0].host_id != own;
}

static int cr__write_maps(cr_spec *s, pid_t pid, cr_err *err) {
    if (geteuid() != 0 && cr__idmap_needs_helper(s->uid_map, s->n_uid_map, geteuid())) {
        int r = cr__idmap_helper("newuidmap", pid, s->uid_map, s->n_uid_map, err);
        if (r < 0) return cr_err_wrap(err, "linux.uidMappings");
        if (cr__idmap_needs_helper(s->gid_map, s->n_gid_map, getegid()))
            return cr__idmap_helper("newgidmap", pid, s->gid_map, s->n_gid_map, err) < 0 ? cr_err_wrap(err, "linux.gidMappings") : 0;
        return cr__write_idmap(pid, "gid_map", s->gid_map, s->n_gid_map, err);
    }
    if (geteuid() != 0 && cr__idmap_needs_helper(s->gid_map, s->n_gid_map, getegid())) {
        if (cr__idmap_helper("newgidmap", pid, s->gid_map, s->n_gid_map, err) < 0) return cr_err_wrap(err, "linux.gidMappings");
        return cr__write_idmap(pid, "uid_map", s->uid_map, s->n_uid_map, err);
    }
    if (geteuid() != 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        cr__write_str(path, "deny");
    }
    if (cr__write_idmap(pid, "uid_map", s->uid_map, s->n_uid_map, err) < 0) return -EPERM;
    return cr__write_idmap(pid, "gid_map", s->gid_map, s->n_gid_map, err);
}

static int cr__ns_open(const char *path, int kind, cr_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cr__errno(err, "linux.namespaces: %s path \"%s\"", cr__ns_names[kind], path);
    return fd;
}

static int cr__ns_join(const cr_spec *s, int kind, cr_err *err) {
    int fd = cr__ns_open(s->ns[kind].path, kind, err);
    if (fd < 0) return fd;
    if (setns(fd, cr__ns_flags[kind]) < 0) {
        int r = cr__errno(err, "linux.namespaces: join %s namespace \"%s\"", cr__ns_names[kind], s->ns[kind].path);
        close(fd);
        return r;
    }
    close(fd);
    return 0;
}

/* A new network namespace starts with lo down; Docker's and Podman's
   containers (even --network none) have it up. */
static void cr__ns_loopback_up(void) {
    struct ifreq ifr;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(sock, SIOCSIFFLAGS, &ifr);
    }
    close(sock);
}

static int cr__time_offsets(const cr_spec *s, cr_err *err) {
    char buf[128];
    if (!s->has_time_offsets) return 0;
    snprintf(buf, sizeof buf, "monotonic %lld %u\nboottime %lld %u\n", (long long)s->monotonic_secs, s->monotonic_nsecs,
             (long long)s->boottime_secs, s->boottime_nsecs);
    if (cr__write_str("/proc/self/timens_offsets", buf) < 0) return cr__errno(err, "linux.timeOffsets");
    return 0;
}

/* The namespaces the init needs, for the one-stage clone, or 0 when it has to
   go in two stages. */
static int cr__ns_plan(const cr_spec *s, uint64_t *flags) {
    int k, joins = 0;
    *flags = 0;
    for (k = 0; k < CR_NS_KINDS; k++) {
        if (!s->ns[k].present) continue;
        if (s->ns[k].path) joins |= 1 << k;
        else *flags |= (uint64_t)cr__ns_flags[k];
    }
    if (s->ns[CR_NS_TIME].present || (joins & (1 << CR_NS_PID)) || (joins & (1 << CR_NS_USER))) return 0;
    if ((*flags & CLONE_NEWUSER) && joins) return 0;
    return 1;
}

/* After start released the init, failures travel back over the fifo as
   "KIND CODE MESSAGE": start reads what follows the first byte. */
static void cr__init_start_fail(int fifo, const cr_err *err) {
    char head[32];
    snprintf(head, sizeof head, "%d %d ", err->kind, err->code);
    cr__write_all(fifo, head, strlen(head));
    cr__write_all(fifo, err->msg, strlen(err->msg));
    _exit(1);
}

/* The state the init's hooks and seccomp agent see: its host pid is known
   only to create, which sends it. */
static void cr__init_state(const cr__ctx *c, pid_t hostpid, cr_state *st) {
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", c->id);
    snprintf(st->bundle, sizeof st->bundle, "%s", c->bundle);
    st->pid = hostpid;
}

/* The init enters what clone3 could not give it: namespaces to join, a
   user namespace made after the others' joins, and (for a new pid or time
   namespace) a fork into it, whose parent exits. */
static int cr__init_enter(cr__ctx *c, int one_stage, int new_userns, cr_err *err) {
    cr_spec *s = c->spec;
    int k;
    if (!one_stage) {
        uint64_t unshare_flags = 0;
        if (s->ns[CR_NS_USER].path && cr__ns_join(s, CR_NS_USER, err) < 0) return -EPERM;
        for (k = 0; k < CR_NS_KINDS; k++)
            if (k != CR_NS_USER && s->ns[k].present && s->ns[k].path && cr__ns_join(s, k, err) < 0) return -EPERM;
        if (new_userns) {
            if (unshare(CLONE_NEWUSER) < 0) return cr__errno(err, "linux.namespaces: new user namespace");
            prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
            if (cr__msg_send(c->sync, CR__MSG_MAPS, 0, NULL) < 0 || cr__msg_expect(c->sync, CR__MSG_GO, err) < 0) return -EPIPE;
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
        for (k = 0; k < CR_NS_KINDS; k++)
            if (k != CR_NS_USER && s->ns[k].present && !s->ns[k].path) unshare_flags |= (uint64_t)cr__ns_flags[k];
        if (unshare_flags && unshare((int)unshare_flags) < 0) return cr__errno(err, "linux.namespaces: unshare");
        if ((unshare_flags & CLONE_NEWTIME) && cr__time_offsets(s, err) < 0) return -EPERM;
        if (s->ns[CR_NS_PID].present || s->ns[CR_NS_TIME].present) {
            pid_t child = cr__clone(CLONE_PARENT, -1);
            if (child < 0) return cr__errno(err, "fork the init");
            if (child > 0) { cr__msg_send(c->sync, CR__MSG_PID, child, NULL); _exit(0); }
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            /* create must know our pid before anything we send reaches it */
            if (cr__msg_expect(c->sync, CR__MSG_GO, err) < 0) return -EPIPE;
        }
    } else {
        if (!s->ns[CR_NS_USER].present)
            for (k = 0; k < CR_NS_KINDS; k++)
                if (s->ns[k].present && s->ns[k].path && cr__ns_join(s, k, err) < 0) return -EPERM;
        if (s->ns[CR_NS_CGROUP].present && !s->ns[CR_NS_CGROUP].path && unshare(CLONE_NEWCGROUP) < 0)
            return cr__errno(err, "linux.namespaces: new cgroup namespace");
    }
    return 0;
}

/* Runs in the init. Returns only on failure; err says why. */
static int cr__init(cr__ctx *c, int one_stage, cr_err *err) {
    cr_spec *s = c->spec;
    cr_process *p = &s->process;
    cr__msg m;
    cr__seccomp_filter filter;
    cr_buf listener_msg = {0};
    cr_state st;
    char exe[PATH_MAX];
    int r, hostpid, listener = -1, start_fd, cwd_fd;
    int new_userns = s->ns[CR_NS_USER].present && !s->ns[CR_NS_USER].path;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* Non-dumpable from before any namespace is entered to the user
       program's execve: ptrace, /proc/PID/mem and /proc/PID/fd (host fds)
       of a cr process stay closed to the container's processes, even to
       those with CAP_SYS_PTRACE in its user namespace (CVE-2016-9962).
       Only while create writes a new user namespace's maps are we dumpable:
       a rootless create may not open the maps of a non-dumpable process,
       and nothing of the container can see us yet. A change of credentials
       resets dumpability to fs.suid_dumpable: it is set again after each. */
    if (!(one_stage && new_userns)) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if ((r = cr__seccomp_build(s, c->seccomp_cache, &filter, err)) < 0) return r;
    if (cr__msg_expect(c->sync, CR__MSG_GO, err) < 0) return -EPIPE;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if ((r = cr__init_enter(c, one_stage, new_userns, err)) < 0) return r;
    if (s->ns[CR_NS_NET].present && !s->ns[CR_NS_NET].path) cr__ns_loopback_up();
    c->new_userns = new_userns;
    if (s->ns[CR_NS_USER].present) { setresgid(0, 0, 0); setresuid(0, 0, 0); }
    /* the namespaces entered and the ids set changed our credentials */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if ((r = cr__rootfs_prepare(c, err)) < 0) return r;
    if ((cwd_fd = cr__mkdir_in_root(c->rootfd, p->cwd, 0755)) < 0) return cr__errno(err, "process.cwd \"%s\"", p->cwd);
    if (!c->opts->no_new_keyring) cr__proc_keyring(c->id);
    if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) return cr__errno(err, "hostname \"%s\"", s->hostname);
    if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) return cr__errno(err, "domainname \"%s\"", s->domainname);
    if ((r = cr__proc_sysctl(c, err)) < 0) return r;
    if ((r = cr__proc_limits(p, err)) < 0) return r;
    /* createRuntime (and prestart) run in the runtime namespace: create does them */
    if (cr__msg_send(c->sync, CR__MSG_HOOKS, 0, NULL) < 0 || cr__msg_recv(c->sync, &m, NULL) < 0 || m.type != CR__MSG_GO)
        return cr_err_set(err, EPIPE, "lost the create process");
    hostpid = m.value;
    cr__init_state(c, hostpid, &st);
    if (s->nhooks[CR_HOOK_CREATE_CONTAINER] && fchdir(c->rootfd) < 0) return cr__errno(err, "chdir \"%s\"", c->rootfs);   /* runc's cwd for them */
    if ((r = cr__hooks_run(s, CR_HOOK_CREATE_CONTAINER, &st, CR_CREATING, err)) < 0) return r;
    st.status = CR_CREATING;
    if ((r = cr__seccomp_listener(s, &st, &listener, &listener_msg, err)) < 0) return r;
    if ((r = cr__rootfs_finish(c, err)) < 0) return r;
    if ((r = cr__rootfs_pivot(c, err)) < 0) return r;
    if (s->ns[CR_NS_MNT].present && (r = cr__rootfs_after_pivot(c, err)) < 0) return r;
    if ((r = cr__proc_home_env(p, err)) < 0) return r;
    if (s->has_personality && personality(s->personality) < 0) return cr__errno(err, "linux.personality");
    if (p->terminal && (r = cr__proc_console(c, p, c->sync, err)) < 0) return r;
    if (!p->terminal) setsid();
    if ((r = cr__proc_lsm_apply(p, err)) < 0) return r;
    /* without no_new_privs loading a filter needs CAP_SYS_ADMIN: load it
       before the capabilities go; with it, as late as possible */
    if (!p->no_new_privileges && (r = cr__seccomp_load(&filter, listener, listener_msg.data, err)) < 0) return r;
    if ((r = cr__proc_chdir(&cwd_fd, p->cwd, 0, err)) < 0) return r;
    if ((r = cr__proc_identity(p, c->new_userns, err)) < 0) return r;
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if ((r = cr__proc_chdir(&cwd_fd, p->cwd, 1, err)) < 0) return r;
    if ((r = cr__proc_lookup(p, exe, sizeof exe, err)) < 0) return r;
    cr__proc_cloexec_from(3 + c->listen_fds + c->opts->preserve_fds);
    if (c->listen_fds && (r = cr__proc_listen_env(p, c->listen_fds, err)) < 0) return r;
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (cr__msg_send(c->sync, CR__MSG_READY, 0, NULL) < 0) return cr_err_set(err, EPIPE, "lost the create process");
    {
        char fifo[64];
        snprintf(fifo, sizeof fifo, "self/fd/%d", c->fifo_fd);
        while ((start_fd = openat(c->host_proc, fifo, O_WRONLY | O_CLOEXEC)) < 0 && errno == EINTR) ;
        /* the fd stays open until execve closes it: start reads EOF then */
        if (start_fd < 0 || write(start_fd, "0", 1) != 1) _exit(1);
    }
    if (cr__seccomp_load(&filter, listener, listener_msg.data, err) < 0) cr__init_start_fail(start_fd, err);
    if (cr__hooks_run(s, CR_HOOK_START_CONTAINER, &st, CR_CREATED, err) < 0) cr__init_start_fail(start_fd, err);
    execve(exe, (char *const *)p->args, (char *const *)(p->env ? p->env : (const char **)&p->args[p->nargs]));
    cr__errno(err, "exec \"%s\"", exe);
    err->kind = CR_ERR_EXEC;
    cr__init_start_fail(start_fd, err);
    return -1;
}

static int cr__console_forward(const char *sock_path, int master, cr_err *err) {
    struct sockaddr_un sa;
    int s, r;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(sock_path) >= sizeof sa.sun_path) return cr_err_set(err, ENAMETOOLONG, "--console-socket \"%s\": path too long", sock_path);
    strcpy(sa.sun_path, sock_path);
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        r = cr__errno(err, "--console-socket \"%s\"", sock_path);
        if (s >= 0) close(s);
        return r;
    }
    r = cr_util_send_fd(s, master, "/dev/ptmx", 9);
    close(s);
    return r < 0 ? cr_err_set(err, -r, "--console-socket \"%s\": send: %s", sock_path, strerror(-r)) : 0;
}

/* The pty master the process sent: to the console socket when there is
   one, else kept in *master for the foreground proxy. */
static int cr__console_take(const char *sock_path, int fd, int *master, cr_err *err) {
    int r;
    if (!sock_path) { *master = fd; return 0; }
    r = cr__console_forward(sock_path, fd, err);
    close(fd);
    return r;
}

typedef struct cr__created { pid_t pid; int master; } cr__created;

static int cr__create_resources(const cr_spec *spec, const char *dirs, cr_err *err) {
    const cr_resources *res = spec->resources;
    cr__cg_view *v;
    int r = 0;
    if (!res && !spec->ndevices) return 0;
    if (!(v = (cr__cg_view *)CR_MALLOC(sizeof *v))) return cr_err_set(err, ENOMEM, "out of memory");
    cr__cgroup_view(dirs, v);
    v->t.devices = spec->devices;
    v->t.ndevices = spec->ndevices;
    v->t.default_devices = res && res->has_devices;
    if (res && res->nhugepage_limits && !v->t.v1[CR__CG_HUGETLB] && v->t.v2 && !v->t.pure_v2)
        r = cr__cgroup_enable_v2(v->t.v2, "hugetlb", err);
    if (!r && res) r = cr__cgroup_apply(&v->t, res, 0, err);
    CR_FREE(v);
    return r;
}

/* Compiled seccomp filters live beside the containers of a state root;
   no container id can contain '@'. */
static void cr__seccomp_cache_dir(const cr_runtime *rt, char *out, size_t n) {
    snprintf(out, n, "%s/@seccomp", cr_state_root(rt));
}

/* Limits asked for with no cgroup hierarchy to put them in (as in a mount
   namespace with a bare /sys) must not be dropped silently. */
static int cr__cgroup_check_mounted(const cr_spec *spec, const char *cgroup, cr_err *err) {
    const cr_resources *res = spec->resources;
    const struct { const char *name; int given; } limits[] = {
        { "memory", res && res->has_memory }, { "cpu", res && res->has_cpu }, { "pids", res && res->has_pids },
        { "hugepageLimits", res && res->has_hugepage_limits }, { "blockIO", res && res->has_block_io } };
    size_t i;
    /* an init put into a frozen cgroup would hang create: runc refuses it too */
    if (*cgroup && cr__cgroup_frozen(cgroup)) return cr_err_set(err, EBUSY, "container's cgroup unexpectedly frozen");
    if (*cgroup) return 0;
    for (i = 0; i < sizeof limits / sizeof *limits; i++)
        if (limits[i].given)
            return cr_err_set(err, ENOENT, "linux.resources.%s: no cgroup hierarchy is mounted under /sys/fs/cgroup", limits[i].name);
    return 0;
}

/* One create in progress: what it has made so far, so that one undo
   (cr__create_undo) takes exactly that apart, whatever step failed. */
typedef struct cr__creation {
    cr__ctx c;
    cr_spec spec;
    cr_state st;
    cr_buf text;                      /* the bundle's config.json */
    int rootdir, dirfd, sv[2];
    int made_dir;                     /* the id is ours: so are its state dir and cgroup */
    int one_stage;
    uint64_t flags;                   /* namespaces of the clone */
    pid_t first, pid;                 /* the child cloned first, and the init (the same unless two stages) */
} cr__creation;

/* Everything that can be checked before anything is made: the id, the
   bundle, its config.json, the rootfs, the cgroup's directories. */
static int cr__create_prepare(cr__creation *k, const char *bundle_arg, int want_master, cr_err *err) {
    cr__ctx *c = &k->c;
    char path[PATH_MAX], real[PATH_MAX];
    struct stat sb;
    int r;
    if ((r = cr_state_check_id(c->id, err)) < 0) return r;
    if ((r = cr__preserve_fds_check(c->opts->preserve_fds, err)) < 0) return r;
    if (!realpath(bundle_arg ? bundle_arg : ".", c->bundle)) return cr__errno(err, "bundle \"%s\"", bundle_arg ? bundle_arg : ".");
    snprintf(path, sizeof path, "%s/config.json", c->bundle);
    if ((r = cr_util_read_file(AT_FDCWD, path, 16 << 20, &k->text, err)) < 0) return r;
    if ((r = cr_spec_parse(&k->spec, k->text.data, k->text.len, err)) < 0) return cr_err_wrap(err, "%s", path);
    if ((r = cr__spec_sysctl_check(&k->spec, err)) < 0) return r;
    if (!k->spec.has_process) return cr_err_set(err, EINVAL, "%s: process: required to create a container", path);
    if (!k->spec.process.nargs) return cr_err_set(err, EINVAL, "%s: process.args: must not be empty", path);
    if (k->spec.process.terminal && !c->opts->console_socket && !want_master)
        return cr_err_set(err, EINVAL, "process.terminal is true but no --console-socket was given to receive the pty");
    if ((r = cr__proc_lsm_check(&k->spec.process, err)) < 0) return r;
    if (k->spec.root_path[0] == '/') snprintf(c->rootfs, sizeof c->rootfs, "%s", k->spec.root_path);
    else snprintf(c->rootfs, sizeof c->rootfs, "%s/%s", c->bundle, k->spec.root_path);
    if (stat(c->rootfs, &sb) < 0) return cr__errno(err, "root.path \"%s\"", c->rootfs);
    if (!S_ISDIR(sb.st_mode)) return cr_err_set(err, ENOTDIR, "root.path \"%s\": not a directory", c->rootfs);
    if (realpath(c->rootfs, real)) snprintf(c->rootfs, sizeof c->rootfs, "%s", real);
    if ((!c->rt || c->rt->cgroup_manager != CR_CGROUP_MANAGER_DISABLED) &&
        (r = cr__cgroup_resolve(k->spec.cgroups_path, c->id, c->rt && c->rt->cgroup_manager == CR_CGROUP_MANAGER_SYSTEMD,
                                c->cgroup, sizeof c->cgroup, err)) < 0) return r;
    return cr__cgroup_check_mounted(&k->spec, c->cgroup, err);
}

/* The state dir, locked, and in it state.json first of all: it names the
   cgroup and the rootfs before either is touched, so a create killed at any
   later point leaves nothing that delete --force cannot find. */
static int cr__create_state_dir(cr__creation *k, cr_err *err) {
    cr__ctx *c = &k->c;
    cr_state *st = &k->st;
    const char *root = cr_state_root(c->rt);
    int r;
    if (cr__mkdir_p(root, 0711) < 0 || (k->rootdir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cr__errno(err, "state root \"%s\"", root);
    if (mkdirat(k->rootdir, c->id, 0711) < 0)
        return errno == EEXIST ? cr_err_set(err, EEXIST, "container \"%s\" already exists", c->id)
                               : cr__errno(err, "create state of \"%s\"", c->id);
    k->made_dir = 1;
    k->dirfd = openat(k->rootdir, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k->dirfd < 0 || flock(k->dirfd, LOCK_EX) < 0) return cr__errno(err, "lock state of \"%s\"", c->id);
    snprintf(st->id, sizeof st->id, "%s", c->id);
    snprintf(st->bundle, sizeof st->bundle, "%s", c->bundle);
    snprintf(st->rootfs, sizeof st->rootfs, "%s", c->rootfs);
    snprintf(st->cgroup, sizeof st->cgroup, "%s", c->cgroup);
    st->owner = (uint32_t)geteuid();
    cr__now_rfc3339(st->created, sizeof st->created);
    if (k->spec.annotations && !(st->annotations_json = cr__json_text((const cr_json *)k->spec.annotations)))
        return cr_err_set(err, ENOMEM, "out of memory");
    if ((r = cr__state_save(k->dirfd, st, 1, err)) < 0) return r;
    if ((r = cr__write_atomic(k->dirfd, "config.json", k->text.data, k->text.len, 0, err)) < 0) return r;
    if (mkfifoat(k->dirfd, "exec.fifo", 0622) < 0 || fchmodat(k->dirfd, "exec.fifo", 0622, 0) < 0)
        return cr__errno(err, "create exec.fifo");
    c->fifo_fd = openat(k->dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
    c->host_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->fifo_fd < 0 || c->host_proc < 0) return cr__errno(err, "open exec.fifo and /proc");
    return 0;
}

/* Clones the init into its cgroup (made just now, as state.json says) and
   records its pid before the init does anything. */
static int cr__create_spawn(cr__creation *k, cr_err *err) {
    cr__ctx *c = &k->c;
    int cgfd, r;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, k->sv) < 0) return cr__errno(err, "socketpair");
    k->one_stage = cr__ns_plan(&k->spec, &k->flags);
    /* the cgroup namespace is made by the init once it sits in its cgroup,
       so that cgroup becomes the root it sees */
    k->flags &= ~(uint64_t)CLONE_NEWCGROUP;
    cgfd = cr__cgroup_v2_fd(c->cgroup);
    cr__mount_sources(c);
    k->pid = cr__clone(k->one_stage ? k->flags : 0, cgfd);
    if (k->pid < 0 && cgfd >= 0) k->pid = cr__clone(k->one_stage ? k->flags : 0, -1);
    if (cgfd >= 0) close(cgfd);
    if (k->pid != 0) cr__mount_sources_close(c);   /* the init has its own copies */
    if (k->pid < 0) return cr__errno(err, "clone the init");
    if (k->pid == 0) {
        cr_err e = {0};
        /* the state dir's flock is shared through these: let go of it */
        close(k->sv[0]); close(k->dirfd); close(k->rootdir);
        c->sync = k->sv[1];
        cr__init(c, k->one_stage, &e);
        cr__msg_send_err(c->sync, &e);
        _exit(1);
    }
    k->first = k->pid;
    close(k->sv[1]); k->sv[1] = -1;
    k->st.pid = k->pid;
    k->st.pid_start = cr__pid_start_time(k->pid);
    if ((r = cr__state_save(k->dirfd, &k->st, 1, err)) < 0) return r;
    if (k->st.cgroup[0] && (r = cr__cgroup_enter(k->st.cgroup, k->pid, err)) < 0) return r;
    if (k->st.cgroup[0] && (r = cr__create_resources(&k->spec, k->st.cgroup, err)) < 0) return r;
    if (k->one_stage && (k->flags & CLONE_NEWUSER)) return cr__write_maps(&k->spec, k->pid, err);
    return 0;
}

/* Answers the init until it is ready and blocked on exec.fifo; only then
   does state.json stop saying creating. */
static int cr__create_sync(cr__creation *k, cr__created *out, cr_err *err) {
    const cr_create_opts *opts = k->c.opts;
    int r;
    /* an init that failed before GO (linux.seccomp does not compile) has
       already sent why and exited: the loop reads it */
    if (cr__msg_send(k->sv[0], CR__MSG_GO, 0, NULL) < 0 && errno != EPIPE) return cr__errno(err, "start the init");
    for (;;) {
        cr__msg m;
        int fd = -1;
        if (cr__msg_recv(k->sv[0], &m, &fd) < 0) return cr_err_set(err, EIO, "the container init exited during setup");
        if (m.type == CR__MSG_ERROR) return cr__msg_err(&m, err);
        if (m.type == CR__MSG_MAPS) {
            if ((r = cr__write_maps(&k->spec, k->pid, err)) < 0) return r;
            cr__msg_send(k->sv[0], CR__MSG_GO, 0, NULL);
        } else if (m.type == CR__MSG_PID) {
            waitpid(k->first, NULL, 0);
            /* the first child is reaped: its pid may be anyone's now */
            k->first = k->pid = k->st.pid = m.value;
            k->st.pid_start = cr__pid_start_time(k->pid);
            if ((r = cr__state_save(k->dirfd, &k->st, 1, err)) < 0) return r;
            cr__msg_send(k->sv[0], CR__MSG_GO, 0, NULL);
        } else if (fd >= 0) {
            if ((r = cr__console_take(opts->console_socket, fd, &out->master, err)) < 0) return r;
        } else if (m.type == CR__MSG_HOOKS) {
            if ((r = cr__hooks_run(&k->spec, CR_HOOK_CREATE_RUNTIME, &k->st, CR_CREATING, err)) < 0) return r;
            cr__msg_send(k->sv[0], CR__MSG_GO, k->pid, NULL);
        } else if (m.type == CR__MSG_READY) break;
    }
    if ((r = cr__state_save(k->dirfd, &k->st, 0, err)) < 0) return r;
    if (opts->pid_file && (r = cr__write_pid_file(opts->pid_file, k->pid, err)) < 0) return r;
    out->pid = k->pid;
    return 0;
}

/* A failed create: the init, its cgroup, host mounts, the pty, the state
   dir. A cgroup that will not go keeps the state dir that names it, for
   delete --force to finish the job. */
static void cr__create_undo(cr__creation *k, cr__created *out) {
    cr_err e2 = {0};
    int kept = 0;
    if (k->first > 0) {
        kill(k->pid, SIGKILL);
        if (k->first != k->pid) kill(k->first, SIGKILL);
        waitpid(k->first, NULL, 0);
        if (k->first != k->pid) waitpid(k->pid, NULL, 0);
    }
    /* the cgroup is ours only once the id was: never touch another
       container's cgroup after "already exists" */
    if (k->made_dir && k->c.cgroup[0] && cr__cgroup_destroy(k->c.cgroup, &e2) < 0) {
        kept = 1;
        cr_log(CR_LOG_WARN, "%s (the state of \"%s\" is kept for delete --force)", e2.msg, k->c.id);
    }
    if (k->first > 0 && !k->spec.ns[CR_NS_MNT].present) cr__rootfs_unmount_host(k->c.rootfs);
    if (out->master >= 0) { close(out->master); out->master = -1; }
    if (k->made_dir && !kept) cr__rm_rf(k->rootdir, k->c.id);
}

static int cr__create(const cr_runtime *rt, const char *id, const char *bundle_arg, const cr_create_opts *opts,
                      int want_master, cr__created *out, cr_err *err) {
    static const cr_create_opts noopts;
    cr__creation k;
    int r;
    memset(&k, 0, sizeof k);
    k.c.rt = rt; k.c.id = id; k.c.opts = opts ? opts : &noopts; k.c.spec = &k.spec;
    /* '@' is no container id's: the cache is no container to list, state
       or delete, and does not take a name a container could have */
    cr__seccomp_cache_dir(rt, k.c.seccomp_cache, sizeof k.c.seccomp_cache);
    k.c.fifo_fd = k.c.host_proc = k.c.host_null = k.c.rootfd = -1;
    if (getenv("LISTEN_FDS")) k.c.listen_fds = atoi(getenv("LISTEN_FDS")) > 0 ? atoi(getenv("LISTEN_FDS")) : 0;
    k.rootdir = k.dirfd = k.sv[0] = k.sv[1] = -1;
    k.first = k.pid = -1;
    out->pid = -1; out->master = -1;
    if ((r = cr__create_prepare(&k, bundle_arg, want_master, err)) == 0 && (r = cr__create_state_dir(&k, err)) == 0 &&
        (r = cr__create_spawn(&k, err)) == 0)
        r = cr__create_sync(&k, out, err);
    if (r < 0) {
        cr__create_undo(&k, out);
        cr_err_wrap(err, "create \"%s\"", id);
    }
    if (k.sv[0] >= 0) close(k.sv[0]);
    if (k.sv[1] >= 0) close(k.sv[1]);
    if (k.c.fifo_fd >= 0) close(k.c.fifo_fd);
    if (k.c.host_proc >= 0) close(k.c.host_proc);
    if (k.dirfd >= 0) close(k.dirfd);
    if (k.rootdir >= 0) close(k.rootdir);
    cr_state_free(&k.st);
    cr_spec_free(&k.spec);
    cr_buf_free(&k.text);
    return r;
}

CR_API int cr_container_create(const cr_runtime *rt, const char *id, const char *bundle,
                               const cr_create_opts *opts, cr_err *err) {
    cr__created out;
    return cr__create(rt, id, bundle, opts, 0, &out, err);
}

static int cr__locked_state(const cr_runtime *rt, const char *id, int *dirfd, cr_state *st, cr_err *err) {
    int fd = cr__state_dir_open(rt, id, err), r;
    if (fd < 0) return fd;
    if (flock(fd, LOCK_EX) < 0) { r = cr__errno(err, "lock \"%s\"", id); close(fd); return r; }
    if ((r = cr__state_read(fd, id, st, err)) < 0) { close(fd); return r; }
    *dirfd = fd;
    return 0;
}

static int cr__spec_of_state(int dirfd, cr_spec *spec, cr_err *err) {
    cr_buf text = {0};
    int r = cr_util_read_file(dirfd, "config.json", 16 << 20, &text, err);
    if (r == 0) r = cr_spec_parse(spec, text.data, text.len, err);
    cr_buf_free(&text);
    return r;
}

static int cr__signal_init(const cr_state *st, int sig) {
    int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0), r;
    if (pidfd < 0) return kill(st->pid, sig);
    /* the pid was checked against its start time; the pidfd pins it now */
    if (cr__pid_start_time(st->pid) != st->pid_start) { close(pidfd); errno = ESRCH; return -1; }
    r = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
    close(pidfd);
    return r;
}

CR_API int cr_container_start(const cr_runtime *rt, const char *id, cr_err *err) {
    cr_state st;
    cr_spec spec;
    int dirfd = -1, fd, r = 0, have_spec = 0, got, prestart_failed = 0;
    cr_buf late = {0};
    char c;
    if ((r = cr__locked_state(rt, id, &dirfd, &st, err)) < 0) return r;
    if (st.status != CR_CREATED) {
        r = st.status == CR_STOPPED ? cr_err_set(err, EINVAL, "cannot start a container that has stopped")
          : st.status == CR_CREATING ? cr_err_set(err, EINVAL, "cannot start a container that is still being created")
          : cr_err_set(err, EINVAL, "cannot start an already running container");
        goto out;
    }
    have_spec = cr__spec_of_state(dirfd, &spec, err) == 0;
    /* prestart runs here, as runtime-tools expects: the container exists
       (status created) and the user program has not started */
    if (have_spec && (r = cr__hooks_run(&spec, CR_HOOK_PRESTART, &st, CR_CREATED, err)) < 0) {
        cr__signal_init(&st, SIGKILL);
        prestart_failed = 1;
        goto out;
    }
    fd = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { r = cr__errno(err, "open exec.fifo"); goto out; }
    /* one byte: the init is released; EOF: its execve closed the fifo */
    for (got = 0;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        int n = poll(&pfd, 1, 100);
        if (n > 0) {
            char buf[sizeof err->msg];
            ssize_t rd = read(fd, got ? buf : &c, got ? sizeof buf : 1);
            if (rd > 0 && got) cr_buf_add(&late, buf, (size_t)rd);
            if (rd == 1 && !got) { got = 1; continue; }
            if (rd > 0) continue;
            if (rd == 0 && got) break;
        }
        if (n < 0 && errno != EINTR) { r = cr__errno(err, "wait for the init"); break; }
        if (cr__pid_start_time(st.pid) != st.pid_start || cr__pid_state(st.pid) == 'Z') {
            if (!got) r = cr_err_set(err, ESRCH, "the container init exited before start");
            break;
        }
    }
    close(fd);
    unlinkat(dirfd, "exec.fifo", 0);
    if (!r && late.len) {
        char *text = late.data;
        long kind = strtol(text, &text, 10), code = strtol(text, &text, 10);
        r = cr_err_set(err, code > 0 && code < 4096 ? (int)code : EIO, "%s", *text == ' ' ? text + 1 : text);
        err->kind = kind == CR_ERR_EXEC ? CR_ERR_EXEC : CR_ERR_OTHER;
    }
    cr_buf_free(&late);
    if (r < 0) goto out;
    if (have_spec) cr__hooks_run(&spec, CR_HOOK_POSTSTART, &st, CR_RUNNING, NULL);
out:
    if (have_spec) cr_spec_free(&spec);
    close(dirfd);
    cr_state_free(&st);
    /* a failed prestart hook stops the container and the lifecycle goes on
       with its destruction (runtime-spec); delete takes the lock we left */
    if (prestart_failed) {
        cr_err derr = {0};
        if (cr_container_delete(rt, id, CR_DELETE_FORCE, &derr) < 0) cr_log(CR_LOG_WARN, "%s", derr.msg);
    }
    return r < 0 ? cr_err_wrap(err, "start \"%s\"", id) : 0;
}

/* A pid-namespace init drops every signal it has no handler for. Right
   after start the program may not have installed its handlers yet (a shell
   still parsing its `trap`): give a young init up to half a second to catch
   sig, so `kill` just after `start` means what it means later. */
static void cr__kill_settle(pid_t pid, int sig) {
    char path[64], line[256];
    long hz = sysconf(_SC_CLK_TCK);
    struct timespec now, tick = { 0, 10 * 1000000L };
    int tries;
    if (sig == SIGKILL || sig == SIGSTOP || sig > 64 || hz <= 0) return;
    clock_gettime(CLOCK_BOOTTIME, &now);
    if (now.tv_sec + now.tv_nsec / 1e9 - (double)cr__pid_start_time(pid) / (double)hz > 1.0) return;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (tries = 0; tries < 50; tries++) {
        FILE *f = fopen(path, "re");
        unsigned long long caught = 0, ignored = 0;
        int init = 0;
        if (!f) return;
        while (fgets(line, sizeof line, f)) {
            char *last;
            if (!strncmp(line, "SigCgt:", 7)) caught = strtoull(line + 7, NULL, 16);
            else if (!strncmp(line, "SigIgn:", 7)) ignored = strtoull(line + 7, NULL, 16);
            else if (!strncmp(line, "NSpid:", 6) && (last = strrchr(line, '\t'))) init = atoi(last + 1) == 1;
        }
        fclose(f);
        if (!init || ((caught | ignored) >> (sig - 1) & 1)) return;
        nanosleep(&tick, NULL);
    }
}

CR_API int cr_container_kill(const cr_runtime *rt, const char *id, int sig, unsigned flags, cr_err *err) {
    cr_state st;
    int dirfd, r = 0, all = !!(flags & CR_KILL_ALL);
    if (sig < 0 || sig > SIGRTMAX) return cr_err_set(err, EINVAL, "kill \"%s\": invalid signal %d", id, sig);
    if ((r = cr__locked_state(rt, id, &dirfd, &st, err)) < 0) return r;
    /* --all reaches what is left in the cgroup after the init exited (a
       shared pid namespace keeps children alive): containerd's shim relies on it */
    if (all && st.cgroup[0]) cr__cgroup_kill_all(st.cgroup, sig);
    else if (st.status == CR_STOPPED) r = cr_err_set(err, ESRCH, "container not running");
    else {
        if (st.status == CR_RUNNING && sig) cr__kill_settle(st.pid, sig);
        if (cr__signal_init(&st, sig) < 0) r = cr__errno(err, "signal %s", cr_util_signal_name(sig));
    }
    close(dirfd);
    cr_state_free(&st);
    return r < 0 ? cr_err_wrap(err, "kill \"%s\"", id) : 0;
}

static void cr__wait_gone(const cr_state *st, int ms) {
    int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (pidfd >= 0) {
        struct pollfd pfd = { pidfd, POLLIN, 0 };
        if (cr__pid_start_time(st->pid) == st->pid_start) poll(&pfd, 1, ms);
        close(pidfd);
    }
    waitpid(st->pid, NULL, WNOHANG);
}

static void cr__container_thaw(const cr_state *st) {
    cr__cg_view *v = (cr__cg_view *)CR_MALLOC(sizeof *v);
    cr_err e = {0};
    if (!v) return;
    cr__cgroup_view(st->cgroup, v);
    if (cr__cgroup_freeze(&v->t, 0, &e) < 0) cr_log(CR_LOG_WARN, "thaw \"%s\": %s", st->id, e.msg);
    CR_FREE(v);
}

/* Signals (sig > 0) or counts (sig 0) the processes whose root directory
   is rootfs: a container's, when its state no longer says which they are.
   Never ourselves, and never when rootfs is the host's own root. */
static int cr__procs_rooted_at(const char *rootfs, int sig) {
    struct stat want, host, sb;
    DIR *d;
    struct dirent *e;
    int n = 0;
    if (!*rootfs || stat(rootfs, &want) < 0 || stat("/", &host) < 0 || (want.st_dev == host.st_dev && want.st_ino == host.st_ino))
        return 0;
    if (!(d = opendir("/proc"))) return 0;
    while ((e = readdir(d))) {
        char p[64];
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == getpid()) continue;
        snprintf(p, sizeof p, "/proc/%d/root", (int)pid);
        if (stat(p, &sb) < 0 || sb.st_dev != want.st_dev || sb.st_ino != want.st_ino) continue;
        n++;
        if (sig) kill(pid, sig);
    }
    closedir(d);
    return n;
}

/* "key":"value" out of a state.json that no longer parses: the container's
   rootfs is all delete needs from it, and it is written as a plain path. */
static void cr__state_salvage_str(const cr_buf *text, const char *key, char *out, size_t n) {
    char pat[64];
    const char *p, *end;
    out[0] = 0;
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    if (!text->data || !(p = strstr(text->data, pat))) return;
    p += strlen(pat);
    if (!(end = strchr(p, '"')) || *p != '/' || (size_t)(end - p) >= n || memchr(p, '\\', (size_t)(end - p))) return;
    snprintf(out, n, "%.*s", (int)(end - p), p);
}

/* delete --force of a container whose state.json is damaged: its cgroup is
   the one create would have used (config.json in the state dir has its
   cgroupsPath), its processes are that cgroup's and those whose root is its
   rootfs. The state dir goes only once none of them is left. */
static int cr__delete_damaged(const cr_runtime *rt, const char *id, int dirfd, const char *why, cr_err *err) {
    cr_spec spec;
    cr_buf text = {0};
    char cgroup[16384] = "", rootfs[4096];
    size_t in_cgroup = 0;
    int have_spec = cr__spec_of_state(dirfd, &spec, NULL) == 0, rooted, left, tries, rootdir, r = 0;
    cr_util_read_file(dirfd, "state.json", 1 << 20, &text, NULL);
    cr__state_salvage_str(&text, "rootfs", rootfs, sizeof rootfs);
    cr_buf_free(&text);
    if (!rootfs[0] && have_spec && spec.root_path[0] == '/') snprintf(rootfs, sizeof rootfs, "%s", spec.root_path);
    if (!rt || rt->cgroup_manager != CR_CGROUP_MANAGER_DISABLED)
        cr__cgroup_resolve(have_spec ? spec.cgroups_path : NULL, id, rt && rt->cgroup_manager == CR_CGROUP_MANAGER_SYSTEMD,
                           cgroup, sizeof cgroup, NULL);
    if (cgroup[0]) {
        pid_t *pids = NULL;
        if (cr_cgroup_pids(cgroup, &pids, &in_cgroup, NULL) < 0) in_cgroup = 0;
        CR_FREE(pids);
        cr__cgroup_kill_all(cgroup, SIGKILL);
    }
    rooted = cr__procs_rooted_at(rootfs, SIGKILL);
    for (tries = 0; (left = cr__procs_rooted_at(rootfs, 0)) > 0 && tries < 500; tries++) usleep(10000);
    if (left) { r = cr_err_set(err, EBUSY, "%s; %d processes with root %s survived SIGKILL", why, left, rootfs); goto out; }
    if (have_spec && !spec.ns[CR_NS_MNT].present && rootfs[0]) cr__rootfs_unmount_host(rootfs);
    if (cgroup[0] && (r = cr__cgroup_destroy(cgroup, err)) < 0) { cr_err_wrap(err, "%s", why); goto out; }
    rootdir = open(cr_state_root(rt), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootdir < 0 || cr__rm_rf(rootdir, id) < 0) r = cr__errno(err, "%s; remove state of \"%s\"", why, id);
    if (rootdir >= 0) close(rootdir);
    if (r == 0) {
        char *nl;
        while ((nl = strchr(cgroup, '\n'))) *nl = nl[1] ? ' ' : 0;
        cr_log(CR_LOG_WARN, "delete \"%s\": %s; killed the %zu processes of cgroup %s and the %d whose root is %s, "
               "removed the cgroup and the state", id, why, in_cgroup, cgroup[0] ? cgroup : "(none)", rooted, rootfs[0] ? rootfs : "(unknown)");
    }
out:
    if (have_spec) cr_spec_free(&spec);
    return r;
}

CR_API int cr_container_delete(const cr_runtime *rt, const char *id, unsigned flags, cr_err *err) {
    cr_state st;
    cr_spec spec;
    int dirfd, r = 0, have_spec, rootdir, force = !!(flags & CR_DELETE_FORCE);
    if ((dirfd = cr__state_dir_open(rt, id, err)) < 0) return force && dirfd == -ENOENT ? 0 : dirfd;
    if (flock(dirfd, LOCK_EX) < 0) { r = cr__errno(err, "lock \"%s\"", id); close(dirfd); return r; }
    if ((r = cr__state_read(dirfd, id, &st, err)) < 0) {
        char why[sizeof err->msg];
        if (force) {
            snprintf(why, sizeof why, "%s", err->msg);
            r = cr__delete_damaged(rt, id, dirfd, why, err);
        }
        close(dirfd);
        return r < 0 && force ? cr_err_wrap(err, "delete \"%s\"", id) : r;
    }
    /* like runc, a created container (whose process never ran) is deleted
       without --force: containerd's shim deletes created tasks that way */
    if (st.status != CR_STOPPED && st.status != CR_CREATED && !force) {
        r = cr_err_set(err, EBUSY, "cannot delete container %s that is not stopped: %s", id, cr_state_status_name(st.status));
        close(dirfd);
        cr_state_free(&st);
        return r;
    }
    if (st.status != CR_STOPPED) {
        if (st.cgroup[0]) cr__cgroup_kill_all(st.cgroup, SIGKILL);
        cr__signal_init(&st, SIGKILL);
    }
    /* a frozen process takes its SIGKILL only once thawed */
    if (st.cgroup[0] && cr__cgroup_frozen(st.cgroup)) cr__container_thaw(&st);
    if (st.status != CR_STOPPED) cr__wait_gone(&st, 5000);
    have_spec = cr__spec_of_state(dirfd, &spec, NULL) == 0;
    if (have_spec && !spec.ns[CR_NS_MNT].present && st.rootfs[0]) cr__rootfs_unmount_host(st.rootfs);
    if (st.cgroup[0] && (r = cr__cgroup_destroy(st.cgroup, err)) < 0) goto out;
    {   /* the Intel RDT group update made, if any */
        char rdt[PATH_MAX];
        snprintf(rdt, sizeof rdt, "/sys/fs/resctrl/%s", id);
        rmdir(rdt);
    }
    rootdir = open(cr_state_root(rt), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootdir < 0 || cr__rm_rf(rootdir, id) < 0) r = cr__errno(err, "remove state of \"%s\"", id);
    if (rootdir >= 0) close(rootdir);
    if (!r && have_spec) cr__hooks_run(&spec, CR_HOOK_POSTSTOP, &st, CR_STOPPED, NULL);
out:
    if (have_spec) cr_spec_free(&spec);
    close(dirfd);
    cr_state_free(&st);
    return r < 0 ? cr_err_wrap(err, "delete \"%s\"", id) : 0;
}

/* Foreground: forward signals to pid, proxy a pty if there is one, and
   return the exit status the shell way (128+signal when killed). */
static int cr__wait_foreground(pid_t pid, int master, int *status) {
    sigset_t set, old;
    struct termios saved;
    int sfd, raw = 0, ws = 0, done = 0, master_open = master >= 0, stdin_open = master >= 0;
    int tty = isatty(0) ? 0 : 1;      /* the window size: stdin's, else stdout's (-t without -i) */
    static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, SIGCONT };
    size_t i;
    sigemptyset(&set);
    for (i = 0; i < sizeof fwd / sizeof *fwd; i++) sigaddset(&set, fwd[i]);
    sigprocmask(SIG_BLOCK, &set, &old);
    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    /* a child that exited before SIGCHLD was blocked sent its signal to no one */
    if (waitpid(pid, &ws, WNOHANG) == pid) done = 1;
    if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        raw = tcsetattr(0, TCSANOW, &t) == 0;
    }
    if (master >= 0) {
        struct winsize w;
        if (ioctl(tty, TIOCGWINSZ, &w) == 0) ioctl(master, TIOCSWINSZ, &w);
    }
    while (!done) {
        struct pollfd p[3] = { { sfd, POLLIN, 0 }, { master_open ? master : -1, POLLIN, 0 },
                               { master_open && stdin_open ? 0 : -1, POLLIN, 0 } };
        if (poll(p, 3, -1) < 0 && errno != EINTR) break;
        if (p[1].revents) {
            char buf[8192];
            ssize_t n = read(master, buf, sizeof buf);
            if (n > 0) cr__write_all(1, buf, (size_t)n); else master_open = 0;
        }
        if (p[2].revents) {
            char buf[8192];
            ssize_t n = read(0, buf, sizeof buf);
            /* at the end of stdin keep reading the pty until the process exits */
            if (n > 0) cr__write_all(master, buf, (size_t)n); else stdin_open = 0;
        }
        if (p[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si) continue;
            if ((int)si.ssi_signo == SIGCHLD) {
                int st;
                pid_t w;
                while ((w = waitpid(-1, &st, WNOHANG)) > 0)
                    if (w == pid) { ws = st; done = 1; }
            } else if ((int)si.ssi_signo == SIGWINCH && master >= 0) {
                struct winsize w;
                if (ioctl(tty, TIOCGWINSZ, &w) == 0) ioctl(master, TIOCSWINSZ, &w);
            } else kill(pid, (int)si.ssi_signo);
        }
    }
    if (master_open) {
        /* drain what the container wrote before it exited */
        char buf[8192];
        ssize_t n;
        int fl = fcntl(master, F_GETFL);
        fcntl(master, F_SETFL, fl | O_NONBLOCK);
        while ((n = read(master, buf, sizeof buf)) > 0) cr__write_all(1, buf, (size_t)n);
    }
    if (raw) tcsetattr(0, TCSANOW, &saved);
    close(sfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
    return 0;
}

CR_API int cr_container_run(const cr_runtime *rt, const char *id, const char *bundle,
                            const cr_create_opts *opts, int *status, cr_err *err) {
    cr__created c;
    cr_create_opts noopts;
    int r;
    memset(&noopts, 0, sizeof noopts);
    if (!opts) opts = &noopts;
    if (status) *status = 0;
    if ((r = cr__create(rt, id, bundle, opts, !opts->detach, &c, err)) < 0) return r;
    if ((opts->created && (r = opts->created(opts->user, c.pid, err)) < 0) || (r = cr_container_start(rt, id, err)) < 0) {
        cr_err e2 = {0};
        cr_container_delete(rt, id, CR_DELETE_FORCE, &e2);
        if (c.master >= 0) close(c.master);
        return r;
    }
    if (opts->started) opts->started(opts->user, c.pid);
    if (opts->detach) return 0;
    cr__wait_foreground(c.pid, c.master, status);
    if (c.master >= 0) close(c.master);
    if (!opts->keep) {
        cr_err e2 = {0};
        if (cr_container_delete(rt, id, CR_DELETE_FORCE, &e2) < 0) cr_log(CR_LOG_WARN, "%s", e2.msg);
    }
    return 0;
}

static int cr__running_state(const cr_runtime *rt, const char *id, cr_state *st, cr_err *err) {
    int dirfd, r = cr__locked_state(rt, id, &dirfd, st, err);
    if (r < 0) return r;
    close(dirfd);
    if (!st->cgroup[0]) { cr_state_free(st); return cr_err_set(err, ENOTSUP, "container \"%s\" has no cgroup (--cgroup-manager disabled)", id); }
    return 0;
}

static int cr__pause_resume(const cr_runtime *rt, const char *id, int freeze, cr_err *err) {
    cr_state st;
    cr__cg_view *v;
    int r;
    if ((r = cr__running_state(rt, id, &st, err)) < 0) return r;
    if (freeze && st.status != CR_RUNNING && st.status != CR_CREATED) r = cr_err_set(err, EINVAL, "container not running");
    else if (!freeze && st.status != CR_PAUSED) r = cr_err_set(err, EINVAL, "container not paused");
    else if (!(v = (cr__cg_view *)CR_MALLOC(sizeof *v))) r = cr_err_set(err, ENOMEM, "out of memory");
    else {
        cr__cgroup_view(st.cgroup, v);
        r = cr__cgroup_freeze(&v->t, freeze, err);
        CR_FREE(v);
    }
    cr_state_free(&st);
    return r < 0 ? cr_err_wrap(err, "%s \"%s\"", freeze ? "pause" : "resume", id) : 0;
}
CR_API int cr_container_pause(const cr_runtime *rt, const char *id, cr_err *err) { return cr__pause_resume(rt, id, 1, err); }
CR_API int cr_container_resume(const cr_runtime *rt, const char *id, cr_err *err) { return cr__pause_resume(rt, id, 0, err); }

static int cr__rdt_update(const cr_state *st, const cr_resources *res, cr_err *err) {
    char dir[PATH_MAX], path[PATH_MAX + 16], pid[16];
    cr_buf lines = {0};
    int r = 0;
    if (res->l3_cache_schema && access("/sys/fs/resctrl/info/L3", F_OK) < 0)
        return cr_err_set(err, ENOTSUP, "Intel RDT/CAT: l3 cache schema is not enabled");
    if (res->mem_bw_schema && access("/sys/fs/resctrl/info/MB", F_OK) < 0)
        return cr_err_set(err, ENOTSUP, "Intel RDT/MBA: memory bandwidth schema is not enabled");
    snprintf(dir, sizeof dir, "/sys/fs/resctrl/%s", st->id);
    snprintf(pid, sizeof pid, "%d", (int)st->pid);
    snprintf(path, sizeof path, "%s/tasks", dir);
    if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || cr__write_str(path, pid) < 0) return cr__errno(err, "Intel RDT: join \"%s\"", dir);
    cr_buf_printf(&lines, "%s%s%s%s", res->l3_cache_schema ? res->l3_cache_schema : "", res->l3_cache_schema ? "\n" : "",
                  res->mem_bw_schema ? res->mem_bw_schema : "", res->mem_bw_schema ? "\n" : "");
    snprintf(path, sizeof path, "%s/schemata", dir);
    if (lines.oom || cr__write_str(path, lines.data) < 0) r = cr__errno(err, "Intel RDT: write \"%s\"", path);
    cr_buf_free(&lines);
    return r;
}

CR_API int cr_container_update(const cr_runtime *rt, const char *id, const cr_resources *res, cr_err *err) {
    cr_state st;
    cr__cg_view *v = NULL;
    int r;
    if ((r = cr__running_state(rt, id, &st, err)) < 0) return r;
    if (st.status == CR_STOPPED) r = cr_err_set(err, EINVAL, "container not running");
    else if ((res->l3_cache_schema || res->mem_bw_schema) && (r = cr__rdt_update(&st, res, err)) < 0) ;
    else if (!(v = (cr__cg_view *)CR_MALLOC(sizeof *v))) r = cr_err_set(err, ENOMEM, "out of memory");
    else {
        cr__cgroup_view(st.cgroup, v);
        r = cr__cgroup_apply(&v->t, res, 1, err);
    }
    CR_FREE(v);
    cr_state_free(&st);
    return r < 0 ? cr_err_wrap(err, "update \"%s\"", id) : 0;
}

CR_API int cr_container_stats(const cr_runtime *rt, const char *id, cr_buf *out, cr_err *err) {
    cr_state st;
    cr__cg_view *v;
    cr_jw w;
    int r;
    if ((r = cr__running_state(rt, id, &st, err)) < 0) return r;
    if (st.status == CR_STOPPED) { cr_state_free(&st); return cr_err_set(err, EINVAL, "events \"%s\": container not running", id); }
    if (!(v = (cr__cg_view *)CR_MALLOC(sizeof *v))) { cr_state_free(&st); return cr_err_set(err, ENOMEM, "out of memory"); }
    cr__cgroup_view(st.cgroup, v);
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    cr_jw_key(&w, "type"); cr_jw_str(&w, "stats");
    cr_jw_key(&w, "id"); cr_jw_str(&w, id);
    cr_jw_key(&w, "data");
    r = cr__cgroup_stats(&v->t, &w, err);
    cr_jw_obj_end(&w);
    CR_FREE(v);
    cr_state_free(&st);
    return r < 0 ? cr_err_wrap(err, "stats \"%s\"", id) : 0;
}

CR_API int cr_container_oom_count(const cr_runtime *rt, const char *id, uint64_t *n, cr_err *err) {
    cr_state st;
    cr__cg_view *v;
    int r;
    *n = 0;
    if ((r = cr__running_state(rt, id, &st, err)) < 0) return r;
    if (!(v = (cr__cg_view *)CR_MALLOC(sizeof *v))) { cr_state_free(&st); return cr_err_set(err, ENOMEM, "out of memory"); }
    cr__cgroup_view(st.cgroup, v);
    r = cr__cgroup_oom_count(&v->t, n);
    CR_FREE(v);
    r = st.status == CR_STOPPED ? 1 : 0;
    cr_state_free(&st);
    return r;
}

/* exec: a fork joins the init's namespaces (setns on a pidfd, all at once
   where the kernel allows), then forks the process with CLONE_PARENT so it
   is our child and lands in the pid namespace. */
static int cr__exec_join(pid_t pid, int pidfd, cr_err *err) {
    int k, flags = 0;
    for (k = 0; k < CR_NS_KINDS; k++) {
        char a[64], b[64];
        struct stat sa, sb;
        snprintf(a, sizeof a, "/proc/%d/ns/%s", (int)pid, cr__ns_proc[k]);
        snprintf(b, sizeof b, "/proc/self/ns/%s", cr__ns_proc[k]);
        if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino) flags |= cr__ns_flags[k];
    }
    if (!flags || setns(pidfd, flags) == 0) return 0;
    if (errno != EINVAL) return cr__errno(err, "join the namespaces of pid %d", (int)pid);
    /* kernels before 5.8: one namespace file at a time, the user namespace first */
    for (k = -1; k < CR_NS_KINDS; k++) {
        int kind = k < 0 ? CR_NS_USER : k, fd;
        char a[64];
        if (!(flags & cr__ns_flags[kind]) || (k >= 0 && kind == CR_NS_USER)) continue;
        snprintf(a, sizeof a, "/proc/%d/ns/%s", (int)pid, cr__ns_proc[kind]);
        fd = open(a, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, cr__ns_flags[kind]) < 0) {
            int r = cr__errno(err, "join %s", a);
            if (fd >= 0) close(fd);
            return r;
        }
        close(fd);
    }
    return 0;
}

static int cr__exec_process(cr_spec *spec, const cr_exec_opts *o, cr_process *p, cr_err *err) {
    if (o->process_file) {
        cr_buf text = {0};
        int r = cr_util_read_file(AT_FDCWD, o->process_file, 1 << 20, &text, err);
        if (r == 0) r = cr_spec_parse_process(spec, p, text.data, text.len, err);
        cr_buf_free(&text);
        if (r < 0) return cr_err_wrap(err, "--process \"%s\"", o->process_file);
    } else {
        cr__arena *a = (cr__arena *)spec->arena;
        int n = 0, i, j, base;
        if (!spec->has_process) return cr_err_set(err, EINVAL, "the container has no process to inherit from");
        *p = spec->process;
        if (!o->args || !o->args[0]) return cr_err_set(err, EINVAL, "exec: no command given");
        p->args = o->args;
        for (p->nargs = 0; o->args[p->nargs]; p->nargs++) ;
        for (i = 0; o->env && o->env[i]; i++) n++;
        if (n) {
            const char **env = (const char **)cr__arena_alloc(a, (size_t)(p->nenv + n + 1) * sizeof *env);
            if (!env) return cr_err_set(err, ENOMEM, "out of memory");
            for (i = 0; i < p->nenv; i++) env[i] = p->env[i];
            base = p->nenv;
            for (i = 0; i < n; i++) {
                size_t kl = strcspn(o->env[i], "=");
                if (!o->env[i][kl]) return cr_err_set(err, EINVAL, "--env \"%s\": not NAME=VALUE", o->env[i]);
                for (j = 0; j < base; j++) if (!strncmp(env[j], o->env[i], kl + 1)) break;
                if (j < base) env[j] = o->env[i]; else env[base++] = o->env[i];
            }
            env[base] = NULL;
            p->env = env; p->nenv = base;
        }
        if (o->cwd) p->cwd = o->cwd;
        if (o->user) {
            char *end;
            unsigned long uid = strtoul(o->user, &end, 10);
            if (end == o->user || (*end && *end != ':')) return cr_err_set(err, EINVAL, "--user \"%s\": expected UID[:GID]", o->user);
            p->uid = (uint32_t)uid;
            if (*end == ':') {
                const char *g = end + 1;
                unsigned long gid = strtoul(g, &end, 10);
                if (end == g || *end) return cr_err_set(err, EINVAL, "--user \"%s\": expected UID[:GID]", o->user);
                p->gid = (uint32_t)gid;
            }
        }
        for (n = 0; o->additional_gids && o->additional_gids[n]; n++) ;
        if (n) {
            uint32_t *gids = (uint32_t *)cr__arena_alloc(a, (size_t)n * sizeof *gids);
            if (!gids) return cr_err_set(err, ENOMEM, "out of memory");
            for (i = 0; i < n; i++) {
                char *end;
                unsigned long g = strtoul(o->additional_gids[i], &end, 10);
                if (end == o->additional_gids[i] || *end || g > UINT32_MAX)
                    return cr_err_set(err, EINVAL, "--additional-gids \"%s\": expected a numeric gid", o->additional_gids[i]);
                gids[i] = (uint32_t)g;
            }
            p->gids = gids; p->ngids = n;
        }
        for (i = 0; o->caps && o->caps[i]; i++) {
            int cap = cr_spec_cap_parse(o->caps[i]), s;
            if (cap < 0) { cr_log(CR_LOG_WARN, "--cap \"%s\": unknown capability, ignored", o->caps[i]); continue; }
            for (s = 0; s < CR_CAP_SETS; s++) p->caps[s] |= 1ULL << cap;
        }
        p->terminal = o->tty;
        if (o->no_new_privs) p->no_new_privileges = 1;
    }
    if (!p->nargs) return cr_err_set(err, EINVAL, "process.args: must not be empty");
    return 0;
}

/* Is ctrl (len bytes) one of the comma-separated controllers of a v1 hierarchy? */
static int cr__exec_hier_has(const char *opts, const char *ctrl, size_t len) {
    while (*opts) {
        size_t l = strcspn(opts, ",");
        if (l == len && !strncmp(opts, ctrl, len)) return 1;
        opts += l + (opts[l] ? 1 : 0);
    }
    return 0;
}

/* The sub-cgroup of spec that applies to hierarchy h, or NULL: a bare PATH
   to all of them, CONTROLLER[,...]:PATH to those controllers' (the last
   spec naming one wins). */
static const char *cr__exec_cgroup_sub(const char *const *specs, int h) {
    const char *sub = NULL;
    int i;
    for (i = 0; specs[i]; i++) {
        const char *colon = strchr(specs[i], ':'), *c = specs[i];
        if (!colon) return specs[i];
        while (c < colon) {
            size_t l = strcspn(c, ",:");
            if (cr__exec_hier_has(cr__cg_hiers[h].opts, c, l)) sub = colon + 1;
            c += l + 1;
        }
    }
    return sub;
}

/* exec --cgroup: checks the specs as runc does, then moves pid into the
   sub-cgroups, which must exist (no mkdir, unlike the container's own). */
static int cr__exec_cgroup_join(const char *dirs, const char *const *specs, pid_t pid, cr_err *err) {
    char dir[PATH_MAX], procs[PATH_MAX], pidstr[16];
    const char *p;
    int i;
    for (i = 0; specs[i]; i++) {
        const char *colon = strchr(specs[i], ':'), *sub = colon ? colon + 1 : specs[i], *c;
        if (colon && strchr(sub, ':')) return cr_err_set(err, EINVAL, "invalid --cgroup argument: %s", specs[i]);
        if (!colon && (i || specs[1]))
            return cr_err_set(err, EINVAL, "invalid --cgroup argument: %s (missing <controller>: prefix)", specs[i]);
        if (!strcmp(sub, "..") || !strncmp(sub, "../", 3) || strstr(sub, "/../") ||
            (strlen(sub) >= 3 && !strcmp(sub + strlen(sub) - 3, "/..")))
            return cr_err_set(err, EINVAL, "--cgroup: %s is not a sub cgroup path", sub);
        for (c = specs[i]; colon && c < colon; c += strcspn(c, ",:") + 1) {
            size_t l = strcspn(c, ",:");
            int known = 0;
            for (p = dirs; !known && (p = cr__cgroup_next(p, dir, sizeof dir)); ) {
                int h = cr__cgroup_hier_of(dir);
                known = h >= 0 && cr__exec_hier_has(cr__cg_hiers[h].opts, c, l);
            }
            if (!known) return cr_err_set(err, EINVAL, "--cgroup: unknown controller %.*s", (int)l, c);
        }
    }
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    for (p = dirs; (p = cr__cgroup_next(p, dir, sizeof dir)); ) {
        int h = cr__cgroup_hier_of(dir);
        const char *sub = h >= 0 ? cr__exec_cgroup_sub(specs, h) : NULL;
        if (!sub) sub = "";
        while (*sub == '/') sub++;
        snprintf(procs, sizeof procs, "%s%s%s/cgroup.procs", dir, *sub ? "/" : "", sub);
        if (cr__write_str(procs, pidstr) < 0) return cr__errno(err, "adding pid %d to %s", (int)pid, procs);
    }
    return 0;
}

/* filter: linux.seccomp, built by cr exec before it entered the container;
   listener: its connection to the seccomp agent (-1: none), made there too */
static int cr__exec_child(cr_spec *spec, cr_process *p, const cr_exec_opts *o, int sync,
                          cr__seccomp_filter *filter, int listener, const cr_buf *listener_msg, cr_err *err) {
    char exe[PATH_MAX];
    int r, root, cwd_fd;
    if ((root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) return cr__errno(err, "open the container's /");
    cwd_fd = cr__proc_cwd_open(root, p->cwd, err);
    close(root);
    if (cwd_fd < 0) return cwd_fd;
    if ((r = cr__proc_limits(p, err)) < 0) return r;
    if ((r = cr__proc_home_env(p, err)) < 0) return r;
    if (p->terminal && (r = cr__proc_console(NULL, p, sync, err)) < 0) return r;
    if (!p->terminal) setsid();
    if ((r = cr__proc_lsm_apply(p, err)) < 0) return r;
    if (!p->no_new_privileges && (r = cr__seccomp_load(filter, listener, listener_msg->data, err)) < 0) return r;
    if ((r = cr__proc_chdir(&cwd_fd, p->cwd, 0, err)) < 0) return r;
    if ((r = cr__proc_identity(p, spec->ns[CR_NS_USER].present, err)) < 0) return r;
    /* the new credentials reset dumpability (see cr__init) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if ((r = cr__proc_chdir(&cwd_fd, p->cwd, 1, err)) < 0) return r;
    if ((r = cr__proc_lookup(p, exe, sizeof exe, err)) < 0) return r;
    if ((r = cr__seccomp_load(filter, listener, listener_msg->data, err)) < 0) return r;
    cr__proc_cloexec_from(3 + o->preserve_fds);
    if (cr__msg_send(sync, CR__MSG_READY, 0, NULL) < 0) return -EPIPE;
    execve(exe, (char *const *)p->args, (char *const *)(p->env ? p->env : (const char **)&p->args[p->nargs]));
    cr__errno(err, "exec \"%s\"", exe);
    err->kind = CR_ERR_EXEC;
    return -err->code;
}

CR_API int cr_container_exec(const cr_runtime *rt, const char *id, const cr_exec_opts *o,
                             int *status, cr_err *err) {
    cr_state st;
    cr_spec spec;
    cr_process p;
    cr__seccomp_filter filter;
    cr_buf listener_msg = {0};
    char cache[PATH_MAX];
    int dirfd = -1, r, sv[2] = { -1, -1 }, pidfd = -1, master = -1, listener = -1;
    pid_t x = -1, y = -1;
    memset(&spec, 0, sizeof spec);
    memset(&filter, 0, sizeof filter);
    if (status) *status = 0;
    if ((r = cr__preserve_fds_check(o->preserve_fds, err)) < 0) return r;
    if ((r = cr__locked_state(rt, id, &dirfd, &st, err)) < 0) return r;
    flock(dirfd, LOCK_UN);
    if (st.status == CR_STOPPED || st.status == CR_CREATING) { r = cr_err_set(err, EINVAL, "cannot exec in a stopped container"); goto out; }
    if (st.status == CR_PAUSED && !o->ignore_paused) { r = cr_err_set(err, EINVAL, "cannot exec in a paused container"); goto out; }
    if ((r = cr__spec_of_state(dirfd, &spec, err)) < 0) goto out;
    if ((r = cr__exec_process(&spec, o, &p, err)) < 0 || (r = cr__proc_lsm_check(&p, err)) < 0) goto out;
    if (p.terminal && !o->console_socket && o->detach) {
        r = cr_err_set(err, EINVAL, "cannot allocate a tty when detaching without --console-socket");
        goto out;
    }
    /* on the host side, where the state root and its filter cache are */
    cr__seccomp_cache_dir(rt, cache, sizeof cache);
    if ((r = cr__seccomp_build(&spec, cache, &filter, err)) < 0) goto out;
    if ((r = cr__seccomp_listener(&spec, &st, &listener, &listener_msg, err)) < 0) goto out;
    pidfd = (int)syscall(SYS_pidfd_open, st.pid, 0);
    if (pidfd < 0 || cr__pid_start_time(st.pid) != st.pid_start) { r = cr_err_set(err, ESRCH, "container not running"); goto out; }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) { r = cr__errno(err, "socketpair"); goto out; }
    x = fork();
    if (x < 0) { r = cr__errno(err, "fork"); goto out; }
    if (x == 0) {
        cr_err e = {0};
        /* nothing of the host stays open, and /proc/PID/fd is closed to the
           container until execve (CVE-2016-9962) */
        close(sv[0]); close(dirfd);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (cr__msg_expect(sv[1], CR__MSG_GO, &e) == 0 && cr__exec_join(st.pid, pidfd, &e) == 0) {
            pid_t child;
            /* joining a user namespace reset dumpability (see cr__init) */
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
            child = cr__clone(CLONE_PARENT, -1);
            if (child > 0) { cr__msg_send(sv[1], CR__MSG_PID, child, NULL); _exit(0); }
            if (child == 0) {
                close(pidfd);
                /* cr exec must know our pid before our READY reaches it */
                if (cr__msg_expect(sv[1], CR__MSG_GO, &e) == 0) cr__exec_child(&spec, &p, o, sv[1], &filter, listener, &listener_msg, &e);
            }
            else cr__errno(&e, "fork into the container");
        }
        cr__msg_send_err(sv[1], &e);
        _exit(1);
    }
    close(sv[1]); sv[1] = -1;
    if (st.cgroup[0] && o->cgroups && (r = cr__exec_cgroup_join(st.cgroup, o->cgroups, x, err)) < 0) goto fail;
    if (st.cgroup[0] && !o->cgroups && (r = cr__cgroup_enter(st.cgroup, x, err)) < 0) goto fail;
    cr__msg_send(sv[0], CR__MSG_GO, 0, NULL);
    for (;;) {
        cr__msg m;
        int fd = -1;
        if (cr__msg_recv(sv[0], &m, &fd) < 0) { r = cr_err_set(err, EIO, "the exec process exited during setup"); goto fail; }
        if (m.type == CR__MSG_ERROR) { r = cr__msg_err(&m, err); goto fail; }
        if (m.type == CR__MSG_PID) { y = m.value; waitpid(x, NULL, 0); x = -1; cr__msg_send(sv[0], CR__MSG_GO, 0, NULL); }
        else if (fd >= 0) {
            if ((r = cr__console_take(o->console_socket, fd, &master, err)) < 0) goto fail;
        } else if (m.type == CR__MSG_READY) break;
    }
    if (o->pid_file && (r = cr__write_pid_file(o->pid_file, y, err)) < 0) goto fail;
    close(sv[0]); sv[0] = -1;
    if (!o->detach) cr__wait_foreground(y, master, status);
    r = 0;
    goto out;
fail:
    if (x > 0) { kill(x, SIGKILL); waitpid(x, NULL, 0); }
    if (y > 0) { kill(y, SIGKILL); waitpid(y, NULL, 0); }
out:
    if (master >= 0) close(master);
    if (sv[0] >= 0) close(sv[0]);
    if (sv[1] >= 0) close(sv[1]);
    if (pidfd >= 0) close(pidfd);
    if (dirfd >= 0) close(dirfd);
    if (listener >= 0) close(listener);
    cr_buf_free(&listener_msg);
    CR_FREE(filter.code);
    cr_state_free(&st);
    cr_spec_free(&spec);
    return r < 0 ? cr_err_wrap(err, "exec \"%s\"", id) : 0;
}

CR_API void cr_container_features(cr_buf *out) {
    static const char *const hooks[] = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };
    cr_jw w;
    size_t i, k;
    int c;
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    cr_jw_key(&w, "ociVersionMin"); cr_jw_str(&w, "1.0.0");
    cr_jw_key(&w, "ociVersionMax"); cr_jw_str(&w, CR_OCI_VERSION);
    cr_jw_key(&w, "hooks"); cr_jw_arr(&w);
    for (i = 0; i < 6; i++) cr_jw_str(&w, hooks[i]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "mountOptions"); cr_jw_arr(&w);
    for (k = 0; k < sizeof cr__mount_opts / sizeof *cr__mount_opts; k++) cr_jw_str(&w, cr__mount_opts[k].name);
    for (k = 0; k < sizeof cr__propagations / sizeof *cr__propagations; k++) cr_jw_str(&w, cr__propagations[k].name);
    cr_jw_str(&w, "tmpcopyup");
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "linux"); cr_jw_obj(&w);
    cr_jw_key(&w, "namespaces"); cr_jw_arr(&w);
    for (c = 0; c < CR_NS_KINDS; c++) cr_jw_str(&w, cr__ns_names[c]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "capabilities"); cr_jw_arr(&w);
    for (c = 0; c < CR__NCAPS; c++) cr_jw_str(&w, cr__cap_names[c]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "cgroup"); cr_jw_obj(&w);
    cr_jw_key(&w, "v1"); cr_jw_bool(&w, 1);
    cr_jw_key(&w, "v2"); cr_jw_bool(&w, 1);
    cr_jw_key(&w, "systemd"); cr_jw_bool(&w, 0);
    cr_jw_key(&w, "systemdUser"); cr_jw_bool(&w, 0);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "seccomp"); cr_jw_obj(&w);
#ifdef CR_NO_SECCOMP
    cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 0);
#else
    {
        static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP" };
        static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE" };
        static const char *const archs[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
            "SCMP_ARCH_S390X", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64" };
        static const char *const flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
                                             "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
        cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 1);
        cr_jw_key(&w, "actions"); cr_jw_arr(&w);
        for (i = 0; i < sizeof actions / sizeof *actions; i++) cr_jw_str(&w, actions[i]);
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "operators"); cr_jw_arr(&w);
        for (i = 0; i < sizeof ops / sizeof *ops; i++) cr_jw_str(&w, ops[i]);
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "archs"); cr_jw_arr(&w);
        for (i = 0; i < sizeof archs / sizeof *archs; i++) cr_jw_str(&w, archs[i]);
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "knownFlags"); cr_jw_arr(&w);
        for (i = 0; i < sizeof flags / sizeof *flags; i++) cr_jw_str(&w, flags[i]);
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "supportedFlags"); cr_jw_arr(&w);
        for (i = 0; i < sizeof flags / sizeof *flags; i++) cr_jw_str(&w, flags[i]);
        cr_jw_arr_end(&w);
    }
#endif
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "apparmor"); cr_jw_obj(&w); cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 1); cr_jw_obj_end(&w);
    cr_jw_key(&w, "selinux"); cr_jw_obj(&w); cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 1); cr_jw_obj_end(&w);
    cr_jw_key(&w, "intelRdt"); cr_jw_obj(&w); cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 0); cr_jw_obj_end(&w);
    cr_jw_key(&w, "mountExtensions"); cr_jw_obj(&w);
    cr_jw_key(&w, "idmap"); cr_jw_obj(&w); cr_jw_key(&w, "enabled"); cr_jw_bool(&w, 0); cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "annotations"); cr_jw_obj(&w);
    cr_jw_key(&w, "org.opencontainers.runc.version"); cr_jw_str(&w, CR_VERSION);
    cr_jw_key(&w, "io.github.cr.version"); cr_jw_str(&w, CR_VERSION);
    cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
}

/* ==========================================================================
 * >>net — cr_net_*: bridge networking for image runs
 *
 * A bridge per network holds the gateway address; each container gets a
 * veth pair whose far end is created inside its netns as eth0, so nothing
 * is ever moved or renamed. Links, addresses and routes go over rtnetlink
 * (cr__nl_*). NAT goes through nft (table ip cr) or iptables-restore
 * (CR-* chains), executed only when rules change: the first lease makes the
 * table, a lease with ports adds two DNAT rules per port, detach removes
 * exactly those (nft by the handles recorded at add time, iptables by the
 * same rule text). <state_dir>/leases.json holds the leases, networks and
 * handles; every attach and detach rewrites it under flock(<state_dir>/lock).
 * ========================================================================== */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spawn.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#define CR__VETH_INFO_PEER 1          /* linux/veth.h */

/* ---- rtnetlink ---- */

typedef struct cr__nl { int fd; uint32_t seq; char msg[200]; } cr__nl;   /* msg: the kernel's text for the last error */
/* Requests here are a few hundred bytes: names are at most 15 characters. */
typedef struct cr__nlreq { struct nlmsghdr h; char data[1024]; } cr__nlreq;

static int cr__nl_open(cr__nl *nl) {
    int one = 1;
    memset(nl, 0, sizeof *nl);
    nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl->fd < 0) return -errno;
#ifdef NETLINK_EXT_ACK
    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
#else
    (void)one;
#endif
    return 0;
}

static void cr__nl_close(cr__nl *nl) { if (nl->fd >= 0) close(nl->fd); nl->fd = -1; }

static void cr__nl_init(cr__nlreq *q, int type, int flags, const void *hdr, size_t len) {
    memset(q, 0, sizeof *q);
    q->h.nlmsg_len = NLMSG_LENGTH(len);
    q->h.nlmsg_type = (uint16_t)type;
    q->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    memcpy(NLMSG_DATA(&q->h), hdr, len);
}

static struct rtattr *cr__nl_put(cr__nlreq *q, int type, const void *data, size_t len) {
    struct rtattr *a = (struct rtattr *)((char *)&q->h + NLMSG_ALIGN(q->h.nlmsg_len));
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}
static void cr__nl_u32(cr__nlreq *q, int type, uint32_t v) { cr__nl_put(q, type, &v, sizeof v); }
static void cr__nl_str(cr__nlreq *q, int type, const char *s) { cr__nl_put(q, type, s, strlen(s) + 1); }
static void cr__nl_end(cr__nlreq *q, struct rtattr *nest) {
    nest->rta_len = (unsigned short)((char *)&q->h + q->h.nlmsg_len - (char *)nest);
}

/* The NLMSGERR_ATTR_MSG text of an extended ack, if the kernel sent one. */
static void cr__nl_extack(cr__nl *nl, const struct nlmsghdr *h) {
#ifdef NLM_F_ACK_TLVS
    const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(h);
    size_t off = NLMSG_HDRLEN + sizeof *e;
    if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return;
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += e->msg.nlmsg_len - NLMSG_HDRLEN;
    while (off + sizeof(struct rtattr) <= h->nlmsg_len) {
        const struct rtattr *a = (const struct rtattr *)((const char *)h + off);
        if (a->rta_len < sizeof *a || off + a->rta_len > h->nlmsg_len) return;
        if (a->rta_type == NLMSGERR_ATTR_MSG) {
            snprintf(nl->msg, sizeof nl->msg, "%.*s", (int)(a->rta_len - RTA_LENGTH(0)), (const char *)RTA_DATA(a));
            return;
        }
        off += RTA_ALIGN(a->rta_len);
    }
#else
    (void)nl; (void)h;
#endif
}

/* Sends q and waits for its ack: 0 or -errno. The first reply message (of
   a GET) is copied into reply, cut to cap bytes. */
static int cr__nl_talk(cr__nl *nl, cr__nlreq *q, void *reply, size_t cap) {
    union { struct nlmsghdr h; char b[32768]; } in;
    struct sockaddr_nl sa;
    int got = 0;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    q->h.nlmsg_seq = ++nl->seq;
    nl->msg[0] = 0;
    while (sendto(nl->fd, &q->h, q->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
        if (errno != EINTR) return -errno;
    for (;;) {
        ssize_t n = recv(nl->fd, in.b, sizeof in.b, 0);
        int len;
        struct nlmsghdr *h;
        if (n < 0) { if (errno == EINTR) continue; return -errno; }
        len = (int)n;
        for (h = &in.h; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_seq != nl->seq) continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(h);
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e)) return -EIO;
                if (e->error) cr__nl_extack(nl, h);
                return e->error;
            }
            if (reply && !got) {
                memcpy(reply, h, h->nlmsg_len < cap ? h->nlmsg_len : cap);
                got = 1;
            }
        }
    }
}

/* "what: error text (kernel's explanation)" */
static int cr__nl_err(cr__nl *nl, int r, cr_err *err, const char *fmt, ...) {
    char what[256], text[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(text, sizeof text, "%s", strerror(-r));
    if (text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a' && text[1] <= 'z') text[0] = (char)(text[0] - 'A' + 'a');
    if (nl->msg[0]) return cr_err_set(err, -r, "%s: %s (%s)", what, text, nl->msg);
    return cr_err_set(err, -r, "%s: %s", what, text);
}

static int cr__nl_ifindex(cr__nl *nl, const char *name) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    union { struct nlmsghdr h; char b[64]; } rep;
    int r;
    memset(&ifi, 0, sizeof ifi);
    cr__nl_init(&q, RTM_GETLINK, 0, &ifi, sizeof ifi);
    cr__nl_str(&q, IFLA_IFNAME, name);
    rep.h.nlmsg_type = 0;
    if ((r = cr__nl_talk(nl, &q, &rep, sizeof rep)) < 0) return r;
    if (rep.h.nlmsg_type != RTM_NEWLINK) return -EIO;
    return ((struct ifinfomsg *)NLMSG_DATA(&rep.h))->ifi_index;
}

static int cr__nl_link_up(cr__nl *nl, int ifindex) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    memset(&ifi, 0, sizeof ifi);
    ifi.ifi_index = ifindex;
    ifi.ifi_flags = ifi.ifi_change = IFF_UP;
    cr__nl_init(&q, RTM_NEWLINK, 0, &ifi, sizeof ifi);
    return cr__nl_talk(nl, &q, NULL, 0);
}

static int cr__nl_link_del(cr__nl *nl, const char *name) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    memset(&ifi, 0, sizeof ifi);
    cr__nl_init(&q, RTM_DELLINK, 0, &ifi, sizeof ifi);
    cr__nl_str(&q, IFLA_IFNAME, name);
    return cr__nl_talk(nl, &q, NULL, 0);
}

/* A bridge, up, with a fixed MAC: a bridge without one takes the lowest
   MAC of its ports, which changes as containers come and go. */
static int cr__nl_bridge_add(cr__nl *nl, const char *name, int mtu, const unsigned char mac[6]) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    struct rtattr *li;
    memset(&ifi, 0, sizeof ifi);
    ifi.ifi_flags = ifi.ifi_change = IFF_UP;
    cr__nl_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    cr__nl_str(&q, IFLA_IFNAME, name);
    cr__nl_u32(&q, IFLA_MTU, (uint32_t)mtu);
    cr__nl_put(&q, IFLA_ADDRESS, mac, 6);
    li = cr__nl_put(&q, IFLA_LINKINFO, NULL, 0);
    cr__nl_str(&q, IFLA_INFO_KIND, "bridge");
    cr__nl_end(&q, li);
    return cr__nl_talk(nl, &q, NULL, 0);
}

/* A veth pair in one request: host end up on the bridge, the peer made
   inside the netns nsfd, named eth0, with its MAC. (The peer cannot be set
   up here: veth refuses to open before both ends are linked.) */
static int cr__nl_veth_add(cr__nl *nl, const char *host, int master, int mtu, int nsfd, const unsigned char mac[6]) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    struct rtattr *li, *data, *peer;
    memset(&ifi, 0, sizeof ifi);
    ifi.ifi_flags = ifi.ifi_change = IFF_UP;
    cr__nl_init(&q, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    cr__nl_str(&q, IFLA_IFNAME, host);
    cr__nl_u32(&q, IFLA_MTU, (uint32_t)mtu);
    cr__nl_u32(&q, IFLA_MASTER, (uint32_t)master);
    li = cr__nl_put(&q, IFLA_LINKINFO, NULL, 0);
    cr__nl_str(&q, IFLA_INFO_KIND, "veth");
    data = cr__nl_put(&q, IFLA_INFO_DATA, NULL, 0);
    ifi.ifi_flags = ifi.ifi_change = 0;
    peer = cr__nl_put(&q, CR__VETH_INFO_PEER, &ifi, sizeof ifi);
    cr__nl_str(&q, IFLA_IFNAME, "eth0");
    cr__nl_u32(&q, IFLA_MTU, (uint32_t)mtu);
    cr__nl_put(&q, IFLA_ADDRESS, mac, 6);
    cr__nl_u32(&q, IFLA_NET_NS_FD, (uint32_t)nsfd);
    cr__nl_end(&q, peer);
    cr__nl_end(&q, data);
    cr__nl_end(&q, li);
    return cr__nl_talk(nl, &q, NULL, 0);
}

/* Hairpin mode on a bridge port: with br_netfilter loaded, a container's
   packet to its own published port is DNATed on the bridge and must go back
   out of the port it came in by. */
static int cr__nl_hairpin(cr__nl *nl, int ifindex) {
    cr__nlreq q;
    struct ifinfomsg ifi;
    struct rtattr *pi;
    unsigned char on = 1;
    memset(&ifi, 0, sizeof ifi);
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = ifindex;
    cr__nl_init(&q, RTM_SETLINK, 0, &ifi, sizeof ifi);
    pi = cr__nl_put(&q, IFLA_PROTINFO | NLA_F_NESTED, NULL, 0);
    cr__nl_put(&q, IFLA_BRPORT_MODE, &on, 1);
    cr__nl_end(&q, pi);
    return cr__nl_talk(nl, &q, NULL, 0);
}

/* type RTM_NEWADDR or RTM_DELADDR; ip in host byte order. */
static int cr__nl_addr(cr__nl *nl, int type, int ifindex, uint32_t ip, int prefix) {
    cr__nlreq q;
    struct ifaddrmsg ifa;
    uint32_t a = htonl(ip), brd = htonl(ip | (0xffffffffu >> prefix));
    memset(&ifa, 0, sizeof ifa);
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = (unsigned char)prefix;
    ifa.ifa_index = (unsigned)ifindex;
    cr__nl_init(&q, type, type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0, &ifa, sizeof ifa);
    cr__nl_put(&q, IFA_LOCAL, &a, 4);
    cr__nl_put(&q, IFA_ADDRESS, &a, 4);
    if (type == RTM_NEWADDR) cr__nl_put(&q, IFA_BROADCAST, &brd, 4);
    return cr__nl_talk(nl, &q, NULL, 0);
}

static int cr__nl_default_route(cr__nl *nl, uint32_t gw, int oif) {
    cr__nlreq q;
    struct rtmsg rt;
    uint32_t g = htonl(gw);
    memset(&rt, 0, sizeof rt);
    rt.rtm_family = AF_INET;
    rt.rtm_table = RT_TABLE_MAIN;
    rt.rtm_protocol = RTPROT_BOOT;
    rt.rtm_scope = RT_SCOPE_UNIVERSE;
    rt.rtm_type = RTN_UNICAST;
    cr__nl_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
    cr__nl_put(&q, RTA_GATEWAY, &g, 4);
    cr__nl_u32(&q, RTA_OIF, (uint32_t)oif);
    return cr__nl_talk(nl, &q, NULL, 0);
}

/* ---- addresses, ports, config ---- */

static void cr__ip4_str(uint32_t ip, char *out, size_t n) {
    snprintf(out, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}
static int cr__ip4_parse(const char *s, uint32_t *ip) {
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1) return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}
/* Locally administered MAC 02:63:<address>: unique on the bridge, and the
   same address always gets the same MAC (no stale ARP entries). */
static void cr__net_mac(uint32_t ip, unsigned char mac[6]) {
    mac[0] = 0x02; mac[1] = 0x63;
    mac[2] = (unsigned char)(ip >> 24); mac[3] = (unsigned char)(ip >> 16);
    mac[4] = (unsigned char)(ip >> 8); mac[5] = (unsigned char)ip;
}

/* A port number 1-65535 written in decimal digits only. */
static int cr__net_port_num(const char *s, uint16_t *out) {
    unsigned long v = 0;
    const char *p;
    if (!*s || strlen(s) > 5) return -1;
    for (p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    if (v < 1 || v > 65535) return -1;
    *out = (uint16_t)v;
    return 0;
}

CR_API int cr_net_port_parse(const char *spec, cr_net_port *out, cr_err *err) {
    char buf[128], *proto, *parts[3], *p, *ip = NULL;
    int n = 0;
    struct in6_addr a6;
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) return cr_err_set(err, EINVAL, "port \"\": empty (expected [IP:]HOST:CONTAINER[/tcp|/udp])");
    if (strlen(spec) >= sizeof buf) return cr_err_set(err, EINVAL, "port \"%.40s...\": too long", spec);
    strcpy(buf, spec);
    if ((proto = strrchr(buf, '/'))) {
        *proto++ = 0;
        if (!strcmp(proto, "udp")) out->udp = 1;
        else if (!strcmp(proto, "sctp")) return cr_err_set(err, EINVAL, "port \"%s\": sctp is not supported (tcp or udp)", spec);
        else if (strcmp(proto, "tcp")) return cr_err_set(err, EINVAL, "port \"%s\": unknown protocol \"%s\" (tcp or udp)", spec, proto);
    }
    p = buf;
    if (*p == '[') {
        char *close = strchr(p, ']');
        if (!close || close[1] != ':') return cr_err_set(err, EINVAL, "port \"%s\": expected [IPv6]:HOST:CONTAINER", spec);
        *close = 0;
        if (inet_pton(AF_INET6, p + 1, &a6) == 1)
            return cr_err_set(err, EINVAL, "port \"%s\": IPv6 host address \"%s\" is not supported (the bridge is IPv4 only)", spec, p + 1);
        return cr_err_set(err, EINVAL, "port \"%s\": host address \"%s\" is not an IP address", spec, p + 1);
    }
    for (;;) {
        char *colon = strchr(p, ':');
        if (n == 3) return cr_err_set(err, EINVAL, "port \"%s\": too many ':' (expected [IP:]HOST:CONTAINER; IPv6 is not supported)", spec);
        parts[n++] = p;
        if (!colon) break;
        *colon = 0;
        p = colon + 1;
    }
    if (n == 1)
        return cr_err_set(err, EINVAL, "port \"%s\": expected [IP:]HOST:CONTAINER (publishing on a random host port is not supported)", spec);
    if (n == 3) { ip = parts[0]; parts[0] = parts[1]; parts[1] = parts[2]; }
    if (strchr(parts[0], '-') || strchr(parts[1], '-'))
        return cr_err_set(err, EINVAL, "port \"%s\": port ranges are not supported", spec);
    if (!*parts[0])
        return cr_err_set(err, EINVAL, "port \"%s\": empty host port (publishing on a random host port is not supported)", spec);
    if (cr__net_port_num(parts[0], &out->host_port) < 0)
        return cr_err_set(err, EINVAL, "port \"%s\": host port \"%s\" is not a number from 1 to 65535", spec, parts[0]);
    if (cr__net_port_num(parts[1], &out->container_port) < 0)
        return cr_err_set(err, EINVAL, "port \"%s\": container port \"%s\" is not a number from 1 to 65535", spec, parts[1]);
    if (ip && *ip) {
        uint32_t v;
        if (cr__ip4_parse(ip, &v) < 0)
            return cr_err_set(err, EINVAL, "port \"%s\": host address \"%s\" is not an IPv4 address", spec, ip);
        if (v) cr__ip4_str(v, out->host_ip, sizeof out->host_ip);
    }
    return 0;
}

/* The canonical spec of a parsed port: it parses back to the same port. */
static void cr__net_port_fmt(const cr_net_port *p, char *out, size_t n) {
    snprintf(out, n, "%s%s%u:%u/%s", p->host_ip, p->host_ip[0] ? ":" : "", p->host_port,
             p->container_port, p->udp ? "udp" : "tcp");
}

/* Two bindings of one host port clash unless both name different addresses. */
static int cr__net_port_clash(const cr_net_port *a, const cr_net_port *b) {
    return a->udp == b->udp && a->host_port == b->host_port &&
           (!a->host_ip[0] || !b->host_ip[0] || !strcmp(a->host_ip, b->host_ip));
}

typedef struct cr__net_cfg {
    char bridge[IFNAMSIZ], dir[PATH_MAX];
    uint32_t net, gw; int prefix, mtu;
    const char *nat;
} cr__net_cfg;

static int cr__net_cidr(const char *s, uint32_t *net, int *prefix, cr_err *err) {
    char buf[32], *slash;
    uint32_t ip, mask;
    long n;
    if (strlen(s) >= sizeof buf || !(slash = strchr(strcpy(buf, s), '/'))) goto bad;
    *slash++ = 0;
    if (cr__ip4_parse(buf, &ip) < 0 || !*slash || strlen(slash) > 2 || strspn(slash, "0123456789") != strlen(slash)) goto bad;
    n = strtol(slash, NULL, 10);
    if (n < 8 || n > 30) goto bad;
    mask = 0xffffffffu << (32 - n);
    if (ip & ~mask) {
        char netstr[16];
        cr__ip4_str(ip & mask, netstr, sizeof netstr);
        return cr_err_set(err, EINVAL, "subnet \"%s\": host bits are set (the network is %s/%ld)", s, netstr, n);
    }
    *net = ip;
    *prefix = (int)n;
    return 0;
bad:
    return cr_err_set(err, EINVAL, "subnet \"%s\": expected an IPv4 network A.B.C.D/N with N from 8 to 30", s);
}

static int cr__net_cfg_get(const cr_net_config *c, cr__net_cfg *o, cr_err *err) {
    static const cr_net_config zero;
    const char *br, *p;
    if (!c) c = &zero;
    memset(o, 0, sizeof *o);
    br = c->bridge ? c->bridge : CR_NET_BRIDGE;
    if (!*br || strlen(br) >= IFNAMSIZ || !strcmp(br, ".") || !strcmp(br, ".."))
        return cr_err_set(err, EINVAL, "bridge \"%s\": a name of 1 to %d characters is needed", br, IFNAMSIZ - 1);
    for (p = br; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return cr_err_set(err, EINVAL, "bridge \"%s\": invalid character '%c' (use letters, digits, _ . -)", br, *p);
    strcpy(o->bridge, br);
    if (cr__net_cidr(c->subnet ? c->subnet : CR_NET_SUBNET, &o->net, &o->prefix, err) < 0) return -EINVAL;
    o->gw = o->net + 1;
    o->mtu = c->mtu ? c->mtu : 1500;
    if (o->mtu < 68 || o->mtu > 65535) return cr_err_set(err, EINVAL, "mtu %d: expected 68 to 65535", c->mtu);
    if (c->nat && strcmp(c->nat, "nft") && strcmp(c->nat, "iptables"))
        return cr_err_set(err, EINVAL, "nat \"%s\": expected \"nft\" or \"iptables\"", c->nat);
    o->nat = c->nat;
    if (c->state_dir && *c->state_dir) snprintf(o->dir, sizeof o->dir, "%s", c->state_dir);
    else snprintf(o->dir, sizeof o->dir, "%s/@net", cr_state_root(NULL));
    return 0;
}

/* ---- state: leases.json ---- */

typedef struct cr__net_nw {              /* a bridge in use */
    char bridge[IFNAMSIZ];
    uint32_t net; int prefix;
    int created, addr_added;             /* what detach must undo on the host */
    int nat_rules;                       /* its masquerade rules exist */
    char *rules;                         /* nft: "chain:handle ..." of them */
} cr__net_nw;
typedef struct cr__net_ls {              /* a lease */
    char id[256], bridge[IFNAMSIZ], veth[IFNAMSIZ];
    uint32_t ip;
    cr_net_port *ports; int nports;
    int nat_rules;                       /* its DNAT rules exist */
    char *rules;                         /* nft: "chain:handle ..." of them */
} cr__net_ls;
typedef struct cr__net_db {
    int dirfd, lockfd;
    char dir[PATH_MAX];
    char nat[16];                        /* "" (no NAT made), "nft", "iptables" */
    cr__net_nw *nw; int nnw;
    cr__net_ls *ls; int nls;
} cr__net_db;

static void cr__net_db_free(cr__net_db *db) {
    int i;
    for (i = 0; i < db->nnw; i++) CR_FREE(db->nw[i].rules);
    for (i = 0; i < db->nls; i++) { CR_FREE(db->ls[i].ports); CR_FREE(db->ls[i].rules); }
    CR_FREE(db->nw); CR_FREE(db->ls);
    if (db->lockfd >= 0) close(db->lockfd);   /* drops the flock */
    if (db->dirfd >= 0) close(db->dirfd);
    db->nw = NULL; db->ls = NULL; db->nnw = db->nls = 0;
    db->lockfd = db->dirfd = -1;
}

static const char *cr__net_jstr(const cr_json *o, const char *key) {
    const cr_json *v = cr_json_get(o, key);
    return v && v->type == CR_JSON_STRING ? v->str : "";
}

static int cr__net_db_parse(cr__net_db *db, const cr_json *root, cr_err *err) {
    const cr_json *a, *e, *p;
    if (root->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "not an object");
    snprintf(db->nat, sizeof db->nat, "%s", cr__net_jstr(root, "nat"));
    a = cr_json_get(root, "networks");
    if (a && a->type == CR_JSON_ARRAY && a->len) {
        if (!(db->nw = (cr__net_nw *)cr__calloc(a->len, sizeof *db->nw))) return cr_err_set(err, ENOMEM, "out of memory");
        for (e = a->child; e; e = e->next) {
            cr__net_nw *n = &db->nw[db->nnw++];
            const cr_json *b;
            snprintf(n->bridge, sizeof n->bridge, "%s", cr__net_jstr(e, "bridge"));
            if (cr__net_cidr(cr__net_jstr(e, "subnet"), &n->net, &n->prefix, err) < 0) return cr_err_wrap(err, "networks");
            n->created = (b = cr_json_get(e, "created")) && b->type == CR_JSON_TRUE;
            n->addr_added = (b = cr_json_get(e, "addr_added")) && b->type == CR_JSON_TRUE;
            n->nat_rules = (b = cr_json_get(e, "nat_rules")) && b->type == CR_JSON_TRUE;
            if (!(n->rules = cr__strdup(cr__net_jstr(e, "rules")))) return cr_err_set(err, ENOMEM, "out of memory");
        }
    }
    a = cr_json_get(root, "leases");
    if (a && a->type == CR_JSON_ARRAY && a->len) {
        if (!(db->ls = (cr__net_ls *)cr__calloc(a->len, sizeof *db->ls))) return cr_err_set(err, ENOMEM, "out of memory");
        for (e = a->child; e; e = e->next) {
            cr__net_ls *l = &db->ls[db->nls++];
            const cr_json *ports = cr_json_get(e, "ports");
            snprintf(l->id, sizeof l->id, "%s", cr__net_jstr(e, "id"));
            snprintf(l->bridge, sizeof l->bridge, "%s", cr__net_jstr(e, "bridge"));
            snprintf(l->veth, sizeof l->veth, "%s", cr__net_jstr(e, "veth"));
            if (cr__ip4_parse(cr__net_jstr(e, "ip"), &l->ip) < 0) return cr_err_set(err, EINVAL, "lease \"%s\": bad ip", l->id);
            l->nat_rules = (p = cr_json_get(e, "nat_rules")) && p->type == CR_JSON_TRUE;
            if (!(l->rules = cr__strdup(cr__net_jstr(e, "rules")))) return cr_err_set(err, ENOMEM, "out of memory");
            if (!ports || ports->type != CR_JSON_ARRAY || !ports->len) continue;
            if (!(l->ports = (cr_net_port *)cr__calloc(ports->len, sizeof *l->ports))) return cr_err_set(err, ENOMEM, "out of memory");
            for (p = ports->child; p; p = p->next)
                if (p->type != CR_JSON_STRING || cr_net_port_parse(p->str, &l->ports[l->nports++], err) < 0)
                    return cr_err_wrap(err, "lease \"%s\"", l->id);
        }
    }
    return 0;
}

static int cr__net_db_save(cr__net_db *db, cr_err *err) {
    cr_buf b = {0};
    cr_jw w;
    char s[64];
    int i, j, r;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    cr_jw_key(&w, "nat"); cr_jw_str(&w, db->nat);
    cr_jw_key(&w, "networks"); cr_jw_arr(&w);
    for (i = 0; i < db->nnw; i++) {
        cr__net_nw *n = &db->nw[i];
        cr__ip4_str(n->net, s, sizeof s);
        snprintf(s + strlen(s), sizeof s - strlen(s), "/%d", n->prefix);
        cr_jw_obj(&w);
        cr_jw_key(&w, "bridge"); cr_jw_str(&w, n->bridge);
        cr_jw_key(&w, "subnet"); cr_jw_str(&w, s);
        cr_jw_key(&w, "created"); cr_jw_bool(&w, n->created);
        cr_jw_key(&w, "addr_added"); cr_jw_bool(&w, n->addr_added);
        cr_jw_key(&w, "nat_rules"); cr_jw_bool(&w, n->nat_rules);
        cr_jw_key(&w, "rules"); cr_jw_str(&w, n->rules ? n->rules : "");
        cr_jw_obj_end(&w);
    }
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "leases"); cr_jw_arr(&w);
    for (i = 0; i < db->nls; i++) {
        cr__net_ls *l = &db->ls[i];
        cr_jw_obj(&w);
        cr_jw_key(&w, "id"); cr_jw_str(&w, l->id);
        cr_jw_key(&w, "bridge"); cr_jw_str(&w, l->bridge);
        cr__ip4_str(l->ip, s, sizeof s);
        cr_jw_key(&w, "ip"); cr_jw_str(&w, s);
        cr_jw_key(&w, "veth"); cr_jw_str(&w, l->veth);
        cr_jw_key(&w, "ports"); cr_jw_arr(&w);
        for (j = 0; j < l->nports; j++) { cr__net_port_fmt(&l->ports[j], s, sizeof s); cr_jw_str(&w, s); }
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "nat_rules"); cr_jw_bool(&w, l->nat_rules);
        cr_jw_key(&w, "rules"); cr_jw_str(&w, l->rules ? l->rules : "");
        cr_jw_obj_end(&w);
    }
    cr_jw_arr_end(&w);
    cr_jw_obj_end(&w);
    cr_buf_putc(&b, '\n');
    if (b.oom) { cr_buf_free(&b); return cr_err_set(err, ENOMEM, "out of memory"); }
    r = cr__write_atomic(db->dirfd, "leases.json", b.data, b.len, 0, err);
    cr_buf_free(&b);
    return r < 0 ? cr_err_wrap(err, "network state %s", db->dir) : 0;
}

/* Opens and locks the state dir and reads leases.json. Without create, a
   missing dir is an empty state. */
static int cr__net_db_open(const char *dir, int create, int lockop, cr__net_db *db, cr_err *err) {
    cr_buf text = {0};
    cr_json *root = NULL;
    int r;
    memset(db, 0, sizeof *db);
    db->dirfd = db->lockfd = -1;
    snprintf(db->dir, sizeof db->dir, "%s", dir);
    if (create && cr__mkdir_p(dir, 0700) < 0) return cr__errno(err, "network state %s", dir);
    db->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (db->dirfd < 0) return errno == ENOENT && !create ? 0 : cr__errno(err, "network state %s", dir);
    db->lockfd = openat(db->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (db->lockfd < 0 || flock(db->lockfd, lockop) < 0) { r = cr__errno(err, "lock %s/lock", dir); goto fail; }
    r = cr_util_read_file(db->dirfd, "leases.json", 16 << 20, &text, err);
    if (r == -ENOENT) return 0;
    if (r == 0 && (r = cr_json_parse(text.data, text.len, &root, err)) == 0) r = cr__net_db_parse(db, root, err);
    cr_json_free(root);
    cr_buf_free(&text);
    if (r == 0) return 0;
    cr_err_wrap(err, "%s/leases.json", dir);
fail:
    cr__net_db_free(db);
    return r;
}

static cr__net_ls *cr__net_lease_find(cr__net_db *db, const char *id) {
    int i;
    for (i = 0; i < db->nls; i++) if (!strcmp(db->ls[i].id, id)) return &db->ls[i];
    return NULL;
}
static cr__net_nw *cr__net_nw_find(cr__net_db *db, const char *bridge) {
    int i;
    for (i = 0; i < db->nnw; i++) if (!strcmp(db->nw[i].bridge, bridge)) return &db->nw[i];
    return NULL;
}

static void cr__net_lease_out(const cr__net_db *db, const cr__net_ls *l, cr_net_lease *out) {
    unsigned char mac[6];
    int i;
    memset(out, 0, sizeof *out);
    cr__ip4_str(l->ip, out->ip, sizeof out->ip);
    for (i = 0; i < db->nnw; i++)
        if (!strcmp(db->nw[i].bridge, l->bridge)) {
            cr__ip4_str(db->nw[i].net + 1, out->gateway, sizeof out->gateway);
            out->prefix = db->nw[i].prefix;
        }
    cr__net_mac(l->ip, mac);
    snprintf(out->mac, sizeof out->mac, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    snprintf(out->host_veth, sizeof out->host_veth, "%s", l->veth);
}

/* ---- NAT: nft or iptables-restore, fed a script on stdin ---- */

/* path of a tool in $PATH or the sbin directories a user's PATH may lack */
static int cr__net_which(const char *name, char *out, size_t n) {
    const char *path = getenv("PATH"), *p;
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/local/sbin:/usr/sbin:/sbin", path ? path : "");
    for (p = dirs; *p; ) {
        size_t len = strcspn(p, ":");
        if (len) {
            snprintf(out, n, "%.*s/%s", (int)len, p, name);
            if (access(out, X_OK) == 0) return 0;
        }
        p += len + (p[len] == ':');
    }
    return -1;
}

/* Runs argv[0] (a path) with input on stdin; stdout and stderr go to out.
   Returns its exit status, or -errno if it could not run. */
static int cr__net_exec(char *const argv[], const cr_buf *input, cr_buf *out) {
    extern char **environ;
    posix_spawn_file_actions_t fa;
    int mfd, p[2], st = 0, r;
    pid_t pid;
    char buf[4096];
    mfd = (int)syscall(SYS_memfd_create, "cr-nat", MFD_CLOEXEC);
    if (mfd < 0) return -errno;
    if (cr__write_all(mfd, input->data ? input->data : "", input->len) < 0 || lseek(mfd, 0, SEEK_SET) < 0 ||
        pipe2(p, O_CLOEXEC) < 0) { r = -errno; close(mfd); return r; }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, mfd, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(mfd);
    close(p[1]);
    if (r) { close(p[0]); return -r; }
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out->len < 65536) cr_buf_add(out, buf, (size_t)n);
    }
    close(p[0]);
    while (waitpid(pid, &st, 0) < 0) if (errno != EINTR) return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs a NAT script with the state's tool. nft echoes each added rule with
   its handle: those are appended, as "chain:handle", to *handles. */
static int cr__net_nat_run(const cr__net_db *db, const cr_buf *script, cr_buf *handles, cr_err *err) {
    char tool[PATH_MAX], *argv[6];
    cr_buf out = {0};
    int nft = !strcmp(db->nat, "nft"), r, k = 0;
    const char *name = nft ? "nft" : "iptables-restore";
    if (cr__net_which(name, tool, sizeof tool) < 0)
        return cr_err_set(err, ENOENT, "nat: %s not found in PATH, /usr/sbin or /sbin (it made this network's rules)", name);
    argv[k++] = tool;
    if (nft) { argv[k++] = (char *)"-e"; argv[k++] = (char *)"-a"; argv[k++] = (char *)"-f"; argv[k++] = (char *)"-"; }
    else { argv[k++] = (char *)"-w"; argv[k++] = (char *)"--noflush"; }
    argv[k] = NULL;
    r = cr__net_exec(argv, script, &out);
    if (r < 0) { cr_buf_free(&out); errno = -r; return cr__errno(err, "nat: run %s", tool); }
    if (r > 0) {
        char *s = out.data ? out.data : (char *)"", *nl;
        /* the message and, from nft, the line it is about */
        if ((nl = strchr(s, '\n')) && (nl = strchr(nl + 1, '\n'))) *nl = 0;
        for (nl = s; *nl; nl++) if (*nl == '\n') *nl = ' ';
        r = cr_err_set(err, EIO, "nat: %s failed (status %d): %.600s", name, r, s);
        cr_buf_free(&out);
        return r;
    }
    if (handles && out.data) {
        const char *line = out.data;
        while (*line) {
            const char *end = strchr(line, '\n'), *h;
            size_t len = end ? (size_t)(end - line) : strlen(line);
            char l[1024];
            snprintf(l, sizeof l, "%.*s", (int)len, line);
            if (!strncmp(l, "add rule ip " CR_NET_TABLE " ", 13 + strlen(CR_NET_TABLE)) && (h = strstr(l, "# handle "))) {
                const char *chain = l + 13 + strlen(CR_NET_TABLE);
                cr_buf_printf(handles, "%s%.*s:%lld", handles->len ? " " : "", (int)strcspn(chain, " "), chain, atoll(h + 9));
            }
            line += len + (end != NULL);
        }
    }
    cr_buf_free(&out);
    return 0;
}

/* Picks the tool for a state without NAT: the configured one, else nft,
   else iptables-restore (with iptables-save). 0, or -ENOENT. */
static int cr__net_nat_pick(const char *want, char *nat, size_t n) {
    char p[PATH_MAX];
    if ((!want || !strcmp(want, "nft")) && cr__net_which("nft", p, sizeof p) == 0) { snprintf(nat, n, "nft"); return 0; }
    if ((!want || !strcmp(want, "iptables")) && cr__net_which("iptables-restore", p, sizeof p) == 0 &&
        cr__net_which("iptables-save", p, sizeof p) == 0) { snprintf(nat, n, "iptables"); return 0; }
    return -ENOENT;
}

static const char *const cr__ipt_chains[][2] = {
    {"PREROUTING", "CR-PREROUTING"}, {"OUTPUT", "CR-OUTPUT"}, {"POSTROUTING", "CR-POSTROUTING"},
};
static const char *cr__ipt_jump_match(int i) { return i < 2 ? "-m addrtype --dst-type LOCAL " : ""; }

/* iptables: lines that remove every CR- chain and the jumps to them, read
   from iptables-save, so leftovers of an earlier crash go as well. */
static int cr__net_ipt_teardown(cr_buf *script, cr_err *err) {
    char tool[PATH_MAX], *argv[4];
    cr_buf out = {0}, chains = {0};
    const char *line;
    int r;
    if (cr__net_which("iptables-save", tool, sizeof tool) < 0)
        return cr_err_set(err, ENOENT, "nat: iptables-save not found in PATH, /usr/sbin or /sbin");
    argv[0] = tool; argv[1] = (char *)"-t"; argv[2] = (char *)"nat"; argv[3] = NULL;
    r = cr__net_exec(argv, &chains, &out);
    if (r != 0) {
        cr_buf_free(&out);
        if (r < 0) { errno = -r; return cr__errno(err, "nat: run %s", tool); }
        return cr_err_set(err, EIO, "nat: iptables-save failed (status %d)", r);
    }
    for (line = out.data ? out.data : ""; *line; ) {
        size_t len = strcspn(line, "\n");
        if (len > 4 && !strncmp(line, ":CR-", 4))
            cr_buf_printf(&chains, "-F %.*s\n-X %.*s\n", (int)strcspn(line + 1, " \n"), line + 1, (int)strcspn(line + 1, " \n"), line + 1);
        else if (len > 3 && !strncmp(line, "-A ", 3) && strncmp(line, "-A CR-", 6) && memmem(line, len, " -j CR-", 7))
            cr_buf_printf(script, "-D %.*s\n", (int)len - 3, line + 3);
        line += len + (line[len] == '\n');
    }
    cr_buf_add(script, chains.data ? chains.data : "", chains.len);
    cr_buf_free(&chains);
    cr_buf_free(&out);
    return 0;
}

/* The rules of a network: masquerade what leaves the subnet; what a
   container sent to a published port of the bridge (hairpin) and what came
   from 127.0.0.1 must come back through the host, so it is masqueraded too. */
static void cr__net_nw_rules(cr_buf *s, int nft, const char *op, const cr__net_nw *n) {
    char net[16];
    cr__ip4_str(n->net, net, sizeof net);
    if (nft) {
        cr_buf_printf(s, "add rule ip " CR_NET_TABLE " postrouting ip saddr %s/%d oifname != \"%s\" masquerade\n", net, n->prefix, n->bridge);
        cr_buf_printf(s, "add rule ip " CR_NET_TABLE " postrouting ip saddr %s/%d oifname \"%s\" ct status dnat masquerade\n", net, n->prefix, n->bridge);
        cr_buf_printf(s, "add rule ip " CR_NET_TABLE " postrouting ip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n", n->bridge);
        return;
    }
    cr_buf_printf(s, "%s CR-POSTROUTING -s %s/%d ! -o %s -j MASQUERADE\n", op, net, n->prefix, n->bridge);
    cr_buf_printf(s, "%s CR-POSTROUTING -s %s/%d -o %s -m conntrack --ctstate DNAT -j MASQUERADE\n", op, net, n->prefix, n->bridge);
    cr_buf_printf(s, "%s CR-POSTROUTING -s 127.0.0.0/8 -o %s -j MASQUERADE\n", op, n->bridge);
}

/* Two DNAT rules per port: prerouting (other hosts, containers) and output
   (this host, 127.0.0.1 included). Without host_ip: any local address. */
static void cr__net_port_rules(cr_buf *s, int nft, const char *op, const cr__net_ls *l) {
    static const char *const nchains[] = {"prerouting", "output"}, *const ichains[] = {"CR-PREROUTING", "CR-OUTPUT"};
    char ip[16];
    int i, c;
    cr__ip4_str(l->ip, ip, sizeof ip);
    for (i = 0; i < l->nports; i++) {
        const cr_net_port *p = &l->ports[i];
        const char *proto = p->udp ? "udp" : "tcp";
        for (c = 0; c < 2; c++) {
            if (nft) {
                cr_buf_printf(s, "add rule ip " CR_NET_TABLE " %s ", nchains[c]);
                if (p->host_ip[0]) cr_buf_printf(s, "ip daddr %s ", p->host_ip);
                else cr_buf_puts(s, "fib daddr type local ");
                cr_buf_printf(s, "%s dport %u dnat to %s:%u comment \"cr:%.100s\"\n", proto, p->host_port, ip, p->container_port, l->id);
            } else {
                cr_buf_printf(s, "%s %s ", op, ichains[c]);
                if (p->host_ip[0]) cr_buf_printf(s, "-d %s/32 ", p->host_ip);
                cr_buf_printf(s, "-p %s -m %s --dport %u -m comment --comment \"cr:%.100s\" -j DNAT --to-destination %s:%u\n",
                              proto, proto, p->host_port, l->id, ip, p->container_port);
            }
        }
    }
}

/* nft lines deleting the rules recorded as "chain:handle ..." */
static void cr__net_nft_delete(cr_buf *s, const char *rules) {
    const char *p = rules ? rules : "";
    while (*p) {
        size_t len = strcspn(p, " ");
        const char *colon = memchr(p, ':', len);
        if (colon) cr_buf_printf(s, "delete rule ip " CR_NET_TABLE " %.*s handle %.*s\n",
                                 (int)(colon - p), p, (int)(len - (size_t)(colon - p) - 1), colon + 1);
        p += len + (p[len] == ' ');
    }
}

/* ---- attach, detach ---- */

static int cr__net_sysctl(const char *path, cr_err *err) {
    char v[4] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) { if (read(fd, v, sizeof v - 1) < 0) v[0] = 0; close(fd); }
    if (v[0] == '1') return 0;
    if (cr__write_str(path, "1") < 0) return cr__errno(err, "write %s", path);
    return 0;
}

/* Undoes what attach did for lease li and forgets it: its rules, its veth
   and, when it was the last one, its network's rules and bridge, and with
   the last network the NAT table. The state is saved. Every step is tried;
   the first error is returned. */
static int cr__net_release(cr__net_db *db, int li, cr__nl *nl, cr_err *err) {
    cr__net_ls *l = &db->ls[li];
    cr__net_nw *n = cr__net_nw_find(db, l->bridge);
    cr_buf script = {0};
    cr_err e2 = {0};
    int nft = !strcmp(db->nat, "nft"), r = 0, i, last = 1;
    if (l->veth[0] && (i = cr__nl_link_del(nl, l->veth)) < 0 && i != -ENODEV)
        r = cr__nl_err(nl, i, err, "delete veth %s", l->veth);
    for (i = 0; i < db->nls; i++) if (i != li && !strcmp(db->ls[i].bridge, l->bridge)) last = 0;
    if (db->nat[0] && l->nat_rules) {
        if (nft) cr__net_nft_delete(&script, l->rules);
        else if (l->nports) { cr_buf_puts(&script, "*nat\n"); cr__net_port_rules(&script, 0, "-D", l); }
    }
    CR_FREE(l->ports); CR_FREE(l->rules);
    db->ls[li] = db->ls[--db->nls];
    if (last && n) {
        if (db->nat[0] && n->nat_rules && nft) cr__net_nft_delete(&script, n->rules);
        else if (db->nat[0] && n->nat_rules) { if (!script.len) cr_buf_puts(&script, "*nat\n"); cr__net_nw_rules(&script, 0, "-D", n); }
        /* a bridge cr made stays, as docker0 and podman0 do: deleting it
           and making it again cost every lone container ~40 ms */
        if (!n->created && n->addr_added) {
            int ifx = cr__nl_ifindex(nl, n->bridge);
            if (ifx > 0) cr__nl_addr(nl, RTM_DELADDR, ifx, n->net + 1, n->prefix);
        }
        CR_FREE(n->rules);
        *n = db->nw[--db->nnw];
    }
    if (db->nat[0] && !db->nnw) {          /* the last network: the table goes */
        script.len = 0;
        if (nft) cr_buf_puts(&script, "add table ip " CR_NET_TABLE "\ndelete table ip " CR_NET_TABLE "\n");
        else {
            cr_buf_puts(&script, "*nat\n");
            if ((i = cr__net_ipt_teardown(&script, &e2)) < 0 && !r) { r = i; *err = e2; }
        }
    }
    if (script.len) {
        if (!nft) cr_buf_puts(&script, "COMMIT\n");
        if (script.oom) i = cr_err_set(&e2, ENOMEM, "out of memory");
        else i = cr__net_nat_run(db, &script, NULL, &e2);
        if (i < 0 && !r) { r = i; *err = e2; }
    }
    cr_buf_free(&script);
    if (!db->nnw) db->nat[0] = 0;
    if ((i = cr__net_db_save(db, &e2)) < 0 && !r) { r = i; *err = e2; }
    return r;
}

/* Leases whose host veth is gone belong to containers whose netns died
   without a detach (cr was killed): they are released. */
static void cr__net_gc(cr__net_db *db, cr__nl *nl) {
    int i;
    cr_err e = {0};
    for (i = db->nls - 1; i >= 0; i--)
        if (cr__nl_ifindex(nl, db->ls[i].veth) == -ENODEV) {
            cr_log(CR_LOG_INFO, "network: releasing the lease of \"%s\" (its veth %s is gone)", db->ls[i].id, db->ls[i].veth);
            if (cr__net_release(db, i, nl, &e) < 0) cr_log(CR_LOG_WARN, "network: %s", e.msg);
        }
}

static int cr__u32_cmp(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The lowest free address of the network (gateway and broadcast excluded). */
static int cr__net_ip_alloc(const cr__net_db *db, const cr__net_cfg *cfg, uint32_t *ip) {
    uint32_t *used, cand = cfg->net + 2, last = cfg->net + (0xffffffffu >> cfg->prefix) - 1;
    int i, n = 0;
    used = (uint32_t *)CR_MALLOC(((size_t)db->nls + 1) * sizeof *used);
    if (!used) return -ENOMEM;
    for (i = 0; i < db->nls; i++) if (!strcmp(db->ls[i].bridge, cfg->bridge)) used[n++] = db->ls[i].ip;
    qsort(used, (size_t)n, sizeof *used, cr__u32_cmp);
    for (i = 0; i < n && cand <= last; i++) {
        if (used[i] > cand) break;
        if (used[i] == cand) cand++;
    }
    CR_FREE(used);
    if (cand > last) return -ENOSPC;
    *ip = cand;
    return 0;
}

/* A host port some process of the host already listens on (or has bound,
   for UDP) would silently lose its traffic to our DNAT rule: refused, as
   Docker and Podman do. A bind of our own, dropped at once, asks the kernel. */
static int cr__net_port_free(const cr_net_port *p, cr_err *err) {
    struct sockaddr_in sa;
    int fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0), on = 1, r = 0;
    char s[64];
    if (fd < 0) return cr__errno(err, "socket");
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(p->host_port);
    if (p->host_ip[0]) inet_pton(AF_INET, p->host_ip, &sa.sin_addr);
    /* a connection of the past in TIME_WAIT holds the port for nobody */
    if (!p->udp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == EADDRINUSE) {
        cr__net_port_fmt(p, s, sizeof s);
        r = cr_err_set(err, EADDRINUSE, "port %s: address already in use on the host", s);
    }
    close(fd);
    return r;
}

/* A port of the request that clashes with another of the request or a
   lease: its index, and *who the lease's id ("" within the request). */
static int cr__net_port_taken(const cr__net_db *db, const cr_net_port *ports, int nports, const char **who) {
    int i, j, k;
    for (i = 0; i < nports; i++) {
        for (j = 0; j < i; j++) if (cr__net_port_clash(&ports[i], &ports[j])) { *who = ""; return i; }
        for (j = 0; j < db->nls; j++)
            for (k = 0; k < db->ls[j].nports; k++)
                if (cr__net_port_clash(&ports[i], &db->ls[j].ports[k])) { *who = db->ls[j].id; return i; }
    }
    return -1;
}

/* The bridge with its gateway address: made when missing (with
   route_localnet, so DNAT from 127.0.0.1 may leave through it). */
static int cr__net_bridge(cr__net_db *db, cr__net_nw *n, const cr__net_cfg *cfg, cr__nl *nl, cr_err *err) {
    unsigned char mac[6];
    char path[128];
    int ifx = cr__nl_ifindex(nl, cfg->bridge), r;
    if (ifx == -ENODEV) {
        cr__net_mac(cfg->gw, mac);
        if ((r = cr__nl_bridge_add(nl, cfg->bridge, cfg->mtu, mac)) < 0) return cr__nl_err(nl, r, err, "create bridge %s", cfg->bridge);
        n->created = 1;
        if ((r = cr__net_db_save(db, err)) < 0) return r;
        ifx = cr__nl_ifindex(nl, cfg->bridge);
    }
    if (ifx < 0) return cr__nl_err(nl, ifx, err, "bridge %s", cfg->bridge);
    r = cr__nl_addr(nl, RTM_NEWADDR, ifx, cfg->gw, cfg->prefix);
    if (r == 0 && !n->created) {
        n->addr_added = 1;
        if ((r = cr__net_db_save(db, err)) < 0) return r;
    }
    if (r < 0 && r != -EEXIST) {
        char gw[16];
        cr__ip4_str(cfg->gw, gw, sizeof gw);
        return cr__nl_err(nl, r, err, "bridge %s: add address %s/%d", cfg->bridge, gw, cfg->prefix);
    }
    snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/route_localnet", cfg->bridge);
    if ((r = cr__net_sysctl(path, err)) < 0) return r;
    if ((r = cr__net_sysctl("/proc/sys/net/ipv4/ip_forward", err)) < 0) return r;
    return ifx;
}

typedef struct cr__nl_in { int nsfd, err; cr__nl nl; } cr__nl_in;
static int cr__nl_in_child(void *arg) {
    cr__nl_in *a = (cr__nl_in *)arg;
    int r;
    if (setns(a->nsfd, CLONE_NEWNET) < 0) { a->err = errno; return 1; }
    if ((r = cr__nl_open(&a->nl)) < 0) { a->err = -r; return 1; }
    return 0;
}

/* A netlink socket of the netns nsfd. A socket belongs to the netns it was
   made in: a child sharing our memory and fd table (vfork style) joins the
   netns and makes it, so this thread never leaves its own netns. */
static int cr__nl_open_in(cr__nl *nl, int nsfd) {
    enum { STACK = 64 * 1024 };
    cr__nl_in a;
    char *stack = (char *)CR_MALLOC(STACK);
    pid_t c;
    int st = 0;
    memset(&a, 0, sizeof a);
    a.nsfd = nsfd;
    a.nl.fd = -1;
    a.err = EIO;
    if (!stack) return -ENOMEM;
    c = clone(cr__nl_in_child, stack + STACK, CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &a);
    if (c < 0) { a.err = errno; CR_FREE(stack); return -a.err; }
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) ;
    CR_FREE(stack);
    if (a.nl.fd < 0) return -a.err;
    *nl = a.nl;
    return 0;
}

/* eth0 up with its address, lo up and the default route, over a netlink
   socket of the container's netns. */
static int cr__net_inside(int nsfd, uint32_t ip, const cr__net_cfg *cfg, cr_err *err) {
    cr__nl cn;
    int r, ifx;
    if ((r = cr__nl_open_in(&cn, nsfd)) < 0) { errno = -r; return cr__errno(err, "netlink socket in the container's netns"); }
    if ((r = cr__nl_link_up(&cn, 1)) < 0) { r = cr__nl_err(&cn, r, err, "container: lo up"); goto out; }
    if ((ifx = cr__nl_ifindex(&cn, "eth0")) < 0) { r = cr__nl_err(&cn, ifx, err, "container: eth0"); goto out; }
    if ((r = cr__nl_link_up(&cn, ifx)) < 0) { r = cr__nl_err(&cn, r, err, "container: eth0 up"); goto out; }
    if ((r = cr__nl_addr(&cn, RTM_NEWADDR, ifx, ip, cfg->prefix)) < 0) {
        char s[16];
        cr__ip4_str(ip, s, sizeof s);
        r = cr__nl_err(&cn, r, err, "container: eth0: add address %s/%d", s, cfg->prefix);
        goto out;
    }
    if ((r = cr__nl_default_route(&cn, cfg->gw, ifx)) < 0) r = cr__nl_err(&cn, r, err, "container: default route");
out:
    cr__nl_close(&cn);
    return r;
}

/* The first n space-separated words of *p (all for n < 0), malloc'd; *p
   moves past them. */
static char *cr__net_words(const char **p, int n) {
    const char *s = *p, *e = s;
    char *out;
    while (*e && n--) { e += strcspn(e, " "); if (n && *e == ' ') e++; }
    out = (char *)CR_MALLOC((size_t)(e - s) + 1);
    if (out) { memcpy(out, s, (size_t)(e - s)); out[e - s] = 0; }
    *p = e + (*e == ' ');
    return out;
}

/* The NAT for a new lease l in one run of the tool: the table (for the
   state's first NAT), the network's masquerade rules (once), the ports. */
static int cr__net_nat_add(cr__net_db *db, cr__net_nw *n, cr__net_ls *l, int new_table, cr_err *err) {
    cr_buf script = {0}, handles = {0};
    int nft = !strcmp(db->nat, "nft"), r = 0, i;
    const char *h;
    if (!new_table && n->nat_rules && !l->nports) return 0;
    if (!nft) cr_buf_puts(&script, "*nat\n");
    if (new_table && nft)
        cr_buf_puts(&script, "add table ip " CR_NET_TABLE "\ndelete table ip " CR_NET_TABLE "\n"
                    "table ip " CR_NET_TABLE " {\n"
                    "\tchain prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
                    "\tchain output { type nat hook output priority -100; policy accept; }\n"
                    "\tchain postrouting { type nat hook postrouting priority srcnat; policy accept; }\n}\n");
    if (new_table && !nft) {
        if ((r = cr__net_ipt_teardown(&script, err)) < 0) goto out;
        for (i = 0; i < 3; i++) cr_buf_printf(&script, ":%s - [0:0]\n", cr__ipt_chains[i][1]);
        for (i = 0; i < 3; i++) cr_buf_printf(&script, "-A %s %s-j %s\n", cr__ipt_chains[i][0], cr__ipt_jump_match(i), cr__ipt_chains[i][1]);
    }
    if (!n->nat_rules) cr__net_nw_rules(&script, nft, "-A", n);
    cr__net_port_rules(&script, nft, "-A", l);
    if (!nft) cr_buf_puts(&script, "COMMIT\n");
    if (script.oom) { r = cr_err_set(err, ENOMEM, "out of memory"); goto out; }
    if ((r = cr__net_nat_run(db, &script, nft ? &handles : NULL, err)) < 0) goto out;
    /* nft echoes the handles in script order: the network's three rules first */
    h = handles.data ? handles.data : "";
    if (!n->nat_rules) {
        CR_FREE(n->rules);
        n->rules = cr__net_words(&h, 3);
        n->nat_rules = 1;
    }
    CR_FREE(l->rules);
    l->rules = cr__net_words(&h, -1);
    l->nat_rules = 1;
    if (handles.oom || !n->rules || !l->rules) r = cr_err_set(err, ENOMEM, "out of memory");
out:
    cr_buf_free(&script);
    cr_buf_free(&handles);
    return r;
}

static int cr__net_attach(cr__net_db *db, const cr__net_cfg *cfg, const char *id, int nsfd, const cr_net_port *ports,
                          int nports, cr__nl *nl, cr_net_lease *out, cr_err *err) {
    cr__net_nw *n = cr__net_nw_find(db, cfg->bridge);
    cr__net_ls *l;
    const char *who;
    unsigned char mac[6];
    uint32_t ip;
    int r, i, ifx, li, had_nat;
    char s[64];
    void *p;
    if ((l = cr__net_lease_find(db, id))) {
        cr__ip4_str(l->ip, s, sizeof s);
        return cr_err_set(err, EEXIST, "it already has the address %s on %s", s, l->bridge);
    }
    if (n && (n->net != cfg->net || n->prefix != cfg->prefix)) {
        cr__ip4_str(n->net, s, sizeof s);
        return cr_err_set(err, EEXIST, "bridge %s serves %s/%d, not the subnet asked for", cfg->bridge, s, n->prefix);
    }
    /* a clash or a full subnet may be leases of containers that died without detach */
    if ((i = cr__net_port_taken(db, ports, nports, &who)) >= 0 && *who) {
        cr__net_gc(db, nl);
        i = cr__net_port_taken(db, ports, nports, &who);
    }
    if (i >= 0) {
        cr__net_port_fmt(&ports[i], s, sizeof s);
        if (*who) return cr_err_set(err, EADDRINUSE, "port %s: the host port is already published by container \"%s\"", s, who);
        return cr_err_set(err, EINVAL, "port %s: the host port is given twice", s);
    }
    if ((r = cr__net_ip_alloc(db, cfg, &ip)) == -ENOSPC) { cr__net_gc(db, nl); r = cr__net_ip_alloc(db, cfg, &ip); }
    if (r == -ENOSPC) {
        cr__ip4_str(cfg->net, s, sizeof s);
        return cr_err_set(err, ENOSPC, "subnet %s/%d of %s: no free address", s, cfg->prefix, cfg->bridge);
    }
    if (r < 0) return cr_err_set(err, -r, "out of memory");
    had_nat = db->nat[0] != 0;
    if (!had_nat && cr__net_nat_pick(cfg->nat, db->nat, sizeof db->nat) < 0) {
        if (nports || cfg->nat)
            return cr_err_set(err, ENOENT, "%s needs %s: not found in PATH, /usr/sbin or /sbin (install the nftables or iptables package)",
                              nports ? "publishing ports" : "nat", cfg->nat ? cfg->nat : "nft or iptables-restore");
        cr_log(CR_LOG_WARN, "network: neither nft nor iptables-restore found: containers on %s cannot reach other networks", cfg->bridge);
    }
    /* the lease is saved before anything is made, so that a crash leaves a
       record that detach (or the gc) can clean up after */
    if (!(p = CR_REALLOC(db->nw, ((size_t)db->nnw + 1) * sizeof *db->nw))) return cr_err_set(err, ENOMEM, "out of memory");
    db->nw = (cr__net_nw *)p;
    if (!(p = CR_REALLOC(db->ls, ((size_t)db->nls + 1) * sizeof *db->ls))) return cr_err_set(err, ENOMEM, "out of memory");
    db->ls = (cr__net_ls *)p;
    if (!(n = cr__net_nw_find(db, cfg->bridge))) {
        n = &db->nw[db->nnw++];
        memset(n, 0, sizeof *n);
        snprintf(n->bridge, sizeof n->bridge, "%s", cfg->bridge);
        n->net = cfg->net; n->prefix = cfg->prefix;
    }
    li = db->nls++;
    l = &db->ls[li];
    memset(l, 0, sizeof *l);
    snprintf(l->id, sizeof l->id, "%s", id);
    snprintf(l->bridge, sizeof l->bridge, "%s", cfg->bridge);
    snprintf(l->veth, sizeof l->veth, "veth%08x", ip);
    l->ip = ip;
    if (nports && !(l->ports = (cr_net_port *)CR_MALLOC((size_t)nports * sizeof *ports))) { r = cr_err_set(err, ENOMEM, "out of memory"); goto undo; }
    for (i = 0; i < nports; i++) {     /* canonical: 0.0.0.0 is "" */
        uint32_t a = 0;
        l->ports[i] = ports[i];
        l->ports[i].host_ip[0] = 0;
        if (ports[i].host_ip[0] && cr__ip4_parse(ports[i].host_ip, &a) == 0 && a)
            cr__ip4_str(a, l->ports[i].host_ip, sizeof l->ports[i].host_ip);
    }
    l->nports = nports;
    if ((r = cr__net_db_save(db, err)) < 0) goto undo;
    if ((ifx = cr__net_bridge(db, n, cfg, nl, err)) < 0) { r = ifx; goto undo; }
    cr__net_mac(ip, mac);
    if ((r = cr__nl_veth_add(nl, l->veth, ifx, cfg->mtu, nsfd, mac)) < 0) {
        r = cr__nl_err(nl, r, err, "create veth %s with eth0 in the container", l->veth);
        if (r == -EEXIST) l->veth[0] = 0;   /* not ours to delete */
        goto undo;
    }
    if ((ifx = cr__nl_ifindex(nl, l->veth)) < 0) { r = cr__nl_err(nl, ifx, err, "veth %s", l->veth); goto undo; }
    if ((r = cr__nl_hairpin(nl, ifx)) < 0) { r = cr__nl_err(nl, r, err, "veth %s: hairpin mode", l->veth); goto undo; }
    if ((r = cr__net_inside(nsfd, ip, cfg, err)) < 0) goto undo;
    if (db->nat[0] && (r = cr__net_nat_add(db, n, l, !had_nat, err)) < 0) goto undo;
    if ((r = cr__net_db_save(db, err)) < 0) goto undo;
    cr__net_lease_out(db, l, out);
    return 0;
undo:
    {
        cr_err e2 = {0};
        if (cr__net_release(db, li, nl, &e2) < 0) cr_log(CR_LOG_WARN, "network: undo for \"%s\": %s", id, e2.msg);
    }
    return r;
}

/* An fd of pid's netns, which must not be the caller's own. */
static int cr__net_nsfd(pid_t pid, cr_err *err) {
    char path[64];
    struct stat a, b;
    int fd;
    if (pid <= 0) return cr_err_set(err, EINVAL, "pid %d: not a process", (int)pid);
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return cr__errno(err, "network namespace of pid %d", (int)pid);
    if (fstat(fd, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
        close(fd);
        return cr_err_set(err, EINVAL, "pid %d shares this process's network namespace (it needs its own)", (int)pid);
    }
    return fd;
}

CR_API int cr_net_attach(const cr_net_config *c, const char *id, pid_t pid, const cr_net_port *ports,
                         int nports, cr_net_lease *out, cr_err *err) {
    cr__net_cfg cfg;
    cr__net_db db;
    cr__nl nl;
    char s[64];
    int nsfd, r, i;
    if ((r = cr__net_cfg_get(c, &cfg, err)) < 0 || (r = cr_state_check_id(id, err)) < 0) return r;
    if (nports < 0 || (nports && !ports)) return cr_err_set(err, EINVAL, "attach \"%s\": %d ports", id, nports);
    for (i = 0; i < nports; i++) {
        uint32_t a;
        cr__net_port_fmt(&ports[i], s, sizeof s);
        if (!ports[i].host_port || !ports[i].container_port || (ports[i].host_ip[0] && cr__ip4_parse(ports[i].host_ip, &a) < 0))
            return cr_err_set(err, EINVAL, "attach \"%s\": port %s: ports must be 1 to 65535 and the host address IPv4", id, s);
        if ((r = cr__net_port_free(&ports[i], err)) < 0) return cr_err_wrap(err, "attach \"%s\"", id);
    }
    if ((nsfd = cr__net_nsfd(pid, err)) < 0) return cr_err_wrap(err, "attach \"%s\"", id);
    if ((r = cr__nl_open(&nl)) < 0) {
        close(nsfd);
        errno = -r;
        return cr__errno(err, "attach \"%s\": netlink socket", id);
    }
    if ((r = cr__net_db_open(cfg.dir, 1, LOCK_EX, &db, err)) == 0) {
        r = cr__net_attach(&db, &cfg, id, nsfd, ports, nports, &nl, out, err);
        cr__net_db_free(&db);
    }
    cr__nl_close(&nl);
    close(nsfd);
    return r < 0 ? cr_err_wrap(err, "attach \"%s\" to %s", id, cfg.bridge) : 0;
}

CR_API int cr_net_detach(const cr_net_config *c, const char *id, cr_err *err) {
    cr__net_cfg cfg;
    cr__net_db db;
    cr__nl nl;
    cr__net_ls *l;
    int r;
    if ((r = cr__net_cfg_get(c, &cfg, err)) < 0 || (r = cr_state_check_id(id, err)) < 0) return r;
    if ((r = cr__net_db_open(cfg.dir, 0, LOCK_EX, &db, err)) < 0) return cr_err_wrap(err, "detach \"%s\"", id);
    if (!(l = cr__net_lease_find(&db, id))) { cr__net_db_free(&db); return 0; }
    if ((r = cr__nl_open(&nl)) < 0) {
        cr__net_db_free(&db);
        errno = -r;
        return cr__errno(err, "detach \"%s\": netlink socket", id);
    }
    r = cr__net_release(&db, (int)(l - db.ls), &nl, err);
    cr__nl_close(&nl);
    cr__net_db_free(&db);
    return r < 0 ? cr_err_wrap(err, "detach \"%s\"", id) : 0;
}

CR_API int cr_net_lease_get(const cr_net_config *c, const char *id, cr_net_lease *out, cr_err *err) {
    cr__net_cfg cfg;
    cr__net_db db;
    cr__net_ls *l;
    int r;
    if ((r = cr__net_cfg_get(c, &cfg, err)) < 0 || (r = cr_state_check_id(id, err)) < 0) return r;
    if ((r = cr__net_db_open(cfg.dir, 0, LOCK_SH, &db, err)) < 0) return r;
    if ((l = cr__net_lease_find(&db, id))) cr__net_lease_out(&db, l, out);
    else r = cr_err_set(err, ENOENT, "container \"%s\" has no network lease", id);
    cr__net_db_free(&db);
    return r;
}

/* ---- resolv.conf, hosts ---- */

static int cr__net_is_ip(const char *s, int *v6) {
    unsigned char a[16];
    *v6 = 0;
    if (inet_pton(AF_INET, s, a) == 1) return 1;
    *v6 = 1;
    return inet_pton(AF_INET6, s, a) == 1;
}

/* The address of a "nameserver ADDR" line (in buf), or NULL. */
static const char *cr__net_nameserver(const char *line, size_t len, char *buf, size_t n) {
    const char *p = line, *end = line + len;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    if ((size_t)(end - p) < 11 || strncmp(p, "nameserver", 10) || (p[10] != ' ' && p[10] != '\t')) return NULL;
    for (p += 10; p < end && (*p == ' ' || *p == '\t'); p++) ;
    snprintf(buf, n, "%.*s", (int)strcspn(p, " \t\r\n#;"), p);
    return buf;
}

/* Whether a container on the bridge can reach this nameserver: not on
   the host's loopback, not IPv6 (the bridge is IPv4). */
static int cr__net_ns_usable(const char *a) {
    int v6;
    uint32_t ip;
    if (!cr__net_is_ip(a, &v6) || v6) return 0;   /* "fe80::1%eth0" is not an address either */
    return cr__ip4_parse(a, &ip) == 0 && (ip >> 24) != 127;
}

/* Appends the usable nameserver lines of a file (or, with keep_rest, every
   other line as well); returns how many nameservers it kept. */
static int cr__net_resolv_filter(const char *text, int keep_rest, int drop_ns, cr_buf *out) {
    const char *line = text;
    char a[256];
    int kept = 0;
    while (*line) {
        size_t len = strcspn(line, "\n");
        const char *ns = cr__net_nameserver(line, len, a, sizeof a);
        if (ns ? !drop_ns && cr__net_ns_usable(ns) : keep_rest) {
            cr_buf_add(out, line, len);
            cr_buf_putc(out, '\n');
            kept += ns != NULL;
        }
        line += len + (line[len] == '\n');
    }
    return kept;
}

CR_API int cr_net_resolv_conf(const char *const *dns, cr_buf *out, cr_err *err) {
    cr_buf host = {0}, up = {0};
    int r, v6;
    const char *const *d;
    for (d = dns; d && *d; d++)
        if (!cr__net_is_ip(*d, &v6)) return cr_err_set(err, EINVAL, "--dns \"%s\": not an IP address", *d);
    r = cr_util_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &host, err);
    if (r < 0 && r != -ENOENT) return r;
    if (cr__net_resolv_filter(host.data ? host.data : "", 1, dns && *dns, out) == 0 && !(dns && *dns)) {
        /* behind systemd-resolved's stub: its upstreams */
        if (cr_util_read_file(AT_FDCWD, "/run/systemd/resolve/resolv.conf", 1 << 20, &up, NULL) < 0 ||
            cr__net_resolv_filter(up.data ? up.data : "", 0, 0, out) == 0)
            cr_buf_puts(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }
    for (d = dns; d && *d; d++) cr_buf_printf(out, "nameserver %s\n", *d);
    cr_buf_free(&host);
    cr_buf_free(&up);
    if (out->oom) return cr_err_set(err, ENOMEM, "resolv.conf: out of memory");
    return 0;
}

/* A host name for /etc/hosts: printable, no blanks or '#'. */
static int cr__net_hostname_ok(const char *s, size_t len) {
    size_t i;
    if (!len || len > 253) return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '#' || s[i] == 127) return 0;
    return 1;
}

CR_API int cr_net_hosts(const char *ip, const char *hostname, const char *const *add_hosts, cr_buf *out, cr_err *err) {
    const char *const *h;
    int v6;
    if (ip && *ip && !cr__net_is_ip(ip, &v6)) return cr_err_set(err, EINVAL, "hosts: address \"%s\" is not an IP address", ip);
    if (hostname && *hostname && !cr__net_hostname_ok(hostname, strlen(hostname)))
        return cr_err_set(err, EINVAL, "hostname \"%s\": invalid (no blanks, '#' or control characters, at most 253)", hostname);
    for (h = add_hosts; h && *h; h++) {
        size_t n = strcspn(*h, ":=");
        const char *a = *h + n + ((*h)[n] != 0);
        char addr[64];
        if (!(*h)[n] || !cr__net_hostname_ok(*h, n))
            return cr_err_set(err, EINVAL, "--add-host \"%s\": expected NAME:IP", *h);
        if (!strcmp(a, "host-gateway"))
            return cr_err_set(err, EINVAL, "--add-host \"%s\": host-gateway is not supported: give the address", *h);
        snprintf(addr, sizeof addr, "%s", a);
        if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') { memmove(addr, addr + 1, strlen(addr)); addr[strlen(addr) - 1] = 0; }
        if (strlen(a) >= sizeof addr || !cr__net_is_ip(addr, &v6))
            return cr_err_set(err, EINVAL, "--add-host \"%s\": \"%s\" is not an IP address", *h, a);
    }
    cr_buf_puts(out, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                "fe00::\tip6-localnet\nff00::\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
    for (h = add_hosts; h && *h; h++) {
        size_t n = strcspn(*h, ":=");
        const char *a = *h + n + 1;
        size_t al = strlen(a);
        if (a[0] == '[' && al > 1 && a[al - 1] == ']') { a++; al -= 2; }
        cr_buf_printf(out, "%.*s\t%.*s\n", (int)al, a, (int)n, *h);
    }
    if (ip && *ip && hostname && *hostname) {
        size_t dot = strcspn(hostname, ".");
        cr_buf_printf(out, "%s\t%s", ip, hostname);
        if (hostname[dot] && dot) cr_buf_printf(out, " %.*s", (int)dot, hostname);
        cr_buf_putc(out, '\n');
    }
    if (out->oom) return cr_err_set(err, ENOMEM, "hosts: out of memory");
    return 0;
}

#ifndef CR_NO_REGISTRY
/* ==========================================================================
 * >>http — cr_http_*: HTTP/1.1 client
 *        URLs, response heads and chunked bodies as bounded push parsers
 *        (fuzzed on their own), a keep-alive pool, redirects, timeouts
 * tls — cr__tls_*: BearSSL client
 *        TLS 1.2 with SNI, trust anchors from PEM bundles, certs.d CAs and
 *        client certificates, IP-address SANs, certificate errors in words
 * ========================================================================== */
/* Everything a server sends is untrusted: heads are bounded by
   max_header_bytes, chunk sizes and trailers by fixed limits, bodies by the
   caller's max_body, and every wait for the peer by timeout_ms. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <bearssl.h>

/* ---- URLs ---- */

/* Text from a server (or a URL it redirected to) quoted in an error
   message, made printable so that it cannot forge lines of a log. */
static const char *cr__http_printable(char *dst, size_t n, const char *s, size_t len) {
    size_t i;
    for (i = 0; i < len && i + 1 < n; i++) dst[i] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = 0;
    return dst;
}

typedef struct cr__http_url {
    int tls, ipv6;
    unsigned port;
    char host[256];            /* lowercase; an IPv6 address without its brackets */
    const char *target;        /* path and query inside the parsed string, up to any '#' */
    size_t target_len;         /* 0: the request goes to "/" */
} cr__http_url;

static int cr__http_hostchar(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
           ch == '-' || ch == '.' || ch == '_';
}

/* http[s]://host[:port][/path][?query][#fragment], host a name, an IPv4
   address or [IPv6]. User info and unencoded bytes outside printable ASCII
   are refused, so nothing from a URL can bend the request line. */
static int cr__http_parse_url(const char *url, cr__http_url *u, cr_err *err) {
    const char *p = url, *end, *h;
    size_t n = strlen(url), i;
    char q[208];
    memset(u, 0, sizeof *u);
    cr__http_printable(q, sizeof q, url, n);
    if (n >= CR_HTTP_URL_MAX) return cr_err_set(err, EINVAL, "URL \"%.40s...\": longer than %d bytes", q, CR_HTTP_URL_MAX - 1);
    if (!strncasecmp(p, "https://", 8)) { u->tls = 1; u->port = 443; p += 8; }
    else if (!strncasecmp(p, "http://", 7)) { u->port = 80; p += 7; }
    else return cr_err_set(err, EINVAL, "URL \"%s\": not http:// or https://", q);
    end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(end - p))) return cr_err_set(err, EINVAL, "URL with user:password@: not supported");  /* not echoed: a password */
    if (*p == '[') {
        struct in6_addr a6;
        h = (const char *)memchr(p, ']', (size_t)(end - p));
        if (!h || (n = (size_t)(h - p - 1)) >= sizeof u->host) return cr_err_set(err, EINVAL, "URL \"%s\": unterminated [IPv6 address]", q);
        memcpy(u->host, p + 1, n);
        if (inet_pton(AF_INET6, u->host, &a6) != 1) return cr_err_set(err, EINVAL, "URL \"%s\": bad IPv6 address", q);
        u->ipv6 = 1;
        p = h + 1;
    } else {
        n = strcspn(p, ":/?#");
        if (!n || n > 253) return cr_err_set(err, EINVAL, "URL \"%s\": %s host", q, n ? "overlong" : "missing");
        for (i = 0; i < n; i++) {
            if (!cr__http_hostchar((unsigned char)p[i])) return cr_err_set(err, EINVAL, "URL \"%s\": invalid character in host", q);
            u->host[i] = (char)tolower((unsigned char)p[i]);
        }
        p += n;
    }
    if (p < end && *p == ':') {
        unsigned long port = 0;
        for (p++, i = 0; p < end && *p >= '0' && *p <= '9' && port <= 65535; p++, i++) port = port * 10 + (unsigned long)(*p - '0');
        if (!i || p != end || !port || port > 65535) return cr_err_set(err, EINVAL, "URL \"%s\": bad port", q);
        u->port = (unsigned)port;
    }
    if (p != end) return cr_err_set(err, EINVAL, "URL \"%s\": unexpected character after the host", q);
    n = strcspn(end, "#");
    for (i = 0; i < n; i++)
        if ((unsigned char)end[i] <= ' ' || (unsigned char)end[i] >= 0x7f)
            return cr_err_set(err, EINVAL, "URL \"%s\": byte 0x%02x in the path must be percent-encoded", q, (unsigned char)end[i]);
    u->target = end;
    u->target_len = n;
    return 0;
}

/* "host:port" ([v6]:port), the pool key's and certs.d's form; with_port 0
   leaves out the scheme's default port, as the Host header does. */
#define CR__HTTP_AUTH_MAX 272           /* [255-byte host]:65535 */
static void cr__http_authority(const cr__http_url *u, int with_port, char *buf, size_t n) {
    size_t l;
    snprintf(buf, n, u->ipv6 ? "[%s]" : "%s", u->host);
    l = strlen(buf);
    if (with_port || u->port != (u->tls ? 443u : 80u)) snprintf(buf + l, n - l, ":%u", u->port);
}

/* Whether plain http:// may go to host without --tls-verify=false. */
static int cr__http_loopback(const char *host) {
    unsigned char a[16];
    if (!strcmp(host, "localhost")) return 1;
    if (inet_pton(AF_INET, host, a) == 1) return a[0] == 127;
    return inet_pton(AF_INET6, host, a) == 1 && !memcmp(a, &in6addr_loopback, 16);
}

static int cr__http_sa_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
    return sa->sa_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/* A Location against the URL that sent it (RFC 3986 5.2 without removal of
   dot segments: registries redirect to absolute URLs or absolute paths).
   -1 if the result does not fit. */
static int cr__http_resolve(const char *base, const cr__http_url *b, const char *loc, char *out, size_t n) {
    static const char schemechars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-";
    int pre = (int)(b->target - base), r;
    size_t s = strspn(loc, schemechars), keep, q;
    if (s && loc[s] == ':' && !(loc[0] >= '0' && loc[0] <= '9'))   /* any scheme: the parser judges it */
        r = snprintf(out, n, "%s", loc);
    else if (loc[0] == '/' && loc[1] == '/')
        r = snprintf(out, n, "%s:%s", b->tls ? "https" : "http", loc);
    else if (loc[0] == '/')
        r = snprintf(out, n, "%.*s%s", pre, base, loc);
    else {
        q = strcspn(b->target, "?#");
        if (q > b->target_len) q = b->target_len;
        keep = q;                                   /* "?query" keeps the path ... */
        if (loc[0] != '?') while (keep && b->target[keep - 1] != '/') keep--;   /* ... "rel" its directory */
        r = snprintf(out, n, "%.*s%s%.*s%s", pre, base, keep && b->target[0] == '/' ? "" : "/", (int)keep, b->target, loc);
    }
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* ---- response heads ---- */

typedef struct cr__http_head {
    cr_buf raw;                /* the head as received, through its blank line */
    size_t max;                /* limit of raw */
    int bol;                   /* scanning: at the start of a line (a '\r' keeps it) */
    int status, minor;         /* parsed: the status code, HTTP/1.minor */
    int chunked, close;        /* Transfer-Encoding: chunked; no further request on this connection */
    uint64_t length;           /* Content-Length, UINT64_MAX if absent */
} cr__http_head;

static int cr__http_tchar(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}
/* Control characters other than HT: never valid in a field value. */
static int cr__http_ctl(const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f) return 1;
    return 0;
}
static void cr__http_trim(const char **s, size_t *n) {
    while (*n && (**s == ' ' || **s == '\t')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r')) (*n)--;
}

/* Next line of a "Name: value\r\n" block; lines without a colon are skipped. */
static int cr__http_header_next(const char **p, const char *end, const char **name, size_t *nl, const char **val, size_t *vl) {
    while (*p < end) {
        const char *s = *p, *eol = (const char *)memchr(s, '\n', (size_t)(end - s)), *c;
        if (!eol) eol = end;
        *p = eol < end ? eol + 1 : end;
        if (!(c = (const char *)memchr(s, ':', (size_t)(eol - s)))) continue;
        *name = s; *nl = (size_t)(c - s);
        *val = c + 1; *vl = (size_t)(eol - c - 1);
        cr__http_trim(val, vl);
        return 1;
    }
    return 0;
}

/* Next element of a comma-separated header value, trimmed; 0 at the end. */
static int cr__http_token(const char **p, const char *end, const char **t, size_t *tl) {
    const char *s = *p;
    while (s < end && (*s == ',' || *s == ' ' || *s == '\t')) s++;
    if (s == end) return 0;
    *t = s;
    while (s < end && *s != ',') s++;
    *tl = (size_t)(s - *t);
    cr__http_trim(t, tl);
    *p = s;
    return 1;
}

static int cr__http_is(const char *s, size_t n, const char *lit) {
    return strlen(lit) == n && !strncasecmp(s, lit, n);
}

/* Parses a complete head (status line, header lines, blank line) into h
   and the normalised header lines into out. */
static int cr__http_parse_head(cr__http_head *h, const char *s, size_t len, cr_buf *out, cr_err *err) {
    const char *end = s + len, *line, *eol = (const char *)memchr(s, '\n', len), *name, *val, *p, *t, *tok;
    size_t n, nl, vl, tl;
    int keep_alive = 0;
    char q[64];
#define CR__DIGIT(c) ((c) >= '0' && (c) <= '9')
    h->status = h->minor = h->chunked = h->close = 0;
    h->length = UINT64_MAX;
    out->len = 0;
    n = eol ? (size_t)(eol - s) : len;
    if (n && s[n - 1] == '\r') n--;
    if (!eol || n < 12 || memcmp(s, "HTTP/1.", 7) || !CR__DIGIT(s[7]) || s[8] != ' ' || s[9] < '1' || s[9] > '5' ||
        !CR__DIGIT(s[10]) || !CR__DIGIT(s[11]) || (n > 12 && s[12] != ' ') || cr__http_ctl(s, n))
        return cr_err_set(err, EPROTO, "malformed status line \"%s\"", cr__http_printable(q, sizeof q, s, n));
    h->minor = s[7] - '0';
    h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
#undef CR__DIGIT
    for (line = eol + 1; ; line = eol + 1) {
        if (line >= end || !(eol = (const char *)memchr(line, '\n', (size_t)(end - line))))
            return cr_err_set(err, EPROTO, "response head ends without a blank line");
        n = (size_t)(eol - line);
        if (n && line[n - 1] == '\r') n--;
        if (!n) break;
        if (*line == ' ' || *line == '\t') {       /* obs-fold: continues the previous value (RFC 9112 5.2) */
            val = line; vl = n;
            cr__http_trim(&val, &vl);
            if (!out->len || cr__http_ctl(val, vl)) return cr_err_set(err, EPROTO, "malformed header continuation line");
            if (!vl) continue;                     /* adds nothing, not even the space */
            out->len -= 2;
            cr_buf_putc(out, ' ');
        } else {
            for (nl = 0; nl < n && cr__http_tchar((unsigned char)line[nl]); nl++) ;
            if (!nl || nl == n || line[nl] != ':')
                return cr_err_set(err, EPROTO, "malformed header line \"%s\"", cr__http_printable(q, sizeof q, line, n));
            val = line + nl + 1; vl = n - nl - 1;
            cr__http_trim(&val, &vl);
            if (cr__http_ctl(val, vl)) return cr_err_set(err, EPROTO, "control character in header %.*s", (int)nl, line);
            cr_buf_add(out, line, nl);
            cr_buf_add(out, ": ", 2);
        }
        cr_buf_add(out, val, vl);
        cr_buf_add(out, "\r\n", 2);
    }
    if (out->oom) return cr_err_set(err, ENOMEM, "response head: out of memory");
    /* framing (RFC 9112 6): Transfer-Encoding over Content-Length, else until close */
    for (p = out->data, end = out->len ? p + out->len : p; p && cr__http_header_next(&p, end, &name, &nl, &val, &vl); ) {
        if (cr__http_is(name, nl, "Content-Length")) {
            uint64_t v = 0;
            size_t i;
            for (i = 0; i < vl; i++) {
                if (val[i] < '0' || val[i] > '9' || v > (UINT64_MAX - 9) / 10)
                    return cr_err_set(err, EPROTO, "bad Content-Length \"%s\"", cr__http_printable(q, sizeof q, val, vl));
                v = v * 10 + (uint64_t)(val[i] - '0');
            }
            if (!vl || (h->length != UINT64_MAX && h->length != v)) return cr_err_set(err, EPROTO, "bad or conflicting Content-Length");
            h->length = v;
        } else if (cr__http_is(name, nl, "Transfer-Encoding")) {
            for (t = val; cr__http_token(&t, val + vl, &tok, &tl); ) {   /* only "chunked", once, last */
                if (h->chunked || !cr__http_is(tok, tl, "chunked"))
                    return cr_err_set(err, EPROTO, "unsupported Transfer-Encoding \"%s\"", cr__http_printable(q, sizeof q, val, vl));
                h->chunked = 1;
            }
        } else if (cr__http_is(name, nl, "Connection")) {
            for (t = val; cr__http_token(&t, val + vl, &tok, &tl); ) {
                if (cr__http_is(tok, tl, "close")) h->close = 1;
                if (cr__http_is(tok, tl, "keep-alive")) keep_alive = 1;
            }
        }
    }
    if (h->chunked && h->length != UINT64_MAX) { h->length = UINT64_MAX; h->close = 1; }  /* both: framing is suspect */
    if (h->minor == 0 && !keep_alive) h->close = 1;
    return 0;
}

/* Push parser of a response head: takes bytes as they arrive, consumes up
   to and including the blank line (*used), and returns 1 once the head is
   complete and parsed, 0 for more, <0 if malformed or larger than h->max. */
static int cr__http_head_feed(cr__http_head *h, const char *p, size_t n, size_t *used, cr_buf *hdrs, cr_err *err) {
    size_t i;
    int r;
    for (i = 0; i < n; i++) {
        if (p[i] == '\n') { if (h->bol) break; h->bol = 1; }
        else if (p[i] != '\r') h->bol = 0;
    }
    *used = i < n ? i + 1 : n;
    if (*used > h->max - h->raw.len) return cr_err_set(err, EMSGSIZE, "response head larger than %zu bytes", h->max);
    cr_buf_add(&h->raw, p, *used);
    if (h->raw.oom) return cr_err_set(err, ENOMEM, "response head: out of memory");
    if (i == n) return 0;
    r = cr__http_parse_head(h, h->raw.data, h->raw.len, hdrs, err);
    return r < 0 ? r : 1;
}

/* ---- chunked bodies ---- */

enum { CR__CH_SIZE, CR__CH_EXT, CR__CH_SIZE_LF, CR__CH_DATA, CR__CH_DATA_CR, CR__CH_DATA_LF,
       CR__CH_TRAILER_BOL, CR__CH_TRAILER, CR__CH_END_LF, CR__CH_DONE };
typedef struct cr__http_chunked {
    int state, digits;
    uint64_t left;             /* the size being read, then the bytes left of the chunk */
    size_t extra;              /* bytes of chunk extensions and trailers so far: bounded */
} cr__http_chunked;

static void cr__http_chunk_sized(cr__http_chunked *c) {
    c->state = c->left ? CR__CH_DATA : CR__CH_TRAILER_BOL;
    c->digits = 0;
}

/* Push decoder of a chunked body (RFC 9112 7.1). Consumes framing from
   p[0..n) up to the next data bytes and hands those out as *data, *dlen
   (pointing into p); *used counts all it consumed. Returns 1 once the last
   chunk and its trailers are through, 0 for more, <0 if malformed. */
static int cr__http_chunked_feed(cr__http_chunked *c, const char *p, size_t n, size_t *used,
                                 const char **data, size_t *dlen, cr_err *err) {
    const char *why = NULL;
    size_t i = 0;
    *data = NULL; *dlen = 0;
    while (i < n && c->state != CR__CH_DONE && !why) {
        unsigned char ch = (unsigned char)p[i];
        unsigned lc = ch | 0x20u;
        if (c->state == CR__CH_DATA) {
            size_t k = n - i < c->left ? n - i : (size_t)c->left;
            *data = p + i; *dlen = k;
            i += k;
            if (!(c->left -= k)) c->state = CR__CH_DATA_CR;
            break;
        }
        i++;
        switch (c->state) {
        case CR__CH_SIZE:
            if ((ch >= '0' && ch <= '9') || (lc >= 'a' && lc <= 'f')) {
                if (c->left >> 60) why = "chunk size too large";
                c->left = c->left << 4 | (ch <= '9' ? (unsigned)(ch - '0') : lc - 'a' + 10);
                c->digits++;
            } else if (!c->digits) why = "chunk size expected";
            else if (ch == '\r') c->state = CR__CH_SIZE_LF;
            else if (ch == '\n') cr__http_chunk_sized(c);
            else if (ch == ';' || ch == ' ' || ch == '\t') c->state = CR__CH_EXT;
            else why = "bad character after chunk size";
            break;
        case CR__CH_EXT:                            /* chunk extensions: ignored, bounded */
            if (ch == '\n') cr__http_chunk_sized(c);
            else if (++c->extra > 4096) why = "chunk extensions too long";
            break;
        case CR__CH_SIZE_LF:
            if (ch == '\n') cr__http_chunk_sized(c); else why = "CR without LF after chunk size";
            break;
        case CR__CH_DATA_CR:
            if (ch == '\r') c->state = CR__CH_DATA_LF;
            else if (ch == '\n') c->state = CR__CH_SIZE;
            else why = "chunk data longer than its size";
            break;
        case CR__CH_DATA_LF:
            if (ch == '\n') c->state = CR__CH_SIZE; else why = "CR without LF after chunk data";
            break;
        case CR__CH_TRAILER_BOL:                    /* after the last chunk: trailer lines, then a blank one */
            if (ch == '\r') c->state = CR__CH_END_LF;
            else if (ch == '\n') c->state = CR__CH_DONE;
            else c->state = CR__CH_TRAILER;
            break;
        case CR__CH_TRAILER:
            if (ch == '\n') c->state = CR__CH_TRAILER_BOL;
            else if (++c->extra > 16384) why = "trailers too long";
            break;
        case CR__CH_END_LF:
            if (ch == '\n') c->state = CR__CH_DONE; else why = "CR without LF after trailers";
            break;
        }
    }
    *used = i;
    if (why) return cr_err_set(err, EPROTO, "malformed chunked body: %s", why);
    return c->state == CR__CH_DONE;
}

/* ---- connections ---- */

typedef struct cr__tls cr__tls;
typedef struct cr__http_conn {
    struct cr__http_conn *next;     /* in the idle list */
    int fd, timeout_ms;
    int io_err;                     /* errno of the last socket failure; 0 after end of stream */
    int deadline_ms, late;          /* the request's deadline; late: io_err ETIMEDOUT is its */
    int64_t deadline_at;            /* CLOCK_MONOTONIC ms by which the request must be done */
    cr__tls *tls;                   /* NULL for plain http */
    size_t rpos, rlen;              /* unread bytes of rbuf */
    char key[300];                  /* "https://host:port": what the connection may serve again */
    char rbuf[16384];
} cr__http_conn;

static int64_t cr__http_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev on the socket, at most timeout_ms and never past the
   request's deadline; -1 with io_err set (ETIMEDOUT) if it does not come. */
static int cr__http_wait(cr__http_conn *k, short ev) {
    struct pollfd pfd;
    int r, wait;
    pfd.fd = k->fd; pfd.events = ev; pfd.revents = 0;
    do {
        int64_t left = k->deadline_at - cr__http_now_ms();
        wait = k->timeout_ms;
        if (left <= 0) { k->late = 1; k->io_err = ETIMEDOUT; return -1; }
        if (left < wait) wait = (int)left;
    } while ((r = poll(&pfd, 1, wait)) < 0 && errno == EINTR);
    if (r > 0) return 0;
    k->io_err = r ? errno : ETIMEDOUT;
    k->late = !r && wait < k->timeout_ms;
    return -1;
}

static ssize_t cr__http_sys_read(cr__http_conn *k, void *p, size_t n) {
    for (;;) {
        ssize_t r = recv(k->fd, p, n, 0);
        if (r >= 0) { if (!r) k->io_err = 0; return r; }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) { k->io_err = errno; return -1; }
        if (cr__http_wait(k, POLLIN) < 0) return -1;
    }
}

static ssize_t cr__http_sys_write(cr__http_conn *k, const void *p, size_t n) {
    for (;;) {
        ssize_t r = send(k->fd, p, n, MSG_NOSIGNAL);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) { k->io_err = errno; return -1; }
        if (cr__http_wait(k, POLLOUT) < 0) return -1;
    }
}

static int cr__http_io_error(const cr__http_conn *k, const char *what, cr_err *err) {
    if (!k->io_err) return cr_err_set(err, ECONNRESET, "%s: connection closed by the server", what);
    if (k->io_err == ETIMEDOUT && k->late)
        return cr_err_set(err, ETIMEDOUT, "%s: the request did not end within its deadline of %d ms", what, k->deadline_ms);
    if (k->io_err == ETIMEDOUT) return cr_err_set(err, ETIMEDOUT, "%s: timed out after %d ms", what, k->timeout_ms);
    return cr_err_set(err, k->io_err, "%s: %s", what, strerror(k->io_err));
}

/* ---- tls ---- */

typedef struct cr__tls_anchors { br_x509_trust_anchor *v; size_t n, cap; } cr__tls_anchors;

/* The server's certificate goes through BearSSL's minimal X.509 engine
   (chain to a trust anchor, validity, dNSName match). This wrapper adds
   what it lacks: hosts given as IP addresses are matched against iPAddress
   SANs, and the insecure mode takes the server's key unchecked. */
typedef struct cr__tls_x509 {
    const br_x509_class *vtable;    /* first: BearSSL hands &vtable back as the context */
    br_x509_minimal_context mini;
    br_x509_decoder_context dec;    /* insecure: decodes only the server's certificate */
    int insecure, depth;
    unsigned char ip[16];           /* the host as an address (iplen 4 or 16), else iplen 0 */
    size_t iplen;
    cr_buf ee;                      /* the server's certificate, for the IP check */
} cr__tls_x509;

struct cr__tls {
    br_ssl_client_context cc;
    cr__tls_x509 x;
    br_sslio_context io;
    cr__tls_anchors ta;             /* the client's shared CAs (the first nshared, not owned) + certs.d ones */
    size_t nshared;
    br_x509_certificate *chain;     /* client certificate chain (mTLS), EE first */
    size_t nchain;
    br_skey_decoder_context key;    /* and its private key */
    char host[256];
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static void cr__tls_append(void *ctx, const void *p, size_t n) { cr_buf_add((cr_buf *)ctx, p, n); }

/* One DER element at *p (low tag numbers, definite lengths); -1 if malformed. */
static int cr__tls_der(const unsigned char **p, const unsigned char *end, int *tag, const unsigned char **v, size_t *len) {
    const unsigned char *s = *p;
    size_t l, k;
    if (end - s < 2 || (*s & 0x1f) == 0x1f) return -1;
    *tag = *s++;
    l = *s++;
    if (l & 0x80) {
        if (!(k = l & 0x7f) || k > 4 || (size_t)(end - s) < k) return -1;
        for (l = 0; k--; ) l = l << 8 | *s++;
    }
    if (l > (size_t)(end - s)) return -1;
    *v = s; *len = l; *p = s + l;
    return 0;
}

/* Whether a DER certificate lists ip among its subjectAltName iPAddress
   entries (Certificate > TBSCertificate > [3] > Extensions > SAN). */
static int cr__tls_cert_has_ip(const unsigned char *der, size_t n, const unsigned char *ip, size_t iplen) {
    static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
    const unsigned char *p = der, *end = der + n, *v, *oid;
    size_t l, ol;
    int tag;
    if (cr__tls_der(&p, end, &tag, &v, &l) || tag != 0x30) return 0;
    p = v; end = v + l;
    if (cr__tls_der(&p, end, &tag, &v, &l) || tag != 0x30) return 0;
    p = v; end = v + l;
    do if (cr__tls_der(&p, end, &tag, &v, &l)) return 0; while (tag != 0xa3);
    p = v; end = v + l;
    if (cr__tls_der(&p, end, &tag, &v, &l) || tag != 0x30) return 0;
    for (p = v, end = v + l; p < end; ) {
        const unsigned char *e, *ee;
        if (cr__tls_der(&p, end, &tag, &v, &l) || tag != 0x30) return 0;
        e = v; ee = v + l;
        if (cr__tls_der(&e, ee, &tag, &oid, &ol) || tag != 0x06) return 0;
        if (ol != sizeof san_oid || memcmp(oid, san_oid, ol)) continue;
        if (cr__tls_der(&e, ee, &tag, &v, &l)) return 0;
        if (tag == 0x01 && cr__tls_der(&e, ee, &tag, &v, &l)) return 0;      /* critical */
        if (tag != 0x04) return 0;
        e = v; ee = v + l;
        if (cr__tls_der(&e, ee, &tag, &v, &l) || tag != 0x30) return 0;     /* GeneralNames */
        for (e = v, ee = v + l; e < ee; ) {
            if (cr__tls_der(&e, ee, &tag, &v, &l)) return 0;
            if (tag == 0x87 && l == iplen && !memcmp(v, ip, iplen)) return 1;
        }
        return 0;
    }
    return 0;
}

#define CR__TLS_X(ctx) ((cr__tls_x509 *)(void *)(ctx))
static void cr__tls_x_start_chain(const br_x509_class **ctx, const char *server_name) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    x->depth = 0;
    x->ee.len = 0;
    if (x->insecure) br_x509_decoder_init(&x->dec, NULL, NULL);
    else x->mini.vtable->start_chain(&x->mini.vtable, server_name);
}
static void cr__tls_x_start_cert(const br_x509_class **ctx, uint32_t length) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    if (!x->insecure) x->mini.vtable->start_cert(&x->mini.vtable, length);
}
static void cr__tls_x_append(const br_x509_class **ctx, const unsigned char *p, size_t n) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    if (x->insecure) { if (!x->depth) br_x509_decoder_push(&x->dec, p, n); return; }
    x->mini.vtable->append(&x->mini.vtable, p, n);
    if (!x->depth && x->iplen && x->ee.len + n <= 65536) cr_buf_add(&x->ee, p, n);
}
static void cr__tls_x_end_cert(const br_x509_class **ctx) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    if (!x->insecure) x->mini.vtable->end_cert(&x->mini.vtable);
    x->depth++;
}
static unsigned cr__tls_x_end_chain(const br_x509_class **ctx) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    unsigned r;
    if (x->insecure) {
        if (br_x509_decoder_get_pkey(&x->dec)) return 0;
        return x->depth ? (unsigned)br_x509_decoder_last_error(&x->dec) : BR_ERR_X509_EMPTY_CHAIN;
    }
    r = x->mini.vtable->end_chain(&x->mini.vtable);
    if (!r && x->iplen && (x->ee.oom || !x->ee.len || !cr__tls_cert_has_ip((const unsigned char *)x->ee.data, x->ee.len, x->ip, x->iplen)))
        r = BR_ERR_X509_BAD_SERVER_NAME;
    return r;
}
static const br_x509_pkey *cr__tls_x_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
    cr__tls_x509 *x = CR__TLS_X(ctx);
    if (!x->insecure) return x->mini.vtable->get_pkey(&x->mini.vtable, usages);
    if (usages) *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
    return br_x509_decoder_get_pkey(&x->dec);
}
static const br_x509_class cr__tls_x509_vtable = {
    sizeof(cr__tls_x509), cr__tls_x_start_chain, cr__tls_x_start_cert, cr__tls_x_append,
    cr__tls_x_end_cert, cr__tls_x_end_chain, cr__tls_x_get_pkey
};

/* Calls fn(u, name, der, len) for each object of a PEM text. Returns how
   many objects there were, or <0: fn's failure, or -EINVAL if not PEM. */
static int cr__tls_pem_each(const char *text, size_t len,
                            int (*fn)(void *u, const char *name, const unsigned char *der, size_t n), void *u) {
    br_pem_decoder_context pc;
    cr_buf der = {0};
    char name[128] = "";
    int inobj = 0, count = 0, r = 0, pass;
    br_pem_decoder_init(&pc);
    for (pass = 0; pass < 2 && !r; pass++) {
        /* the extra "\n" completes a last END line that has no newline */
        const char *p = pass ? "\n" : text;
        size_t n = pass ? 1 : len;
        while (n && !r) {
            size_t k = br_pem_decoder_push(&pc, p, n);
            p += k; n -= k;
            switch (br_pem_decoder_event(&pc)) {
            case BR_PEM_BEGIN_OBJ:
                snprintf(name, sizeof name, "%s", br_pem_decoder_name(&pc));
                der.len = 0;
                inobj = 1;
                br_pem_decoder_setdest(&pc, cr__tls_append, &der);
                break;
            case BR_PEM_END_OBJ:
                if (!inobj) break;
                inobj = 0;
                count++;
                r = der.oom ? -ENOMEM : fn(u, name, der.data ? (const unsigned char *)der.data : (const unsigned char *)"", der.len);
                break;
            case BR_PEM_ERROR:
                r = -EINVAL;
                break;
            }
        }
    }
    if (!r && inobj) r = -EINVAL;
    if (der.data) explicit_bzero(der.data, der.len);    /* it may have held a private key */
    cr_buf_free(&der);
    return r < 0 ? r : count;
}

static void cr__tls_anchors_free(cr__tls_anchors *a, size_t from) {
    size_t i;
    for (i = from; i < a->n; i++) CR_FREE(a->v[i].dn.data);
    CR_FREE(a->v);
    memset(a, 0, sizeof *a);
}

/* A trust anchor from one DER certificate: its subject DN and public key,
   copied into one allocation that dn.data owns. -EINVAL if BearSSL cannot
   use the certificate (an unsupported key type, say). */
static int cr__tls_anchor_add(cr__tls_anchors *a, const unsigned char *der, size_t n) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    br_x509_trust_anchor *ta;
    cr_buf dn = {0};
    unsigned char *m;
    size_t kl;
    br_x509_decoder_init(&dc, cr__tls_append, &dn);
    br_x509_decoder_push(&dc, der, n);
    if (!(pk = br_x509_decoder_get_pkey(&dc)) || !dn.len || dn.oom) { cr_buf_free(&dn); return dn.oom ? -ENOMEM : -EINVAL; }
    kl = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        br_x509_trust_anchor *v = (br_x509_trust_anchor *)CR_REALLOC(a->v, cap * sizeof *v);
        if (!v) { cr_buf_free(&dn); return -ENOMEM; }
        a->v = v; a->cap = cap;
    }
    if (!(m = (unsigned char *)CR_MALLOC(dn.len + kl))) { cr_buf_free(&dn); return -ENOMEM; }
    ta = &a->v[a->n++];
    memset(ta, 0, sizeof *ta);
    memcpy(m, dn.data, dn.len);
    ta->dn.data = m; ta->dn.len = dn.len;
    ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;  /* a non-CA anchor trusts that very certificate */
    ta->pkey.key_type = pk->key_type;
    m += dn.len;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        memcpy(m, pk->key.rsa.n, pk->key.rsa.nlen);
        memcpy(m + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
        ta->pkey.key.rsa.n = m; ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta->pkey.key.rsa.e = m + pk->key.rsa.nlen; ta->pkey.key.rsa.elen = pk->key.rsa.elen;
    } else {
        memcpy(m, pk->key.ec.q, pk->key.ec.qlen);
        ta->pkey.key.ec.curve = pk->key.ec.curve;
        ta->pkey.key.ec.q = m; ta->pkey.key.ec.qlen = pk->key.ec.qlen;
    }
    cr_buf_free(&dn);
    return 0;
}

typedef struct cr__tls_cas { cr__tls_anchors *a; size_t added, skipped; } cr__tls_cas;
static int cr__tls_ca_cb(void *u, const char *name, const unsigned char *der, size_t n) {
    cr__tls_cas *x = (cr__tls_cas *)u;
    int r;
    if (strcmp(name, "CERTIFICATE")) return 0;
    if ((r = cr__tls_anchor_add(x->a, der, n)) == -ENOMEM) return r;
    if (r < 0) x->skipped++; else x->added++;
    return 0;
}

/* Adds the certificates of a PEM file (path at dirfd) to a; one without
   any usable is an error. */
static int cr__tls_load_cas(int dirfd, const char *path, cr__tls_anchors *a, cr_err *err) {
    cr_buf text = {0};
    cr__tls_cas x;
    int r;
    x.a = a; x.added = x.skipped = 0;
    if ((r = cr_util_read_file(dirfd, path, 16 << 20, &text, err)) < 0) return r;
    r = cr__tls_pem_each(text.data, text.len, cr__tls_ca_cb, &x);
    cr_buf_free(&text);
    if (r == -ENOMEM) return cr_err_set(err, ENOMEM, "%s: out of memory", path);
    if (r < 0 || !x.added) return cr_err_set(err, EINVAL, "%s: no usable PEM CA certificate", path);
    if (x.skipped) cr_log(CR_LOG_DEBUG, "tls: %s: skipped %zu certificates BearSSL cannot use", path, x.skipped);
    return 0;
}

/* The system bundle ($SSL_CERT_FILE, else the first of the distributions'
   usual places) and the client's ca_file, loaded once per client. */
static int cr__tls_base_cas(const cr_http_client *c, cr__tls_anchors *a, cr_err *err) {
    static const char *const bundles[] = {
        "/etc/ssl/certs/ca-certificates.crt",      /* Debian, Ubuntu, Alpine, Arch */
        "/etc/pki/tls/certs/ca-bundle.crt",        /* Fedora, RHEL */
        "/etc/ssl/ca-bundle.pem",                  /* openSUSE */
        "/etc/ssl/cert.pem",                       /* Alpine without ca-certificates */
    };
    const char *env = getenv("SSL_CERT_FILE");
    size_t i;
    int r = 0;
    if (env && *env) {
        if ((r = cr__tls_load_cas(AT_FDCWD, env, a, err)) < 0) cr_err_wrap(err, "SSL_CERT_FILE");
    } else {
        for (i = 0; i < sizeof bundles / sizeof *bundles; i++)
            if (!access(bundles[i], R_OK)) { r = cr__tls_load_cas(AT_FDCWD, bundles[i], a, err); break; }
    }
    if (!r && c->ca_file && (r = cr__tls_load_cas(AT_FDCWD, c->ca_file, a, err)) < 0) cr_err_wrap(err, "CA file");
    if (r < 0) cr__tls_anchors_free(a, 0);
    return r;
}

static int cr__tls_chain_cb(void *u, const char *name, const unsigned char *der, size_t n) {
    cr__tls *t = (cr__tls *)u;
    br_x509_certificate *v;
    unsigned char *m;
    if (strcmp(name, "CERTIFICATE")) return 0;
    if (!(v = (br_x509_certificate *)CR_REALLOC(t->chain, (t->nchain + 1) * sizeof *v))) return -ENOMEM;
    t->chain = v;
    if (!(m = (unsigned char *)CR_MALLOC(n + 1))) return -ENOMEM;
    memcpy(m, der, n);
    v[t->nchain].data = m; v[t->nchain].data_len = n;
    t->nchain++;
    return 0;
}
static int cr__tls_key_cb(void *u, const char *name, const unsigned char *der, size_t n) {
    cr__tls *t = (cr__tls *)u;
    if (br_skey_decoder_key_type(&t->key) ||
        (strcmp(name, "RSA PRIVATE KEY") && strcmp(name, "EC PRIVATE KEY") && strcmp(name, "PRIVATE KEY"))) return 0;
    br_skey_decoder_init(&t->key);
    br_skey_decoder_push(&t->key, der, n);
    return 0;
}

/* A client certificate chain (PEM) and its key (RSA or EC; PKCS#1, SEC1 or
   PKCS#8, unencrypted), both in dirfd, kept in t for the connection's life. */
static int cr__tls_load_client(cr__tls *t, int dirfd, const char *cert, const char *key, cr_err *err) {
    cr_buf text = {0};
    int r;
    if ((r = cr_util_read_file(dirfd, cert, 1 << 20, &text, err)) < 0) return r;
    r = cr__tls_pem_each(text.data, text.len, cr__tls_chain_cb, t);
    cr_buf_free(&text);
    if (r == -ENOMEM) return cr_err_set(err, ENOMEM, "%s: out of memory", cert);
    if (r < 0 || !t->nchain) return cr_err_set(err, EINVAL, "%s: no PEM certificate", cert);
    if ((r = cr_util_read_file(dirfd, key, 1 << 20, &text, err)) < 0) return r;
    r = cr__tls_pem_each(text.data, text.len, cr__tls_key_cb, t);
    explicit_bzero(text.data, text.len);
    cr_buf_free(&text);
    if (r < 0 || !br_skey_decoder_key_type(&t->key))
        return cr_err_set(err, EINVAL, "%s: no usable private key (PEM RSA or EC, unencrypted)", key);
    return 0;
}

static int cr__tls_suffix(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a > b && !strcmp(s + a - b, suf);
}

/* certs.d as Docker and Podman read it: in <dir>/<host:port>, else
   <dir>/<host>, every *.crt holds CAs trusted for this host besides the
   others, and X.cert with X.key is the client certificate. A lone .cert or
   .key is an error, as it is for Docker: it is usually a misnamed file. */
static int cr__tls_certs_dir(const cr_http_client *c, const cr__http_url *u, cr__tls *t, cr_err *err) {
    char dir[PATH_MAX], auth[CR__HTTP_AUTH_MAX], other[NAME_MAX + 8];
    char **ents = NULL;
    size_t n = 0, i;
    int found = -ENOENT, r = 0, pass, dfd;
    if (!c->certs_dir) return 0;
    for (pass = 0; pass < 2 && found < 0; pass++) {
        if (!pass) cr__http_authority(u, 1, auth, sizeof auth);
        else snprintf(auth, sizeof auth, u->ipv6 ? "[%s]" : "%s", u->host);
        if (snprintf(dir, sizeof dir, "%s/%s", c->certs_dir, auth) >= (int)sizeof dir) return cr_err_set(err, ENAMETOOLONG, "certs.d: path too long");
        if ((found = cr__dir_names(dir, &ents, &n)) < 0 && found != -ENOENT && found != -ENOTDIR)
            { errno = -found; return cr__errno(err, "certs.d %s", dir); }
    }
    if (found < 0) return 0;
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) r = cr__errno(err, "certs.d %s", dir);
    for (i = 0; i < n && r >= 0; i++) {
        const char *nm = ents[i];
        size_t l = strlen(nm);
        int cert = cr__tls_suffix(nm, ".cert"), key = cr__tls_suffix(nm, ".key");
        if (cr__tls_suffix(nm, ".crt")) {
            r = cr__tls_load_cas(dfd, nm, &t->ta, err);
        } else if (cert || key) {                   /* X.cert <-> X.key */
            memcpy(other, nm, l - (cert ? 5 : 4));
            strcpy(other + l - (cert ? 5 : 4), cert ? ".key" : ".cert");
            if (faccessat(dfd, other, F_OK, 0)) r = cr_err_set(err, ENOENT, "missing %s for %s", other, nm);
            else if (cert && t->nchain) cr_log(CR_LOG_WARN, "tls: %s/%s: ignored, a client certificate is already set", dir, nm);
            else if (cert) r = cr__tls_load_client(t, dfd, nm, other, err);
        }
    }
    if (r < 0) cr_err_wrap(err, "certs.d %s", dir);
    cr__dir_names_free(ents, n);
    if (dfd >= 0) close(dfd);
    return r;
}

/* BearSSL's error after a failed handshake or record, in words. */
static int cr__tls_error(cr__http_conn *k, cr_err *err) {
    static const struct { int code; const char *text; } x509[] = {
        {BR_ERR_X509_NOT_TRUSTED, "certificate signed by unknown authority"},
        {BR_ERR_X509_EXPIRED, "certificate has expired or is not yet valid"},
        {BR_ERR_X509_NOT_CA, "certificate issued by a certificate that is not a CA"},
        {BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage does not allow TLS"},
        {BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate key is too weak"},
        {BR_ERR_X509_BAD_SIGNATURE, "certificate signature is invalid"},
        {BR_ERR_X509_CRITICAL_EXTENSION, "certificate has an unsupported critical extension"},
        {BR_ERR_X509_UNSUPPORTED, "certificate uses an unsupported algorithm"},
    };
    static const struct { int code; const char *name; } alerts[] = {
        {40, "handshake failure"}, {42, "bad certificate"}, {45, "certificate expired"},
        {48, "unknown CA"}, {70, "protocol version"}, {112, "unrecognized name"}, {116, "certificate required"},
    };
    cr__tls *t = k->tls;
    int e = br_ssl_engine_last_error(&t->cc.eng), a;
    size_t i;
    if (e == BR_ERR_OK) k->io_err = 0;      /* a close_notify where data was due */
    if (e == BR_ERR_OK || e == BR_ERR_IO) return cr__http_io_error(k, "tls", err);
    if (e == BR_ERR_X509_BAD_SERVER_NAME) return cr_err_set(err, EPROTO, "tls: certificate is not valid for host %s", t->host);
    for (i = 0; i < sizeof x509 / sizeof *x509; i++)
        if (x509[i].code == e)
            return cr_err_set(err, EPROTO, "tls: %s%s", x509[i].text,
                              e == BR_ERR_X509_NOT_TRUSTED && !t->ta.n ? " (no CA certificates found: set SSL_CERT_FILE or a CA file)" : "");
    if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT) {
        const char *name = "unknown";
        a = e - BR_ERR_RECV_FATAL_ALERT;
        for (i = 0; i < sizeof alerts / sizeof *alerts; i++) if (alerts[i].code == a) name = alerts[i].name;
        return cr_err_set(err, EPROTO, "tls: the server refused the handshake (alert %d, %s)%s", a, name,
                          !t->nchain && (a == 40 || a == 42 || a == 116) ? "; it may want a client certificate (certs.d)" : "");
    }
    if (e == BR_ERR_UNSUPPORTED_VERSION || e == BR_ERR_BAD_VERSION) return cr_err_set(err, EPROTO, "tls: the server does not speak TLS 1.2");
    if (e >= BR_ERR_X509_OK && e < BR_ERR_X509_OK + 32) return cr_err_set(err, EPROTO, "tls: bad certificate (BearSSL X.509 error %d)", e);
    return cr_err_set(err, EPROTO, "tls: handshake or record error (BearSSL error %d)", e);
}

static void cr__tls_free(cr__tls *t) {
    size_t i;
    if (!t) return;
    cr__tls_anchors_free(&t->ta, t->nshared);
    for (i = 0; i < t->nchain; i++) CR_FREE((void *)t->chain[i].data);
    CR_FREE(t->chain);
    cr_buf_free(&t->x.ee);
    explicit_bzero(t, sizeof *t);           /* the client key and session keys lived here */
    CR_FREE(t);
}

static int cr__tls_low_read(void *ctx, unsigned char *p, size_t n) {
    ssize_t r = cr__http_sys_read((cr__http_conn *)ctx, p, n);
    return r > 0 ? (int)r : -1;             /* end of stream is an error to BearSSL; io_err 0 tells */
}
static int cr__tls_low_write(void *ctx, const unsigned char *p, size_t n) {
    ssize_t r = cr__http_sys_write((cr__http_conn *)ctx, p, n);
    return r > 0 ? (int)r : -1;
}

/* TLS 1.2 on a connected socket, handshake included. shared: the client's
   base CAs (system bundle + ca_file), already loaded unless insecure. */
static int cr__tls_open(const cr_http_client *c, const cr__tls_anchors *shared, cr__http_conn *k,
                        const cr__http_url *u, cr_err *err) {
    cr__tls *t = (cr__tls *)CR_MALLOC(sizeof *t);
    unsigned char seed[32];
    time_t now = time(NULL);
    int r;
    if (!t) return cr_err_set(err, ENOMEM, "tls: out of memory");
    memset(t, 0, sizeof *t);
    k->tls = t;                             /* freed with the connection, on failure too */
    snprintf(t->host, sizeof t->host, "%s", u->host);
    if (shared->n) {
        if (!(t->ta.v = (br_x509_trust_anchor *)CR_MALLOC(shared->n * sizeof *t->ta.v))) return cr_err_set(err, ENOMEM, "tls: out of memory");
        memcpy(t->ta.v, shared->v, shared->n * sizeof *t->ta.v);
        t->ta.n = t->ta.cap = t->nshared = shared->n;
    }
    if ((r = cr__tls_certs_dir(c, u, t, err)) < 0) return r;
    br_ssl_client_init_full(&t->cc, &t->x.mini, t->ta.v, t->ta.n);
    br_ssl_engine_set_versions(&t->cc.eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_add_flags(&t->cc.eng, BR_OPT_NO_RENEGOTIATION);
    /* explicit, so that validity is checked whatever time source BearSSL was built with */
    br_x509_minimal_set_time(&t->x.mini, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
    t->x.vtable = &cr__tls_x509_vtable;
    t->x.insecure = c->insecure;
    if (inet_pton(AF_INET, u->host, t->x.ip) == 1) t->x.iplen = 4;
    else if (u->ipv6) t->x.iplen = inet_pton(AF_INET6, u->host, t->x.ip) == 1 ? 16 : 0;
    br_ssl_engine_set_x509(&t->cc.eng, &t->x.vtable);
    if (br_skey_decoder_key_type(&t->key) == BR_KEYTYPE_RSA)
        br_ssl_client_set_single_rsa(&t->cc, t->chain, t->nchain, br_skey_decoder_get_rsa(&t->key), br_rsa_pkcs1_sign_get_default());
    else if (br_skey_decoder_key_type(&t->key) == BR_KEYTYPE_EC)
        br_ssl_client_set_single_ec(&t->cc, t->chain, t->nchain, br_skey_decoder_get_ec(&t->key), BR_KEYTYPE_SIGN, 0,
                                    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
    br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, sizeof t->iobuf, 1);
    /* getrandom works where /dev/urandom (BearSSL's own seeder) is absent */
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) return cr__errno(err, "tls: getrandom");
    br_ssl_engine_inject_entropy(&t->cc.eng, seed, sizeof seed);
    explicit_bzero(seed, sizeof seed);
    /* SNI and the dNSName check take a host name; an IP address gets neither
       (RFC 6066 keeps addresses out of SNI) and is matched by the wrapper */
    if (!br_ssl_client_reset(&t->cc, t->x.iplen ? NULL : u->host, 0)) return cr__tls_error(k, err);
    br_sslio_init(&t->io, &t->cc.eng, cr__tls_low_read, k, cr__tls_low_write, k);
    if (br_sslio_flush(&t->io) < 0) return cr__tls_error(k, err);    /* runs the handshake */
    return 0;
}

/* ---- requests ---- */

typedef struct cr__http_priv {
    cr__http_conn *idle;            /* most recently used first */
    int deadline_ms;                /* of the request under way */
    int64_t deadline_at;
    cr__tls_anchors cas;            /* system bundle + ca_file */
    int cas_loaded;
} cr__http_priv;

static void cr__http_conn_free(cr__http_conn *k) {
    cr__tls_free(k->tls);
    if (k->fd >= 0) close(k->fd);
    CR_FREE(k);
}

static int cr__http_send(cr__http_conn *k, const char *p, size_t n, cr_err *err) {
    if (k->tls)
        return br_sslio_write_all(&k->tls->io, p, n) < 0 || br_sslio_flush(&k->tls->io) < 0 ? cr__tls_error(k, err) : 0;
    while (n) {
        ssize_t w = cr__http_sys_write(k, p, n);
        if (w < 0) return cr__http_io_error(k, "write", err);
        p += w; n -= (size_t)w;
    }
    return 0;
}

/* Refills rbuf once it is used up: >0 bytes, 0 at the end of the stream. */
static ssize_t cr__http_fill(cr__http_conn *k, cr_err *err) {
    ssize_t r;
    k->rpos = k->rlen = 0;
    if (k->tls) {
        int e;
        if ((r = br_sslio_read(&k->tls->io, k->rbuf, sizeof k->rbuf)) < 0) {
            /* close_notify, or the end of the stream without it: accepted,
               since bodies are length-framed or digest-checked upstream */
            e = br_ssl_engine_last_error(&k->tls->cc.eng);
            if (e == BR_ERR_OK || (e == BR_ERR_IO && !k->io_err)) return 0;
            return cr__tls_error(k, err);
        }
    } else if ((r = cr__http_sys_read(k, k->rbuf, sizeof k->rbuf)) < 0) {
        return cr__http_io_error(k, "read", err);
    }
    k->rlen = (size_t)r;
    return r;
}

static int cr__http_connect(cr__http_conn *k, const cr__http_url *u, cr_err *err) {
    struct addrinfo hints, *res = NULL, *ai;
    char port[8], auth[CR__HTTP_AUTH_MAX];
    int r, e = 0, on = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", u->port);
    cr__http_authority(u, 1, auth, sizeof auth);
    if ((r = getaddrinfo(u->host, port, &hints, &res)))
        return cr_err_set(err, EHOSTUNREACH, "resolve %s: %s", u->host, r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
    for (ai = res; ai; ai = ai->ai_next) {
        socklen_t sl = sizeof e;
        /* "localhost" passed the plain-http rule as loopback: hold it to that */
        if (!strcmp(u->host, "localhost") && !cr__http_sa_loopback(ai->ai_addr)) continue;
        if ((k->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) { e = errno; continue; }
        e = 0;
        if (connect(k->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            if (errno != EINPROGRESS) e = errno;
            else if (cr__http_wait(k, POLLOUT) < 0) e = k->io_err;
            else if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0) e = errno;
        }
        if (!e) break;
        close(k->fd);
        k->fd = -1;
    }
    freeaddrinfo(res);
    if (k->fd < 0) {
        if (e == ETIMEDOUT && k->late)
            return cr_err_set(err, e, "connect %s: the request did not end within its deadline of %d ms", auth, k->deadline_ms);
        if (e == ETIMEDOUT) return cr_err_set(err, e, "connect %s: timed out after %d ms", auth, k->timeout_ms);
        return cr_err_set(err, e ? e : EHOSTUNREACH, "connect %s: %s", auth, e ? strerror(e) : "no loopback address");
    }
    /* requests leave in one write and TLS flushes whole records: Nagle would only delay them */
    setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return 0;
}

/* Keeps a connection for the next request to the same scheme://host:port;
   beyond four idle ones the oldest is closed. */
static void cr__http_pool_put(cr__http_priv *pv, cr__http_conn *k) {
    cr__http_conn **pp;
    int n = 0;
    k->next = pv->idle;
    pv->idle = k;
    for (pp = &pv->idle; *pp; )
        if (++n > 4) { cr__http_conn *d = *pp; *pp = d->next; cr__http_conn_free(d); }
        else pp = &(*pp)->next;
}

static cr__http_conn *cr__http_pool_take(cr__http_priv *pv, const char *key) {
    cr__http_conn **pp, *k;
    for (pp = &pv->idle; (k = *pp); pp = &k->next)
        if (!strcmp(k->key, key)) { *pp = k->next; k->next = NULL; return k; }
    return NULL;
}

static int cr__http_open(cr_http_client *c, cr__http_priv *pv, const cr__http_url *u, const char *key,
                         cr__http_conn **out, cr_err *err) {
    cr__http_conn *k;
    int r;
    if (u->tls && !c->insecure && !pv->cas_loaded) {
        if ((r = cr__tls_base_cas(c, &pv->cas, err)) < 0) return r;
        pv->cas_loaded = 1;
    }
    if (!(k = (cr__http_conn *)CR_MALLOC(sizeof *k))) return cr_err_set(err, ENOMEM, "out of memory");
    memset(k, 0, offsetof(cr__http_conn, rbuf));
    k->fd = -1;
    k->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 30000;
    k->deadline_ms = pv->deadline_ms; k->deadline_at = pv->deadline_at;
    snprintf(k->key, sizeof k->key, "%s", key);
    if ((r = cr__http_connect(k, u, err)) < 0 || (u->tls && (r = cr__tls_open(c, &pv->cas, k, u, err)) < 0)) {
        cr__http_conn_free(k);
        return r;
    }
    *out = k;
    return 0;
}

/* Sends the request and reads the response head, on an idle connection
   when there is one. A server may close an idle connection at any time;
   then it ends before a single response byte, and the request goes once
   more on a new connection (requests here have no body, so repeating is
   safe). 1xx interim responses are skipped, within the same head budget. */
static int cr__http_exchange(cr_http_client *c, cr__http_priv *pv, const cr__http_url *u, const char *key,
                             const cr_buf *req, cr__http_head *h, cr_buf *hdrs, cr__http_conn **out, cr_err *err) {
    size_t budget = c->max_header_bytes ? c->max_header_bytes : 65536, used;
    int attempt, r = 0;
    for (attempt = 0; attempt < 2; attempt++) {
        cr__http_conn *k = attempt ? NULL : cr__http_pool_take(pv, key);
        int reused = k != NULL, got = 0;
        if (!k && (r = cr__http_open(c, pv, u, key, &k, err)) < 0) return r;
        k->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 30000;
        k->deadline_ms = pv->deadline_ms; k->deadline_at = pv->deadline_at; k->late = 0;
        h->max = budget; h->raw.len = 0; h->bol = 0;
        r = cr__http_send(k, req->data, req->len, err);
        while (r >= 0) {
            if (k->rpos == k->rlen) {
                ssize_t n = cr__http_fill(k, err);
                if (n <= 0) { r = n < 0 ? (int)n : cr_err_set(err, ECONNRESET, "connection closed before a response"); break; }
                got = 1;
            }
            if ((r = cr__http_head_feed(h, k->rbuf + k->rpos, k->rlen - k->rpos, &used, hdrs, err)) < 0) break;
            k->rpos += used;
            if (r && h->status >= 200) { *out = k; return 0; }
            if (r) { h->max -= h->raw.len; h->raw.len = 0; h->bol = 0; }
        }
        cr__http_conn_free(k);
        if (!reused || got || (r != -ECONNRESET && r != -EPIPE)) break;
        cr_log(CR_LOG_DEBUG, "http: idle connection to %s was closed, retrying", key);
    }
    return r;
}

/* Where a response body goes. */
typedef struct cr__http_dest {
    int (*sink)(void *user, const void *p, size_t n);
    void *user;
    cr_buf *out;                    /* when no sink; NULL: dropped */
    size_t max, n;                  /* limit of what is kept, and what came */
    int strict;                     /* over max is an error (a 2xx body), not a cut */
    int cut;                        /* stopped early: the rest stays unread */
} cr__http_dest;

static int cr__http_deliver(cr__http_dest *d, const char *p, size_t n, cr_err *err) {
    if (d->sink) {
        if (d->sink(d->user, p, n) < 0) return cr_err_set(err, ECANCELED, "body consumer stopped");
    } else {
        if (n > d->max - d->n) {
            if (d->strict) return cr_err_set(err, EFBIG, "response body larger than %zu bytes", d->max);
            n = d->max - d->n;
            d->cut = 1;
        }
        if (d->out) {
            cr_buf_add(d->out, p, n);
            if (d->out->oom) return cr_err_set(err, ENOMEM, "response body: out of memory");
        }
    }
    d->n += n;
    return 0;
}

/* Reads the body as h frames it. *reuse: the connection stands exactly at
   the end of this response and may carry the next request. */
static int cr__http_body(cr__http_conn *k, const cr__http_head *h, int bodiless, cr__http_dest *d, int *reuse, cr_err *err) {
    cr__http_chunked ch;
    uint64_t left = h->length;      /* UINT64_MAX, not chunked: until the server closes */
    int r, done = bodiless || (!h->chunked && !left);
    memset(&ch, 0, sizeof ch);
    *reuse = 0;
    while (!done && !d->cut) {
        size_t avail;
        if (k->rpos == k->rlen) {
            ssize_t n = cr__http_fill(k, err);
            if (n < 0) return (int)n;
            if (!n) {
                if (!h->chunked && left == UINT64_MAX) return 0;
                return cr_err_set(err, EPROTO, "connection closed %zu bytes into the body, before its end", d->n);
            }
        }
        avail = k->rlen - k->rpos;
        if (h->chunked) {
            const char *dp;
            size_t used, dl;
            if ((done = cr__http_chunked_feed(&ch, k->rbuf + k->rpos, avail, &used, &dp, &dl, err)) < 0) return done;
            k->rpos += used;
            if (dl && (r = cr__http_deliver(d, dp, dl, err)) < 0) return r;
        } else {
            size_t take = left < avail ? (size_t)left : avail;
            if ((r = cr__http_deliver(d, k->rbuf + k->rpos, take, err)) < 0) return r;
            k->rpos += take;
            if (left != UINT64_MAX && !(left -= take)) done = 1;
        }
    }
    *reuse = done && !d->cut && !h->close && k->rpos == k->rlen;
    return 0;
}

CR_API int cr_http_request(cr_http_client *c, const char *method, const char *url, const char *const *headers,
                           int (*sink)(void *user, const void *p, size_t n), void *user, cr_buf *body_out, size_t max_body,
                           cr_http_response *resp, cr_err *err) {
    cr__http_priv *pv;
    cr__http_url u;
    cr__http_head h;
    cr_buf req = {0};
    char key[300], origin[300], auth[CR__HTTP_AUTH_MAX], loc[CR_HTTP_URL_MAX], next[CR_HTTP_URL_MAX];
    const char *const *hp;
    int hop, r = 0;
    resp->status = 0;
    resp->content_length = UINT64_MAX;
    resp->headers.len = 0;
    if (!method[0] || method[strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")])
        return cr_err_set(err, EINVAL, "HTTP method \"%.20s\": expected upper-case letters", method);
    for (hp = headers; hp && *hp; hp++)
        if (strpbrk(*hp, "\r\n") || !strchr(*hp, ':'))
            return cr_err_set(err, EINVAL, "request header \"%s\": expected \"Name: value\" on one line",
                              cr__http_printable(auth, 64, *hp, strlen(*hp)));
    if ((r = cr__http_parse_url(url, &u, err)) < 0) return r;
    if (!c->priv && (c->priv = CR_MALLOC(sizeof *pv))) memset(c->priv, 0, sizeof *pv);
    if (!(pv = (cr__http_priv *)c->priv)) return cr_err_set(err, ENOMEM, "out of memory");
    memset(&h, 0, sizeof h);
    pv->deadline_ms = c->deadline_ms > 0 ? c->deadline_ms : 3600000;
    pv->deadline_at = cr__http_now_ms() + pv->deadline_ms;
    snprintf(resp->final_url, sizeof resp->final_url, "%s", url);
    for (hop = 0; ; hop++) {
        cr__http_conn *k = NULL;
        cr__http_dest d;
        int reuse, redirect, ua = 0;
        if ((r = cr__http_parse_url(resp->final_url, &u, err)) < 0) break;
        cr__http_authority(&u, 1, auth, sizeof auth);
        snprintf(key, sizeof key, "%s://%s", u.tls ? "https" : "http", auth);
        if (!hop) memcpy(origin, key, sizeof key);
        if (!u.tls && !c->insecure && !cr__http_loopback(u.host)) {
            r = cr_err_set(err, EPERM, "plain http:// is only for loopback hosts: use https:// or --tls-verify=false");
            break;
        }
        cr__http_authority(&u, 0, auth, sizeof auth);
        req.len = 0;
        cr_buf_printf(&req, "%s %s%.*s HTTP/1.1\r\nHost: %s\r\n", method, u.target_len && u.target[0] == '/' ? "" : "/",
                      (int)u.target_len, u.target, auth);
        for (hp = headers; hp && *hp; hp++) {
            /* credentials stay with the origin the caller addressed */
            if (!strncasecmp(*hp, "Authorization:", 14) && strcmp(key, origin)) continue;
            ua |= !strncasecmp(*hp, "User-Agent:", 11);
            cr_buf_printf(&req, "%s\r\n", *hp);
        }
        if (!ua) cr_buf_puts(&req, "User-Agent: cr/" CR_VERSION "\r\n");
        cr_buf_puts(&req, "\r\n");
        if (req.oom) { r = cr_err_set(err, ENOMEM, "out of memory"); break; }
        if ((r = cr__http_exchange(c, pv, &u, key, &req, &h, &resp->headers, &k, err)) < 0) break;
        resp->status = h.status;
        resp->content_length = h.length;
        redirect = (h.status == 301 || h.status == 302 || h.status == 303 || h.status == 307 || h.status == 308) &&
                   cr_http_header(resp, "Location", loc, sizeof loc);
        memset(&d, 0, sizeof d);
        d.max = max_body ? max_body : (size_t)16 << 20;
        if (redirect) d.max = 64 << 10;             /* drained, to keep the connection */
        else if (h.status / 100 == 2) { d.sink = sink; d.user = user; d.out = body_out; d.strict = body_out != NULL; }
        else d.out = body_out;
        r = cr__http_body(k, &h, !strcmp(method, "HEAD") || h.status == 204 || h.status == 304, &d, &reuse, err);
        if (r < 0 || !reuse) cr__http_conn_free(k); else cr__http_pool_put(pv, k);
        if (r < 0) break;
        cr_log(CR_LOG_DEBUG, "http: %s %.*s: %d", method, (int)strcspn(resp->final_url, "?"), resp->final_url, h.status);
        if (!redirect) break;
        if (hop == 10) { r = cr_err_set(err, ELOOP, "stopped after 10 redirects"); break; }
        if (strlen(loc) + 1 >= sizeof loc || cr__http_resolve(resp->final_url, &u, loc, next, sizeof next) < 0) {
            r = cr_err_set(err, EPROTO, "redirect to an overlong URL");
            break;
        }
        memcpy(resp->final_url, next, sizeof next);
        if (h.status == 303 && strcmp(method, "HEAD")) method = "GET";
    }
    cr_buf_free(&req);
    cr_buf_free(&h.raw);
    /* the query is left out: signed storage URLs carry their credentials there */
    if (r < 0 && err)
        cr_err_wrap(err, "%s %s", method, cr__http_printable(next, 400, resp->final_url, strcspn(resp->final_url, "?#")));
    return r;
}

CR_API const char *cr_http_header(const cr_http_response *r, const char *name, char *buf, size_t n) {
    const char *p = r->headers.data, *end, *nm, *v;
    size_t nl, vl;
    if (!n || !p || !r->headers.len) return NULL;
    for (end = p + r->headers.len; cr__http_header_next(&p, end, &nm, &nl, &v, &vl); )
        if (cr__http_is(nm, nl, name)) {
            if (vl >= n) vl = n - 1;
            memcpy(buf, v, vl);
            buf[vl] = 0;
            return buf;
        }
    return NULL;
}

CR_API void cr_http_client_close(cr_http_client *c) {
    cr__http_priv *pv = (cr__http_priv *)c->priv;
    if (!pv) return;
    while (pv->idle) {
        cr__http_conn *k = pv->idle;
        pv->idle = k->next;
        cr__http_conn_free(k);
    }
    cr__tls_anchors_free(&pv->cas, 0);
    CR_FREE(pv);
    c->priv = NULL;
}
#endif /* CR_NO_REGISTRY */

/* ==========================================================================
 * >>registry — cr_ref_*, cr_manifest_*, cr_auth_*: image references, manifests, credentials
 *
 * The parsing half of a pull, all of it untrusted input: references
 * normalised as Docker does, manifests, indexes and image configs checked
 * before anything trusts a digest or a size, platform choice, the
 * WWW-Authenticate challenge, token responses, and the "auths" of Docker's
 * config.json / containers' auth.json (read, and rewritten for login/logout).
 * ========================================================================== */
#ifndef CR_NO_REGISTRY
#include <sys/utsname.h>

/* Docker Hub's names: what references call it, its legacy name (still
   accepted in references and auth files), the host serving its API, and the
   key `docker login` files its credentials under. */
#define CR__REF_HUB "docker.io"
#define CR__REF_HUB_LEGACY "index.docker.io"
#define CR__REF_HUB_API "registry-1.docker.io"
#define CR__REF_HUB_AUTH "https://index.docker.io/v1/"
#define CR__REF_MAX_NAME 255          /* distribution/reference's limit on the path */
#define CR__MANIFEST_MAX_ENTRIES 4096 /* layers or index entries: far above any real image */

/* ASCII classes, not <ctype.h>: the grammar must not follow the locale. */
static int cr__ref_lower(int c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static int cr__ref_alnum(int c) { return cr__ref_lower(c) || (c >= 'A' && c <= 'Z'); }
static int cr__ref_word(int c) { return cr__ref_alnum(c) || c == '_'; }
static int cr__ref_hex(int c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* host[:port]: dot-separated labels of [A-Za-z0-9-] not starting or ending
   with '-', or a bracketed IPv6 address (no zone), then optional digits. */
static int cr__ref_domain_ok(const char *d, size_t n) {
    size_t i = 0;
    if (n && d[0] == '[') {
        for (i = 1; i < n && (cr__ref_hex(d[i]) || d[i] == ':'); i++) ;
        if (i == 1 || i >= n || d[i] != ']') return 0;
        i++;
    } else {
        for (;;) {
            size_t s = i;
            while (i < n && (cr__ref_alnum(d[i]) || d[i] == '-')) i++;
            if (i == s || d[s] == '-' || d[i - 1] == '-') return 0;
            if (i < n && d[i] == '.') { i++; continue; }
            break;
        }
    }
    if (i < n && d[i] == ':') {
        size_t s = ++i;
        while (i < n && d[i] >= '0' && d[i] <= '9') i++;
        if (i == s) return 0;
    }
    return i == n;
}

/* Length of the path at s: components of [a-z0-9]+ joined by '.', '_',
   "__" or runs of '-', separated by '/'. 0 when malformed. */
static size_t cr__ref_path_len(const char *s) {
    const char *p = s;
    for (;;) {
        if (!cr__ref_lower(*p)) return 0;
        while (cr__ref_lower(*p)) p++;
        while (*p == '.' || *p == '_' || *p == '-') {
            if (*p == '.') p++;
            else if (*p == '_') p += p[1] == '_' ? 2 : 1;
            else while (*p == '-') p++;
            if (!cr__ref_lower(*p)) return 0;
            while (cr__ref_lower(*p)) p++;
        }
        if (*p != '/') return (size_t)(p - s);
        p++;
    }
}

static int cr__ref_tag_ok(const char *t, size_t n) {
    size_t i;
    if (n < 1 || n > 128 || !cr__ref_word(t[0])) return 0;
    for (i = 1; i < n; i++)
        if (!cr__ref_word(t[i]) && t[i] != '.' && t[i] != '-') return 0;
    return 1;
}

/* NULL when d (n bytes) is a digest cr can verify, else why not. Only
   sha256 and sha512 are accepted: a digest we cannot recompute would let a
   registry serve anything. Lowercase, as go-digest insists. */
static const char *cr__ref_digest_why(const char *d, size_t n) {
    const char *colon = (const char *)memchr(d, ':', n);
    size_t alg, want, i;
    if (!colon) return "expected ALGORITHM:HEX";
    alg = (size_t)(colon - d);
    if (alg == 6 && !memcmp(d, "sha256", 6)) want = 64;
    else if (alg == 6 && !memcmp(d, "sha512", 6)) want = 128;
    else return "unsupported algorithm (sha256 and sha512 are supported)";
    if (n - alg - 1 != want) return want == 64 ? "sha256 needs 64 lowercase hex digits" : "sha512 needs 128 lowercase hex digits";
    for (i = alg + 1; i < n; i++)
        if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
            return want == 64 ? "sha256 needs 64 lowercase hex digits" : "sha512 needs 128 lowercase hex digits";
    return NULL;
}

/* `invalid reference "S": reason`, S cut short so that the reason survives. */
static int cr__ref_fail(cr_err *err, const char *s, const char *fmt, ...) {
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return cr_err_set(err, EINVAL, "invalid reference \"%.200s%s\": %s", s, strlen(s) > 200 ? "..." : "", why);
}

CR_API int cr_ref_parse(const char *s, cr_ref *out, cr_err *err) {
    const char *domain = CR__REF_HUB, *rest, *slash, *p, *why;
    size_t n, dn = sizeof CR__REF_HUB - 1, pn, i;
    int library;
    memset(out, 0, sizeof *out);
    if (!s || !*s) return cr__ref_fail(err, "", "repository name must have at least one component");
    n = strlen(s);
    if (n > 1024) return cr__ref_fail(err, s, "longer than 1024 bytes");
    /* a bare image ID is not a name: Docker refuses it rather than guess */
    if (n == 64 && strspn(s, "0123456789abcdef") == 64) return cr__ref_fail(err, s, "cannot specify 64-byte hexadecimal strings");
    rest = s;
    if ((slash = strchr(s, '/'))) {
        size_t fn = (size_t)(slash - s);
        int is_domain = (fn == 9 && !memcmp(s, "localhost", 9)) || memchr(s, '.', fn) || memchr(s, ':', fn);
        /* upper case is never valid in a path, so it must be a host name */
        for (i = 0; !is_domain && i < fn; i++) is_domain = s[i] >= 'A' && s[i] <= 'Z';
        if (is_domain) { domain = s; dn = fn; rest = slash + 1; }
        if (dn == sizeof CR__REF_HUB_LEGACY - 1 && !memcmp(domain, CR__REF_HUB_LEGACY, dn)) {
            domain = CR__REF_HUB; dn = sizeof CR__REF_HUB - 1;
        }
    }
    library = dn == sizeof CR__REF_HUB - 1 && !memcmp(domain, CR__REF_HUB, dn) && !strchr(rest, '/');
    /* checked before the grammar so that "Alpine" gets a reason */
    for (p = rest; *p && *p != ':'; p++)
        if (*p >= 'A' && *p <= 'Z') return cr__ref_fail(err, s, "repository name must be lowercase");
    if (!cr__ref_domain_ok(domain, dn) || dn >= sizeof out->domain)
        return cr__ref_fail(err, s, "invalid registry host \"%.*s\"", (int)(dn < 300 ? dn : 300), domain);
    pn = cr__ref_path_len(rest);
    if (!pn || (rest[pn] && rest[pn] != ':' && rest[pn] != '@')) return cr__ref_fail(err, s, "invalid repository name");
    if (pn + (library ? 8 : 0) > CR__REF_MAX_NAME)
        return cr__ref_fail(err, s, "repository name must not be more than %d characters", CR__REF_MAX_NAME);
    memcpy(out->domain, domain, dn);
    snprintf(out->path, sizeof out->path, "%s%.*s", library ? "library/" : "", (int)pn, rest);
    p = rest + pn;
    if (*p == ':') {
        const char *t = ++p;
        p += strcspn(p, "@");
        if (!cr__ref_tag_ok(t, (size_t)(p - t)))
            return cr__ref_fail(err, s, "invalid tag \"%.*s\"", (int)(p - t < 200 ? p - t : 200), t);
        memcpy(out->tag, t, (size_t)(p - t));
    }
    if (*p == '@') {
        p++;
        if ((why = cr__ref_digest_why(p, strlen(p))))
            return cr__ref_fail(err, s, "invalid digest \"%.150s\": %s", p, why);
        memcpy(out->digest, p, strlen(p));
    }
    if (!out->tag[0] && !out->digest[0]) memcpy(out->tag, "latest", 7);
    return 0;
}

CR_API void cr_ref_string(const cr_ref *r, char *out, size_t n) {
    snprintf(out, n, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "", r->tag,
             r->digest[0] ? "@" : "", r->digest);
}

CR_API int cr_ref_transport(const char *s, int *kind, const char **rest) {
    static const struct { const char *prefix; int kind; } t[] = {
        {"docker://", CR_TRANSPORT_REGISTRY}, {"oci:", CR_TRANSPORT_OCI},
        {"oci-archive:", CR_TRANSPORT_OCI_ARCHIVE}, {"docker-archive:", CR_TRANSPORT_DOCKER_ARCHIVE},
    };
    size_t i;
    *kind = CR_TRANSPORT_REGISTRY;
    *rest = s ? s : "";
    for (i = 0; s && i < sizeof t / sizeof *t; i++)
        if (!strncmp(s, t[i].prefix, strlen(t[i].prefix))) {
            *kind = t[i].kind;
            *rest = s + strlen(t[i].prefix);
            break;
        }
    return **rest ? 0 : -EINVAL;
}

/* ---- manifests ---- */

enum { CR__MT_NONE, CR__MT_OCI_MANIFEST, CR__MT_OCI_INDEX, CR__MT_DOCKER_MANIFEST, CR__MT_DOCKER_LIST,
       CR__MT_SCHEMA1, CR__MT_OTHER };
static const char *const cr__manifest_types[] = {
    "", CR_MT_OCI_MANIFEST, CR_MT_OCI_INDEX, CR_MT_DOCKER_MANIFEST, CR_MT_DOCKER_LIST,
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
};
static const struct { const char *type; int compression, foreign; } cr__manifest_layers[] = {
    {"application/vnd.oci.image.layer.v1.tar", CR_LAYER_TAR, 0},
    {"application/vnd.oci.image.layer.v1.tar+gzip", CR_LAYER_GZIP, 0},
    {"application/vnd.oci.image.layer.v1.tar+zstd", CR_LAYER_ZSTD, 0},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", CR_LAYER_GZIP, 0},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", CR_LAYER_TAR, 1},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", CR_LAYER_GZIP, 1},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", CR_LAYER_ZSTD, 1},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", CR_LAYER_GZIP, 1},
};

/* Media types compare case-insensitively (RFC 6838). */
static int cr__manifest_kind(const char *mt, size_t n) {
    int k;
    if (!n) return CR__MT_NONE;
    /* the last two names are both schema1 */
    for (k = CR__MT_OCI_MANIFEST; k < (int)(sizeof cr__manifest_types / sizeof *cr__manifest_types); k++)
        if (strlen(cr__manifest_types[k]) == n && !strncasecmp(mt, cr__manifest_types[k], n))
            return k > CR__MT_SCHEMA1 ? CR__MT_SCHEMA1 : k;
    return CR__MT_OTHER;
}

static int cr__manifest_str(const cr_json *obj, const char *key, const char *field, char *dst, size_t n,
                            int required, cr_err *err) {
    const cr_json *v = cr_json_get(obj, key);
    if (!v) return required ? cr_err_set(err, EINVAL, "%s.%s: missing", field, key) : 0;
    if (v->type != CR_JSON_STRING)
        return cr_err_set(err, EINVAL, "%s.%s: expected string, got %s", field, key, cr_json_type_name(v->type));
    if (v->len >= n) return cr_err_set(err, EINVAL, "%s.%s: longer than %zu bytes", field, key, n - 1);
    memcpy(dst, v->str, v->len + 1);
    return 0;
}

enum { CR__DESC_CONFIG, CR__DESC_LAYER, CR__DESC_ENTRY };

static int cr__manifest_desc(const cr_json *v, const char *field, int what, cr_descriptor *d, cr_err *err) {
    const cr_json *x;
    const char *why;
    char sub[64];
    size_t i;
    if (!v) return cr_err_set(err, EINVAL, "%s: missing", field);
    if (v->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "%s: expected object, got %s", field, cr_json_type_name(v->type));
    if (cr__manifest_str(v, "mediaType", field, d->media_type, sizeof d->media_type, 1, err) < 0 ||
        cr__manifest_str(v, "digest", field, d->digest, sizeof d->digest, 1, err) < 0) return -EINVAL;
    if ((why = cr__ref_digest_why(d->digest, strlen(d->digest))))
        return cr_err_set(err, EINVAL, "%s.digest: invalid digest \"%s\": %s", field, d->digest, why);
    if (!(x = cr_json_get(v, "size"))) return cr_err_set(err, EINVAL, "%s.size: missing", field);
    if (cr_json_u64(x, &d->size) < 0 || d->size > INT64_MAX)
        return cr_err_set(err, EINVAL, "%s.size: expected a non-negative integer", field);
    if (what == CR__DESC_CONFIG) {
        if (!strcasecmp(d->media_type, CR_MT_OCI_CONFIG)) memcpy(d->media_type, CR_MT_OCI_CONFIG, sizeof CR_MT_OCI_CONFIG);
        else if (!strcasecmp(d->media_type, CR_MT_DOCKER_CONFIG)) memcpy(d->media_type, CR_MT_DOCKER_CONFIG, sizeof CR_MT_DOCKER_CONFIG);
        else return cr_err_set(err, ENOTSUP, "%s.mediaType: \"%s\" is not a container image config (an OCI artifact?)", field, d->media_type);
    } else if (what == CR__DESC_LAYER) {
        for (i = 0; i < sizeof cr__manifest_layers / sizeof *cr__manifest_layers; i++)
            if (!strcasecmp(d->media_type, cr__manifest_layers[i].type)) break;
        if (i == sizeof cr__manifest_layers / sizeof *cr__manifest_layers)
            return cr_err_set(err, ENOTSUP, "%s.mediaType: unsupported layer type \"%s\"", field, d->media_type);
        snprintf(d->media_type, sizeof d->media_type, "%s", cr__manifest_layers[i].type);
        d->compression = cr__manifest_layers[i].compression;
        d->foreign = cr__manifest_layers[i].foreign;
    } else {
        int k = cr__manifest_kind(d->media_type, strlen(d->media_type));
        /* unknown entries (signatures, attestations) stay: pick skips them */
        if (k >= CR__MT_OCI_MANIFEST && k <= CR__MT_DOCKER_LIST) snprintf(d->media_type, sizeof d->media_type, "%s", cr__manifest_types[k]);
        if ((x = cr_json_get(v, "platform"))) {
            snprintf(sub, sizeof sub, "%s.platform", field);
            if (x->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "%s: expected object, got %s", sub, cr_json_type_name(x->type));
            if (cr__manifest_str(x, "os", sub, d->os, sizeof d->os, 1, err) < 0 ||
                cr__manifest_str(x, "architecture", sub, d->arch, sizeof d->arch, 1, err) < 0 ||
                cr__manifest_str(x, "variant", sub, d->variant, sizeof d->variant, 0, err) < 0) return -EINVAL;
        }
        if ((x = cr_json_get(v, "annotations"))) {
            snprintf(sub, sizeof sub, "%s.annotations", field);
            if (x->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "%s: expected object, got %s", sub, cr_json_type_name(x->type));
            if (cr__manifest_str(x, "org.opencontainers.image.ref.name", sub, d->ref_name, sizeof d->ref_name, 0, err) < 0) return -EINVAL;
        }
    }
    return 0;
}

static int cr__manifest_list(const cr_json *root, const char *key, int what, cr_descriptor **out, size_t *n, cr_err *err) {
    const cr_json *a = cr_json_get(root, key), *e;
    char field[64];
    size_t i = 0;
    int r;
    if (!a) return cr_err_set(err, EINVAL, "%s: missing", key);
    if (a->type != CR_JSON_ARRAY) return cr_err_set(err, EINVAL, "%s: expected array, got %s", key, cr_json_type_name(a->type));
    /* bounded before allocating: each entry costs ~600 bytes, "{}," three */
    if (a->len > CR__MANIFEST_MAX_ENTRIES) return cr_err_set(err, E2BIG, "%s: %zu entries, more than %d", key, a->len, CR__MANIFEST_MAX_ENTRIES);
    if (!a->len) return 0;
    if (!(*out = (cr_descriptor *)CR_MALLOC(a->len * sizeof **out))) return cr_err_set(err, ENOMEM, "%s: out of memory", key);
    memset(*out, 0, a->len * sizeof **out);
    *n = a->len;
    for (e = a->child; e; e = e->next, i++) {
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        if ((r = cr__manifest_desc(e, field, what, &(*out)[i], err)) < 0) return r;
    }
    return 0;
}

/* The kind a Content-Type names, checked before the body is read. */
static int cr__manifest_ct(const char *media_type, cr_err *err) {
    size_t n;
    int k;
    if (!media_type) return CR__MT_NONE;
    while (*media_type == ' ' || *media_type == '\t') media_type++;
    n = strcspn(media_type, ";");
    while (n && (media_type[n - 1] == ' ' || media_type[n - 1] == '\t')) n--;
    k = cr__manifest_kind(media_type, n);
    /* plain file servers (and some mirrors) label everything application/json */
    if (k == CR__MT_OTHER && n == 16 && !strncasecmp(media_type, "application/json", 16)) return CR__MT_NONE;
    if (k == CR__MT_SCHEMA1) return cr_err_set(err, ENOTSUP, "schema1 manifests are not supported");
    if (k == CR__MT_OTHER) return cr_err_set(err, ENOTSUP, "unsupported media type \"%.*s\"", (int)n, media_type);
    return k;
}

static int cr__manifest_body(int hk, const cr_json *root, cr_manifest *m, cr_err *err) {
    const cr_json *v;
    int bk = CR__MT_NONE, k, r;
    uint64_t version = 0;
    if (root->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "expected an object, got %s", cr_json_type_name(root->type));
    v = cr_json_get(root, "schemaVersion");
    if ((v && !cr_json_u64(v, &version) && version == 1) || cr_json_get(root, "fsLayers"))
        return cr_err_set(err, ENOTSUP, "schema1 manifests are not supported");
    if (version != 2) return cr_err_set(err, EINVAL, "schemaVersion: expected 2");
    if ((v = cr_json_get(root, "mediaType"))) {
        if (v->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "mediaType: expected string, got %s", cr_json_type_name(v->type));
        bk = cr__manifest_kind(v->str, v->len);
        if (bk == CR__MT_SCHEMA1) return cr_err_set(err, ENOTSUP, "schema1 manifests are not supported");
        if (bk == CR__MT_OTHER) return cr_err_set(err, ENOTSUP, "unsupported media type \"%s\"", v->str);
    }
    if (hk && bk && hk != bk)
        return cr_err_set(err, EINVAL, "mediaType \"%s\" contradicts Content-Type \"%s\"", cr__manifest_types[bk], cr__manifest_types[hk]);
    k = hk ? hk : bk ? bk : cr_json_get(root, "manifests") ? CR__MT_OCI_INDEX : CR__MT_OCI_MANIFEST;
    m->is_index = k == CR__MT_OCI_INDEX || k == CR__MT_DOCKER_LIST;
    snprintf(m->media_type, sizeof m->media_type, "%s", cr__manifest_types[k]);
    /* a document that is both (CVE-2021-41190) would read differently to
       different clients: refuse it */
    if (m->is_index ? cr_json_get(root, "config") || cr_json_get(root, "layers") : cr_json_get(root, "manifests") != NULL)
        return cr_err_set(err, EINVAL, "ambiguous document: %s with %s", m->is_index ? "an index" : "a manifest",
                          m->is_index ? "config or layers" : "manifests");
    if (m->is_index) return cr__manifest_list(root, "manifests", CR__DESC_ENTRY, &m->manifests, &m->nmanifests, err);
    if ((r = cr__manifest_desc(cr_json_get(root, "config"), "config", CR__DESC_CONFIG, &m->config, err)) < 0) return r;
    return cr__manifest_list(root, "layers", CR__DESC_LAYER, &m->layers, &m->nlayers, err);
}

CR_API int cr_manifest_parse(const char *media_type, const char *body, size_t len, cr_manifest *m, cr_err *err) {
    cr_json *root = NULL;
    int r, kind;
    memset(m, 0, sizeof *m);
    if ((r = kind = cr__manifest_ct(media_type, err)) >= 0 && (r = cr_json_parse(body, len, &root, err)) >= 0) {
        r = cr__manifest_body(kind, root, m, err);
        cr_json_free(root);
    }
    if (r < 0) {
        cr_manifest_free(m);
        cr_err_wrap(err, "manifest");
    }
    return r < 0 ? r : 0;
}

CR_API void cr_manifest_free(cr_manifest *m) {
    if (!m) return;
    CR_FREE(m->layers);
    CR_FREE(m->manifests);
    memset(m, 0, sizeof *m);
}

CR_API const char *cr_manifest_accept(void) {
    return CR_MT_OCI_INDEX ", " CR_MT_OCI_MANIFEST ", " CR_MT_DOCKER_LIST ", " CR_MT_DOCKER_MANIFEST;
}

CR_API void cr_manifest_host_platform(char *out, size_t n) {
    /* uname's machine names, as Go (GOARCH) and so image indexes spell them */
    static const struct { const char *machine, *arch, *variant; } map[] = {
        {"x86_64", "amd64", ""}, {"i386", "386", ""}, {"i486", "386", ""}, {"i586", "386", ""},
        {"i686", "386", ""}, {"aarch64", "arm64", ""}, {"arm64", "arm64", ""}, {"armv8l", "arm", "v8"},
        {"armv7l", "arm", "v7"}, {"armv7", "arm", "v7"}, {"armv6l", "arm", "v6"}, {"armv5tel", "arm", "v5"},
        {"armv5tejl", "arm", "v5"}, {"loongarch64", "loong64", ""},
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        {"mips64", "mips64le", ""}, {"mips", "mipsle", ""},   /* uname does not say the byte order */
#endif
    };
    struct utsname u;
    const char *arch, *variant = "";
    size_t i;
    if (uname(&u) < 0) snprintf(u.machine, sizeof u.machine, "unknown");
    arch = u.machine;
    for (i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(u.machine, map[i].machine)) { arch = map[i].arch; variant = map[i].variant; break; }
    snprintf(out, n, "linux/%s%s%s", arch, *variant ? "/" : "", variant);
}

/* containerd's normalisation: aliases to Go names, the default variant
   spelled one way (arm64 "" = v8, amd64 "" = v1, arm "" = v7). */
static void cr__manifest_lower(char dst[32], const char *src) {
    size_t i;
    for (i = 0; src[i] && i < 31; i++) dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = 0;
}

static void cr__manifest_norm(const char *arch_in, const char *var_in, char arch[32], char var[32]) {
    cr__manifest_lower(arch, arch_in);
    cr__manifest_lower(var, var_in);
    if (!strcmp(arch, "i386")) { strcpy(arch, "386"); var[0] = 0; }
    else if (!strcmp(arch, "x86_64") || !strcmp(arch, "x86-64") || !strcmp(arch, "amd64")) {
        strcpy(arch, "amd64");
        if (!strcmp(var, "v1")) var[0] = 0;
    } else if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64")) {
        strcpy(arch, "arm64");
        if (!strcmp(var, "8") || !strcmp(var, "v8") || !strcmp(var, "v8.0")) var[0] = 0;
        else if (!strcmp(var, "9") || !strcmp(var, "9.0") || !strcmp(var, "v9.0")) strcpy(var, "v9");
    } else if (!strcmp(arch, "armhf")) { strcpy(arch, "arm"); strcpy(var, "v7"); }
    else if (!strcmp(arch, "armel")) { strcpy(arch, "arm"); strcpy(var, "v6"); }
    else if (!strcmp(arch, "arm")) {
        if (!var[0] || !strcmp(var, "7")) strcpy(var, "v7");
        else if (!strcmp(var, "5") || !strcmp(var, "6") || !strcmp(var, "8")) { var[1] = var[0]; var[0] = 'v'; var[2] = 0; }
    }
}

/* "vN" -> N for 1..9, else 0: the variants older CPUs' images can use. */
static int cr__manifest_level(const char *v) { return v[0] == 'v' && v[1] >= '1' && v[1] <= '9' && !v[2] ? v[1] - '0' : 0; }

typedef struct cr__manifest_plat { char arch[32], var[32]; } cr__manifest_plat;

/* What a platform runs, best first (containerd's platformVector). */
static int cr__manifest_vector(const char *arch, const char *var, cr__manifest_plat *vec) {
    int n = 0, lvl;
    snprintf(vec[n].arch, 32, "%s", arch); snprintf(vec[n++].var, 32, "%s", var);
    if (!strcmp(arch, "amd64")) {
        for (lvl = cr__manifest_level(var) - 1; lvl >= 1; lvl--) {
            strcpy(vec[n].arch, "amd64");
            if (lvl == 1) vec[n++].var[0] = 0;
            else snprintf(vec[n++].var, 32, "v%d", lvl);
        }
        strcpy(vec[n].arch, "386");
        vec[n++].var[0] = 0;
    } else if (!strcmp(arch, "arm") || !strcmp(arch, "arm64")) {
        /* arm/vN runs older arm; arm64 runs 32-bit arm from its own level (v8) down */
        lvl = !strcmp(arch, "arm") ? cr__manifest_level(var) - 1 : var[0] ? cr__manifest_level(var) : 8;
        for (; lvl >= 5; lvl--) {
            strcpy(vec[n].arch, "arm");
            snprintf(vec[n++].var, 32, "v%d", lvl);
        }
    }
    return n;
}

/* "os/arch[/variant]", each part 1..31 bytes. */
static int cr__manifest_split(const char *s, char os[32], char arch[32], char var[32]) {
    char *part[3] = {os, arch, var};
    int k = 0;
    var[0] = 0;
    for (;;) {
        size_t l = strcspn(s, "/");
        if (k == 3 || !l || l > 31) return -1;
        memcpy(part[k], s, l);
        part[k++][l] = 0;
        if (!s[l]) return k >= 2 ? 0 : -1;
        s += l + 1;
    }
}

static int cr__manifest_is_image(const cr_descriptor *d) {
    int k = cr__manifest_kind(d->media_type, strlen(d->media_type));
    return k >= CR__MT_OCI_MANIFEST && k <= CR__MT_DOCKER_LIST;
}

CR_API int cr_manifest_pick(const cr_manifest *index, const char *platform, const cr_descriptor **out, cr_err *err) {
    char host[96], os[32], arch[32], var[32], ea[32], ev[32];
    cr__manifest_plat vec[12];
    cr_buf avail = {0};
    size_t i, j;
    int nvec, k;
    *out = NULL;
    if (!index->is_index) return cr_err_set(err, EINVAL, "pick a platform: not an index");
    if (!platform) { cr_manifest_host_platform(host, sizeof host); platform = host; }
    if (cr__manifest_split(platform, os, ea, ev) < 0)
        return cr_err_set(err, EINVAL, "invalid platform \"%.100s\": expected OS/ARCH[/VARIANT]", platform);
    cr__manifest_norm(ea, ev, arch, var);
    nvec = cr__manifest_vector(arch, var, vec);
    for (k = 0; k < nvec; k++)
        for (i = 0; i < index->nmanifests; i++) {
            const cr_descriptor *d = &index->manifests[i];
            if (!cr__manifest_is_image(d) || strcasecmp(d->os, os)) continue;
            cr__manifest_norm(d->arch, d->variant, ea, ev);
            if (!strcmp(ea, vec[k].arch) && !strcmp(ev, vec[k].var)) { *out = d; return 0; }
        }
    /* OCI layouts often list a single manifest without a platform */
    for (i = 0; i < index->nmanifests; i++)
        if (cr__manifest_is_image(&index->manifests[i]) && !index->manifests[i].os[0] && !index->manifests[i].arch[0]) {
            *out = &index->manifests[i];
            return 0;
        }
    for (i = 0; i < index->nmanifests && avail.len < 600; i++) {
        const cr_descriptor *d = &index->manifests[i];
        /* attestations are listed as unknown/unknown: not a platform */
        if (!cr__manifest_is_image(d) || !d->os[0] || !strcmp(d->os, "unknown")) continue;
        for (j = 0; j < i; j++) {
            const cr_descriptor *e = &index->manifests[j];
            if (cr__manifest_is_image(e) && !strcmp(e->os, d->os) && !strcmp(e->arch, d->arch) && !strcmp(e->variant, d->variant)) break;
        }
        if (j == i) cr_buf_printf(&avail, "%s%s/%s%s%s", avail.len ? ", " : "", d->os, d->arch, d->variant[0] ? "/" : "", d->variant);
    }
    if (i < index->nmanifests && avail.len >= 600) cr_buf_puts(&avail, ", ...");
    k = cr_err_set(err, ENOENT, "no image for platform %s (the index has: %s)", platform, avail.len && avail.data ? avail.data : "none");
    cr_buf_free(&avail);
    return k;
}

/* ---- image config ---- */

static int cr__manifest_cfg_type(const cr_json *v, cr_json_type t, const char *field, cr_err *err) {
    if (v->type == t) return 0;
    return cr_err_set(err, EINVAL, "%s: expected %s, got %s", field, cr_json_type_name(t), cr_json_type_name(v->type));
}

/* Absent or null (Docker writes "Cmd": null) means "not set". */
static const cr_json *cr__manifest_cfg_get(const cr_json *obj, const char *key) {
    const cr_json *v = cr_json_get(obj, key);
    return v && v->type != CR_JSON_NULL ? v : NULL;
}

static int cr__manifest_cfg_str(const cr_json *obj, const char *key, const char *field, const char **out, cr_err *err) {
    const cr_json *v = cr__manifest_cfg_get(obj, key);
    if (!v) return 0;
    if (cr__manifest_cfg_type(v, CR_JSON_STRING, field, err) < 0) return -EINVAL;
    *out = v->str;
    return 0;
}

/* An array of strings (or, keys_of, an object's keys) as a NULL-terminated array. */
static int cr__manifest_cfg_strv(cr__arena *a, const cr_json *obj, const char *key, const char *field, int keys_of,
                                 const char ***out, size_t *n, cr_err *err) {
    const cr_json *v = cr__manifest_cfg_get(obj, key), *e;
    const char **arr;
    size_t i = 0;
    if (!v) return 0;
    if (cr__manifest_cfg_type(v, keys_of ? CR_JSON_OBJECT : CR_JSON_ARRAY, field, err) < 0) return -EINVAL;
    if (!(arr = (const char **)cr__arena_alloc(a, (v->len + 1) * sizeof *arr))) return cr_err_set(err, ENOMEM, "%s: out of memory", field);
    for (e = v->child; e; e = e->next, i++) {
        if (!keys_of && e->type != CR_JSON_STRING)
            return cr_err_set(err, EINVAL, "%s[%zu]: expected string, got %s", field, i, cr_json_type_name(e->type));
        arr[i] = keys_of ? e->key : e->str;
    }
    *out = arr;
    *n = i;
    return 0;
}

/* The "config" member: what a container of the image runs. */
static int cr__manifest_cfg_run(cr_image_config *c, const cr_json *cfg, cr_err *err) {
    cr__arena *a = (cr__arena *)c->arena;
    const cr_json *v, *e;
    size_t i = 0;
    int r;
    if ((r = cr__manifest_cfg_type(cfg, CR_JSON_OBJECT, "config", err)) < 0 ||
        (r = cr__manifest_cfg_strv(a, cfg, "Entrypoint", "config.Entrypoint", 0, &c->entrypoint, &c->nentrypoint, err)) < 0 ||
        (r = cr__manifest_cfg_strv(a, cfg, "Cmd", "config.Cmd", 0, &c->cmd, &c->ncmd, err)) < 0 ||
        (r = cr__manifest_cfg_strv(a, cfg, "Env", "config.Env", 0, &c->env, &c->nenv, err)) < 0 ||
        (r = cr__manifest_cfg_strv(a, cfg, "ExposedPorts", "config.ExposedPorts", 1, &c->exposed_ports, &c->nexposed_ports, err)) < 0 ||
        (r = cr__manifest_cfg_strv(a, cfg, "Volumes", "config.Volumes", 1, &c->volumes, &c->nvolumes, err)) < 0 ||
        (r = cr__manifest_cfg_str(cfg, "WorkingDir", "config.WorkingDir", &c->working_dir, err)) < 0 ||
        (r = cr__manifest_cfg_str(cfg, "User", "config.User", &c->user, err)) < 0 ||
        (r = cr__manifest_cfg_str(cfg, "StopSignal", "config.StopSignal", &c->stop_signal, err)) < 0) return r;
    if (!(v = cr__manifest_cfg_get(cfg, "Labels"))) return 0;
    if ((r = cr__manifest_cfg_type(v, CR_JSON_OBJECT, "config.Labels", err)) < 0) return r;
    if (!(c->labels = (cr_keyval *)cr__arena_alloc(a, (v->len + 1) * sizeof *c->labels)))
        return cr_err_set(err, ENOMEM, "config.Labels: out of memory");
    for (e = v->child; e; e = e->next, i++) {
        if (e->type != CR_JSON_STRING)
            return cr_err_set(err, EINVAL, "config.Labels.%s: expected string, got %s", e->key, cr_json_type_name(e->type));
        c->labels[i].key = e->key;
        c->labels[i].value = e->str;
    }
    c->nlabels = i;
    return 0;
}

static int cr__manifest_cfg(cr_image_config *c, const cr_json *root, cr_err *err) {
    const cr_json *cfg, *rootfs;
    const char *type = NULL, *why;
    size_t i;
    int r;
    if (root->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "expected an object, got %s", cr_json_type_name(root->type));
    if ((r = cr__manifest_cfg_str(root, "os", "os", &c->os, err)) < 0 ||
        (r = cr__manifest_cfg_str(root, "architecture", "architecture", &c->architecture, err)) < 0 ||
        (r = cr__manifest_cfg_str(root, "variant", "variant", &c->variant, err)) < 0) return r;
    if ((cfg = cr__manifest_cfg_get(root, "config")) && (r = cr__manifest_cfg_run(c, cfg, err)) < 0) return r;
    /* the diff IDs are what the unpacked layers are verified against */
    if (!(rootfs = cr__manifest_cfg_get(root, "rootfs"))) return cr_err_set(err, EINVAL, "rootfs: missing");
    if ((r = cr__manifest_cfg_type(rootfs, CR_JSON_OBJECT, "rootfs", err)) < 0 ||
        (r = cr__manifest_cfg_str(rootfs, "type", "rootfs.type", &type, err)) < 0) return r;
    if (!type || strcmp(type, "layers")) return cr_err_set(err, EINVAL, "rootfs.type: expected \"layers\"");
    if (!cr__manifest_cfg_get(rootfs, "diff_ids")) return cr_err_set(err, EINVAL, "rootfs.diff_ids: missing");
    if ((r = cr__manifest_cfg_strv((cr__arena *)c->arena, rootfs, "diff_ids", "rootfs.diff_ids", 0, &c->diff_ids, &c->ndiff_ids, err)) < 0) return r;
    for (i = 0; i < c->ndiff_ids; i++)
        if ((why = cr__ref_digest_why(c->diff_ids[i], strlen(c->diff_ids[i]))))
            return cr_err_set(err, EINVAL, "rootfs.diff_ids[%zu]: invalid digest \"%.150s\": %s", i, c->diff_ids[i], why);
    return 0;
}

CR_API int cr_manifest_config_parse(const char *body, size_t len, cr_image_config *c, cr_err *err) {
    cr_json *root = NULL;
    int r;
    memset(c, 0, sizeof *c);
    if ((r = cr_json_parse(body, len, &root, err)) >= 0) {
        c->json = root;
        if (!(c->arena = CR_MALLOC(sizeof(cr__arena)))) r = cr_err_set(err, ENOMEM, "out of memory");
        else {
            memset(c->arena, 0, sizeof(cr__arena));
            r = cr__manifest_cfg(c, root, err);
        }
    }
    if (r < 0) {
        cr_manifest_config_free(c);
        cr_err_wrap(err, "image config");
    }
    return r < 0 ? r : 0;
}

CR_API void cr_manifest_config_free(cr_image_config *c) {
    if (!c) return;
    cr_json_free((cr_json *)c->json);
    cr__arena_free((cr__arena *)c->arena);
    CR_FREE(c->arena);
    memset(c, 0, sizeof *c);
}

/* ---- auth: challenges, tokens, credential files ---- */

static int cr__auth_tchar(int c) {
    return cr__ref_alnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copies n bytes to dst (NULL: discarded); refuses what does not fit. */
static int cr__auth_put(char *dst, size_t dn, const char *s, size_t n) {
    if (!dst) return 0;
    if (n >= dn) return -1;
    memcpy(dst, s, n);
    dst[n] = 0;
    return 0;
}

/* One auth-param (RFC 7235: token BWS "=" BWS ( token / quoted-string )) at
   *pp: 1 and *pp advanced, 0 if there is none (*pp unchanged), -1 if the
   quoted string is malformed. The value is unescaped into val (vn bytes,
   longer ones are cut: the caller checks *vlen). */
static int cr__auth_param(const char **pp, const char **name, size_t *nlen, char *val, size_t vn, size_t *vlen) {
    const char *p = *pp, *s = p;
    size_t o = 0;
    while (cr__auth_tchar(*p)) p++;
    if (p == s) return 0;
    *name = s; *nlen = (size_t)(p - s);
    while (*p == ' ' || *p == '\t') p++;
    if (*p++ != '=') return 0;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\\') p++;
            if (!*p || ((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) return -1;
            if (o + 1 < vn) val[o] = *p;
            o++;
        }
        p++;
    } else {
        s = p;
        while (cr__auth_tchar(*p)) p++;
        if (p == s) return 0;   /* "abc==" is token68, not a parameter */
        for (; s < p; s++, o++) if (o + 1 < vn) val[o] = *s;
    }
    val[o < vn ? o : vn - 1] = 0;
    *vlen = o;
    *pp = p;
    return 1;
}

/* Walks the challenges of header. want < 0: records in *bearer / *basic
   the index of the first challenge of each scheme. want >= 0: copies that
   challenge's realm, service and scope. */
static int cr__auth_walk(const char *h, int want, int *bearer, int *basic, char *realm, size_t rn,
                         char *service, size_t svn, char *scope, size_t scn, cr_err *err) {
    const char *p = h, *name;
    char val[4096];
    size_t nlen, vlen;
    int cur = -1, r;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) return 0;
        if ((r = cr__auth_param(&p, &name, &nlen, val, sizeof val, &vlen)) < 0)
            return cr_err_set(err, EINVAL, "WWW-Authenticate: malformed quoted string");
        if (r) {
            char *dst = NULL;
            size_t dn = 0;
            if (cur < 0) return cr_err_set(err, EINVAL, "WWW-Authenticate: parameter before any scheme");
            if (cur != want) continue;
            if (nlen == 5 && !strncasecmp(name, "realm", 5)) dst = realm, dn = rn;
            else if (nlen == 7 && !strncasecmp(name, "service", 7)) dst = service, dn = svn;
            else if (nlen == 5 && !strncasecmp(name, "scope", 5)) dst = scope, dn = scn;
            if (dst && (vlen >= sizeof val || cr__auth_put(dst, dn, val, vlen) < 0))
                return cr_err_set(err, E2BIG, "WWW-Authenticate: %.*s is too long", (int)nlen, name);
            continue;
        }
        name = p;
        while (cr__auth_tchar(*p)) p++;
        if (p == name)
            return (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f ? cr_err_set(err, EINVAL, "WWW-Authenticate: unexpected character '%c'", *p)
                                                                         : cr_err_set(err, EINVAL, "WWW-Authenticate: unexpected byte 0x%02x", (unsigned char)*p);
        cur++;
        if (want < 0) {
            if (*bearer < 0 && p - name == 6 && !strncasecmp(name, "bearer", 6)) *bearer = cur;
            if (*basic < 0 && p - name == 5 && !strncasecmp(name, "basic", 5)) *basic = cur;
        }
        while (*p == ' ' || *p == '\t') p++;
        /* a token68 credential (other schemes) runs to the next comma */
        if (*p && *p != ',') {
            const char *q = p;
            if (!cr__auth_param(&q, &name, &nlen, val, sizeof val, &vlen)) p += strcspn(p, ",");
        }
    }
}

CR_API int cr_auth_challenge_parse(const char *header, char *scheme, size_t scheme_n, char *realm, size_t realm_n,
                                   char *service, size_t service_n, char *scope, size_t scope_n, cr_err *err) {
    int bearer = -1, basic = -1, want, r;
    if (realm && realm_n) realm[0] = 0;
    if (service && service_n) service[0] = 0;
    if (scope && scope_n) scope[0] = 0;
    if (scheme && scheme_n) scheme[0] = 0;
    if (!header || !*header) return cr_err_set(err, EINVAL, "WWW-Authenticate: empty");
    if ((r = cr__auth_walk(header, -1, &bearer, &basic, NULL, 0, NULL, 0, NULL, 0, err)) < 0) return r;
    if (bearer < 0 && basic < 0)
        return cr_err_set(err, ENOTSUP, "WWW-Authenticate: no Bearer or Basic challenge in \"%.200s\"", header);
    want = bearer >= 0 ? bearer : basic;
    if ((r = cr__auth_walk(header, want, &bearer, &basic, realm, realm_n, service, service_n, scope, scope_n, err)) < 0) return r;
    if (bearer >= 0 && realm && !realm[0]) return cr_err_set(err, EINVAL, "WWW-Authenticate: Bearer challenge without a realm");
    if (cr__auth_put(scheme, scheme_n, bearer >= 0 ? "Bearer" : "Basic", bearer >= 0 ? 6 : 5) < 0)
        return cr_err_set(err, E2BIG, "WWW-Authenticate: scheme buffer too small");
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" -> Unix time; -1 (and
   *out untouched) if not RFC 3339. */
static int cr__auth_time(const char *s, int64_t *out) {
    int v[6], i, off = 0;
    static const int width[6] = {4, 2, 2, 2, 2, 2};
    static const char sep[6] = {'-', '-', 'T', ':', ':', 0};
    int64_t y, m, era, yoe, doy, doe;
    for (i = 0; i < 6; i++) {
        int k;
        for (v[i] = 0, k = 0; k < width[i]; k++, s++) {
            if (*s < '0' || *s > '9') return -1;
            v[i] = v[i] * 10 + (*s - '0');
        }
        if (sep[i] && *s++ != sep[i] && !(sep[i] == 'T' && (s[-1] == 't' || s[-1] == ' '))) return -1;
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60) return -1;
    if (*s == '.') { s++; if (*s < '0' || *s > '9') return -1; while (*s >= '0' && *s <= '9') s++; }
    if ((*s == 'Z' || *s == 'z') && !s[1]) off = 0;
    else if ((*s == '+' || *s == '-') && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] == ':' &&
             s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && !s[6])
        off = (*s == '-' ? -1 : 1) * (((s[1] - '0') * 10 + s[2] - '0') * 3600 + ((s[4] - '0') * 10 + s[5] - '0') * 60);
    else return -1;
    /* days from the civil date (Howard Hinnant's algorithm) */
    y = v[0] - (v[1] <= 2); m = v[1];
    era = (y >= 0 ? y : y - 399) / 400; yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = (era * 146097 + doe - 719468) * 86400 + v[3] * 3600 + v[4] * 60 + v[5] - off;
    return 0;
}

CR_API int cr_auth_token_parse(const char *body, size_t len, cr_buf *token, int64_t *expires_in,
                               int64_t *issued_at, cr_err *err) {
    cr_json *root = NULL;
    const cr_json *t, *v;
    size_t i;
    int r = 0;
    *expires_in = 60;
    *issued_at = 0;
    token->len = 0;
    if ((r = cr_json_parse(body, len, &root, err)) < 0) {
        cr_err_wrap(err, "token response");
        return r;
    }
    t = cr_json_get(root, "token");
    if (!t || (t->type == CR_JSON_STRING && !t->len)) t = cr_json_get(root, "access_token");
    if (!t || t->type != CR_JSON_STRING || !t->len) {
        r = cr_err_set(err, EINVAL, "token response: no token");
        goto out;
    }
    /* it goes into an Authorization header: no spaces, controls or CR/LF */
    for (i = 0; i < t->len; i++)
        if ((unsigned char)t->str[i] <= 0x20 || (unsigned char)t->str[i] >= 0x7f) {
            r = cr_err_set(err, EINVAL, "token response: token has a byte 0x%02x that cannot go into a header", (unsigned char)t->str[i]);
            goto out;
        }
    cr_buf_add(token, t->str, t->len);
    if (token->oom) { r = cr_err_set(err, ENOMEM, "token response: out of memory"); goto out; }
    /* like Docker: a lifetime under a minute (or none) counts as a minute */
    if ((v = cr_json_get(root, "expires_in")) && !cr_json_i64(v, expires_in) && *expires_in < 60) *expires_in = 60;
    if (*expires_in > INT32_MAX) *expires_in = INT32_MAX;
    if ((v = cr_json_get(root, "issued_at")) && v->type == CR_JSON_STRING) cr__auth_time(v->str, issued_at);
out:
    cr_json_free(root);
    return r;
}

static const char cr__auth_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void cr__auth_b64_encode(const unsigned char *p, size_t n, cr_buf *out) {
    char q[4];
    size_t i;
    for (i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        q[0] = cr__auth_b64[w >> 18 & 63];
        q[1] = cr__auth_b64[w >> 12 & 63];
        q[2] = i + 1 < n ? cr__auth_b64[w >> 6 & 63] : '=';
        q[3] = i + 2 < n ? cr__auth_b64[w & 63] : '=';
        cr_buf_add(out, q, 4);
    }
}

/* Standard alphabet, padding optional; out holds n * 3 / 4 bytes. Returns
   the decoded length or -1. */
static long cr__auth_b64_decode(const char *s, size_t n, unsigned char *out) {
    uint32_t acc = 0;
    size_t i, o = 0, pad = 0;
    int bits = 0;
    while (pad < 2 && n > pad && s[n - 1 - pad] == '=') pad++;
    if (pad && n % 4) return -1;
    n -= pad;
    if (n % 4 == 1) return -1;
    for (i = 0; i < n; i++) {
        const char *c = s[i] ? strchr(cr__auth_b64, s[i]) : NULL;
        if (!c) return -1;
        acc = acc << 6 | (uint32_t)(c - cr__auth_b64);
        if ((bits += 6) >= 8) { bits -= 8; out[o++] = (unsigned char)(acc >> bits); }
    }
    return (long)o;
}

CR_API void cr_auth_basic(const char *user, const char *pass, cr_buf *out) {
    cr_buf up = {0};
    cr_buf_printf(&up, "%s:%s", user, pass);
    cr_buf_puts(out, "Basic ");
    if (up.oom) out->oom = 1;
    else cr__auth_b64_encode((const unsigned char *)up.data, up.len, out);
    if (up.data) explicit_bzero(up.data, up.len);
    cr_buf_free(&up);
}

/* An auths key reduced to what it names: a URL to its host, Docker Hub's
   three names to one, the host in lower case; "host/ns" keeps its path.
   -1 if it does not fit. */
static int cr__auth_norm(const char *key, char *out, size_t n) {
    const char *k = key;
    size_t len, hl, i;
    int url = 0;
    if (!strncasecmp(k, "https://", 8)) k += 8, url = 1;
    else if (!strncasecmp(k, "http://", 7)) k += 7, url = 1;
    hl = strcspn(k, "/");
    len = url ? hl : strlen(k);
    if ((hl == 9 && !strncasecmp(k, CR__REF_HUB, 9)) || (hl == 15 && !strncasecmp(k, CR__REF_HUB_LEGACY, 15)) ||
        (hl == 20 && !strncasecmp(k, CR__REF_HUB_API, 20))) {
        if (len - hl + 9 >= n) return -1;
        memcpy(out, CR__REF_HUB, 9);
        memcpy(out + 9, k + hl, len - hl);
        out[len - hl + 9] = 0;
        return 0;
    }
    if (len >= n) return -1;
    for (i = 0; i < len; i++) out[i] = (char)(i < hl && k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i]);
    out[len] = 0;
    return 0;
}

/* Decodes an entry's "auth" into user and pass: 1 if it has one, 0 if not
   (an empty entry: Docker Desktop keeps the secret in a helper). */
static int cr__auth_entry(const cr_json *e, char *user, size_t un, char *pass, size_t pn, cr_err *err) {
    const cr_json *a = cr_json_get(e, "auth");
    unsigned char *buf;
    char *colon;
    long n;
    int r = 1;
    if (e->type != CR_JSON_OBJECT) return cr_err_set(err, EINVAL, "auths.\"%s\": expected object, got %s", e->key, cr_json_type_name(e->type));
    if (!a || a->type == CR_JSON_NULL || (a->type == CR_JSON_STRING && !a->len)) return 0;
    if (a->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "auths.\"%s\".auth: expected string, got %s", e->key, cr_json_type_name(a->type));
    if (!(buf = (unsigned char *)CR_MALLOC(a->len + 1))) return cr_err_set(err, ENOMEM, "out of memory");
    n = cr__auth_b64_decode(a->str, a->len, buf);
    if (n >= 0) buf[n] = 0;
    /* never quote the secret in a message */
    if (n < 0 || memchr(buf, 0, (size_t)n) || !(colon = strchr((char *)buf, ':')) || colon == (char *)buf)
        r = cr_err_set(err, EINVAL, "auths.\"%s\".auth: not base64 of \"user:password\"", e->key);
    else {
        *colon = 0;
        if (cr__auth_put(user, un, (char *)buf, strlen((char *)buf)) < 0 || cr__auth_put(pass, pn, colon + 1, strlen(colon + 1)) < 0)
            r = cr_err_set(err, E2BIG, "auths.\"%s\": user name or password too long", e->key);
    }
    explicit_bzero(buf, a->len + 1);
    CR_FREE(buf);
    return r;
}

/* Looks reg (normalised) up in one file's text, most specific namespace
   first; within one, an exact key beats one that only normalises to it. */
static int cr__auth_find(const char *text, size_t len, const char *reg, char *user, size_t un, char *pass, size_t pn, cr_err *err) {
    cr_json *root = NULL;
    const cr_json *auths, *e;
    char cand[768], k[768], *slash;
    int r, exact;
    if ((r = cr_json_parse(text, len, &root, err)) < 0) return r;
    if (root->type != CR_JSON_OBJECT) { r = cr_err_set(err, EINVAL, "expected an object, got %s", cr_json_type_name(root->type)); goto out; }
    auths = cr_json_get(root, "auths");
    if (!auths || auths->type == CR_JSON_NULL) goto out;
    if (auths->type != CR_JSON_OBJECT) { r = cr_err_set(err, EINVAL, "auths: expected object, got %s", cr_json_type_name(auths->type)); goto out; }
    snprintf(cand, sizeof cand, "%s", reg);
    for (;;) {
        for (exact = 1; exact >= 0; exact--)
            for (e = auths->child; e; e = e->next) {
                if (exact ? strcmp(e->key, cand) != 0 : (cr__auth_norm(e->key, k, sizeof k) < 0 || strcmp(k, cand) != 0)) continue;
                if ((r = cr__auth_entry(e, user, un, pass, pn, err)) != 0) goto out;
            }
        if (!(slash = strrchr(cand, '/'))) break;
        *slash = 0;
    }
out:
    cr_json_free(root);
    return r;
}

CR_API int cr_auth_lookup(const char *registry, const char *const *files, char *user, size_t user_n,
                          char *pass, size_t pass_n, cr_err *err) {
    char reg[768];
    size_t i;
    if (user && user_n) user[0] = 0;
    if (pass && pass_n) pass[0] = 0;
    if (!registry || !*registry || cr__auth_norm(registry, reg, sizeof reg) < 0)
        return cr_err_set(err, EINVAL, "invalid registry name \"%.200s\"", registry ? registry : "");
    for (i = 0; files && files[i]; i++) {
        cr_buf text = {0};
        cr_err rerr = {0};
        int r;
        if (!files[i][0]) continue;
        r = cr_util_read_file(AT_FDCWD, files[i], 1 << 20, &text, &rerr);
        if (r < 0) {
            cr_buf_free(&text);
            if (r == -ENOENT || r == -ENOTDIR) continue;
            if (err) *err = rerr;
            return r;
        }
        r = cr__auth_find(text.data, text.len, reg, user, user_n, pass, pass_n, err);
        explicit_bzero(text.data, text.len);
        cr_buf_free(&text);
        if (r < 0) {
            if (user && user_n) explicit_bzero(user, user_n);
            if (pass && pass_n) explicit_bzero(pass, pass_n);
            cr_err_wrap(err, "%s", files[i]);
            return r;
        }
        if (r) return 1;
    }
    return 0;
}

/* Writes the "auths" object: old's entries except those naming norm (NULL:
   all of them), then norm's new entry when auth is not NULL. Returns how
   many were dropped. */
static int cr__auth_write_auths(cr_jw *w, const cr_json *old, const char *norm, const char *auth) {
    const cr_json *e;
    char k[768];
    int dropped = 0;
    cr_jw_obj(w);
    for (e = old && old->type == CR_JSON_OBJECT ? old->child : NULL; e; e = e->next) {
        if (!norm || (cr__auth_norm(e->key, k, sizeof k) == 0 && !strcmp(k, norm))) { dropped++; continue; }
        cr_jw_key(w, e->key);
        cr_jw_value(w, e);
    }
    if (auth) {
        /* Docker files Hub under its v1 URL, and every other tool reads that key */
        cr_jw_key(w, strcmp(norm, CR__REF_HUB) ? norm : CR__REF_HUB_AUTH);
        cr_jw_obj(w);
        cr_jw_key(w, "auth");
        cr_jw_str(w, auth);
        cr_jw_obj_end(w);
    }
    cr_jw_obj_end(w);
    return dropped;
}

/* The new text of an auth file (text NULL: there was none) with reg's
   entry replaced by {"auth": auth} or, auth NULL, removed (reg NULL too:
   every entry); every other key is kept in its place. Returns how many
   entries were dropped. */
static int cr__auth_merge(const char *text, size_t len, const char *reg, const char *auth, cr_buf *out, cr_err *err) {
    cr_json *root = NULL;
    const cr_json *m, *auths;
    char norm[768];
    cr_jw w;
    int dropped = 0, r;
    if (reg && cr__auth_norm(reg, norm, sizeof norm) < 0) return cr_err_set(err, EINVAL, "invalid registry name \"%.200s\"", reg);
    if (text && (r = cr_json_parse(text, len, &root, err)) < 0) return r;
    auths = cr_json_get(root, "auths");
    if (root && root->type != CR_JSON_OBJECT) r = cr_err_set(err, EINVAL, "expected an object, got %s", cr_json_type_name(root->type));
    else if (auths && auths->type != CR_JSON_OBJECT && auths->type != CR_JSON_NULL)
        r = cr_err_set(err, EINVAL, "auths: expected object, got %s", cr_json_type_name(auths->type));
    else {
        cr_jw_init(&w, out);
        cr_jw_obj(&w);
        for (m = root ? root->child : NULL; m; m = m->next) {
            cr_jw_key(&w, m->key);
            if (strcmp(m->key, "auths")) cr_jw_value(&w, m);
            else dropped = cr__auth_write_auths(&w, m, reg ? norm : NULL, auth);
        }
        if (!auths && auth) {
            cr_jw_key(&w, "auths");
            cr__auth_write_auths(&w, NULL, norm, auth);
        }
        cr_jw_obj_end(&w);
        cr_buf_putc(out, '\n');
        r = out->oom ? cr_err_set(err, ENOMEM, "out of memory") : dropped;
    }
    cr_json_free(root);
    return r;
}

/* Rewrites file with reg's entry set to auth (NULL: removed). */
static int cr__auth_rewrite(const char *file, const char *reg, const char *auth, cr_err *err) {
    char path[PATH_MAX], dir[PATH_MAX];
    const char *slash;
    cr_buf old = {0}, out = {0};
    cr_err rerr = {0};
    int r, dfd;
    if (!file || !*file) return cr_err_set(err, EINVAL, "no auth file given");
    /* write through a symlink (dotfile managers) rather than replace it */
    if (!realpath(file, path)) {
        if (errno != ENOENT) return cr__errno(err, "%s", file);
        if (strlen(file) >= sizeof path) return cr_err_set(err, ENAMETOOLONG, "%s: name too long", file);
        snprintf(path, sizeof path, "%s", file);
    }
    r = cr_util_read_file(AT_FDCWD, path, 1 << 20, &old, &rerr);
    if (r < 0 && r != -ENOENT) {
        if (err) *err = rerr;
        goto out;
    }
    r = cr__auth_merge(r < 0 ? NULL : old.data, old.len, reg, auth, &out, err);
    if (r < 0) { cr_err_wrap(err, "%s", path); goto out; }
    if (!auth && !r) { r = reg ? cr_err_set(err, ENOENT, "not logged in to %s", reg) : cr_err_set(err, ENOENT, "not logged in"); goto out; }
    slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", !slash ? 1 : slash == path ? 1 : (int)(slash - path), slash ? path : ".");
    if (auth && cr__mkdir_p(dir, 0700) < 0) { r = cr__errno(err, "mkdir %s", dir); goto out; }
    if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = cr__errno(err, "open %s", dir); goto out; }
    r = cr_util_write_atomic(dfd, slash ? slash + 1 : path, out.data, out.len, err);
    close(dfd);
out:
    if (old.data) explicit_bzero(old.data, old.len);
    if (out.data) explicit_bzero(out.data, out.len);
    cr_buf_free(&old);
    cr_buf_free(&out);
    return r < 0 ? r : 0;
}

CR_API int cr_auth_store(const char *file, const char *registry, const char *user, const char *pass, cr_err *err) {
    cr_buf up = {0}, b64 = {0};
    int r;
    if (!registry || !*registry) return cr_err_set(err, EINVAL, "no registry given");
    /* "user:pass" splits at the first colon, so the user cannot have one */
    if (!user || !*user || strchr(user, ':')) return cr_err_set(err, EINVAL, "user name must be non-empty and without ':'");
    cr_buf_printf(&up, "%s:%s", user, pass ? pass : "");
    if (!up.oom) cr__auth_b64_encode((const unsigned char *)up.data, up.len, &b64);
    r = up.oom || b64.oom ? cr_err_set(err, ENOMEM, "out of memory") : cr__auth_rewrite(file, registry, b64.data, err);
    if (up.data) explicit_bzero(up.data, up.len);
    if (b64.data) explicit_bzero(b64.data, b64.len);
    cr_buf_free(&up);
    cr_buf_free(&b64);
    return r;
}

CR_API const char *cr_auth_default_file(char *buf, size_t n) {
    const char *home = getenv("HOME");
    struct passwd *pw;
    if ((!home || !*home) && (pw = getpwuid(getuid()))) home = pw->pw_dir;
    snprintf(buf, n, "%s/.docker/config.json", home && *home ? home : "");
    return buf;
}

CR_API int cr_auth_remove(const char *file, const char *registry, cr_err *err) {
    if (registry && !*registry) return cr_err_set(err, EINVAL, "no registry given");
    return cr__auth_rewrite(file, registry, NULL, err);
}

#endif /* CR_NO_REGISTRY */

#ifndef CR_NO_REGISTRY
/* ==========================================================================
 * >>store — cr_store_*: content-addressed blobs, unpacked layers, image names
 *         and the image names: list, find, remove, gc
 *
 * Every blob streams into tmp/<hex>.part while its sha256 is computed, under
 * flock of that file, and is renamed into blobs/sha256/ only once digest and
 * size match, so concurrent pulls share one download and a killed pull
 * leaves a .part that the next one resumes with a Range request. Layers
 * unpack into a temp dir renamed to layers/sha256/<diff-id> after the
 * diff-id matched the image config.
 * ========================================================================== */

CR_API const char *cr_store_root(const cr_store *s) {
    const char *env;
    if (s && s->root && *s->root) return s->root;
    env = getenv("CR_STORAGE");
    return env && *env ? env : "/var/lib/cr";
}

static int cr__store_prepare(const char *root, cr_err *err) {
    static const char *const dirs[] = { "blobs/sha256", "layers/sha256", "tmp" };
    size_t i;
    for (i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", root, dirs[i]);
        if (cr__mkdir_p(p, 0700) < 0) return cr__errno(err, "storage \"%s\"", p);
    }
    return 0;
}

/* The store-wide lock guards images.json and gc. */
static int cr__store_lock(const char *root, cr_err *err) {
    char p[PATH_MAX];
    int fd;
    snprintf(p, sizeof p, "%s/lock", root);
    fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        int r = cr__errno(err, "lock storage \"%s\"", root);
        if (fd >= 0) close(fd);
        return r;
    }
    return fd;
}

/* "sha256:<hex>" -> "<hex>", or NULL (the store keeps sha256 only). */
static const char *cr__store_hex(const char *digest) {
    return strncmp(digest, "sha256:", 7) || strlen(digest) != 71 ? NULL : digest + 7;
}

static int cr__store_has_blob(const char *root, const char *digest, uint64_t size) {
    char p[PATH_MAX];
    struct stat sb;
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", root, cr__store_hex(digest));
    return stat(p, &sb) == 0 && (uint64_t)sb.st_size == size;
}

/* Blobs up to this size are hashed again each time a pull would reuse them
   (configs, manifests): a damaged one of the right size is fetched again. */
#define CR__STORE_VERIFY_MAX ((uint64_t)16 << 20)

/* A stored blob a pull may reuse: the right size and, if small, the right
   digest. A damaged one is removed (with a warning) so that it is fetched
   again. */
static int cr__store_reusable_blob(const char *root, const char *digest, uint64_t size) {
    char p[PATH_MAX], got[CR_SHA256_DIGEST_MAX], buf[65536];
    cr__sha256 h;
    ssize_t n;
    int fd;
    if (!cr__store_has_blob(root, digest, size)) return 0;
    if (size > CR__STORE_VERIFY_MAX || strncmp(digest, "sha256:", 7)) return 1;
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", root, cr__store_hex(digest));
    if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) return 0;
    cr__sha256_init(&h);
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) cr__sha256_update(&h, buf, (size_t)n);
    close(fd);
    if (n < 0) return 0;   /* unreadable now: fetched again, never removed on a guess */
    cr__sha256_digest(&h, got);
    if (!strcmp(got, digest)) return 1;
    cr_log(CR_LOG_WARN, "%s is damaged (its content hashes to %s): fetching it again", p, got);
    unlink(p);
    return 0;
}

/* An unpacked layer is complete once layers/sha256/.unpacked/<hex>, written
   last, says so: it holds the diff-id and the count of the layer's
   top-level entries, a cheap check that the directory is still what was
   unpacked. Its time is fixed (the epoch) so that the store's layers read
   the same whenever and however they were unpacked. */
static void cr__store_layer_marker(const char *root, const char *diff_id, char *text, size_t n) {
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    long entries = 0;
    snprintf(dir, sizeof dir, "%s/layers/sha256/%s", root, cr__store_hex(diff_id));
    text[0] = 0;
    if (!(d = opendir(dir))) return;
    while ((e = readdir(d))) entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    snprintf(text, n, "%s %ld\n", diff_id, entries);
}

static int cr__store_layer_mark(const char *root, const char *diff_id, cr_err *err) {
    static const struct timespec epoch[2] = { { 0, 0 }, { 0, 0 } };
    char dir[PATH_MAX], text[128];
    int dfd, r;
    cr__store_layer_marker(root, diff_id, text, sizeof text);
    snprintf(dir, sizeof dir, "%s/layers/sha256/.unpacked", root);
    if (cr__mkdir_p(dir, 0700) < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return cr__errno(err, "%s", dir);
    if ((r = cr_util_write_atomic(dfd, cr__store_hex(diff_id), text, strlen(text), err)) == 0)
        utimensat(dfd, cr__store_hex(diff_id), epoch, 0);
    close(dfd);
    return r;
}

/* 1: the layer dir is there and its marker matches; 0: no dir; -1: a dir
   that is incomplete or damaged (no marker: unpacked by a cr without them,
   or killed before it was written). */
static int cr__store_layer_state(const char *root, const char *diff_id) {
    char p[PATH_MAX], want[128];
    cr_buf have = {0};
    int r;
    if (!cr__store_hex(diff_id)) return 0;
    snprintf(p, sizeof p, "%s/layers/sha256/%s", root, cr__store_hex(diff_id));
    if (access(p, F_OK) < 0) return 0;
    cr__store_layer_marker(root, diff_id, want, sizeof want);
    snprintf(p, sizeof p, "%s/layers/sha256/.unpacked/%s", root, cr__store_hex(diff_id));
    r = cr_util_read_file(AT_FDCWD, p, 256, &have, NULL) == 0 && have.len == strlen(want) && !memcmp(have.data, want, have.len) ? 1 : -1;
    cr_buf_free(&have);
    return r;
}

static int cr__store_put_bytes(const char *root, const char *digest, const void *data, size_t n, cr_err *err) {
    char p[PATH_MAX];
    int dfd, r;
    if (cr__store_reusable_blob(root, digest, n)) return 0;
    snprintf(p, sizeof p, "%s/blobs/sha256", root);
    if ((dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return cr__errno(err, "open %s", p);
    r = cr_util_write_atomic(dfd, cr__store_hex(digest), data, n, err);
    close(dfd);
    return r;
}

static int cr__store_read_blob(const char *root, const char *digest, size_t max, cr_buf *out, cr_err *err) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", root, cr__store_hex(digest));
    return cr_util_read_file(AT_FDCWD, p, max, out, err);
}

/* ---- images.json ---- */

static int cr__images_parse(const char *path, const cr_buf *text, cr_json **out, cr_err *err) {
    int r;
    *out = NULL;
    if ((r = cr_json_parse(text->data ? text->data : "", text->len, out, err)) < 0) return cr_err_wrap(err, "%s", path);
    if ((*out)->type != CR_JSON_ARRAY) { cr_json_free(*out); *out = NULL; return cr_err_set(err, EINVAL, "%s: expected an array", path); }
    return 0;
}

static int cr__images_repair(const char *root, int locked, cr_json **out, cr_buf *text, cr_err *err);

/* images.json as a JSON array (NULL if there is none). A damaged one is
   rebuilt from the store (cr__images_repair); locked: the caller holds the
   store lock. */
static int cr__images_load(const char *root, cr_json **out, cr_buf *text, int locked, cr_err *err) {
    char p[PATH_MAX];
    cr_err why = {0};
    int r;
    *out = NULL;
    snprintf(p, sizeof p, "%s/images.json", root);
    r = cr_util_read_file(AT_FDCWD, p, 64 << 20, text, err);
    if (r == -ENOENT) return 0;
    if (r < 0) return r;
    if (cr__images_parse(p, text, out, &why) == 0) return 0;
    return cr__images_repair(root, locked, out, text, err);
}

static void cr__image_entry(const cr_json *e, cr_image_info *i) {
    const cr_json *v;
    memset(i, 0, sizeof *i);
#define CR__IMG(key, dst) if ((v = cr_json_get(e, key)) && v->type == CR_JSON_STRING) snprintf(dst, sizeof dst, "%s", v->str)
    CR__IMG("name", i->name);
    CR__IMG("digest", i->digest);
    CR__IMG("manifest", i->manifest);
    CR__IMG("config", i->config);
    CR__IMG("pulled", i->pulled);
#undef CR__IMG
    if ((v = cr_json_get(e, "size"))) cr_json_u64(v, &i->size);
}

static void cr__image_write(cr_jw *w, const cr_image_info *i) {
    cr_jw_obj(w);
    cr_jw_key(w, "name"); cr_jw_str(w, i->name);
    cr_jw_key(w, "digest"); cr_jw_str(w, i->digest);
    cr_jw_key(w, "manifest"); cr_jw_str(w, i->manifest);
    cr_jw_key(w, "config"); cr_jw_str(w, i->config);
    cr_jw_key(w, "size"); cr_jw_u64(w, i->size);
    cr_jw_key(w, "pulled"); cr_jw_str(w, i->pulled);
    cr_jw_obj_end(w);
}

/* ---- a damaged images.json ----
   The index is rebuilt from what the store holds: entries of the damaged
   file that still parse (their manifest and config in blobs/) keep their
   names; every other image manifest in blobs/ whose config is there comes
   back as localhost/recovered:<id>. The damaged file is kept aside as
   images.json.damaged-<UTC time>, and a warning names what was lost. */

static int cr__store_blob_present(const char *root, const char *digest) {
    char p[PATH_MAX];
    if (!cr__store_hex(digest)) return 0;
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", root, cr__store_hex(digest));
    return access(p, F_OK) == 0;
}

static void cr__images_salvage(const char *root, const cr_buf *text, cr_jw *w, cr_buf *kept, cr_buf *lost, int *named) {
    const char *p = text->data ? text->data : "", *end = p + text->len, *q;
    for (q = p; (q = memchr(q, '{', (size_t)(end - q))); q++) {
        const char *close = memchr(q, '}', (size_t)(end - q)), *key;
        cr_json *e = NULL;
        cr_image_info i;
        char name[CR_REF_STRING_MAX];
        name[0] = 0;
        if ((key = memmem(q, (size_t)((close ? close : end) - q), "\"name\":\"", 8))) {
            const char *s = key + 8, *t = memchr(s, '"', (size_t)(end - s));
            if (t && (size_t)(t - s) < sizeof name) snprintf(name, sizeof name, "%.*s", (int)(t - s), s);
        }
        if (!close) { if (name[0]) cr_buf_printf(lost, "%s%s", lost->len ? ", " : "", name); break; }
        if (cr_json_parse(q, (size_t)(close + 1 - q), &e, NULL) == 0 && e->type == CR_JSON_OBJECT) {
            cr__image_entry(e, &i);
            if (i.name[0] && cr__store_blob_present(root, i.manifest) && cr__store_blob_present(root, i.config)) {
                cr__image_write(w, &i);
                cr_buf_printf(kept, "%s\n", i.manifest);
                ++*named;
                name[0] = 0;
            }
        }
        cr_json_free(e);
        if (name[0]) cr_buf_printf(lost, "%s%s", lost->len ? ", " : "", name);
        q = close;
    }
}

/* Image manifests in blobs/ that no salvaged entry names. */
static int cr__images_rediscover(const char *root, cr_jw *w, const cr_buf *kept) {
    char dir[PATH_MAX];
    char **hexes;
    size_t n, k, l;
    int found = 0;
    snprintf(dir, sizeof dir, "%s/blobs/sha256", root);
    if (cr__dir_names(dir, &hexes, &n) < 0) return 0;
    for (k = 0; k < n; k++) {
        cr_image_info i;
        cr_manifest m;
        cr_buf body = {0};
        char digest[80], want[90];
        struct stat sb;
        snprintf(digest, sizeof digest, "sha256:%.64s", hexes[k]);
        snprintf(want, sizeof want, "%s\n", digest);
        memset(&m, 0, sizeof m);
        snprintf(dir, sizeof dir, "%s/blobs/sha256/%s", root, hexes[k]);
        if (strlen(hexes[k]) != 64 || (kept->data && strstr(kept->data, want)) || stat(dir, &sb) < 0 || sb.st_size > (4 << 20) ||
            cr__store_read_blob(root, digest, 4 << 20, &body, NULL) < 0 || !body.len || body.data[0] != '{' ||
            cr_manifest_parse(NULL, body.data, body.len, &m, NULL) < 0 || m.is_index ||
            !cr__store_has_blob(root, m.config.digest, m.config.size)) {
            cr_manifest_free(&m);
            cr_buf_free(&body);
            continue;
        }
        memset(&i, 0, sizeof i);
        snprintf(i.name, sizeof i.name, "localhost/recovered:%.12s", m.config.digest + 7);
        snprintf(i.digest, sizeof i.digest, "%s", digest);
        snprintf(i.manifest, sizeof i.manifest, "%s", digest);
        snprintf(i.config, sizeof i.config, "%s", m.config.digest);
        i.size = m.config.size;
        for (l = 0; l < m.nlayers; l++) i.size += m.layers[l].size;
        cr__now_rfc3339(i.pulled, sizeof i.pulled);
        cr__image_write(w, &i);
        found++;
        cr_manifest_free(&m);
        cr_buf_free(&body);
    }
    cr__dir_names_free(hexes, n);
    return found;
}

static int cr__images_repair(const char *root, int locked, cr_json **out, cr_buf *text, cr_err *err) {
    char p[PATH_MAX], aside[PATH_MAX + 64], stamp[32];
    cr_buf rebuilt = {0}, kept = {0}, lost = {0};
    cr_jw w;
    time_t now = time(NULL);
    struct tm tm;
    int lock = -1, named = 0, found, dfd, r;
    snprintf(p, sizeof p, "%s/images.json", root);
    if (!locked && (lock = cr__store_lock(root, err)) < 0) return lock;
    /* another cr may have rebuilt it while this one waited for the lock */
    text->len = 0;
    r = cr_util_read_file(AT_FDCWD, p, 64 << 20, text, err);
    if (r == -ENOENT || (r == 0 && cr__images_parse(p, text, out, NULL) == 0)) { r = 0; goto out; }
    if (r < 0) goto out;
    cr_jw_init(&w, &rebuilt);
    cr_jw_arr(&w);
    cr__images_salvage(root, text, &w, &kept, &lost, &named);
    found = cr__images_rediscover(root, &w, &kept);
    cr_jw_arr_end(&w);
    if (rebuilt.oom || kept.oom || lost.oom) { r = cr_err_set(err, ENOMEM, "%s: out of memory", p); goto out; }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(aside, sizeof aside, "%s.damaged-%s", p, stamp);
    if (rename(p, aside) < 0) { r = cr__errno(err, "%s: damaged, and it cannot be kept aside as %s", p, aside); goto out; }
    if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = cr__errno(err, "storage \"%s\"", root); goto out; }
    r = cr_util_write_atomic(dfd, "images.json", rebuilt.data, rebuilt.len, err);
    close(dfd);
    if (r < 0 || (r = cr__images_parse(p, &rebuilt, out, err)) < 0) goto out;
    cr_log(CR_LOG_WARN, "%s was damaged: kept it as %s and rebuilt it from the store: %d image%s with %s name, "
           "%d found by %s manifest as localhost/recovered:<id>; names that could not be recovered: %s",
           p, aside, named, named == 1 ? "" : "s", named == 1 ? "its" : "their", found, found == 1 ? "its" : "their",
           lost.len ? lost.data : "none readable");
    /* *out points into text: keep them together */
    cr_buf_free(text);
    *text = rebuilt;
    memset(&rebuilt, 0, sizeof rebuilt);
out:
    cr_buf_free(&rebuilt);
    cr_buf_free(&kept);
    cr_buf_free(&lost);
    if (lock >= 0) close(lock);
    return r;
}

/* Rewrites images.json without `drop` (a name) and with `add`, under the lock. */
static int cr__images_update(const char *root, const char *drop, const cr_image_info *add, int *found, cr_err *err) {
    cr_json *list = NULL, *e;
    cr_buf text = {0}, out = {0};
    cr_jw w;
    int lock, r, dfd;
    if (found) *found = 0;
    if ((lock = cr__store_lock(root, err)) < 0) return lock;
    if ((r = cr__images_load(root, &list, &text, 1, err)) < 0) goto out;
    cr_jw_init(&w, &out);
    cr_jw_arr(&w);
    for (e = list ? list->child : NULL; e; e = e->next) {
        cr_image_info i;
        cr__image_entry(e, &i);
        if ((drop && !strcmp(i.name, drop)) || (add && !strcmp(i.name, add->name))) { if (found) *found = 1; continue; }
        cr__image_write(&w, &i);
    }
    if (add) cr__image_write(&w, add);
    cr_jw_arr_end(&w);
    if (out.oom) { r = cr_err_set(err, ENOMEM, "images.json: out of memory"); goto out; }
    if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = cr__errno(err, "storage \"%s\"", root); goto out; }
    r = cr_util_write_atomic(dfd, "images.json", out.data, out.len, err);
    close(dfd);
out:
    cr_json_free(list);
    cr_buf_free(&text);
    cr_buf_free(&out);
    close(lock);
    return r;
}

CR_API int cr_store_list(const cr_store *s, int (*fn)(void *user, const cr_image_info *img), void *user, cr_err *err) {
    cr_json *list = NULL, *e;
    cr_buf text = {0};
    int r = cr__images_load(cr_store_root(s), &list, &text, 0, err);
    for (e = list ? list->child : NULL; r == 0 && e; e = e->next) {
        cr_image_info i;
        cr__image_entry(e, &i);
        r = fn(user, &i);
    }
    cr_json_free(list);
    cr_buf_free(&text);
    return r;
}

typedef struct cr__image_match { const char *name, *id; size_t idlen; cr_image_info hit; int n; } cr__image_match;

static int cr__image_match_one(void *user, const cr_image_info *i) {
    cr__image_match *m = (cr__image_match *)user;
    const char *id = i->config + 7;
    if ((m->name && !strcmp(i->name, m->name)) || !strcmp(i->digest, m->id) || !strcmp(i->config, m->id) ||
        (m->idlen >= 4 && !strncmp(id, m->id, m->idlen))) {
        if (!m->n || strcmp(m->hit.config, i->config)) m->n++;
        m->hit = *i;
    }
    return 0;
}

CR_API int cr_store_find(const cr_store *s, const char *name, cr_image_info *out, cr_err *err) {
    cr__image_match m;
    cr_ref ref;
    char canon[CR_REF_STRING_MAX];
    int r;
    memset(&m, 0, sizeof m);
    m.id = name;
    m.idlen = strspn(name, "0123456789abcdef") == strlen(name) ? strlen(name) : 0;
    if (cr_ref_parse(name, &ref, NULL) == 0) { cr_ref_string(&ref, canon, sizeof canon); m.name = canon; }
    if ((r = cr_store_list(s, cr__image_match_one, &m, err)) < 0) return r;
    if (!m.n) return cr_err_set(err, ENOENT, "image \"%s\": not in the store", name);
    if (m.n > 1) return cr_err_set(err, EINVAL, "image \"%s\": ambiguous id prefix", name);
    *out = m.hit;
    return 0;
}

CR_API int cr_store_remove(const cr_store *s, const char *name, cr_err *err) {
    cr_image_info i;
    int r, found;
    if ((r = cr_store_find(s, name, &i, err)) < 0) return r;
    if ((r = cr__images_update(cr_store_root(s), i.name, NULL, &found, err)) < 0) return r;
    return found ? 0 : cr_err_set(err, ENOENT, "image \"%s\": not in the store", name);
}

/* ---- gc ---- */

typedef struct cr__gc { const char *root; cr_buf keep; } cr__gc;

static int cr__gc_mark(void *user, const cr_image_info *img) {
    cr__gc *g = (cr__gc *)user;
    cr_buf body = {0};
    cr_manifest m;
    cr_image_config cfg;
    size_t i;
    memset(&m, 0, sizeof m);
    memset(&cfg, 0, sizeof cfg);
    cr_buf_printf(&g->keep, "%s\n%s\n%s\n", img->digest, img->manifest, img->config);
    if (cr__store_read_blob(g->root, img->manifest, 4 << 20, &body, NULL) == 0 && cr_manifest_parse(NULL, body.data, body.len, &m, NULL) == 0)
        for (i = 0; i < m.nlayers; i++) cr_buf_printf(&g->keep, "%s\n", m.layers[i].digest);
    body.len = 0;
    if (cr__store_read_blob(g->root, img->config, 16 << 20, &body, NULL) == 0 && cr_manifest_config_parse(body.data, body.len, &cfg, NULL) == 0)
        for (i = 0; i < cfg.ndiff_ids; i++) cr_buf_printf(&g->keep, "%s\n", cfg.diff_ids[i]);
    cr_manifest_free(&m);
    cr_manifest_config_free(&cfg);
    cr_buf_free(&body);
    return 0;
}

/* Image containers hold their image's layers as overlay lower dirs, also
   once the image's name is gone (rmi --force). */
static void cr__gc_mark_containers(cr__gc *g) {
    char p[PATH_MAX];
    DIR *d;
    struct dirent *e;
    snprintf(p, sizeof p, "%s/containers", g->root);
    if (!(d = opendir(p))) return;
    while ((e = readdir(d))) {
        char f[PATH_MAX];
        cr_buf text = {0};
        cr_json *rec = NULL;
        const cr_json *img;
        snprintf(f, sizeof f, "%s/%s/ctr.json", p, e->d_name);
        if (cr_util_read_file(AT_FDCWD, f, 1 << 20, &text, NULL) == 0 && cr_json_parse(text.data, text.len, &rec, NULL) == 0 &&
            (img = cr_json_get(rec, "Image")) && img->type == CR_JSON_STRING && cr__store_hex(img->str)) {
            cr_image_info info;
            memset(&info, 0, sizeof info);
            snprintf(info.config, sizeof info.config, "%s", img->str);
            cr__gc_mark(g, &info);
        }
        cr_json_free(rec);
        cr_buf_free(&text);
    }
    closedir(d);
}

static uint64_t cr__gc_sweep(const char *dir, const char *keep, int dirs) {
    DIR *d = opendir(dir);
    struct dirent *e;
    uint64_t freed = 0;
    if (!d) return 0;
    while ((e = readdir(d))) {
        char key[80], p[PATH_MAX];
        struct stat sb;
        if (e->d_name[0] == '.' || strlen(e->d_name) != 64) continue;
        snprintf(key, sizeof key, "sha256:%s\n", e->d_name);
        if (keep && strstr(keep, key)) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &sb) == 0) freed += (uint64_t)sb.st_size;
        if (dirs) cr__rm_rf(AT_FDCWD, p); else unlink(p);
    }
    closedir(d);
    return freed;
}

CR_API int cr_store_gc(const cr_store *s, uint64_t *freed, cr_err *err) {
    const char *root = cr_store_root(s);
    char p[PATH_MAX];
    cr__gc g;
    int lock, r;
    DIR *d;
    struct dirent *e;
    uint64_t n = 0;
    memset(&g, 0, sizeof g);
    g.root = root;
    if ((r = cr__store_prepare(root, err)) < 0) return r;
    if ((lock = cr__store_lock(root, err)) < 0) return lock;
    cr_buf_putc(&g.keep, '\n');
    if ((r = cr_store_list(s, cr__gc_mark, &g, err)) == 0) {
        cr__gc_mark_containers(&g);
        snprintf(p, sizeof p, "%s/blobs/sha256", root);
        n += cr__gc_sweep(p, g.keep.data, 0);
        snprintf(p, sizeof p, "%s/layers/sha256", root);
        n += cr__gc_sweep(p, g.keep.data, 1);
        /* the markers go with their layers (a few bytes: not counted) */
        snprintf(p, sizeof p, "%s/layers/sha256/.unpacked", root);
        cr__gc_sweep(p, g.keep.data, 0);
        /* tmp/: what no running pull holds: a .part or .lock file is
           busy while flocked; layer-<hex> dirs belong to <hex>.lock */
        snprintf(p, sizeof p, "%s/tmp", root);
        if ((d = opendir(p))) {
            while ((e = readdir(d))) {
                char f[PATH_MAX], lockf[PATH_MAX];
                int fd;
                if (e->d_name[0] == '.') continue;
                snprintf(f, sizeof f, "%s/%s", p, e->d_name);
                if (!strncmp(e->d_name, "layer-", 6)) snprintf(lockf, sizeof lockf, "%s/%s.lock", p, e->d_name + 6);
                else snprintf(lockf, sizeof lockf, "%s", f);
                fd = open(lockf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0) cr__rm_rf(AT_FDCWD, f);
                if (fd >= 0) close(fd);
            }
            closedir(d);
        }
    }
    cr_buf_free(&g.keep);
    close(lock);
    if (freed) *freed = n;
    return r;
}
#endif /* CR_NO_REGISTRY */

/* ==========================================================================
 * >>unpack — cr_unpack_*: layer tarballs (plain, gzip, zstd) onto a directory, safely
 *
 * A layer is untrusted input. Every entry is made relative to the layer
 * directory: its name is cleaned (a leading "/" is dropped, as tar -x does;
 * "." and empty components vanish; ".." is refused), its parent directory is
 * resolved with cr__open_in_root (symlinks are followed but can never leave
 * the root, which is what containerd's and Docker's chrooted unpack give),
 * and the last component is made with *at calls on that parent fd, never
 * following a symlink there. A hard link target is cleaned the same way and
 * must stay inside. Whatever is at a name is replaced (a whole tree if it is
 * a directory), except that a directory over a directory merges.
 *
 * The tar reader (cr__tar_*) is a push parser: it takes the uncompressed
 * bytes in chunks of any size, so cr_unpack_layer streams a blob through it
 * and a fuzzer can drive it directly. It reads ustar, GNU (long names and
 * links, base-256 numbers; sparse files are refused) and PAX (path,
 * linkpath, size, uid, gid, mtime, SCHILY.xattr.*, LIBARCHIVE.xattr.*;
 * global headers are ignored). Bounds: a PAX header holds at most 1 MiB, a
 * name less than PATH_MAX bytes, the stream opts->max_size bytes.
 * ========================================================================== */
#ifndef CR_NO_REGISTRY
#include <zlib.h>
#include <zstd.h>
#include <bearssl.h>
#include <sys/xattr.h>

#define CR__TAR_PAX_MAX (1u << 20)
#define CR__TAR_OPAQUE_DEPTH 256

enum { CR__TAR_HEADER, CR__TAR_DATA, CR__TAR_END };          /* parser states */
enum { CR__TAR_SKIP, CR__TAR_FILE, CR__TAR_META };           /* where entry data goes */

typedef struct cr__tar_xattr { const char *name, *val; size_t len; } cr__tar_xattr;

/* Set of paths (offsets + 1 into s, 0 = free slot), open addressing. */
typedef struct cr__tar_set { size_t *slot, cap, n; cr_buf s; } cr__tar_set;

/* A directory whose mode and times wait for the end: entries made inside it
   later would change its mtime, and a read-only mode would stop a rootless
   unpack from filling it. dev/ino tell whether the path still names it. */
typedef struct cr__tar_dir { int64_t mtime; long nsec; dev_t dev; ino_t ino; mode_t mode; } cr__tar_dir;

typedef struct cr__tar cr__tar;
/* cr__tar_list's callback: an entry (t->type, t->name, t->link as archived)
   whose data is size bytes at off in the file. */
typedef int (*cr__tar_visit)(void *user, cr__tar *t, uint64_t off, uint64_t size, cr_err *err);

struct cr__tar {
    int root, whiteouts, rootless;
    const char *what;                    /* names the stream in errors: "layer" unless listing an archive */
    cr__tar_visit visit;                 /* listing: called instead of making the entry */
    void *visit_user;
    uint64_t max, off, hoff;             /* size limit (0 = none), bytes fed, offset of the last header */
    int state, sink, entry, named, zeros, failed;
    uint8_t hdr[512];
    size_t hlen;
    uint64_t left, pad;                  /* data and padding bytes still to come */
    char meta_kind;                      /* 'x', 'L' or 'K' while collecting into meta */
    cr_buf meta;
    /* extended headers waiting for the next entry */
    cr_buf pax, longname, longlink;
    char *px_path, *px_link;             /* NUL-terminated inside pax */
    int px_size_set, px_uid_set, px_gid_set, px_mtime_set, px_sparse;
    uint64_t px_size, px_uid, px_gid;
    int64_t px_mtime;
    long px_nsec;
    cr__tar_xattr *xa;
    size_t nxa, xacap;
    /* the current entry */
    char type;
    char name[PATH_MAX], path[PATH_MAX], link[PATH_MAX];   /* as archived, cleaned, link target */
    uid_t uid;
    gid_t gid;
    mode_t mode;
    int64_t mtime;
    long nsec;
    unsigned dmajor, dminor;
    int fd;                              /* regular file being written */
    /* the parent of the last entry, resolved once for a run of siblings */
    int pfd;
    char pdir[PATH_MAX];
    cr_buf dirs;                         /* cr__tar_dir records, each followed by its NUL-terminated path */
    cr__tar_set made;                    /* CR_UNPACK_APPLY: what this layer created */
};

/* A name fit for an error message: at most 160 bytes, control bytes as '?'. */
static const char *cr__tar_show(const char *s, char out[168]) {
    size_t i;
    for (i = 0; s[i] && i < 160; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
    }
    memcpy(out + i, s[i] ? "..." : "", s[i] ? 4 : 1);
    return out;
}

/* Fails the parser for good. code 0 = errno, with its text appended. The
   message names the entry, or where the stream broke between entries. */
static int cr__tar_fail(cr__tar *t, cr_err *err, int code, const char *fmt, ...) {
    char msg[640], a[168];
    int e = errno ? errno : EIO;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!code) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof msg - n, ": %s", strerror(e));
        code = e;
    }
    if (t->named)
        cr_err_set(err, code, "%s entry \"%s\": %s", t->what, cr__tar_show(t->name, a), msg);
    else if (t->name[0])
        cr_err_set(err, code, "%s: offset %llu, after entry \"%s\": %s", t->what, (unsigned long long)t->hoff,
                   cr__tar_show(t->name, a), msg);
    else
        cr_err_set(err, code, "%s: offset %llu: %s", t->what, (unsigned long long)t->hoff, msg);
    t->failed = code;
    return -code;
}

/* Numeric header field: octal, padded with spaces or NULs, or GNU base-256
   (first byte 0x80, or 0xff for a negative two's complement). -1 when
   malformed or out of int64 range. */
static int cr__tar_num(const uint8_t *f, size_t n, int64_t *out) {
    uint64_t v = 0;
    size_t i;
    if (f[0] & 0x80) {
        uint8_t inv = (f[0] & 0x40) ? 0xff : 0;
        for (i = 0; i < n; i++) {
            uint8_t c = (uint8_t)(f[i] ^ inv);
            if (!i) c &= 0x7f;
            if (v >> 56) return -1;
            v = v << 8 | c;
        }
        if (v >> 63) return -1;
        *out = inv ? ~(int64_t)v : (int64_t)v;
        return 0;
    }
    while (n && (f[n - 1] == ' ' || !f[n - 1])) n--;
    for (i = 0; i < n && (f[i] == ' ' || !f[i]); i++) ;
    for (; i < n; i++) {
        if (f[i] < '0' || f[i] > '7' || v >> 60) return -1;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    *out = (int64_t)v;
    return 0;
}

/* PAX decimal: digits only, at most INT64_MAX. */
static int cr__tar_dec(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > ((uint64_t)INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

/* PAX time: [-]seconds[.fraction], the fraction cut to nanoseconds. */
static int cr__tar_time(const char *s, int64_t *sec, long *nsec) {
    int neg = *s == '-';
    uint64_t v = 0;
    long ns = 0, scale = 100000000;
    s += neg;
    if (*s < '0' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > ((uint64_t)INT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, scale /= 10) ns += (*s - '0') * scale;
    if (*s) return -1;
    *sec = neg ? -(int64_t)v : (int64_t)v;
    if (neg && ns) { *sec -= 1; ns = 1000000000L - ns; }
    *nsec = ns;
    return 0;
}

static int cr__tar_hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* libarchive percent-encodes xattr names; -1 on %00 (it would cut the name). */
static int cr__tar_unpercent(char *s) {
    char *o = s;
    while (*s) {
        int hi, lo;
        if (s[0] == '%' && (hi = cr__tar_hexval(s[1])) >= 0 && (lo = cr__tar_hexval(s[2])) >= 0) {
            if (!hi && !lo) return -1;
            *o++ = (char)(hi << 4 | lo);
            s += 3;
        } else *o++ = *s++;
    }
    *o = 0;
    return 0;
}

/* Base64 decoded in place (libarchive's xattr values); padding optional.
   Returns the decoded length or -1. */
static long cr__tar_unbase64(char *s, size_t n) {
    size_t i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (i = 0; i < n && s[i] != '='; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 :
                c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) { bits -= 8; s[o++] = (char)(acc >> bits & 0xff); }
    }
    for (; i < n; i++) if (s[i] != '=') return -1;
    return (long)o;
}

/* Cleans an archive path into out (as long as in at most): a leading "/",
   "." and empty components and a trailing "/" go. Returns 0; -1 when a ".."
   climbs above the root, -2 for a ".." that stays inside (refused as well:
   no writer emits one), -3 for a component longer than NAME_MAX. */
static int cr__tar_clean(const char *in, char *out) {
    size_t o = 0;
    long depth = 0;
    int dotdot = 0;
    for (;;) {
        size_t n;
        while (*in == '/') in++;
        if (!*in) break;
        n = strcspn(in, "/");
        if (n == 2 && in[0] == '.' && in[1] == '.') {
            dotdot = 1;
            if (--depth < 0) return -1;
        } else if (n > NAME_MAX) {
            return -3;
        } else if (n != 1 || in[0] != '.') {
            if (o) out[o++] = '/';
            memcpy(out + o, in, n);
            o += n;
            depth++;
        }
        in += n;
    }
    out[o] = 0;
    return dotdot ? -2 : 0;
}

static uint64_t cr__tar_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    while (*s) { h ^= (uint8_t)*s++; h *= 1099511628211ull; }
    return h;
}

static int cr__tar_set_has(const cr__tar_set *h, const char *k) {
    size_t i;
    if (!h->cap) return 0;
    for (i = cr__tar_hash(k) & (h->cap - 1); h->slot[i]; i = (i + 1) & (h->cap - 1))
        if (!strcmp(h->s.data + h->slot[i] - 1, k)) return 1;
    return 0;
}

static int cr__tar_set_add(cr__tar_set *h, const char *k) {
    size_t i, j, off;
    if (cr__tar_set_has(h, k)) return 0;
    if ((h->n + 1) * 2 > h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 1024;
        size_t *slot = (size_t *)CR_MALLOC(cap * sizeof *slot);
        if (!slot) return -1;
        memset(slot, 0, cap * sizeof *slot);
        for (j = 0; j < h->cap; j++) {
            if (!h->slot[j]) continue;
            for (i = cr__tar_hash(h->s.data + h->slot[j] - 1) & (cap - 1); slot[i]; i = (i + 1) & (cap - 1)) ;
            slot[i] = h->slot[j];
        }
        CR_FREE(h->slot);
        h->slot = slot;
        h->cap = cap;
    }
    off = h->s.len + 1;
    cr_buf_add(&h->s, k, strlen(k) + 1);
    if (h->s.oom) return -1;
    for (i = cr__tar_hash(k) & (h->cap - 1); h->slot[i]; i = (i + 1) & (h->cap - 1)) ;
    h->slot[i] = off;
    h->n++;
    return 0;
}


static void cr__tar_init(cr__tar *t, int root, const cr_unpack_opts *o) {
    memset(t, 0, sizeof *t);
    t->root = root;
    t->what = "layer";
    t->fd = t->pfd = -1;
    if (o) { t->whiteouts = o->whiteouts; t->rootless = o->rootless; t->max = o->max_size; }
}

/* Forgets a PAX header: a second one replaces the first. */
static void cr__tar_forget_pax(cr__tar *t) {
    cr_buf_free(&t->pax);
    t->px_path = t->px_link = NULL;
    t->px_size_set = t->px_uid_set = t->px_gid_set = t->px_mtime_set = t->px_sparse = 0;
    t->nxa = 0;
}

/* Forgets the extended headers once the entry they describe is done. */
static void cr__tar_forget(cr__tar *t) {
    cr__tar_forget_pax(t);
    cr_buf_free(&t->longname);
    cr_buf_free(&t->longlink);
}

static void cr__tar_free(cr__tar *t) {
    if (t->fd >= 0) close(t->fd);
    if (t->pfd >= 0) close(t->pfd);
    cr__tar_forget(t);
    cr_buf_free(&t->meta);
    cr_buf_free(&t->dirs);
    cr_buf_free(&t->made.s);
    CR_FREE(t->made.slot);
    CR_FREE(t->xa);
    t->fd = t->pfd = -1;
    t->made.slot = NULL;
    t->xa = NULL;
}

static int cr__tar_xattr_add(cr__tar *t, const char *name, const char *val, size_t len) {
    if (t->nxa == t->xacap) {
        size_t cap = t->xacap ? t->xacap * 2 : 8;
        cr__tar_xattr *xa = (cr__tar_xattr *)CR_REALLOC(t->xa, cap * sizeof *xa);
        if (!xa) return -1;
        t->xa = xa;
        t->xacap = cap;
    }
    t->xa[t->nxa].name = name;
    t->xa[t->nxa].val = val;
    t->xa[t->nxa++].len = len;
    return 0;
}

/* Parses the records "LEN KEY=VALUE\n" of a PAX header held in t->pax, in
   place: keys and values are NUL-terminated where '=' and '\n' were. */
static int cr__tar_pax(cr__tar *t, cr_err *err) {
    char *p = t->pax.data, *end, a[168];
    if (!p) return 0;   /* an empty header */
    end = p + t->pax.len;
    while (p < end) {
        size_t len = 0, vlen;
        char *q = p, *key, *eq, *val, *nl;
        while (q < end && *q >= '0' && *q <= '9' && len <= CR__TAR_PAX_MAX) len = len * 10 + (size_t)(*q++ - '0');
        if (q == p || q == end || *q != ' ' || len > (size_t)(end - p) || len < (size_t)(q - p) + 3)
            return cr__tar_fail(t, err, EINVAL, "malformed PAX record");
        key = q + 1;
        nl = p + len - 1;
        eq = (char *)memchr(key, '=', (size_t)(nl - key));
        if (*nl != '\n' || !eq || eq == key || memchr(key, 0, (size_t)(eq - key)))
            return cr__tar_fail(t, err, EINVAL, "malformed PAX record");
        *eq = *nl = 0;
        val = eq + 1;
        vlen = (size_t)(nl - val);
        p += len;
        if (!strcmp(key, "path") || !strcmp(key, "linkpath")) {
            if (strlen(val) != vlen) return cr__tar_fail(t, err, EINVAL, "PAX %s holds a NUL byte", key);
            *(key[0] == 'p' ? &t->px_path : &t->px_link) = vlen ? val : NULL;   /* empty: back to the header's */
        } else if (!strcmp(key, "size") || !strcmp(key, "uid") || !strcmp(key, "gid")) {
            int *set = key[0] == 's' ? &t->px_size_set : key[0] == 'u' ? &t->px_uid_set : &t->px_gid_set;
            uint64_t *v = key[0] == 's' ? &t->px_size : key[0] == 'u' ? &t->px_uid : &t->px_gid;
            *set = vlen != 0;
            if (vlen && cr__tar_dec(val, v) < 0)
                return cr__tar_fail(t, err, EINVAL, "invalid PAX %s \"%s\"", key, cr__tar_show(val, a));
        } else if (!strcmp(key, "mtime")) {
            t->px_mtime_set = vlen != 0;
            if (vlen && cr__tar_time(val, &t->px_mtime, &t->px_nsec) < 0)
                return cr__tar_fail(t, err, EINVAL, "invalid PAX mtime \"%s\"", cr__tar_show(val, a));
        } else if (!strncmp(key, "SCHILY.xattr.", 13) || !strncmp(key, "LIBARCHIVE.xattr.", 17)) {
            char *name = key + (key[0] == 'S' ? 13 : 17);
            long n = (long)vlen;
            if (key[0] == 'L' && (cr__tar_unpercent(name) < 0 || (n = cr__tar_unbase64(val, vlen)) < 0))
                return cr__tar_fail(t, err, EINVAL, "malformed PAX record %s", cr__tar_show(key, a));
            if (!*name) return cr__tar_fail(t, err, EINVAL, "PAX xattr record without a name");
            if (cr__tar_xattr_add(t, name, val, (size_t)n) < 0) return cr__tar_fail(t, err, ENOMEM, "out of memory");
        } else if (!strncmp(key, "GNU.sparse.", 11)) {
            t->px_sparse = 1;
        }
        /* other keys (atime, ctime, uname, gname, comment, charset, ...) do not matter here */
    }
    return 0;
}

/* Sets an xattr on fd, or else on last in pfd without following it (through
   /proc/self/fd, as there is no lsetxattrat; "" = pfd itself). */
static int cr__tar_setxattr(int fd, int pfd, const char *last, const char *name, const void *v, size_t n) {
    char p[64 + NAME_MAX];
    if (fd >= 0) return fsetxattr(fd, name, v, n, 0);
    snprintf(p, sizeof p, "/proc/self/fd/%d%s%s", pfd, *last ? "/" : "", last);
    return *last ? lsetxattr(p, name, v, n, 0) : setxattr(p, name, v, n, 0);
}

/* The entry's metadata: owner, then mode (chown clears setuid and setgid),
   then xattrs (chown clears security.capability), then times; on fd when
   there is one, else on last in pfd without following it. A directory's mode
   and times are recorded for cr__tar_finish instead. */
static int cr__tar_attrs(cr__tar *t, int fd, int pfd, const char *last, cr_err *err) {
    char a[168], b[168];
    struct timespec ts[2];
    size_t i;
    if ((fd >= 0 ? fchown(fd, t->uid, t->gid) : fchownat(pfd, last, t->uid, t->gid, AT_SYMLINK_NOFOLLOW)) < 0) {
        if (!t->rootless) return cr__tar_fail(t, err, 0, "chown %u:%u", (unsigned)t->uid, (unsigned)t->gid);
        cr_log(CR_LOG_DEBUG, "layer entry \"%s\": chown %u:%u: %s (rootless: ignored)",
               cr__tar_show(t->name, a), (unsigned)t->uid, (unsigned)t->gid, strerror(errno));
    }
    if (t->type != '2' && t->type != '5' &&
        (fd >= 0 ? fchmod(fd, t->mode) : fchmodat(pfd, last, t->mode, 0)) < 0)
        return cr__tar_fail(t, err, 0, "chmod %04o", (unsigned)t->mode);
    for (i = 0; i < t->nxa; i++) {
        const cr__tar_xattr *x = &t->xa[i];
        /* overlayfs takes redirect, metacopy and opaque from these on a lowerdir:
           a layer says such things with whiteouts only */
        if (!strncmp(x->name, "trusted.overlay.", 16) || !strncmp(x->name, "user.overlay.", 13)) {
            cr_log(CR_LOG_WARN, "layer entry \"%s\": xattr %s ignored", cr__tar_show(t->name, a), cr__tar_show(x->name, b));
            continue;
        }
        if (!cr__tar_setxattr(fd, pfd, last, x->name, x->val, x->len)) continue;
        if (errno == EOPNOTSUPP || (t->rootless && errno == EPERM)) {
            cr_log(CR_LOG_WARN, "layer entry \"%s\": xattr %s: %s (ignored)", cr__tar_show(t->name, a),
                   cr__tar_show(x->name, b), strerror(errno));
            continue;
        }
        return cr__tar_fail(t, err, 0, "set xattr %s", cr__tar_show(x->name, b));
    }
    if (t->type == '5') {
        cr__tar_dir d;
        struct stat st;
        if (fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) < 0) return cr__tar_fail(t, err, 0, "stat");
        memset(&d, 0, sizeof d);
        d.mtime = t->mtime; d.nsec = t->nsec; d.dev = st.st_dev; d.ino = st.st_ino; d.mode = t->mode;
        cr_buf_add(&t->dirs, &d, sizeof d);
        cr_buf_add(&t->dirs, t->path, strlen(t->path) + 1);
        return t->dirs.oom ? cr__tar_fail(t, err, ENOMEM, "out of memory") : 0;
    }
    ts[0].tv_sec = ts[1].tv_sec = (time_t)t->mtime;
    ts[0].tv_nsec = ts[1].tv_nsec = t->nsec;
    if ((fd >= 0 ? futimens(fd, ts) : utimensat(pfd, last, ts, AT_SYMLINK_NOFOLLOW)) < 0)
        return cr__tar_fail(t, err, 0, "set times");
    return 0;
}

/* Creates the missing directories of dir (0755, root-owned: archives may
   leave out parent entries), each resolved inside the root; returns an
   O_PATH fd of the last or -1 with errno. */
static int cr__tar_mkparents(cr__tar *t, const char *dir) {
    char buf[PATH_MAX];
    int cur = t->root, fd, e;
    size_t i;
    snprintf(buf, sizeof buf, "%s", dir);
    for (i = 0;; i++) {
        char c = buf[i], *comp;
        if (c && c != '/') continue;
        buf[i] = 0;
        comp = strrchr(buf, '/');
        comp = comp ? comp + 1 : buf;
        fd = cr__open_in_root(t->root, buf, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT) {
            if (!mkdirat(cur, comp, 0755)) {
                if (fchmodat(cur, comp, 0755, 0) < 0 ||
                    (t->whiteouts == CR_UNPACK_APPLY && cr__tar_set_add(&t->made, buf) < 0)) fd = -1;
                else fd = cr__open_in_root(t->root, buf, O_PATH | O_DIRECTORY, 0);
            } else if (errno == EEXIST) {   /* a dangling symlink: this fails with ENOENT */
                fd = cr__open_in_root(t->root, buf, O_PATH | O_DIRECTORY, 0);
            }
        }
        e = errno;
        if (cur != t->root) close(cur);
        if (fd < 0) { errno = e; return -1; }
        cur = fd;
        if (!c) return cur;
        buf[i] = c;
    }
}

/* An O_PATH fd of directory dir (cleaned, "" = the root), owned by t. */
static int cr__tar_parent(cr__tar *t, const char *dir, cr_err *err) {
    char a[168];
    int fd;
    if (!*dir) return t->root;
    if (t->pfd >= 0 && !strcmp(t->pdir, dir)) return t->pfd;
    if (t->pfd >= 0) close(t->pfd);
    t->pfd = -1;
    fd = cr__open_in_root(t->root, dir, O_PATH | O_DIRECTORY, 0);
    if (fd < 0 && errno == ENOENT) fd = cr__tar_mkparents(t, dir);
    if (fd < 0) return cr__tar_fail(t, err, 0, "parent directory \"%s\"", cr__tar_show(dir, a));
    t->pfd = fd;
    memcpy(t->pdir, dir, strlen(dir) + 1);
    return fd;
}

/* Whatever was removed may have been on the way to the cached parent. The fd
   stays open for the entry in progress; the next lookup resolves again. */
static void cr__tar_moved(cr__tar *t) { t->pdir[0] = 0; }

/* CR_UNPACK_APPLY opaque directory: removes what lower layers put in fd (an
   O_RDONLY directory, closed here) and keeps what this layer made, looking
   inside the directories it made. path is a PATH_MAX buffer holding fd's
   archive path. */
static int cr__tar_opaque(cr__tar *t, int fd, char *path, int depth, cr_err *err) {
    size_t plen = strlen(path);
    char a[168];
    struct dirent *de;
    DIR *d;
    int r = 0;
    if (depth > CR__TAR_OPAQUE_DEPTH) { close(fd); return cr__tar_fail(t, err, ELOOP, "opaque directory nested too deep"); }
    if (!(d = fdopendir(fd))) { close(fd); return cr__tar_fail(t, err, 0, "opaque directory"); }
    while (!r && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (plen + n + 2 <= PATH_MAX) {   /* longer: not an archive path, so not made here */
            snprintf(path + plen, PATH_MAX - plen, "%s%s", plen ? "/" : "", de->d_name);
            if (cr__tar_set_has(&t->made, path)) {
                if (!fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode)) {
                    int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                    r = sub < 0 ? cr__tar_fail(t, err, 0, "opaque directory: open \"%s\"", cr__tar_show(de->d_name, a)) :
                                  cr__tar_opaque(t, sub, path, depth + 1, err);
                }
                path[plen] = 0;
                continue;
            }
            path[plen] = 0;
        }
        if (cr__rm_rf(dirfd(d), de->d_name) < 0)
            r = cr__tar_fail(t, err, 0, "opaque directory: remove \"%s\"", cr__tar_show(de->d_name, a));
    }
    closedir(d);
    return r;
}

/* .wh.NAME and .wh..wh..opq in directory dir; base is the entry's last component. */
static int cr__tar_whiteout(cr__tar *t, const char *dir, const char *base, cr_err *err) {
    const char *victim = base + 4;
    char a[168];
    int opq = !strcmp(victim, ".wh..opq"), pfd;
    if (!opq && !strncmp(victim, ".wh.", 4)) {   /* AUFS bookkeeping (.wh..wh.plnk, ...) */
        cr_log(CR_LOG_DEBUG, "layer entry \"%s\": AUFS metadata skipped", cr__tar_show(t->name, a));
        return 0;
    }
    if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
        return cr__tar_fail(t, err, EINVAL, "invalid whiteout name");
    if ((pfd = cr__tar_parent(t, dir, err)) < 0) return pfd;
    if (opq) {
        if (t->whiteouts == CR_UNPACK_APPLY) {
            char path[PATH_MAX];
            int fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) return cr__tar_fail(t, err, 0, "open the opaque directory");
            memcpy(path, dir, strlen(dir) + 1);
            cr__tar_moved(t);
            return cr__tar_opaque(t, fd, path, 0, err);
        }
        {   /* rootless overlay mounts read user.overlay.* (the userxattr option) */
            const char *x = t->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
            return cr__tar_setxattr(-1, pfd, "", x, "y", 1) < 0 ? cr__tar_fail(t, err, 0, "set %s", x) : 0;
        }
    }
    if (cr__rm_rf(pfd, victim) < 0) return cr__tar_fail(t, err, 0, "remove \"%s\"", cr__tar_show(victim, a));
    cr__tar_moved(t);
    if (t->whiteouts == CR_UNPACK_APPLY) return 0;
    /* kernels since 5.8 let anyone make this one device: no rootless case */
    if (mknodat(pfd, victim, S_IFCHR, makedev(0, 0)) < 0) return cr__tar_fail(t, err, 0, "make whiteout device");
    if (fchownat(pfd, victim, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) < 0 && !t->rootless)
        return cr__tar_fail(t, err, 0, "chown %u:%u", (unsigned)t->uid, (unsigned)t->gid);
    return 0;
}

/* Makes the entry described by t (header and extended headers parsed). */
static int cr__tar_create(cr__tar *t, cr_err *err) {
    char dir[PATH_MAX], tpath[PATH_MAX], a[168], *slash;
    const char *last;
    int pfd, tfd = -1, merge = 0, c, r = 0;
    struct stat st;
    if ((c = cr__tar_clean(t->name, t->path)) < 0)
        return cr__tar_fail(t, err, EINVAL, "%s", c == -3 ? "a name component is longer than NAME_MAX" : "\"..\" in the name");
    slash = strrchr(t->path, '/');
    last = slash ? slash + 1 : t->path;
    memcpy(dir, t->path, (size_t)(last - t->path));
    dir[slash ? slash - t->path : 0] = 0;
    if (!strncmp(last, ".wh.", 4)) return cr__tar_whiteout(t, dir, last, err);
    if (!*last) {
        if (t->type != '5') return cr__tar_fail(t, err, EINVAL, "names the layer root but is not a directory");
        cr_log(CR_LOG_DEBUG, "layer entry \"%s\": the root directory, skipped", cr__tar_show(t->name, a));
        return 0;
    }
    /* check the target before anything is removed */
    if (t->type == '1') {
        if ((c = cr__tar_clean(t->link, tpath)) < 0 || !tpath[0])
            return cr__tar_fail(t, err, EINVAL, "hard link target \"%s\" %s", cr__tar_show(t->link, a),
                                c == -1 ? "is outside the layer" : c == -2 ? "has a \"..\" component" :
                                c == -3 ? "has a component longer than NAME_MAX" : "is the layer root");
        if (!strcmp(tpath, t->path)) return 0;   /* a link to itself: already there */
        slash = strrchr(tpath, '/');
        if (slash) {
            *slash = 0;
            tfd = cr__open_in_root(t->root, tpath, O_PATH | O_DIRECTORY, 0);
            if (tfd < 0) return cr__tar_fail(t, err, 0, "hard link target \"%s\"", cr__tar_show(t->link, a));
            memmove(tpath, slash + 1, strlen(slash + 1) + 1);
        }
    } else if (t->type == '2' && !t->link[0]) {
        return cr__tar_fail(t, err, EINVAL, "empty symlink target");
    }
    if ((pfd = cr__tar_parent(t, dir, err)) < 0) { r = pfd; goto out; }
    if (!fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW)) {
        if (t->type == '5' && S_ISDIR(st.st_mode)) merge = 1;
        else if (cr__rm_rf(pfd, last) < 0) { r = cr__tar_fail(t, err, 0, "remove the existing entry"); goto out; }
        else cr__tar_moved(t);
    } else if (errno != ENOENT) {
        r = cr__tar_fail(t, err, 0, "stat");
        goto out;
    }
    switch (t->type) {
    case '0':
        t->fd = openat(pfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (t->fd < 0) { r = cr__tar_fail(t, err, 0, "create"); goto out; }
        t->sink = CR__TAR_FILE;
        break;
    case '1':
        if (linkat(tfd >= 0 ? tfd : t->root, tpath, pfd, last, 0) < 0) {
            r = cr__tar_fail(t, err, 0, "hard link to \"%s\"", cr__tar_show(t->link, a));
            goto out;
        }
        break;
    case '2':
        if (symlinkat(t->link, pfd, last) < 0) { r = cr__tar_fail(t, err, 0, "symlink"); goto out; }
        break;
    case '3': case '4':
        if (t->rootless) {
            cr_log(CR_LOG_DEBUG, "layer entry \"%s\": device node skipped (rootless)", cr__tar_show(t->name, a));
            return 0;
        }
        if (mknodat(pfd, last, (t->type == '3' ? S_IFCHR : S_IFBLK) | 0600, makedev(t->dmajor, t->dminor)) < 0) {
            r = cr__tar_fail(t, err, 0, "mknod");
            goto out;
        }
        break;
    case '6':
        if (mknodat(pfd, last, S_IFIFO | 0600, 0) < 0) { r = cr__tar_fail(t, err, 0, "mkfifo"); goto out; }
        break;
    default:   /* '5' */
        if (!merge && mkdirat(pfd, last, 0700) < 0) { r = cr__tar_fail(t, err, 0, "mkdir"); goto out; }
    }
    if (t->whiteouts == CR_UNPACK_APPLY && cr__tar_set_add(&t->made, t->path) < 0) {
        r = cr__tar_fail(t, err, ENOMEM, "out of memory");
        goto out;
    }
    /* a hard link shares its target's inode and metadata; a file gets them
       once its data is written */
    if (t->type != '0' && t->type != '1') r = cr__tar_attrs(t, -1, pfd, last, err);
out:
    if (tfd >= 0) close(tfd);
    return r;
}

/* The data of the current entry (or extended header) is all in. */
static int cr__tar_done(cr__tar *t, cr_err *err) {
    t->state = CR__TAR_HEADER;
    if (!t->entry) {
        if (t->sink != CR__TAR_META) return 0;   /* a global header: ignored */
        if (t->meta.oom) return cr__tar_fail(t, err, ENOMEM, "out of memory");
        if (t->meta_kind == 'x') {
            cr__tar_forget_pax(t);
            t->pax = t->meta;
        } else {
            cr_buf *b = t->meta_kind == 'L' ? &t->longname : &t->longlink;
            cr_buf_free(b);
            *b = t->meta;
        }
        memset(&t->meta, 0, sizeof t->meta);
        return t->meta_kind == 'x' ? cr__tar_pax(t, err) : 0;
    }
    if (t->fd >= 0) {
        int fd = t->fd, r;
        t->fd = -1;
        r = cr__tar_attrs(t, fd, -1, "", err);
        if (close(fd) < 0 && !r) r = cr__tar_fail(t, err, 0, "close");
        if (r < 0) return r;
    }
    cr__tar_forget(t);
    t->named = 0;
    return 0;
}

/* A name from the PAX header, else the GNU long one, else the header's. */
static void cr__tar_pick(char *out, const char *px, const cr_buf *gnu, const uint8_t *f, size_t fn,
                         const uint8_t *prefix, int *too_long) {
    size_t n = 0;
    const char *s = px ? px : gnu->data;
    if (s) {
        n = strlen(s);
        if (n >= PATH_MAX) { *too_long = 1; n = PATH_MAX - 1; }
        memcpy(out, s, n);
    } else {
        if (prefix && prefix[0]) {
            n = strnlen((const char *)prefix, 155);
            memcpy(out, prefix, n);
            out[n++] = '/';
        }
        memcpy(out + n, f, strnlen((const char *)f, fn));
        n += strnlen((const char *)f, fn);
    }
    out[n] = 0;
}

/* A complete 512-byte header is in t->hdr. */
static int cr__tar_header(cr__tar *t, cr_err *err) {
    const uint8_t *h = t->hdr;
    uint64_t sum = 0, data;
    int64_t ssum = 0, chk, size, uid, gid, mode, mtime, maj = 0, min = 0;
    int too_long = 0, ustar, r = 0;
    char type = (char)h[156];
    size_t i;
    t->hoff = t->off - 512;
    for (i = 0; i < 512 && !h[i]; i++) ;
    if (i == 512) {   /* two zero blocks end the archive; GNU tar also reads past a lone one */
        if (++t->zeros == 2) t->state = CR__TAR_END;
        return 0;
    }
    t->zeros = 0;
    for (i = 0; i < 512; i++) {
        uint8_t c = i >= 148 && i < 156 ? ' ' : h[i];
        sum += c;
        ssum += (signed char)c;   /* some old writers summed signed chars */
    }
    if (cr__tar_num(h + 148, 8, &chk) < 0 || (chk != (int64_t)sum && chk != ssum))
        return cr__tar_fail(t, err, EINVAL, "invalid tar header (checksum mismatch)");
    if (cr__tar_num(h + 124, 12, &size) < 0 || size < 0) return cr__tar_fail(t, err, EINVAL, "invalid size field");
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
        uint64_t lim = type == 'x' ? CR__TAR_PAX_MAX : type == 'g' ? UINT64_MAX : PATH_MAX;
        if ((uint64_t)size > lim)
            return cr__tar_fail(t, err, EINVAL, "%s of %lld bytes is larger than %llu bytes", type == 'x' ? "PAX header" :
                                type == 'L' ? "GNU long name" : "GNU long link", (long long)size, (unsigned long long)lim);
        t->entry = 0;
        t->meta_kind = type;
        t->sink = type == 'g' ? CR__TAR_SKIP : CR__TAR_META;
        cr_buf_free(&t->meta);
        data = (uint64_t)size;
    } else {
        ustar = !memcmp(h + 257, "ustar\0", 6);   /* POSIX; GNU's "ustar  " keeps times where the prefix would be */
        cr__tar_pick(t->name, t->px_path, &t->longname, h, 100, ustar ? h + 345 : NULL, &too_long);
        cr__tar_pick(t->link, t->px_link, &t->longlink, h + 157, 100, NULL, &too_long);
        t->named = 1;
        t->entry = 1;
        t->sink = CR__TAR_SKIP;
        if (too_long) return cr__tar_fail(t, err, ENAMETOOLONG, "name or link target longer than %d bytes", PATH_MAX - 1);
        if (!t->name[0]) return cr__tar_fail(t, err, EINVAL, "empty name");
        if (type == '\0' && t->name[strlen(t->name) - 1] == '/') type = '5';   /* pre-POSIX directories */
        if (type == '\0' || type == '7') type = '0';
        if (type == 'S' || t->px_sparse) return cr__tar_fail(t, err, EINVAL, "sparse files are not supported");
        if (type < '0' || type > '6')
            return cr__tar_fail(t, err, EINVAL, isprint((unsigned char)type) ? "unsupported entry type '%c'" :
                                "unsupported entry type 0x%02x", (unsigned char)type);
        if (cr__tar_num(h + 100, 8, &mode) < 0 || cr__tar_num(h + 108, 8, &uid) < 0 || cr__tar_num(h + 116, 8, &gid) < 0 ||
            cr__tar_num(h + 136, 12, &mtime) < 0 || ((type == '3' || type == '4') &&
            (cr__tar_num(h + 329, 8, &maj) < 0 || cr__tar_num(h + 337, 8, &min) < 0)))
            return cr__tar_fail(t, err, EINVAL, "invalid numeric field");
        if (t->px_size_set) size = (int64_t)t->px_size;
        if (t->px_uid_set) uid = (int64_t)t->px_uid;
        if (t->px_gid_set) gid = (int64_t)t->px_gid;
        t->nsec = 0;
        if (t->px_mtime_set) { mtime = t->px_mtime; t->nsec = t->px_nsec; }
        /* (uid_t)-1 would mean "leave as is" to chown */
        if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
            return cr__tar_fail(t, err, EINVAL, "invalid uid or gid");
        if (maj < 0 || maj > UINT32_MAX || min < 0 || min > UINT32_MAX)
            return cr__tar_fail(t, err, EINVAL, "invalid device number");
        t->type = type;
        t->mode = (mode_t)(mode & 07777);
        t->uid = (uid_t)uid;
        t->gid = (gid_t)gid;
        t->mtime = mtime;
        t->dmajor = (unsigned)maj;
        t->dminor = (unsigned)min;
        data = type == '0' ? (uint64_t)size : 0;   /* other types carry no data, whatever size says */
        if (t->max && data > t->max)
            return cr__tar_fail(t, err, EFBIG, "%llu bytes of data: larger than the layer limit of %llu bytes",
                                (unsigned long long)data, (unsigned long long)t->max);
        if (t->visit ? (r = t->visit(t->visit_user, t, t->off, data, err)) < 0 : cr__tar_create(t, err) < 0) {
            if (t->visit) t->failed = -r;
            return -t->failed;
        }
    }
    t->left = data;
    t->pad = (512 - data % 512) % 512;
    t->state = CR__TAR_DATA;
    return data ? 0 : cr__tar_done(t, err);
}

/* Feeds n more bytes of the uncompressed stream. After an error every call
   returns it again. Bytes after the end of the archive are counted and
   ignored. */
static int cr__tar_feed(cr__tar *t, const uint8_t *p, size_t n, cr_err *err) {
    int over = 0, r;
    if (t->failed) return -t->failed;
    if (t->max && n > t->max - t->off) { n = (size_t)(t->max - t->off); over = 1; }
    while (n) {
        size_t k;
        if (t->state == CR__TAR_END) { t->off += n; break; }
        if (t->state == CR__TAR_HEADER) {
            k = 512 - t->hlen < n ? 512 - t->hlen : n;
            memcpy(t->hdr + t->hlen, p, k);
            t->hlen += k; t->off += k; p += k; n -= k;
            if (t->hlen == 512) {
                t->hlen = 0;
                if ((r = cr__tar_header(t, err)) < 0) return r;
            }
            continue;
        }
        if (t->left) {
            k = t->left < n ? (size_t)t->left : n;
            if (t->sink == CR__TAR_FILE && cr__write_all(t->fd, p, k) < 0) return cr__tar_fail(t, err, 0, "write");
            if (t->sink == CR__TAR_META) cr_buf_add(&t->meta, p, k);
            t->left -= k;
        } else {
            k = t->pad < n ? (size_t)t->pad : n;
            t->pad -= k;
        }
        t->off += k; p += k; n -= k;
        if (!t->left && !t->pad && (r = cr__tar_done(t, err)) < 0) return r;
    }
    if (over) return cr__tar_fail(t, err, EFBIG, "the layer is larger than the limit of %llu bytes", (unsigned long long)t->max);
    return 0;
}

/* The stream has ended: it must end between entries (the end-of-archive
   blocks are optional, as for Go's archive/tar). Then directories get their
   modes and times. */
static int cr__tar_finish(cr__tar *t, cr_err *err) {
    size_t off = 0;
    if (t->failed) return -t->failed;
    if (t->state == CR__TAR_DATA)
        return cr__tar_fail(t, err, EIO, "truncated archive: it ends %llu bytes before the end of this %s",
                            (unsigned long long)(t->left + t->pad), t->entry ? "entry" : "extended header");
    if (t->state == CR__TAR_HEADER && t->hlen) return cr__tar_fail(t, err, EIO, "truncated archive: it ends inside a header");
    if (t->state == CR__TAR_HEADER && (t->pax.data || t->longname.data || t->longlink.data))
        return cr__tar_fail(t, err, EIO, "truncated archive: an extended header without its entry");
    while (off < t->dirs.len) {
        cr__tar_dir d;
        const char *path = t->dirs.data + off + sizeof d;
        struct stat st;
        struct timespec ts[2];
        int fd;
        memcpy(&d, t->dirs.data + off, sizeof d);
        off += sizeof d + strlen(path) + 1;
        fd = cr__open_in_root(t->root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) continue;   /* replaced by a later entry */
            snprintf(t->name, sizeof t->name, "%s", path);
            t->named = 1;
            return cr__tar_fail(t, err, 0, "open");
        }
        ts[0].tv_sec = ts[1].tv_sec = (time_t)d.mtime;
        ts[0].tv_nsec = ts[1].tv_nsec = d.nsec;
        if (fstat(fd, &st) == 0 && st.st_dev == d.dev && st.st_ino == d.ino &&
            (fchmod(fd, d.mode) < 0 || futimens(fd, ts) < 0)) {
            int e = errno;
            close(fd);
            snprintf(t->name, sizeof t->name, "%s", path);
            t->named = 1;
            errno = e;
            return cr__tar_fail(t, err, 0, "set mode and times");
        }
        close(fd);
    }
    return 0;
}

/* Lists the uncompressed tar in the regular file fd without making
   anything: visit sees each entry with the offset and size of its data,
   which is seeked over, never read. Extended headers are read (bounded as
   for layers); an entry whose data runs past the end of the file fails as
   a truncated archive. Errors name the entry as "<what> entry ...". */
static int cr__tar_list(int fd, const char *what, cr__tar_visit visit, void *user, cr_err *err) {
    uint8_t buf[8192];
    struct stat st;
    cr__tar *t;
    int r = 0;
    if (fstat(fd, &st) < 0) return cr__errno(err, "%s: stat", what);
    if (!(t = (cr__tar *)CR_MALLOC(sizeof *t))) return cr_err_set(err, ENOMEM, "%s: out of memory", what);
    cr__tar_init(t, -1, NULL);
    t->what = what;
    t->visit = visit;
    t->visit_user = user;
    while (!r && t->state != CR__TAR_END) {
        size_t want;
        ssize_t n;
        if (t->state == CR__TAR_DATA && t->sink == CR__TAR_SKIP) {
            if (t->left + t->pad > (uint64_t)st.st_size - t->off) {
                r = cr__tar_fail(t, err, EIO, "truncated archive: the data ends %llu bytes past the end of the file",
                                 (unsigned long long)(t->left + t->pad - ((uint64_t)st.st_size - t->off)));
                break;
            }
            t->off += t->left + t->pad;
            t->left = t->pad = 0;
            r = cr__tar_done(t, err);
            continue;
        }
        want = t->state == CR__TAR_HEADER ? 512 - t->hlen : t->left + t->pad < sizeof buf ? (size_t)(t->left + t->pad) : sizeof buf;
        n = pread(fd, buf, want, (off_t)t->off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { r = cr__tar_fail(t, err, 0, "read"); break; }
        if (n == 0) break;
        r = cr__tar_feed(t, buf, (size_t)n, err);
    }
    if (!r) r = cr__tar_finish(t, err);
    cr__tar_free(t);
    CR_FREE(t);
    return r;
}

/* One layer stream on its way through a decompressor, SHA-256 (the
   diff-id) and the tar reader. */
enum { CR__UNPACK_CHUNK = 1 << 17, CR__UNPACK_PLAIN = 0, CR__UNPACK_GZIP, CR__UNPACK_ZSTD };
typedef struct cr__unpack {
    cr__tar *t;
    uint8_t *in, *out;
    int kind;
    z_stream z;
    int zdone;                  /* gzip: the current member ended */
    ZSTD_DStream *zs;
    size_t zhint;               /* zstd: 0 once the last frame is complete */
    cr__sha256 sha;
} cr__unpack;

/* Uncompressed bytes: hashed, then parsed. */
static int cr__unpack_tar(cr__unpack *u, const uint8_t *p, size_t n, cr_err *err) {
    cr__sha256_update(&u->sha, p, n);
    return cr__tar_feed(u->t, p, n, err);
}

static int cr__unpack_gzip(cr__unpack *u, size_t have, cr_err *err) {
    int r = 0;
    u->z.next_in = u->in;
    u->z.avail_in = (uInt)have;
    while (!r) {
        int zr;
        if (u->zdone) {      /* another gzip member may follow (pigz, concatenated files) */
            if (!u->z.avail_in) break;
            inflateReset(&u->z);
            u->zdone = 0;
        }
        u->z.next_out = u->out;
        u->z.avail_out = CR__UNPACK_CHUNK;
        zr = inflate(&u->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) u->zdone = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return cr_err_set(err, zr == Z_MEM_ERROR ? ENOMEM : EINVAL, "layer: gzip: %s", u->z.msg ? u->z.msg : "invalid data");
        if (CR__UNPACK_CHUNK - u->z.avail_out) r = cr__unpack_tar(u, u->out, CR__UNPACK_CHUNK - u->z.avail_out, err);
        if (!u->zdone && !u->z.avail_in && u->z.avail_out) break;
    }
    return r;
}

static int cr__unpack_zstd(cr__unpack *u, size_t have, cr_err *err) {
    ZSTD_inBuffer ib;
    int r = 0;
    ib.src = u->in; ib.size = have; ib.pos = 0;
    while (!r) {
        ZSTD_outBuffer ob;
        ob.dst = u->out; ob.size = CR__UNPACK_CHUNK; ob.pos = 0;
        u->zhint = ZSTD_decompressStream(u->zs, &ob, &ib);
        if (ZSTD_isError(u->zhint)) return cr_err_set(err, EINVAL, "layer: zstd: %s", ZSTD_getErrorName(u->zhint));
        if (ob.pos) r = cr__unpack_tar(u, u->out, ob.pos, err);
        if (ib.pos == ib.size && ob.pos < ob.size) break;
    }
    return r;
}

/* Reads what is there (at most CHUNK - *have more bytes), reporting progress. */
static int cr__unpack_read(cr__unpack *u, int in_fd, const cr_unpack_opts *o, size_t *have, int *eof, uint64_t *total, cr_err *err) {
    ssize_t n;
    while ((n = read(in_fd, u->in + *have, CR__UNPACK_CHUNK - *have)) < 0 && errno == EINTR) {}
    if (n < 0) return cr__errno(err, "layer: read");
    *eof = n == 0;
    *have += (size_t)n;
    *total += (uint64_t)n;
    if (o && o->on_read && o->on_read(o->user, *total)) return cr_err_set(err, ECANCELED, "unpack: stopped");
    return 0;
}

/* The compression, from the magic bytes at the start of u->in. */
static int cr__unpack_start(cr__unpack *u, size_t have, cr_err *err) {
    const uint8_t *m = u->in;
    u->kind = have >= 2 && m[0] == 0x1f && m[1] == 0x8b ? CR__UNPACK_GZIP :
              have >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd ? CR__UNPACK_ZSTD : CR__UNPACK_PLAIN;
    if (u->kind == CR__UNPACK_GZIP && inflateInit2(&u->z, 15 + 32) != Z_OK) {
        u->kind = CR__UNPACK_PLAIN;
        return cr_err_set(err, ENOMEM, "layer: gzip: init failed");
    }
    if (u->kind == CR__UNPACK_ZSTD && (!(u->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(u->zs))))
        return cr_err_set(err, ENOMEM, "layer: zstd: init failed");
    return 0;
}

static int cr__unpack_stream(cr__unpack *u, int in_fd, const cr_unpack_opts *o, cr_err *err) {
    size_t have = 0;
    uint64_t total = 0;
    int eof = 0, r = 0;
    while (!r && have < 4 && !eof) r = cr__unpack_read(u, in_fd, o, &have, &eof, &total, err);   /* the magic */
    if (r < 0 || (r = cr__unpack_start(u, have, err)) < 0) return r;
    for (;;) {
        /* at EOF (have == 0) a decompressor is not called: zstd would answer
           with the size of a next frame header as if the stream were cut */
        if (have && u->kind == CR__UNPACK_PLAIN) r = cr__unpack_tar(u, u->in, have, err);
        else if (have && u->kind == CR__UNPACK_GZIP) r = cr__unpack_gzip(u, have, err);
        else if (have && u->kind == CR__UNPACK_ZSTD) r = cr__unpack_zstd(u, have, err);
        if (r < 0 || eof) break;
        have = 0;
        if ((r = cr__unpack_read(u, in_fd, o, &have, &eof, &total, err)) < 0) return r;
    }
    if (r < 0) return r;
    if (u->kind == CR__UNPACK_GZIP && !u->zdone) return cr_err_set(err, EIO, "layer: gzip: truncated stream");
    if (u->kind == CR__UNPACK_ZSTD && u->zhint) return cr_err_set(err, EIO, "layer: zstd: truncated stream");
    return cr__tar_finish(u->t, err);
}

CR_API int cr_unpack_layer(int in_fd, int dirfd, const cr_unpack_opts *o, char diff_id[CR_SHA256_DIGEST_MAX], cr_err *err) {
    cr__unpack u;
    int r;
    if (o && o->whiteouts != CR_UNPACK_OVERLAY && o->whiteouts != CR_UNPACK_APPLY)
        return cr_err_set(err, EINVAL, "unpack: unknown whiteout mode %d", o->whiteouts);
    memset(&u, 0, sizeof u);
    u.zhint = 1;
    u.t = (cr__tar *)CR_MALLOC(sizeof *u.t);
    if (u.t) cr__tar_init(u.t, dirfd, o);
    u.in = (uint8_t *)CR_MALLOC(CR__UNPACK_CHUNK);
    u.out = (uint8_t *)CR_MALLOC(CR__UNPACK_CHUNK);
    cr__sha256_init(&u.sha);
    if (!u.t || !u.in || !u.out) r = cr_err_set(err, ENOMEM, "unpack: out of memory");
    else r = cr__unpack_stream(&u, in_fd, o, err);
    if (r == 0 && diff_id) cr__sha256_digest(&u.sha, diff_id);
    if (u.t) cr__tar_free(u.t);
    if (u.kind == CR__UNPACK_GZIP) inflateEnd(&u.z);
    ZSTD_freeDStream(u.zs);
    CR_FREE(u.t);
    CR_FREE(u.in);
    CR_FREE(u.out);
    return r;
}
#endif /* CR_NO_REGISTRY */

#ifndef CR_NO_REGISTRY
/* ==========================================================================
 * >>image — cr_image_pull: a registry image into the store
 *
 * The manifest comes from the first source that serves it: the mirrors of
 * the registry in order, then the registry; a blob that source fails to
 * deliver comes from the next ones. Then up to max_concurrent workers (the
 * calling thread and max_concurrent-1 threads) take layers in manifest
 * order; each downloads its blob into tmp/ while an unpacker thread unpacks
 * the same bytes (layers are independent directories), and both results
 * count only once the blob is verified and stored. A worker has its own
 * HTTP client with a copy of the bearer token, refreshed on a 401. The
 * first error stops the others: their downloads and unpacks are cancelled
 * at the next chunk, and only that error is reported.
 * ========================================================================== */
#include <pthread.h>

#define CR__PULL_MAX_SOURCES 16
#define CR__PULL_MAX_WORKERS 16
#define CR__PULL_THREAD_STACK (1u << 20)

/* Where blobs come from: a mirror or the registry. scheme 0: https, or
   plain http for loopback and insecure pulls; 's': https only; 'h': http only. */
typedef struct cr__pull_src { char host[256]; int scheme, mirror; } cr__pull_src;

typedef struct cr__pull {
    const char *root;
    const cr_pull_opts *o;
    cr_ref ref;
    cr__pull_src src[CR__PULL_MAX_SOURCES];
    int nsrc;
    /* the layers still to fetch, taken in order by the workers */
    const cr_descriptor **layers;
    const char **diff_ids;
    size_t njobs, next;
    uint64_t max_layer;
    pthread_mutex_t mu;         /* jobs, stop, the first error, progress calls */
    int stop, r;
    cr_err err;
} cr__pull;

/* ---- mirrors ---- */

static int cr__pull_same_registry(const char *a, const char *b) {
    static const char *const hub[] = { "docker.io", "index.docker.io", "registry-1.docker.io" };
    size_t i, ha = 0, hb = 0;
    for (i = 0; i < 3; i++) { ha |= !strcmp(a, hub[i]); hb |= !strcmp(b, hub[i]); }
    return (ha && hb) || !strcmp(a, b);
}

/* "[http[s]://]host[:port][/]" -> a source; the URL parser checks the host. */
static int cr__pull_src_parse(const char *spec, cr__pull_src *s, cr_err *err) {
    char url[600];
    const char *hostp = spec;
    cr__http_url u;
    size_t n;
    memset(s, 0, sizeof *s);
    s->mirror = 1;
    if (!strncmp(spec, "https://", 8)) { s->scheme = 's'; hostp += 8; }
    else if (!strncmp(spec, "http://", 7)) { s->scheme = 'h'; hostp += 7; }
    n = strcspn(hostp, "/");
    if (!n || n >= sizeof s->host || (hostp[n] && strcmp(hostp + n, "/")))
        return cr_err_set(err, EINVAL, "mirror \"%s\": expected [http[s]://]host[:port]", spec);
    snprintf(url, sizeof url, "https://%.*s/", (int)n, hostp);
    if (cr__http_parse_url(url, &u, err) < 0) return cr_err_wrap(err, "mirror \"%s\"", spec);
    memcpy(s->host, hostp, n);
    s->host[n] = 0;
    return 0;
}

static int cr__pull_add_mirror(cr__pull *p, const char *spec, cr_err *err) {
    if (p->nsrc == CR__PULL_MAX_SOURCES - 1) return cr_err_set(err, E2BIG, "mirror \"%s\": more than %d mirrors", spec, CR__PULL_MAX_SOURCES - 1);
    if (cr__pull_src_parse(spec, &p->src[p->nsrc], err) < 0) return -err->code;
    p->nsrc++;
    return 0;
}

/* {"mirrors": {"REGISTRY": ["MIRROR", ...], ...}}: every entry is checked,
   those of ref's registry are added. A missing default file is no error. */
static int cr__pull_conf(cr__pull *p, cr_err *err) {
    const char *path = p->o->registries_conf, *env = getenv("CR_REGISTRIES_CONF");
    cr_buf text = {0};
    cr_json *root = NULL, *m, *reg, *e;
    int r, named = path != NULL || (env && *env), i;
    if (!path) path = env && *env ? env : "/etc/cr/registries.json";
    if (!*path) return 0;
    if ((r = cr_util_read_file(AT_FDCWD, path, 1 << 20, &text, err)) < 0) {
        if (r == -ENOENT && !named) return 0;
        return cr_err_wrap(err, "registries config \"%s\"", path);
    }
    r = cr_json_parse(text.data, text.len, &root, err);
    if (r == 0 && root->type != CR_JSON_OBJECT) r = cr_err_set(err, EINVAL, "expected an object");
    m = r == 0 ? cr_json_get(root, "mirrors") : NULL;
    if (m && m->type != CR_JSON_OBJECT) r = cr_err_set(err, EINVAL, "mirrors: expected an object");
    for (reg = m && r == 0 ? m->child : NULL; reg && r == 0; reg = reg->next) {
        int ours = cr__pull_same_registry(reg->key, p->ref.domain);
        if (reg->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "mirrors.\"%s\": expected an array", reg->key); break; }
        for (e = reg->child, i = 0; e && r == 0; e = e->next, i++) {
            cr__pull_src s;
            if (e->type != CR_JSON_STRING) r = cr_err_set(err, EINVAL, "expected a string");
            else if (ours) r = cr__pull_add_mirror(p, e->str, err);
            else r = cr__pull_src_parse(e->str, &s, err);
            if (r < 0) cr_err_wrap(err, "mirrors.\"%s\"[%d]", reg->key, i);
        }
    }
    if (r < 0) cr_err_wrap(err, "registries config \"%s\"", path);
    cr_json_free(root);
    cr_buf_free(&text);
    return r;
}

/* The sources, in order: --registry-mirror entries, the config file's, the registry. */
static int cr__pull_sources(cr__pull *p, cr_err *err) {
    const char *const *m;
    cr__pull_src *reg;
    int r;
    for (m = p->o->mirrors; m && *m; m++) {
        const char *eq = strchr(*m, '=');
        char name[256];
        cr__pull_src s;
        if (!eq || eq == *m || (size_t)(eq - *m) >= sizeof name)
            return cr_err_set(err, EINVAL, "registry mirror \"%s\": expected REGISTRY=MIRROR", *m);
        snprintf(name, sizeof name, "%.*s", (int)(eq - *m), *m);
        r = cr__pull_same_registry(name, p->ref.domain) ? cr__pull_add_mirror(p, eq + 1, err) : cr__pull_src_parse(eq + 1, &s, err);
        if (r < 0) return r;
    }
    if ((r = cr__pull_conf(p, err)) < 0) return r;
    reg = &p->src[p->nsrc++];
    memset(reg, 0, sizeof *reg);
    snprintf(reg->host, sizeof reg->host, "%s", strcmp(p->ref.domain, "docker.io") ? p->ref.domain : "registry-1.docker.io");
    return 0;
}

/* ---- a registry session: one source, credentials, bearer token ---- */

typedef struct cr__reg {
    cr_http_client http;
    cr__pull *p;
    const cr__pull_src *src;
    char base[600];             /* "https://host[:port]" */
    char auth[8192];            /* "Authorization: ..." or "" */
    char user[256], pass[512];
    int have_creds;
} cr__reg;

static int cr__reg_is_loopback(const char *domain) {
    return !strncmp(domain, "localhost", 9) || !strncmp(domain, "127.", 4) || !strncmp(domain, "[::1]", 5);
}

/* "mirror HOST" or "registry DOMAIN", for messages */
static const char *cr__reg_name(const cr__reg *g, char *buf, size_t n) {
    snprintf(buf, n, "%s %s", g->src->mirror ? "mirror" : "registry", g->src->mirror ? g->src->host : g->p->ref.domain);
    return buf;
}

static int cr__reg_token(cr__reg *g, const char *challenge, cr_err *err) {
    char scheme[16], realm[1024], service[256], scope[512], url[2400], name[300];
    const char *hdrs[2] = { NULL, NULL };
    cr_buf basic = {0}, body = {0}, token = {0}, hdr = {0};
    cr_http_response resp;
    int64_t expires, issued;
    int r;
    if ((r = cr_auth_challenge_parse(challenge, scheme, sizeof scheme, realm, sizeof realm, service, sizeof service,
                                     scope, sizeof scope, err)) < 0) return r;
    if (g->have_creds) {
        cr_buf_puts(&hdr, "Authorization: ");
        cr_auth_basic(g->user, g->pass, &basic);
        cr_buf_puts(&hdr, basic.data);
    }
    if (!strcmp(scheme, "Basic")) {
        if (!g->have_creds) {
            cr_buf_free(&hdr);
            return cr_err_set(err, EACCES, "%s: authentication required (use --creds or --authfile)", cr__reg_name(g, name, sizeof name));
        }
        snprintf(g->auth, sizeof g->auth, "%s", hdr.data);
        cr_buf_free(&hdr); cr_buf_free(&basic);
        return 0;
    }
    /* the registry's suggested scope may be for another repository: ask for ours */
    snprintf(url, sizeof url, "%s%sservice=%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?", service,
             g->p->ref.path[0] ? "&scope=repository:" : "", g->p->ref.path, g->p->ref.path[0] ? ":pull" : "");
    hdrs[0] = hdr.data;
    memset(&resp, 0, sizeof resp);
    r = cr_http_request(&g->http, "GET", url, hdr.data ? hdrs : NULL, NULL, NULL, &body, 1 << 20, &resp, err);
    if (r == 0 && resp.status != 200)
        r = cr_err_set(err, resp.status == 401 ? EACCES : EIO, "token server %s: HTTP %d%s", realm, resp.status,
                       resp.status == 401 ? " (wrong credentials?)" : "");
    if (r == 0) r = cr_auth_token_parse(body.data ? body.data : "", body.len, &token, &expires, &issued, err);
    if (r == 0) snprintf(g->auth, sizeof g->auth, "Authorization: Bearer %s", token.data);
    cr_buf_free(&hdr); cr_buf_free(&basic); cr_buf_free(&body); cr_buf_free(&token);
    cr_buf_free(&resp.headers);
    return r;
}

/* What a registry's error answer means, for messages: the distribution
   spec's error code and message from the body when it has them ("manifest
   unknown", "unauthorized: ..."), else the status's meaning. */
static const char *cr__reg_status(int status, const cr_buf *body, char *out, size_t n) {
    cr_json *j = NULL;
    const cr_json *e, *code, *msg;
    const char *what = status == 401 ? "unauthorized" : status == 403 ? "denied" : status == 404 ? "not found"
                     : status == 429 ? "rate limited: too many requests" : status >= 500 ? "registry error" : "unexpected answer";
    snprintf(out, n, "HTTP %d (%s)", status, what);
    if (!body || !body->len || cr_json_parse(body->data, body->len, &j, NULL) < 0) return out;
    if ((e = cr_json_get(j, "errors")) && e->type == CR_JSON_ARRAY && (e = e->child) && e->type == CR_JSON_OBJECT) {
        code = cr_json_get(e, "code");
        msg = cr_json_get(e, "message");
        if (code && code->type == CR_JSON_STRING)
            snprintf(out, n, "HTTP %d (%s%s%.200s)", status, code->str, msg && msg->type == CR_JSON_STRING ? ": " : "",
                     msg && msg->type == CR_JSON_STRING ? msg->str : "");
    }
    cr_json_free(j);
    return out;
}

/* GET base+path with our credentials; a 401 fetches a token and retries once. */
static int cr__reg_get(cr__reg *g, const char *path, const char *accept, const char *range,
                       int (*sink)(void *, const void *, size_t), void *user, cr_buf *body, size_t max,
                       cr_http_response *resp, cr_err *err) {
    char url[1200], acc[512], rng[64], chal[2048];
    const char *hdrs[4];
    int attempt, r = 0;
    snprintf(url, sizeof url, "%s%s", g->base, path);
    for (attempt = 0; attempt < 2; attempt++) {
        int k = 0;
        if (accept) { snprintf(acc, sizeof acc, "Accept: %s", accept); hdrs[k++] = acc; }
        if (range) { snprintf(rng, sizeof rng, "Range: %s", range); hdrs[k++] = rng; }
        if (g->auth[0]) hdrs[k++] = g->auth;
        hdrs[k] = NULL;
        if (body) body->len = 0;
        if ((r = cr_http_request(&g->http, "GET", url, hdrs, sink, user, body, max, resp, err)) < 0) return r;
        if (resp->status != 401 || attempt) return 0;
        if (!cr_http_header(resp, "WWW-Authenticate", chal, sizeof chal))
            return cr_err_set(err, EACCES, "%s: HTTP 401 without a WWW-Authenticate challenge", url);
        if ((r = cr__reg_token(g, chal, err)) < 0) return r;
    }
    return 0;
}

/* Starts a session with source si: credentials, then /v2/ (and a token if
   it asks for one). --creds go to the registry only; a mirror gets what
   the credential files hold for its own host. */
/* Each registry request's deadline: a server that trickles bytes, or
   announces more than it sends and holds the connection open, ends the
   pull with an error instead of holding it for good. */
static int cr__pull_deadline_ms(const cr_pull_opts *o) {
    const char *env = getenv("CR_PULL_TIMEOUT");
    long secs = o->request_timeout;
    if (secs <= 0 && env && *env) {
        char *end;
        secs = strtol(env, &end, 10);
        if (*end || secs <= 0) {
            cr_log(CR_LOG_WARN, "CR_PULL_TIMEOUT=\"%s\": not a number of seconds, using 3600", env);
            secs = 0;
        }
    }
    if (secs <= 0 || secs > INT_MAX / 1000) secs = 3600;
    return (int)(secs * 1000);
}

static int cr__reg_open(cr__reg *g, int si, cr_err *err) {
    const cr_pull_opts *o = g->p->o;
    const cr__pull_src *src = &g->p->src[si];
    const char *name = src->mirror ? src->host : g->p->ref.domain, *files[4];
    char chal[2048], key[800], home[PATH_MAX], xdg[PATH_MAX], what[300];
    cr_http_response resp;
    int k = 0, r, https, loop = cr__reg_is_loopback(name);
    cr_http_client_close(&g->http);
    memset(&g->http, 0, sizeof g->http);
    g->src = src;
    g->auth[0] = 0;
    g->have_creds = 0;
    g->http.insecure = o->insecure;
    g->http.certs_dir = o->certs_dir;
    g->http.deadline_ms = cr__pull_deadline_ms(o);
    if (!g->http.certs_dir) {
        snprintf(key, sizeof key, "/etc/containers/certs.d/%s", name);
        g->http.certs_dir = access(key, F_OK) == 0 ? "/etc/containers/certs.d" : "/etc/docker/certs.d";
    }
    if (o->creds && !src->mirror) {
        const char *colon = strchr(o->creds, ':');
        if (!colon) return cr_err_set(err, EINVAL, "--creds: expected USER:PASS");
        snprintf(g->user, sizeof g->user, "%.*s", (int)(colon - o->creds), o->creds);
        snprintf(g->pass, sizeof g->pass, "%s", colon + 1);
        g->have_creds = 1;
    } else {
        if (o->authfile && access(o->authfile, R_OK) < 0) return cr__errno(err, "--authfile \"%s\"", o->authfile);
        if (o->authfile) files[k++] = o->authfile;
        if (getenv("XDG_RUNTIME_DIR")) { snprintf(xdg, sizeof xdg, "%s/containers/auth.json", getenv("XDG_RUNTIME_DIR")); files[k++] = xdg; }
        if (getenv("HOME")) { snprintf(home, sizeof home, "%s/.docker/config.json", getenv("HOME")); files[k++] = home; }
        files[k] = NULL;
        snprintf(key, sizeof key, "%s/%s", name, g->p->ref.path);
        if ((r = cr_auth_lookup(key, files, g->user, sizeof g->user, g->pass, sizeof g->pass, err)) < 0) return r;
        g->have_creds = r == 1;
    }
    /* Docker's rule: https first; loopback and --tls-verify=false registries
       fall back to plain http when TLS cannot be spoken at all */
    for (https = src->scheme != 'h'; https >= 0; https--) {
        snprintf(g->base, sizeof g->base, "%s://%s", https ? "https" : "http", src->host);
        snprintf(key, sizeof key, "%s/v2/", g->base);
        memset(&resp, 0, sizeof resp);
        r = cr_http_request(&g->http, "GET", key, NULL, NULL, NULL, NULL, 0, &resp, err);
        if (r == 0) break;
        cr_buf_free(&resp.headers);
        if (!https || src->scheme == 's' || !(loop || o->insecure) || strstr(err->msg, "certificate"))
            return cr_err_wrap(err, "%s", cr__reg_name(g, what, sizeof what));
    }
    if (resp.status == 401 && cr_http_header(&resp, "WWW-Authenticate", chal, sizeof chal)) r = cr__reg_token(g, chal, err);
    else if (resp.status != 200 && resp.status != 401)
        r = cr_err_set(err, EIO, "%s: /v2/ answered HTTP %d: not a registry?", cr__reg_name(g, what, sizeof what), resp.status);
    cr_buf_free(&resp.headers);
    return r;
}

/* A worker's session: the same source, base URL and token as g, its own
   connections. */
static cr__reg *cr__reg_clone(const cr__reg *g) {
    cr__reg *w = (cr__reg *)CR_MALLOC(sizeof *w);
    if (!w) return NULL;
    memcpy(w, g, sizeof *w);
    memset(&w->http, 0, sizeof w->http);
    w->http.insecure = g->http.insecure;
    w->http.certs_dir = g->http.certs_dir;
    w->http.deadline_ms = g->http.deadline_ms;
    return w;
}

static void cr__reg_free(cr__reg *g) {
    if (!g) return;
    cr_http_client_close(&g->http);
    CR_FREE(g);
}

/* ---- the shared state of the workers ---- */

static int cr__pull_stopped(cr__pull *p) {
    int s;
    pthread_mutex_lock(&p->mu);
    s = p->stop;
    pthread_mutex_unlock(&p->mu);
    return s;
}

/* The first error wins; it stops the other workers. */
static void cr__pull_fail(cr__pull *p, int r, const cr_err *err) {
    pthread_mutex_lock(&p->mu);
    if (!p->stop) { p->stop = 1; p->r = r; p->err = *err; }
    pthread_mutex_unlock(&p->mu);
}

static void cr__pull_report(cr__pull *p, cr_pull_phase ph, const char *digest, uint64_t done, uint64_t total) {
    if (!p->o->progress) return;
    pthread_mutex_lock(&p->mu);
    p->o->progress(p->o->user, ph, digest, done, total);
    pthread_mutex_unlock(&p->mu);
}

/* ---- layers ---- */

typedef struct cr__layer_progress {
    cr__pull *p; const char *digest;
    uint64_t total, read, shown;
    int hold;                   /* still downloading (a stream): no EXTRACTING yet; under p->mu */
} cr__layer_progress;

static int cr__layer_on_read(void *user, uint64_t n) {
    cr__layer_progress *lp = (cr__layer_progress *)user;
    int stop;
    pthread_mutex_lock(&lp->p->mu);
    stop = lp->p->stop;
    lp->read = n;
    if (!stop && !lp->hold && n - lp->shown >= lp->total / 100 && n < lp->total && lp->p->o->progress) {
        lp->shown = n;
        lp->p->o->progress(lp->p->o->user, CR_PULL_EXTRACTING, lp->digest, n, lp->total);
    }
    pthread_mutex_unlock(&lp->p->mu);
    return stop;
}

/* Unpacks a layer blob (from in_fd, else from blobs/) into
   layers/sha256/<diff-id> unless it is there. */
static int cr__image_layer(cr__pull *p, const cr_descriptor *d, const char *diff_id, int in_fd, cr__layer_progress *lp, cr_err *err) {
    const char *root = p->root;
    char final[PATH_MAX], tmp[PATH_MAX], blob[PATH_MAX], lockp[PATH_MAX], got[CR_SHA256_DIGEST_MAX];
    const char *dhex = cr__store_hex(diff_id);
    cr_unpack_opts uo;
    int lock, in = -1, dfd = -1, r = 0;
    if (!dhex) return cr_err_set(err, EINVAL, "layer %s: diff-id %s is not sha256", d->digest, diff_id);
    snprintf(final, sizeof final, "%s/layers/sha256/%s", root, dhex);
    if (cr__store_layer_state(root, diff_id) > 0) return 0;
    snprintf(lockp, sizeof lockp, "%s/tmp/%s.lock", root, dhex);
    lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) < 0) { r = cr__errno(err, "layer %s: lock", d->digest); goto out; }
    if ((r = cr__store_layer_state(root, diff_id)) > 0) { r = 0; goto out; }
    snprintf(tmp, sizeof tmp, "%s/tmp/layer-%s", root, dhex);
    cr__rm_rf(AT_FDCWD, tmp);
    if (r < 0) {
        cr_log(CR_LOG_WARN, "layer %s: %s is incomplete or damaged: unpacking it again", d->digest, final);
        if (rename(final, tmp) < 0 && errno != ENOENT) { r = cr__errno(err, "layer %s: move the damaged %s aside", d->digest, final); goto out; }
        cr__rm_rf(AT_FDCWD, tmp);
        r = 0;
    }
    if (mkdir(tmp, 0755) < 0 || (dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = cr__errno(err, "layer %s: %s", d->digest, tmp); goto out; }
    snprintf(blob, sizeof blob, "%s/blobs/sha256/%s", root, cr__store_hex(d->digest));
    if (in_fd < 0 && (in = open(blob, O_RDONLY | O_CLOEXEC)) < 0) { r = cr__errno(err, "layer %s", d->digest); goto out; }
    memset(&uo, 0, sizeof uo);
    uo.rootless = geteuid() != 0;
    uo.max_size = p->max_layer;
    uo.on_read = cr__layer_on_read;
    uo.user = lp;
    if (in_fd < 0) cr__pull_report(p, CR_PULL_EXTRACTING, d->digest, 0, d->size);
    if ((r = cr_unpack_layer(in_fd >= 0 ? in_fd : in, dfd, &uo, got, err)) < 0) {
        if (r == -EFBIG)
            r = cr_err_set(err, EFBIG, "layer %s: unpacks to more than %llu bytes (--max-layer-size)", d->digest, (unsigned long long)p->max_layer);
        else cr_err_wrap(err, "layer %s", d->digest);
        goto out;
    }
    if (strcmp(got, diff_id)) { r = cr_err_set(err, EIO, "layer %s: diff-id %s does not match the image config's %s", d->digest, got, diff_id); goto out; }
    if (rename(tmp, final) < 0) r = cr__errno(err, "layer %s: store", d->digest);
    else r = cr__store_layer_mark(root, diff_id, err);
out:
    if (r < 0 && dfd >= 0) cr__rm_rf(AT_FDCWD, tmp);
    if (dfd >= 0) close(dfd);
    if (in >= 0) close(in);
    if (lock >= 0) close(lock);
    return r;
}

/* ---- streams: a fresh download unpacked as it arrives ----
   The download tees each chunk into a socket that an unpacker thread reads.
   It starts once the download holds the blob's .part lock and ends before
   that lock is released, so the layer lock is only ever taken under the
   .part lock (no lock-order cycle between pulls). A resumed or restarted
   download abandons the stream: the layer is then unpacked from the stored
   blob. The unpacker's result counts once the blob is verified. */

typedef struct cr__stream {
    cr__layer_progress lp;
    const cr_descriptor *d;
    const char *diff_id;
    int sv[2];                  /* [0] the unpacker reads, [1] the download writes; -1: closed */
    uint64_t sent;              /* bytes passed on, from offset 0 */
    int started, abandoned;
    pthread_t tid;
    int r;                      /* the unpacker's result */
    cr_err err;
} cr__stream;

static void *cr__stream_main(void *arg) {
    cr__stream *st = (cr__stream *)arg;
    st->r = cr__image_layer(st->lp.p, st->d, st->diff_id, st->sv[0], &st->lp, &st->err);
    /* whatever it did not read, the download must not wait for */
    shutdown(st->sv[0], SHUT_RDWR);
    return NULL;
}

static void cr__stream_start(cr__stream *st) {
    pthread_attr_t attr;
    if (st->started || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st->sv) < 0) return;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, CR__PULL_THREAD_STACK);
    st->lp.hold = 1;
    if (pthread_create(&st->tid, &attr, cr__stream_main, st) == 0) st->started = 1;
    else { close(st->sv[0]); close(st->sv[1]); }
    pthread_attr_destroy(&attr);
}

/* The chunk at offset off of the blob; anything but the next bytes abandons the stream. */
static void cr__stream_send(cr__stream *st, uint64_t off, const void *p, size_t n) {
    const char *q = (const char *)p;
    if (!st || !st->started || st->sv[1] < 0) return;
    if (off != st->sent) {
        st->abandoned = 1;
        close(st->sv[1]);
        st->sv[1] = -1;
        return;
    }
    while (n) {
        ssize_t k = send(st->sv[1], q, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) { close(st->sv[1]); st->sv[1] = -1; return; }   /* the unpacker has stopped */
        q += k; n -= (size_t)k; st->sent += (uint64_t)k;
    }
}

/* Ends the stream of one download attempt: waits for the unpacker. */
static void cr__stream_end(cr__stream *st, int ok) {
    if (!st || !st->started || st->sv[0] < 0) return;
    if (!ok) st->abandoned = 1;
    if (ok) {
        uint64_t n;
        pthread_mutex_lock(&st->lp.p->mu);
        st->lp.hold = 0;
        n = st->lp.read;
        pthread_mutex_unlock(&st->lp.p->mu);
        cr__pull_report(st->lp.p, CR_PULL_EXTRACTING, st->d->digest, n, st->d->size);
    }
    if (st->sv[1] >= 0) close(st->sv[1]);
    pthread_join(st->tid, NULL);
    close(st->sv[0]);
    st->sv[0] = st->sv[1] = -1;
}

/* ---- blobs ---- */

typedef struct cr__blob_sink {
    int fd, werr; cr__sha256 h; uint64_t done, total, shown;
    cr__pull *p; const char *digest;   /* digest: report DOWNLOADING (layers) */
    cr__stream *st;
} cr__blob_sink;

static int cr__blob_write(void *user, const void *p, size_t n) {
    cr__blob_sink *b = (cr__blob_sink *)user;
    if (b->total && b->done + n > b->total) return b->werr = -EFBIG;
    if (cr__pull_stopped(b->p)) return b->werr = -ECANCELED;
    if (cr__write_all(b->fd, p, n) < 0) return b->werr = -errno;
    cr__stream_send(b->st, b->done, p, n);
    cr__sha256_update(&b->h, p, n);
    b->done += n;
    /* a line per 1% is plenty; the final report comes once the blob is stored */
    if (b->digest && b->done < b->total && b->done - b->shown >= b->total / 100) {
        b->shown = b->done;
        cr__pull_report(b->p, CR_PULL_DOWNLOADING, b->digest, b->done, b->total);
    }
    return 0;
}

/* Fetches d into blobs/ unless it is there; resumes a .part file, else
   streams into st (may be NULL). *remote is set when the source is at
   fault (no answer, an HTTP error, content that does not match d):
   another source may do better. */
static int cr__image_fetch(cr__reg *g, const char *what, const cr_descriptor *d, int report, cr__stream *st, int *remote, cr_err *err) {
    const char *root = g->p->root, *hex = cr__store_hex(d->digest);
    char part[PATH_MAX], final[PATH_MAX], path[1024], range[64], got[CR_SHA256_DIGEST_MAX], name[300];
    cr__blob_sink b;
    cr_http_response resp;
    cr_buf errbody = {0};
    struct stat sb;
    int r = 0, held = 0;
    *remote = 0;
    if (!hex) return cr_err_set(err, EINVAL, "%s %s: only sha256 digests are stored", what, d->digest);
    if (cr__store_reusable_blob(root, d->digest, d->size)) return 0;
    snprintf(part, sizeof part, "%s/tmp/%s.part", root, hex);
    snprintf(final, sizeof final, "%s/blobs/sha256/%s", root, hex);
    memset(&b, 0, sizeof b);
    b.p = g->p; b.digest = report ? d->digest : NULL; b.total = d->size; b.st = st;
    /* a second pull of the same blob waits here, then finds it in blobs/, or
       opens the .part again if the first one removed it (a bad blob) */
    for (;;) {
        struct stat now;
        b.fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (b.fd < 0 || flock(b.fd, LOCK_EX) < 0) { r = cr__errno(err, "%s %s: %s", what, d->digest, part); goto out; }
        if (fstat(b.fd, &sb) == 0 && stat(part, &now) == 0 && sb.st_ino == now.st_ino && sb.st_dev == now.st_dev) break;
        close(b.fd);
        b.fd = -1;
        if (cr__store_has_blob(root, d->digest, d->size)) goto out;
    }
    held = 1;
    if (cr__store_has_blob(root, d->digest, d->size)) goto out;
    cr__sha256_init(&b.h);
    if (fstat(b.fd, &sb) == 0 && sb.st_size > 0 && (uint64_t)sb.st_size <= d->size) {
        char buf[65536];
        ssize_t n;
        while ((n = read(b.fd, buf, sizeof buf)) > 0) { cr__sha256_update(&b.h, buf, (size_t)n); b.done += (uint64_t)n; }
    } else if (ftruncate(b.fd, 0) < 0) { r = cr__errno(err, "%s", part); goto out; }
    if (st && !b.done) cr__stream_start(st);
    if (b.done < d->size) {
        uint64_t resumed = b.done;
        snprintf(path, sizeof path, "/v2/%s/blobs/%s", g->p->ref.path, d->digest);
        snprintf(range, sizeof range, "bytes=%llu-", (unsigned long long)b.done);
        memset(&resp, 0, sizeof resp);
        r = cr__reg_get(g, path, NULL, resumed ? range : NULL, cr__blob_write, &b, &errbody, 64 << 10, &resp, err);
        if (r == 0 && resumed && resp.status == 200) {
            /* the server ignored Range and sent it all: start over */
            cr_buf_free(&resp.headers);
            if (ftruncate(b.fd, 0) < 0 || lseek(b.fd, 0, SEEK_SET) < 0) { r = cr__errno(err, "%s", part); goto out; }
            cr__sha256_init(&b.h);
            b.done = b.shown = 0;
            memset(&resp, 0, sizeof resp);
            r = cr__reg_get(g, path, NULL, NULL, cr__blob_write, &b, &errbody, 64 << 10, &resp, err);
        }
        if (r == -ECANCELED && b.werr == -EFBIG) {
            unlink(part);
            r = cr_err_set(err, EFBIG, "%s %s: larger than the %llu bytes the manifest says", what, d->digest, (unsigned long long)d->size);
            *remote = 1;
        } else if (r == -ECANCELED && b.werr) {
            r = b.werr == -ECANCELED ? b.werr : cr_err_set(err, -b.werr, "%s %s: %s: %s", what, d->digest, part, strerror(-b.werr));
        } else if (r < 0) {
            *remote = 1;
        } else if (resp.status != 200 && resp.status != 206) {
            char why[300];
            r = cr_err_set(err, EIO, "%s %s: %s: %s", what, d->digest, cr__reg_name(g, name, sizeof name),
                           cr__reg_status(resp.status, &errbody, why, sizeof why));
            *remote = 1;
        }
        cr_buf_free(&resp.headers);
        if (r < 0) goto out;
    }
    cr__sha256_digest(&b.h, got);
    if (b.done != d->size || strcmp(got, d->digest)) {
        unlink(part);
        r = cr_err_set(err, EIO, "%s %s: %s (got %llu bytes, %s)", what, d->digest, b.done != d->size ? "size mismatch" : "digest mismatch",
                       (unsigned long long)b.done, got);
        *remote = 1;
        goto out;
    }
    if (fsync(b.fd) < 0 || rename(part, final) < 0) { r = cr__errno(err, "%s %s: store", what, d->digest); goto out; }
    if (report) cr__pull_report(g->p, CR_PULL_DOWNLOADING, d->digest, d->size, d->size);
out:
    cr__stream_end(st, r == 0);
    /* nothing to resume from: no .part left behind */
    if (r < 0 && held && b.done == 0) unlink(part);
    if (b.fd >= 0) close(b.fd);
    cr_buf_free(&errbody);
    return r;
}

/* cr__image_fetch from g's source, then from each later one while the
   source is at fault (a mirror that lacks the blob, fails or lies). */
static int cr__pull_blob(cr__reg *g, const char *what, const cr_descriptor *d, int report, cr__stream *st, cr_err *err) {
    int remote, r = cr__image_fetch(g, what, d, report, st, &remote, err);
    char name[300];
    while (r < 0 && remote && g->src < &g->p->src[g->p->nsrc - 1]) {
        int next = (int)(g->src - g->p->src) + 1;
        cr_log(CR_LOG_DEBUG, "%s %s from %s: %s; trying the next source", what, d->digest, cr__reg_name(g, name, sizeof name), err->msg);
        if ((r = cr__reg_open(g, next, err)) == 0) r = cr__image_fetch(g, what, d, report, st, &remote, err);
        else remote = 1;
    }
    return r;
}

/* One layer: its blob downloaded and unpacked as it arrives, else unpacked
   from the stored blob. */
static int cr__pull_layer(cr__reg *g, const cr_descriptor *d, const char *diff_id, cr_err *err) {
    cr__stream st;
    int r;
    memset(&st, 0, sizeof st);
    st.lp.p = g->p; st.lp.digest = d->digest; st.lp.total = d->size;
    st.d = d; st.diff_id = diff_id;
    st.sv[0] = st.sv[1] = -1;
    if ((r = cr__pull_blob(g, "layer", d, 1, &st, err)) < 0) return r;
    /* the unpacker saw the whole verified blob, or stopped on its own */
    if (st.started && !st.abandoned && (st.sent == d->size || st.r < 0)) {
        if (st.r < 0) *err = st.err;
        return st.r;
    }
    memset(&st.lp, 0, sizeof st.lp);
    st.lp.p = g->p; st.lp.digest = d->digest; st.lp.total = d->size;
    return cr__image_layer(g->p, d, diff_id, -1, &st.lp, err);
}

/* A worker: takes layers until none is left or another worker failed. */
static void *cr__pull_worker(void *arg) {
    cr__reg *g = (cr__reg *)arg;
    cr__pull *p = g->p;
    cr_err err;
    for (;;) {
        size_t j;
        int r;
        pthread_mutex_lock(&p->mu);
        j = p->next < p->njobs && !p->stop ? p->next++ : p->njobs;
        pthread_mutex_unlock(&p->mu);
        if (j == p->njobs) break;
        memset(&err, 0, sizeof err);
        if ((r = cr__pull_layer(g, p->layers[j], p->diff_ids[j], &err)) < 0) { cr__pull_fail(p, r, &err); break; }
        cr__pull_report(p, CR_PULL_COMPLETE, p->layers[j]->digest, p->layers[j]->size, p->layers[j]->size);
    }
    return NULL;
}

/* Runs the layer jobs on up to max_concurrent workers: threads with their
   own sessions, and the calling thread with g. */
static int cr__pull_layers(cr__pull *p, cr__reg *g, cr_err *err) {
    pthread_t tid[CR__PULL_MAX_WORKERS];
    cr__reg *w[CR__PULL_MAX_WORKERS];
    pthread_attr_t attr;
    int want = p->o->max_concurrent > 0 ? p->o->max_concurrent : 3, n = 0, i;
    if (want > CR__PULL_MAX_WORKERS) want = CR__PULL_MAX_WORKERS;
    if ((size_t)want > p->njobs) want = (int)p->njobs;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, CR__PULL_THREAD_STACK);
    /* fewer threads than asked for (a thread limit) only means less parallelism */
    for (i = 0; i < want - 1; i++) {
        if (!(w[n] = cr__reg_clone(g))) break;
        if (pthread_create(&tid[n], &attr, cr__pull_worker, w[n])) { cr__reg_free(w[n]); break; }
        n++;
    }
    pthread_attr_destroy(&attr);
    cr__pull_worker(g);
    for (i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        cr__reg_free(w[i]);
    }
    if (p->stop) *err = p->err;
    return p->stop ? p->r : 0;
}

/* ---- manifests ---- */

static int cr__pull_manifest(cr__reg *g, const char *reference, const char *want_digest,
                             cr_manifest *m, char digest[CR_SHA256_DIGEST_MAX], cr_err *err) {
    char path[1024], ctype[256];
    cr_buf body = {0};
    cr_http_response resp;
    cr__sha256 h;
    int r;
    snprintf(path, sizeof path, "/v2/%s/manifests/%s", g->p->ref.path, reference);
    memset(&resp, 0, sizeof resp);
    r = cr__reg_get(g, path, cr_manifest_accept(), NULL, NULL, NULL, &body, 4 << 20, &resp, err);
    if (r == 0 && resp.status != 200) {
        char why[300];
        r = cr_err_set(err, resp.status == 404 ? ENOENT : resp.status == 401 || resp.status == 403 ? EACCES : EIO, "manifest %s: %s",
                       reference, cr__reg_status(resp.status, &body, why, sizeof why));
    }
    if (r == 0) {
        cr__sha256_init(&h);
        cr__sha256_update(&h, body.data ? body.data : "", body.len);
        cr__sha256_digest(&h, digest);
        if (want_digest && *want_digest && strcmp(digest, want_digest))
            r = cr_err_set(err, EIO, "manifest %s: digest mismatch (got %s)", want_digest, digest);
    }
    if (r == 0) r = cr_manifest_parse(cr_http_header(&resp, "Content-Type", ctype, sizeof ctype), body.data ? body.data : "", body.len, m, err);
    if (r == 0) r = cr__store_put_bytes(g->p->root, digest, body.data ? body.data : "", body.len, err);
    cr_buf_free(&body);
    cr_buf_free(&resp.headers);
    return r;
}

/* ---- local sources: an OCI layout (a directory or a tar of one), a docker save archive ---- */

#define CR__SRC_MAX_ENTRIES 65536   /* archive entries; an image has a few per layer */

/* An archive entry worth reading: a file ('0') or a link to one ('1', '2').
   name and link are offsets into cr__src.names. */
typedef struct cr__src_entry { size_t name, link; char type; uint64_t off, size; } cr__src_entry;

typedef struct cr__src {
    char label[PATH_MAX + 32];   /* "oci:/x", "docker-archive:/x.tar": errors start with it */
    int dirfd;                   /* oci: the layout directory, else -1 */
    int fd;                      /* archives: the tar file, else -1 */
    cr__src_entry *e;
    size_t n, cap;
    cr_buf names;                /* NUL-terminated cleaned names and link targets */
} cr__src;

/* `what "name"`, or the bare name for the files that describe the source. */
static const char *cr__src_what(char *buf, size_t n, const char *what, const char *name) {
    if (what) snprintf(buf, n, "%s \"%s\"", what, name);
    else snprintf(buf, n, "%s", name);
    return buf;
}

static int cr__src_visit(void *user, cr__tar *t, uint64_t off, uint64_t size, cr_err *err) {
    cr__src *s = (cr__src *)user;
    char clean[PATH_MAX];
    cr__src_entry *e;
    int c = cr__tar_clean(t->name, clean);
    /* nothing is extracted, but a name that climbs out means a hostile archive */
    if (c < 0) return cr__tar_fail(t, err, EINVAL, "%s", c == -3 ? "a name component is longer than NAME_MAX" : "\"..\" in the name");
    if (t->type != '0' && t->type != '1' && t->type != '2') return 0;
    if (s->n == CR__SRC_MAX_ENTRIES) return cr__tar_fail(t, err, E2BIG, "more than %d entries", CR__SRC_MAX_ENTRIES);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        cr__src_entry *ne = (cr__src_entry *)CR_REALLOC(s->e, cap * sizeof *ne);
        if (!ne) return cr__tar_fail(t, err, ENOMEM, "out of memory");
        s->e = ne;
        s->cap = cap;
    }
    e = &s->e[s->n++];
    e->type = t->type;
    e->off = off;
    e->size = size;
    e->name = s->names.len;
    cr_buf_add(&s->names, clean, strlen(clean) + 1);
    e->link = s->names.len;
    cr_buf_add(&s->names, t->link, strlen(t->link) + 1);
    return s->names.oom ? cr__tar_fail(t, err, ENOMEM, "out of memory") : 0;
}

/* Resolves target (a link's, relative to dir unless absolute) to a name
   from the archive's root; -1 when it climbs out or gets too long. */
static int cr__src_join(const char *dir, const char *target, char out[PATH_MAX]) {
    char buf[2 * PATH_MAX + 2];
    const char *p = buf;
    size_t o = 0;
    snprintf(buf, sizeof buf, "%s/%s", target[0] == '/' ? "" : dir, target);
    while (*p) {
        size_t n;
        while (*p == '/') p++;
        if (!*p) break;
        n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (!o) return -1;
            while (o && out[o - 1] != '/') o--;
            if (o) o--;
        } else if (n != 1 || p[0] != '.') {
            if (o + n + 2 > PATH_MAX) return -1;
            if (o) out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    out[o] = 0;
    return 0;
}

/* The file entry an archive name stands for, following links inside the
   archive (`docker save` links a layer shared by two images); the last
   entry of a name wins, as for tar -x. */
static int cr__src_find(const cr__src *s, const char *what, const char *name, const cr__src_entry **out, cr_err *err) {
    char cur[PATH_MAX], next[PATH_MAX], w[PATH_MAX + 64];
    int hops;
    if (strlen(name) >= sizeof cur || cr__tar_clean(name, cur) < 0 || !cur[0])
        return cr_err_set(err, EINVAL, "%s: not a name inside the archive", cr__src_what(w, sizeof w, what, name));
    for (hops = 0; hops < 16; hops++) {
        const cr__src_entry *e = NULL;
        const char *link, *slash;
        size_t i;
        for (i = s->n; i-- > 0;)
            if (!strcmp(s->names.data + s->e[i].name, cur)) { e = &s->e[i]; break; }
        if (!e) return cr_err_set(err, ENOENT, "%s: not in the archive", cr__src_what(w, sizeof w, what, name));
        if (e->type == '0') { *out = e; return 0; }
        link = s->names.data + e->link;
        /* a symlink is relative to its directory, a hard link names a path from the root */
        slash = e->type == '2' ? strrchr(cur, '/') : NULL;
        if (slash) cur[slash - cur] = 0;
        if (cr__src_join(slash ? cur : "", link, next) < 0 || !next[0])
            return cr_err_set(err, EINVAL, "%s: link target \"%s\" is outside the archive", cr__src_what(w, sizeof w, what, name), link);
        memcpy(cur, next, strlen(next) + 1);
    }
    return cr_err_set(err, ELOOP, "%s: too many links", cr__src_what(w, sizeof w, what, name));
}

/* name in the source: a read-only fd (the caller closes it) and where its
   bytes are in it. */
static int cr__src_open(const cr__src *s, const char *what, const char *name, int *fd, uint64_t *off, uint64_t *size, cr_err *err) {
    char w[PATH_MAX + 64];
    const cr__src_entry *e;
    struct stat st;
    int r;
    *fd = -1;
    if (s->dirfd >= 0) {
        /* resolved inside the layout: a symlinked blob cannot read the host */
        if ((*fd = cr__open_in_root(s->dirfd, name, O_RDONLY | O_NONBLOCK, 0)) < 0) return cr__errno(err, "%s", cr__src_what(w, sizeof w, what, name));
        if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(*fd);
            *fd = -1;
            return cr_err_set(err, EINVAL, "%s: not a regular file", cr__src_what(w, sizeof w, what, name));
        }
        *off = 0;
        *size = (uint64_t)st.st_size;
        return 0;
    }
    if ((r = cr__src_find(s, what, name, &e, err)) < 0) return r;
    if ((*fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0)) < 0) return cr__errno(err, "%s", cr__src_what(w, sizeof w, what, name));
    *off = e->off;
    *size = e->size;
    return 0;
}

/* Reads n bytes at off of fd into p; a short file is an error. */
static int cr__src_pread(int fd, void *p, size_t n, uint64_t off, const char *what, cr_err *err) {
    size_t done = 0;
    while (done < n) {
        ssize_t k = pread(fd, (char *)p + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return cr__errno(err, "%s: read", what);
        if (k == 0) return cr_err_set(err, EIO, "%s: truncated", what);
        done += (size_t)k;
    }
    return 0;
}

/* A whole small file of the source (at most max bytes) into out. */
static int cr__src_read(const cr__src *s, const char *what, const char *name, size_t max, cr_buf *out, cr_err *err) {
    char w[PATH_MAX + 64];
    uint64_t off, size;
    int fd, r;
    out->len = 0;
    if ((r = cr__src_open(s, what, name, &fd, &off, &size, err)) < 0) return r;
    cr__src_what(w, sizeof w, what, name);
    if (size > max) r = cr_err_set(err, EFBIG, "%s: %llu bytes, more than %zu", w, (unsigned long long)size, max);
    else if (cr__buf_grow(out, (size_t)size) < 0) r = cr_err_set(err, ENOMEM, "%s: out of memory", w);
    else if ((r = cr__src_pread(fd, out->data, (size_t)size, off, w, err)) == 0) {
        out->len = (size_t)size;
        out->data[size] = 0;
    }
    close(fd);
    return r;
}

/* A small blob of an OCI layout (manifest, index, config) as d describes
   it: read, checked against digest and size, then stored. */
static int cr__src_blob(const char *root, const cr__src *s, const char *what, const cr_descriptor *d, size_t max,
                        cr_buf *out, cr_err *err) {
    char name[160], w[256], got[CR_SHA256_DIGEST_MAX];
    int r;
    if (!cr__store_hex(d->digest)) return cr_err_set(err, ENOTSUP, "%s %s: only sha256 digests are supported", what, d->digest);
    snprintf(name, sizeof name, "blobs/sha256/%s", cr__store_hex(d->digest));
    cr__src_what(w, sizeof w, what, name);
    if (d->size > max) return cr_err_set(err, EFBIG, "%s: the descriptor says %llu bytes, more than %zu", w, (unsigned long long)d->size, max);
    if ((r = cr__src_read(s, what, name, max, out, err)) < 0) return r;
    cr__sha256_bytes(out->data, out->len, got);
    if (out->len != d->size) return cr_err_set(err, EIO, "%s: size mismatch (%zu bytes, the descriptor says %llu)", w, out->len, (unsigned long long)d->size);
    if (strcmp(got, d->digest)) return cr_err_set(err, EIO, "%s: digest mismatch (got %s)", w, got);
    return cr__store_put_bytes(root, d->digest, out->data, out->len, err);
}

/* Copies a file of the source into blobs/sha256/ through a flocked temp
   file in tmp/ (gc leaves it alone), hashing it on the way; want (NULL:
   any) and want_size (UINT64_MAX: any) are checked before the rename, so
   blobs/ never holds what was not verified. got and *size get what it is. */
static int cr__src_copy(const char *root, const cr__src *s, const char *what, const char *name, const char *want,
                        uint64_t want_size, char got[CR_SHA256_DIGEST_MAX], uint64_t *size, cr_err *err) {
    enum { CHUNK = 1 << 17 };
    char tmp[PATH_MAX], final[PATH_MAX], w[PATH_MAX + 64];
    cr__sha256 h;
    uint64_t off, done = 0;
    uint8_t *buf = NULL;
    int in, out = -1, r;
    if ((r = cr__src_open(s, what, name, &in, &off, size, err)) < 0) return r;
    cr__src_what(w, sizeof w, what, name);
    if (want_size != UINT64_MAX && *size != want_size) {
        r = cr_err_set(err, EIO, "%s: size mismatch (%llu bytes, the descriptor says %llu)", w, (unsigned long long)*size,
                       (unsigned long long)want_size);
        goto out;
    }
    snprintf(tmp, sizeof tmp, "%s/tmp/import-XXXXXX", root);
    if ((out = mkostemp(tmp, O_CLOEXEC)) < 0) { r = cr__errno(err, "%s: temp file in %s/tmp", w, root); goto out; }
    if (flock(out, LOCK_EX) < 0) { r = cr__errno(err, "%s: lock %s", w, tmp); goto out; }
    if (!(buf = (uint8_t *)CR_MALLOC(CHUNK))) { r = cr_err_set(err, ENOMEM, "%s: out of memory", w); goto out; }
    cr__sha256_init(&h);
    while (done < *size) {
        size_t n = *size - done < CHUNK ? (size_t)(*size - done) : CHUNK;
        if ((r = cr__src_pread(in, buf, n, off + done, w, err)) < 0) goto out;
        if (cr__write_all(out, buf, n) < 0) { r = cr__errno(err, "%s: write %s", w, tmp); goto out; }
        cr__sha256_update(&h, buf, n);
        done += n;
    }
    cr__sha256_digest(&h, got);
    if (want && strcmp(got, want)) { r = cr_err_set(err, EIO, "%s: digest mismatch (got %s, expected %s)", w, got, want); goto out; }
    snprintf(final, sizeof final, "%s/blobs/sha256/%s", root, got + 7);
    if (fsync(out) < 0 || rename(tmp, final) < 0) r = cr__errno(err, "%s: store", w);
out:
    if (out >= 0) {
        if (r < 0) unlink(tmp);
        close(out);
    }
    close(in);
    CR_FREE(buf);
    return r;
}

/* Progress of a local source: the layer phases a registry pull reports
   (the config blob is not reported, as with pulls). */
static void cr__src_progress(const cr_pull_opts *o, cr_pull_phase phase, const char *digest, uint64_t size) {
    if (o->progress) o->progress(o->user, phase, digest, size, size);
}

/* Unpacks a stored layer blob the way a pull does (cr__image_layer works
   in a pull's context: the store, the options, the size cap). */
static int cr__src_unpack(const char *root, const cr_descriptor *d, const char *diff_id, const cr_pull_opts *o, cr_err *err) {
    cr__pull *p = (cr__pull *)CR_MALLOC(sizeof *p);
    cr__layer_progress lp;
    int r;
    if (!p) return cr_err_set(err, ENOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    p->root = root;
    p->o = o;
    p->max_layer = o->max_layer_size ? o->max_layer_size : CR_PULL_MAX_LAYER_SIZE;
    pthread_mutex_init(&p->mu, NULL);
    memset(&lp, 0, sizeof lp);
    lp.p = p;
    lp.digest = d->digest;
    lp.total = d->size;
    r = cr__image_layer(p, d, diff_id, -1, &lp, err);
    pthread_mutex_destroy(&p->mu);
    CR_FREE(p);
    return r;
}

/* Unpacks layer d unless its directory exists; the blob comes from
   the source, checked against the descriptor, unless the store has it. */
static int cr__src_layer(const char *root, const cr__src *s, const cr_descriptor *d, const char *diff_id,
                         const cr_pull_opts *o, cr_err *err) {
    char dir[PATH_MAX], name[160], got[CR_SHA256_DIGEST_MAX];
    uint64_t size;
    int r;
    if (!cr__store_hex(d->digest) || !cr__store_hex(diff_id))
        return cr_err_set(err, ENOTSUP, "layer %s: only sha256 digests are supported", d->digest);
    snprintf(dir, sizeof dir, "%s/layers/sha256/%s", root, cr__store_hex(diff_id));
    if (cr__store_layer_state(root, diff_id) > 0) { cr__src_progress(o, CR_PULL_EXISTS, d->digest, d->size); return 0; }
    if (!cr__store_has_blob(root, d->digest, d->size)) {
        snprintf(name, sizeof name, "blobs/sha256/%s", cr__store_hex(d->digest));
        if ((r = cr__src_copy(root, s, "layer", name, d->digest, d->size, got, &size, err)) < 0) return r;
    }
    if ((r = cr__src_unpack(root, d, diff_id, o, err)) < 0) return r;
    cr__src_progress(o, CR_PULL_COMPLETE, d->digest, d->size);
    return 0;
}

/* Parses and checks an image config blob against its manifest's layers. */
static int cr__src_config(const char *what, const cr_buf *body, size_t nlayers, cr_image_config *cfg, cr_err *err) {
    int r;
    if ((r = cr_manifest_config_parse(body->data, body->len, cfg, err)) < 0) return cr_err_wrap(err, "%s", what);
    if (cfg->ndiff_ids != nlayers)
        return cr_err_set(err, EINVAL, "%s: %zu diff_ids for %zu layers", what, cfg->ndiff_ids, nlayers);
    return 0;
}

/* oci: and oci-archive: — the image index.json names (by ref.name == tag,
   else its only image, else the entry for o->platform when all of them
   are platforms), into the store. ref_name gets the entry's name. */
static int cr__image_import_layout(const char *root, const cr__src *s, const char *tag, const cr_pull_opts *o,
                                   cr_image_info *info, char ref_name[256], cr_err *err) {
    cr_buf text = {0}, cbody = {0};
    cr_json *lay = NULL;
    const cr_json *v;
    cr_manifest idx, sub, m, child;
    cr_image_config cfg;
    cr_descriptor top, *cand = NULL;
    const cr_descriptor *pick;
    char what[200];
    size_t i, ncand = 0;
    int r;
    memset(&idx, 0, sizeof idx); memset(&sub, 0, sizeof sub); memset(&m, 0, sizeof m);
    memset(&child, 0, sizeof child); memset(&cfg, 0, sizeof cfg);
    if ((r = cr__src_read(s, NULL, "oci-layout", 64 << 10, &text, err)) < 0) {
        if (r == -ENOENT) r = cr_err_set(err, ENOENT, "oci-layout: missing: not an OCI image layout");
        goto out;
    }
    if ((r = cr_json_parse(text.data, text.len, &lay, err)) < 0) { cr_err_wrap(err, "oci-layout"); goto out; }
    v = cr_json_get(lay, "imageLayoutVersion");
    if (!v || v->type != CR_JSON_STRING || strncmp(v->str, "1.", 2)) {
        r = cr_err_set(err, ENOTSUP, "oci-layout: imageLayoutVersion: expected \"1.x.y\"");
        goto out;
    }
    if ((r = cr__src_read(s, NULL, "index.json", 4 << 20, &text, err)) < 0) goto out;
    if ((r = cr_manifest_parse(CR_MT_OCI_INDEX, text.data, text.len, &idx, err)) < 0) { cr_err_wrap(err, "index.json"); goto out; }
    if (idx.nmanifests && !(cand = (cr_descriptor *)CR_MALLOC(idx.nmanifests * sizeof *cand))) {
        r = cr_err_set(err, ENOMEM, "index.json: out of memory");
        goto out;
    }
    for (i = 0; i < idx.nmanifests; i++)
        if (cr__manifest_is_image(&idx.manifests[i]) && (!tag || !strcmp(idx.manifests[i].ref_name, tag)))
            cand[ncand++] = idx.manifests[i];
    for (i = 0; i < ncand && cand[i].os[0]; i++) ;
    if (ncand > 1 && i == ncand) {   /* the platforms of one image, listed at the top */
        sub.is_index = 1;
        sub.manifests = cand;
        sub.nmanifests = ncand;
        if ((r = cr_manifest_pick(&sub, o->platform, &pick, err)) < 0) { cr_err_wrap(err, "index.json"); goto out; }
    } else if (ncand == 1) {
        pick = &cand[0];
    } else {
        cr_buf names = {0};
        for (i = 0; i < idx.nmanifests && names.len < 600; i++)
            if (idx.manifests[i].ref_name[0]) cr_buf_printf(&names, "%s\"%s\"", names.len ? ", " : "", idx.manifests[i].ref_name);
        if (tag) r = cr_err_set(err, ENOENT, "index.json: no image named \"%s\" (it has: %s)", tag, names.data ? names.data : "no names");
        else if (!ncand) r = cr_err_set(err, ENOENT, "index.json: no image");
        else r = cr_err_set(err, EINVAL, "index.json: %zu images: name one with :TAG (it has: %s)", ncand, names.data ? names.data : "no names");
        cr_buf_free(&names);
        goto out;
    }
    top = *pick;
    snprintf(ref_name, 256, "%s", top.ref_name);
    if ((r = cr__src_blob(root, s, "manifest", &top, 4 << 20, &text, err)) < 0) goto out;
    snprintf(what, sizeof what, "manifest %s", top.digest);
    if ((r = cr_manifest_parse(top.media_type, text.data, text.len, &m, err)) < 0) { cr_err_wrap(err, "%s", what); goto out; }
    snprintf(info->digest, sizeof info->digest, "%s", top.digest);
    snprintf(info->manifest, sizeof info->manifest, "%s", top.digest);
    if (m.is_index) {
        if ((r = cr_manifest_pick(&m, o->platform, &pick, err)) < 0) { cr_err_wrap(err, "%s", what); goto out; }
        top = *pick;
        if ((r = cr__src_blob(root, s, "manifest", &top, 4 << 20, &text, err)) < 0) goto out;
        snprintf(what, sizeof what, "manifest %s", top.digest);
        if ((r = cr_manifest_parse(top.media_type, text.data, text.len, &child, err)) < 0) { cr_err_wrap(err, "%s", what); goto out; }
        if (child.is_index) { r = cr_err_set(err, EINVAL, "%s: an index inside an index", what); goto out; }
        cr_manifest_free(&m);
        m = child;
        memset(&child, 0, sizeof child);
        snprintf(info->manifest, sizeof info->manifest, "%s", top.digest);
    }
    snprintf(what, sizeof what, "config %s", m.config.digest);
    if ((r = cr__src_blob(root, s, "config", &m.config, 16 << 20, &cbody, err)) < 0 ||
        (r = cr__src_config(what, &cbody, m.nlayers, &cfg, err)) < 0) goto out;
    snprintf(info->config, sizeof info->config, "%s", m.config.digest);
    info->size = m.config.size;
    for (i = 0; i < m.nlayers; i++) {
        info->size += m.layers[i].size;
        if ((r = cr__src_layer(root, s, &m.layers[i], cfg.diff_ids[i], o, err)) < 0) goto out;
    }
out:
    cr_json_free(lay);
    cr_manifest_free(&idx);
    cr_manifest_free(&m);
    cr_manifest_free(&child);
    cr_manifest_config_free(&cfg);
    CR_FREE(cand);
    cr_buf_free(&text);
    cr_buf_free(&cbody);
    return r;
}

/* A name of manifest.json that must be a file inside the archive. */
static int cr__dsave_name(const cr_json *v, const char *field, cr_err *err) {
    char clean[PATH_MAX];
    if (!v) return cr_err_set(err, EINVAL, "%s: missing", field);
    if (v->type != CR_JSON_STRING) return cr_err_set(err, EINVAL, "%s: expected string, got %s", field, cr_json_type_name(v->type));
    if (!v->len || v->len >= PATH_MAX || cr__tar_clean(v->str, clean) < 0 || !clean[0])
        return cr_err_set(err, EINVAL, "%s: \"%.200s\" is not a name inside the archive", field, v->str);
    return 0;
}

/* manifest.json of `docker save`: [{"Config": NAME, "RepoTags": [REF...] |
   null, "Layers": [NAME...]}, ...], checked whole so that the importer
   only walks it: NAMEs are files inside the archive, REFs valid
   references. Other members (LayerSources, Parent) are ignored. */
static int cr__dsave_parse(const char *text, size_t len, cr_json **out, cr_err *err) {
    cr_json *root = NULL;
    const cr_json *e, *v, *x;
    char field[96];
    size_t i = 0, k;
    int r;
    *out = NULL;
    if ((r = cr_json_parse(text, len, &root, err)) < 0) return r;
    if (root->type != CR_JSON_ARRAY) r = cr_err_set(err, EINVAL, "expected an array, got %s", cr_json_type_name(root->type));
    else if (!root->len) r = cr_err_set(err, EINVAL, "no images");
    else if (root->len > CR__MANIFEST_MAX_ENTRIES) r = cr_err_set(err, E2BIG, "%zu images, more than %d", root->len, CR__MANIFEST_MAX_ENTRIES);
    for (e = root->child; !r && e; e = e->next, i++) {
        if (e->type != CR_JSON_OBJECT) { r = cr_err_set(err, EINVAL, "[%zu]: expected object, got %s", i, cr_json_type_name(e->type)); break; }
        snprintf(field, sizeof field, "[%zu].Config", i);
        if ((r = cr__dsave_name(cr_json_get(e, "Config"), field, err)) < 0) break;
        v = cr_json_get(e, "Layers");
        if (!v || v->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "[%zu].Layers: expected array, got %s", i, v ? cr_json_type_name(v->type) : "nothing"); break; }
        if (v->len > CR__MANIFEST_MAX_ENTRIES) { r = cr_err_set(err, E2BIG, "[%zu].Layers: more than %d", i, CR__MANIFEST_MAX_ENTRIES); break; }
        for (x = v->child, k = 0; !r && x; x = x->next, k++) {
            snprintf(field, sizeof field, "[%zu].Layers[%zu]", i, k);
            r = cr__dsave_name(x, field, err);
        }
        v = cr_json_get(e, "RepoTags");
        if (r || !v || v->type == CR_JSON_NULL) continue;
        if (v->type != CR_JSON_ARRAY) { r = cr_err_set(err, EINVAL, "[%zu].RepoTags: expected array, got %s", i, cr_json_type_name(v->type)); break; }
        for (x = v->child, k = 0; !r && x; x = x->next, k++) {
            cr_ref ref;
            if (x->type != CR_JSON_STRING) r = cr_err_set(err, EINVAL, "[%zu].RepoTags[%zu]: expected string, got %s", i, k, cr_json_type_name(x->type));
            else if ((r = cr_ref_parse(x->str, &ref, err)) < 0) cr_err_wrap(err, "[%zu].RepoTags[%zu]", i, k);
        }
    }
    if (r < 0) { cr_json_free(root); return r; }
    *out = root;
    return 0;
}

/* The digest a name of `docker save` carries: "blobs/sha256/<hex>" (Docker
   25 and later) or the config's "<hex>.json" (the image id); else "". */
static void cr__dsave_digest(const char *name, char out[CR_SHA256_DIGEST_MAX]) {
    size_t n = strlen(name);
    const char *hex = !strncmp(name, "blobs/sha256/", 13) && n == 13 + 64 ? name + 13 :
                      n == 64 + 5 && !strcmp(name + 64, ".json") ? name : NULL;
    out[0] = 0;
    if (hex && strspn(hex, "0123456789abcdef") >= 64) snprintf(out, CR_SHA256_DIGEST_MAX, "sha256:%.64s", hex);
}

/* Adds the canonical form of ref to names (NUL-separated) unless there. */
static void cr__dsave_add_name(cr_buf *names, const char *ref) {
    char canon[CR_REF_STRING_MAX];
    cr_ref r;
    size_t off;
    if (cr_ref_parse(ref, &r, NULL) < 0) return;
    cr_ref_string(&r, canon, sizeof canon);
    for (off = 0; off < names->len; off += strlen(names->data + off) + 1)
        if (!strcmp(names->data + off, canon)) return;
    cr_buf_add(names, canon, strlen(canon) + 1);
}

/* The names the old "repositories" file ({"repo": {"tag": "<layer id>"}})
   gives the image whose top layer is top: its <id>/layer.tar is that file. */
static void cr__dsave_repositories(const cr__src *s, const cr__src_entry *top, cr_buf *names) {
    cr_buf text = {0};
    cr_json *root = NULL;
    const cr_json *repo, *tag;
    if (cr__src_read(s, NULL, "repositories", 1 << 20, &text, NULL) == 0 && cr_json_parse(text.data, text.len, &root, NULL) == 0)
        for (repo = root->type == CR_JSON_OBJECT ? root->child : NULL; repo; repo = repo->next)
            for (tag = repo->type == CR_JSON_OBJECT ? repo->child : NULL; tag; tag = tag->next) {
                char p[PATH_MAX], ref[600];
                const cr__src_entry *e;
                if (tag->type != CR_JSON_STRING || strlen(tag->str) > 128) continue;
                snprintf(p, sizeof p, "%s/layer.tar", tag->str);
                if (cr__src_find(s, NULL, p, &e, NULL) < 0 || e != top) continue;
                snprintf(ref, sizeof ref, "%.300s:%.200s", repo->key, tag->key);
                cr__dsave_add_name(names, ref);
            }
    cr_json_free(root);
    cr_buf_free(&text);
}

/* The entry of manifest.json whose RepoTags hold want (canonical), or its only one. */
static int cr__dsave_pick(const cr_json *list, const char *want, const cr_json **img, cr_err *err) {
    char canon[CR_REF_STRING_MAX], wantc[CR_REF_STRING_MAX] = "";
    const cr_json *e, *tags, *t;
    cr_buf all = {0};
    int r;
    *img = NULL;
    if (want) {
        cr_ref ref;
        if ((r = cr_ref_parse(want, &ref, err)) < 0) return r;
        cr_ref_string(&ref, wantc, sizeof wantc);
    }
    for (e = list->child; e && !*img && want; e = e->next)
        for (tags = cr_json_get(e, "RepoTags"), t = tags ? tags->child : NULL; t && !*img; t = t->next) {
            cr_ref ref;
            cr_ref_parse(t->str, &ref, NULL);
            cr_ref_string(&ref, canon, sizeof canon);
            if (!strcmp(canon, wantc)) *img = e;
        }
    if (!*img && list->len == 1) *img = list->child;
    if (*img) return 0;
    for (e = list->child; e && all.len < 600; e = e->next)
        for (tags = cr_json_get(e, "RepoTags"), t = tags ? tags->child : NULL; t; t = t->next)
            cr_buf_printf(&all, "%s%s", all.len ? ", " : "", t->str);
    if (want) r = cr_err_set(err, ENOENT, "manifest.json: no image tagged %s (it has: %s)", want, all.data ? all.data : "no tags");
    else r = cr_err_set(err, EINVAL, "manifest.json: %zu images: name one with docker-archive:FILE:REF (it has: %s)",
                        list->len, all.data ? all.data : "no tags");
    cr_buf_free(&all);
    return r;
}

/* One layer of a docker archive (name in the archive, its diff-id) into the
   store; d gets its descriptor. */
static int cr__dsave_layer(const char *root, const cr__src *s, const char *name, const char *diff, const cr_pull_opts *o,
                           cr_descriptor *d, cr_err *err) {
    static const char *const layer_types[] = { "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd" };
    char w[PATH_MAX + 64], named[CR_SHA256_DIGEST_MAX];
    uint8_t magic[4] = {0};
    uint64_t off;
    int fd, have, r;
    memset(d, 0, sizeof *d);
    cr__src_what(w, sizeof w, "layer", name);
    if (!cr__store_hex(diff)) return cr_err_set(err, ENOTSUP, "%s: diff-id %s: only sha256 is supported", w, diff);
    if ((r = cr__src_open(s, "layer", name, &fd, &off, &d->size, err)) < 0) return r;
    r = cr__src_pread(fd, magic, d->size < 4 ? (size_t)d->size : 4, off, w, err);
    close(fd);
    if (r < 0) return r;
    d->compression = magic[0] == 0x1f && magic[1] == 0x8b ? CR_LAYER_GZIP :
                     magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd ? CR_LAYER_ZSTD : CR_LAYER_TAR;
    snprintf(d->media_type, sizeof d->media_type, "%s", layer_types[d->compression]);
    have = cr__store_layer_state(root, diff) > 0;
    if (have && d->compression == CR_LAYER_TAR) {
        /* a plain tar's digest is its diff-id, and that layer is unpacked already */
        snprintf(d->digest, sizeof d->digest, "%s", diff);
        cr__src_progress(o, CR_PULL_EXISTS, d->digest, d->size);
        return 0;
    }
    /* a plain tar must hash to its diff-id before it is stored */
    cr__dsave_digest(name, named);
    if (d->compression == CR_LAYER_TAR) snprintf(named, sizeof named, "%s", diff);
    if ((r = cr__src_copy(root, s, "layer", name, named[0] ? named : NULL, UINT64_MAX, d->digest, &d->size, err)) < 0) return r;
    if (!have && (r = cr__src_unpack(root, d, diff, o, err)) < 0) return cr_err_wrap(err, "%s", w);
    cr__src_progress(o, have ? CR_PULL_EXISTS : CR_PULL_COMPLETE, d->digest, d->size);
    return 0;
}

static void cr__dsave_descriptor(cr_jw *jw, const char *media_type, const char *digest, uint64_t size) {
    cr_jw_obj(jw);
    cr_jw_key(jw, "mediaType"); cr_jw_str(jw, media_type);
    cr_jw_key(jw, "digest"); cr_jw_str(jw, digest);
    cr_jw_key(jw, "size"); cr_jw_u64(jw, size);
    cr_jw_obj_end(jw);
}

/* The names of img: want, else its RepoTags, else the "repositories" file's. */
static void cr__dsave_names(const cr__src *s, const cr_json *img, const char *want, cr_buf *names) {
    const cr_json *tags, *t, *l;
    const cr__src_entry *top;
    if (want) { cr__dsave_add_name(names, want); return; }
    for (tags = cr_json_get(img, "RepoTags"), t = tags ? tags->child : NULL; t; t = t->next) cr__dsave_add_name(names, t->str);
    for (l = cr_json_get(img, "Layers")->child; l && l->next; l = l->next) ;
    if (!names->len && l && cr__src_find(s, NULL, l->str, &top, NULL) == 0) cr__dsave_repositories(s, top, names);
}

/* docker-archive: — the image of manifest.json that want names (or its
   only one), into the store under an OCI manifest made here; names gets
   its canonical names (NUL-separated). */
static int cr__image_import_docker(const char *root, const cr__src *s, const char *want, const cr_pull_opts *o,
                                   cr_image_info *info, cr_buf *names, cr_err *err) {
    cr_buf text = {0}, man = {0};
    cr_json *list = NULL;
    const cr_json *img, *layers, *l;
    cr_image_config cfg;
    cr_descriptor d;
    char cfgd[CR_SHA256_DIGEST_MAX], named[CR_SHA256_DIGEST_MAX], w[PATH_MAX + 64];
    const char *cfgname;
    size_t i;
    cr_jw jw;
    int r;
    memset(&cfg, 0, sizeof cfg);
    if ((r = cr__src_read(s, NULL, "manifest.json", 4 << 20, &text, err)) < 0) {
        if (r == -ENOENT) r = cr_err_set(err, ENOENT, "manifest.json: not in the archive (not a docker save archive, or one older than Docker 1.10)");
        goto out;
    }
    if ((r = cr__dsave_parse(text.data, text.len, &list, err)) < 0) { cr_err_wrap(err, "manifest.json"); goto out; }
    if ((r = cr__dsave_pick(list, want, &img, err)) < 0) goto out;
    /* the config: its digest is the image id, and its name may carry it */
    cfgname = cr_json_get(img, "Config")->str;
    layers = cr_json_get(img, "Layers");
    if ((r = cr__src_read(s, "config", cfgname, 16 << 20, &text, err)) < 0) goto out;
    cr__sha256_bytes(text.data, text.len, cfgd);
    cr__dsave_digest(cfgname, named);
    cr__src_what(w, sizeof w, "config", cfgname);
    if (named[0] && strcmp(named, cfgd)) { r = cr_err_set(err, EIO, "%s: digest mismatch (got %s)", w, cfgd); goto out; }
    if ((r = cr__src_config(w, &text, layers->len, &cfg, err)) < 0) goto out;
    if ((r = cr__store_put_bytes(root, cfgd, text.data, text.len, err)) < 0) goto out;
    snprintf(info->config, sizeof info->config, "%s", cfgd);
    info->size = text.len;
    cr_jw_init(&jw, &man);
    cr_jw_obj(&jw);
    cr_jw_key(&jw, "schemaVersion"); cr_jw_i64(&jw, 2);
    cr_jw_key(&jw, "mediaType"); cr_jw_str(&jw, CR_MT_OCI_MANIFEST);
    cr_jw_key(&jw, "config"); cr__dsave_descriptor(&jw, CR_MT_OCI_CONFIG, cfgd, text.len);
    cr_jw_key(&jw, "layers"); cr_jw_arr(&jw);
    for (l = layers->child, i = 0; l; l = l->next, i++) {
        if ((r = cr__dsave_layer(root, s, l->str, cfg.diff_ids[i], o, &d, err)) < 0) goto out;
        info->size += d.size;
        cr__dsave_descriptor(&jw, d.media_type, d.digest, d.size);
    }
    cr_jw_arr_end(&jw);
    cr_jw_obj_end(&jw);
    if (man.oom) { r = cr_err_set(err, ENOMEM, "manifest: out of memory"); goto out; }
    cr__sha256_bytes(man.data, man.len, info->manifest);
    if ((r = cr__store_put_bytes(root, info->manifest, man.data, man.len, err)) < 0) goto out;
    snprintf(info->digest, sizeof info->digest, "%s", info->manifest);
    cr__dsave_names(s, img, want, names);
    if (names->oom) r = cr_err_set(err, ENOMEM, "out of memory");
out:
    cr_json_free(list);
    cr_manifest_config_free(&cfg);
    cr_buf_free(&text);
    cr_buf_free(&man);
    return r;
}

/* The name an image from a local source gets for tag: tag itself when it
   is a reference rather than a tag ("repo:tag", "host/repo"), else
   localhost/<base>:<tag>, base being the directory or file name (".tar"
   cut) made fit for a repository name. */
static int cr__import_name(const char *path, const char *tag, char *out, size_t n, cr_err *err) {
    char base[128], full[320];
    const char *b, *e = path + strlen(path);
    size_t k = 0;
    cr_ref ref;
    int r;
    if (cr__ref_tag_ok(tag, strlen(tag))) {
        while (e > path + 1 && e[-1] == '/') e--;
        for (b = e; b > path && b[-1] != '/'; b--) ;
        if (e - b > 4 && !strncmp(e - 4, ".tar", 4)) e -= 4;
        while (b < e && k < sizeof base - 2) {
            const char *run = b;
            char c = (char)(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b);
            if (cr__ref_lower(c)) { base[k++] = c; b++; continue; }
            while (b < e && !cr__ref_lower(*b >= 'A' && *b <= 'Z' ? *b + 32 : *b)) b++;
            /* one '.', '_' or '-' may join two components; anything else becomes '-' */
            if (k && b < e) base[k++] = b - run == 1 && strchr("._-", *run) ? *run : '-';
        }
        base[k] = 0;
        snprintf(full, sizeof full, "localhost/%s:%s", k ? base : "image", tag);
        tag = full;
    }
    if ((r = cr_ref_parse(tag, &ref, err)) < 0) return r;
    cr_ref_string(&ref, out, n);
    return 0;
}

/* cr_image_pull of the local transports: rest is "PATH[:TAG]". */
static int cr__image_import(const char *root, int kind, const char *rest, const cr_pull_opts *o, char digest_out[CR_DIGEST_MAX], cr_err *err) {
    static const char *const prefix[] = { "docker", "oci", "oci-archive", "docker-archive" };
    const char *colon = strchr(rest, ':'), *tag = colon && colon[1] ? colon + 1 : NULL;
    char path[PATH_MAX], ref_name[256] = "", name[CR_REF_STRING_MAX];
    cr_image_info info;
    cr_buf names = {0};
    cr__src *s;
    size_t plen = colon ? (size_t)(colon - rest) : strlen(rest), off;
    int r;
    if (plen >= sizeof path) return cr_err_set(err, ENAMETOOLONG, "%s:%.200s...: path too long", prefix[kind], rest);
    if (!(s = (cr__src *)CR_MALLOC(sizeof *s))) return cr_err_set(err, ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    memset(&info, 0, sizeof info);
    s->dirfd = s->fd = -1;
    memcpy(path, rest, plen);
    path[plen] = 0;
    snprintf(s->label, sizeof s->label, "%s:%s", prefix[kind], path);
    if (!plen) { r = cr_err_set(err, EINVAL, "no path"); goto out; }
    if ((r = cr__store_prepare(root, err)) < 0) goto out;
    if (kind == CR_TRANSPORT_OCI) {
        if ((s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) { r = cr__errno(err, "open"); goto out; }
    } else {
        struct stat st;
        uint8_t m[6] = {0};
        if ((s->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) { r = cr__errno(err, "open"); goto out; }
        if (fstat(s->fd, &st) < 0) { r = cr__errno(err, "stat"); goto out; }
        if (!S_ISREG(st.st_mode)) { r = cr_err_set(err, EINVAL, "not a regular file"); goto out; }
        if (pread(s->fd, m, sizeof m, 0) < 0) { r = cr__errno(err, "read"); goto out; }
        if ((m[0] == 0x1f && m[1] == 0x8b) || !memcmp(m, "\x28\xb5\x2f\xfd", 4) || !memcmp(m, "\xfd" "7zXZ", 6) || !memcmp(m, "BZh", 3)) {
            r = cr_err_set(err, ENOTSUP, "a compressed archive: decompress it first");
            goto out;
        }
        if ((r = cr__tar_list(s->fd, "archive", cr__src_visit, s, err)) < 0) goto out;
    }
    if (kind == CR_TRANSPORT_DOCKER_ARCHIVE) r = cr__image_import_docker(root, s, tag, o, &info, &names, err);
    else r = cr__image_import_layout(root, s, tag, o, &info, ref_name, err);
    if (r < 0) goto out;
    if (!names.len) {
        if ((r = cr__import_name(path, tag ? tag : ref_name[0] ? ref_name : "latest", name, sizeof name, err)) < 0) goto out;
        cr_buf_add(&names, name, strlen(name) + 1);
        if (names.oom) { r = cr_err_set(err, ENOMEM, "out of memory"); goto out; }
    }
    cr__now_rfc3339(info.pulled, sizeof info.pulled);
    for (off = 0; off < names.len && r == 0; off += strlen(names.data + off) + 1) {
        snprintf(info.name, sizeof info.name, "%s", names.data + off);
        r = cr__images_update(root, NULL, &info, NULL, err);
    }
    if (r == 0 && digest_out) snprintf(digest_out, CR_DIGEST_MAX, "%s", info.digest);
out:
    if (r < 0) cr_err_wrap(err, "%s", s->label);
    if (s->dirfd >= 0) close(s->dirfd);
    if (s->fd >= 0) close(s->fd);
    CR_FREE(s->e);
    cr_buf_free(&s->names);
    cr_buf_free(&names);
    CR_FREE(s);
    return r;
}

/* The image manifest from g's source: through the index for the platform
   when the reference names one. top gets what the reference names. */
static int cr__pull_manifests(cr__reg *g, cr_manifest *m, cr_manifest *index, char top[CR_SHA256_DIGEST_MAX], char digest[CR_SHA256_DIGEST_MAX], cr_err *err) {
    const cr_ref *ref = &g->p->ref;
    const cr_descriptor *pick;
    char want[CR_DIGEST_MAX];
    int r;
    if ((r = cr__pull_manifest(g, ref->digest[0] ? ref->digest : ref->tag, ref->digest, m, digest, err)) < 0) return r;
    memcpy(top, digest, CR_SHA256_DIGEST_MAX);
    if (!m->is_index) return 0;
    *index = *m;
    memset(m, 0, sizeof *m);
    if ((r = cr_manifest_pick(index, g->p->o->platform, &pick, err)) < 0) return r;
    snprintf(want, sizeof want, "%s", pick->digest);
    if ((r = cr__pull_manifest(g, want, want, m, digest, err)) < 0) return r;
    if (m->is_index) return cr_err_set(err, EINVAL, "manifest %s: an index inside an index", want);
    return 0;
}

CR_API int cr_image_pull(const cr_store *s, const char *refstr, const cr_pull_opts *opts, char digest_out[CR_DIGEST_MAX], cr_err *err) {
    cr_pull_opts noopts;
    cr__pull *p;
    cr__reg *g = NULL;
    cr_manifest m, index;
    cr_image_config cfg;
    cr_image_info info;
    cr_buf cbody = {0};
    char digest[CR_SHA256_DIGEST_MAX], top[CR_SHA256_DIGEST_MAX], name[300];
    int kind, r, si;
    size_t i, j;
    const char *rest;
    memset(&noopts, 0, sizeof noopts);
    if (!opts) opts = &noopts;
    memset(&m, 0, sizeof m); memset(&index, 0, sizeof index); memset(&cfg, 0, sizeof cfg);
    if (cr_ref_transport(refstr, &kind, &rest) == 0 && kind != CR_TRANSPORT_REGISTRY)
        return cr__image_import(cr_store_root(s), kind, rest, opts, digest_out, err);
    if (kind != CR_TRANSPORT_REGISTRY) return cr_err_set(err, EINVAL, "pull \"%s\": no path after the transport", refstr);
    if (!(p = (cr__pull *)CR_MALLOC(sizeof *p))) return cr_err_set(err, ENOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->root = cr_store_root(s);
    p->o = opts;
    p->max_layer = opts->max_layer_size ? opts->max_layer_size : CR_PULL_MAX_LAYER_SIZE;
    if ((r = cr_ref_parse(rest, &p->ref, err)) < 0 || (r = cr__pull_sources(p, err)) < 0) goto out;
    if ((r = cr__store_prepare(p->root, err)) < 0) goto out;
    if (!(g = (cr__reg *)CR_MALLOC(sizeof *g))) { r = cr_err_set(err, ENOMEM, "out of memory"); goto out; }
    memset(g, 0, sizeof *g);
    g->p = p;
    /* the manifest from the first source that has it; a failing mirror hands over */
    for (si = 0; si < p->nsrc; si++) {
        if ((r = cr__reg_open(g, si, err)) == 0 && (r = cr__pull_manifests(g, &m, &index, top, digest, err)) < 0 && p->src[si].mirror)
            cr_err_wrap(err, "%s", cr__reg_name(g, name, sizeof name));
        if (r == 0 || !p->src[si].mirror) break;
        cr_log(CR_LOG_DEBUG, "pull \"%s\": %s; trying the next source", refstr, err->msg);
        cr_manifest_free(&m);
        cr_manifest_free(&index);
        memset(&m, 0, sizeof m); memset(&index, 0, sizeof index);
    }
    if (r < 0) goto out;
    if ((r = cr__pull_blob(g, "config", &m.config, 0, NULL, err)) < 0) goto out;
    if ((r = cr__store_read_blob(p->root, m.config.digest, 16 << 20, &cbody, err)) < 0 ||
        (r = cr_manifest_config_parse(cbody.data, cbody.len, &cfg, err)) < 0) { cr_err_wrap(err, "config %s", m.config.digest); goto out; }
    if (cfg.ndiff_ids != m.nlayers) {
        r = cr_err_set(err, EINVAL, "config %s: %zu diff_ids for %zu layers", m.config.digest, cfg.ndiff_ids, m.nlayers);
        goto out;
    }
    memset(&info, 0, sizeof info);
    info.size = m.config.size;
    p->layers = (const cr_descriptor **)CR_MALLOC((m.nlayers + 1) * sizeof *p->layers);
    p->diff_ids = (const char **)CR_MALLOC((m.nlayers + 1) * sizeof *p->diff_ids);
    if (!p->layers || !p->diff_ids) { r = cr_err_set(err, ENOMEM, "out of memory"); goto out; }
    /* the layers to fetch: each diff-id once, those unpacked already skipped */
    for (i = 0; i < m.nlayers; i++) {
        char layer_dir[PATH_MAX];
        const char *dhex = cr__store_hex(cfg.diff_ids[i]);
        info.size += m.layers[i].size;
        snprintf(layer_dir, sizeof layer_dir, "%s/layers/sha256/%s", p->root, dhex ? dhex : "");
        for (j = 0; j < p->njobs && strcmp(p->diff_ids[j], cfg.diff_ids[i]); j++) {}
        if (j < p->njobs) continue;
        if (dhex && cr__store_layer_state(p->root, cfg.diff_ids[i]) > 0) {
            cr__pull_report(p, CR_PULL_EXISTS, m.layers[i].digest, m.layers[i].size, m.layers[i].size);
            continue;
        }
        p->layers[p->njobs] = &m.layers[i];
        p->diff_ids[p->njobs++] = cfg.diff_ids[i];
        cr__pull_report(p, CR_PULL_WAITING, m.layers[i].digest, 0, m.layers[i].size);
    }
    if ((r = cr__pull_layers(p, g, err)) < 0) goto out;
    cr_ref_string(&p->ref, info.name, sizeof info.name);
    snprintf(info.digest, sizeof info.digest, "%s", top);
    snprintf(info.manifest, sizeof info.manifest, "%s", digest);
    snprintf(info.config, sizeof info.config, "%s", m.config.digest);
    cr__now_rfc3339(info.pulled, sizeof info.pulled);
    if ((r = cr__images_update(p->root, NULL, &info, NULL, err)) < 0) goto out;
    if (digest_out) snprintf(digest_out, CR_DIGEST_MAX, "%s", top);
out:
    if (r < 0) cr_err_wrap(err, "pull \"%s\"", refstr);
    cr_manifest_free(&m);
    cr_manifest_free(&index);
    cr_manifest_config_free(&cfg);
    cr_buf_free(&cbody);
    cr__reg_free(g);
    CR_FREE(p->layers);
    CR_FREE(p->diff_ids);
    pthread_mutex_destroy(&p->mu);
    CR_FREE(p);
    return r;
}

CR_API int cr_image_login(const char *registry, const cr_login_opts *o, cr_err *err) {
    const char *user = o->user, *pass = o->pass;
    cr_pull_opts lo;
    cr_http_response resp;
    cr_buf creds = {0};
    char host[256];
    const char *h = registry ? registry : "";
    size_t n;
    cr__reg *g;
    cr__pull *p;
    int r;
    /* "https://host/v1/" and Docker Hub's other names are accepted, as docker login does */
    if (!strncasecmp(h, "https://", 8)) h += 8;
    else if (!strncasecmp(h, "http://", 7)) h += 7;
    n = strcspn(h, "/");
    if (!n || n >= sizeof host || !cr__ref_domain_ok(h, n)) return cr_err_set(err, EINVAL, "login \"%.200s\": invalid registry name", registry ? registry : "");
    snprintf(host, sizeof host, "%.*s", (int)n, h);
    if (!strcmp(host, CR__REF_HUB_LEGACY) || !strcmp(host, CR__REF_HUB_API)) snprintf(host, sizeof host, "%s", CR__REF_HUB);
    if (!user || !*user || strchr(user, ':')) return cr_err_set(err, EINVAL, "login %s: user name must be non-empty and without ':'", host);
    if (!(g = (cr__reg *)CR_MALLOC(sizeof *g)) || !(p = (cr__pull *)CR_MALLOC(sizeof *p))) {
        CR_FREE(g);
        return cr_err_set(err, ENOMEM, "out of memory");
    }
    memset(g, 0, sizeof *g);
    memset(p, 0, sizeof *p);
    if (pass && strlen(pass) >= sizeof g->pass) {
        CR_FREE(g);
        CR_FREE(p);
        return cr_err_set(err, E2BIG, "login %s: password longer than %zu bytes", host, sizeof g->pass - 1);
    }
    memset(&lo, 0, sizeof lo);
    lo.insecure = o->insecure;
    lo.certs_dir = o->certs_dir;
    cr_buf_printf(&creds, "%s:%s", user, pass ? pass : "");
    lo.creds = creds.data;
    p->o = &lo;
    snprintf(p->ref.domain, sizeof p->ref.domain, "%s", host);
    /* the registry itself, never a mirror */
    p->nsrc = 1;
    snprintf(p->src[0].host, sizeof p->src[0].host, "%s", strcmp(host, "docker.io") ? host : "registry-1.docker.io");
    g->p = p;
    /* the /v2/ probe: a Bearer challenge gets a token for our credentials
       (the token server checks them); a Basic one is checked by the GET */
    r = creds.oom ? cr_err_set(err, ENOMEM, "out of memory") : cr__reg_open(g, 0, err);
    if (r == 0) {
        memset(&resp, 0, sizeof resp);
        r = cr__reg_get(g, "/v2/", NULL, NULL, NULL, NULL, NULL, 0, &resp, err);
        if (r == 0 && resp.status == 401) r = -EACCES;
        else if (r == 0 && resp.status != 200) r = cr_err_set(err, EIO, "/v2/ answered HTTP %d", resp.status);
        cr_buf_free(&resp.headers);
    }
    if (r == -EACCES) r = cr_err_set(err, EACCES, "unauthorized: wrong user name or password");
    if (r < 0) cr_err_wrap(err, "login %s", host);
    if (creds.data) explicit_bzero(creds.data, creds.len);
    cr_buf_free(&creds);
    cr_http_client_close(&g->http);
    explicit_bzero(g, sizeof *g);
    CR_FREE(g);
    CR_FREE(p);
    return r;
}

/* ==========================================================================
 * >>ctr — cr_ctr_*: image containers (`cr run IMAGE`, stop, rm, logs, inspect)
 * ========================================================================== */

/* ---- string vectors ---- */

typedef struct cr__strv { char **v; int n, cap, oom; } cr__strv;

static void cr__strv_push(cr__strv *s, const char *str) {
    char *dup;
    if (s->oom) return;
    if (s->n + 2 > s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        char **v = (char **)CR_REALLOC(s->v, (size_t)cap * sizeof *v);
        if (!v) { s->oom = 1; return; }
        s->v = v; s->cap = cap;
    }
    if (!(dup = cr__strdup(str))) { s->oom = 1; return; }
    s->v[s->n++] = dup;
    s->v[s->n] = NULL;
}

static int cr__cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void cr__strv_free(cr__strv *s) {
    int i;
    for (i = 0; i < s->n; i++) CR_FREE(s->v[i]);
    CR_FREE(s->v);
    memset(s, 0, sizeof *s);
}

/* Sets KEY=VALUE in an environment, replacing an earlier KEY. */
static void cr__env_set(cr__strv *env, const char *kv) {
    size_t klen = strcspn(kv, "=");
    int i;
    for (i = 0; i < env->n; i++)
        if (!strncmp(env->v[i], kv, klen) && env->v[i][klen] == '=') {
            char *dup = cr__strdup(kv);
            if (!dup) { env->oom = 1; return; }
            CR_FREE(env->v[i]);
            env->v[i] = dup;
            return;
        }
    cr__strv_push(env, kv);
}

/* ---- one run in the making ---- */

typedef struct cr__ctr {
    const cr_runtime *rt;
    const cr_ctr_opts *o;
    const char *store;
    char id[65], name[256], dir[PATH_MAX], hostname[256], created[40];
    int dirfd, lockfd, notify;
    cr_image_config img;
    cr_image_info info;
    cr__strv lower, args, env, mounts_json;
    cr__strv user_mounts;             /* inspect's Mounts: volumes, binds and tmpfs the user asked for */
    int nentry;                       /* args[0..nentry) came from the entrypoint */
    uint64_t caps;
    uint32_t uid, gid, gids[64]; int ngids;
    int no_new_privs, seccomp_unconfined;
    const char *seccomp_file;
    char netns[PATH_MAX];             /* container:NAME / ns:PATH: the netns to join */
    int bridge;                       /* on cr_net's bridge */
    cr_net_port ports[64]; int nports;
    char net_dir[PATH_MAX];
    cr_net_config net;
} cr__ctr;

static const char cr__ctr_default_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static int cr__ctr_dir_path(const char *store, const char *name, char *out, size_t n) {
    return snprintf(out, n, "%s/containers/%s", store, name) >= (int)n ? -ENAMETOOLONG : 0;
}

/* The bridge's leases live with the state root they belong to. */
static void cr__ctr_net_config(const cr_runtime *rt, cr_net_config *net, char *dir, size_t n) {
    memset(net, 0, sizeof *net);
    snprintf(dir, n, "%s/@net", cr_state_root(rt));
    net->state_dir = dir;
}

/* Docker's names: [a-zA-Z0-9][a-zA-Z0-9_.-]+, and a valid OCI id. */
static int cr__ctr_check_name(const char *name, cr_err *err) {
    const char *p;
    if (!*name || !isalnum((unsigned char)*name) || strlen(name) > 200)
        return cr_err_set(err, EINVAL, "invalid container name \"%s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
    for (p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return cr_err_set(err, EINVAL, "invalid container name \"%s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
    return 0;
}

static int cr__ctr_random_id(char out[65], cr_err *err) {
    unsigned char b[32];
    int i;
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return cr__errno(err, "getrandom");
    for (i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* ---- sizes, numbers ---- */

/* ---- the image's /etc/passwd and /etc/group ---- */

/* Reads path from the container's root: --rootfs, or the top-most layer
   that has it (a whiteout hides it from the layers below). */
static int cr__ctr_image_file(const cr__ctr *c, const char *path, cr_buf *out) {
    char p[64];
    int i, r = -ENOENT;
    for (i = c->o->rootfs ? -1 : 0; i < c->lower.n; i++) {
        const char *dir = i < 0 ? c->o->rootfs : c->lower.v[i];
        int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
        struct stat sb;
        if (root < 0) return -errno;
        fd = cr__open_in_root(root, path, O_RDONLY, 0);
        close(root);
        if (fd < 0 && errno == ENOENT && i >= 0) continue;
        if (fd < 0) return errno == ENOENT ? -ENOENT : -errno;
        if (fstat(fd, &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == 0) { close(fd); return -ENOENT; }
        r = cr_util_read_file(AT_FDCWD, cr__fdpath(p, sizeof p, fd), 4 << 20, out, NULL);
        close(fd);
        return r;
    }
    return r;
}

static int cr__ctr_is_number(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

/* Finds the colon-separated line whose field 0 (name) or field 2 (id)
   matches key; fields gets up to 8 field starts into the copy in line. */
static int cr__ctr_db_find(const char *text, const char *key, int by_id, char *line, size_t n, char **fields) {
    const char *p = text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        int k = 0;
        char *q;
        if (len < n) {
            memcpy(line, p, len);
            line[len] = 0;
            fields[k++] = line;
            for (q = line; *q && k < 8; q++) if (*q == ':') { *q = 0; fields[k++] = q + 1; }
            while (k < 8) fields[k++] = (char *)"";
            if (line[0] != '#' && !strcmp(by_id ? fields[2] : fields[0], key)) return 1;
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* -u USER[:GROUP] the Docker way, against the image's /etc/passwd and
   /etc/group texts (NULL when missing): names from the files, numbers as
   they are; supplementary groups are the user's memberships in group. */
static int cr__ctr_user_lookup(cr__ctr *c, const char *passwd, const char *group, const char *spec, cr_err *err) {
    char user[256], grp[256], line[1024], uname[256] = "root", *f[8];
    const char *colon = strchr(spec, ':'), *p;
    int have_group = colon != NULL;
    snprintf(user, sizeof user, "%.*s", (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
    snprintf(grp, sizeof grp, "%s", colon ? colon + 1 : "");
    if (!*user) snprintf(user, sizeof user, "0");
    c->uid = c->gid = 0;
    if (passwd && cr__ctr_db_find(passwd, user, cr__ctr_is_number(user), line, sizeof line, f)) {
        c->uid = (uint32_t)strtoul(f[2], NULL, 10);
        c->gid = (uint32_t)strtoul(f[3], NULL, 10);
        snprintf(uname, sizeof uname, "%s", f[0]);
    } else if (cr__ctr_is_number(user)) {
        c->uid = (uint32_t)strtoul(user, NULL, 10);
        uname[0] = 0;
    } else return cr_err_set(err, ENOENT, "user \"%s\": no matching entries in the image's /etc/passwd", user);
    if (have_group && cr__ctr_is_number(grp)) c->gid = (uint32_t)strtoul(grp, NULL, 10);
    else if (have_group) {
        if (!group || !cr__ctr_db_find(group, grp, 0, line, sizeof line, f))
            return cr_err_set(err, ENOENT, "group \"%s\": no matching entries in the image's /etc/group", grp);
        c->gid = (uint32_t)strtoul(f[2], NULL, 10);
    }
    c->ngids = 0;
    c->gids[c->ngids++] = c->gid;
    for (p = group; uname[0] && p && *p && c->ngids < 64;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len < sizeof line) {
            char *members, *m, *save = NULL, *gidf;
            memcpy(line, p, len);
            line[len] = 0;
            gidf = strchr(line, ':') ? strchr(strchr(line, ':') + 1, ':') : NULL;
            members = gidf ? strchr(gidf + 1, ':') : NULL;
            if (members) {
                uint32_t gid = (uint32_t)strtoul(gidf + 1, NULL, 10);
                for (m = strtok_r(members + 1, ",", &save); m; m = strtok_r(NULL, ",", &save))
                    if (!strcmp(m, uname) && gid != c->gid) { c->gids[c->ngids++] = gid; break; }
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int cr__ctr_user(cr__ctr *c, const char *spec, cr_err *err) {
    cr_buf passwd = {0}, group = {0};
    int r;
    cr__ctr_image_file(c, "/etc/passwd", &passwd);
    cr__ctr_image_file(c, "/etc/group", &group);
    r = cr__ctr_user_lookup(c, passwd.data, group.data, spec, err);
    cr_buf_free(&passwd);
    cr_buf_free(&group);
    return r;
}

/* ---- capabilities, seccomp, security options ---- */

static uint64_t cr__ctr_bounding(void) {
    cr_buf b = {0};
    const char *p;
    uint64_t caps = ~0ULL;
    if (cr_util_read_file(AT_FDCWD, "/proc/self/status", 1 << 16, &b, NULL) == 0 && (p = strstr(b.data, "CapBnd:")))
        caps = strtoull(p + 7, NULL, 16);
    cr_buf_free(&b);
    return caps;
}

static uint64_t cr__ctr_all_caps(void) {
    uint64_t all = 0;
    int i;
    for (i = 0; i < 64; i++) if (cr_spec_cap_name(i)) all |= 1ULL << i;
    return all & cr__ctr_bounding();
}

static int cr__ctr_cap_list(const char *const *list, const char *opt, uint64_t *caps, int *all, cr_err *err) {
    int i;
    *caps = 0; *all = 0;
    for (i = 0; list && list[i]; i++) {
        char name[64];
        int k, cap;
        if (!strcasecmp(list[i], "ALL")) { *all = 1; continue; }
        snprintf(name, sizeof name, "%s%s", strncasecmp(list[i], "CAP_", 4) ? "CAP_" : "", list[i]);
        for (k = 0; name[k]; k++) name[k] = (char)toupper((unsigned char)name[k]);
        if ((cap = cr_spec_cap_parse(name)) < 0) return cr_err_set(err, EINVAL, "%s \"%s\": unknown capability", opt, list[i]);
        *caps |= 1ULL << cap;
    }
    return 0;
}

/* Docker's 14 default capabilities, then --cap-drop ALL, --cap-add ALL,
   the single additions and the single drops. */
static int cr__ctr_caps(cr__ctr *c, cr_err *err) {
    static const int defaults[] = { 0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31 };
    uint64_t add, drop;
    int add_all, drop_all, r;
    size_t i;
    c->caps = 0;
    for (i = 0; i < sizeof defaults / sizeof *defaults; i++) c->caps |= 1ULL << defaults[i];
    if ((r = cr__ctr_cap_list(c->o->cap_add, "--cap-add", &add, &add_all, err)) < 0 ||
        (r = cr__ctr_cap_list(c->o->cap_drop, "--cap-drop", &drop, &drop_all, err)) < 0) return r;
    if (drop_all) c->caps = 0;
    if (add_all || c->o->privileged) c->caps = cr__ctr_all_caps();
    c->caps = (c->caps | add) & ~drop;
    return 0;
}

static int cr__ctr_security_opts(cr__ctr *c, cr_err *err) {
    const char *const *so = c->o->security_opt;
    int i;
    c->seccomp_unconfined = c->o->privileged;
    for (i = 0; so && so[i]; i++) {
        const char *v = strchr(so[i], '=') ? strchr(so[i], '=') + 1 : strchr(so[i], ':') ? strchr(so[i], ':') + 1 : NULL;
        size_t klen = strcspn(so[i], "=:");
        if (klen == 7 && !strncmp(so[i], "seccomp", 7) && v) {
            if (!strcmp(v, "unconfined")) c->seccomp_unconfined = 1;
            else c->seccomp_file = v;
        } else if (klen == 17 && !strncmp(so[i], "no-new-privileges", 17)) {
            if (v && strcmp(v, "true") && strcmp(v, "false"))
                return cr_err_set(err, EINVAL, "--security-opt \"%s\": expected no-new-privileges[=true|false]", so[i]);
            c->no_new_privs = !v || !strcmp(v, "true");
        } else if (!(klen == 8 && !strncmp(so[i], "apparmor", 8)) && !(klen == 5 && !strncmp(so[i], "label", 5)))
            return cr_err_set(err, EINVAL, "--security-opt \"%s\": expected seccomp=unconfined|FILE or no-new-privileges", so[i]);
    }
    return 0;
}

static const char *cr__ctr_host_arch(void) {
#if defined(__x86_64__)
    return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
    return "SCMP_ARCH_AARCH64";
#else
    return "";
#endif
}

/* Does a Docker profile rule's includes/excludes {caps, arches} hold here? */
static int cr__ctr_rule_applies(const cr_json *rule, uint64_t caps) {
    static const char *const keys[2] = { "includes", "excludes" };
    int k;
    for (k = 0; k < 2; k++) {
        const cr_json *cond = cr_json_get(rule, keys[k]), *list, *e;
        if (!cond) continue;
        if ((list = cr_json_get(cond, "caps")) && list->type == CR_JSON_ARRAY)
            for (e = list->child; e; e = e->next) {
                int cap = e->type == CR_JSON_STRING ? cr_spec_cap_parse(e->str) : -1;
                int held = cap >= 0 && (caps >> cap & 1);
                if (k == 0 && !held) return 0;
                if (k == 1 && held) return 0;
            }
        if ((list = cr_json_get(cond, "arches")) && list->type == CR_JSON_ARRAY) {
            int match = 0;
            for (e = list->child; e; e = e->next)
                if (e->type == CR_JSON_STRING && (!strcmp(e->str, "amd64") ? !strcmp(cr__ctr_host_arch(), "SCMP_ARCH_X86_64")
                                                 : !strcmp(e->str, "arm64") ? !strcmp(cr__ctr_host_arch(), "SCMP_ARCH_AARCH64") : 0))
                    match = 1;
            if ((k == 0 && !match) || (k == 1 && match)) return 0;
        }
    }
    return 1;
}

/* --security-opt seccomp=FILE: an OCI linux.seccomp object, or a Docker
   profile (archMap, and rules with includes/excludes) turned into one for
   this host and these capabilities. */
static int cr__ctr_seccomp_file(const cr__ctr *c, cr_jw *w, cr_err *err) {
    cr_buf text = {0};
    cr_json *root = NULL;
    const cr_json *m, *e;
    int r;
    if ((r = cr_util_read_file(AT_FDCWD, c->seccomp_file, 4 << 20, &text, err)) < 0 ||
        (r = cr_json_parse(text.data, text.len, &root, err)) < 0) {
        cr_buf_free(&text);
        return cr_err_wrap(err, "--security-opt seccomp=%s", c->seccomp_file);
    }
    if (root->type != CR_JSON_OBJECT) {
        r = cr_err_set(err, EINVAL, "--security-opt seccomp=%s: expected a JSON object", c->seccomp_file);
        goto out;
    }
    cr_jw_obj(w);
    for (m = root->child; m; m = m->next) {
        if (!strcmp(m->key, "archMap")) {
            cr_jw_key(w, "architectures");
            cr_jw_arr(w);
            for (e = m->type == CR_JSON_ARRAY ? m->child : NULL; e; e = e->next) {
                const cr_json *a = cr_json_get(e, "architecture"), *sub = cr_json_get(e, "subArchitectures"), *x;
                if (!a || a->type != CR_JSON_STRING || strcmp(a->str, cr__ctr_host_arch())) continue;
                cr_jw_str(w, a->str);
                for (x = sub && sub->type == CR_JSON_ARRAY ? sub->child : NULL; x; x = x->next) cr_jw_value(w, x);
            }
            cr_jw_arr_end(w);
        } else if (!strcmp(m->key, "syscalls") && m->type == CR_JSON_ARRAY) {
            cr_jw_key(w, "syscalls");
            cr_jw_arr(w);
            for (e = m->child; e; e = e->next) {
                const cr_json *f;
                if (e->type != CR_JSON_OBJECT || !cr__ctr_rule_applies(e, c->caps)) continue;
                cr_jw_obj(w);
                for (f = e->child; f; f = f->next)
                    if (strcmp(f->key, "includes") && strcmp(f->key, "excludes") && strcmp(f->key, "comment")) {
                        cr_jw_key(w, f->key);
                        cr_jw_value(w, f);
                    }
                cr_jw_obj_end(w);
            }
            cr_jw_arr_end(w);
        } else if (strcmp(m->key, "architectures") || !cr_json_get(root, "archMap")) {
            cr_jw_key(w, m->key);
            cr_jw_value(w, m);
        }
    }
    cr_jw_obj_end(w);
out:
    cr_json_free(root);
    cr_buf_free(&text);
    return r;
}

/* ---- the process ---- */

/* A runtime config is JSON: strings that are not UTF-8 cannot go into it
   unchanged, so they are refused rather than mangled. */
static int cr__ctr_utf8(const char *const *v, int n, const char *what, cr_err *err) {
    int i;
    for (i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)v[i];
        size_t len = strlen(v[i]), j, k;
        for (j = 0; j < len; j += k)
            if (p[j] < 0x80) k = 1;
            else if (!(k = cr__json_utf8(p + j, len - j)))
                return cr_err_set(err, EINVAL, "%s \"%.*s\": not valid UTF-8", what, (int)j, v[i]);
    }
    return 0;
}

static int cr__ctr_env_file(cr__strv *env, const char *file, cr_err *err) {
    cr_buf text = {0};
    char *line, *save = NULL;
    int r = cr_util_read_file(AT_FDCWD, file, 1 << 20, &text, err);
    if (r < 0) return cr_err_wrap(err, "--env-file");
    for (line = text.data ? strtok_r(text.data, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r') line[--n] = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line || *line == '#') continue;
        if (*line == '=') { cr_buf_free(&text); return cr_err_set(err, EINVAL, "--env-file \"%s\": \"%s\" has no variable name", file, line); }
        if (strchr(line, '=')) cr__env_set(env, line);
        else if (getenv(line)) {
            char kv[8192];
            snprintf(kv, sizeof kv, "%s=%s", line, getenv(line));
            cr__env_set(env, kv);
        }
    }
    cr_buf_free(&text);
    return 0;
}

/* Docker's order: PATH, HOSTNAME, TERM with -t, the image's Env, then
   --env-file and -e. KEY alone takes the caller's value, or is skipped. */
static int cr__ctr_environment(cr__ctr *c, cr_err *err) {
    const cr_ctr_opts *o = c->o;
    char kv[8192];
    size_t i;
    int k, r, has_path = 0;
    for (i = 0; i < c->img.nenv; i++) if (!strncmp(c->img.env[i], "PATH=", 5)) has_path = 1;
    if (!has_path) cr__env_set(&c->env, cr__ctr_default_path);
    snprintf(kv, sizeof kv, "HOSTNAME=%s", c->hostname);
    cr__env_set(&c->env, kv);
    if (o->tty) cr__env_set(&c->env, "TERM=xterm");
    for (i = 0; i < c->img.nenv; i++) {
        if (c->img.env[i][0] == '=' || !strchr(c->img.env[i], '=')) {
            cr_log(CR_LOG_WARN, "image \"%s\": Env entry \"%s\" is not KEY=VALUE: skipped", o->image, c->img.env[i]);
            continue;
        }
        cr__env_set(&c->env, c->img.env[i]);
    }
    for (k = 0; o->env_files && o->env_files[k]; k++)
        if ((r = cr__ctr_env_file(&c->env, o->env_files[k], err)) < 0) return r;
    for (k = 0; o->env && o->env[k]; k++) {
        if (!*o->env[k] || o->env[k][0] == '=') return cr_err_set(err, EINVAL, "-e \"%s\": expected KEY=VALUE or KEY", o->env[k]);
        if (strchr(o->env[k], '=')) cr__env_set(&c->env, o->env[k]);
        else if (getenv(o->env[k])) {
            snprintf(kv, sizeof kv, "%s=%s", o->env[k], getenv(o->env[k]));
            cr__env_set(&c->env, kv);
        }
    }
    if (c->env.oom) return cr_err_set(err, ENOMEM, "out of memory");
    return cr__ctr_utf8((const char *const *)c->env.v, c->env.n, "environment variable", err);
}

/* Entrypoint + Cmd as Docker combines them: --entrypoint replaces the
   image's and drops its Cmd; COMMAND replaces the Cmd. */
static int cr__ctr_command(cr__ctr *c, cr_err *err) {
    const cr_ctr_opts *o = c->o;
    size_t i;
    int k;
    if (o->entrypoint) { if (*o->entrypoint) cr__strv_push(&c->args, o->entrypoint); }
    else for (i = 0; i < c->img.nentrypoint; i++) cr__strv_push(&c->args, c->img.entrypoint[i]);
    c->nentry = c->args.n;
    if (o->args && o->args[0]) for (k = 0; o->args[k]; k++) cr__strv_push(&c->args, o->args[k]);
    else if (!o->entrypoint) for (i = 0; i < c->img.ncmd; i++) cr__strv_push(&c->args, c->img.cmd[i]);
    if (c->args.oom) return cr_err_set(err, ENOMEM, "out of memory");
    if (!c->args.n) return cr_err_set(err, EINVAL, "no command specified: the image has no Entrypoint or Cmd and none was given");
    return cr__ctr_utf8((const char *const *)c->args.v, c->args.n, "command", err);
}

/* ---- mounts ---- */

static void cr__ctr_mount(cr__ctr *c, const char *dst, const char *type, const char *src, const char *opts) {
    cr_buf b = {0};
    cr_jw w;
    char *o, *p, *save = NULL;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    cr_jw_key(&w, "destination"); cr_jw_str(&w, dst);
    cr_jw_key(&w, "type"); cr_jw_str(&w, type);
    cr_jw_key(&w, "source"); cr_jw_str(&w, src);
    cr_jw_key(&w, "options");
    cr_jw_arr(&w);
    if ((o = cr__strdup(opts))) {
        for (p = strtok_r(o, ",", &save); p; p = strtok_r(NULL, ",", &save)) cr_jw_str(&w, p);
        CR_FREE(o);
    } else b.oom = 1;
    cr_jw_arr_end(&w);
    cr_jw_obj_end(&w);
    if (b.oom) c->mounts_json.oom = 1;
    else cr__strv_push(&c->mounts_json, b.data);
    cr_buf_free(&b);
}

/* Notes a mount for inspect's Mounts. */
static void cr__ctr_note_mount(cr__ctr *c, const char *type, const char *src, const char *dst, int rw) {
    cr_buf b = {0};
    cr_jw w;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    cr_jw_key(&w, "Type"); cr_jw_str(&w, type);
    cr_jw_key(&w, "Source"); cr_jw_str(&w, src);
    cr_jw_key(&w, "Destination"); cr_jw_str(&w, dst);
    cr_jw_key(&w, "RW"); cr_jw_bool(&w, rw);
    cr_jw_obj_end(&w);
    if (b.oom) c->user_mounts.oom = 1;
    else cr__strv_push(&c->user_mounts, b.data);
    cr_buf_free(&b);
}

static int cr__ctr_abs_dst(const char *dst, const char *opt, const char *spec, cr_err *err) {
    if (dst[0] != '/') return cr_err_set(err, EINVAL, "%s \"%s\": the container path must be absolute", opt, spec);
    return 0;
}

/* Copies the tree under src into dst (both directories): files, links,
   device nodes and fifos, with owners, modes and times. */
static int cr__ctr_copy_tree(int src, int dst, int depth) {
    DIR *d;
    struct dirent *e;
    int r = 0, dup_fd;
    if (depth > 64) return -ELOOP;
    if ((dup_fd = dup(src)) < 0 || !(d = fdopendir(dup_fd))) { if (dup_fd >= 0) close(dup_fd); return -errno; }
    while (r == 0 && (e = readdir(d))) {
        struct stat sb;
        struct timespec ts[2];
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || fstatat(src, n, &sb, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            int s2, d2;
            if (mkdirat(dst, n, 0700) < 0 && errno != EEXIST) { r = -errno; break; }
            s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s2 < 0 || d2 < 0) r = -errno;
            else r = cr__ctr_copy_tree(s2, d2, depth + 1);
            if (s2 >= 0) close(s2);
            if (d2 >= 0) close(d2);
        } else if (S_ISREG(sb.st_mode)) {
            int in = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out = -1;
            if (in >= 0) out = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (in < 0 || out < 0) r = -errno;
            else {
                char buf[65536];
                ssize_t k;
                while ((k = read(in, buf, sizeof buf)) > 0) if (cr__write_all(out, buf, (size_t)k) < 0) { r = -errno; break; }
                if (k < 0) r = -errno;
            }
            if (in >= 0) close(in);
            if (out >= 0) close(out);
        } else if (S_ISLNK(sb.st_mode)) {
            char target[PATH_MAX];
            ssize_t k = readlinkat(src, n, target, sizeof target - 1);
            if (k < 0) { r = -errno; break; }
            target[k] = 0;
            if (symlinkat(target, dst, n) < 0) r = -errno;
        } else if (mknodat(dst, n, sb.st_mode, sb.st_rdev) < 0) r = -errno;
        if (r < 0) break;
        ts[0] = sb.st_atim;
        ts[1] = sb.st_mtim;
        if (fchownat(dst, n, sb.st_uid, sb.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            (!S_ISLNK(sb.st_mode) && fchmodat(dst, n, sb.st_mode & 07777, 0) < 0) ||
            utimensat(dst, n, ts, AT_SYMLINK_NOFOLLOW) < 0) r = -errno;
    }
    closedir(d);
    return r;
}

/* Docker fills a new anonymous volume with what the image has at its
   path, owner and mode included: the layers are merged by a read-only
   overlay in a throw-away mount namespace (or --rootfs is read as it is). */
static int cr__ctr_seed_volume(cr__ctr *c, const char *path, const char *voldir, cr_err *err) {
    int st = 0;
    pid_t pid = fork();
    if (pid < 0) return cr__errno(err, "volume \"%s\": fork", path);
    if (pid == 0) {
        char merged[PATH_MAX];
        struct stat sb;
        int root, src, dst;
        snprintf(merged, sizeof merged, "%s/rootfs", c->dir);
        if (!c->o->rootfs && (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)) _exit(1);
        if (!c->o->rootfs && c->lower.n > 1 && cr__overlay_mount(merged, (const char *const *)c->lower.v, NULL, NULL, 0, NULL) < 0) _exit(1);
        root = open(c->o->rootfs ? c->o->rootfs : c->lower.n > 1 ? merged : c->lower.v[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) _exit(1);
        if ((src = cr__open_in_root(root, path, O_RDONLY | O_DIRECTORY, 0)) < 0) _exit(errno == ENOENT || errno == ENOTDIR ? 0 : 1);
        if ((dst = open(voldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fstat(src, &sb) < 0) _exit(1);
        if (fchown(dst, sb.st_uid, sb.st_gid) < 0 || fchmod(dst, sb.st_mode & 07777) < 0) _exit(1);
        _exit(cr__ctr_copy_tree(src, dst, 0) < 0 ? 1 : 0);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) ;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) return cr_err_set(err, EIO, "volume \"%s\": cannot copy the image's content into it", path);
    return 0;
}

/* An anonymous volume: <dir>/volumes/<n>, seeded from the image, gone
   with the container. */
static int cr__ctr_anon_volume(cr__ctr *c, const char *dst, int n, cr_err *err) {
    char rel[64], src[PATH_MAX];
    snprintf(rel, sizeof rel, "volumes/%d", n);
    if (mkdirat(c->dirfd, "volumes", 0700) < 0 && errno != EEXIST) return cr__errno(err, "volume \"%s\"", dst);
    if (mkdirat(c->dirfd, rel, 0755) < 0 && errno != EEXIST) return cr__errno(err, "volume \"%s\"", dst);
    snprintf(src, sizeof src, "%s/%s", c->dir, rel);
    if (cr__ctr_seed_volume(c, dst, src, err) < 0) return -EIO;
    cr__ctr_mount(c, dst, "bind", src, "rbind,rprivate");
    cr__ctr_note_mount(c, "volume", src, dst, 1);
    return 0;
}

static int cr__ctr_volume(cr__ctr *c, const char *spec, int n, cr_err *err) {
    char buf[PATH_MAX], src[PATH_MAX], opts[256] = "rbind,rprivate";
    char *f[3] = { NULL, NULL, NULL };
    int k = 0;
    char *p, *save = NULL;
    if (strlen(spec) >= sizeof buf) return cr_err_set(err, ENAMETOOLONG, "-v \"%.40s...\": too long", spec);
    /* strtok_r would skip an empty field and read ":/x" as an anonymous volume */
    if (!*spec || spec[0] == ':' || spec[strlen(spec) - 1] == ':' || strstr(spec, "::"))
        return cr_err_set(err, EINVAL, "-v \"%s\": invalid spec: empty section between colons", spec);
    snprintf(buf, sizeof buf, "%s", spec);
    for (p = strtok_r(buf, ":", &save); p && k < 3; p = strtok_r(NULL, ":", &save)) f[k++] = p;
    if (!k || p) return cr_err_set(err, EINVAL, "-v \"%s\": expected SRC:DST[:OPTIONS] or DST", spec);
    if (k == 1) return cr__ctr_abs_dst(f[0], "-v", spec, err) < 0 ? -EINVAL : cr__ctr_anon_volume(c, f[0], n, err);
    if (cr__ctr_abs_dst(f[1], "-v", spec, err) < 0) return -EINVAL;
    if (f[2]) {
        char *o, *s2 = NULL;
        for (o = strtok_r(f[2], ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
            if (!strcmp(o, "ro") || !strcmp(o, "rw")) { strcat(opts, ","); strcat(opts, o); }
            else if (strcmp(o, "z") && strcmp(o, "Z") && strcmp(o, "rprivate") && strcmp(o, "private"))
                return cr_err_set(err, EINVAL, "-v \"%s\": unknown option \"%s\" (ro, rw)", spec, o);
        }
    }
    if (f[0][0] == '/') {
        snprintf(src, sizeof src, "%s", f[0]);
        /* Docker makes a missing host directory */
        if (access(src, F_OK) < 0 && cr__mkdir_p(src, 0755) < 0) return cr__errno(err, "-v \"%s\": create \"%s\"", spec, src);
    } else {
        if (cr__ctr_check_name(f[0], err) < 0) return cr_err_wrap(err, "-v \"%s\": volume name", spec);
        snprintf(src, sizeof src, "%s/volumes/%s/_data", c->store, f[0]);
        if (cr__mkdir_p(src, 0755) < 0) return cr__errno(err, "-v \"%s\": volume \"%s\"", spec, src);
    }
    cr__ctr_mount(c, f[1], "bind", src, opts);
    cr__ctr_note_mount(c, f[0][0] == '/' ? "bind" : "volume", src, f[1], !strstr(opts, ",ro"));
    return 0;
}

static int cr__ctr_tmpfs(cr__ctr *c, const char *spec, cr_err *err) {
    char dst[PATH_MAX], opts[1024];
    const char *colon = strchr(spec, ':');
    snprintf(dst, sizeof dst, "%.*s", (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
    if (cr__ctr_abs_dst(dst, "--tmpfs", spec, err) < 0) return -EINVAL;
    snprintf(opts, sizeof opts, "nosuid,nodev,noexec%s%s", colon ? "," : "", colon ? colon + 1 : "");
    cr__ctr_mount(c, dst, "tmpfs", "tmpfs", opts);
    cr__ctr_note_mount(c, "tmpfs", "", dst, 1);
    return 0;
}

/* /etc/hosts: the host's with --network host; else localhost, --add-host
   entries and the hostname on ip (on the bridge: the container's address,
   known once it is attached; else 127.0.1.1). */
static int cr__ctr_hosts(const cr__ctr *c, const char *ip, cr_buf *out, cr_err *err) {
    if (c->o->network && !strcmp(c->o->network, "host")) {
        int r = cr_util_read_file(AT_FDCWD, "/etc/hosts", 1 << 20, out, err);
        const char *const *h;
        for (h = c->o->add_hosts; r == 0 && h && *h; h++) {
            const char *sep = strpbrk(*h, ":=");
            if (!sep) return cr_err_set(err, EINVAL, "--add-host \"%s\": expected NAME:IP", *h);
            cr_buf_printf(out, "%s\t%.*s\n", sep + 1, (int)(sep - *h), *h);
        }
        return r;
    }
    {
        /* the container's name resolves to it too, as on Docker's networks */
        const char *hosts[66];
        char self[300];
        int n = 0;
        while (c->o->add_hosts && c->o->add_hosts[n] && n < 64) { hosts[n] = c->o->add_hosts[n]; n++; }
        if (c->o->add_hosts && c->o->add_hosts[n]) return cr_err_set(err, E2BIG, "--add-host: at most 64 entries");
        if (ip && strcmp(c->name, c->hostname)) { snprintf(self, sizeof self, "%s:%s", c->name, ip); hosts[n++] = self; }
        hosts[n] = NULL;
        return cr_net_hosts(ip, c->hostname, hosts, out, err);
    }
}

/* /etc/hostname, /etc/hosts and /etc/resolv.conf: files in the bundle,
   bound over the image's. */
static int cr__ctr_etc_files(cr__ctr *c, cr_err *err) {
    cr_buf hosts = {0}, resolv = {0};
    char src[PATH_MAX], line[300];
    int r;
    snprintf(line, sizeof line, "%s\n", c->hostname);
    r = cr__ctr_hosts(c, c->bridge ? NULL : "127.0.1.1", &hosts, err);
    if (r == 0 && (c->bridge || c->o->dns)) r = cr_net_resolv_conf(c->o->dns, &resolv, err);
    else if (r == 0 && cr_util_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 20, &resolv, NULL) < 0) cr_buf_puts(&resolv, "");
    if (!r) r = cr__write_atomic(c->dirfd, "hostname", line, strlen(line), 0, err);
    if (!r) r = cr__write_atomic(c->dirfd, "hosts", hosts.data ? hosts.data : "", hosts.len, 0, err);
    if (!r) r = cr__write_atomic(c->dirfd, "resolv.conf", resolv.data ? resolv.data : "", resolv.len, 0, err);
    cr_buf_free(&hosts);
    cr_buf_free(&resolv);
    if (r < 0) return r;
    snprintf(src, sizeof src, "%s/resolv.conf", c->dir); cr__ctr_mount(c, "/etc/resolv.conf", "bind", src, "rbind,rprivate");
    snprintf(src, sizeof src, "%s/hostname", c->dir); cr__ctr_mount(c, "/etc/hostname", "bind", src, "rbind,rprivate");
    snprintf(src, sizeof src, "%s/hosts", c->dir); cr__ctr_mount(c, "/etc/hosts", "bind", src, "rbind,rprivate");
    return 0;
}

/* On the bridge, once the container's netns exists: its address, and
   /etc/hosts rewritten in place (the container binds that very inode). */
static int cr__ctr_attach(void *user, pid_t pid, cr_err *err) {
    cr__ctr *c = (cr__ctr *)user;
    cr_net_lease lease;
    cr_buf hosts = {0};
    int fd, r;
    if (!c->bridge) return 0;
    if ((r = cr_net_attach(&c->net, c->name, pid, c->ports, c->nports, &lease, err)) < 0) return r;
    if ((r = cr__ctr_hosts(c, lease.ip, &hosts, err)) < 0) return r;
    fd = openat(c->dirfd, "hosts", O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0 || cr__write_all(fd, hosts.data, hosts.len) < 0) r = cr__errno(err, "%s/hosts", c->dir);
    if (fd >= 0) close(fd);
    cr_buf_free(&hosts);
    return r;
}

/* --init: a private copy of the cr binary in the store, refreshed when it
   differs, so that the container never sees the host's cr. */
static int cr__ctr_init_binary(cr__ctr *c, cr_err *err) {
    cr_buf want = {0}, have = {0};
    char path[PATH_MAX], dir[PATH_MAX];
    int r = 0, dfd;
    snprintf(dir, sizeof dir, "%s/bin", c->store);
    snprintf(path, sizeof path, "%s/cr-init", dir);
    if ((r = cr_util_read_file(AT_FDCWD, c->o->init, 64 << 20, &want, err)) < 0) return cr_err_wrap(err, "--init");
    if (cr_util_read_file(AT_FDCWD, path, 64 << 20, &have, NULL) < 0 || have.len != want.len || memcmp(have.data, want.data, want.len)) {
        if (cr__mkdir_p(dir, 0755) < 0 || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) r = cr__errno(err, "--init: %s", dir);
        else {
            r = cr__write_atomic(dfd, "cr-init", want.data, want.len, 1, err);
            if (!r && fchmodat(dfd, "cr-init", 0755, 0) < 0) r = cr__errno(err, "--init: chmod %s", path);
            close(dfd);
        }
    }
    cr_buf_free(&want);
    cr_buf_free(&have);
    if (r < 0) return r;
    cr__ctr_mount(c, "/sbin/cr-init", "bind", path, "bind,ro,nosuid,nodev");
    return 0;
}

static int cr__ctr_mounts(cr__ctr *c, cr_err *err) {
    const cr_ctr_opts *o = c->o;
    size_t i;
    int k, r, n = 0;
    const char *ro = o->privileged ? "" : ",ro";
    char opts[128];
    cr__ctr_mount(c, "/proc", "proc", "proc", "nosuid,noexec,nodev");
    cr__ctr_mount(c, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
    cr__ctr_mount(c, "/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
    snprintf(opts, sizeof opts, "nosuid,noexec,nodev%s", ro);
    cr__ctr_mount(c, "/sys", "sysfs", "sysfs", opts);
    snprintf(opts, sizeof opts, "nosuid,noexec,nodev,relatime%s", ro);
    cr__ctr_mount(c, "/sys/fs/cgroup", "cgroup", "cgroup", opts);
    cr__ctr_mount(c, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
    cr__ctr_mount(c, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
    if ((r = cr__ctr_etc_files(c, err)) < 0) return r;
    for (i = 0; i < c->img.nvolumes; i++) {
        int given = 0;
        for (k = 0; o->volumes && o->volumes[k]; k++) {
            const char *d = strchr(o->volumes[k], ':') ? strchr(o->volumes[k], ':') + 1 : o->volumes[k];
            if (!strncmp(d, c->img.volumes[i], strlen(c->img.volumes[i])) &&
                (!d[strlen(c->img.volumes[i])] || d[strlen(c->img.volumes[i])] == ':')) given = 1;
        }
        if (!given && (r = cr__ctr_anon_volume(c, c->img.volumes[i], n++, err)) < 0) return r;
    }
    for (k = 0; o->volumes && o->volumes[k]; k++) if ((r = cr__ctr_volume(c, o->volumes[k], n++, err)) < 0) return r;
    for (k = 0; o->tmpfs && o->tmpfs[k]; k++) if ((r = cr__ctr_tmpfs(c, o->tmpfs[k], err)) < 0) return r;
    if (o->init && (r = cr__ctr_init_binary(c, err)) < 0) return r;
    return c->mounts_json.oom || c->user_mounts.oom ? cr_err_set(err, ENOMEM, "out of memory") : 0;
}

/* ---- resources ---- */

static int cr__ctr_resources(cr__ctr *c, cr_jw *w, cr_err *err) {
    static const struct { char type; int major, minor; } allow[] = {
        { 'c', -1, -1 }, { 'b', -1, -1 }, { 'c', 1, 3 }, { 'c', 1, 5 }, { 'c', 1, 7 }, { 'c', 1, 8 }, { 'c', 1, 9 },
        { 'c', 5, 0 }, { 'c', 5, 1 }, { 'c', 5, 2 }, { 'c', 136, -1 }, { 'c', 10, 200 } };
    const cr_ctr_opts *o = c->o;
    size_t i;
    cr_jw_key(w, "resources");
    cr_jw_obj(w);
    cr_jw_key(w, "devices");
    cr_jw_arr(w);
    cr_jw_obj(w); cr_jw_key(w, "allow"); cr_jw_bool(w, o->privileged); cr_jw_key(w, "access"); cr_jw_str(w, "rwm"); cr_jw_obj_end(w);
    for (i = 0; !o->privileged && i < sizeof allow / sizeof *allow; i++) {
        char t[2] = { allow[i].type, 0 };
        cr_jw_obj(w);
        cr_jw_key(w, "allow"); cr_jw_bool(w, 1);
        cr_jw_key(w, "type"); cr_jw_str(w, t);
        if (allow[i].major >= 0) { cr_jw_key(w, "major"); cr_jw_i64(w, allow[i].major); }
        if (allow[i].minor >= 0) { cr_jw_key(w, "minor"); cr_jw_i64(w, allow[i].minor); }
        cr_jw_key(w, "access"); cr_jw_str(w, i < 2 ? "m" : "rwm");
        cr_jw_obj_end(w);
    }
    cr_jw_arr_end(w);
    if (o->memory) {
        int64_t bytes;
        if (cr_util_parse_size(o->memory, &bytes) < 0 || bytes < 0) return cr_err_set(err, EINVAL, "--memory \"%s\": expected a size such as 64m or 1g", o->memory);
        if (bytes < 6 << 20) return cr_err_set(err, EINVAL, "--memory \"%s\": the minimum is 6m", o->memory);
        cr_jw_key(w, "memory"); cr_jw_obj(w); cr_jw_key(w, "limit"); cr_jw_i64(w, bytes); cr_jw_obj_end(w);
    }
    if (o->cpus) {
        char *end;
        double cpus = strtod(o->cpus, &end);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (end == o->cpus || *end || cpus < 0.01 || cpus > (double)ncpu)
            return cr_err_set(err, EINVAL, "--cpus \"%s\": expected a number from 0.01 to %ld", o->cpus, ncpu);
        cr_jw_key(w, "cpu"); cr_jw_obj(w);
        cr_jw_key(w, "quota"); cr_jw_i64(w, (int64_t)(cpus * 100000 + 0.5));
        cr_jw_key(w, "period"); cr_jw_u64(w, 100000);
        cr_jw_obj_end(w);
    }
    if (o->pids_limit) {
        char *end;
        long long n = strtoll(o->pids_limit, &end, 10);
        if (end == o->pids_limit || *end) return cr_err_set(err, EINVAL, "--pids-limit \"%s\": expected an integer", o->pids_limit);
        cr_jw_key(w, "pids"); cr_jw_obj(w); cr_jw_key(w, "limit"); cr_jw_i64(w, n > 0 ? n : -1); cr_jw_obj_end(w);
    }
    cr_jw_obj_end(w);
    return 0;
}

static int cr__ctr_rlimits(const cr__ctr *c, cr_jw *w, cr_err *err) {
    static const char *const names[] = { "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
                                         "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", NULL };
    const char *const *u = c->o->ulimits;
    int k, i;
    if (!u || !u[0]) return 0;
    cr_jw_key(w, "rlimits");
    cr_jw_arr(w);
    for (k = 0; u[k]; k++) {
        char name[32], type[48], *end;
        const char *eq = strchr(u[k], '=');
        long long soft, hard;
        uint64_t s64, h64;
        if (!eq || (size_t)(eq - u[k]) >= sizeof name) return cr_err_set(err, EINVAL, "--ulimit \"%s\": expected NAME=SOFT[:HARD]", u[k]);
        snprintf(name, sizeof name, "%.*s", (int)(eq - u[k]), u[k]);
        for (i = 0; names[i] && strcmp(names[i], name); i++) ;
        if (!names[i]) return cr_err_set(err, EINVAL, "--ulimit \"%s\": unknown limit \"%s\"", u[k], name);
        soft = strtoll(eq + 1, &end, 10);
        hard = *end == ':' ? strtoll(end + 1, &end, 10) : soft;
        /* -1 is unlimited, as with Docker */
        s64 = soft == -1 ? UINT64_MAX : (uint64_t)soft;
        h64 = hard == -1 ? UINT64_MAX : (uint64_t)hard;
        if (*end || end == eq + 1 || soft < -1 || hard < -1 || s64 > h64)
            return cr_err_set(err, EINVAL, "--ulimit \"%s\": expected NAME=SOFT[:HARD] with SOFT <= HARD (-1: unlimited)", u[k]);
        snprintf(type, sizeof type, "RLIMIT_%s", name);
        for (i = 7; type[i]; i++) type[i] = (char)toupper((unsigned char)type[i]);
        cr_jw_obj(w);
        cr_jw_key(w, "type"); cr_jw_str(w, type);
        cr_jw_key(w, "soft"); cr_jw_u64(w, s64);
        cr_jw_key(w, "hard"); cr_jw_u64(w, h64);
        cr_jw_obj_end(w);
    }
    cr_jw_arr_end(w);
    return 0;
}

/* --privileged: every device node of the host's /dev (one level of
   subdirectories too), as Docker gives it. */
static void cr__ctr_host_devices(cr_jw *w) {
    static const char *const dirs[] = { "/dev", "/dev/net", "/dev/dri", "/dev/snd", "/dev/input", "/dev/mapper", "/dev/bus/usb", NULL };
    int k;
    cr_jw_key(w, "devices");
    cr_jw_arr(w);
    for (k = 0; dirs[k]; k++) {
        DIR *d = opendir(dirs[k]);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char p[PATH_MAX], t[2] = { 0, 0 };
            struct stat sb;
            snprintf(p, sizeof p, "%s/%s", dirs[k], e->d_name);
            if (lstat(p, &sb) < 0 || !(S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode))) continue;
            if (!strcmp(p, "/dev/console") || !strncmp(p, "/dev/pts", 8) || !strcmp(p, "/dev/ptmx")) continue;
            t[0] = S_ISCHR(sb.st_mode) ? 'c' : 'b';
            cr_jw_obj(w);
            cr_jw_key(w, "path"); cr_jw_str(w, p);
            cr_jw_key(w, "type"); cr_jw_str(w, t);
            cr_jw_key(w, "major"); cr_jw_i64(w, major(sb.st_rdev));
            cr_jw_key(w, "minor"); cr_jw_i64(w, minor(sb.st_rdev));
            cr_jw_key(w, "fileMode"); cr_jw_i64(w, sb.st_mode & 07777);
            cr_jw_key(w, "uid"); cr_jw_u64(w, sb.st_uid);
            cr_jw_key(w, "gid"); cr_jw_u64(w, sb.st_gid);
            cr_jw_obj_end(w);
        }
        if (d) closedir(d);
    }
    cr_jw_arr_end(w);
}

/* ---- config.json ---- */

static void cr__ctr_caps_json(cr_jw *w, uint64_t caps) {
    static const char *const sets[] = { "bounding", "effective", "permitted" };
    int s, i;
    cr_jw_key(w, "capabilities");
    cr_jw_obj(w);
    for (s = 0; s < 3; s++) {
        cr_jw_key(w, sets[s]);
        cr_jw_arr(w);
        for (i = 0; i < 64; i++) if (caps >> i & 1 && cr_spec_cap_name(i)) cr_jw_str(w, cr_spec_cap_name(i));
        cr_jw_arr_end(w);
    }
    cr_jw_obj_end(w);
}

static int cr__ctr_config(cr__ctr *c, cr_buf *out, cr_err *err) {
    static const char *const masked[] = { "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap", NULL };
    static const char *const readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };
    static const char *const nss[] = { "pid", "ipc", "uts", "mount", "cgroup", NULL };
    const cr_ctr_opts *o = c->o;
    const char *net = o->network && *o->network ? o->network : "bridge";
    char cwd[PATH_MAX];
    cr_jw w;
    cr_buf cmd = {0};
    int i, r;
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    cr_jw_key(&w, "ociVersion"); cr_jw_str(&w, CR_OCI_VERSION);
    cr_jw_key(&w, "process");
    cr_jw_obj(&w);
    cr_jw_key(&w, "terminal"); cr_jw_bool(&w, o->tty);
    cr_jw_key(&w, "user");
    cr_jw_obj(&w);
    cr_jw_key(&w, "uid"); cr_jw_u64(&w, c->uid);
    cr_jw_key(&w, "gid"); cr_jw_u64(&w, c->gid);
    cr_jw_key(&w, "additionalGids"); cr_jw_arr(&w);
    for (i = 0; i < c->ngids; i++) cr_jw_u64(&w, c->gids[i]);
    cr_jw_arr_end(&w);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "args"); cr_jw_arr(&w);
    if (o->init) { cr_jw_str(&w, "/sbin/cr-init"); cr_jw_str(&w, "init"); cr_jw_str(&w, "--"); }
    for (i = 0; i < c->args.n; i++) cr_jw_str(&w, c->args.v[i]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "env"); cr_jw_arr(&w);
    for (i = 0; i < c->env.n; i++) cr_jw_str(&w, c->env.v[i]);
    cr_jw_arr_end(&w);
    if (o->workdir && o->workdir[0] != '/')
        return cr_err_set(err, EINVAL, "--workdir \"%s\": must be an absolute path", o->workdir);
    /* an image's relative WorkingDir is taken from / */
    snprintf(cwd, sizeof cwd, "%s%s", o->workdir || (c->img.working_dir && c->img.working_dir[0] == '/') ? "" : "/",
             o->workdir ? o->workdir : c->img.working_dir ? c->img.working_dir : "");
    if ((r = cr__ctr_utf8((const char *const[]){ cwd }, 1, "working directory", err)) < 0) return r;
    cr_jw_key(&w, "cwd"); cr_jw_str(&w, cwd);
    cr__ctr_caps_json(&w, c->caps);
    if ((r = cr__ctr_rlimits(c, &w, err)) < 0) return r;
    cr_jw_key(&w, "noNewPrivileges"); cr_jw_bool(&w, c->no_new_privs);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "root");
    cr_jw_obj(&w);
    cr_jw_key(&w, "path"); cr_jw_str(&w, o->rootfs ? o->rootfs : "rootfs");
    cr_jw_key(&w, "readonly"); cr_jw_bool(&w, o->read_only);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "hostname"); cr_jw_str(&w, c->hostname);
    cr_jw_key(&w, "mounts");
    cr_jw_arr(&w);
    for (i = 0; i < c->mounts_json.n; i++) cr_jw_raw(&w, c->mounts_json.v[i]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "annotations");
    cr_jw_obj(&w);
    for (i = 0; i < c->args.n; i++) { if (i) cr_buf_putc(&cmd, ' '); cr_buf_puts(&cmd, c->args.v[i]); }
    cr_jw_key(&w, CR_CTR_ANNOTATION_IMAGE); cr_jw_str(&w, o->rootfs ? "" : o->image);
    cr_jw_key(&w, CR_CTR_ANNOTATION_COMMAND); cr_jw_str(&w, cmd.data ? cmd.data : "");
    cr_buf_free(&cmd);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "linux");
    cr_jw_obj(&w);
    if ((r = cr__ctr_resources(c, &w, err)) < 0) return r;
    if (o->privileged) cr__ctr_host_devices(&w);
    cr_jw_key(&w, "namespaces");
    cr_jw_arr(&w);
    for (i = 0; nss[i]; i++) { cr_jw_obj(&w); cr_jw_key(&w, "type"); cr_jw_str(&w, nss[i]); cr_jw_obj_end(&w); }
    if (strcmp(net, "host")) {
        cr_jw_obj(&w);
        cr_jw_key(&w, "type"); cr_jw_str(&w, "network");
        if (c->netns[0]) { cr_jw_key(&w, "path"); cr_jw_str(&w, c->netns); }
        cr_jw_obj_end(&w);
    }
    cr_jw_arr_end(&w);
    if (!o->privileged) {
        cr_jw_key(&w, "maskedPaths"); cr_jw_arr(&w);
        for (i = 0; masked[i]; i++) cr_jw_str(&w, masked[i]);
        cr_jw_arr_end(&w);
        cr_jw_key(&w, "readonlyPaths"); cr_jw_arr(&w);
        for (i = 0; readonly[i]; i++) cr_jw_str(&w, readonly[i]);
        cr_jw_arr_end(&w);
    }
    if (!c->seccomp_unconfined) {
        cr_jw_key(&w, "seccomp");
        if (c->seccomp_file) { if ((r = cr__ctr_seccomp_file(c, &w, err)) < 0) return r; }
        else {
            cr_buf prof = {0};
            cr_spec_default_seccomp(&prof, c->caps);
            cr_jw_raw(&w, prof.data ? prof.data : "null");
            cr_buf_free(&prof);
        }
    }
    cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
    return out->oom ? cr_err_set(err, ENOMEM, "out of memory") : 0;
}

/* ---- ctr.json: what inspect shows, in Docker's shape ---- */

static void cr__ctr_strv_json(cr_jw *w, char *const *v, int n) {
    int i;
    if (!n) { cr_jw_null(w); return; }
    cr_jw_arr(w);
    for (i = 0; i < n; i++) cr_jw_str(w, v[i]);
    cr_jw_arr_end(w);
}

static int cr__ctr_record(cr__ctr *c, cr_err *err) {
    const cr_ctr_opts *o = c->o;
    cr_buf b = {0};
    cr_jw w;
    char p[PATH_MAX];
    size_t i;
    int k, r;
    cr_jw_init(&w, &b);
    cr_jw_obj(&w);
    cr_jw_key(&w, "Id"); cr_jw_str(&w, c->id);
    snprintf(p, sizeof p, "/%s", c->name);
    cr_jw_key(&w, "Name"); cr_jw_str(&w, p);
    cr_jw_key(&w, "Created"); cr_jw_str(&w, c->created);
    cr_jw_key(&w, "Path"); cr_jw_str(&w, o->init ? "/sbin/cr-init" : c->args.v[0]);
    cr_jw_key(&w, "Args"); cr_jw_arr(&w);
    if (o->init) { cr_jw_str(&w, "init"); cr_jw_str(&w, "--"); }
    for (k = o->init ? 0 : 1; k < c->args.n; k++) cr_jw_str(&w, c->args.v[k]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "Image"); cr_jw_str(&w, o->rootfs ? "" : c->info.config);
    cr_jw_key(&w, "ImageName"); cr_jw_str(&w, o->rootfs ? "" : o->image);
    cr_jw_key(&w, "Rootfs"); cr_jw_str(&w, o->rootfs ? o->rootfs : "");
    cr_jw_key(&w, "Rm"); cr_jw_bool(&w, o->rm);
    cr_jw_key(&w, "StateRoot"); cr_jw_str(&w, cr_state_root(c->rt));
    snprintf(p, sizeof p, "%s/ctr.log", c->dir);
    cr_jw_key(&w, "LogPath"); cr_jw_str(&w, o->detach ? p : "");
    snprintf(p, sizeof p, "%s/hostname", c->dir); cr_jw_key(&w, "HostnamePath"); cr_jw_str(&w, p);
    snprintf(p, sizeof p, "%s/hosts", c->dir); cr_jw_key(&w, "HostsPath"); cr_jw_str(&w, p);
    snprintf(p, sizeof p, "%s/resolv.conf", c->dir); cr_jw_key(&w, "ResolvConfPath"); cr_jw_str(&w, p);
    cr_jw_key(&w, "Config");
    cr_jw_obj(&w);
    cr_jw_key(&w, "Hostname"); cr_jw_str(&w, c->hostname);
    cr_jw_key(&w, "User"); cr_jw_str(&w, o->user ? o->user : c->img.user ? c->img.user : "");
    cr_jw_key(&w, "Env"); cr__ctr_strv_json(&w, c->env.v, c->env.n);
    cr_jw_key(&w, "Cmd"); cr__ctr_strv_json(&w, c->args.v + c->nentry, c->args.n - c->nentry);
    cr_jw_key(&w, "Entrypoint"); cr__ctr_strv_json(&w, c->args.v, c->nentry);
    cr_jw_key(&w, "WorkingDir"); cr_jw_str(&w, o->workdir ? o->workdir : c->img.working_dir ? c->img.working_dir : "");
    cr_jw_key(&w, "Image"); cr_jw_str(&w, o->rootfs ? "" : o->image);
    cr_jw_key(&w, "Labels"); cr_jw_obj(&w);
    for (i = 0; i < c->img.nlabels; i++) { cr_jw_key(&w, c->img.labels[i].key); cr_jw_str(&w, c->img.labels[i].value); }
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "StopSignal"); cr_jw_str(&w, c->img.stop_signal ? c->img.stop_signal : "SIGTERM");
    cr_jw_key(&w, "Tty"); cr_jw_bool(&w, o->tty);
    cr_jw_key(&w, "OpenStdin"); cr_jw_bool(&w, o->interactive);
    cr_jw_obj_end(&w);
    cr_jw_key(&w, "Mounts"); cr_jw_arr(&w);
    for (k = 0; k < c->user_mounts.n; k++) cr_jw_raw(&w, c->user_mounts.v[k]);
    cr_jw_arr_end(&w);
    cr_jw_key(&w, "HostConfig");
    cr_jw_obj(&w);
    cr_jw_key(&w, "NetworkMode"); cr_jw_str(&w, o->network && *o->network ? o->network : "bridge");
    cr_jw_key(&w, "AutoRemove"); cr_jw_bool(&w, o->rm);
    cr_jw_key(&w, "Privileged"); cr_jw_bool(&w, o->privileged);
    cr_jw_key(&w, "ReadonlyRootfs"); cr_jw_bool(&w, o->read_only);
    cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
    r = b.oom ? cr_err_set(err, ENOMEM, "out of memory") : cr__write_atomic(c->dirfd, "ctr.json", b.data, b.len, 0, err);
    cr_buf_free(&b);
    return r;
}

/* ---- the container's directory ---- */

/* Made under a temporary name with its lock taken, then renamed into
   place, so that cr_ctr_gc never sees a named directory without its
   runner's lock; an existing name fails the rename. */
static int cr__ctr_make_dir(cr__ctr *c, cr_err *err) {
    char parent[PATH_MAX], tmp[96];
    int pfd, r = 0;
    snprintf(parent, sizeof parent, "%s/containers", c->store);
    if (cr__mkdir_p(parent, 0711) < 0 || (pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return cr__errno(err, "storage \"%s\"", parent);
    snprintf(tmp, sizeof tmp, ".new-%s", c->id);
    if (mkdirat(pfd, tmp, 0711) < 0 || (c->dirfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        r = cr__errno(err, "create \"%s/%s\"", parent, tmp);
        close(pfd);
        return r;
    }
    c->lockfd = openat(c->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (c->lockfd < 0 || flock(c->lockfd, LOCK_EX) < 0) r = cr__errno(err, "lock \"%s/%s\"", parent, tmp);
    else if (syscall(SYS_renameat2, pfd, tmp, pfd, c->name, 1 /* RENAME_NOREPLACE */) < 0)
        r = errno == EEXIST || errno == ENOTEMPTY ? cr_err_set(err, EEXIST, "container name \"%s\" is already in use", c->name)
                                                  : cr__errno(err, "create \"%s/%s\"", parent, c->name);
    if (r < 0) cr__rm_rf(pfd, tmp);
    close(pfd);
    return r;
}

/* The runner's lock of dir: -EBUSY while it is held, -ENOENT once dir is
   gone, -ENOLCK for a dir without a lock file. A --rm runner removes the
   dir, lock file included, while it holds the lock: a lock taken after
   that is on an unlinked file, and the container is gone, not stale. */
static int cr__ctr_lock(const char *dir, int wait_ms) {
    char p[PATH_MAX];
    struct stat held, now;
    int fd, waited = 0;
    snprintf(p, sizeof p, "%s/lock", dir);
    if ((fd = open(p, O_RDWR | O_CLOEXEC)) < 0) {
        int e = errno;
        return e == ENOENT && access(dir, F_OK) == 0 ? -ENOLCK : -e;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK || waited >= wait_ms) { int e = errno == EWOULDBLOCK ? -EBUSY : -errno; close(fd); return e; }
        usleep(10000);
        waited += 10;
    }
    if (fstat(fd, &held) < 0 || stat(p, &now) < 0 || held.st_ino != now.st_ino || held.st_dev != now.st_dev) {
        close(fd);
        return access(dir, F_OK) == 0 ? -EBUSY : -ENOENT;
    }
    return fd;
}

/* The OCI state (if any), the network lease and the directory of name. */
static int cr__ctr_destroy(const cr_runtime *rt, const char *store, const char *name, cr_err *err) {
    static unsigned seq;
    char parent[PATH_MAX], net_dir[PATH_MAX], gone[64];
    cr_net_config net;
    int pfd, r;
    if ((r = cr_container_delete(rt, name, CR_DELETE_FORCE, err)) < 0) return r;
    cr__ctr_net_config(rt, &net, net_dir, sizeof net_dir);
    if ((r = cr_net_detach(&net, name, err)) < 0) return r;
    snprintf(parent, sizeof parent, "%s/containers", store);
    if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) return errno == ENOENT ? 0 : cr__errno(err, "%s", parent);
    /* out of the way first: a sweep must never see the named directory
       half removed, its lock file gone (cr_ctr_gc removes what a killed
       rm leaves under the temporary name) */
    snprintf(gone, sizeof gone, ".rm-%d-%lld-%u", (int)getpid(), (long long)time(NULL), seq++);
    if (renameat(pfd, name, pfd, gone) < 0) r = errno == ENOENT ? 0 : cr__errno(err, "remove \"%s/%s\"", parent, name);
    else r = cr__rm_rf(pfd, gone) < 0 && errno != ENOENT ? cr__errno(err, "remove \"%s/%s\"", parent, gone) : 0;
    close(pfd);
    return r;
}

/* After the container ran: its exit for inspect, and --rm. */
static void cr__ctr_finish(cr__ctr *c, int status) {
    char ts[40], text[128];
    cr_err e = {0};
    if (c->o->rm) {
        if (cr__ctr_destroy(c->rt, c->store, c->name, &e) < 0) cr_log(CR_LOG_WARN, "--rm \"%s\": %s", c->name, e.msg);
        return;
    }
    cr__now_rfc3339(ts, sizeof ts);
    snprintf(text, sizeof text, "{\"ExitCode\":%d,\"FinishedAt\":\"%s\"}", status, ts);
    cr__write_atomic(c->dirfd, "exit.json", text, strlen(text), 0, &e);
}

static void cr__ctr_discard(cr__ctr *c) {
    cr_err e = {0};
    if (c->dirfd >= 0 && cr__ctr_destroy(c->rt, c->store, c->name, &e) < 0) cr_log(CR_LOG_WARN, "%s", e.msg);
}

/* ---- preparing a run ---- */

static int cr__ctr_load_image(cr__ctr *c, const cr_store *s, cr_err *err) {
    cr_buf body = {0};
    size_t i;
    int r;
    if ((r = cr_store_find(s, c->o->image, &c->info, err)) < 0) return r;
    if ((r = cr__store_read_blob(c->store, c->info.config, 16 << 20, &body, err)) < 0 ||
        (r = cr_manifest_config_parse(body.data, body.len, &c->img, err)) < 0) {
        cr_buf_free(&body);
        return cr_err_wrap(err, "image \"%s\": config %s", c->o->image, c->info.config);
    }
    cr_buf_free(&body);
    for (i = c->img.ndiff_ids; i-- > 0;) {
        char p[PATH_MAX], marker[PATH_MAX];
        const char *hex = cr__store_hex(c->img.diff_ids[i]);
        snprintf(p, sizeof p, "%s/layers/sha256/%s", c->store, hex ? hex : "");
        if (!hex || access(p, F_OK) < 0)
            return cr_err_set(err, ENOENT, "image \"%s\": layer %s is missing from the store (pull the image again)",
                              c->o->image, c->img.diff_ids[i]);
        /* (a layer without a marker may come from a cr that wrote none: only a wrong one is refused) */
        snprintf(marker, sizeof marker, "%s/layers/sha256/.unpacked/%s", c->store, hex);
        if (access(marker, F_OK) == 0 && cr__store_layer_state(c->store, c->img.diff_ids[i]) < 0)
            return cr_err_set(err, EIO, "image \"%s\": layer %s: %s is damaged (pull the image again)",
                              c->o->image, c->img.diff_ids[i], p);
        cr__strv_push(&c->lower, p);
    }
    return c->lower.oom ? cr_err_set(err, ENOMEM, "out of memory") : 0;
}

static int cr__ctr_network(cr__ctr *c, cr_err *err) {
    const char *net = c->o->network;
    const char *const *p = c->o->publish;
    cr_state st;
    int r;
    c->bridge = !net || !*net || !strcmp(net, "bridge");
    for (; p && *p; p++) {
        if (!c->bridge) return cr_err_set(err, EINVAL, "-p \"%s\": publishing ports needs --network bridge", *p);
        if (c->nports == (int)(sizeof c->ports / sizeof *c->ports)) return cr_err_set(err, E2BIG, "-p: at most 64 ports");
        if ((r = cr_net_port_parse(*p, &c->ports[c->nports++], err)) < 0) return cr_err_wrap(err, "-p");
    }
    cr__ctr_net_config(c->rt, &c->net, c->net_dir, sizeof c->net_dir);
    if (c->bridge || !strcmp(net, "none") || !strcmp(net, "host")) return 0;
    if (!strncmp(net, "ns:", 3) && net[3] == '/') { snprintf(c->netns, sizeof c->netns, "%s", net + 3); return 0; }
    if (strncmp(net, "container:", 10))
        return cr_err_set(err, EINVAL, "--network \"%s\": expected bridge, none, host, container:NAME or ns:PATH", net);
    if ((r = cr_state_load(c->rt, net + 10, &st, err)) < 0) return cr_err_wrap(err, "--network \"%s\"", net);
    if (st.status != CR_RUNNING && st.status != CR_CREATED && st.status != CR_PAUSED)
        r = cr_err_set(err, EINVAL, "--network \"%s\": that container is not running", net);
    else snprintf(c->netns, sizeof c->netns, "/proc/%d/ns/net", (int)st.pid);
    cr_state_free(&st);
    return r;
}

static int cr__ctr_prepare(cr__ctr *c, const cr_store *s, cr_err *err) {
    const cr_ctr_opts *o = c->o;
    char p[PATH_MAX];
    struct stat sb;
    int r;
    if (!o->image == !o->rootfs) return cr_err_set(err, EINVAL, "run: give either an image or --rootfs DIR");
    if (o->image && (r = cr__ctr_load_image(c, s, err)) < 0) return r;
    if (o->rootfs && (stat(o->rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode)))
        return cr_err_set(err, ENOTDIR, "--rootfs \"%s\": not a directory", o->rootfs);
    if (o->rootfs && o->rootfs[0] != '/') return cr_err_set(err, EINVAL, "--rootfs \"%s\": must be an absolute path", o->rootfs);
    if ((r = cr__ctr_random_id(c->id, err)) < 0) return r;
    snprintf(c->name, sizeof c->name, "%.*s", o->name ? 255 : 12, o->name ? o->name : c->id);
    if ((r = cr__ctr_check_name(c->name, err)) < 0) return r;
    snprintf(p, sizeof p, "%s/%s", cr_state_root(c->rt), c->name);
    if (access(p, F_OK) == 0) return cr_err_set(err, EEXIST, "container name \"%s\" is already in use", c->name);
    if (o->hostname) snprintf(c->hostname, sizeof c->hostname, "%s", o->hostname);
    else if (o->network && !strcmp(o->network, "host")) gethostname(c->hostname, sizeof c->hostname - 1);
    else snprintf(c->hostname, sizeof c->hostname, "%.12s", c->id);
    if ((r = cr__ctr_network(c, err)) < 0 || (r = cr__ctr_caps(c, err)) < 0 || (r = cr__ctr_security_opts(c, err)) < 0) return r;
    if ((r = cr__ctr_user(c, o->user ? o->user : c->img.user ? c->img.user : "", err)) < 0) return r;
    if ((r = cr__ctr_environment(c, err)) < 0 || (r = cr__ctr_command(c, err)) < 0) return r;
    cr__now_rfc3339(c->created, sizeof c->created);
    if (cr__ctr_dir_path(c->store, c->name, c->dir, sizeof c->dir) < 0) return cr_err_set(err, ENAMETOOLONG, "storage path too long");
    return cr__ctr_make_dir(c, err);
}

/* Everything inside the directory: overlay dirs, files, config, record. */
static int cr__ctr_fill(cr__ctr *c, cr_err *err) {
    cr_buf config = {0};
    int r;
    if (!c->o->rootfs) {
        char p[PATH_MAX];
        if (mkdirat(c->dirfd, "upper", 0755) < 0 || mkdirat(c->dirfd, "work", 0700) < 0 || mkdirat(c->dirfd, "rootfs", 0755) < 0)
            return cr__errno(err, "%s: overlay directories", c->dir);
        if (!c->lower.n) {
            /* an image without layers: overlayfs wants a lower dir all the same */
            if (mkdirat(c->dirfd, "empty", 0755) < 0) return cr__errno(err, "%s/empty", c->dir);
            snprintf(p, sizeof p, "%s/empty", c->dir);
            cr__strv_push(&c->lower, p);
        }
    }
    if ((r = cr__ctr_mounts(c, err)) < 0) return r;
    if ((r = cr__ctr_config(c, &config, err)) < 0) { cr_buf_free(&config); return r; }
    r = cr__write_atomic(c->dirfd, "config.json", config.data, config.len, 0, err);
    cr_buf_free(&config);
    return r < 0 ? r : cr__ctr_record(c, err);
}

/* ---- running ---- */

static void cr__ctr_started(void *user, pid_t pid) {
    cr__ctr *c = (cr__ctr *)user;
    (void)pid;
    if (c->notify < 0) return;
    if (write(c->notify, "+", 1) < 0) cr_log(CR_LOG_DEBUG, "detached run: the caller is gone");
    close(c->notify);
    c->notify = -1;
}

/* The monitor outlives its caller: it must not hold the caller's other
   fds (a pipe a shell waits on, a socket) open. */
static void cr__ctr_close_others(const cr__ctr *c) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int keep = d ? dirfd(d) : -1;
    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd > 2 && fd != keep && fd != c->dirfd && fd != c->lockfd && fd != c->notify) close(fd);
    }
    if (d) closedir(d);
}

/* The monitor of a detached run: owns the container's output (the log)
   and its lock, records its exit, removes it with --rm. */
static void cr__ctr_monitor(cr__ctr *c, cr_create_opts *co) {
    cr_err e = {0};
    int status = 0, null, log;
    setsid();
    null = open("/dev/null", O_RDWR | O_CLOEXEC);
    log = openat(c->dirfd, "ctr.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (null < 0 || log < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
        cr__errno(&e, "%s/ctr.log", c->dir);
        goto fail;
    }
    close(null);
    close(log);
    cr__ctr_close_others(c);
    co->started = cr__ctr_started;
    co->user = c;
    if (cr_container_run(c->rt, c->name, c->dir, co, &status, &e) < 0) goto fail;
    cr__ctr_finish(c, status);
    _exit(0);
fail:
    cr__ctr_discard(c);
    dprintf(c->notify, "-%d %s", e.code, e.msg);
    _exit(1);
}

static int cr__ctr_detach(cr__ctr *c, cr_create_opts *co, cr_err *err) {
    char buf[1200];
    size_t got = 0;
    ssize_t n;
    int p[2], code = EIO, skip = 0;
    pid_t pid;
    if (pipe2(p, O_CLOEXEC) < 0) return cr__errno(err, "pipe");
    if ((pid = fork()) < 0) { close(p[0]); close(p[1]); return cr__errno(err, "fork the monitor"); }
    if (pid == 0) {
        /* a grandchild, so that the caller never has to reap it */
        close(p[0]);
        c->notify = p[1];
        if (fork() == 0) cr__ctr_monitor(c, co);
        _exit(0);
    }
    close(p[1]);
    waitpid(pid, NULL, 0);
    while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        got += (size_t)n;
    }
    close(p[0]);
    buf[got] = 0;
    if (got && buf[0] == '+') return 0;
    if (got && sscanf(buf, "-%d %n", &code, &skip) >= 1 && skip) return cr_err_set(err, code, "%s", buf + skip);
    cr__ctr_discard(c);
    return cr_err_set(err, EIO, "the monitor of \"%s\" exited before the container started", c->name);
}

static void cr__ctr_free(cr__ctr *c) {
    if (c->dirfd >= 0) close(c->dirfd);
    if (c->lockfd >= 0) close(c->lockfd);
    cr_manifest_config_free(&c->img);
    cr__strv_free(&c->lower); cr__strv_free(&c->args); cr__strv_free(&c->env);
    cr__strv_free(&c->mounts_json); cr__strv_free(&c->user_mounts);
    CR_FREE(c);
}

CR_API int cr_ctr_run(const cr_runtime *rt, const cr_store *s, const cr_ctr_opts *o, char name[256], int *status, cr_err *err) {
    cr__ctr *c = (cr__ctr *)CR_MALLOC(sizeof *c);
    cr_create_opts co;
    char upper[PATH_MAX], work[PATH_MAX];
    int r, made;
    if (status) *status = 0;
    if (!c) return cr_err_set(err, ENOMEM, "out of memory");
    memset(c, 0, sizeof *c);
    c->rt = rt; c->o = o; c->store = cr_store_root(s);
    c->dirfd = c->lockfd = c->notify = -1;
    r = cr__ctr_prepare(c, s, err);
    made = c->dirfd >= 0 && r == 0;
    if (r == 0) r = cr__ctr_fill(c, err);
    if (r == 0) {
        memset(&co, 0, sizeof co);
        co.keep = !o->rm;
        co.created = cr__ctr_attach;
        co.user = c;
        if (!o->rootfs) {
            snprintf(upper, sizeof upper, "%s/upper", c->dir);
            snprintf(work, sizeof work, "%s/work", c->dir);
            co.rootfs_lower = (const char *const *)c->lower.v;
            co.rootfs_upper = upper;
            co.rootfs_work = work;
            /* unmounting an overlay syncs its upper file system: a --rm
               container's upper dir is thrown away, so skip that */
            co.rootfs_volatile = o->rm;
        }
        if (name) snprintf(name, 256, "%s", c->name);
        if (o->detach) r = cr__ctr_detach(c, &co, err);
        else if ((r = cr_container_run(rt, c->name, c->dir, &co, status, err)) == 0) cr__ctr_finish(c, status ? *status : 0);
        else cr__ctr_discard(c);
    } else if (made) cr__ctr_discard(c);
    cr__ctr_free(c);
    return r < 0 ? cr_err_wrap(err, "run \"%s\"", o->image ? o->image : o->rootfs ? o->rootfs : "") : 0;
}

/* ---- records ---- */

static const char *cr__ctr_json_str(const cr_json *obj, const char *key) {
    const cr_json *v = cr_json_get(obj, key);
    return v && v->type == CR_JSON_STRING ? v->str : "";
}

/* ctr.json of name, parsed; -ENOENT with a clear error if there is none. */
static int cr__ctr_load_record(const char *store, const char *name, cr_json **rec, cr_err *err) {
    char p[PATH_MAX];
    cr_buf text = {0};
    int r;
    *rec = NULL;
    if (cr_state_check_id(name, NULL) < 0 || cr__ctr_dir_path(store, name, p, sizeof p) < 0 || name[0] == '.')
        return cr_err_set(err, ENOENT, "no such container: \"%s\"", name);
    strncat(p, "/ctr.json", sizeof p - strlen(p) - 1);
    r = cr_util_read_file(AT_FDCWD, p, 1 << 20, &text, NULL);
    if (r == -ENOENT || r == -ENOTDIR) return cr_err_set(err, ENOENT, "no such container: \"%s\"", name);
    if (r < 0) return cr__errno(err, "%s", p);
    r = cr_json_parse(text.data, text.len, rec, err);
    cr_buf_free(&text);
    if (r == 0 && (*rec)->type != CR_JSON_OBJECT) { cr_json_free(*rec); *rec = NULL; r = cr_err_set(err, EINVAL, "not an object"); }
    /* EBADMSG: rm -f knows a damaged record from a missing one */
    if (r < 0) { if (err) err->code = EBADMSG; r = -EBADMSG; cr_err_wrap(err, "container \"%s\": %s is damaged", name, p); }
    return r;
}

static void cr__ctr_info_fill(const cr_runtime *rt, const char *store, const char *name, const cr_json *rec, cr_ctr_info *out) {
    const cr_json *args = cr_json_get(rec, "Args"), *a, *rm = cr_json_get(rec, "Rm");
    cr_buf text = {0};
    cr_json *ex = NULL;
    cr_state st;
    char p[PATH_MAX];
    size_t used;
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", cr__ctr_json_str(rec, "Id"));
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->image, sizeof out->image, "%s", cr__ctr_json_str(rec, "ImageName"));
    snprintf(out->image_id, sizeof out->image_id, "%s", cr__ctr_json_str(rec, "Image"));
    snprintf(out->created, sizeof out->created, "%s", cr__ctr_json_str(rec, "Created"));
    snprintf(out->command, sizeof out->command, "%s", cr__ctr_json_str(rec, "Path"));
    for (a = args && args->type == CR_JSON_ARRAY ? args->child : NULL; a; a = a->next)
        if (a->type == CR_JSON_STRING && (used = strlen(out->command)) < sizeof out->command - 1)
            snprintf(out->command + used, sizeof out->command - used, " %s", a->str);
    out->rm = rm && rm->type == CR_JSON_TRUE;
    cr__ctr_dir_path(store, name, out->dir, sizeof out->dir);
    snprintf(p, sizeof p, "%s/exit.json", out->dir);
    if (cr_util_read_file(AT_FDCWD, p, 4096, &text, NULL) == 0 && cr_json_parse(text.data, text.len, &ex, NULL) == 0) {
        int64_t code;
        if (cr_json_get(ex, "ExitCode") && cr_json_i64(cr_json_get(ex, "ExitCode"), &code) == 0) { out->exited = 1; out->exit_code = (int)code; }
        snprintf(out->finished, sizeof out->finished, "%s", cr__ctr_json_str(ex, "FinishedAt"));
    }
    cr_json_free(ex);
    cr_buf_free(&text);
    out->status = CR_STOPPED;
    if (cr_state_load(rt, name, &st, NULL) == 0) {
        out->status = st.status;
        out->pid = st.status == CR_STOPPED ? 0 : st.pid;
        cr_state_free(&st);
    }
}

static int cr__ctr_resolve(const cr_runtime *rt, const char *store, const char *name, char *real, size_t n, cr_err *err);

/* name's info and its ctr.json (the caller frees *rec). */
static int cr__ctr_open(const cr_runtime *rt, const char *store, const char *name, cr_ctr_info *out, cr_json **rec, cr_err *err) {
    char real[256];
    int r;
    *rec = NULL;
    if ((r = cr__ctr_resolve(rt, store, name, real, sizeof real, err)) < 0) return r;
    if ((r = cr__ctr_load_record(store, real, rec, err)) < 0) return r;
    cr__ctr_info_fill(rt, store, real, *rec, out);
    return 0;
}

CR_API int cr_ctr_find(const cr_runtime *rt, const cr_store *s, const char *name, cr_ctr_info *out, cr_err *err) {
    cr_json *rec;
    int r = cr__ctr_open(rt, cr_store_root(s), name, out, &rec, err);
    cr_json_free(rec);
    return r;
}

static int cr__ctr_names(const char *store, cr__strv *names, cr_err *err) {
    char p[PATH_MAX];
    DIR *d;
    struct dirent *e;
    snprintf(p, sizeof p, "%s/containers", store);
    if (!(d = opendir(p))) return errno == ENOENT ? 0 : cr__errno(err, "%s", p);
    while ((e = readdir(d))) if (e->d_name[0] != '.') cr__strv_push(names, e->d_name);
    closedir(d);
    if (names->oom) return cr_err_set(err, ENOMEM, "out of memory");
    if (names->n) qsort(names->v, (size_t)names->n, sizeof *names->v, cr__cmp_str);
    return 0;
}

/* A name, or the full id or a unique prefix of it (Docker's lookup). */
static int cr__ctr_resolve(const cr_runtime *rt, const char *store, const char *name, char *real, size_t n, cr_err *err) {
    cr__strv names;
    char p[PATH_MAX];
    int i, found = 0, r;
    (void)rt;
    if (cr__ctr_dir_path(store, name, p, sizeof p) == 0 && name[0] != '.' && !strchr(name, '/') && access(p, F_OK) == 0) {
        snprintf(real, n, "%s", name);
        return 0;
    }
    memset(&names, 0, sizeof names);
    if ((r = cr__ctr_names(store, &names, err)) < 0) return r;
    for (i = 0; i < names.n && strlen(name) >= 3; i++) {
        cr_json *rec;
        if (cr__ctr_load_record(store, names.v[i], &rec, NULL) < 0) continue;
        if (!strncmp(cr__ctr_json_str(rec, "Id"), name, strlen(name))) { found++; snprintf(real, n, "%s", names.v[i]); }
        cr_json_free(rec);
    }
    cr__strv_free(&names);
    if (found == 1) return 0;
    return found ? cr_err_set(err, EINVAL, "container id prefix \"%s\" is ambiguous", name)
                 : cr_err_set(err, ENOENT, "no such container: \"%s\"", name);
}

CR_API int cr_ctr_list(const cr_runtime *rt, const cr_store *s, int (*fn)(void *user, const cr_ctr_info *c), void *user, cr_err *err) {
    const char *store = cr_store_root(s);
    cr__strv names;
    cr_ctr_info info;
    int i, r;
    memset(&names, 0, sizeof names);
    if ((r = cr__ctr_names(store, &names, err)) < 0) return r;
    for (i = 0; i < names.n && r == 0; i++) {
        cr_json *rec;
        if (cr__ctr_load_record(store, names.v[i], &rec, NULL) < 0) continue;
        cr__ctr_info_fill(rt, store, names.v[i], rec, &info);
        cr_json_free(rec);
        r = fn(user, &info);
    }
    cr__strv_free(&names);
    return r;
}

/* ---- stop, rm, gc ---- */

static int cr__ctr_wait_stopped(const cr_runtime *rt, const char *name, int ms) {
    int waited;
    for (waited = 0;; waited += 10) {
        cr_state st;
        if (cr_state_load(rt, name, &st, NULL) < 0) return 1;
        cr_state_free(&st);
        if (st.status == CR_STOPPED) return 1;
        if (waited >= ms) return 0;
        usleep(10000);
    }
}

/* Waits for the container's runner (cr run, or the monitor) to be done
   with it; a --rm container is gone then. */
static void cr__ctr_wait_runner(const cr_ctr_info *c, int ms) {
    int fd = cr__ctr_lock(c->dir, ms);
    if (fd >= 0) close(fd);
}

CR_API int cr_ctr_stop(const cr_runtime *rt, const cr_store *s, const char *name, int timeout, cr_err *err) {
    cr_ctr_info c;
    cr_json *rec;
    const cr_json *cfg;
    int r, sig;
    if ((r = cr__ctr_open(rt, cr_store_root(s), name, &c, &rec, err)) < 0) return r;
    if (c.status == CR_STOPPED) { cr_json_free(rec); return 0; }
    cfg = cr_json_get(rec, "Config");
    sig = cr_util_signal_parse(cfg ? cr__ctr_json_str(cfg, "StopSignal") : "");
    cr_json_free(rec);
    if (sig <= 0) sig = SIGTERM;
    if (timeout < 0) timeout = 10;
    if (c.status == CR_PAUSED) cr_container_resume(rt, c.name, NULL);
    if ((r = cr_container_kill(rt, c.name, sig, 0, err)) < 0 && cr__ctr_wait_stopped(rt, c.name, 0)) r = 0;
    if (r < 0) return cr_err_wrap(err, "stop \"%s\"", c.name);
    if (!cr__ctr_wait_stopped(rt, c.name, timeout * 1000)) {
        cr_container_kill(rt, c.name, SIGKILL, CR_KILL_ALL, NULL);
        if (!cr__ctr_wait_stopped(rt, c.name, 10000)) return cr_err_set(err, ETIMEDOUT, "stop \"%s\": still running after SIGKILL", c.name);
    }
    cr__ctr_wait_runner(&c, 10000);
    return 0;
}

/* rm -f of a container whose ctr.json is damaged: by its exact name, its
   OCI state in this state root (the init is killed), lease and directory. */
static int cr__ctr_remove_damaged(const cr_runtime *rt, const char *store, const char *name, const char *why, cr_err *err) {
    char dir[PATH_MAX];
    cr_state st;
    pid_t pid = 0;
    int r, lock;
    if (cr__ctr_dir_path(store, name, dir, sizeof dir) < 0) return cr_err_set(err, ENAMETOOLONG, "storage path too long");
    if (cr_state_load(rt, name, &st, NULL) == 0) {
        if (st.status != CR_STOPPED) pid = st.pid;
        cr_state_free(&st);
    }
    /* the init first: its runner (a detached run's monitor) lets go then */
    if ((r = cr_container_delete(rt, name, CR_DELETE_FORCE, err)) < 0) return cr_err_wrap(err, "%s", why);
    lock = cr__ctr_lock(dir, 10000);
    if (lock < 0 && lock != -ENOLCK && lock != -ENOENT) return cr_err_set(err, EBUSY, "%s; the cr that runs it is still busy with it", why);
    if (lock != -ENOENT && (r = cr__ctr_destroy(rt, store, name, err)) < 0) cr_err_wrap(err, "%s", why);
    else if (pid) cr_log(CR_LOG_WARN, "rm \"%s\": %s; killed its init (pid %d) and removed it", name, why, (int)pid);
    else cr_log(CR_LOG_WARN, "rm \"%s\": %s; removed it (it was not running)", name, why);
    if (lock >= 0) close(lock);
    return r;
}

CR_API int cr_ctr_remove(const cr_runtime *rt, const cr_store *s, const char *name, unsigned flags, cr_err *err) {
    const char *store = cr_store_root(s);
    cr_ctr_info c;
    int r, lock, force = !!(flags & CR_CTR_REMOVE_FORCE);
    if ((r = cr_ctr_find(rt, s, name, &c, err)) == -EBADMSG && force) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return (r = cr__ctr_remove_damaged(rt, store, name, why, err)) < 0 ? cr_err_wrap(err, "rm \"%s\"", name) : 0;
    }
    if (r < 0) return r;
    if (c.status != CR_STOPPED) {
        if (!force)
            return cr_err_set(err, EBUSY, "container \"%s\" is %s: stop it first, or use --force", c.name, cr_state_status_name(c.status));
        if ((r = cr_container_delete(rt, c.name, CR_DELETE_FORCE, err)) < 0) return cr_err_wrap(err, "rm \"%s\"", c.name);
    }
    lock = cr__ctr_lock(c.dir, 10000);
    if (lock == -ENOENT) return 0;   /* its --rm runner was quicker */
    if (lock < 0 && lock != -ENOLCK) return cr_err_set(err, EBUSY, "rm \"%s\": the cr that runs it is still busy with it", c.name);
    r = cr__ctr_destroy(rt, store, c.name, err);
    if (lock >= 0) close(lock);
    return r < 0 ? cr_err_wrap(err, "rm \"%s\"", c.name) : 0;
}

CR_API int cr_ctr_gc(const cr_runtime *rt, const cr_store *s, void (*removed)(void *user, const char *name, const char *why),
                     void *user, cr_err *err) {
    const char *store = cr_store_root(s);
    char parent[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int r = 0;
    snprintf(parent, sizeof parent, "%s/containers", store);
    if (!(d = opendir(parent))) return errno == ENOENT ? 0 : cr__errno(err, "%s", parent);
    while ((e = readdir(d)) && r == 0) {
        char dir[PATH_MAX];
        const char *why = NULL;
        cr_json *rec = NULL;
        cr_state st;
        int lock, loaded;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(dir, sizeof dir, "%s/%s", parent, e->d_name);
        /* busy, or gone since readdir: not stale */
        if ((lock = cr__ctr_lock(dir, 0)) < 0 && lock != -ENOLCK) continue;
        if (e->d_name[0] == '.') {
            /* a directory being made is not locked for a moment: only old ones go */
            struct stat sb;
            if (fstatat(dirfd(d), e->d_name, &sb, 0) == 0 && sb.st_mtime < time(NULL) - 60)
                cr__rm_rf(dirfd(d), e->d_name);
            if (lock >= 0) close(lock);
            continue;
        }
        if (cr__ctr_load_record(store, e->d_name, &rec, NULL) == 0 && strcmp(cr__ctr_json_str(rec, "StateRoot"), cr_state_root(rt))) {
            /* another state root's container: not ours to judge */
        } else if ((loaded = cr_state_load(rt, e->d_name, &st, NULL)) == -ENOENT) {
            why = "its state is gone (a reboot, or cr was killed while creating it)";
        } else if (loaded == 0) {
            /* (a damaged state is no proof of anything: rm -f is the way out) */
            const cr_json *rm = rec ? cr_json_get(rec, "Rm") : NULL;
            if (st.status == CR_STOPPED && rm && rm->type == CR_JSON_TRUE) why = "it ran with --rm and exited while no cr was waiting for it";
            cr_state_free(&st);
        }
        cr_json_free(rec);
        if (why) {
            cr_err e2 = {0};
            if (cr__ctr_destroy(rt, store, e->d_name, &e2) < 0) r = cr_err_set(err, e2.code, "%s", e2.msg);
            else if (removed) removed(user, e->d_name, why);
        }
        if (lock >= 0) close(lock);
    }
    closedir(d);
    return r;
}

/* ---- inspect, logs ---- */

CR_API int cr_ctr_inspect(const cr_runtime *rt, const cr_store *s, const char *name, cr_buf *out, cr_err *err) {
    cr_ctr_info c;
    cr_json *rec;
    const cr_json *m;
    cr_net_config net;
    cr_net_lease lease;
    char net_dir[PATH_MAX];
    cr_jw w;
    int r, have_lease;
    if ((r = cr__ctr_open(rt, cr_store_root(s), name, &c, &rec, err)) < 0) return r;
    cr_jw_init(&w, out);
    cr_jw_obj(&w);
    for (m = rec->child; m; m = m->next) {
        if (!strcmp(m->key, "StateRoot") || !strcmp(m->key, "Rm") || !strcmp(m->key, "ImageName") || !strcmp(m->key, "Rootfs")) continue;
        cr_jw_key(&w, m->key);
        cr_jw_value(&w, m);
        if (!strcmp(m->key, "Args")) {
            cr_jw_key(&w, "State");
            cr_jw_obj(&w);
            cr_jw_key(&w, "Status");
            cr_jw_str(&w, c.status == CR_STOPPED ? "exited" : c.status == CR_CREATING ? "created" : cr_state_status_name(c.status));
            cr_jw_key(&w, "Running"); cr_jw_bool(&w, c.status == CR_RUNNING || c.status == CR_PAUSED);
            cr_jw_key(&w, "Paused"); cr_jw_bool(&w, c.status == CR_PAUSED);
            cr_jw_key(&w, "Pid"); cr_jw_i64(&w, c.pid);
            cr_jw_key(&w, "ExitCode"); cr_jw_i64(&w, c.exited ? c.exit_code : 0);
            cr_jw_key(&w, "StartedAt"); cr_jw_str(&w, c.created);
            cr_jw_key(&w, "FinishedAt"); cr_jw_str(&w, c.finished[0] ? c.finished : "0001-01-01T00:00:00Z");
            cr_jw_obj_end(&w);
        }
    }
    cr__ctr_net_config(rt, &net, net_dir, sizeof net_dir);
    have_lease = cr_net_lease_get(&net, c.name, &lease, NULL) == 0;
    cr_jw_key(&w, "NetworkSettings");
    cr_jw_obj(&w);
    cr_jw_key(&w, "IPAddress"); cr_jw_str(&w, have_lease ? lease.ip : "");
    cr_jw_key(&w, "IPPrefixLen"); cr_jw_i64(&w, have_lease ? lease.prefix : 0);
    cr_jw_key(&w, "Gateway"); cr_jw_str(&w, have_lease ? lease.gateway : "");
    cr_jw_key(&w, "MacAddress"); cr_jw_str(&w, have_lease ? lease.mac : "");
    cr_jw_obj_end(&w);
    cr_jw_obj_end(&w);
    cr_json_free(rec);
    return out->oom ? cr_err_set(err, ENOMEM, "out of memory") : 0;
}

static int cr__ctr_copy(int in, int out, cr_err *err) {
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return cr__errno(err, "read the log");
        if (cr__write_all(out, buf, (size_t)n) < 0) return errno == EPIPE ? 0 : cr__errno(err, "write the log");
    }
    return 0;
}

CR_API int cr_ctr_logs(const cr_runtime *rt, const cr_store *s, const char *name, unsigned flags, int fd, cr_err *err) {
    cr_ctr_info c;
    char p[PATH_MAX];
    int in, r, follow = !!(flags & CR_CTR_LOGS_FOLLOW);
    if ((r = cr_ctr_find(rt, s, name, &c, err)) < 0) return r;
    snprintf(p, sizeof p, "%s/ctr.log", c.dir);
    if ((in = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
        if (errno == ENOENT) return cr_err_set(err, ENOENT, "logs \"%s\": no log (the container ran in the foreground)", c.name);
        return cr__errno(err, "logs \"%s\": %s", c.name, p);
    }
    while ((r = cr__ctr_copy(in, fd, err)) == 0 && follow) {
        int lock = cr__ctr_lock(c.dir, 0);
        if (lock >= 0 || lock == -ENOENT || lock == -ENOLCK) {
            /* the monitor is done: what it wrote last is in the file */
            if (lock >= 0) close(lock);
            r = cr__ctr_copy(in, fd, err);
            break;
        }
        usleep(100000);
    }
    close(in);
    return r;
}

/* ---- --init ---- */

CR_API int cr_ctr_init(char *const *argv, cr_err *err) {
    sigset_t all, old;
    struct signalfd_siginfo si;
    int sfd, status = 0, done = 0, ws;
    pid_t child, w;
    if (!argv || !argv[0]) return cr_err_set(err, EINVAL, "init: no command");
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if ((sfd = signalfd(-1, &all, SFD_CLOEXEC)) < 0) return cr__errno(err, "init: signalfd");
    if ((child = fork()) < 0) { close(sfd); return cr__errno(err, "init: fork"); }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        execvp(argv[0], argv);
        cr_log(CR_LOG_ERROR, "exec \"%s\": %s", argv[0], strerror(errno));
        _exit(errno == ENOENT ? 127 : 126);
    }
    while (!done) {
        if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) continue;
        if ((int)si.ssi_signo != SIGCHLD) { kill(child, (int)si.ssi_signo); continue; }
        while ((w = waitpid(-1, &ws, WNOHANG)) > 0)
            if (w == child) { done = 1; status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws); }
    }
    close(sfd);
    return status;
}

#endif /* CR_NO_REGISTRY */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif /* CR_IMPLEMENTATION_DONE */
#endif /* CR_IMPLEMENTATION */
