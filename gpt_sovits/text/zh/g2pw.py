"""Optional g2pW polyphone model: picks the reading of polyphonic Chinese characters.

Upstream's v2 front end asks the g2pW ONNX classifier (a BERT over the sentence) which reading a
polyphonic character takes (行 xing2 or hang2). We use it only when the official model folder
``G2PWModel/`` sits in the pretrained folder; without it the front end keeps pypinyin readings.

The folder holds ``g2pW.onnx``, ``config.py``, ``POLYPHONIC_CHARS.txt``, ``MONOPHONIC_CHARS.txt``,
``bopomofo_to_pinyin_wo_tune_dict.json``, ``char_bopomofo_dict.json`` and ``version``. The model
works on Traditional characters: sentences go through OpenCC ``s2tw`` first. The tokenizer is the
chinese-roberta one already used for text features.

Nothing is imported or loaded at import time; onnxruntime, opencc and transformers load in
``G2PW.load``.
"""

from __future__ import annotations

import ast
import importlib
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gpt_sovits.errors import ModelNotFoundError, TextError
from gpt_sovits.pretrained import G2PW_FOLDER, bert_dir, g2pw_dir

logger = logging.getLogger(__name__)

MODEL_FILES = (
    "g2pW.onnx",
    "config.py",
    "POLYPHONIC_CHARS.txt",
    "MONOPHONIC_CHARS.txt",
    "bopomofo_to_pinyin_wo_tune_dict.json",
    "char_bopomofo_dict.json",
)
# Characters upstream leaves to the rule-based front end (sandhi of 一/不 and a few others)
# even though they are listed as polyphonic, and two it does not take from the monophonic table.
NOT_PREDICTED = frozenset("一不和咋嗲剖差攢倒難奔勁拗肖瘙誒泊听噢")
NOT_MONOPHONIC = frozenset("似攢")
# Optional word-reading dictionaries (not in the official zip; upstream keeps them in its source
# tree under text/g2pw/). Put them in G2PWModel/ to apply them; the second overrides the first.
WORD_READING_FILES = ("polyphonic.rep", "polyphonic-fix.rep")
# The model sees the clause cropped to this many characters before the first and after the last
# character it is asked about (upstream's current default).
CONTEXT_CHARS = 16
MAX_TOKENS = 512
_HAN_RUN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_CONFIG_DEFAULTS = {"use_mask": True, "use_char_phoneme": False}
_INSTALL_HINT = "pip install -r requirements.txt (it lists onnxruntime and opencc)"


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise TextError(
            f"The g2pW polyphone model needs the Python package '{name}', which is not installed; "
            f"run {_INSTALL_HINT}, or remove the {G2PW_FOLDER} folder to read Chinese without it."
        ) from e


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    """Lines "char<TAB>bopomofo+tone" of POLYPHONIC_CHARS.txt / MONOPHONIC_CHARS.txt."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").strip().splitlines(), 1):
        parts = line.split("\t")
        if len(parts) != 2:
            raise ModelNotFoundError(
                f"{path} line {number} is not 'character<TAB>reading'; the g2pW files are damaged."
            )
        pairs.append((parts[0], parts[1]))
    return pairs


def read_config(path: Path) -> dict[str, Any]:
    """The literal settings of the model's ``config.py`` (read, never run), over upstream's defaults."""
    config = dict(_CONFIG_DEFAULTS)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as e:
        raise ModelNotFoundError(f"{path} is not valid Python; the g2pW files are damaged.") from e
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                config[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue  # a computed value: none of the settings we use is computed
    return config


def read_word_readings(folder: Path) -> dict[str, list[str]]:
    """Entries "word: ['pin1', 'yin1']" of the optional .rep files in ``folder`` (later files win)."""
    table: dict[str, list[str]] = {}
    for name in WORD_READING_FILES:
        path = folder / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            key, _, value = line.partition(":")
            try:
                readings = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError) as e:
                raise ModelNotFoundError(
                    f"{path} line {number} is not 'word: [readings]'; fix or remove the file."
                ) from e
            if not isinstance(readings, list) or not all(isinstance(r, str) for r in readings):
                raise ModelNotFoundError(f"{path} line {number} is not 'word: [readings]'; fix or remove the file.")
            table[key.strip()] = readings
        logger.info("read %d word readings from %s", len(table), path)
    return table


@dataclass(frozen=True)
class Labels:
    """The classifier's label set and, per polyphonic character, the labels it may take."""

    names: tuple[str, ...]  # bopomofo+tone, or "<char> <bopomofo+tone>" with use_char_phoneme
    allowed: dict[str, frozenset[int]]
    chars: tuple[str, ...]  # sorted; a character's index here is its char_id

    @classmethod
    def build(cls, polyphonic: list[tuple[str, str]], char_phoneme: bool) -> Labels:
        def name(char: str, reading: str) -> str:
            return f"{char} {reading}" if char_phoneme else reading

        names = tuple(sorted({name(c, r) for c, r in polyphonic}))
        index = {n: i for i, n in enumerate(names)}
        allowed: dict[str, set[int]] = {}
        for char, reading in polyphonic:
            allowed.setdefault(char, set()).add(index[name(char, reading)])
        return cls(names, {c: frozenset(v) for c, v in allowed.items()}, tuple(sorted(allowed)))


