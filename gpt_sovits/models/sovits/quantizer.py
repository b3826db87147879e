"""Residual vector quantizer with the EnCodec buffer layout used by SoVITS.

SoVITS uses a single codebook of 1024 entries over the 768-d projected SSL
features. The codebook is frozen in every use (inference, feature extraction
and upstream's fine-tuning), so the EMA statistics ``cluster_size`` and
``embed_avg`` are carried only so checkpoints round-trip; they are not updated.
Buffers live under ``vq.layers.<i>._codebook`` as in upstream files.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Codebook(nn.Module):
    """One codebook: nearest-entry encoding by squared Euclidean distance."""

    def __init__(self, dim: int, size: int):
        super().__init__()
        self.register_buffer("inited", torch.ones(1))
        self.register_buffer("cluster_size", torch.zeros(size))
        embed = torch.randn(size, dim)
        self.register_buffer("embed", embed)
        self.register_buffer("embed_avg", embed.clone())

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x [..., dim] -> indices [...] of the nearest entries."""
        flat = x.reshape(-1, x.shape[-1])
        embed_t = self.embed.t()
        # Same expression as upstream (negated distance, argmax) so ties resolve alike.
        score = -(flat.pow(2).sum(1, keepdim=True) - 2 * flat @ embed_t + embed_t.pow(2).sum(0, keepdim=True))
        return score.max(dim=-1).indices.view(*x.shape[:-1])

    def decode(self, indices: torch.Tensor) -> torch.Tensor:
        """indices [...] -> vectors [..., dim]."""
        return F.embedding(indices, self.embed)


class _QuantizerLayer(nn.Module):
    def __init__(self, dim: int, size: int):
        super().__init__()
        self._codebook = Codebook(dim, size)


class _LayerStack(nn.Module):
    def __init__(self, dim: int, size: int, n_q: int):
        super().__init__()
        self.layers = nn.ModuleList(_QuantizerLayer(dim, size) for _ in range(n_q))


class ResidualVectorQuantizer(nn.Module):
    """``quantizer``: features [B,D,T] <-> codes [n_q,B,T].

    ``forward`` returns (quantized [B,D,T], codes [n_q,B,T], commit_loss (0, frozen
    codebook), per-layer quantized list), matching upstream's return order.
    """

    def __init__(self, dimension: int = 768, n_q: int = 1, bins: int = 1024):
        super().__init__()
        self.n_q = n_q
        self.vq = _LayerStack(dimension, bins, n_q)

    def forward(self, x: torch.Tensor, n_q: int | None = None, layers: list[int] | None = None):
        n_q = n_q or self.n_q
        residual = x.transpose(1, 2)  # [B,T,D]
        total = torch.zeros_like(residual)
        codes, picked = [], []
        for i, layer in enumerate(self.vq.layers[:n_q]):
            idx = layer._codebook.encode(residual)
            q = layer._codebook.decode(idx)
            residual = residual - q
            total = total + q
            codes.append(idx)
            if layers and i in layers:
                picked.append(q.transpose(1, 2))
        commit_loss = x.new_zeros(())
        return total.transpose(1, 2), torch.stack(codes), commit_loss, picked

    def encode(self, x: torch.Tensor, n_q: int | None = None) -> torch.Tensor:
        """features [B,D,T] -> codes [n_q,B,T]."""
        return self.forward(x, n_q=n_q)[1]

    def decode(self, codes: torch.Tensor, start: int = 0) -> torch.Tensor:
        """codes [n_q,B,T] -> summed vectors [B,D,T]."""
        total = None
        for i, idx in enumerate(codes):
            q = self.vq.layers[start + i]._codebook.decode(idx)
            total = q if total is None else total + q
        return total.transpose(1, 2)
