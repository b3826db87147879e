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
import re
from collections.abc import Sequence
from pathlib import Path

from gpt_sovits.api.options import ApiOptions
from gpt_sovits.api.schemas import ApiError
from gpt_sovits.config import MODEL_SUFFIXES, is_loopback_host
from gpt_sovits.errors import UnsafePathError
from gpt_sovits.fileio import resolve_inside

logger = logging.getLogger(__name__)

MAX_PATH_CHARS = 1024  # well under every platform's limit once joined to the workspace folder
MAX_NAME_BYTES = 255  # one file or folder name (NAME_MAX on Linux and macOS)


def shown_path(raw: str, limit: int = 80) -> str:
    """A client's path as messages quote it: repr, cut to ``limit`` characters."""
    return repr(raw if len(raw) <= limit else raw[: limit - 3] + "...")


def check_path_length(raw: str, what: str = "file") -> None:
    """ApiError 400 for a path longer than any file system takes (whole path or one name in it)."""
    if len(raw) > MAX_PATH_CHARS:
        raise ApiError(f"The {what} path is {len(raw)} characters long; a path may have at most {MAX_PATH_CHARS}.")
    for part in re.split(r"[\\/]", raw):
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > MAX_NAME_BYTES:
            raise ApiError(f"The {what} path has a name of {size} bytes ({shown_path(part, 40)}); a file or folder "
                           f"name may have at most {MAX_NAME_BYTES}.")


def resolve_client_path(raw: str, roots: Sequence[Path], what: str = "file") -> Path:
    """Resolve a client's path to an existing file inside ``roots`` (relative: tried against each root in order).

    Raises ApiError 403 for anything that escapes the roots (``..``, absolute paths elsewhere,
    symbolic links out, NTFS streams) and 400 when the file does not exist or the path cannot be a file
    name at all (too long, a home folder that does not exist).
    """
    raw = (raw or "").strip()
    if not raw:
        raise ApiError(f"The {what} path is empty.")
    check_path_length(raw, what)
    try:
        if os.path.isabs(raw) or Path(raw).expanduser().is_absolute():
            candidates = [resolve_inside(raw, roots)]
        else:
            candidates = [resolve_inside(raw, [root]) for root in roots]
        found = next((candidate for candidate in candidates if candidate.is_file()), None)
    except UnsafePathError as e:
        logger.warning("Refused a %s path outside the allowed folders: %s", what, shown_path(raw))
        raise ApiError(f"The {what} path {shown_path(raw)} is not allowed: only files inside the workspace or the "
                       "pretrained folder can be used.", status=403) from e
    except (OSError, RuntimeError, ValueError) as e:  # too long once joined to a root, "~nobody", ...
        reason = e.strerror if isinstance(e, OSError) and e.strerror else "it is not a usable file name"
        raise ApiError(f"The {what} path {shown_path(raw)} cannot be used: {reason.lower()}.") from e
    if found is None:
        raise ApiError(f"The {what} {shown_path(raw)} does not exist in the workspace or the pretrained folder.")
    return found


def resolve_model_path(raw: str, roots: Sequence[Path], kind: str) -> Path:
    """A GPT (``kind='gpt'``) or SoVITS model file inside ``roots`` with a model file suffix."""
    path = resolve_client_path(raw, roots, f"{kind.upper() if kind == 'gpt' else 'SoVITS'} weights")
    if path.suffix.lower() not in MODEL_SUFFIXES[kind]:
        raise ApiError(f"{shown_path(raw)} is not a {kind} model file (expected {' or '.join(MODEL_SUFFIXES[kind])}).")
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
        url_bytes = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string", b""))
        if url_bytes > opts.max_url_bytes:
            return 414, (f"The URL is {url_bytes:,} bytes long; this server accepts at most {opts.max_url_bytes:,} "
                         "(send long texts in a POST body).")
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
