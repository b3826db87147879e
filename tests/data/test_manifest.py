"""The .list transcript format: round trip, language tags, and errors that name their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_sovits.data.manifest import (
    ManifestEntry,
    ManifestError,
    clean_field_text,
    normalize_language,
    parse_manifest,
    read_manifest,
    resolve_audio_path,
    write_manifest,
)
from gpt_sovits.errors import ConfigError, StudioError

ENTRIES = [
    ManifestEntry("clips/a_0000000000_0000128000.wav", "alice", "zh", "你好，世界。"),
    ManifestEntry("clips/a_0000140000_0000300000.wav", "alice", "en", "Hello there, world!"),
    ManifestEntry("/abs/b.flac", "bob", "ja", "こんにちは"),
    ManifestEntry("c.wav", "", "yue", "早晨"),
    ManifestEntry("d.wav", "dora", "ko", "안녕하세요"),
]


def test_round_trip_is_exact_utf8(tmp_path: Path) -> None:
    path = tmp_path / "voice.list"
    write_manifest(path, ENTRIES)
    raw = path.read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    assert raw.decode("utf-8").splitlines()[0] == "clips/a_0000000000_0000128000.wav|alice|zh|你好，世界。"
    assert read_manifest(path) == ENTRIES
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    ("tag", "code"),
    [("ZH", "zh"), ("zh", "zh"), ("JP", "ja"), ("jp", "ja"), ("JA", "ja"), ("ja", "ja"), ("EN", "en"), ("En", "en"),
     ("en", "en"), ("KO", "ko"), ("Ko", "ko"), ("ko", "ko"), ("yue", "yue"), ("YUE", "yue"), ("Yue", "yue")],
)  # fmt: skip
def test_upstream_language_tags_are_mapped(tag: str, code: str) -> None:
    assert normalize_language(tag) == code
    entries, problems = parse_manifest(f"x.wav|s|{tag}|text\n")
    assert problems == [] and entries[0].language == code


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ManifestError, match="Unknown language 'fr'"):
        normalize_language("fr")


def test_reader_handles_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "win.list"
    path.write_bytes("\ufeffa.wav|s|ZH|你好\r\n\r\n  \r\nb.wav|s|EN| hi there \r\n".encode())
    entries = read_manifest(path)
    assert [(e.name, e.language, e.text) for e in entries] == [("a.wav", "zh", "你好"), ("b.wav", "en", "hi there")]


def test_every_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.list"
    path.write_text(
        "ok.wav|s|zh|好\n"
        "two.wav|s|zh\n"  # line 2: too few fields
        "pipe.wav|s|en|this | that\n"  # line 3: '|' inside the text
        "empty.wav|s|en|   \n"  # line 4: empty text
        "lang.wav|s|fr|bonjour\n"  # line 5: unknown language
        "dir/ok.wav|s|en|again\n",  # line 6: same file name as line 1
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as info:
        read_manifest(path)
    problems = info.value.problems
    assert len(problems) == 5
    joined = "\n".join(problems)
    assert "bad.list: line 2: expected 4 fields" in joined
    assert "line 3: expected 4 fields path|speaker|language|text but found 5 (the text probably contains '|')" in joined
    assert "line 4: the text is empty" in joined
    assert "line 5: unknown language 'fr'" in joined
    assert "line 6: the file name ok.wav is also used on line 1" in joined
    assert isinstance(info.value, ConfigError) and isinstance(info.value, StudioError)


def test_lenient_read_skips_bad_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "mixed.list"
    path.write_text("a.wav|s|zh|好\nb.wav|s|de|hallo\nc.wav|s|en|fine\n", encoding="utf-8")
    entries = read_manifest(path, strict=False)
    assert [e.name for e in entries] == ["a.wav", "c.wav"]
    assert "line 2: unknown language 'de'" in caplog.text


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.list"
    path.write_bytes("a.wav|s|zh|好\n".encode() + "b.wav|s|zh|你好\n".encode("gbk"))
    with pytest.raises(ManifestError, match="line 2 is not valid UTF-8"):
        read_manifest(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "none.list")


def test_writer_refuses_unstorable_entries_and_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.list"
    write_manifest(path, ENTRIES[:1])
    before = path.read_bytes()
    bad = [
        ENTRIES[0],
        ManifestEntry("b.wav", "s", "en", "left|right"),
        ManifestEntry("c.wav", "s", "en", "two\nlines"),
        ManifestEntry("d.wav", "s", "EN", "not normalised"),
        ManifestEntry("e.wav", "s", "en", ""),
    ]
    with pytest.raises(ManifestError) as info:
        write_manifest(path, bad)
    joined = "\n".join(info.value.problems)
    assert "line 2: the text contains '|'" in joined
    assert "line 3: the text contains a line break" in joined
    assert "line 4: unknown language 'EN'" in joined
    assert "line 5: the text is empty" in joined
    assert path.read_bytes() == before


def test_clean_field_text_makes_text_storable() -> None:
    cleaned = clean_field_text(" left | right\nnext\tline ")
    assert cleaned == "left / right next line"
    assert ManifestEntry("a.wav", "s", "en", cleaned).problems() == []


def test_names_and_audio_paths(tmp_path: Path) -> None:
    assert ManifestEntry(r"C:\data\clip.wav", "s", "en", "t").name == "clip.wav"
    assert ManifestEntry("x/y/clip.wav", "s", "en", "t").name == "clip.wav"
    entry = ManifestEntry("clips/a.wav", "s", "en", "t")
    list_path = tmp_path / "sets" / "voice.list"
    assert resolve_audio_path(entry, list_path) == tmp_path / "sets" / "clips" / "a.wav"
    assert resolve_audio_path(entry, list_path, tmp_path / "wavs") == tmp_path / "wavs" / "a.wav"
    assert resolve_audio_path(ManifestEntry(str(tmp_path / "z.wav"), "s", "en", "t"), list_path) == tmp_path / "z.wav"
