"""Symbol tables: exact order against upstream's v2 table and the SPEC's v1 facts."""

from __future__ import annotations

import json

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text.symbols import phones_to_ids, symbol_version, symbols_for


def test_v2_table_matches_golden(golden_dir):
    expected = json.loads((golden_dir / "symbols_v2.json").read_text(encoding="utf-8"))
    assert list(symbols_for("v2")) == expected


def test_sizes_and_prefix():
    v1, v2 = symbols_for("v1"), symbols_for("v2")
    assert len(v1) == 322
    assert len(v2) == 732
    assert v2[:322] == v1
    assert len(set(v2)) == 732


@pytest.mark.parametrize(
    ("symbol", "idx"),
    [("!", 0), (",", 1), ("-", 2), (".", 3), ("?", 4), ("SP", 77), ("SP2", 78), ("SP3", 79),
     ("UNK", 86), ("_", 95), ("…", 321)],
)
def test_important_ids(symbol, idx):
    for version in ("v1", "v2"):
        assert symbols_for(version)[idx] == symbol


def test_v2_appended_blocks():
    v2 = symbols_for("v2")
    assert v2[322:324] == ("[", "]")
    assert v2[351] == "停" and v2[352] == "空"
    assert v2[353] == "Ya" and v2[731] == "Yz"
    assert all(s.startswith("Y") for s in v2[353:])


def test_v1_is_sorted_by_code_point():
    v1 = symbols_for("v1")
    assert list(v1) == sorted(v1)


@pytest.mark.parametrize("version", ["v2", "v2Pro", "v2ProPlus", "v3", "v4"])
def test_non_v1_versions_use_v2(version):
    assert symbol_version(version) == "v2"
    assert symbols_for(version) is symbols_for("v2")


def test_phones_to_ids_roundtrip():
    phones = ["n", "i2", "h", "ao3", ".", "SP2", "Yz"]
    ids = phones_to_ids(phones, "v2")
    assert [symbols_for("v2")[i] for i in ids] == phones
    assert phones_to_ids(["n", "i2"], "v1") == phones_to_ids(["n", "i2"], "v2")


def test_unknown_phone_is_a_clear_error():
    with pytest.raises(TextError, match="'Yz' at position 1 is not in the v1 symbol table"):
        phones_to_ids(["a1", "Yz"], "v1")
    with pytest.raises(TextError, match="xyz"):
        phones_to_ids(["xyz"], "v2")
