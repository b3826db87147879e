"""data/clips: the automatic reference pick, and the reference a user chose staying with the voice."""

from __future__ import annotations

import numpy as np
import pytest

from gpt_sovits.audio.io import save_wav
from gpt_sovits.data.clips import auto_reference, list_clips
from gpt_sovits.data.manifest import ManifestEntry
from gpt_sovits.data.transcripts import write_transcripts
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.errors import StudioError
from tests.fixtures.synthetic_speech import make_recording

SR = 32000


def _speech(seconds: float, seed: int) -> np.ndarray:
    rec = make_recording(30.0, SR, noise_rms_dbfs=None, long_silence_every=0, seed=seed)
    return np.concatenate([rec.clean[a:b] for a, b in rec.sentences])[: int(seconds * SR)]


def test_the_automatic_pick_never_takes_a_clip_that_cuts_a_word(tmp_path):
    voice = Workspace(tmp_path / "ws").create_voice("gus")
    rng = np.random.default_rng(0)
    pad = np.zeros(int(0.4 * SR), np.float32)
    speech = _speech(5.0, 1)  # a clean clip with a pause inside, but starting and ending inside a word:
    cut = np.concatenate([speech[: int(2.5 * SR)], pad, speech[int(2.5 * SR) :]])
    whole = np.concatenate([pad, _speech(4.5, 2), pad])
    whole = whole + rng.standard_normal(whole.size).astype(np.float32) * 10 ** (-42 / 20)  # noisier, but whole
    save_wav(voice.path("clips", "a_cut.wav"), cut, SR)
    save_wav(voice.path("clips", "b_whole.wav"), whole, SR)
    write_transcripts(voice, [ManifestEntry("clips/a_cut.wav", "gus", "zh", "一。"),
                              ManifestEntry("clips/b_whole.wav", "gus", "zh", "二。")])
    from gpt_sovits.audio.reference import rank_references

    ranked = rank_references([cut, whole], SR)
    assert ranked[0].index == 0  # on score alone the cut clip would win
    clip, why = auto_reference(voice)
    assert clip.name == "b_whole.wav" and "auto-picked" in why

    voice.path("clips", "b_whole.wav").unlink()
    with pytest.raises(StudioError, match="choose the reference clip yourself"):
        auto_reference(voice)


def test_a_chosen_reference_and_its_text_stay_together(tmp_path):
    voice = Workspace(tmp_path / "ws").create_voice("hal")
    save_wav(voice.path("clips", "one.wav"), _speech(4.0, 3), SR)
    assert voice.reference is None
    voice.set_reference(voice.path("clips", "one.wav"), " 你好。 ", "zh")
    again = Workspace(tmp_path / "ws").voice("hal").reference  # as after a restart
    assert (again.audio, again.text, again.language, again.chosen_by) == ("clips/one.wav", "你好。", "zh", "user")
    with pytest.raises(StudioError, match="not a file of voice"):
        voice.set_reference(tmp_path / "elsewhere.wav", "x")
    voice.set_reference(None)
    assert voice.reference is None and [c.name for c in list_clips(voice)] == ["one.wav"]
