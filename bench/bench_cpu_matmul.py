"""Why float32 products are slow on some CPUs: PyTorch's default (MKL) against oneDNN-packed weights (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_cpu_matmul.py [--threads 2] [--repeats 5]

Shapes are those of the official v2 models: the GPT's decode step (24 layers' weights, 302 MB, read once
per token: more than any cache, as in real decoding), a batch of 4 sequences, a 450-position prefill,
BERT on a 20-character sentence and HuBERT on 6 s of audio. For the decode step the table also gives the
memory's own read speed (a sum over the same 302 MB), the floor of a step. Prints the machine line and a
table; the best of ``--repeats`` runs is kept (a busy machine only slows runs down).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

GPT_LAYER = ((1536, 512), (512, 512), (2048, 512), (512, 2048))  # q/k/v, out, ffn up, ffn down: (out, in)
GPT_LAYERS = 24


def best_seconds(fn, repeats: int, calls: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def decode_step_rows(repeats: int) -> list[tuple[str, str, str, str]]:
    """24 layers of GPT weights at 1 row: ms per step and the weights' read speed, MKL vs packed oneDNN."""
    from gpt_sovits.models.cpu_matmul import pack_weight, packed_linear

    g = torch.Generator().manual_seed(0)
    weights = [(torch.randn(o, i, generator=g) * 0.02, torch.randn(o, generator=g)) for _ in range(GPT_LAYERS)
               for o, i in GPT_LAYER]
    packed = [(pack_weight(w), b) for w, b in weights]
    x = {512: torch.randn(1, 512, generator=g), 2048: torch.randn(1, 2048, generator=g)}
    n_bytes = sum(w.numel() * 4 for w, _ in weights)
    flat = torch.cat([w.reshape(-1) for w, _ in weights])

    def mkl():
        for w, b in weights:
            F.linear(x[w.shape[1]], w, b)

    def onednn():
        for (w, _), (p, b) in zip(weights, packed, strict=True):
            packed_linear(x[w.shape[1]], p, b)

    cases = [("memory read (sum), floor", flat.sum), ("MKL F.linear", mkl), ("oneDNN packed", onednn)]
    try:  # the products of the GPT's compiled step (models/t2s/cpu_step.py), on numpy-allocated weights
        import numba
        import numpy as np

        from gpt_sovits.models.t2s.cpu_step_kernels import linear_rows

        numba.set_num_threads(torch.get_num_threads())
        arrays = [(np.array(w.numpy()), b.numpy(), np.empty((1, w.shape[0]), np.float32)) for w, b in weights]
        x_np = {k: v.numpy() for k, v in x.items()}

        halves = [(w.astype(np.float16).view(np.uint16), b, out) for w, b, out in arrays]

        def compiled():
            for w, b, out in arrays:
                linear_rows(x_np[w.shape[1]], w, b, out, False)

        def compiled_half():  # checkpoints store float16 weights: the compiled step then reads 16-bit ones
            for w, b, out in halves:
                linear_rows(x_np[w.shape[1]], w, b, out, False)

        cases.append(("compiled step (numba)", compiled))
        cases.append(("compiled step on float16-stored weights (reads half the bytes counted)", compiled_half))
    except ImportError:
        pass
    rows = []
    with torch.inference_mode():
        for name, fn in cases:
            s = best_seconds(fn, repeats, 5)
            rows.append((f"decode step, 24 layers x 4 products, 1 row: {name}", f"{s * 1e3:.2f} ms",
                         f"{n_bytes / s / 1e9:.1f} GB/s", ""))
    return rows


def product_rows(repeats: int) -> list[tuple[str, str, str, str]]:
    from gpt_sovits.models.cpu_matmul import pack_weight, packed_linear

    cases = [("GPT batch of 4, ffn up", 4, 512, 2048), ("GPT prefill 450 positions, q/k/v", 450, 512, 1536),
             ("BERT 20 tokens, ffn up", 20, 1024, 4096), ("BERT 20 tokens, ffn down", 20, 4096, 1024),
             ("HuBERT 6 s (300 frames), ffn up", 300, 768, 3072)]
    rows = []
    g = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        for name, m, k, n in cases:
            x, w, b = torch.randn(m, k, generator=g), torch.randn(n, k, generator=g) * 0.02, torch.randn(n, generator=g)
            p = pack_weight(w)
            t_mkl = best_seconds(lambda x=x, w=w, b=b: F.linear(x, w, b), repeats, 10)
            t_dnn = best_seconds(lambda x=x, p=p, b=b: packed_linear(x, p, b), repeats, 10)
            flops = 2 * m * k * n
            rows.append((f"{name} ({m}x{k} @ {k}x{n})", f"MKL {flops / t_mkl / 1e9:.0f} GFLOP/s",
                         f"oneDNN {flops / t_dnn / 1e9:.0f} GFLOP/s", f"{t_mkl / t_dnn:.2f}x"))
    return rows


def main() -> None:
    from bench.machine import machine_line
    from gpt_sovits.devices import cpu_vendor
    from gpt_sovits.models.cpu_matmul import onednn_available, packing_wanted

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not onednn_available():
        raise SystemExit("This torch build has no oneDNN linear operators.")
    print(machine_line(args.threads))  # noqa: T201
    print(f"vendor {cpu_vendor() or 'unknown'}: the studio packs float32 weights here: {packing_wanted('cpu')}")  # noqa: T201
    rows = decode_step_rows(args.repeats) + product_rows(args.repeats)
    width = max(len(r[0]) for r in rows)
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>20}  {row[2]:>20}  {row[3]:>6}")  # noqa: T201


if __name__ == "__main__":
    main()
