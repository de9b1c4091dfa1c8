#!/bin/sh
# compare_join.sh: the join gives the same report whatever the order of the
# candidate and however the inputs arrive. The indexed side is read only as
# far as the stream needs it, so a candidate in another order (here fully
# shuffled, the worst case: the whole baseline is read ahead) must pair the
# same records. The same holds for a pipe on either side, the secondary,
# duplicated ids, lines that are not records, and a torn last line. The
# reports must be the same bytes (report.json, summary.md, junit.xml and
# report.html), apart from the input names, the time and the duration:
# endpoints, gate rows, differences and the example exchanges do not
# depend on the order records arrive in.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
CMP="$CUTOVER_BIN/cutover-compare"
T=${TMPDIR:-/tmp}/join.$$
mkdir -p "$T"
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM HUP PIPE
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$CUTOVER_ROOT/tests/integration/compare_fixtures.py" "$T" 200 || fail "fixture generator"

# Derived inputs: the candidate shuffled; a baseline with a duplicated id,
# a blank line, a line that is not JSON, a record without _id and a torn
# last line; a candidate with a duplicated id.
python3 - "$T" <<'PY' || fail "input derivation"
import random, sys
t = sys.argv[1]
random.seed(4)
base = open(t + "/baseline.jsonl").read().splitlines()
cand = open(t + "/bad.jsonl").read().splitlines()
shuf = cand[:]
random.shuffle(shuf)
open(t + "/shuffled.jsonl", "w").write("\n".join(shuf) + "\n")
near = []  # the candidate shuffled within blocks of 12 only
for i in range(0, len(cand), 12):
    block = cand[i:i + 12]
    random.shuffle(block)
    near += block
open(t + "/near.jsonl", "w").write("\n".join(near) + "\n")
messy = base[:100] + [base[7], "", "{not json", '{"x":1}'] + base[100:] + [base[3][:50]]
open(t + "/messy-base.jsonl", "w").write("\n".join(messy))
open(t + "/dup-cand.jsonl", "w").write("\n".join(cand[:50] + [cand[10]] + cand[50:]) + "\n")
# CR LF ends, a blank line, two that are not records (spaces; a CR left
# after the CR LF's is taken away), a last record without its newline
crlf = base[:60] + ["", "  ", "\r"] + base[60:]
open(t + "/crlf-base.jsonl", "w", newline="").write("\r\n".join(crlf))
PY

# run NAME ARGS...: report in $T/NAME.json, exit status checked later
run() {
    n=$1
    shift
    "$CMP" --json "$T/$n.json" --markdown "$T/$n.md" --junit "$T/$n.xml" --html "$T/$n.html" \
        "$@" 2>"$T/$n.err"
    echo $? >"$T/$n.rc"
}
run ordered "$T/baseline.jsonl" "$T/bad.jsonl"
run shuffled "$T/baseline.jsonl" "$T/shuffled.jsonl"
cat "$T/shuffled.jsonl" | run shuffled_pipe "$T/baseline.jsonl" -
cat "$T/baseline.jsonl" | run flipped - "$T/shuffled.jsonl"
run sec "$T/baseline.jsonl" "$T/bad.jsonl" --secondary "$T/secondary.jsonl"
run sec_shuffled "$T/baseline.jsonl" "$T/shuffled.jsonl" --secondary "$T/secondary.jsonl"
run messy "$T/messy-base.jsonl" "$T/dup-cand.jsonl"
# The indexed side's last few MB are kept to pair records read ahead; a
# window of a few records makes most pairs read theirs again instead
# (1 byte: none at all), and must pair the same records.
CUTOVER_JOIN_WINDOW=300000 run near_win "$T/baseline.jsonl" "$T/near.jsonl"
CUTOVER_JOIN_WINDOW=6000 run shuffled_win "$T/baseline.jsonl" "$T/shuffled.jsonl"
cat "$T/shuffled.jsonl" | CUTOVER_JOIN_WINDOW=6000 run shuffled_pipe_win "$T/baseline.jsonl" -
cat "$T/baseline.jsonl" | CUTOVER_JOIN_WINDOW=1 run flipped_win - "$T/shuffled.jsonl"
cat "$T/dup-cand.jsonl" | CUTOVER_JOIN_WINDOW=6000 run messy_pipe_win "$T/messy-base.jsonl" -
cat "$T/dup-cand.jsonl" | run messy_pipe "$T/messy-base.jsonl" -
cat "$T/messy-base.jsonl" | run messy_flipped - "$T/dup-cand.jsonl"
# A regular file is mapped and its lines split there, a pipe's by the HAR
# reader: they must take the same lines (window 1: every page behind the
# reading is given back at once, and partners are read again).
run crlf "$T/crlf-base.jsonl" "$T/shuffled.jsonl"
cat "$T/crlf-base.jsonl" | run crlf_pipe - "$T/shuffled.jsonl"
CUTOVER_JOIN_WINDOW=1 run crlf_win "$T/crlf-base.jsonl" "$T/shuffled.jsonl"

