"""A real browser opens the studio, sees every tab, and the Models tab reports missing weights."""

import pytest

from gpt_sovits.ui.app import TAB_NAMES
from tests.ui.browser import CHROMIUM_FLAGS, chromium_path, screenshot_path
from tests.ui.server import StudioProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    root = tmp_path_factory.mktemp("studio")
    with StudioProcess(pretrained=root / "pretrained", workspace=root / "workspace") as server:
        yield server


@pytest.fixture(scope="module")
def page(studio):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(studio.url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Models").wait_for(timeout=30_000)
        yield page
        browser.close()


def test_every_tab_is_shown_and_opens(page):
    for name in TAB_NAMES:
        tab = page.get_by_role("tab", name=name, exact=True)
        tab.click()
        assert tab.get_attribute("aria-selected") == "true"
        page.screenshot(path=screenshot_path("tab-" + name.lower().replace(" & ", "-").replace(" ", "-")))


def test_models_tab_reports_missing_weights(page):
    page.get_by_role("tab", name="Models", exact=True).click()
    summary = page.locator("#models-summary")
    summary.get_by_text("missing or unusable").wait_for(timeout=30_000)
    assert "of v2 are missing" in summary.inner_text()
    table = page.locator("#models-status")
    table.get_by_text("s2G2333k.pth").first.wait_for(timeout=10_000)
    assert "missing" in table.inner_text()
    page.screenshot(path=screenshot_path("models-missing"), full_page=True)


def test_wrong_file_type_is_refused_with_a_message(page, tmp_path):
    from tests.ui.pages import expect_toast, open_tab

    notes = tmp_path / "notes.txt"
    notes.write_text("not audio", encoding="utf-8")
    open_tab(page, "Voice data")
    page.locator("#upload input[type=file]").set_input_files(str(notes))
    assert ".wav" in expect_toast(page, "Invalid file type")
    assert page.get_by_role("tab", name="Synthesize").is_visible()  # the page is still there


def test_synthesize_without_models_says_what_to_do(page, studio):
    from tests.ui.pages import expect_text, expect_toast, open_tab

    open_tab(page, "Voice data")
    page.get_by_label("New voice name").fill("Zed")
    page.get_by_role("button", name="Create voice").click()
    expect_toast(page, "created")
    open_tab(page, "Fine-tune")
    page.get_by_role("button", name="1. Prepare training data").click()
    expect_toast(page, "Before training on voice 'Zed'")
    open_tab(page, "Voice data")
    page.get_by_label("This is my voice").check()
    expect_text(page, "#voice-status", "Consent given")
    open_tab(page, "Fine-tune")
    page.get_by_role("button", name="1. Prepare training data").click()
    expect_toast(page, "no transcripts yet")
    open_tab(page, "Synthesize")
    page.locator("#synth-text textarea").fill("你好")
    page.get_by_role("button", name="Synthesize", exact=True).click()
    assert "Models tab" in expect_toast(page, "Choose a GPT and a SoVITS model")
    page.screenshot(path=screenshot_path("synthesize-no-models"), full_page=True)
