#!/usr/bin/env python3
"""capture_server.py: a small HTTP/1.1 server for the capture integration
tests, on 127.0.0.1 and ::1 (same port). It answers with JSON that echoes
the request, and exercises what capture must parse: chunked uploads and
chunked answers, Expect: 100-continue (http.server sends the interim
answer), HEAD, gzip answers, keep-alive. Prints "listening PORT" when ready.
Usage: capture_server.py PORT_FILE"""
import gzip
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def answer(self, body_head_only=False):
        body = self.read_body()
        doc = {"method": self.command, "target": self.path, "length": len(body)}
        if len(body) <= 4096:
            doc["body"] = body.decode("utf-8", "replace")
        data = json.dumps(doc, sort_keys=True).encode()
        status = 201 if self.command == "POST" else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if self.path.startswith("/chunked"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if not body_head_only:
                for i in range(0, len(data), 7):
                    piece = data[i:i + 7]
                    self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
            return
        if self.path.startswith("/gzip") and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not body_head_only:
            self.wfile.write(data)

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def do_PUT(self):
        self.answer()

    def do_HEAD(self):
        self.answer(body_head_only=True)


class V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def main():
    v4 = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = v4.server_address[1]
    v6 = V6Server(("::1", port), Handler)
    for s in (v4, v6):
        s.daemon_threads = True
        threading.Thread(target=s.serve_forever, daemon=True).start()
    with open(sys.argv[1], "w") as f:
        f.write("listening %d\n" % port)
    threading.Event().wait()


if __name__ == "__main__":
    main()
