"""End-to-end synthesis on tiny random models: modes, determinism, caching, emphasis, errors."""

from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf
import torch

from gpt_sovits.errors import AudioError, ConfigError, ModelNotFoundError, TextError
from gpt_sovits.inference import SynthesisRequest, Synthesizer
from tests.conftest import TINY_GPT, TINY_SOVITS

TOKEN_SAMPLES = 1280  # one 25 Hz semantic token = 2 frames of 640 samples at 32 kHz


@pytest.fixture(scope="module")
def synth(tiny_v2, tmp_path_factory):
    cache = tmp_path_factory.mktemp("refcache")
    return Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu", cache_dir=cache)


def _req(ref, **kw):
    base = dict(text="你好。", language="zh", ref_audio=ref, ref_text="这是参考。", ref_language="zh", seed=7,
                fragment_interval_s=0.1)
    base.update(kw)
    return SynthesisRequest(**base)


def _check_lengths(result, interval_s):
    for chunk in result.chunks:
        assert np.isfinite(chunk.audio).all()
        expected = chunk.tokens * TOKEN_SAMPLES + int(32000 * interval_s)
        assert len(chunk.audio) == expected, "audio length must follow the generated tokens"


@pytest.mark.parametrize("text,lang", [("你好。", "zh"), ("Hi there.", "en"), ("用GPT说hello。", "zh"),
                                       ("好的, okay.", "auto")])
def test_languages_give_finite_audio_following_tokens(synth, speech_wav, text, lang):
    result = synth.synthesize_all(_req(speech_wav, text=text, language=lang))
    assert result.chunks and result.sample_rate == 32000
    _check_lengths(result, 0.1)


def test_prompt_free_and_two_references(synth, speech_wav, tmp_path):
    other = tmp_path / "other.wav"
    audio, sr = sf.read(speech_wav)
    sf.write(other, audio[::-1].copy(), sr)
    free = synth.synthesize_all(_req(speech_wav, ref_text=""))
    _check_lengths(free, 0.1)
    ref = synth.prepare_reference(speech_wav, "", "zh")
    assert ref.prompt_semantic is None
    two = synth.prepare_reference(speech_wav, "这是参考。", "zh", [other])
    assert len(two.refer_specs) == 2
    fused = synth.synthesize_all(_req(speech_wav, aux_ref_audio=(other,)))
    _check_lengths(fused, 0.1)


def test_same_seed_same_audio_and_cache_skips_analysis(synth, speech_wav):
    request = _req(speech_wav, text="好。", top_k=5, temperature=1.0, seed=11, ref_text="参考文本。")
    first = synth.synthesize_all(request)
    analyses = synth.reference_analyses
    second = synth.synthesize_all(request)
    assert synth.reference_analyses == analyses, "the second request must reuse the cached reference"
    np.testing.assert_array_equal(first.audio, second.audio)
    third = synth.synthesize_all(replace(request, seed=12))
    assert first.seed == 11 and third.seed == 12


def test_disk_cache_serves_a_new_synthesizer(synth, speech_wav):
    synth.prepare_reference(speech_wav, "磁盘缓存。", "zh")
    fresh = Synthesizer(synth.gpt, synth.sovits, synth.hubert, synth.bert, device="cpu",
                        cache_dir=synth.cache.folder, model_ids=tuple(synth.model_ids))
    fresh.prepare_reference(speech_wav, "磁盘缓存。", "zh")
    assert fresh.reference_analyses == 0


def test_pause_markup_inserts_silence(synth, speech_wav):
    result = synth.synthesize_all(_req(speech_wav, text="你好。[pause:0.7]再见。"))
    pauses = [c for c in result.chunks if c.text.startswith("[pause")]
    assert len(pauses) == 1 and len(pauses[0].audio) == int(0.7 * 32000) and not pauses[0].audio.any()


