"""HiFi-GAN style vocoder (``dec``): latent frames [B,C,T] -> waveform [B,1,T*prod(rates)]."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from gpt_sovits.models.sovits.modules import LRELU_SLOPE, WNConv1d, WNConvTranspose1d, padding_for


def _init_normal(module: nn.Module, std: float = 0.01) -> None:
    """Upstream's ``init_weights``: N(0, 0.01) directions for the normalised convs."""
    for m in module.modules():
        if isinstance(m, WNConv1d | WNConvTranspose1d):
            with torch.no_grad():
                m.weight_v.normal_(0.0, std)
                m.weight_g.copy_(torch.linalg.vector_norm(m.weight_v, dim=tuple(range(1, m.weight_v.dim())), keepdim=True))


class ResBlock1(nn.Module):
    """Three (dilated conv, conv) pairs with residual connections and LReLU(0.1)."""

    def __init__(self, channels: int, kernel_size: int = 3, dilation=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, 1, dilation=d, padding=padding_for(kernel_size, d))
            for d in dilation
        )
        self.convs2 = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, 1, dilation=1, padding=padding_for(kernel_size, 1))
            for _ in dilation
        )
        _init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            t = c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
            x = x + t
        return x


class ResBlock2(nn.Module):
    """Two dilated convs with residual connections (config ``resblock: "2"``)."""

    def __init__(self, channels: int, kernel_size: int = 3, dilation=(1, 3)):
        super().__init__()
        self.convs = nn.ModuleList(
            WNConv1d(channels, channels, kernel_size, 1, dilation=d, padding=padding_for(kernel_size, d))
            for d in dilation
        )
        _init_normal(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c in self.convs:
            x = x + c(F.leaky_relu(x, LRELU_SLOPE))
        return x


class HiFiGANGenerator(nn.Module):
    """``dec``: ``forward(z [B,C,T], g [B,gin,1] | None) -> [B,1,T*prod(upsample_rates)]``.

    Each stage: LReLU(0.1), transposed conv, mean of the stage's resblocks. The
    final activation uses the PyTorch default slope 0.01, as upstream does.
    """

    def __init__(
        self,
        initial_channel: int,
        resblock: str,
        resblock_kernel_sizes,
        resblock_dilation_sizes,
        upsample_rates,
        upsample_initial_channel: int,
        upsample_kernel_sizes,
        gin_channels: int = 0,
    ):
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.num_upsamples = len(upsample_rates)
        self.conv_pre = nn.Conv1d(initial_channel, upsample_initial_channel, 7, 1, padding=3)
        block = ResBlock1 if str(resblock) == "1" else ResBlock2
        self.ups = nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernel_sizes, strict=True)):
            c_in, c_out = upsample_initial_channel // (2**i), upsample_initial_channel // (2 ** (i + 1))
            self.ups.append(WNConvTranspose1d(c_in, c_out, k, u, padding=(k - u) // 2))
        self.resblocks = nn.ModuleList()
        ch = upsample_initial_channel
        for i in range(self.num_upsamples):
            ch = upsample_initial_channel // (2 ** (i + 1))
            for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes, strict=True):
                self.resblocks.append(block(ch, k, d))
        self.conv_post = nn.Conv1d(ch, 1, 7, 1, padding=3, bias=False)
        _init_normal(self.ups)
        if gin_channels:
            self.cond = nn.Conv1d(gin_channels, upsample_initial_channel, 1)

    def forward(self, x: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        x = self.conv_pre(x)
        if g is not None:
            x = x + self.cond(g)
        for i in range(self.num_upsamples):
            x = self.ups[i](F.leaky_relu(x, LRELU_SLOPE))
            blocks = self.resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]
            total = blocks[0](x)
            for block in blocks[1:]:
                total = total + block(x)
            x = total / self.num_kernels
        x = self.conv_post(F.leaky_relu(x))
        return torch.tanh(x)
