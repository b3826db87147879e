"""The delivery report: every exported file read back and measured, with pass/fail against the target.

Files are decoded again after they are written (lossy codecs move peaks), so the numbers are those of what a
listener or a store receives. The M4B gets one row per chapter, read as the file is decoded, so a long book is
never in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from gpt_sovits.audio.loudness import LevelMeter, Measurement
from gpt_sovits.audio.mastering import LoudnessTarget, problems_against
from gpt_sovits.books.containers import MP3_BIT_RATE, ChapterMark
from gpt_sovits.fileio import write_text_atomic

ACX_SAMPLE_RATE_HZ = 44100


@dataclass(frozen=True)
class FileReport:
    """One delivered file (or one chapter of the M4B, ``part``), measured after writing."""

    name: str
    format: str
    part: str
    duration_s: float
    sample_rate: int
    bit_rate_kbps: float
    constant_bit_rate: bool
    rms_db: float
    loudness_lufs: float
    true_peak_db: float
    noise_floor_db: float
    problems: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class DeliveryReport:
    """What an export wrote and whether it meets ``target``; ``warnings`` are not failures (e.g. long chapters)."""

    title: str
    target: str
    files: tuple[FileReport, ...]
    warnings: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.files)

    def to_json(self) -> str:
        data = asdict(self)
        data["passed"] = self.passed
        for row, report in zip(data["files"], self.files, strict=True):
            row["passed"] = report.passed
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [f"# Delivery report: {self.title}", "", f"Target: **{self.target}**, result: **{verdict}**", "",
                 "| file | part | length | rate | bit rate | RMS | loudness | true peak | noise floor | result |",
                 "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for f in self.files:
            mode = "CBR" if f.constant_bit_rate else "avg"
            result = "pass" if f.passed else "FAIL: " + "; ".join(f.problems)
            lines.append(f"| {f.name} | {f.part} | {_clock(f.duration_s)} | {f.sample_rate} Hz | "
                         f"{f.bit_rate_kbps:.0f} kbps {mode} | {f.rms_db:.1f} dB | {f.loudness_lufs:.1f} LUFS | "
                         f"{f.true_peak_db:.1f} dBTP | {f.noise_floor_db:.1f} dB | {result} |")
        if self.warnings:
            lines += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        if self.extra_files:
            lines += ["", "## Also written", ""] + [f"- {name}" for name in self.extra_files]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write report.json and report.md into ``folder`` (atomically); returns their paths."""
        json_path, md_path = Path(folder) / "report.json", Path(folder) / "report.md"
        write_text_atomic(json_path, self.to_json())
        write_text_atomic(md_path, self.to_markdown())
        return json_path, md_path


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:06.3f}"


# ----- reading files back -----


def decode_frames(path: Path, block_samples: int = 1 << 18) -> Iterator[np.ndarray]:
    """The first audio stream of ``path`` as mono float32 blocks of about ``block_samples`` (PyAV), trimmed to
    the stream's length (the codec's padding is not audio)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        exact = stream.duration is not None and stream.time_base == Fraction(1, stream.rate)
        remaining = stream.duration if exact else None
        to_float = av.AudioResampler(format="flt", layout="mono", rate=stream.rate)
        pending: list[np.ndarray] = []
        held = 0
        for frame in container.decode(stream):
            for converted in to_float.resample(frame):
                block = converted.to_ndarray().reshape(-1).astype(np.float32)
                if remaining is not None:
                    block = block[:remaining]
                    remaining -= block.size
                pending.append(block)
                held += block.size
            if held >= block_samples:  # the meters work best on large blocks
                yield np.concatenate(pending)
                pending, held = [], 0
        if held:
            yield np.concatenate(pending)


def sample_rate_of(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return container.streams.audio[0].rate


def bit_rate_of(path: Path, kind: str, duration_s: float, sample_rate: int) -> tuple[float, bool]:
    """(kbps, constant?) of a delivered file: nominal for WAV, measured from the file otherwise."""
    if kind == "wav":
        return sample_rate * 16 / 1000, True
    if kind == "mp3":
        from mutagen.mp3 import MP3, BitrateMode

        info = MP3(path).info
        return info.bitrate / 1000, info.bitrate_mode == BitrateMode.CBR
    size_bits = Path(path).stat().st_size * 8
    return (size_bits / duration_s / 1000 if duration_s else 0.0), False


def _format_problems(kind: str, sample_rate: int, kbps: float, cbr: bool, target: LoudnessTarget) -> list[str]:
    if target.name != "acx":
        return []
    problems = []
    if sample_rate != ACX_SAMPLE_RATE_HZ:
        problems.append(f"sample rate {sample_rate} Hz is not 44100 Hz")
    if kind == "mp3" and (not cbr or round(kbps) < MP3_BIT_RATE // 1000):
        problems.append(f"MP3 must be constant {MP3_BIT_RATE // 1000} kbps or more, this is {kbps:.0f} kbps")
    return problems


def _row(name: str, kind: str, part: str, m: Measurement, rate: tuple[float, bool], problems: list[str]) -> FileReport:
    return FileReport(name=name, format=kind, part=part, duration_s=round(m.duration_s, 3), sample_rate=m.sample_rate,
                      bit_rate_kbps=round(rate[0], 1), constant_bit_rate=rate[1], rms_db=round(m.rms_db, 2),
                      loudness_lufs=round(m.loudness_lufs, 2), true_peak_db=round(m.true_peak_db, 2),
                      noise_floor_db=round(m.noise_floor_db, 2), problems=tuple(problems))


def report_file(path: Path, kind: str, part: str, target: LoudnessTarget, max_length_s: float | None) -> FileReport:
    """Decode one chapter file and measure it against ``target``, block by block."""
    rate = sample_rate_of(path)
    meter = LevelMeter(rate)
    for block in decode_frames(path):
        meter.add(block)
    m = meter.result()
    bit_rate = bit_rate_of(path, kind, m.duration_s, rate)
    problems = problems_against(m, target) + _format_problems(kind, rate, *bit_rate, target)
    if max_length_s is not None and m.duration_s > max_length_s:
        problems.append(f"longer than {max_length_s / 60:g} minutes")
    return _row(path.name, kind, part, m, bit_rate, problems)


def report_m4b(path: Path, marks: Sequence[ChapterMark], target: LoudnessTarget,
               max_length_s: float | None) -> list[FileReport]:
    """One row per chapter of the M4B, each measured from its mark to the next while the file is decoded."""
    rate = sample_rate_of(path)
    total_s = (marks[-1].end / rate) if marks else 0.0
    bit_rate = bit_rate_of(path, "m4b", total_s, rate)
    meters = [LevelMeter(rate) for _ in marks]
    position, index = 0, 0
    for block in decode_frames(path):
        while block.size and index < len(marks):
            take = min(block.size, marks[index].end - position)
            meters[index].add(block[:take])
            block, position = block[take:], position + take
            if position >= marks[index].end:
                index += 1
    rows = []
    for number, (mark, meter) in enumerate(zip(marks, meters, strict=True), start=1):
        m = meter.result()
        problems = problems_against(m, target) + _format_problems("m4b", rate, *bit_rate, target)
        if max_length_s is not None and m.duration_s > max_length_s:
            problems.append(f"chapter longer than {max_length_s / 60:g} minutes")
        rows.append(_row(path.name, "m4b", f"{number}. {mark.title}", m, bit_rate, problems))
    return rows
