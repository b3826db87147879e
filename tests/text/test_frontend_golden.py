"""The segmenting front end against the golden ``pipeline`` field (all 230 rows), plus a row loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gpt_sovits.text.frontend import run_pipeline, split_for_mode


def load_rows(golden_dir: Path, language: str) -> list[dict]:
    """Rows of text_frontend_v2.jsonl for one ``language`` ("zh", "en" or "mixed")."""
    with (golden_dir / "text_frontend_v2.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if r["language"] == language]


def ids(rows: list[dict]) -> list[str]:
    return [r["text"][:30] for r in rows]


MODE_OF = {"zh": "all_zh", "en": "en", "mixed": "zh"}


def _expected_segments(pipeline: dict) -> list[tuple]:
    return [(s["lang"], s["text"], s["norm_text"], s["phones"], s["word2ph"]) for s in pipeline["segments"]]


@pytest.mark.parametrize("language", ["zh", "en", "mixed"])
def test_language_split_matches_golden(golden_dir: Path, language: str) -> None:
    for row in load_rows(golden_dir, language):
        pipe = row["pipeline"]
        assert pipe["mode"] == MODE_OF[language]
        text = re.sub(r" {2,}", " ", ("." if pipe["dot_prefixed"] else "") + row["text"])
        got = split_for_mode(text, pipe["mode"])
        assert got == [(s["lang"], s["text"]) for s in pipe["segments"]], row["text"]


@pytest.mark.parametrize("language", ["zh", "mixed"])
def test_pipeline_matches_golden(golden_dir: Path, nltk_data_dir: Path, language: str) -> None:
    rows = load_rows(golden_dir, language)
    assert len(rows) == (150 if language == "zh" else 30)
    for row in rows:
        pipe = row["pipeline"]
        got = run_pipeline(row["text"], pipe["mode"], "v2", nltk_data=nltk_data_dir)
        segs = [(s.lang, s.text, s.norm_text, list(s.phones), list(s.word2ph) if s.word2ph else s.word2ph)
                for s in got.segments]
        assert segs == _expected_segments(pipe), row["text"]
        assert list(got.phone_ids) == pipe["phone_ids"]
        assert got.norm_text == pipe["norm_text"]
        assert got.dot_prefixed == pipe["dot_prefixed"]


def test_mixed_direct_fields(golden_dir: Path, nltk_data_dir: Path) -> None:
    # The top-level fields of a mixed row are the concatenation over its segments; word2ph is null.
    for row in load_rows(golden_dir, "mixed"):
        got = run_pipeline(row["text"], "zh", "v2", nltk_data=nltk_data_dir)
        assert (got.norm_text, list(got.phones), list(got.phone_ids)) == (
            row["norm_text"], row["phones"], row["phone_ids"]
        )
        assert got.word2ph is None and row["word2ph"] is None
