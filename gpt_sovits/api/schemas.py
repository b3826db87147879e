"""The API's requests as pydantic models: upstream api_v2's fields, read as leniently as its clients write them.

The models are what ``/docs`` shows and what parses every request (query, JSON or form, merged by the
routes). Clients send booleans as "true"/"True"/"1" (and "ture"), numbers as strings, empty values as "";
all of that is accepted (see ``fields``). What would hide a mistake is refused: a list where one value is
expected, ``batch_size=0``, ``prompt_text`` without ``prompt_lang``. Every problem found is reported at
once, as HTTP 400 ``{"message": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from gpt_sovits.api.fields import Flag, Integer, Number, Paths, Text, as_text, problems, refuse
from gpt_sovits.errors import StudioError
from gpt_sovits.text.language import LANGUAGES
from gpt_sovits.text.segmentation import SPLIT_METHODS

LANGUAGE_MAP = {code: code for code in LANGUAGES}  # upstream's codes for what we speak are ours
UNSUPPORTED_LANGUAGES = {
    "ja": "Japanese", "all_ja": "Japanese", "ko": "Korean", "all_ko": "Korean",
    "yue": "Cantonese", "all_yue": "Cantonese", "auto_yue": "Cantonese",
}
TTS_MEDIA_TYPES = ("wav", "raw", "ogg", "aac", "flac", "mp3")
OPENAI_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
LANGUAGE_HELP = "zh, en, auto or all_zh"


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


def map_language(value: str, field_name: str) -> str:
    """Upstream language code -> ours; ApiError for languages we do not speak yet."""
    code = (value or "").strip().lower().replace("-", "_")
    if code in LANGUAGE_MAP:
        return LANGUAGE_MAP[code]
    if code in UNSUPPORTED_LANGUAGES:
        raise ApiError(f"{field_name} {value!r}: {UNSUPPORTED_LANGUAGES[code]} is not supported by this server yet; "
                       f"use one of {', '.join(LANGUAGE_MAP)}.")
    raise ApiError(f"{field_name} {value!r} is not a known language; use one of {', '.join(LANGUAGE_MAP)}.")


def _language(value: str, name: str) -> str:
    try:
        return map_language(value, name)
    except ApiError as e:
        raise refuse(str(e)) from None


def _choice(value: str, name: str, choices: tuple[str, ...], default: str) -> str:
    word = value.strip().lower() or default
    if word not in choices:
        raise refuse(f"{name} must be one of {', '.join(choices)}, not {word!r}.")
    return word


def _required(value: str, info: ValidationInfo) -> str:
    if not value.strip():
        raise refuse(REQUIRED.get(info.field_name, f"{info.field_name} is required."))
    return value


def _spoken(value: str, info: ValidationInfo) -> str:
    limit = (info.context or {}).get("max_text_chars")
    if limit is not None and len(value) > limit:
        raise refuse(f"{info.field_name} is {len(value)} characters long; this server accepts at most {limit} "
                     "(longer texts: the audiobook workflow, `python -m gpt_sovits book`).")
    return value


RequiredText = Annotated[Text, AfterValidator(_required)]
SpokenText = Annotated[RequiredText, AfterValidator(_spoken)]
Language = Annotated[RequiredText, AfterValidator(lambda value, info: _language(value, info.field_name))]


class Lenient(BaseModel):
    """Unknown fields are ignored (upstream's clients send many); values are read by the ``fields`` types."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class TtsRequest(Lenient):
    """``/tts`` (GET query, POST JSON or form) and SillyTavern's ``POST /``: upstream api_v2's fields and ours."""

    text: SpokenText = Field(description="The text to speak (markup allowed: [emph]…[/emph], [pause:0.8], {字|zi4}).")
    text_lang: Language = Field(description=f"Language of the text: {LANGUAGE_HELP} (upstream's ja, ko and yue "
                                        "are refused with a message).")
    ref_audio_path: Text = Field("", description="Reference clip inside the workspace or pretrained folder "
                                                 "(relative paths are looked up there).")
    voice: Text = Field("", description="Ours: a voice of GET /voices instead of a reference path (it brings "
                                        "its clip, transcript, language and models).")
    voice_id: Text = Field("", description="Same as voice.")
    aux_ref_audio_paths: Paths = Field((), description="Extra reference clips whose timbre is averaged in.")
    prompt_text: Text = Field("", description="What the reference clip says; empty: prompt-free mode.")
    prompt_lang: Text = Field("", validate_default=True,
                              description="Language of prompt_text; required with prompt_text unless a voice "
                                          "supplies it.")
    top_k: Integer = Field(15, description="Sampling: keep the k most likely tokens.")
    top_p: Number = Field(1.0, description="Sampling: nucleus probability.")
    temperature: Number = Field(1.0, description="Sampling temperature.")
    text_split_method: Literal["cut0", "cut1", "cut2", "cut3", "cut4", "cut5", "auto"] = Field(
        "cut5", description="How the text is cut into pieces (upstream's cut0…cut5, or auto).")
    batch_size: Integer = Field(1, ge=1, description="Accepted for compatibility (at least 1); the engine batches "
                                                     "up to 4 pieces itself.")
    batch_threshold: Number = Field(0.75, ge=0, le=1, description="Accepted for compatibility.")
    split_bucket: Flag = Field(True, description="Accepted for compatibility.")
    speed_factor: Number = Field(1.0, description="Speaking speed (0.5 to 2).")
    fragment_interval: Number = Field(0.3, description="Seconds of silence between pieces.")
    seed: Integer = Field(-1, description="-1 for a random seed.")
    media_type: Literal["wav", "raw", "ogg", "aac", "flac", "mp3"] = Field("wav", description="Audio format.")
    streaming_mode: Flag = Field(False, description="false or 0: one file; true, 1, 2 or 3: stream it as it is "
                                                    "made (2 and 3 stream piece by piece, as 1).")
    parallel_infer: Flag = Field(True, description="Accepted for compatibility.")
    repetition_penalty: Number = Field(1.35, description="Penalty for repeated tokens.")
    sample_steps: Integer = Field(32, ge=1, description="Accepted for compatibility (v3/v4 models only).")
    super_sampling: Flag = Field(False, description="Accepted for compatibility (v3 models only).")
    overlap_length: Integer = Field(2, ge=0, description="Accepted for compatibility.")
    min_chunk_length: Integer = Field(16, ge=0, description="Accepted for compatibility.")
    noise_scale: Number = Field(0.5, description="Ours: SoVITS noise scale.")
    emphasis_strength: Number = Field(1.0, description="Ours: how strongly [emph] is rendered.")

    @field_validator("prompt_lang")
    @classmethod
    def _prompt_lang(cls, value: str, info: ValidationInfo) -> str:
        if value.strip():
            return _language(value, "prompt_lang")
        voice = info.data.get("voice") or info.data.get("voice_id")
        if str(info.data.get("prompt_text") or "").strip() and not voice:
            raise refuse(f"prompt_lang is required with prompt_text ({LANGUAGE_HELP}).")
        return ""

    @field_validator("text_split_method", "media_type", mode="before")
    @classmethod
    def _choices(cls, value, info: ValidationInfo) -> str:
        choices, default = {"text_split_method": (SPLIT_METHODS, "cut5"),
                            "media_type": (TTS_MEDIA_TYPES, "wav")}[info.field_name]
        return _choice(as_text(value, info.field_name), info.field_name, choices, default)

    @field_validator("streaming_mode", mode="before")
    @classmethod
    def _streaming(cls, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value in (0, 1, 2, 3):
            return value != 0
        if isinstance(value, str) and value.strip() in ("2", "3"):
            return True  # token-chunk modes: our engine streams piece by piece, which is mode 1
        return value

    def to_params(self) -> TtsParams:
        return TtsParams(
            text=self.text, text_lang=self.text_lang, ref_audio_path=self.ref_audio_path.strip(),
            aux_ref_audio_paths=self.aux_ref_audio_paths, prompt_text=self.prompt_text, prompt_lang=self.prompt_lang,
            top_k=self.top_k, top_p=self.top_p, temperature=self.temperature,
            text_split_method=self.text_split_method, speed_factor=self.speed_factor,
            fragment_interval=self.fragment_interval, seed=self.seed, media_type=self.media_type,
            streaming=bool(self.streaming_mode), repetition_penalty=self.repetition_penalty,
            noise_scale=self.noise_scale, emphasis_strength=self.emphasis_strength,
            voice=(self.voice or self.voice_id).strip(),
        )


class SpeechRequest(Lenient):
    """OpenAI's ``POST /v1/audio/speech`` body."""

    model: Text = Field("tts-1", description="Ignored (any name is accepted).")
    input: SpokenText = Field(description="The text to speak.")
    voice: RequiredText = Field(description="A voice of GET /voices.")
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = Field("mp3", description="Audio format.")
    speed: Number = Field(1.0, description="Speaking speed (0.5 to 2).")

    @field_validator("response_format", mode="before")
    @classmethod
    def _format(cls, value, info: ValidationInfo) -> str:
        return _choice(as_text(value, "response_format"), "response_format", OPENAI_FORMATS, "mp3")

    def to_params(self) -> TtsParams:
        return TtsParams(text=self.input, text_lang="auto", voice=self.voice.strip(), media_type=self.response_format,
                         speed_factor=self.speed, text_split_method="auto")


class WeightsRequest(Lenient):
    """``/set_gpt_weights`` and ``/set_sovits_weights``."""

    weights_path: Text = Field("", description="Model file inside the workspace or pretrained folder.")


class ReferRequest(Lenient):
    """``/set_refer_audio``: the reference used when a /tts request names none."""

    refer_audio_path: Text = Field("", description="Reference clip inside the workspace or pretrained folder.")
    ref_audio_path: Text = Field("", description="Same as refer_audio_path.")


class ControlRequest(Lenient):
    """``/control`` (needs the server's token)."""

    command: Text = Field("", description="exit or restart.")


REQUIRED = {"text": "text is required.", "text_lang": f"text_lang is required ({LANGUAGE_HELP}).",
            "input": "input is required.", "voice": "voice is required (GET /voices lists the voices of this server)."}


def parse(model: type[Lenient], data: dict, max_text_chars: int | None = None):
    """``data`` read by ``model``; ApiError naming every problem at once."""
    try:
        return model.model_validate(data, context={"max_text_chars": max_text_chars})
    except ValidationError as e:
        raise ApiError(" ".join(problems(e, REQUIRED))) from None


def parse_tts_params(data: dict, max_text_chars: int) -> TtsParams:
    """Parse upstream /tts fields from a query or JSON dict; ApiError listing every problem."""
    return parse(TtsRequest, data, max_text_chars).to_params()


def parse_openai_speech(data: dict, max_text_chars: int) -> TtsParams:
    """OpenAI's speech body (model, input, voice, response_format, speed) -> TtsParams."""
    return parse(SpeechRequest, data, max_text_chars).to_params()


def last_values(multi: dict[str, list[str]], lists: tuple[str, ...] = ("aux_ref_audio_paths",)) -> dict:
    """Query parameters as a dict: a repeated name keeps its last value (as upstream's FastAPI query
    parameters do), except the list-valued names in ``lists``, which keep every value."""
    return {k: (v if k in lists and len(v) > 1 else v[-1]) for k, v in multi.items()}
