"""Builder functions: one per purpose, every version from configuration values."""

from __future__ import annotations

import torch

from gpt_sovits.models.sovits.config import SoVITSConfig, make_config
from gpt_sovits.models.sovits.discriminator import MultiPeriodDiscriminator
from gpt_sovits.models.sovits.model import SoVITSGenerator


def build_sovits(version: str, config: dict | SoVITSConfig | None = None) -> SoVITSGenerator:
    """A randomly initialised SoVITS generator of ``version`` (v1, v2, v2Pro, v2ProPlus).

    ``config`` is a :class:`SoVITSConfig`, or upstream-style settings (a ``model``
    section, or a whole config with ``model``/``data``/``train``) overriding the
    official values of that version.
    """
    if isinstance(config, SoVITSConfig):
        if config.version != version:
            config = SoVITSConfig(**{**config.__dict__, "version": version})
        return SoVITSGenerator(config)
    return SoVITSGenerator(make_config(version, config))


def build_discriminator(version: str) -> MultiPeriodDiscriminator:
    """The multi-period discriminator used to fine-tune ``version``."""
    return MultiPeriodDiscriminator(version)


def count_parameters(module: torch.nn.Module) -> int:
    """Number of parameter and buffer elements (what a state dict stores)."""
    return sum(t.numel() for t in module.state_dict().values())
