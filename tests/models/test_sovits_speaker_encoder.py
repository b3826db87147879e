"""ERes2NetV2 speaker encoder and its Kaldi fbank front end (no golden data exists for them)."""

from __future__ import annotations

import pytest
import torch

from gpt_sovits.errors import CheckpointError
from gpt_sovits.models.sv import build_speaker_encoder, kaldi_fbank, load_speaker_encoder, speaker_embedding

SMALL = {"m_channels": 8}


def test_official_architecture_keys_and_size():
    with torch.device("meta"):
        model = build_speaker_encoder()
    state = model.state_dict()
    assert sum(t.numel() for t in state.values()) == 53_588_221  # 107 MB in float16, as upstream's file
    assert state["conv1.weight"].shape == (64, 1, 3, 3)
    assert state["layer1.0.conv1.weight"].shape == (96, 64, 1, 1)  # width 24 x scale 4
    assert state["layer1.0.shortcut.0.weight"].shape == (256, 64, 1, 1)
    assert state["layer3.0.fuse_models.2.local_att.0.weight"].shape == (24, 192, 1, 1)
    assert state["layer3_ds.weight"].shape == (2048, 1024, 3, 3)
    assert state["fuse34.local_att.4.running_var"].shape == (2048,)
    assert state["seg_1.weight"].shape == (192, 40960)
    assert "layer1.0.fuse_models.0.local_att.0.weight" not in state  # stages 1-2 add, stages 3-4 fuse


def test_fbank_shape_and_kaldi_framing():
    torch.manual_seed(0)
    wav = torch.rand(16000) * 2 - 1
    feats = kaldi_fbank(wav)
    assert feats.shape == (1, 1 + (16000 - 400) // 160, 80)
    batch = kaldi_fbank(torch.stack([wav, wav * 0.5]))
    torch.testing.assert_close(batch[0], feats[0])
    assert not torch.allclose(batch[1], batch[0])  # log energies depend on the level


def test_pooled_features_shape_determinism_and_batch_independence():
    torch.manual_seed(0)
    model = build_speaker_encoder(**SMALL).eval()
    wav = torch.rand(2, 4000) * 2 - 1
    emb = speaker_embedding(model, wav)
    assert emb.shape == (2, 8 * 8 * 4 * 10)
    torch.testing.assert_close(speaker_embedding(model, wav), emb, rtol=0, atol=0)
    torch.testing.assert_close(speaker_embedding(model, wav[1:]), emb[1:], rtol=1e-5, atol=1e-5)
    assert model(kaldi_fbank(wav)).shape == (2, 192)


def test_official_width_gives_20480_features():
    torch.manual_seed(0)
    model = build_speaker_encoder(num_blocks=(1, 1, 1, 1)).eval()
    with torch.no_grad():
        out = model.pooled_features(torch.randn(1, 24, 80))
    assert out.shape == (1, 20480)


def test_saved_state_dict_loads_strictly(tmp_path):
    torch.manual_seed(3)
    model = build_speaker_encoder(**SMALL).eval()
    with torch.no_grad():  # non-trivial running statistics
        for name, buf in model.named_buffers():
            if name.endswith("running_var"):
                buf.uniform_(0.5, 1.5)
    path = tmp_path / "sv.ckpt"
    torch.save(model.state_dict(), path)
    loaded = load_speaker_encoder(path, **SMALL)
    assert not loaded.training
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in model.state_dict().items())
    wav = torch.rand(1, 4000) * 2 - 1
    torch.testing.assert_close(speaker_embedding(loaded, wav), speaker_embedding(model, wav), rtol=0, atol=0)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_speaker_encoder(path, m_channels=16)
