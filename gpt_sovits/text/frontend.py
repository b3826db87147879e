"""Text to phones as upstream's inference front end does it (``clean_text`` + ``get_phones_and_bert``).

``clean_text`` handles one language; ``run_pipeline`` splits mixed text into
language segments, cleans each one, joins the results and, when fewer than 6
phones come out, retries once with "." in front of the text (upstream's rule).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from gpt_sovits.errors import TextError
from gpt_sovits.text.language import ALL_ZH, EN, LANGUAGES, ZH, check_script, is_han, split_languages
from gpt_sovits.text.symbols import PAD, PUNCTUATION, SPECIAL_PAUSES, UNKNOWN, phones_to_ids, symbols_for

MIN_PHONES = 6  # fewer phones than this: retry with "." in front (upstream)
MIN_EN_PHONES = 4  # fewer English phones than this get a leading "," (upstream)


class CleanedText(NamedTuple):
    """One language's cleaning result: ``word2ph[i]`` phones per character of ``norm_text`` (zh only)."""

    norm_text: str
    phones: list[str]
    word2ph: list[int] | None


@dataclass(frozen=True)
class Segment:
    """One language segment of the pipeline."""

    lang: str
    text: str
    norm_text: str
    phones: tuple[str, ...]
    word2ph: tuple[int, ...] | None


@dataclass(frozen=True)
class PipelineResult:
    """Joined segments: ``phone_ids`` [T] index the symbol table of the requested version."""

    segments: tuple[Segment, ...]
    norm_text: str
    phones: tuple[str, ...]
    phone_ids: tuple[int, ...]
    dot_prefixed: bool

    @property
    def word2ph(self) -> tuple[int, ...] | None:
        """Concatenated word2ph when every segment is Chinese, else None (as upstream)."""
        if not self.segments or any(s.word2ph is None for s in self.segments):
            return None
        return tuple(n for s in self.segments for n in (s.word2ph or ()))


def _clean_chinese(text: str, version: str, polyphone_model=None) -> CleanedText:
    from gpt_sovits.text.zh import clean_chinese  # handles the ￥ / ^ special pauses itself

    norm, phones, word2ph = clean_chinese(text, version, polyphone_model=polyphone_model)
    return CleanedText(norm, list(phones), list(word2ph))


def clean_text(text: str, language: str, version: str = "v2", *,
               english_words: Mapping[str, list[str]] | None = None, nltk_data: Path | None = None,
               polyphone_model=None) -> CleanedText:
    """Normalise and phonemise ``text`` of one language ("zh" or "en"); unknown phones become UNK.

    ``english_words`` (lower-case word -> ARPAbet) overrides English G2P; ``polyphone_model`` (the
    optional g2pW model, :func:`gpt_sovits.text.zh.g2pw.find_g2pw`) chooses Chinese polyphone readings.
    """
    if language == ZH:
        result = _clean_chinese(text, version, polyphone_model)
    elif language == EN:
        from gpt_sovits.text.en import clean_english

        norm, phones = clean_english(text, english_words, nltk_data)
        if len(phones) < MIN_EN_PHONES:
            phones = [",", *phones]
        result = CleanedText(norm, phones, None)
    else:
        raise TextError(f"Language {language!r} is not supported; use 'zh' or 'en'.")
    table = set(symbols_for(version))
    return result._replace(phones=[p if p in table else UNKNOWN for p in result.phones])


def split_for_mode(text: str, mode: str) -> list[tuple[str, str]]:
    """(language, text) segments of ``text`` for a language mode (see ``LANGUAGES``)."""
    if mode == EN:
        check_script(text)
        han = next((i for i, ch in enumerate(text) if is_han(ch)), None)
        if han is not None:
            raise TextError(
                f"Chinese character {text[han]!r} at position {han} in text marked as English; "
                "use language 'auto' or 'zh' for mixed text."
            )
        return [(EN, text)]
    if mode not in LANGUAGES:
        raise TextError(f"Language {mode!r} is not supported; choose one of {', '.join(LANGUAGES)}.")
    runs = split_languages(text, default=ZH if mode == ALL_ZH else None)
    return [(r.lang, r.text) for r in runs]


def _segments(text: str, mode: str, version: str, english_words: Mapping[str, list[str]] | None,
              nltk_data: Path | None, polyphone_model=None) -> list[Segment]:
    out = []
    for lang, piece in split_for_mode(text, mode):
        cleaned = clean_text(piece, lang, version, english_words=english_words, nltk_data=nltk_data,
                             polyphone_model=polyphone_model)
        w2p = tuple(cleaned.word2ph) if cleaned.word2ph is not None else None
        out.append(Segment(lang, piece, cleaned.norm_text, tuple(cleaned.phones), w2p))
    return out


