"""The Audiobook tab's Export panel: formats, loudness target, long chapters; the delivery report and files.

``build_export_panel`` is called inside the Audiobook tab with the component that holds the chosen book's
name. The export runs in the handler with a progress bar; its report (report.md) is shown when it ends and the
files are offered for download.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import STRINGS, localize, page_language, text

FORMAT_CHOICES = ("m4b", "mp3", "wav", "flac")
TARGET_CHOICES = (("export_target_acx", "acx"), ("export_target_podcast", "podcast"), ("export_target_none", "none"))
LONG_CHOICES = (("export_long_split", "split"), ("export_long_warn", "warn"))
DOWNLOADABLE = (".m4b", ".mp3", ".wav", ".flac", ".srt", ".vtt", ".json", ".md")


def export_book_files(workspace_dir: Path, name: str | None, formats: list[str], target: str, long_chapters: str,
                      subtitles: bool, on_progress=None) -> tuple[str, list[str]]:
    """Export book ``name`` of the workspace; returns (the report as Markdown, the written files' paths)."""
    if not name:
        raise StudioError("Choose or import a book first.")
    from gpt_sovits.books.export import ExportOptions
    from gpt_sovits.books.project import BookStore
    from gpt_sovits.books.project_export import export_folder, export_project

    project = BookStore(Path(workspace_dir)).open(name)
    options = ExportOptions(formats=tuple(formats or ()), target=target, long_chapters=long_chapters,
                            subtitles=bool(subtitles))
    report = export_project(project, options, on_progress)
    folder = export_folder(project)
    written = {row.name for row in report.files} | set(report.extra_files) | {"report.json", "report.md"}
    files = [str(folder / n) for n in sorted(written) if n.endswith(DOWNLOADABLE) and (folder / n).is_file()]
    return report_markdown(report), files


def report_markdown(report) -> str:
    """The delivery report (books.report.DeliveryReport) as the page shows it: report.md's text in English,
    the same table in Chinese (the report.md file itself stays in English, like the other files written)."""
    if page_language() != "zh":
        return report.to_markdown()
    verdict = text("rep_pass") if report.passed else text("rep_fail")
    target = text(f"rep_target_{report.target}") if f"rep_target_{report.target}" in STRINGS else report.target
    headers = text("h_report").split("|")
    lines = [text("rep_title", title=report.title), "", text("rep_target", target=target, verdict=verdict), "",
             "| " + " | ".join(headers) + " |", "| --- " * len(headers) + "|"]
    for f in report.files:
        mode = "CBR" if f.constant_bit_rate else text("rep_average")
        result = text("rep_ok") if f.passed else text("rep_failed", problems=text("list_sep").join(
            localize(problem) for problem in f.problems))
        minutes, seconds = divmod(f.duration_s, 60)
        hours, minutes = divmod(int(minutes), 60)
        lines.append(f"| {f.name} | {f.part} | {hours}:{minutes:02d}:{seconds:06.3f} | {f.sample_rate} Hz | "
                     f"{f.bit_rate_kbps:.0f} kbps {mode} | {f.rms_db:.1f} dB | {f.loudness_lufs:.1f} LUFS | "
                     f"{f.true_peak_db:.1f} dBTP | {f.noise_floor_db:.1f} dB | {result} |")
    if report.warnings:
        lines += ["", text("rep_warnings"), ""] + [f"- {localize(w)}" for w in report.warnings]
    if report.extra_files:
        lines += ["", text("rep_also_written"), ""] + [f"- {name}" for name in report.extra_files]
    return "\n".join(lines) + "\n"


def build_export_panel(services, tr, book: gr.components.Component) -> None:
    """The Export panel; ``book`` is the component holding the chosen book's name."""
    with gr.Group(elem_id="book-export"):
        tr.reg(gr.Markdown(tr.t("export_heading")), "export_heading", "value")
        with gr.Row():
            formats = tr.reg(gr.CheckboxGroup(list(FORMAT_CHOICES), value=["m4b", "mp3"], label=tr.t("export_formats"),
                                              elem_id="export-formats"), "export_formats")
            target = tr.reg(gr.Radio(tr.choices(list(TARGET_CHOICES)), value="acx", label=tr.t("export_target"),
                                     elem_id="export-target"), "export_target", choices=list(TARGET_CHOICES))
        with gr.Row():
            long_chapters = tr.reg(gr.Radio(tr.choices(list(LONG_CHOICES)), value="split", label=tr.t("export_long"),
                                            elem_id="export-long"), "export_long", choices=list(LONG_CHOICES))
            subtitles = tr.reg(gr.Checkbox(value=True, label=tr.t("export_subtitles"), elem_id="export-subtitles"),
                               "export_subtitles")
        run = tr.reg(gr.Button(tr.t("export_run"), variant="primary", elem_id="export-run"), "export_run", "value")
        report = gr.Markdown(elem_id="export-report")
        files = tr.reg(gr.File(label=tr.t("export_files"), file_count="multiple", interactive=False,
                               elem_id="export-files"), "export_files")

    @guarded
    def do_export(name, chosen, tgt, long_mode, subs, progress=gr.Progress()):  # noqa: B008
        def show(fraction: float, message: str) -> None:
            progress(fraction, desc=localize(message))

        return export_book_files(services.settings.workspace_dir, name, chosen, tgt, long_mode, subs, show)

    tr.listen(run.click, do_export, [book, formats, target, long_chapters, subtitles], [report, files])
