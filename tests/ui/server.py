"""Start the studio in a subprocess for tests, and wait until it answers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
URL_RE = re.compile(r"running at (http://[\d.]+:\d+)")


def _ephemeral_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StudioProcess:
    """``python app.py --no-browser ...`` with its output captured; a context manager."""

    def __init__(self, *args: str, pretrained: Path, workspace: Path, timeout_s: float = 60):
        port = [] if "--port" in args else ["--port", str(_ephemeral_port())]  # not 7860: other studios run there
        self.args = [sys.executable, str(REPO_ROOT / "app.py"), "--no-browser", "--pretrained", str(pretrained),
                     "--workspace", str(workspace), *port, *args]
        self.timeout_s = timeout_s
        self.output = ""
        self.url = None

    def __enter__(self) -> StudioProcess:
        env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.args, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + self.timeout_s
        while self.url is None:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"studio exited early with {self.proc.wait()}:\n{self.output}")
            self.output += line
            match = URL_RE.search(line)
            if match:
                self.url = match.group(1)
            if time.monotonic() > deadline:
                raise TimeoutError(self.output)
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"{self.url} did not answer within {self.timeout_s} s:\n{self.output}")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.proc.stdout:
            self.output += self.proc.stdout.read() or ""
            self.proc.stdout.close()