def run_pipeline(text: str, mode: str, version: str = "v2", *,
                 english_words: Mapping[str, list[str]] | None = None, nltk_data: Path | None = None,
                 retry_short: bool = True, polyphone_model=None) -> PipelineResult:
    """Upstream's ``get_phones_and_bert`` without BERT: segments, joined phones, ids, norm text."""
    text = re.sub(r" {2,}", " ", text)
    segments = _segments(text, mode, version, english_words, nltk_data, polyphone_model)
    phones = tuple(p for s in segments for p in s.phones)
    dot = False
    if retry_short and len(phones) < MIN_PHONES:
        segments = _segments("." + text, mode, version, english_words, nltk_data, polyphone_model)
        phones = tuple(p for s in segments for p in s.phones)
        dot = True
    return PipelineResult(
        segments=tuple(segments),
        norm_text="".join(s.norm_text for s in segments),
        phones=phones,
        phone_ids=tuple(phones_to_ids(phones, version)),
        dot_prefixed=dot,
    )


NOTHING_TO_SPEAK = "Nothing to speak: the text has no words, only punctuation, symbols or emoji."
SILENT_PHONES = frozenset({PAD, *PUNCTUATION, *SPECIAL_PAUSES})
_WORD_RE = re.compile(r"\w")


def require_words(text: str) -> None:
    """TextError (NOTHING_TO_SPEAK) when ``text``, markup removed, has no letter or digit to read.

    The synthesiser skips pieces without one, so such a text would otherwise give no audio at all.
    """
    from gpt_sovits.text.markup import strip_markup

    if text and text.strip() and not _WORD_RE.search(strip_markup(text)):
        raise TextError(NOTHING_TO_SPEAK)


@dataclass(frozen=True)
class Pause:
    """A pause before phone ``at`` (an index into the phones): ``seconds`` is None for a [break]."""

    at: int
    seconds: float | None


@dataclass(frozen=True)
class PhonemizeResult:
    """Everything the synthesiser needs from the text.

    phones / phone_ids / emphasis: [T] each; word2ph: phones per norm_text character (Chinese-only
    text, else None); segments: language segments in order; pauses: from [pause:s] and [break].
    """

    norm_text: str
    phones: tuple[str, ...]
    phone_ids: tuple[int, ...]
    word2ph: tuple[int, ...] | None
    segments: tuple[Segment, ...]
    emphasis: tuple[bool, ...]
    pauses: tuple[Pause, ...]
    dot_prefixed: bool


def _override_segment(span, version: str) -> Segment:  # span: markup.Span
    table = set(symbols_for(version))
    phones = tuple(p if p in table else UNKNOWN for p in span.override)
    w2p = (2,) * len(span.text.strip()) if span.override_lang == ZH else None
    return Segment(span.override_lang, span.text, span.text.strip(), phones, w2p)


def phonemize(text: str, language: str, version: str = "v2", dictionary=None,
              nltk_data: Path | None = None) -> PhonemizeResult:
    """Phones of ``text`` (markup allowed, see ``markup``) in ``language`` ("zh", "en", "auto", "all_zh").

    ``dictionary`` is a ``PronunciationDictionary`` whose entries override G2P.
    Raises TextError for empty text, bad markup, unsupported languages or scripts, and text with
    nothing to speak (only punctuation, symbols or emoji, which upstream would read as a lone ".").
    """
    result = _phonemize(text, language, version, dictionary, nltk_data)
    if not any(phone not in SILENT_PHONES for phone in result.phones):
        raise TextError(NOTHING_TO_SPEAK)
    return result


def _phonemize(text: str, language: str, version: str, dictionary, nltk_data: Path | None) -> PhonemizeResult:
    from gpt_sovits.text.dictionary import apply_entries
    from gpt_sovits.text.markup import parse_markup

    if language not in LANGUAGES:
        raise TextError(f"Language {language!r} is not supported; choose one of {', '.join(LANGUAGES)}.")
    if not text or not text.strip():
        raise TextError("The text is empty; type something to read.")
    english_words = dictionary.english() if dictionary is not None else None
    if dictionary is not None:
        text = apply_entries(text, dictionary)
    spans = parse_markup(text)
    mode = "zh" if language == "auto" else language
    if len(spans) == 1 and spans[0].override is None and spans[0].text:
        r = run_pipeline(spans[0].text, mode, version, english_words=english_words, nltk_data=nltk_data)
        return PhonemizeResult(r.norm_text, r.phones, r.phone_ids, r.word2ph, r.segments,
                               (spans[0].emphasis,) * len(r.phones), (), r.dot_prefixed)
    segments: list[Segment] = []
    emphasis: list[bool] = []
    pauses: list[Pause] = []
    for span in spans:
        if span.pause_s is not None or span.is_break:
            pauses.append(Pause(len(emphasis), span.pause_s))
            continue
        if span.override is not None:
            new = [_override_segment(span, version)]
        elif span.text.strip(" "):
            new = list(run_pipeline(span.text, mode, version, english_words=english_words,
                                    nltk_data=nltk_data, retry_short=False).segments)
        else:
            continue
        segments += new
        emphasis += [span.emphasis] * sum(len(s.phones) for s in new)
    phones = tuple(p for s in segments for p in s.phones)
    if not phones:
        raise TextError("The text has nothing to read once markup is removed.")
    w2p = None if any(s.word2ph is None for s in segments) else tuple(n for s in segments for n in s.word2ph)
    return PhonemizeResult("".join(s.norm_text for s in segments), phones, tuple(phones_to_ids(phones, version)),
                           w2p, tuple(segments), tuple(emphasis), tuple(pauses), False)
