"""English grapheme-to-phoneme conversion, reproducing upstream GPT-SoVITS v2 (``english.g2p``).

Per token (NLTK's TweetTokenizer, tagged for part of speech):

1. no letter: the token itself (punctuation survives, anything else is dropped later);
2. one letter: capital "A" is EY1, else the letter's CMU reading;
3. a homograph: the reading chosen by its tag;
4. otherwise ``lookup``: CMU dictionary (words of 2+ letters) -> words of at most
   3 letters spelt out -> possessive "'s" on a known stem -> a compound split
   with ``wordsegment`` -> g2p_en's neural model for a single unknown piece.

An optional user dictionary (lower-case word -> phones) overrides steps 2-4.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from gpt_sovits.text.en.lexicon import Homograph, cmu_lexicon, homographs
from gpt_sovits.text.en.neural import neural_g2p
from gpt_sovits.text.en.tagger import Tagger
from gpt_sovits.text.symbols import symbols_for

_VOICELESS_FINALS = frozenset({"P", "T", "K", "F", "TH", "HH"})
_SIBILANT_FINALS = frozenset({"S", "Z", "SH", "ZH", "CH", "JH"})
_POSSESSIVE_RE = re.compile(r"^([a-z]+)('s)$")
_DROPPED = frozenset({" ", "<pad>", "UW", "</s>", "<s>"})


@cache
def _tokenizer() -> Callable[[str], list[str]]:
    from nltk.tokenize.casual import TweetTokenizer

    return TweetTokenizer().tokenize


@cache
def _segmenter() -> Any:
    from wordsegment import Segmenter

    seg = Segmenter()
    seg.load()
    return seg


def possessive(stem_phones: list[str]) -> list[str]:
    """Phones of "<stem>'s": S after a voiceless consonant, AH0 Z after a sibilant, else Z."""
    last = stem_phones[-1] if stem_phones else ""
    if last in _VOICELESS_FINALS:
        return [*stem_phones, "S"]
    if last in _SIBILANT_FINALS:
        return [*stem_phones, "AH0", "Z"]
    return [*stem_phones, "Z"]


class EnglishG2P:
    """Turns normalised English text into ARPAbet phones (upstream's rules, see module docstring)."""

    def __init__(self, tagger: Tagger, lexicon: Mapping[str, list[str]] | None = None,
                 homograph_table: Mapping[str, Homograph] | None = None):
        self.tagger = tagger
        self.lexicon = cmu_lexicon() if lexicon is None else lexicon
        self.homographs = homographs() if homograph_table is None else homograph_table

    def lookup(self, word: str, user: Mapping[str, list[str]] | None = None) -> list[str]:
        """Phones of one word outside the homograph table (case kept, as upstream's name rule needs)."""
        low = word.lower()
        if user and low in user:
            return list(user[low])
        if len(low) > 1 and low in self.lexicon:
            return list(self.lexicon[low])
        if len(low) <= 3:
            return self._spell(low)
        if _POSSESSIVE_RE.match(low):
            return possessive(self.lookup(low[:-2], user))
        pieces = _segmenter().segment(low)
        if len(pieces) == 1:
            return neural_g2p().predict(low)
        return [p for piece in pieces for p in self.lookup(piece, user)]

    def _spell(self, word: str) -> list[str]:
        phones: list[str] = []
        for ch in word:
            if ch == "a":
                phones.append("EY1")
            elif not ch.isalpha():
                phones.append(ch)
            else:
                phones.extend(self.lexicon.get(ch) or neural_g2p().predict(ch))
        return phones

    def token_phones(self, token: str, pos: str, user: Mapping[str, list[str]] | None = None) -> list[str]:
        """Raw phones of one token (may include punctuation and markers filtered later)."""
        low = token.lower()
        if re.search("[a-z]", low) is None:
            return [low]
        if user and low in user:
            return list(user[low])
        if len(low) == 1:
            return ["EY1"] if token == "A" else list(self.lexicon.get(low) or neural_g2p().predict(low))
        if low in self.homographs:
            return self.homographs[low].choose(pos)
        return self.lookup(token, user)

    def words(self, text: str, user: Mapping[str, list[str]] | None = None) -> list[tuple[str, list[str]]]:
        """(token, cleaned phones) for every token of ``text``, in order."""
        tokens = _tokenizer()(text)
        tags = self.tagger.tag(tokens) if tokens else []
        return [(tok, clean_phones(self.token_phones(tok, pos, user))) for tok, pos in zip(tokens, tags, strict=True)]

    def __call__(self, text: str, user: Mapping[str, list[str]] | None = None) -> list[str]:
        """Phones [T] of normalised English ``text``, filtered to the v2 symbol table."""
        return [p for _, phones in self.words(text, user) for p in phones]


def clean_phones(raw: Sequence[str]) -> list[str]:
    """Upstream's output filter: drop markers and unstressed UW, <unk> -> UNK, "'" -> "-", keep v2 symbols."""
    table = set(symbols_for("v2"))
    out: list[str] = []
    for ph in raw:
        if ph in _DROPPED:
            continue
        ph = "UNK" if ph == "<unk>" else ph
        if ph in table:
            out.append(ph)
        elif ph == "'":
            out.append("-")
    return out
