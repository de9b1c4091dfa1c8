#!/bin/sh
# compare_golden.sh: cutover-compare end to end on generated and hand-made
# fixtures, checking report.json fields (not whole files) with python3.
# The "done when" cases of issue 4: harmless variation gives parity 100%
# and exit 0; a changed status, a computed field, a dropped field, a
# reordered array and a slower p99 each show up under the right endpoint
# and path, with exit 1.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
CMP="$CUTOVER_BIN/cutover-compare"
FIX="$CUTOVER_ROOT/tests/fixtures/compare"
T=${TMPDIR:-/tmp}/golden.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$CUTOVER_ROOT/tests/integration/compare_fixtures.py" "$T" 200 || fail "fixture generator"

# check REPORT PYTHON-EXPRESSION...: each expression over r (the report) must hold
check() {
    f=$1; shift
    python3 - "$f" "$@" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
def diff(ep, path, kind, where="body"):
    return [d for d in r["differences"] if d["endpoint"] == ep and d["path"] == path
            and d["kind"] == kind and d["where"] == where]
def gate(rule, scope):
    return [g for g in r["gate"] if g["rule"] == rule and g["scope"] == scope]
def ep(name):
    return [e for e in r["endpoints"] if e["endpoint"] == name][0]
for expr in sys.argv[2:]:
    if not eval(expr):
        print("check failed on %s: %s" % (sys.argv[1], expr), file=sys.stderr)
        sys.exit(1)
PY
}

# 1. same semantics: ids, timestamps, key order, numbers, whitespace, chunked, volatile headers
"$CMP" -q --json "$T/same.json" "$T/baseline.jsonl" "$T/same.jsonl"; rc=$?
[ $rc -eq 0 ] || fail "same semantics: exit $rc, want 0"
check "$T/same.json" 'r["verdict"] == "pass"' 'r["totals"]["parity_pct"] == 100' \
    'r["totals"]["compared"] == 1000' 'r["differences"] == []' \
    'all(n["reason"] == "unique" for n in r["noise"])' \
    'any(n["path"] == "$.message_id" and n["endpoint"] == "POST /v1/sms" for n in r["noise"])' \
    'len(r["endpoints"]) == 5' 'all(g["passed"] for g in r["gate"])' \
    'set(r["totals"]) >= {"exchanges","compared","matched","mismatched","missing","errors","parity_pct"}'

# 2. with a secondary the same noise is explained by the secondary instead
"$CMP" -q --secondary "$T/secondary.jsonl" --json "$T/sec.json" "$T/baseline.jsonl" "$T/same.jsonl"; rc=$?
[ $rc -eq 0 ] || fail "secondary: exit $rc, want 0"
check "$T/sec.json" 'r["totals"]["parity_pct"] == 100' \
    'r["noise"] and all(n["reason"] == "secondary" for n in r["noise"])' \
    'ep("POST /v1/sms")["latency_ms"]["reference"] == "secondary"'

# 3. --strict turns the unique-value layer off
"$CMP" -q --strict --json "$T/strict.json" "$T/baseline.jsonl" "$T/same.jsonl"; rc=$?
[ $rc -eq 1 ] || fail "strict: exit $rc, want 1"
check "$T/strict.json" 'diff("POST /v1/sms", "$.message_id", "value")'

# 4. the seeded faults
"$CMP" -q --json "$T/bad.json" --html "$T/bad.html" --junit "$T/bad.xml" --markdown "$T/bad.md" \
    "$T/baseline.jsonl" "$T/bad.jsonl"; rc=$?
[ $rc -eq 1 ] || fail "faults: exit $rc, want 1"
check "$T/bad.json" 'r["verdict"] == "fail"' \
    'diff("POST /v1/sms", "status", "value", "status")[0]["count"] == 200' \
    'diff("GET /v1/messages/{id}", "$.segments", "value")[0]["count"] == 200' \
    'diff("POST /v1/email", "$.queued", "missing")' \
    'diff("GET /v1/messages", "$.items", "order")' \
    'not gate("max-p99-ratio", "POST /v1/push")[0]["passed"]' \
    'gate("max-p99-ratio", "POST /v1/push")[0]["p_value"] < 0.01' \
    'all(g["passed"] for g in gate("max-p99-ratio", "POST /v1/sms"))' \
    'gate("min-parity", "POST /v1/push")[0]["passed"]' \
    'not gate("min-parity", "POST /v1/email")[0]["passed"]' \
    'len(diff("GET /v1/messages/{id}", "$.segments", "value")[0]["examples"]) == 3' \
    'ep("POST /v1/push")["latency_ms"]["p99_ratio"] > 2'
