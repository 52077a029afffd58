"""A hostile Fitbit-shaped API on loopback: every way an answer can hurt a client, one mode each.

The modes reproduce what an attack pass on the release binary tried (issue 18). Each test starts one server in
one mode and asserts hrexport's promised outcome: the exit code, one line, nothing written outside, nothing lost.
"""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER = "HOSTILE1"

# Modes of the token endpoint.
TOKEN_MODES = {"token-hang", "token-html", "token-no-refresh", "token-empty-refresh", "token-crlf-access",
               "token-user-dotdot", "token-user-newline"}
# Modes of the heart-rate day endpoint.
DAY_MODES = {"stall", "trickle", "endless", "huge", "deep-nesting", "invalid-utf8", "redirect-off-loopback"}


class Hostile:
    def __init__(self, mode: str = "normal", stall_seconds: float = 600):
        self.mode = mode
        self.stall_seconds = stall_seconds
        self.log = []
        self.rotation = 0
        self.stop_event = threading.Event()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                hostile.log.append(("POST", self.path))
                if self.path.endswith("/oauth2/token"):
                    hostile.token(self)
                else:
                    hostile.send_json(self, 200, {})

            def do_GET(self):
                hostile.log.append(("GET", self.path))
                if self.path.endswith("/profile.json"):
                    user = ".." if hostile.mode == "profile-dotdot" else USER
                    hostile.send_json(self, 200, {"user": {"encodedId": user, "timezone": "UTC", "memberSince": "2026-01-01"}})
                elif self.path.endswith("/devices.json"):
                    hostile.send_json(self, 200, [{"lastSyncTime": time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime())}])
                elif "/activities/heart/date/" in self.path:
                    hostile.day(self)
                else:
                    hostile.send_json(self, 404, {"errors": [{"errorType": "not_found", "message": "no such path"}]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()

    def requests(self, fragment: str):
        return [p for m, p in self.log if fragment in p]

    # Answers

    @staticmethod
    def send_json(handler, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def token(self, handler):
        self.rotation += 1
        answer = {"access_token": f"hostile-access-{self.rotation}", "expires_in": 28800,
                  "refresh_token": f"hostile-refresh-{self.rotation}", "scope": "heartrate profile settings",
                  "token_type": "Bearer", "user_id": USER}
        if self.mode == "token-hang":
            self.stop_event.wait(self.stall_seconds)
            return
        if self.mode == "token-html":
            body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        if self.mode == "token-no-refresh":
            del answer["refresh_token"]
        elif self.mode == "token-empty-refresh":
            answer["refresh_token"] = ""
        elif self.mode == "token-crlf-access":
            answer["access_token"] = "abc\r\nX-Injected: stolen"
        elif self.mode == "token-user-dotdot":
            answer["user_id"] = ".."
        elif self.mode == "token-user-newline":
            answer["user_id"] = "A\nB"
        self.send_json(handler, 200, answer)

    def day(self, handler):
        mode = self.mode
        day = handler.path.split("/date/")[1].split("/")[0]
        if mode == "stall":
            # Headers and one byte of a promised 1000, then nothing.
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            handler.wfile.write(b"{")
            handler.wfile.flush()
            self.stop_event.wait(self.stall_seconds)
            return
        if mode == "trickle":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            for _ in range(100000):
                if self.stop_event.wait(0.3):
                    return
                try:
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
                except OSError:
                    return
            return
        if mode == "endless":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            chunk = b" " * 65536
            framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            try:
                while not self.stop_event.is_set():
                    handler.wfile.write(framed)
            except OSError:
                return
            return
        if mode == "huge":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(200 << 20))
            handler.end_headers()
            try:
                handler.wfile.write(b" " * (1 << 20))
            except OSError:
                pass
            return
        if mode == "deep-nesting":
            body = b'{"activities-heart":' + b"[" * 200000 + b"]" * 200000 + b"}"
        elif mode == "invalid-utf8":
            body = (b'{"activities-heart":[{"dateTime":"' + day.encode() + b'","value":{"heartRateZones":[]}}],'
                    b'"activities-heart-intraday":{"dataset":[{"time":"\xff\xfe:00:00","value":70}],"datasetType":"minute"}}')
        elif mode == "redirect-off-loopback":
            handler.send_response(302)
            handler.send_header("Location", "http://198.51.100.7/steal" + handler.path)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        else:
            body = json.dumps({"activities-heart": [{"dateTime": day, "value": {"heartRateZones": [], "restingHeartRate": 60}}],
                               "activities-heart-intraday": {"dataset": [{"time": "00:00:00", "value": 70}, {"time": "00:01:00", "value": 71}],
                                                             "datasetInterval": 1, "datasetType": "minute"}}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
