"""A local HTTP server standing in for the model hub (``/<repo>/resolve/main/<path>``)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class HubFiles:
    """Files served by the fake hub, and knobs to make it misbehave."""

    files: dict[str, bytes] = field(default_factory=dict)  # "repo/path" -> content
    cut_after: dict[str, int] = field(default_factory=dict)  # break the connection after N bytes (once)
    ignore_range: bool = False
    announce_sha256: bool = True
    corrupt: set[str] = field(default_factory=set)  # serve flipped bytes, announce the true sha
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)


def _make_handler(hub: HubFiles):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_GET(self):
            path = unquote(self.path.lstrip("/"))
            key = path.replace("/resolve/main/", "/", 1)
            hub.requests.append((key, self.headers.get("Range")))
            if key not in hub.files:
                self.send_error(404)
                return
            body = hub.files[key]
            sha = hashlib.sha256(body).hexdigest()
            if key in hub.corrupt:
                body = bytes(b ^ 0xFF for b in body)
            start = 0
            rng = self.headers.get("Range")
            if rng and not hub.ignore_range:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Length", str(len(payload)))
            if hub.announce_sha256:
                self.send_header("X-Linked-Etag", f'"{sha}"')
                self.send_header("X-Linked-Size", str(len(body)))
            self.end_headers()
            cut = hub.cut_after.pop(key, None)
            if cut is not None:
                self.wfile.write(payload[:cut])
                self.wfile.flush()
                self.connection.shutdown(2)  # simulate a dropped connection
                return
            self.wfile.write(payload)

    return Handler


class FakeHub:
    """Context manager running the fake hub on 127.0.0.1 with a free port."""

    def __init__(self, hub: HubFiles):
        self.hub = hub
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(hub))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
