"""The one inference path: SynthesisRequest -> Synthesizer.synthesize() -> AudioChunks.

Names are imported lazily so that ``import gpt_sovits.inference`` stays cheap.
"""

from __future__ import annotations

from gpt_sovits.lazy import lazy_getattr

_EXPORTS = {
    "SynthesisRequest": "gpt_sovits.inference.request",
    "AudioChunk": "gpt_sovits.inference.request",
    "to_int16": "gpt_sovits.inference.request",
    "Synthesizer": "gpt_sovits.inference.synthesizer",
    "SynthesisResult": "gpt_sovits.inference.synthesizer",
    "ReferencePrompt": "gpt_sovits.inference.reference",
}

__getattr__ = lazy_getattr("gpt_sovits.inference", _EXPORTS)

__all__ = list(_EXPORTS)
