"""Pre-allocated key/value cache for incremental decoding."""

from __future__ import annotations

import torch


class KVCache:
    """Keys and values of every layer in two tensors [n_layer, B, n_head, capacity, head_dim].

    Positions ``0 .. length-1`` are filled.  New positions are written in place; the storage only
    grows (doubling, one copy) when a sequence outlives the capacity chosen at the start.
    """

    def __init__(
        self,
        n_layer: int,
        batch: int,
        n_head: int,
        head_dim: int,
        capacity: int,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str = "cpu",
    ):
        shape = (n_layer, batch, n_head, max(1, capacity), head_dim)
        self.k = torch.zeros(shape, dtype=dtype, device=device)
        self.v = torch.zeros(shape, dtype=dtype, device=device)
        self.length = 0

    @property
    def capacity(self) -> int:
        return self.k.shape[3]

    def reserve(self, needed: int) -> None:
        """Make room for ``needed`` positions in total, keeping what is stored."""
        if needed <= self.capacity:
            return
        new_cap = max(needed, 2 * self.capacity)
        for name in ("k", "v"):
            old = getattr(self, name)
            shape = list(old.shape)
            shape[3] = new_cap
            grown = torch.zeros(shape, dtype=old.dtype, device=old.device)
            grown[:, :, :, : self.length] = old[:, :, :, : self.length]
            setattr(self, name, grown)
