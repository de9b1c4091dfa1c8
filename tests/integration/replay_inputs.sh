#!/bin/sh
# replay_inputs.sh: the other inputs and modes: a GoReplay .gor file, a HAR
# document, a live pipe (each record sent as it arrives), --secondary with
# its own output, --loop ids, and SIGTERM (in-flight answers still written).
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
SEP=$(printf '\360\237\220\265\360\237\231\210\360\237\231\211')
{
    printf '1 0001 1700000000000000000 0\nPOST /v1/sms HTTP/1.1\r\nHost: old\r\nContent-Length: 9\r\n\r\n{"to":1}\n'
    printf '\n%s\n' "$SEP"
    printf '2 0001 1700000000004000000 4000000\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'
    printf '\n%s\n' "$SEP"
    printf '1 0002 1700000000010000000 0\nGET /a?b=1 HTTP/1.1\r\nHost: old\r\n\r\n'
    printf '\n%s\n' "$SEP"
} > "$W/in.gor"
"$R" -q -t "$URL" -o "$W/gor.jsonl" "$W/in.gor" || fail ".gor replay exited $?"
[ "$(ids "$W/gor.jsonl" | tr '\n' ' ')" = "0001 0002 " ] || fail ".gor ids: $(ids "$W/gor.jsonl")"
grep -q '"path": "/a?b=1"' "$W/srv.log" || fail ".gor GET did not arrive"
grep -q '"body": "{\\"to\\":1}\\n"' "$W/srv.log" || fail ".gor POST body did not arrive intact"

gen_input "$W/in.jsonl" 4 /a /b
python3 - "$W/in.jsonl" "$W/doc.har" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
json.dump({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}},
          open(sys.argv[2], "w"), indent=2)
PY
"$R" -q -t "$URL" --max -o "$W/har.jsonl" "$W/doc.har" || fail "HAR document exited $?"
[ "$(ids "$W/har.jsonl")" = "$(ids "$W/in.jsonl")" ] || fail "HAR document ids"

# live: records written to the pipe one by one are answered before the pipe closes
: > "$W/srv.log"
( head -n 1 "$W/in.jsonl"; sleep 1.5; tail -n 1 "$W/in.jsonl" ) |
    "$R" -q -t "$URL" -o "$W/live.jsonl" - &
RUN_PID=$!
sleep 0.8
[ "$(wc -l < "$W/srv.log")" -eq 1 ] || fail "live: the first record was not sent on arrival"
wait "$RUN_PID" || fail "live replay exited $?"; RUN_PID=""
[ "$(wc -l < "$W/live.jsonl")" -eq 2 ] || fail "live: want 2 records"

# secondary + loop
"$R" -q -t "$URL" --secondary "$URL/legacy" --secondary-out "$W/sec.jsonl" --max --loop 2 \
    -o "$W/loop.jsonl" "$W/in.jsonl" || fail "secondary/loop exited $?"
want=$(printf 'r0\nr0~2\nr1\nr1~2\nr2\nr2~2\nr3\nr3~2')
[ "$(ids "$W/loop.jsonl")" = "$want" ] || fail "loop ids: $(ids "$W/loop.jsonl")"
[ "$(ids "$W/sec.jsonl")" = "$want" ] || fail "secondary ids: $(ids "$W/sec.jsonl")"
grep -q '"path": "/legacy/a"' "$W/srv.log" || fail "secondary requests did not carry the URL prefix"

# SIGTERM: stop sending, but write the answers in flight
gen_input "$W/slow.jsonl" 20 "/slow?ms=700"
"$R" -q -t "$URL" --max --concurrency 4 -o "$W/term.jsonl" "$W/slow.jsonl" &
RUN_PID=$!
sleep 0.3
kill -TERM "$RUN_PID"; wait "$RUN_PID"; rc=$?; RUN_PID=""
[ $rc -eq 3 ] || fail "interrupted run: exit $rc, want 3"
[ "$(wc -l < "$W/term.jsonl")" -eq 4 ] || fail "SIGTERM: want the 4 in-flight answers, got $(wc -l < "$W/term.jsonl")"
grep -q '"_error"' "$W/term.jsonl" && fail "SIGTERM: in-flight requests were cut short"
echo "inputs: ok"
