#!/bin/sh
# memcheck.sh: run the three tools under valgrind memcheck on small inputs
# (`make memcheck`): a crafted pcap through cutover-capture, its exchanges
# replayed by cutover-replay at the simulator, and the two compared by
# cutover-compare with every report.  Any invalid read or write, use of
# uninitialised memory, or definite/indirect leak fails.  Needs a release
# build (CUTOVER_BUILD, default build/rel): valgrind and ASan do not mix.
CUTOVER_ROOT=$(cd "$(dirname "$0")/.." && pwd)
CUTOVER_BIN="$CUTOVER_ROOT/${CUTOVER_BUILD:-build/rel}/bin"
. "$CUTOVER_ROOT/tests/integration/lib.sh"
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed (scripts/deps.sh test)" >&2; exit 2; }

vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --track-origins=yes"
pass=0
fail=0
skip=0
run() { # run NAME LOG CMD...: fails on valgrind's status 99 or a crash
    name=$1 log=$2
    shift 2
    timeout 300 $vg --log-file="$log" "$@" >"$log.out" 2>"$log.err"
    rc=$?
    if [ $rc -eq 99 ] || [ $rc -ge 124 ] || [ -s "$log" ]; then
        echo "FAIL $name (status $rc)"
        sed 's/^/    /' "$log" | head -n 40
        tail -n 5 "$log.err" | sed 's/^/    /'
        fail=$((fail + 1))
        return 1
    fi
    echo "ok   $name (status $rc)"
    pass=$((pass + 1))
    return 0
}

# Input: 40 keep-alive exchanges over 3 connections, crafted.
python3 "$here/harden_pcap.py" exchanges "$tmp/in.pcap" 40 --conns 3 || exit 1

base="$tmp/base.jsonl"
if [ -x "$bin/cutover-capture" ]; then
    run capture "$tmp/vg.capture" "$bin/cutover-capture" -q -r "$tmp/in.pcap" -o "$base"
else
    echo "skip capture: not built yet"
    skip=$((skip + 1))
fi
if [ ! -s "$base" ]; then
    # Without a capture, the same exchanges written as JSONL directly.
    python3 - "$base" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(40):
        body = '{"to":"+1555010%04d","text":"message %d","pad":""}' % (i, i)
        f.write(json.dumps({"_id": "m-%d" % i, "startedDateTime": "2024-01-02T03:04:05.000Z", "time": 1,
            "request": {"method": "POST", "url": "http://legacy:8080/v1/sms", "_target": "/v1/sms",
                        "httpVersion": "HTTP/1.1", "headers": [{"name": "Content-Type", "value": "application/json"}],
                        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(body),
                        "postData": {"mimeType": "application/json", "text": body}},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                         "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                         "redirectURL": "", "headersSize": -1, "bodySize": 2},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}) + "\n")
EOF
fi

cand="$tmp/cand.jsonl"
if [ -x "$bin/cutover-replay" ] && [ -x "$bin/cutover-sim" ]; then
    "$bin/cutover-sim" --port 0 --flavor new >"$tmp/port" 2>"$tmp/sim.log" &
    it_bg $!
    if port=$(it_port "$tmp/port"); then
        run replay "$tmp/vg.replay" "$bin/cutover-replay" -q --max --timeout 20 \
            -t "http://127.0.0.1:$port" -o "$cand" "$base"
    else
        echo "FAIL replay: the simulator did not start"
        fail=$((fail + 1))
    fi
else
    echo "skip replay: not built yet"
    skip=$((skip + 1))
fi

if [ -x "$bin/cutover-compare" ] && [ -s "$cand" ]; then
    # compare exits 1 when its gate fails: that is a verdict, not a fault.
    run compare "$tmp/vg.compare" "$bin/cutover-compare" --json "$tmp/r.json" \
        --html "$tmp/r.html" --junit "$tmp/r.xml" --markdown "$tmp/r.md" "$base" "$cand"
else
    echo "skip compare: not built yet (or no replay output)"
    skip=$((skip + 1))
fi
echo "memcheck: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
