"""`python -m gpt_sovits synthesize`: text to a WAV file from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gpt_sovits.devices import DEFAULT_PRECISION, PRECISION_HELP, PRECISION_MODES
from gpt_sovits.errors import StudioError


def cmd_synthesize(args: argparse.Namespace) -> int:
    from gpt_sovits.audio.io import save_wav
    from gpt_sovits.inference import SynthesisRequest
    from gpt_sovits.inference.engine import engine_host

    if (args.text is None) == (args.text_file is None):
        raise StudioError("Give the text with exactly one of --text or --text-file.")
    text = args.text if args.text is not None else _read_text(Path(args.text_file))
    request = SynthesisRequest(
        text=text, language=args.lang, ref_audio=Path(args.ref_audio), ref_text=args.ref_text or "",
        ref_language=args.ref_lang, aux_ref_audio=tuple(Path(p) for p in args.aux_ref_audio),
        top_k=args.top_k, top_p=args.top_p, temperature=args.temperature,
        repetition_penalty=args.repetition_penalty, speed=args.speed, seed=args.seed, cut_method=args.cut,
        fragment_interval_s=args.fragment_interval, noise_scale=args.noise_scale,
        emphasis_strength=args.emphasis_strength,
    ).validate()
    host = engine_host()
    host.configure(pretrained_dir=Path(args.pretrained), device=args.device, precision=args.precision)
    result = host.synthesize_all(request, (Path(args.gpt), Path(args.sovits)))
    save_wav(Path(args.out), result.audio, result.sample_rate)
    for notice in result.notices:
        sys.stderr.write(f"note: {notice}\n")
    duration = len(result.audio) / result.sample_rate
    sys.stdout.write(
        f"Wrote {args.out}: {duration:.2f} s of audio in {len(result.chunks)} piece(s), seed {result.seed}, "
        f"{result.seconds_total:.2f} s to compute (real-time factor {result.real_time_factor:.2f}).\n"
    )
    return 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise StudioError(f"The text file {path} does not exist.") from e
    except UnicodeDecodeError as e:
        raise StudioError(f"The text file {path} is not UTF-8 text.") from e


def register(sub) -> None:
    from gpt_sovits.cli_common import DEFAULT_PRETRAINED
    from gpt_sovits.text.language import LANGUAGES
    from gpt_sovits.text.segmentation import SPLIT_METHODS

    p = sub.add_parser("synthesize", help="speak a text in the voice of a reference clip, to a WAV file")
    p.add_argument("--gpt", required=True, help="GPT model file (.ckpt or native .safetensors)")
    p.add_argument("--sovits", required=True, help="SoVITS model file (.pth or native .safetensors)")
    p.add_argument("--ref-audio", required=True, help="reference clip, ideally 3–10 s")
    p.add_argument("--ref-text", default="", help="what the reference clip says (empty: prompt-free mode)")
    p.add_argument("--ref-lang", default="auto", choices=LANGUAGES)
    p.add_argument("--aux-ref-audio", nargs="*", default=[], help="extra clips whose timbre is averaged in")
    p.add_argument("--text", help="the text to speak (markup allowed: [emph]…[/emph], [pause:0.5], {字|zi4})")
    p.add_argument("--text-file", help="read the text from this UTF-8 file instead")
    p.add_argument("--lang", default="auto", choices=LANGUAGES)
    p.add_argument("--out", required=True, help="output WAV file")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-k", type=int, default=15)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--repetition-penalty", type=float, default=1.35)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=-1, help="-1 for a random seed (printed)")
    p.add_argument("--noise-scale", type=float, default=0.5)
    p.add_argument("--cut", default="auto", choices=SPLIT_METHODS)
    p.add_argument("--fragment-interval", type=float, default=0.3, help="seconds of silence between pieces")
    p.add_argument("--emphasis-strength", type=float, default=1.0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--precision", default=DEFAULT_PRECISION, choices=PRECISION_MODES,
                   help=PRECISION_HELP)
    p.add_argument("--pretrained", default=str(DEFAULT_PRETRAINED), help="folder with HuBERT and BERT")
    p.set_defaults(func=cmd_synthesize)
