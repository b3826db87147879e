"""The workspace: voice names, paths kept inside, create/rename/delete, consent and the activity log."""

from __future__ import annotations

import pytest

from gpt_sovits.data.workspace import CONSENT_STATEMENT, SUBFOLDERS, Workspace, check_voice_name
from gpt_sovits.errors import ConfigError, StudioError, UnsafePathError


@pytest.mark.parametrize("name", ["alice", "Voice 2", "zh_女声-1.0", "a" * 64])
def test_good_names_are_accepted(name):
    assert check_voice_name(f"  {name} ") == name


@pytest.mark.parametrize("name", ["", " ", ".", "..", "../x", "a/b", "a\\b", "-x", "x.", "a" * 65, "a:b", "a\x00b"])
def test_bad_names_are_refused_with_what_is_allowed(name):
    with pytest.raises(ConfigError, match="letters, digits"):
        check_voice_name(name)


@pytest.mark.parametrize("name", ["books", "Books"])
def test_the_audiobook_folder_is_not_a_voice_name(name):
    with pytest.raises(ConfigError, match="audiobook folder"):
        check_voice_name(name)


def test_create_makes_the_layout_and_refuses_duplicates(tmp_path):
    ws = Workspace(tmp_path)
    voice = ws.create_voice("alice")
    assert all((voice.root / sub).is_dir() for sub in SUBFOLDERS)
    assert voice.read_meta()["name"] == "alice" and not voice.has_consent
    assert ws.list_voices() == ["alice"] and ws.voice("alice").root == voice.root
    with pytest.raises(StudioError, match="already exists"):
        ws.create_voice("alice")
    with pytest.raises(StudioError, match="no voice named 'bob'"):
        ws.voice("bob")
    (tmp_path / "stray folder").mkdir()  # a folder without voice.json is not a voice
    assert ws.list_voices() == ["alice"]


def test_paths_cannot_leave_the_voice_folder(tmp_path):
    voice = Workspace(tmp_path / "ws").create_voice("alice")
    assert voice.path("clips", "a.wav") == voice.root / "clips" / "a.wav"
    for parts in (("..", "other"), ("clips", "..", "..", "x"), ("/etc/passwd",)):
        with pytest.raises(UnsafePathError):
            voice.path(*parts)
    (tmp_path / "secret").mkdir()
    (voice.root / "clips" / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(UnsafePathError):
        voice.path("clips", "link", "x.wav")


def test_rename_keeps_the_content_and_delete_removes_only_that_voice(tmp_path):
    ws = Workspace(tmp_path)
    alice = ws.create_voice("alice")
    ws.create_voice("carol")
    (alice.root / "clips" / "a.wav").write_bytes(b"data")
    bob = ws.rename_voice("alice", "bob")
    assert (bob.root / "clips" / "a.wav").read_bytes() == b"data"
    assert bob.read_meta()["name"] == "bob" and ws.list_voices() == ["bob", "carol"]
    assert bob.read_log()[-1]["action"] == "renamed" and bob.read_log()[-1]["old"] == "alice"
    with pytest.raises(StudioError, match="already exists"):
        ws.rename_voice("bob", "carol")
    with pytest.raises(ConfigError):
        ws.rename_voice("bob", "../escape")
    ws.delete_voice("bob")
    assert ws.list_voices() == ["carol"] and not bob.root.exists()
    with pytest.raises(StudioError):
        ws.delete_voice("bob")


def test_consent_is_required_recorded_and_logged(tmp_path):
    voice = Workspace(tmp_path).create_voice("alice")
    with pytest.raises(StudioError, match="Before training voice 'alice'") as info:
        voice.require_consent("training")
    assert CONSENT_STATEMENT in str(info.value)
    voice.give_consent()
    voice.require_consent("training")
    assert voice.read_meta()["consent"]["statement"] == CONSENT_STATEMENT
    voice.give_consent(False)
    assert not voice.has_consent
    assert [(e["action"], e.get("given")) for e in voice.read_log()] == [
        ("created", None), ("consent", True), ("consent", False),
    ]


def test_damaged_settings_give_an_actionable_error(tmp_path):
    voice = Workspace(tmp_path).create_voice("alice")
    voice.meta_path.write_text("{not json", encoding="utf-8")
    with pytest.raises(StudioError, match="damaged.*voice.json"):
        voice.read_meta()
