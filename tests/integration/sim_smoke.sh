#!/bin/sh
# sim_smoke.sh: the notification-platform simulator answers every endpoint
# over real HTTP (curl): statuses, gzip, chunked answers and uploads, HEAD,
# keep-alive, Connection: close, 100-continue; the driver's whole mix gets
# answers; SIGTERM stops the simulator with status 0.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
command -v curl >/dev/null || { echo "curl is not installed (scripts/deps.sh test)" >&2; exit 77; }

fails=0
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}

"$bin/cutover-sim" --port 0 --flavor legacy >"$tmp/port" 2>"$tmp/sim.log" &
pid=$!
it_bg "$pid"
port=$(it_port "$tmp/port") || { echo "simulator did not start: $(cat "$tmp/sim.log")"; exit 1; }
u="http://127.0.0.1:$port"
J='Content-Type: application/json'

st() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }

check "GET /healthz" 200 "$(st "$u/healthz")"
check "HEAD /healthz has no body" "200 0" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$u/healthz")"
check "POST /v1/sms GSM-7" 201 "$(st -H "$J" -d '{"to":"+4915112345678","text":"Hello"}' "$u/v1/sms")"
check "sms answer" "1 GSM-7" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["segments"], d["encoding"])' "$tmp/body")"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message_id"])' "$tmp/body")
check "POST /v1/sms invalid recipient" 400 "$(st -H "$J" -d '{"to":"0151","text":"x"}' "$u/v1/sms")"
check "error body" invalid_recipient "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$tmp/body")"
check "POST /v1/sms not JSON" 400 "$(st -H "$J" -d '{"to":' "$u/v1/sms")"
check "POST /v1/sms wrong type" 415 "$(st -H 'Content-Type: text/plain' -d 'x' "$u/v1/sms")"
check "POST /v1/email" 202 "$(st -H "$J" -d '{"to":"a@example.com","subject":"Hi","text":"t","attachments":[{"filename":"a.txt","content":"aGVsbG8="}]}' "$u/v1/email")"
check "POST /v1/push" 201 "$(st -H "$J" -d '{"device_token":"0123456789abcdef0123456789abcdef","title":"t","body":"b","badge":2,"data":{"k":1}}' "$u/v1/push")"
check "POST /v1/batch" 207 "$(st -H "$J" -d '{"messages":[{"channel":"sms","to":"+4915112345678","text":"a"},{"channel":"push","device_token":"x"}]}' "$u/v1/batch")"
check "GET /v1/messages/{issued}" 200 "$(st "$u/v1/messages/$id")"
check "GET /v1/messages/{unknown}" 404 "$(st "$u/v1/messages/msg_0123")"
check "GET /v1/templates" 200 "$(st "$u/v1/templates")"
check "unknown path" 404 "$(st "$u/v2/nothing")"
check "wrong method" 405 "$(st -X DELETE "$u/v1/sms")"

# gzip when asked, and a chunked answer above 2 KiB
check "gzip answer" gzip "$(curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$u/v1/templates" | tr -d '\r' | sed -n 's/^Content-Encoding: //p')"
big='{"messages":['
k=0
while [ $k -lt 20 ]; do big="$big{\"channel\":\"sms\",\"to\":\"+4915112345678\",\"text\":\"m$k\"},"; k=$((k + 1)); done
big="${big%,}]}"
check "chunked answer" chunked "$(curl -s -D - -o /dev/null -H "$J" -d "$big" "$u/v1/batch" | tr -d '\r' | sed -n 's/^Transfer-Encoding: //p')"
check "chunked upload" 201 "$(st -H "$J" -H 'Transfer-Encoding: chunked' -d '{"to":"+4915112345678","text":"chunked"}' "$u/v1/sms")"
head -c 300000 /dev/zero | base64 -w0 >"$tmp/b64"
printf '{"to":"a@example.com","subject":"big","text":"t","attachments":[{"filename":"z","content":"%s"}]}' "$(cat "$tmp/b64")" >"$tmp/big.json"
check "100-continue upload" "202" "$(st -H "$J" -H 'Expect: 100-continue' --data-binary "@$tmp/big.json" "$u/v1/email")"
# keep-alive: curl reuses one connection for two URLs; Connection: close is honoured
check "keep-alive reuse" 1 "$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' "$u/healthz" "$u/healthz" | awk '{s += $1} END {print s}')"
check "Connection: close" close "$(curl -s -D - -o /dev/null -H 'Connection: close' "$u/healthz" | tr -d '\r' | sed -n 's/^Connection: //p')"

"$bin/cutover-driver" --count 120 --concurrency 6 --seed 7 "$u" >"$tmp/driver.txt" 2>"$tmp/driver.log"
check "driver exit status" 0 "$?"
check "driver answers" "sent 120 requests: 120 answered, 0 failed" "$(head -n 1 "$tmp/driver.txt")"

kill -TERM "$pid"
wait "$pid"
check "SIGTERM exit status" 0 "$?"
[ "$fails" -eq 0 ] || { echo "$fails checks failed"; exit 1; }
