"""Unit checks of the training parts: dataset reading, losses, checkpoints, guard, pre-flight."""

from __future__ import annotations

import random

import pytest
import soundfile as sf
import torch

from gpt_sovits.errors import ConfigError
from gpt_sovits.training import losses as L
from gpt_sovits.training.checkpoints import list_states, load_latest_state, remove_stale_partials, save_state
from gpt_sovits.training.datasets import GPTDataset, SoVITSDataset, collate_gpt, collate_sovits, repeat_count
from gpt_sovits.training.layout import DatasetLayout, read_semantic
from gpt_sovits.training.options import TrainingError, TrainingOptions
from gpt_sovits.training.precision import MAX_BAD_STEPS_IN_A_ROW, NonFiniteGuard, Precision, choose_precision
from gpt_sovits.training.preflight import DataSummary, auto_batch_size, check_data, check_memory
from tests.training.helpers import write_prepared_dataset

GB = 1024**3


@pytest.fixture()
def features(tmp_path):
    write_prepared_dataset(tmp_path / "features", n_clips=3, seconds=1.5)
    return tmp_path / "features"


def test_datasets_read_upstream_formats_and_pad(features):
    layout = DatasetLayout.detect(features)
    sovits = SoVITSDataset(layout, "v2", repeat_target=100)
    assert len(sovits.items) == 3 and sovits.repeats == 33 and len(sovits) == 99
    item = sovits[0]
    assert item["ssl"].shape == (768, 75) and item["spec"].shape == (1025, 75) and item["wav"].shape == (1, 48000)
    batch = collate_sovits([sovits[0], sovits[1]])
    assert batch["spec"].shape == (2, 1025, 76) and batch["wav"].shape == (2, 1, 76 * 640)  # even, above 75
    assert batch["spec_lengths"].tolist() == [75, 75] and batch["text"].shape[0] == 2
    gpt = GPTDataset(layout, "v2", repeat_target=1)
    g = collate_gpt([gpt[0], gpt[1]])
    assert g["semantic"].shape[1] == max(len(c) for c in read_semantic(layout.semantic_tsv).values())
    assert g["bert"].shape == (2, 1024, g["phones"].shape[1])
    assert repeat_count(150) == 1 and repeat_count(60) == 2 and repeat_count(7) == 14


def test_upstream_folder_names_are_detected(tmp_path):
    (tmp_path / "2-name2text.txt").write_text("")
    layout = DatasetLayout.detect(tmp_path)
    assert layout.hubert("a.wav") == tmp_path / "4-cnhubert" / "a.wav.pt"
    assert layout.semantic_tsv.name == "6-name2semantic.tsv"


def test_too_short_clips_and_bad_phone_rates_are_left_out(features):
    sf.write(features / "wav32k" / "clip_01.wav", torch.zeros(12000).numpy(), 32000, subtype="PCM_16")
    layout = DatasetLayout.studio(features)
    sovits = SoVITSDataset(layout, "v2")
    assert "clip_01.wav" in sovits.skipped and len(sovits.items) == 2
    lines = (features / "semantic.tsv").read_text().splitlines()
    name, codes = lines[1].split("\t")
    lines[1] = name + "\t" + " ".join(codes.split() * 10)  # 10x the tokens: too few phones per second
    (features / "semantic.tsv").write_text("\n".join(lines) + "\n")
    gpt = GPTDataset(layout, "v2")
    assert "phones per second" in gpt.skipped[name]


def test_losses():
    m = torch.randn(2, 4, 10)
    logs = torch.randn(2, 4, 10) * 0.1
    mask = torch.ones(2, 1, 10)
    # z_p one standard deviation from the prior mean and identical scales: KL per element is exactly 0
    assert L.kl_loss(m + torch.exp(logs), logs, m, logs, mask).abs() < 1e-5
    assert L.discriminator_loss([torch.ones(3)], [torch.zeros(3)]) == 0
    assert L.adversarial_loss([torch.zeros(3), torch.zeros(2)]) == 2
    assert L.feature_matching_loss([[torch.ones(4)]], [[torch.zeros(4)]]) == 2
    assert L.mel_loss(torch.zeros(1, 128, 5), torch.ones(1, 128, 5)) == 45


