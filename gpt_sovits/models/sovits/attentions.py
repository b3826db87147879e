"""Transformer pieces of the content encoder: multi-head attention with optional
relative positions (VITS style), the convolutional feed-forward block, and the
post-norm encoder stack.

Relative positions: for a query at frame i and a key at frame j, offsets
``r = j - i`` with ``|r| <= window`` get a learned key embedding added to the
logit and a learned value embedding added to the output; farther offsets get
nothing. Tables ``emb_rel_k`` / ``emb_rel_v`` have shape [1, 2*window+1, d_k]
and are shared by all heads.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from gpt_sovits.models.sovits.modules import ChannelLayerNorm

MASKED_LOGIT = -1e4


def _add_relative_logits(scores: torch.Tensor, rel: torch.Tensor, window: int) -> torch.Tensor:
    """scores [B,H,L,L] + rel[..., i, r+window] placed on diagonal r (key j = i + r)."""
    length = scores.shape[-1]
    out = scores.clone()
    for r in range(-window, window + 1):
        if abs(r) >= length:
            continue
        diag = out.diagonal(offset=r, dim1=-2, dim2=-1)
        rows = slice(0, length - r) if r >= 0 else slice(-r, length)
        diag.add_(rel[..., rows, r + window])
    return out


def _gather_relative_weights(p_attn: torch.Tensor, window: int) -> torch.Tensor:
    """[B,H,L,L] attention weights -> [B,H,L,2*window+1] weights per relative offset."""
    batch, heads, length, _ = p_attn.shape
    out = p_attn.new_zeros(batch, heads, length, 2 * window + 1)
    for r in range(-window, window + 1):
        if abs(r) >= length:
            continue
        diag = p_attn.diagonal(offset=r, dim1=-2, dim2=-1)
        if r >= 0:
            out[..., : length - r, r + window] = diag
        else:
            out[..., -r:, r + window] = diag
    return out


class MultiHeadAttention(nn.Module):
    """Multi-head attention on [B, C, T] tensors with 1x1-conv projections.

    ``window_size`` turns on relative positions (self-attention only).
    ``forward(x [B,C,Tq], context [B,C,Tk], mask [B,1,Tq,Tk] | None) -> [B,C_out,Tq]``.
    Masked logits are set to -1e4 (not -inf), as upstream does.
    """

    def __init__(
        self,
        channels: int,
        out_channels: int,
        n_heads: int,
        p_dropout: float = 0.0,
        window_size: int | None = None,
    ):
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"channels ({channels}) must be divisible by n_heads ({n_heads})")
        self.n_heads = n_heads
        self.k_channels = channels // n_heads
        self.window_size = window_size
        self.conv_q = nn.Conv1d(channels, channels, 1)
        self.conv_k = nn.Conv1d(channels, channels, 1)
        self.conv_v = nn.Conv1d(channels, channels, 1)
        self.conv_o = nn.Conv1d(channels, out_channels, 1)
        self.drop = nn.Dropout(p_dropout)
        if window_size is not None:
            std = self.k_channels**-0.5
            self.emb_rel_k = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * std)
            self.emb_rel_v = nn.Parameter(torch.randn(1, 2 * window_size + 1, self.k_channels) * std)
        nn.init.xavier_uniform_(self.conv_q.weight)
        nn.init.xavier_uniform_(self.conv_k.weight)
        nn.init.xavier_uniform_(self.conv_v.weight)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, _, t = x.shape
        return x.view(b, self.n_heads, self.k_channels, t).transpose(2, 3)  # [B,H,T,d]

    def forward(self, x: torch.Tensor, context: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        q = self._heads(self.conv_q(x)) / math.sqrt(self.k_channels)
        k = self._heads(self.conv_k(context))
        v = self._heads(self.conv_v(context))
        scores = torch.matmul(q, k.transpose(-2, -1))
        if self.window_size is not None:
            if q.shape[2] != k.shape[2]:
                raise ValueError("relative-position attention needs queries and keys of the same length")
            rel_logits = torch.matmul(q, self.emb_rel_k[0].transpose(0, 1))  # [B,H,L,2w+1]
            scores = _add_relative_logits(scores, rel_logits, self.window_size)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, MASKED_LOGIT)
        p_attn = self.drop(F.softmax(scores, dim=-1))
        out = torch.matmul(p_attn, v)
        if self.window_size is not None:
            rel_weights = _gather_relative_weights(p_attn, self.window_size)
            out = out + torch.matmul(rel_weights, self.emb_rel_v[0])
        b, h, t, d = out.shape
        return self.conv_o(out.transpose(2, 3).reshape(b, h * d, t))


class FeedForward(nn.Module):
    """Conv -> ReLU -> dropout -> conv with 'same' padding and masking ([B,C,T] -> [B,C,T])."""

    def __init__(self, in_channels: int, out_channels: int, filter_channels: int, kernel_size: int, p_dropout: float):
        super().__init__()
        self.pad = ((kernel_size - 1) // 2, kernel_size // 2)
        self.conv_1 = nn.Conv1d(in_channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, out_channels, kernel_size)
        self.drop = nn.Dropout(p_dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.conv_1(F.pad(x * mask, self.pad)))
        x = self.conv_2(F.pad(self.drop(x) * mask, self.pad))
        return x * mask


class RelativeEncoder(nn.Module):
    """Post-norm transformer encoder with relative-position self-attention.

    ``forward(x [B,C,T], mask [B,1,T]) -> [B,C,T]``.
    """

    def __init__(
        self,
        hidden_channels: int,
        filter_channels: int,
        n_heads: int,
        n_layers: int,
        kernel_size: int = 1,
        p_dropout: float = 0.0,
        window_size: int = 4,
    ):
        super().__init__()
        self.n_layers = n_layers
        self.drop = nn.Dropout(p_dropout)
        self.attn_layers = nn.ModuleList()
        self.norm_layers_1 = nn.ModuleList()
        self.ffn_layers = nn.ModuleList()
        self.norm_layers_2 = nn.ModuleList()
        for _ in range(n_layers):
            self.attn_layers.append(
                MultiHeadAttention(hidden_channels, hidden_channels, n_heads, p_dropout, window_size=window_size)
            )
            self.norm_layers_1.append(ChannelLayerNorm(hidden_channels))
            self.ffn_layers.append(
                FeedForward(hidden_channels, hidden_channels, filter_channels, kernel_size, p_dropout)
            )
            self.norm_layers_2.append(ChannelLayerNorm(hidden_channels))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        attn_mask = mask.unsqueeze(2) * mask.unsqueeze(-1)
        x = x * mask
        for i in range(self.n_layers):
            y = self.drop(self.attn_layers[i](x, x, attn_mask))
            x = self.norm_layers_1[i](x + y)
            y = self.drop(self.ffn_layers[i](x, mask))
            x = self.norm_layers_2[i](x + y)
        return x * mask
