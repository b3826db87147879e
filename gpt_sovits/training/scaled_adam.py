"""ScaledAdam: the optimizer upstream's GPT fine-tune uses (Zipformer paper; icefall's ``optim.py``).

Our own implementation of the published algorithm. Per parameter tensor ``p`` with gradient ``g``:

* A momentum buffer ``delta`` collects every kind of change; each step it decays by ``beta1``, receives
  ``(1 - beta1)`` times the new updates, and is added to ``p``.
* Tensors with more than one element: the Adam-normalised gradient ``g / (sqrt(v_hat) + eps)`` is scaled
  by ``lr`` times the tensor's RMS (clamped below at ``param_min_rms``), so updates are relative to the
  tensor's size. The RMS is re-measured every ``size_update_period`` steps; at those steps the overall
  scale of the tensor is also learned: the gradient of the loss w.r.t. a log-scale factor, ``sum(p * g)``,
  is collected every step and, once per period, Adam-normalised (its own second moment, decay
  ``beta2 ** size_update_period``) and applied as ``p * step`` with lr ``lr * scalar_lr_scale``. The scale
  never shrinks below ``param_min_rms`` and a tensor above ``param_max_rms`` is shrunk steadily.
* One-element tensors: plain Adam without first-moment bias correction at ``lr * scalar_lr_scale``,
  the value clamped to ``[-scalar_max, scalar_max]``.
* Clipping (per parameter group): the gradient norm, measured with each gradient weighted by its
  tensor's RMS, is recorded every step; every ``clipping_update_period`` steps the threshold becomes
  ``clipping_scale`` times the median of the recorded norms. Before the first threshold exists (the first
  ``clipping_update_period`` steps) nothing is clipped; afterwards gradients whose norm exceeds the
  threshold are scaled down to it.

Differences from icefall's code, on purpose: parameters are handled one tensor at a time (icefall stacks
same-shaped tensors for speed; the arithmetic is per tensor either way) and the clipping factor scales the
gradient used by every update (icefall's GPT-SoVITS copy applies it only to the scale statistics). Per-tensor
state lives in ``optimizer.state`` and each group's clipping record in the group itself, so
``state_dict()`` / ``load_state_dict()`` restore a run exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from gpt_sovits.errors import ConfigError

CLIP_STEP = "clip_step"
CLIP_NORMS = "clip_norms"
CLIP_THRESHOLD = "clip_threshold"


class ScaledAdam(torch.optim.Optimizer):
    """Parameter-scale-invariant Adam (see the module docstring); defaults are upstream's GPT recipe."""

    def __init__(self, params: Iterable, lr: float = 0.01, betas: tuple[float, float] = (0.9, 0.95),
                 clipping_scale: float | None = 2.0, clipping_update_period: int = 1000,
                 scalar_lr_scale: float = 0.1, eps: float = 1e-8, param_min_rms: float = 1e-5,
                 param_max_rms: float = 3.0, scalar_max: float = 10.0, size_update_period: int = 4):
        if lr <= 0 or not 0 <= betas[0] < 1 or not 0 <= betas[1] < 1 or eps <= 0:
            raise ConfigError(f"ScaledAdam needs lr > 0, betas in [0, 1) and eps > 0 (got {lr}, {betas}, {eps})")
        if size_update_period < 1 or clipping_update_period < 1:
            raise ConfigError("ScaledAdam's size_update_period and clipping_update_period must be at least 1")
        defaults = {"lr": lr, "betas": tuple(betas), "clipping_scale": clipping_scale,
                    "clipping_update_period": clipping_update_period, "scalar_lr_scale": scalar_lr_scale,
                    "eps": eps, "param_min_rms": param_min_rms, "param_max_rms": param_max_rms,
                    "scalar_max": scalar_max, "size_update_period": size_update_period}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                if p.grad.is_sparse:
                    raise ConfigError("ScaledAdam does not support sparse gradients; use dense embeddings")
                if not self.state[p]:
                    self._init_state(group, p, self.state[p])
            factor = self._clip_factor(group, params)
            for p in params:
                self._update(group, p, self.state[p], p.grad if factor == 1.0 else p.grad * factor)
        return loss

    @staticmethod
    def _rms(p: torch.Tensor) -> torch.Tensor:
        return p.detach().float().pow(2).mean().sqrt().to(p.dtype).reshape(1)

    def _init_state(self, group: dict, p: torch.Tensor, state: dict) -> None:
        state["step"] = 0
        state["delta"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        if p.numel() > 1:
            state["param_rms"] = self._rms(p)
            state["scale_exp_avg_sq"] = torch.zeros(1, dtype=p.dtype, device=p.device)
            state["scale_grads"] = torch.zeros(group["size_update_period"], dtype=p.dtype, device=p.device)

    def _clip_factor(self, group: dict, params: list[torch.Tensor]) -> float:
        """Factor (<= 1) for this step's gradients; also records the norm for the next threshold.

        The record (``clip_step``, ``clip_norms``, ``clip_threshold``) is kept in the group as plain
        Python values, so it is saved and restored with the groups by ``state_dict()``.
        """
        step = group.setdefault(CLIP_STEP, 0)
        group[CLIP_STEP] = step + 1
        scale = group["clipping_scale"]
        if scale is None or step == 0:
            return 1.0
        period = group["clipping_update_period"]
        total = torch.zeros((), dtype=torch.float32, device=params[0].device)
        for p in params:
            grad = p.grad.float()
            total += (grad if p.numel() == 1 else grad * self.state[p]["param_rms"].float()).pow(2).sum()
        norm = float(total.sqrt())
        norms = group.setdefault(CLIP_NORMS, [0.0] * period)
        norms[step % period] = norm
        if step % period == 0:
            group[CLIP_THRESHOLD] = scale * sorted(norms)[period // 2]
        threshold = group.get(CLIP_THRESHOLD)
        if step < period or threshold is None:
            return 1.0
        return min(1.0, threshold / (norm + 1e-20))

    def _update(self, group: dict, p: torch.Tensor, state: dict, grad: torch.Tensor) -> None:
        step, beta1 = state["step"], group["betas"][0]
        state["delta"].mul_(beta1)
        if p.numel() == 1:
            self._scalar_update(group, p, state, grad)
        else:
            period = group["size_update_period"]
            state["scale_grads"][step % period] = (p * grad).sum()
            if step % period == period - 1:
                state["param_rms"].copy_(self._rms(p))
                if step > 0:
                    self._scale_update(group, p, state)
            self._tensor_update(group, p, state, grad)
        state["step"] = step + 1

    def _scale_update(self, group: dict, p: torch.Tensor, state: dict) -> None:
        """Learn the tensor's overall size from the gradients w.r.t. a log-scale factor of the last period."""
        beta1, beta2 = group["betas"]
        lr = group["lr"] * group["scalar_lr_scale"]
        grads = state["scale_grads"]
        period = grads.shape[0]
        decay = beta2**period
        state["scale_exp_avg_sq"].mul_(decay).add_(grads.pow(2).mean(), alpha=1 - decay)
        periods_done = (state["step"] + 1) // period
        correction = 1 - decay**periods_done
        change = -lr * correction**0.5 * grads.sum() / (state["scale_exp_avg_sq"].sqrt() + group["eps"])
        rms = state["param_rms"]
        change = torch.where(rms < group["param_min_rms"], torch.zeros_like(change), change)
        change = torch.where(rms > group["param_max_rms"], torch.full_like(change, -lr * period), change)
        state["delta"].add_(p * change, alpha=1 - beta1)

    @staticmethod
    def _tensor_update(group: dict, p: torch.Tensor, state: dict, grad: torch.Tensor) -> None:
        beta1, beta2 = group["betas"]
        avg_sq = state["exp_avg_sq"]
        avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        correction = 1 - beta2 ** (state["step"] + 1)
        second = avg_sq / correction if correction < 0.99 else avg_sq
        normalised = grad / (second.sqrt() + group["eps"])
        size = state["param_rms"].clamp(min=group["param_min_rms"])
        state["delta"].add_(normalised * size, alpha=-group["lr"] * (1 - beta1))
        p.add_(state["delta"])

    @staticmethod
    def _scalar_update(group: dict, p: torch.Tensor, state: dict, grad: torch.Tensor) -> None:
        beta1, beta2 = group["betas"]
        lr = group["lr"] * group["scalar_lr_scale"]
        avg_sq = state["exp_avg_sq"]
        avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        correction = 1 - beta2 ** (state["step"] + 1)
        state["delta"].add_(grad / ((avg_sq / correction).sqrt() + group["eps"]), alpha=-lr * (1 - beta1))
        p.clamp_(-group["scalar_max"], group["scalar_max"])
        p.add_(state["delta"])
