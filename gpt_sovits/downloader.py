"""Resumable, verified HTTP downloads into place.

A file is fetched into ``<name>.partial`` beside its destination. An interrupted
transfer resumes with an HTTP Range request; a server that ignores the range makes
us start again from zero. When the body is complete it is checked (exact size,
sha256, or the MD5 of its first 8 KiB, whichever is known; the hub's
``X-Linked-Etag``/``X-Linked-Size`` headers supply a sha256 and size for large
files) and only then renamed over the destination, so a half-written file never
carries the final name.

Why not ``huggingface_hub.hf_hub_download`` (tried with huggingface_hub 2.4.0 against a local
server): mirrors (``endpoint``) and progress (``tqdm_class``) would work, but it cannot resume
across runs. It writes to a temporary file named per process and deletes it on any failure
(``file_download._download_to_tmp_and_move``), so a studio closed halfway through the 650 MB
BERT starts that file again from zero; within one call it resumes only from the last whole
10 MiB block. It also retries an unreachable server for about 24 s (1+2+4+8+8 s) before a
generic ``LocalEntryNotFoundError`` (a 404 gives the same error), leaves ``.cache/huggingface/``
lock and metadata files inside the target folder, and obeys ``HF_HUB_OFFLINE`` through a
process-wide constant. Our own downloader keeps the ``.partial`` file between runs (the Models
tab shows it as incomplete) and says which of 404, unreachable or a broken transfer happened.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from gpt_sovits.errors import DiskFullError, DownloadError

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
USER_AGENT = "gpt-sovits-studio-downloader"
SHA256_RE = re.compile(r'^(?:W/)?"?([0-9a-f]{64})"?$')
_HEAD_BYTES = 8192


def _partial(dest: Path) -> Path:
    return dest.with_name(dest.name + ".partial")


def _hub_sha256(headers) -> str | None:
    """A sha256 announced by the hub (LFS files carry it as their ETag)."""
    for name in ("X-Linked-Etag", "ETag"):
        value = headers.get(name)
        if value:
            match = SHA256_RE.match(value.strip())
            if match:
                return match.group(1)
    return None


def _hash_existing(path: Path, sha: hashlib._Hash) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK_BYTES), b""):
            sha.update(block)


def _open(url: str, start: int, timeout_s: float):
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if start:
        headers["Range"] = f"bytes={start}-"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) URL built by us
    try:
        return urllib.request.urlopen(request, timeout=timeout_s)  # noqa: S310
    except urllib.error.HTTPError as e:
        if e.code == 416 and start:
            raise _RangeNotSatisfiable from e
        raise DownloadError(f"The server answered HTTP {e.code} for {url}.") from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise DownloadError(f"Could not reach {url}: {getattr(e, 'reason', e)}. Check the connection or try another mirror.") from e


class _RangeNotSatisfiable(Exception):
    """The partial file is as long as (or longer than) the remote file."""


def _total_size(response, start: int) -> int | None:
    linked = response.headers.get("X-Linked-Size")
    if linked and linked.isdigit():
        return int(linked)
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    if length and length.isdigit():
        return int(length) + (start if response.status == 206 else 0)
    return None


def _check_disk(dest: Path, needed: int | None) -> None:
    if needed is None:
        return
    free = shutil.disk_usage(dest.parent).free
    if free < needed:
        raise DiskFullError(
            f"Not enough disk space for {dest.name}: {needed / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free in {dest.parent}."
        )


def download_file(
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    expected_head_md5: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    timeout_s: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` with resume and verification; return ``dest``.

    Raises DownloadError (network, HTTP, size or checksum problems) or DiskFullError.
    A checksum failure deletes the partial file so the next attempt starts clean.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    start = partial.stat().st_size if partial.exists() else 0
    try:
        response = _open(url, start, timeout_s)
    except _RangeNotSatisfiable:
        partial.unlink()  # the partial file is unusable; fetch it again whole
        start = 0
        response = _open(url, 0, timeout_s)
    with response:
        if start and response.status != 206:
            logger.info("Server ignored the resume request for %s; starting again.", dest.name)
            start = 0
        total = _total_size(response, start) or expected_size
        if expected_size is not None and total is not None and total != expected_size:
            raise DownloadError(f"{dest.name}: the server offers {total} bytes but the official file has {expected_size}.")
        sha_expected = (expected_sha256 or _hub_sha256(response.headers) or "").lower() or None
        _check_disk(dest, None if total is None else total - start)
        sha = hashlib.sha256()
        if start:
            _hash_existing(partial, sha)
            logger.info("Resuming %s at %d bytes.", dest.name, start)
        done = _stream(response, partial, "ab" if start else "wb", sha, start, total, progress)
    _verify(dest, partial, done, total, sha.hexdigest(), sha_expected, expected_head_md5)
    os.replace(partial, dest)
    logger.info("Downloaded %s (%d bytes).", dest.name, done)
    return dest


def _stream(response, partial: Path, mode: str, sha, done: int, total, progress) -> int:
    try:
        with open(partial, mode) as f:
            while True:
                try:
                    block = response.read(CHUNK_BYTES)
                except (TimeoutError, OSError) as e:
                    raise DownloadError(
                        f"The transfer of {partial.name[:-8]} broke off after {done} bytes ({e}); run the download again to resume."
                    ) from e
                if not block:
                    break
                f.write(block)
                sha.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        if getattr(e, "errno", None) == 28:  # ENOSPC
            raise DiskFullError(f"The disk filled up while downloading {partial.name[:-8]}; free some space and resume.") from e
        raise
    return done


def extract_member(archive: Path, member: str, dest: Path, expected_size: int | None,
                   expected_sha256: str | None) -> Path:
    """Copy the file named ``member`` (its base name, in any folder of the zip ``archive``) to ``dest``,
    verified (size, sha256) before it takes its name. DownloadError when it is missing or differs."""
    import zipfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(dest)
    try:
        with zipfile.ZipFile(archive) as z:
            names = [n for n in z.namelist() if n.rsplit("/", 1)[-1] == member]
            if not names:
                raise DownloadError(f"{archive.name} does not hold {member}; it was deleted. Try the download again.")
            sha = hashlib.sha256()
            with z.open(names[0]) as src, open(partial, "wb") as out:
                for block in iter(lambda: src.read(CHUNK_BYTES), b""):
                    out.write(block)
                    sha.update(block)
                size = out.tell()
    except (zipfile.BadZipFile, OSError) as e:
        archive.unlink(missing_ok=True)
        raise DownloadError(f"{archive.name} is not a readable zip archive ({e}); it was deleted. Try again.") from e
    except DownloadError:
        archive.unlink(missing_ok=True)
        raise
    try:
        if expected_size is not None and size != expected_size:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{dest.name} is corrupt (size {size} bytes, expected {expected_size}); nothing was "
                                "replaced. Try again or use another mirror.")
        _verify(dest, partial, size, None, sha.hexdigest(), expected_sha256, None)
    except DownloadError:
        archive.unlink(missing_ok=True)  # the next attempt fetches the archive again
        raise
    os.replace(partial, dest)
    return dest


def _verify(dest: Path, partial: Path, done: int, total, sha_hex: str, sha_expected, head_md5_expected) -> None:
    name = dest.name
    if total is not None and done < total:
        raise DownloadError(f"The transfer of {name} stopped at {done} of {total} bytes; run the download again to resume.")
    problem = None
    if total is not None and done != total:
        problem = f"received {done} bytes, expected {total}"
    elif sha_expected and sha_hex != sha_expected:
        problem = f"sha256 {sha_hex[:12]}… does not match the expected {sha_expected[:12]}…"
    elif head_md5_expected:
        with open(partial, "rb") as f:
            head = hashlib.md5(f.read(_HEAD_BYTES), usedforsecurity=False).hexdigest()
        if head != head_md5_expected:
            problem = "the file does not match the official release fingerprint"
    if problem:
        partial.unlink(missing_ok=True)
        raise DownloadError(f"{name} is corrupt ({problem}); it was deleted, nothing was replaced. Try again or use another mirror.")
