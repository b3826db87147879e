"""The re-roll policy: a take that fails its checks is made again with a new seed, a bounded number
of times; the best take is kept, and flagged when none passed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpt_sovits.qc.report import TakeReport

logger = logging.getLogger(__name__)

SEED_STEP = 0x9E3779B1  # odd, so successive re-roll seeds of one piece never repeat within 2**32


@dataclass(frozen=True, eq=False)
class Take:
    """One rendering of a piece: ``audio`` [N] float32 (the appended fragment interval included),
    the generated token count, the seed it was drawn with, and whether the runaway guard cut it."""

    audio: np.ndarray
    sample_rate: int
    tokens: int | None
    seed: int
    cut: bool = False
    seconds_to_compute: float = 0.0


@dataclass(frozen=True, eq=False)
class Attempt:
    take: Take
    report: TakeReport


@dataclass(frozen=True, eq=False)
class RerollResult:
    """The kept attempt and every attempt made (the first one first)."""

    best: Attempt
    attempts: tuple[Attempt, ...]

    @property
    def flagged(self) -> bool:
        """True when no attempt passed: the line needs a person."""
        return not self.best.report.passed

    def __iter__(self):  # ``best, attempts = render_with_rerolls(...)``
        return iter((self.best, self.attempts))


def reroll_seed(seed: int, attempt: int) -> int:
    """The seed of re-roll number ``attempt`` (1, 2, ...) of a piece first drawn with ``seed``."""
    return (seed + attempt * SEED_STEP) % 2**32


def best_attempt(attempts: list[Attempt] | tuple[Attempt, ...]) -> Attempt:
    """The first passing attempt; else the least bad (:attr:`TakeReport.badness`: severe failures such as
    a runaway or a repetition outweigh any number of mild ones, then how far outside its limits), the
    earlier on a tie."""
    return attempts[min(range(len(attempts)), key=lambda i: (attempts[i].report.badness, i))]


def render_with_rerolls(render_fn: Callable[[int], Take], check_fn: Callable[[Take], TakeReport], seed: int,
                        rerolls: int = 3, first: Attempt | None = None) -> RerollResult:
    """Render (``render_fn(seed) -> Take``) and check (``check_fn(take) -> TakeReport``) a piece until a
    take passes, at most ``1 + rerolls`` takes in all; ``first``: an attempt already made (with ``seed``).
    """
    attempts: list[Attempt] = []
    if first is not None:
        attempts.append(first)
    else:
        take = render_fn(seed)
        attempts.append(Attempt(take, check_fn(take)))
    while not attempts[-1].report.passed and len(attempts) <= rerolls:
        new_seed = reroll_seed(seed, len(attempts))
        logger.info("Take with seed %d failed (%s); re-rolling with seed %d.", attempts[-1].take.seed,
                    ", ".join(attempts[-1].report.reasons), new_seed)
        take = render_fn(new_seed)
        attempts.append(Attempt(take, check_fn(take)))
    return RerollResult(best_attempt(attempts), tuple(attempts))
