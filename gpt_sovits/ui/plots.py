"""Small matplotlib figures for gr.Plot: waveforms and loss curves (no pyplot, no global state)."""

from __future__ import annotations

import functools

import numpy as np

MAX_POINTS = 2000
# Fonts with Chinese characters, most common first (Linux, Windows, macOS); matplotlib's own has none.
CHINESE_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                 "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


@functools.cache
def chinese_font() -> str | None:
    """The name of an installed font that has Chinese characters, or None (figures then stay in English)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CHINESE_FONTS if name in installed), None)


def _font() -> dict:
    """Text properties that draw Chinese when a Chinese font is installed (Latin text keeps DejaVu Sans)."""
    font = chinese_font()
    return {"fontfamily": ["DejaVu Sans", font]} if font else {}


def _envelope(audio: np.ndarray, points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(block index, min, max) of ``audio`` [n] in at most ``points`` blocks."""
    audio = np.asarray(audio, dtype=np.float32)
    block = max(1, int(np.ceil(audio.size / points)))
    usable = audio[: audio.size - audio.size % block] if audio.size >= block else audio
    frames = usable.reshape(-1, block) if usable.size else np.zeros((1, 1), np.float32)
    return np.arange(frames.shape[0]) * block, frames.min(axis=1), frames.max(axis=1)


def waveform_figure(tracks: list[tuple[str, np.ndarray]], sr: int, marks_s: list[float] | None = None,
                    seconds: str = "seconds"):
    """One waveform panel per (title, audio [n]) pair, time in seconds (axis label ``seconds``); optional
    vertical marks (cuts)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 1.8 * len(tracks)), layout="constrained")
    axes = fig.subplots(len(tracks), 1, squeeze=False)[:, 0]
    for ax, (title, audio) in zip(axes, tracks, strict=True):
        x, low, high = _envelope(audio)
        ax.fill_between(x / sr, low, high, color="#4a7bd0", linewidth=0)
        for t in marks_s or []:
            ax.axvline(t, color="#d04a4a", linewidth=0.8)
        ax.set_title(title, fontsize=9, loc="left", **_font())
        ax.set_ylim(-1, 1)
        ax.set_xlim(0, max(len(audio) / sr, 1e-3))
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel(seconds, fontsize=8, **_font())
    return fig


def loss_figure(series: dict[str, list[tuple[float, float]]], step: str = "step", loss: str = "loss"):
    """Loss curves: name -> [(step, value)], one line each; ``step`` and ``loss`` label the axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3), layout="constrained")
    ax = fig.subplots()
    for name, points in series.items():
        if points:
            steps, values = zip(*points, strict=True)
            ax.plot(steps, values, marker="o", markersize=3, label=name)
    ax.set_xlabel(step, fontsize=8, **_font())
    ax.set_ylabel(loss, fontsize=8, **_font())
    if any(series.values()):
        ax.legend(fontsize=8)
    return fig
