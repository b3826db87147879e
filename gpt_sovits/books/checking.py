"""Each new take of a book line is checked (gpt_sovits.qc) and, when it fails, re-rolled by the policy.

The kept take is stored under the line's content key (its requested seed); its facts say which seed
made it and how many attempts there were. With checks turned off only a take the runaway guard cut
is flagged, and nothing is re-rolled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # render imports this module
    from gpt_sovits.books.render import LineRequest, RenderedTake, SynthesizeLines

CUT_NOTICE = "did not end naturally"
CUT_REASON = "The line did not end naturally and was cut."


@dataclass(frozen=True)
class CheckedTake:
    take: RenderedTake  # the take to keep
    checks: dict  # its qc report (empty when the checks are off)
    flag_reason: str  # "" when it passed
    attempts: int
    compute_s: float  # all attempts together


def _was_cut(take: RenderedTake) -> bool:
    return any(CUT_NOTICE in n for n in take.notices)


def check_and_reroll(take: RenderedTake, request: LineRequest, synthesize_lines: SynthesizeLines,
                     settings=None) -> CheckedTake:
    """Check ``take`` (made for ``request``); while it fails, make new ones with the policy's seeds, up to
    ``settings.rerolls`` more; the first passing take, else the least bad, is kept."""
    from gpt_sovits.config import QcSettings
    from gpt_sovits.qc import Attempt, Take, TakeContext, check_take, count_phones, render_with_rerolls

    settings = settings or QcSettings()
    if not settings.enabled:
        return CheckedTake(take, {}, CUT_REASON if _was_cut(take) else "", 1, take.seconds_to_compute)
    phones = count_phones(request.text, request.language)
    made: dict[int, RenderedTake] = {}

    def as_qc(rendered: RenderedTake) -> Take:
        qc_take = Take(rendered.audio, rendered.sample_rate, rendered.tokens, rendered.seed, _was_cut(rendered),
                       rendered.seconds_to_compute)
        made[id(qc_take)] = rendered
        return qc_take

    def check(qc_take: Take):
        context = TakeContext(speed=request.settings.speed, cut=qc_take.cut)
        return check_take(qc_take.audio, qc_take.sample_rate, phones, qc_take.tokens, context, settings,
                          seed=qc_take.seed)

    def render(seed: int) -> Take:
        return as_qc(list(synthesize_lines([replace(request, seed=seed)]))[0])

    first = as_qc(take)
    result = render_with_rerolls(render, check, request.seed, settings.rerolls, first=Attempt(first, check(first)))
    best = result.best
    return CheckedTake(made[id(best.take)], best.report.to_dict(), "" if best.report.passed else best.report.summary(),
                       len(result.attempts), sum(a.take.seconds_to_compute for a in result.attempts))
