/* cr.c — cr.h's implementation, compiled once for the binary. It stands
   alone so that a build can configure the library (CR_MALLOC & co., see
   tests/compile/alloc_count.h) without touching the applets. */
#define CR_IMPLEMENTATION
#include "../cr.h"
