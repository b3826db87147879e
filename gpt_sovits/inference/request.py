"""Typed synthesis requests and results, validated once for the UI, the API and the CLI."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from gpt_sovits.config import MODEL_SAMPLE_RATE_HZ as OUTPUT_SAMPLE_RATE_HZ
from gpt_sovits.errors import ConfigError
from gpt_sovits.text.language import LANGUAGES
from gpt_sovits.text.segmentation import SPLIT_METHODS as CUT_METHODS

MAX_TEXT_CHARS = 20000  # one synthesis, in the studio and the HTTP API alike


@dataclass(frozen=True)
class SynthesisRequest:
    """Everything one synthesis needs besides the loaded models.

    ``ref_audio`` is the main reference clip (timbre and, with ``ref_text``, the prompt);
    ``aux_ref_audio`` adds clips whose timbre is averaged in. An empty ``ref_text``
    selects prompt-free mode. Defaults follow upstream's WebUI; ``seed`` -1 draws a
    random seed, reported in the result.
    """

    text: str
    ref_audio: Path
    language: str = "auto"
    ref_text: str = ""
    ref_language: str = "auto"
    aux_ref_audio: tuple[Path, ...] = ()
    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    repetition_penalty: float = 1.35
    speed: float = 1.0
    seed: int = -1
    cut_method: str = "auto"
    fragment_interval_s: float = 0.3
    noise_scale: float = 0.5
    emphasis_strength: float = 1.0

    def validate(self) -> SynthesisRequest:
        """Return self when valid; otherwise raise ConfigError naming every problem (TextError for a text
        with nothing to speak or malformed markup). A request is checked once: a valid one remembers it
        (a changed copy, ``dataclasses.replace``, is checked again)."""
        if self.__dict__.get("_valid"):
            return self
        problems = []
        if not self.text or not self.text.strip():
            problems.append("The text to speak is empty.")
        elif len(self.text) > MAX_TEXT_CHARS:
            problems.append(f"The text is {len(self.text)} characters long; one synthesis takes at most "
                            f"{MAX_TEXT_CHARS}. For a longer text use the audiobook workflow (the Audiobook tab, or "
                            "`python -m gpt_sovits book`), which renders it chapter by chapter.")  # fmt: skip
        for name, value in (("language", self.language), ("ref_language", self.ref_language)):
            if value not in LANGUAGES:
                problems.append(f"{name} must be one of {', '.join(LANGUAGES)}, not {value!r}.")
        if self.cut_method not in CUT_METHODS:
            problems.append(f"cut_method must be one of {', '.join(CUT_METHODS)}, not {self.cut_method!r}.")
        _check_range(problems, "top_k", self.top_k, 1, 1025, integer=True)
        _check_range(problems, "top_p", self.top_p, 0.01, 1.0)
        _check_range(problems, "temperature", self.temperature, 0.01, 2.0)
        _check_range(problems, "repetition_penalty", self.repetition_penalty, 1.0, 3.0)
        _check_range(problems, "speed", self.speed, 0.5, 2.0)
        _check_range(problems, "fragment_interval_s", self.fragment_interval_s, 0.0, 5.0)
        _check_range(problems, "noise_scale", self.noise_scale, 0.0, 1.5)
        _check_range(problems, "emphasis_strength", self.emphasis_strength, 0.0, 3.0)
        if not isinstance(self.seed, int) or self.seed < -1 or self.seed >= 2**32:
            problems.append("seed must be -1 (random) or a whole number from 0 to 4294967295.")
        if problems:
            raise ConfigError(problems)
        from gpt_sovits.text.frontend import require_words

        require_words(self.text)  # TextError: only punctuation, symbols or emoji
        object.__setattr__(self, "_valid", True)
        return self

    def with_seed(self) -> SynthesisRequest:
        """This request with its seed drawn when it is -1 (the one place a random seed is chosen)."""
        if self.seed >= 0:
            return self
        drawn = replace(self, seed=random_seed())
        if self.__dict__.get("_valid"):
            object.__setattr__(drawn, "_valid", True)  # only the seed changed, to a valid one
        return drawn

    @property
    def sampling(self):
        """The four sampling knobs as one SamplingOptions, carried whole to the GPT's sampler."""
        from gpt_sovits.models.t2s.sampling import SamplingOptions

        return SamplingOptions(self.top_k, self.top_p, self.temperature, self.repetition_penalty)


def random_seed() -> int:
    """A fresh sampling seed (a whole request's, or one piece's when it is redone)."""
    return random.randrange(2**32)


def _check_range(problems: list[str], name: str, value, low, high, integer: bool = False) -> None:
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not ok_type or isinstance(value, bool) or (not integer and not math.isfinite(value)):
        problems.append(f"{name} must be a {'whole ' if integer else ''}number, not {value!r}.")
    elif not low <= value <= high:
        problems.append(f"{name} must be between {low} and {high}, not {value}.")


@dataclass
class AudioChunk:
    """One synthesized sentence (or pause) with its timings."""

    index: int
    text: str
    audio: np.ndarray  # float32 [N] at OUTPUT_SAMPLE_RATE_HZ, silence after it included
    sample_rate: int = OUTPUT_SAMPLE_RATE_HZ
    tokens: int = 0
    seconds_to_compute: float = 0.0
    notices: list[str] = field(default_factory=list)
    part: int = 0  # streaming: the n-th part of piece ``index``
    final: bool = True  # streaming: False while more parts of this piece follow
    pieces: int = 0  # how many pieces (sentences and pauses) the request has; 0: unknown
    cut: bool = False  # the runaway guard cut this piece (the model did not stop by itself)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate


def join_audio(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The pieces of one synthesis end to end (an empty float32 array when there are none)."""
    parts = list(parts)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def real_time_factor(seconds_to_compute: float, n_samples: int, sample_rate: int) -> float:
    """Compute time over speech time (below 1: faster than real time); infinite when nothing was spoken."""
    duration = n_samples / sample_rate
    return seconds_to_compute / duration if duration else float("inf")


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float audio -> int16 as upstream writes it (×32768, truncation; values are kept within range)."""
    scaled = np.asarray(audio, dtype=np.float32) * 32768.0
    return np.clip(scaled, -32768, 32767).astype(np.int16)
