"""The one inference path: SynthesisRequest -> Synthesizer.synthesize() -> AudioChunks.

Names are imported lazily so that ``import gpt_sovits.inference`` stays cheap.
"""

from __future__ import annotations

_EXPORTS = {
    "SynthesisRequest": "gpt_sovits.inference.request",
    "AudioChunk": "gpt_sovits.inference.request",
    "to_int16": "gpt_sovits.inference.request",
    "Synthesizer": "gpt_sovits.inference.synthesizer",
    "SynthesisResult": "gpt_sovits.inference.synthesizer",
    "ReferencePrompt": "gpt_sovits.inference.reference",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gpt_sovits.inference' has no attribute {name!r}")


__all__ = list(_EXPORTS)
