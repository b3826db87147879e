"""Building blocks of the text-to-semantic GPT, laid out so state-dict keys match upstream's.

Key names (after stripping upstream's ``model.`` prefix): ``ar_text_embedding.word_embeddings.weight``,
``ar_text_position.alpha``, ``h.layers.N.self_attn.in_proj_weight`` / ``in_proj_bias`` /
``out_proj.{weight,bias}``, ``h.layers.N.linear1`` / ``linear2`` / ``norm1`` / ``norm2``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def prefill_mask(n_text: int, n_audio: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Bool [S, S] (S = n_text + n_audio), True where row i may attend to column j."""
    s = n_text + n_audio
    allowed = torch.ones(s, s, dtype=torch.bool, device=device).tril_()
    allowed[:, :n_text] = True
    allowed[:n_text, n_text:] = False
    return allowed


class TokenEmbedding(nn.Module):
    """Token ids [B, T] -> vectors [B, T, dim], with optional dropout while training."""

    def __init__(self, dim: int, vocab_size: int, dropout: float = 0.0):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, dim)
        self.dropout = dropout

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.word_embeddings(ids)
        if self.training and self.dropout > 0:
            out = F.dropout(out, self.dropout, training=True)
        return out


def sinusoid_table(n_positions: int, dim: int) -> torch.Tensor:
    """Interleaved sine/cosine table [n_positions, dim] in float32: even columns sin, odd columns cos."""
    position = torch.arange(n_positions, dtype=torch.float32).unsqueeze(1)
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    angles = position * freq
    table = torch.zeros(n_positions, dim, dtype=torch.float32)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles)
    return table


class ScaledSinePositions(nn.Module):
    """Adds ``alpha * table[start:start+T]`` to [B, T, dim]; ``alpha`` is the only stored weight."""

    INITIAL_POSITIONS = 4000

    def __init__(self, dim: int, dropout: float = 0.0):
        super().__init__()
        self.dim = dim
        self.dropout = dropout
        self.alpha = nn.Parameter(torch.ones(1))
        # A plain attribute, not a buffer: it must stay float32 when the weights go to bf16/fp16.
        self.table = sinusoid_table(self.INITIAL_POSITIONS, dim)

    def rows(self, start: int, length: int) -> torch.Tensor:
        """Float32 table rows [length, dim] for positions start..start+length-1, extended on demand."""
        end = start + length
        if end > self.table.shape[0]:
            self.table = sinusoid_table(max(end, 2 * self.table.shape[0]), self.dim)
        if self.table.device != self.alpha.device:
            self.table = self.table.to(self.alpha.device)
        return self.table[start:end]

    def at(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """x [B, 1, dim] with one position per sequence (positions [B] long) -> [B, 1, dim], no dropout."""
        table = self.rows(0, int(positions.max()) + 1)
        return x + self.alpha * table[positions].unsqueeze(1).to(x.dtype)

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        out = x + self.alpha * self.rows(start, x.shape[1]).to(x.dtype)
        if self.training and self.dropout > 0:
            out = F.dropout(out, self.dropout, training=True)
        return out


class SelfAttention(nn.Module):
    """Multi-head attention weights in torch's MultiheadAttention layout (fused q/k/v rows)."""

    def __init__(self, dim: int, n_head: int):
        super().__init__()
        self.n_head = n_head
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None, dropout: float = 0.0) -> torch.Tensor:
        """x [B, S, dim], allowed bool [B or 1, 1, S, S] (True = may attend) -> [B, S, dim]."""
        b, s, d = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v = qkv.view(b, s, 3, self.n_head, d // self.n_head).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=dropout)
        return self.out_proj(out.transpose(1, 2).reshape(b, s, d))


class TransformerLayer(nn.Module):
    """Post-norm encoder layer: x = LN1(x + attn(x)); x = LN2(x + W2 relu(W1 x))."""

    def __init__(self, dim: int, n_head: int, ffn_dim: int, eps: float, dropout: float):
        super().__init__()
        self.self_attn = SelfAttention(dim, n_head)
        self.linear1 = nn.Linear(dim, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, dim)
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        """Full-sequence pass (training, teacher forcing): x [B, S, dim] -> [B, S, dim]."""
        p = self.dropout if self.training else 0.0
        a = self.self_attn(x, allowed, dropout=p)
        x = self.norm1(x + F.dropout(a, p, training=self.training))
        f = self.linear2(F.dropout(F.relu(self.linear1(x)), p, training=self.training))
        return self.norm2(x + F.dropout(f, p, training=self.training))


class TransformerStack(nn.Module):
    """Holds the layers under ``layers`` (upstream's ``h.layers.N`` keys)."""

    def __init__(self, n_layer: int, dim: int, n_head: int, ffn_dim: int, eps: float, dropout: float):
        super().__init__()
        self.layers = nn.ModuleList(TransformerLayer(dim, n_head, ffn_dim, eps, dropout) for _ in range(n_layer))

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, allowed)
        return x
