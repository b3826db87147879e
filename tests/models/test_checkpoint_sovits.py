"""SoVITS checkpoint import/export: upstream layout, native round trip, version detection, safety."""

from __future__ import annotations

import io
import os
import pickle
import sys
import types
import zipfile
from collections import OrderedDict

import pytest
import torch

from gpt_sovits.errors import CheckpointError, ModelNotFoundError, UnsafeCheckpointError
from gpt_sovits.models.checkpoint import (
    UpstreamHParams,
    export_sovits_upstream,
    import_sovits,
    load_sovits,
    pickle_globals,
    read_upstream_archive,
    save_sovits_native,
)

VERSIONS = ["v1", "v2", "v2Pro", "v2ProPlus"]
HEADERS = {"v1": b"PK", "v2": b"PK", "v2Pro": b"05", "v2ProPlus": b"06"}


def _data_pkl(raw: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(b"PK" + raw[2:])) as z:
        (name,) = [n for n in z.namelist() if n.endswith("/data.pkl")]
        return z.read(name)


def _same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a.view(torch.int16), b.view(torch.int16))


@pytest.mark.parametrize("version", VERSIONS)
def test_upstream_native_upstream_round_trip_is_bit_exact(version, golden_dir, tmp_path):
    source = golden_dir / f"sovits_{version}_tiny.pth"
    original, header = read_upstream_archive(source)
    assert header == (None if HEADERS[version] == b"PK" else HEADERS[version])

    imported = import_sovits(source)
    assert imported.version == version
    native = tmp_path / "voice.safetensors"
    save_sovits_native(imported.weights, imported.config, native, info=imported.info)
    again = import_sovits(native)
    assert again.source == "native" and again.version == version and again.info == imported.info
    out = tmp_path / "voice.pth"
    export_sovits_upstream(again.weights, again.config, out, info=again.info)

    raw = out.read_bytes()
    assert raw[:2] == HEADERS[version] and raw[2:4] == b"\x03\x04"
    exported, _ = read_upstream_archive(out)
    assert isinstance(exported, OrderedDict) and list(exported) == ["weight", "config", "info"]
    assert exported["info"] == original["info"]
    assert list(exported["weight"]) == list(original["weight"])
    for key, tensor in original["weight"].items():
        assert _same_bits(exported["weight"][key], tensor), key
    assert all(t.dtype == torch.float16 for t in exported["weight"].values())
    assert not any("enc_q" in k for k in exported["weight"])
    assert isinstance(exported["config"], UpstreamHParams)
    assert exported["config"].to_dict() == original["config"].to_dict()
    globals_used = pickle_globals(_data_pkl(raw))
    assert "utils.HParams" in globals_used
    assert globals_used.count("utils.HParams") == 1  # memoised: one reference for all nested sections


def test_export_loads_as_upstream_utils_hparams(golden_dir, tmp_path, monkeypatch):
    """Simulate upstream: a module ``utils`` with class ``HParams`` must receive the config."""
    fake_utils = types.ModuleType("utils")

    class HParams:  # the shape of upstream's class: a plain attribute bag
        pass

    HParams.__module__, HParams.__qualname__ = "utils", "HParams"
    fake_utils.HParams = HParams
    monkeypatch.setitem(sys.modules, "utils", fake_utils)
    imported = import_sovits(golden_dir / "sovits_v2Pro_tiny.pth")
    out = tmp_path / "pro.pth"
    export_sovits_upstream(imported.weights, imported.config, out, info="3epoch_9iteration")
    raw = out.read_bytes()
    with torch.serialization.safe_globals([HParams]):
        top = torch.load(io.BytesIO(b"PK" + raw[2:]), weights_only=True)
    assert type(top["config"]) is HParams and type(top["config"].model) is HParams
    assert top["config"].model.version == "v2Pro"
    assert top["config"].data.hop_length == 640
    assert top["info"] == "3epoch_9iteration"


def test_export_from_model_drops_posterior_and_uses_fp16(golden_dir, tmp_path):
    model = load_sovits(golden_dir / "sovits_v2_tiny.pth")
    out = tmp_path / "from_model.pth"
    export_sovits_upstream(model, import_sovits(golden_dir / "sovits_v2_tiny.pth").config, out)
    top, header = read_upstream_archive(out)
    assert header is None and top["info"] == "0epoch_0iteration"
    assert len(top["weight"]) == 529
    reloaded = load_sovits(out)
    assert reloaded.version == "v2"
    for key, value in model.state_dict().items():
        assert torch.equal(reloaded.state_dict()[key], value), key  # fp16-exact weights survive
    native = tmp_path / "from_model.safetensors"
    save_sovits_native(model, model.config, native, info="e1")
    from_native = load_sovits(native)
    assert from_native.version == "v2" and not from_native.training
    for key, value in model.state_dict().items():
        assert torch.equal(from_native.state_dict()[key], value), key


