"""`python -m gpt_sovits <command>`: a thin argparse layer over the public functions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from gpt_sovits import __version__
from gpt_sovits.cli_common import DEFAULT_PRETRAINED, DEFAULT_WORKSPACE
from gpt_sovits.cli_common import out as _out
from gpt_sovits.errors import StudioError, plain_line

logger = logging.getLogger("gpt_sovits.cli")


def cmd_download(args: argparse.Namespace) -> int:
    from gpt_sovits.pretrained import download_version

    last_shown: dict[str, int] = {}

    def progress(path: str, done: int, total: int | None) -> None:
        step = 10 * done // total if total else done // 50_000_000
        if last_shown.get(path) != step:
            last_shown[path] = step
            share = f"{100 * done / total:.0f}%" if total else f"{done / 1e6:.0f} MB"
            _out(f"  {path}: {share}")

    report = download_version(
        args.version, Path(args.pretrained), mirror=args.mirror, dry_run=args.dry_run, progress=progress
    )
    if args.dry_run:
        _out("Would download:" if report.downloaded else "Nothing to download.")
        for path in report.downloaded:
            _out(f"  {path}")
        return 0
    _out(report.summary())
    return 0 if report.ok else 1


def cmd_doctor(args: argparse.Namespace) -> int:
    from gpt_sovits.doctor import format_report, run_checks

    checks = run_checks(Path(args.pretrained), Path(args.workspace))
    _out(format_report(checks))
    return 0 if all(c.ok or not c.required for c in checks) else 1


def cmd_make_tiny(args: argparse.Namespace) -> int:
    from gpt_sovits.devtools.tiny_pretrained import make_tiny_pretrained

    written = make_tiny_pretrained(Path(args.dir), version=args.version, seed=args.seed)
    _out(f"Wrote {len(written)} files of random tiny {args.version} models to {args.dir}")
    return 0


def cmd_phonemize(args: argparse.Namespace) -> int:
    from gpt_sovits.text import phonemize

    result = phonemize(args.text, args.lang, version=args.version)
    data = {
        "norm_text": result.norm_text,
        "phones": list(result.phones),
        "phone_ids": list(result.phone_ids),
        "word2ph": None if result.word2ph is None else list(result.word2ph),
    }
    _out(json.dumps(data, ensure_ascii=False))
    return 0


def _register_module_commands(sub) -> None:
    """Subcommands that live beside their feature; each module keeps its heavy imports inside its
    command functions and imports ``cli_common``, never this module."""
    from gpt_sovits.api import commands as api_commands
    from gpt_sovits.books import commands as book_commands
    from gpt_sovits.cluster import commands as cluster_commands
    from gpt_sovits.data import commands as data_commands
    from gpt_sovits.inference import commands as inference_commands
    from gpt_sovits.training import commands as training_commands

    for module in (inference_commands, data_commands, training_commands, api_commands, book_commands,
                   cluster_commands):  # last: it adds Ray options to `serve` and `book render`
        module.register(sub)


def build_parser() -> argparse.ArgumentParser:
    from gpt_sovits.text.language import LANGUAGES

    parser = argparse.ArgumentParser(prog="python -m gpt_sovits", description="GPT-SoVITS Studio command line.")
    parser.add_argument("--version", action="version", version=f"GPT-SoVITS Studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("download", help="fetch the official pretrained weights")
    p.add_argument("--version", default="v2", help="model version: v1, v2, v2Pro, v2ProPlus (default v2)")
    p.add_argument("--mirror", default="hf", help="hf (default), hf-mirror, or a base URL with the hub's layout")
    p.add_argument("--dry-run", action="store_true", help="list what would be fetched, fetch nothing")
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="target folder (default pretrained/)")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("doctor", help="check Python, PyTorch, GPU, disk, weights and ffmpeg")
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED))
    p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE))
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("phonemize", help="show the phonemes of a text as JSON")
    p.add_argument("--lang", required=True, choices=LANGUAGES)
    p.add_argument("--version", default="v2", choices=["v1", "v2"], help="symbol set (default v2)")
    p.add_argument("text")
    p.set_defaults(func=cmd_phonemize)

    dev = sub.add_parser("dev", help="developer tools").add_subparsers(dest="dev_command", required=True, metavar="TOOL")
    p = dev.add_parser("make-tiny-pretrained", help="write small random models in the official layout")
    p.add_argument("dir", help="output folder (a pretrained/ look-alike)")
    p.add_argument("--version", default="v2", help="v1, v2, v2Pro or v2ProPlus (default v2)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_make_tiny)
    _register_module_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from gpt_sovits.logs import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    try:
        return args.func(args)
    except StudioError as e:
        sys.stderr.write(f"error: {plain_line(e)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
