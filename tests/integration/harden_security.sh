#!/bin/sh
# harden_security.sh: the security of captured data.
#  - every file the tools write is mode 0600, whatever the umask, and also
#    when it existed before with a wider mode;
#  - capture redacts credentials by default (Authorization,
#    Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key): the secrets of a
#    crafted pcap appear in no output;
#  - report.html escapes what came from traffic (bodies full of markup,
#    javascript: URLs, broken UTF-8, hostile paths and header names) and
#    carries a Content-Security-Policy with default-src 'none' (the
#    headless-Chromium check that no script ran is compare's
#    tests/integration test; the fuzz target fuzz_html checks the markup);
#  - the sources pass no data to a shell: no system(), popen() or exec*().
. "${CUTOVER_ROOT:?}/tests/integration/lib.sh"
it_need_cmd python3
have() { [ -x "$bin/cutover-$1" ]; }
have capture || have replay || have compare || { echo "no tool is built yet" >&2; exit 77; }

fails=0
check() { # check NAME STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
mode_is_600() { # every file named is mode 600
    for f in "$@"; do
        m=$(stat -c %a "$f" 2>/dev/null) || { echo "  $f: missing"; return 1; }
        [ "$m" = 600 ] || { echo "  $f: mode $m"; return 1; }
    done
}

# ---- a pcap with credentials and hostile bodies
python3 - "$here" "$tmp/sec.pcap" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import harden_pcap as hp
pc = hp.Pcap(sys.argv[2])
c = hp.Conn(pc, 41000)
c.handshake()
body = b'{"to":"+15550100","text":"<script>alert(1)</script>","u":"javascript:alert(2)"}'
req = (b"POST /v1/sms HTTP/1.1\r\nHost: legacy:8080\r\nAuthorization: Bearer SECRET-BEARER-1\r\n"
       b"Proxy-Authorization: Basic SECRET-PROXY-2\r\nCookie: sid=SECRET-COOKIE-3\r\n"
       b"X-Api-Key: SECRET-APIKEY-4\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
       % len(body)) + body
c.send(True, req)
rb = b'{"id":"<img src=x onerror=alert(3)>","bad":"\xff\xfe"}'
resp = (b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=SECRET-SETCOOKIE-5; HttpOnly\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(rb)) + rb
c.send(False, resp)
c.seg(True, hp.ACK)
c.close()
pc.close()
EOF

umask 000
# ---- capture: modes and redaction
if have capture; then
    "$bin/cutover-capture" -q -r "$tmp/sec.pcap" -o "$tmp/cap.jsonl" --stats-json "$tmp/cap.stats" 2>"$tmp/cap.err"
    check "capture ran (status $?)" $?
    "$bin/cutover-capture" -q -r "$tmp/sec.pcap" --har "$tmp/cap.har" 2>>"$tmp/cap.err"
    : >"$tmp/wide.jsonl"
    chmod 644 "$tmp/wide.jsonl"
    "$bin/cutover-capture" -q -r "$tmp/sec.pcap" -o "$tmp/wide.jsonl" 2>>"$tmp/cap.err"
    "$bin/cutover-capture" -q -r "$tmp/sec.pcap" -o "$tmp/rot.jsonl" --rotate-size 1 2>>"$tmp/cap.err"
    mode_is_600 "$tmp/cap.jsonl" "$tmp/cap.har" "$tmp/cap.stats" "$tmp/wide.jsonl" "$tmp"/rot*.jsonl
    check "capture output, HAR, stats, rotated files and a pre-existing 0644 file are 0600 (umask 000)" $?
    [ "$(wc -l <"$tmp/cap.jsonl")" -eq 1 ]
    check "capture wrote the exchange" $?
    ! grep -h -o 'SECRET-[A-Z]*-[0-9]' "$tmp/cap.jsonl" "$tmp/cap.har" "$tmp"/rot*.jsonl
    check "no credential survives capture (Authorization, Proxy-Authorization, Cookie, X-Api-Key, Set-Cookie)" $?
fi

# ---- replay: modes
if have replay; then
    python3 "$here/fault_server.py" --port-file "$tmp/port" --log "$tmp/server.log" \
        2>/dev/null &
    it_bg $!
    port=$(it_port "$tmp/port")
    if [ -s "$tmp/cap.jsonl" ]; then in="$tmp/cap.jsonl"; else
        printf '{"_id":"s-1","request":{"method":"GET","url":"http://legacy/ok","httpVersion":"HTTP/1.1","headers":[]}}\n' >"$tmp/in.jsonl"
        in="$tmp/in.jsonl"
    fi
    "$bin/cutover-replay" -q --max -t "http://127.0.0.1:$port" -o "$tmp/rep.jsonl" \
        --secondary "http://127.0.0.1:$port" --secondary-out "$tmp/rep2.jsonl" "$in" 2>"$tmp/rep.err"
    check "replay ran (status $?)" $?
    mode_is_600 "$tmp/rep.jsonl" "$tmp/rep2.jsonl"
    check "replay output and secondary output are 0600 (umask 000)" $?
fi

# ---- compare: modes, escaping, CSP
if have compare; then
    python3 - "$tmp/base.jsonl" "$tmp/cand.jsonl" <<'EOF'
import json, sys
def ent(i, path, status, text, enc=None, hdrs=()):
    c = {"size": len(text), "mimeType": "text/html", "text": text}
    if enc:
        c["encoding"] = enc
    return {"_id": "h-%d" % i, "startedDateTime": "2024-01-02T03:04:05.000Z", "time": 2,
            "request": {"method": "POST", "url": "http://legacy:8080" + path, "_target": path,
                        "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [],
                        "headersSize": -1, "bodySize": 0},
            "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type", "value": "text/html"}] + list(hdrs),
                         "cookies": [], "content": c, "redirectURL": "", "headersSize": -1,
                         "bodySize": len(text)},
            "cache": {}, "timings": {"send": 0, "wait": 2, "receive": 0}}
