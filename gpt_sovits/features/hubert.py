"""HuBERT semantic features (chinese-hubert-base) through transformers, fed as upstream feeds them.

Upstream calls the bare HubertModel on the raw 16 kHz waveform: no feature-extractor
normalisation, no attention mask, ``last_hidden_state`` transposed to [B, 768, T50].
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from gpt_sovits.errors import ModelNotFoundError
from gpt_sovits.models.cpu_matmul import pack_linears, packing_wanted

logger = logging.getLogger(__name__)

HUBERT_SAMPLE_RATE_HZ = 16000
HUBERT_HOP_SAMPLES = 320
HUBERT_DIM = 768


class HubertFeatureExtractor:
    """Loaded HuBERT; call :meth:`extract` on 16 kHz audio."""

    def __init__(self, model, device: torch.device, dtype: torch.dtype):
        self.model = model
        self.device = device
        self.dtype = dtype

    @classmethod
    def load(cls, folder: Path, device: str | torch.device = "cpu", half: bool = False,
             matmul: str = "auto") -> HubertFeatureExtractor:
        """Load ``folder`` (config.json + weights) as float32, or float16 when ``half``.

        ``matmul``: how float32 products run on a CPU (models/cpu_matmul.py: "auto", "onednn" or "mkl")."""
        from transformers import HubertModel

        folder = Path(folder)
        if not (folder / "config.json").is_file():
            raise ModelNotFoundError(
                f"HuBERT model not found in {folder}. Download the pretrained weights "
                "(Models tab, or `python -m gpt_sovits download --version v2`)."
            )
        dtype = torch.float16 if half else torch.float32
        model = HubertModel.from_pretrained(str(folder), local_files_only=True, dtype=dtype)
        device = torch.device(device)
        model = model.to(device).eval()
        if packing_wanted(device, dtype, matmul):
            pack_linears(model)
        return cls(model, device, dtype)

    @torch.inference_mode()
    def extract(self, wav16k: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Raw 16 kHz waveform [N] or [1, N] -> features [1, 768, T50] (float32 on the model device)."""
        wav = torch.as_tensor(wav16k, dtype=torch.float32).reshape(1, -1)
        hidden = self.model(wav.to(self.device, self.dtype)).last_hidden_state
        return hidden.transpose(1, 2).float()
