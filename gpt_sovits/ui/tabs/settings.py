"""Settings tab: the interface language and the precision (applied at once) and the folders (used from the
next start)."""

from __future__ import annotations

import gradio as gr

from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import LANGUAGE_CHOICES, Translator
from gpt_sovits.ui.services import StudioServices


def build_settings_tab(services: StudioServices, tr: Translator):
    """Lay out the tab; returns the language radio so the app can relabel every widget on change."""
    settings = services.settings
    where = f"`{services.settings_path}`" if services.settings_path else "memory only (no settings file)"
    gr.Markdown(f"Settings are saved in {where}.")
    language = tr.reg(gr.Radio(LANGUAGE_CHOICES, value=settings.ui_language, label=tr.t("ui_language"),
                               elem_id="ui-language"), "ui_language")
    modes = [("precision_fast", "fast"), ("precision_exact", "exact")]
    precision = tr.reg(gr.Radio(tr.choices(modes), value=settings.precision, label=tr.t("precision"),
                                elem_id="precision"), "precision", choices=modes)
    pretrained_dir = tr.reg(gr.Textbox(str(settings.pretrained_dir), label=tr.t("pretrained_dir")), "pretrained_dir")
    workspace_dir = tr.reg(gr.Textbox(str(settings.workspace_dir), label=tr.t("workspace_dir")), "workspace_dir")
    save = tr.reg(gr.Button(tr.t("save_settings"), variant="primary", elem_id="save-settings"), "save_settings",
                  "value")
    status = gr.Markdown(elem_id="settings-status")

    @guarded
    def do_save(lang, mode, pretrained, workspace):
        if not str(pretrained).strip() or not str(workspace).strip():
            raise gr.Error("Both folders need a path.")
        before = services.settings
        saved = services.save_settings(ui_language=lang, precision=mode, pretrained_dir=pretrained,
                                       workspace_dir=workspace)
        moved = (saved.pretrained_dir, saved.workspace_dir) != (before.pretrained_dir, before.workspace_dir)
        note = " Restart the studio to use the new folders." if moved else ""
        return f"✅ Settings saved.{note}"

    save.click(do_save, [language, precision, pretrained_dir, workspace_dir], status)
    return language
