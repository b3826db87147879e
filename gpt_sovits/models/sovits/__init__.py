"""SoVITS networks: the generator (all versions) and the multi-period discriminator."""

from gpt_sovits.models.sovits.builder import build_discriminator, build_sovits
from gpt_sovits.models.sovits.config import SOVITS_VERSIONS, SoVITSConfig, default_config, make_config
from gpt_sovits.models.sovits.discriminator import MultiPeriodDiscriminator
from gpt_sovits.models.sovits.model import SoVITSGenerator

__all__ = [
    "SOVITS_VERSIONS",
    "MultiPeriodDiscriminator",
    "SoVITSConfig",
    "SoVITSGenerator",
    "build_discriminator",
    "build_sovits",
    "default_config",
    "make_config",
]
