"""The measurements of bench/gpu_check.sh on one CUDA GPU, printed as one Markdown table.

    PYTHONPATH=. python bench/gpu_check.py [--models DIR] [--tokens 250] [--steps 20] [--pytest-summary FILE]

Official v2 sizes with random weights (nothing is downloaded):
- synthesis in the fast (float32 GPT; float16 vocoder, HuBERT and BERT) and exact (float32) modes: GPT tokens/s,
  real-time factor for 10 s of audio, time to first audio (whole and streamed), peak VRAM;
- a 20-step SoVITS and GPT fine-tune with autocast at two batch sizes: s/step, peak VRAM, whether every
  loss was finite, and the VRAM pre-flight's estimate (training/preflight.MEMORY_MODEL) against the peak.
Each part reports its own error in its row instead of stopping the others.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GIB = 1024**3
Row = tuple[str, str]


def _reset_vram() -> None:
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()


def _peak_gib() -> float:
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / GIB


def environment_rows() -> list[Row]:
    props = torch.cuda.get_device_properties(0)
    free, total = torch.cuda.mem_get_info()
    from bench.machine import cpu_description

    return [("host CPU", cpu_description()),
            ("GPU", f"{props.name}, {total / GIB:.0f} GiB ({free / GIB:.0f} free), capability {props.major}.{props.minor}"),
            ("torch / CUDA / cuDNN", f"{torch.__version__} / {torch.version.cuda} / {torch.backends.cudnn.version()}"),
            ("bf16 supported", str(torch.cuda.is_bf16_supported()))]


def _reference(folder: Path) -> Path:
    from bench.bench_inference import write_reference

    return write_reference(folder / "ref.wav", 5)


def inference_rows(folder: Path, precision: str, tokens: int) -> list[Row]:
    """Synthesis at official size with a fixed number of tokens per piece (EOS is never awaited)."""
    from gpt_sovits.inference import SynthesisRequest, Synthesizer

    ref = _reference(folder)
    _reset_vram()
    t0 = time.perf_counter()
    synth = Synthesizer.from_files(folder / "gpt.ckpt", folder / "s2G.pth", folder, device="cuda", precision=precision)
    load_s = time.perf_counter() - t0
    loaded_gib = torch.cuda.memory_allocated() / GIB
    gpt_times: list[tuple[int, float]] = []
    generate = synth.gpt.generate

    def timed(*a, **kw):
        torch.cuda.synchronize()
        start = time.perf_counter()
        out = generate(*a, **kw)
        torch.cuda.synchronize()
        gpt_times.append((int(out[1]), time.perf_counter() - start))
        return out

    synth.gpt.generate = timed
    request = SynthesisRequest(text="今天天气很好，我们去公园散步吧。", language="zh", ref_audio=ref,
                               ref_text="这是一段参考音频。", ref_language="zh", seed=1, cut_method="cut0")
    synth.token_limit = lambda n_phones: max(1, tokens - 70)  # warm-up at another length
    synth.synthesize_all(request)
    synth.token_limit = lambda n_phones: tokens
    gpt_times.clear()
    result = synth.synthesize_all(request)
    n_tok, gpt_s = gpt_times[0]
    synth.token_limit = lambda n_phones: 100
    t0 = time.perf_counter()
    first = None
    for _chunk in synth.synthesize(request, stream=True):
        first = first if first is not None else time.perf_counter() - t0
    long_text = ("今天天气很好，我们一起去公园散步。明天也许会下雨，记得带伞出门。他说这本书非常有意思，值得一读。"
                 "我们下周一起去海边旅行好不好？晚上的月亮又大又圆，照亮了小路。妈妈做的饭菜总是那么香。"
                 "学习新的语言需要耐心和坚持。周末我们可以在家里看电影。")
    long_request = SynthesisRequest(text=long_text, language="zh", ref_audio=ref, ref_text="这是一段参考音频。",
                                    ref_language="zh", seed=1, cut_method="cut5")
    batch_rtf = {}
    for batch in (1, 4):
        synth.batch_pieces = batch
        batch_rtf[batch] = synth.synthesize_all(long_request).real_time_factor
    audio_s = len(result.audio) / result.sample_rate
    p = f"{precision} ({synth.precisions.gpt} GPT, {synth.precisions.vocoder} vocoder)"
    return [(f"{p}: load + warm-up", f"{load_s:.1f} s, {loaded_gib:.2f} GiB of weights on the GPU"),
            (f"{p}: {audio_s:.1f} s of audio end to end", f"{result.seconds_total:.2f} s (RTF {result.real_time_factor:.3f})"),
            (f"{p}: GPT tokens/s (batch 1)", f"{n_tok / gpt_s:.0f}"),
            (f"{p}: first audio, whole / streamed 100-token sentence",
             f"{result.seconds_to_first_audio:.2f} s / {first:.2f} s"),
            (f"{p}: 8-piece text, RTF one by one / GPT batch 4", f"{batch_rtf[1]:.3f} / {batch_rtf[4]:.3f}"),
            (f"{p}: peak VRAM", f"{_peak_gib():.2f} GiB")]


def graph_rows(folder: Path, tokens: int) -> list[Row]:
    """The fast GPT's decode speed with the dynamic step and with CUDA graphs (batch 1 and 4), same tokens?"""
    from gpt_sovits.devices import PrecisionPlan
    from gpt_sovits.inference import Synthesizer
    from gpt_sovits.models.t2s.batch_decoding import generate_batch
    from gpt_sovits.models.t2s.static_step import use_static_steps

    gpt = Synthesizer.from_files(folder / "gpt.ckpt", folder / "s2G.pth", folder, device="cuda", warm_up=False,
                                 plan=PrecisionPlan("fast", "fp16", "fp16", True, True)).gpt
    g = torch.Generator().manual_seed(0)
    items = [(torch.randint(0, 700, (n,), generator=g), torch.randn(1024, n, generator=g) * 0.1,
              torch.randint(0, 1024, (150,), generator=g)) for n in (40, 48, 56, 64)]
    kw = {"top_k": 15, "seed": 1, "early_stop_num": tokens, "max_steps": tokens + 1}
    rows, results = [], {}
    for graphs in (False, True):
        use_static_steps(gpt, graphs)
        for batch in (1, 4):
            run = (lambda: gpt.generate(*items[0], **kw)) if batch == 1 else (
                lambda: generate_batch(gpt, items, **{**kw, "seed": [1, 2, 3, 4]}))
            run()  # warm-up (and graph capture)
            torch.cuda.synchronize()
            start = time.perf_counter()
            out = run()
            torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            seqs = [out] if batch == 1 else out
            n = sum(int(t.shape[1]) - 150 for t, _ in seqs)
            results[(graphs, batch)] = [t.cpu() for t, _ in seqs]
            rows.append((f"fp16 GPT decode, batch {batch}, {'CUDA graphs' if graphs else 'dynamic step'}",
                         f"{n / seconds:.0f} tokens/s ({1000 * seconds / max(1, n // batch):.2f} ms/step)"))
    same = all(torch.equal(a, b) for batch in (1, 4)
               for a, b in zip(results[(False, batch)], results[(True, batch)], strict=True))
    rows.append(("CUDA graphs say the same tokens as the dynamic step", "yes" if same else "NO"))
    return rows