def test_emphasis_is_louder_longer_and_higher(synth, speech_wav):
    from gpt_sovits.inference.emphasis import emphasize

    plain = synth.synthesize_all(_req(speech_wav, text="我们[emph]今天[/emph]走。".replace("[emph]", "").replace("[/emph]", "")))
    marked = synth.synthesize_all(_req(speech_wav, text="我们[emph]今天[/emph]走。", emphasis_strength=1.5))
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))  # noqa: E731
    assert rms(marked.audio) > rms(plain.audio)
    # higher pitch: a 200 Hz harmonic tone comes out with a higher fundamental
    sr = 32000
    t = np.arange(sr) / sr
    tone = sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 6)).astype(np.float32) * 0.1
    import librosa

    f0_in = np.nanmedian(librosa.yin(tone, fmin=80, fmax=600, sr=sr))
    f0_out = np.nanmedian(librosa.yin(emphasize(tone, sr, 1.0), fmin=80, fmax=600, sr=sr))
    assert f0_out > f0_in * 1.05


def test_emphasis_renders_slower(synth, speech_wav, monkeypatch):
    seen = []
    original = synth.render_piece

    def spy(features, reference, request, seed, speed=None):
        seen.append((features.text, speed))
        return original(features, reference, request, seed, speed=speed)

    monkeypatch.setattr(synth, "render_piece", spy)
    synth.synthesize_all(_req(speech_wav, text="我们[emph]今天[/emph]走。"))
    speeds = dict(seen)
    assert speeds["今天"] < speeds["我们"] == 1.0


def test_bad_requests_get_clear_errors(synth, speech_wav, tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        synth.synthesize_all(_req(speech_wav, text="   "))
    with pytest.raises(ConfigError, match="language"):
        synth.synthesize_all(_req(speech_wav, language="fr"))
    with pytest.raises(TextError):
        synth.synthesize_all(_req(speech_wav, text="Привет мир.", language="auto"))
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError):
        synth.synthesize_all(_req(bad))
    with pytest.raises(ModelNotFoundError):
        Synthesizer.from_files(tmp_path / "nope.ckpt", tmp_path / "nope.pth", tmp_path)


def test_long_reference_is_trimmed_with_a_notice(synth, tmp_path):
    import soundfile as sf

    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(duration_s=14.0, sample_rate=24000, seed=5)
    path = tmp_path / "long.wav"
    sf.write(path, rec.audio, 24000)
    ref = synth.prepare_reference(path, "", "zh")
    assert ref.notices and "14.0" in ref.notices[0]
    assert ref.refer_specs[0].shape[-1] <= 10 * 50 + 1


def test_streaming_parts_join_to_the_whole_piece(synth, speech_wav):
    request = _req(speech_wav, text="今天我们一起去公园散步。", noise_scale=0.0, seed=5)
    whole = synth.synthesize_all(request)
    parts = list(synth.synthesize(request, stream=True))
    assert len(parts) >= 2 and not parts[0].final and parts[-1].final
    assert [p.part for p in parts] == list(range(len(parts)))
    joined = np.concatenate([p.audio for p in parts])
    assert parts[-1].tokens == whole.chunks[0].tokens
    assert len(joined) == len(whole.audio)
    error = joined - whole.audio
    snr = 10 * np.log10(np.sum(whole.audio**2) / max(np.sum(error**2), 1e-12))
    assert snr > 15, f"streamed audio differs from the whole decode (SNR {snr:.1f} dB)"


def test_streamed_parts_follow_the_part_schedule(synth, speech_wav, monkeypatch):
    """Parts come after 12, then 12 more, then every 25 confirmed tokens (STREAM_PART_TOKENS)."""
    import gpt_sovits.models.t2s.decoding as decoding
    from gpt_sovits.inference.synthesizer import STREAM_PART_TOKENS

    assert STREAM_PART_TOKENS == (12, 12, 25)
    monkeypatch.setattr(decoding, "MIN_STEPS_BEFORE_EOS", 10**9)  # no end of speech: the limit decides
    monkeypatch.setattr(synth, "token_limit", lambda n_phones: 80)
    parts = list(synth.synthesize(_req(speech_wav, text="今天我们一起去公园散步。", seed=5), stream=True))
    assert [p.tokens for p in parts[:-1]] == [12, 24, 49, 74] and parts[-1].final


