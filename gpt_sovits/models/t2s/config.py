"""Hyper-parameters of the text-to-semantic GPT, read from an upstream ``config`` dict."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from gpt_sovits.errors import ConfigError

# Sections of upstream's ``configs/s1longer-v2.yaml`` (the v2 GPT, also used by v2Pro/v3/v4).
# A checkpoint's own ``config`` always wins; this is what we write for freshly made models.
UPSTREAM_V2_CONFIG: dict = {
    "train": {
        "seed": 1234,
        "epochs": 20,
        "batch_size": 8,
        "save_every_n_epoch": 1,
        "precision": "16-mixed",
        "gradient_clip": 1.0,
    },
    "optimizer": {"lr": 0.01, "lr_init": 1e-05, "lr_end": 0.0001, "warmup_steps": 2000, "decay_steps": 40000},
    "data": {"max_eval_sample": 8, "max_sec": 54, "num_workers": 4, "pad_val": 1024},
    "model": {
        "vocab_size": 1025,
        "phoneme_vocab_size": 732,
        "embedding_dim": 512,
        "hidden_dim": 512,
        "head": 16,
        "linear_units": 2048,
        "n_layer": 24,
        "dropout": 0,
        "EOS": 1024,
        "random_bert": 0,
    },
    "inference": {"top_k": 15},
}

BERT_DIM = 1024  # width of the phone-level BERT features (chinese-roberta-wwm-ext-large)
SEMANTIC_HZ = 25  # semantic tokens per second (upstream's early-stop length is 50 * max_sec regardless)


@dataclass(frozen=True)
class GPTConfig:
    """Shape of a Text2SemanticDecoder; field names follow our style, ``from_upstream`` maps upstream's."""

    vocab_size: int = 1025
    phoneme_vocab_size: int = 732
    hidden_dim: int = 512
    n_head: int = 16
    n_layer: int = 24
    eos: int = 1024
    dropout: float = 0.0
    max_sec: int = 54
    layer_norm_eps: float = 1e-5
    train_dropout: float = 0.1  # hard-wired upstream: attention, FFN, residual and position dropout

    def __post_init__(self) -> None:
        problems = []
        for name in ("vocab_size", "phoneme_vocab_size", "hidden_dim", "n_head", "n_layer"):
            if int(getattr(self, name)) <= 0:
                problems.append(f"{name} must be positive (got {getattr(self, name)})")
        if self.n_head > 0 and self.hidden_dim % self.n_head:
            problems.append(f"hidden_dim {self.hidden_dim} is not divisible by head {self.n_head}")
        if self.eos != self.vocab_size - 1:
            problems.append(f"EOS must be vocab_size - 1 = {self.vocab_size - 1} (got {self.eos})")
        if problems:
            raise ConfigError(problems)

    @property
    def head_dim(self) -> int:
        return self.hidden_dim // self.n_head

    @property
    def ffn_dim(self) -> int:
        """Feed-forward width: upstream ignores ``linear_units`` and always uses 4 x hidden_dim."""
        return 4 * self.hidden_dim

    @property
    def early_stop_num(self) -> int:
        """Upstream's generation cap passed by the WebUI and TTS.py: 50 * max_sec (2700 for v2)."""
        return 50 * self.max_sec

    @classmethod
    def from_upstream(cls, config: dict) -> GPTConfig:
        """Build from a full upstream config dict (``model`` section, plus ``data.max_sec``)."""
        if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
            raise ConfigError("the GPT config has no 'model' section")
        model = config["model"]
        missing = [k for k in ("vocab_size", "phoneme_vocab_size", "embedding_dim", "hidden_dim", "head", "n_layer")
                   if k not in model]
        if missing:
            raise ConfigError([f"the GPT config's 'model' section lacks '{k}'" for k in missing])
        if model["embedding_dim"] != model["hidden_dim"]:
            raise ConfigError(
                f"embedding_dim ({model['embedding_dim']}) must equal hidden_dim ({model['hidden_dim']})"
            )
        data = config.get("data") if isinstance(config.get("data"), dict) else {}
        return cls(
            vocab_size=int(model["vocab_size"]),
            phoneme_vocab_size=int(model["phoneme_vocab_size"]),
            hidden_dim=int(model["hidden_dim"]),
            n_head=int(model["head"]),
            n_layer=int(model["n_layer"]),
            eos=int(model.get("EOS", int(model["vocab_size"]) - 1)),
            dropout=float(model.get("dropout", 0.0)),
            max_sec=int(data.get("max_sec", 54)),
        )

    def to_upstream(self, base: dict | None = None) -> dict:
        """A full upstream config dict: ``base`` (default: s1longer-v2) with this shape written in."""
        config = copy.deepcopy(base if base is not None else UPSTREAM_V2_CONFIG)
        model = config.setdefault("model", {})
        model.update(
            vocab_size=self.vocab_size,
            phoneme_vocab_size=self.phoneme_vocab_size,
            embedding_dim=self.hidden_dim,
            hidden_dim=self.hidden_dim,
            head=self.n_head,
            linear_units=self.ffn_dim,
            n_layer=self.n_layer,
            EOS=self.eos,
        )
        config.setdefault("data", {})["max_sec"] = self.max_sec
        return config
