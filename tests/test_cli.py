"""The command line: doctor, download --dry-run, phonemize, and the tiny pretrained folder."""

import json
import subprocess
import sys

from gpt_sovits import pretrained
from gpt_sovits.cli import main
from gpt_sovits.doctor import format_report, run_checks
from tests.conftest import REPO_ROOT


def test_doctor_fails_with_advice_without_weights(tmp_path, capsys):
    code = main(["doctor", "--pretrained", str(tmp_path / "p"), "--workspace", str(tmp_path / "w")])
    out = capsys.readouterr().out
    assert code == 1
    assert "Pretrained weights" in out and "gpt_sovits download" in out
    assert "PyTorch" in out and "Free disk" in out and "ffmpeg" in out
    assert "CPU synthesis" in out and "GPT" in out and "vocoder" in out


def test_doctor_passes_with_tiny_models(tiny_v2, tmp_path):
    checks = run_checks(tiny_v2, tmp_path / "w")
    report = format_report(checks)
    weights = next(c for c in checks if c.name == "Pretrained weights")
    assert weights.ok and "v2" in weights.detail, report


def test_tiny_models_are_reported_as_test_models(tiny_v2):
    statuses = pretrained.version_status("v2", tiny_v2)
    assert all(s.state is pretrained.AssetState.PRESENT for s in statuses if s.asset.role not in pretrained.OPTIONAL_ROLES)
    s2g = next(s for s in statuses if s.asset.role == "SoVITS generator")
    assert "tiny random test model" in s2g.detail


def test_download_dry_run_lists_missing_files(tmp_path, capsys):
    assert main(["download", "--version", "v2Pro", "--dry-run", "--pretrained", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "v2Pro/s2Gv2Pro.pth" in out and "sv/pretrained_eres2netv2w24s4ep4.ckpt" in out
    assert not any(tmp_path.iterdir())


def test_download_unsupported_version_is_a_clear_error(tmp_path, capsys):
    assert main(["download", "--version", "v4", "--dry-run", "--pretrained", str(tmp_path)]) == 2
    assert "not support" in capsys.readouterr().err


def test_phonemize_prints_json():
    result = subprocess.run([sys.executable, "-m", "gpt_sovits", "phonemize", "--lang", "zh", "你好，世界。"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["phones"][:4] == ["n", "i2", "h", "ao3"]
    assert len(data["phone_ids"]) == len(data["phones"]) and sum(data["word2ph"]) == len(data["phones"])


def test_phonemize_unsupported_script_is_exit_2(capsys):
    assert main(["phonemize", "--lang", "auto", "Привет"]) == 2
    assert "error:" in capsys.readouterr().err


def test_importing_the_package_loads_nothing_heavy():
    code = ("import sys, gpt_sovits, gpt_sovits.cli, gpt_sovits.text, gpt_sovits.inference, gpt_sovits.models; "
            "heavy = [m for m in ('torch', 'gradio', 'transformers', 'jieba', 'nltk') if m in sys.modules]; "
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
