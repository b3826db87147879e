"""Settings of the HTTP API that the studio settings do not cover (token, CORS, limits, default models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gpt_sovits.config import DEFAULT_API_PORT, StudioSettings, is_loopback_host
from gpt_sovits.errors import ConfigError
from gpt_sovits.inference.request import MAX_TEXT_CHARS  # the studio's limit too

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_BODY_BYTES = MAX_UPLOAD_BYTES + 256 * 1024  # an upload plus the form fields around it
MAX_WAITING = 256  # requests waiting for the engine; one more is answered 503 with Retry-After
QUEUE_DEADLINE_S = 600.0  # a request still waiting after this long is answered 503
MAX_URL_BYTES = 256 * 1024  # a GET /tts of 20,000 Chinese characters, percent-encoded, is about 180 KB
MIN_TOKEN_CHARS = 8
UPLOADS_FOLDER = ".api_uploads"  # a leading dot: never a valid voice name, so never mistaken for a voice


@dataclass(frozen=True)
class ApiOptions:
    """How the API serves: who may call it and what it loads by default.

    ``gpt_path`` / ``sovits_path`` are the models used until a client swaps them (None: the
    defaults of ``version`` inside the pretrained folder). ``token`` None means no
    authentication, which is only allowed on a loopback address; ``/control`` is then off.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_API_PORT
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    version: str = "v2"
    gpt_path: Path | None = None
    sovits_path: Path | None = None
    device: str = "auto"
    max_text_chars: int = MAX_TEXT_CHARS
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_body_bytes: int = MAX_BODY_BYTES
    max_url_bytes: int = MAX_URL_BYTES
    max_waiting: int = MAX_WAITING
    queue_deadline_s: float | None = QUEUE_DEADLINE_S
    check_host_header: bool = True
    extra_loopback_hosts: tuple[str, ...] = field(default_factory=tuple)

    def validate(self) -> ApiOptions:
        """Return self when usable; otherwise ConfigError naming every problem."""
        problems = []
        if not 1 <= int(self.port) <= 65535:
            problems.append(f"port must be between 1 and 65535, not {self.port}.")
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            problems.append(f"The token must be at least {MIN_TOKEN_CHARS} characters long.")
        if self.token is None and not is_loopback_host(self.host):
            problems.append(
                f"Serving on {self.host!r} makes the API reachable from other computers; start it with "
                "--token SECRET (clients then send 'Authorization: Bearer SECRET'), or bind 127.0.0.1."
            )
        for origin in self.cors_origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                problems.append(f"CORS origin {origin!r} must be a full origin such as http://localhost:8000.")
        if self.max_waiting < 1:
            problems.append("max_waiting must be at least 1.")
        if self.queue_deadline_s is not None and not self.queue_deadline_s > 0:
            problems.append("queue_deadline_s must be a positive number of seconds.")
        if problems:
            raise ConfigError(problems)
        return self


def default_model_paths(settings: StudioSettings, options: ApiOptions) -> tuple[Path, Path]:
    """The (GPT, SoVITS) files to load first: the ones given, else the version's pretrained defaults."""
    from gpt_sovits.pretrained import ROLE_GPT, ROLE_SOVITS, assets_for

    gpt, sovits = options.gpt_path, options.sovits_path
    for asset in assets_for(options.version):
        if gpt is None and asset.role == ROLE_GPT:
            gpt = Path(settings.pretrained_dir) / asset.path
        if sovits is None and asset.role == ROLE_SOVITS:
            sovits = Path(settings.pretrained_dir) / asset.path
    if gpt is None or sovits is None:
        raise ConfigError(f"Model version {options.version} has no default GPT/SoVITS files; give --gpt and --sovits.")
    return Path(gpt), Path(sovits)
