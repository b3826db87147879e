"""The feature tables and tensors: round trips, upstream's formats, damaged files."""

from __future__ import annotations

import pytest
import torch

from gpt_sovits.data.events import DatasetError, PrepareEvent
from gpt_sovits.data.feature_files import (
    DatasetLayout,
    PhoneRow,
    load_tensor,
    read_phones_table,
    read_semantic_table,
    save_tensor,
    write_phones_table,
    write_semantic_table,
)
from gpt_sovits.errors import UnsafePathError


def test_phones_table_is_upstreams_name2text_format(tmp_path):
    rows = [PhoneRow("a.wav", ("n", "i2", "h", "ao3", "."), (2, 2, 1), "你好."),
            PhoneRow("b.wav", ("HH", "AH0"), None, "ha")]  # fmt: skip
    path = tmp_path / "phones.tsv"
    write_phones_table(path, rows)
    assert path.read_text(encoding="utf-8") == "a.wav\tn i2 h ao3 .\t[2, 2, 1]\t你好.\nb.wav\tHH AH0\tNone\tha\n"
    assert read_phones_table(path) == rows
    path.write_text("a.wav\tn i2\t[2, x]\t你\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 1: word2ph"):
        read_phones_table(path)


def test_semantic_table_round_trip(tmp_path):
    path = tmp_path / "semantic.tsv"
    write_semantic_table(path, [("a.wav", [1, 2, 3]), ("b.wav", [1023])])
    assert path.read_text().split("\n")[:2] == ["item_name\tsemantic_audio", "a.wav\t1 2 3"]
    assert read_semantic_table(path) == {"a.wav": [1, 2, 3], "b.wav": [1023]}


def test_tensors_load_safely_and_damaged_files_read_as_missing(tmp_path):
    x = torch.randn(1, 768, 7).half()
    save_tensor(tmp_path / "x.pt", x)
    assert torch.equal(load_tensor(tmp_path / "x.pt"), x)
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    assert load_tensor(tmp_path / "bad.pt") is None
    assert load_tensor(tmp_path / "absent.pt") is None
    torch.save({"not": "a tensor"}, tmp_path / "dict.pt")
    assert load_tensor(tmp_path / "dict.pt") is None


def test_layout_keeps_item_names_inside_the_features_folder(tmp_path):
    layout = DatasetLayout(tmp_path)
    assert layout.hubert("a b.wav") == tmp_path / "hubert" / "a b.wav.pt"
    assert layout.wav32k("a.flac") == tmp_path / "wav32k" / "a.flac"
    with pytest.raises(UnsafePathError):
        layout.bert("../../escape")


def test_event_description():
    assert PrepareEvent("audio", 3, 12, "a.wav", "prepared").describe() == "[audio 3/12] a.wav: prepared"
    assert PrepareEvent("text", 0, 2, None, "starting").describe() == "[text 0/2] starting"
