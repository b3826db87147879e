"""Hostile and damaged model files: one plain line of our own, through the Python API, the CLI and HTTP."""

from __future__ import annotations

import json
import os
import pickle
import struct
from collections import OrderedDict

import pytest
import torch
from fastapi.testclient import TestClient

from gpt_sovits.cli import main
from gpt_sovits.errors import ModelError, UnsafeCheckpointError
from gpt_sovits.models import load_gpt, load_sovits
from gpt_sovits.models.t2s.loading import save_gpt_native, write_random_gpt_pretrained
from tests.api.conftest import BASE_URL, FakeEngine, write_reference

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY_GPT = {"embedding_dim": 32, "hidden_dim": 32, "head": 2, "n_layer": 2}
SYSTEM = f"{os.system.__module__}.system"
NEVER = ("weights_only", "safe_globals", "\x1b[", "Traceback", "PyTorch 2.6")


class _RunsCode:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Getattr:
    def __reduce__(self):
        return (getattr, (OrderedDict(), "keys"))


class _Custom:
    def __init__(self):
        self.value = 1


def refusal(name: str, found: str) -> str:
    return (f"Refused {name}: it holds code or Python objects ({found}) that a model file never needs; "
            "nothing in it was run. Only use model files from sources you trust.")


def _hostile(tmp_path, suffix):
    """(path, the global our message names) for each kind of hostile pickle."""
    marker = tmp_path / "pwned"
    payloads = {"system": (_RunsCode(marker), SYSTEM), "getattr": (_Getattr(), "__builtin__.getattr"),
                "custom": (_Custom(), f"{__name__}._Custom")}
    files = []
    for kind, (payload, found) in payloads.items():
        path = tmp_path / f"{kind}{suffix}"
        torch.save({"weight": {"model.ar_predict_layer.weight": torch.zeros(2)}, "config": {"model": {}},
                    "info": payload}, path)
        files.append((path, found))
    return files


def _plain(message: str) -> None:
    assert "\n" not in message and len(message) < 400, message
    assert not any(bad in message for bad in NEVER), message


@pytest.mark.parametrize("suffix", [".ckpt", ".pth"])
@pytest.mark.parametrize("loader", [load_gpt, load_sovits])
def test_hostile_pickles_are_refused_in_one_plain_line(tmp_path, suffix, loader):
    for path, found in _hostile(tmp_path, suffix):
        with pytest.raises(UnsafeCheckpointError) as info:
            loader(path)
        assert str(info.value) == refusal(path.name, found)
        _plain(str(info.value))
    assert not (tmp_path / "pwned").exists()


def test_escape_sequences_in_a_global_name_are_not_echoed(tmp_path):
    path = tmp_path / "escape.ckpt"
    path.write_bytes(b"\x80\x02c\x1b[1mevil\nsystem\n)R.")
    with pytest.raises(UnsafeCheckpointError) as info:
        load_gpt(path)
    assert str(info.value) == ("Refused escape.ckpt: it holds code or Python objects that a model file never needs; "
                               "nothing in it was run. Only use model files from sources you trust.")


def test_truncated_and_garbage_checkpoints_give_one_short_line(tmp_path):
    good = tmp_path / "good.ckpt"
    write_random_gpt_pretrained(good, TINY_GPT)
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(os.urandom(5000))
    for loader in (load_gpt, load_sovits):
        with pytest.raises(ModelError) as info:
            loader(truncated)
        assert str(info.value) == "truncated.ckpt is damaged or truncated: it is not a complete zip archive."
        with pytest.raises(ModelError) as info:
            loader(garbage)
        assert str(info.value).startswith("garbage.pth is not a PyTorch checkpoint archive")
        _plain(str(info.value))


def test_weights_that_do_not_fit_are_summarised_in_one_line(tmp_path):
    path = tmp_path / "mismatch.ckpt"
    write_random_gpt_pretrained(path, TINY_GPT)
    ckpt = torch.load(path, weights_only=True)
    ckpt["config"]["model"]["n_layer"] = 6
    torch.save(ckpt, path)
    with pytest.raises(ModelError) as info:
        load_gpt(path)
    message = str(info.value)
    assert message == ("mismatch.ckpt: the weights do not match the GPT model its config describes: 48 weights "
                       "missing (h.layers.2.self_attn.in_proj_weight, h.layers.2.self_attn.in_proj_bias and 46 more).")
    _plain(message)


