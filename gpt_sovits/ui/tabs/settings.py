"""Settings tab: the interface language, the precision and the take checks (applied at once) and the folders
(used from the next start)."""

from __future__ import annotations

import dataclasses

import gradio as gr

from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.services import StudioServices


def build_settings_tab(services: StudioServices, tr: Translator) -> None:
    """Lay out the tab; the language radio (``tr.control``, made by the app before the tabs so that every
    handler can read it) is placed here."""
    settings = services.settings
    if services.settings_path:
        tr.reg(gr.Markdown(tr.t("settings_saved_in", path=services.settings_path)), "settings_saved_in", "value",
               values={"path": services.settings_path})
    else:
        tr.reg(gr.Markdown(tr.t("settings_in_memory")), "settings_in_memory", "value")
    tr.control.render()
    modes = [("precision_exact", "exact"), ("precision_fast", "fast")]
    precision = tr.reg(gr.Radio(tr.choices(modes), value=settings.precision, label=tr.t("precision"),
                                elem_id="precision"), "precision", choices=modes)
    pretrained_dir = tr.reg(gr.Textbox(str(settings.pretrained_dir), label=tr.t("pretrained_dir")), "pretrained_dir")
    workspace_dir = tr.reg(gr.Textbox(str(settings.workspace_dir), label=tr.t("workspace_dir")), "workspace_dir")
    qc = _take_check_widgets(settings.qc, tr)
    save = tr.reg(gr.Button(tr.t("save_settings"), variant="primary", elem_id="save-settings"), "save_settings",
                  "value")
    status = gr.Markdown(elem_id="settings-status")

    @guarded
    def do_save(mode, pretrained, workspace, *checks):
        if not str(pretrained).strip() or not str(workspace).strip():
            raise gr.Error(tr.t("st_folders_need_path"))
        before = services.settings
        enabled, rerolls, asr, max_error, speaker, min_similarity = checks
        qc = dataclasses.replace(before.qc, enabled=bool(enabled), rerolls=int(rerolls), asr=bool(asr),
                                 max_error_rate=float(max_error), speaker=bool(speaker),
                                 min_speaker_similarity=float(min_similarity))
        saved = services.save_settings(ui_language=tr.current, precision=mode, pretrained_dir=pretrained,
                                       workspace_dir=workspace, qc=qc)
        moved = (saved.pretrained_dir, saved.workspace_dir) != (before.pretrained_dir, before.workspace_dir)
        return tr.t("st_saved") + (tr.t("st_restart") if moved else "")

    tr.listen(save.click, do_save, [precision, pretrained_dir, workspace_dir, *qc], status)


def _take_check_widgets(qc, tr: Translator) -> list:
    """The take-check settings (gpt_sovits.config.QcSettings; the other limits live in settings.yaml)."""
    with tr.reg(gr.Accordion(tr.t("take_checks"), open=False), "take_checks"):
        enabled = tr.reg(gr.Checkbox(qc.enabled, label=tr.t("qc_enabled"), elem_id="qc-enabled"), "qc_enabled")
        rerolls = tr.reg(gr.Slider(0, 10, value=qc.rerolls, step=1, label=tr.t("qc_rerolls"), elem_id="qc-rerolls"),
                         "qc_rerolls")
        with gr.Row():
            asr = tr.reg(gr.Checkbox(qc.asr, label=tr.t("qc_asr")), "qc_asr")
            max_error = tr.reg(gr.Slider(0, 1, value=qc.max_error_rate, step=0.05, label=tr.t("qc_max_error_rate")),
                               "qc_max_error_rate")
        with gr.Row():
            speaker = tr.reg(gr.Checkbox(qc.speaker, label=tr.t("qc_speaker")), "qc_speaker")
            similarity = tr.reg(gr.Slider(0, 1, value=qc.min_speaker_similarity, step=0.05,
                                          label=tr.t("qc_min_speaker_similarity")), "qc_min_speaker_similarity")
    return [enabled, rerolls, asr, max_error, speaker, similarity]
