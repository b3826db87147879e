"""The optional checks: the ASR round trip (a stand-in recogniser; faster-whisper where installed) and
speaker similarity (a stand-in encoder)."""

import importlib.util

import numpy as np
import pytest

from gpt_sovits.qc.asr import AsrRoundTrip, error_rate, scoring_units
from gpt_sovits.qc.checks import check_take
from gpt_sovits.qc.speaker import SpeakerSimilarity
from tests.fixtures.synthetic_speech import speech_sentence

SR = 32000


class StandIn:
    """Hears what it is told to, and remembers what it was given."""

    def __init__(self, heard: str):
        self.heard, self.calls = heard, []

    def recognize(self, audio, sample_rate, language):
        self.calls.append((audio.size, sample_rate, language))
        return self.heard


def test_normalisation_makes_numbers_and_punctuation_equal():
    assert scoring_units("我有3个苹果。") == list("我有三个苹果")
    assert scoring_units("I have 3 apples!") == ["i", "have", "three", "apples"]
    assert error_rate("用GPT说hello，2024年。", "用 gpt 说 Hello 二零二四年") == 0.0
    assert error_rate("你好世界", "你好") == 0.5
    assert error_rate("one two three four", "one two four") == 0.25
    assert error_rate("CHAPTER IV. DOWN THE RABBIT-HOLE", "Chapter 4: down the rabbit hole") == 0.0


def test_round_trip_passes_matching_speech_and_flags_other_words():
    audio = speech_sentence(10, SR, 1)
    good = StandIn("Hello there, how are you today?")
    report = check_take(audio, SR, 20, 50, extra=[AsrRoundTrip(good, "Hello there. How are you today?", "en")])
    assert report.passed and report.check("asr").value == 0.0
    assert good.calls == [(audio.size, SR, "en")]
    wrong = check_take(audio, SR, 20, 50, extra=[AsrRoundTrip(StandIn("hello hello hello"),
                                                              "Hello there. How are you today?", "en")])
    assert wrong.reasons == ("asr_mismatch",) and wrong.check("asr").value > 0.35
    assert "hello hello" in wrong.check("asr").detail


def test_round_trip_says_when_it_cannot_run():
    audio = speech_sentence(10, SR, 2)
    report = check_take(audio, SR, 20, 50, extra=[AsrRoundTrip(None, "你好。", "zh", unavailable="no ASR installed")])
    assert report.passed and report.check("asr").status == "not_run"
    assert report.check("asr").detail == "no ASR installed"

    class Broken:
        def recognize(self, audio, sample_rate, language):
            raise RuntimeError("model file damaged")

    failed = check_take(audio, SR, 20, 50, extra=[AsrRoundTrip(Broken(), "你好。", "zh")])
    assert failed.check("asr").status == "not_run" and "damaged" in failed.check("asr").detail


def test_speaker_similarity_with_a_stand_in_encoder():
    class Encoder:  # "voice" = the spectral balance of the signal: enough to tell two makes apart
        def embed(self, wav16k):
            spectrum = np.abs(np.fft.rfft(np.asarray(wav16k, np.float64)[:16000]))
            return spectrum.reshape(1, -1)[:, :4000]

    same = speech_sentence(10, SR, 3)
    encoder = Encoder()
    from gpt_sovits.audio.processing import resample

    reference = encoder.embed(resample(same, SR, 16000))
    ok = SpeakerSimilarity(encoder, reference, 0.9)(same, SR)
    assert ok.status == "pass" and ok.value > 0.99
    noise = np.random.default_rng(0).standard_normal(SR * 2).astype(np.float32) * 0.1
    other = SpeakerSimilarity(encoder, reference, 0.9)(noise, SR)
    assert other.status == "fail" and other.reason == "speaker_mismatch"
    missing = SpeakerSimilarity(None, None, 0.5, "not downloaded")(same, SR)
    assert missing.status == "not_run" and missing.detail == "not downloaded"


@pytest.mark.asr
@pytest.mark.skipif(importlib.util.find_spec("faster_whisper") is None,
                    reason="faster-whisper is not installed (optional: pip install faster-whisper)")
def test_faster_whisper_round_trip_runs(tmp_path):
    from gpt_sovits.config import PROJECT_ROOT
    from gpt_sovits.errors import ModelNotFoundError
    from gpt_sovits.qc.asr import load_recognizer

    try:
        recognizer = load_recognizer(PROJECT_ROOT / "pretrained", "cpu", "faster-whisper")
    except ModelNotFoundError as e:
        pytest.skip(f"no faster-whisper model in pretrained/asr/: {e}")
    result = AsrRoundTrip(recognizer, "你好。", "zh")(speech_sentence(6, SR, 4), SR)
    assert result.status in ("pass", "fail") and result.value is not None  # it ran and scored the take


def test_optional_models_say_what_is_missing(tmp_path):
    from gpt_sovits.qc.pieces import OptionalModels

    models = OptionalModels(tmp_path)
    recognizer, why = models.recognizer()
    assert recognizer is None and ("install" in why.lower() or "model" in why.lower())
    embedder, why = models.embedder()
    assert embedder is None and "pretrained/sv/" in why
    loaded = object()
    assert models.embedder(loaded) == (loaded, "")  # a Pro model's own encoder is used as it is
