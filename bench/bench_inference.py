"""End-to-end synthesis speed at the official v2 sizes with random weights (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_inference.py [--tokens 250] [--device cpu|cuda] [--threads 2]
        [--precision fast|exact] [--gpt-precision fp32|bf16|fp16|int8] [--models DIR] [--upstream-work]
        [--cpu-matmul auto|compiled|onednn|mkl]

Builds official-size GPT, SoVITS, HuBERT and BERT with random weights in a temporary
pretrained folder, then measures with a fixed number of generated tokens per piece
(the runaway guard is set to that number, and random weights rarely say EOS first):
real-time factor, time to first audio, GPT tokens/s and peak memory. Prints a table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch


def build_official_pretrained(folder: Path, seed: int = 0) -> tuple[Path, Path]:
    """Random official-size v2 models in the official layout: returns (gpt_path, sovits_path)."""
    from transformers import BertConfig, BertForMaskedLM, HubertConfig, HubertModel

    from gpt_sovits.devtools.tiny_pretrained import write_tiny_bert, write_tiny_hubert
    from gpt_sovits.models.checkpoint import write_random_sovits_pretrained
    from gpt_sovits.models.t2s.loading import write_random_gpt_pretrained

    torch.manual_seed(seed)
    hub = folder / "chinese-hubert-base"
    write_tiny_hubert(hub, seed)  # writes the tokenizer-free folder; replace the model by the full size
    HubertModel(HubertConfig()).save_pretrained(hub)
    (hub / "pytorch_model.bin").unlink(missing_ok=True)
    bert = folder / "chinese-roberta-wwm-ext-large"
    write_tiny_bert(bert, seed)
    config = BertConfig.from_pretrained(bert)
    config.update({"num_hidden_layers": 24, "intermediate_size": 4096, "max_position_embeddings": 512})
    BertForMaskedLM(config).save_pretrained(bert)
    (bert / "pytorch_model.bin").unlink(missing_ok=True)
    gpt = folder / "gpt.ckpt"
    write_random_gpt_pretrained(gpt, model_overrides={}, seed=seed)
    sovits = folder / "s2G.pth"
    write_random_sovits_pretrained(sovits, folder / "s2D.pth", "v2", model_overrides={}, seed=seed)
    return gpt, sovits


def write_reference(path: Path, seconds: float) -> Path:
    """A voiced-like reference at 32 kHz: a 180 Hz tone with a 3 Hz swell, ``seconds`` long (random models need no speech)."""
    t = np.arange(int(seconds * 32000)) / 32000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32), 32000)
    return path


def ensure_official_pretrained(folder: Path) -> tuple[Path, Path]:
    """(gpt_path, sovits_path) of the random official-size models in ``folder``, built there first if missing,
    in a child process so that building does not count in this process's peak memory."""
    if not (folder / "s2G.pth").is_file():
        import subprocess

        folder.mkdir(parents=True, exist_ok=True)
        code = ("import sys; from pathlib import Path; sys.path.insert(0, '.'); "
                "from bench.bench_inference import build_official_pretrained; "
                f"build_official_pretrained(Path({str(folder)!r}))")
        subprocess.run([sys.executable, "-c", code], check=True)
    return folder / "gpt.ckpt", folder / "s2G.pth"


def use_cpu_matmul(choice: str) -> None:
    """Make every loader in this process take ``choice`` for float32 CPU products (a bench-only override):
    "compiled" = the GPT's compiled step (models/t2s/cpu_step.py) and packed oneDNN for BERT/HuBERT,
    "onednn" = packed oneDNN for all three, "mkl" = PyTorch's default."""
    import os

    import gpt_sovits.features.bert as bert
    import gpt_sovits.features.hubert as hubert
    import gpt_sovits.models.cpu_matmul as cpu_matmul
    from gpt_sovits.models.t2s.cpu_step import DISABLE_ENV

    if choice == "onednn":
        os.environ[DISABLE_ENV] = "0"
    choice = "onednn" if choice == "compiled" else choice
    decide = cpu_matmul.packing_wanted

    def forced(device, dtype=torch.float32, _choice="auto"):
        return decide(device, dtype, choice)

    for module in (cpu_matmul, bert, hubert):
        module.packing_wanted = forced


def time_stream(synth, request) -> tuple[float, float, float]:
    """Stream ``request``: (seconds to the first part, seconds of silence a player hears that starts with the
    first part and plays the parts in order, seconds to the last part)."""
    start = time.perf_counter()
    first = played_until = None
    silence = 0.0
    for chunk in synth.synthesize(request, stream=True):
        now = time.perf_counter() - start
        if first is None:
            first = played_until = now
        silence += max(0.0, now - played_until)
        played_until = max(played_until, now) + len(chunk.audio) / chunk.sample_rate
    return first, silence, time.perf_counter() - start


def peak_rss_gib() -> float:
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**30


