"""Small Playwright helpers for the studio's Gradio 6 page (sync API)."""

from __future__ import annotations

from contextlib import contextmanager

from tests.ui.browser import CHROMIUM_FLAGS, chromium_path, screenshot_path

SLOW_MS = 240_000  # model loading and synthesis on a busy CPU


@contextmanager
def open_page(url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_role("tab", name="Models").wait_for(timeout=60_000)
        try:
            yield page
        finally:
            browser.close()


def open_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.click()
    assert tab.get_attribute("aria-selected") == "true"


def shot(page, name: str) -> None:
    page.screenshot(path=screenshot_path(name), full_page=True)


def expect_toast(page, text: str, timeout: int = 30_000) -> str:
    """Wait for a notification containing ``text``; returns its text and closes the notifications."""
    toast = page.locator(".toast-body").filter(has_text=text).first
    toast.wait_for(timeout=timeout)
    body = toast.inner_text()
    for close in page.locator(".toast-close").all():
        if close.is_visible():
            close.click()
    return body


def expect_text(page, selector: str, text: str, timeout: int = 30_000) -> str:
    """Wait until the element ``selector`` shows ``text``; returns its whole text."""
    element = page.locator(selector)
    element.get_by_text(text).first.wait_for(timeout=timeout)
    return element.inner_text()


def expect_cell(page, table: str, text: str, timeout: int = 30_000) -> str:
    """Wait until a visible cell of the gr.Dataframe ``table`` shows ``text``; returns all visible cells' text."""
    cells = page.locator(f"{table} [role=gridcell]")
    cells.filter(has_text=text).first.wait_for(timeout=timeout)
    return "\n".join(cells.all_inner_texts())


def edit_cell(page, table: str, row: int, col: int, text: str) -> None:
    """Type ``text`` into one cell of an interactive gr.Dataframe."""
    cell = page.locator(f"{table} [data-testid=cell-{row}-{col}]")
    cell.dblclick()
    editor = cell.locator("textarea, input").first
    editor.fill(text)
    editor.press("Enter")
