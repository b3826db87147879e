"""Decoding several sentences at once: one weight read per step serves the whole batch.

Each sequence (text, then its prompt if any) is left-padded to the longest one; padded key positions are
masked everywhere, so every sequence follows the same rules as :func:`decoding.generate` on its own. With one
seed per sequence each draws its own random numbers, so it samples what ``generate`` would with that seed
(up to rounding in the batched products); with one shared seed the draws are shared across the batch.
Finished sequences keep being computed until the last one stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from gpt_sovits.models.t2s.decoding import MAX_STEPS, MIN_STEPS_BEFORE_EOS, keep_token, prepare_inputs
from gpt_sovits.models.t2s.layers import prefill_mask
from gpt_sovits.models.t2s.sampling import SamplingOptions, sample_token
from gpt_sovits.models.t2s.static_step import static_step_for

if TYPE_CHECKING:  # the model imports this module for its convenience methods
    from gpt_sovits.models.t2s.model import Text2SemanticModel


def _left_padded_prefill(model: Text2SemanticModel, prepared: list, n_steps: int):
    """-> (xy [B, S, d], allowed [B, 1, S, S], key_valid [B, S + n_steps], prompt lengths)."""
    seqs, n_prompts, layouts = [], [], []
    for phones, feats, prompt in prepared:
        x = model.embed_text(phones, feats)[0]
        n_prompt = 0 if prompt is None else prompt.shape[1]
        if prompt is not None:
            x = torch.cat([x, model.embed_audio(prompt)[0]], dim=0)
        seqs.append(x)
        n_prompts.append(n_prompt)
        layouts.append((phones.shape[1], n_prompt))
    b, s, device = len(seqs), max(len(x) for x in seqs), seqs[0].device
    xy = seqs[0].new_zeros(b, s, seqs[0].shape[1])
    allowed = torch.eye(s, dtype=torch.bool, device=device).repeat(b, 1, 1, 1)  # pad rows see themselves only
    key_valid = torch.ones(b, s + n_steps, dtype=torch.bool, device=device)
    for i, (x, (n_text, n_prompt)) in enumerate(zip(seqs, layouts, strict=True)):
        pad = s - len(x)
        xy[i, pad:] = x
        allowed[i, 0, pad:, pad:] = prefill_mask(n_text, n_prompt, device)
        allowed[i, 0, pad:, :pad] = False
        key_valid[i, :pad] = False
    return xy, allowed, key_valid, n_prompts


@torch.inference_mode()
def generate_batch(
    model: Text2SemanticModel,
    items: Sequence[tuple],
    *,
    top_k: int = 15,
    top_p: float = 1.0,
    temperature: float = 1.0,
    repetition_penalty: float = 1.35,
    sampling: SamplingOptions | None = None,
    early_stop_num: int | Sequence[int] = -1,
    seed: int | Sequence[int] | None = None,
    max_steps: int = MAX_STEPS,
) -> list[tuple[torch.Tensor, int]]:
    """items: (phone_ids, bert, prompt_semantic or None) per sentence -> [(tokens [1, Tp + n], idx)] in order.

    ``early_stop_num`` and ``seed`` are one value for all sentences or one per sentence; ``sampling`` as in
    :func:`~gpt_sovits.models.t2s.decoding.iter_generate`.
    """
    device = model.ar_predict_layer.weight.device
    prepared = [prepare_inputs(p, b, pr, device) for p, b, pr in items]
    options = sampling or SamplingOptions(top_k, top_p, temperature, repetition_penalty)
    limits = [early_stop_num] * len(prepared) if isinstance(early_stop_num, int) else list(early_stop_num)
    if isinstance(seed, int) or seed is None:
        shared = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
        generators = None
    else:
        generators = [torch.Generator(device=device).manual_seed(s) for s in seed]
    if len(limits) != len(prepared) or (generators is not None and len(generators) != len(prepared)):
        raise ValueError("give one early_stop_num and one seed per sentence, or a single value for all")
    eos, vocab = model.config.eos, model.config.vocab_size
    n_steps = max(max_steps if lim == -1 else min(max_steps, lim + 1) for lim in limits)

    xy, allowed, key_valid, n_prompts = _left_padded_prefill(model, prepared, n_steps)
    b = len(prepared)
    static = static_step_for(model, b, key_valid.shape[1])
    cache = static.cache if static is not None else model.new_cache(batch=b, capacity=key_valid.shape[1])
    hidden = model.prefill(xy, allowed, cache)[:, -1:]
    if static is not None:
        static.set_valid_keys(key_valid)
    seen = torch.zeros(b, vocab, dtype=torch.bool, device=device)
    for i, (_, _, prompt) in enumerate(prepared):
        if prompt is not None:
            seen[i, prompt[0]] = True
    layers = model.packed_layers()
    audio_embedding = model.ar_audio_embedding.word_embeddings.weight
    prompt_lens = torch.tensor(n_prompts, dtype=torch.long, device=device)
    generated: list[list[int]] = [[] for _ in range(b)]
    stopped_at: list[int | None] = [None] * b
    tokens = torch.zeros(b, dtype=torch.long, device=device)
    idx = 0
    for idx in range(max_steps):
        if idx > 0:
            x = model.ar_audio_position.at(audio_embedding[tokens].unsqueeze(1), prompt_lens + idx - 1)
            if static is not None:
                hidden = static.run(x, cache.length)
            else:
                hidden = model.step(x, cache, layers, key_mask=key_valid[:, None, None, : cache.length + 1])
        logits = model.logits(hidden[:, -1])
        width = vocab if idx >= MIN_STEPS_BEFORE_EOS else vocab - 1
        if generators is None:
            tokens, argmaxes = sample_token(logits[:, :width], seen[:, :width], options, shared)
        else:
            draws = [sample_token(logits[i : i + 1, :width], seen[i : i + 1, :width], options, g)
                     for i, g in enumerate(generators)]
            tokens, argmaxes = torch.cat([t for t, _ in draws]), torch.cat([a for _, a in draws])
        for i, (token, argmax) in enumerate(zip(tokens.tolist(), argmaxes.tolist(), strict=True)):
            if stopped_at[i] is not None:
                continue
            seen[i, token] = True
            if keep_token(generated[i], token, argmax, eos, limits[i]):
                stopped_at[i] = idx
        if all(s is not None for s in stopped_at):
            break
    results = []
    for i, (_, _, prompt) in enumerate(prepared):
        kept = generated[i] or ([0] if prompt is None else [])
        new = torch.tensor(kept, dtype=torch.long, device=device).view(1, -1)
        seq = new if prompt is None else torch.cat([prompt, new], dim=1)
        results.append((seq, 0 if prompt is None else (stopped_at[i] if stopped_at[i] is not None else idx)))
    return results
