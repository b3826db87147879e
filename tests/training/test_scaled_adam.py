"""ScaledAdam: learns a toy problem, updates relative to each tensor's size, restores exactly from state_dict."""

from __future__ import annotations

import io

import pytest
import torch

from gpt_sovits.errors import ConfigError
from gpt_sovits.training.scaled_adam import CLIP_THRESHOLD, ScaledAdam


def _toy(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 8, generator=gen)
    y = x @ torch.randn(8, 3, generator=gen) + 0.5
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    model.register_parameter("gain", torch.nn.Parameter(torch.tensor(1.0)))  # a one-element tensor too
    return model, x, y


def _loss(model, x, y) -> torch.Tensor:
    return ((model(x) * model.gain - y) ** 2).mean()


def _train(model, optimizer, x, y, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = _loss(model, x, y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return losses


def test_scaled_adam_decreases_a_toy_loss():
    torch.manual_seed(0)
    model, x, y = _toy()
    losses = _train(model, ScaledAdam(model.parameters(), lr=0.05, clipping_update_period=20), x, y, 300)
    assert losses[-1] < 0.1 * losses[0], (losses[0], losses[-1])
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_updates_are_relative_to_the_tensor_size():
    small = torch.nn.Parameter(torch.randn(5, 7))
    large = torch.nn.Parameter(small.detach() * 100.0)
    optimizer = ScaledAdam([small, large], lr=0.01)
    before_small, before_large = small.detach().clone(), large.detach().clone()
    small.grad = torch.randn(5, 7)
    large.grad = small.grad.clone() * 3.0  # Adam normalisation removes the gradient's scale
    optimizer.step()
    step_small, step_large = small.detach() - before_small, large.detach() - before_large
    torch.testing.assert_close(step_large, 100.0 * step_small, rtol=1e-4, atol=1e-7)
    rms = before_small.pow(2).mean().sqrt()
    # first step: lr * (1 - beta1) * rms * grad / (|grad| + eps) -> each entry moves by about 0.001 * rms
    torch.testing.assert_close(step_small.abs(), torch.full_like(step_small, 0.01 * 0.1 * float(rms)), rtol=1e-3,
                               atol=0)


def test_scalars_are_clamped_and_oversized_tensors_shrink():
    scalar = torch.nn.Parameter(torch.tensor([50.0]))
    big = torch.nn.Parameter(torch.full((4, 4), 5.0))  # RMS 5 > param_max_rms 3
    normal = torch.nn.Parameter(torch.full((4, 4), 2.0))
    optimizer = ScaledAdam([scalar, big, normal], lr=0.01)
    for _ in range(40):
        for p in (scalar, big, normal):
            p.grad = torch.zeros_like(p)
        optimizer.step()
    assert float(scalar.detach()) == 10.0
    assert float(big.detach().pow(2).mean().sqrt()) < 5.0 * 0.98
    assert torch.equal(normal.detach(), torch.full((4, 4), 2.0))  # no gradient, inside the RMS range: unchanged


def test_clipping_threshold_is_twice_the_median_norm():
    p = torch.nn.Parameter(torch.ones(2, 2))
    optimizer = ScaledAdam([p], lr=1e-3, clipping_update_period=4, size_update_period=1000)
    for step in range(5):  # norms recorded from the second step on; threshold set at step 4
        p.grad = torch.full((2, 2), 1.0 + step)
        optimizer.step()
    group = optimizer.param_groups[0]
    # recorded (RMS-weighted, RMS = 1) norms: steps 1..4 -> 4, 6, 8, 10 (norm of a 2x2 of v is 2v)
    assert group[CLIP_THRESHOLD] == 2.0 * 8.0
    p.grad = torch.full((2, 2), 100.0)  # norm 200 -> scaled to the threshold 16
    assert abs(optimizer._clip_factor(group, [p]) - 16.0 / 200.0) < 1e-6


def test_state_round_trips_through_state_dict():
    torch.manual_seed(1)
    model, x, y = _toy(1)
    optimizer = ScaledAdam(model.parameters(), lr=0.02, clipping_update_period=6)
    _train(model, optimizer, x, y, 9)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optim": optimizer.state_dict()}, buffer)
    expected = _train(model, optimizer, x, y, 9)

    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)
    copy, _, _ = _toy(1)
    copy.load_state_dict(saved["model"])
    restored = ScaledAdam(copy.parameters(), lr=0.02, clipping_update_period=6)
    restored.load_state_dict(saved["optim"])
    assert restored.param_groups[0][CLIP_THRESHOLD] > 0  # the clipping record came back too
    assert _train(copy, restored, x, y, 9) == expected
    for a, b in zip(model.parameters(), copy.parameters(), strict=True):
        assert torch.equal(a, b)


def test_invalid_settings_are_refused():
    with pytest.raises(ConfigError, match="lr > 0"):
        ScaledAdam([torch.nn.Parameter(torch.ones(2))], lr=0.0)
    with pytest.raises(ConfigError, match="at least 1"):
        ScaledAdam([torch.nn.Parameter(torch.ones(2))], size_update_period=0)
