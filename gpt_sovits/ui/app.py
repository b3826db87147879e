"""build_app(services) -> gr.Blocks: the studio's tabs, wired to the services it receives."""

from __future__ import annotations

import gradio as gr

from gpt_sovits import __version__
from gpt_sovits.ui.services import StudioServices
from gpt_sovits.ui.tabs.models import build_models_tab
from gpt_sovits.ui.tabs.planned import PLANNED_TABS, build_planned_tab

TAB_NAMES = ("Voice data", "Clean & slice", "Transcripts", "Fine-tune", "Synthesize", "Models")


def build_app(services: StudioServices) -> gr.Blocks:
    """Build the studio UI; nothing is loaded until a handler runs."""
    with gr.Blocks(title="GPT-SoVITS Studio") as app:
        gr.Markdown(f"# GPT-SoVITS Studio <small>v{__version__}</small>")
        models_refresh = None
        for name in TAB_NAMES:
            with gr.Tab(name, id=name.lower().replace(" & ", "-").replace(" ", "-")):
                if name == "Models":
                    models_refresh = build_models_tab(services)
                else:
                    assert name in PLANNED_TABS
                    build_planned_tab(name)
        if models_refresh is not None:
            show_status, version, outputs = models_refresh
            app.load(show_status, version, outputs)
    return app
