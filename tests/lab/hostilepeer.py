#!/usr/bin/env python3
"""A hostile admin API on 127.0.0.1 for the fault tests of products the lab cannot run (Kong, Traefik): it answers
in the product's shapes (those of tests/data/<product>) but pages without end, in loops, slowly, hugely, or lists
more upstreams than a poll should fan out to. Not a stand-in for the product: its behaviour is proven against the
recorded answers; this only makes the worst a peer can do.

    hostilepeer.py PRODUCT MODE        prints "port N" once listening; GET /__requests gives the request count

PRODUCT: kong or traefik. MODE: loop (the next page points back to one already given), huge (pages of 300 KB without
end), slow (each list page takes a second, without end), fanout (kong: 500 upstreams on one page).
PRODUCT prometheus (its HTTP API, POST /api/v1/query): MODE endless (a chunked answer without end) or hugeerror (a
400 whose JSON error is 40 MB).
PRODUCT alertmanager (GET /api/v2/alerts): MODE many (the same 70,000 alerts, about 14 MB, at every read) or flood
(15,000 alerts never listed before at every read).
PRODUCT redis (RESP over TCP, not HTTP): MODE values (whatever is asked, one answer of ten million small values in
nested arrays, about 40 MB)."""
import json
import sys
import threading
import time
import socketserver
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PRODUCT, MODE = sys.argv[1], sys.argv[2]
COUNT = {"requests": 0}
LOCK = threading.Lock()


def entry(i, size=0):
    e = {"id": f"00000000-0000-4000-8000-{i:012d}", "name": f"item-{i}", "tags": [], "created_at": 1700000000}
    if size:
        e["padding"] = "x" * size
    return e


CACHE = {}


def alerts_json(first, count):
    """Alerts in Alertmanager's v2 shape (as tests/data/alertmanager), none of them on a gateway Fleetdeck polls."""
    out = []
    for i in range(first, first + count):
        out.append('{"fingerprint":"%016x","labels":{"alertname":"Flood","instance":"10.%d.%d.%d:9100",'
                   '"severity":"warning"},"annotations":{},"startsAt":"2026-12-08T00:00:00.000Z",'
                   '"status":{"state":"active","silencedBy":[]}}'
                   % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))
    return ("[" + ",".join(out) + "]").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, body, headers=None):
        self.send_json(200, json.dumps(body).encode(), headers)

    def send_json(self, status, data, headers=None):
        """A JSON body of known length; a reader that goes away midway is not an error here."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        with LOCK:
            COUNT["requests"] += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if MODE == "hugeerror":
            data = json.dumps({"status": "error", "errorType": "bad_data", "error": "x" * (40 * 1024 * 1024)}).encode()
            self.send_json(400, data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b'{"status":"success","data":{"resultType":"vector","result":[' + b"{}," * 20000
        try:
            for _ in range(100000):  # bounded, like every lab loop: about 6 GB if nobody stops reading
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def alertmanager(self):
        with LOCK:
            COUNT["requests"] += 1
            n = COUNT["requests"]
        if MODE == "many":
            if "many" not in CACHE:
                CACHE["many"] = alerts_json(0, 70000)
            data = CACHE["many"]
        else:
            data = alerts_json(n * 15000, 15000)
        self.send_json(200, data)

    def do_GET(self):
        url = urlparse(self.path)
        if PRODUCT == "alertmanager" and url.path == "/api/v2/alerts":
            self.alertmanager()
            return
        if url.path == "/__requests":
            with LOCK:
                return self.answer({"requests": COUNT["requests"]})
        with LOCK:
            COUNT["requests"] += 1
        query = parse_qs(url.query)
        if PRODUCT == "kong":
            return self.kong(url.path, query)
        return self.traefik(url.path, query)

    def kong(self, path, query):
        if path == "/":
            return self.answer({"version": "3.10.0", "configuration": {"database": "postgres"}})
        if path == "/status":
            return self.answer({"server": {"total_requests": 1, "connections_active": 1},
                                "database": {"reachable": True}})
        if path.endswith("/health"):
            return self.answer({"data": [], "next": None})
        offset = int(query.get("offset", ["0"])[0])
        if MODE == "fanout":
            if path == "/upstreams":
                return self.answer({"data": [entry(i) for i in range(500)], "next": None})
            return self.answer({"data": [], "next": None})
        if MODE == "loop":
            return self.answer({"data": [entry(offset)], "next": f"{path}?offset=1"})
        if MODE == "slow":
            time.sleep(1)
        size = 300 * 1024 if MODE == "huge" else 0
        return self.answer({"data": [entry(offset, size)], "next": f"{path}?offset={offset + 1}"})

    def traefik(self, path, query):
        if path == "/api/version":
            return self.answer({"Version": "3.1.0", "Codename": "comte"})
        page = int(query.get("page", ["1"])[0])
        if MODE == "slow":
            time.sleep(1)
        size = 300 * 1024 if MODE == "huge" else 0
        item = {"name": f"r{page}@file", "status": "enabled", "provider": "file", "padding": "x" * size}
        return self.answer([item], {"X-Next-Page": str(page + 1)})


class RespHandler(socketserver.BaseRequestHandler):
    """Redis's protocol: reads the first command, then answers with ten million values (a million arrays of nine
    integers and their headers), each array well under Redis's own limits; stops when the reader goes away."""

    def handle(self):
        self.request.recv(65536)
        block = b"*1000\r\n" + (b"*9\r\n" + b":1\r\n" * 9) * 1000
        try:
            self.request.sendall(b"*1000\r\n")
            for _ in range(1000):  # bounded: 10 million values in all
                self.request.sendall(block)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    if PRODUCT == "redis":
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RespHandler)
    else:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"port {server.server_address[1]}", flush=True)
    # Ends with its parent: when standard input closes.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
