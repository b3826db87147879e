"""Issue 14 in a real browser: no duplicate imports, a reference that stays chosen, errors that keep the last result,
a long synthesis that can be stopped, and training that continues after a cancel.

One studio and one page are shared and the tests run in order. The voice is set up through the data API
before the studio starts (clips, transcripts and prepared features with the tiny models), so the browser
time goes to the behaviour under test.
"""

from __future__ import annotations

import re

import pytest

from tests.ui.pages import SLOW_MS, expect_text, expect_toast, open_page, open_tab
from tests.ui.server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VOICE = "Bea"
LINE = "我们一起读一段很长的句子，看看训练能不能顺利进行。"


@pytest.fixture(scope="module")
def root(tmp_path_factory, tiny_v2):
    """A workspace with voice Bea: consent, one 20 s recording in clips, texts, prepared features."""
    from gpt_sovits.audio.io import save_wav
    from gpt_sovits.data.audio_import import prepare_audio
    from gpt_sovits.data.manifest import ManifestEntry
    from gpt_sovits.data.prepare import prepare_dataset
    from gpt_sovits.data.transcripts import read_transcripts, write_transcripts
    from gpt_sovits.data.workspace import Workspace
    from tests.fixtures.synthetic_speech import make_recording

    root = tmp_path_factory.mktemp("edges")
    rec = make_recording(duration_s=20.0, sample_rate=32000, long_silence_every=0, seed=7)
    save_wav(root / "take.wav", rec.audio, 32000)
    voice = Workspace(root / "workspace").create_voice(VOICE)
    voice.give_consent(True)
    assert prepare_audio(voice, [root / "take.wav"]).clips
    write_transcripts(voice, [ManifestEntry(e.audio_path, VOICE, "zh", LINE) for e in read_transcripts(voice)])
    prepare_dataset(voice, tiny_v2, device="cpu")
    return root


def _studio(root, tiny_v2):
    return StudioProcess("--settings", str(root / "settings.yaml"), pretrained=tiny_v2, workspace=root / "workspace",
                         timeout_s=240)  # a busy machine


@pytest.fixture(scope="module")
def studio(root, tiny_v2):
    with _studio(root, tiny_v2) as server:
        yield server


@pytest.fixture(scope="module")
def page(studio):
    with open_page(studio.url) as page:
        yield page


def _clips(root) -> list[str]:
    return sorted(p.name for p in (root / "workspace" / VOICE / "clips").glob("*.wav"))


def test_clean_and_slice_twice_keeps_one_copy_and_the_clip_count(page, root):
    before = _clips(root)
    open_tab(page, "Voice data")
    page.locator("#upload input[type=file]").set_input_files(str(root / "take.wav"))
    expect_text(page, "#quality-report", "signal-to-noise", timeout=60_000)
    open_tab(page, "Clean & slice")
    for run in (1, 2):
        page.get_by_role("button", name="Clean & slice into clips").click()
        _wait_for(lambda: _log_count(root, "reslice-audio") == run)  # this run has finished
        expect_text(page, "#slice-report", "sliced again, not imported twice", timeout=SLOW_MS)
        assert _clips(root) == before
    assert len(list((root / "workspace" / VOICE / "recordings").iterdir())) == 1


def _log_count(root, action: str) -> int:
    import json

    lines = (root / "workspace" / VOICE / "log.jsonl").read_text(encoding="utf-8").splitlines()
    return sum(json.loads(line)["action"] == action for line in lines if line.strip())


def _wait_for(condition, timeout_s: float = SLOW_MS / 1000) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _choose(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option).first.click()


def test_a_chosen_reference_and_its_text_survive_a_tab_switch(page, root):
    clip = _clips(root)[1]
    open_tab(page, "Synthesize")
    _choose(page, "#reference-choice", clip)
    text = page.locator("#reference-text textarea")
    expect_value(text, LINE)
    text.fill("我自己写的参考文本。")
    text.blur()
    open_tab(page, "Voice data")
    open_tab(page, "Synthesize")
    page.wait_for_timeout(1500)  # the tab's refresh has run
    assert clip in page.locator("#reference-choice input").input_value()
    expect_value(text, "我自己写的参考文本。")


