"""What keeps the API from reading files, running code or serving strangers.

- every path from a client is resolved and must stay inside the workspace or pretrained folder;
- a token (when set) is compared in constant time, from ``Authorization: Bearer`` or ``?token=``;
- without a token, only requests addressed to a loopback host name are served (DNS rebinding);
- request bodies are capped before they are read into memory.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from gpt_sovits.api.options import ApiOptions
from gpt_sovits.api.schemas import ApiError
from gpt_sovits.config import is_loopback_host
from gpt_sovits.errors import UnsafePathError
from gpt_sovits.fileio import resolve_inside

logger = logging.getLogger(__name__)

MODEL_SUFFIXES = {"gpt": (".ckpt", ".safetensors"), "sovits": (".pth", ".safetensors")}


def resolve_client_path(raw: str, roots: Sequence[Path], what: str = "file") -> Path:
    """Resolve a client's path to an existing file inside ``roots`` (relative: tried against each root in order).

    Raises ApiError 403 for anything that escapes the roots (``..``, absolute paths elsewhere,
    symbolic links out, NTFS streams) and 400 when the file does not exist.
    """
    raw = (raw or "").strip()
    if not raw:
        raise ApiError(f"The {what} path is empty.")
    try:
        if os.path.isabs(raw) or Path(raw).expanduser().is_absolute():
            candidates = [resolve_inside(raw, roots)]
        else:
            candidates = [resolve_inside(raw, [root]) for root in roots]
    except UnsafePathError as e:
        logger.warning("Refused a %s path outside the allowed folders: %r", what, raw)
        raise ApiError(f"The {what} path {raw!r} is not allowed: only files inside the workspace or the "
                       "pretrained folder can be used.", status=403) from e
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ApiError(f"The {what} {raw!r} does not exist in the workspace or the pretrained folder.")


def resolve_model_path(raw: str, roots: Sequence[Path], kind: str) -> Path:
    """A GPT (``kind='gpt'``) or SoVITS model file inside ``roots`` with a model file suffix."""
    path = resolve_client_path(raw, roots, f"{kind.upper() if kind == 'gpt' else 'SoVITS'} weights")
    if path.suffix.lower() not in MODEL_SUFFIXES[kind]:
        raise ApiError(f"{raw!r} is not a {kind} model file (expected {' or '.join(MODEL_SUFFIXES[kind])}).")
    return path


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented token with the server's."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _presented_token(scope: dict) -> str | None:
    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization", b"").decode("latin-1").strip()
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[-1] if values else None


def _host_name(scope: dict) -> str:
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class GuardMiddleware:
    """ASGI middleware: host check, token check and body size cap, answering JSON ``{"message": ...}``."""

    def __init__(self, app, options: ApiOptions):
        self.app = app
        self.options = options

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _send_json(send, *refusal)
            return
        await self.app(scope, self._capped(receive, send), send)

    def _refusal(self, scope: dict) -> tuple[int, str] | None:
        opts = self.options
        host = _host_name(scope)
        if opts.token is None and opts.check_host_header:
            if not (is_loopback_host(host) or host in opts.extra_loopback_hosts):
                return 403, (f"Host {host!r} is not served: without a token this API only answers requests "
                             "addressed to localhost or 127.0.0.1.")
        if opts.token is not None and scope.get("method") != "OPTIONS":
            if not token_matches(_presented_token(scope), opts.token):
                return 401, "A valid token is required: send 'Authorization: Bearer TOKEN' or add ?token=TOKEN."
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > opts.max_body_bytes
            except ValueError:
                return 400, "The Content-Length header is not a number."
            if too_big:
                return 413, f"The request body is larger than {opts.max_body_bytes // (1024 * 1024)} MB."
        return None

    def _capped(self, receive, send):
        limit = self.options.max_body_bytes
        seen = 0

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(f"The request body is larger than {limit // (1024 * 1024)} MB.", status=413)
            return message

        return capped_receive


async def _send_json(send, status: int, message: str) -> None:
    body = json.dumps({"message": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
