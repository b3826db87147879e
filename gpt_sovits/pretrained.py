"""The official pretrained assets: what exists per model version, where it goes, and whether it is usable.

Files keep upstream's layout under our ``pretrained/`` folder (the same relative paths as
upstream's ``GPT_SoVITS/pretrained_models/``), so a user can copy an existing upstream folder in.
Nothing is downloaded at import or start-up; :func:`download_version` does it when asked.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gpt_sovits.errors import ConfigError

logger = logging.getLogger(__name__)

HUB_REPO = "lj1995/GPT-SoVITS"
MIRRORS = {
    "hf": "https://huggingface.co",
    "hf-mirror": "https://hf-mirror.com",
}
SUPPORTED_VERSIONS = ("v1", "v2", "v2Pro", "v2ProPlus")
UNSUPPORTED_VERSIONS = {
    "v3": "v3 uses a different acoustic model (CFM + BigVGAN) that the studio does not support yet.",
    "v4": "v4 uses a different acoustic model (CFM + 48 kHz vocoder) that the studio does not support yet.",
}
HEADER_CHECK_BYTES = 8192
MB = 1_000_000

# Folders and roles of the release; callers name them through these, never by a literal path.
HUBERT_FOLDER = "chinese-hubert-base"
BERT_FOLDER = "chinese-roberta-wwm-ext-large"
G2PW_FOLDER = "G2PWModel"
ROLE_GPT = "GPT (text to semantic tokens)"
ROLE_SOVITS = "SoVITS generator"
ROLE_DISCRIMINATOR = "SoVITS discriminator (fine-tuning only)"
ROLE_SPEAKER = "speaker-verification network (ERes2NetV2)"
ROLE_EN_TAGGER = "English part-of-speech tagger (NLTK averaged perceptron; optional)"
ROLE_EN_DICTIONARY = "English pronunciation dictionary (upstream's CMU files; optional)"
OPTIONAL_ROLES = (ROLE_EN_TAGGER, ROLE_EN_DICTIONARY)  # the English front end has fallbacks without them
# Files that are not on the model hub come from GitHub (``source`` is the path under this base).
GITHUB_RAW = "https://raw.githubusercontent.com"
ENGLISH_FOLDER = "english"
UPSTREAM_COMMIT = "48b1a0169a28582a8984402f82cf438d3bfa6aca"  # RVC-Boss/GPT-SoVITS, for its CMU files
NLTK_TAGGER_ZIP = "nltk/nltk_data/gh-pages/packages/taggers/averaged_perceptron_tagger_eng.zip"


@dataclass(frozen=True)
class Asset:
    """One file of the official release.

    ``size_bytes`` is exact when known (checked after download), otherwise None and
    ``approx_bytes`` is only shown to the user. ``sha256`` is checked when known;
    ``head_md5`` is the MD5 of the first 8 KiB, which upstream itself uses to recognise
    its official SoVITS files.
    """

    path: str
    role: str
    approx_bytes: int
    size_bytes: int | None = None
    sha256: str | None = None
    head_md5: str | None = None
    repo: str = HUB_REPO
    source: str | None = None  # a path under GITHUB_RAW instead of the hub; a .zip holds the file as ``member``
    member: str | None = None


HUBERT = (
    Asset(f"{HUBERT_FOLDER}/config.json", "HuBERT config", 2_000),
    Asset(f"{HUBERT_FOLDER}/preprocessor_config.json", "HuBERT feature-extractor config", 1_000),
    Asset(f"{HUBERT_FOLDER}/pytorch_model.bin", "HuBERT weights (semantic features)", 189 * MB),
)
ROBERTA = (
    Asset(f"{BERT_FOLDER}/config.json", "Chinese BERT config", 2_000),
    Asset(f"{BERT_FOLDER}/tokenizer.json", "Chinese BERT tokenizer", 440_000),
    Asset(f"{BERT_FOLDER}/pytorch_model.bin", "Chinese BERT weights (text features)", 651 * MB),
)
GPT_V3 = Asset("s1v3.ckpt", ROLE_GPT, 155_284_856, size_bytes=155_284_856)
SV = Asset("sv/pretrained_eres2netv2w24s4ep4.ckpt", ROLE_SPEAKER, 108 * MB)



def _tagger_part(part: str, size: int, sha256: str) -> Asset:
    name = f"averaged_perceptron_tagger_eng.{part}.json"
    return Asset(f"{ENGLISH_FOLDER}/nltk_data/taggers/averaged_perceptron_tagger_eng/{name}", ROLE_EN_TAGGER, size,
                 size_bytes=size, sha256=sha256, source=NLTK_TAGGER_ZIP, member=name)


def _upstream_text_file(name: str, size: int, sha256: str) -> Asset:
    return Asset(f"{ENGLISH_FOLDER}/{name}", ROLE_EN_DICTIONARY, size, size_bytes=size, sha256=sha256,
                 source=f"RVC-Boss/GPT-SoVITS/{UPSTREAM_COMMIT}/GPT_SoVITS/text/{name}")


# Upstream's English pronunciation: NLTK's tagger (as g2p_en uses it) and upstream's own CMU dictionary files.
ENGLISH = (
    _tagger_part("weights", 5_677_744, "789e8e35f6fac656d9b7eccea29ba4e8a137cbb5b525dd31f39e4291a9e80832"),
    _tagger_part("tagdict", 25_788, "4c713731cb06727736962bc8cd94ad919217a040e76691059af99bc0c2c9c246"),
    _tagger_part("classes", 285, "7a87ba804751f4719b2d8e0e7693955761c579526b20a1b68ffc365b412e7f10"),
    _upstream_text_file("cmudict.rep", 3_731_285, "0e601d017d6e6f958443d41cd8922b4cd7598b3ba2056253a33f3e5a35f38494"),
    _upstream_text_file("cmudict-fast.rep", 3_613_898,
                        "53bfef0f27d7dd74d1ba74563d1e076d3e0672ce3596cb2d6c0d52ac9ad01f6d"),
)

REGISTRY: dict[str, tuple[Asset, ...]] = {
    "v1": HUBERT
    + ROBERTA
    + (
        Asset("s1bert25hz-2kh-longer-epoch=68e-step=50232.ckpt", ROLE_GPT, 155 * MB),
        Asset("s2G488k.pth", ROLE_SOVITS, 106 * MB, head_md5="dc3c97e17592963677a4a1681f30c653"),
        Asset("s2D488k.pth", ROLE_DISCRIMINATOR, 93_500_000),
    )
    + ENGLISH,
    "v2": HUBERT
    + ROBERTA
    + (
        Asset(
            "gsv-v2final-pretrained/s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt",
            ROLE_GPT,
            155 * MB,
        ),
        Asset(
            "gsv-v2final-pretrained/s2G2333k.pth",
            ROLE_SOVITS,
            106 * MB,
            head_md5="6642b37f3dbb1f76882b69937c95a5f3",
        ),
        Asset("gsv-v2final-pretrained/s2D2333k.pth", ROLE_DISCRIMINATOR, 93_500_000),
    )
    + ENGLISH,
    "v2Pro": HUBERT
    + ROBERTA
    + (
        GPT_V3,
        Asset("v2Pro/s2Gv2Pro.pth", ROLE_SOVITS, 162 * MB, head_md5="c7e9fce2223f3db685cdfa1e6368728a"),
        Asset("v2Pro/s2Dv2Pro.pth", ROLE_DISCRIMINATOR, 126 * MB),
        SV,
    )
    + ENGLISH,
    "v2ProPlus": HUBERT
    + ROBERTA
    + (
        GPT_V3,
        Asset(
            "v2Pro/s2Gv2ProPlus.pth", ROLE_SOVITS, 200 * MB, head_md5="66b313e39455b57ab1b0bc0b239c9d0a"
        ),
        Asset("v2Pro/s2Dv2ProPlus.pth", ROLE_DISCRIMINATOR, 126 * MB),
        SV,
    )
    + ENGLISH,
}


class AssetState(str, enum.Enum):
    PRESENT = "present"
    MISSING = "missing"
    INCOMPLETE = "incomplete"
    CORRUPT = "corrupt"


@dataclass(frozen=True)
class AssetStatus:
    asset: Asset
    state: AssetState
    detail: str
    local_path: Path


def check_version_name(version: str) -> str:
    """Return the canonical version name or raise ConfigError with the choices."""
    for name in SUPPORTED_VERSIONS:
        if name.lower() == version.strip().lower():
            return name
    if version in UNSUPPORTED_VERSIONS:
        raise ConfigError(UNSUPPORTED_VERSIONS[version])
    raise ConfigError(f"Unknown model version {version!r}; available versions: {', '.join(SUPPORTED_VERSIONS)}.")


def assets_for(version: str) -> tuple[Asset, ...]:
    """Every asset a model version needs, shared feature extractors included."""
    return REGISTRY[check_version_name(version)]


def asset_file(pretrained_dir: Path, version: str, role_prefix: str) -> Path:
    """The official file of ``version`` whose role starts with ``role_prefix``, as it lies in
    ``pretrained_dir``; ModelNotFoundError saying how to download it when it is not there."""
    from gpt_sovits.errors import ModelNotFoundError

    version = check_version_name(version)
    for asset in REGISTRY[version]:
        if asset.role.startswith(role_prefix):
            path = Path(pretrained_dir) / asset.path
            if not path.is_file():
                raise ModelNotFoundError(
                    f"The {version} {asset.role} is missing ({path}). Download it on the Models tab or with "
                    f"`python -m gpt_sovits download --version {version}`."
                )
            return path
    raise ModelNotFoundError(f"No pretrained '{role_prefix}' is registered for {version}.")


def hubert_dir(pretrained_dir: Path) -> Path:
    """The HuBERT folder (semantic features) of a pretrained folder."""
    return Path(pretrained_dir) / HUBERT_FOLDER


def bert_dir(pretrained_dir: Path) -> Path:
    """The Chinese BERT folder (text features, and the g2pW tokenizer) of a pretrained folder."""
    return Path(pretrained_dir) / BERT_FOLDER


def g2pw_dir(pretrained_dir: Path) -> Path:
    """Where the optional g2pW polyphone model lies in a pretrained folder."""
    return Path(pretrained_dir) / G2PW_FOLDER


def speaker_encoder_path(pretrained_dir: Path) -> Path:
    """The speaker-verification network file (v2Pro and v2ProPlus), present or not."""
    return Path(pretrained_dir) / SV.path


def partial_path(path: Path) -> Path:
    """Where an unfinished download of ``path`` is kept."""
    return path.with_name(path.name + ".partial")


def head_md5(path: Path) -> str:
    """MD5 of a file's first 8 KiB (upstream's fingerprint of its official SoVITS files)."""
    with open(path, "rb") as f:
        return hashlib.md5(f.read(HEADER_CHECK_BYTES), usedforsecurity=False).hexdigest()


TINY_MARKER = "TINY_RANDOM_MODELS.json"


def tiny_model_files(pretrained_dir: Path) -> frozenset[str]:
    """Paths written by `dev make-tiny-pretrained` (random test models), from its marker file."""
    import json

    marker = Path(pretrained_dir) / TINY_MARKER
    if not marker.is_file():
        return frozenset()
    try:
        return frozenset(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
    except (OSError, ValueError):
        return frozenset()


def asset_status(asset: Asset, pretrained_dir: Path, tiny_files: frozenset[str] | None = None) -> AssetStatus:
    """Classify one asset as present, missing, incomplete (a partial download) or corrupt."""
    path = Path(pretrained_dir) / asset.path
    if tiny_files is None:
        tiny_files = tiny_model_files(pretrained_dir)
    if not path.is_file():
        partial = partial_path(path)
        if partial.is_file():
            done = partial.stat().st_size
            return AssetStatus(asset, AssetState.INCOMPLETE, f"partial download, {done / MB:.1f} MB so far", path)
        return AssetStatus(asset, AssetState.MISSING, f"not downloaded (about {asset.approx_bytes / MB:.0f} MB)", path)
    size = path.stat().st_size
    if size == 0:
        return AssetStatus(asset, AssetState.CORRUPT, "the file is empty", path)
    if asset.path in tiny_files:
        return AssetStatus(asset, AssetState.PRESENT, f"tiny random test model ({size / MB:.1f} MB), not real weights", path)
    if asset.size_bytes is not None and size != asset.size_bytes:
        state = AssetState.INCOMPLETE if size < asset.size_bytes else AssetState.CORRUPT
        return AssetStatus(asset, state, f"size {size} bytes, expected {asset.size_bytes}", path)
    if asset.head_md5 is not None and head_md5(path) != asset.head_md5:
        return AssetStatus(asset, AssetState.CORRUPT, "the file does not match the official release", path)
    return AssetStatus(asset, AssetState.PRESENT, f"{size / MB:.1f} MB", path)


def version_status(version: str, pretrained_dir: Path) -> list[AssetStatus]:
    """The status of every asset of one version."""
    tiny = tiny_model_files(pretrained_dir)
    return [asset_status(a, pretrained_dir, tiny) for a in assets_for(version)]


def is_version_ready(version: str, pretrained_dir: Path, *, for_training: bool = False) -> bool:
    """True when every file needed for synthesis (and for training, if asked) is present."""
    for status in version_status(version, pretrained_dir):
        needed = status.asset.role not in OPTIONAL_ROLES and (for_training or status.asset.role != ROLE_DISCRIMINATOR)
        if needed and status.state is not AssetState.PRESENT:
            return False
    return True


def mirror_base_url(mirror: str) -> str:
    """Resolve ``hf``, ``hf-mirror`` or an http(s) URL to a base URL without trailing slash."""
    if mirror in MIRRORS:
        return MIRRORS[mirror]
    if mirror.startswith(("http://", "https://")):
        return mirror.rstrip("/")
    raise ConfigError(f"Unknown mirror {mirror!r}; use one of {', '.join(MIRRORS)} or an http(s):// URL.")


def asset_url(asset: Asset, base_url: str, source_base: str = GITHUB_RAW) -> str:
    """Where an asset comes from: ``<base>/<repo>/resolve/main/<path>`` on the hub (or a mirror of it),
    ``<source_base>/<source>`` for a file kept outside the hub."""
    from urllib.parse import quote

    if asset.source is not None:
        return f"{source_base.rstrip('/')}/{quote(asset.source)}"
    return f"{base_url}/{asset.repo}/resolve/main/{quote(asset.path)}"


def english_dir(pretrained_dir: Path) -> Path:
    """The folder of the optional English pronunciation data (NLTK tagger, upstream's CMU files)."""
    return Path(pretrained_dir) / ENGLISH_FOLDER


@dataclass(frozen=True)
class DownloadReport:
    """What one download run did, per asset."""

    downloaded: list[str]
    skipped: list[str]
    failed: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        lines = [f"Downloaded: {len(self.downloaded)}, already present: {len(self.skipped)}, failed: {len(self.failed)}."]
        lines += [f"  FAILED {path}: {why}" for path, why in self.failed.items()]
        return "\n".join(lines)


def download_version(
    version: str,
    pretrained_dir: Path,
    *,
    mirror: str = "hf",
    dry_run: bool = False,
    include_training: bool = True,
    progress: Callable[[str, int, int | None], None] | None = None,
    timeout_s: float = 60.0,
    source_base: str = GITHUB_RAW,
) -> DownloadReport:
    """Fetch every missing or unusable asset of ``version`` into ``pretrained_dir``.

    Partial files are resumed; each finished file is verified (size, sha256 or the
    official fingerprint) before it is renamed into place. ``progress(path, done, total)``
    is called as bytes arrive. With ``dry_run`` nothing is fetched; the report lists
    what would be downloaded. Files kept outside the hub (the English data) come from
    ``source_base`` (GitHub); a file inside a .zip is extracted and verified on its own.
    """
    from gpt_sovits.downloader import download_file, extract_member
    from gpt_sovits.errors import StudioError

    base = mirror_base_url(mirror)
    downloaded, skipped, failed = [], [], {}
    for status in version_status(version, pretrained_dir):
        asset = status.asset
        if not include_training and asset.role == ROLE_DISCRIMINATOR:
            continue
        if status.state is AssetState.PRESENT:
            skipped.append(asset.path)
            continue
        if dry_run:
            downloaded.append(asset.path)
            continue
        if status.state is AssetState.CORRUPT:
            logger.warning("Replacing %s: %s", asset.path, status.detail)
        report = (lambda done, total, p=asset.path: progress(p, done, total)) if progress else None
        try:
            if asset.member is None:
                download_file(asset_url(asset, base, source_base), status.local_path, expected_size=asset.size_bytes,
                              expected_sha256=asset.sha256, expected_head_md5=asset.head_md5, progress=report,
                              timeout_s=timeout_s)
            else:  # the archive is kept until its members are in place, so it is fetched once
                archive = Path(pretrained_dir) / ENGLISH_FOLDER / Path(asset.source).name
                if not archive.is_file():
                    download_file(asset_url(asset, base, source_base), archive, progress=report, timeout_s=timeout_s)
                extract_member(archive, asset.member, status.local_path, asset.size_bytes, asset.sha256)
            downloaded.append(asset.path)
        except StudioError as e:
            failed[asset.path] = str(e)
    for asset in {a.source: a for a in assets_for(version) if a.member is not None}.values():
        archive = Path(pretrained_dir) / ENGLISH_FOLDER / Path(asset.source).name
        if archive.is_file() and not dry_run and all(path not in failed for path in _members_of(version, asset.source)):
            archive.unlink()
    return DownloadReport(downloaded, skipped, failed)


def _members_of(version: str, source: str) -> list[str]:
    return [a.path for a in assets_for(version) if a.source == source]
