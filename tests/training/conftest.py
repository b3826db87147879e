"""Fixtures for the training tests: prepared voices and a SoVITS small enough to train on a busy CPU."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from tests.training.helpers import make_voice

TINIER_SOVITS = {"inter_channels": 16, "filter_channels": 32, "n_layers": 2, "upsample_initial_channel": 32,
                 "resblock_kernel_sizes": [3], "resblock_dilation_sizes": [[1, 3, 5]]}


class TinyDiscriminator(nn.Module):
    """Same interface as MultiPeriodDiscriminator, a few thousand weights (the official one is 47M)."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(1, 8, 15, 4, 7), nn.Conv1d(8, 16, 15, 4, 7), nn.Conv1d(16, 1, 3, 1, 1)])

    def _one(self, x):
        maps = []
        for conv in self.convs:
            x = torch.nn.functional.leaky_relu(conv(x), 0.1)
            maps.append(x)
        return x.flatten(1), maps

    def forward(self, real, fake):
        r, rm = self._one(real)
        f, fm = self._one(fake)
        return [r], [f], [rm], [fm]


@pytest.fixture(scope="session")
def tinier_sovits_pretrained(tmp_path_factory) -> Path:
    """A pretrained/ folder with an even smaller random v2 SoVITS generator (and a placeholder s2D)."""
    from gpt_sovits.models.checkpoint import UpstreamHParams, write_upstream_archive
    from gpt_sovits.models.sovits import build_sovits
    from gpt_sovits.models.sovits.config import to_upstream_config

    root = tmp_path_factory.mktemp("pretrained")
    folder = root / "gsv-v2final-pretrained"
    folder.mkdir()
    torch.manual_seed(0)
    g = build_sovits("v2", TINIER_SOVITS)
    with torch.no_grad():  # louder upsampling: the untrained vocoder is audible (std ~0.08), not near-silent,
        for up in g.dec.ups:  # as a real pretrained one is; otherwise the log-mel clamp hides its errors
            up.weight_g.mul_(30.0)
    weights = {k: v.detach().half() for k, v in g.state_dict().items()}
    write_upstream_archive({"weight": weights, "config": UpstreamHParams(**to_upstream_config(g.config)),
                            "info": "pretrained"}, folder / "s2G2333k.pth")
    (folder / "s2D2333k.pth").write_bytes(b"replaced by TinyDiscriminator in tests")
    return root


@pytest.fixture()
def tiny_discriminator(monkeypatch):
    """Make the SoVITS trainer use TinyDiscriminator instead of loading the official one."""
    import gpt_sovits.training.sovits as sovits

    monkeypatch.setattr(sovits, "load_sovits_discriminator", lambda path: TinyDiscriminator())


@pytest.fixture()
def voice_workspace(tmp_path) -> Path:
    """A workspace with voice 'alice': consent given, 3 prepared clips of 2.5 s."""
    workspace = tmp_path / "workspace"
    make_voice(workspace, "alice", n_clips=3, seconds=2.5)
    return workspace
