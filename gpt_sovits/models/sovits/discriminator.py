"""Multi-period discriminator used for SoVITS fine-tuning (upstream ``MultiPeriodDiscriminator``).

``discriminators.0`` looks at the raw waveform with grouped 1-D convs;
``discriminators.k`` (k >= 1) fold the waveform into [T/p, p] for periods
2, 3, 5, 7, 11 (v1/v2) or 2, 3, 5, 7, 11, 17, 23 (v2Pro/v2ProPlus). All convs
are weight-normalised and stored as ``weight_g``/``weight_v``/``bias``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gpt_sovits.models.sovits.config import PRO_VERSIONS
from gpt_sovits.models.sovits.modules import LRELU_SLOPE, WNConv1d, WNConv2d

PERIODS_V2 = (2, 3, 5, 7, 11)
PERIODS_PRO = (2, 3, 5, 7, 11, 17, 23)


def periods_for(version: str) -> tuple[int, ...]:
    """Discriminator periods of a SoVITS version."""
    return PERIODS_PRO if version in PRO_VERSIONS else PERIODS_V2


class ScaleDiscriminator(nn.Module):
    """Waveform [B,1,T] -> (logits [B,N], feature maps)."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList(
            [
                WNConv1d(1, 16, 15, 1, padding=7),
                WNConv1d(16, 64, 41, 4, groups=4, padding=20),
                WNConv1d(64, 256, 41, 4, groups=16, padding=20),
                WNConv1d(256, 1024, 41, 4, groups=64, padding=20),
                WNConv1d(1024, 1024, 41, 4, groups=256, padding=20),
                WNConv1d(1024, 1024, 5, 1, padding=2),
            ]
        )
        self.conv_post = WNConv1d(1024, 1, 3, 1, padding=1)

    def forward(self, x: torch.Tensor):
        return _run_stack(self.convs, self.conv_post, x)


def _run_stack(convs: nn.ModuleList, post: nn.Module, x: torch.Tensor):
    """Convs each followed by LReLU, then the output conv: (flattened logits, every feature map)."""
    fmaps = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LRELU_SLOPE)
        fmaps.append(x)
    x = post(x)
    fmaps.append(x)
    return torch.flatten(x, 1, -1), fmaps


class PeriodDiscriminator(nn.Module):
    """Waveform [B,1,T] folded by ``period`` -> (logits [B,N], feature maps)."""

    def __init__(self, period: int, kernel_size: int = 5, stride: int = 3):
        super().__init__()
        self.period = period
        pad = ((kernel_size - 1) // 2, 0)
        widths = (1, 32, 128, 512, 1024, 1024)
        self.convs = nn.ModuleList(
            WNConv2d(widths[i], widths[i + 1], (kernel_size, 1), (stride, 1) if i < 4 else 1, padding=pad)
            for i in range(5)
        )
        self.conv_post = WNConv2d(1024, 1, (3, 1), 1, padding=(1, 0))

    def forward(self, x: torch.Tensor):
        b, c, t = x.shape
        if t % self.period:
            extra = self.period - t % self.period
            x = F.pad(x, (0, extra), "reflect")
            t += extra
        x = x.view(b, c, t // self.period, self.period)
        return _run_stack(self.convs, self.conv_post, x)


class MultiPeriodDiscriminator(nn.Module):
    """``forward(real [B,1,T], fake [B,1,T]) -> (real_logits, fake_logits, real_fmaps, fake_fmaps)`` lists."""

    def __init__(self, version: str = "v2", periods: tuple[int, ...] | None = None):
        super().__init__()
        self.version = version
        periods = periods_for(version) if periods is None else tuple(periods)
        self.discriminators = nn.ModuleList([ScaleDiscriminator(), *(PeriodDiscriminator(p) for p in periods)])

    def forward(self, real: torch.Tensor, fake: torch.Tensor):
        real_logits, fake_logits, real_fmaps, fake_fmaps = [], [], [], []
        for d in self.discriminators:
            r, rf = d(real)
            g, gf = d(fake)
            real_logits.append(r)
            fake_logits.append(g)
            real_fmaps.append(rf)
            fake_fmaps.append(gf)
        return real_logits, fake_logits, real_fmaps, fake_fmaps
