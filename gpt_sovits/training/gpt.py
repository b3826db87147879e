"""GPT (text-to-semantic) fine-tuning (upstream ``s1_train.py``).

Objective: the summed teacher-forced cross-entropy of ``Text2SemanticModel.training_loss`` (SPEC §5.9).
Cadence as upstream's manual optimisation: backward on every batch, an optimizer step when
``batch_idx > 0 and batch_idx % accumulate == 0`` (accumulate = 4).

Optimizer as upstream: ScaledAdam (``scaled_adam.py``; updates relative to each tensor's RMS, clipping
relative to the median gradient norm) with upstream's lr rule: 0.01 for the very first update, 0.002 for
every later one (an explicit ``options.lr`` replaces both). ``options.optimizer="adamw"`` selects AdamW
(betas 0.9/0.95, eps 1e-8, no weight decay) at a fixed lr of 1e-4 instead. Gradients are cleared at the
start of each epoch so a resumed run sees exactly what an uninterrupted one would (a difference from
upstream, which carries a partial accumulation over the epoch boundary).
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import torch

from gpt_sovits.config import NATIVE_MODEL_SUFFIX, UPSTREAM_MODEL_SUFFIX
from gpt_sovits.models.t2s.loading import export_gpt_upstream, load_gpt, save_gpt_native
from gpt_sovits.training.checkpoints import optimizer_to
from gpt_sovits.training.common import grad_norm
from gpt_sovits.training.datasets import GPTDataset, collate_gpt, epoch_order
from gpt_sovits.training.options import (
    GPT_BETAS,
    GPT_EPS,
    GPT_LR,
    GPT_SCALED_ADAM,
    GPT_SCALED_ADAM_FIRST_LR,
    GPT_SCALED_ADAM_LR,
    GPT_SEED,
    TrainingError,
    TrainingOptions,
)
from gpt_sovits.training.precision import NonFiniteGuard, Precision, all_finite
from gpt_sovits.training.scaled_adam import ScaledAdam

logger = logging.getLogger(__name__)


class GPTTrainer:
    """One GPT fine-tuning run (see the module docstring)."""

    kind = "gpt"

    def __init__(self, dataset: GPTDataset, model, options: TrainingOptions, device: str, precision: Precision,
                 batch_size: int, out_dir: Path, name: str):
        self.dataset, self.options, self.device, self.precision = dataset, options, device, precision
        self.batch_size, self.out_dir, self.name = batch_size, Path(out_dir), name
        self.model = model.to(device).train()
        self.seed = GPT_SEED if options.seed is None else options.seed
        self.optimizer = make_gpt_optimizer(self.model.parameters(), options)
        self.guard = NonFiniteGuard()
        self.steps_per_epoch = -(-len(dataset) // batch_size)
        self.updates = 0

    @property
    def skipped_steps(self) -> int:
        return self.guard.skipped

    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def batches(self, epoch: int):
        self.optimizer.zero_grad(set_to_none=True)
        order = epoch_order(len(self.dataset), epoch, self.seed)
        for start in range(0, len(order), self.batch_size):
            batch = collate_gpt([self.dataset[i] for i in order[start : start + self.batch_size]])
            yield {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}

    def end_epoch(self) -> None:
        pass

    def train_step(self, batch: dict, index: int) -> dict[str, float] | None:
        with self.precision.autocast():
            loss, acc = self.model.training_loss(batch["phones"], batch["phone_lens"], batch["semantic"],
                                                 batch["semantic_lens"], batch["bert"])
        if not all_finite({"loss": loss}):
            self.optimizer.zero_grad(set_to_none=True)
            self.guard.on_bad(self.precision, [self.optimizer], "a non-finite loss")
            return None
        self.precision.scaler.scale(loss.float()).backward()
        value = float(loss.detach())
        result = {"loss": value, "top3_acc": float(acc),
                  "loss_per_token": value / float((batch["semantic_lens"] + 1).sum())}
        if index > 0 and index % self.options.accumulate == 0:
            self.precision.scaler.unscale_(self.optimizer)
            norm = grad_norm(self.model.parameters())
            if not self.precision.scaler.is_enabled() and not torch.isfinite(torch.tensor(norm)):
                self.optimizer.zero_grad(set_to_none=True)
                self.guard.on_bad(self.precision, [self.optimizer], "non-finite gradients")
                return None
            self.precision.scaler.step(self.optimizer)
            self.precision.scaler.update()
            self.optimizer.zero_grad(set_to_none=True)
            self.updates += 1
            self._apply_lr_rule()
            result["grad"] = norm
        self.guard.on_good()
        return result

    def _apply_lr_rule(self) -> None:
        """Upstream's ScaledAdam lr: the first update at 0.01, every later one at 0.002."""
        if self.options.optimizer == "scaled_adam" and self.options.lr is None:
            lr = GPT_SCALED_ADAM_FIRST_LR if self.updates == 0 else GPT_SCALED_ADAM_LR
            for group in self.optimizer.param_groups:
                group["lr"] = lr

    def state_dict(self) -> dict:
        return {
            "kind": self.kind, "config": self.model.upstream_config, "options": self.options.to_dict(),
            "models": {"gpt": self.model.state_dict()}, "optimizers": {"gpt": self.optimizer.state_dict()},
            "precision": self.precision.state_dict(), "guard": self.guard.state_dict(), "updates": self.updates,
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("kind") != self.kind:
            raise ValueError(f"the checkpoint is for {state.get('kind')}, not the GPT")
        saved = state.get("options", {}).get("optimizer", "adamw")  # checkpoints older than the option: AdamW
        if saved != self.options.optimizer:
            raise TrainingError(f"the checkpoint was trained with the {saved} optimizer, this run uses "
                                f"{self.options.optimizer}; resume with optimizer={saved!r} (--optimizer {saved}) "
                                "or start without resume")
        self.model.load_state_dict(state["models"]["gpt"])
        self.optimizer.load_state_dict(state["optimizers"]["gpt"])
        optimizer_to(self.optimizer, self.device)
        self.precision.load_state_dict(state["precision"])
        self.guard.load_state_dict(state["guard"])
        self.updates = int(state.get("updates", 0))
        self._apply_lr_rule()

    def export(self, epoch: int, step: int) -> list[Path]:
        """Native .safetensors and upstream .ckpt (both fp16) in the models folder."""
        half = copy.deepcopy(self.model).cpu().half().eval()
        config = copy.deepcopy(self.model.upstream_config)
        config.setdefault("train", {}).update(epochs=self.options.epochs, batch_size=self.batch_size,
                                              exp_name=self.name)
        half.upstream_config = config
        stem = f"{self.name}-e{epoch}"
        native = self.out_dir / f"{stem}{NATIVE_MODEL_SUFFIX}"
        upstream = self.out_dir / f"{stem}{UPSTREAM_MODEL_SUFFIX['gpt']}"
        save_gpt_native(half, native, info=f"GPT-e{epoch}")
        export_gpt_upstream(half, upstream, info=f"GPT-e{epoch}")
        logger.info("saved %s and %s", native.name, upstream.name)
        return [native, upstream]


def make_gpt_optimizer(params, options: TrainingOptions) -> torch.optim.Optimizer:
    """ScaledAdam with upstream's settings (lr 0.01 until the first update) or AdamW, per ``options.optimizer``."""
    if options.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=options.lr or GPT_LR, betas=GPT_BETAS, eps=GPT_EPS, weight_decay=0.0)
    return ScaledAdam(params, lr=options.lr or GPT_SCALED_ADAM_FIRST_LR, **GPT_SCALED_ADAM)


def load_pretrained_gpt(path: Path):
    """The pretrained GPT (upstream .ckpt or native file) as a float32 model ready to train."""
    return load_gpt(path, device="cpu")
