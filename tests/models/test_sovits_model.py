"""SoVITS architecture: official sizes, training forward, discriminator, random pretrained files."""

from __future__ import annotations

import json
from collections import OrderedDict

import pytest
import torch

from gpt_sovits.errors import CheckpointError, ConfigError
from gpt_sovits.models.checkpoint import (
    export_sovits_discriminator_upstream,
    load_sovits,
    load_sovits_discriminator,
    read_upstream_archive,
    write_random_sovits_pretrained,
)
from gpt_sovits.models.sovits import build_discriminator, build_sovits, make_config
from gpt_sovits.models.sovits.builder import count_parameters

TINY = {
    "inter_channels": 32,
    "filter_channels": 64,
    "n_layers": 2,
    "upsample_initial_channel": 64,
}
# Parameters + buffers of upstream's classes (SPEC-upstream.md §1.2, §3.2).
OFFICIAL_GENERATOR = {
    "v1": (52_846_337, 42_352_001, 776, 673),
    "v2": (52_883_969, 42_389_633, 776, 673),
    "v2Pro": (81_001_985, 67_361_921, 781, 678),
    "v2ProPlus": (99_912_321, 86_272_257, 781, 678),
}


@pytest.mark.parametrize("version", list(OFFICIAL_GENERATOR))
def test_official_generator_sizes(version):
    total, exported, n_keys, n_exported_keys = OFFICIAL_GENERATOR[version]
    with torch.device("meta"):
        model = build_sovits(version)
    state = model.state_dict()
    assert count_parameters(model) == total
    assert sum(t.numel() for k, t in state.items() if "enc_q" not in k) == exported
    assert len(state) == n_keys
    assert sum("enc_q" not in k for k in state) == n_exported_keys
    assert list(state)[0] == "enc_p.ssl_proj.weight"


@pytest.mark.parametrize(("version", "total", "n_keys"), [("v2", 46_747_132, 111), ("v2Pro", 63_189_440, 147)])
def test_official_discriminator_sizes(version, total, n_keys):
    with torch.device("meta"):
        model = build_discriminator(version)
    assert count_parameters(model) == total
    assert len(model.state_dict()) == n_keys
    assert model.state_dict()["discriminators.0.convs.1.weight_v"].shape == (64, 4, 41)
    assert model.state_dict()["discriminators.1.convs.0.weight_g"].shape == (32, 1, 1, 1)


@pytest.mark.parametrize("version", ["v2", "v2Pro", "v2ProPlus", "v1"])
def test_tiny_golden_configs_have_the_golden_sizes(version, golden_dir):
    meta = json.loads((golden_dir / f"sovits_{version}_tiny_meta.json").read_text())
    with torch.device("meta"):
        model = build_sovits(version, meta["config"])
    state = model.state_dict()
    exported = {k: t for k, t in state.items() if "enc_q" not in k}
    assert sum(t.numel() for t in exported.values()) == meta["n_params_exported"]
    assert len(exported) == meta["n_keys_exported"]


def test_unknown_settings_and_versions_are_reported():
    with pytest.raises(ConfigError, match="bogus"):
        make_config("v2", {"bogus": 1, "inter_channels": 8})
    with pytest.raises(ConfigError, match="v5"):
        build_sovits("v5")


def _batch(version: str, frames: int = 40, batch: int = 2):
    torch.manual_seed(0)
    ssl = torch.randn(batch, 768, frames)
    spec = torch.rand(batch, 1025, frames)
    lengths = torch.tensor([frames, frames - 4])
    text = torch.randint(0, 300, (batch, 12))
    text_lengths = torch.tensor([12, 9])
    sv = torch.rand(batch, 20480) if version.startswith("v2Pro") else None
    return ssl, spec, lengths, text, text_lengths, sv


