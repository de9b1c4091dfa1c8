#!/bin/sh
# compare_chromium.sh: report.html from hostile traffic, opened in headless
# Chromium: the verdict and the endpoints table are in the rendered DOM, our
# script ran (it marks <body data-ready>), nothing from traffic ran (it
# would set the title), and the console shows no error or CSP refusal.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed" >&2; exit 77; }
BROWSER=""
for b in chromium chromium-browser; do
    command -v "$b" >/dev/null 2>&1 && BROWSER=$b && break
done
[ -n "$BROWSER" ] || { echo "chromium is not installed (scripts/deps.sh test installs it)" >&2; exit 77; }
CMP="$CUTOVER_BIN/cutover-compare"
T=${TMPDIR:-/tmp}/chromium.$$
mkdir -p "$T/profile"
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$CUTOVER_ROOT/tests/integration/compare_hostile.py" "$T" || fail "fixtures"
"$CMP" -q --html "$T/r.html" "$T/hostile-base.jsonl" "$T/hostile-cand.jsonl"
[ $? -eq 1 ] || fail "compare: want exit 1"

timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$T/profile" --enable-logging=stderr --v=0 \
    --dump-dom "file://$T/r.html" >"$T/dom.html" 2>"$T/console.log"
rc=$?
[ $rc -eq 0 ] || { tail -20 "$T/console.log" >&2; fail "chromium exit $rc"; }
[ -s "$T/dom.html" ] || fail "empty DOM dump"

python3 - "$T/dom.html" "$T/console.log" <<'PY' || exit 1
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
log = open(sys.argv[2], encoding="utf-8", errors="replace").read()
def need(cond, why):
    if not cond:
        print("FAIL:", why, file=sys.stderr)
        sys.exit(1)
need(re.search(r'<title>cutover-compare: FAIL</title>', dom), "title unchanged (no injected script ran)")
need("pwned" not in re.sub(r"&lt;script&gt;.*?&lt;/script&gt;", "", dom), "no trace of the injection outside escaped text")
need(re.search(r'<span id="verdict"[^>]*>FAIL</span>', dom), "verdict shown")
need(re.search(r'<table id="endpoints"', dom) and dom.count("<tr class=\"f") >= 2, "endpoint table rendered")
need('data-ready="1"' in dom, "the report's own script ran to its end")
bad = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l or "Refused to" in l
       or "Content Security Policy" in l]
need(not bad, "console errors: %s" % bad[:3])
PY
echo "compare_chromium: all checks passed"
