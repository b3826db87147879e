"""ERes2NetV2 speaker-verification network (3D-Speaker), as used by SoVITS v2Pro/v2ProPlus.

The network is a 2-D ResNet over log-mel filterbanks [B, T, 80] with
"Res2Net" blocks (channels split into ``scale`` groups processed
hierarchically). Stages 3 and 4 combine the groups with attentional feature
fusion (AFF), and the stage-3 output, downsampled, is fused into the stage-4
output. GPT-SoVITS does not use the 192-d embedding head: it takes the fused
map [B, C, F', T'], flattens channels x frequency and averages over time
(:meth:`ERes2NetV2.pooled_features`, upstream's ``forward3``), giving the
20480-d vector for the official configuration (baseWidth 24, scale 4,
expansion 4). Attribute names follow upstream so its checkpoint loads strictly.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F


def _clipped_relu() -> nn.Module:
    """ReLU clipped at 20 (upstream's Hardtanh(0, 20))."""
    return nn.Hardtanh(0.0, 20.0)


class AttentionalFusion(nn.Module):
    """AFF: a = 1 + tanh(local_att(cat(x, y))); returns x * a + y * (2 - a)."""

    def __init__(self, channels: int, r: int = 4):
        super().__init__()
        inner = channels // r
        self.local_att = nn.Sequential(
            nn.Conv2d(channels * 2, inner, kernel_size=1),
            nn.BatchNorm2d(inner),
            nn.SiLU(),
            nn.Conv2d(inner, channels, kernel_size=1),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        weight = 1.0 + torch.tanh(self.local_att(torch.cat((x, y), dim=1)))
        return x * weight + y * (2.0 - weight)


class Res2Block(nn.Module):
    """Bottleneck block with ``scale`` hierarchical 3x3 groups; AFF joins groups when ``fuse``."""

    def __init__(self, in_planes: int, planes: int, stride: int, base_width: int, scale: int, expansion: int, fuse: bool):
        super().__init__()
        width = int(math.floor(planes * (base_width / 64.0)))
        self.width = width
        self.scale = scale
        self.conv1 = nn.Conv2d(in_planes, width * scale, kernel_size=1, stride=stride, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1, bias=False) for _ in range(scale))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale))
        if fuse:
            self.fuse_models = nn.ModuleList(AttentionalFusion(width, r=4) for _ in range(scale - 1))
        self.fuse = fuse
        self.act = _clipped_relu()
        self.conv3 = nn.Conv2d(width * scale, planes * expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * expansion)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes * expansion:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes * expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * expansion),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        groups = torch.split(self.act(self.bn1(self.conv1(x))), self.width, dim=1)
        outputs = []
        carry = None
        for i in range(self.scale):
            if carry is None:
                carry = groups[i]
            elif self.fuse:
                carry = self.fuse_models[i - 1](carry, groups[i])
            else:
                carry = carry + groups[i]
            carry = self.act(self.bns[i](self.convs[i](carry)))
            outputs.append(carry)
        out = self.bn3(self.conv3(torch.cat(outputs, dim=1)))
        return self.act(out + self.shortcut(x))


class ERes2NetV2(nn.Module):
    """Speaker encoder: fbank [B,T,feat_dim] -> embedding [B,embedding_size] (``forward``)
    or pooled features [B, m_channels*8*expansion*(feat_dim//8)] (``pooled_features``).
    """

    def __init__(
        self,
        num_blocks: tuple[int, ...] = (3, 4, 6, 3),
        m_channels: int = 64,
        feat_dim: int = 80,
        embedding_size: int = 192,
        base_width: int = 24,
        scale: int = 4,
        expansion: int = 4,
    ):
        super().__init__()
        self.feat_dim = feat_dim
        self._in_planes = m_channels
        self._block_args = (base_width, scale, expansion)
        self.conv1 = nn.Conv2d(1, m_channels, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(m_channels)
        self.layer1 = self._stage(m_channels, num_blocks[0], 1, fuse=False)
        self.layer2 = self._stage(m_channels * 2, num_blocks[1], 2, fuse=False)
        self.layer3 = self._stage(m_channels * 4, num_blocks[2], 2, fuse=True)
        self.layer4 = self._stage(m_channels * 8, num_blocks[3], 2, fuse=True)
        self.layer3_ds = nn.Conv2d(
            m_channels * 4 * expansion, m_channels * 8 * expansion, kernel_size=3, padding=1, stride=2, bias=False
        )
        self.fuse34 = AttentionalFusion(m_channels * 8 * expansion, r=4)
        stats_dim = (feat_dim // 8) * m_channels * 8 * expansion
        # Mean and standard deviation pooling feed the (unused by SoVITS) embedding layer.
        self.seg_1 = nn.Linear(stats_dim * 2, embedding_size)

    def _stage(self, planes: int, blocks: int, stride: int, fuse: bool) -> nn.Sequential:
        base_width, scale, expansion = self._block_args
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(Res2Block(self._in_planes, planes, s, base_width, scale, expansion, fuse))
            self._in_planes = planes * expansion
        return nn.Sequential(*layers)

    def feature_map(self, fbank: torch.Tensor) -> torch.Tensor:
        """fbank [B,T,F] -> fused stage-3/4 map [B, C, F/8, T/8]."""
        x = fbank.transpose(1, 2).unsqueeze(1)
        out = F.relu(self.bn1(self.conv1(x)))
        out3 = self.layer3(self.layer2(self.layer1(out)))
        out4 = self.layer4(out3)
        return self.fuse34(out4, self.layer3_ds(out3))

    def pooled_features(self, fbank: torch.Tensor) -> torch.Tensor:
        """fbank [B,T,F] -> [B, C*F/8]: channels x frequency flattened, mean over time (upstream's forward3)."""
        return self.feature_map(fbank).flatten(start_dim=1, end_dim=2).mean(-1)

    def forward(self, fbank: torch.Tensor) -> torch.Tensor:
        """fbank [B,T,F] -> speaker embedding [B,embedding_size] (temporal statistics pooling)."""
        fused = self.feature_map(fbank).flatten(start_dim=1, end_dim=2)
        stats = torch.cat([fused.mean(dim=-1), torch.sqrt(fused.var(dim=-1, unbiased=True) + 1e-7)], dim=1)
        return self.seg_1(stats)
