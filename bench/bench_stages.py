"""Where a request's time goes, stage by stage, whole and streamed (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_stages.py [--precision exact|fast] [--models /tmp/off] [--tokens 250]
        [--runs 3] [--threads 2] [--language zh|en]

Official v2 sizes with random weights (bench_inference.py builds them), EOS banned. Two requests:

* whole: issue 16's work (``--tokens`` tokens, the 6 s reference analysed in the request, as
  ``bench_inference.py --upstream-work``), with HuBERT, BERT, the GPT and the SoVITS stages timed by wrappers;
* streamed: a 20-character sentence (100 tokens), up to its first part: text front end and BERT, the GPT up to its
  first token (prefill) and the next 12 steps, and the first part's SoVITS decode (encoder, flow, vocoder).

Each row gives the seconds of every run (the reference is analysed once before the streamed runs, as a real
stream finds it cached).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path

import torch

TEXTS = {
    "zh": ("今天天气很好，我们去公园散步吧。", "今天天气很好，我们一起去公园里散步吧。"),
    "en": ("The weather is lovely today, let us walk.", "The weather is lovely today, so let us take a walk in the park."),
}


class Stages:
    """Seconds spent inside wrapped callables, per label (summed over calls)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.bench_inference import ensure_official_pretrained, write_reference
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="exact", choices=["exact", "fast"])
    parser.add_argument("--models", type=Path, default=Path("/tmp/off"))
    parser.add_argument("--tokens", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--language", default="zh", choices=sorted(TEXTS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import gpt_sovits.inference.textprep as textprep
    import gpt_sovits.models.sovits.streaming as streaming
    import gpt_sovits.models.t2s.batch_decoding as batch_decoding
    import gpt_sovits.models.t2s.decoding as decoding
    from gpt_sovits.inference import SynthesisRequest, Synthesizer
    from gpt_sovits.inference.reference import ReferenceCache

    gpt, sovits = ensure_official_pretrained(args.models)
    ref = write_reference(args.models / "ref6s.wav", 6)
    synth = Synthesizer.from_files(gpt, sovits, args.models, device="cpu", precision=args.precision)
    whole_text, stream_text = TEXTS[args.language]

    def request(text: str) -> SynthesisRequest:
        return SynthesisRequest(text=text, language=args.language, ref_audio=ref, ref_text="这是一段参考音频。",
                                ref_language="zh", seed=1, cut_method="cut0")

    synth.token_limit = lambda n_phones: max(2, args.tokens - 70)  # warm-up at another length
    synth.synthesize_all(request(whole_text))
    decoding.MIN_STEPS_BEFORE_EOS = batch_decoding.MIN_STEPS_BEFORE_EOS = 10**9  # EOS never allowed
    stages = Stages()
    stages.wrap(textprep, "text_features", "text front end with BERT")
    stages.wrap(synth.hubert, "extract", "HuBERT (reference)")
    stages.wrap(synth.bert, "phone_features", "BERT")
    stages.wrap(synth.gpt, "generate", "GPT (prefill + steps)")
    stages.wrap(streaming, "encode_prefix", "SoVITS encoder")
    stages.wrap(synth.sovits.flow, "forward", "SoVITS flow")
    stages.wrap(synth.sovits.dec, "forward", "vocoder")
    rows: dict[str, list[float]] = {}

    def add(label: str, value: float) -> None:
        rows.setdefault(label, []).append(value)

    whole_labels = ("HuBERT (reference)", "BERT", "GPT (prefill + steps)", "SoVITS encoder", "SoVITS flow", "vocoder")
    for _ in range(args.runs):
        synth.token_limit = lambda n_phones: args.tokens - 1
        synth.cache = ReferenceCache(None)  # analysed in the request
        stages.seconds.clear()
        result = synth.synthesize_all(request(whole_text))
        for label in whole_labels:
            add(f"whole: {label}", stages.seconds.get(label, 0.0))
        timed = sum(stages.seconds.get(label, 0.0) for label in whole_labels)
        add("whole: everything else (text front end, reference spectrogram, sampling, ...)", result.seconds_total - timed)
        add("whole: end to end", result.seconds_total)

    synth.token_limit = lambda n_phones: 100
    original_iter = synth.gpt.iter_generate
    for run in range(args.runs + 1):  # the first run warms the streamed shapes up and is not shown
        stages.seconds.clear()
        marks: list[float] = []
        start = time.perf_counter()

        def iter_generate(*a, _marks=marks, _start=start, **kw):
            steps = original_iter(*a, **kw)
            for token in steps:
                _marks.append(time.perf_counter() - _start)
                yield token

        synth.gpt.iter_generate = iter_generate
        stream = synth.synthesize(request(stream_text), stream=True)
        next(stream)
        first = time.perf_counter() - start
        stream.close()
        synth.gpt.iter_generate = original_iter
        if run == 0:
            continue
        add("streamed: text front end with BERT", stages.seconds.get("text front end with BERT", 0.0))
        add("streamed: BERT", stages.seconds.get("BERT", 0.0))
        add("streamed: first token (front end, BERT, prefill)", marks[0])
        add("streamed: 12 more steps", marks[12] - marks[0])
        for label in ("SoVITS encoder", "SoVITS flow", "vocoder"):
            add(f"streamed: first part's {label}", stages.seconds.get(label, 0.0))
        add("streamed: first audio", first)

    print(machine_line(args.threads))  # noqa: T201
    print(f"mode {args.precision}; {args.language}; whole: {args.tokens} tokens, EOS banned, reference analysed "  # noqa: T201
          f"in the request; streamed: 100-token budget; {args.runs} runs")
    print("| stage | seconds, each run |")  # noqa: T201
    print("| --- | --- |")  # noqa: T201
    for label, values in rows.items():
        print(f"| {label} | {' / '.join(f'{v:.3f}' for v in values)} |")  # noqa: T201


if __name__ == "__main__":
    main()
