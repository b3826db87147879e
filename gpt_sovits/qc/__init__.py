"""Takes you can trust: checks on every take and the re-roll policy.

    check_take(audio, sample_rate, phones, tokens, context, settings, extra=()) -> TakeReport
    render_with_rerolls(render_fn, check_fn, seed, rerolls) -> RerollResult (best, attempts)

Always-on checks need no model (signal.py, repetition.py, checks.py); the ASR round trip (asr.py)
and speaker similarity (speaker.py) run when asked for and say when they cannot. Settings:
:class:`gpt_sovits.config.QcSettings`. Names load on first use.
"""

from __future__ import annotations

from gpt_sovits.lazy import lazy_getattr

_EXPORTS = {
    "check_take": "gpt_sovits.qc.checks",
    "check_takes": "gpt_sovits.qc.checks",
    "TakeContext": "gpt_sovits.qc.checks",
    "speech_loudness_db": "gpt_sovits.qc.checks",
    "TakeReport": "gpt_sovits.qc.report",
    "CheckResult": "gpt_sovits.qc.report",
    "REASONS": "gpt_sovits.qc.report",
    "SpeakingRate": "gpt_sovits.qc.rate",
    "learn_rate": "gpt_sovits.qc.rate",
    "rate_from_clip": "gpt_sovits.qc.rate",
    "rate_from_voice": "gpt_sovits.qc.rate",
    "count_phones": "gpt_sovits.qc.rate",
    "Take": "gpt_sovits.qc.reroll",
    "Attempt": "gpt_sovits.qc.reroll",
    "RerollResult": "gpt_sovits.qc.reroll",
    "render_with_rerolls": "gpt_sovits.qc.reroll",
    "AsrRoundTrip": "gpt_sovits.qc.asr",
    "SpeakerSimilarity": "gpt_sovits.qc.speaker",
    "PieceChecker": "gpt_sovits.qc.pieces",
    "OptionalModels": "gpt_sovits.qc.pieces",
}

__getattr__ = lazy_getattr("gpt_sovits.qc", _EXPORTS)

__all__ = list(_EXPORTS)
