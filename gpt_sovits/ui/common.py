"""Helpers every tab shares: readable errors, progress callbacks, small conversions."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import numpy as np

from gpt_sovits.errors import StudioError

logger = logging.getLogger(__name__)

UNEXPECTED = ("Something unexpected went wrong ({kind}: {message}). Nothing was lost; the details are in the "
              "terminal where the studio runs. You can keep working.")  # fmt: skip


def _as_ui_error(e: Exception) -> gr.Error:
    if isinstance(e, gr.Error):
        return e
    if isinstance(e, StudioError):
        return gr.Error(str(e), title="Cannot do that")
    logger.exception("Unexpected error in a UI handler")
    return gr.Error(UNEXPECTED.format(kind=type(e).__name__, message=str(e)[:300]), title="Unexpected problem")


def report_failure(e: Exception) -> dict:
    """Show ``e`` as ONE message that stays until closed, and leave every output as it was (gr.skip()): a
    failed action never replaces the last good result with an error badge."""
    error = _as_ui_error(e)
    gr.Warning(str(error.message), duration=None, title=error.title or "Cannot do that")
    return gr.skip()


def guarded(fn: Callable) -> Callable:
    """Wrap a handler so that every failure reaches the page as one readable message, never a stack trace,
    and the outputs keep their last good values (see :func:`report_failure`).

    Gradio reads the handler's signature (for gr.Progress) through ``functools.wraps``; generator
    handlers stay generators.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - the UI boundary: everything becomes a message
                yield report_failure(e)

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the UI boundary: everything becomes a message
            return report_failure(e)

    return wrapper


def event_progress(progress: gr.Progress) -> Callable:
    """An ``on_event`` callback (data.events.PrepareEvent) that moves a gr.Progress bar."""

    def on_event(event) -> None:
        fraction = event.done / event.total if event.total else None
        progress(fraction, desc=event.describe())

    return on_event


def uploaded_paths(files, mic: str | None = None) -> list[Path]:
    """Paths of a gr.File (single or multiple) value plus an optional microphone take."""
    if files is None:
        files = []
    elif not isinstance(files, list):
        files = [files]
    paths = [Path(getattr(f, "name", f)) for f in files]
    if mic:
        paths.append(Path(mic))
    return paths


def audio_value(audio: np.ndarray, sr: int) -> tuple[int, np.ndarray]:
    """A gr.Audio value that plays at the true level (Gradio rescales float arrays, not int16 ones)."""
    from gpt_sovits.inference import to_int16

    return sr, to_int16(np.clip(audio, -1.0, 1.0))


def markdown_list(title: str, items: list[str]) -> str:
    if not items:
        return ""
    return f"**{title}**\n\n" + "\n".join(f"- {item}" for item in items)
