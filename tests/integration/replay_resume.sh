#!/bin/sh
# replay_resume.sh: a run killed with SIGKILL mid-way and then resumed ends
# with every input id exactly once in the output; --resume sends only the
# missing ones.
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
gen_input "$W/in.jsonl" 400 /v1/sms /a
"$R" -q -t "$URL" --rate 250 --concurrency 8 -o "$W/out.jsonl" "$W/in.jsonl" &
RUN_PID=$!
sleep 0.8
kill -9 "$RUN_PID"; wait "$RUN_PID" 2>/dev/null; RUN_PID=""
first=$(wc -l < "$W/out.jsonl")
[ "$first" -gt 0 ] && [ "$first" -lt 400 ] || fail "killed run wrote $first records; want some, not all"
# a torn last line, as a kill during write(2) would leave
printf '{"_id":"r399","startedDateT' >> "$W/out.jsonl"
"$R" -q -t "$URL" --max --resume -o "$W/out.jsonl" "$W/in.jsonl" || fail "resume exited $?"
[ "$(ids "$W/out.jsonl")" = "$(ids "$W/in.jsonl")" ] || fail "after resume the ids are not each input id once"
again=$(wc -l < "$W/srv.log")
# a resume of a finished run sends nothing
"$R" -q -t "$URL" --max --resume -o "$W/out.jsonl" "$W/in.jsonl" || fail "second resume exited $?"
[ "$(wc -l < "$W/srv.log")" -eq "$again" ] || fail "resume of a complete output sent requests"
[ "$(wc -l < "$W/out.jsonl")" -eq 400 ] || fail "output grew on a complete resume"
echo "resume: ok ($first records before the kill)"
