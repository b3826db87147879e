"""Models tab: which official files are present, and a Download button."""

from __future__ import annotations

import gradio as gr

from gpt_sovits import pretrained
from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.services import StudioServices

STATUS_HEADERS = ["File", "Purpose", "Status", "Details"]


def _summary(rows: list[list[str]], version: str) -> str:
    missing = [r for r in rows if r[2] != "present"]
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
    gr.Markdown(
        "Official pretrained weights (HuggingFace `lj1995/GPT-SoVITS`). Nothing is downloaded until you press "
        f"*Download*. Files go to `{folder}`. Versions v3 and v4 are not supported yet."
    )
    with gr.Row():
        version = tr.reg(gr.Dropdown(list(pretrained.SUPPORTED_VERSIONS), value="v2", label=tr.t("model_version")),
                         "model_version")
        mirror = gr.Dropdown(
            ["hf", "hf-mirror"], value="hf", allow_custom_value=True, label="Download source (or a mirror URL)"
        )
    summary = gr.Markdown(elem_id="models-summary")
    table = gr.Dataframe(headers=STATUS_HEADERS, interactive=False, wrap=True, elem_id="models-status")
    with gr.Row():
        refresh = tr.reg(gr.Button(tr.t("refresh")), "refresh", "value")
        download = gr.Button("Download missing files", variant="primary")
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
