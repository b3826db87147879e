"""``create_app``: the FastAPI application, for ``python -m gpt_sovits serve`` or mounting in the studio."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Match

from gpt_sovits.api.options import ApiOptions, default_model_paths
from gpt_sovits.api.routes_compat import add_compat_routes
from gpt_sovits.api.routes_ours import add_our_routes
from gpt_sovits.api.schemas import ApiError
from gpt_sovits.api.security import GuardMiddleware, shown_path
from gpt_sovits.api.service import ApiContext
from gpt_sovits.config import StudioSettings
from gpt_sovits.errors import StudioError, UnsafePathError, plain_line
from gpt_sovits.inference.engine import EngineHost, EngineLoader, engine_host

logger = logging.getLogger(__name__)


def create_app(settings: StudioSettings, options: ApiOptions | None = None, *,
               engine_loader: EngineLoader | None = None, shutdown: Callable[[], None] | None = None) -> FastAPI:
    """Build the API app. Nothing is loaded until the first request needs the models.

    ``engine_loader(gpt, sovits)`` builds the engine (default: the real Synthesizer); ``shutdown``
    is what ``/control?command=exit`` calls (None: exit is refused, as when mounted in the studio).
    Without a loader the app uses the process's engine host (shared with the studio and the CLI).
    """
    options = (options or ApiOptions()).validate()
    defaults = default_model_paths(settings, options)
    if engine_loader is not None:
        host = EngineHost(engine_loader, defaults, depth=options.max_waiting)
    else:
        host = engine_host()
        host.configure(pretrained_dir=Path(settings.pretrained_dir), device=options.device,
                       precision=settings.precision)
        host.selected, host.depth = defaults, options.max_waiting
    ctx = ApiContext(settings, options, host, shutdown=shutdown)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        if engine_loader is not None:
            host.close()

    app = FastAPI(title="GPT-SoVITS Studio API", version="1", lifespan=lifespan,
                  docs_url="/docs", redoc_url=None)
    app.state.api = ctx
    _add_error_handlers(app)
    app.add_middleware(GuardMiddleware, options=options)
    if options.cors_origins:  # added last: outermost, so refusals carry CORS headers too
        app.add_middleware(CORSMiddleware, allow_origins=list(options.cors_origins),
                           allow_methods=["GET", "POST", "OPTIONS"],
                           allow_headers=["Authorization", "Content-Type"], allow_credentials=False)
    add_compat_routes(app, ctx)
    add_our_routes(app, ctx)
    return app


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on the request's path (a path may have one route per method)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods - {"HEAD"})


def http_error_message(request: Request, e: StarletteHTTPException) -> str:
    """Our words for the router's own refusals (unknown route, wrong method), in the ``{"message": ...}`` shape."""
    path = shown_path(request.url.path)
    if e.status_code == 404:
        return f"There is no route {path}; GET /docs lists the routes of this API."
    if e.status_code == 405:
        allowed = ", ".join(allowed_methods(request))
        return f"{request.method} is not allowed on {path}" + (f"; use {allowed}." if allowed else ".")
    return plain_line(e.detail)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, e: ApiError) -> JSONResponse:
        return JSONResponse({"message": plain_line(e)}, status_code=e.status, headers=e.headers)

    @app.exception_handler(UnsafePathError)
    async def unsafe_path(_request: Request, e: UnsafePathError) -> JSONResponse:
        return JSONResponse({"message": plain_line(e)}, status_code=403)

    @app.exception_handler(StudioError)
    async def studio_error(_request: Request, e: StudioError) -> JSONResponse:
        return JSONResponse({"message": plain_line(e)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, e: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(e, "headers", None) or {})
        if e.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse({"message": http_error_message(request, e)}, status_code=e.status_code,
                            headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, e: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, err.get('loc', ())))}: {err.get('msg')}" for err in e.errors())
        return JSONResponse({"message": problems or "invalid request"}, status_code=400)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, e: Exception) -> JSONResponse:
        logger.exception("Unexpected error while answering a request")
        return JSONResponse({"message": "Internal error; the server log has the details."}, status_code=500)
