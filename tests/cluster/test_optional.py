"""Ray stays optional: the CLI is built without importing it, and --ray without Ray says how to install it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_the_cli_with_its_ray_options_does_not_import_ray():
    code = ("import sys; from gpt_sovits.cli import build_parser; p = build_parser(); "
            "a = p.parse_args(['book', 'render', 'b', '--ray', 'auto', '--ray-actors', '3']); "
            "s = p.parse_args(['serve', '--ray-replicas', '2']); "
            "print(a.ray, a.ray_actors, s.ray_replicas, s.ray, 'ray' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["auto", "3", "2", "auto", "False"], result.stderr


def test_ray_options_without_ray_name_the_install(monkeypatch, tmp_path):
    import importlib.util

    from gpt_sovits.cli import build_parser
    from gpt_sovits.errors import StudioError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    for argv in (["book", "render", "b", "--ray", "auto", "--workspace", str(tmp_path)],
                 ["serve", "--ray-replicas", "2", "--workspace", str(tmp_path)]):
        args = build_parser().parse_args(argv)
        with pytest.raises(StudioError, match="requirements-cluster.txt"):
            args.func(args)
