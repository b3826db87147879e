"""SoVITS generator parity with upstream: golden files of every version, loaded by our importer.

Each ``sovits_<version>_tiny.pth`` is loaded once per module; the versions are
detected from file content only. Tolerances follow golden/README.md: codes
exactly, intermediates atol=rtol=1e-4, waveforms atol=1e-4.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from gpt_sovits.models.checkpoint import load_sovits

# v2 is the primary target; the other versions decode as much again, so they carry the slow mark.
VERSIONS = ["v2", *(pytest.param(v, marks=pytest.mark.slow) for v in ("v1", "v2Pro", "v2ProPlus"))]
WAVE_ATOL = 1e-4
INTERMEDIATE_TOL = 1e-4


@pytest.fixture(scope="module", autouse=True)
def _threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=VERSIONS)
def case(request, golden_dir):
    version = request.param
    model = load_sovits(golden_dir / f"sovits_{version}_tiny.pth")
    data = dict(np.load(golden_dir / f"sovits_{version}_tiny_io.npz"))
    return version, model, data


@pytest.fixture(scope="module")
def v2_case(golden_dir):
    """Only the v2 data hold the speed-1.25 and injected-noise references (golden README)."""
    return "v2", load_sovits(golden_dir / "sovits_v2_tiny.pth"), dict(np.load(golden_dir / "sovits_v2_tiny_io.npz"))


def _t(array) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array))


def _close(actual: torch.Tensor, expected: np.ndarray, name: str, atol: float = INTERMEDIATE_TOL) -> None:
    assert tuple(actual.shape) == expected.shape, f"{name}: shape {tuple(actual.shape)} != {expected.shape}"
    np.testing.assert_allclose(actual.float().numpy(), expected, atol=atol, rtol=INTERMEDIATE_TOL, err_msg=name)


def _sv_list(data, n: int):
    if "sv_emb" not in data:
        return None
    return [_t(data["sv_emb"][i]) for i in range(n)]


def _decode(model, data, refs, speed=1.0, noise_scale=0.0, noise=None):
    trace: dict = {}
    wav = model.decode(
        _t(data["codes"]),
        _t(data["text_phone_ids"]),
        refs,
        noise_scale=noise_scale,
        speed=speed,
        noise=noise,
        sv_emb=_sv_list(data, len(refs)),
        trace=trace,
    )
    trace = {k: torch.stack(v) if isinstance(v, list) else v for k, v in trace.items()}
    return wav, trace


def _check_prefix(data, prefix: str, wav, trace) -> int:
    """Compare every ``<prefix>*`` array with the trace; returns how many were compared."""
    _close(wav, data[f"{prefix}wav"], f"{prefix}wav", atol=WAVE_ATOL)
    checked = 1
    for key, expected in data.items():
        if not key.startswith(prefix) or key == f"{prefix}wav" or key.endswith("spec_b_frames"):
            continue
        name = key[len(prefix) :]
        assert name in trace, f"no traced value for {key}"
        _close(trace[name], expected, key)
        checked += 1
    return checked


def test_version_detected_from_content(case):
    version, model, _ = case
    assert model.version == version
    assert model.enc_q is None  # exports carry no posterior encoder
    with pytest.raises(RuntimeError, match="enc_q"):
        model(torch.zeros(1, 768, 4), torch.zeros(1, 1025, 4), torch.tensor([4]), torch.zeros(1, 3).long(), torch.tensor([3]))
    assert not model.training
    assert all(p.dtype == torch.float32 for p in model.parameters())


def test_extract_latent_codes_exact(case):
    _, model, data = case
    ssl = _t(data["ssl"])
    with torch.no_grad():
        _close(model.ssl_proj(ssl), data["latent_ssl_proj"], "latent_ssl_proj")
    codes = model.extract_latent(ssl)
    assert codes.dtype == torch.int64
    np.testing.assert_array_equal(codes.numpy(), data["codes"])


def test_decode_single_reference(case):
    _, model, data = case
    wav, trace = _decode(model, data, [_t(data["spec"])])
    assert wav.shape == (1, 1, 2 * data["codes"].shape[-1] * 640)
    assert _check_prefix(data, "dec_s100_", wav, trace) >= 10
    if "ge" in data:
        _close(trace["ge"], data["ge"], "ge")


def test_decode_multi_reference(case):
    _, model, data = case
    frames = int(data.get("multiref_spec_b_frames", data.get("dec_multiref_spec_b_frames")))
    spec = _t(data["spec"])
    wav, trace = _decode(model, data, [spec, spec[:, :, :frames].contiguous()])
    assert _check_prefix(data, "dec_multiref_", wav, trace) >= 2


def test_decode_speed(v2_case):
    _, model, data = v2_case
    wav, trace = _decode(model, data, [_t(data["spec"])], speed=1.25)
    assert wav.shape[-1] == (int(114 / 1.25) + 1) * 640
    assert _check_prefix(data, "dec_s125_", wav, trace) == 7


def test_decode_with_injected_noise(v2_case):
    _, model, data = v2_case
    wav, _ = _decode(model, data, [_t(data["spec"])], noise_scale=0.5, noise=_t(data["dec_ns05_noise"]))
    _close(wav, data["dec_ns05_wav"], "dec_ns05_wav", atol=WAVE_ATOL)
    # The noisy reference is far from the noiseless one, so matching it proves the draw is used.
    assert float(np.abs(data["dec_ns05_wav"] - data["dec_s100_wav"]).max()) > 1e-2


def test_header_code_01_is_read_as_v2(golden_dir, tmp_path):
    path = tmp_path / "renamed_header.pth"
    shutil.copyfile(golden_dir / "sovits_v2_tiny.pth", path)
    with open(path, "r+b") as f:
        f.write(b"01")
    assert path.read_bytes()[:4] == b"01\x03\x04"
    data = dict(np.load(golden_dir / "sovits_v2_tiny_io.npz"))
    model = load_sovits(path)
    assert model.version == "v2"
    np.testing.assert_array_equal(model.extract_latent(_t(data["ssl"])).numpy(), data["codes"])
    # Same weights as the plain file, whose decoding is checked against the golden data above.
    reference = load_sovits(golden_dir / "sovits_v2_tiny.pth").state_dict()
    loaded = model.state_dict()
    assert list(loaded) == list(reference)
    assert all(torch.equal(loaded[k], reference[k]) for k in reference)
