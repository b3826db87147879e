"""Models tab: which official files are present, and a Download button."""

from __future__ import annotations

import gradio as gr

from gpt_sovits import pretrained
from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.services import StudioServices
from gpt_sovits.ui.services.models import RANDOM_TEST_MODEL


def _summary(rows: list[list[str]], version: str) -> str:
    missing = [r for r in rows if r[2] != "present"]
    random = [r for r in rows if r[3] == RANDOM_TEST_MODEL]
    if random:
        return (f"**{len(random)} of {len(rows)} files of {version} are random test models, not the official "
                "weights**: they make noise, not speech. Delete them from `{pretrained}` and press *Download* "
                "for the official files.")  # fmt: skip
    if not missing:
        return f"**All {len(rows)} files of {version} are present.** You can synthesize and fine-tune."
    return (
        f"**{len(missing)} of {len(rows)} files of {version} are missing or unusable.** "
        "Press *Download* to fetch them (about 1 GB for a full version), or copy upstream's "
        f"`GPT_SoVITS/pretrained_models/` contents into `{{pretrained}}`."
    )


def build_models_tab(services: StudioServices, tr: Translator):
    """Lay out the Models tab inside the current gr.Tab."""
    folder = str(services.settings.pretrained_dir)
    tr.reg(gr.Markdown(tr.t("intro_models")), "intro_models", "value")
    with gr.Row():
        version = tr.reg(gr.Dropdown(list(pretrained.SUPPORTED_VERSIONS), value="v2", label=tr.t("model_version")),
                         "model_version")
        mirror = tr.reg(gr.Dropdown(["hf", "hf-mirror"], value="hf", allow_custom_value=True,
                                    label=tr.t("download_source")), "download_source")
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
        return _summary(rows, ver).replace("{pretrained}", folder), rows

    @guarded
    def run_download(ver: str, source: str, progress=gr.Progress()):  # noqa: B008 - gradio's idiom
        def on_bytes(path: str, done: int, total: int | None) -> None:
            frac = done / total if total else None
            progress(frac, desc=f"{path}: {done / 1e6:.1f} MB")

        try:
            result = services.download_models(ver, source.strip(), progress=on_bytes)
        except StudioError as e:
            text = f"**Download failed:** {e}"
        else:
            text = result.summary().replace("\n", "  \n")
        return (text, *show_status(ver))

    version.change(show_status, version, [summary, table])
    refresh.click(show_status, version, [summary, table])
    download.click(run_download, [version, mirror], [report, summary, table])
    return show_status, version, [summary, table]
