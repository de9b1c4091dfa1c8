#!/bin/sh
# e2e_demo.sh: the demo's chain as a test.  The driver's traffic to a legacy
# simulator is captured live on lo (every request must be captured), then
# replayed at a new simulator, once clean and once per seeded regression,
# with a second legacy simulator as the secondary.  Clean: verdict pass,
# parity 100%.  Each regression alone: verdict fail, and report.json names
# the endpoint and path it broke (the latency gate rule for `latency`).
# Needs root or CAP_NET_RAW for the live capture; leaves no process behind.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
count=${E2E_COUNT:-150}
started=""

it_need cutover-capture cutover-replay cutover-compare cutover-sim cutover-driver
it_need_cmd python3
if [ "$(id -u)" -ne 0 ]; then
    eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
    if [ $(( (0x$eff >> 13) & 1 )) -eq 0 ]; then
        echo "live capture on lo needs root or CAP_NET_RAW (run: sudo make test)" >&2
        exit 77
    fi
fi

fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# start_sim NAME ARGS...: a simulator on a free port; sets $port and $last.
start_sim() {
    name=$1
    shift
    "$bin/cutover-sim" --port 0 --latency-ms 25 --jitter-ms 5 "$@" >"$tmp/$name.port" 2>"$tmp/$name.log" &
    last=$!
    it_bg "$last"
    started="$started $last"
    port=$(it_port "$tmp/$name.port") || { echo "simulator $name did not start: $(cat "$tmp/$name.log")"; exit 1; }
}

