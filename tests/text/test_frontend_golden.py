"""Helpers for reading the golden text front-end data."""

from __future__ import annotations

import json
from pathlib import Path


def load_rows(golden_dir: Path, language: str) -> list[dict]:
    """Rows of text_frontend_v2.jsonl for one ``language`` ("zh", "en" or "mixed")."""
    with (golden_dir / "text_frontend_v2.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r for r in rows if r["language"] == language]


def ids(rows: list[dict]) -> list[str]:
    return [r["text"][:30] for r in rows]
