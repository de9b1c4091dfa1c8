#!/bin/sh
# capture_errors.sh: cutover-capture's failures are one line naming what and
# why, with exit status 2 (usage, input) or 3 (runtime); output is 0600; a
# live capture on lo (as root) stopped by SIGTERM writes what it completed,
# redacted, and exits 0.
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
C="$bin/cutover-capture"

# expect NAME STATUS-PATTERN GREP-PATTERN -- ARGS...: one line on stderr.
expect() {
    name=$1; want=$2; pat=$3; shift 4
    "$C" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err")
    case $rc in $want) ;; *) fail "$name: status $rc, wanted $want: $(cat "$tmp/err")"; return ;; esac
    [ "$lines" -eq 1 ] || { fail "$name: $lines lines on stderr: $(cat "$tmp/err")"; return; }
    grep -q -- "$pat" "$tmp/err" || { fail "$name: message lacks '$pat': $(cat "$tmp/err")"; return; }
    echo "ok   $name: $(cat "$tmp/err")"
}

expect "missing file" 2 "$tmp/nope.pcap" -- -q -r "$tmp/nope.pcap"
printf 'not a pcap at all, just text\n' >"$tmp/text.pcap"
expect "not a pcap" 2 "$tmp/text.pcap" -- -q -r "$tmp/text.pcap"
expect "no input" 2 "give -i" --
expect "unknown option" 2 "see --help" -- --no-such-option
expect "bad size" 2 "max-body" -- -r x --max-body 12Q
expect "-o with --har" 2 "cannot be combined" -- -r x -o a --har b
expect "rotation to stdout" 2 "rotation needs" -- -q -r "$root/README.md" --rotate-size 1M
if [ -d "$root/../shared/pcaps" ]; then
    p="$root/../shared/pcaps/one_tcp_stream.pcap"
    expect "bad BPF" 2 "bad filter" -- -q -r "$p" -f "tcp port nonsense(" -o "$tmp/x.jsonl"
    expect "unwritable output" 3 "$tmp/no/dir/out.jsonl" -- -q -r "$p" -o "$tmp/no/dir/out.jsonl"
fi
if [ "$(id -u)" -eq 0 ]; then
    expect "no such interface" "[23]" "nosuchif0" -- -q -i nosuchif0
fi
"$C" --help >/dev/null 2>&1 || fail "--help"
"$C" --version | grep -q "cutover-capture" || fail "--version"

# A live capture on lo, stopped by SIGTERM.
if [ "$(id -u)" -ne 0 ] || ! command -v curl >/dev/null; then
    echo "live part skipped: needs root and curl"
else
    python3 "$here/capture_server.py" "$tmp/port" 2>"$tmp/server.log" &
    it_bg $!
    port=$(it_port "$tmp/port") || { echo "server did not start"; exit 1; }
    "$C" -i lo -f "tcp port $port" -o "$tmp/live.jsonl" --stats-json "$tmp/live.json" \
        --redact-json '$.card' 2>"$tmp/live.err" &
    cap=$!
    it_bg "$cap"
    i=0
    until grep -q "listening on" "$tmp/live.err" 2>/dev/null || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 0.3
    for n in 1 2 3; do
        curl -s -o /dev/null -H "Authorization: Bearer secret-$n" -H 'Content-Type: application/json' \
            -d "{\"card\":\"4111-$n\",\"n\":$n}" "http://127.0.0.1:$port/live/$n"
    done
    sleep 0.5
    kill -TERM "$cap"
    wait "$cap"; rc=$?
    [ $rc -eq 0 ] || fail "live capture exited $rc after SIGTERM: $(cat "$tmp/live.err")"
    grep -q "final:" "$tmp/live.err" || fail "no final statistics after SIGTERM"
    [ "$(stat -c %a "$tmp/live.jsonl" 2>/dev/null)" = 600 ] || fail "live output is not mode 0600"
    python3 - "$tmp/live.jsonl" <<'PY' || fail "live output"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, "%d exchanges, wanted 3" % len(rows)
for r in rows:  # the test server echoes the body: leave its answer out
    r["response"]["content"]["text"] = ""
text = json.dumps(rows)
assert "secret-" not in text and "4111-" not in text, "a secret was written"
for r in rows:
    auth = [h["value"] for h in r["request"]["headers"] if h["name"].lower() == "authorization"]
    assert auth and auth[0].startswith("redacted:"), auth
    body = json.loads(r["request"]["postData"]["text"])
    assert body["card"].startswith("redacted:") and isinstance(body["n"], int), body
assert len({r["_id"] for r in rows}) == 3
print("ok   SIGTERM: 3 exchanges flushed, secrets redacted")
PY
fi
[ $fails -eq 0 ] || { echo "capture_errors: $fails failures"; exit 1; }
echo "capture_errors: pass"
