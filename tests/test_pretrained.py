import dataclasses

import pytest

from gpt_sovits import pretrained
from gpt_sovits.errors import ConfigError
from gpt_sovits.pretrained import AssetState, download_version, version_status
from tests.hub_server import FakeHub, HubFiles


def test_registry_covers_every_supported_version_with_unique_paths():
    for version in pretrained.SUPPORTED_VERSIONS:
        assets = pretrained.assets_for(version)
        paths = [a.path for a in assets]
        assert len(paths) == len(set(paths))
        assert any(p.startswith("chinese-hubert-base/") for p in paths)
        assert any(p.endswith(".ckpt") for p in paths), "every version needs a GPT"
        assert sum("SoVITS generator" == a.role for a in assets) == 1
    assert any("sv/" in a.path for a in pretrained.assets_for("v2Pro"))
    assert pretrained.check_version_name("v2proplus") == "v2ProPlus"


def test_unsupported_and_unknown_versions_get_clear_messages():
    with pytest.raises(ConfigError, match="does not support"):
        pretrained.check_version_name("v3")
    with pytest.raises(ConfigError, match="available versions"):
        pretrained.check_version_name("v9")


def test_status_present_missing_incomplete_corrupt(tmp_path):
    assets = pretrained.assets_for("v2")
    statuses = {s.asset.path: s for s in version_status("v2", tmp_path)}
    assert all(s.state is AssetState.MISSING for s in statuses.values())

    cfg = tmp_path / "chinese-hubert-base" / "config.json"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("{}")
    (tmp_path / "chinese-hubert-base" / "pytorch_model.bin.partial").write_bytes(b"x" * 10)
    s2g = next(a for a in assets if a.role == "SoVITS generator")
    (tmp_path / s2g.path).parent.mkdir(parents=True)
    (tmp_path / s2g.path).write_bytes(b"PK\x03\x04 not the official file")
    empty = tmp_path / "chinese-hubert-base" / "preprocessor_config.json"
    empty.write_bytes(b"")

    statuses = {s.asset.path: s for s in version_status("v2", tmp_path)}
    assert statuses["chinese-hubert-base/config.json"].state is AssetState.PRESENT
    assert statuses["chinese-hubert-base/pytorch_model.bin"].state is AssetState.INCOMPLETE
    assert statuses[s2g.path].state is AssetState.CORRUPT
    assert statuses["chinese-hubert-base/preprocessor_config.json"].state is AssetState.CORRUPT
    assert not pretrained.is_version_ready("v2", tmp_path)


def test_exact_size_mismatch_is_reported(tmp_path):
    gpt = pretrained.GPT_V3
    (tmp_path / gpt.path).write_bytes(b"x" * 100)
    assert pretrained.asset_status(gpt, tmp_path).state is AssetState.INCOMPLETE


def _small_registry(monkeypatch):
    small = tuple(  # the hub's files (the English data from elsewhere: tests/test_english_data.py)
        dataclasses.replace(a, head_md5=None, size_bytes=None, approx_bytes=100) for a in pretrained.REGISTRY["v2"]
        if a.source is None
    )
    monkeypatch.setitem(pretrained.REGISTRY, "v2", small)
    return small


def test_download_version_from_mirror_url_then_skips_present(tmp_path, monkeypatch):
    assets = _small_registry(monkeypatch)
    files = {f"{a.repo}/{a.path}": f"content of {a.path}".encode() * 50 for a in assets}
    hub = HubFiles(files=files)
    events = []
    with FakeHub(hub) as server:
        dry = download_version("v2", tmp_path, mirror=server.url, dry_run=True)
        assert len(dry.downloaded) == len(assets) and not list(tmp_path.iterdir())
        report = download_version("v2", tmp_path, mirror=server.url, progress=lambda *e: events.append(e))
        assert report.ok, report.summary()
        assert len(report.downloaded) == len(assets)
        again = download_version("v2", tmp_path, mirror=server.url)
    assert again.downloaded == [] and len(again.skipped) == len(assets)
    assert pretrained.is_version_ready("v2", tmp_path, for_training=True)
    for a in assets:
        assert (tmp_path / a.path).read_bytes() == files[f"{a.repo}/{a.path}"]
    assert {e[0] for e in events} == {a.path for a in assets}


def test_download_reports_fingerprint_mismatch_per_file(tmp_path):
    # The real registry knows the official SoVITS fingerprint: a wrong file is refused.
    assets = pretrained.assets_for("v2")
    hub = HubFiles(files={f"{a.repo}/{a.path}": b"not the real weights" for a in assets})
    with FakeHub(hub) as server:
        report = download_version("v2", tmp_path, mirror=server.url, source_base=server.url)
    s2g = next(a for a in assets if a.role == "SoVITS generator")
    assert not report.ok
    assert "fingerprint" in report.failed[s2g.path]
    assert not (tmp_path / s2g.path).exists()
    assert "chinese-hubert-base/config.json" in report.downloaded


def test_mirror_names():
    assert pretrained.mirror_base_url("hf-mirror") == "https://hf-mirror.com"
    assert pretrained.mirror_base_url("http://127.0.0.1:9/") == "http://127.0.0.1:9"
    with pytest.raises(ConfigError):
        pretrained.mirror_base_url("ftp://x")


def test_asset_file_finds_a_role_or_says_how_to_download_it(tiny_v2, tmp_path):
    from gpt_sovits.errors import ModelNotFoundError

    path = pretrained.asset_file(tiny_v2, "v2", "SoVITS generator")
    assert path.is_file() and path.parent == tiny_v2 / path.relative_to(tiny_v2).parent
    with pytest.raises(ModelNotFoundError, match="gpt_sovits download --version v2"):
        pretrained.asset_file(tmp_path, "v2", "GPT")
    with pytest.raises(ModelNotFoundError, match="No pretrained 'vocoder'"):
        pretrained.asset_file(tiny_v2, "v2", "vocoder")
