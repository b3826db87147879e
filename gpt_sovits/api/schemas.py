"""Request parsing for the HTTP API: upstream api_v2's fields, read as leniently as its clients write them.

Clients send booleans as "true"/"True"/"1" (and "ture"), numbers as strings, empty lists as "".
Every problem found is reported at once, as HTTP 400 ``{"message": ...}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gpt_sovits.errors import StudioError

LANGUAGE_MAP = {"zh": "zh", "all_zh": "all_zh", "en": "en", "auto": "auto"}
UNSUPPORTED_LANGUAGES = {
    "ja": "Japanese", "all_ja": "Japanese", "ko": "Korean", "all_ko": "Korean",
    "yue": "Cantonese", "all_yue": "Cantonese", "auto_yue": "Cantonese",
}
SPLIT_METHODS = ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5", "auto")
TTS_MEDIA_TYPES = ("wav", "raw", "ogg", "aac", "flac", "mp3")
TRUE_WORDS = {"true", "1", "yes", "on", "ture", "t", "y"}  # "ture": a typo some clients really send
FALSE_WORDS = {"false", "0", "no", "off", "", "none", "null", "f", "n", "flase"}


class ApiError(StudioError):
    """A refusal with an HTTP status (400 unless said otherwise) and a message for the client."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True)
class TtsParams:
    """One /tts request after parsing (upstream names; ours: voice, noise_scale, emphasis_strength)."""

    text: str
    text_lang: str
    ref_audio_path: str = ""
    aux_ref_audio_paths: tuple[str, ...] = ()
    prompt_text: str = ""
    prompt_lang: str = ""
    top_k: int = 15
    top_p: float = 1.0
    temperature: float = 1.0
    text_split_method: str = "cut5"
    speed_factor: float = 1.0
    fragment_interval: float = 0.3
    seed: int = -1
    media_type: str = "wav"
    streaming: bool = False
    repetition_penalty: float = 1.35
    noise_scale: float = 0.5
    emphasis_strength: float = 1.0
    voice: str = ""
    ignored: dict = field(default_factory=dict)


class FieldReader:
    """Reads typed values out of a dict of client values, collecting every problem."""

    def __init__(self, data: dict):
        self.data = data
        self.problems: list[str] = []

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, (list, tuple)):
            value = value[-1] if value else default
        return str(value)

    def number(self, name: str, default: float, integer: bool = False):
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
            if not math.isfinite(number):
                raise ValueError
            if integer:
                if number != int(number):
                    raise ValueError
                return int(number)
            return number
        except (TypeError, ValueError):
            self.problems.append(f"{name} must be a {'whole ' if integer else ''}number, not {value!r}.")
            return default

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.problems.append(f"{name} must be true or false, not {value!r}.")
        return default

    def paths(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        items = value if isinstance(value, (list, tuple)) else [value]
        return tuple(str(item).strip() for item in items if item is not None and str(item).strip())


def map_language(value: str, field_name: str) -> str:
    """Upstream language code -> ours; ApiError for languages we do not speak yet."""
    code = (value or "").strip().lower().replace("-", "_")
    if code in LANGUAGE_MAP:
        return LANGUAGE_MAP[code]
    if code in UNSUPPORTED_LANGUAGES:
        raise ApiError(f"{field_name} {value!r}: {UNSUPPORTED_LANGUAGES[code]} is not supported by this server yet; "
                       f"use one of {', '.join(LANGUAGE_MAP)}.")
    raise ApiError(f"{field_name} {value!r} is not a known language; use one of {', '.join(LANGUAGE_MAP)}.")


def _streaming(reader: FieldReader) -> bool:
    value = reader.data.get("streaming_mode")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1, 2, 3):
        return value != 0
    if isinstance(value, str) and value.strip() in ("2", "3"):
        return True  # token-chunk modes: our engine streams piece by piece, which is mode 1
    return reader.flag("streaming_mode", False)


def parse_tts_params(data: dict, max_text_chars: int) -> TtsParams:
    """Parse upstream /tts fields from a query or JSON dict; ApiError listing every problem."""
    r = FieldReader(data)
    text = r.text("text")
    if not text.strip():
        r.problems.append("text is required.")
    elif len(text) > max_text_chars:
        r.problems.append(f"text is {len(text)} characters long; this server accepts at most {max_text_chars}.")
    split = r.text("text_split_method", "cut5").strip().lower() or "cut5"
    if split not in SPLIT_METHODS:
        r.problems.append(f"text_split_method must be one of {', '.join(SPLIT_METHODS)}, not {split!r}.")
    media = r.text("media_type", "wav").strip().lower() or "wav"
    if media not in TTS_MEDIA_TYPES:
        r.problems.append(f"media_type must be one of {', '.join(TTS_MEDIA_TYPES)}, not {media!r}.")
    params = dict(
        text=text, ref_audio_path=r.text("ref_audio_path").strip(), aux_ref_audio_paths=r.paths("aux_ref_audio_paths"),
        prompt_text=r.text("prompt_text"), top_k=r.number("top_k", 15, integer=True),
        top_p=r.number("top_p", 1.0), temperature=r.number("temperature", 1.0), text_split_method=split,
        speed_factor=r.number("speed_factor", 1.0), fragment_interval=r.number("fragment_interval", 0.3),
        seed=r.number("seed", -1, integer=True), media_type=media, streaming=_streaming(r),
        repetition_penalty=r.number("repetition_penalty", 1.35), noise_scale=r.number("noise_scale", 0.5),
        emphasis_strength=r.number("emphasis_strength", 1.0),
        voice=(r.text("voice") or r.text("voice_id")).strip(),
    )
    for name in ("batch_size", "batch_threshold", "sample_steps", "overlap_length", "min_chunk_length"):
        r.number(name, 0)  # accepted for compatibility; our engine decides batching itself
    for name in ("split_bucket", "parallel_infer", "super_sampling"):
        r.flag(name, False)
    languages = {}
    for name in ("text_lang", "prompt_lang"):
        raw = r.text(name).strip()
        languages[name] = ""
        if not raw:
            if name == "text_lang":
                r.problems.append("text_lang is required (zh, en, auto or all_zh).")
            continue
        try:
            languages[name] = map_language(raw, name)
        except ApiError as e:
            r.problems.append(str(e))
    if r.problems:
        raise ApiError(" ".join(r.problems))
    return TtsParams(text_lang=languages["text_lang"], prompt_lang=languages["prompt_lang"], **params)


def first_values(multi: dict) -> dict:
    """Query parameters as a dict: repeated keys become lists, single ones stay strings."""
    return {k: (v if len(v) > 1 else v[0]) for k, v in multi.items()}
