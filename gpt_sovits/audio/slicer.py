"""Cut a long recording into training clips at its pauses.

Stage 1 reproduces upstream's RMS-based silence slicer (tools/slicer2.py, from openvpi's audio-slicer;
SPEC §9.2): frames whose RMS is under a threshold form silences; a silence long enough, after a clip
long enough, becomes a cut placed at its quietest frame, keeping at most ``max_sil_kept`` of silence on
each side. Stage 2 is ours: clips longer than ``max_clip_s`` are split again at their quietest point,
and clips shorter than ``min_clip_s`` are dropped and reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits.audio.io import save_wav
from gpt_sovits.audio.processing import blend_peak_normalize, frame_rms
from gpt_sovits.errors import AudioError, ConfigError

logger = logging.getLogger(__name__)

# The clip lengths training accepts (SoVITS keeps clips of 33 to 1900 spectrogram frames of 20 ms at 32 kHz).
# The slicer never makes a clip longer than LONGEST_CLIP_S, and training reads both bounds from here.
SHORTEST_CLIP_S = 0.66
LONGEST_CLIP_S = 38.0


@dataclass(frozen=True)
class SlicerSettings:
    """Upstream WebUI defaults for stage 1; clip bounds (seconds) for stage 2."""

    threshold_db: float = -34.0
    min_length_ms: int = 4000
    min_interval_ms: int = 300
    hop_ms: int = 10
    max_sil_kept_ms: int = 500
    max_clip_s: float = 12.0
    min_clip_s: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        if self.hop_ms <= 0:
            problems.append(f"hop_ms must be positive (got {self.hop_ms})")
        if not self.min_length_ms >= self.min_interval_ms >= self.hop_ms:
            problems.append("the slicer needs min_length_ms >= min_interval_ms >= hop_ms")
        if self.max_sil_kept_ms < self.hop_ms:
            problems.append("max_sil_kept_ms must be at least hop_ms")
        if self.threshold_db >= 0:
            problems.append(f"threshold_db must be below 0 dBFS (got {self.threshold_db})")
        if not (0 < self.min_clip_s and self.max_clip_s >= 2 * self.min_clip_s):
            problems.append("clip bounds need 0 < min_clip_s and max_clip_s >= 2 * min_clip_s")
        if self.max_clip_s > LONGEST_CLIP_S:
            problems.append(f"the longest clip can be at most {LONGEST_CLIP_S:g} s: training leaves longer clips out "
                            f"(got {self.max_clip_s:g})")  # fmt: skip
        if problems:
            raise ConfigError(problems)


@dataclass(frozen=True)
class _Frames:
    """Settings converted to samples (hop, win) and frames (the rest) for one sample rate."""

    hop: int
    win: int
    min_length: int
    min_interval: int
    max_sil_kept: int
    threshold: float

    @classmethod
    def for_rate(cls, s: SlicerSettings, sr: int) -> _Frames:
        hop = round(sr * s.hop_ms / 1000)
        interval_samples = sr * s.min_interval_ms / 1000
        return cls(
            hop=hop,
            win=min(round(interval_samples), 4 * hop),
            min_length=round(sr * s.min_length_ms / 1000 / hop),
            min_interval=round(interval_samples / hop),
            max_sil_kept=round(sr * s.max_sil_kept_ms / 1000 / hop),
            threshold=10 ** (s.threshold_db / 20),
        )


@dataclass(frozen=True)
class Clip:
    """A piece of the source: ``audio`` [n] = source[start:end] at ``sample_rate``."""

    audio: np.ndarray = field(repr=False)
    start: int
    end: int
    sample_rate: int

    @property
    def start_s(self) -> float:
        return self.start / self.sample_rate

    @property
    def end_s(self) -> float:
        return self.end / self.sample_rate

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / self.sample_rate


@dataclass(frozen=True)
class SliceResult:
    """Kept clips in time order, the too-short pieces that were dropped, and how many long clips were re-split."""

    clips: list[Clip]
    dropped: list[Clip]
    resplit: int

    @property
    def kept_s(self) -> float:
        return sum(c.duration_s for c in self.clips)

    @property
    def dropped_s(self) -> float:
        return sum(c.duration_s for c in self.dropped)


def _place_cut(rms: np.ndarray, sil_start: int, i: int, keep: int) -> tuple[int, int]:
    """Frames (cut_from, cut_to) to remove from the silence [sil_start, i) that ends at voiced frame i."""
    leading = sil_start == 0
    if i - sil_start <= keep:  # short silence: one cut at its quietest frame
        pos = sil_start + int(rms[sil_start : i + 1].argmin())
        return (0, pos) if leading else (pos, pos)
    left = sil_start + int(rms[sil_start : sil_start + keep + 1].argmin())
    right = i - keep + int(rms[i - keep : i + 1].argmin())
    if leading:
        return 0, right
    if i - sil_start <= 2 * keep:  # medium: the two edge windows overlap; use their common minimum too
        pos = i - keep + int(rms[i - keep : sil_start + keep + 1].argmin())
        return min(left, pos), max(right, pos)
    return left, right  # long: drop the middle, keep up to `keep` frames at each end


def _silence_cuts(rms: np.ndarray, f: _Frames) -> list[tuple[int, int]]:
    """Scan frame levels and return the frame ranges to cut out, in order."""
    cuts: list[tuple[int, int]] = []
    sil_start: int | None = None
    clip_start = 0
    for i, level in enumerate(rms):
        if level < f.threshold:
            if sil_start is None:
                sil_start = i
            continue
        if sil_start is None:
            continue
        leading = sil_start == 0 and i > f.max_sil_kept
        ends_clip = i - sil_start >= f.min_interval and i - clip_start >= f.min_length
        if leading or ends_clip:
            cut = _place_cut(rms, sil_start, i, f.max_sil_kept)
            cuts.append(cut)
            clip_start = cut[1]
        sil_start = None
    total = rms.shape[0]
    if sil_start is not None and total - sil_start >= f.min_interval:
        stop = min(total, sil_start + f.max_sil_kept)
        cuts.append((sil_start + int(rms[sil_start : stop + 1].argmin()), total + 1))
    return cuts


def find_silence_slices(audio: np.ndarray, sr: int, settings: SlicerSettings | None = None) -> list[tuple[int, int]]:
    """Upstream's slicer alone: (start, end) sample ranges of the pieces between cut silences.

    audio: mono [n]. Ends are clamped to n (upstream reports the last end as frames × hop).
    """
    f = _Frames.for_rate(settings or SlicerSettings(), sr)
    n = audio.shape[0]
    if n <= f.min_length:  # upstream compares samples with frames here; kept for parity
        return [(0, n)]
    rms = frame_rms(audio, f.win, f.hop)
    cuts = _silence_cuts(rms, f)
    if not cuts:
        return [(0, n)]
    total = rms.shape[0]
    frames = [(0, cuts[0][0])] if cuts[0][0] > 0 else []
    frames += [(a[1], b[0]) for a, b in zip(cuts, cuts[1:], strict=False)]
    if cuts[-1][1] < total:
        frames.append((cuts[-1][1], total))
    ranges = [(a * f.hop, min(n, b * f.hop)) for a, b in frames]
    return [(a, b) for a, b in ranges if b > a]


def _split_long(audio: np.ndarray, start: int, end: int, sr: int, s: SlicerSettings) -> list[tuple[int, int]]:
    """Split [start, end) at its quietest 10 ms frame until every piece is at most max_clip_s long.

    Each cut lies between max_clip_s/2 and max_clip_s from the piece's start (and leaves at least
    min_clip_s after it), so pieces stay long and few.
    """
    max_n, min_n = int(s.max_clip_s * sr), int(s.min_clip_s * sr)
    hop = max(1, round(sr * 0.01))
    pieces: list[tuple[int, int]] = []
    while end - start > max_n:
        lo = start + max(min_n, max_n // 2)
        hi = min(start + max_n, end - min_n)
        rms = frame_rms(audio[lo:hi], 4 * hop, hop)
        cut = lo + int(rms.argmin()) * hop
        cut = min(max(cut, lo), hi)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def slice_audio(audio: np.ndarray, sr: int, settings: SlicerSettings | None = None) -> SliceResult:
    """Slice mono [n] into clips of min_clip_s..max_clip_s seconds at pauses (see module docstring)."""
    s = settings or SlicerSettings()
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise AudioError(f"The slicer needs mono audio of shape [n]; got shape {audio.shape}.")
    kept: list[Clip] = []
    dropped: list[Clip] = []
    resplit = 0
    for start, end in find_silence_slices(audio, sr, s):
        pieces = _split_long(audio, start, end, sr, s)
        resplit += len(pieces) > 1
        for a, b in pieces:
            if b <= a:
                continue
            clip = Clip(audio=audio[a:b], start=a, end=b, sample_rate=sr)
            (kept if clip.duration_s >= s.min_clip_s else dropped).append(clip)
    if dropped:
        logger.info("Dropped %d clips shorter than %.1f s (%.1f s in all)", len(dropped), s.min_clip_s,
                    sum(c.duration_s for c in dropped))  # fmt: skip
    return SliceResult(clips=kept, dropped=dropped, resplit=resplit)


def write_clips(result: SliceResult, out_dir: str | Path, stem: str, normalize: bool = True) -> list[Path]:
    """Save kept clips as 16-bit WAV named ``<stem>_<start:010d>_<end:010d>.wav`` (upstream's naming).

    With ``normalize`` each clip gets upstream's gentle peak blend (0.9 peak, alpha 0.25).
    """
    out_dir = Path(out_dir)
    paths = []
    for clip in result.clips:
        path = out_dir / f"{stem}_{clip.start:010d}_{clip.end:010d}.wav"
        save_wav(path, blend_peak_normalize(clip.audio) if normalize else clip.audio, clip.sample_rate)
        paths.append(path)
    return paths
