"""Level meters for delivery checks, fed block by block so hour-long audio never has to be in memory whole.

:class:`LevelMeter` measures what an audiobook store checks: the RMS of the whole file, the true peak (4x
oversampled, ITU-R BS.1770), the noise floor (the quietest half second) and the integrated loudness of
ITU-R BS.1770 with the K-weighting filters and gating of pyloudnorm. Feeding a file in blocks gives the same
numbers as measuring it whole (the tests compare with ``pyloudnorm.Meter.integrated_loudness``).

All audio is mono float32 of shape [n_samples].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpt_sovits.audio.processing import SILENCE_DBFS, to_dbfs

TRUE_PEAK_OVERSAMPLING = 4
CONTEXT_SAMPLES = 64  # either side of a run of samples: covers resample_poly's interpolation filter
HOP_S = 0.1  # the 100 ms steps of BS.1770's 400 ms gating blocks and of the noise-floor windows
GATE_BLOCK_HOPS = 4  # 400 ms
FLOOR_WINDOW_HOPS = 5  # 500 ms
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


@dataclass(frozen=True)
class Measurement:
    """Levels of one piece of audio, in dB relative to full scale (LUFS for loudness)."""

    duration_s: float
    sample_rate: int
    rms_db: float
    loudness_lufs: float
    true_peak_db: float
    noise_floor_db: float


def true_peak_runs(audio: np.ndarray, start: int, stop: int) -> np.ndarray:
    """[stop-start]: the highest magnitude of the 4x oversampled ``audio`` around each sample of [start, stop).

    ``audio`` must hold CONTEXT_SAMPLES either side of the run where they exist (zeros are assumed beyond).
    """
    from scipy.signal import resample_poly  # deferred: scipy.signal is slow to import

    up = TRUE_PEAK_OVERSAMPLING
    lo, hi = max(0, start - CONTEXT_SAMPLES), min(audio.size, stop + CONTEXT_SAMPLES)
    over = resample_poly(audio[lo:hi].astype(np.float64), up, 1)
    inner = np.abs(over[(start - lo) * up : (stop - lo) * up]).reshape(-1, up).max(axis=1)
    return np.maximum(inner, np.abs(audio[start:stop])).astype(np.float32)


def true_peak_envelope(audio: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """[n] -> [n]: the true-peak magnitude around each sample, worked out ``block`` samples at a time."""
    audio = np.asarray(audio, dtype=np.float32)
    envelope = np.empty_like(audio)
    for start in range(0, audio.size, block):
        stop = min(start + block, audio.size)
        envelope[start:stop] = true_peak_runs(audio, start, stop)
    return envelope


def _k_weighting(sample_rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting stages of BS.1770 (a +4 dB shelf above 1.5 kHz and a 38 Hz high-pass), as pyloudnorm
    designs them for this sample rate: (b, a) of each."""
    from pyloudnorm.iirfilter import IIRfilter  # deferred: only exports measure loudness

    stages = [IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sample_rate, "high_shelf"),
              IIRfilter(0.0, 0.5, 38.0, sample_rate, "high_pass")]
    return [(np.asarray(s.b, dtype=np.float64), np.asarray(s.a, dtype=np.float64)) for s in stages]


