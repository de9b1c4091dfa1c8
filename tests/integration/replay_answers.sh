#!/bin/sh
# replay_answers.sh: chunked and gzip answers are recorded decoded (gzip with
# content.compression); a slow answer beyond --timeout, a refused port and a
# reset connection become records with _error and status 0, not failures.
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
gen_input "$W/in.jsonl" 5 /chunked /gzip "/slow?ms=3000" /reset /status/503
# Both engines must record the same answers the same way.
for engine in native curl; do
start=$(date +%s)
"$R" -q -t "$URL" --engine $engine --max --timeout 0.7 -o "$W/out.jsonl" "$W/in.jsonl" || fail "replay ($engine) exited $?"
[ $(( $(date +%s) - start )) -le 3 ] || fail "--timeout 0.7 did not cut the slow answer ($engine)"
python3 - "$W/out.jsonl" <<'PY' || fail "engine $engine"
import json, sys
by = {json.loads(l)["request"]["_target"]: json.loads(l) for l in open(sys.argv[1])}
c = by["/chunked"]["response"]
assert c["status"] == 200 and c["content"]["text"] == "hello chunked world", c
z = by["/gzip"]["response"]
assert z["status"] == 200 and z["content"]["text"] == '{"zipped":"' + "z" * 200 + '"}', z
assert z["content"]["compression"] > 0 and z["bodySize"] < z["content"]["size"], z
s = by["/slow?ms=3000"]
assert s["_error"] == "timeout" and s["response"]["status"] == 0, s
r = by["/reset"]
assert r["_error"] == "reset" and r["response"]["status"] == 0, r
assert by["/status/503"]["response"]["status"] == 503
PY
done
# nothing listens on the port of a server that was stopped
kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; SRV_PID=""
"$R" -q -t "$URL" --max -o "$W/refused.jsonl" "$W/in.jsonl" || fail "unreachable target must not be fatal ($?)"
python3 - "$W/refused.jsonl" <<'PY' || exit 1
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 5
for o in recs:
    assert o["_error"] == "refused" and o["response"]["status"] == 0, o
PY
echo "answers: ok"
