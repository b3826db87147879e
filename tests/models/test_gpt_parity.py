"""GPT parity with upstream: first-step logits, greedy runs and the training forward (golden data)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpt_sovits.models.t2s.loading import load_gpt
from gpt_sovits.models.t2s.training import teacher_forced_logits, training_loss

CKPTS = ["gpt_v2_tiny.ckpt", "gpt_v2_tiny_fp32.ckpt"]
# run name -> (repetition_penalty, early_stop_num, uses the prompt)
GREEDY_RUNS = {
    "greedy_rp135": (1.35, 2700, True),
    "greedy_rp100": (1.0, 80, True),
    "greedy_rp135_stop15": (1.35, 15, True),
    "greedy_rp135_reffree": (1.35, 80, False),
}

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def assert_logits_close(ours: np.ndarray, ref: np.ndarray) -> None:
    """README tolerance for float32 logits: atol 1e-6 x peak + 1e-4, rtol 1e-4."""
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-6 * np.abs(ref).max() + 1e-4)


@pytest.fixture(scope="module")
def io(golden_dir):
    return np.load(golden_dir / "gpt_v2_tiny_io.npz")


@pytest.fixture(scope="module", params=CKPTS)
def model(request, golden_dir):
    return load_gpt(golden_dir / request.param)


def test_fp16_and_fp32_files_give_the_same_weights(golden_dir):
    a = load_gpt(golden_dir / CKPTS[0]).state_dict()
    b = load_gpt(golden_dir / CKPTS[1]).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_first_step_logits(model, io):
    steps = []
    model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1, max_steps=1,
                   on_step=lambda i, logits, tok: steps.append(logits.numpy().copy()))
    assert_logits_close(steps[0], io["first_step_logits"])


@pytest.mark.parametrize("run", list(GREEDY_RUNS))
def test_greedy_run_matches_upstream(model, io, run):
    rp, early_stop, with_prompt = GREEDY_RUNS[run]
    logits, sampled = [], []

    def hook(step, step_logits, token):
        logits.append(step_logits[0].numpy().copy())
        sampled.append(token)

    tokens, idx = model.generate(
        io["phone_ids"], io["bert"], io["prompt_semantic"] if with_prompt else None,
        top_k=1, top_p=1.0, temperature=1.0, repetition_penalty=rp, early_stop_num=early_stop, on_step=hook,
    )
    assert idx == int(io[f"{run}_idx"])
    np.testing.assert_array_equal(tokens.numpy(), io[f"{run}_y"])
    np.testing.assert_array_equal(np.array(sampled), io[f"{run}_sampled"])
    assert_logits_close(np.stack(logits), io[f"{run}_step_logits"])
    pred = tokens[:, -idx:] if idx else tokens
    np.testing.assert_array_equal(pred.numpy(), io[f"{run}_pred_semantic"])


def test_inputs_without_batch_dim_and_torch_inputs(model, io):
    a, ia = model.generate(io["phone_ids"], io["bert"], io["prompt_semantic"], top_k=1, early_stop_num=20)
    b, ib = model.generate(torch.from_numpy(io["phone_ids"][0]), torch.from_numpy(io["bert"][0]),
                           torch.from_numpy(io["prompt_semantic"][0]), top_k=1, early_stop_num=20)
    assert ia == ib == 20
    assert torch.equal(a, b)


@pytest.mark.parametrize("batch", ["train_b1", "train_b2"])
def test_training_forward_matches_upstream(model, io, batch):
    args = [torch.from_numpy(io[f"{batch}_{k}"]) for k in
            ("phoneme_ids", "phoneme_ids_len", "semantic_ids", "semantic_ids_len", "bert_feature")]
    with torch.no_grad():
        logits, _ = teacher_forced_logits(model, *args)
        loss, acc = training_loss(model, *args)
    assert_logits_close(logits.numpy(), io[f"{batch}_logits"])
    ref_loss = float(io[f"{batch}_loss"])
    assert abs(float(loss) - ref_loss) <= 1e-4 * abs(ref_loss)
    assert acc == pytest.approx(float(io[f"{batch}_acc"]), abs=1e-6)


def test_training_logits_agree_with_cached_decoding(model, io):
    """Upstream's own consistency check: teacher forcing reproduces the KV-cached step logits."""
    args = [torch.from_numpy(io[f"train_b1_{k}"]) for k in
            ("phoneme_ids", "phoneme_ids_len", "semantic_ids", "semantic_ids_len", "bert_feature")]
    with torch.no_grad():
        logits, _ = teacher_forced_logits(model, *args)
    n_prompt = io["prompt_semantic"].shape[1]
    steps = io["greedy_rp100_step_logits"]
    assert_logits_close(logits[0, n_prompt : n_prompt + len(steps)].numpy(), steps)


def test_training_loss_is_differentiable_and_dropout_is_random(golden_dir, io):
    model = load_gpt(golden_dir / CKPTS[1]).train()
    args = [torch.from_numpy(io[f"train_b2_{k}"]) for k in
            ("phoneme_ids", "phoneme_ids_len", "semantic_ids", "semantic_ids_len", "bert_feature")]
    torch.manual_seed(0)
    loss_a, _ = training_loss(model, *args)
    loss_a.backward()
    assert model.h.layers[0].self_attn.in_proj_weight.grad is not None
    loss_b, _ = training_loss(model, *args)
    assert loss_a.item() != loss_b.item()  # dropout 0.1 is active in training mode
    assert abs(loss_a.item() - float(io["train_b2_loss"])) > 1e-3