def main() -> None:
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=250, help="tokens per piece (250 = 10 s of audio)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="exact", choices=["exact", "fast"])
    parser.add_argument("--gpt-precision", default=None, choices=["fp32", "bf16", "fp16", "int8"],
                        help="override the mode's GPT precision")
    parser.add_argument("--models", type=Path, help="keep the random models in this folder (built once, reused)")
    parser.add_argument("--upstream-work", action="store_true",
                        help="upstream's benchmark definition: EOS banned (exactly --tokens per piece), a 6 s "
                             "reference (150 prompt tokens) analysed anew in the timed request (features included)")
    parser.add_argument("--cpu-matmul", default="auto", choices=["auto", "compiled", "onednn", "mkl"],
                        help="float32 products on a CPU: the studio's choice (auto), the GPT's compiled step, "
                             "packed oneDNN, or PyTorch's MKL")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.cpu_matmul != "auto":
        use_cpu_matmul(args.cpu_matmul)

    import gpt_sovits.models.cpu_matmul as cpu_matmul
    from gpt_sovits.inference import SynthesisRequest, Synthesizer

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.models or Path(tmp)
        t0 = time.perf_counter()
        gpt, sovits = ensure_official_pretrained(folder)
        build_s = time.perf_counter() - t0
        ref = write_reference(folder / "ref.wav", 6 if args.upstream_work else 5)
        t0 = time.perf_counter()
        plan = None
        if args.gpt_precision:
            from dataclasses import replace

            from gpt_sovits.devices import precision_plan

            plan = replace(precision_plan(args.precision, args.device), gpt=args.gpt_precision)
        synth = Synthesizer.from_files(gpt, sovits, folder, device=args.device, precision=args.precision, plan=plan)
        load_s = time.perf_counter() - t0
        synth.token_limit = lambda n_phones: args.tokens  # fixed work per piece
        tokens_seen = []
        original_generate = synth.gpt.generate

        def timed_generate(*a, **kw):
            t = time.perf_counter()
            out = original_generate(*a, **kw)
            tokens_seen.append((int(out[1]), time.perf_counter() - t))
            return out

        synth.gpt.generate = timed_generate
        request = SynthesisRequest(text="今天天气很好，我们去公园散步吧。", language="zh", ref_audio=ref,
                                   ref_text="这是一段参考音频。", ref_language="zh", seed=1, cut_method="cut0")
        # warm-up at another length (reference analysis is cached after this): the timed request
        # then meets a new sentence length, as every real request does
        synth.token_limit = lambda n_phones: max(1, args.tokens - 70)
        synth.synthesize_all(request)
        synth.token_limit = lambda n_phones: args.tokens
        tokens_seen.clear()
        if args.upstream_work:
            import gpt_sovits.models.t2s.batch_decoding as batch_decoding
            import gpt_sovits.models.t2s.decoding as decoding
            from gpt_sovits.inference.reference import ReferenceCache

            decoding.MIN_STEPS_BEFORE_EOS = batch_decoding.MIN_STEPS_BEFORE_EOS = 10**9  # EOS never allowed
            synth.cache = ReferenceCache(None)  # the timed request analyses its reference (HuBERT, BERT)
        result = synth.synthesize_all(request)
        n_tok, gpt_s = tokens_seen[0]
        # streaming: first audio of a 20-character sentence (token budget as a real sentence: ~100)
        synth.token_limit = lambda n_phones: 100
        stream_request = SynthesisRequest(text="今天天气很好，我们一起去公园里散步吧。", language="zh", ref_audio=ref,
                                          ref_text="这是一段参考音频。", ref_language="zh", seed=1, cut_method="cut0")
        first_stream_s, silence, stream_total_s = time_stream(synth, stream_request)
        # a long text: 8 sentences of 100 tokens each, pieces one by one and in GPT batches of 4
        long_request = SynthesisRequest(
            text="今天天气很好，我们一起去公园散步。明天也许会下雨，记得带伞出门。他说这本书非常有意思，值得一读。"
                 "我们下周一起去海边旅行好不好？晚上的月亮又大又圆，照亮了小路。妈妈做的饭菜总是那么香。"
                 "学习新的语言需要耐心和坚持。周末我们可以在家里看电影。",
            language="zh", ref_audio=ref, ref_text="这是一段参考音频。", ref_language="zh", seed=1, cut_method="cut5")
        long_runs = {}
        for batch in (1, 4):
            synth.batch_pieces = batch
            long_runs[batch] = synth.synthesize_all(long_request)
        audio_s = len(result.audio) / result.sample_rate
        rows = [
            ("float32 CPU products (--cpu-matmul)",
             f"{args.cpu_matmul}: GPT step "
             f"{'compiled' if synth.gpt.step_kernel is not None else 'PyTorch'}, other products "
             f"{'packed oneDNN' if cpu_matmul.packing_wanted('cpu') else 'MKL'}"),
            ("device / threads / mode / GPT precision",
             f"{args.device} / {args.threads} / {args.precision} / {synth.precisions.gpt}"),
            ("SoVITS vocoder precision", str(getattr(synth.sovits, "inference_dtype", "fp32"))),
            ("build random official models (s)", f"{build_s:.1f}"),
            ("load all models (s)", f"{load_s:.1f}"),
            ("audio produced (s)", f"{audio_s:.2f}"),
            ("end-to-end time (s)", f"{result.seconds_total:.2f}"),
            ("real-time factor", f"{result.real_time_factor:.3f}"),
            ("time to first audio (s)", f"{result.seconds_to_first_audio:.2f}"),
            ("GPT tokens / s", f"{n_tok / gpt_s:.1f}"),
            ("streaming: first audio, 20-char sentence (s)", f"{first_stream_s:.2f}"),
            ("streaming: whole sentence, 100 tokens (s)", f"{stream_total_s:.2f}"),
            ("streaming: silence between parts, in all (s)", f"{silence:.2f}"),
            ("SoVITS + rest (s)", f"{result.seconds_total - gpt_s:.2f}"),
            *((f"long text, {len(r.chunks)} pieces, GPT batch {b}: real-time factor",
               f"{r.real_time_factor:.3f} ({r.seconds_total:.2f} s for {len(r.audio) / r.sample_rate:.1f} s)")
              for b, r in long_runs.items()),
            ("peak memory RSS (GiB)", f"{peak_rss_gib():.2f}"),
        ]
        print(machine_line(args.threads, args.device))  # noqa: T201
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")  # noqa: T201


if __name__ == "__main__":
    main()
