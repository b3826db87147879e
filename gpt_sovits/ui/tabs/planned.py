"""Tabs whose tools arrive with later work: each says plainly what it will do."""

from __future__ import annotations

import gradio as gr

PLANNED_TABS = {
    "Voice data": (
        "Create a voice, give consent, and record or upload about one minute of speech. "
        "This tab will show a waveform preview and a quality report (length, noise, clipping)."
    ),
    "Clean & slice": (
        "Remove background noise and cut the recording into short clips at pauses, with before/after players. "
        "Not available yet in this build."
    ),
    "Transcripts": (
        "Check and edit what is said in each clip (typed, or recognised automatically when a speech-recognition "
        "model is installed). Not available yet in this build."
    ),
    "Fine-tune": (
        "Optional: train the SoVITS and GPT models on your clips for a closer likeness. Zero-shot synthesis "
        "needs no training. Not available yet in this build."
    ),
    "Synthesize": (
        "Type any Chinese, English or mixed text and hear it in the chosen voice, with emphasis markup "
        "(`[emph]…[/emph]`), pauses (`[pause:0.8]`) and pronunciation overrides. Not available yet in this build."
    ),
}


def build_planned_tab(name: str) -> None:
    """Explain what a not-yet-built tab is for; it holds no buttons."""
    gr.Markdown(f"### {name}\n\n{PLANNED_TABS[name]}")
