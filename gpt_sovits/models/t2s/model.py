"""The text-to-semantic GPT (upstream ``Text2SemanticDecoder``): phones + BERT -> semantic tokens.

Shapes: phone ids [B, Tx], BERT features [B, 1024, Tx], semantic ids [B, Ty]; width ``d`` = hidden_dim.
The sequence fed to the transformer is text (Tx positions) followed by audio tokens; text positions see all
text, audio positions see all text and the audio up to themselves.  Positions restart at 0 for the audio part.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gpt_sovits.models.t2s.cache import KVCache
from gpt_sovits.models.t2s.config import BERT_DIM, GPTConfig
from gpt_sovits.models.t2s.layers import ScaledSinePositions, TokenEmbedding, TransformerStack


class Text2SemanticModel(nn.Module):
    """Autoregressive semantic-token model; ``state_dict()`` keys equal upstream's minus ``model.``."""

    def __init__(self, config: GPTConfig, upstream_config: dict | None = None):
        super().__init__()
        self.config = config
        # The full upstream config dict travels with the model so an export reproduces it.
        self.upstream_config = upstream_config if upstream_config is not None else config.to_upstream()
        d = config.hidden_dim
        self.bert_proj = nn.Linear(BERT_DIM, d)
        self.ar_text_embedding = TokenEmbedding(d, config.phoneme_vocab_size, config.dropout)
        self.ar_text_position = ScaledSinePositions(d, config.train_dropout)
        self.ar_audio_embedding = TokenEmbedding(d, config.vocab_size, config.dropout)
        self.ar_audio_position = ScaledSinePositions(d, config.train_dropout)
        self.h = TransformerStack(
            config.n_layer, d, config.n_head, config.ffn_dim, config.layer_norm_eps, config.train_dropout
        )
        self.ar_predict_layer = nn.Linear(d, config.vocab_size, bias=False)
        # Decoding runs on plain tensors; a reduced-precision copy swaps in its own weights and matmul.
        self.step_weights: list[tuple] | None = None
        self.step_linear = F.linear
        self.cache_dtype: torch.dtype | None = None  # None: the weights' dtype
        self.static_steps = None  # a pool of static decode steps (CUDA graphs): see t2s/static_step.py
        self.step_kernel = None  # a compiled float32 CPU step (t2s/cpu_step.py) for batches of up to MAX_ROWS

    # ----------------------------------------------------------------- embeddings
    def embed_text(self, phone_ids: torch.Tensor, bert: torch.Tensor) -> torch.Tensor:
        """phone_ids [B, Tx] long, bert [B, 1024, Tx] -> [B, Tx, d]."""
        dtype = self.bert_proj.weight.dtype
        x = self.ar_text_embedding(phone_ids) + self.bert_proj(bert.transpose(1, 2).to(dtype))
        return self.ar_text_position(x)

    def embed_audio(self, ids: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Semantic ids [B, Ty] at positions start.. -> [B, Ty, d]."""
        return self.ar_audio_position(self.ar_audio_embedding(ids), start)

    # ----------------------------------------------------------------- full-sequence pass
    def forward(self, xy: torch.Tensor, allowed: torch.Tensor | None) -> torch.Tensor:
        """xy [B, S, d], allowed bool [S, S] or [B, 1, S, S] -> hidden states [B, S, d]."""
        return self.h(xy, allowed)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden [..., d] -> logits [..., vocab_size] (float32)."""
        return self.ar_predict_layer(hidden).float()

    # ----------------------------------------------------------------- cached decoding
    def new_cache(self, batch: int, capacity: int) -> KVCache:
        """An empty KV cache for ``batch`` sequences of up to ``capacity`` positions (it grows if needed)."""
        c = self.config
        w = self.ar_predict_layer.weight
        return KVCache(c.n_layer, batch, c.n_head, c.head_dim, capacity, dtype=self.cache_dtype or w.dtype,
                       device=w.device)

    def packed_layers(self) -> list[tuple[torch.Tensor, ...]]:
        """Per layer (W_qkv, b_qkv, W_o, b_o, W_1, b_1, W_2, b_2, g_1, beta_1, g_2, beta_2), fetched once."""
        if self.step_weights is not None:
            return self.step_weights
        out = []
        for layer in self.h.layers:
            a = layer.self_attn
            out.append((
                a.in_proj_weight, a.in_proj_bias, a.out_proj.weight, a.out_proj.bias,
                layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias,
                layer.norm1.weight, layer.norm1.bias, layer.norm2.weight, layer.norm2.bias,
            ))  # fmt: skip
        return out

    @torch.inference_mode()
    def prefill(self, xy: torch.Tensor, allowed: torch.Tensor, cache: KVCache) -> torch.Tensor:
        """Run S new positions [B, S, d] attending to the cache and themselves; returns [B, S, d]."""
        b, s, d = xy.shape
        h = self.config.n_head
        start = cache.length
        cache.reserve(start + s)
        eps = self.config.layer_norm_eps
        lin = self.step_linear
        x = xy
        for i, (wq, bq, wo, bo, w1, b1, w2, b2, g1, n1, g2, n2) in enumerate(self.packed_layers()):
            q, k, v = lin(x, wq, bq).view(b, s, 3, h, d // h).permute(2, 0, 3, 1, 4)
            cache.k[i, :, :, start : start + s] = k
            cache.v[i, :, :, start : start + s] = v
            keys = cache.k[i, :, :, : start + s]
            values = cache.v[i, :, :, : start + s]
            att = F.scaled_dot_product_attention(q.to(keys.dtype), keys, values, attn_mask=allowed).to(x.dtype)
            x = F.layer_norm(x + lin(att.transpose(1, 2).reshape(b, s, d), wo, bo), (d,), g1, n1, eps)
            x = F.layer_norm(x + lin(F.relu(lin(x, w1, b1)), w2, b2), (d,), g2, n2, eps)
        cache.length = start + s
        return x

    @torch.inference_mode()
    def step(
        self,
        x: torch.Tensor,
        cache: KVCache,
        layers: list[tuple[torch.Tensor, ...]] | None = None,
        key_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """One new position per sequence: x [B, 1, d] -> [B, 1, d].

        It attends to every cached position, or only where ``key_mask`` [B, 1, 1, length + 1] is True.
        """
        b, _, d = x.shape
        if self.step_kernel is not None and b <= self.step_kernel.max_rows:
            return self.step_kernel(x, cache, key_mask)
        h = self.config.n_head
        pos = cache.length
        if pos + 1 > cache.capacity:
            cache.reserve(pos + 1)
        eps = self.config.layer_norm_eps
        shape = (d,)
        lin = self.step_linear
        ks, vs = cache.k, cache.v
        for i, (wq, bq, wo, bo, w1, b1, w2, b2, g1, n1, g2, n2) in enumerate(layers or self.packed_layers()):
            qkv = lin(x, wq, bq).view(b, 3, h, d // h)
            k_all = ks[i]
            v_all = vs[i]
            k_all.select(2, pos).copy_(qkv[:, 1])
            v_all.select(2, pos).copy_(qkv[:, 2])
            att = F.scaled_dot_product_attention(
                qkv[:, 0].unsqueeze(2).to(k_all.dtype), k_all[:, :, : pos + 1], v_all[:, :, : pos + 1],
                attn_mask=key_mask,
            ).to(x.dtype)
            x = F.layer_norm(x + lin(att.reshape(b, 1, d), wo, bo), shape, g1, n1, eps)
            x = F.layer_norm(x + lin(F.relu(lin(x, w1, b1)), w2, b2), shape, g2, n2, eps)
        cache.length = pos + 1
        return x

    # ----------------------------------------------------------------- public tasks
    def generate(self, phone_ids, bert, prompt_semantic=None, **kwargs) -> tuple[torch.Tensor, int]:
        """Sample semantic tokens; see :func:`gpt_sovits.models.t2s.decoding.generate`."""
        from gpt_sovits.models.t2s.decoding import generate

        return generate(self, phone_ids, bert, prompt_semantic, **kwargs)

    def iter_generate(self, phone_ids, bert, prompt_semantic=None, **kwargs):
        """Token by token; see :func:`gpt_sovits.models.t2s.decoding.iter_generate`."""
        from gpt_sovits.models.t2s.decoding import iter_generate

        return iter_generate(self, phone_ids, bert, prompt_semantic, **kwargs)

    def training_loss(self, phoneme_ids, phoneme_lens, semantic_ids, semantic_lens, bert):
        """Teacher-forced summed cross-entropy and top-3 accuracy; see :mod:`gpt_sovits.models.t2s.training`."""
        from gpt_sovits.models.t2s.training import training_loss

        return training_loss(self, phoneme_ids, phoneme_lens, semantic_ids, semantic_lens, bert)
