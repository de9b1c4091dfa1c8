#!/usr/bin/env python3
"""compare_hostile.py: writes a baseline and a candidate whose traffic is
hostile to a report: markup and script in bodies, headers and paths,
javascript: URLs, quotes for the curl command, broken UTF-8, U+2028.
Every candidate response differs, so every one is an example in the HTML.

usage: compare_hostile.py OUTDIR"""
import json
import os
import sys

INJECT = "<script>document.title='pwned'</script>"
QUOTE = "it's \"$(touch /tmp/cutover-hostile-ran)\" `x` \\"


def entry(xid, target, status, body, headers, req_headers, req_body=None):
    req = {"method": "POST", "url": "http://h" + target, "httpVersion": "HTTP/1.1", "cookies": [],
           "headers": req_headers, "queryString": [], "headersSize": -1, "bodySize": 0,
           "_target": target}
    if req_body is not None:
        req["postData"] = {"mimeType": "application/json", "text": req_body}
    return {"_id": xid, "startedDateTime": "2024-03-01T10:00:00.000Z", "time": 5,
            "request": req,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "cookies": [], "headers": headers,
                         "content": {"size": len(body), "mimeType": "text/html", "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    base, cand = [], []
    for i in range(40):
        target = "/v1/x/%s%d" % ("%3Cscript%3E" if i % 2 else "\"><img src=x onerror=alert(1)>", i)
        rq = [{"name": "X-Note", "value": QUOTE}, {"name": "Content-Type", "value": "application/json"}]
        rb = json.dumps({"text": INJECT + QUOTE})
        hb = [{"name": "Content-Type", "value": "text/html"},
              {"name": "Location", "value": "javascript:alert(1)//" + INJECT}]
        hc = [{"name": "Content-Type", "value": "text/html"},
              {"name": "Location", "value": "javascript:alert(2)//" + INJECT}]
        if i % 3 == 0:
            bb = json.dumps({"html": INJECT, "u": "a\u2028b", "n": i})
            bc = json.dumps({"html": INJECT.replace("pwned", "pwned2"), "u": "a\u2029b", "n": i})
        else:
            bb = "<html>\n" + INJECT + "\n</pre></textarea>-->\n" + "line %d\n" % i
            bc = "<html>\n" + INJECT + "\n</pre></textarea>-->\n" + "line %d changed\n" % i
        base.append(entry("h%d" % i, target, 200, bb, hb, rq, rb))
        cand.append(entry("h%d" % i, target, 200 if i % 5 else 500, bc, hc, rq, rb))
    with open(os.path.join(out, "hostile-base.jsonl"), "wb") as f:
        for r in base:
            line = json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
            # broken UTF-8 inside a JSON string of the line: the reader must survive it
            line = line.replace(b"line 4\\n", b"line 4 \xff\xfe\xc3\\n")
            f.write(line + b"\n")
    with open(os.path.join(out, "hostile-cand.jsonl"), "wb") as f:
        for r in cand:
            f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")


if __name__ == "__main__":
    main()