# ----- damaged native .safetensors files ---------------------------------------------------------
def _native_gpt(tmp_path):
    model = write_random_gpt_pretrained(tmp_path / "source.ckpt", TINY_GPT)
    path = tmp_path / "native.safetensors"
    save_gpt_native(model, path)
    return path


def _with_metadata(path, raw_meta: str, name: str):
    from safetensors.torch import load_file, save_file

    target = path.with_name(name)
    save_file(load_file(str(path)), str(target), metadata={"gpt_sovits": raw_meta})
    return target


def _header(path):
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + size])["__metadata__"]["gpt_sovits"]


DAMAGED_META = [
    ("notjson.safetensors", "{not json",
     "notjson.safetensors has damaged GPT-SoVITS Studio metadata: it is not valid JSON."),
    ("empty.safetensors", "{}",
     "empty.safetensors has incomplete GPT-SoVITS Studio metadata: kind, model_version missing."),
    ("list.safetensors", "[]",
     "list.safetensors has damaged GPT-SoVITS Studio metadata: expected a JSON object, found a list."),
    ("nokind.safetensors", '{"model_version": "v2", "config": {}}',
     "nokind.safetensors has incomplete GPT-SoVITS Studio metadata: kind missing."),
    ("types.safetensors", '{"kind": 5, "model_version": "v2", "config": []}',
     "types.safetensors has damaged GPT-SoVITS Studio metadata: kind should be text, not a number; "
     "config should be an object, not a list."),
    ("version.safetensors", '{"kind": "gpt", "model_version": "v2", "format_version": "1"}',
     "version.safetensors has damaged GPT-SoVITS Studio metadata: format_version should be a whole number, "
     "not text."),
    ("noconfig.safetensors", '{"kind": "gpt", "model_version": "v2", "config": {}}',
     "noconfig.safetensors has no GPT 'model' config section in its metadata."),
]


@pytest.mark.parametrize(("name", "raw_meta", "expected"), DAMAGED_META)
def test_damaged_native_metadata_is_a_model_error(tmp_path, name, raw_meta, expected):
    path = _with_metadata(_native_gpt(tmp_path), raw_meta, name)
    with pytest.raises(ModelError) as info:
        load_gpt(path)
    assert str(info.value) == expected
    if "GPT 'model'" not in expected:  # the SoVITS loader reads the same metadata the same way
        with pytest.raises(ModelError) as info:
            load_sovits(path)
        assert str(info.value) == expected


def test_unusable_native_config_is_a_model_error(tmp_path):
    source = _native_gpt(tmp_path)
    meta = json.loads(_header(source))
    meta["config"]["model"]["n_layer"] = "many"
    path = _with_metadata(source, json.dumps(meta), "badconfig.safetensors")
    with pytest.raises(ModelError) as info:
        load_gpt(path)
    assert str(info.value).startswith("badconfig.safetensors has an unusable GPT config: ")
    _plain(str(info.value))


