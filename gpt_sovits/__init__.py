"""GPT-SoVITS Studio: voice cloning with GPT-SoVITS models, reimplemented.

Importing this package loads no model, probes no GPU and touches no network; the
public names below are imported on first use.
"""

__version__ = "0.1.0"

_EXPORTS = {
    "Synthesizer": "gpt_sovits.inference.synthesizer",
    "SynthesisRequest": "gpt_sovits.inference.request",
    "ReferencePrompt": "gpt_sovits.inference.reference",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gpt_sovits' has no attribute {name!r}")


__all__ = ["__version__", *_EXPORTS]
