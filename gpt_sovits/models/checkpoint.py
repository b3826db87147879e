"""SoVITS checkpoints: upstream GPT-SoVITS files in and out, and our native format.

Upstream files are ``torch.save`` zip archives, sometimes with the first two
bytes replaced by a version code ("00".."06"), holding a dict with ``weight``,
``config`` (a pickled ``utils.HParams`` object) and ``info``. They are read
without ever running pickled code: the archive's pickle is first scanned and
refused (UnsafeCheckpointError) if it names any global outside a short
allow-list, then loaded by torch's weights-only unpickler with one extra safe
class, our :class:`UpstreamHParams`, standing in for ``utils.HParams``.

Exports reproduce upstream's layout byte-for-byte where it matters: keys
``weight``/``config``/``info``, float16 tensors, no ``enc_q``, the config pickled
as ``utils.HParams``, and the header code "05"/"06" for v2Pro/v2ProPlus.
"""

from __future__ import annotations

import io
import logging
import pickle
import pickletools
import threading
import types
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from gpt_sovits.errors import CheckpointError, ModelNotFoundError, UnsafeCheckpointError
from gpt_sovits.models.native import NATIVE_SUFFIX, NativeCheckpoint, load_native, save_native
from gpt_sovits.models.sovits.builder import build_discriminator, build_sovits
from gpt_sovits.models.sovits.config import SoVITSConfig, make_config, to_upstream_config
from gpt_sovits.models.sovits.detect import HEADER_CODES, detect_sovits_version, infer_model_settings
from gpt_sovits.models.sovits.discriminator import PERIODS_PRO, PERIODS_V2, MultiPeriodDiscriminator
from gpt_sovits.models.sovits.model import SoVITSGenerator

logger = logging.getLogger(__name__)

__all__ = [
    "ImportedSoVITS",
    "UpstreamHParams",
    "build_sovits",
    "export_sovits_discriminator_upstream",
    "export_sovits_upstream",
    "import_sovits",
    "load_sovits",
    "load_sovits_discriminator",
    "pickle_globals",
    "read_upstream_archive",
    "save_sovits_native",
    "write_random_sovits_pretrained",
    "write_upstream_archive",
]

_STORAGES = ("Half", "Float", "Double", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")
ALLOWED_GLOBALS = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "utils.HParams",
        *(f"torch.{name}Storage" for name in _STORAGES),
    }
)
_LOAD_LOCK = threading.Lock()
_KNOWN_VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")
_PRO_HEADERS = {"v2Pro": b"05", "v2ProPlus": b"06"}


class UpstreamHParams:
    """Harmless stand-in for upstream's ``utils.HParams``: an attribute bag, nested for sections."""

    def __init__(self, **entries: Any):
        for key, value in entries.items():
            setattr(self, key, UpstreamHParams(**value) if isinstance(value, dict) else value)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __contains__(self, key: str) -> bool:
        return key in self.__dict__

    def keys(self):
        return self.__dict__.keys()

    def to_dict(self) -> dict:
        """Plain nested dicts."""
        return {k: v.to_dict() if isinstance(v, UpstreamHParams) else v for k, v in self.__dict__.items()}

    def __repr__(self) -> str:
        return f"HParams({self.__dict__!r})"


