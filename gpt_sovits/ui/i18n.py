"""English and Chinese for the studio, switched live from the Settings tab, per page.

Widgets are created with ``tr.t(key)`` as their label and registered with ``tr.reg``; a language
change returns one ``gr.update`` per registered widget. The translator belongs to one app
(built in build_app), never to the module.

The language is the page's: two browser tabs may show different languages. Events are wired with
``tr.listen``, which passes the page's language control as an extra input; while the handler runs, that
language is the *page language* (a context variable, like Gradio's own request context), so ``tr.t``,
:func:`text` and :func:`localize` called by the handler or the services it calls answer in it. Outside a
page's event (building the app, tests, the CLI) the studio's saved language, or English, is used.

The texts live in :mod:`gpt_sovits.ui.i18n_strings` (widgets) and :mod:`gpt_sovits.ui.i18n_messages`
(statuses, and our own English messages from deeper layers, matched by pattern).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import gradio as gr

from gpt_sovits.ui.i18n_messages import STATUSES, localize_error, localize_message
from gpt_sovits.ui.i18n_strings import LABELS

__all__ = ["LANGUAGE_CHOICES", "STRINGS", "Translator", "error_text", "in_language", "localize", "page_language",
           "text"]

LANGUAGE_CHOICES = (("English", "en"), ("中文", "zh"))

# key -> (English, Chinese)
STRINGS: dict[str, tuple[str, str]] = {**LABELS, **STATUSES}

_PAGE_LANGUAGE: ContextVar[str | None] = ContextVar("gpt_sovits_page_language", default=None)


def page_language() -> str | None:
    """The language of the page whose event is being handled (None outside an event wired by ``listen``)."""
    return _PAGE_LANGUAGE.get()


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Make ``language`` the page language inside the block (what ``Translator.listen`` does per event)."""
    token = _PAGE_LANGUAGE.set(language)
    try:
        yield
    finally:
        _PAGE_LANGUAGE.reset(token)


def text(key: str, language: str | None = None, **values) -> str:
    """The text of ``key`` in ``language`` (default: the page language, else English), formatted with
    ``values`` when given."""
    english, chinese = STRINGS[key]
    chosen = chinese if (language or page_language()) == "zh" else english
    return chosen.format(**values) if values else chosen


def localize(message: str, language: str | None = None) -> str:
    """One of our English messages from a deeper layer (a warning, a reason) in ``language`` (default: the
    page language); unknown messages are returned as they are."""
    return localize_message(message, language or page_language() or "en")


def error_text(error: Exception, language: str | None = None) -> str:
    """An error's message for the page (default: the page language): ours are translated, keeping their
    specifics (file names, numbers); in English it is ``str(error)``."""
    return localize_error(error, language or page_language() or "en")


def _with_page_language(fn: Callable) -> Callable:
    """``fn`` taking the page's language as an extra first argument and running in it. Gradio reads the
    signature (for gr.Request, gr.Progress and event data), so the wrapper declares the extra argument."""
    signature = inspect.signature(fn)
    lead = inspect.Parameter("page_language_value", inspect.Parameter.POSITIONAL_ONLY)

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(language, *args, **kwargs):
            items = fn(*args, **kwargs)
            try:
                while True:  # each step may run on another worker thread: set the language per step
                    with in_language(language):
                        try:
                            item = next(items)
                        except StopIteration:
                            return
                    yield item
            finally:
                with in_language(language):
                    items.close()

        wrapper = gen_wrapper
    else:

        @functools.wraps(fn)
        def wrapper(language, *args, **kwargs):
            with in_language(language):
                return fn(*args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[lead, *signature.parameters.values()])
    return wrapper


@dataclass
class Translator:
    """Labels in the chosen language, and the widgets to relabel when it changes.

    ``language`` is the studio's saved language (labels at build time, calls outside a page's event);
    ``control`` the page's language radio, passed to every handler wired with :meth:`listen`.
    """

    language: str = "en"
    control: gr.components.Component | None = None
    # (widget, {attribute: key}, choice keys, headers key, format values)
    _widgets: list[tuple] = field(default_factory=list)

    @property
    def current(self) -> str:
        """The language to answer in now: the calling page's, else the studio's."""
        return page_language() or self.language

    def t(self, key: str, language: str | None = None, **values) -> str:
        return text(key, language or self.current, **values)

    def headers(self, key: str, language: str | None = None) -> list[str]:
        """Table headers: the text of ``key`` split at '|'."""
        return self.t(key, language).split("|")

    def message(self, english: str) -> str:
        """One of our English messages from a deeper layer, in the current language."""
        return localize_message(english, self.current)

    def error(self, error: Exception) -> str:
        """An error's message in the current language (see :func:`error_text`)."""
        return localize_error(error, self.current)

    def plot_text(self, key: str, **values) -> str:
        """Text for a matplotlib figure: Chinese only where a font with Chinese characters is installed
        (matplotlib would draw empty boxes otherwise), else English."""
        from gpt_sovits.ui.plots import chinese_font

        language = self.current if self.current != "zh" or chinese_font() else "en"
        return self.t(key, language, **values)

    def reg(self, widget, key: str | None, attr: str = "label", choices: list[tuple[str, str]] | None = None,
            headers: str | None = None, values: dict | None = None, **more: str):
        """Remember that ``widget``'s ``attr`` shows the text of ``key`` (formatted with ``values``; ``more``:
        other attributes and their keys, e.g. ``info="consent_info"``; with ``choices``, that its choices are
        labelled by the given (key, value) pairs; with ``headers``, that its table headers are that key's);
        returns the widget."""
        texts = ({attr: key} if key else {}) | more
        self._widgets.append((widget, texts, choices, headers, values or {}))
        return widget

    def choices(self, pairs: list[tuple[str, str]], language: str | None = None) -> list[tuple[str, str]]:
        """(label, value) choices from (key, value) pairs."""
        return [(self.t(key, language), value) for key, value in pairs]

    @property
    def widgets(self) -> list:
        return [w for w, *_ in self._widgets]

    def updates(self, language: str) -> list[dict]:
        """One gr.update per registered widget, relabelled in ``language``."""
        out = []
        for _, texts, pairs, headers, values in self._widgets:
            changes = {attr: self.t(key, language, **values) for attr, key in texts.items()}
            if pairs:
                changes["choices"] = self.choices(pairs, language)
            if headers:
                changes["headers"] = self.headers(headers, language)
            out.append(gr.update(**changes))
        return out

    def listen(self, trigger: Callable, fn: Callable, inputs=None, outputs=None, **kwargs):
        """Wire ``trigger`` (e.g. ``button.click``) to ``fn`` so that it runs in the calling page's language:
        the language control is passed as an extra input. Without a control (a panel built alone, in
        tests) ``fn`` is wired as it is."""
        if self.control is None:
            return trigger(fn, inputs, outputs, **kwargs)
        listed = [] if inputs is None else list(inputs) if isinstance(inputs, (list, tuple, set)) else [inputs]
        return trigger(_with_page_language(fn), [self.control, *listed], outputs, **kwargs)
