#!/bin/sh
# replay_safety.sh: --set-json rewrites what the server actually receives;
# --dry-run prints the requests and sends nothing; --set-header and the
# marker header arrive; a bad input line stops the run with exit 2 naming
# file:line, or is skipped with --on-bad-input skip.
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
gen_input "$W/in.jsonl" 6 /v1/sms /a
"$R" -q --dry-run -t "$URL" --set-json '$.to=+15550100000' "$W/in.jsonl" > "$W/dry.txt" ||
    fail "dry run exited $?"
[ -s "$W/srv.log" ] && fail "--dry-run sent requests"
grep -q "^POST $URL/v1/sms HTTP/1.1\$" "$W/dry.txt" || fail "dry run does not show the POST line"
grep -q '"to":"+15550100000"' "$W/dry.txt" || fail "dry run does not show the rewritten body"
grep -q '^X-Cutover-Replay: [0-9a-f]\{16\}$' "$W/dry.txt" || fail "dry run lacks the marker header"

"$R" -q -t "$URL" --max --set-json '$.to=+15550100000' --set-header 'Authorization: Bearer sandbox' \
    --mark-header 'X-Shadow: yes' -o "$W/out.jsonl" "$W/in.jsonl" || fail "replay exited $?"
python3 - "$W/srv.log" <<'PY' || exit 1
import json, sys
srv = [json.loads(l) for l in open(sys.argv[1])]
assert len(srv) == 6
posts = [r for r in srv if r["method"] == "POST"]
assert len(posts) == 3
for r in srv:
    h = {k.lower(): v for k, v in r["headers"]}
    assert h["authorization"] == "Bearer sandbox" and h["x-shadow"] == "yes", h
for r in posts:
    b = json.loads(r["body"])
    assert b["to"] == "+15550100000" and b["text"].startswith("hello "), b
PY

# a bad line in the middle
head -n 2 "$W/in.jsonl" > "$W/bad.jsonl"; echo '{"_id": "x", oops' >> "$W/bad.jsonl"
tail -n 2 "$W/in.jsonl" >> "$W/bad.jsonl"
"$R" -q -t "$URL" --max -o "$W/b.jsonl" "$W/bad.jsonl" 2> "$W/err.txt"; rc=$?
[ $rc -eq 2 ] || fail "bad input line: exit $rc, want 2"
grep -q "bad.jsonl:3:" "$W/err.txt" || fail "error does not name bad.jsonl:3: $(cat "$W/err.txt")"
"$R" -q -t "$URL" --max --on-bad-input skip -o "$W/b.jsonl" "$W/bad.jsonl" 2> "$W/err.txt" ||
    fail "--on-bad-input skip exited $?"
[ "$(wc -l < "$W/b.jsonl")" -eq 4 ] || fail "skip: want the 4 good records"
# usage and environment errors
"$R" -q -t "ftp://x" "$W/in.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "unusable URL must exit 2"
"$R" -q -t "$URL" "$W/missing.jsonl" -o "$W/m.jsonl" 2>/dev/null; [ $? -eq 2 ] || fail "missing input must exit 2"
for bad in "--speed nan" "--timeout inf" "--rate 5x" "--concurrency 0" "--loop 1.5"; do
    # shellcheck disable=SC2086 # the option and its value are two words
    "$R" -q --dry-run -t "$URL" $bad "$W/in.jsonl" >/dev/null 2>"$W/opt.err"; rc=$?
    [ $rc -eq 2 ] || fail "$bad: exit $rc, want 2"
    grep -q "bad value for ${bad%% *}" "$W/opt.err" || fail "$bad: message: $(cat "$W/opt.err")"
done
"$R" -q -t "$URL" -o /nonexistent/dir/out.jsonl "$W/in.jsonl" 2>/dev/null; [ $? -eq 3 ] || fail "unwritable output must exit 3"
echo "safety: ok"