def test_versions_come_from_content_not_header_or_size(golden_dir, tmp_path):
    pro = (golden_dir / "sovits_v2Pro_tiny.pth").read_bytes()
    plain = tmp_path / "pro_without_header.pth"
    plain.write_bytes(b"PK" + pro[2:])
    assert import_sovits(plain).version == "v2Pro"
    v1 = (golden_dir / "sovits_v1_tiny.pth").read_bytes()
    marked = tmp_path / "v1_marked_v2.pth"
    marked.write_bytes(b"01" + v1[2:])
    assert import_sovits(marked).version == "v1"  # symbol table size decides between v1 and v2
    v2 = (golden_dir / "sovits_v2_tiny.pth").read_bytes()
    lying = tmp_path / "v2_marked_pro.pth"
    lying.write_bytes(b"05" + v2[2:])
    with pytest.raises(CheckpointError, match="header says v2Pro"):
        import_sovits(lying)
    lora = tmp_path / "v3_lora.pth"
    lora.write_bytes(b"03" + v2[2:])
    with pytest.raises(CheckpointError, match="v3 LoRA"):
        import_sovits(lora)


def test_weights_without_config_get_architecture_from_shapes(golden_dir, tmp_path):
    imported = import_sovits(golden_dir / "sovits_v2ProPlus_tiny.pth")
    bare = tmp_path / "bare.pth"
    torch.save({"weight": imported.weights}, bare)
    model = load_sovits(bare)
    assert model.version == "v2ProPlus"
    assert model.config.upsample_initial_channel == 96 and model.config.gin_channels == 128
    reference = load_sovits(golden_dir / "sovits_v2ProPlus_tiny.pth").state_dict()
    assert all(torch.equal(model.state_dict()[k], v) for k, v in reference.items())


def test_gpt_checkpoint_is_refused_with_a_hint(golden_dir):
    with pytest.raises(CheckpointError, match="GPT"):
        load_sovits(golden_dir / "gpt_v2_tiny.ckpt")


def test_random_and_damaged_files_are_refused(tmp_path, golden_dir):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint") as info:
        load_sovits(junk)
    assert not isinstance(info.value, UnsafeCheckpointError)
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes((golden_dir / "sovits_v2_tiny.pth").read_bytes()[:100_000])
    with pytest.raises(CheckpointError):
        load_sovits(truncated)
    with pytest.raises(ModelNotFoundError):
        load_sovits(tmp_path / "missing.pth")


class _RunsCode:
    """Unpickling this would call os.system and create the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("form", ["zip", "zip_header_05", "raw_pickle", "protocol4", "nested_in_config"])
def test_pickle_that_would_run_code_is_refused(form, tmp_path):
    marker = tmp_path / "pwned"
    evil = _RunsCode(marker)
    path = tmp_path / "evil.pth"
    if form == "raw_pickle":
        path.write_bytes(pickle.dumps(evil))
    else:
        payload = {"weight": {"x": torch.zeros(1)}, "config": evil, "info": ""} if form == "nested_in_config" else evil
        buffer = io.BytesIO()
        torch.save(payload, buffer, pickle_protocol=4 if form == "protocol4" else 2)
        data = buffer.getvalue()
        path.write_bytes(b"05" + data[2:] if form == "zip_header_05" else data)
    with pytest.raises(UnsafeCheckpointError, match="system"):
        load_sovits(path)
    with pytest.raises(UnsafeCheckpointError):
        read_upstream_archive(path)
    assert not marker.exists()


def test_pickle_globals_sees_through_stack_global_and_memo():
    data = pickle.dumps([OrderedDict(), OrderedDict()], protocol=4)
    assert set(pickle_globals(data)) == {"collections.OrderedDict"}
    # The module name is pushed once and fetched from the memo for the second global.
    data = pickle.dumps((os.system, os.getcwd), protocol=4)
    module = os.system.__module__
    assert data.count(module.encode()) == 1
    assert pickle_globals(data) == [f"{module}.system", f"{module}.getcwd"]
