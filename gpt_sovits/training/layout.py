"""How training reads a prepared dataset (:class:`DatasetLayout`, shared with dataset preparation).

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

import pickle
from pathlib import Path

import torch

from gpt_sovits.data.events import DatasetError
from gpt_sovits.data.feature_files import DatasetLayout, read_phones_table, read_semantic_table
from gpt_sovits.errors import ConfigError

__all__ = ["DatasetFormatError", "DatasetLayout", "load_tensor", "read_phones", "read_semantic"]


class DatasetFormatError(ConfigError):
    """A prepared dataset file is missing or malformed; the message names the file and line."""


def read_phones(path: Path) -> dict[str, list[str]]:
    """{name: phones} from a phones table (upstream's 2-name2text.txt format)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFormatError(f"{path} is missing: prepare the dataset first (Voice data tab or `prepare`).")
    try:
        return {row.name: list(row.phones) for row in read_phones_table(path)}
    except DatasetError as e:
        raise DatasetFormatError(str(e)) from e


def read_semantic(path: Path) -> dict[str, list[int]]:
    """{name: 25 Hz codes} from a semantic table (header line first, as upstream writes it)."""
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
