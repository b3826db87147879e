import hashlib
import os

import pytest

from gpt_sovits.downloader import download_file
from gpt_sovits.errors import DownloadError
from tests.hub_server import FakeHub, HubFiles

REPO = "lj1995/GPT-SoVITS"


def _payload(n: int, seed: int = 0) -> bytes:
    return bytes((i * 31 + seed) % 251 for i in range(n))


def test_download_complete_file(tmp_path):
    body = _payload(300_000)
    hub = HubFiles(files={f"{REPO}/a/b.bin": body})
    seen = []
    with FakeHub(hub) as server:
        out = download_file(f"{server.url}/{REPO}/resolve/main/a/b.bin", tmp_path / "a" / "b.bin",
                            progress=lambda done, total: seen.append((done, total)))
    assert out.read_bytes() == body
    assert seen[-1] == (len(body), len(body))
    assert not (tmp_path / "a" / "b.bin.partial").exists()


def test_interrupted_transfer_resumes_with_range(tmp_path):
    body = _payload(3_000_000, seed=7)
    key = f"{REPO}/big.bin"
    hub = HubFiles(files={key: body}, cut_after={key: 1_200_000})
    dest = tmp_path / "big.bin"
    with FakeHub(hub) as server:
        url = f"{server.url}/{REPO}/resolve/main/big.bin"
        with pytest.raises(DownloadError, match="resume"):
            download_file(url, dest)
        partial = tmp_path / "big.bin.partial"
        assert not dest.exists(), "an unfinished download must never carry the final name"
        assert 0 < partial.stat().st_size < len(body)
        kept = partial.stat().st_size
        download_file(url, dest)
    assert dest.read_bytes() == body
    assert hub.requests[-1] == (key, f"bytes={kept}-")


def test_server_ignoring_range_restarts_cleanly(tmp_path):
    body = _payload(500_000, seed=3)
    hub = HubFiles(files={f"{REPO}/x.bin": body}, ignore_range=True)
    dest = tmp_path / "x.bin"
    (tmp_path / "x.bin.partial").write_bytes(body[:1000])
    with FakeHub(hub) as server:
        download_file(f"{server.url}/{REPO}/resolve/main/x.bin", dest)
    assert dest.read_bytes() == body


def test_wrong_checksum_is_rejected_and_nothing_replaced(tmp_path):
    body = _payload(200_000, seed=5)
    key = f"{REPO}/c.bin"
    hub = HubFiles(files={key: body}, corrupt={key})
    dest = tmp_path / "c.bin"
    dest.write_bytes(b"old file the user had")
    with FakeHub(hub) as server:
        with pytest.raises(DownloadError, match="corrupt"):
            download_file(f"{server.url}/{REPO}/resolve/main/c.bin", dest)
    assert dest.read_bytes() == b"old file the user had"
    assert not (tmp_path / "c.bin.partial").exists()


def test_expected_sha256_from_registry_is_checked(tmp_path):
    body = _payload(10_000)
    hub = HubFiles(files={f"{REPO}/d.bin": body}, announce_sha256=False)
    with FakeHub(hub) as server:
        url = f"{server.url}/{REPO}/resolve/main/d.bin"
        with pytest.raises(DownloadError, match="sha256"):
            download_file(url, tmp_path / "d.bin", expected_sha256="0" * 64)
        good = hashlib.sha256(body).hexdigest()
        download_file(url, tmp_path / "d.bin", expected_sha256=good)
    assert (tmp_path / "d.bin").read_bytes() == body


def test_wrong_size_is_rejected(tmp_path):
    hub = HubFiles(files={f"{REPO}/e.bin": _payload(1000)})
    with FakeHub(hub) as server:
        with pytest.raises(DownloadError, match="official file has 999"):
            download_file(f"{server.url}/{REPO}/resolve/main/e.bin", tmp_path / "e.bin", expected_size=999)


def test_missing_file_and_unreachable_server(tmp_path):
    with FakeHub(HubFiles()) as server:
        with pytest.raises(DownloadError, match="HTTP 404"):
            download_file(f"{server.url}/{REPO}/resolve/main/nope.bin", tmp_path / "n.bin")
        port = server.server.server_address[1]
    with pytest.raises(DownloadError, match="Could not reach"):
        download_file(f"http://127.0.0.1:{port}/x", tmp_path / "n.bin", timeout_s=2)
    assert not os.listdir(tmp_path)
