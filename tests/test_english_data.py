"""The model manager fetches upstream's English pronunciation data (NLTK's tagger, upstream's CMU dictionary
files) from a local stand-in server, verifies it, and the English front end then uses it."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile

import pytest

from gpt_sovits import pretrained
from gpt_sovits.pretrained import AssetState, download_version, version_status
from gpt_sovits.text.en import english_g2p
from tests.hub_server import FakeHub, HubFiles

HEADER = "".join(f";;; header line {n}\n" for n in range(1, 57))  # entries start on line 57, as upstream's
CMUDICT = HEADER + "CAT  K AA1 T\nHELLO  HH EH1 - L OW1\n"
CMUDICT_FAST = "CAT K AE1 T\nZORBLAX Z AO1 R B L AE0 K S\n"
# A tagger that calls every word a past-tense verb, except "read", which its tag dictionary makes VBP.
TAGGER = {"weights": {"bias": {"VBD": 1.0}}, "tagdict": {"read": "VBP"}, "classes": ["VBD", "VBP", "NN"]}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(f"averaged_perceptron_tagger_eng/{name}", data)
    return out.getvalue()


def _stand_in(monkeypatch, tagger=TAGGER, cmudict=CMUDICT) -> dict[str, bytes]:
    """Register fake English assets (their own sizes and checksums) as v2's only files; return what the
    server holds, keyed as it serves them."""
    tagger_files = {a.member: json.dumps(tagger[a.member.split(".")[1]]).encode() for a in pretrained.ENGLISH
                    if a.member}
    dictionary = {"cmudict.rep": cmudict.encode(), "cmudict-fast.rep": CMUDICT_FAST.encode()}
    assets, served = [], {pretrained.NLTK_TAGGER_ZIP: _zip(tagger_files)}
    for a in pretrained.ENGLISH:
        data = tagger_files[a.member] if a.member else dictionary[a.path.rsplit("/", 1)[1]]
        if not a.member:
            served[a.source] = data
        assets.append(dataclasses.replace(a, size_bytes=len(data), approx_bytes=len(data),
                                          sha256=hashlib.sha256(data).hexdigest()))
    monkeypatch.setitem(pretrained.REGISTRY, "v2", tuple(assets))
    return served


def test_the_real_registry_pins_every_english_file():
    for asset in pretrained.ENGLISH:
        assert asset.size_bytes and len(asset.sha256) == 64 and asset.source
        assert asset.role in pretrained.OPTIONAL_ROLES
        assert asset in pretrained.assets_for("v2ProPlus")
    assert "48b1a0169a28582a8984402f82cf438d3bfa6aca" in pretrained.asset_url(pretrained.ENGLISH[3], "x")


def test_download_verify_and_use(tmp_path, monkeypatch):
    served = _stand_in(monkeypatch)
    data_dir = tmp_path / "english"
    before = english_g2p(english_data=data_dir)
    with FakeHub(HubFiles(files=served)) as server:
        report = download_version("v2", tmp_path, mirror=server.url, source_base=server.url)
        again = download_version("v2", tmp_path, mirror=server.url, source_base=server.url)
    assert report.ok, report.summary()
    assert len(report.downloaded) == 5 and len(again.skipped) == 5
    assert all(s.state is AssetState.PRESENT for s in version_status("v2", tmp_path))
    assert not (data_dir / "averaged_perceptron_tagger_eng.zip").exists(), "the archive is removed once unpacked"

    g2p = english_g2p(english_data=data_dir)
    assert g2p.tagger.name == "nltk-perceptron"
    assert g2p("cat", None) == ["K", "AA1", "T"]  # upstream's file, not PyPI's K AE1 T
    assert g2p("hello", None) == ["HH", "EH1", "L", "OW1"]  # syllables joined
    assert g2p("zorblax", None) == "Z AO1 R B L AE0 K S".split()  # only in cmudict-fast.rep
    assert g2p("I read", None)[-3:] == ["R", "IY1", "D"]  # the tagger's VBP picks the present tense
    assert before("cat", None) == ["K", "AE1", "T"]  # without the files: PyPI's reading


def test_a_wrong_file_is_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    served = _stand_in(monkeypatch)
    dictionary = next(a for a in pretrained.REGISTRY["v2"] if a.path.endswith("/cmudict.rep"))
    served[dictionary.source] = CMUDICT.replace("AA1", "AE1").encode()
    tagger = next(a for a in pretrained.ENGLISH if a.member and "classes" in a.member)
    broken = dict(TAGGER, classes=["NN"])
    served[pretrained.NLTK_TAGGER_ZIP] = _zip({a.member: json.dumps(broken[a.member.split(".")[1]]).encode()
                                               for a in pretrained.ENGLISH if a.member})
    with FakeHub(HubFiles(files=served)) as server:
        report = download_version("v2", tmp_path, mirror=server.url, source_base=server.url)
    assert "sha256" in report.failed[dictionary.path]
    assert "corrupt" in report.failed[tagger.path]
    assert not (tmp_path / dictionary.path).exists() and not (tmp_path / tagger.path).exists()
    assert not list((tmp_path / "english").glob("*.partial")) and not list((tmp_path / "english").glob("*.zip"))


def test_missing_and_unreachable_sources_say_so(tmp_path, monkeypatch):
    _stand_in(monkeypatch)
    with FakeHub(HubFiles()) as server:
        report = download_version("v2", tmp_path, mirror=server.url, source_base=server.url)
        port = server.server.server_address[1]
    assert all("HTTP 404" in why for why in report.failed.values()) and len(report.failed) == 5
    report = download_version("v2", tmp_path, mirror=server.url, source_base=f"http://127.0.0.1:{port}",
                              timeout_s=2)
    assert all("Could not reach" in why for why in report.failed.values())


def test_english_files_are_optional_for_readiness(tiny_v2):
    assert pretrained.is_version_ready("v2", tiny_v2)
    assert any(s.state is AssetState.MISSING for s in version_status("v2", tiny_v2) if s.asset in pretrained.ENGLISH)


@pytest.fixture(autouse=True)
def _fresh_g2p():
    from gpt_sovits.text.en import _g2p

    _g2p.cache_clear()
    yield
    _g2p.cache_clear()
