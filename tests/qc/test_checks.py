"""The always-on checks on synthetic takes: each defect is flagged for its own reason, a normal take passes.

Takes are speech-like sentences (tests/fixtures/synthetic_speech.py) with a known syllable count, two
phones a syllable (initial + final, as our Chinese phones). The voice's speaking-rate window is learnt
from two other "reference" sentences, as the studio learns it from a voice's reference clip. The seeds
below are not the ones the limits were looked at with.
"""

import numpy as np
import pytest

from gpt_sovits.config import QcSettings
from gpt_sovits.qc.checks import TakeContext, check_take, check_takes, token_limit
from gpt_sovits.qc.rate import learn_rate
from gpt_sovits.qc.report import PASS
from tests.fixtures.synthetic_speech import speech_sentence

SR = 32000
TOKENS_PER_S = 25
SEEDS = [311, 312, 313]


def _take(speech: np.ndarray, rng: np.random.Generator, sr: int = SR, noise_dbfs: float = -60.0) -> np.ndarray:
    """A model-like take: short lead-in and tail, a noise floor (a model copies its reference's hiss)."""
    audio = np.concatenate([np.zeros(int(0.12 * sr)), speech, np.zeros(int(0.25 * sr))])
    return (audio + rng.standard_normal(audio.size) * 10 ** (noise_dbfs / 20)).astype(np.float32)


def _tokens(audio: np.ndarray, sr: int = SR) -> int:
    return int(audio.size / sr * TOKENS_PER_S)


def _voice_rate(sr: int = SR, noise_dbfs: float = -60.0, level_dbfs: float = -20.0):
    """The window learnt from two reference sentences of the same voice (other seeds than the takes)."""
    rng = np.random.default_rng(7)
    refs = [(_take(speech_sentence(n, sr, seed, level_dbfs), rng, sr, noise_dbfs), sr, 2 * n)
            for n, seed in ((16, 901), (24, 902))]
    rate = learn_rate(refs, QcSettings(), "reference")
    assert rate.source == "reference (2 clips)" and rate.low < 9 < rate.high
    return rate


@pytest.fixture(scope="module")
def voice_rate():
    return _voice_rate()


def _defects(seed: int, sr: int = SR, noise_dbfs: float = -60.0,
             level_dbfs: float = -20.0) -> tuple[int, dict[str, tuple[np.ndarray, int]]]:
    """phones, {case: (audio, tokens)} for one sentence."""
    rng = np.random.default_rng(seed)
    syllables = int(rng.integers(14, 30))
    phones = 2 * syllables
    speech = speech_sentence(syllables, sr, seed, level_dbfs)
    half = speech.size // 2

    def take(audio):
        return _take(audio, rng, sr, noise_dbfs)

    normal = take(speech)
    cases = {"normal": (normal, _tokens(normal, sr))}
    missing = take(speech[:half])
    cases["too_short"] = (missing, _tokens(missing, sr))
    # the model says the second half again: the same sounds, not sample-aligned, a little quieter
    repeated = take(np.concatenate([speech, np.zeros(int(0.15 * sr)), 0.9 * speech[half + 137:]]))
    cases["repetition"] = (repeated, _tokens(repeated, sr))
    gap = take(np.concatenate([speech[:half], np.zeros(int(2.5 * sr)), speech[half:]]))
    cases["inner_silence"] = (gap, _tokens(gap, sr))
    clipped = np.clip(take(speech) * 10 ** (-level_dbfs / 20) * 0.6, -1, 1).astype(np.float32)  # rms -4 dBFS
    cases["clipping"] = (clipped, _tokens(clipped, sr))
    # the GPT never stops: babble after the sentence until the guard's token limit
    babble = take(np.concatenate([speech, speech_sentence(4 * syllables, sr, seed + 50, level_dbfs)]))
    cases["runaway"] = (babble, token_limit(phones))
    return phones, cases


def _assert_right_reasons(seed: int, phones: int, cases: dict, context: TakeContext, sr: int = SR) -> None:
    for expected, (audio, tokens) in cases.items():
        report = check_take(audio, sr, phones, tokens, context)
        if expected == "normal":
            assert report.passed, (seed, report.reasons, report.to_dict())
            continue
        assert not report.passed, (seed, expected)
        assert report.reasons[0] == expected, (seed, expected, report.reasons)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_defect_is_flagged_for_its_own_reason(seed, voice_rate):
    phones, cases = _defects(seed)
    _assert_right_reasons(seed, phones, cases, TakeContext(rate=voice_rate))


@pytest.mark.parametrize("sr,noise_dbfs,level_dbfs,seed", [(24000, -50, -20, 321), (16000, -45, -26, 322),
                                                          (48000, -55, -16, 323), (32000, -70, -32, 324)])
