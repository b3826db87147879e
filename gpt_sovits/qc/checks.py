"""The always-on checks of a take (no model needed) and :func:`check_take`, which runs them and any
optional checks (ASR round trip, speaker similarity) the caller adds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gpt_sovits.config import QcSettings
from gpt_sovits.qc.rate import SpeakingRate, default_rate
from gpt_sovits.qc.repetition import longest_repeat_s
from gpt_sovits.qc.report import FAIL, REASONS, CheckResult, TakeReport, not_run, passed, within
from gpt_sovits.qc.signal import TakeSignal, analyse, finite_audio

MIN_RATE_PHONES = 8  # a pace measured over fewer phones says more about one word than about the take

# An optional check: (audio [N] float32, sample rate) -> its result.
ExtraCheck = Callable[[np.ndarray, int], CheckResult]


@dataclass(frozen=True)
class TakeContext:
    """What a take is checked against besides its own audio.

    ``rate``: the voice's speaking-rate window (None: the default of the settings); ``speed``: the
    request's speed, which scales it. ``token_limit``: the runaway guard's limit for this piece (None:
    the synthesizer's rule for the phone count); ``cut``: the guard stopped this take.
    ``neighbour_loudness_db``: speech loudness of the takes around it. ``appended_silence_s``: the
    digital silence added after the take (the fragment interval), not counted as trailing silence.
    """

    rate: SpeakingRate | None = None
    speed: float = 1.0
    token_limit: int | None = None
    cut: bool = False
    neighbour_loudness_db: tuple[float, ...] = ()
    appended_silence_s: float = 0.0


def check_take(audio: np.ndarray, sample_rate: int, phones: int | None, tokens: int | None = None,
               context: TakeContext | None = None, settings: QcSettings | None = None, *,
               extra: Sequence[ExtraCheck] = (), seed: int | None = None) -> TakeReport:
    """Check one take: ``audio`` [N] float, ``phones`` the phone count of its text (None: unknown),
    ``tokens`` the semantic tokens the GPT generated for it (None: unknown).

    Returns a TakeReport with one CheckResult per check, in a fixed order; optional checks in
    ``extra`` come last. Checks whose input is missing say so ("not_run") instead of failing.
    """
    context = context or TakeContext()
    settings = settings or QcSettings()
    audio = np.asarray(audio)
    finite = bool(np.isfinite(audio).all())
    signal = analyse(audio, sample_rate, context.appended_silence_s)
    checks = [
        passed("finite", None) if finite else CheckResult("finite", FAIL, reason="non_finite",
                                                          detail=REASONS["non_finite"]),
        _speech(signal),
        _runaway(phones, tokens, context),
        _repetition(audio, sample_rate, signal, settings) if signal.has_speech else not_run("repetition", "no speech"),
        within("clipping", 100 * signal.clipped_fraction, None, 100 * settings.max_clipped_fraction, "% of samples",
               None, "clipping"),
        *_silences(signal, settings),
        _speaking_rate(signal, phones, context, settings),
        _tokens_per_phone(phones, tokens, settings),
        _loudness(signal, context, settings),
    ]
    for check in extra:
        checks.append(check(audio, sample_rate))
    return TakeReport(tuple(checks), seed)


def _speech(signal: TakeSignal) -> CheckResult:
    if signal.has_speech:
        return passed("speech", signal.articulation_s, unit="s")
    return CheckResult("speech", FAIL, 0.0, unit="s", reason="no_speech", detail=REASONS["no_speech"])


def token_limit(phones: int) -> int:
    """The runaway guard's limit for a piece of ``phones`` phones (the synthesizer's rule, without its cap
    by the GPT's maximum length)."""
    from gpt_sovits.inference.synthesizer import MAX_TOKENS_PER_PHONE, MAX_TOKENS_SLACK

    return MAX_TOKENS_PER_PHONE * phones + MAX_TOKENS_SLACK


def _runaway(phones: int | None, tokens: int | None, context: TakeContext) -> CheckResult:
    if context.cut:
        return CheckResult("runaway", FAIL, None if tokens is None else float(tokens), reason="runaway",
                           detail=REASONS["runaway"])
    if tokens is None or not phones:
        return not_run("runaway", "the token count or the phone count is unknown")
    limit = context.token_limit if context.token_limit is not None else token_limit(phones)
    # the guard stops generation at the limit: reaching it means the model never ended the piece
    return within("runaway", float(tokens), None, float(limit) - 1, "tokens", None, "runaway")


def _repetition(audio: np.ndarray, sample_rate: int, signal: TakeSignal, settings: QcSettings) -> CheckResult:
    repeat = longest_repeat_s(finite_audio(audio), sample_rate, signal.speech)
    return within("repetition", repeat, None, settings.min_repeat_s, "s", None, "repetition")


def _silences(signal: TakeSignal, settings: QcSettings) -> list[CheckResult]:
    if not signal.has_speech:
        return [not_run(name, "no speech") for name in ("leading_silence", "trailing_silence", "inner_silence")]
    return [
        within("leading_silence", signal.leading_silence_s, None, settings.max_leading_silence_s, "s", None,
               "leading_silence"),
        within("trailing_silence", signal.trailing_silence_s, None, settings.max_trailing_silence_s, "s", None,
               "trailing_silence"),
        within("inner_silence", signal.longest_pause_s, None, settings.max_inner_silence_s, "s", None,
               "inner_silence"),
    ]


def _speaking_rate(signal: TakeSignal, phones: int | None, context: TakeContext,
                   settings: QcSettings) -> CheckResult:
    if not phones:
        return not_run("speaking_rate", "the phone count of the text is unknown")
    if not signal.has_speech:
        return not_run("speaking_rate", "no speech")
    if phones < MIN_RATE_PHONES:
        return not_run("speaking_rate", f"under {MIN_RATE_PHONES} phones: too short to judge the pace")
    window = (context.rate or default_rate(settings)).scaled(context.speed)
    rate = phones / max(signal.articulation_s, 1e-3)
    # faster than the window: the text did not all fit (swallowed); slower: more was said than written
    result = within("speaking_rate", rate, window.low, window.high, "phones/s", "too_long", "too_short")
    return result if result.status == FAIL else replace(result, detail=window.source)


def _tokens_per_phone(phones: int | None, tokens: int | None, settings: QcSettings) -> CheckResult:
    if tokens is None or not phones:
        return not_run("tokens_per_phone", "the token count or the phone count is unknown")
    return within("tokens_per_phone", tokens / phones, settings.tokens_per_phone_low, settings.tokens_per_phone_high,
                  "tokens/phone", "few_tokens", "many_tokens")


def _loudness(signal: TakeSignal, context: TakeContext, settings: QcSettings) -> CheckResult:
    neighbours = [x for x in context.neighbour_loudness_db if np.isfinite(x)]
    if not neighbours:
        return not_run("loudness", "no neighbouring takes to compare with")
    if not signal.has_speech:
        return not_run("loudness", "no speech")
    # the median of the window including this take: one odd neighbour cannot make its neighbours look odd
    gap = signal.loudness_db - float(np.median([*neighbours, signal.loudness_db]))
    gap_limit = settings.max_loudness_gap_db
    return within("loudness", gap, -gap_limit, gap_limit, "dB", "loudness", "loudness")


def speech_loudness_db(audio: np.ndarray, sample_rate: int, appended_silence_s: float = 0.0) -> float:
    """Loudness (dBFS RMS of the speech frames) of a take, for its neighbours' loudness check."""
    return analyse(audio, sample_rate, appended_silence_s).loudness_db


def check_takes(takes: Sequence[tuple[np.ndarray, int | None, int | None]], sample_rate: int,
                context: TakeContext | None = None, settings: QcSettings | None = None,
                neighbours: int = 2, cut: Sequence[bool] = ()) -> list[TakeReport]:
    """Check consecutive takes (audio, phones, tokens) of one text, each against the loudness of up to
    ``neighbours`` takes either side; ``cut[i]``: the runaway guard stopped take ``i``."""
    context = context or TakeContext()
    levels = [speech_loudness_db(a, sample_rate, context.appended_silence_s) for a, _, _ in takes]
    reports = []
    for i, (audio, phones, tokens) in enumerate(takes):
        around = tuple(levels[max(0, i - neighbours): i] + levels[i + 1: i + 1 + neighbours])
        ctx = replace(context, neighbour_loudness_db=around, cut=bool(cut[i]) if i < len(cut) else context.cut)
        reports.append(check_take(audio, sample_rate, phones, tokens, ctx, settings))
    return reports
