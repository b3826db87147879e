"""Cost of the always-on take checks per second of audio, against the time synthesis takes (run by hand).

    PYTHONPATH=. .venv/bin/python bench/bench_qc.py [--repeats 20] [--synthesis-rtf 0.218]

Takes are speech-like synthetic sentences (tests/fixtures/synthetic_speech.py) of 2-30 s at 32 kHz.
Each row times (wall clock; CPU time of the process beside the total) :func:`gpt_sovits.qc.check_take` with the phone and token counts given (the synthesizer
knows both), the median of ``--repeats`` runs after one warm-up, split into the frame analysis, the
repetition search and the rest; "phones" is counting the phones of a sentence's text with our front end
(needed when the caller does not have the count). The share of synthesis time uses ``--synthesis-rtf``
(seconds of synthesis per second of audio; default: the fastest CPU figure in bench/RESULTS.md, GPT
batches of 4 pieces in the fast mode).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import cpu_description  # noqa: E402

SR = 32000
LENGTHS_S = (2, 5, 10, 20, 30)
SYLLABLES_PER_S = 4.6  # of the synthetic speech


def _median_ms(fn, repeats: int, clock=time.perf_counter) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--synthesis-rtf", type=float, default=0.218)
    args = parser.parse_args()

    import os

    import numpy as np

    from gpt_sovits.qc.checks import check_take
    from gpt_sovits.qc.rate import count_phones
    from gpt_sovits.qc.repetition import longest_repeat_s
    from gpt_sovits.qc.signal import analyse
    from tests.fixtures.synthetic_speech import speech_sentence

    print(f"CPU: {cpu_description()}; {os.cpu_count()} logical CPUs; numpy {np.__version__}; Python "
          f"{platform.python_version()}")
    budget_ms = args.synthesis_rtf * 1000 * 0.01
    print(f"Synthesis RTF {args.synthesis_rtf}: 1 % of synthesis time = {budget_ms:.2f} ms per second of audio\n")
    print("| take | checks, total | CPU time (process) | frame analysis | repetition | rest | per s of audio "
          "| share of synthesis |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rng = np.random.default_rng(0)
    for seconds in LENGTHS_S:
        syllables = int(seconds * SYLLABLES_PER_S)
        audio = speech_sentence(syllables, SR, seed=seconds)
        audio = (audio + rng.standard_normal(audio.size) * 1e-3).astype(np.float32)
        phones, tokens = 2 * syllables, int(audio.size / SR * 25)
        signal = analyse(audio, SR)
        total = _median_ms(lambda a=audio, p=phones, t=tokens: check_take(a, SR, p, t), args.repeats)
        cpu = _median_ms(lambda a=audio, p=phones, t=tokens: check_take(a, SR, p, t), args.repeats, time.process_time)
        frames = _median_ms(lambda a=audio: analyse(a, SR), args.repeats)
        repeat = _median_ms(lambda a=audio, s=signal: longest_repeat_s(a, SR, s.speech), args.repeats)
        duration = audio.size / SR
        per_s = total / duration
        print(f"| {duration:.1f} s | {total:.2f} ms | {cpu:.1f} ms | {frames:.2f} ms | {repeat:.2f} ms | "
              f"{max(total - frames - repeat, 0):.2f} ms | {per_s:.2f} ms | {per_s / (args.synthesis_rtf * 10):.2f} % |")
    sentence = "今天是2024年8月2日，我们约好明天下午3点在图书馆见面，一起去还书。"
    phones_ms = _median_ms(lambda: count_phones(sentence, "zh"), args.repeats)
    print(f"\nphones: counting the phones of a {len(sentence)}-character Chinese sentence: {phones_ms:.2f} ms")


if __name__ == "__main__":
    main()
