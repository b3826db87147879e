"""HTTP API: upstream api_v2 compatible routes plus voices, uploads and an OpenAI-style route.

``create_app(settings, options)`` builds the FastAPI app; ``python -m gpt_sovits serve`` runs it.
Names are imported lazily so that importing this package loads neither FastAPI nor torch.
"""

from __future__ import annotations

from gpt_sovits.lazy import lazy_getattr

_EXPORTS = {
    "create_app": "gpt_sovits.api.app",
    "ApiOptions": "gpt_sovits.api.options",
}

__getattr__ = lazy_getattr("gpt_sovits.api", _EXPORTS)

__all__ = list(_EXPORTS)
