#!/bin/sh
# replay_shard.sh: three --shard K/3 runs together send every input id
# exactly once (their outputs concatenate to the input's id set), and each
# shard is a real share; --sample is stable between runs.
. "$CUTOVER_ROOT/tests/integration/replay_common.inc"
start_server
gen_input "$W/in.jsonl" 300 /a /v1/sms
for k in 1 2 3; do
    "$R" -q -t "$URL" --max --shard $k/3 -o "$W/s$k.jsonl" "$W/in.jsonl" || fail "shard $k exited $?"
    n=$(wc -l < "$W/s$k.jsonl")
    [ "$n" -gt 50 ] && [ "$n" -lt 150 ] || fail "shard $k has $n of 300 records"
done
cat "$W/s1.jsonl" "$W/s2.jsonl" "$W/s3.jsonl" > "$W/all.jsonl"
[ "$(ids "$W/all.jsonl")" = "$(ids "$W/in.jsonl")" ] || fail "shards do not partition the input"
"$R" -q -t "$URL" --max --sample 20 -o "$W/p1.jsonl" "$W/in.jsonl" || fail "sample exited $?"
"$R" -q -t "$URL" --max --sample 20 -o "$W/p2.jsonl" "$W/in.jsonl" || fail "sample exited $?"
[ "$(ids "$W/p1.jsonl")" = "$(ids "$W/p2.jsonl")" ] || fail "--sample picked different ids twice"
n=$(wc -l < "$W/p1.jsonl"); [ "$n" -gt 30 ] && [ "$n" -lt 95 ] || fail "--sample 20 kept $n of 300"
"$R" -q -t "$URL" --max --limit 7 --include 'GET /a' -o "$W/l.jsonl" "$W/in.jsonl" || fail "limit exited $?"
[ "$(wc -l < "$W/l.jsonl")" -eq 7 ] || fail "--limit 7 gave $(wc -l < "$W/l.jsonl")"
grep -q '"method":"POST"' "$W/l.jsonl" && fail "--include 'GET /a' let a POST through"
echo "shard: ok"
