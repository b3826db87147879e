"""SoVITS fine-tuning on a very small random v2 generator (the discriminator is replaced by a tiny one).

Measured "closer after training": the SoVITS reconstruction of the training clip from its own semantic
tokens and phones, with the clip itself as timbre reference and zero sampling noise, is compared (L1 of
log-mel spectrograms) with the clip, before and after training on that clip. The GPT is not involved.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
import torch

from gpt_sovits.audio.spectrogram import linear_spectrogram, mel_spectrogram
from gpt_sovits.models.checkpoint import import_sovits, load_sovits
from gpt_sovits.text.symbols import phones_to_ids
from gpt_sovits.training import TrainingOptions, train_sovits
from gpt_sovits.training.checkpoints import list_states
from gpt_sovits.training.layout import DatasetLayout, load_tensor, read_phones
from gpt_sovits.training.progress import read_progress
from tests.training.conftest import TinyDiscriminator
from tests.training.helpers import make_voice

pytestmark = pytest.mark.slow
OPTIONS = {"batch_size": 1, "repeat_target": 1, "lr": 5e-4, "save_every": 1, "keep_checkpoints": 3,
           "num_threads": 2, "seed": 5}


def reconstruction_distance(generator, features: Path, name: str) -> float:
    """Mean |log-mel(decode(own codes, own phones, own spectrogram)) - log-mel(clip)|."""
    audio, _ = sf.read(str(features / "wav32k" / name), dtype="float32")
    wav = torch.from_numpy(audio)
    ssl = load_tensor(features / "hubert" / f"{name}.pt").float()
    codes = generator.extract_latent(ssl)
    phones = torch.tensor([phones_to_ids(read_phones(features / "phones.tsv")[name], "v2")])
    with torch.no_grad():
        frames = codes.shape[-1] * 2
        noise = torch.zeros(1, generator.config.inter_channels, frames)
        out = generator.decode(codes, phones, linear_spectrogram(wav), noise=noise)[0, 0]
    real, fake = mel_spectrogram(wav), mel_spectrogram(out)
    n = min(real.shape[-1], fake.shape[-1])
    return float((real[..., :n] - fake[..., :n]).abs().mean())


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tinier_sovits_pretrained):
    import gpt_sovits.training.sovits as sovits

    workspace = tmp_path_factory.mktemp("sovits") / "workspace"
    make_voice(workspace, "bob", n_clips=1, seconds=1.5)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sovits, "load_sovits_discriminator", lambda path: TinyDiscriminator())
        result = train_sovits("bob", workspace, tinier_sovits_pretrained, TrainingOptions(epochs=3, **OPTIONS))
    return workspace, result


def test_sovits_losses_fall_and_files_are_written(trained):
    workspace, result = trained
    training = workspace / "bob" / "models" / "sovits" / "training"
    steps = [e for e in read_progress(training / "progress.jsonl") if e["event"] == "step"]
    assert len(steps) == 3 and result.steps == 3 and result.epochs_done == 3
    first, last = steps[0]["losses"], steps[-1]["losses"]
    # random tiny models: the mel loss falls; the KL of a random prior is erratic over 3 steps
    assert last["mel"] < 0.9 * first["mel"], (first, last)
    assert all(torch.isfinite(torch.tensor(list(e["losses"].values()))).all() for e in steps)
    assert [p.name for p in result.files] == ["bob_e3_s3.safetensors", "bob_e3_s3.pth"]
    assert [p.name for p in list_states(training)] == [f"state-e000{i}-s00000000{i}.pt" for i in (1, 2, 3)]
    for path in list_states(training):  # every checkpoint is complete and readable
        state = torch.load(path, weights_only=True)
        assert {"models", "optimizers", "schedulers", "precision", "rng", "epoch", "step"} <= set(state)
    lr = [e["lr"] for e in steps]
    assert lr[0] == pytest.approx(5e-4 * 0.999875) and lr[1] == pytest.approx(5e-4 * 0.999875**2)


def test_sovits_upstream_export_matches_native(trained):
    _, result = trained
    native, upstream = result.files
    imported = import_sovits(upstream)
    assert imported.version == "v2" and imported.info == "3epoch_3iteration"
    assert not imported.has_posterior_encoder
    a, b = load_sovits(native), load_sovits(upstream)
    codes = torch.randint(0, 1024, (1, 1, 20))
    phones = torch.randint(1, 700, (1, 9))
    refer = torch.rand(1, 1025, 40)
    noise = torch.randn(1, a.config.inter_channels, 40)
    assert torch.equal(a.decode(codes, phones, refer, noise=noise), b.decode(codes, phones, refer, noise=noise))


def test_sovits_reconstruction_is_closer_after_training(trained, tinier_sovits_pretrained):
    workspace, result = trained
    features = workspace / "bob" / "features"
    name = "clip_00.wav"
    before = reconstruction_distance(load_sovits(tinier_sovits_pretrained / "gsv-v2final-pretrained/s2G2333k.pth"),
                                     features, name)
    after = reconstruction_distance(load_sovits(result.files[0]), features, name)
    assert after < before * 0.8, (before, after)


def test_sovits_resume_continues_from_the_last_checkpoint(trained, tinier_sovits_pretrained, monkeypatch):
    import gpt_sovits.training.sovits as sovits

    workspace, _ = trained
    monkeypatch.setattr(sovits, "load_sovits_discriminator", lambda path: TinyDiscriminator())
    result = train_sovits("bob", workspace, tinier_sovits_pretrained,
                          TrainingOptions(epochs=4, resume=True, **OPTIONS))
    assert result.epochs_done == 4 and result.steps == 4
    events = read_progress(workspace / "bob" / "models" / "sovits" / "training" / "progress.jsonl")
    resume = next(e for e in events if e["event"] == "resume")
    assert resume["epoch"] == 3 and resume["step"] == 3
    start = next(e for e in events if e["event"] == "start" and e["first_epoch"] == 4)
    assert start["epochs"] == 4


def test_sovits_v2pro_step_uses_speaker_vectors(tmp_path):
    from gpt_sovits.models.sovits import build_sovits
    from gpt_sovits.models.sovits.config import to_upstream_config
    from gpt_sovits.training.datasets import SoVITSDataset
    from gpt_sovits.training.precision import Precision
    from gpt_sovits.training.sovits import SoVITSTrainer
    from tests.training.conftest import TINIER_SOVITS
    from tests.training.helpers import write_prepared_dataset

    write_prepared_dataset(tmp_path / "features", n_clips=1, seconds=1.2, version="v2Pro", with_sv=True)
    dataset = SoVITSDataset(DatasetLayout.studio(tmp_path / "features"), "v2Pro", repeat_target=1)
    g = build_sovits("v2Pro", TINIER_SOVITS)
    sv_before = g.sv_emb.weight.detach().clone()
    trainer = SoVITSTrainer(dataset, g, TinyDiscriminator(), to_upstream_config(g.config), TrainingOptions(lr=1e-3),
                            "cpu", Precision("cpu", "fp32"), 1, tmp_path / "out", "pro")
    batch = next(iter(trainer.batches(1)))
    assert batch["sv"].shape == (1, 20480)
    losses = trainer.train_step(batch, 0)
    assert losses is not None and all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    assert not torch.equal(sv_before, g.sv_emb.weight)  # the Pro speaker projection is trained
    files = trainer.export(1, 1)
    assert import_sovits(files[1]).version == "v2Pro"