def test_checkpoints_rotate_and_restore_rng(tmp_path):
    for epoch in (1, 2, 3):
        save_state(tmp_path, {"epoch": epoch, "step": epoch * 10, "w": torch.full((3,), float(epoch))}, keep=2)
    assert [p.name for p in list_states(tmp_path)] == ["state-e0002-s000000020.pt", "state-e0003-s000000030.pt"]
    (tmp_path / ".state-e0004-s000000040.pt.abc.partial").write_bytes(b"half")
    remove_stale_partials(tmp_path)
    assert not list(tmp_path.glob("*.partial"))
    list_states(tmp_path)[-1].write_bytes(b"damaged")  # cannot happen with atomic writes; fall back anyway
    state, path = load_latest_state(tmp_path)
    assert state["epoch"] == 2 and torch.equal(state["w"], torch.full((3,), 2.0))
    from gpt_sovits.training.checkpoints import rng_state, set_rng_state

    saved = rng_state()
    a = (torch.rand(2), random.random())
    set_rng_state(saved)
    assert torch.equal(a[0], torch.rand(2)) and a[1] == random.random()


def test_guard_turns_amp_off_then_halves_lr_then_stops():
    model = torch.nn.Linear(2, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    precision = Precision("cuda", "bf16")
    guard = NonFiniteGuard()
    assert "fp32" in guard.on_bad(precision, [opt], "nan") and precision.mode == "fp32"
    assert "halved" in guard.on_bad(precision, [opt], "nan") and opt.param_groups[0]["lr"] == pytest.approx(5e-4)
    with pytest.raises(TrainingError, match="in a row"):
        for _ in range(MAX_BAD_STEPS_IN_A_ROW):
            guard.on_bad(precision, [opt], "nan")
    assert choose_precision("cpu") == "fp32"
    with pytest.raises(TrainingError):
        choose_precision("cpu", "fp16")


def test_preflight_advice():
    assert auto_batch_size("sovits", None, 50) == 2
    assert auto_batch_size("sovits", 24 * GB, 50) == 12
    assert auto_batch_size("gpt", 80 * GB, 400) == 40 and auto_batch_size("gpt", 80 * GB, 20) == 5
    with pytest.raises(TrainingError, match="free"):
        check_memory("sovits", int(1.5 * GB), 1)
    with pytest.raises(TrainingError, match="--batch-size"):
        check_memory("sovits", 8 * GB, 12)
    with pytest.raises(TrainingError, match="slice"):
        check_data("sovits", DataSummary(0, {"a.wav": "70.0 s is outside 0.6–54 s"}, 0.0))
    warnings = check_data("gpt", DataSummary(3, {}, 12.0))
    assert any("1 minute" in w for w in warnings)
    with pytest.raises(ConfigError):
        TrainingOptions(epochs=0, precision="fp8")


def test_cli_has_training_commands():
    from gpt_sovits.cli import build_parser

    args = build_parser().parse_args(["train-gpt", "--voice", "a", "--epochs", "2", "--batch-size", "3"])
    assert args.epochs == 2 and args.batch_size == "3" and args.accumulate == 4
    args = build_parser().parse_args(["train-sovits", "--voice", "a"])
    assert args.epochs == 8 and args.save_every == 4 and args.text_lr_ratio == 0.4


def test_training_refuses_a_voice_without_consent(tmp_path, tiny_v2):
    from gpt_sovits.data.workspace import Workspace
    from gpt_sovits.errors import StudioError
    from gpt_sovits.training import train_gpt

    Workspace(tmp_path).create_voice("nobody")
    with pytest.raises(StudioError, match="confirm"):
        train_gpt("nobody", tmp_path, tiny_v2, TrainingOptions(epochs=1))


def test_layout_names_the_files_dataset_preparation_writes(tmp_path):
    """Training reads through the class dataset preparation writes with: the studio's names, or upstream's."""
    from gpt_sovits.data import feature_files

    assert DatasetLayout is feature_files.DatasetLayout
    ours = DatasetLayout.studio(tmp_path)
    assert (ours.phones_tsv, ours.semantic_tsv, ours.info_json) == (
        tmp_path / "phones.tsv", tmp_path / "semantic.tsv", tmp_path / "info.json")
    assert [getattr(ours, m)("a.wav") for m in ("bert", "hubert", "wav32k", "sv")] == [
        tmp_path / "bert" / "a.wav.pt", tmp_path / "hubert" / "a.wav.pt", tmp_path / "wav32k" / "a.wav",
        tmp_path / "sv" / "a.wav.pt"]
    upstream = DatasetLayout.upstream(tmp_path)
    assert (upstream.phones_tsv.name, upstream.bert("a.wav").parent.name) == ("2-name2text.txt", "3-bert")