def test_right_reasons_at_other_rates_levels_and_noise(sr, noise_dbfs, level_dbfs, seed):
    """Held-out conditions: other sample rates, a hissing reference copied into the takes (SNR down to 19 dB),
    quiet and loud voices."""
    phones, cases = _defects(seed, sr, noise_dbfs, level_dbfs)
    context = TakeContext(rate=_voice_rate(sr, noise_dbfs, level_dbfs))
    _assert_right_reasons(seed, phones, cases, context, sr)


def test_unrelated_reasons_stay_quiet(voice_rate):
    phones, cases = _defects(SEEDS[0])
    context = TakeContext(rate=voice_rate)
    assert set(check_take(*cases["too_short"][:1], SR, phones, cases["too_short"][1], context).reasons) == {"too_short"}
    assert set(check_take(cases["clipping"][0], SR, phones, cases["clipping"][1], context).reasons) == {"clipping"}
    gap = check_take(cases["inner_silence"][0], SR, phones, cases["inner_silence"][1], context)
    assert set(gap.reasons) == {"inner_silence"}


def test_non_finite_and_silent_takes():
    rng = np.random.default_rng(5)
    audio = _take(speech_sentence(12, SR, 5), rng)
    audio[1000] = np.nan
    report = check_take(audio, SR, 24, _tokens(audio))
    assert report.reasons[0] == "non_finite"
    silent = check_take(np.zeros(SR, np.float32), SR, 24, 25)
    assert silent.reasons[0] == "no_speech"
    assert silent.check("speaking_rate").status == "not_run"


def test_a_very_short_sentence_is_not_judged_by_its_pace():
    rng = np.random.default_rng(11)
    word = _take(speech_sentence(1, SR, 11), rng)  # "好。": 6 phones, a fraction of a second
    report = check_take(word, SR, 6, _tokens(word))
    assert report.passed and report.check("speaking_rate").status == "not_run"
    assert "too short" in report.check("speaking_rate").detail


def test_checks_that_cannot_run_say_why():
    rng = np.random.default_rng(6)
    audio = _take(speech_sentence(12, SR, 6), rng)
    report = check_take(audio, SR, None, None)
    assert report.passed
    missing = {c.name: c.detail for c in report.not_run}
    assert set(missing) == {"runaway", "speaking_rate", "tokens_per_phone", "loudness"}
    assert all(missing.values())


def test_guard_cut_flag_and_leading_trailing_silence():
    rng = np.random.default_rng(8)
    speech = speech_sentence(14, SR, 8)
    audio = _take(speech, rng)
    assert check_take(audio, SR, 28, _tokens(audio), TakeContext(cut=True)).reasons[0] == "runaway"
    lead = _take(np.concatenate([np.zeros(2 * SR), speech]), rng)
    assert check_take(lead, SR, 28, _tokens(lead)).reasons[0] == "leading_silence"
    tail = _take(np.concatenate([speech, np.zeros(3 * SR)]), rng)
    assert check_take(tail, SR, 28, _tokens(tail)).reasons[0] == "trailing_silence"
    # the fragment interval appended by the synthesizer is not the take's own silence
    padded = np.concatenate([audio, np.zeros(3 * SR, np.float32)])
    assert check_take(padded, SR, 28, _tokens(audio), TakeContext(appended_silence_s=3.0)).passed


def test_loudness_against_neighbours():
    rng = np.random.default_rng(9)
    takes = [_take(speech_sentence(n, SR, 40 + n), rng) for n in (12, 14, 16, 13, 15)]
    takes[2] = takes[2] * 0.1  # 20 dB quieter than the sentences around it
    reports = check_takes([(a, None, None) for a in takes], SR)
    assert [r.passed for r in reports] == [True, True, False, True, True]
    assert reports[2].reasons == ("loudness",)
    assert reports[0].check("loudness").status == PASS


def test_report_serialises_to_json():
    import json

    rng = np.random.default_rng(10)
    audio = _take(speech_sentence(12, SR, 10), rng)
    report = check_take(audio, SR, 24, _tokens(audio), seed=4)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["passed"] is True and data["seed"] == 4
    assert {c["name"] for c in data["checks"]} >= {"finite", "clipping", "repetition", "speaking_rate"}
    rows = {row[0]: row for row in report.rows()}  # the Synthesize tab's table of one sentence's checks
    assert rows["speaking_rate"][1] == "✅ pass" and rows["speaking_rate"][2].endswith("phones/s")
    assert rows["clipping"][3] == "at most 0.1 % of samples"
    assert rows["loudness"][1] == "– not run" and rows["loudness"][4]
