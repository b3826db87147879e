"""Serving the API with uvicorn: limits that answer in JSON, like every other refusal of the API.

A request line or header block too large for the parser never reaches the application, so the
parser's own refusal is replaced by a JSON ``{"message": ...}``. Its limit is set above the URL
limit the application enforces (``ApiOptions.max_url_bytes``, answered 414), so a long URL within
it gets the application's precise answer and a larger one this short one.
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_LIMIT_BYTES = 1024 * 1024 + 64 * 1024  # the request line and headers together
TOO_LARGE_MESSAGE = ("The request could not be read: it is malformed, or its URL and headers are larger than "
                     f"{HEADER_LIMIT_BYTES // 1024} KB (send long texts in a POST body).")


class JsonH11Protocol(H11Protocol):
    """uvicorn's h11 protocol whose refusal of an unreadable request is JSON (status 400)."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"message": TOO_LARGE_MESSAGE}).encode("utf-8")
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers), h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def server_config(app, host: str, port: int):
    """The uvicorn configuration of ``python -m gpt_sovits serve`` (one worker, JSON refusals)."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, workers=1, log_config=None, server_header=False,
                          proxy_headers=False, http=JsonH11Protocol, h11_max_incomplete_event_size=HEADER_LIMIT_BYTES)
