"""HTTP API: upstream api_v2 compatible routes plus voices, uploads and an OpenAI-style route.

``create_app(settings, options)`` builds the FastAPI app; ``python -m gpt_sovits serve`` runs it.
Names are imported lazily so that importing this package loads neither FastAPI nor torch.
"""

from __future__ import annotations

_EXPORTS = {
    "create_app": "gpt_sovits.api.app",
    "ApiOptions": "gpt_sovits.api.options",
    "EngineHost": "gpt_sovits.api.queue",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'gpt_sovits.api' has no attribute {name!r}")


__all__ = list(_EXPORTS)
