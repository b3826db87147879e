"""The v2Pro speaker stage: one [1, 20480] vector per clip, made once, redone when the audio changes."""

from __future__ import annotations

import soundfile as sf
import torch

import gpt_sovits.models.sv as sv
from gpt_sovits.data.feature_files import DatasetLayout, load_tensor
from gpt_sovits.data.stages import DatasetItem, SpeakerStage, StageContext, run_stage
from gpt_sovits.data.transcripts import read_transcripts


def test_speaker_vectors_are_made_once_and_redone_for_changed_audio(prepared_voice, tmp_path, monkeypatch):
    """The network itself is tested in tests/models; here a stand-in keeps the test fast."""
    loads, inputs = [], []

    def fake_encoder(path, device="cpu"):
        loads.append(path)
        return "encoder"

    def fake_embedding(model, wav16k):
        assert model == "encoder" and wav16k.dim() == 2 and wav16k.shape[0] == 1
        inputs.append(wav16k.shape[1])
        fbank = sv.kaldi_fbank(wav16k)  # [1, frames, 80]
        return fbank.mean(dim=1).repeat(1, 256)  # [1, 20480]

    monkeypatch.setattr(sv, "load_speaker_encoder", fake_encoder)
    monkeypatch.setattr(sv, "speaker_embedding", fake_embedding)
    layout = DatasetLayout(prepared_voice.path("features"))
    items = [DatasetItem(e.name, prepared_voice.path(e.audio_path), e.language, e.text)
             for e in read_transcripts(prepared_voice)][:2]  # fmt: skip
    ctx = StageContext(layout, tmp_path, "v2Pro")
    stage = SpeakerStage(ctx, tmp_path / "sv.ckpt")
    counts = run_stage("speaker", items, stage.check, stage.make, ctx)
    assert (counts.made, counts.reused) == (2, 0) and len(loads) == 1
    frames = [sf.info(str(layout.wav32k(i.name))).frames for i in items]
    assert [abs(n16 - n32 / 2) <= 1 for n16, n32 in zip(inputs, frames, strict=True)] == [True, True]
    vectors = [load_tensor(layout.sv(i.name)) for i in items]
    assert all(v.shape == (1, 20480) and torch.isfinite(v).all() for v in vectors)
    assert not torch.allclose(vectors[0], vectors[1])  # different clips, different vectors

    wav = layout.wav32k(items[1].name)
    wav.write_bytes(wav.read_bytes())  # rewritten audio (new time stamp)
    counts = run_stage("speaker", items, stage.check, stage.make, StageContext(layout, tmp_path, "v2Pro"))
    assert (counts.made, counts.reused) == (1, 1)
