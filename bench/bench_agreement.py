"""Does a reduced-precision GPT say what the exact (float32) GPT says? Token agreement per piece.

    PYTHONPATH=. .venv/bin/python bench/bench_agreement.py [--models 20] [--sentences 20]
        [--variants int8,int8-g64,bf16,fp16,fp32-onednn,fp32-compiled] [--official 1] [--threads 2]

Random GPTs of several sizes and seeds (tiny to the official 24 layers), made as upstream's init makes them
(fp16-rounded, as a user loads them), none of them the models in ../shared/golden. For each model, each
sentence (Chinese, English, mixed; real phone ids from our front end, random BERT features and a random
prompt of 60-150 tokens) is decoded greedily (top-k 1) and sampled (top-k 15, a fixed seed) by the exact
model and by each variant, with the synthesizer's runaway limit (8 tokens per phone + 25). A piece agrees
when its tokens are identical; "longer" counts pieces more than 10% longer than exact's (a missed EOS).

Variants: ``int8`` (weight-only int8, one scale per row, float32 cache: the fast mode on a CPU until the fifth
session), ``int8-g64`` (the same weights quantised with one scale per 64 weights, run through float32 matmuls:
what group-wise scales would give), ``bf16`` and ``fp16`` (the linear layers in that precision), ``fp32-onednn`` (float32 with
the weights packed for oneDNN: models/cpu_matmul.py) and ``fp32-compiled`` (float32 through the compiled
decoding step, as the exact mode runs on x86 CPUs that are not Intel's: models/t2s/cpu_step.py).
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import machine_line  # noqa: E402

SENTENCES = [
    ("今天天气很好，我们去公园散步吧。", "zh"), ("他说这本书非常有意思，值得一读。", "zh"),
    ("明天也许会下雨，记得带伞出门。", "zh"), ("晚上的月亮又大又圆，照亮了回家的小路。", "zh"),
    ("学习新的语言需要耐心和坚持。", "zh"), ("妈妈做的饭菜总是那么香。", "zh"),
    ("请把窗户打开，屋里太热了。", "zh"), ("我们下周一起去海边旅行好不好？", "zh"),
    ("The quick brown fox jumps over the lazy dog.", "en"), ("Please call me back when you get home.", "en"),
    ("It was the best of times, it was the worst of times.", "en"), ("Where did you put the keys?", "en"),
    ("Reading a book before bed helps me sleep.", "en"), ("The meeting starts at nine tomorrow morning.", "en"),
    ("我今天用GPT模型做了一个test，效果不错。", "zh"), ("这个app的UI设计得很好看。", "zh"),
    ("周末我们去看了一场movie，非常精彩。", "zh"), ("请打开Bluetooth然后连接耳机。", "zh"),
    ("他的English说得比我好多了。", "zh"), ("我们用Python写了一个小程序。", "zh"),
]
SIZES = [  # (hidden, layers, heads, ffn)
    (64, 2, 2, 256), (64, 4, 4, 256), (96, 3, 4, 384), (128, 4, 4, 512), (128, 6, 8, 512),
    (192, 4, 6, 768), (256, 6, 8, 1024), (256, 8, 8, 1024), (384, 6, 8, 1536), (512, 8, 16, 2048),
]
OFFICIAL = (512, 24, 16, 2048)


def build_model(seed: int, size: tuple[int, int, int, int]):
    from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG
    from gpt_sovits.models.t2s.loading import build_gpt

    hidden, layers, heads, ffn = size
    config = copy.deepcopy(UPSTREAM_V2_CONFIG)
    config["model"].update({"embedding_dim": hidden, "hidden_dim": hidden, "n_layer": layers, "head": heads,
                            "linear_units": ffn})
    torch.manual_seed(seed)
    model = build_gpt(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    return model


def _fake_group_int8(model, group: int):
    """A float32 copy whose transformer linear weights are quantised to int8 with one scale per ``group``."""
    out = copy.deepcopy(model)
    with torch.no_grad():
        for layer in out.h.layers:
            for w in (layer.self_attn.in_proj_weight, layer.self_attn.out_proj.weight, layer.linear1.weight,
                      layer.linear2.weight):
                rows, cols = w.shape
                size = math.gcd(cols, group)  # 64 where the row length allows it
                g = w.view(rows, cols // size, size)
                scale = (g.abs().amax(-1, keepdim=True) / 127.0).clamp_min(1e-12)
                w.copy_((torch.round(g / scale).clamp(-127, 127) * scale).view(rows, cols))
    return out


def variant(model, name: str):
    from gpt_sovits.models.t2s.quantize import to_reduced_precision

    if name == "int8-g64":
        return _fake_group_int8(model, 64)
    if name in ("fp32-onednn", "fp32-compiled"):  # the exact mode's CPU paths where MKL is slow
        from gpt_sovits.models.t2s.quantize import pack_float32

        packed = copy.deepcopy(model)
        compiled = name == "fp32-compiled"
        if not pack_float32(packed, compiled=compiled) or (packed.step_kernel is not None) != compiled:
            raise SystemExit(f"{name} does not run on this machine")
        return packed
    return to_reduced_precision(model, name)


def pieces(n: int):
    from gpt_sovits.text import phonemize

    out = []
    picked = [SENTENCES[round(k * len(SENTENCES) / n)] for k in range(n)]  # spread over zh, en and mixed
    for i, (text, lang) in enumerate(picked):
        ids = list(phonemize(text, lang, version="v2").phone_ids)
        g = torch.Generator().manual_seed(1000 + i)
        bert = torch.randn(1024, len(ids), generator=g) * (0.0 if lang == "en" else 0.3)
        prompt = torch.randint(0, 1024, (60 + 5 * i,), generator=g)
        out.append((torch.tensor(ids), bert, prompt, 8 * len(ids) + 25))
    return out


def decode(model, piece, greedy: bool, seed: int) -> list[int]:
    phones, bert, prompt, limit = piece
    tokens, _ = model.generate(phones, bert, prompt, top_k=1 if greedy else 15, top_p=1.0, temperature=1.0,
                               repetition_penalty=1.35, early_stop_num=limit, seed=seed)
    return tokens[0, prompt.shape[0]:].tolist()


def compare_model(job: tuple) -> list[tuple[str, bool, float, int]]:
    """(variant key, same tokens, length ratio, |length difference|) for every piece of one model."""
    seed, size, n_sentences, names, threads = job
    torch.set_num_threads(threads)
    exact = build_model(seed, size)
    others = {name: variant(exact, name) for name in names}
    records = []
    for i, piece in enumerate(pieces(n_sentences)):
        for greedy in (True, False):
            want = decode(exact, piece, greedy, seed=i)
            for name, model in others.items():
                got = decode(model, piece, greedy, seed=i)
                ratio = len(got) / max(1, len(want))
                for key in (name, f"{name} {'greedy' if greedy else 'sampled'}"):
                    records.append((key, got == want, ratio, abs(len(got) - len(want))))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20, help="random models of the small sizes")
    parser.add_argument("--official", type=int, default=1, help="random models of the official size")
    parser.add_argument("--sentences", type=int, default=20)
    parser.add_argument("--official-sentences", type=int, default=6)
    parser.add_argument("--variants", default="int8,int8-g64,bf16,fp16")
    parser.add_argument("--threads", type=int, default=2, help="torch threads per model being compared")
    parser.add_argument("--workers", type=int, default=1, help="models compared at once (processes)")
    parser.add_argument("--progress-tables", action="store_true", help="print the table after every model too")
    args = parser.parse_args()
    names = args.variants.split(",")
    jobs = [(100 + k, OFFICIAL, args.official_sentences, names, args.threads) for k in range(args.official)]
    jobs += [(seed, SIZES[seed % len(SIZES)], args.sentences, names, args.threads) for seed in range(args.models)]
    stats = defaultdict(lambda: {"pieces": 0, "same": 0, "longer": 0, "shorter": 0, "shift": 0, "worst": 1.0})
    start = time.perf_counter()
    if args.workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"))
        results = pool.map(compare_model, jobs)
    else:
        pool, results = None, map(compare_model, jobs)
    for job, records in zip(jobs, results, strict=True):
        for key, same, ratio, shift in records:
            s = stats[key]
            s["pieces"] += 1
            s["same"] += same
            s["longer"] += ratio > 1.10
            s["shorter"] += ratio < 0.90
            s["shift"] += shift
            s["worst"] = max(s["worst"], ratio)
        print(f"model seed {job[0]} size {job[1]}: done ({time.perf_counter() - start:.0f} s)", flush=True)  # noqa: T201
        if args.progress_tables:
            print_table(stats, "so far")
    if pool is not None:
        pool.shutdown()
    print_table(stats, f"{machine_line(args.threads)}; {args.workers} worker(s); {len(jobs)} models ({args.models} "
                       f"small of {len(SIZES)} sizes, {args.official} official); {args.sentences} sentences "
                       f"({args.official_sentences} for official-size models)")


def print_table(stats: dict, header: str) -> None:
    print(f"\n{header}", flush=True)  # noqa: T201
    print("| variant | pieces | same tokens | > 10% longer | > 10% shorter | mean EOS shift (tokens) | worst length ratio |")  # noqa: T201
    print("| --- | --- | --- | --- | --- | --- | --- |")  # noqa: T201
    for key in sorted(stats):
        s = stats[key]
        print(f"| {key} | {s['pieces']} | {100 * s['same'] / s['pieces']:.1f}% | {s['longer']} | {s['shorter']} | "  # noqa: T201
              f"{s['shift'] / s['pieces']:.1f} | {s['worst']:.2f} |")


if __name__ == "__main__":
    main()
