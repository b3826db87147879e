"""Running a request through the engine host and answering with audio, whole or streamed."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response, StreamingResponse

from gpt_sovits.api.encode import CONTENT_TYPES, OPENAI_PCM_RATE_HZ, encode_audio, wav_stream_header
from gpt_sovits.api.schemas import ApiError
from gpt_sovits.config import QcSettings
from gpt_sovits.errors import StudioError, plain_line
from gpt_sovits.inference.engine import EngineHost
from gpt_sovits.inference.jobs import Job, JobCancelled, QueueFullError
from gpt_sovits.inference.request import OUTPUT_SAMPLE_RATE_HZ, SynthesisRequest, join_audio, to_int16

logger = logging.getLogger(__name__)

CHECKS_HEADER = "X-Take-Checks"


def message(text: str, status: int = 400, **extra) -> JSONResponse:
    """Upstream's error shape: ``{"message": ...}`` (plus any extra keys)."""
    return JSONResponse({"message": text, **extra}, status_code=status)


def tts_failed(error: Exception) -> JSONResponse:
    """An engine failure as upstream reports it (400, message and Exception)."""
    status = getattr(error, "status", 400)
    text = plain_line(error)
    return message(f"tts failed: {text}", status=status, Exception=text)


async def _resample_for(media_type: str, audio: np.ndarray, sr: int, openai_pcm: bool) -> tuple[np.ndarray, int]:
    if openai_pcm and media_type == "pcm" and sr != OPENAI_PCM_RATE_HZ:
        from gpt_sovits.audio.processing import resample

        return await run_in_threadpool(resample, audio, sr, OPENAI_PCM_RATE_HZ), OPENAI_PCM_RATE_HZ
    return audio, sr


def queue_synthesis(host: EngineHost, request: SynthesisRequest, models, delivery: str = "whole",
                    deadline_s: float | None = None) -> Job:
    """Put ``request`` in the engine's line; a full line is HTTP 503 with Retry-After."""
    try:
        return host.synthesize(request, models, delivery=delivery, deadline_s=deadline_s)
    except QueueFullError as e:
        raise ApiError(str(e), status=503, headers={"Retry-After": str(e.retry_after_s)}) from e


async def _chunks(host: EngineHost, job: Job):
    """The job's chunks; a job dropped after waiting past its deadline is HTTP 503 with Retry-After."""
    try:
        async for chunk in job:
            yield chunk
    except JobCancelled as e:
        raise ApiError(f"The server is busy: {e} Try again later.", status=503,
                       headers={"Retry-After": str(host.retry_after_s())}) from e


async def whole_audio(host: EngineHost, request: SynthesisRequest, models, media_type: str,
                      openai_pcm: bool = False, checks: QcSettings | None = None, deadline_s: float | None = None,
                      show_position: bool = False) -> Response:
    """Synthesize everything, then answer one encoded file. With ``checks`` (our routes only; the
    upstream-compatible answers stay as they are) the take checks' summary is sent in X-Take-Checks;
    with ``show_position`` (ours too) X-Queue-Position tells how many requests were ahead of this one."""
    chunks, sr = [], OUTPUT_SAMPLE_RATE_HZ
    job = queue_synthesis(host, request, models, deadline_s=deadline_s)
    position = job.position
    async for chunk in _chunks(host, job):
        chunks.append(chunk)
        sr = chunk.sample_rate
    pieces = [c.audio for c in chunks]
    headers = {}
    if checks is not None and checks.enabled and chunks:
        headers[CHECKS_HEADER] = await run_in_threadpool(take_checks_header, chunks, request, checks)
    audio = join_audio(pieces)
    if audio.size == 0:
        raise ApiError("tts failed: the text produced no audio (is it only punctuation?).")
    audio, sr = await _resample_for(media_type, audio, sr, openai_pcm)
    data = await run_in_threadpool(encode_audio, audio, sr, media_type)
    if show_position:
        headers["X-Queue-Position"] = str(position or 0)
    return Response(data, media_type=CONTENT_TYPES[media_type], headers={"X-Sample-Rate": str(sr), **headers})


def take_checks_header(chunks: list, request: SynthesisRequest, settings: QcSettings) -> str:
    """Compact ASCII JSON of the take checks of ``chunks``: {"passed", "checked", "flagged": [{"piece", "reasons"}]}."""
    import json

    from gpt_sovits.qc.pieces import check_chunks, checks_summary

    return json.dumps(checks_summary(check_chunks(chunks, request, settings)), separators=(",", ":"))


async def streamed_audio(host: EngineHost, request: SynthesisRequest, models, media_type: str,
                         deadline_s: float | None = None) -> Response:
    """Answer as the audio is made: a WAV header then raw int16 for wav (in parts while the GPT runs, the
    first after a fraction of a second), else one small file per piece (as upstream).

    The first part is awaited before answering, so errors found before synthesis (bad reference,
    bad text, model load failure) still become HTTP 400.
    """
    job = queue_synthesis(host, request, models, "parts" if media_type == "wav" else "pieces", deadline_s)
    pieces = _chunks(host, job)
    try:
        first = await pieces.__anext__()
    except StopAsyncIteration as e:
        raise ApiError("tts failed: the text produced no audio (is it only punctuation?).") from e

    async def body():
        try:
            chunk = first
            if media_type == "wav":
                yield wav_stream_header(chunk.sample_rate)
            while True:
                if media_type == "wav":
                    yield to_int16(chunk.audio).astype("<i2").tobytes()
                else:
                    yield await run_in_threadpool(encode_audio, chunk.audio, chunk.sample_rate, media_type)
                try:
                    chunk = await pieces.__anext__()
                except StopAsyncIteration:
                    return
        except StudioError as e:  # the status line is already sent: log and end the stream
            logger.error("Streaming stopped after a failure: %s", e)
        finally:
            await pieces.aclose()

    return StreamingResponse(body(), media_type=CONTENT_TYPES[media_type],
                             headers={"X-Sample-Rate": str(first.sample_rate)})


def relative_to_roots(path: Path, roots: list[Path]) -> str:
    """A path as the client may send it back: relative to the first root that holds it."""
    for root in roots:
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    return Path(path).name
