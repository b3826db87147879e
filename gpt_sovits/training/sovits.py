"""SoVITS fine-tuning (upstream ``s2_train.py``) for v2, v2Pro and v2ProPlus.

Per step (SPEC-upstream.md §9.3): the generator's training pass on a batch, a discriminator update
on (real slice, generated slice), then a generator update with adversarial + 2 x feature matching +
45 x mel L1 + KL (+ the quantizer's commitment loss, zero because it is frozen). AdamW (0.8, 0.99),
eps 1e-9, lr 1e-4 with the text embedding, text encoder and MRTE at 0.4 x lr; ExponentialLR
(gamma 0.999875) stepped once per epoch and once before the first, as upstream. ``ssl_proj`` and the
quantizer are frozen.
"""

from __future__ import annotations

import copy
import logging
import warnings
from pathlib import Path

import torch

from gpt_sovits.audio.spectrogram import HOP_SAMPLES, mel_spectrogram, spectrogram_to_mel
from gpt_sovits.config import NATIVE_MODEL_SUFFIX, UPSTREAM_MODEL_SUFFIX
from gpt_sovits.models.checkpoint import (
    export_sovits_upstream,
    import_sovits,
    load_sovits_discriminator,
    save_sovits_native,
)
from gpt_sovits.models.sovits import build_sovits, make_config
from gpt_sovits.models.sovits.model import slice_segments
from gpt_sovits.training import losses as L
from gpt_sovits.training.checkpoints import optimizer_to
from gpt_sovits.training.common import grad_norm
from gpt_sovits.training.datasets import SoVITSDataset, collate_sovits, epoch_order
from gpt_sovits.training.options import (
    SOVITS_BETAS,
    SOVITS_EPS,
    SOVITS_FROZEN_MODULES,
    SOVITS_LR,
    SOVITS_LR_DECAY,
    SOVITS_SEED,
    SOVITS_TEXT_MODULES,
    SOVITS_WEIGHT_DECAY,
    TrainingOptions,
)
from gpt_sovits.training.precision import NonFiniteGuard, Precision, all_finite

logger = logging.getLogger(__name__)
SOVITS_VERSIONS_TRAINABLE = ("v2", "v2Pro", "v2ProPlus")


def load_pretrained_pair(g_path: Path, d_path: Path, version: str | None = None):
    """Generator (trainable, with ``enc_q``) and discriminator from upstream s2G/s2D files.

    Like upstream, the generator is built from the file's config and loaded non-strictly: weights it lacks
    (``enc_q`` in an inference export) stay randomly initialised, with a warning.
    """
    imported = import_sovits(g_path)
    if version is not None and imported.version != version:
        raise ValueError(f"{Path(g_path).name} is a {imported.version} model, not {version}")
    generator = build_sovits(imported.version, make_config(imported.version, imported.config))
    floats = {k: v.float() if v.is_floating_point() else v for k, v in imported.weights.items()}
    missing, unexpected = generator.load_state_dict(floats, strict=False)
    if missing:
        logger.warning("%s lacks %d tensors (e.g. %s); they start from random values", Path(g_path).name,
                       len(missing), missing[0])
    if unexpected:
        logger.warning("%s has %d tensors this model does not use (e.g. %s)", Path(g_path).name, len(unexpected),
                       unexpected[0])
    return generator, load_sovits_discriminator(d_path), imported.config


def _text_parameter(name: str) -> bool:
    return any(name.startswith(prefix + ".") for prefix in SOVITS_TEXT_MODULES)


