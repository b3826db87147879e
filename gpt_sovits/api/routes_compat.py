"""Upstream api_v2's routes (/tts, /set_*_weights, /set_refer_audio, /control) and SillyTavern's (/speakers, POST /)."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from gpt_sovits.api.docs import add_documented_route
from gpt_sovits.api.encode import check_media_type
from gpt_sovits.api.responses import message, relative_to_roots, streamed_audio, tts_failed, whole_audio
from gpt_sovits.api.schemas import (
    TTS_MEDIA_TYPES,
    ApiError,
    ControlRequest,
    ReferRequest,
    TtsRequest,
    WeightsRequest,
    last_values,
    parse,
    parse_tts_params,
)
from gpt_sovits.api.security import resolve_client_path, resolve_model_path
from gpt_sovits.api.service import ApiContext, build_request, save_upload, voice_summary
from gpt_sovits.errors import StudioError, plain_line

logger = logging.getLogger(__name__)

UPLOAD_FIELDS = ("ref_audio", "ref_audio_file", "file", "audio")


def query_dict(request: Request) -> dict:
    """Query parameters; a repeated aux_ref_audio_paths becomes a list, other repeated names keep the last."""
    grouped: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        grouped.setdefault(key, []).append(value)
    grouped.pop("token", None)
    return last_values(grouped)


async def request_data(ctx: ApiContext, request: Request) -> dict:
    """Query parameters merged with a JSON or form body; an uploaded clip becomes ``ref_audio_path``."""
    data = query_dict(request)
    if request.method == "GET":
        return data
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=4, max_fields=100)
        try:
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    if key in UPLOAD_FIELDS:
                        blob = await value.read(ctx.options.max_upload_bytes + 1)
                        saved = save_upload(ctx, blob, value.filename or "")
                        data["ref_audio_path"] = relative_to_roots(saved, ctx.roots)
                elif key in data and key == "aux_ref_audio_paths":
                    data[key] = [*(data[key] if isinstance(data[key], list) else [data[key]]), value]
                else:
                    data[key] = value
        finally:
            await form.close()
        return data
    raw = await request.body()
    if not raw.strip():
        return data
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise ApiError(f"The request body is not valid JSON: {e}") from e
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object of parameters.")
    data.update(body)
    return data


async def run_tts(ctx: ApiContext, data: dict) -> Response:
    """Parse, validate and synthesize one /tts request."""
    params = parse_tts_params(data, ctx.options.max_text_chars)
    check_media_type(params.media_type, TTS_MEDIA_TYPES)
    synthesis, models = build_request(ctx, params)
    try:
        if params.streaming:
            return await streamed_audio(ctx.host, synthesis, models, params.media_type, ctx.options.queue_deadline_s)
        return await whole_audio(ctx.host, synthesis, models, params.media_type,
                                 deadline_s=ctx.options.queue_deadline_s)
    except ApiError:
        raise
    except StudioError as e:
        return tts_failed(e)


async def _set_weights(ctx: ApiContext, request: Request, kind: str) -> JSONResponse:
    raw = parse(WeightsRequest, await request_data(ctx, request)).weights_path.strip()
    label = "gpt" if kind == "gpt" else "sovits"
    if not raw:
        return message(f"{label} weight path is required")
    path = resolve_model_path(raw, ctx.roots, kind)
    try:
        await ctx.host.select_models(gpt=path if kind == "gpt" else None,
                                     sovits=path if kind == "sovits" else None).wait()
    except ApiError:
        raise
    except StudioError as e:  # the file was refused or could not be read (a ModelError); the old models stay
        refusal = plain_line(e)
        logger.warning("Refused %s weights: %s", label, refusal)
        return message(f"change {label} weight failed", Exception=refusal)
    return JSONResponse({"message": "success"})


def add_compat_routes(app: FastAPI, ctx: ApiContext) -> None:
    """Register upstream's routes and SillyTavern's on ``app``."""

    async def tts(request: Request) -> Response:
        return await run_tts(ctx, await request_data(ctx, request))

    add_documented_route(app, "/tts", tts, TtsRequest, summary="Speak a text (upstream api_v2's /tts)")
    add_documented_route(app, "/", tts, TtsRequest, methods=("POST",), summary="Speak a text (SillyTavern)")

    @app.get("/speakers")
    async def speakers() -> list[dict]:
        names = []
        for name in ctx.workspace.list_voices():
            summary = voice_summary(ctx.workspace.voice(name))
            if summary["consent"] and summary["has_reference"]:
                names.append({"name": name, "voice_id": name})
        return names

    async def set_gpt_weights(request: Request) -> JSONResponse:
        return await _set_weights(ctx, request, "gpt")

    async def set_sovits_weights(request: Request) -> JSONResponse:
        return await _set_weights(ctx, request, "sovits")

    add_documented_route(app, "/set_gpt_weights", set_gpt_weights, WeightsRequest, summary="Load a GPT model")
    add_documented_route(app, "/set_sovits_weights", set_sovits_weights, WeightsRequest,
                         summary="Load a SoVITS model")

    async def set_refer_audio(request: Request) -> JSONResponse:
        asked = parse(ReferRequest, await request_data(ctx, request))
        raw = (asked.refer_audio_path or asked.ref_audio_path).strip()
        if not raw:
            return message("refer audio path is required")
        path = resolve_client_path(raw, ctx.roots, "reference audio")
        try:
            from gpt_sovits.audio.io import probe_audio

            probe_audio(path)
        except StudioError as e:
            return message("set refer audio failed", Exception=plain_line(e))
        ctx.default_reference = path
        return JSONResponse({"message": "success"})

    add_documented_route(app, "/set_refer_audio", set_refer_audio, ReferRequest, summary="Preset the reference clip")

    async def control(request: Request) -> JSONResponse:
        if ctx.options.token is None:
            return message("/control is disabled: start the server with --token to allow remote control.", 403)
        command = parse(ControlRequest, await request_data(ctx, request)).command.strip().lower()
        if not command:
            return message("command is required")
        if command == "exit":
            if ctx.shutdown is None:
                return message("exit is not available when the API runs inside the studio.")
            ctx.shutdown()
            return JSONResponse({"message": "shutting down"})
        if command == "restart":
            await ctx.host.select_models(force=True).wait()
            return JSONResponse({"message": "models reloaded"})
        return message(f"unknown command {plain_line(command, 40)!r}; use exit or restart")

    add_documented_route(app, "/control", control, ControlRequest, summary="Exit or reload the models")