# same A B: the reports are byte for byte the same once the input names,
# the time and the duration are taken out
same() {
    python3 - "$T/$1" "$T/$2" <<'PY' || fail "$1 and $2 differ"
import re, sys
strip = {
    "json": [r'"inputs":\{[^{}]*\},?', r'"generated":"[^"]*",?', r',?"elapsed_s":[0-9.e+-]+'],
    "md": [],
    "xml": [r' time="[0-9.]+"'],
    "html": [r'<p>Baseline .*? by cutover-compare [^<]*</p>'],
}
bad = 0
for ext, pats in strip.items():
    texts = []
    for stem in sys.argv[1:]:
        t = open(stem + "." + ext, encoding="utf-8").read()
        for p in pats:
            t = re.sub(p, "", t)
        texts.append(t)
    if texts[0] != texts[1]:
        a, b = texts
        i = next(i for i in range(min(len(a), len(b)) + 1) if a[i:i + 1] != b[i:i + 1])
        print("%s differs at byte %d: %r / %r" % (ext, i, a[max(0, i - 60):i + 60],
                                                  b[max(0, i - 60):i + 60]), file=sys.stderr)
        bad = 1
sys.exit(bad)
PY
    [ "$(cat "$T/$1.rc")" = "$(cat "$T/$2.rc")" ] || fail "$1 and $2: exit status differs"
}
same ordered shuffled
same ordered shuffled_pipe
same ordered flipped
same sec sec_shuffled
same messy messy_pipe
same messy messy_flipped
same ordered near_win
same ordered shuffled_win
same ordered shuffled_pipe_win
same ordered flipped_win
same messy messy_pipe_win
same crlf crlf_pipe
same crlf crlf_win

# The messy inputs were counted, not dropped: the duplicated ids, the bad
# lines (not JSON, no _id) and the torn line.
python3 - "$T/messy.json" "$T/ordered.json" <<'PY' || fail "messy counts"
import json, sys
m, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = m["totals"]
got = (t["duplicates"]["baseline"], t["duplicates"]["candidate"], t["bad_lines"])
if got != (1, 1, 2):
    print("duplicates and bad lines %r, want (1, 1, 2)" % (got,), file=sys.stderr)
    sys.exit(1)
if m["totals"]["compared"] != o["totals"]["compared"]:
    print("compared %d, want %d" % (m["totals"]["compared"], o["totals"]["compared"]), file=sys.stderr)
    sys.exit(1)
PY
grep -q "last line is incomplete" "$T/messy.err" || fail "no warning for the torn line"
grep -q "no readable _id" "$T/messy.err" || fail "no warning for the record without _id"
[ "$(sed "s|$T/crlf-base.jsonl|-|" "$T/crlf.err")" = "$(cat "$T/crlf_pipe.err")" ] ||
    fail "crlf: warnings differ between file and pipe"
python3 - "$T/crlf.json" "$T/ordered.json" <<'PY' || fail "crlf counts"
import json, sys
c, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if (c["totals"]["compared"], c["totals"]["bad_lines"]) != (o["totals"]["compared"], 2):
    print("crlf: compared %d bad %d" % (c["totals"]["compared"], c["totals"]["bad_lines"]), file=sys.stderr)
    sys.exit(1)
PY
echo "compare_join: 14 orders, inputs and windows agree" >&2
exit 0
