"""Text with nothing to speak (only punctuation, symbols or emoji) is a clear TextError everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.cli import main
from gpt_sovits.errors import TextError
from gpt_sovits.inference import SynthesisRequest
from gpt_sovits.text import phonemize

MESSAGE = "Nothing to speak: the text has no words, only punctuation, symbols or emoji."
SILENT = [("...", "zh"), ("!!!", "en"), ("？！。，", "zh"), ("😀😀", "auto"), ("🎉 🎉 🎉", "en"), ("{ }", "en"),
          ("[pause:0.5]…[break]!", "auto"), ("**!!**", "zh")]


@pytest.mark.parametrize(("text", "lang"), SILENT)
def test_phonemize_refuses_text_with_nothing_to_speak(text, lang):
    with pytest.raises(TextError) as info:
        phonemize(text, lang)
    assert str(info.value) == MESSAGE


@pytest.mark.parametrize(("text", "lang"), [("a", "en"), ("你", "zh"), ("{0} 个", "zh"), ("Hi {name}!", "en"),
                                            ("-", "auto")])
def test_short_or_braced_text_is_still_spoken(text, lang):
    assert any(p not in {".", ",", "!", "?", "…", "-"} for p in phonemize(text, lang).phones)


@pytest.mark.parametrize(("text", "lang"), SILENT)
def test_a_synthesis_request_with_nothing_to_speak_is_refused(text, lang):
    with pytest.raises(TextError) as info:
        SynthesisRequest(text=text, language=lang, ref_audio=Path("ref.wav")).validate()
    assert str(info.value) == MESSAGE


def test_cli_phonemize_and_synthesize_say_so_in_one_line(capsys, tmp_path):
    assert main(["phonemize", "--lang", "auto", "😀😀"]) == 2
    assert capsys.readouterr().err == f"error: {MESSAGE}\n"
    code = main(["synthesize", "--gpt", "g.ckpt", "--sovits", "s.pth", "--ref-audio", "ref.wav", "--text", "!!!",
                 "--out", str(tmp_path / "out.wav")])
    assert code == 2
    assert capsys.readouterr().err == f"error: {MESSAGE}\n"
    assert not (tmp_path / "out.wav").exists()