def test_training_forward_shapes_and_frozen_quantizer():
    version = "v2Pro"
    torch.manual_seed(1)
    small = {"inter_channels": 32, "filter_channels": 32, "n_layers": 2, "upsample_initial_channel": 32, "segment_size": 8}
    model = build_sovits(version, {**small, "gin_channels": 16}).train()
    ssl, spec, lengths, text, text_lengths, sv = _batch(version)
    wave, commit, starts, mask, mask2, (z, z_p, m_p, logs_p, m_q, logs_q), quantized = model(
        ssl, spec, lengths, text, text_lengths, sv
    )
    assert wave.shape == (2, 1, 8 * 640)
    assert float(commit) == 0.0
    assert starts.shape == (2,) and bool((starts <= lengths - 8).all())
    assert mask.shape == (2, 1, 40) and mask is mask2
    for t in (z, z_p, m_p, logs_p, m_q, logs_q):
        assert t.shape == (2, 32, 40)
    assert quantized.shape == (2, 768, 40)
    (wave.pow(2).mean() + (z_p - m_p).pow(2).mean()).backward()
    assert model.ssl_proj.weight.grad is None  # the content path is frozen, as upstream trains it
    assert model.dec.ups[0].weight_g.grad is not None and model.enc_q.pre.weight.grad is not None
    assert not model.quantizer.training and not model.ssl_proj.training


def test_pro_decode_requires_speaker_embedding():
    model = build_sovits("v2Pro", {**TINY, "gin_channels": 32}).eval()
    codes = torch.zeros(1, 1, 5, dtype=torch.long)
    with pytest.raises(ValueError, match="speaker embedding"):
        model.decode(codes, torch.zeros(1, 4, dtype=torch.long), [torch.rand(1, 1025, 20)])
    wav = model.decode(codes, torch.zeros(1, 4, dtype=torch.long), [torch.rand(1, 1025, 20)], sv_emb=[torch.rand(1, 20480)])
    assert wav.shape == (1, 1, 10 * 640)


@pytest.mark.slow
def test_discriminator_forward_shapes():
    torch.manual_seed(0)
    disc = build_discriminator("v2Pro")
    real, fake = torch.randn(1, 1, 2560), torch.randn(1, 1, 2560)
    real_logits, fake_logits, real_maps, fake_maps = disc(real, fake)
    assert len(real_logits) == len(fake_logits) == 8
    assert [len(m) for m in real_maps] == [7] + [6] * 7
    assert real_maps[1][0].shape[-1] == 2  # period 2 folds the waveform into two columns
    assert not torch.equal(real_logits[0], fake_logits[0])


@pytest.mark.slow
def test_random_pretrained_files_have_official_layout(tmp_path):
    g_path, d_path = tmp_path / "s2G.pth", tmp_path / "s2D.pth"
    write_random_sovits_pretrained(g_path, d_path, "v2Pro", {**TINY, "gin_channels": 32}, seed=7)
    top, header = read_upstream_archive(g_path)
    assert header is None and isinstance(top, OrderedDict) and list(top) == ["weight", "config", "info"]
    assert any(k.startswith("enc_q.") for k in top["weight"])
    assert all(t.dtype == torch.float16 for t in top["weight"].values())
    assert top["config"].model.version == "v2Pro" and top["config"].model.gin_channels == 32
    generator = load_sovits(g_path)
    assert generator.version == "v2Pro" and generator.enc_q is not None
    assert float(generator.quantizer.vq.layers[0]._codebook.inited) == 1.0

    d_top, _ = read_upstream_archive(d_path)
    assert list(d_top) == ["weight"] and len(d_top["weight"]) == 147
    disc = load_sovits_discriminator(d_path)
    assert len(disc.discriminators) == 8
    again = tmp_path / "again.pth"
    export_sovits_discriminator_upstream(disc, again)
    d_again, _ = read_upstream_archive(again)
    assert all(torch.equal(d_again["weight"][k], v) for k, v in d_top["weight"].items())
    # Same seed, same files.
    write_random_sovits_pretrained(tmp_path / "g2.pth", tmp_path / "d2.pth", "v2Pro", {**TINY, "gin_channels": 32}, seed=7)
    top2, _ = read_upstream_archive(tmp_path / "g2.pth")
    assert all(torch.equal(top2["weight"][k], v) for k, v in top["weight"].items())
    with pytest.raises(CheckpointError, match="discriminator"):
        load_sovits(d_path)
