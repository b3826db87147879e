"""The public phonemize(): languages, auto mode, emphasis and pause positions, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text import phonemize


def test_auto_and_zh_modes_agree_on_mixed_text(nltk_data_dir: Path) -> None:
    a = phonemize("我今天用iPhone拍了很多照片。", "auto", nltk_data=nltk_data_dir)
    b = phonemize("我今天用iPhone拍了很多照片。", "zh", nltk_data=nltk_data_dir)
    assert a == b
    assert [s.lang for s in a.segments] == ["zh", "en", "zh"]
    assert a.word2ph is None and len(a.phone_ids) == len(a.phones)


def test_chinese_only_has_word2ph(nltk_data_dir: Path) -> None:
    r = phonemize("你好，世界。", "zh", nltk_data=nltk_data_dir)
    assert r.word2ph is not None and sum(r.word2ph) == len(r.phones)
    assert len(r.word2ph) == len(r.norm_text)


def test_emphasis_and_pauses(nltk_data_dir: Path) -> None:
    r = phonemize("我[emph]今天[/emph]去[pause:0.5]{行|hang2}", "zh", nltk_data=nltk_data_dir)
    assert r.emphasis == (False, False, True, True, True, True, False, False, False, False)
    assert [(p.at, p.seconds) for p in r.pauses] == [(8, 0.5)]
    assert r.phones[-2:] == ("h", "ang2")


@pytest.mark.parametrize(
    ("text", "language", "message"),
    [
        ("Привет", "auto", "position 0"),
        ("hello مرحبا", "en", "position 6"),
        ("こんにちは", "zh", "script"),
        ("你好", "en", "position 0"),
        ("bonjour", "fr", "not supported"),
        ("   ", "zh", "empty"),
        ("[pause:1]", "zh", "nothing to read"),
    ],
)
def test_errors(text: str, language: str, message: str, nltk_data_dir: Path) -> None:
    with pytest.raises(TextError, match=message):
        phonemize(text, language, nltk_data=nltk_data_dir)


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, gpt_sovits.text; assert 'nltk' not in sys.modules and 'jieba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