stop_pid() {
    kill -TERM "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

start_sim legacy --flavor legacy --seed 7
legacy=$port
start_sim secondary --flavor legacy --seed 7
secondary=$port

# --- capture the driver's traffic --------------------------------------------
"$bin/cutover-capture" -i lo -f "tcp port $legacy" -o "$tmp/capture.jsonl" 2>"$tmp/capture.log" &
cap=$!
it_bg "$cap"
started="$started $cap"
i=0
while ! grep -qs 'listening on' "$tmp/capture.log" && [ $i -lt 50 ]; do
    kill -0 "$cap" 2>/dev/null || { echo "cutover-capture exited at once: $(cat "$tmp/capture.log")"; exit 1; }
    sleep 0.1
    i=$((i + 1))
done
grep -qs 'listening on' "$tmp/capture.log" || fail "cutover-capture did not say it is listening in 5 s"
"$bin/cutover-driver" --count "$count" --concurrency 4 --seed 5 "http://127.0.0.1:$legacy" \
    >"$tmp/driver.txt" 2>"$tmp/driver.log" || { echo "driver failed: $(cat "$tmp/driver.log")"; exit 1; }
sleep 0.5
kill -INT "$cap"
wait "$cap"
rc=$?
forget "$cap"
[ "$rc" -eq 0 ] || fail "cutover-capture exited $rc: $(tail -n 3 "$tmp/capture.log")"
sent=$(sed -n 's/^sent \([0-9]*\) requests.*/\1/p' "$tmp/driver.txt")
captured=$(wc -l <"$tmp/capture.jsonl" | tr -d ' ')
echo "driver sent $sent requests; capture wrote $captured exchanges"
[ "$sent" = "$count" ] || fail "driver sent $sent of $count"
if [ "$captured" != "$sent" ]; then
    fail "captured $captured exchanges of $sent requests; cutover-capture says:"
    grep 'final:' "$tmp/capture.log"
fi
python3 - "$tmp/capture.jsonl" "$tmp/driver.txt" <<'EOF' || fail "captured endpoints differ from the driver's"
import json, re, sys
want = {}
for line in open(sys.argv[2]):
    m = re.match(r"\s+(\S+ \S+)\s+(\d+)$", line)
    if m: want[m.group(1)] = int(m.group(2))
got = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    path = e["request"].get("_target", "").split("?")[0]
    if path.startswith("/v1/messages/"): path = "/v1/messages/{id}"
    k = e["request"]["method"] + " " + path
    got[k] = got.get(k, 0) + 1
    assert e["response"]["status"] > 0, "exchange %s has no response" % e.get("_id")
print("captured per endpoint:", got)
sys.exit(0 if got == {k: v for k, v in want.items() if v} else 1)
EOF

# --- replay and compare, clean and with each regression ----------------------
# run_case NAME REGRESS: replay at a new simulator, compare; sets $crc.
run_case() {
    start_sim "new-$1" --flavor new --seed 7 ${2:+--regress "$2"}
    newsim=$last
    d="$tmp/$1"
    mkdir -p "$d"
    "$bin/cutover-replay" -t "http://127.0.0.1:$port" -o "$d/candidate.jsonl" \
        --secondary "http://127.0.0.1:$secondary" --secondary-out "$d/secondary.jsonl" \
        "$tmp/capture.jsonl" 2>"$d/replay.log"
    rrc=$?
    stop_pid "$newsim"
    [ "$rrc" -eq 0 ] || { fail "$1: cutover-replay exited $rrc: $(tail -n 3 "$d/replay.log")"; crc=9; return; }
    # 150 requests hold about 15 pushes: below compare's default of 30
    # latency samples, which would pass the latency rules as "not enough data".
    "$bin/cutover-compare" --secondary "$d/secondary.jsonl" --min-samples 10 --json "$d/report.json" \
        --html "$d/report.html" --junit "$d/junit.xml" --markdown "$d/summary.md" \
        "$tmp/capture.jsonl" "$d/candidate.jsonl" >"$d/compare.txt" 2>"$d/compare.log"
    crc=$?
}

# expect NAME PYTHON-CONDITION: assert on report.json (r) of case NAME.
expect() {
    python3 - "$tmp/$1/report.json" "$2" <<'EOF' || fail "$1: report.json does not satisfy: $2"
import json, sys
r = json.load(open(sys.argv[1]))
diffs, gate = r.get("differences", []), r.get("gate", [])
def diff(endpoint, where, path=None, kind=None):
    return any(d.get("endpoint") == endpoint and d.get("where") == where
               and (path is None or d.get("path") == path or d.get("path", "").startswith(path + "["))
               and (kind is None or d.get("kind") == kind) for d in diffs)
def gate_failed(scope, word):
    return any(not g.get("passed") and g.get("scope") == scope and word in g.get("rule", "")
               for g in gate)
ok = eval(sys.argv[2])
if not ok:
    print("  verdict:", r.get("verdict"), "totals:", r.get("totals"))
    for g in gate:
        if not g.get("passed"): print("  gate failed:", g)
    for d in diffs[:12]: print("  difference:", d)
sys.exit(0 if ok else 1)
EOF
}

run_case clean ""
echo "clean: compare exit $crc"
[ "$crc" -eq 0 ] || fail "clean: compare exit status $crc, want 0"
expect clean 'r["verdict"] == "pass" and r["totals"]["parity_pct"] == 100.0'

for c in status segments drop order latency; do
    run_case "$c" "$c"
    echo "$c: compare exit $crc"
    [ "$crc" -eq 1 ] || fail "$c: compare exit status $crc, want 1"
done
expect status 'r["verdict"] == "fail" and diff("POST /v1/sms", "status")'
expect segments 'r["verdict"] == "fail" and diff("POST /v1/sms", "body", "$.segments")'
expect drop 'r["verdict"] == "fail" and diff("POST /v1/email", "body", "$.recipient", "missing")'
expect order 'r["verdict"] == "fail" and diff("GET /v1/templates", "body", "$.templates")'
expect latency 'r["verdict"] == "fail" and (gate_failed("POST /v1/push", "p50") or gate_failed("POST /v1/push", "p99"))'

# --- nothing left running --------------------------------------------------------
for p in $started; do stop_pid "$p"; done
for p in $started; do
    kill -0 "$p" 2>/dev/null && fail "process $p ($(ps -o args= -p "$p")) is still running"
done

[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
echo "e2e: capture complete, clean run passes, each of 5 regressions caught"
