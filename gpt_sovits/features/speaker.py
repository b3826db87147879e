"""Speaker embedding for SoVITS v2Pro / v2ProPlus: ERes2NetV2 pooled features of 16 kHz audio."""

from __future__ import annotations

from pathlib import Path

import torch

from gpt_sovits.errors import ModelNotFoundError


class SpeakerEmbedder:
    """Loaded ERes2NetV2; :meth:`embed` turns 16 kHz audio into the 20480-d vector SoVITS Pro expects."""

    def __init__(self, model, device: torch.device):
        self.model = model
        self.device = device

    @classmethod
    def load(cls, path: Path, device: str | torch.device = "cpu") -> SpeakerEmbedder:
        from gpt_sovits.models.sv import load_speaker_encoder

        path = Path(path)
        if not path.is_file():
            raise ModelNotFoundError(
                f"The speaker-verification network {path.name} is missing (needed by v2Pro models). "
                "Download the v2Pro weights in the Models tab or with `python -m gpt_sovits download --version v2Pro`."
            )
        device = torch.device(device)
        return cls(load_speaker_encoder(path, device), device)

    @torch.inference_mode()
    def embed(self, wav16k: torch.Tensor) -> torch.Tensor:
        """Waveform [1, N] or [N] at 16 kHz in [-1, 1] -> embedding [1, 20480] (float32, CPU)."""
        from gpt_sovits.models.sv import speaker_embedding

        wav = torch.as_tensor(wav16k, dtype=torch.float32).reshape(1, -1).to(self.device)
        return speaker_embedding(self.model, wav).float().cpu()
