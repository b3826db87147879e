"""Audible emphasis and smooth joins for marked-up text.

An emphasised stretch is rendered by the models at a slower speed, then raised in
pitch and level here; neighbouring stretches are joined with short equal-power
cross-fades so no click or gap is heard.
"""

from __future__ import annotations

import numpy as np

GAIN_DB_PER_STRENGTH = 3.0
SEMITONES_PER_STRENGTH = 1.5
SLOWDOWN_PER_STRENGTH = 0.18  # speed is divided by 1 + this × strength
JOIN_FADE_S = 0.03
PEAK_CEILING = 0.99


def emphasis_speed(speed: float, strength: float) -> float:
    """The model speed for an emphasised stretch (slower than ``speed``)."""
    return speed / (1.0 + SLOWDOWN_PER_STRENGTH * strength)


def emphasize(audio: np.ndarray, sr: int, strength: float) -> np.ndarray:
    """Raise the pitch by 1.5 semitones and the level by 3 dB per unit of ``strength``.

    audio: float32 [N]. The result keeps its length and never exceeds ±0.99.
    """
    if strength <= 0 or audio.size == 0:
        return audio.astype(np.float32)
    import librosa

    shifted = audio.astype(np.float32)
    if audio.size >= 2048:  # the phase vocoder needs at least one full frame
        shifted = librosa.effects.pitch_shift(shifted, sr=sr, n_steps=SEMITONES_PER_STRENGTH * strength)
    louder = shifted * 10 ** (GAIN_DB_PER_STRENGTH * strength / 20)
    peak = float(np.abs(louder).max()) if louder.size else 0.0
    if peak > PEAK_CEILING:
        louder = louder * (PEAK_CEILING / peak)
    return louder.astype(np.float32)


def crossfade_join(parts: list[np.ndarray], sr: int, fade_s: float = JOIN_FADE_S) -> np.ndarray:
    """Concatenate ``parts`` overlapping each join by ``fade_s`` with an equal-power fade."""
    parts = [p.astype(np.float32) for p in parts if p.size]
    if not parts:
        return np.zeros(0, np.float32)
    out = parts[0]
    for part in parts[1:]:
        n = min(int(fade_s * sr), out.size // 2, part.size // 2)
        if n == 0:
            out = np.concatenate([out, part])
            continue
        t = np.linspace(0.0, np.pi / 2, n, dtype=np.float32)
        mixed = out[-n:] * np.cos(t) + part[:n] * np.sin(t)
        out = np.concatenate([out[:-n], mixed, part[n:]])
    return out
