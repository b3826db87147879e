"""SoVITS networks: the generator (all versions) and the multi-period discriminator."""

from gpt_sovits.models.sovits.builder import build_discriminator, build_sovits
from gpt_sovits.models.sovits.config import SOVITS_VERSIONS, SoVITSConfig, default_config, make_config
from gpt_sovits.models.sovits.discriminator import MultiPeriodDiscriminator
from gpt_sovits.models.sovits.inference_opt import optimize_for_inference
from gpt_sovits.models.sovits.model import SoVITSGenerator
from gpt_sovits.models.sovits.streaming import StreamDecoder, decode_chunk, encode_prefix

__all__ = [
    "SOVITS_VERSIONS",
    "MultiPeriodDiscriminator",
    "SoVITSConfig",
    "SoVITSGenerator",
    "StreamDecoder",
    "build_discriminator",
    "build_sovits",
    "decode_chunk",
    "default_config",
    "encode_prefix",
    "make_config",
    "optimize_for_inference",
]
