"""The offline fallback tagger (gruut-lang-en CRF) against NLTK's tagger on the golden English set."""

from __future__ import annotations

import logging
from pathlib import Path

from gpt_sovits.text.en.g2p import EnglishG2P, _tokenizer
from gpt_sovits.text.en.normalize import normalize_english
from gpt_sovits.text.en.tagger import load_tagger
from tests.text.test_frontend_golden import load_rows

log = logging.getLogger(__name__)


def test_fallback_agreement_with_nltk(golden_dir: Path, nltk_data_dir: Path, capsys) -> None:
    nltk, crf = load_tagger(nltk_data_dir, "nltk"), load_tagger(None, "crf")
    assert (nltk.name, crf.name) == ("nltk-perceptron", "gruut-crf")
    rows = load_rows(golden_dir, "en")
    same_tags = total_tags = same_sentences = 0
    g_nltk, g_crf = EnglishG2P(nltk), EnglishG2P(crf)
    for row in rows:
        norm = normalize_english(row["text"])
        words = _tokenizer()(norm)
        a, b = nltk.tag(words), crf.tag(words)
        same_tags += sum(x == y for x, y in zip(a, b))
        total_tags += len(words)
        same_sentences += g_nltk(norm) == g_crf(norm)
    tag_agreement = same_tags / total_tags
    phone_agreement = same_sentences / len(rows)
    with capsys.disabled():
        print(f"\nfallback tagger: {tag_agreement:.1%} of {total_tags} tags equal to NLTK's; "
              f"{same_sentences}/{len(rows)} sentences with identical phones")
    assert tag_agreement > 0.8
    assert phone_agreement > 0.8
