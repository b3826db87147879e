"""A full pass through the studio in a real browser with the tiny models, plus bad input on every tab.

Order matters inside this module: one studio and one page are shared, and each test continues
where the previous one stopped (voice created -> consent -> recording -> clips -> transcripts ->
prepared data -> speech). Screenshots of every tab go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from gpt_sovits.ui.app import TABS
from tests.ui.pages import SLOW_MS, edit_cell, expect_cell, expect_text, expect_toast, open_page, open_tab, shot
from tests.ui.server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VOICE = "Anna"
SPOKEN = "[emph]你好[/emph]"  # a few phones: random tiny models rarely stop on their own
# Long enough for GPT training's 3-25 phones per second on 4-12 s clips.
FIRST_LINE = "大家好，欢迎来到我们的声音工作室，今天天气很好。"
LINE = "我们一起读一段很长的句子，看看训练能不能顺利进行。"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    import soundfile as sf

    from tests.fixtures.synthetic_speech import make_recording

    root = tmp_path_factory.mktemp("uploads")
    rec = make_recording(duration_s=60.0, sample_rate=44100, seed=1)
    sf.write(root / "minute.wav", rec.audio, 44100, subtype="PCM_16")
    (root / "notes.txt").write_text("not audio", encoding="utf-8")
    (root / "fake.wav").write_text("this is not a wave file", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def studio(tmp_path_factory, tiny_v2):
    root = tmp_path_factory.mktemp("studio")
    with StudioProcess("--settings", str(root / "settings.yaml"), pretrained=tiny_v2,
                       workspace=root / "workspace") as server:
        server.root = root
        yield server


@pytest.fixture(scope="module")
def page(studio):
    with open_page(studio.url) as page:
        yield page


def test_every_tab_before_any_voice(page):
    for name, _, tab_id in TABS:
        open_tab(page, name)
        shot(page, f"empty-{tab_id}")
        # a fresh page shows no field in the browser's invalid state (e.g. a number below its minimum)
        invalid = [el.evaluate("e => e.closest('[id]')?.id || e.outerHTML") for el in page.locator("input:invalid").all()
                   if el.is_visible()]
        assert not invalid, f"{name}: {invalid}"
    assert page.locator("#line-number input").input_value() == "1"


def test_voice_data_create_consent_and_bad_names(page, studio):
    open_tab(page, "Voice data")
    page.get_by_label("New voice name").fill("../escape")
    page.get_by_role("button", name="Create voice").click()
    assert "not a usable voice name" in expect_toast(page, "not a usable voice name")
    page.get_by_label("New voice name").fill(VOICE)
    page.get_by_role("button", name="Create voice").click()
    expect_toast(page, "created")
    expect_text(page, "#voice-status", "Consent not given")
    page.get_by_label("This is my voice").check()
    expect_text(page, "#voice-status", "Consent given")
    assert (studio.root / "workspace" / VOICE / "voice.json").is_file()
    log = expect_cell(page, "#voice-log", "consent")
    assert "created" in log and "given=True" in log


def test_clean_and_slice_needs_recordings(page):
    open_tab(page, "Clean & slice")
    page.get_by_role("button", name="Clean & slice into clips").click()
    assert "Add recordings" in expect_toast(page, "Add recordings")


def test_voice_data_rejects_files_that_are_not_audio(page, files):
    open_tab(page, "Voice data")
    page.locator("#upload input[type=file]").set_input_files(str(files / "fake.wav"))
    report = expect_text(page, "#quality-report", "❌")
    assert "❌" in report
    page.locator("#upload").get_by_label("Clear").first.click()


def test_voice_data_upload_shows_quality_report(page, files):
    page.locator("#upload input[type=file]").set_input_files(str(files / "minute.wav"))
    report = expect_text(page, "#quality-report", "signal-to-noise", timeout=60_000)
    assert "60.0 s" in report and "signal-to-noise" in report
    shot(page, "voice-data")


def test_clean_and_slice_makes_clips(page, studio):
    open_tab(page, "Clean & slice")
    page.get_by_role("button", name="Preview cleaning").click()
    page.locator("#clean-plot img").wait_for(timeout=60_000)
    page.get_by_role("button", name="Clean & slice into clips").click()
    report = expect_text(page, "#slice-report", "new clips", timeout=SLOW_MS)
    n_clips = int(report.split()[0])
    assert n_clips >= 4
    clips = sorted((studio.root / "workspace" / VOICE / "clips").glob("*.wav"))
    assert len(clips) == n_clips
    expect_cell(page, "#clip-table", clips[0].name)
    shot(page, "clean-slice")


def test_transcripts_edit_and_save(page, studio):
    open_tab(page, "Transcripts")
    page.locator("#transcripts [data-testid=cell-0-0]").wait_for(timeout=30_000)
    page.get_by_role("button", name="Save transcripts").click()
    assert "need a look" in expect_toast(page, "need a look")
    expect_text(page, "#transcripts-status", "no text yet")
    rows = page.locator("#transcripts [data-testid^='cell-'][data-testid$='-2']").count()
    for row in range(rows):
        edit_cell(page, "#transcripts", row, 2, LINE if row else FIRST_LINE)
    page.get_by_role("button", name="Save transcripts").click()
    expect_text(page, "#transcripts-status", "Saved")
    listing = (studio.root / "workspace" / VOICE / "transcripts.list").read_text(encoding="utf-8")
    assert f"|zh|{FIRST_LINE}" in listing
    assert listing.count(f"|zh|{LINE}") == rows - 1
    shot(page, "transcripts")


def test_finetune_prepares_training_data(page, studio):
    open_tab(page, "Fine-tune")
    page.get_by_role("button", name="1. Prepare training data").click()
    status = expect_text(page, "#finetune-status", "Training data ready", timeout=SLOW_MS)
    assert "clips" in status
    assert (studio.root / "workspace" / VOICE / "features" / "semantic.tsv").is_file()
    shot(page, "fine-tune")


def test_finetune_trains_briefly(page, studio):
    page.locator("#max-steps input").fill("1")
    for button, kind in (("2. Train SoVITS", "SoVITS"), ("3. Train GPT", "GPT")):
        page.get_by_role("button", name=button).click()
        status = expect_text(page, "#finetune-status", f"{kind} training finished", timeout=SLOW_MS * 2)
        assert "Synthesize tab" in status
    made = expect_cell(page, "#trained-models", "GPT")
    assert "SoVITS" in made
    models = studio.root / "workspace" / VOICE / "models"
    assert list((models / "sovits").glob("*.pth")) and list((models / "gpt").glob("*.ckpt"))
    shot(page, "fine-tune-trained")


def test_synthesize_rejects_empty_text(page):
    open_tab(page, "Synthesize")
    page.locator("#synth-text textarea").fill("   ")
    page.get_by_role("button", name="Synthesize", exact=True).click()
    assert "text to speak is empty" in expect_toast(page, "empty")


def test_synthesize_shows_phonemes(page):
    page.locator("#synth-text textarea").fill(SPOKEN + "[pause:0.5]")
    page.get_by_role("button", name="Show phonemes").click()
    table = expect_cell(page, "#phonemes", "emphasis")
    assert "n i2 h ao3" in table and "0.5 s" in table


def test_synthesize_play_download_and_regenerate(page, studio):
    import soundfile as sf

    page.locator("#synth-text textarea").fill(SPOKEN)
    page.get_by_role("button", name="Synthesize", exact=True).click()
    assert VOICE + ":" in page.locator("#gpt-model").inner_text() + page.locator("#gpt-model input").input_value()
    status = expect_text(page, "#synth-status", "real-time factor", timeout=SLOW_MS)
    assert "first audio after" in status and "auto-picked" in status
    outputs = sorted((studio.root / "workspace" / VOICE / "outputs").glob("*.wav"))
    assert len(outputs) == 1
    info = sf.info(str(outputs[0]))
    assert info.samplerate == 32000 and info.duration > 0.1
    player = page.locator("#synth-output")
    player.get_by_label("Play", exact=False).first.click()
    with page.expect_download(timeout=30_000) as download:
        page.locator("#synth-download a").first.click()
    saved = download.value.path()
    assert sf.info(str(saved)).frames == info.frames
    expect_cell(page, "#pieces", "你好")
    shot(page, "synthesize")
    page.get_by_role("button", name="Regenerate with a new seed").click()
    expect_text(page, "#synth-status", "redone", timeout=SLOW_MS)
    assert len(list((studio.root / "workspace" / VOICE / "outputs").glob("*.wav"))) == 2


def test_models_and_settings(page, studio):
    open_tab(page, "Models")
    expect_text(page, "#models-summary", "random test models, not the official weights")
    shot(page, "models")
    open_tab(page, "Settings")
    page.get_by_role("radio", name="中文").check()
    page.get_by_role("tab", name="合成", exact=True).wait_for(timeout=30_000)
    page.get_by_role("button", name="保存设置").click()
    expect_text(page, "#settings-status", "设置已保存")  # the status in the page's language
    assert "ui_language: zh" in (studio.root / "settings.yaml").read_text(encoding="utf-8")
    shot(page, "settings-zh")
    page.get_by_label("预训练模型文件夹").fill("")
    page.get_by_role("button", name="保存设置").click()
    assert "两个文件夹都需要填写路径" in expect_toast(page, "两个文件夹")  # errors in the page's language too
    open_tab(page, "声音数据")
    expect_text(page, "#voice-status", "已确认授权")  # the statuses are said again in the new language
    open_tab(page, "设置")
    page.get_by_role("radio", name="English").check()
    page.get_by_role("tab", name="Synthesize", exact=True).wait_for(timeout=30_000)
    page.get_by_label("Pretrained models folder").fill("")
    page.get_by_role("button", name="Save settings").click()
    assert "need a path" in expect_toast(page, "need a path")


def test_voice_data_delete_needs_confirmation(page, studio):
    open_tab(page, "Voice data")
    page.get_by_text("Rename or delete the chosen voice").click()
    page.get_by_role("button", name="Delete voice").click()
    expect_toast(page, "Tick the box")
    assert (studio.root / "workspace" / VOICE).is_dir()
