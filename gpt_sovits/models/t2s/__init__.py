"""Text-to-semantic GPT (upstream ``Text2SemanticDecoder``): model, decoding, training loss, checkpoints."""

from __future__ import annotations

from gpt_sovits.models.t2s.config import GPTConfig
from gpt_sovits.models.t2s.model import Text2SemanticModel

__all__ = ["GPTConfig", "Text2SemanticModel"]
