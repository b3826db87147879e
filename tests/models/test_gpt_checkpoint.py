"""GPT checkpoint reading/writing: upstream layout, native round trip, refusing unsafe or wrong files."""

from __future__ import annotations

import os
import pickle
import zipfile
from collections import OrderedDict

import pytest
import torch

from gpt_sovits.errors import CheckpointError, ModelNotFoundError, UnsafeCheckpointError
from gpt_sovits.models import load_gpt as lazy_load_gpt
from gpt_sovits.models.t2s.loading import (
    build_gpt,
    export_gpt_upstream,
    import_gpt,
    load_gpt,
    save_gpt_native,
    write_random_gpt_pretrained,
)

TINY = {"embedding_dim": 32, "hidden_dim": 32, "head": 2, "n_layer": 2}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _raw(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def test_upstream_native_upstream_round_trip_is_bit_exact(golden_dir, tmp_path):
    src = golden_dir / "gpt_v2_tiny.ckpt"
    model = lazy_load_gpt(src)
    assert not model.training and model.ar_predict_layer.weight.dtype == torch.float32
    native = tmp_path / "voice.safetensors"
    save_gpt_native(model, native, info="GPT-e1")
    weights, config, info = import_gpt(native)
    assert info == "GPT-e1" and config == _raw(src)["config"]
    back = tmp_path / "voice-e1.ckpt"
    export_gpt_upstream(load_gpt(native), back, info="GPT-e1")

    original, exported = _raw(src), _raw(back)
    assert type(exported["weight"]) is OrderedDict
    assert list(exported) == ["weight", "config", "info"]
    assert list(exported["weight"]) == list(original["weight"])
    for key, tensor in original["weight"].items():
        assert exported["weight"][key].dtype == torch.float16
        assert torch.equal(exported["weight"][key].view(torch.int16), tensor.view(torch.int16)), key
    assert exported["config"] == original["config"] and exported["info"] == "GPT-e1"
    # Like upstream, the zip's top folder is a timestamp rather than "archive".
    top = zipfile.ZipFile(back).namelist()[0].split("/")[0]
    assert top != "archive" and float(top) > 0
    assert back.read_bytes()[:4] == b"PK\x03\x04"
    assert not list(tmp_path.glob("*.pth"))  # no temp file left behind


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    zipped = tmp_path / "evil.ckpt"
    torch.save({"weight": {}, "config": Evil(), "info": "x"}, zipped)
    legacy = tmp_path / "evil_legacy.ckpt"
    legacy.write_bytes(pickle.dumps({"weight": Evil()}, protocol=2))
    raw4 = tmp_path / "evil_p4.ckpt"
    raw4.write_bytes(pickle.dumps({"weight": Evil()}, protocol=4))
    module = os.mkdir.__module__
    for path in (zipped, legacy, raw4):
        with pytest.raises(UnsafeCheckpointError) as info:
            load_gpt(path)
        assert str(info.value) == (
            f"Refused {path.name}: it holds code or Python objects ({module}.mkdir) that a model file never needs; "
            "nothing in it was run. Only use model files from sources you trust.")
    assert not marker.exists()


def test_sovits_file_is_rejected_with_a_clear_message(golden_dir, tmp_path):
    with pytest.raises(CheckpointError, match="SoVITS"):
        import_gpt(golden_dir / "sovits_v2_tiny.pth")
    with pytest.raises(CheckpointError, match="SoVITS"):
        import_gpt(golden_dir / "sovits_v2Pro_tiny.pth")


def test_wrong_files_raise_checkpoint_error(tmp_path):
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(os.urandom(256))
    with pytest.raises(CheckpointError):
        load_gpt(junk)
    other = tmp_path / "other.ckpt"
    torch.save({"model": {"x": torch.zeros(1)}}, other)
    with pytest.raises(CheckpointError, match="expected 'weight' and 'config'"):
        load_gpt(other)
    lightning = tmp_path / "epoch=1-step=2.ckpt"
    torch.save({"state_dict": {}, "epoch": 1}, lightning)
    with pytest.raises(CheckpointError, match="training-time"):
        load_gpt(lightning)
    with pytest.raises(ModelNotFoundError):
        load_gpt(tmp_path / "missing.ckpt")


def test_weights_that_do_not_fit_the_config_are_rejected(tmp_path):
    path = tmp_path / "bad.ckpt"
    write_random_gpt_pretrained(path, TINY, seed=1)
    ckpt = _raw(path)
    ckpt["config"]["model"]["n_layer"] = 3
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match="do not match"):
        load_gpt(path)


def test_write_random_pretrained_layout_and_reproducibility(tmp_path):
    a, b, c = tmp_path / "a.ckpt", tmp_path / "b.ckpt", tmp_path / "c.ckpt"
    state = torch.random.get_rng_state()
    model = write_random_gpt_pretrained(a, TINY, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's RNG is untouched
    write_random_gpt_pretrained(b, TINY, seed=7)
    write_random_gpt_pretrained(c, TINY, seed=8)
    ra, rb, rc = _raw(a), _raw(b), _raw(c)
    assert set(ra["config"]) >= {"train", "data", "model", "optimizer", "inference"}
    assert ra["config"]["model"]["n_layer"] == 2 and ra["config"]["model"]["phoneme_vocab_size"] == 732
    assert ra["config"]["data"]["max_sec"] == 54 and isinstance(ra["info"], str)
    assert all(k.startswith("model.") and v.dtype == torch.float16 for k, v in ra["weight"].items())
    assert len(ra["weight"]) == 6 + 12 * 2 + 1
    assert all(torch.equal(ra["weight"][k], rb["weight"][k]) for k in ra["weight"])
    assert not torch.equal(ra["weight"]["model.ar_predict_layer.weight"], rc["weight"]["model.ar_predict_layer.weight"])
    loaded = load_gpt(a)
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in model.state_dict().items())


def test_official_v2_shapes():
    from gpt_sovits.models.t2s.config import UPSTREAM_V2_CONFIG

    model = build_gpt(UPSTREAM_V2_CONFIG)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert len(shapes) == 6 + 12 * 24 + 1
    assert shapes["h.layers.23.self_attn.in_proj_weight"] == (1536, 512)
    assert shapes["h.layers.0.linear1.weight"] == (2048, 512)
    assert shapes["ar_text_embedding.word_embeddings.weight"] == (732, 512)
    assert shapes["ar_predict_layer.weight"] == (1025, 512)
    # 77.6 M parameters x 2 bytes (fp16) ~ the 155,284,856-byte official s1v3.ckpt
    assert sum(v.numel() for v in model.state_dict().values()) == 77_606_402