class SoVITSTrainer:
    """One SoVITS fine-tuning run's models, optimizers and step (see the module docstring)."""

    kind = "sovits"

    def __init__(self, dataset: SoVITSDataset, generator, discriminator, config: dict, options: TrainingOptions,
                 device: str, precision: Precision, batch_size: int, out_dir: Path, name: str):
        self.dataset, self.options, self.device, self.precision = dataset, options, device, precision
        self.batch_size, self.out_dir, self.name = batch_size, Path(out_dir), name
        self.g, self.d = generator.to(device).train(), discriminator.to(device).train()
        for module in SOVITS_FROZEN_MODULES:
            getattr(self.g, module).requires_grad_(False)
        self.config = copy.deepcopy(config)
        self.seed = SOVITS_SEED if options.seed is None else options.seed
        lr = options.lr or SOVITS_LR
        named = [(n, p) for n, p in self.g.named_parameters() if p.requires_grad]
        groups = [{"params": [p for n, p in named if not _text_parameter(n)], "lr": lr},
                  {"params": [p for n, p in named if _text_parameter(n)], "lr": lr * options.text_lr_ratio}]
        adamw = {"betas": SOVITS_BETAS, "eps": SOVITS_EPS, "weight_decay": SOVITS_WEIGHT_DECAY}
        self.optim_g = torch.optim.AdamW(groups, lr=lr, **adamw)
        self.optim_d = torch.optim.AdamW(self.d.parameters(), lr=lr, **adamw)
        self.sched_g = torch.optim.lr_scheduler.ExponentialLR(self.optim_g, SOVITS_LR_DECAY)
        self.sched_d = torch.optim.lr_scheduler.ExponentialLR(self.optim_d, SOVITS_LR_DECAY)
        self._step_schedulers()  # upstream steps once before training: epoch 1 already runs at lr * gamma
        self.guard = NonFiniteGuard()
        self.segment = self.g.config.segment_size
        self.steps_per_epoch = -(-len(dataset) // batch_size)

    @property
    def skipped_steps(self) -> int:
        return self.guard.skipped

    def _step_schedulers(self) -> None:
        with warnings.catch_warnings():  # stepping before the first optimizer step is intended here
            warnings.simplefilter("ignore", UserWarning)
            self.sched_g.step()
            self.sched_d.step()

    def learning_rate(self) -> float:
        return float(self.optim_g.param_groups[0]["lr"])

    def batches(self, epoch: int):
        order = epoch_order(len(self.dataset), epoch, self.seed)
        for start in range(0, len(order), self.batch_size):
            batch = collate_sovits([self.dataset[i] for i in order[start : start + self.batch_size]])
            yield {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}

    def end_epoch(self) -> None:
        self._step_schedulers()

    # ----- one step -----------------------------------------------------------------------------
    def _generate(self, b: dict):
        with self.precision.autocast():
            out = self.g(b["ssl"], b["spec"], b["spec_lengths"], b["text"], b["text_lengths"], b.get("sv"))
        wave, commit, starts, _, mask, (_, z_p, m_p, logs_p, _, logs_q), _ = out
        real = slice_segments(b["wav"], starts * HOP_SAMPLES, self.segment * HOP_SAMPLES)
        with torch.autocast(device_type=self.device.split(":")[0], enabled=False):
            real_mel = slice_segments(spectrogram_to_mel(b["spec"].float()), starts, self.segment)
            fake_mel = mel_spectrogram(wave.float())
            kl = L.kl_loss(z_p, logs_q, m_p, logs_p, mask)
        return wave, real, real_mel, fake_mel, kl, commit

    def _update(self, optimizer, loss: torch.Tensor, module) -> float:
        optimizer.zero_grad(set_to_none=True)
        self.precision.scaler.scale(loss).backward()
        self.precision.scaler.unscale_(optimizer)
        norm = grad_norm(module.parameters())
        if self.precision.scaler.is_enabled() or torch.isfinite(torch.tensor(norm)):
            self.precision.scaler.step(optimizer)  # with fp16 loss scaling, the scaler skips inf steps itself
        return norm

    def _skip(self, what: str) -> None:
        self.optim_g.zero_grad(set_to_none=True)
        self.optim_d.zero_grad(set_to_none=True)
        self.guard.on_bad(self.precision, [self.optim_g, self.optim_d], what)

    def train_step(self, batch: dict, index: int) -> dict[str, float] | None:
        wave, real, real_mel, fake_mel, kl, commit = self._generate(batch)
        with self.precision.autocast():
            real_logits, fake_logits, _, _ = self.d(real, wave.detach())
        loss_d = L.discriminator_loss(real_logits, fake_logits)
        if not all_finite({"d": loss_d}):
            self._skip("a non-finite discriminator loss")
            return None
        norm_d = self._update(self.optim_d, loss_d, self.d)
        with self.precision.autocast():
            _, fake_logits, real_maps, fake_maps = self.d(real, wave)
        parts = {"mel": L.mel_loss(real_mel, fake_mel), "kl": kl, "fm": L.feature_matching_loss(real_maps, fake_maps),
                 "adv": L.adversarial_loss(fake_logits)}
        total = parts["adv"] + parts["fm"] + parts["mel"] + commit.float() + parts["kl"]
        if not all_finite({**parts, "total": total}):
            self.precision.scaler.update()
            self._skip("a non-finite generator loss")
            return None
        norm_g = self._update(self.optim_g, total, self.g)
        self.precision.scaler.update()
        if not (torch.isfinite(torch.tensor([norm_d, norm_g])).all() or self.precision.scaler.is_enabled()):
            self.guard.on_bad(self.precision, [self.optim_g, self.optim_d], "non-finite gradients")
            return None
        self.guard.on_good()
        return {"d": float(loss_d.detach()), "g": float(total.detach()),
                **{k: float(v.detach()) for k, v in parts.items()},
                "grad_g": norm_g, "grad_d": norm_d}

    # ----- state and export ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "kind": self.kind, "version": self.g.version, "config": self.config, "options": self.options.to_dict(),
            "models": {"g": self.g.state_dict(), "d": self.d.state_dict()},
            "optimizers": {"g": self.optim_g.state_dict(), "d": self.optim_d.state_dict()},
            "schedulers": {"g": self.sched_g.state_dict(), "d": self.sched_d.state_dict()},
            "precision": self.precision.state_dict(), "guard": self.guard.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("kind") != self.kind or state.get("version") != self.g.version:
            raise ValueError(f"the checkpoint is for {state.get('kind')} {state.get('version')}, "
                             f"not {self.kind} {self.g.version}")
        self.g.load_state_dict(state["models"]["g"])
        self.d.load_state_dict(state["models"]["d"])
        self.optim_g.load_state_dict(state["optimizers"]["g"])
        self.optim_d.load_state_dict(state["optimizers"]["d"])
        optimizer_to(self.optim_g, self.device)
        optimizer_to(self.optim_d, self.device)
        self.sched_g.load_state_dict(state["schedulers"]["g"])
        self.sched_d.load_state_dict(state["schedulers"]["d"])
        self.precision.load_state_dict(state["precision"])
        self.guard.load_state_dict(state["guard"])

    def export(self, epoch: int, step: int) -> list[Path]:
        """Native .safetensors and upstream .pth (both fp16, without enc_q) in the models folder."""
        weights = {k: v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()
                   for k, v in self.g.state_dict().items() if "enc_q" not in k}
        stem = f"{self.name}_e{epoch}_s{step}"
        native = self.out_dir / f"{stem}{NATIVE_MODEL_SUFFIX}"
        upstream = self.out_dir / f"{stem}{UPSTREAM_MODEL_SUFFIX['sovits']}"
        info = f"{epoch}epoch_{step}iteration"
        save_sovits_native(weights, self.config, native, info=info, version=self.g.version)
        export_sovits_upstream(weights, self.config, upstream, info=info)
        logger.info("saved %s and %s", native.name, upstream.name)
        return [native, upstream]
