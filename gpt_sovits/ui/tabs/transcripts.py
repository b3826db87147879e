"""Transcripts tab: an editable table of clips (language and text), play per clip, ASR when installed."""

from __future__ import annotations

import gradio as gr

from gpt_sovits.ui.common import event_progress, guarded, markdown_list
from gpt_sovits.ui.i18n import Translator, localize, text
from gpt_sovits.ui.services import StudioServices


def _rows(value) -> list[list[str]]:
    """A gr.Dataframe value (pandas frame or list of lists) as rows of strings."""
    if value is None:
        return []
    if hasattr(value, "values"):
        value = value.values.tolist()
    return [["" if cell is None else str(cell) for cell in row] for row in value if row and str(row[0]).strip()]


def training_note(problem: str | None) -> str:
    """The Training column: whether fine-tuning will use the clip, and why not (in the page language)."""
    return text("tx_left_out", why=localize(problem)) if problem else text("tx_used")


def build_transcripts_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown):
    tr.reg(gr.Markdown(tr.t("intro_transcripts")), "intro_transcripts", "value")
    table = tr.reg(gr.Dataframe(headers=tr.headers("h_transcripts"), datatype=["str", "str", "str", "str"], interactive=True,
                         static_columns=[0, 3], column_widths=["25%", "8%", "47%", "20%"], wrap=True, max_height=420,
                         elem_id="transcripts"), None, headers="h_transcripts")
    player = tr.reg(gr.Audio(label=tr.t("clip_player"), type="filepath", interactive=False), "clip_player")
    with gr.Row():
        save = tr.reg(gr.Button(tr.t("save_transcripts"), variant="primary", elem_id="save-transcripts"),
                      "save_transcripts", "value")
        backends = services.asr_backends()
        asr = tr.reg(gr.Button(tr.t("asr"), interactive=bool(backends)), "asr", "value")
    if not backends:
        tr.reg(gr.Markdown(tr.t("asr_missing")), "asr_missing", "value")
    status = gr.Markdown(elem_id="transcripts-status")

    def refresh(name: str | None):
        problems = services.training_problems(name)
        rows = [[c.name, c.language or "zh", c.text, training_note(problems.get(c.name))] for c in services.clips(name)]
        return rows, ""

    @guarded
    def do_save(name, value):
        rows = _rows(value)
        if not rows:
            raise gr.Error(tr.t("tx_no_clips"))
        warnings = [tr.message(w) for w in services.save_transcripts(name, rows)]
        head = tr.t("tx_saved", n=len(rows))
        if warnings:
            gr.Warning(tr.t("tx_need_a_look", n=len(warnings)))
        table_rows = refresh(name)[0]
        return table_rows, markdown_list(tr.t("tx_please_check", head=head), warnings) or tr.t("tx_all_have_text",
                                                                                               head=head)

    @guarded
    def do_asr(name, progress=gr.Progress()):  # noqa: B008
        report = services.transcribe(name, on_event=event_progress(progress))
        failed = [f"{clip}: {tr.message(why)}" for clip, why in report.failed]
        summary = tr.t("tx_filled", n=len(report.filled), kept=report.kept)
        return (*refresh(name)[:1], markdown_list(summary, failed) or summary)

    @guarded
    def do_play(name, value, evt: gr.SelectData):
        rows = _rows(value)
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if row is None or row >= len(rows):
            return None
        return str(services.clip_path(name, rows[row][0]))

    tr.listen(save.click, do_save, [voice, table], [table, status])
    tr.listen(asr.click, do_asr, voice, [table, status])
    tr.listen(table.select, do_play, [voice, table], player)
    return guarded(refresh), [table, status]