class _Sized:
    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


def _train_steps(trainer, batch: dict, steps: int) -> tuple[float, bool]:
    finite = True
    losses = trainer.train_step(batch, 0)  # warm-up step (cuDNN autotuning, allocator)
    finite &= losses is not None and all(math.isfinite(v) for v in losses.values())
    torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(steps):
        losses = trainer.train_step(batch, i + 1)
        finite &= losses is not None and all(math.isfinite(v) for v in losses.values())
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps, finite


def training_rows(kind: str, batch_size: int, steps: int, seconds: float = 4.0) -> list[Row]:
    from bench.bench_training import gpt_batch, sovits_batch
    from gpt_sovits.models.sovits import build_discriminator, build_sovits
    from gpt_sovits.models.sovits.config import to_upstream_config
    from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG
    from gpt_sovits.models.t2s.loading import build_gpt
    from gpt_sovits.training.gpt import GPTTrainer
    from gpt_sovits.training.options import TrainingOptions
    from gpt_sovits.training.precision import Precision, choose_precision
    from gpt_sovits.training.preflight import MEMORY_MODEL
    from gpt_sovits.training.sovits import SoVITSTrainer

    mode = choose_precision("cuda", "auto")
    _reset_vram()
    torch.manual_seed(0)
    if kind == "sovits":
        g, d = build_sovits("v2"), build_discriminator("v2")
        trainer = SoVITSTrainer(_Sized(batch_size), g, d, to_upstream_config(g.config), TrainingOptions(), "cuda",
                                Precision("cuda", mode), batch_size, Path(tempfile.mkdtemp()), "gpu-check")
        batch = sovits_batch(batch_size, seconds, "cuda", False)
    else:
        model = build_gpt(copy.deepcopy(UPSTREAM_V2_CONFIG))
        trainer = GPTTrainer(_Sized(batch_size), model, TrainingOptions(accumulate=1), "cuda",
                             Precision("cuda", mode), batch_size, Path(tempfile.mkdtemp()), "gpu-check")
        batch = gpt_batch(batch_size, seconds, "cuda")
    s_step, finite = _train_steps(trainer, batch, steps)
    peak = _peak_gib()
    reserved = torch.cuda.max_memory_reserved() / GIB
    fixed, per_item = MEMORY_MODEL[kind]
    estimate = (fixed + per_item * batch_size) / GIB
    label = f"{'SoVITS v2 + D' if kind == 'sovits' else 'GPT v2'} fine-tune, {mode}, batch {batch_size}, {seconds:g} s clips"
    del trainer, batch
    return [(f"{label}: s/step ({steps} steps)", f"{s_step:.3f} ({batch_size / s_step:.1f} items/s)"),
            (f"{label}: every loss finite", "yes" if finite else "NO"),
            (f"{label}: peak VRAM allocated / reserved vs pre-flight estimate",
             f"{peak:.2f} / {reserved:.2f} GiB vs {estimate:.2f} GiB "
             f"({'estimate covers it' if estimate >= reserved else 'ESTIMATE TOO LOW'})")]


