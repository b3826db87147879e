"""The take checks (gpt_sovits.qc) as the pages show them, in the page language.

gpt_sovits.qc writes its reports in English (they are stored with book takes and read by the CLI too); these
functions say them again from the reports' codes (check names, statuses, reasons, units), and through the
message catalogue for the free-text details (why a check could not run, what speech recognition heard).
"""

from __future__ import annotations

import math

from gpt_sovits.qc.report import FAIL, NOT_RUN, PASS, REASONS, CheckResult, TakeReport
from gpt_sovits.ui.i18n import STRINGS, localize, text

UNIT_KEYS = {"s": "unit_s", "% of samples": "unit_percent_samples", "tokens": "unit_tokens",
             "phones/s": "unit_phones_per_s", "tokens/phone": "unit_tokens_per_phone", "error rate": "unit_error_rate",
             "cosine": "unit_cosine"}
MARK_KEYS = {PASS: "chk_mark_pass", FAIL: "chk_mark_fail", NOT_RUN: "chk_mark_not_run"}


def _known(key: str, fallback: str) -> str:
    return text(key) if key in STRINGS else fallback


def check_name(name: str) -> str:
    """A check's name (``speaking_rate``...) in the page language."""
    return _known(f"chk_name_{name}", name)


def reason_text(reason: str) -> str:
    """A failure reason (a key of qc.report.REASONS) in words, in the page language."""
    return _known(f"chk_reason_{reason}", REASONS.get(reason, reason))


def summary_text(reasons) -> str:
    """The named reasons of a take in words ("ok" when there are none), like TakeReport.summary()."""
    if not reasons:
        return text("chk_ok")
    return text("list_sep").join(reason_text(r) for r in reasons)


def check_label(report: TakeReport | None, takes: int = 1) -> str:
    """The Checks column of a sentence: ok or why it is flagged, the takes made, checks that could not run."""
    if report is None:
        return ""
    label = text("chk_label_ok") if report.passed else "⚠️ " + summary_text(report.reasons)
    if takes > 1:
        label += text("chk_takes", n=takes)
    skipped = [f"{check_name(c.name)}: {localize(c.detail)}" for c in report.not_run if c.name in ("asr", "speaker")]
    return label + "".join(text("chk_not_run_note", what=s) for s in skipped)


def check_rows(report: TakeReport) -> list[list[str]]:
    """One row per check for a table: [check, result, measured, accepted, note] (TakeReport.rows(), translated)."""
    return [[check_name(c.name), _known(MARK_KEYS.get(c.status, ""), c.status), _number(c.value, c.unit), _window(c),
             localize(c.detail)] for c in report.checks]


def flag_text(checks: dict | None, flag_reason: str) -> str:
    """Why a book line is flagged: from its stored report's reasons when there is one, else its stored sentence."""
    reasons = (checks or {}).get("reasons") or []
    if reasons and flag_reason:
        return summary_text(reasons)
    return localize(flag_reason) if flag_reason else ""


def _unit(unit: str) -> str:
    return _known(UNIT_KEYS[unit], unit) if unit in UNIT_KEYS else unit


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.3g} {_unit(unit)}".strip() if math.isfinite(value) else str(value)


def _window(check: CheckResult) -> str:
    low, high, unit = check.low, check.high, _unit(check.unit)
    if low is not None and high is not None:
        return text("chk_between", low=f"{low:.3g}", high=f"{high:.3g}", unit=unit).strip()
    if high is not None:
        return text("chk_at_most", high=f"{high:.3g}", unit=unit).strip()
    if low is not None:
        return text("chk_at_least", low=f"{low:.3g}", unit=unit).strip()
    return ""
