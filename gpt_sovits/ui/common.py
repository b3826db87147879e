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
from gpt_sovits.ui.i18n import STRINGS, error_text, in_language, localize, page_language, text

logger = logging.getLogger(__name__)

UNEXPECTED = STRINGS["unexpected"][0]


def _as_ui_error(e: Exception) -> gr.Error:
    """``e`` as a gr.Error in the page language: a gr.Error as it is (handlers raise it translated), our own
    errors translated, anything else as an unexpected problem."""
    if isinstance(e, gr.Error):
        return e
    if isinstance(e, StudioError):
        return gr.Error(error_text(e), title=text("cannot_do_that"))
    logger.exception("Unexpected error in a UI handler")
    return gr.Error(text("unexpected", kind=type(e).__name__, message=str(e)[:300]), title=text("unexpected_title"))


def report_failure(e: Exception) -> dict:
    """Show ``e`` as ONE message that stays until closed, and leave every output as it was (gr.skip()): a
    failed action never replaces the last good result with an error badge."""
    error = _as_ui_error(e)
    title = text("error_title") if error.title in (None, "", "Error") else error.title  # gr.Error's default title
    gr.Warning(str(error.message), duration=None, title=title)
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


def stage_name(stage: str) -> str:
    """A data-preparation stage's name (text, audio, semantic, import...) in the page language."""
    key = f"stage_{stage}"
    return text(key) if key in STRINGS else stage


def describe_event(event) -> str:
    """A data.events.PrepareEvent in one line in the page language, e.g. ``[audio 3/12] a.wav: prepared``."""
    message = localize(event.message)
    where = f"[{stage_name(event.stage)} {event.done}/{event.total}]"
    return f"{where} {f'{event.item}: {message}' if event.item else message}".rstrip()


def event_progress(progress: gr.Progress) -> Callable:
    """An ``on_event`` callback (data.events.PrepareEvent) that moves a gr.Progress bar. The callback runs on
    the engine's thread: the page language is taken now, in the handler."""
    language = page_language()

    def on_event(event) -> None:
        fraction = event.done / event.total if event.total else None
        with in_language(language):
            progress(fraction, desc=describe_event(event))

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
