"""GPT-SoVITS Studio: voice cloning with GPT-SoVITS models, reimplemented.

Importing this package loads no model, probes no GPU and touches no network; the
public names below are imported on first use.
"""

from gpt_sovits.lazy import lazy_getattr

__version__ = "0.1.0"

_EXPORTS = {
    "Synthesizer": "gpt_sovits.inference.synthesizer",
    "SynthesisRequest": "gpt_sovits.inference.request",
    "ReferencePrompt": "gpt_sovits.inference.reference",
}

__getattr__ = lazy_getattr("gpt_sovits", _EXPORTS)

__all__ = ["__version__", *_EXPORTS]
