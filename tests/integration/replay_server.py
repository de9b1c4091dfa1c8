#!/usr/bin/env python3
"""replay_server.py: a small HTTP/1.1 server for cutover-replay's integration
tests.  Logs every request it receives as one JSON line (conn, method, path,
headers, body) and answers according to the path:
  /slow?ms=N      wait N ms, then 200
  /chunked        200 with a chunked body
  /gzip           200 with a gzip Content-Encoding
  /reset          close the connection without answering (RST)
  /status/NNN     answer NNN
  anything else   200 {"ok":true,"path":...}
Usage: replay_server.py --port-file F --log F"""
import argparse
import base64
import gzip
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
conn_counter = [0]
log_file = None


def log(rec):
    with lock:
        log_file.write(json.dumps(rec) + "\n")
        log_file.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with lock:
            conn_counter[0] += 1
            self.conn_id = conn_counter[0]

    def log_message(self, fmt, *args):
        pass

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        try:
            text, enc = body.decode("utf-8"), None
        except UnicodeDecodeError:
            text, enc = base64.b64encode(body).decode(), "base64"
        log({"conn": self.conn_id, "method": self.command, "path": self.path,
             "headers": [[k, v] for k, v in self.headers.items()], "body": text,
             "encoding": enc})
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        p = u.path
        if p.startswith("/reset"):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if p.startswith("/slow"):
            time.sleep(int(q.get("ms", ["1000"])[0]) / 1000.0)
        if p.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        status = 200
        if p.startswith("/status/"):
            status = int(p.split("/")[2])
        payload = json.dumps({"ok": True, "path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if p.startswith("/gzip"):
            payload = gzip.compress(b'{"zipped":"' + b"z" * 200 + b'"}')
            self.send_header("Content-Encoding", "gzip")
        if status in (204, 304) or self.command == "HEAD":
            payload = b""
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_one


def main():
    global log_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log_file = open(a.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
