#!/usr/bin/env python3
"""fault_server.py: an HTTP/1.1 server that misbehaves on purpose, for
cutover-replay's fault-injection test (tests/integration/harden_fault.sh).
Python stdlib only; one thread per connection, keep-alive.  By path:
  /ok            200 with a small JSON body (keep-alive)
  /hang          reads the request and never answers (until the client leaves)
  /slow?ms=N     waits N ms, then 200
  /reset         announces Content-Length: 1000, sends 100 bytes, then RST
  /badstatus     a malformed status line, then closes
  /longbody      Content-Length: 5 followed by 50 bytes
  /closeearly    a normal keep-alive 200, then closes the connection at once
  /eof           closes the connection without answering
  /garbage       bytes that are not HTTP, then closes
Every request received is logged as one JSON line: {"conn", "method", "path"}.
Usage: fault_server.py --port-file F --log F"""
import argparse
import json
import socket
import struct
import sys
import threading
import time

lock = threading.Lock()
counter = [0]
log_file = None


def log(rec):
    with lock:
        log_file.write(json.dumps(rec) + "\n")
        log_file.flush()


def read_request(sock, buf):
    """One request (head and Content-Length body) from sock; None at EOF."""
    while b"\r\n\r\n" not in buf[0]:
        d = sock.recv(65536)
        if not d:
            return None
        buf[0] += d
    head, rest = buf[0].split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    n = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v.strip())
    while len(rest) < n:
        d = sock.recv(65536)
        if not d:
            return None
        rest += d
    buf[0] = rest[n:]
    return method, target


def answer(sock, status, body, extra=""):
    sock.sendall(("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
                  % (status, len(body), extra)).encode() + body)


def rst_close(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def serve(sock):
    with lock:
        counter[0] += 1
        conn = counter[0]
    buf = [b""]
    try:
        while True:
            req = read_request(sock, buf)
            if req is None:
                break
            method, target = req
            path, _, query = target.partition("?")
            log({"conn": conn, "method": method, "path": path})
            if path == "/hang":
                sock.settimeout(120)
                while sock.recv(65536):
                    pass
                break
            if path == "/slow":
                ms = int(query.split("=", 1)[1]) if query.startswith("ms=") else 500
                time.sleep(ms / 1000.0)
                answer(sock, "200 OK", b'{"slow":true}')
            elif path == "/reset":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"r" * 100)
                time.sleep(0.05)
                rst_close(sock)
                return
            elif path == "/badstatus":
                sock.sendall(b"HTTP/1.1 2x0 Not A Status\r\nContent-Length: 0\r\n\r\n")
                break
            elif path == "/longbody":
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + b"0123456789" * 5)
            elif path == "/closeearly":
                answer(sock, "200 OK", b'{"early":true}')
                break
            elif path == "/eof":
                break
            elif path == "/garbage":
                sock.sendall(b"\x00\xff\xfeSSH-2.0-not-http\r\n\r\n")
                break
            else:
                answer(sock, "200 OK", ('{"ok":true,"path":"%s"}' % path).encode())
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def main():
    global log_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log_file = open(a.log, "a")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(128)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        s, _ = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=serve, args=(s,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
