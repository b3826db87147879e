"""The re-roll policy with the tiny random models: a failing take is made again with a new seed, the
better take is kept, and the number of attempts is bounded."""

import numpy as np
import pytest

from gpt_sovits.config import QcSettings
from gpt_sovits.inference import SynthesisRequest, Synthesizer
from gpt_sovits.qc.pieces import PieceChecker
from gpt_sovits.qc.report import FAIL, CheckResult, TakeReport
from gpt_sovits.qc.reroll import Attempt, Take, render_with_rerolls, reroll_seed
from tests.conftest import TINY_GPT, TINY_SOVITS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def synth(tiny_v2, tmp_path_factory):
    return Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                                  cache_dir=tmp_path_factory.mktemp("refcache"), warm_up=False)


@pytest.fixture(scope="module")
def request_(speech_wav):
    return SynthesisRequest(text="你好。", language="zh", ref_audio=speech_wav, ref_text="这是参考。",
                            ref_language="zh", seed=7, fragment_interval_s=0.1)


def test_forced_failure_is_rerolled_and_the_better_take_kept(synth, request_):
    checker = PieceChecker(synth, request_, QcSettings(rerolls=1))
    chunk = next(iter(synth.synthesize(request_)))
    broken = chunk.audio.copy()
    broken[100:200] = np.nan  # forced failure of the first take
    first = Take(broken, chunk.sample_rate, chunk.tokens, request_.seed)
    [result] = checker.check_all([first])
    assert result.attempts[0].report.reasons[0] == "non_finite"
    assert len(result.attempts) >= 2, "a failing take must be made again"
    second = result.attempts[1].take
    assert second.seed == reroll_seed(request_.seed, 1) != request_.seed
    assert np.isfinite(second.audio).all() and second.tokens > 0
    assert result.best is not result.attempts[0]
    assert result.best.report.badness < result.attempts[0].report.badness
    assert "non_finite" not in result.best.report.reasons
    assert len(result.attempts) == 2  # bounded by rerolls=1


def test_attempts_are_bounded_and_the_least_bad_is_kept(synth, request_):
    checker = PieceChecker(synth, request_, QcSettings(rerolls=2))
    seeds = []

    def render(seed):
        seeds.append(seed)
        return checker.render(0, seed)

    def always_fails(take):  # a stand-in check that no take passes; how bad depends on the seed
        badness = 2.0 if take.seed == reroll_seed(7, 1) else 5.0
        return TakeReport((CheckResult("stand_in", FAIL, badness, None, 1.0, reason="loudness"),), take.seed)

    result = render_with_rerolls(render, always_fails, 7, rerolls=2)
    assert len(result.attempts) == 3 and seeds == [7, reroll_seed(7, 1), reroll_seed(7, 2)]
    assert result.flagged and result.best.take.seed == reroll_seed(7, 1)
    best, attempts = result
    assert best is result.best and len(attempts) == 3


def test_a_passing_take_is_not_rerolled(synth, request_):
    calls = []
    take = Take(np.zeros(10, np.float32), 32000, 1, 7)
    ok = Attempt(take, TakeReport((), 7))
    result = render_with_rerolls(lambda seed: calls.append(seed), lambda t: TakeReport(()), 7, 3, first=ok)
    assert calls == [] and result.best is ok and not result.flagged
