#!/bin/sh
# capture_clients.sh: real clients on loopback, recorded by tcpdump, read
# back by cutover-capture -r: every exchange (curl POST JSON, chunked
# upload, Expect: 100-continue, HEAD, gzip, chunked answer, IPv6, keep-alive,
# http.client pipelining) must come out with the method, target, request
# body, status and decoded response body the clients sent and saw.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
[ -n "${KEEP_PCAP:-}" ] && it_on_exit 'cp "$tmp/clients.pcap" "$KEEP_PCAP" 2>/dev/null'
[ "$(id -u)" -eq 0 ] || { echo "needs root to run tcpdump on lo" >&2; exit 77; }
it_need_cmd tcpdump curl python3

python3 "$here/capture_server.py" "$tmp/port" 2>"$tmp/server.log" &
it_bg $!
port=$(it_port "$tmp/port") || { echo "server did not start: $(cat "$tmp/server.log")"; exit 1; }

# Immediate mode: otherwise the kernel holds the last packets in a block for
# up to tcpdump's 1 s timeout, and stopping it loses them. Immediate mode
# gives every packet a 64 KiB slot on lo, so the ring must be large (-B, KiB)
# for the chunked answer's burst of small segments.
tcpdump -i lo --immediate-mode -B 65536 -U -s 0 -w "$tmp/clients.pcap" "tcp port $port" 2>"$tmp/tcpdump.log" &
dump=$!
it_bg "$dump"
i=0
until grep -q "listening on" "$tmp/tcpdump.log" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "listening on" "$tmp/tcpdump.log" || { echo "tcpdump did not start: $(cat "$tmp/tcpdump.log")"; exit 77; }

timeout 120 python3 "$here/capture_clients.py" drive "$port" "$tmp" || { echo "clients failed"; exit 1; }
sleep 0.5
kill -INT "$dump"; wait "$dump" 2>/dev/null

"$bin/cutover-capture" -r "$tmp/clients.pcap" -o "$tmp/out.jsonl" --stats-json "$tmp/stats.json" 2>"$tmp/capture.err"
rc=$?
cat "$tmp/capture.err"
[ $rc -eq 0 ] || { echo "cutover-capture exited $rc"; exit 1; }
python3 "$here/capture_clients.py" check "$tmp/expected.json" "$tmp/out.jsonl" || exit 1
# Nothing was lost on a clean loopback capture.
python3 - "$tmp/stats.json" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1]))
bad = {k: s[k] for k in ("lost_requests_total", "lost_responses_total", "parse_errors") if s[k]}
if bad:
    sys.exit("FAIL unexpected losses: %s" % bad)
print("ok   no losses: %d exchanges, %d interim" % (s["exchanges"], s["interim"]))
PY
mode=$(stat -c %a "$tmp/out.jsonl")
[ "$mode" = 600 ] || { echo "FAIL output mode $mode"; exit 1; }

# capture_tshark.sh runs this with TSHARK_CHECK=1: tshark must see the same
# requests (method, target and, where it prints it faithfully, the body).
if [ -n "${TSHARK_CHECK:-}" ]; then
    tshark -r "$tmp/clients.pcap" -d "tcp.port==$port,http" -Y http.request -T fields \
        -e http.request.method -e http.request.uri -e http.file_data -E separator='|' \
        -E aggregator=' ' >"$tmp/tshark.txt" 2>"$tmp/tshark.err" ||
        { echo "tshark failed: $(cat "$tmp/tshark.err")"; exit 1; }
    python3 - "$tmp/tshark.txt" "$tmp/out.jsonl" <<'PY' || exit 1
import base64, json, sys
ours = {}
for line in open(sys.argv[2]):
    e = json.loads(line)
    pd = e["request"].get("postData", {})
    body = pd.get("text", "")
    if pd.get("_encoding") == "base64":
        body = base64.b64decode(body).decode("utf-8", "replace")
    ours[(e["request"]["method"], e["request"]["_target"])] = body
n = fails = bodies = 0
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    parts = line.rstrip("\n").split("|")
    if len(parts) < 3 or not parts[0]:
        continue
    methods, uris = parts[0].split(" "), parts[1].split(" ")
    for m, u in zip(methods, uris):
        n += 1
        if (m, u) not in ours:
            print("FAIL tshark saw %s %s, capture did not record it" % (m, u))
            fails += 1
    # tshark joins the bodies of pipelined requests and mangles non-ASCII:
    # compare bodies only where it shows one request in plain ASCII.
    if len(methods) == 1 and parts[2].isascii() and (methods[0], uris[0]) in ours:
        bodies += 1
        if ours[(methods[0], uris[0])] != parts[2]:
            print("FAIL body of %s %s differs from tshark's" % (methods[0], uris[0]))
            fails += 1
if fails or n == 0:
    sys.exit("FAIL %d differences with tshark (%d requests)" % (fails, n))
print("ok   tshark's %d requests all recorded, %d bodies equal" % (n, bodies))
PY
fi
echo "capture_clients: pass"
