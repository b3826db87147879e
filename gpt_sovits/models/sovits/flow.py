"""Normalising flow between the posterior latent and the text-conditioned prior.

Four mean-only affine couplings, each followed by a channel flip (upstream's
``ResidualCouplingBlock``); the flips keep their list slots (indices 1, 3, 5, 7)
so the coupling keys read ``flows.0``, ``flows.2``, ``flows.4``, ``flows.6``.
"""

from __future__ import annotations

import torch
from torch import nn

from gpt_sovits.models.sovits.modules import WaveNet


class Flip(nn.Module):
    """Reverse the channel order (its own inverse)."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor, g=None, reverse: bool = False) -> torch.Tensor:
        return torch.flip(x, [1])


class MeanOnlyCoupling(nn.Module):
    """Shift the second half of the channels by a function of the first half.

    forward: x1 <- mu(x0) + x1 * mask; reverse: x1 <- (x1 - mu(x0)) * mask.
    """

    def __init__(self, channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=0):
        super().__init__()
        if channels % 2:
            raise ValueError(f"flow channels must be even, got {channels}")
        self.half = channels // 2
        self.pre = nn.Conv1d(self.half, hidden_channels, 1)
        self.enc = WaveNet(hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels=gin_channels)
        self.post = nn.Conv1d(hidden_channels, self.half, 1)
        # Start as the identity map (upstream zero-initialises the output layer too).
        nn.init.zeros_(self.post.weight)
        nn.init.zeros_(self.post.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, g=None, reverse: bool = False) -> torch.Tensor:
        x0, x1 = torch.split(x, [self.half, self.half], dim=1)
        h = self.enc(self.pre(x0) * mask, mask, g=g)
        mean = self.post(h) * mask
        x1 = (x1 - mean) * mask if reverse else mean + x1 * mask
        return torch.cat([x0, x1], dim=1)


class CouplingFlow(nn.Module):
    """``flow``: [B,C,T] <-> [B,C,T] conditioned on ge [B,gin,1]."""

    def __init__(self, channels, hidden_channels, kernel_size, dilation_rate, n_layers, n_flows=4, gin_channels=0):
        super().__init__()
        self.flows = nn.ModuleList()
        for _ in range(n_flows):
            self.flows.append(
                MeanOnlyCoupling(channels, hidden_channels, kernel_size, dilation_rate, n_layers, gin_channels)
            )
            self.flows.append(Flip())

    def forward(self, x: torch.Tensor, mask: torch.Tensor, g=None, reverse: bool = False) -> torch.Tensor:
        steps = reversed(self.flows) if reverse else self.flows
        for step in steps:
            x = step(x, mask, g=g, reverse=reverse)
        return x