for f in bad.html bad.xml bad.md; do [ -s "$T/$f" ] || fail "$f not written"; done
perm=$(stat -c %a "$T/bad.json"); [ "$perm" = 600 ] || fail "report.json mode $perm, want 600"
python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])" "$T/bad.xml" || fail "junit.xml is not XML"
grep -q 'FAIL' "$T/bad.md" || fail "summary.md has no verdict"

# 5. the candidate on standard input, and as a HAR document
cat "$T/same.jsonl" | "$CMP" -q --json "$T/stdin.json" "$T/baseline.jsonl" - || fail "stdin candidate"
check "$T/stdin.json" 'r["totals"]["parity_pct"] == 100 and r["totals"]["compared"] == 1000'
cat "$T/baseline.jsonl" | "$CMP" -q --json "$T/stdin2.json" - "$T/same.jsonl" || fail "stdin baseline"
check "$T/stdin2.json" 'r["totals"]["parity_pct"] == 100 and r["totals"]["compared"] == 1000'
python3 - "$T/bad.jsonl" "$T/bad.har" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
json.dump({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}},
          open(sys.argv[2], "w"), indent=1)
PY
"$CMP" -q --json "$T/har.json" "$T/baseline.jsonl" "$T/bad.har"; rc=$?
[ $rc -eq 1 ] || fail "HAR document: exit $rc, want 1"
check "$T/har.json" 'r["totals"]["compared"] == 1000' 'diff("GET /v1/messages", "$.items", "order")'
cat "$T/bad.har" | "$CMP" -q --json "$T/har2.json" "$T/baseline.jsonl" -; rc=$?
[ $rc -eq 1 ] || fail "HAR document on stdin: exit $rc, want 1"
check "$T/har2.json" 'r["totals"]["compared"] == 1000' 'r["totals"]["missing"] == 0'

# 6. missing, extra, duplicates, errors, huge integers, text bodies
"$CMP" -q --json "$T/small.json" "$FIX/small-baseline.jsonl" "$FIX/small-candidate.jsonl"; rc=$?
[ $rc -eq 1 ] || fail "small: exit $rc, want 1"
check "$T/small.json" 'r["totals"]["exchanges"] == 5' 'r["totals"]["compared"] == 3' \
    'r["totals"]["matched"] == 1' 'r["totals"]["missing"] == 1' 'r["totals"]["extra"] == 1' \
    'r["totals"]["errors"] == 1' 'r["totals"]["duplicates"]["baseline"] == 1' \
    'diff("GET /v1/things/{id}", "$.big", "value")' 'diff("GET /v1/other", "$", "value")' \
    'ep("GET /v1/new")["extra"] == 1' 'ep("GET /v1/things/{id}")["missing"] == 1'

# 7. the config file: rules and per-endpoint overrides; the command line wins
"$CMP" -q --config "$FIX/override.json" --min-parity 0 --json "$T/cfg.json" \
    "$FIX/small-baseline.jsonl" "$FIX/small-candidate.jsonl"; rc=$?
[ $rc -eq 0 ] || fail "config: exit $rc, want 0"
check "$T/cfg.json" 'any(n["path"] == "$.big" and n["reason"] == "rule" for n in r["noise"])' \
    'gate("min-parity", "GET /v1/things/{id}")[0]["threshold"] == 40' \
    'gate("min-parity", "overall")[0]["threshold"] == 0' \
    'gate("max-missing", "overall")[0]["threshold"] == 50'

# 8. usage and input errors exit 2
"$CMP" -q "$T/baseline.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "one input: want exit 2"
"$CMP" -q --min-parity abc "$T/baseline.jsonl" "$T/same.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "bad number: want 2"
"$CMP" -q --ignore 'nope' "$T/baseline.jsonl" "$T/same.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "bad path: want 2"
"$CMP" -q "$T/nonexistent.jsonl" "$T/same.jsonl" 2>"$T/err"; [ $? -eq 2 ] || fail "missing file: want 2"
grep -q nonexistent "$T/err" || fail "missing file: message does not name the file"
echo '{"thresholds":{"min-parity":"x"}}' >"$T/bad-config.json"
"$CMP" -q --config "$T/bad-config.json" "$T/baseline.jsonl" "$T/same.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "bad config: want 2"
"$CMP" --help | grep -q -- '--max-p99-ratio' || fail "--help"
"$CMP" --version | grep -q 'cutover-compare' || fail "--version"
echo "compare_golden: all checks passed"
