"""Phone-level BERT features (chinese-roberta-wwm-ext-large), as upstream computes them.

The normalised Chinese text is tokenised (one token per character), the model runs with
all hidden states, ``hidden_states[-3]`` is taken without its [CLS]/[SEP] rows, and each
character's row is repeated ``word2ph[i]`` times -> [1024, n_phones]. Languages other
than Chinese get zeros of the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import torch

from gpt_sovits.errors import ModelNotFoundError, TextError
from gpt_sovits.models.cpu_matmul import pack_linears, packing_wanted

logger = logging.getLogger(__name__)

BERT_DIM = 1024
BERT_HIDDEN_LAYER = -3


class BertFeatureExtractor:
    """Loaded tokenizer and BERT encoder (up to the layer whose output is used); call :meth:`phone_features`."""

    def __init__(self, tokenizer, model, device: torch.device, dtype: torch.dtype):
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.dtype = dtype

    @classmethod
    def load(cls, folder: Path, device: str | torch.device = "cpu", half: bool = False,
             matmul: str = "auto") -> BertFeatureExtractor:
        """Load tokenizer and model from ``folder`` as float32, or float16 when ``half``.

        ``matmul``: how float32 products run on a CPU (models/cpu_matmul.py: "auto", "onednn" or "mkl")."""
        from transformers import AutoModelForMaskedLM, AutoTokenizer

        folder = Path(folder)
        if not (folder / "config.json").is_file():
            raise ModelNotFoundError(
                f"Chinese BERT model not found in {folder}. Download the pretrained weights "
                "(Models tab, or `python -m gpt_sovits download --version v2`)."
            )
        dtype = torch.float16 if half else torch.float32
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        full = AutoModelForMaskedLM.from_pretrained(str(folder), local_files_only=True, dtype=dtype)
        # Only hidden_states[-3] is used: the layers after it and the masked-LM head are dropped, so
        # they cost neither time nor memory (the output is the same tensor the full model computes).
        encoder = full.bert
        keep = max(0, len(encoder.encoder.layer) + 1 + BERT_HIDDEN_LAYER)
        encoder.encoder.layer = encoder.encoder.layer[:keep]
        encoder.config.num_hidden_layers = keep
        device = torch.device(device)
        encoder = encoder.to(device).eval()
        if packing_wanted(device, dtype, matmul):
            pack_linears(encoder)  # about 2.7x faster products of a sentence's 10-30 rows on such CPUs
        return cls(tokenizer, encoder, device, dtype)

    @torch.inference_mode()
    def phone_features(self, norm_text: str, word2ph: Sequence[int]) -> torch.Tensor:
        """Chinese normalised text and its word2ph -> features [1024, sum(word2ph)] (float32, on CPU)."""
        if len(word2ph) != len(norm_text):
            raise TextError(
                f"Internal mismatch: {len(norm_text)} characters but {len(word2ph)} word2ph entries for {norm_text!r}."
            )
        inputs = self.tokenizer(norm_text, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        rows = self.model(**inputs).last_hidden_state[0, 1:-1].float().cpu()  # = hidden_states[-3] of the full model
        if rows.shape[0] != len(word2ph):
            raise TextError(
                f"The BERT tokenizer split {norm_text!r} into {rows.shape[0]} tokens instead of one per character."
            )
        counts = torch.as_tensor(list(word2ph), dtype=torch.long)
        return rows.repeat_interleave(counts, dim=0).T.contiguous()


def zero_features(n_phones: int) -> torch.Tensor:
    """Features for non-Chinese text: zeros [1024, n_phones]."""
    return torch.zeros(BERT_DIM, n_phones)
