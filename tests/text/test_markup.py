"""Markup parsing: emphasis, pauses, breaks, inline overrides, and errors with positions."""

from __future__ import annotations

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text.markup import Span, parse_markup, pinyin_to_phones, strip_markup


def test_spans() -> None:
    spans = parse_markup("a [emph]b[/emph] c[pause:0.8]d[break]**e**{行|hang2}{record|R EH1 K ER0 D}")
    assert spans == [
        Span("a "), Span("b", True), Span(" c"), Span(pause_s=0.8), Span("d"), Span(is_break=True),
        Span("e", True), Span("行", override=("h", "ang2"), override_lang="zh"),
        Span("record", override=("R", "EH1", "K", "ER0", "D"), override_lang="en"),
    ]


def test_escapes_and_strip() -> None:
    assert strip_markup(r"a \[b\] \*\* {行|xing2}") == "a [b] ** 行"
    assert pinyin_to_phones("yin2") == ["y", "in2"] and pinyin_to_phones("lü4") == ["l", "v4"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("ab[emph]cd", "position 2"),
        ("ab[/emph]", "position 2"),
        ("[emph]a[emph]b[/emph][/emph]", "position 7"),
        ("x[pause:abc]", "position 1"),
        ("x[pause:20]", "position 1"),
        ("x[pause:0.5", "position 1"),
        ("abc{行|hang}", "position 3"),
        ("abc{行行|hang2}", "position 3"),
        ("abc{word|XX1}", "position 3"),
        ("abc{word|}", "position 3"),
        ("abc{|hang2}", "position 3"),
        ("ab]c", "position 2"),
        ("a**b", "position 1"),
    ],
)
def test_malformed_markup_names_position(text: str, where: str) -> None:
    with pytest.raises(TextError, match=where):
        parse_markup(text)


@pytest.mark.parametrize("text", ["{0} apples", "Hello {name}!", "{ }", "a { b", "a } b", "f(x) = {x: 1}", "{{行}}"])
def test_braces_without_a_reading_are_plain_text(text: str) -> None:
    assert parse_markup(text) == [Span(text)]
    assert strip_markup(text) == text


def test_a_brace_before_an_override_stays_text() -> None:
    assert parse_markup("{0} {行|hang2}") == [Span("{0} "), Span("行", override=("h", "ang2"), override_lang="zh")]
    with pytest.raises(TextError) as info:
        parse_markup("{0} {行|hang}")
    assert str(info.value) == ("Override at position 4: 'hang' is not a pinyin syllable with a tone digit 1-5 "
                               "(like 'hang2').")
