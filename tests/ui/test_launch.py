import socket
import subprocess
import sys
import time

import pytest

from gpt_sovits.errors import StudioError
from gpt_sovits.ui import launch
from tests.ui.server import REPO_ROOT, StudioProcess


def _busy_socket(port: int = 0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


def test_find_free_port_skips_busy_ports():
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        assert not launch.port_is_free("127.0.0.1", port)
        assert launch.find_free_port("127.0.0.1", port) > port


def test_parse_auth():
    assert launch.parse_auth("ann:secret:x") == ("ann", "secret:x")
    assert launch.parse_auth(None) is None
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(StudioError, match="USER:PASSWORD"):
            launch.parse_auth(bad)


def test_non_loopback_host_refused_without_auth():
    result = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--no-browser"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--auth" in result.stderr and "Refusing" in result.stderr


@pytest.mark.slow
def test_serves_page_and_moves_to_next_port_when_taken(tmp_path):
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        start = time.monotonic()
        with StudioProcess("--port", str(port), pretrained=tmp_path / "p", workspace=tmp_path / "w") as studio:
            assert time.monotonic() - start < 30
            assert studio.url.startswith("http://127.0.0.1:")
            assert int(studio.url.rsplit(":", 1)[1]) != port
        assert f"Port {port} is busy: another program holds it" in studio.output
        assert f"Using port {int(studio.url.rsplit(':', 1)[1])} instead." in studio.output


def test_a_busy_port_is_explained(tmp_path):
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            body = b"<title>GPT-SoVITS Studio</title>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        reason = launch.busy_port_reason("127.0.0.1", server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    assert "earlier GPT-SoVITS Studio is still running" in reason
    with _busy_socket() as busy:
        assert "another program holds it" in launch.busy_port_reason("127.0.0.1", busy.getsockname()[1])
