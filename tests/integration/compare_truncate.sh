#!/bin/sh
# compare_truncate.sh: a regular input is read through a mapping; if another
# process truncates it during the run, the next touch of a page past its
# new end is a SIGBUS. compare must stop with one line naming the file and
# exit status 3 (a runtime fault), not die of the signal. The baseline is
# truncated while compare waits for the candidate on a FIFO, before it has
# paired anything.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
command -v mkfifo >/dev/null || { echo "mkfifo is not installed" >&2; exit 77; }
CMP="$CUTOVER_BIN/cutover-compare"
T=${TMPDIR:-/tmp}/trunc.$$
mkdir -p "$T"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM HUP PIPE
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$CUTOVER_ROOT/tests/integration/compare_fixtures.py" "$T" 2000 || fail "fixture generator"
[ "$(stat -c %s "$T/baseline.jsonl")" -gt 65536 ] || fail "baseline too small to span pages"

# Control: the same inputs, untouched, compare without a fault.
"$CMP" --json "$T/ok.json" "$T/baseline.jsonl" "$T/baseline.jsonl" 2>"$T/ok.err"
st=$?
[ "$st" -le 1 ] || fail "control run: status $st: $(cat "$T/ok.err")"

mkfifo "$T/cand.fifo" || fail "mkfifo"
"$CMP" --json "$T/r.json" "$T/baseline.jsonl" "$T/cand.fifo" 2>"$T/err" &
pid=$!
exec 3>"$T/cand.fifo" # returns once compare has opened the FIFO
sleep 0.3             # compare is now blocked reading the FIFO's first line
: >"$T/baseline.jsonl"
cat "$T/candidate.jsonl" >&3 2>/dev/null
exec 3>&-
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && fail "compare still running after 10 s"
wait "$pid"
st=$?
pid=""
[ "$st" -eq 3 ] || fail "status $st, want 3; stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "want one line on stderr, got: $(cat "$T/err")"
grep -q "^cutover-compare: $T/baseline.jsonl: the file shrank while it was being read$" "$T/err" ||
    fail "message: $(cat "$T/err")"
echo "truncated input: status 3, one line naming the file"
