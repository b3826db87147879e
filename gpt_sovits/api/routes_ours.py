"""Our routes on top of upstream's: voices, reference uploads, health, and OpenAI's /v1/audio/speech (whose
answer carries the take checks in the X-Take-Checks header)."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from starlette.responses import JSONResponse, Response

from gpt_sovits.api.docs import body_doc
from gpt_sovits.api.encode import check_media_type
from gpt_sovits.api.responses import relative_to_roots, whole_audio
from gpt_sovits.api.routes_compat import UPLOAD_FIELDS
from gpt_sovits.api.schemas import OPENAI_FORMATS, ApiError, SpeechRequest, parse_openai_speech
from gpt_sovits.api.service import ApiContext, build_request, save_upload, voice_summary
from gpt_sovits.errors import StudioError

UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "The clip (up to 60 s)."}}}}}}}


def openai_error(text: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    """OpenAI's error shape (``error.message``), with upstream's ``message`` beside it."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse({"error": {"message": text, "type": kind, "code": status}, "message": text},
                        status_code=status, headers=headers)


def add_our_routes(app: FastAPI, ctx: ApiContext) -> None:
    """Register /voices, /upload_ref_audio, /health and /v1/audio/speech on ``app``."""

    @app.get("/voices")
    async def voices() -> dict:
        return {"voices": [voice_summary(ctx.workspace.voice(name)) for name in ctx.workspace.list_voices()]}

    @app.get("/health")
    async def health() -> dict:
        loaded = ctx.host.loaded_models
        return {"status": "ok", "busy": ctx.host.busy, "waiting": ctx.host.waiting, "depth": ctx.host.depth,
                "models": [p.name for p in loaded] if loaded else None}

    @app.get("/queue")
    async def queue() -> dict:
        """The engine's line: what runs now and what waits, in the order it will run (no request contents)."""
        host = ctx.host
        lineup = [{"position": i, "job": job.name, "priority": job.priority} for i, job in enumerate(host.lineup())]
        return {"running": host.running, "waiting": len(lineup), "depth": host.depth,
                "retry_after_s": host.retry_after_s(), "lineup": lineup}

    @app.post("/upload_ref_audio", openapi_extra=UPLOAD_DOC, summary="Upload a reference clip")
    async def upload_ref_audio(request: Request) -> JSONResponse:
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            raise ApiError("Send the clip as multipart/form-data in a field named 'file'.")
        form = await request.form(max_files=1, max_fields=10)
        try:
            upload = next((v for k, v in form.multi_items() if k in UPLOAD_FIELDS and hasattr(v, "read")), None)
            if upload is None:
                raise ApiError("No file found: send the clip in a multipart field named 'file'.")
            saved = save_upload(ctx, await upload.read(ctx.options.max_upload_bytes + 1), upload.filename or "")
        finally:
            await form.close()
        return JSONResponse({"message": "success", "ref_audio_path": relative_to_roots(saved, ctx.roots)})

    @app.post("/v1/audio/speech", openapi_extra=body_doc(SpeechRequest, form=False),
              summary="Speak a text (OpenAI's speech route)", description=(SpeechRequest.__doc__ or "").strip())
    async def openai_speech(request: Request) -> Response:
        try:
            try:
                data = json.loads(await request.body() or b"{}")
            except ValueError as e:
                raise ApiError(f"The request body is not valid JSON: {e}") from e
            if not isinstance(data, dict):
                raise ApiError("The request body must be a JSON object.")
            params = parse_openai_speech(data, ctx.options.max_text_chars)
            check_media_type(params.media_type, OPENAI_FORMATS)
            synthesis, models = build_request(ctx, params)
            return await whole_audio(ctx.host, synthesis, models, params.media_type, openai_pcm=True,
                                     checks=ctx.settings.qc, deadline_s=ctx.options.queue_deadline_s,
                                     show_position=True)
        except ApiError as e:
            return openai_error(str(e), e.status, e.headers)
        except StudioError as e:
            return openai_error(str(e), 400)
