"""The API's shared state and the step from parsed parameters to a SynthesisRequest.

Voices (workspace folders) stand in for server paths: a voice's voice.json may name its
reference clip, transcript, language and models. Every path from a client or a voice.json is
resolved inside the workspace or the pretrained folder.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.api.options import UPLOADS_FOLDER, ApiOptions
from gpt_sovits.api.schemas import ApiError, TtsParams
from gpt_sovits.api.security import resolve_client_path, resolve_model_path, shown_path
from gpt_sovits.config import StudioSettings
from gpt_sovits.data.workspace import Voice, Workspace
from gpt_sovits.errors import ConfigError, StudioError, TextError
from gpt_sovits.inference.engine import EngineHost
from gpt_sovits.inference.request import SynthesisRequest
from gpt_sovits.text.language import LANGUAGES

logger = logging.getLogger(__name__)

MAX_REFERENCE_S = 60.0
KEEP_UPLOADS = 200
BRACKETS_RE = re.compile(r"\[.*?\]")


@dataclass
class ApiContext:
    """Everything the routes share: settings, the engine host, the workspace, the preset reference."""

    settings: StudioSettings
    options: ApiOptions
    host: EngineHost
    shutdown: Callable[[], None] | None = None
    default_reference: Path | None = None
    workspace: Workspace = field(init=False)

    def __post_init__(self) -> None:
        self.workspace = Workspace(self.settings.workspace_dir)

    @property
    def roots(self) -> list[Path]:
        """Folders client paths may point into, in the order relative paths are tried."""
        return [Path(self.settings.workspace_dir).resolve(), Path(self.settings.pretrained_dir).resolve()]

    @property
    def uploads_dir(self) -> Path:
        return Path(self.settings.workspace_dir).resolve() / UPLOADS_FOLDER


def open_voice(ctx: ApiContext, name: str) -> Voice:
    """An existing voice whose owner confirmed consent (ApiError 404/403 otherwise)."""
    try:
        voice = ctx.workspace.voice(name)
    except StudioError as e:
        raise ApiError(f"Unknown voice {shown_path(name)}; GET /voices lists the voices of this server.", status=404) from e
    try:
        voice.require_consent("speaking with")
    except StudioError as e:
        raise ApiError(str(e), status=403) from e
    return voice


def voice_summary(voice: Voice) -> dict:
    """What GET /voices tells about a voice (no server paths)."""
    ref = voice.reference
    return {"id": voice.name, "name": voice.name, "has_reference": ref is not None,
            "reference_text": ref.text if ref else "", "language": ref.language if ref else "",
            "has_models": voice.models.chosen, "consent": voice.has_consent}


def _voice_parts(ctx: ApiContext, voice: Voice) -> tuple[Path, str, str, tuple[Path | None, Path | None]]:
    ref = voice.reference
    if ref is None:
        raise ApiError(f"Voice {voice.name!r} has no reference clip yet; choose one in the studio first.")
    audio = resolve_client_path(ref.audio, [voice.root, ctx.roots[0]], "reference audio")
    models = voice.models
    model_roots = [voice.root, *ctx.roots]
    gpt = resolve_model_path(models.gpt, model_roots, "gpt") if models.gpt else None
    sovits = resolve_model_path(models.sovits, model_roots, "sovits") if models.sovits else None
    return audio, ref.text, ref.language, (gpt, sovits)


def _alias_voice(ctx: ApiContext, raw_path: str) -> Voice | None:
    """SillyTavern names its reference './参考音频/<voice id>.wav': map that to a voice when one exists."""
    stem = Path(raw_path.replace("\\", "/")).stem
    if stem in ctx.workspace.list_voices():
        return open_voice(ctx, stem)
    return None


def build_request(ctx: ApiContext, p: TtsParams) -> tuple[SynthesisRequest, tuple[Path | None, Path | None] | None]:
    """Parsed /tts parameters -> a validated SynthesisRequest and the models it needs (None: the selected)."""
    voice = open_voice(ctx, p.voice) if p.voice else None
    if voice is None and p.ref_audio_path:
        try:
            ref_audio = resolve_client_path(p.ref_audio_path, ctx.roots, "reference audio")
        except ApiError as e:
            voice = _alias_voice(ctx, p.ref_audio_path) if e.status == 400 else None
            if voice is None:
                raise
    models = None
    prompt_text, prompt_lang = p.prompt_text, p.prompt_lang
    if voice is not None:
        ref_audio, voice_text, voice_lang, models = _voice_parts(ctx, voice)
        voice_lang = voice_lang if voice_lang in LANGUAGES else "auto"
        if not prompt_text.strip() or BRACKETS_RE.sub("", prompt_text).strip() == voice.name:
            prompt_text = voice_text  # SillyTavern sends the voice id as the prompt text
            prompt_lang = voice_lang
        prompt_lang = prompt_lang or voice_lang
    elif not p.ref_audio_path:
        if ctx.default_reference is None:
            raise ApiError("ref_audio_path is required (or voice=<id> from GET /voices, or an uploaded clip).")
        ref_audio = ctx.default_reference
    aux = tuple(resolve_client_path(a, ctx.roots, "aux reference audio") for a in p.aux_ref_audio_paths)
    request = SynthesisRequest(
        text=p.text, ref_audio=ref_audio, language=p.text_lang, ref_text=prompt_text,
        ref_language=prompt_lang or "auto", aux_ref_audio=aux, top_k=p.top_k, top_p=p.top_p,
        temperature=p.temperature, repetition_penalty=p.repetition_penalty, speed=p.speed_factor, seed=p.seed,
        cut_method=p.text_split_method, fragment_interval_s=p.fragment_interval, noise_scale=p.noise_scale,
        emphasis_strength=p.emphasis_strength,
    )
    try:
        return request.validate(), models
    except (ConfigError, TextError) as e:
        raise ApiError(str(e)) from e


def save_upload(ctx: ApiContext, data: bytes, original_name: str = "") -> Path:
    """Check that ``data`` is audio and store it as a WAV under a generated name in the uploads folder."""
    from gpt_sovits.audio.io import load_audio, save_wav
    from gpt_sovits.fileio import write_bytes_atomic

    if len(data) > ctx.options.max_upload_bytes:
        raise ApiError(f"The uploaded file is larger than {ctx.options.max_upload_bytes // (1024 * 1024)} MB.",
                       status=413)
    if not data:
        raise ApiError("The uploaded file is empty.")
    folder = ctx.uploads_dir
    name = uuid.uuid4().hex
    suffix = Path(original_name).suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,7}", suffix) else ""
    raw = folder / f".{name}{suffix}.incoming"  # never the client's name: only its extension, checked
    write_bytes_atomic(raw, data)
    try:
        audio, sr = load_audio(raw, max_duration_s=MAX_REFERENCE_S)
    except StudioError as e:
        raise ApiError(f"The uploaded file is not usable audio: {e}") from e
    finally:
        raw.unlink(missing_ok=True)
    target = folder / f"{name}.wav"
    save_wav(target, audio, sr)
    _prune_uploads(folder)
    return target


def _prune_uploads(folder: Path) -> None:
    files = sorted(folder.glob("*.wav"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP_UPLOADS]:
        old.unlink(missing_ok=True)
