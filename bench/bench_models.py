"""Speed of the GPT and SoVITS models at the official v2 size, random weights (run by hand, prints a table).

    PYTHONPATH=. .venv/bin/python bench/bench_models.py [--tokens 200] [--threads 2] [--batch 4] [--skip-sovits]

GPT: a fixed number of tokens (greedy; the run is capped by ``early_stop_num`` and EOS did not win in these
runs, which the script checks), fp32 and the reduced-precision paths (bf16, fp16, int8 weight-only), each
with its token agreement against fp32, and a batch of sentences decoded together.
On a shared machine the numbers swing with the other load: compare rows of one run, and note the load average.
SoVITS (when the package provides a builder): decode time for about 10 s of audio.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from gpt_sovits.models.t2s.config import SEMANTIC_HZ, UPSTREAM_V2_CONFIG
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


def bench_gpt_batch(n_tokens: int, batch: int) -> list[tuple[str, float, str]]:
    """Several sentences decoded together (same weights read once per step for all of them)."""
    from gpt_sovits.models.t2s.batch_decoding import generate_batch

    model = _random_v2_gpt()
    items = [_inputs(seed=i) for i in range(batch)]
    kwargs = dict(top_k=1, repetition_penalty=1.35, early_stop_num=n_tokens - 1)
    generate_batch(model, items, **{**kwargs, "early_stop_num": 9})  # warm-up
    t0 = time.perf_counter()
    results = generate_batch(model, items, **kwargs)
    elapsed = time.perf_counter() - t0
    total = sum(int(tokens.shape[1]) - int(item[2].shape[1]) for (tokens, _), item in zip(results, items, strict=True))
    same = all(torch.equal(model.generate(*items[i], **kwargs)[0], results[i][0]) for i in range(min(2, batch)))
    return [(f"GPT fp32 batch of {batch} ({total} tok total)", total / elapsed,
             "tokens identical to one-by-one" if same else "tokens differ from one-by-one")]


def bench_sovits(seconds: float) -> list[tuple[str, float, str]]:
    """SoVITS v2 (official size, random weights) decoding ``seconds`` of audio; rate = audio s per wall s."""
    try:
        from gpt_sovits.models.sovits.builder import build_sovits
    except ImportError as e:
        return [("SoVITS decode", float("nan"), f"SoVITS package not available: {e}")]
    torch.manual_seed(0)
    model = build_sovits("v2").eval()
    n_codes = int(seconds * SEMANTIC_HZ)
    codes = torch.randint(0, 1024, (1, 1, n_codes))
    phones = torch.randint(0, 732, (1, int(seconds * 12)))
    refer = torch.rand(1, 1025, 250)  # 5 s reference spectrogram
    with torch.inference_mode():
        model.decode(codes[:, :, :25], phones[:, :12], [refer], noise_scale=0.0)  # warm-up
        t0 = time.perf_counter()
        wav = model.decode(codes, phones, [refer], noise_scale=0.0)
        elapsed = time.perf_counter() - t0
    audio_s = wav.shape[-1] / 32000
    return [(f"SoVITS v2 decode ({audio_s:.1f} s audio)", audio_s / elapsed, f"{elapsed:.2f} s wall")]


def main() -> None:
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4, help="sentences decoded together (1: skip)")
    parser.add_argument("--skip-sovits", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = bench_gpt(args.tokens, args.repeats)
    if args.batch > 1:
        rows += bench_gpt_batch(args.tokens, args.batch)
    if not args.skip_sovits:
        rows += bench_sovits(10.0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(machine_line(args.threads))  # noqa: T201
    print(f"torch {torch.__version__}, {args.threads} threads, CPU, load average at the end {load:.1f}")
    print(f"| {'case':50s} | {'rate':>19s} | notes")
    print(f"|{'-' * 52}|{'-' * 21}|------")
    for name, rate, note in rows:
        unit = "tokens/s" if name.startswith("GPT") else "x realtime"
        print(f"| {name:50s} | {rate:8.1f} {unit:<10s} | {note}")


if __name__ == "__main__":
    main()
