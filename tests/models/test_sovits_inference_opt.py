"""Decoding-only SoVITS copies (folded weight norm, fast vocoder, bf16) and streaming decode.

Golden v2 data (upstream float32 outputs): the folded float32 copy must match at the README
tolerance (waveforms atol 1e-4); bfloat16 must stay above BF16_MIN_SNR_DB; windows decoded
with enough context must join into the whole decode.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gpt_sovits.models.checkpoint import load_sovits
from gpt_sovits.models.sovits import build_sovits
from gpt_sovits.models.sovits.inference_opt import (
    STREAM_BUCKET_FRAMES,
    VOCODER_BUCKET_FRAMES,
    FastVocoder,
    cpu_flags,
    default_vocoder_dtype,
    fused_conv_available,
    optimize_for_inference,
    resolve_dtype,
    waveform_agreement,
)
from gpt_sovits.models.sovits.streaming import (
    StreamDecoder,
    decode_chunk,
    encode_prefix,
    frames_for,
)

WAVE_ATOL = 1e-4
BF16_MIN_SNR_DB = 30.0  # measured 40 dB on this data
BF16_MAX_MEL_L1 = 0.05  # natural-log mel above a 60 dB floor; measured 0.008
STREAM_MIN_SNR_DB = 25.0  # measured about 30 dB (lookahead 8, 15-token pushes, random weights)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def golden(golden_dir):
    model = load_sovits(golden_dir / "sovits_v2_tiny.pth")
    data = {k: torch.from_numpy(np.asarray(v)) for k, v in np.load(golden_dir / "sovits_v2_tiny_io.npz").items()}
    return model, data


@pytest.fixture(scope="module")
def fast32(golden):
    return optimize_for_inference(golden[0], "fp32")


def _decode(model, data, **kw):
    return model.decode(data["codes"], data["text_phone_ids"], [data["spec"]], noise_scale=kw.pop("noise_scale", 0.0),
                        **kw)


@pytest.mark.parametrize(("speed", "key"), [(1.0, "dec_s100_wav"), (1.25, "dec_s125_wav")])
def test_folded_fp32_matches_golden(fast32, golden, speed, key):
    _, data = golden
    wav = _decode(fast32, data, speed=speed)
    np.testing.assert_allclose(wav.numpy(), data[key].numpy(), atol=WAVE_ATOL, rtol=0)


def test_folded_fp32_noise_path(fast32, golden):
    _, data = golden
    wav = _decode(fast32, data, noise_scale=0.5, noise=data["dec_ns05_noise"])
    np.testing.assert_allclose(wav.numpy(), data["dec_ns05_wav"].numpy(), atol=WAVE_ATOL, rtol=0)


def test_original_left_exportable(golden, fast32):
    model, _ = golden
    keys = model.state_dict().keys()
    assert any(k.endswith("dec.ups.0.weight_g") for k in keys)
    assert not any(k.endswith(("weight_g", "weight_v")) for k in fast32.state_dict())
    assert isinstance(fast32.dec, FastVocoder) and fast32.enc_q is None
    assert not any(p.requires_grad for p in fast32.parameters())
    assert fast32.inference_dtype == torch.float32


def test_bf16_agreement(golden):
    model, data = golden
    fast = optimize_for_inference(model, torch.bfloat16)
    assert fast.dec.dtype == torch.bfloat16
    agreement = waveform_agreement(data["dec_s100_wav"], _decode(fast, data))
    assert agreement["snr_db"] > BF16_MIN_SNR_DB, agreement
    assert agreement["mel_l1"] < BF16_MAX_MEL_L1, agreement
    assert agreement["max_abs"] > 0  # it really ran in reduced precision


def test_windows_join_into_whole_decode(fast32, golden):
    _, data = golden
    ge = fast32.reference_embedding([data["spec"]])
    m_p, logs_p = encode_prefix(fast32, data["codes"], data["text_phone_ids"], ge)
    total = m_p.shape[-1]
    noise = torch.randn(m_p.shape, generator=torch.Generator().manual_seed(3))
    whole = _decode(fast32, data, noise_scale=0.5, noise=noise)[0, 0]
    parts = [decode_chunk(fast32, m_p, logs_p, ge, s, min(s + 25, total), noise_scale=0.5, noise=noise)
             for s in range(0, total, 25)]
    np.testing.assert_allclose(torch.cat(parts).numpy(), whole.numpy(), atol=WAVE_ATOL, rtol=0)
    # Without context the seams break: the test can tell.
    bare = decode_chunk(fast32, m_p, logs_p, ge, 25, 50, noise_scale=0.5, noise=noise, context_frames=0)
    assert float((bare - whole[25 * 640 : 50 * 640]).abs().max()) > 10 * WAVE_ATOL


@pytest.mark.parametrize(("speed", "key"), [(1.0, "dec_s100_wav"), (1.25, "dec_s125_wav")])
def test_stream_in_one_call_equals_decode(fast32, golden, speed, key):
    _, data = golden
    ge = fast32.reference_embedding([data["spec"]])
    stream = StreamDecoder(fast32, data["text_phone_ids"], ge, noise_scale=0.0, speed=speed)
    wav = stream.push(data["codes"], final=True)
    np.testing.assert_allclose(wav.numpy(), data[key][0, 0].numpy(), atol=WAVE_ATOL, rtol=0)
    with pytest.raises(RuntimeError, match="finished"):
        stream.push(data["codes"])


@pytest.mark.parametrize("speed", [1.0, 1.25])
def test_stream_in_chunks_close_to_decode(fast32, golden, speed):
    _, data = golden
    codes = data["codes"]
    ge = fast32.reference_embedding([data["spec"]])
    stream = StreamDecoder(fast32, data["text_phone_ids"], ge, noise_scale=0.0, speed=speed)
    parts = [stream.push(codes[..., :n]) for n in range(15, codes.shape[-1], 15)]
    parts.append(stream.push(codes, final=True))
    assert sum(p.numel() for p in parts[:-1]) > 0  # audio came out before the last token
    joined = torch.cat(parts)
    assert joined.numel() == frames_for(fast32, codes.shape[-1], speed) * 640
    if speed == 1.0:
        agreement = waveform_agreement(data["dec_s100_wav"], joined)
        assert agreement["snr_db"] > STREAM_MIN_SNR_DB, agreement


def test_stream_noise_is_seeded(fast32, golden):
    _, data = golden
    ge = fast32.reference_embedding([data["spec"]])

    def run(seed):
        stream = StreamDecoder(fast32, data["text_phone_ids"], ge, noise_scale=0.5,
                               generator=torch.Generator().manual_seed(seed))
        return torch.cat([stream.push(data["codes"][..., :30]), stream.push(data["codes"], final=True)])

    a, b, c = run(1), run(1), run(2)
    assert torch.equal(a, b)
    assert float((a - c).abs().max()) > 1e-3


def test_dtype_choice(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f amx_bf16 amx_tile\n")
    assert {"amx_bf16", "avx512f"} <= cpu_flags(info)
    assert cpu_flags(tmp_path / "missing") == set()
    assert default_vocoder_dtype("cuda") == torch.float16
    assert resolve_dtype("bf16", "cpu") == torch.bfloat16
    assert resolve_dtype(None, "cpu") in (torch.float32, torch.bfloat16)
    with pytest.raises(ValueError, match="unknown vocoder precision"):
        resolve_dtype("int8", "cpu")


def test_fast_vocoder_matches_reference_vocoder_v1_config():
    """ResBlock2 and a gin-less vocoder take the same path (small random model)."""
    torch.manual_seed(0)
    model = build_sovits("v2", {"model": {"resblock": "2", "resblock_dilation_sizes": [[1, 3], [1, 3], [1, 3]],
                                          "upsample_initial_channel": 32, "inter_channels": 16}}).eval()
    fast = FastVocoder(model.dec, torch.float32)
    z = torch.randn(1, 16, 9)
    with torch.inference_mode():
        np.testing.assert_allclose(fast(z).numpy(), model.dec(z).numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_fused_resblocks_match_unfused(fast32, golden, dtype):
    model, _ = golden
    if not fused_conv_available("cpu", dtype):
        pytest.skip("this torch build has no oneDNN fused convolutions")
    vocoder = FastVocoder(model.dec, dtype)
    z, g = torch.randn(1, model.config.inter_channels, 12), torch.randn(1, model.config.gin_channels, 1)
    with torch.inference_mode():
        fused = vocoder.set_fused(True)(z, g)
        plain = vocoder.set_fused(False)(z, g)
    tol = 1e-5 if dtype == torch.float32 else 2e-2
    np.testing.assert_allclose(fused.numpy(), plain.numpy(), atol=tol * float(plain.abs().max()), rtol=0)
    with pytest.raises(ValueError, match="fused oneDNN"):
        FastVocoder(model.dec, torch.float16).set_fused(True)


@pytest.mark.parametrize("bucket", ["window", 4, None])
@pytest.mark.parametrize("fused", [True, False])
def test_fixed_windows_equal_one_shot(golden, fused, bucket):
    """Fixed-size windows and bucketed passes (zero-padded and masked) join into the one-shot output, at
    lengths around the window's and the bucket's edges: shorter, exactly one, one more, and several."""
    model, _ = golden
    vocoder = FastVocoder(model.dec, torch.float32)
    if fused and not fused_conv_available("cpu", torch.float32):
        pytest.skip("this torch build has no oneDNN fused convolutions")
    vocoder.set_fused(fused)
    ctx = vocoder.context_frames
    window = 2 * ctx + 3
    bucket = window if bucket == "window" else bucket
    for frames in (1, 3, 4, 5, window - 1, window, window + 1, 2 * window - ctx, 2 * window - ctx + 1,
                   4 * window + 5):
        gen = torch.Generator().manual_seed(frames)
        z = torch.randn(1, model.config.inter_channels, frames, generator=gen)
        g = torch.randn(1, model.config.gin_channels, 1, generator=gen)
        with torch.inference_mode():
            whole = vocoder.set_window(None)(z, g)
            windowed = vocoder.set_window(window, bucket)(z, g)
            bucketed = vocoder.set_window(None, bucket)(z, g)
        for got in (windowed, bucketed):
            assert got.shape == whole.shape, frames
            np.testing.assert_allclose(got.numpy(), whole.numpy(), atol=1e-5 * float(whole.abs().max()), rtol=0,
                                       err_msg=f"{frames} frames")
    vocoder.context_frames = 1  # too little context shows at the seams: the comparison can fail
    with torch.inference_mode():
        short = vocoder.set_window(window, bucket)(z, g)
    assert float((short - whole).abs().max()) > 1e-3 * float(whole.abs().max())


def test_bucketed_passes_run_at_few_shapes(golden):
    """A float32 vocoder on a CPU pads each pass to a multiple of VOCODER_BUCKET_FRAMES, capped by a window."""
    model, _ = golden
    vocoder = optimize_for_inference(model, "fp32").dec
    assert vocoder.window_frames is None and vocoder.bucket_frames == VOCODER_BUCKET_FRAMES
    assert [vocoder.padded_length(n) for n in (1, 32, 33, 100)] == [32, 32, 64, 128]
    seen = []
    original = vocoder._run
    vocoder._run = lambda x, g, valid=None: seen.append(x.shape[-1]) or original(x, g, valid)
    with torch.inference_mode():
        for frames in (5, 17, 31):
            vocoder(torch.randn(1, model.config.inter_channels, frames), None)
    assert seen == [32, 32, 32]
    # streamed parts round to a finer bucket (their lengths repeat), and the output is the same
    assert [vocoder.padded_length(n, STREAM_BUCKET_FRAMES) for n in (1, 24, 74)] == [8, 24, 80]
    z = torch.randn(1, model.config.inter_channels, 21, generator=torch.Generator().manual_seed(4))
    with torch.inference_mode():
        coarse, fine = vocoder(z, None), vocoder(z, None, finer_bucket=STREAM_BUCKET_FRAMES)
    assert seen[-2:] == [32, 24]
    np.testing.assert_allclose(fine.numpy(), coarse.numpy(), atol=1e-5 * float(coarse.abs().max()), rtol=0)
    vocoder.set_window(40, bucket=32)
    assert [vocoder.padded_length(n) for n in (1, 33, 40)] == [32, 40, 40]
    assert vocoder.padded_length(20, STREAM_BUCKET_FRAMES) == 32  # fixed windows (AMX) keep their shapes


@pytest.mark.parametrize("flags", [{"avx512_bf16"}, {"avx512_bf16", "amx_bf16"}])
def test_window_choice_and_limits(golden, monkeypatch, flags):
    import gpt_sovits.models.sovits.inference_opt as inference_opt

    monkeypatch.setattr(inference_opt, "cpu_flags", lambda: flags)
    model, _ = golden
    exact = optimize_for_inference(model, "fp32").dec
    assert exact.window_frames is None and exact.bucket_frames  # fp32: one pass, length bucketed
    fast = optimize_for_inference(model, "bf16")
    if "amx_bf16" in flags:  # one fixed shape: AMX builds kernels slowly
        assert fast.dec.window_frames >= max(128, 4 * fast.dec.context_frames)
        assert fast.dec.bucket_frames == fast.dec.window_frames
    else:
        assert fast.dec.window_frames is None and fast.dec.bucket_frames == VOCODER_BUCKET_FRAMES
    with pytest.raises(ValueError, match="twice the context"):
        fast.dec.set_window(2 * fast.dec.context_frames)
