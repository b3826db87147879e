"""`python -m gpt_sovits serve`: the HTTP API (upstream api_v2 compatible), served by uvicorn."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from gpt_sovits.config import DEFAULT_API_PORT
from gpt_sovits.devices import DEFAULT_PRECISION, PRECISION_HELP, PRECISION_MODES

logger = logging.getLogger(__name__)


def build_options(args: argparse.Namespace):
    """The ApiOptions of the command line (validated: a non-loopback bind needs a token)."""
    from gpt_sovits.api.options import ApiOptions

    return ApiOptions(
        host=args.host, port=args.port, token=args.token or None, cors_origins=tuple(args.cors or ()),
        version=args.version, gpt_path=Path(args.gpt).resolve() if args.gpt else None,
        sovits_path=Path(args.sovits).resolve() if args.sovits else None, device=args.device,
        max_waiting=args.queue_depth, queue_deadline_s=args.queue_deadline,
    ).validate()


def build_settings(args: argparse.Namespace):
    """The StudioSettings of the command line (the workspace folder made when missing)."""
    from gpt_sovits.config import StudioSettings

    settings = StudioSettings(pretrained_dir=Path(args.pretrained).resolve(),
                              workspace_dir=Path(args.workspace).resolve(), host=args.host, port=args.port,
                              precision=args.precision).validate()
    settings.workspace_dir.mkdir(parents=True, exist_ok=True)
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gpt_sovits.api.app import create_app
    from gpt_sovits.api.server import server_config

    options = build_options(args)
    settings = build_settings(args)
    holder: dict = {}

    def shutdown() -> None:
        holder["server"].should_exit = True

    app = create_app(settings, options, shutdown=shutdown if options.token else None)
    server = uvicorn.Server(server_config(app, options.host, options.port))
    holder["server"] = server
    logger.info("Serving the API on http://%s:%d (token %s)", options.host, options.port,
                "required" if options.token else "off: loopback only")
    server.run()
    return 0


def register(sub) -> None:
    from gpt_sovits.api.options import MAX_WAITING, QUEUE_DEADLINE_S
    from gpt_sovits.cli_common import DEFAULT_PRETRAINED, DEFAULT_WORKSPACE

    p = sub.add_parser("serve", help="serve the HTTP API (compatible with upstream's api_v2 clients)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; others need --token)")
    p.add_argument("--port", type=int, default=DEFAULT_API_PORT, help=f"port (default {DEFAULT_API_PORT})")
    p.add_argument("--token", default=None,
                   help="secret clients must send (Authorization: Bearer T, or ?token=T); enables /control")
    p.add_argument("--cors", nargs="*", default=[], metavar="ORIGIN",
                   help="browser origins allowed to call the API, e.g. http://localhost:8000 (SillyTavern)")
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="folder of pretrained weights")
    p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help="folder of voices and uploads")
    p.add_argument("--gpt", default=None, help="GPT model to start with (default: the version's pretrained one)")
    p.add_argument("--sovits", default=None, help="SoVITS model to start with (default: the version's pretrained)")
    p.add_argument("--version", default="v2", help="model version of the defaults: v1, v2, v2Pro, v2ProPlus")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", default=DEFAULT_PRECISION, choices=PRECISION_MODES,
                   help=PRECISION_HELP)
    p.add_argument("--queue-depth", type=int, default=MAX_WAITING,
                   help=f"requests that may wait for the engine (default {MAX_WAITING}); more get 503 + Retry-After")
    p.add_argument("--queue-deadline", type=float, default=QUEUE_DEADLINE_S,
                   help=f"seconds a request may wait before it is dropped with 503 (default {QUEUE_DEADLINE_S:g})")
    p.set_defaults(func=cmd_serve)
