"""Seconds to turn a raw recording into training clips (run by hand, prints a table).

    PYTHONPATH=. .venv/bin/python bench/bench_prepare.py [--seconds 60] [--audio FILE]

Without --audio the input is the synthetic speech-like test recording (tests/fixtures), written
at 44.1 kHz with background noise so that loading includes resampling to 32 kHz. Each stage runs
once on the output of the previous one; "clean + slice" is the path the dataset tab takes
(stationary noise reduction, loudness normalisation, slicing, writing clips). The first
denoise row also pays for importing noisereduce.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SR = 32000


def _timed(rows: list[tuple[str, float, str]], label: str, fn: Callable[[], Any], note: Callable[[Any], str]) -> Any:
    start = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - start, note(result)))
    return result


def _input_file(folder: Path, seconds: float) -> Path:
    from gpt_sovits.audio.io import save_wav
    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(seconds, 44100, noise_rms_dbfs=-40.0, seed=0)
    path = folder / "raw.wav"
    save_wav(path, rec.audio, 44100)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--audio", type=Path, default=None, help="a recording to use instead of the synthetic one")
    args = parser.parse_args()
    from gpt_sovits.audio.denoise import denoise
    from gpt_sovits.audio.io import load_audio
    from gpt_sovits.audio.processing import normalize_loudness
    from gpt_sovits.audio.quality import assess_quality
    from gpt_sovits.audio.reference import rank_references
    from gpt_sovits.audio.slicer import slice_audio, write_clips

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.audio or _input_file(folder, args.seconds)
        audio, _ = _timed(rows, "load + resample to 32 kHz", lambda: load_audio(path, SR), lambda r: f"{r[0].size / SR:.1f} s")
        _timed(rows, "quality report", lambda: assess_quality(audio, SR), lambda q: f"SNR {q.snr_db:.1f} dB")
        _timed(rows, "denoise (sliding, for comparison)", lambda: denoise(audio, SR, stationary=False), lambda _: "")
        cleaned = _timed(rows, "denoise (stationary)", lambda: denoise(audio, SR), lambda _: "")
        level = _timed(rows, "loudness to -20 dBFS", lambda: normalize_loudness(cleaned, SR), lambda _: "")
        result = _timed(rows, "slice", lambda: slice_audio(level, SR), lambda r: f"{len(r.clips)} clips, {r.kept_s:.1f} s")
        _timed(rows, "write clips", lambda: write_clips(result, folder / "clips", "raw"), lambda p: f"{len(p)} files")
        _timed(rows, "rank references", lambda: rank_references(result.clips, SR), lambda r: f"best {r[0].score:.2f}" if r else "none")
    clean_and_slice = sum(s for label, s, _ in rows if label in {"denoise (stationary)", "loudness to -20 dBFS", "slice", "write clips"})
    width = max(len(label) for label, _, _ in rows)
    print(f"{'stage':<{width}}  seconds  note")
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds:7.3f}  {note}")
    print(f"{'clean + slice':<{width}}  {clean_and_slice:7.3f}  for {audio.size / SR:.0f} s of audio")


if __name__ == "__main__":
    main()
