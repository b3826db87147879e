"""Seconds to turn a raw recording into training clips (run by hand, prints a table).

    PYTHONPATH=. .venv/bin/python bench/bench_prepare.py [--seconds 60] [--audio FILE]
        [--features] [--pretrained DIR] [--device cpu]

Without --audio the input is the synthetic speech-like test recording (tests/fixtures), written
at 44.1 kHz with background noise so that loading includes resampling to 32 kHz. Each stage runs
once on the output of the previous one; "clean + slice" is the path the dataset tab takes
(stationary noise reduction, loudness normalisation, slicing, writing clips). The first
denoise row also pays for importing noisereduce.

With --features it then runs dataset preparation on the clips (tiny random models unless
--pretrained names real ones) and prints, per stage, seconds of audio handled per second of
compute ("x real time"); model loading is counted in the first clip of each stage.
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
    from bench.machine import machine_line

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--audio", type=Path, default=None, help="a recording to use instead of the synthetic one")
    parser.add_argument("--features", action="store_true", help="also time dataset preparation (features)")
    parser.add_argument("--pretrained", type=Path, default=None, help="models folder (default: tiny random models)")
    parser.add_argument("--device", default="cpu")
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
    print(machine_line())  # noqa: T201
    print(f"{'stage':<{width}}  seconds  note")
    for label, seconds, note in rows:
        print(f"{label:<{width}}  {seconds:7.3f}  {note}")
    print(f"{'clean + slice':<{width}}  {clean_and_slice:7.3f}  for {audio.size / SR:.0f} s of audio")
    if args.features:
        _bench_features(args)


def _bench_features(args: argparse.Namespace) -> None:
    """Time each dataset-preparation stage on the clips of the same recording."""
    from gpt_sovits.data.audio_import import prepare_audio
    from gpt_sovits.data.manifest import ManifestEntry
    from gpt_sovits.data.prepare import prepare_dataset
    from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
    from gpt_sovits.data.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pretrained = args.pretrained
        if pretrained is None:
            from gpt_sovits.devtools.tiny_pretrained import make_tiny_pretrained

            pretrained = folder / "pretrained"
            make_tiny_pretrained(pretrained, version="v2", seed=0)
        voice = Workspace(folder / "ws").create_voice("bench")
        prepare_audio(voice, [args.audio or _input_file(folder, args.seconds)])
        entries = [ManifestEntry(e.audio_path, e.speaker, "zh", "今天天气很好，我们去公园散步吧。")
                   for e in read_transcripts(voice)]  # fmt: skip
        write_transcripts(voice, entries)
        stamps: dict[str, list[float]] = {}

        def on_event(event) -> None:
            stamps.setdefault(event.stage, []).append(time.perf_counter())

        report = prepare_dataset(voice, pretrained, device=args.device, on_event=on_event)
    print(f"\ndataset preparation, {report.items} clips, {report.audio_s:.1f} s of audio, device {args.device}")
    print(f"{'stage':<15}  seconds  x real time")
    for stage in [s.stage for s in report.stages]:
        seconds = stamps[stage][-1] - stamps[stage][0]
        print(f"{stage:<15}  {seconds:7.2f}  {report.audio_s / seconds:8.1f}")
    features = sum(stamps[s][-1] - stamps[s][0] for s in ("audio", "semantic"))
    print(f"{'hubert+semantic':<15}  {features:7.2f}  {report.audio_s / features:8.1f}  (features per second of audio: "
          f"{features / report.audio_s:.3f} s)")


if __name__ == "__main__":
    main()
