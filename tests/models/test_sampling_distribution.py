"""The sampler against distributions worked out by hand from upstream's order (SPEC-upstream 5.6):
repetition penalty -> top-p on the untempered distribution (the crossing token dropped) -> temperature
-> top-k -> softmax -> categorical draw. Frequencies of many seeded draws must match the hand values."""

from __future__ import annotations

import math

import pytest
import torch

from gpt_sovits.models.t2s.sampling import SamplingOptions, sample_token

LOGITS = [2.0, 1.0, 0.5, -1.0, 0.0]
SEEN = [False, True, False, True, False]  # tokens 1 and 3 were spoken before
DRAWS = 100_000


def _frequencies(options: SamplingOptions, logits=LOGITS, seen=SEEN) -> list[float]:
    g = torch.Generator().manual_seed(1234)
    batch = torch.tensor([logits] * DRAWS, dtype=torch.float32)
    seen_batch = torch.tensor([seen] * DRAWS)
    ids, _ = sample_token(batch, seen_batch, options, generator=g)
    counts = torch.bincount(ids.long(), minlength=len(logits))
    return [c / DRAWS for c in counts.tolist()]


def _softmax(values: list[float]) -> list[float]:
    finite = [v for v in values if v != -math.inf]
    top = max(finite)
    exps = [0.0 if v == -math.inf else math.exp(v - top) for v in values]
    return [e / sum(exps) for e in exps]


def _assert_close(freq: list[float], expected: list[float]) -> None:
    # 100k draws: one standard error is at most 0.0016; 0.008 is five of them.
    for token, (f, p) in enumerate(zip(freq, expected, strict=True)):
        assert f == pytest.approx(p, abs=0.008), (token, freq, expected)
        if p == 0.0:
            assert f == 0.0, f"token {token} should never be drawn"


def test_all_four_knobs_in_upstreams_order():
    # 1. repetition penalty 1.35 on the seen tokens: 1.0 -> 1.0 / 1.35, -1.0 -> -1.0 * 1.35
    penalised = [2.0, 1.0 / 1.35, 0.5, -1.35, 0.0]
    # 2. top-p 0.9 on the untempered distribution: probabilities 0.596, 0.169, 0.133, 0.081, 0.021
    #    (sorted); cumulative 0.596, 0.765, 0.898, 0.979 -> the fourth crosses 0.9 and goes with the rest.
    p = _softmax(penalised)
    assert [round(v, 3) for v in p] == [0.596, 0.169, 0.133, 0.021, 0.081]
    kept = [0, 1, 2]
    # 3. temperature 0.7 on what is left; 4. top-k 3 keeps all three; softmax:
    tempered = [penalised[i] / 0.7 if i in kept else -math.inf for i in range(5)]
    expected = _softmax(tempered)
    assert [round(v, 4) for v in expected] == [0.7795, 0.1290, 0.0915, 0.0, 0.0]
    freq = _frequencies(SamplingOptions(top_k=3, top_p=0.9, temperature=0.7, repetition_penalty=1.35))
    _assert_close(freq, expected)
    # Had temperature come before top-p (the common convention), token 2 would have been cut
    # (tempered cumulative 0.742, 0.864, 0.951): its frequency tells the two orders apart.
    assert freq[2] > 0.08


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_temperature_sharpens_or_flattens_softmax(temperature):
    expected = _softmax([v / temperature for v in LOGITS])
    freq = _frequencies(SamplingOptions(top_k=5, top_p=1.0, temperature=temperature, repetition_penalty=1.0))
    _assert_close(freq, expected)


def test_top_p_keeps_the_smallest_prefix_below_the_threshold():
    # softmax(LOGITS): 0.563 (t0), 0.207 (t1), 0.126 (t2), 0.076 (t4), 0.028 (t3); cumulative 0.563, 0.770,
    # 0.896: with top-p 0.8 the third token crosses the threshold and is dropped with everything after it.
    p = _softmax(LOGITS)
    assert [round(v, 3) for v in p] == [0.563, 0.207, 0.126, 0.028, 0.076]
    expected = _softmax([LOGITS[0], LOGITS[1], -math.inf, -math.inf, -math.inf])
    freq = _frequencies(SamplingOptions(top_k=5, top_p=0.8, temperature=1.0, repetition_penalty=1.0))
    _assert_close(freq, expected)
