"""GPT-SoVITS Studio: voice cloning with GPT-SoVITS models, reimplemented.

Importing this package loads no model, probes no GPU and touches no network.
"""

__version__ = "0.1.0"
