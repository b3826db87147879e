"""Where a prepared dataset lives and how its tables are read.

Two layouts hold the same files under different names (upstream's names on the right)::

    studio (workspace/<voice>/features/)    upstream (logs/<exp>/)
    phones.tsv                              2-name2text.txt      name<TAB>phones<TAB>word2ph<TAB>norm_text
    semantic.tsv                            6-name2semantic.tsv  header line, then name<TAB>codes (25 Hz)
    bert/<name>.pt                          3-bert/              [1024, n_phones] (Chinese lines only)
    hubert/<name>.pt                        4-cnhubert/          [1, 768, T50]
    wav32k/<name>                           5-wav32k/            16-bit mono 32 kHz WAV
    sv/<name>.pt                            7-sv_cn/             [1, 20480] (v2Pro / v2ProPlus)

``name`` is the clip's file name with its extension. Tensors are read with ``weights_only=True``.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch

from gpt_sovits.errors import ConfigError
from gpt_sovits.fileio import resolve_inside


class DatasetFormatError(ConfigError):
    """A prepared dataset file is missing or malformed; the message names the file and line."""


@dataclass(frozen=True)
class DatasetLayout:
    """File names of one prepared dataset (see the module docstring)."""

    root: Path
    phones_name: str = "phones.tsv"
    semantic_name: str = "semantic.tsv"
    bert_dir: str = "bert"
    hubert_dir: str = "hubert"
    wav_dir: str = "wav32k"
    sv_dir: str = "sv"

    @classmethod
    def studio(cls, features_root: Path) -> DatasetLayout:
        """The layout written by the studio's dataset preparation (workspace/<voice>/features/)."""
        return cls(Path(features_root))

    @classmethod
    def upstream(cls, exp_dir: Path) -> DatasetLayout:
        """Upstream's experiment folder (logs/<exp>/) with its numbered names."""
        return cls(Path(exp_dir), "2-name2text.txt", "6-name2semantic.tsv", "3-bert", "4-cnhubert", "5-wav32k",
                   "7-sv_cn")

    @classmethod
    def detect(cls, root: Path) -> DatasetLayout:
        """The studio layout, or upstream's when only its numbered files are present."""
        root = Path(root)
        if not (root / "phones.tsv").exists() and (root / "2-name2text.txt").exists():
            return cls.upstream(root)
        return cls.studio(root)

    @property
    def phones_tsv(self) -> Path:
        return self.root / self.phones_name

    @property
    def semantic_tsv(self) -> Path:
        return self.root / self.semantic_name

    @property
    def info_json(self) -> Path:
        return self.root / "info.json"

    def _item(self, folder: str, name: str, suffix: str) -> Path:
        return resolve_inside(Path(folder) / f"{name}{suffix}", [self.root])

    def bert(self, name: str) -> Path:
        return self._item(self.bert_dir, name, ".pt")

    def hubert(self, name: str) -> Path:
        return self._item(self.hubert_dir, name, ".pt")

    def wav32k(self, name: str) -> Path:
        return self._item(self.wav_dir, name, "")

    def sv(self, name: str) -> Path:
        return self._item(self.sv_dir, name, ".pt")

    def info(self) -> dict:
        """info.json written by dataset preparation ({} when absent or unreadable)."""
        try:
            data = json.loads(self.info_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def read_phones(path: Path) -> dict[str, list[str]]:
    """{name: phones} from a phones table (upstream's 2-name2text.txt format, read by data/feature_files)."""
    from gpt_sovits.data.events import DatasetError
    from gpt_sovits.data.feature_files import read_phones_table

    path = Path(path)
    if not path.is_file():
        raise DatasetFormatError(f"{path} is missing: prepare the dataset first (Voice data tab or `prepare`).")
    try:
        return {row.name: list(row.phones) for row in read_phones_table(path)}
    except DatasetError as e:
        raise DatasetFormatError(str(e)) from e


def read_semantic(path: Path) -> dict[str, list[int]]:
    """{name: 25 Hz codes} from a semantic table (header line first, as upstream writes it)."""
    from gpt_sovits.data.events import DatasetError
    from gpt_sovits.data.feature_files import read_semantic_table

    path = Path(path)
    if not path.is_file():
        raise DatasetFormatError(f"{path} is missing: prepare the dataset first (the semantic-token stage).")
    try:
        return read_semantic_table(path)
    except DatasetError as e:
        raise DatasetFormatError(str(e)) from e


def load_tensor(path: Path) -> torch.Tensor:
    """A tensor file of the dataset (weights_only); DatasetFormatError when missing or unreadable."""
    try:
        value = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:
        raise DatasetFormatError(f"cannot read {path} ({e}); run dataset preparation again") from e
    if not isinstance(value, torch.Tensor):
        raise DatasetFormatError(f"{path} does not hold a tensor; run dataset preparation again")
    return value