def test_streaming_runs_in_the_callers_thread_and_stops_when_closed(synth, speech_wav):
    """No second thread (it would start a second OpenMP team and halve the GPT's speed), and a
    listener that goes away stops the GPT instead of leaving it running to the end."""
    import threading

    request = _req(speech_wav, text="今天我们一起去公园散步，然后回家吃饭。", noise_scale=0.0, seed=5)
    steps, closed = [], []
    original = synth.gpt.iter_generate

    def counting(*args, **kwargs):
        inner = original(*args, **kwargs)
        try:
            while True:
                token = next(inner)
                steps.append(threading.current_thread())
                yield token
        except StopIteration as done:
            return done.value
        finally:
            inner.close()
            closed.append(len(steps))

    synth.gpt.iter_generate = counting
    try:
        stream = synth.synthesize(request, stream=True)
        first = next(stream)
        assert not first.final
        stream.close()
    finally:
        del synth.gpt.iter_generate
    assert set(steps) == {threading.current_thread()}
    assert len(steps) == 13  # 12 confirmed tokens for the first part, then nothing more
    assert closed == [13]  # the GPT's iterator was closed there, not left to run or linger


def test_optimized_vocoder_is_used(synth):
    assert getattr(synth.sovits, "inference_dtype", None) is not None


def test_with_models_reuses_feature_extractors(synth, tiny_v2, speech_wav):
    other = synth.with_models(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2)
    assert other.hubert is synth.hubert and other.bert is synth.bert
    assert other.sovits is not synth.sovits and other.gpt is not synth.gpt
    result = other.synthesize_all(_req(speech_wav, text="好。"))
    _check_lengths(result, 0.1)


def test_precision_modes(tiny_v2):
    """One knob: "exact" (the default) keeps float32 everywhere; "fast" keeps the float32 GPT on every device
    (exact's tokens) and changes only the vocoder (and features on CUDA), as devices.precision_plan says."""
    from gpt_sovits.devices import DEFAULT_PRECISION, PrecisionPlan, precision_plan

    assert DEFAULT_PRECISION == "exact"
    assert precision_plan("exact", "cpu") == PrecisionPlan("exact", "fp32", "fp32", False, False)
    assert precision_plan("exact", "cuda") == PrecisionPlan("exact", "fp32", "fp32", False, True)
    assert precision_plan("fast", "cuda") == PrecisionPlan("fast", "fp32", "fp16", True, True)
    assert precision_plan("fast", "cpu").gpt == "fp32" and not precision_plan("fast", "cpu").features_half
    with pytest.raises(ConfigError, match="precision"):
        precision_plan("turbo", "cpu")
    exact = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu", warm_up=False)
    fast = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                                  precision="fast", warm_up=False)
    assert exact.precisions == precision_plan("exact", "cpu") and fast.precisions == precision_plan("fast", "cpu")
    assert exact.sovits.inference_dtype == torch.float32 and exact.gpt.static_steps is None
    assert type(fast.gpt.step_kernel) is type(exact.gpt.step_kernel) and fast.gpt.step_linear is exact.gpt.step_linear
    assert fast.gpt.cache_dtype is None and exact.gpt.cache_dtype is None  # the KV cache stays float32
    from gpt_sovits.models.cpu_matmul import packed_linear, packing_wanted, plain_linear
    from gpt_sovits.models.t2s import cpu_step

    # float32 on a CPU where MKL is slow decodes through the compiled step (models/t2s/cpu_step.py), or
    # oneDNN-packed weights (models/cpu_matmul.py) where numba cannot compile
    if not packing_wanted("cpu"):
        assert exact.gpt.step_linear is torch.nn.functional.linear and exact.gpt.step_kernel is None
    elif cpu_step.kernel() is not None:
        assert exact.gpt.step_linear is plain_linear and exact.gpt.step_kernel is not None
    else:
        assert exact.gpt.step_linear is packed_linear and exact.gpt.step_kernel is None
    switched = fast.with_models(gpt_path=tiny_v2 / TINY_GPT)
    assert switched.precisions == fast.precisions and type(switched.gpt.step_linear) is type(fast.gpt.step_linear)


