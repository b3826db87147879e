"""KV-cached autoregressive decoding with upstream ``infer_panel``'s stopping rules.

Rules (all reproduced on purpose, they change the output):

* EOS cannot be chosen during the first ``MIN_STEPS_BEFORE_EOS`` steps (its column is left out).
* Decoding stops when the sampled token, or the argmax of the repetition-penalised logits, is EOS; that last
  token is dropped.  With ``early_stop_num = n`` it also stops once more than n tokens were generated (all kept,
  and the returned ``idx`` is n, so ``tokens[:, -idx:]`` misses the first generated token); after
  ``MAX_STEPS`` steps it stops with ``idx = MAX_STEPS - 1``.
* Without a prompt the returned ``idx`` is 0 (callers then use the whole sequence).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import numpy as np
import torch

from gpt_sovits.models.t2s.config import BERT_DIM
from gpt_sovits.models.t2s.layers import prefill_mask
from gpt_sovits.models.t2s.sampling import SamplingOptions, sample_token
from gpt_sovits.models.t2s.static_step import static_step_for

if TYPE_CHECKING:  # the model imports this module for its convenience methods
    from gpt_sovits.models.t2s.model import Text2SemanticModel

MIN_STEPS_BEFORE_EOS = 11
MAX_STEPS = 1500

# Called after every step with (step index, raw logits [1, V'] float32, sampled token id).
StepHook = Callable[[int, torch.Tensor, int], None]


def _as_tensor(value, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    if isinstance(value, np.ndarray):
        value = torch.from_numpy(np.ascontiguousarray(value))
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(value)
    return value.to(device=device, dtype=dtype)


def prepare_inputs(
    phone_ids, bert, prompt_semantic, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Accept numpy/torch, [T] or [1, T] ids and [1024, T] or [1, 1024, T] BERT; return batch-1 tensors."""
    phones = _as_tensor(phone_ids, torch.long, device)
    phones = phones.unsqueeze(0) if phones.dim() == 1 else phones
    feats = _as_tensor(bert, torch.float32, device)
    feats = feats.unsqueeze(0) if feats.dim() == 2 else feats
    if phones.dim() != 2 or phones.shape[0] != 1:
        raise ValueError(f"phone_ids must be [T] or [1, T], got {tuple(phones.shape)}")
    if feats.dim() != 3 or feats.shape[0] != 1 or feats.shape[1] != BERT_DIM or feats.shape[2] != phones.shape[1]:
        raise ValueError(f"bert must be [1024, T] or [1, 1024, T] with T = {phones.shape[1]}, got {tuple(feats.shape)}")
    prompt = None
    if prompt_semantic is not None:
        prompt = _as_tensor(prompt_semantic, torch.long, device).reshape(1, -1)
        if prompt.shape[1] == 0:
            prompt = None
    return phones, feats, prompt


def keep_token(generated: list[int], token: int, argmax: int, eos: int, early_stop_num: int) -> bool:
    """Append ``token`` to ``generated`` under upstream's rules; True when decoding of this sequence stops."""
    generated.append(token)
    stop = early_stop_num != -1 and len(generated) > early_stop_num
    if token == eos or argmax == eos:
        generated.pop()  # the EOS (or the token sampled when the penalised argmax was EOS) is not kept
        stop = True
    return stop


def generate(
    model: Text2SemanticModel,
    phone_ids,
    bert,
    prompt_semantic=None,
    **options,
) -> tuple[torch.Tensor, int]:
    """Continue ``prompt_semantic`` (or start from nothing) for the text ``phone_ids``.

    phone_ids [T] or [1, T]; bert [1024, T] or [1, 1024, T]; prompt_semantic [Tp] / [1, Tp] or None;
    ``options`` as :func:`iter_generate`. Returns (tokens [1, Tp + n] long = prompt followed by the n kept
    tokens, idx); the caller's new tokens are ``tokens[:, -idx:]`` (the whole ``tokens`` when idx == 0,
    the prompt-free case).
    """
    steps = iter_generate(model, phone_ids, bert, prompt_semantic, **options)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@torch.inference_mode()
def iter_generate(
    model: Text2SemanticModel,
    phone_ids,
    bert,
    prompt_semantic=None,
    *,
    top_k: int = 15,
    top_p: float = 1.0,
    temperature: float = 1.0,
    repetition_penalty: float = 1.35,
    sampling: SamplingOptions | None = None,
    early_stop_num: int = -1,
    seed: int | None = None,
    max_steps: int = MAX_STEPS,
    on_step: StepHook | None = None,
) -> Generator[int, None, tuple[torch.Tensor, int]]:
    """:func:`generate` one step at a time: yields each sampled token id, returns (tokens, idx).

    The caller's thread does the work between its ``next()`` calls, so a consumer can decode audio
    between tokens without a second thread (a second thread would start a second OpenMP thread
    team, and two teams on the same cores make every matrix product about twice as slow).
    Closing the iterator stops the decoding. ``sampling`` gives the four sampling knobs as one
    SamplingOptions (then ``top_k`` ... ``repetition_penalty`` are not used).
    """
    device = model.ar_predict_layer.weight.device
    phones, feats, prompt = prepare_inputs(phone_ids, bert, prompt_semantic, device)
    options = sampling or SamplingOptions(top_k, top_p, temperature, repetition_penalty)
    generator = torch.Generator(device=device).manual_seed(seed) if seed is not None else None
    eos = model.config.eos
    vocab = model.config.vocab_size

    x = model.embed_text(phones, feats)
    n_prompt = 0 if prompt is None else prompt.shape[1]
    if prompt is not None:
        x = torch.cat([x, model.embed_audio(prompt)], dim=1)
    n_steps = max_steps if early_stop_num == -1 else min(max_steps, early_stop_num + 1)
    static = static_step_for(model, 1, x.shape[1] + n_steps)
    cache = static.cache if static is not None else model.new_cache(batch=1, capacity=x.shape[1] + n_steps)
    hidden = model.prefill(x, prefill_mask(phones.shape[1], n_prompt, device), cache)[:, -1:]
    if static is not None:
        static.set_valid_keys(None)

    seen = torch.zeros(1, vocab, dtype=torch.bool, device=device)
    if prompt is not None:
        seen[0, prompt[0]] = True
    layers = model.packed_layers()
    audio_embedding = model.ar_audio_embedding.word_embeddings.weight
    generated: list[int] = []
    idx = 0
    for idx in range(max_steps):
        if idx > 0:
            token_emb = audio_embedding[generated[-1]].view(1, 1, -1)
            x_step = model.ar_audio_position(token_emb, n_prompt + idx - 1)
            hidden = static.run(x_step, cache.length) if static is not None else model.step(x_step, cache, layers)
        logits = model.logits(hidden[:, -1])
        width = vocab if idx >= MIN_STEPS_BEFORE_EOS else vocab - 1
        token_t, argmax_t = sample_token(logits[:, :width], seen[:, :width], options, generator)
        token, argmax = torch.stack([token_t[0], argmax_t[0]]).tolist()
        if on_step is not None:
            on_step(idx, logits, token)
        seen[0, token] = True
        stop = keep_token(generated, token, argmax, eos, early_stop_num)
        yield token
        if stop:
            break
    if n_prompt == 0 and not generated:
        generated.append(0)  # upstream never returns an empty sequence
    new = torch.tensor(generated, dtype=torch.long, device=device).view(1, -1)
    tokens = new if prompt is None else torch.cat([prompt, new], dim=1)
    return tokens, (0 if prompt is None else idx)