class G2PW:
    """A loaded g2pW model; ``predict`` gives per-character pinyin for one clause."""

    def __init__(
        self, session: Any, tokenizer: Any, to_traditional: Any, tables: dict[str, Any], config: dict[str, Any]
    ):
        self._session = session
        self._tokenizer = tokenizer
        self._to_traditional = to_traditional
        self._char_phoneme = bool(config["use_char_phoneme"])
        self._use_mask = bool(config["use_mask"])
        self.labels = Labels.build(tables["polyphonic"], self._char_phoneme)
        self.predicted_chars = frozenset(self.labels.chars) - NOT_PREDICTED
        self.monophonic = {c: r for c, r in tables["monophonic"] if c not in NOT_MONOPHONIC}
        self._bopomofo_to_pinyin: dict[str, str] = tables["bopomofo_to_pinyin"]
        self.word_readings: dict[str, list[str]] = tables.get("word_readings", {})

    @classmethod
    def load(cls, folder: Path, tokenizer_dir: Path) -> G2PW:
        """Read the official ``G2PWModel`` file set and the chinese-roberta tokenizer folder."""
        folder, tokenizer_dir = Path(folder), Path(tokenizer_dir)
        missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
        if missing:
            raise ModelNotFoundError(
                f"The g2pW folder {folder} lacks {', '.join(missing)}; download G2PWModel again or remove the folder."
            )
        if not tokenizer_dir.is_dir():
            raise ModelNotFoundError(
                f"The g2pW model needs the Chinese BERT tokenizer folder {tokenizer_dir}; download it."
            )
        ort, opencc = _import("onnxruntime"), _import("opencc")
        transformers = _import("transformers")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = 2
        try:
            session = ort.InferenceSession(
                str(folder / "g2pW.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
            )
            tables = {
                "polyphonic": _read_pairs(folder / "POLYPHONIC_CHARS.txt"),
                "monophonic": _read_pairs(folder / "MONOPHONIC_CHARS.txt"),
                "bopomofo_to_pinyin": json.loads((folder / "bopomofo_to_pinyin_wo_tune_dict.json").read_text("utf-8")),
                "word_readings": read_word_readings(folder),
            }
            tokenizer = transformers.AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
        except (OSError, ValueError, RuntimeError) as e:
            raise ModelNotFoundError(f"The g2pW model in {folder} could not be loaded ({e}); download it again.") from e
        logger.info("g2pW polyphone model loaded from %s (%d polyphonic characters)", folder, len(tables["polyphonic"]))
        return cls(session, tokenizer, opencc.OpenCC("s2tw").convert, tables, read_config(folder / "config.py"))

    def predict(self, sentence: str) -> list[str | None]:
        """Pinyin with tone digit (neutral = 5) per character of ``sentence``, e.g. "xing2".

        Each run of Han characters is read on its own, as upstream does: a run that is a whole
        entry of the word-reading dictionary takes that entry; otherwise polyphonic characters
        get the model's choice, characters of the monophonic table their table reading, and the
        rest pypinyin's reading of the run. Other characters (punctuation) get None.
        """
        result: list[str | None] = [None] * len(sentence)
        for match in _HAN_RUN.finditer(sentence):
            result[match.start() : match.end()] = self._read_run(match.group())
        return result

    def _read_run(self, run: str) -> list[str | None]:
        whole = self.word_readings.get(run)
        if whole is not None and len(whole) == len(run):
            return list(whole)
        text = self._to_traditional(run)
        if len(text) != len(run):
            logger.warning("OpenCC changed the length of %r; g2pW reads it untranslated", run)
            text = run
        result = _pypinyin_readings(run)
        queries: list[int] = []
        for i, char in enumerate(text):
            if char in self.predicted_chars:
                queries.append(i)
            elif char in self.monophonic:
                result[i] = self._pinyin(self.monophonic[char]) or result[i]
        if queries:
            for i, reading in zip(queries, self._classify(text, queries), strict=True):
                result[i] = self._pinyin(reading) or result[i]
        return result

    def correct_word(self, word: str, readings: list[str | None]) -> list[str | None]:
        """Apply the optional word-reading dictionary to one jieba word (as upstream does after g2pW).

        A whole-word entry replaces every reading; otherwise each character with an entry of its
        own takes that entry's first reading. ``readings`` has one item per character.
        """
        whole = self.word_readings.get(word)
        if whole is not None and len(whole) == len(word):
            return list(whole)
        if len(readings) != len(word):
            return readings
        return [self.word_readings[c][0] if c in self.word_readings else r for c, r in zip(word, readings, strict=True)]

    def _pinyin(self, bopomofo: str) -> str | None:
        spelling = self._bopomofo_to_pinyin.get(bopomofo[:-1])
        if spelling is None or bopomofo[-1] not in "12345":
            logger.warning("g2pW reading %r has no pinyin spelling; keeping pypinyin's", bopomofo)
            return None
        return spelling + bopomofo[-1]

    def _tokens(self, text: str) -> tuple[list[str], list[int | None]]:
        """WordPiece tokens of ``text`` taken character by character, and each character's token index."""
        tokens: list[str] = []
        char_to_token: list[int | None] = []
        for char in text:
            if char.isspace():
                char_to_token.append(None)
                continue
            pieces = self._tokenizer.tokenize(char)
            char_to_token.append(len(tokens))
            tokens += pieces if pieces and pieces != ["[UNK]"] else ["[UNK]"]
        return tokens, char_to_token

    def _classify(self, text: str, queries: list[int]) -> list[str]:
        """The model's label (bopomofo+tone) for each queried character of ``text``."""
        start = max(0, queries[0] - CONTEXT_CHARS)
        end = min(len(text), queries[-1] + 1 + CONTEXT_CHARS)
        context = text[start:end].lower()
        tokens, char_to_token = self._tokens(context)
        if len(tokens) + 2 > MAX_TOKENS and len(queries) > 1:  # one query's context is at most 33 characters
            return [r for q in queries for r in self._classify(text, [q])]
        return self._run(context, tokens, char_to_token, [q - start for q in queries])

    def _run(self, context: str, tokens: list[str], char_to_token: list[int | None], queries: list[int]) -> list[str]:
        """One ONNX batch: every query shares the same token row [B, T]; output scores [B, n_labels]."""
        import numpy as np

        ids = self._tokenizer.convert_tokens_to_ids(["[CLS]", *tokens, "[SEP]"])
        batch, n_labels = len(queries), len(self.labels.names)
        input_ids = np.tile(np.asarray(ids, dtype=np.int64), (batch, 1))
        masks = np.ones((batch, n_labels), dtype=np.float32)
        char_ids = np.zeros(batch, dtype=np.int64)
        positions = np.zeros(batch, dtype=np.int64)
        for row, q in enumerate(queries):
            char = context[q]
            if self._use_mask:
                masks[row] = 0.0
                masks[row, sorted(self.labels.allowed[char])] = 1.0
            char_ids[row] = self.labels.chars.index(char)
            positions[row] = char_to_token[q] + 1  # +1 for [CLS]
        feeds = {
            "input_ids": input_ids,
            "token_type_ids": np.zeros_like(input_ids),
            "attention_mask": np.ones_like(input_ids),
            "phoneme_mask": masks,
            "char_ids": char_ids,
            "position_ids": positions,
        }
        try:
            scores = self._session.run(None, feeds)[0]
        except Exception as e:  # onnxruntime raises its own exception types
            raise TextError(f"The g2pW model failed on {context!r} ({e}); its files may not match each other.") from e
        names = [self.labels.names[int(i)] for i in np.argmax(scores, axis=1)]
        return [n.split(" ")[1] for n in names] if self._char_phoneme else names


def _pypinyin_readings(run: str) -> list[str | None]:
    """pypinyin's reading of every character of a Han run, with its phrase dictionary (TONE3, neutral 5)."""
    pypinyin = importlib.import_module("pypinyin")
    items = pypinyin.pinyin(run, style=pypinyin.Style.TONE3, neutral_tone_with_five=True)
    if len(items) != len(run):  # not expected for Han characters; keep the front end's own readings
        return [None] * len(run)
    return [item[0] if item and item[0] and item[0][-1] in "12345" else None for item in items]


@lru_cache(maxsize=4)
def _load_cached(folder: str, tokenizer_dir: str) -> G2PW:
    return G2PW.load(Path(folder), Path(tokenizer_dir))


def find_g2pw(pretrained_dir: Path, tokenizer_dir: Path | None = None) -> G2PW | None:
    """The g2pW model of ``pretrained_dir/G2PWModel``, loaded once per process; None without that folder.

    ``tokenizer_dir`` defaults to ``pretrained_dir/chinese-roberta-wwm-ext-large``.
    """
    folder = g2pw_dir(pretrained_dir)
    if not folder.is_dir():
        return None
    tokenizer_dir = Path(tokenizer_dir) if tokenizer_dir is not None else bert_dir(pretrained_dir)
    return _load_cached(str(folder.resolve()), str(tokenizer_dir.resolve()))
