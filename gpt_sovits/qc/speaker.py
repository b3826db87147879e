"""The optional speaker-similarity check: the v2Pro speaker encoder's embedding of a take against
the reference's, compared by cosine similarity."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gpt_sovits.errors import StudioError
from gpt_sovits.pretrained import speaker_encoder_path
from gpt_sovits.qc.report import CheckResult, not_run, within

logger = logging.getLogger(__name__)

SV_RATE_HZ = 16000
MIN_SPEECH_S = 0.5


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


@dataclass(frozen=True)
class SpeakerSimilarity:
    """An optional check for :func:`gpt_sovits.qc.checks.check_take` (pass it in ``extra``).

    ``embedder``: anything with ``embed(wav16k) -> [1, D]`` (features.speaker.SpeakerEmbedder);
    ``reference``: the reference's embedding [1, D] or [D]. Without them the check says why it did not run.
    """

    embedder: object | None
    reference: np.ndarray | None
    min_similarity: float = 0.5
    unavailable: str = "the speaker encoder is not loaded"

    def __call__(self, audio: np.ndarray, sample_rate: int) -> CheckResult:
        if self.embedder is None or self.reference is None:
            return not_run("speaker", self.unavailable)
        if audio.size < MIN_SPEECH_S * sample_rate:
            return not_run("speaker", "the take is too short to compare voices")
        from gpt_sovits.audio.processing import resample

        wav = resample(np.nan_to_num(np.asarray(audio, np.float32)), sample_rate, SV_RATE_HZ)
        try:
            embedding = np.asarray(self.embedder.embed(wav))
        except (StudioError, RuntimeError) as e:
            logger.warning("The speaker check could not run: %s", e)
            return not_run("speaker", f"the speaker encoder failed: {e}")
        similarity = cosine(embedding, np.asarray(self.reference))
        return within("speaker", similarity, self.min_similarity, None, "cosine", "speaker_mismatch", None)


def load_speaker_embedder(pretrained_dir: Path, device: str = "cpu"):
    """The v2Pro speaker encoder from ``<pretrained_dir>/sv/``, or None (with the reason logged) when absent."""
    path = speaker_encoder_path(pretrained_dir)
    if not path.is_file():
        return None
    from gpt_sovits.features.speaker import SpeakerEmbedder

    return SpeakerEmbedder.load(path, device)
