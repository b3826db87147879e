"""Small building blocks shared by the SoVITS networks.

Weight normalisation is stored the way upstream checkpoints store it: each
normalised convolution owns two parameters, ``weight_g`` (the per-output gain,
shape [dim0, 1, ...]) and ``weight_v`` (the direction), and the effective kernel
``g * v / ||v||`` (norm over every axis except 0) is rebuilt on every call. That
keeps state-dict keys, shapes and order identical to upstream's files, so
loading and exporting need no key translation.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

LRELU_SLOPE = 0.1


def sequence_mask(lengths: torch.Tensor, max_length: int | None = None) -> torch.Tensor:
    """Boolean mask [B, max_length] that is True on the first ``lengths[b]`` positions."""
    if max_length is None:
        max_length = int(lengths.max())
    positions = torch.arange(max_length, dtype=lengths.dtype, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)


def padding_for(kernel_size: int, dilation: int = 1) -> int:
    """'Same' padding for an odd kernel with the given dilation."""
    return (kernel_size * dilation - dilation) // 2


def _norm_except_dim0(v: torch.Tensor) -> torch.Tensor:
    dims = tuple(range(1, v.dim()))
    return torch.linalg.vector_norm(v, dim=dims, keepdim=True)


class _WeightNormMixin:
    """Replace the module's ``weight`` parameter with ``weight_g`` and ``weight_v``."""

    def _split_weight(self) -> None:
        weight = self.weight.detach()
        del self.weight
        self.weight_g = nn.Parameter(_norm_except_dim0(weight))
        self.weight_v = nn.Parameter(weight)

    def normalised_weight(self) -> torch.Tensor:
        """The effective kernel g * v / ||v|| (same shape as ``weight_v``)."""
        return self.weight_v * (self.weight_g / _norm_except_dim0(self.weight_v))


class WNConv1d(_WeightNormMixin, nn.Conv1d):
    """Conv1d with upstream-style weight normalisation (keys bias, weight_g, weight_v)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.normalised_weight(), self.bias)


class WNConv2d(_WeightNormMixin, nn.Conv2d):
    """Conv2d with upstream-style weight normalisation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.normalised_weight(), self.bias)


class WNConvTranspose1d(_WeightNormMixin, nn.ConvTranspose1d):
    """ConvTranspose1d with weight normalisation over axis 0 (the input-channel axis)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._split_weight()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose1d(
            x,
            self.normalised_weight(),
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )


class ChannelLayerNorm(nn.Module):
    """Layer norm over the channel axis of [B, C, T] (parameters ``gamma`` and ``beta``)."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.channels = channels
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.layer_norm(x.transpose(1, -1), (self.channels,), self.gamma, self.beta, self.eps)
        return y.transpose(1, -1)


def gated_activation(x: torch.Tensor, cond: torch.Tensor | None, half: int) -> torch.Tensor:
    """tanh(first half) * sigmoid(second half) of ``x + cond`` along channels."""
    if cond is not None:
        x = x + cond
    return torch.tanh(x[:, :half]) * torch.sigmoid(x[:, half:])


class WaveNet(nn.Module):
    """Non-causal WaveNet stack with gated units and optional global conditioning.

    Used by the flow couplings and the posterior encoder. ``forward(x [B,H,T],
    mask [B,1,T], g [B,gin,1] | None) -> [B,H,T]`` (sum of the skip outputs, masked).
    """

    def __init__(
        self,
        hidden_channels: int,
        kernel_size: int,
        dilation_rate: int,
        n_layers: int,
        gin_channels: int = 0,
        p_dropout: float = 0.0,
    ):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"WaveNet kernel size must be odd, got {kernel_size}")
        self.hidden_channels = hidden_channels
        self.n_layers = n_layers
        self.in_layers = nn.ModuleList()
        self.res_skip_layers = nn.ModuleList()
        self.drop = nn.Dropout(p_dropout)
        if gin_channels:
            self.cond_layer = WNConv1d(gin_channels, 2 * hidden_channels * n_layers, 1)
        for i in range(n_layers):
            dilation = dilation_rate**i
            self.in_layers.append(
                WNConv1d(
                    hidden_channels,
                    2 * hidden_channels,
                    kernel_size,
                    dilation=dilation,
                    padding=padding_for(kernel_size, dilation),
                )
            )
            out = 2 * hidden_channels if i < n_layers - 1 else hidden_channels
            self.res_skip_layers.append(WNConv1d(hidden_channels, out, 1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, g: torch.Tensor | None = None) -> torch.Tensor:
        h = self.hidden_channels
        cond_all = self.cond_layer(g) if g is not None else None
        output = torch.zeros_like(x)
        for i in range(self.n_layers):
            cond = cond_all[:, 2 * h * i : 2 * h * (i + 1)] if cond_all is not None else None
            acts = self.drop(gated_activation(self.in_layers[i](x), cond, h))
            res_skip = self.res_skip_layers[i](acts)
            if i < self.n_layers - 1:
                x = (x + res_skip[:, :h]) * mask
                output = output + res_skip[:, h:]
            else:
                output = output + res_skip
        return output * mask
