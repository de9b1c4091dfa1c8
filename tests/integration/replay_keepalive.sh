#!/bin/sh
# replay_keepalive.sh: every request reaches the server as recorded (method,
# target, headers minus the rewritten ones, body), over fewer connections
# than requests (keep-alive reuse); one 0600 record per input record.
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
gen_input "$W/in.jsonl" 60 /v1/sms /status/204 "/q?a=1&b=%2F"
"$R" -q -t "$URL" --max --concurrency 4 -o "$W/out.jsonl" "$W/in.jsonl" || fail "replay exited $?"
[ "$(ids "$W/out.jsonl")" = "$(ids "$W/in.jsonl")" ] || fail "output ids differ from input ids"
mode=$(stat -c %a "$W/out.jsonl"); [ "$mode" = 600 ] || fail "output mode $mode, want 600"
python3 - "$W/in.jsonl" "$W/out.jsonl" "$W/srv.log" "$PORT" <<'PY' || exit 1
import json, sys
inp = {}
for l in open(sys.argv[1]):
    o = json.loads(l); inp[o["request"]["headers"][3]["value"]] = o
out = [json.loads(l) for l in open(sys.argv[2])]
srv = [json.loads(l) for l in open(sys.argv[3])]
port = sys.argv[4]
assert len(srv) == 60, "server saw %d requests" % len(srv)
conns = {r["conn"] for r in srv}
assert len(conns) <= 4, "%d connections for 60 requests" % len(conns)
marker = None
for r in srv:
    h = {k.lower(): v for k, v in r["headers"]}
    e = inp[h["x-request-id"]]["request"]
    assert r["method"] == e["method"] and r["path"] == e["_target"], (r, e)
    assert h["host"] == "127.0.0.1:" + port, h
    assert "connection" not in h, h
    assert h["user-agent"] == "app/1.0"
    assert "accept" not in h, "libcurl's default Accept leaked in"
    marker = marker or h["x-cutover-replay"]
    assert h["x-cutover-replay"] == marker and len(marker) == 16
    if e["method"] == "POST":
        assert r["body"] == e["postData"]["text"], (r["body"], e["postData"])
        assert h["content-type"] == "application/json"
        assert int(h["content-length"]) == len(r["body"].encode())
    else:
        assert "content-type" not in h and r["body"] == ""
for o in out:
    st = o["response"]["status"]
    p = o["request"]["_target"]
    assert st == (204 if p == "/status/204" else 200), (p, st)
    assert "_error" not in o and o["timings"]["wait"] >= 0 and o["time"] >= o["timings"]["wait"]
    assert o["request"]["url"] == "http://127.0.0.1:%s%s" % (port, p)
PY
echo "keep-alive: ok"
