"""The content-addressed take store of a book: one WAV (and its JSON facts) per content key.

A take's key is a hash of everything that decides its sound: the line's normalised text (the
pronunciation dictionary applied), the language, the voice (reference clip bytes, its text,
the model files' identity), the synthesis settings and the seed. A line whose key has a take
needs no work; a take is written atomically once it is finished, so a crash loses at most the
takes being computed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from gpt_sovits.books.model import RenderSettings
from gpt_sovits.fileio import write_bytes_atomic, write_text_atomic

KEY_FORMAT = 1  # bump when the way takes are made changes, so old takes are not reused


def content_key(text: str, language: str, voice_identity: dict, settings: RenderSettings, seed: int) -> str:
    """The hex SHA-256 naming the take of ``text`` spoken with these choices."""
    data = {"format": KEY_FORMAT, "text": text, "language": language, "voice": voice_identity,
            "settings": asdict(settings), "seed": int(seed)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TakeInfo:
    """What is known about a stored take."""

    key: str
    path: Path
    sample_rate: int
    duration_s: float
    seed: int
    meta: dict


class TakeStore:
    """Takes under ``root/<first two hex digits>/<key>.wav`` with ``<key>.json`` beside them."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def wav_path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"not a take key: {key!r}")
        return self.root / key[:2] / f"{key}.wav"

    def has(self, key: str) -> bool:
        return bool(key) and self.wav_path(key).is_file() and self.wav_path(key).with_suffix(".json").is_file()

    def put(self, key: str, audio: np.ndarray, sample_rate: int, meta: dict) -> TakeInfo:
        """Store a take (16-bit WAV, then its facts; the facts file marks it complete)."""
        import soundfile as sf

        from gpt_sovits.inference.request import to_int16

        buffer = io.BytesIO()
        sf.write(buffer, to_int16(audio), sample_rate, format="WAV", subtype="PCM_16")
        path = self.wav_path(key)
        write_bytes_atomic(path, buffer.getvalue())
        facts = {**meta, "key": key, "sample_rate": sample_rate, "duration_s": len(audio) / sample_rate}
        write_text_atomic(path.with_suffix(".json"), json.dumps(facts, ensure_ascii=False, indent=1))
        return self.info(key)

    def info(self, key: str) -> TakeInfo:
        path = self.wav_path(key)
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return TakeInfo(key, path, int(meta["sample_rate"]), float(meta["duration_s"]), int(meta.get("seed", -1)),
                        meta)

    def load(self, key: str) -> tuple[np.ndarray, int]:
        """(float32 audio [N], sample rate) of a take."""
        import soundfile as sf

        audio, sr = sf.read(self.wav_path(key), dtype="float32")
        return audio, sr

    def update_meta(self, key: str, **changes) -> None:
        """Add facts to a stored take (quality checks, for instance)."""
        path = self.wav_path(key).with_suffix(".json")
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta.update(changes)
        write_text_atomic(path, json.dumps(meta, ensure_ascii=False, indent=1))
