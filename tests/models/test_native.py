"""Our native checkpoint format: round trip, and clear errors for other files."""

import pytest
import torch

from gpt_sovits.errors import CheckpointError
from gpt_sovits.models.native import NativeCheckpoint, load_native, save_native


def test_round_trip_keeps_tensors_and_metadata(tmp_path):
    weights = {"a.weight": torch.randn(3, 4), "b": torch.arange(5)}
    ckpt = NativeCheckpoint("gpt", "v2", {"model": {"n_layer": 2}}, weights, info="GPT-e3", extra={"k": 1})
    save_native(ckpt, tmp_path / "m.safetensors")
    back = load_native(tmp_path / "m.safetensors")
    assert (back.kind, back.model_version, back.config, back.info, back.extra) == ("gpt", "v2", ckpt.config, "GPT-e3", {"k": 1})
    for name, tensor in weights.items():
        assert torch.equal(back.weights[name], tensor)


def test_garbage_and_foreign_files_are_refused(tmp_path):
    garbage = tmp_path / "g.safetensors"
    garbage.write_bytes(b"\xff" * 100)
    with pytest.raises(CheckpointError, match="not a readable safetensors"):
        load_native(garbage)
    from safetensors.torch import save_file

    foreign = tmp_path / "f.safetensors"
    save_file({"x": torch.zeros(2)}, str(foreign))
    with pytest.raises(CheckpointError, match="without GPT-SoVITS Studio metadata"):
        load_native(foreign)
