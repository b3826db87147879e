"""SoVITS decoding speed at the official v2 size, random weights (run by hand, prints a table).

    .venv/bin/python bench/bench_sovits.py [--seconds 1 5 10] [--threads 2] [--repeats 1]

For each audio length: the whole ``decode`` (content encoder, flow, vocoder) of the model as built
(weight norm recomputed per call, float32), of the folded float32 copy and of the bfloat16-vocoder
copy from ``optimize_for_inference``, with the peak resident memory of each step and the agreement
(SNR, max abs error, log-mel L1 above a 60 dB floor) of each copy with the reference output. Then streaming: the time
until the first chunk of audio (first 25 tokens = 1 s) and the agreement of the joined chunks.
Times on a shared machine are noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from gpt_sovits.models.sovits import build_sovits
from gpt_sovits.models.sovits.inference_opt import optimize_for_inference, waveform_agreement
from gpt_sovits.models.sovits.streaming import StreamDecoder

TOKENS_PER_SECOND = 25
PHONES_PER_SECOND = 12


def _reset_peak_rss() -> None:
    try:  # Linux: writing 5 resets the peak resident set size of this process
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_gib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _inputs(seconds: float, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 1024, (1, 1, int(seconds * TOKENS_PER_SECOND)), generator=g)
    phones = torch.randint(1, 732, (1, max(4, int(seconds * PHONES_PER_SECOND))), generator=g)
    spec = torch.rand(1, 1025, 200, generator=g)
    return codes, phones, spec


def _timed(fn, repeats: int):
    fn()  # warm-up (oneDNN picks kernels, caches weights)
    _reset_peak_rss()
    best = float("inf")
    for _ in range(repeats):  # the fastest run: the others waited for the shared CPU
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, _peak_rss_gib(), out


def bench_decode(models: dict, seconds: list[float], repeats: int) -> list[tuple]:
    rows = []
    for sec in seconds:
        inputs = _inputs(sec)
        reference = None
        for name, model in models.items():
            seconds_taken, rss, wav = _timed(lambda m=model, i=inputs: m.decode(i[0], i[1], [i[2]], noise_scale=0.0),
                                             repeats)
            if reference is None:
                reference, base = wav, seconds_taken
                agree = "reference"
            else:
                a = waveform_agreement(reference, wav)
                agree = f"SNR {a['snr_db']:6.1f} dB  max {a['max_abs']:.1e}  mel-L1 {a['mel_l1']:.4f}"
            rows.append((f"{sec:g} s", name, seconds_taken, base / seconds_taken, rss, agree))
        # Scale for the numbers above: the reference plus white noise 50 dB below it.
        g = torch.Generator().manual_seed(0)
        noisy = reference + torch.randn(reference.shape, generator=g) * reference.pow(2).mean().sqrt() * 10 ** -2.5
        a = waveform_agreement(reference, noisy)
        rows.append((f"{sec:g} s", "(reference + white noise at -50 dB)", float("nan"), float("nan"), float("nan"),
                     f"SNR {a['snr_db']:6.1f} dB  max {a['max_abs']:.1e}  mel-L1 {a['mel_l1']:.4f}"))
    return rows


def bench_streaming(model, reference_model, seconds: float, chunk_tokens: int) -> tuple[float, float, str]:
    codes, phones, spec = _inputs(seconds, seed=1)
    with torch.inference_mode():
        ge = model.reference_embedding([spec])
        whole = reference_model.decode(codes, phones, [spec], noise_scale=0.0)
        StreamDecoder(model, phones, ge, noise_scale=0.0).push(codes[..., :chunk_tokens])  # warm-up
        stream = StreamDecoder(model, phones, ge, noise_scale=0.0)
        start = time.perf_counter()
        parts = [stream.push(codes[..., :chunk_tokens])]
        first = time.perf_counter() - start
        for n in range(2 * chunk_tokens, codes.shape[-1], chunk_tokens):
            parts.append(stream.push(codes[..., :n]))
        parts.append(stream.push(codes, final=True))
        total = time.perf_counter() - start
    a = waveform_agreement(whole, torch.cat(parts))
    return first, total, f"SNR {a['snr_db']:.1f} dB  max {a['max_abs']:.1e}  mel-L1 {a['mel_l1']:.4f}"


def main() -> None:
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[1, 5, 10])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--stream-seconds", type=float, default=6.0)
    parser.add_argument("--chunk-tokens", type=int, default=25)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    start = time.perf_counter()
    model = build_sovits("v2").eval()
    model.enc_q = None
    models = {"fp32 as built (weight norm per call)": model}
    prep_start = time.perf_counter()
    models["fp32 folded + channels-last"] = optimize_for_inference(model, "fp32")
    models["bf16 vocoder"] = optimize_for_inference(model, "bf16")
    prep = (time.perf_counter() - prep_start) / 2
    print(machine_line(args.threads))  # noqa: T201
    print(f"official v2 SoVITS, random weights, {args.threads} threads; build {prep_start - start:.1f} s, "
          f"optimize_for_inference {prep:.2f} s per copy")
    print(f"{'audio':>6} | {'model':<38} | {'decode s':>8} | {'speed-up':>8} | {'peak RSS GiB':>12} | agreement")
    with torch.inference_mode():
        for audio, name, sec, ratio, rss, agree in bench_decode(models, args.seconds, args.repeats):
            print(f"{audio:>6} | {name:<38} | {sec:8.3f} | {ratio:7.2f}x | {rss:12.2f} | {agree}")
    for name in ("fp32 folded + channels-last", "bf16 vocoder"):
        first, total, agree = bench_streaming(models[name], model, args.stream_seconds, args.chunk_tokens)
        print(f"streaming {name}: {args.stream_seconds:g} s of audio in {args.chunk_tokens}-token pushes: "
              f"first audio after {first:.3f} s, all in {total:.3f} s; joined vs whole decode: {agree}")


if __name__ == "__main__":
    main()
