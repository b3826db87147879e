"""g2pW polyphone model: loader, per-character prediction, and the clean_chinese hook.

The model here is a tiny ONNX graph with upstream's input and output names and shapes whose
scores are a table lookup (by the queried character's token and by char_id), so the expected
argmax can be computed independently with numpy.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gpt_sovits.errors import ModelNotFoundError, TextError
from gpt_sovits.pretrained import G2PW_FOLDER as FOLDER_NAME
from gpt_sovits.text.zh import clean_chinese
from gpt_sovits.text.zh import g2pw as g2pw_module
from gpt_sovits.text.zh.g2pw import G2PW, MODEL_FILES, find_g2pw

POLYPHONIC = [
    ("行", "ㄒㄧㄥ2"),
    ("行", "ㄏㄤ2"),
    ("長", "ㄔㄤ2"),
    ("長", "ㄓㄤ3"),
    ("重", "ㄓㄨㄥ4"),
    ("重", "ㄔㄨㄥ2"),
    ("和", "ㄏㄜ2"),
    ("和", "ㄏㄜ4"),
]
MONOPHONIC = [("銀", "ㄧㄣ2"), ("似", "ㄙ4"), ("的", "ㄉㄧ4")]
BOPOMOFO = {
    "ㄒㄧㄥ": "xing",
    "ㄏㄤ": "hang",
    "ㄔㄤ": "chang",
    "ㄓㄤ": "zhang",
    "ㄓㄨㄥ": "zhong",
    "ㄔㄨㄥ": "chong",
    "ㄏㄜ": "he",
    "ㄧㄣ": "yin",
    "ㄙ": "si",
    "ㄉㄧ": "di",
}
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"我們在銀行長大了他重要和似的"]
LABELS = sorted({r for _, r in POLYPHONIC})
CHARS = sorted({c for c, _ in POLYPHONIC})


def _write_tokenizer(folder: Path) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertTokenizerFast

    vocab = {tok: i for i, tok in enumerate(VOCAB)}
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(handle_chinese_chars=True, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    BertTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
    ).save_pretrained(folder)


def _write_onnx(path: Path, by_token: np.ndarray, by_char: np.ndarray) -> None:
    """scores[b] = softmax(by_token[input_ids[b, position_ids[b]]] + by_char[char_ids[b]]) * phoneme_mask[b]."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    def ints(name: str, shape: list) -> object:
        return helper.make_tensor_value_info(name, TensorProto.INT64, shape)

    nodes = [
        helper.make_node("Unsqueeze", ["position_ids", "axis1"], ["pos2"]),
        helper.make_node("GatherElements", ["input_ids", "pos2"], ["query_tok2"], axis=1),
        helper.make_node("Squeeze", ["query_tok2", "axis1"], ["query_tok"]),
        helper.make_node("Gather", ["by_token", "query_tok"], ["s1"], axis=0),
        helper.make_node("Gather", ["by_char", "char_ids"], ["s2"], axis=0),
        helper.make_node("Add", ["s1", "s2"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["p"], axis=1),
        helper.make_node("Mul", ["p", "phoneme_mask"], ["probs"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_g2pw",
        [
            ints("input_ids", ["B", "T"]),
            ints("token_type_ids", ["B", "T"]),
            ints("attention_mask", ["B", "T"]),
            helper.make_tensor_value_info("phoneme_mask", TensorProto.FLOAT, ["B", len(LABELS)]),
            ints("char_ids", ["B"]),
            ints("position_ids", ["B"]),
        ],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["B", len(LABELS)])],
        initializer=[
            numpy_helper.from_array(by_token.astype(np.float32), "by_token"),
            numpy_helper.from_array(by_char.astype(np.float32), "by_char"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def _write_model(root: Path, by_token: np.ndarray, by_char: np.ndarray) -> Path:
    folder = root / FOLDER_NAME
    folder.mkdir(parents=True)
    _write_onnx(folder / "g2pW.onnx", by_token, by_char)
    (folder / "config.py").write_text("manual_seed = 1313\nuse_mask = True\nuse_char_phoneme = False\n", "utf-8")
    (folder / "POLYPHONIC_CHARS.txt").write_text("\n".join(f"{c}\t{r}" for c, r in POLYPHONIC) + "\n", "utf-8")
    (folder / "MONOPHONIC_CHARS.txt").write_text("\n".join(f"{c}\t{r}" for c, r in MONOPHONIC) + "\n", "utf-8")
    (folder / "bopomofo_to_pinyin_wo_tune_dict.json").write_text(json.dumps(BOPOMOFO, ensure_ascii=False), "utf-8")
    (folder / "char_bopomofo_dict.json").write_text(json.dumps({"行": ["ㄒㄧㄥ2"]}, ensure_ascii=False), "utf-8")
    (folder / "version").write_text("1.1\n", "utf-8")
    _write_tokenizer(root / "chinese-roberta-wwm-ext-large")
    return folder


def _forcing(readings: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Weights that make the model answer readings[char] for every listed character."""
    by_char = np.zeros((len(CHARS), len(LABELS)))
    for char, reading in readings.items():
        by_char[CHARS.index(char), LABELS.index(reading)] = 10.0
    return np.zeros((len(VOCAB), len(LABELS))), by_char


@pytest.fixture
def random_model(tmp_path: Path) -> tuple[G2PW, np.ndarray, np.ndarray]:
    pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(3)
    by_token, by_char = rng.normal(size=(len(VOCAB), len(LABELS))), rng.normal(size=(len(CHARS), len(LABELS)))
    folder = _write_model(tmp_path, by_token, by_char)
    return G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large"), by_token, by_char


def test_loader_reads_the_official_file_set(random_model):
    model = random_model[0]
    assert model.labels.names == tuple(LABELS)
    assert model.labels.chars == tuple(CHARS)
    assert model.labels.allowed["長"] == {LABELS.index("ㄔㄤ2"), LABELS.index("ㄓㄤ3")}
    assert model.predicted_chars == {"行", "長", "重"}  # 和 is left to the rules, as upstream does
    assert set(model.monophonic) == {"銀", "的"}  # 似 is not taken from the table


def test_prediction_is_the_masked_argmax_at_the_query_token(random_model):
    from pypinyin import Style, pinyin

    model, by_token, by_char = random_model
    sentence = "我们在银行长大了，和似的"  # the model sees 我們在銀行長大了 and 和似的
    # every Han character starts from pypinyin's reading of its run (似的 -> shi4 de5)
    expected: list[str | None] = [
        p[0]
        for run in ("我们在银行长大了", "，", "和似的")
        for p in pinyin(run, Style.TONE3, neutral_tone_with_five=True)
    ]
    expected[8] = None  # punctuation
    for i, trad in ((4, "行"), (5, "長")):
        scores = by_token[VOCAB.index(trad)] + by_char[CHARS.index(trad)]
        allowed = sorted(model.labels.allowed[trad])
        label = LABELS[allowed[int(np.argmax(scores[allowed]))]]
        expected[i] = BOPOMOFO[label[:-1]] + label[-1]
    expected[11] = "di4"  # the monophonic table beats pypinyin's de5; 似 (excluded) keeps shi4, 和 he2
    assert expected[9:11] == ["he2", "shi4"]
    assert model.predict(sentence) == expected


def test_a_run_that_is_a_dictionary_word_is_read_from_the_dictionary(random_model):
    model = random_model[0]
    model.word_readings["银行"] = ["yin2", "heng2"]
    assert model.predict("银行。") == ["yin2", "heng2", None]


def test_clean_chinese_uses_the_model_before_tone_sandhi(tmp_path):
    pytest.importorskip("onnxruntime")
    folder = _write_model(tmp_path, *_forcing({"長": "ㄔㄤ2", "重": "ㄔㄨㄥ2", "行": "ㄏㄤ2"}))
    model = G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large")
    _, plain, _ = clean_chinese("他长大了")
    _, with_model, word2ph = clean_chinese("他长大了", polyphone_model=model)
    assert plain[2:4] == ["zh", "ang3"] and with_model[2:4] == ["ch", "ang2"]
    assert with_model[:2] == plain[:2] and with_model[4:] == plain[4:] and sum(word2ph) == len(with_model)
    # v1 has no g2pW upstream: the model is ignored
    assert clean_chinese("他长大了", "v1", polyphone_model=model) == clean_chinese("他长大了", "v1")


class _Echo:
    """A polyphone model that returns a fixed reading list (or all None)."""

    def __init__(self, readings: dict[int, str] | None = None):
        self.readings = readings or {}

    def predict(self, sentence: str) -> list[str | None]:
        return [self.readings.get(i) for i in range(len(sentence))]

    def correct_word(self, word: str, readings: list[str | None]) -> list[str | None]:
        return readings


@pytest.mark.parametrize("text", ["你好，世界。", "我们一起去银行，不要迟到！", "小孩儿在看一看书呢？"])
def test_a_model_with_no_opinion_changes_nothing(text):
    assert clean_chinese(text, polyphone_model=_Echo()) == clean_chinese(text)


def test_model_readings_go_through_third_tone_sandhi():
    # 好好 read hao3 hao3 by the model: the 3-3 sandhi still turns the first into hao2
    _, phones, _ = clean_chinese("你很好", polyphone_model=_Echo({1: "hen3", 2: "hao3"}))
    _, plain, _ = clean_chinese("你很好")
    assert phones == plain
    _, phones, _ = clean_chinese("长远", polyphone_model=_Echo({0: "zhang3"}))
    assert phones[:2] == ["zh", "ang2"]  # zhang3 yuan3 -> zhang2 yuan3


def test_without_the_folder_there_is_no_model(tmp_path):
    assert find_g2pw(tmp_path) is None


def test_find_loads_once(tmp_path):
    pytest.importorskip("onnxruntime")
    _write_model(tmp_path, *_forcing({}))
    first = find_g2pw(tmp_path)
    assert isinstance(first, G2PW) and find_g2pw(tmp_path) is first


def test_missing_file_is_named(tmp_path):
    folder = tmp_path / FOLDER_NAME
    folder.mkdir()
    for name in MODEL_FILES[1:]:
        (folder / name).write_text("", "utf-8")
    with pytest.raises(ModelNotFoundError, match="g2pW.onnx"):
        G2PW.load(folder, tmp_path)


def test_missing_onnxruntime_says_how_to_install(tmp_path, monkeypatch):
    folder = tmp_path / FOLDER_NAME
    folder.mkdir()
    for name in MODEL_FILES:
        (folder / name).write_text("", "utf-8")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(TextError, match="onnxruntime.*pip install"):
        G2PW.load(folder, tmp_path)


def test_config_is_read_without_running_it(tmp_path):
    path = tmp_path / "config.py"
    path.write_text("import os\nuse_char_phoneme = True\nwindow = os.getcwd()\n", "utf-8")
    config = g2pw_module.read_config(path)
    assert config["use_char_phoneme"] is True and config["use_mask"] is True and "window" not in config


def test_word_reading_files_override_the_model(tmp_path):
    pytest.importorskip("onnxruntime")
    folder = _write_model(tmp_path, *_forcing({"行": "ㄒㄧㄥ2", "長": "ㄓㄤ3"}))
    model = G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large")
    _, phones, _ = clean_chinese("他去银行", polyphone_model=model)
    assert phones[-2:] == ["x", "ing2"]  # the model's choice
    (folder / "polyphonic.rep").write_text("银行: ['yin2', 'xing2']\n长: ['chang2', 'zhang3']\n", "utf-8")
    (folder / "polyphonic-fix.rep").write_text("银行: ['yin2', 'hang2']\n", "utf-8")
    model = G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large")
    assert model.word_readings == {"银行": ["yin2", "hang2"], "长": ["chang2", "zhang3"]}
    _, phones, _ = clean_chinese("他去银行", polyphone_model=model)
    assert phones[-2:] == ["h", "ang2"]  # whole word from the fix file
    _, phones, _ = clean_chinese("他长大了", polyphone_model=model)
    assert phones[2:4] == ["ch", "ang2"]  # single character: its first reading beats the model


def test_bad_word_reading_line_is_reported(tmp_path):
    (tmp_path / "polyphonic.rep").write_text("银行: __import__('os')\n", "utf-8")
    with pytest.raises(ModelNotFoundError, match="line 1"):
        g2pw_module.read_word_readings(tmp_path)


@pytest.mark.parametrize("text", ["你好，世界。", "我们一起去学校吧！", "小孩儿在看一看书呢？"])
def test_text_without_listed_characters_reads_as_pypinyin(tmp_path, text):
    pytest.importorskip("onnxruntime")
    folder = _write_model(tmp_path, *_forcing({"長": "ㄔㄤ2"}))
    model = G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large")
    assert clean_chinese(text, polyphone_model=model) == clean_chinese(text)


def test_char_phoneme_labels(tmp_path):
    """With use_char_phoneme the labels are "<char> <reading>" and the reading part is used."""
    pytest.importorskip("onnxruntime")
    char_labels = sorted(f"{c} {r}" for c, r in POLYPHONIC)
    by_char = np.zeros((len(CHARS), len(char_labels)))
    by_char[CHARS.index("重"), char_labels.index("重 ㄔㄨㄥ2")] = 10.0
    folder = _write_model(tmp_path, np.zeros((len(VOCAB), len(char_labels))), by_char)
    (folder / "config.py").write_text("use_char_phoneme = True\n", "utf-8")
    model = G2PW.load(folder, tmp_path / "chinese-roberta-wwm-ext-large")
    assert model.labels.names == tuple(char_labels)
    assert model.predict("重要")[0] == "chong2"
