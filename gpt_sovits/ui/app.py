"""build_app(services) -> gr.Blocks: the studio's tabs, wired to the services it receives."""

from __future__ import annotations

import gradio as gr

from gpt_sovits import __version__
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import LANGUAGE_CHOICES, Translator
from gpt_sovits.ui.services import StudioServices
from gpt_sovits.ui.tabs.audiobook import build_audiobook_tab
from gpt_sovits.ui.tabs.clean_slice import build_clean_slice_tab
from gpt_sovits.ui.tabs.finetune import build_finetune_tab
from gpt_sovits.ui.tabs.models import build_models_tab
from gpt_sovits.ui.tabs.settings import build_settings_tab
from gpt_sovits.ui.tabs.synthesize import REFERENCE_QUEUE, build_synthesize_tab
from gpt_sovits.ui.tabs.transcripts import build_transcripts_tab
from gpt_sovits.ui.tabs.voice_data import build_voice_data_tab

# (English name, translation key, element id)
TABS = (
    ("Voice data", "tab_voice", "voice-data"),
    ("Clean & slice", "tab_clean", "clean-slice"),
    ("Transcripts", "tab_transcripts", "transcripts"),
    ("Fine-tune", "tab_finetune", "fine-tune"),
    ("Synthesize", "tab_synth", "synthesize"),
    ("Audiobook", "tab_audiobook", "audiobook"),
    ("Models", "tab_models", "models"),
    ("Settings", "tab_settings", "settings"),
)
TAB_NAMES = tuple(name for name, _, _ in TABS)


def build_app(services: StudioServices) -> gr.Blocks:
    """Build the studio UI; nothing is loaded until a handler runs."""
    tr = Translator(services.settings.ui_language)
    with gr.Blocks(title="GPT-SoVITS Studio") as app:
        # The page's language, shown on the Settings tab and read by every handler (Translator.listen).
        tr.control = tr.reg(gr.Radio(LANGUAGE_CHOICES, value=tr.language, label=tr.t("ui_language"),
                                     elem_id="ui-language", render=False), "ui_language")
        tr.reg(gr.Markdown(tr.t("title")), "title", "value")
        gr.Markdown(f"<small>v{__version__}</small>")
        names = services.voice_names()
        with gr.Row(elem_id="voice-bar"):
            voice = tr.reg(gr.Dropdown(names, value=names[0] if names else None, label=tr.t("current_voice"),
                                       elem_id="voice-select", scale=4), "current_voice")
            reload = tr.reg(gr.Button(tr.t("refresh"), scale=1, elem_id="voice-refresh"), "refresh", "value")
        hooks = []  # (refresh function, its outputs, its tab, its queue): run when the voice changes or the tab opens
        tabs = {}
        for name, key, tab_id in TABS:
            with tr.reg(gr.Tab(tr.t(key), id=tab_id, elem_id=f"tab-{tab_id}"), key) as tab:
                tabs[name] = tab
                if name == "Voice data":
                    refresh, outputs, sources = build_voice_data_tab(services, tr, voice)
                elif name == "Clean & slice":
                    refresh, outputs = build_clean_slice_tab(services, tr, voice, sources)
                elif name == "Transcripts":
                    refresh, outputs = build_transcripts_tab(services, tr, voice)
                elif name == "Fine-tune":
                    refresh, outputs = build_finetune_tab(services, tr, voice)
                elif name == "Synthesize":
                    refresh, outputs, preload, preload_inputs = build_synthesize_tab(services, tr, voice)
                    # opening the tab starts loading the chosen models in the background
                    tr.listen(tab.select, preload, preload_inputs, None)
                elif name == "Audiobook":
                    refresh, outputs = build_audiobook_tab(services, tr, voice)
                elif name == "Models":
                    show_status, version, status_outputs = build_models_tab(services, tr)
                    continue
                else:
                    build_settings_tab(services, tr)
                    continue
                hooks.append((refresh, outputs, tab, REFERENCE_QUEUE if name == "Synthesize" else None))
        _wire(app, services, tr, voice, reload, hooks, (show_status, version, status_outputs))
    return app


def _wire(app: gr.Blocks, services: StudioServices, tr: Translator, voice: gr.Dropdown, reload: gr.Button,
          hooks: list, models: tuple) -> None:
    """Refresh every tab when the voice changes, and each tab when it is opened; relabel the page and say its
    statuses again when its language changes."""

    @guarded
    def reload_voices(current: str | None):
        names = services.voice_names()
        return gr.update(choices=names, value=current if current in names else (names[0] if names else None))

    def open_page():
        """A new page opens in the saved language (it may have changed since the app was built)."""
        language = services.settings.ui_language
        return [gr.update(value=language, **u) if w is tr.control else u
                for w, u in zip(tr.widgets, tr.updates(language), strict=True)]

    show_status, version, status_outputs = models
    relabel = tr.control.change(tr.updates, tr.control, tr.widgets)
    for refresh, outputs, tab, queue in hooks:
        tr.listen(voice.change, refresh, voice, outputs, concurrency_id=queue)
        tr.listen(tab.select, refresh, voice, outputs, concurrency_id=queue)
        tr.listen(app.load, refresh, voice, outputs, concurrency_id=queue)
        tr.listen(relabel.then, refresh, voice, outputs, concurrency_id=queue)  # tables keep the new headers
    tr.listen(relabel.then, show_status, version, status_outputs)
    tr.listen(reload.click, reload_voices, voice, voice)
    tr.listen(app.load, reload_voices, voice, voice)
    app.load(open_page, None, tr.widgets)

    def end_session(request: gr.Request) -> None:
        """A closed or reloaded page: its synthesis stops after the sentence in progress."""
        services.synthesis.stop(getattr(request, "session_hash", None))

    app.unload(end_session)
    tr.listen(app.load, show_status, version, status_outputs)