class LevelMeter:
    """Feed mono blocks with :meth:`add`, in order; :meth:`result` gives the :class:`Measurement`."""

    def __init__(self, sample_rate: int, true_peak: bool = True):
        from scipy.signal import lfilter_zi

        self.sample_rate = sample_rate
        self.true_peak = true_peak  # False: skip the (slowest) true-peak search
        self.hop = max(1, round(HOP_S * sample_rate))
        self.samples = 0
        self.sum_squares = 0.0
        self.peak = 0.0
        self._stages = [(b, a, lfilter_zi(b, a) * 0.0) for b, a in _k_weighting(sample_rate)]
        self._hop_energy: list[np.ndarray] = []  # energy of each whole 100 ms hop
        self._k_energy: list[np.ndarray] = []  # the same after K-weighting
        self._partial = np.zeros(0, np.float64)  # samples of the unfinished hop
        self._k_partial = np.zeros(0, np.float64)
        self._tail = np.zeros(0, np.float32)  # context and samples whose true peak waits for what follows
        self._tail_done = 0  # leading samples of _tail that were measured already (left context only)

    def add(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if not block.size:
            return
        x = block.astype(np.float64)
        self.samples += block.size
        self.sum_squares += float(np.dot(x, x))
        self._add_hops(x)
        if self.true_peak:
            self._add_true_peak(block)

    def _add_hops(self, x: np.ndarray) -> None:
        from scipy.signal import lfilter

        k = x
        for i, (b, a, zi) in enumerate(self._stages):
            k, zf = lfilter(b, a, k, zi=zi)
            self._stages[i] = (b, a, zf)
        for source, store, name in ((x, self._hop_energy, "_partial"), (k, self._k_energy, "_k_partial")):
            joined = np.concatenate([getattr(self, name), source])
            whole = joined.size // self.hop * self.hop
            store.append(np.square(joined[:whole]).reshape(-1, self.hop).sum(axis=1))
            setattr(self, name, joined[whole:])

    def _add_true_peak(self, block: np.ndarray) -> None:
        buffer = np.concatenate([self._tail, block])
        ready = buffer.size - CONTEXT_SAMPLES  # samples with their full right context
        if ready > self._tail_done:
            self.peak = max(self.peak, float(true_peak_runs(buffer, self._tail_done, ready).max()))
            keep_from = max(0, ready - CONTEXT_SAMPLES)
            self._tail, self._tail_done = buffer[keep_from:], ready - keep_from
        else:
            self._tail = buffer

    def result(self) -> Measurement:
        if self._tail.size > self._tail_done:  # the last samples: nothing follows them
            self.peak = max(self.peak, float(true_peak_runs(self._tail, self._tail_done, self._tail.size).max()))
            self._tail_done = self._tail.size
        rms = np.sqrt(self.sum_squares / self.samples) if self.samples else 0.0
        return Measurement(
            duration_s=self.samples / self.sample_rate,
            sample_rate=self.sample_rate,
            rms_db=float(to_dbfs(rms)),
            loudness_lufs=self._integrated_loudness(),
            true_peak_db=float(to_dbfs(self.peak)),
            noise_floor_db=self._noise_floor(),
        )

    def _noise_floor(self) -> float:
        hops = np.concatenate(self._hop_energy) if self._hop_energy else np.zeros(0)
        if hops.size < FLOOR_WINDOW_HOPS:  # shorter than one window: the level of all of it
            return float(to_dbfs(np.sqrt(self.sum_squares / self.samples))) if self.samples else SILENCE_DBFS
        windows = np.convolve(hops, np.ones(FLOOR_WINDOW_HOPS), mode="valid") / (FLOOR_WINDOW_HOPS * self.hop)
        return float(to_dbfs(np.sqrt(max(windows.min(), 0.0))))

    def _integrated_loudness(self) -> float:
        """BS.1770-4 gating over 400 ms blocks every 100 ms: absolute gate at -70 LUFS, then relative -10 LU.

        Blocks are counted as pyloudnorm counts them: the last may reach past the end (its missing part silent).
        """
        n_blocks = int(np.round((self.samples / self.sample_rate - GATE_BLOCK_HOPS * HOP_S) / HOP_S)) + 1
        if self.samples < GATE_BLOCK_HOPS * self.hop or n_blocks < 1:
            return SILENCE_DBFS
        hops = np.concatenate(self._k_energy + [[float(np.dot(self._k_partial, self._k_partial))],
                                                np.zeros(GATE_BLOCK_HOPS)])
        blocks = np.convolve(hops, np.ones(GATE_BLOCK_HOPS), mode="valid")[:n_blocks] / (GATE_BLOCK_HOPS * self.hop)
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10 * np.log10(blocks)
        above = blocks[loudness >= ABSOLUTE_GATE_LUFS]
        if not above.size:
            return SILENCE_DBFS
        relative = -0.691 + 10 * np.log10(above.mean()) + RELATIVE_GATE_LU
        with np.errstate(divide="ignore"):
            gated = blocks[(loudness > relative) & (loudness > ABSOLUTE_GATE_LUFS)]
        return float(-0.691 + 10 * np.log10(gated.mean())) if gated.size else SILENCE_DBFS


def measure(audio: np.ndarray, sample_rate: int, block: int = 1 << 20, true_peak: bool = True) -> Measurement:
    """All the levels a delivery report shows for ``audio`` [n], measured ``block`` samples at a time."""
    meter = LevelMeter(sample_rate, true_peak)
    audio = np.asarray(audio)
    for start in range(0, audio.size, block):
        meter.add(audio[start : start + block])
    return meter.result()
