"""A minimal OTLP/HTTP JSON collector for the tests (tracing, phone-home): records what the
gateway exports; mode="record" answers 200, "hang" never answers."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OtlpReceiver:
    """A minimal OTLP/HTTP JSON collector. mode="record" answers 200, "hang" never answers."""

    def __init__(self, host="127.0.0.1", mode="record"):
        self.requests = []
        self.hang = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append({"path": self.path,
                                          "content_type": self.headers.get("content-type"),
                                          "body": json.loads(body)})
                if mode == "hang":
                    receiver.hang.wait(60)
                    return
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self):
        out = []
        for r in list(self.requests):
            for rs in r["body"]["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    out.extend(ss["spans"])
        return out

    def stop(self):
        self.hang.set()
        self.server.shutdown()
        self.server.server_close()