def test_truncated_and_oversized_native_files_are_model_errors(tmp_path):
    source = _native_gpt(tmp_path)
    data = source.read_bytes()
    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes(data[: len(data) // 2])
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(struct.pack("<Q", 2**62) + data[8:])
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x01\x00")
    expected = {truncated: "cut.safetensors is not a readable safetensors file: it is truncated or its header "
                           "gives impossible sizes.",
                huge: "huge.safetensors is not a readable safetensors file: it is truncated or its header gives "
                      "impossible sizes."}
    for path, message in expected.items():
        for loader in (load_gpt, load_sovits):
            with pytest.raises(ModelError) as info:
                loader(path)
            assert str(info.value) == message
    with pytest.raises(ModelError, match="^short.safetensors is not a readable safetensors file: "):
        load_sovits(short)


# ----- the command line and HTTP -----------------------------------------------------------------
def test_cli_prints_one_line_and_exits_2(tmp_path, capsys, speech_wav):
    (path, found), *_ = _hostile(tmp_path, ".ckpt")
    damaged = _with_metadata(_native_gpt(tmp_path), "[]", "list.safetensors")
    for gpt, expected in ((path, refusal(path.name, found)),
                          (damaged, "list.safetensors has damaged GPT-SoVITS Studio metadata: expected a JSON "
                                    "object, found a list.")):
        code = main(["synthesize", "--gpt", str(gpt), "--sovits", str(gpt), "--ref-audio", str(speech_wav),
                     "--text", "hello", "--lang", "en", "--out", str(tmp_path / "out.wav"), "--device", "cpu"])
        err = capsys.readouterr().err
        assert code == 2
        assert err.endswith(f"\nerror: {expected}\n") or err == f"error: {expected}\n"  # after any log lines
        assert err.count("error:") == 1 and not any(bad in err for bad in NEVER)
    assert not (tmp_path / "pwned").exists()


def _loading_app(dirs):
    """The API with a loader that reads the model files for real (then answers with the fake engine)."""

    def loader(gpt, sovits):
        load_gpt(gpt)
        load_sovits(sovits)
        return FakeEngine()

    from gpt_sovits.api.app import create_app
    from gpt_sovits.api.options import ApiOptions
    from gpt_sovits.config import StudioSettings

    workspace, pretrained = dirs
    return create_app(StudioSettings(pretrained_dir=pretrained, workspace_dir=workspace), ApiOptions(),
                      engine_loader=loader)


def test_http_refusals_carry_our_line_only(tmp_path, caplog):
    workspace, pretrained = tmp_path / "workspace", tmp_path / "pretrained"
    write_reference(workspace / "ref.wav")
    models = workspace / "models"
    models.mkdir(parents=True)
    (path, found), *_ = _hostile(models, ".ckpt")
    damaged = _with_metadata(_native_gpt(tmp_path), "{}", "empty.safetensors")
    damaged.rename(models / damaged.name)
    expected = {"models/system.ckpt": refusal(path.name, found),
                "models/empty.safetensors": "empty.safetensors has incomplete GPT-SoVITS Studio metadata: kind, "
                                            "model_version missing."}
    with TestClient(_loading_app((workspace, pretrained)), base_url=BASE_URL) as client:
        for weights, message in expected.items():
            r = client.get("/set_gpt_weights", params={"weights_path": weights})
            assert r.status_code == 400
            assert r.json() == {"message": "change gpt weight failed", "Exception": message}
            _plain(r.text)
    assert not any(bad in caplog.text for bad in NEVER)
    assert not (models / "pwned").exists()


def test_legacy_pickle_stream_with_code_is_refused(tmp_path):
    path = tmp_path / "legacy.ckpt"
    path.write_bytes(pickle.dumps({"weight": _RunsCode(tmp_path / "pwned")}, protocol=2))
    with pytest.raises(UnsafeCheckpointError) as info:
        load_gpt(path)
    assert str(info.value) == refusal("legacy.ckpt", SYSTEM)


def test_a_logged_traceback_of_a_refusal_carries_no_pytorch_advice(tmp_path):
    import io
    import traceback

    from gpt_sovits.models.archive import torch_load_checked

    buffer = io.BytesIO()
    torch.save({"info": _RunsCode(tmp_path / "pwned")}, buffer)
    # Straight to torch's weights-only unpickler (our scan would refuse it first): its refusal advises bypasses.
    with pytest.raises(UnsafeCheckpointError) as info:
        torch_load_checked(buffer.getvalue(), "direct.ckpt")
    assert str(info.value) == ("Refused direct.ckpt: it holds code or Python objects that a model file never needs; "
                               "nothing in it was run. Only use model files from sources you trust.")
    text = "".join(traceback.format_exception(info.value))
    assert not any(bad in text for bad in ("weights_only", "safe_globals", "\x1b[", "PyTorch 2.6"))
    assert not (tmp_path / "pwned").exists()


def test_tts_with_a_voice_whose_model_is_damaged_is_a_400_naming_the_file(tmp_path):
    from tests.api.conftest import make_voice

    workspace, pretrained = tmp_path / "workspace", tmp_path / "pretrained"
    make_voice(workspace, "Bob", models={"gpt": "models/list.safetensors"})
    damaged = _with_metadata(_native_gpt(tmp_path), "[]", "list.safetensors")
    (workspace / "Bob" / "models").mkdir()
    damaged.rename(workspace / "Bob" / "models" / "list.safetensors")
    expected = "list.safetensors has damaged GPT-SoVITS Studio metadata: expected a JSON object, found a list."
    with TestClient(_loading_app((workspace, pretrained)), base_url=BASE_URL) as client:
        r = client.get("/tts", params={"text": "hello", "text_lang": "en", "voice": "Bob"})
    assert r.status_code == 400
    assert r.json() == {"message": f"tts failed: {expected}", "Exception": expected}  # upstream's shape
