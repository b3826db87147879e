"""Exact parity of the Mandarin front end with upstream clean_text(text, "zh", "v2").

One test per golden line with language "zh", plus one per Chinese segment of the other
lines' inference pipeline (the mixed-language front end relies on those).
"""

from __future__ import annotations

import json

import pytest

from gpt_sovits.text.symbols import phones_to_ids
from gpt_sovits.text.zh import clean_chinese
from tests.conftest import GOLDEN_DIR, SKIP_REASON_NO_SHARED, skip_or_fail

GOLDEN_FILE = GOLDEN_DIR / "text_frontend_v2.jsonl"


def _rows() -> list[tuple[int, dict]]:
    if not GOLDEN_FILE.is_file():
        return []
    with GOLDEN_FILE.open(encoding="utf-8") as f:
        return [(n, json.loads(line)) for n, line in enumerate(f, start=1) if line.strip()]


def _direct_cases() -> list:
    cases = [pytest.param(row, id=f"line{n:03d}") for n, row in _rows() if row["language"] == "zh"]
    return cases or [pytest.param(None, id="no-golden")]


def _segment_cases() -> list:
    cases = [
        pytest.param(seg, id=f"line{n:03d}-seg{k}")
        for n, row in _rows()
        for k, seg in enumerate(row["pipeline"]["segments"])
        if seg["lang"] == "zh"
    ]
    return cases or [pytest.param(None, id="no-golden")]


@pytest.mark.parametrize("row", _direct_cases())
def test_clean_chinese_matches_upstream(row):
    if row is None:
        skip_or_fail(SKIP_REASON_NO_SHARED)
    norm_text, phones, word2ph = clean_chinese(row["text"], "v2")
    assert norm_text == row["norm_text"]
    assert phones == row["phones"]
    assert word2ph == row["word2ph"]
    assert phones_to_ids(phones, "v2") == row["phone_ids"]
    assert sum(word2ph) == len(phones) and len(word2ph) == len(norm_text)


@pytest.mark.parametrize("seg", _segment_cases())
def test_pipeline_chinese_segment_matches_upstream(seg):
    if seg is None:
        skip_or_fail(SKIP_REASON_NO_SHARED)
    norm_text, phones, word2ph = clean_chinese(seg["text"], "v2")
    assert (norm_text, phones, word2ph) == (seg["norm_text"], seg["phones"], seg["word2ph"])


def test_golden_file_has_the_expected_chinese_lines(golden_dir):
    rows = [row for _, row in _rows()]
    assert sum(row["language"] == "zh" for row in rows) == 150