def test_fast_mode_says_the_tokens_of_exact(tiny_v2, speech_wav):
    """Fast changes the vocoder's precision only: every piece of Chinese, English and mixed text, greedy and
    sampled, gets the tokens exact gets (the same float32 GPT, compiled or not)."""
    exact = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu", warm_up=False)
    fast = Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                                  precision="fast", warm_up=False)
    texts = [("今天下雨了，我们在家看书。明天见！", "zh"), ("The river was quiet this morning.", "en"),
             ("我们用 GPU 来训练 model 吧。", "auto")]
    for i, (text, language) in enumerate(texts):
        for top_k in (1, 15):
            request = _req(speech_wav, text=text, language=language, cut_method="cut5", seed=40 + i, top_k=top_k)
            want, got = exact.synthesize_all(request), fast.synthesize_all(request)
            assert [c.tokens for c in got.chunks] == [c.tokens for c in want.chunks], (text, top_k)
            # other tokens would make other audio; the same tokens through a 16-bit vocoder stay close
            error = got.audio - want.audio
            snr = 10 * np.log10(np.sum(want.audio**2) / max(float(np.sum(error**2)), 1e-20))
            assert snr > 20, (text, top_k, snr)


def test_plain_pieces_share_a_gpt_batch_with_the_same_result(synth, speech_wav):
    """Without streaming, consecutive plain pieces go through the GPT together; every piece keeps its
    own seed, so the audio equals one-by-one rendering (and a sentence redone alone matches it)."""
    from gpt_sovits.models.t2s import batch_decoding

    text = "今天天气很好。我们去公园散步吧！真的很开心。明天见。再见。"
    request = _req(speech_wav, text=text, cut_method="cut5", seed=21, top_k=15)
    calls = []
    original = batch_decoding.generate_batch

    def counting(model, items, **kwargs):
        calls.append(len(items))
        return original(model, items, **kwargs)

    batch_decoding.generate_batch = counting
    try:
        batched = synth.synthesize_all(request)
    finally:
        batch_decoding.generate_batch = original
    synth.batch_pieces = 1
    try:
        single = synth.synthesize_all(request)
    finally:
        del synth.batch_pieces
    assert calls == [4]  # five pieces: four together, the last one alone
    assert [c.text for c in batched.chunks] == [c.text for c in single.chunks]
    assert [c.tokens for c in batched.chunks] == [c.tokens for c in single.chunks]
    for a, b in zip(batched.chunks, single.chunks, strict=True):
        np.testing.assert_allclose(a.audio, b.audio, atol=1e-5)


@pytest.mark.parametrize("ref_text", ["这是参考。", ""])
@pytest.mark.parametrize("stream", [False, True])
def test_runaway_guard_notice_names_only_the_cut_piece(synth, speech_wav, ref_text, stream):
    """A piece that exceeds its token limit is cut and named in a notice: with or without a prompt
    (prompt-free decoding reports idx 0), alone, streamed or in a GPT batch next to a piece that ended."""
    gpt = synth.gpt
    head = gpt.logits
    eos_bonus = torch.zeros(1025)
    eos_bonus[1024] = 1000.0  # every piece says EOS as soon as it may (step 11)
    gpt.logits = lambda hidden: head(hidden) + eos_bonus
    synth.token_limit = lambda n_phones: 5 if n_phones < 20 else 100
    try:
        request = _req(speech_wav, text="你好呀朋友。今天天气很好我们一起去公园散步吧。", ref_text=ref_text,
                       cut_method="cut5", seed=3)
        chunks = [c for c in synth.synthesize(request, stream=stream) if c.final]
    finally:
        del gpt.logits, synth.token_limit
    assert [c.text for c in chunks] == ["你好呀朋友。", "今天天气很好我们一起去公园散步吧。"]
    notices = [[n for n in c.notices if "did not end naturally" in n] for c in chunks]
    assert len(notices[0]) == 1 and "你好呀朋友" in notices[0][0]
    assert notices[1] == []
    assert chunks[0].tokens == 6 and chunks[1].tokens == 11  # all tokens kept when cut; EOS dropped


