"""The speaking-rate window: learnt from a voice's transcribed clips or its reference, default otherwise."""

from pathlib import Path

import numpy as np
import soundfile as sf

from gpt_sovits.config import QcSettings
from gpt_sovits.data.manifest import ManifestEntry
from gpt_sovits.data.transcripts import write_transcripts
from gpt_sovits.data.workspace import Workspace
from gpt_sovits.qc.rate import count_phones, learn_rate, rate_from_clip, rate_from_voice
from tests.fixtures.synthetic_speech import speech_sentence

SR = 32000
TEXTS = ["今天天气很好。", "我们一起去公园散步吧。", "这本书非常有意思，你也看看。", "明天见。", "谢谢你的帮助。"]


def _clip(path: Path, text: str, seed: int) -> None:
    chars = sum(ch.isalnum() for ch in text)  # one syllable a character
    audio = np.concatenate([np.zeros(SR // 10), speech_sentence(chars, SR, seed), np.zeros(SR // 5)])
    sf.write(path, audio, SR)


def test_count_phones_uses_our_front_end():
    assert count_phones("今天天气很好。", "zh") == 13  # j in1 t ian1 ... h ao3 .
    assert count_phones("你好。", "zh") == 6  # under 6 phones the model is given "." in front (upstream's rule)


def test_window_from_voice_clips_and_from_the_reference(tmp_path):
    settings = QcSettings()
    voice = Workspace(tmp_path).create_voice("Anna")
    clips = voice.path("clips")
    clips.mkdir(parents=True, exist_ok=True)
    entries = []
    for i, text in enumerate(TEXTS):
        _clip(clips / f"c{i}.wav", text, 60 + i)
        entries.append(ManifestEntry(f"clips/c{i}.wav", "Anna", "zh", text))
    write_transcripts(voice, entries)
    rate = rate_from_voice(voice, settings)
    assert rate.source == "voice clips (5 clips)"
    assert rate.low < 9.5 < rate.high and rate.high / rate.low >= settings.rate_tolerance**2 * 0.99
    assert rate.scaled(1.5).high == rate.high * 1.5
    too_few = rate_from_voice(voice, settings, max_clips=2)
    assert too_few.source == "default"  # fewer than 3 usable clips say too little
    ref = rate_from_clip(clips / "c1.wav", TEXTS[1], "zh", settings)
    assert ref.source == "reference (1 clip)" and abs(ref.high / ref.low - settings.rate_tolerance**2) < 1e-6
    assert rate_from_clip(clips / "c1.wav", "", "zh", settings).source == "default"  # prompt-free: no text
    assert rate_from_clip(tmp_path / "missing.wav", TEXTS[1], "zh", settings).source == "default"


def test_silent_samples_teach_nothing():
    rate = learn_rate([(np.zeros(SR, np.float32), SR, 20)], QcSettings(), "reference")
    assert (rate.low, rate.high, rate.source) == (6.0, 18.0, "default")
