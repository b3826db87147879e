"""Where dataset preparation puts its output and how each file is written and read.

Inside ``workspace/<voice>/features/`` (upstream's names in brackets)::

    phones.tsv      [2-name2text.txt]      name<TAB>phones joined by spaces<TAB>word2ph list or None<TAB>norm_text
    bert/<name>.pt  [3-bert/]              float tensor [1024, n_phones], Chinese lines only
    hubert/<name>.pt [4-cnhubert/]         float tensor [1, 768, T50]
    wav32k/<name>   [5-wav32k/]            16-bit PCM mono 32 kHz WAV, under the clip's own name
    semantic.tsv    [6-name2semantic.tsv]  header item_name<TAB>semantic_audio, then name<TAB>codes (25 Hz)
    sv/<name>.pt    [7-sv_cn/]             float tensor [1, 20480], v2Pro and v2ProPlus only
    info.json       version, items and the model used for the semantic tokens
    .work/          one small record per clip and stage: the .tsv rows before assembly, and the size and
                    time stamp of the input each output was made from (a changed input is redone)

``name`` is the clip's file name with its extension, upstream's key. Tensors are saved with
``torch.save`` and must be read with :func:`load_tensor` (``weights_only=True``).
"""

from __future__ import annotations

import io
import json
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch

from gpt_sovits.data.events import DatasetError
from gpt_sovits.fileio import resolve_inside, write_bytes_atomic, write_text_atomic

logger = logging.getLogger(__name__)

SEMANTIC_HEADER = "item_name\tsemantic_audio"


@dataclass(frozen=True)
class PhoneRow:
    """One line of phones.tsv: ``word2ph`` is None except for Chinese."""

    name: str
    phones: tuple[str, ...]
    word2ph: tuple[int, ...] | None
    norm_text: str

    def to_line(self) -> str:
        word2ph = "None" if self.word2ph is None else str(list(self.word2ph))
        return "\t".join((self.name, " ".join(self.phones), word2ph, self.norm_text))


@dataclass(frozen=True)
class DatasetLayout:
    """The files of one prepared dataset (see the module docstring).

    The studio's names by default; :meth:`upstream` gives upstream's numbered names for the same files
    (an experiment folder ``logs/<exp>/`` of upstream's WebUI), which training can read as well.
    """

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
        # resolve_inside refuses names such as ".." that would leave the folder
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
        return load_json(self.info_json) or {}

    # the per-clip records of the studio's preparation (its .work/ folder)
    def phones_part(self, name: str) -> Path:
        return self._item(".work/phones", name, ".json")

    def semantic_part(self, name: str) -> Path:
        return self._item(".work/semantic", name, ".json")

    def audio_part(self, name: str) -> Path:
        return self._item(".work/audio", name, ".json")

    def sv_part(self, name: str) -> Path:
        return self._item(".work/sv", name, ".json")


def save_tensor(path: Path, tensor: torch.Tensor) -> None:
    """Save one CPU tensor atomically (torch.save format, readable with weights_only=True)."""
    buffer = io.BytesIO()
    torch.save(tensor.detach().cpu().contiguous(), buffer)
    write_bytes_atomic(path, buffer.getvalue())


def load_tensor(path: Path) -> torch.Tensor | None:
    """A tensor saved by :func:`save_tensor`, or None when the file is missing or unreadable."""
    try:
        value = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:  # missing, truncated or not a tensor file
        if path.exists():
            logger.warning("Ignoring unreadable %s (%s); it will be made again", path, e)
        return None
    return value if isinstance(value, torch.Tensor) else None


def save_json(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False))


def load_json(path: Path) -> dict | None:
    """A JSON object from ``path``, or None when missing or damaged."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_phones_table(path: Path, rows: list[PhoneRow]) -> None:
    """Write phones.tsv (upstream's 2-name2text.txt) atomically, '\\n' line ends and a final newline."""
    write_text_atomic(path, "".join(r.to_line() + "\n" for r in rows))


def _parse_word2ph(field: str, where: str) -> tuple[int, ...] | None:
    if field == "None":
        return None
    inner = field.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        raise DatasetError(f"{where}: word2ph {field!r} is neither a list like [2, 1] nor None")
    try:
        return tuple(int(x) for x in inner[1:-1].split(",") if x.strip())
    except ValueError as e:
        raise DatasetError(f"{where}: word2ph {field!r} holds something other than whole numbers") from e


def read_phones_table(path: Path) -> list[PhoneRow]:
    """Read phones.tsv (or upstream's 2-name2text.txt); DatasetError names the first bad line."""
    rows = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        where = f"{Path(path).name} line {line_no}"
        if len(fields) != 4:
            raise DatasetError(f"{where}: expected 4 tab-separated fields, found {len(fields)}")
        rows.append(PhoneRow(fields[0], tuple(fields[1].split()), _parse_word2ph(fields[2], where), fields[3]))
    return rows


def write_semantic_table(path: Path, rows: list[tuple[str, list[int]]]) -> None:
    """Write semantic.tsv (upstream's 6-name2semantic.tsv): header, then name<TAB>codes."""
    lines = [SEMANTIC_HEADER] + [f"{name}\t{' '.join(map(str, codes))}" for name, codes in rows]
    write_text_atomic(path, "\n".join(lines) + "\n")


def read_semantic_table(path: Path) -> dict[str, list[int]]:
    """Read semantic.tsv into {name: codes}; DatasetError names the first bad line."""
    out: dict[str, list[int]] = {}
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for line_no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        name, _, codes = line.partition("\t")
        try:
            out[name] = [int(c) for c in codes.split()]
        except ValueError as e:
            raise DatasetError(f"{Path(path).name} line {line_no}: the codes are not whole numbers") from e
    return out