def test_an_int8_gpt_that_cannot_run_is_an_error_or_a_fallback(tiny_v2, monkeypatch, caplog):
    """No mode asks for int8 any more, but a plan may (benchmarks): by name it is an error; where a mode's
    precision cannot run (``fallback``), float32 and a warning."""
    from gpt_sovits.devices import PrecisionPlan
    from gpt_sovits.inference.synthesizer import _gpt_in
    from gpt_sovits.models.t2s.loading import load_gpt

    def refuse(*args, **kwargs):
        raise RuntimeError("no int8 kernel for this CPU")

    monkeypatch.setattr(torch, "_weight_int8pack_mm", refuse)
    with pytest.raises(ConfigError, match="int8 decoding does not run here"):
        Synthesizer.from_files(tiny_v2 / TINY_GPT, tiny_v2 / TINY_SOVITS, tiny_v2, device="cpu",
                               plan=PrecisionPlan("fast", "int8", "fp32", False, False), warm_up=False)
    with caplog.at_level("WARNING"):
        _, used = _gpt_in(load_gpt(tiny_v2 / TINY_GPT), "int8", cuda_graphs=False, fallback=True)
    assert used == "fp32" and "using float32" in caplog.text


@pytest.mark.parametrize("text", ["!!!", "😀😀", "。。。"])
def test_text_with_nothing_to_speak_is_a_text_error(synth, speech_wav, text):
    with pytest.raises(TextError) as info:
        synth.synthesize_all(_req(speech_wav, text=text, language="auto"))
    assert str(info.value) == "Nothing to speak: the text has no words, only punctuation, symbols or emoji."


@pytest.mark.parametrize("window", [7, 13, 30])
def test_decode_windows_are_equal_and_join_into_the_one_window_decode(synth, speech_wav, monkeypatch, window):
    """A piece longer than DECODE_WINDOW_FRAMES is decoded in windows of equal size (one vocoder input shape,
    no short tail), and the joined audio is the audio of a decode in one window."""
    import gpt_sovits.inference.synthesizer as synthesizer
    import gpt_sovits.models.sovits.streaming as streaming

    request = _req(speech_wav, text="今天天气很好，我们去公园散步吧。", top_k=1, seed=5)
    whole = synth.synthesize_all(request).audio
    spans = []
    original = streaming.decode_chunk

    def spy(model, m_p, logs_p, ge, start, end=None, **kw):
        spans.append((start, end, m_p.shape[-1]))
        return original(model, m_p, logs_p, ge, start, end, **kw)

    monkeypatch.setattr(streaming, "decode_chunk", spy)
    monkeypatch.setattr(synthesizer, "DECODE_WINDOW_FRAMES", window)
    windowed = synth.synthesize_all(request).audio
    frames = spans[0][2]
    assert frames > window, "the piece must need several windows"
    sizes = [end - start for start, end, _ in spans]
    assert sum(sizes) == frames and max(sizes) <= window and max(sizes) - min(sizes) <= 1
    assert windowed.shape == whole.shape
    np.testing.assert_allclose(windowed, whole, atol=1e-4 * float(np.abs(whole).max()), rtol=0)
