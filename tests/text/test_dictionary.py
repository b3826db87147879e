"""User pronunciation dictionary: parse, validate with line numbers, save/load, merge, override G2P."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text.dictionary import apply_entries, load_dictionary, parse_dictionary, save_dictionary
from gpt_sovits.text.frontend import phonemize


def test_parse_save_load_roundtrip(tmp_path: Path) -> None:
    d = parse_dictionary(["# comment", "", "银行\tyin2 hang2", "GIF   JH IH1 F  # the image format"])
    assert d.entries["银行"].phones == ("y", "in2", "h", "ang2")
    assert d.english() == {"gif": ["JH", "IH1", "F"]}
    path = tmp_path / "dict.txt"
    save_dictionary(d, path)
    assert load_dictionary(path).entries == d.entries
    assert load_dictionary(tmp_path / "missing.txt").entries == {}


@pytest.mark.parametrize("bad", ["银行", "银行\tyin hang", "word\tQQ1", "银行\tyin2"])
def test_errors_name_the_line(bad: str) -> None:
    with pytest.raises(TextError, match="voice.txt, line 2"):
        parse_dictionary(["ok\tOW1 K EY1", bad], "voice.txt")


def test_voice_overrides_global_and_g2p(nltk_data_dir: Path) -> None:
    global_d = parse_dictionary(["银行\tyin2 xing2", "gif\tG IH1 F"])
    voice_d = parse_dictionary(["银行\tyin2 hang2"])
    d = global_d.merged(voice_d)
    assert apply_entries("去银行看GIF，[emph]gif[/emph]", d) == "去{银行|yin2 hang2}看{GIF|G IH1 F}，[emph]{gif|G IH1 F}[/emph]"
    result = phonemize("我去银行", "zh", dictionary=d, nltk_data=nltk_data_dir)
    assert result.phones[-4:] == ("y", "in2", "h", "ang2")
    en = phonemize("a GIF file", "en", dictionary=d, nltk_data=nltk_data_dir)
    assert "AH0 G IH1 F" in " ".join(en.phones)
