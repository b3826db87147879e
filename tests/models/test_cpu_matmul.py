"""oneDNN-packed float32 products (models/cpu_matmul.py): when they are used, and that they agree with F.linear.

The packed path is forced with ``choice="onednn"`` so these run the same on Intel and AMD machines.
"""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gpt_sovits.devices as devices
from gpt_sovits.models import cpu_matmul
from gpt_sovits.models.cpu_matmul import PackedLinear, pack_linears, pack_weight, packed_linear, packing_wanted
from gpt_sovits.models.t2s.quantize import pack_float32
from tests.models.tiny_gpt import assert_decodes_alike, random_gpt

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.skipif(not cpu_matmul.onednn_available(), reason="this torch build has no oneDNN linear operators"),
]


def test_cpu_vendor_is_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2\n")
    assert devices.cpu_vendor(info) == "AuthenticAMD"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\n")
    assert devices.cpu_vendor(info) == "GenuineIntel"


@pytest.mark.parametrize("vendor, wanted", [("AuthenticAMD", True), ("HygonGenuine", True), ("GenuineIntel", False)])
def test_auto_packs_where_mkl_is_not_at_home(monkeypatch, vendor, wanted):
    monkeypatch.setattr(devices, "cpu_vendor", lambda: vendor)
    monkeypatch.setattr(cpu_matmul.platform, "machine", lambda: "x86_64")
    assert packing_wanted("cpu") is wanted
    monkeypatch.setattr(cpu_matmul.platform, "machine", lambda: "aarch64")  # no MKL there: auto leaves it alone
    assert not packing_wanted("cpu")
    monkeypatch.setattr(cpu_matmul.platform, "machine", lambda: "AMD64")  # Windows' name for x86-64
    assert packing_wanted("cpu") is wanted
    assert packing_wanted("cpu", choice="onednn") and not packing_wanted("cpu", choice="mkl")
    assert not packing_wanted("cpu", torch.bfloat16, "onednn")  # float32 only
    assert not packing_wanted("cuda", choice="onednn")
    with pytest.raises(ValueError, match="auto, onednn, mkl"):
        packing_wanted("cpu", choice="fast")


@pytest.mark.parametrize("shape", [(1, 24), (5, 24), (2, 3, 24), (24,)])
@pytest.mark.parametrize("bias", [True, False])
def test_packed_linear_equals_f_linear(shape, bias):
    g = torch.Generator().manual_seed(len(shape) * 10 + shape[0])
    weight = torch.randn(40, 24, generator=g)
    b = torch.randn(40, generator=g) if bias else None
    x = torch.randn(*shape, generator=g)
    with torch.inference_mode():
        got = packed_linear(x, pack_weight(weight), b)
    want = F.linear(x, weight, b)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_pack_linears_replaces_float32_linears_in_place():
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Sequential(nn.Linear(32, 8, bias=False)),
                          nn.LayerNorm(8)).eval()
    half = nn.Linear(8, 8).half()
    model.append(nn.Identity())
    model.add_module("kept", half)
    x = torch.randn(4, 16)
    with torch.inference_mode():
        want = model[:4](x)
        assert pack_linears(model) == 2
        got = model[:4](x)
    assert isinstance(model[0], PackedLinear) and isinstance(model[2][0], PackedLinear)
    assert model.kept is half  # not float32: left alone
    assert "0.weight" not in model.state_dict() and "0.bias" in model.state_dict()
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_pack_linears_changes_nothing_when_the_self_test_fails(monkeypatch):
    model = nn.Sequential(nn.Linear(4, 4))
    monkeypatch.setattr(cpu_matmul, "packs_correctly", lambda weight, bias: False)
    assert pack_linears(model) == 0 and type(model[0]) is nn.Linear


def test_self_test_catches_a_wrong_product(monkeypatch):
    linear = nn.Linear(6, 5)
    assert cpu_matmul.packs_correctly(linear.weight, linear.bias)
    monkeypatch.setattr(cpu_matmul, "packed_linear", lambda x, packed, bias: F.linear(x, linear.weight, bias) + 1)
    assert not cpu_matmul.packs_correctly(linear.weight, linear.bias)


@pytest.mark.parametrize("seed, dim, layers, heads", [(21, 64, 3, 4), (22, 96, 2, 8), (23, 48, 4, 2)])
def test_packed_gpt_decodes_the_tokens_of_the_plain_one(seed, dim, layers, heads):
    """Greedy and seeded sampling, alone and in a batch, on random models of other sizes and seeds."""
    plain = random_gpt(seed, dim, layers, heads)
    packed = copy.deepcopy(plain)
    # the oneDNN path (the compiled step's own tests are in test_cpu_step.py)
    assert pack_float32(packed, compiled=False) and not pack_float32(packed)  # a second call finds it packed
    assert packed.step_linear is packed_linear and packed.h.layers[0].linear1.weight.numel() == 0
    assert_decodes_alike(plain, packed, seed)
