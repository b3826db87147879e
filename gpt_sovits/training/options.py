"""Settings of one fine-tuning run, with upstream's recipe as the defaults (SPEC-upstream.md §9.3, §9.4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gpt_sovits.errors import ConfigError, StudioError

# SoVITS (s2_train.py with the WebUI's defaults)
SOVITS_EPOCHS = 8
SOVITS_SAVE_EVERY = 4
SOVITS_LR = 1e-4
SOVITS_BETAS = (0.8, 0.99)
SOVITS_EPS = 1e-9
SOVITS_WEIGHT_DECAY = 0.01  # PyTorch's AdamW default, which upstream keeps
SOVITS_LR_DECAY = 0.999875  # ExponentialLR gamma, stepped once per epoch
SOVITS_TEXT_LR_RATIO = 0.4  # text embedding, text encoder and MRTE learn at this fraction of the lr
SOVITS_TEXT_MODULES = ("enc_p.text_embedding", "enc_p.encoder_text", "enc_p.mrte")
SOVITS_FROZEN_MODULES = ("ssl_proj", "quantizer")
SOVITS_SEED = 1234

# GPT (s1_train.py). Upstream's optimizer is ScaledAdam (our scaled_adam.py) built with lr 0.01; its
# scheduler then forces 0.002 after every update, so the first update runs at 0.01 and all later ones at
# 0.002. AdamW stays available (optimizer="adamw"); for the pretrained GPT's weights (RMS about 0.02-0.05)
# a fixed AdamW lr of 1e-4 gives updates of the same order of magnitude as ScaledAdam's.
GPT_EPOCHS = 15
GPT_SAVE_EVERY = 5
GPT_OPTIMIZERS = ("scaled_adam", "adamw")
GPT_SCALED_ADAM_FIRST_LR = 0.01
GPT_SCALED_ADAM_LR = 0.002
GPT_SCALED_ADAM = {"betas": (0.9, 0.95), "clipping_scale": 2.0, "clipping_update_period": 1000,
                   "scalar_lr_scale": 0.1, "eps": 1e-8, "param_min_rms": 1e-5, "param_max_rms": 3.0,
                   "scalar_max": 10.0, "size_update_period": 4}
GPT_LR = 1e-4  # AdamW
GPT_BETAS = (0.9, 0.95)
GPT_EPS = 1e-8
GPT_ACCUMULATE = 4  # optimizer step when batch_idx > 0 and batch_idx % 4 == 0, as upstream
GPT_MAX_BATCH = 40
GPT_SEED = 1234

PRECISIONS = ("auto", "fp32", "fp16", "bf16")


class TrainingError(StudioError):
    """Training cannot start or cannot go on; the message says what to change."""


@dataclass(frozen=True)
class TrainingOptions:
    """What a user (or test) may change about a run; ``None`` means "the recipe's default".

    ``repeat_target``: small sets are repeated up to about this many items per epoch (upstream: 100).
    ``max_steps``: stop (and save) after this many optimizer steps in total (for quick checks).
    ``optimizer``: the GPT's, "scaled_adam" (upstream's, the default) or "adamw". With ScaledAdam an
    explicit ``lr`` is used for every update instead of upstream's 0.01-then-0.002 rule.
    """

    epochs: int | None = None
    batch_size: int | None = None  # None: chosen from free VRAM (CUDA) or a small CPU default
    save_every: int | None = None  # epochs between checkpoints
    keep_checkpoints: int = 2
    resume: bool = False
    device: str = "auto"
    precision: str = "auto"  # auto: bf16 on CUDA when supported, else fp16 on CUDA, fp32 on the CPU
    lr: float | None = None
    text_lr_ratio: float = SOVITS_TEXT_LR_RATIO
    accumulate: int = GPT_ACCUMULATE
    seed: int | None = None
    repeat_target: int = 100
    max_steps: int | None = None
    num_threads: int | None = None
    export_every_save: bool = False
    optimizer: str = "scaled_adam"

    def __post_init__(self) -> None:
        problems = []
        for name in ("epochs", "batch_size", "save_every", "max_steps", "num_threads"):
            value = getattr(self, name)
            if value is not None and int(value) < 1:
                problems.append(f"{name} must be at least 1 (got {value})")
        if self.epochs is not None and self.epochs > 100:
            problems.append(f"epochs {self.epochs} is far more than fine-tuning needs (upstream allows up to 25/50)")
        if self.keep_checkpoints < 1:
            problems.append("keep_checkpoints must be at least 1")
        if self.precision not in PRECISIONS:
            problems.append(f"precision must be one of {', '.join(PRECISIONS)} (got {self.precision!r})")
        if not 0.0 < self.text_lr_ratio <= 1.0:
            problems.append(f"text_lr_ratio must be in (0, 1] (got {self.text_lr_ratio}); upstream's range is 0.2-0.6")
        if self.lr is not None and not 0.0 < self.lr < 1.0:
            problems.append(f"lr must be between 0 and 1 (got {self.lr})")
        if self.optimizer not in GPT_OPTIMIZERS:
            problems.append(f"optimizer must be one of {', '.join(GPT_OPTIMIZERS)} (got {self.optimizer!r})")
        if self.accumulate < 1:
            problems.append("accumulate must be at least 1")
        if problems:
            raise ConfigError(problems)

    def to_dict(self) -> dict:
        return asdict(self)
