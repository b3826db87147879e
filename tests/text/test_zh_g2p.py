"""Mandarin g2p: tone sandhi, erhua, symbol mapping, v1 vs v2, pause markers and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text.symbols import phones_to_ids, symbols_for
from gpt_sovits.text.zh import clean_chinese, g2p_chinese
from gpt_sovits.text.zh.g2p import merge_erhua
from gpt_sovits.text.zh.sandhi import apply_tone_sandhi, merge_for_sandhi


def phones(text: str, version: str = "v2") -> list[str]:
    return clean_chinese(text, version)[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", ["n", "i2", "h", "ao3"]),  # 3 + 3 -> 2 + 3
        ("不怕", ["b", "u2", "p", "a4"]),  # 不 before tone 4
        ("不好", ["b", "u4", "h", "ao3"]),
        ("看不懂", ["k", "an4", "b", "u5", "d", "ong3"]),  # 不 inside a 3-character word
        ("一天", ["y", "i4", "t", "ian1"]),
        ("一段", ["y", "i2", "d", "uan4"]),
        ("第一", ["d", "i4", "y", "i1"]),
        ("看一看", ["k", "an4", "y", "i5", "k", "an4"]),
        ("十一", ["sh", "ir2", "y", "i1"]),  # 一 in a number keeps tone 1
        ("桌子", ["zh", "uo1", "z", "i05"]),
        ("我们", ["w", "o3", "m", "en5"]),
        ("展览馆", ["zh", "an2", "l", "an2", "g", "uan3"]),  # 2 + 1 split
        ("纸老虎", ["zh", "ir3", "l", "ao2", "h", "u3"]),  # 1 + 2 split
    ],
)
def test_tone_sandhi_in_context(text, expected):
    assert phones(text) == expected


def test_apply_tone_sandhi_directly():
    assert apply_tone_sandhi("奶奶", "n", ["ai3", "ai3"]) == ["ai3", "ai5"]
    assert apply_tone_sandhi("东西", "n", ["ong1", "i1"]) == ["ong1", "i5"]  # must-neutral word
    assert apply_tone_sandhi("好吧", "y", ["ao3", "a5"]) == ["ao3", "a5"]
    finals = ["ao3", "i3"]
    apply_tone_sandhi("你好", "l", finals)
    assert finals == ["ao3", "i3"]  # the caller's list is not modified


def test_merge_for_sandhi():
    assert merge_for_sandhi([("不", "d"), ("怕", "v")]) == [("不怕", "v")]  # tag of the second word
    assert merge_for_sandhi([("看", "v"), ("一", "m"), ("看", "v")]) == [("看一看", "v")]
    assert merge_for_sandhi([("好", "a"), ("儿", "n")]) == [("好儿", "a")]
    assert merge_for_sandhi([("说", "v"), ("不", "d")]) == [("说", "v"), ("不", "d")]


def test_erhua_takes_previous_tone():
    assert merge_erhua(["zh", ""], ["e4", "er2"], "这儿", "r") == (["zh", ""], ["e4", "er4"])
    assert merge_erhua(["h", ""], ["ua4", "er2"], "画儿", "n")[1] == ["ua4", "er4"]


def test_erhua_exceptions():
    assert merge_erhua(["n", ""], ["v3", "er2"], "女儿", "n")[1] == ["v3", "er2"]  # listed as not erhua
    assert merge_erhua(["n", ""], ["v3", "er1"], "女儿", "n")[1] == ["v3", "er2"]  # er1 is fixed to er2
    assert merge_erhua(["h", ""], ["ao3", "er2"], "好儿", "a")[1] == ["ao3", "er2"]  # adjectives keep er2
    assert merge_erhua(["x", ""], ["i2", "er2"], "媳妇儿", "n")[1] == ["i2", "er2"]  # length mismatch: unchanged


def test_v1_has_no_erhua_and_v1_ids():
    text = "这儿的风景真好。"
    v2 = phones(text, "v2")
    v1 = phones(text, "v1")
    assert v2[:4] == ["zh", "e4", "EE", "er4"]
    assert v1[:4] == ["zh", "e4", "EE", "er2"]
    assert v1[4:] == v2[4:]
    assert max(phones_to_ids(v1, "v1")) < len(symbols_for("v1"))


def test_word2ph_counts_every_character():
    norm, ph, word2ph = clean_chinese("你好，世界！")
    assert norm == "你好,世界!"
    assert word2ph == [2, 2, 1, 2, 2, 1]
    assert ph[4] == "," and ph[-1] == "!"


def test_pause_markers_turn_every_comma_phone_into_a_pause():
    norm, ph, _ = clean_chinese("只要￥199，好吗")
    assert norm == "只要,幺九九,好吗"
    assert ph.count("SP2") == 2 and "," not in ph
    norm, ph, _ = clean_chinese("价格是^特别^便宜的。")
    assert norm == "价格是,特别,便宜的."
    assert ph.count("SP3") == 2
    _, ph, _ = clean_chinese("一^二￥三")  # only the first marker kind (￥) is honoured
    assert ph.count("SP2") == 1 and "SP3" not in ph


def test_g2p_on_normalised_text_skips_latin():
    assert g2p_chinese("好abc好") == g2p_chinese("好好")


def test_text_that_normalises_to_nothing():
    assert clean_chinese("ＡＢＣ") == ("", [], [])


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_a_clear_error(text):
    with pytest.raises(TextError, match="empty"):
        clean_chinese(text)


def test_import_loads_no_dictionary():
    code = "import sys, gpt_sovits.text.zh; print(sorted(m for m in ('jieba', 'pypinyin') if m in sys.modules))"
    repo_root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo_root)
    assert out.stdout.strip() == "[]"


def test_opencpop_table():
    from gpt_sovits.text.zh.g2p import opencpop_table

    table = opencpop_table()
    assert len(table) == 429
    assert table["zhi"] == ("zh", "ir") and table["zi"] == ("z", "i0") and table["ju"] == ("j", "v")
    assert table["yan"] == ("y", "En") and table["e"] == ("EE", "e") and table["er"] == ("EE", "er")
    v2 = set(symbols_for("v2"))
    assert all(i in v2 and f + "1" in v2 for i, f in table.values())
