"""English front end against upstream's golden output, plus unit checks of its parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.text.en import english_g2p, normalize_english
from gpt_sovits.text.en.g2p import clean_phones, possessive
from gpt_sovits.text.en.lexicon import cmu_lexicon, homographs
from gpt_sovits.text.en.neural import neural_g2p
from gpt_sovits.text.frontend import clean_text, run_pipeline
from gpt_sovits.text.symbols import phones_to_ids
from tests.text.test_frontend_golden import load_rows


@pytest.fixture(scope="module")
def en_rows(golden_dir: Path) -> list[dict]:
    rows = load_rows(golden_dir, "en")
    assert len(rows) == 50
    return rows


def test_golden_english_clean_text(en_rows: list[dict], nltk_data_dir: Path) -> None:
    mismatches = []
    for row in en_rows:
        got = clean_text(row["text"], "en", "v2", nltk_data=nltk_data_dir)
        ids = phones_to_ids(got.phones, "v2")
        if (got.norm_text, got.phones, got.word2ph, ids) != (
            row["norm_text"], row["phones"], row["word2ph"], row["phone_ids"]
        ):
            mismatches.append((row["text"], got.norm_text, " ".join(got.phones)))
    assert mismatches == []


def test_golden_english_pipeline(en_rows: list[dict], nltk_data_dir: Path) -> None:
    for row in en_rows:
        exp = row["pipeline"]
        got = run_pipeline(row["text"], "en", "v2", nltk_data=nltk_data_dir)
        assert list(got.phone_ids) == exp["phone_ids"], row["text"]
        assert got.norm_text == exp["norm_text"]
        assert got.dot_prefixed == exp["dot_prefixed"]
        assert [(s.lang, s.text, s.norm_text, list(s.phones), s.word2ph) for s in got.segments] == [
            (s["lang"], s["text"], s["norm_text"], s["phones"], s["word2ph"]) for s in exp["segments"]
        ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It costs $1.05.", "It costs one dollar and five cents."),
        ("Pay 3£ now", "Pay three pounds now"),
        ("at 13:00", "at one o'clock p.m."),
        ("It is 1km away", "It is one kilometer away"),
        ("It is 2.5km away", "It is two point five kilometers away"),
        ("Take 1/2 of 3/2", "Take one half of three halves"),
        ("In 2005 and 1900", "In two thousand five and nineteen hundred"),
        ("3 + 4 = 7", "three plus four Equals seven"),
        ("café 50%", "cafe fifty percent"),
        ("Wait!!! Really??", "Wait! Really?"),
        ("i.e. this", "that is this"),
    ],
)
def test_normalisation_rules(text: str, expected: str) -> None:
    assert normalize_english(text) == expected


def test_fullwidth_commas_are_deleted_like_upstream() -> None:
    # Upstream's mapping of ，；： to "," never fires (escaped pattern), so they vanish.
    assert normalize_english("Hello，world；yes") == "Helloworldyes"
    assert normalize_english("Yes。Sure！") == "Yes. Sure!"  # a capital after "." gets a space


def test_lexicon_edits() -> None:
    lex = cmu_lexicon()
    assert lex["chatgpt"] == "CH AE1 T JH IY1 P IY1 T IY1".split()
    for word in ("ai", "os", "ios"):
        assert word not in lex
    assert lex["hello"] == ["HH", "AH0", "L", "OW1"]
    table = homographs()
    assert table["read"].choose("VBP") == ["R", "IY1", "D"]
    assert table["read"].choose("VBD") == ["R", "EH1", "D"]
    assert table["read"].choose("V") == ["R", "IY1", "D"]  # shorter tag that prefixes VBP


def test_neural_model_predicts_plausible_phones() -> None:
    phones = neural_g2p().predict("blorptastic")
    assert 6 <= len(phones) <= 20
    assert phones[0] == "B" and "L" in phones


def test_possessive_and_filters() -> None:
    assert possessive(["K", "AE1", "T"]) == ["K", "AE1", "T", "S"]
    assert possessive(["B", "AH1", "S"]) == ["B", "AH1", "S", "AH0", "Z"]
    assert possessive(["D", "AO1", "G"]) == ["D", "AO1", "G", "Z"]
    assert clean_phones(["<s>", "HH", " ", "UW", "<unk>", "'", "@"]) == ["HH", "UNK", "-"]


def test_user_words_override_g2p(nltk_data_dir: Path) -> None:
    g2p = english_g2p(nltk_data_dir)
    assert g2p("hello world", {"world": ["W", "AO1"]}) == ["HH", "AH0", "L", "OW1", "W", "AO1"]


def test_short_english_gets_leading_comma(nltk_data_dir: Path) -> None:
    assert clean_text("Hi", "en", nltk_data=nltk_data_dir).phones == [",", "HH", "AY1"]
