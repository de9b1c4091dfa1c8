#!/usr/bin/env python3
"""compare_fixtures.py: writes the exchange files the compare integration
tests read: a baseline, a candidate with the same semantics but every kind
of harmless variation, a candidate with one seeded fault per endpoint, and a
secondary (a second legacy run).  Deterministic (fixed seeds).

usage: compare_fixtures.py OUTDIR [N_PER_ENDPOINT]"""
import json
import os
import random
import sys
import uuid

ENDPOINTS = [
    ("POST", "/v1/sms"),
    ("GET", "/v1/messages/{id}"),
    ("POST", "/v1/email"),
    ("GET", "/v1/messages"),
    ("POST", "/v1/push"),
]


def iso(rng, base):
    t = base + rng.randint(0, 10**6)
    return "2024-03-%02dT%02d:%02d:%02d.%03dZ" % (
        1 + t // 86400 % 28, t // 3600 % 24, t // 60 % 60, t % 60, rng.randint(0, 999))


def body_for(ep, i, rng, variant):
    """The response body of exchange i; variant is 'base', 'same' or 'bad'."""
    method, path = ep
    msg_id = str(uuid.UUID(int=rng.getrandbits(128)))
    created = iso(rng, 1000 * i)
    if path == "/v1/sms":
        b = {"message_id": msg_id, "status": "queued", "segments": 1 + i % 3,
             "cost": 0.0075, "to": "+1555010%04d" % i, "created_at": created}
    elif path == "/v1/messages/{id}":
        segs = 1 + i % 4
        if variant == "bad":
            segs += 1  # a computed field computed differently
        b = {"id": msg_id, "status": "delivered", "segments": segs,
             "price": {"amount": 0.01, "currency": "USD"}, "updated_at": created}
    elif path == "/v1/email":
        b = {"message_id": msg_id, "queued": True, "recipients": 1 + i % 2,
             "created_at": created}
        if variant == "bad":
            del b["queued"]  # a dropped field
    elif path == "/v1/messages":
        items = [{"id": "m%d" % (i * 10 + k), "status": "sent"} for k in range(4)]
        if variant == "bad":
            items.reverse()  # a reordered array
        b = {"items": items, "total": 4, "next": None}
    else:
        b = {"message_id": msg_id, "accepted": True, "platform": "apns"}
    return b


def dump(b, variant, rng):
    if variant == "base":
        return json.dumps(b, separators=(",", ":"))
    # same semantics: other key order, other number spelling, whitespace
    items = list(b.items())
    rng.shuffle(items)
    text = json.dumps(dict(items), indent=rng.choice([None, 1, 2]))
    text = text.replace("0.0075", "7.5e-3").replace('"total": 4', '"total": 4.0')
    return text


def entry(xid, ep, i, variant, rng, wait):
    method, path = ep
    concrete = path.replace("{id}", "msg%06d" % i)
    status = 201 if method == "POST" else 200
    if variant == "bad" and path == "/v1/sms":
        status = 200  # a changed status code
    body = dump(body_for(ep, i, rng, variant), variant, rng)
    ct = "application/json" if variant == "base" else "application/json; charset=utf-8"
    headers = [{"name": "Content-Type", "value": ct},
               {"name": "Date", "value": "Mon, 0%d Mar 2024 10:00:00 GMT" % (1 + rng.randint(0, 8))},
               {"name": "Server", "value": "legacy/1.0" if variant == "base" else "new/2.3"},
               {"name": "X-Request-Id", "value": str(uuid.UUID(int=rng.getrandbits(128)))}]
    if variant == "base":
        headers.append({"name": "Content-Length", "value": str(len(body))})
    else:
        headers.append({"name": "Transfer-Encoding", "value": "chunked"})
    if status == 201:
        headers.append({"name": "Location",
                        "value": "http://%s/v1/messages/%s" % (
                            "legacy:8080" if variant == "base" else "new:9090",
                            uuid.UUID(int=rng.getrandbits(128)))})
    req = {"method": method, "url": "http://legacy:8080" + concrete, "httpVersion": "HTTP/1.1",
           "cookies": [], "headers": [{"name": "Host", "value": "legacy:8080"},
                                      {"name": "Content-Type", "value": "application/json"}],
           "queryString": [], "headersSize": -1, "bodySize": 0, "_target": concrete}
    if method == "POST":
        pd = json.dumps({"to": "+1555010%04d" % i, "text": "hello %d" % i})
        req["postData"] = {"mimeType": "application/json", "text": pd}
        req["bodySize"] = len(pd)
    return {"_id": xid, "startedDateTime": "2024-03-01T10:00:00.000Z", "time": wait + 1,
            "request": req,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "cookies": [], "headers": headers,
                         "content": {"size": len(body), "mimeType": ct, "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 0.1, "wait": wait, "receive": 0.9}}


def write(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    os.makedirs(out, exist_ok=True)
    files = {"baseline": ("base", 1), "same": ("same", 2), "bad": ("bad", 3), "secondary": ("same", 4)}
    for name, (variant, seed) in files.items():
        rng = random.Random(seed)
        lat = random.Random(seed * 7)
        rows = []
        for e, ep in enumerate(ENDPOINTS):
            for i in range(n):
                wait = round(lat.lognormvariate(3.0, 0.25), 3)  # about 20 ms
                if name == "bad" and ep[1] == "/v1/push":
                    wait = round(wait * 2.5, 3)  # slower on one endpoint
                rows.append(entry("x%d-%d" % (e, i), ep, i, variant, rng, wait))
        rng.shuffle(rows)  # joins must not depend on order
        write(os.path.join(out, name + ".jsonl"), rows)


if __name__ == "__main__":
    main()
