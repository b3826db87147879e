"""Command-line entry of the studio UI: safe defaults, a free port, the browser."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import socket
import sys
from pathlib import Path

from gpt_sovits.config import DEFAULT_UI_PORT, is_loopback_host, load_settings
from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)
PORT_ATTEMPTS = 100


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port`` and we may bind it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", -1)):
                return False
            raise
    return True


def find_free_port(host: str, start: int, attempts: int = PORT_ATTEMPTS) -> int:
    """The first free port from ``start`` on; StudioError when none of ``attempts`` is free."""
    for port in range(start, min(start + attempts, 65536)):
        if port_is_free(host, port):
            return port
    raise StudioError(f"Ports {start}–{start + attempts - 1} on {host} are all in use; pass --port with a free one.")


def busy_port_reason(host: str, port: int) -> str:
    """Why ``host:port`` is taken, as far as we can tell: an earlier studio still running (it answers with
    our page title), another web server, or a program that is not a web server (or a port the system
    still holds for a closed connection)."""
    import urllib.request

    url_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    try:
        with urllib.request.urlopen(f"http://{url_host}:{port}/", timeout=2) as response:  # noqa: S310 - our own host
            page = response.read(200_000).decode("utf-8", errors="replace")
    except OSError:
        return ("another program holds it (or the system still keeps it for a connection that was just "
                "closed; it frees up within a minute).")
    if "GPT-SoVITS Studio" in page:
        return (f"an earlier GPT-SoVITS Studio is still running at http://{url_host}:{port} (close its terminal "
                "window or press Ctrl+C there to stop it).")
    return "another web server answers there."


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``USER:PASS`` -> (user, password)."""
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise StudioError("--auth must look like USER:PASSWORD, both parts non-empty.")
    return user, password


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="app.py", description="Start GPT-SoVITS Studio in your browser.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    parser.add_argument("--port", type=int, default=DEFAULT_UI_PORT, help="first port to try (default 7860)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    parser.add_argument("--auth", metavar="USER:PASS", help="require this login; needed for a non-local --host")
    parser.add_argument("--settings", metavar="FILE", help="settings YAML (default: settings.yaml in the studio folder)")
    parser.add_argument("--pretrained", metavar="DIR", help="folder of pretrained weights (default: pretrained/)")
    parser.add_argument("--workspace", metavar="DIR", help="folder of voices and outputs (default: workspace/)")
    parser.add_argument("--verbose", action="store_true", help="log debug messages")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, check them, and serve the studio until interrupted."""
    from gpt_sovits.config import PROJECT_ROOT
    from gpt_sovits.logs import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # never phone home
    try:
        auth = parse_auth(args.auth)
        if not is_loopback_host(args.host) and auth is None:
            raise StudioError(
                f"Refusing to listen on {args.host}: other computers could use the studio without a password. "
                "Add --auth USER:PASSWORD, or keep the default --host 127.0.0.1."
            )
        settings_path = Path(args.settings) if args.settings else PROJECT_ROOT / "settings.yaml"
        settings = load_settings(
            settings_path,
            pretrained_dir=args.pretrained,
            workspace_dir=args.workspace,
            host=args.host,
        )
        port = find_free_port(args.host, args.port)
    except StudioError as e:
        print(f"error: {e}", file=sys.stderr)  # noqa: T201 - CLI output
        return 2
    if port != args.port:
        print(f"Port {args.port} is busy: {busy_port_reason(args.host, args.port)} Using port {port} instead.",  # noqa: T201
              flush=True)
    _serve(settings, port, auth, open_browser=not args.no_browser, settings_path=settings_path)
    return 0


def _serve(settings, port: int, auth, open_browser: bool, settings_path: Path | None = None) -> None:
    from gpt_sovits.ui.app import build_app
    from gpt_sovits.ui.services import StudioServices

    settings.workspace_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(StudioServices(settings, settings_path=settings_path))
    url_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"GPT-SoVITS Studio is running at http://{url_host}:{port}  (Ctrl+C to stop)", flush=True)  # noqa: T201
    app.queue(default_concurrency_limit=1).launch(
        server_name=settings.host,
        server_port=port,
        share=False,
        inbrowser=open_browser,
        auth=auth,
        show_error=False,
        quiet=True,
        allowed_paths=[],
    )
