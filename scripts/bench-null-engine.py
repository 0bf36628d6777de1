#!/usr/bin/env python3
"""Bench only (docs/performance.md, "Describe with 10,000 groups"): a Docker-API endpoint on a unix
socket that holds no containers. `./openeci serve --engine unix://SOCKET` starts against it and its
syncs see empty engines, so a server whose store was seeded with finished groups (BenchSeed) serves
them from its store without a container engine doing any work.

    scripts/bench-null-engine.py SOCKET
"""
import json
import os
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")
        elif path.endswith("/version"):
            self.reply(200, {"Version": "0.0.0-bench-null", "ApiVersion": "1.41", "MinAPIVersion": "1.24",
                             "Os": "linux", "Arch": "amd64", "Components": []})
        elif path.endswith("/events"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            while True:  # never an event; the server closes it when it stops
                time.sleep(3600)
        elif path.endswith("/containers/json") or path.endswith("/networks") or path.endswith("/images/json") \
                or path.endswith("/volumes"):
            self.reply(200, {"Volumes": []} if path.endswith("/volumes") else [])
        else:
            self.reply(404, {"message": "bench null engine: no such object"})

    def do_POST(self):
        self.reply(500, {"message": "bench null engine: runs nothing"})

    do_DELETE = do_POST
    do_PUT = do_POST


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    sock = sys.argv[1]
    if os.path.exists(sock):
        os.unlink(sock)
    Server(sock, Handler).serve_forever()
