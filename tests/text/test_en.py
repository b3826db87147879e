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


def test_fallback_dictionary_carries_upstreams_readings() -> None:
    """Without upstream's files, the PyPI release plus data/upstream_readings.tsv.gz is upstream's dictionary
    (checked word for word against upstream's files when this was written: 143,197 words, all equal)."""
    lex = cmu_lexicon()
    assert len(lex) > 140_000
    assert lex["office"] == "AO1 F AH0 S".split()  # the PyPI release reads "AO1 F IH0 S"
    assert lex["government"] == "G AH1 V ER0 N M AH0 N T".split()
    assert "aalborg" not in lex  # in the PyPI release, not in upstream's: upstream's neural model reads it


def test_the_readings_file_is_written_from_upstreams_files(tmp_path: Path) -> None:
    import gzip

    from gpt_sovits.devtools.upstream_readings import main
    from gpt_sovits.text.en.lexicon import UPSTREAM_FIRST_ENTRY_LINE

    header = "".join(f";;; header line {n}\n" for n in range(1, UPSTREAM_FIRST_ENTRY_LINE))
    (tmp_path / "cmudict.rep").write_text(header + "OFFICE  AO1 F AH0 S\nHELLO  HH AH0 - L OW1\nZYX  Z IH1 K S\n",
                                          encoding="utf-8")
    (tmp_path / "cmudict-fast.rep").write_text("HELLO HH EH1 L OW0\nWORLD W ER1 L D\n", encoding="utf-8")
    out = tmp_path / "readings.tsv.gz"
    assert main([str(tmp_path), "--out", str(out)]) == 0
    lines = gzip.decompress(out.read_bytes()).decode("utf-8").splitlines()
    assert "office\tAO1 F AH0 S" in lines and "zyx\tZ IH1 K S" in lines  # differs; missing from the release
    assert not any(line.startswith(("hello\t", "world\t")) for line in lines)  # the same in both
    assert "aalborg\t" in lines  # only in the release
    first = out.read_bytes()
    main([str(tmp_path), "--out", str(out)])
    assert out.read_bytes() == first  # the same input gives the same bytes
