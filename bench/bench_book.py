"""Audiobook rendering speed: a 30-line chapter at the official v2 sizes with random weights (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_book.py [--lines 30] [--tokens 100] [--device cpu|cuda]
        [--threads 2] [--precision fast|exact] [--models DIR]

Builds (or reuses with --models) official-size random models, a workspace voice and a book of one chapter,
then renders the chapter through the book renderer (engine host, consecutive lines in GPT batches, takes
written to the store), renders it again (nothing to do: every take is found by its key), and speaks the
same lines through single-sentence synthesis one by one. Random weights rarely stop by themselves, so every
line generates exactly --tokens semantic tokens (100 = 4 s of audio). Prints lines per minute and the
real-time factor of each.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

SENTENCES = ("今天天气很好，我们一起去公园散步。", "明天也许会下雨，记得带伞出门。", "他说这本书非常有意思，值得一读。",
             "我们下周一起去海边旅行好不好？", "晚上的月亮又大又圆，照亮了小路。", "妈妈做的饭菜总是那么香。")


def make_book(workspace: Path, models: tuple[Path, Path], lines: int):
    from bench.bench_inference import write_reference
    from gpt_sovits.books.importing import pasted_text
    from gpt_sovits.books.project import BookStore
    from gpt_sovits.data.workspace import Workspace

    voice = Workspace(workspace).create_voice("bench")
    write_reference(voice.root / "references" / "ref.wav", 5)
    voice.update_meta(reference={"audio": "references/ref.wav", "text": "这是一段参考音频。", "language": "zh"},
                      models={"gpt": str(models[0]), "sovits": str(models[1])})
    voice.give_consent()
    project = BookStore(workspace).create("bench")
    text = "第一章 开始\n" + "\n".join(SENTENCES[i % len(SENTENCES)] for i in range(lines - 1))
    project.fill_from(pasted_text(text))
    project.set_metadata(narrator_voice="bench", language="zh")
    return project


def main() -> None:
    from bench.bench_inference import ensure_official_pretrained
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--tokens", type=int, default=100, help="semantic tokens per line (100 = 4 s of audio)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="fast", choices=["fast", "exact"])
    parser.add_argument("--models", type=Path, help="keep the random models in this folder (built once, reused)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from gpt_sovits.books.render import RenderJob, plan_lines
    from gpt_sovits.books.synthesis import EngineLines
    from gpt_sovits.inference import SynthesisRequest
    from gpt_sovits.inference.engine import BATCH, EngineHost, LoadSettings

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.models or Path(tmp) / "models"
        models = ensure_official_pretrained(folder)
        workspace = Path(tmp) / "workspace"
        project = make_book(workspace, models, args.lines)
        host = EngineHost(settings=LoadSettings(pretrained_dir=folder, device=args.device, precision=args.precision))
        synth = host.call(host.engine_for, models)
        synth.token_limit = lambda n_phones: args.tokens  # fixed work per line
        planned = plan_lines(project, workspace, folder)
        voice = planned[0].request.voice
        synth.prepare_reference(voice.ref_audio, voice.ref_text, voice.ref_language)  # analysed once, not timed
        rows = []
        for label in ("book renderer (GPT batches of 4 lines)", "book renderer again (unchanged book)"):
            t0 = time.perf_counter()
            progress = RenderJob(project, plan_lines(project, workspace, folder), EngineLines(host)).run()
            wall = time.perf_counter() - t0
            audio_s = sum(ln.duration_s for ln in project.book.chapters[0].lines)
            rows.append((label, progress.rendered, wall, audio_s if progress.rendered else 0.0))
        t0 = time.perf_counter()
        audio_s = 0.0
        for p in planned:
            request = SynthesisRequest(text=p.request.text, language="zh", ref_audio=voice.ref_audio,
                                       ref_text=voice.ref_text, ref_language="zh", seed=p.request.seed, cut_method="cut0",
                                       fragment_interval_s=0.0)
            result = host.synthesize_all(request, models, priority=BATCH)
            audio_s += len(result.audio) / result.sample_rate
        rows.append(("single-sentence synthesis, one by one", len(planned), time.perf_counter() - t0, audio_s))
        host.close()
    print(machine_line(args.threads, args.device))  # noqa: T201
    print(f"{args.lines} lines, {args.tokens} tokens each, device {args.device}, {args.threads} threads, "
          f"{args.precision} mode")
    print("| path | lines rendered | seconds | lines/min | real-time factor |")
    print("| --- | --- | --- | --- | --- |")
    for label, n, wall, audio in rows:
        rtf = f"{wall / audio:.3f}" if audio else "-"
        print(f"| {label} | {n} | {wall:.1f} | {60 * args.lines / wall:.0f} | {rtf} |")


if __name__ == "__main__":
    main()
