#!/bin/sh
# run_integration.sh: run tests/integration/*.sh (or those named in $1, a
# substring filter).  Each script gets CUTOVER_BIN (the tools of this build
# flavour), CUTOVER_ROOT and a private scratch directory in TMPDIR, and
# exits 0 (pass), 77 (skipped, with a reason on stderr) or anything else.
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CUTOVER_BUILD:-build/rel}
export CUTOVER_ROOT="$root" CUTOVER_BIN="$root/$build/bin"
export PATH="$CUTOVER_BIN:$PATH"
pass=0; fail=0; skip=0; failed=""
for t in "$root"/tests/integration/*.sh; do
    [ -e "$t" ] || continue
    case "$(basename "$t")" in lib.sh) continue ;; esac
    [ -n "$1" ] && case "$t" in *"$1"*) ;; *) continue ;; esac
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/cutover-it.XXXXXX")
    start=$(date +%s)
    TMPDIR="$scratch" timeout 600 sh "$t" >"$scratch.log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    case $rc in
    0) pass=$((pass + 1)); echo "ok   $(basename "$t") (${secs}s)" ;;
    77) skip=$((skip + 1)); echo "skip $(basename "$t"): $(tail -n 1 "$scratch.log")" ;;
    *) fail=$((fail + 1)); failed="$failed $(basename "$t")"
       echo "FAIL $(basename "$t") (status $rc, ${secs}s)"; tail -n 30 "$scratch.log" | sed 's/^/    /' ;;
    esac
    rm -rf "$scratch" "$scratch.log"
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
