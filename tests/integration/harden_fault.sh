#!/bin/sh
# harden_fault.sh: cutover-replay against a server that misbehaves
# (tests/integration/fault_server.py) and against a closed port.  Each
# exchange must come out as one record: a response, or status 0 with an
# _error naming the fault; a server that never answers costs one --timeout,
# never more; the run goes on after every fault and ends with one record
# per input id.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
it_need cutover-replay
it_need_cmd python3

python3 "$here/fault_server.py" --port-file "$tmp/port" --log "$tmp/server.log" \
    2>"$tmp/server.err" &
it_bg $!
port=$(it_port "$tmp/port") || { echo "fault server did not start: $(cat "$tmp/server.err")"; exit 1; }

# The input: every fault three times, interleaved with good requests, as
# capture JSONL. ids f-<n>-<path>.
python3 - "$tmp/in.jsonl" <<'EOF'
import json, sys
paths = ["/ok", "/hang", "/slow?ms=300", "/slow?ms=5000", "/reset", "/badstatus",
         "/longbody", "/closeearly", "/eof", "/garbage"]
with open(sys.argv[1], "w") as f:
    n = 0
    for rnd in range(3):
        for p in paths:
            for target in (p, "/ok"):
                n += 1
                e = {"_id": "f-%d-%s" % (n, target.split("?")[0].strip("/")),
                     "startedDateTime": "2024-01-02T03:04:05.%03dZ" % n, "time": 1,
                     "request": {"method": "POST", "url": "http://legacy:8080" + target,
                                 "_target": target, "httpVersion": "HTTP/1.1",
                                 "headers": [{"name": "Host", "value": "legacy:8080"},
                                             {"name": "Content-Type", "value": "application/json"}],
                                 "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 8,
                                 "postData": {"mimeType": "application/json", "text": "{\"n\":%d}" % n}},
                     "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                                  "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "", "text": ""},
                                  "redirectURL": "", "headersSize": -1, "bodySize": 0},
                     "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
                f.write(json.dumps(e) + "\n")
EOF
n_in=$(wc -l <"$tmp/in.jsonl")

fails=0
check() { # check NAME CONDITION-STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
no_sanitizer() {
    ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$1"
}

# 60 exchanges, 6 of which hang or wait 5 s with --timeout 2: at
# --concurrency 4 that is at most two rounds of timeouts plus the rest.
start=$(date +%s)
timeout 60 "$bin/cutover-replay" -q --max --concurrency 4 --timeout 2 -t "http://127.0.0.1:$port" \
    -o "$tmp/out.jsonl" "$tmp/in.jsonl" 2>"$tmp/replay.err"
rc=$?
secs=$(($(date +%s) - start))
check "replay against faults exits 0 (got $rc)" "$([ $rc -eq 0 ]; echo $?)"
check "replay against faults took ${secs}s (bound 20s)" "$([ $secs -le 20 ]; echo $?)"
no_sanitizer "$tmp/replay.err"
check "no sanitizer report" $?
[ -s "$tmp/out.jsonl" ] && [ $(stat -c %a "$tmp/out.jsonl") = 600 ]
check "output is mode 0600" $?

# Every input id exactly once; per fault, the outcome it must have.
python3 - "$tmp/in.jsonl" "$tmp/out.jsonl" 2 <<'EOF'
import json, sys
ids_in = [json.loads(l)["_id"] for l in open(sys.argv[1])]
tmo = float(sys.argv[3])
out = {}
bad = 0
for l in open(sys.argv[2]):
    r = json.loads(l)
    i = r.get("_id")
    if i in out:
        print("FAIL id %s twice" % i); bad += 1
    out[i] = r
missing = [i for i in ids_in if i not in out]
extra = [i for i in out if i not in ids_in]
if missing or extra:
    print("FAIL missing %s extra %s" % (missing[:5], extra[:5])); bad += 1
# outcome classes: "ok" must be a 200; "error" must be status 0 with _error;
# "either" may be a 200 or an error, but not a 200 holding more than it should.
want = {"ok": "ok", "slow": None, "hang": "error", "reset": "error", "badstatus": "error",
        "longbody": "either", "closeearly": "ok", "eof": "error", "garbage": "error"}
for i, r in out.items():
    kind = i.split("-", 2)[2]
    st = r["response"]["status"]
    err = r.get("_error")
    w = want[kind]
    if kind == "slow":
        inp = next(json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["_id"] == i)
        w = "ok" if "ms=300" in inp["request"]["_target"] else "error"
    if w == "ok" and not (st == 200 and not err):
        print("FAIL %s: want 200, got %s %r" % (i, st, err)); bad += 1
    if w == "error" and not (st == 0 and err):
        print("FAIL %s: want status 0 and _error, got %s %r" % (i, st, err)); bad += 1
    if w == "either" and not ((st == 200 and not err) or (st == 0 and err)):
        print("FAIL %s: got %s %r" % (i, st, err)); bad += 1
    if kind == "longbody" and st == 200:
        txt = r["response"]["content"].get("text", "")
        if len(txt) > 5:
            print("FAIL %s: body longer than Content-Length kept: %r" % (i, txt)); bad += 1
    # a hang costs one timeout: the record's time must not exceed it by much
    t = r.get("time", 0)
    if t > (tmo + 1) * 1000:
        print("FAIL %s took %.0f ms, over --timeout %gs" % (i, t, tmo)); bad += 1
seen = {}
for i, r in out.items():
    seen.setdefault(i.split("-", 2)[2], set()).add("%s %s" % (r["response"]["status"], r.get("_error") or ""))
for k in sorted(seen):
    print("  %-10s %s" % (k, sorted(seen[k])))
print("records: %d for %d inputs; outcomes checked" % (len(out), len(ids_in)))
sys.exit(1 if bad else 0)
EOF
check "one record per input, each fault recorded as it should be" $?

# A refused connection (nothing listens on the port) is an error per
# exchange, not the end of the run.
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
head -n 6 "$tmp/in.jsonl" >"$tmp/in6.jsonl"
timeout 30 "$bin/cutover-replay" -q --max --timeout 2 -t "http://127.0.0.1:$cport" \
    -o "$tmp/refused.jsonl" "$tmp/in6.jsonl" 2>"$tmp/refused.err"
rc=$?
check "replay to a closed port ends (status $rc: 0 or 3)" "$([ $rc -eq 0 ] || [ $rc -eq 3 ]; echo $?)"
python3 - "$tmp/refused.jsonl" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
ok = len(rs) == 6 and all(r["response"]["status"] == 0 and r.get("_error") for r in rs)
print("refused: %d records, errors %s" % (len(rs), sorted({r.get("_error") for r in rs})))
sys.exit(0 if ok else 1)
EOF
check "a refused connection is one error record per exchange" $?
no_sanitizer "$tmp/refused.err"
check "no sanitizer report (refused)" $?

if [ $fails -ne 0 ]; then
    echo "--- replay stderr"; tail -n 20 "$tmp/replay.err"
    exit 1
fi
exit 0