x = '<script>alert("XSS1")</script><img src=x onerror=alert("XSS2")><a href="javascript:alert(\'XSS3\')">c</a></pre></code><!--'
base, cand = [], []
for i in range(6):
    p = '/v1/<svg onload=alert("XSS4")>/%d?"><script>alert("XSS5")</script>' % i
    base.append(ent(i, p, 200, x + " base %d" % i))
    cand.append(ent(i, p, 200 if i % 2 else 500, x + " cand %d \u2028" % i,
                    hdrs=[{"name": "X-<script>alert(\"XSS6\")</script>", "value": "javascript:alert('XSS7')"}]))
base.append(ent(9, "/v1/bin", 200, "//79/w==", enc="base64"))   # broken UTF-8 bytes
cand.append(ent(9, "/v1/bin", 200, "/+/+/g==", enc="base64"))
for path, rows in ((sys.argv[1], base), (sys.argv[2], cand)):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
EOF
    "$bin/cutover-compare" --json "$tmp/r.json" --html "$tmp/r.html" --junit "$tmp/r.xml" \
        --markdown "$tmp/r.md" "$tmp/base.jsonl" "$tmp/cand.jsonl" >/dev/null 2>"$tmp/cmp.err"
    rc=$?
    check "compare ran (status $rc: 0 or 1)" "$([ $rc -le 1 ]; echo $?)"
    mode_is_600 "$tmp/r.json" "$tmp/r.html" "$tmp/r.xml" "$tmp/r.md"
    check "report.json, report.html, junit.xml and summary.md are 0600 (umask 000)" $?
    python3 - "$tmp/r.html" <<'EOF'
import re, sys
h = open(sys.argv[1], "rb").read()
bad = 0
try:
    t = h.decode("utf-8")
except UnicodeDecodeError as e:
    print("  report.html is not UTF-8: %s" % e); sys.exit(1)
m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', t)
if not m or "default-src 'none'" not in m.group(1):
    print("  no CSP with default-src 'none'"); bad += 1
else:
    print("  CSP: %s" % m.group(1))
    for d in ("connect-src", "frame-src"):
        if d in m.group(1) and "'none'" not in m.group(1).split(d)[1].split(";")[0]:
            print("  CSP opens %s" % d); bad += 1
scripts = re.findall(r"<script", t, re.I)
if len(scripts) != 1:
    print("  %d <script elements (want exactly the report's own)" % len(scripts)); bad += 1
# No marker from the traffic appears unescaped: every XSS marker that made
# it into the report sits in text where its '<' was escaped.
for k in range(1, 8):
    for mm in re.finditer(r"XSS%d" % k, t):
        ctx = t[max(0, mm.start() - 60):mm.start()]
        if re.search(r"<(script|img|svg|a)\b[^>]*$", ctx, re.I):
            print("  XSS%d inside live markup: ...%s" % (k, ctx[-60:])); bad += 1
shown = sorted({int(x) for x in re.findall(r"XSS(\d)", t)})
print("  markers shown escaped in report.html: %s" % shown)
if not shown:
    print("  the report shows none of the hostile traffic, so escaping went untested"); bad += 1
if re.search(r"<[a-z]+[^>]*\son\w+\s*=", t, re.I):
    print("  an event-handler attribute in markup"); bad += 1
if re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", t, re.I):
    print("  a javascript: URL in an attribute"); bad += 1
sys.exit(1 if bad else 0)
EOF
    check "report.html escapes hostile traffic and has a CSP with default-src 'none'" $?
fi

# ---- no shell, no exec in the tools
hits=$(grep -rnE '\b(system|popen|execl|execlp|execle|execv|execvp|execvpe)[[:space:]]*\(' \
    "$root/lib" "$root/capture" "$root/replay" "$root/compare" "$root/reports" --include='*.c' 2>/dev/null)
[ -z "$hits" ] || echo "$hits"
check "no system(), popen() or exec*() in lib/, capture/, replay/, compare/, reports/" "$([ -z "$hits" ]; echo $?)"

[ $fails -eq 0 ]
