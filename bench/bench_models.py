"""Speed of the GPT and SoVITS models at the official v2 size, random weights (run by hand, prints a table).

    .venv/bin/python bench/bench_models.py [--tokens 200] [--threads 2] [--skip-sovits]

GPT: a fixed number of tokens (EOS never wins because generation is capped by ``early_stop_num``), fp32 and
the reduced-precision paths, each with its token agreement against fp32 (greedy, same inputs).
SoVITS (when the package provides a builder): decode time for about 10 s of audio.
"""

from __future__ import annotations

import argparse
import time

import torch

from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG
from gpt_sovits.models.t2s.loading import build_gpt
from gpt_sovits.models.t2s.quantize import PRECISIONS, to_reduced_precision


def _inputs(n_phones: int = 60, n_prompt: int = 150, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    phones = torch.randint(0, 732, (1, n_phones), generator=g)
    bert = torch.randn(1, 1024, n_phones, generator=g)
    prompt = torch.randint(0, 1024, (1, n_prompt), generator=g)
    return phones, bert, prompt


def _random_v2_gpt(seed: int = 0):
    torch.manual_seed(seed)
    model = build_gpt(UPSTREAM_V2_CONFIG).eval()
    with torch.no_grad():  # random init gives near-uniform logits; sharpen so greedy paths are meaningful
        model.ar_predict_layer.weight.mul_(6.0)
    return model


def bench_gpt(n_tokens: int, repeats: int) -> list[tuple[str, float, str]]:
    phones, bert, prompt = _inputs()
    base = _random_v2_gpt()
    kwargs = dict(top_k=1, repetition_penalty=1.35, early_stop_num=n_tokens - 1)
    rows = []
    reference = None
    for name in PRECISIONS:
        model = base if name == "fp32" else to_reduced_precision(base, name)
        model.generate(phones, bert, prompt, **{**kwargs, "early_stop_num": 9})  # warm-up
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            tokens, _ = model.generate(phones, bert, prompt, **kwargs)
            best = min(best, time.perf_counter() - t0)
        new = tokens[0, prompt.shape[1] :]
        assert new.numel() == n_tokens, new.numel()
        if reference is None:
            reference = new
            agree = "reference"
        else:
            same = (new == reference).float().mean().item()
            first_diff = (new != reference).nonzero()
            first = int(first_diff[0, 0]) if first_diff.numel() else n_tokens
            agree = f"{100 * same:.1f}% same, identical for first {first}"
        rows.append((f"GPT {name} ({n_tokens} tok, prefill {phones.shape[1]}+{prompt.shape[1]})",
                     n_tokens / best, agree))
    return rows


def bench_sovits(seconds: float) -> list[tuple[str, float, str]]:
    try:
        from gpt_sovits.models import checkpoint as ckpt_module
    except ImportError:
        return [("SoVITS decode", float("nan"), "gpt_sovits.models.checkpoint not available")]
    builder = getattr(ckpt_module, "build_sovits", None)
    if builder is None:
        return [("SoVITS decode", float("nan"), "no build_sovits() builder found")]
    from gpt_sovits.models.sovits_bench_support import decode_seconds  # pragma: no cover

    return decode_seconds(builder, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-sovits", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = bench_gpt(args.tokens, args.repeats)
    if not args.skip_sovits:
        rows += bench_sovits(10.0)
    print(f"torch {torch.__version__}, {args.threads} threads, CPU")
    print(f"{'case':58s} {'rate':>14s}  notes")
    for name, rate, note in rows:
        unit = "tokens/s" if name.startswith("GPT") else "x realtime"
        print(f"{name:58s} {rate:8.1f} {unit:<8s} {note}")


if __name__ == "__main__":
    main()
