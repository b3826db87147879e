"""Part-of-speech tagging for English homographs ("read", "record", "live" ...).

Two taggers, both fully offline; neither ever downloads anything:

* ``PerceptronTagger``: NLTK's averaged perceptron, the tagger upstream uses
  (so results match the golden data). Its model is NLTK data
  (``taggers/averaged_perceptron_tagger_eng/*.json``), which is not on PyPI; it
  is used when found in a folder given explicitly, or in ``$NLTK_DATA`` /
  NLTK's usual data folders. The three JSON files are read here directly, so
  NLTK's resource finder (and its downloader) is never involved.
* ``CrfTagger``: the fallback, a conditional random field trained on Universal
  Dependencies English with Penn Treebank tags, shipped by the PyPI package
  ``gruut-lang-en`` (MIT) and run with ``python-crfsuite`` (MIT). It agrees with
  NLTK's tags on most words; see ``bench/en_tagger_agreement.py``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import string
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from gpt_sovits.errors import TextError

log = logging.getLogger(__name__)

PERCEPTRON_DIR = Path("taggers") / "averaged_perceptron_tagger_eng"
PERCEPTRON_FILES = tuple(f"averaged_perceptron_tagger_eng.{part}.json" for part in ("weights", "tagdict", "classes"))
CRF_MODEL = "pos/model.crf"


class Tagger(Protocol):
    """Anything that gives one Penn Treebank tag per word."""

    name: str

    def tag(self, words: Sequence[str]) -> list[str]: ...


class PerceptronTagger:
    """NLTK's averaged perceptron tagger, loaded from an explicit data folder."""

    name = "nltk-perceptron"

    def __init__(self, model_dir: Path):
        from nltk.tag.perceptron import PerceptronTagger as _Nltk  # no resource lookup with load=False

        params = []
        for filename in PERCEPTRON_FILES:
            with (model_dir / filename).open(encoding="utf-8") as f:
                params.append(json.load(f))
        self._tagger = _Nltk(load=False)
        self._tagger.decode_json_params(params)

    def tag(self, words: Sequence[str]) -> list[str]:
        return [t for _, t in self._tagger.tag(list(words))]


def _crf_word_features(word: str, prefix: str = "") -> dict[str, Any]:
    # The attribute names and values the gruut-lang-en model was trained with.
    feats: dict[str, Any] = {
        f"{prefix}bias": 1.0,
        f"{prefix}word": base64.b64encode(word.encode()).decode("ascii"),
        f"{prefix}len(word)": len(word),
        f"{prefix}word.ispunctuation": word in string.punctuation,
        f"{prefix}word.isdigit()": word.isdigit(),
    }
    for n in (2, 3):
        feats[f"{prefix}word[:{n}]"] = word[:n]
        feats[f"{prefix}word[-{n}:]"] = word[-n:]
    return feats


def crf_features(words: Sequence[str]) -> list[dict[str, Any]]:
    """Per-word feature dicts: the word itself and two neighbours each side."""
    out = []
    for i, word in enumerate(words):
        feats = _crf_word_features(word)
        if i == 0:
            feats["BOS"] = True
        if i == len(words) - 1:
            feats["EOS"] = True
        for j in (1, 2):
            if i >= j:
                feats.update(_crf_word_features(words[i - j], prefix=f"-{j}:"))
            if i + j < len(words):
                feats.update(_crf_word_features(words[i + j], prefix=f"+{j}:"))
        out.append(feats)
    return out


class CrfTagger:
    """gruut-lang-en's CRF part-of-speech model (Penn Treebank tags)."""

    name = "gruut-crf"

    def __init__(self, model_path: Path):
        import pycrfsuite

        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(model_path))

    def tag(self, words: Sequence[str]) -> list[str]:
        return list(self._tagger.tag(crf_features(words))) if words else []


def _nltk_data_dirs(explicit: Path | None) -> list[Path]:
    dirs = [explicit] if explicit is not None else []
    dirs += [Path(p) for p in os.environ.get("NLTK_DATA", "").split(os.pathsep) if p]
    home = Path.home()
    dirs += [home / "nltk_data", Path("/usr/share/nltk_data"), Path("/usr/local/share/nltk_data"),
             Path("/usr/lib/nltk_data"), Path("/usr/local/lib/nltk_data")]
    return dirs


def find_perceptron_model(nltk_data: Path | None = None, search_defaults: bool = True) -> Path | None:
    """Folder holding NLTK's English perceptron JSON files, or None when none is found (only ``nltk_data``
    is looked at unless ``search_defaults``)."""
    roots = _nltk_data_dirs(nltk_data) if search_defaults else [nltk_data] if nltk_data is not None else []
    for root in roots:
        folder = root / PERCEPTRON_DIR
        if all((folder / f).is_file() for f in PERCEPTRON_FILES):
            return folder
    return None


def find_crf_model() -> Path | None:
    """gruut-lang-en's POS model file, or None when the package (or python-crfsuite) is missing."""
    import importlib.util

    spec = importlib.util.find_spec("gruut_lang_en")
    if spec is None or not spec.submodule_search_locations or importlib.util.find_spec("pycrfsuite") is None:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / CRF_MODEL
    return path if path.is_file() else None


@cache
def load_tagger(nltk_data: Path | None = None, prefer: str = "auto") -> Tagger:
    """The best available tagger: NLTK's perceptron if its data is found, else the CRF fallback.

    ``prefer`` is "auto", "nltk" or "crf". Raises TextError when no tagger is available.
    """
    if prefer not in ("auto", "nltk", "crf"):
        raise ValueError(f"prefer must be 'auto', 'nltk' or 'crf', not {prefer!r}")
    if prefer in ("auto", "nltk"):
        folder = find_perceptron_model(nltk_data)
        if folder is not None:
            log.info("English POS tagger: NLTK averaged perceptron from %s", folder)
            return PerceptronTagger(folder)
        if prefer == "nltk":
            raise TextError(
                "NLTK's English tagger data (taggers/averaged_perceptron_tagger_eng) was not found; "
                "set NLTK_DATA to a folder that holds it, or use the built-in fallback tagger."
            )
    crf = find_crf_model()
    if crf is None:
        raise TextError(
            "No English part-of-speech tagger is available: install the 'gruut-lang-en' and "
            "'python-crfsuite' packages (pip install -r requirements.txt) or point NLTK_DATA at NLTK's "
            "averaged_perceptron_tagger_eng data."
        )
    log.info("English POS tagger: gruut-lang-en CRF fallback (NLTK tagger data not found)")
    return CrfTagger(crf)
