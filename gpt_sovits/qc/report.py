"""The quality report of one take: one result per check, each passed, failed (with a named reason)
or not run (with why)."""

from __future__ import annotations

import math
from dataclasses import dataclass

PASS, FAIL, NOT_RUN = "pass", "fail", "not_run"

# reason -> what it means; the order is the order of specificity (the first failed reason of a take
# is its main one: a take cut by the runaway guard is also too long, but "runaway" says why)
REASONS: dict[str, str] = {
    "non_finite": "the audio holds NaN or infinite samples",
    "no_speech": "the take is silent",
    "runaway": "the model did not stop by itself; the runaway guard cut the take",
    "repetition": "a stretch of the take is said twice",
    "clipping": "the waveform is clipped (flattened peaks)",
    "inner_silence": "a long silence inside the sentence",
    "leading_silence": "a long silence before the speech",
    "trailing_silence": "a long silence after the speech",
    "too_short": "too short for its text: words were swallowed or cut",
    "too_long": "too long for its text: words repeated or drawn out",
    "few_tokens": "too few generated tokens per phone",
    "many_tokens": "too many generated tokens per phone",
    "loudness": "much louder or quieter than the sentences around it",
    "asr_mismatch": "speech recognition hears other words than the text",
    "speaker_mismatch": "does not sound like the reference speaker",
}
# a failure of these outweighs any number of the others when the best of several takes is chosen
SEVERE = frozenset({"non_finite", "no_speech", "runaway", "repetition"})


@dataclass(frozen=True)
class CheckResult:
    """One check of one take.

    ``value`` is what was measured (in ``unit``), ``low``/``high`` the accepted window (None: open);
    ``reason`` names the failure (a key of REASONS); ``detail`` says it in words, or why the check
    could not run.
    """

    name: str
    status: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str = ""
    reason: str | None = None
    detail: str = ""

    @property
    def excess(self) -> float:
        """How far outside its window a failed value lies, relative to the window edge (0 when passed)."""
        if self.status != FAIL or self.value is None or not math.isfinite(self.value):
            return 1.0 if self.status == FAIL else 0.0
        if self.high is not None and self.value > self.high:
            return (self.value - self.high) / max(abs(self.high), 1e-6)
        if self.low is not None and self.value < self.low:
            return (self.low - self.value) / max(abs(self.low), 1e-6)
        return 1.0

    def to_dict(self) -> dict:
        out = {"name": self.name, "status": self.status}
        for key in ("value", "low", "high"):
            number = getattr(self, key)
            if number is not None:
                out[key] = round(number, 4) if math.isfinite(number) else str(number)
        if self.unit:
            out["unit"] = self.unit
        if self.reason:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        return out


def passed(name: str, value: float | None, low: float | None = None, high: float | None = None,
           unit: str = "") -> CheckResult:
    return CheckResult(name, PASS, value, low, high, unit)


def not_run(name: str, why: str) -> CheckResult:
    return CheckResult(name, NOT_RUN, detail=why)


def within(name: str, value: float, low: float | None, high: float | None, unit: str,
           reason_low: str | None, reason_high: str | None) -> CheckResult:
    """Pass when ``low <= value <= high`` (None: no limit); otherwise fail with the reason of that side."""
    if high is not None and value > high and reason_high:
        return CheckResult(name, FAIL, value, low, high, unit, reason_high, REASONS[reason_high])
    if low is not None and value < low and reason_low:
        return CheckResult(name, FAIL, value, low, high, unit, reason_low, REASONS[reason_low])
    return passed(name, value, low, high, unit)


@dataclass(frozen=True)
class TakeReport:
    """All checks of one take. ``passed``: no check failed (checks that could not run do not fail)."""

    checks: tuple[CheckResult, ...]
    seed: int | None = None

    @property
    def passed(self) -> bool:
        return not any(c.status == FAIL for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Named reasons of the failed checks, the main one first (see REASONS)."""
        found = {c.reason for c in self.checks if c.status == FAIL and c.reason}
        return tuple(r for r in REASONS if r in found)

    @property
    def not_run(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == NOT_RUN)

    @property
    def badness(self) -> float:
        """Lower is better: 0 for a passing take; severe failures count 100 each, others how far out they are."""
        return sum(100.0 if c.reason in SEVERE else 1.0 + min(c.excess, 10.0)
                   for c in self.checks if c.status == FAIL)

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def with_checks(self, *extra: CheckResult) -> TakeReport:
        """This report plus ``extra`` (a check of the same name is replaced)."""
        names = {c.name for c in extra}
        return TakeReport(tuple(c for c in self.checks if c.name not in names) + tuple(extra), self.seed)

    def summary(self) -> str:
        """One line for people: "ok", or the failed reasons in words."""
        if self.passed:
            return "ok"
        return "; ".join(REASONS[r] for r in self.reasons)

    def rows(self) -> list[list[str]]:
        """One row per check for a table: [check, result, measured, accepted, note]."""
        marks = {PASS: "✅ pass", FAIL: "⚠️ fail", NOT_RUN: "– not run"}
        return [[c.name, marks.get(c.status, c.status), _number(c.value, c.unit), _window(c), c.detail]
                for c in self.checks]

    def to_dict(self) -> dict:
        return {"passed": self.passed, "reasons": list(self.reasons), "seed": self.seed,
                "checks": [c.to_dict() for c in self.checks]}


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.3g} {unit}".strip() if math.isfinite(value) else str(value)


def _window(check: CheckResult) -> str:
    low, high, unit = check.low, check.high, check.unit
    if low is not None and high is not None:
        return f"{low:.3g} to {high:.3g} {unit}".strip()
    if high is not None:
        return f"at most {high:.3g} {unit}".strip()
    if low is not None:
        return f"at least {low:.3g} {unit}".strip()
    return ""