def _guarded(name: str, fn, *args) -> list[Row]:
    try:
        return fn(*args)
    except Exception as e:  # report and go on with the other parts
        traceback.print_exc()
        return [(name, f"FAILED: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="folder for the random official-size models (built once)")
    parser.add_argument("--tokens", type=int, default=250)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--pytest-summary", type=Path, help="file holding pytest -m gpu's last line")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_check needs a CUDA GPU")
    rows = environment_rows()
    if args.pytest_summary and args.pytest_summary.is_file():
        rows.append(("pytest -m gpu", args.pytest_summary.read_text().strip().splitlines()[-1]))
    folder = args.models or Path(tempfile.mkdtemp())
    if not (folder / "s2G.pth").is_file():
        from bench.bench_inference import build_official_pretrained

        t0 = time.perf_counter()
        build_official_pretrained(folder)
        rows.append(("build random official-size models (CPU)", f"{time.perf_counter() - t0:.0f} s"))
    for precision in ("fast", "exact"):
        rows += _guarded(f"inference {precision}", inference_rows, folder, precision, args.tokens)
        print("\n".join(f"  {k}: {v}" for k, v in rows[-6:]), flush=True)  # noqa: T201
    rows += _guarded("CUDA graphs", graph_rows, folder, args.tokens)
    print("\n".join(f"  {k}: {v}" for k, v in rows[-5:]), flush=True)  # noqa: T201
    for kind, batches in (("sovits", (4, 8)), ("gpt", (8, 16))):
        for batch_size in batches:
            rows += _guarded(f"training {kind} batch {batch_size}", training_rows, kind, batch_size, args.steps)
            print("\n".join(f"  {k}: {v}" for k, v in rows[-3:]), flush=True)  # noqa: T201
    print("\n| measure | value |\n| --- | --- |")  # noqa: T201
    for key, value in rows:
        print(f"| {key} | {value} |")  # noqa: T201


if __name__ == "__main__":
    main()
