"""Models tab: which official files are present, and a Download button."""

from __future__ import annotations

import gradio as gr

from gpt_sovits import pretrained
from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import STRINGS, Translator, text
from gpt_sovits.ui.services import StudioServices
from gpt_sovits.ui.services.models import RANDOM_TEST_MODEL

MIRRORS = [("mirror_hf", "hf"), ("mirror_hf_mirror", "hf-mirror")]


def _summary(rows: list[list[str]], version: str, folder: str) -> str:
    missing = [r for r in rows if r[2] != "present"]
    random = [r for r in rows if r[3] == RANDOM_TEST_MODEL]
    if random:
        return text("md_random", n=len(random), total=len(rows), version=version, folder=folder)
    if not missing:
        return text("md_all_present", total=len(rows), version=version)
    return text("md_missing", n=len(missing), total=len(rows), version=version, folder=folder)


def status_rows(rows: list[list[str]], tr: Translator) -> list[list[str]]:
    """The services' status rows (file, role, state, provenance, detail) in the page language."""
    shown = []
    for path, role, state, official, detail in rows:
        key = f"state_{state}"
        shown.append([path, tr.message(role), tr.t(key) if key in STRINGS else state, tr.message(official),
                      tr.message(detail)])
    return shown


def download_summary(result, tr: Translator) -> str:
    """A pretrained.DownloadReport as Markdown lines in the page language (its ``summary()`` in English)."""
    lines = [tr.t("md_downloaded", done=len(result.downloaded), skipped=len(result.skipped), failed=len(result.failed))]
    lines += [tr.t("md_failed_file", path=path, why=tr.message(why)) for path, why in result.failed.items()]
    return "  \n".join(lines)


def build_models_tab(services: StudioServices, tr: Translator):
    """Lay out the Models tab inside the current gr.Tab."""
    folder = str(services.settings.pretrained_dir)
    tr.reg(gr.Markdown(tr.t("intro_models")), "intro_models", "value")
    with gr.Row():
        version = tr.reg(gr.Dropdown(list(pretrained.SUPPORTED_VERSIONS), value="v2", label=tr.t("model_version")),
                         "model_version")
        mirror = tr.reg(gr.Dropdown(tr.choices(MIRRORS), value="hf", allow_custom_value=True,
                                    label=tr.t("download_source")), "download_source", choices=MIRRORS)
    summary = gr.Markdown(elem_id="models-summary")
    table = tr.reg(gr.Dataframe(headers=tr.headers("h_status"), interactive=False, wrap=True,
                                elem_id="models-status"), None, headers="h_status")
    with gr.Row():
        refresh = tr.reg(gr.Button(tr.t("refresh")), "refresh", "value")
        download = tr.reg(gr.Button(tr.t("download_missing"), variant="primary"), "download_missing", "value")
    report = gr.Markdown(elem_id="models-report")

    @guarded
    def show_status(ver: str):
        rows = services.model_status_rows(ver)
        return _summary(rows, ver, folder), status_rows(rows, tr)

    @guarded
    def run_download(ver: str, source: str, progress=gr.Progress()):  # noqa: B008 - gradio's idiom
        def on_bytes(path: str, done: int, total: int | None) -> None:
            frac = done / total if total else None
            progress(frac, desc=f"{path}: {done / 1e6:.1f} MB")

        try:
            result = services.download_models(ver, source.strip(), progress=on_bytes)
        except StudioError as e:
            outcome = tr.t("md_download_failed", error=tr.error(e))
        else:
            outcome = download_summary(result, tr)
        return (outcome, *show_status(ver))

    tr.listen(version.change, show_status, version, [summary, table])
    tr.listen(refresh.click, show_status, version, [summary, table])
    tr.listen(download.click, run_download, [version, mirror], [report, summary, table])
    return show_status, version, [summary, table]
