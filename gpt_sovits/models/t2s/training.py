"""Teacher-forced training objective of the GPT, as upstream's ``forward_old`` computes it.

Batch layout (upstream's collate): phoneme ids right-padded with 0 to Tx, semantic ids right-padded
(usually with 1024) to Ty, BERT features zero-padded to [B, 1024, Tx].

Reproduced quirks:

* the phoneme key-padding mask treats the padding as if it were on the **left**: for an item with L phones it
  hides key columns 0 .. Tx-L-1 (real phones) and leaves the right padding visible;
* semantic padding is replaced by EOS in the input, and padded positions get EOS targets that count in the loss;
* logits come from positions Tx-1 .. Tx+Ty-1: the last text position predicts the first semantic token and the
  last position predicts EOS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from gpt_sovits.models.t2s.layers import prefill_mask

if TYPE_CHECKING:  # the model imports this module for its convenience methods
    from gpt_sovits.models.t2s.model import Text2SemanticModel

ACCURACY_TOP_K = 3


def _check_lengths(name: str, ids: torch.Tensor, lens: torch.Tensor) -> None:
    if ids.dim() != 2 or lens.shape != (ids.shape[0],):
        raise ValueError(f"{name} must be [B, T] with lengths [B], got {tuple(ids.shape)} and {tuple(lens.shape)}")
    if int(lens.max()) != ids.shape[1] or int(lens.min()) < 1:
        raise ValueError(f"{name}: the longest item must fill the padded width {ids.shape[1]} (lengths {lens.tolist()})")


def teacher_forced_logits(
    model: Text2SemanticModel,
    phoneme_ids: torch.Tensor,
    phoneme_lens: torch.Tensor,
    semantic_ids: torch.Tensor,
    semantic_lens: torch.Tensor,
    bert: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (logits [B, Ty+1, V] float32, targets [B, Ty+1] long); target j is semantic token j, then EOS."""
    _check_lengths("phoneme_ids", phoneme_ids, phoneme_lens)
    _check_lengths("semantic_ids", semantic_ids, semantic_lens)
    device = phoneme_ids.device
    b, n_text = phoneme_ids.shape
    n_audio = semantic_ids.shape[1]
    eos = model.config.eos

    audio_pad = torch.arange(n_audio, device=device)[None, :] >= semantic_lens[:, None]
    audio_in = semantic_ids.long().masked_fill(audio_pad, eos)
    targets = F.pad(audio_in, (0, 1), value=eos)
    # Upstream builds the phoneme padding mask as if the padding were on the left (see module docstring).
    text_pad = torch.arange(n_text, device=device)[None, :] < (n_text - phoneme_lens)[:, None]
    key_pad = torch.cat([text_pad, audio_pad], dim=1)  # [B, S]
    allowed = prefill_mask(n_text, n_audio, device)[None, None] & ~key_pad[:, None, None, :]  # [B, 1, S, S]

    xy = torch.cat([model.embed_text(phoneme_ids.long(), bert), model.embed_audio(audio_in)], dim=1)
    hidden = model(xy, allowed)
    return model.logits(hidden[:, n_text - 1 :]), targets


def top_k_accuracy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int, k: int = ACCURACY_TOP_K) -> float:
    """Micro top-k accuracy over all positions whose target is not ``ignore_index`` (0.0 if none)."""
    valid = targets != ignore_index
    n_valid = int(valid.sum())
    if n_valid == 0:
        return 0.0
    top = logits.topk(min(k, logits.shape[-1]), dim=-1).indices
    hits = (top == targets.unsqueeze(-1)).any(dim=-1) & valid
    return int(hits.sum()) / n_valid


def training_loss(
    model: Text2SemanticModel,
    phoneme_ids: torch.Tensor,
    phoneme_lens: torch.Tensor,
    semantic_ids: torch.Tensor,
    semantic_lens: torch.Tensor,
    bert: torch.Tensor,
) -> tuple[torch.Tensor, float]:
    """-> (cross-entropy summed over all B·(Ty+1) targets, top-3 accuracy ignoring EOS targets).

    phoneme_ids [B, Tx], phoneme_lens [B], semantic_ids [B, Ty], semantic_lens [B], bert [B, 1024, Tx].
    Dropout is active when the model is in training mode, as upstream's.
    """
    logits, targets = teacher_forced_logits(model, phoneme_ids, phoneme_lens, semantic_ids, semantic_lens, bert)
    loss = F.cross_entropy(logits.transpose(1, 2), targets, reduction="sum")
    with torch.no_grad():
        acc = top_k_accuracy(logits.detach(), targets, model.config.eos)
    return loss, acc
