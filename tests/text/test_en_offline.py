"""The English front end never touches the network, with or without NLTK data, and picks its tagger."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gpt_sovits.errors import TextError
from gpt_sovits.text.en.tagger import find_perceptron_model, load_tagger

REPO = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: every socket connection attempt raises, then the front end is
# imported and run on text that needs the tagger, the dictionary, word segmentation and the
# neural model. Prints the tagger used.
_SCRIPT = r"""
import socket, sys
def refuse(*a, **k):
    raise OSError("network access attempted")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
from pathlib import Path
from gpt_sovits.text.en import clean_english, english_g2p
nltk_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
norm, phones = clean_english("I read the record of the zigzagged DSPGAN's blorptastic 3:30 plan.", nltk_data=nltk_dir)
assert phones, phones
print(english_g2p(nltk_dir).tagger.name)
"""


def _run(args: list[str], home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NLTK_DATA"}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), NLTK_DATA="")
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_no_network_with_nltk_data(nltk_data_dir: Path, tmp_path: Path) -> None:
    assert _run([str(nltk_data_dir)], tmp_path) == "nltk-perceptron"


def test_no_network_without_nltk_data_uses_fallback(tmp_path: Path) -> None:
    assert _run([], tmp_path) == "gruut-crf"


def test_missing_nltk_data_raises_text_error_when_required(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert find_perceptron_model(tmp_path) is None
    with pytest.raises(TextError, match="NLTK_DATA"):
        load_tagger(tmp_path, "nltk")


def test_no_tagger_at_all_raises_text_error(tmp_path: Path, monkeypatch) -> None:
    import gpt_sovits.text.en.tagger as tagger_module

    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(tagger_module, "find_crf_model", lambda: None)
    with pytest.raises(TextError, match="gruut-lang-en"):
        tagger_module.load_tagger.__wrapped__(tmp_path / "none", "auto")
