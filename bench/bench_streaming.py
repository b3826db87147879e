"""Streaming: first audio, silence between parts and total time for part schedules side by side (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_streaming.py [--precision exact|fast] [--runs 3]
        [--settings 12,25/32 12,12,25/8] [--models /tmp/off] [--tokens 100] [--threads 2]

Each setting is ``part sizes/vocoder rounding``: the confirmed tokens after which a part is made (the last size
repeats; Synthesizer.stream_piece's ``part_tokens``) and the frames streamed vocoder passes are rounded up to
(models/sovits/streaming.py's STREAM_BUCKET_FRAMES). The default compares the settings before and after the
fifth session's change. Official v2 sizes with random weights (bench_inference.py builds them), EOS banned so
every run makes the same number of tokens, a 20-character sentence; the settings alternate within one process,
so the host's drift hits them alike. "Silence" is what a player hears that starts with the first part and plays
the parts in order.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

import torch


def parse_setting(text: str) -> tuple[tuple[int, ...], int]:
    sizes, _, bucket = text.partition("/")
    return tuple(int(n) for n in sizes.split(",")), int(bucket or 8)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.bench_inference import ensure_official_pretrained, time_stream, write_reference
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="exact", choices=["exact", "fast"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settings", nargs="+", default=["12,25/32", "12,12,25/8"])
    parser.add_argument("--models", type=Path, help="keep the random models in this folder (built once, reused)")
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = [parse_setting(s) for s in args.settings]

    import gpt_sovits.models.sovits.streaming as streaming
    import gpt_sovits.models.t2s.decoding as decoding
    from gpt_sovits.inference import SynthesisRequest, Synthesizer

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.models or Path(tmp)
        gpt, sovits = ensure_official_pretrained(folder)
        ref = write_reference(folder / "ref.wav", 6)
        synth = Synthesizer.from_files(gpt, sovits, folder, device="cpu", precision=args.precision)
        synth.token_limit = lambda n_phones: args.tokens
        decoding.MIN_STEPS_BEFORE_EOS = 10**9  # EOS never allowed: the same work in every run
        request = SynthesisRequest(text="今天天气很好，我们一起去公园里散步吧。", language="zh", ref_audio=ref,
                                   ref_text="这是一段参考音频。", ref_language="zh", seed=1, cut_method="cut0")
        synth.synthesize_all(request)  # the reference is analysed once, outside the timed runs
        original = synth.stream_piece

        def run(sizes: tuple[int, ...], bucket: int) -> tuple[float, float, float]:
            synth.stream_piece = functools.partial(original, part_tokens=sizes)
            streaming.STREAM_BUCKET_FRAMES = bucket
            return time_stream(synth, request)

        for setting in settings:  # warm-up: each setting's vocoder shapes are built once
            run(*setting)
        results: dict[int, list] = {i: [] for i in range(len(settings))}
        for _ in range(args.runs):
            for i, setting in enumerate(settings):
                results[i].append(run(*setting))
    print(machine_line(args.threads))  # noqa: T201
    print(f"mode {args.precision}; {args.tokens} tokens; {args.runs} runs per setting, alternated")  # noqa: T201
    print("| parts (tokens) / rounding (frames) | first audio (s) | silence between parts (s) | whole (s) |")  # noqa: T201
    print("| --- | --- | --- | --- |")  # noqa: T201
    for i, (sizes, bucket) in enumerate(settings):
        cols = [" / ".join(f"{r[k]:.2f}" for r in results[i]) for k in range(3)]
        print(f"| {','.join(map(str, sizes))} / {bucket} | {cols[0]} | {cols[1]} | {cols[2]} |")  # noqa: T201


if __name__ == "__main__":
    main()
