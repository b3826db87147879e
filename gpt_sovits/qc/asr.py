"""The optional ASR round trip: recognise a take and compare the words with its text.

Both sides go through our text normalisers (numbers, dates and units spelt out the same way), then
Chinese is compared character by character and English word by word; the score is the edit
distance over the length of the text (CER/WER). Recognisers are the ones of
:mod:`gpt_sovits.data.asr` (faster-whisper or FunASR, when installed; nothing is installed here).
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from gpt_sovits.errors import StudioError
from gpt_sovits.qc.report import REASONS, CheckResult, not_run, within
from gpt_sovits.text.language import TEXT_LANGUAGES

logger = logging.getLogger(__name__)

WORD_RE = re.compile(r"[a-z0-9']+")


class Recognizer(Protocol):
    """Anything that turns audio into text."""

    def recognize(self, audio: np.ndarray, sample_rate: int, language: str | None) -> str: ...


class TranscriberRecognizer:
    """A :class:`gpt_sovits.data.asr.Transcriber` (which reads files) as a Recognizer."""

    def __init__(self, transcriber):
        self.transcriber = transcriber

    def recognize(self, audio: np.ndarray, sample_rate: int, language: str | None) -> str:
        from gpt_sovits.audio.io import save_wav

        with tempfile.TemporaryDirectory(prefix="gsv-qc-") as folder:
            path = Path(folder) / "take.wav"
            save_wav(path, np.asarray(audio, dtype=np.float32), sample_rate)
            return self.transcriber.transcribe(path, language)


def load_recognizer(pretrained_dir: Path, device: str = "cpu", backend: str | None = None) -> Recognizer:
    """The first installed recogniser with a model in ``<pretrained_dir>/asr/``; raises
    AsrUnavailableError or ModelNotFoundError (with what to install) otherwise."""
    from gpt_sovits.data.asr import load_transcriber

    return TranscriberRecognizer(load_transcriber(backend, None, Path(pretrained_dir), device))


def scoring_units(text: str) -> list[str]:
    """``text`` as the units an error rate counts: Chinese characters and lower-case English words,
    after number/date/unit normalisation; punctuation and spacing are dropped."""
    from gpt_sovits.text.en.casing import spoken_case
    from gpt_sovits.text.en.normalize import normalize_english
    from gpt_sovits.text.language import split_languages
    from gpt_sovits.text.zh.normalize import normalize_chinese

    text = unicodedata.normalize("NFKC", text)
    units: list[str] = []
    try:
        runs = split_languages(text)
    except StudioError:  # a script we do not speak: compare it as it is
        return WORD_RE.findall(text.lower())
    for run in runs:
        if run.lang == "en":
            # chapter numerals as the front end reads them ("CHAPTER IV" is "chapter four"); "GPT" and "gpt" alike
            spoken = spoken_case(run.text, lambda _word: True)
            units += WORD_RE.findall(normalize_english(spoken.lower()).lower())
        else:
            units += [ch for ch in normalize_chinese(run.text) if ch.isalnum()]
    return units


def edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two sequences (one row at a time)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def error_rate(reference: str, hypothesis: str) -> float:
    """CER/WER of ``hypothesis`` against ``reference`` (see :func:`scoring_units`); 0 for two empty texts."""
    ref, hyp = scoring_units(reference), scoring_units(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


@dataclass(frozen=True)
class AsrRoundTrip:
    """An optional check for :func:`gpt_sovits.qc.checks.check_take` (pass it in ``extra``)."""

    recognizer: Recognizer | None
    text: str
    language: str | None = None
    max_error_rate: float = 0.35
    unavailable: str = "no speech recognition is set up"

    def __call__(self, audio: np.ndarray, sample_rate: int) -> CheckResult:
        if self.recognizer is None:
            return not_run("asr", self.unavailable)
        if not scoring_units(self.text):
            return not_run("asr", "the text has no words to compare")
        language = self.language if self.language in TEXT_LANGUAGES else None
        try:
            heard = self.recognizer.recognize(np.nan_to_num(np.asarray(audio, np.float32)), sample_rate, language)
        except (StudioError, OSError, RuntimeError) as e:
            logger.warning("The ASR check could not run: %s", e)
            return not_run("asr", f"speech recognition failed: {e}")
        rate = error_rate(self.text, heard or "")
        result = within("asr", rate, None, self.max_error_rate, "error rate", None, "asr_mismatch")
        detail = f"heard {heard.strip()!r}" if result.status == "pass" else f"{REASONS['asr_mismatch']}: {heard.strip()!r}"
        return CheckResult(result.name, result.status, result.value, result.low, result.high, result.unit,
                           result.reason, detail)
