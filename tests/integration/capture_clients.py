#!/usr/bin/env python3
"""capture_clients.py: real clients for the capture integration test, and
the check of what capture recorded against what they sent and saw.
  drive PORT DIR   run curl and http.client against capture_server.py and
                   write DIR/expected.json (one row per exchange)
  check EXPECTED OUT.jsonl   every expected exchange must be in the capture
                   with its method, target, request body, status and
                   (decoded) response body; exit 1 with the differences."""
import base64
import json
import os
import socket
import subprocess
import sys
import http.client


def curl(d, name, args):
    out = os.path.join(d, name + ".body")
    st = subprocess.run(["curl", "-sS", "--max-time", "20", "-o", out, "-w", "%{http_code}"] + args,
                        capture_output=True, text=True)
    if st.returncode != 0:
        sys.exit("curl %s failed: %s" % (name, st.stderr.strip()))
    with open(out, "rb") as f:
        return int(st.stdout), f.read()


def drive(port, d):
    u4 = "http://127.0.0.1:%d" % port
    u6 = "http://[::1]:%d" % port
    rows = []

    def row(method, target, req_body, status, resp_body, gz=False):
        rows.append({"method": method, "target": target, "req_body": req_body.decode(),
                     "status": status, "resp_body": resp_body.decode(), "gzip": gz})

    js = b'{"to":"+15550100","text":"hello \xc3\xa9t\xc3\xa9"}'
    st, body = curl(d, "post", ["-H", "Content-Type: application/json", "--data-binary", js,
                                u4 + "/v1/sms?tag=a%2Fb&x=1"])
    row("POST", "/v1/sms?tag=a%2Fb&x=1", js, st, body)

    chunked = b'{"batch":[' + b",".join(b'{"n":%d}' % i for i in range(300)) + b"]}"
    with open(os.path.join(d, "chunked.in"), "wb") as f:
        f.write(chunked)
    st, body = curl(d, "chunked", ["-H", "Transfer-Encoding: chunked", "-H",
                                   "Content-Type: application/json", "--data-binary",
                                   "@" + os.path.join(d, "chunked.in"), u4 + "/v1/batch"])
    row("POST", "/v1/batch", chunked, st, body)

    big = (b"0123456789abcdef" * 12500)  # 200 kB: Expect: 100-continue
    with open(os.path.join(d, "big.in"), "wb") as f:
        f.write(big)
    st, body = curl(d, "expect", ["-H", "Expect: 100-continue", "-X", "PUT", "--data-binary",
                                  "@" + os.path.join(d, "big.in"), u4 + "/v1/upload"])
    row("PUT", "/v1/upload", big, st, body)

    st, body = curl(d, "head", ["-I", u4 + "/v1/status"])
    row("HEAD", "/v1/status", b"", st, b"")

    st, body = curl(d, "gzip", ["--compressed", u4 + "/gzip/report?q=1"])
    row("GET", "/gzip/report?q=1", b"", st, body, gz=True)

    st, body = curl(d, "chunkresp", [u4 + "/chunked/list"])
    row("GET", "/chunked/list", b"", st, body)

    st, body = curl(d, "v6", ["-g", u6 + "/v6/ping"])
    row("GET", "/v6/ping", b"", st, body)

    # keep-alive: three URLs on one connection in one curl call
    outs = []
    args = ["-sS", "--max-time", "20"]
    for i in range(3):
        o = os.path.join(d, "ka%d.body" % i)
        outs.append(o)
        args += ["-o", o, u4 + "/ka/%d" % i]
    subprocess.run(["curl"] + args, check=True)
    for i in range(3):
        with open(outs[i], "rb") as f:
            row("GET", "/ka/%d" % i, b"", 200, f.read())

    # pipelining with http.client: two requests sent before reading
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    pb = b'{"pipelined":true}'
    s.sendall(b"GET /pipe/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
              b"POST /pipe/2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(pb), pb))
    rfile = s.makefile("rb")

    class Shared:
        """One buffered reader for both answers; HTTPResponse closes its
        file when a body ends, which must not end the second answer."""
        def __getattr__(self, name):
            return getattr(rfile, name)

        def close(self):
            pass

    class Sock:
        def makefile(self, *a, **k):
            return Shared()

    for target, method, reqb in (("/pipe/1", "GET", b""), ("/pipe/2", "POST", pb)):
        r = http.client.HTTPResponse(Sock(), method=method)
        r.begin()
        row(method, target, reqb, r.status, r.read())
    s.close()

    # an ordinary http.client exchange with keep-alive
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for i in range(2):
        b = b'{"i":%d}' % i
        c.request("POST", "/hc/%d" % i, body=b, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        row("POST", "/hc/%d" % i, b, r.status, r.read())
    c.close()

    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("drove %d exchanges" % len(rows))


def text_of(obj, enc_key):
    t = obj.get("text", "")
    if obj.get(enc_key) == "base64":
        return base64.b64decode(t).decode("utf-8", "replace")
    return t


def check(expected_path, out_path):
    with open(expected_path) as f:
        rows = json.load(f)
    got = {}
    with open(out_path) as f:
        for line in f:
            e = json.loads(line)
            key = (e["request"]["method"], e["request"]["_target"])
            if key in got:
                print("FAIL duplicate exchange %s %s" % key)
                return 1
            got[key] = e
    fails = 0
    for r in rows:
        key = (r["method"], r["target"])
        e = got.get(key)
        if e is None:
            print("FAIL missing %s %s" % key)
            fails += 1
            continue
        req, resp = e["request"], e["response"]
        req_body = text_of(req.get("postData", {}), "_encoding")
        resp_body = text_of(resp.get("content", {}), "encoding")
        problems = []
        if req_body != r["req_body"]:
            problems.append("request body %r... != %r..." % (req_body[:40], r["req_body"][:40]))
        if resp["status"] != r["status"]:
            problems.append("status %s != %s" % (resp["status"], r["status"]))
        if resp_body != r["resp_body"]:
            problems.append("response body %r != %r" % (resp_body[:80], r["resp_body"][:80]))
        if r["gzip"] and resp.get("content", {}).get("compression") is None:
            problems.append("gzip answer not marked as decoded")
        if not e["_id"] or e["timings"]["wait"] < 0:
            problems.append("bad id or timings")
        if problems:
            fails += 1
            print("FAIL %s %s: %s" % (key[0], key[1], "; ".join(problems)))
        else:
            print("ok   %s %s" % key)
    return 1 if fails else 0


if __name__ == "__main__":
    if sys.argv[1] == "drive":
        drive(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
