"""The command-line side of the cluster: ``book render NAME --ray ADDRESS`` and ``serve --ray-replicas N``
(options added to the parsers the books and API modules made; without them, those commands run as before)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from gpt_sovits.cli_common import out

RAY_MISSING = ("--ray needs Ray, an optional install: pip install -r requirements-cluster.txt "
               "(or pip install .[cluster]).")


def cmd_render(args: argparse.Namespace) -> int:
    """``book render``: on Ray when ``--ray`` is given, else the local render of books.commands."""
    from gpt_sovits.books import commands as book_commands

    if not args.ray:
        return book_commands.cmd_render(args)
    _require_ray()
    from gpt_sovits.books.render import plan_lines
    from gpt_sovits.cluster.render import RayOptions, render_book_on_ray
    from gpt_sovits.cluster.worker import WorkerSettings

    project = book_commands._store(args).open(args.name)
    if args.voice:
        project.set_metadata(narrator_voice=args.voice)
    planned = plan_lines(project, Path(args.workspace), Path(args.pretrained), args.chapter or None)
    settings = WorkerSettings(Path(args.pretrained).resolve(), args.device, args.precision, args.ray_threads)
    options = RayOptions(args.ray, args.ray_actors, args.ray_threads, shared_files=args.ray_shared_files)
    progress = render_book_on_ray(project, planned, settings, options, args.batch_lines,
                                  on_progress=book_commands.progress_printer(),
                                  qc_settings=book_commands.qc_settings(args))
    out(f"Rendered {progress.rendered} of {progress.total} lines ({progress.reused} were already done) on Ray.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: on Ray Serve when ``--ray-replicas`` is given, else the single-process server."""
    from gpt_sovits.api import commands as api_commands

    if not args.ray_replicas:
        return api_commands.cmd_serve(args)
    _require_ray()
    from gpt_sovits.cluster.serve import ServeOptions, run_api

    options = api_commands.build_options(args)
    settings = api_commands.build_settings(args)
    gpus = 1.0 if args.device.startswith("cuda") else 0.0
    run_api(settings, options, ServeOptions(args.ray_replicas, gpus_per_replica=gpus), address=args.ray)
    return 0


def _require_ray() -> None:
    if importlib.util.find_spec("ray") is None:
        from gpt_sovits.errors import StudioError

        raise StudioError(RAY_MISSING)


def register(sub) -> None:
    """Add the Ray options to ``serve`` and ``book render``."""
    serve = sub.choices["serve"]
    serve.add_argument("--ray-replicas", type=int, default=0, metavar="N",
                       help="serve with Ray Serve: N replicas, one engine each (one GPU each with --device cuda); "
                            "needs Ray (requirements-cluster.txt)")
    serve.add_argument("--ray", default="auto", metavar="ADDRESS",
                       help="with --ray-replicas: the Ray cluster (auto, local or ray://HOST:10001; default auto)")
    serve.set_defaults(func=cmd_serve)
    book = next(a for a in sub.choices["book"]._actions if isinstance(a, argparse._SubParsersAction))
    register_book(book)


def register_book(group) -> None:
    """Add the Ray options to ``book render``."""
    p = group.choices["render"]
    p.add_argument("--ray", default="", metavar="ADDRESS",
                   help="render on a Ray cluster: auto (the cluster this machine joined with `ray start`), "
                        "local (a Ray of this machine only) or ray://HOST:10001 (needs Ray: requirements-cluster.txt)")
    p.add_argument("--ray-actors", type=int, default=0,
                   help="engines to start (default: one per GPU of the cluster, or one per two CPUs)")
    p.add_argument("--ray-threads", type=int, default=1, help="CPU threads of each engine without a GPU (default 1)")
    p.add_argument("--ray-shared-files", action="store_true",
                   help="voice clips and models have the same paths on every machine (a shared folder): "
                        "do not send them through Ray's object store")
    p.set_defaults(func=cmd_render)