# ----- reading upstream archives -------------------------------------------------------------
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
_TRANSPARENT_OPS = {"MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "FRAME", "PROTO"}


def pickle_globals(data: bytes) -> list[str]:
    """Every global (``module.name``) a pickle would import, found without unpickling it.

    A global whose name cannot be determined statically is reported as ``<unresolved>``.
    """
    found: list[str] = []
    memo: dict[int, str | None] = {}
    recent: list[str | None] = []  # values of recent pushes (str for string pushes, else None)
    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name in ("GLOBAL", "INST"):
            found.append(str(arg).replace(" ", "."))
        elif name == "STACK_GLOBAL":
            ok = len(recent) >= 2 and recent[-1] is not None and recent[-2] is not None
            found.append(f"{recent[-2]}.{recent[-1]}" if ok else "<unresolved>")
        elif name.startswith("EXT"):
            found.append("<unresolved>")
        if name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[int(arg)] = recent[-1] if recent else None
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            recent.append(memo.get(int(arg)))
        elif name in _STRING_OPS:
            recent.append(str(arg))
        elif name not in _TRANSPARENT_OPS:
            recent.append(None)
    return found


def _refuse_forbidden(referenced: list[str], name: str) -> None:
    forbidden = sorted(set(referenced) - ALLOWED_GLOBALS)
    if forbidden:
        raise UnsafeCheckpointError(
            f"refusing to load {name}: it references {', '.join(forbidden)}, which could run code when "
            "loaded. Only plain GPT-SoVITS model files are accepted; do not use files from untrusted sources."
        )


def _refuse_if_code(raw: bytes, name: str) -> None:
    """A bare pickle stream (not a zip) is never loaded, but one that imports code is named as unsafe."""
    try:
        referenced = pickle_globals(raw)
    except (ValueError, IndexError, KeyError, TypeError):
        return  # not a pickle at all
    _refuse_forbidden(referenced, name)


def _archive_bytes(path: Path) -> tuple[bytes, bytes | None]:
    """File bytes with "PK" restored, and the header code that replaced it (None for plain files)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise ModelNotFoundError(f"model file not found: {path}") from e
    except OSError as e:
        raise CheckpointError(f"cannot read {path.name}: {e}") from e
    header = raw[:2]
    if header in HEADER_CODES and raw[2:4] == b"\x03\x04":
        return b"PK" + raw[2:], header
    if raw[:4] != b"PK\x03\x04":
        _refuse_if_code(raw, path.name)
        raise CheckpointError(
            f"{path.name} is not a PyTorch checkpoint archive (it does not start with a zip or GPT-SoVITS "
            "version header); expected a .pth/.ckpt file saved by GPT-SoVITS or a .safetensors file from this studio"
        )
    return raw, None


def _data_pickle(data: bytes, name: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if m.endswith("/data.pkl") and m.count("/") == 1]
            if len(members) != 1:
                raise CheckpointError(f"{name} is a zip file but not a PyTorch checkpoint (no single data.pkl)")
            return archive.read(members[0])
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CheckpointError(f"{name} is damaged or truncated: {e}") from e


def read_upstream_archive(path: Path) -> tuple[Any, bytes | None]:
    """Safely load a GPT-SoVITS .pth/.ckpt: (top-level object, header code or None).

    Raises UnsafeCheckpointError (nothing is executed) when the pickle names a global
    outside the allow-list, CheckpointError for anything that is not a readable archive.
    """
    path = Path(path)
    data, header = _archive_bytes(path)
    try:
        referenced = pickle_globals(_data_pickle(data, path.name))
    except (ValueError, IndexError, KeyError) as e:
        raise CheckpointError(f"{path.name} has a damaged pickle stream: {e}") from e
    _refuse_forbidden(referenced, path.name)
    try:
        # The allow-list entry is process-wide while it exists; the lock keeps concurrent loads
        # from removing it under each other.
        with _LOAD_LOCK, torch.serialization.safe_globals([(UpstreamHParams, "utils.HParams")]):
            obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise UnsafeCheckpointError(f"refusing to load {path.name}: {e}") from e
    except (RuntimeError, ValueError, EOFError, OSError) as e:
        raise CheckpointError(f"{path.name} could not be read as a PyTorch checkpoint: {e}") from e
    return obj, header


# ----- writing upstream archives -------------------------------------------------------------
class _UpstreamPickler(pickle._Pickler):
    """Pickler that writes our UpstreamHParams class as the global ``utils.HParams``."""

    def save_global(self, obj, name=None):
        if obj is UpstreamHParams:
            if self.proto >= 4:
                self.save("utils")
                self.save("HParams")
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + b"utils\nHParams\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


_PICKLE_MODULE = types.SimpleNamespace(Pickler=_UpstreamPickler, __name__="gpt_sovits_upstream_pickle")


def write_upstream_archive(obj: Any, path: Path, header: bytes | None = None) -> None:
    """torch.save ``obj`` (UpstreamHParams pickled as utils.HParams), optionally with a 2-byte header."""
    from gpt_sovits.fileio import write_bytes_atomic

    buffer = io.BytesIO()
    torch.save(obj, buffer, pickle_module=_PICKLE_MODULE)
    data = buffer.getvalue()
    if header is not None:
        if len(header) != 2:
            raise ValueError(f"a GPT-SoVITS header is exactly 2 bytes, got {header!r}")
        data = header + data[2:]
    write_bytes_atomic(Path(path), data)


# ----- SoVITS generator ------------------------------------------------------------------------
@dataclass
class ImportedSoVITS:
    """Weights as stored (dtype untouched), whole upstream-style config, detected version, info."""

    weights: dict[str, torch.Tensor]
    config: dict
    version: str
    info: str = ""
    header: bytes | None = None
    source: str = "upstream"
    extra: dict = field(default_factory=dict)

    @property
    def has_posterior_encoder(self) -> bool:
        return any(k.startswith("enc_q.") for k in self.weights)


def _weights_of(obj: Any, name: str) -> dict[str, torch.Tensor]:
    if isinstance(obj, dict):
        for key in ("weight", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{name} holds no model weights (expected a dict with a 'weight' state dict)")
    return dict(obj)


def _config_dict(raw: Any) -> dict:
    if isinstance(raw, UpstreamHParams):
        return raw.to_dict()
    if isinstance(raw, dict):
        return {k: _config_dict(v) if isinstance(v, UpstreamHParams | dict) else v for k, v in raw.items()}
    return {}


def import_sovits(path: Path) -> ImportedSoVITS:
    """Read a SoVITS generator file (upstream .pth of any v1/v2/Pro kind, or native .safetensors)."""
    path = Path(path)
    if path.suffix == NATIVE_SUFFIX:
        native = load_native(path)
        if native.kind != "sovits":
            raise CheckpointError(f"{path.name} holds a {native.kind!r} model, not a SoVITS generator")
        version = detect_sovits_version(native.weights)
        order = native.extra.get("key_order")
        if isinstance(order, list) and set(order) == set(native.weights):
            weights = {k: native.weights[k] for k in order}
        else:  # safetensors sorts keys; rebuild upstream's order from the architecture
            weights = _in_model_order(native.weights, version, native.config)
        return ImportedSoVITS(weights, native.config, version, native.info, source="native", extra=native.extra)
    obj, header = read_upstream_archive(path)
    weights = _weights_of(obj, path.name)
    try:
        version = detect_sovits_version(weights, header)
    except CheckpointError as e:
        raise CheckpointError(f"{path.name}: {e}") from e
    config = _config_dict(obj.get("config") if isinstance(obj, dict) else None)
    model = dict(config.get("model") or {})
    if not model:
        logger.info("%s carries no model config; reading the architecture from tensor shapes", path.name)
        model = infer_model_settings(weights)
    model["version"] = version
    model["semantic_frame_rate"] = "25hz"  # upstream's loaders force this too
    config["model"] = model
    info = obj.get("info", "") if isinstance(obj, dict) else ""
    return ImportedSoVITS(weights, config, version, str(info), header=header)


def _in_model_order(weights: dict[str, torch.Tensor], version: str, config: dict) -> dict[str, torch.Tensor]:
    """Weights re-ordered as the architecture lists them (upstream's order); unknown keys last."""
    try:
        with torch.device("meta"):
            order = list(build_sovits(version, make_config(version, config)).state_dict())
    except (CheckpointError, ValueError, TypeError) as e:
        logger.warning("cannot build SoVITS %s to order its weights (%s); keeping the stored order", version, e)
        return dict(weights)
    ordered = {k: weights[k] for k in order if k in weights}
    ordered.update((k, v) for k, v in weights.items() if k not in ordered)
    return ordered


def _load_into(model: torch.nn.Module, weights: dict[str, torch.Tensor], what: str) -> None:
    floats = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    try:
        model.load_state_dict(floats, strict=True, assign=True)
    except RuntimeError as e:
        raise CheckpointError(f"the weights do not fit the {what} architecture its config describes: {e}") from e


def model_from_import(imported: ImportedSoVITS, device: str | torch.device = "cpu") -> SoVITSGenerator:
    """Build the generator an ImportedSoVITS describes and load its weights (float32, eval mode)."""
    config = make_config(imported.version, imported.config)
    with torch.device("meta"):
        model = build_sovits(imported.version, config)
    if not imported.has_posterior_encoder:
        model.enc_q = None  # inference exports drop it; training starts from a pretrained file that has it
    _load_into(model, imported.weights, f"SoVITS {imported.version}")
    return model.to(device).eval()


def load_sovits(path: Path, device: str | torch.device = "cpu") -> SoVITSGenerator:
    """SoVITS generator from an upstream .pth or native .safetensors, float32 in eval mode (``.version`` set)."""
    return model_from_import(import_sovits(path), device)


def _weights_from(model_or_weights) -> dict[str, torch.Tensor]:
    if isinstance(model_or_weights, torch.nn.Module):
        return dict(model_or_weights.state_dict())
    return dict(model_or_weights)


def _version_of(model_or_weights, config, weights: dict[str, torch.Tensor]) -> str:
    """The version named by the model or config, else the one the weights show."""
    named = getattr(model_or_weights, "version", None)
    if named is None and isinstance(config, SoVITSConfig):
        named = config.version
    if named is None:
        named = (_config_dict(config).get("model") or {}).get("version")
    return named if named in _KNOWN_VERSIONS else detect_sovits_version(weights)


def _full_config(config: dict | SoVITSConfig | UpstreamHParams | None, version: str) -> dict:
    if isinstance(config, SoVITSConfig):
        full = to_upstream_config(config)
    else:
        full = _config_dict(config)
    model = dict(full.get("model") or {})
    model["version"] = version
    full["model"] = model
    return full


def save_sovits_native(model_or_weights, config, path: Path, info: str = "", version: str | None = None) -> None:
    """Write generator weights (dtypes kept) with their config to a native .safetensors file."""
    weights = _weights_from(model_or_weights)
    version = version or _version_of(model_or_weights, config, weights)
    full = _full_config(config, version)
    extra = {"key_order": list(weights)}  # safetensors stores keys sorted; keep upstream's order
    save_native(NativeCheckpoint("sovits", version, full, weights, info=info, extra=extra), Path(path))


def export_sovits_upstream(model_or_weights, config, path: Path, info: str = "0epoch_0iteration") -> None:
    """Write an upstream SoVITS_weights-style .pth: fp16, no enc_q, utils.HParams config, header for Pro."""
    weights = _weights_from(model_or_weights)
    version = _version_of(model_or_weights, config, weights)
    full = _full_config(config, version)
    exported = {k: v.detach().to("cpu", torch.float16).clone() for k, v in weights.items() if "enc_q" not in k}
    top = OrderedDict(weight=exported, config=UpstreamHParams(**full), info=info)
    write_upstream_archive(top, Path(path), header=_PRO_HEADERS.get(version))


# ----- discriminator ---------------------------------------------------------------------------
def load_sovits_discriminator(path: Path, device: str | torch.device = "cpu") -> MultiPeriodDiscriminator:
    """Discriminator from an upstream s2D/D_*.pth (``weight`` or ``model`` dict), float32."""
    path = Path(path)
    obj, _ = read_upstream_archive(path)
    weights = _weights_of(obj, path.name)
    indices = {int(k.split(".")[1]) for k in weights if k.startswith("discriminators.")}
    if not indices:
        raise CheckpointError(f"{path.name} is not a SoVITS discriminator (no discriminators.* weights)")
    n_periods = max(indices)
    if n_periods not in (len(PERIODS_V2), len(PERIODS_PRO)):
        raise CheckpointError(f"{path.name}: unexpected number of period discriminators ({n_periods})")
    version = "v2" if n_periods == len(PERIODS_V2) else "v2Pro"
    with torch.device("meta"):
        model = build_discriminator(version)
    _load_into(model, weights, "discriminator")
    return model.to(device)


def export_sovits_discriminator_upstream(model_or_weights, path: Path, dtype: torch.dtype = torch.float16) -> None:
    """Write a discriminator as upstream's pretrained s2D files are: ``{"weight": state_dict}``."""
    weights = {k: v.detach().to("cpu", dtype).clone() for k, v in _weights_from(model_or_weights).items()}
    write_upstream_archive({"weight": weights}, Path(path))


def write_random_sovits_pretrained(
    out_g: Path, out_d: Path, version: str, model_overrides: dict | None = None, seed: int = 0
) -> None:
    """Random generator (with enc_q) and discriminator in the official pretrained s2G/s2D layout (fp16)."""
    torch.manual_seed(seed)
    generator = build_sovits(version, model_overrides)
    discriminator = build_discriminator(version)
    weights = {k: v.detach().to(torch.float16).clone() for k, v in generator.state_dict().items()}
    full = _full_config(generator.config, version)
    top = OrderedDict(weight=weights, config=UpstreamHParams(**full), info="pretrained")
    write_upstream_archive(top, Path(out_g))
    export_sovits_discriminator_upstream(discriminator, Path(out_d))
