"""Inline markup for synthesis, parsed before any normalisation.

Syntax (positions in errors are 0-based character offsets in the input):

* ``[emph]...[/emph]`` or ``**...**``: emphasis (not nestable);
* ``[pause:0.8]``: a pause of 0.8 s (0 < s <= 10); ``[break]``: a sentence break;
* ``{行|hang2}``: Chinese characters with pinyin (tone digit 1-5), one syllable per character;
* ``{record|R EH1 K ER0 D}``: an English word with ARPAbet phones.

Braces that do not hold a ``|`` (``{0}``, ``{name}``, a lone ``{`` or ``}``) are plain text; a reading is only
checked, and refused with its position, when the braces look like an override. Use ``\\[``, ``\\{``,
``\\*`` to write the characters literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gpt_sovits.errors import TextError
from gpt_sovits.text.language import is_han

MAX_PAUSE_S = 10.0
_TAG_RE = re.compile(r"\[([^\[\]]*)\]")
_PAUSE_RE = re.compile(r"pause:\s*([0-9]*\.?[0-9]+)\s*s?")
_OVERRIDE_RE = re.compile(r"\{([^{}|]*)\|([^{}]*)\}")  # {word|reading}; other braces are plain text


@dataclass(frozen=True)
class Span:
    """A piece of marked-up text: spoken text, a pause, or a break.

    ``override`` holds the phones given inline (already converted to phone symbols)
    and ``override_lang`` their language ("zh" or "en").
    """

    text: str = ""
    emphasis: bool = False
    pause_s: float | None = None
    is_break: bool = False
    override: tuple[str, ...] | None = None
    override_lang: str | None = None


def pinyin_to_phones(syllable: str) -> list[str]:
    """Two v2 phone symbols of a toned pinyin syllable ("hang2" -> ["h", "ang2"])."""
    from gpt_sovits.text.zh.g2p import opencpop_table

    table = opencpop_table()
    s = syllable.strip().lower().replace("ü", "v").replace("u:", "v")
    if len(s) < 2 or s[-1] not in "12345" or s[:-1] not in table:
        raise TextError(f"{syllable!r} is not a pinyin syllable with a tone digit 1-5 (like 'hang2').")
    initial, final = table[s[:-1]]
    return [initial, final + s[-1]]


def arpabet_phones(spec: str) -> list[str]:
    """Validated ARPAbet phones of "R EH1 K ER0 D"."""
    from gpt_sovits.text.symbols import symbols_for

    table = set(symbols_for("v1"))
    phones = spec.split()
    bad = [p for p in phones if p not in table or not p[0].isupper() or p in ("SP", "SP2", "SP3", "UNK")]
    if not phones or bad:
        raise TextError(f"{spec!r} is not a list of ARPAbet phones (like 'R EH1 K ER0 D'); bad: {bad or spec!r}")
    return phones


def override_phones(word: str, spec: str) -> tuple[str, list[str]]:
    """(language, phones) of an inline or dictionary pronunciation of ``word``."""
    han = [c for c in word if is_han(c)]
    if han:
        syllables = spec.split()
        if len(syllables) != len(han) or len(han) != len(word.strip()):
            raise TextError(f"{word!r} needs one pinyin syllable per Chinese character, got {spec!r}.")
        return "zh", [p for s in syllables for p in pinyin_to_phones(s)]
    return "en", arpabet_phones(spec)


def _tag_span(tag: str, pos: int, emphasis: bool) -> tuple[Span | None, bool]:
    """(span to emit, new emphasis state) for the tag text ``tag`` found at ``pos``."""
    name = tag.strip().lower()
    if name == "emph":
        if emphasis:
            raise TextError(f"[emph] at position {pos} opens emphasis inside emphasis; close the first one.")
        return None, True
    if name == "/emph":
        if not emphasis:
            raise TextError(f"[/emph] at position {pos} closes an emphasis that was never opened.")
        return None, False
    if name == "break":
        return Span(is_break=True), emphasis
    m = _PAUSE_RE.fullmatch(name)
    if m:
        seconds = float(m.group(1))
        if not 0 < seconds <= MAX_PAUSE_S:
            raise TextError(f"Pause at position {pos} must be between 0 and {MAX_PAUSE_S:g} seconds, not {seconds:g}.")
        return Span(pause_s=seconds), emphasis
    raise TextError(f"Unknown markup [{tag}] at position {pos}; use [emph]...[/emph], [pause:0.8] or [break].")


def _override_span(word: str, spec: str, pos: int, emphasis: bool) -> Span:
    if not word.strip() or not spec.strip():
        raise TextError(f"Override at position {pos} must look like {{word|phones}}, e.g. {{行|hang2}}.")
    try:
        lang, phones = override_phones(word, spec)
    except TextError as e:
        raise TextError(f"Override at position {pos}: {e}") from e
    return Span(word, emphasis, override=tuple(phones), override_lang=lang)


def parse_markup(text: str) -> list[Span]:
    """Spans of ``text``; adjacent plain text with the same emphasis is merged. Raises TextError."""
    spans: list[Span] = []
    buf: list[str] = []
    emphasis, emph_start, i = False, -1, 0

    def flush() -> None:
        if buf:
            spans.append(Span("".join(buf), emphasis))
            buf.clear()

    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "[]{}*\\":
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == "[":
            m = _TAG_RE.match(text, i)
            if m is None:
                raise TextError(f"'[' at position {i} is never closed by ']'; write \\[ for a literal bracket.")
            span, new_emphasis = _tag_span(m.group(1), i, emphasis)
            flush()
            if span is not None:
                spans.append(Span(pause_s=span.pause_s, is_break=span.is_break, emphasis=emphasis))
            if new_emphasis != emphasis:
                emphasis, emph_start = new_emphasis, i
            i = m.end()
            continue
        if text.startswith("**", i):
            flush()
            emphasis, emph_start = not emphasis, i
            i += 2
            continue
        override = _OVERRIDE_RE.match(text, i) if ch == "{" else None
        if override is not None:
            flush()
            spans.append(_override_span(override.group(1), override.group(2), i, emphasis))
            i = override.end()
            continue
        if ch == "]":
            raise TextError(f"']' at position {i} has no opening bracket; write \\] for a literal bracket.")
        buf.append(ch)
        i += 1
    if emphasis:
        raise TextError(f"Emphasis opened at position {emph_start} is never closed.")
    flush()
    return spans


def strip_markup(text: str) -> str:
    """The spoken text of ``text`` without markup (overrides keep their word)."""
    return "".join(s.text for s in parse_markup(text))
