"""`python -m gpt_sovits prepare-audio | transcribe | prepare-dataset`: a voice's data from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from gpt_sovits.cli_common import DEFAULT_PRETRAINED, DEFAULT_WORKSPACE
from gpt_sovits.cli_common import out as _out


def _open_voice(args: argparse.Namespace, create: bool):
    from gpt_sovits.data.workspace import Workspace, check_voice_name

    workspace = Workspace(Path(args.workspace))
    name = check_voice_name(args.voice)
    if create and name not in workspace.list_voices():
        voice = workspace.create_voice(name)
        _out(f"Created voice {name!r} in {workspace.root}.")
    else:
        voice = workspace.voice(name)
    if getattr(args, "consent", False) and not voice.has_consent:
        voice.give_consent(True)
        _out("Consent recorded.")
    return voice


def _print_event(event) -> None:
    _out(event.describe())


def cmd_prepare_audio(args: argparse.Namespace) -> int:
    from gpt_sovits.data.audio_import import prepare_audio
    from gpt_sovits.data.workspace import CONSENT_STATEMENT

    voice = _open_voice(args, create=True)
    if not voice.has_consent:
        _out(f"Note: before training, confirm \"{CONSENT_STATEMENT}\" on the Voice data tab or rerun with --consent.")
    report = prepare_audio(voice, [Path(f) for f in args.files], denoise_strength=args.denoise,
                           slice=not args.no_slice, language=args.lang)  # fmt: skip
    for f in report.files:
        if f.error:
            _out(f"{f.source.name}: NOT USED: {f.error}")
            continue
        again = " (already a recording of this voice: sliced again, not imported twice)" if f.resliced else ""
        _out(f"{f.source.name}: {len(f.clips)} clip(s), {len(f.dropped)} too short and left out{again}")
        for warning in f.warnings:
            _out(f"  warning: {warning}")
    total = len(report.clips)
    _out(f"{total} clip(s) added to {voice.path('clips')}. Next: type their text in "
         f"{voice.path('transcripts.list')} or run `python -m gpt_sovits transcribe --voice {voice.name!r}`.")  # fmt: skip
    return 1 if report.failed else 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from gpt_sovits.data.asr import transcribe_voice

    voice = _open_voice(args, create=False)
    report = transcribe_voice(voice, backend=args.asr, language=args.lang, pretrained_dir=Path(args.pretrained),
                              device=args.device, on_event=_print_event)  # fmt: skip
    _out(f"{len(report.filled)} transcript(s) filled, {report.kept} kept as they were, {len(report.failed)} left empty.")
    for name, reason in report.failed:
        _out(f"  {name}: {reason}")
    return 1 if report.failed else 0


def cmd_prepare_dataset(args: argparse.Namespace) -> int:
    from gpt_sovits.data.prepare import prepare_dataset

    voice = _open_voice(args, create=False)
    report = prepare_dataset(voice, Path(args.pretrained), version=args.version, device=args.device,
                             on_event=_print_event)  # fmt: skip
    _out(report.summary())
    return 0


def _voice_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", required=True, help="voice name (a folder in the workspace)")
    p.add_argument("--workspace", default=str(DEFAULT_WORKSPACE), help="workspace folder (default workspace/)")


def register(sub) -> None:
    """Add the data-preparation subcommands to the main parser's subparsers."""
    from gpt_sovits.data.manifest import LANGUAGE_CODES

    p = sub.add_parser("prepare-audio", help="copy, clean and slice recordings into a voice's clips")
    p.add_argument("files", nargs="+", metavar="FILE", help="recordings: wav, flac, mp3, ogg (m4a etc. need ffmpeg)")
    _voice_arguments(p)
    p.add_argument("--denoise", type=float, default=None, metavar="STRENGTH", help="noise reduction 0-1 (default off)")
    p.add_argument("--no-slice", action="store_true", help="keep each file whole as one clip")
    p.add_argument("--lang", default="zh", choices=LANGUAGE_CODES, help="language of the speech")
    p.add_argument("--consent", action="store_true",
                   help="confirm this is your voice or you have the speaker's permission to clone it")  # fmt: skip
    p.set_defaults(func=cmd_prepare_audio)

    p = sub.add_parser("transcribe", help="fill missing transcripts with speech recognition (optional extra)")
    _voice_arguments(p)
    p.add_argument("--asr", default=None, choices=["faster-whisper", "funasr"], help="backend (default: first installed)")
    p.add_argument("--lang", default=None, help="language of the speech (default: each line's own)")
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="models folder; ASR models in <it>/asr/")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("prepare-dataset", help="compute the features training needs (resumable)")
    _voice_arguments(p)
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="pretrained models folder")
    p.add_argument("--version", default="v2", help="v1, v2, v2Pro or v2ProPlus (default v2)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.set_defaults(func=cmd_prepare_dataset)

