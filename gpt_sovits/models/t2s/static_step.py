"""The GPT's decode step over a fixed-size KV cache, replayed as a CUDA graph.

A decode step is about 12 small kernels per layer (24 layers at the official size): on a GPU the time to
launch them is larger than the work. A CUDA graph records the step once and replays it with one launch,
which needs every tensor the step touches to keep its address and shape from token to token. So here the
cache has a fixed capacity, the new position arrives as a device tensor (written with ``index_copy_``), and
attention runs over the whole capacity with a mask that admits the filled positions only. Positions past
the current one are masked, so the result is the step's result up to the order of floating-point sums.

On a CPU the same static step runs eagerly (no graph): the tests compare it with the dynamic step there.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from gpt_sovits.models.t2s.cache import KVCache
    from gpt_sovits.models.t2s.model import Text2SemanticModel

CAPACITY_BUCKETS = (512, 1024, 2048, 4096)  # a graph is made per (batch, bucket), so few sizes are kept
MAX_GRAPHS = 4  # least recently used graphs (each holds its own cache) are dropped past this


def capacity_bucket(needed: int) -> int:
    """The smallest bucket holding ``needed`` positions (multiples of 4096 past the largest)."""
    for bucket in CAPACITY_BUCKETS:
        if needed <= bucket:
            return bucket
    step = CAPACITY_BUCKETS[-1]
    return -(-needed // step) * step


class StaticStep:
    """One decode step for ``batch`` sequences over a cache of ``capacity`` positions.

    Use: ``cache`` (prefill writes into it, its ``length`` reset first), ``set_valid_keys(valid)`` once
    per request, then ``run(x, position)`` per token -> hidden [B, 1, d] (valid until the next call).
    """

    def __init__(self, model: Text2SemanticModel, batch: int, capacity: int, graph: bool):
        self.model = model
        self.layers = model.packed_layers()
        self.cache: KVCache = model.new_cache(batch, capacity)
        device = self.cache.k.device
        d = model.config.hidden_dim
        dtype = model.ar_audio_embedding.word_embeddings.weight.dtype
        self.x = torch.zeros(batch, 1, d, dtype=dtype, device=device)
        self.position = torch.zeros(1, dtype=torch.long, device=device)
        self.valid = torch.ones(batch, capacity, dtype=torch.bool, device=device)
        self.columns = torch.arange(capacity, device=device)
        self.graph: torch.cuda.CUDAGraph | None = None
        self.out = self._step()  # eager once: checks shapes, and warms up kernels before a capture
        if graph:
            self._capture()

    def _capture(self) -> None:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):
                self._step()
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.out = self._step()

    def _step(self) -> torch.Tensor:
        b, _, d = self.x.shape
        h = self.model.config.n_head
        eps = self.model.config.layer_norm_eps
        lin = self.model.step_linear
        mask = (self.valid & (self.columns <= self.position)).view(b, 1, 1, -1)
        x = self.x
        for i, (wq, bq, wo, bo, w1, b1, w2, b2, g1, n1, g2, n2) in enumerate(self.layers):
            qkv = lin(x, wq, bq).view(b, 3, h, d // h)
            keys, values = self.cache.k[i], self.cache.v[i]
            keys.index_copy_(2, self.position, qkv[:, 1].unsqueeze(2).to(keys.dtype))
            values.index_copy_(2, self.position, qkv[:, 2].unsqueeze(2).to(values.dtype))
            att = F.scaled_dot_product_attention(qkv[:, 0].unsqueeze(2).to(keys.dtype), keys, values,
                                                 attn_mask=mask).to(x.dtype)
            x = F.layer_norm(x + lin(att.reshape(b, 1, d), wo, bo), (d,), g1, n1, eps)
            x = F.layer_norm(x + lin(F.relu(lin(x, w1, b1)), w2, b2), (d,), g2, n2, eps)
        return x

    def set_valid_keys(self, valid: torch.Tensor | None) -> None:
        """Key positions each sequence may attend to ([B, <= capacity] bool; None: all)."""
        self.valid.fill_(True)
        if valid is not None:
            self.valid[:, : valid.shape[1]].copy_(valid)

    def run(self, x: torch.Tensor, position: int) -> torch.Tensor:
        """x [B, 1, d] for the new position ``position`` -> hidden [B, 1, d]."""
        self.x.copy_(x)
        self.position.fill_(position)
        if self.graph is not None:
            self.graph.replay()
        else:
            self.out = self._step()
        self.cache.length = position + 1
        return self.out


def static_step_for(model: Text2SemanticModel, batch: int, needed: int) -> StaticStep | None:
    """The model's static step for ``batch`` sequences of up to ``needed`` positions, made on first use;
    None when the model decodes with the dynamic step (``model.static_steps`` is None, the default)."""
    pool: OrderedDict | None = model.static_steps
    if pool is None:
        return None
    key = (batch, capacity_bucket(needed))
    if key in pool:
        pool.move_to_end(key)
    else:
        while len(pool) >= MAX_GRAPHS:
            pool.popitem(last=False)
        graph = model.ar_predict_layer.weight.device.type == "cuda"
        pool[key] = StaticStep(model, batch, key[1], graph)
    step = pool[key]
    step.cache.length = 0
    return step


def use_static_steps(model: Text2SemanticModel, enabled: bool = True) -> Text2SemanticModel:
    """Decode ``model`` with static steps (CUDA graphs on a GPU) from now on, or stop doing so."""
    model.static_steps = OrderedDict() if enabled else None
    return model