def expect_value(locator, value: str, timeout_ms: int = 30_000) -> None:
    from playwright.sync_api import expect

    expect(locator).to_have_value(value, timeout=timeout_ms)


def _result_link(page) -> str:
    return page.locator("#synth-download a").first.get_attribute("href") or ""


def test_a_failed_synthesis_keeps_the_previous_audio(page):
    page.locator("#synth-text textarea").fill("你好。")
    page.get_by_role("button", name="Synthesize", exact=True).click()
    expect_text(page, "#synth-status", "real-time factor", timeout=SLOW_MS)
    link = _result_link(page)
    assert link.endswith(".wav")
    page.locator("#synth-text textarea").fill("。。。")
    page.get_by_role("button", name="Synthesize", exact=True).click()
    expect_toast(page, "nothing")
    page.wait_for_timeout(1000)
    assert _result_link(page) == link and "real-time factor" in page.locator("#synth-status").inner_text()
    player = page.locator("#synth-output")
    assert "Error" not in player.inner_text()
    player.get_by_label("Play", exact=False).first.click()  # still there and playable


def test_a_long_synthesis_is_stopped_within_a_sentence_and_the_next_starts(page):
    long = ("今天天气很好，我们去公园散步。" * 1400)[:20_000]
    page.locator("#synth-text textarea").fill(long)
    page.get_by_role("button", name="Synthesize", exact=True).click()
    status = expect_text(page, "#synth-status", "sentences done", timeout=SLOW_MS)
    done, total = map(int, re.search(r"(\d+) of (\d+) sentences done", status).groups())
    assert total > 100
    page.get_by_role("button", name="Stop", exact=True).click()
    stopped = expect_text(page, "#synth-status", "Stopped after", timeout=SLOW_MS)
    assert int(re.search(r"Stopped after (\d+) sentence", stopped).group(1)) <= done + 2  # within one sentence
    page.locator("#synth-text textarea").fill("你好。")
    page.get_by_role("button", name="Synthesize", exact=True).click()
    final = expect_text(page, "#synth-status", "real-time factor", timeout=SLOW_MS)
    assert "in 1 piece" in final


def test_training_continues_from_its_checkpoint_after_a_cancel(page):
    open_tab(page, "Fine-tune")
    page.locator("#max-steps input").fill("0")
    page.get_by_label("SoVITS epochs").fill("50")
    page.get_by_role("button", name="2. Train SoVITS").click()
    expect_text(page, "#finetune-status", "from the pretrained model", timeout=60_000)
    expect_text(page, "#finetune-status", "step 2 of", timeout=SLOW_MS * 2)
    page.get_by_role("button", name="Cancel training").click()
    cancelled = expect_text(page, "#finetune-status", "cancelled at step", timeout=SLOW_MS)
    step = int(re.search(r"cancelled at step (\d+)", cancelled).group(1))
    expect_text(page, "#finetune-stopped", f"stopped at step {step}", timeout=30_000)
    page.get_by_role("button", name="2. Train SoVITS").click()
    expect_text(page, "#finetune-status", f"from its checkpoint at step {step}", timeout=60_000)
    text = expect_text(page, "#finetune-status", f"step {step + 1} of", timeout=SLOW_MS * 2)
    assert "epoch" in text and "of 50" in text
    page.get_by_role("button", name="Cancel training").click()
    expect_text(page, "#finetune-status", "cancelled at step", timeout=SLOW_MS)


def test_the_chosen_reference_survives_a_restart(page, root, tiny_v2):
    with _studio(root, tiny_v2) as again:  # a new process: only the files remain
        page.goto(again.url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Models").wait_for(timeout=60_000)
        open_tab(page, "Synthesize")
        page.wait_for_timeout(1500)
        assert _clips(root)[1] in page.locator("#reference-choice input").input_value()
        expect_value(page.locator("#reference-text textarea"), "我自己写的参考文本。")
