"""The speaking-rate window of a voice: phones per second of articulation, learnt from its own clips
(or its reference clip), with a loose default when nothing is known."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gpt_sovits.config import QcSettings
from gpt_sovits.errors import StudioError
from gpt_sovits.qc.signal import analyse

logger = logging.getLogger(__name__)

MIN_ARTICULATION_S = 0.5  # clips with less speech than this say nothing reliable about the rate
SPREAD_MARGIN = 1.15  # with several clips, the window also reaches 15 % beyond their 10th/90th percentiles
MAX_VOICE_CLIPS = 40


@dataclass(frozen=True)
class SpeakingRate:
    """Accepted phones per second of articulation, and where the window came from."""

    low: float
    high: float
    source: str = "default"

    def scaled(self, speed: float) -> SpeakingRate:
        """The window for synthesis at ``speed`` (1.5 speaks 1.5 times as many phones per second)."""
        return SpeakingRate(self.low * speed, self.high * speed, self.source)


def default_rate(settings: QcSettings) -> SpeakingRate:
    return SpeakingRate(settings.default_rate_low, settings.default_rate_high, "default")


def count_phones(text: str, language: str = "auto", version: str = "v2") -> int | None:
    """Phones the model is given for ``text`` (our text front end), or None when it has nothing to say."""
    from gpt_sovits.text.frontend import run_pipeline

    try:
        return len(run_pipeline(text, language, version).phone_ids) or None
    except StudioError as e:
        logger.info("No phones for %r: %s", text[:40], e)
        return None


def learn_rate(samples: Iterable[tuple[np.ndarray, int, int]], settings: QcSettings, source: str,
               min_samples: int = 1) -> SpeakingRate:
    """The window from (audio [N], sample rate, phone count) samples of the voice speaking.

    One sample: its rate divided and multiplied by ``settings.rate_tolerance``. Several: that window
    around their median, widened to reach SPREAD_MARGIN beyond their 10th and 90th percentiles.
    Samples with under MIN_ARTICULATION_S of speech are skipped; fewer than ``min_samples`` left gives
    the default.
    """
    rates = []
    for audio, sample_rate, phones in samples:
        articulation = analyse(audio, sample_rate).articulation_s
        if phones and articulation >= MIN_ARTICULATION_S:
            rates.append(phones / articulation)
    if not rates or len(rates) < min_samples:
        return default_rate(settings)
    middle, tolerance = float(np.median(rates)), settings.rate_tolerance
    low, high = middle / tolerance, middle * tolerance
    if len(rates) >= 3:
        low = min(low, float(np.percentile(rates, 10)) / SPREAD_MARGIN)
        high = max(high, float(np.percentile(rates, 90)) * SPREAD_MARGIN)
    return SpeakingRate(low, high, f"{source} ({len(rates)} clip{'s' if len(rates) > 1 else ''})")


def rate_from_clip(path: Path, text: str, language: str, settings: QcSettings, version: str = "v2") -> SpeakingRate:
    """The window from one clip and its transcript (e.g. the reference); the default when either is unusable."""
    from gpt_sovits.audio.io import load_audio

    phones = count_phones(text, language, version) if text.strip() else None
    if not phones:
        return default_rate(settings)
    try:
        audio, sample_rate = load_audio(Path(path))
    except StudioError as e:
        logger.info("Speaking rate: cannot read %s (%s); using the default window.", path, e)
        return default_rate(settings)
    return learn_rate([(audio, sample_rate, phones)], settings, "reference")


def rate_from_voice(voice, settings: QcSettings, version: str = "v2", max_clips: int = MAX_VOICE_CLIPS,
                    min_clips: int = 3) -> SpeakingRate:
    """The window from a voice's transcribed training clips (up to ``max_clips``, evenly spread); the default
    window when fewer than ``min_clips`` are usable."""
    from gpt_sovits.audio.io import load_audio
    from gpt_sovits.data.manifest import resolve_audio_path
    from gpt_sovits.data.transcripts import TRANSCRIPTS_FILE, read_transcripts

    entries = [e for e in read_transcripts(voice) if e.text.strip()]
    if len(entries) > max_clips:
        entries = [entries[int(i)] for i in np.linspace(0, len(entries) - 1, max_clips)]
    manifest = voice.path(TRANSCRIPTS_FILE)

    def samples():
        for entry in entries:
            phones = count_phones(entry.text, entry.language, version)
            try:
                audio, sample_rate = load_audio(resolve_audio_path(entry, manifest))
            except StudioError:
                continue
            yield audio, sample_rate, phones or 0

    return learn_rate(samples(), settings, "voice clips", min_clips)
