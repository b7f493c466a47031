#!/usr/bin/env bats
# alloc.bats — every allocation cr.h makes goes through CR_MALLOC. Drives
# out/matrix/cr-counted (out/cr built with tests/compile/alloc_count.h:
# a counting CR_MALLOC/CR_REALLOC/CR_FREE, and malloc & co. in cr.h's
# implementation counted as strays) through a pull from an OCI layout and
# an image run. Each cr process appends its counts to $CR_ALLOC_REPORT.

load registry_helpers

setup_file() {
    [[ -x ${CR_COUNTED:-} ]] || { echo "CR_COUNTED is not set: run through ./build.sh test" >&2; return 1; }
    mkdir -p "$FIX"
    make_busybox_layout
}

setup() {
    STORE=$BATS_TEST_TMPDIR/store
    ROOT=$BATS_TEST_TMPDIR/run
    export CR_ALLOC_REPORT=$BATS_TEST_TMPDIR/alloc.report
}

teardown() {
    "$CR_COUNTED" --root "$ROOT" --storage "$STORE" rm -f alloc-run >/dev/null 2>&1 || true
}

counted() { timeout -k 5 120 "$CR_COUNTED" --root "$ROOT" --storage "$STORE" "$@"; }

# every process reported, through CR_MALLOC at least once, and no stray
report_clean() {
    cat "$CR_ALLOC_REPORT" >&2
    [[ -s $CR_ALLOC_REPORT ]]
    [[ -z $(grep -v '^pid=[0-9]* through=[0-9]* stray=0$' "$CR_ALLOC_REPORT") ]]
    grep -q 'through=[1-9]' "$CR_ALLOC_REPORT"
}

@test "alloc: a pull allocates through CR_MALLOC only" {
    run counted pull -q "oci:$FIX/oci/busybox:latest"
    [ "$status" -eq 0 ]
    report_clean
}

@test "alloc: an image run allocates through CR_MALLOC only" {
    counted pull -q "oci:$FIX/oci/busybox:latest"
    : >"$CR_ALLOC_REPORT"
    run counted run --rm --name alloc-run --network none localhost/busybox:latest echo counted
    [ "$status" -eq 0 ]
    [[ $output == *counted* ]]
    report_clean
}

@test "alloc: the trap counts a stray allocation" {
    # the header itself: a malloc named after it is a stray, CR_MALLOC is not
    cat >"$BATS_TEST_TMPDIR/stray.c" <<'C'
#include "tests/compile/alloc_count.h"
int main(void) { void *p = malloc(8), *q = CR_MALLOC(8); free(p); CR_FREE(q); return 0; }
C
    cc -I"$BATS_TEST_DIRNAME/../.." -o "$BATS_TEST_TMPDIR/stray" "$BATS_TEST_TMPDIR/stray.c"
    "$BATS_TEST_TMPDIR/stray"
    grep -q 'through=2 stray=2$' "$CR_ALLOC_REPORT"
}
