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
