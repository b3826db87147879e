"""Clean & slice tab: noise reduction and slicer settings, before/after preview, the clip list."""

from __future__ import annotations

import gradio as gr

from gpt_sovits.audio.slicer import LONGEST_CLIP_S, SHORTEST_CLIP_S, SlicerSettings
from gpt_sovits.ui.common import audio_value, event_progress, guarded, uploaded_paths
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.plots import waveform_figure
from gpt_sovits.ui.services import PREVIEW_MAX_S, PREVIEW_SAMPLE_RATE_HZ, StudioServices

CLIP_LANGUAGES = [("Chinese", "zh"), ("English", "en"), ("Japanese", "ja"), ("Korean", "ko"), ("Cantonese", "yue")]


def build_clean_slice_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown, sources: tuple):
    """Lay out the tab; ``sources`` are the Voice data tab's (files, microphone) widgets."""
    files, mic = sources
    tr.reg(gr.Markdown(tr.t("intro_clean")), "intro_clean", "value")
    with gr.Row():
        strength = tr.reg(gr.Slider(0, 1, value=0.0, step=0.05, label=tr.t("denoise"), elem_id="denoise"), "denoise")
        language = tr.reg(gr.Dropdown(CLIP_LANGUAGES, value="zh", label=tr.t("clip_language")), "clip_language")
    defaults = SlicerSettings()
    with tr.reg(gr.Accordion(tr.t("slicer_settings"), open=False), "slicer_settings", "label"):
        threshold = tr.reg(gr.Slider(-60, -10, value=defaults.threshold_db, step=1, label=tr.t("silence_below")),
                           "silence_below")
        min_interval = tr.reg(gr.Slider(50, 2000, value=defaults.min_interval_ms, step=10,
                                        label=tr.t("shortest_pause")), "shortest_pause")
        max_kept = tr.reg(gr.Slider(50, 2000, value=defaults.max_sil_kept_ms, step=10, label=tr.t("silence_kept")),
                          "silence_kept")
        min_clip = tr.reg(gr.Slider(SHORTEST_CLIP_S, 5, value=defaults.min_clip_s, step=0.1,
                                    label=tr.t("shortest_clip")), "shortest_clip")
        max_clip = tr.reg(gr.Slider(4, LONGEST_CLIP_S, value=defaults.max_clip_s, step=0.5,
                                    label=tr.t("longest_clip")), "longest_clip")
    with gr.Row():
        preview_btn = tr.reg(gr.Button(tr.t("preview_clean")), "preview_clean", "value")
        run_btn = tr.reg(gr.Button(tr.t("clean_slice"), variant="primary", elem_id="clean-slice"), "clean_slice", "value")
    with gr.Row():
        before = tr.reg(gr.Audio(label=tr.t("before"), interactive=False, elem_id="clean-before"), "before")
        after = tr.reg(gr.Audio(label=tr.t("after"), interactive=False, elem_id="clean-after"), "after")
    waveforms = gr.Plot(show_label=False, elem_id="clean-plot")
    report = gr.Markdown(elem_id="slice-report")
    clip_table = tr.reg(gr.Dataframe(headers=tr.headers("h_clips"), interactive=False, label=tr.t("clips"),
                                     max_height=320, elem_id="clip-table"), "clips", headers="h_clips")
    clip = tr.reg(gr.Dropdown([], label=tr.t("clip_choice"), elem_id="clip-choice"), "clip_choice")
    player = gr.Audio(type="filepath", interactive=False, show_label=False)
    with tr.reg(gr.Accordion(tr.t("delete_clips_title"), open=False), "delete_clips_title", "label"):
        doomed = tr.reg(gr.Dropdown([], multiselect=True, label=tr.t("clips_to_delete"), elem_id="clips-to-delete"),
                        "clips_to_delete")
        with gr.Row():
            sure = tr.reg(gr.Checkbox(label=tr.t("confirm_delete_clips"), value=False, elem_id="confirm-delete-clips"),
                          "confirm_delete_clips")
            delete = tr.reg(gr.Button(tr.t("delete_clip"), variant="stop", elem_id="delete-clips"), "delete_clip",
                            "value")
    slicer_inputs = [threshold, min_interval, max_kept, min_clip, max_clip]

    def make_slicer(th, interval, kept, lo, hi) -> SlicerSettings:
        interval, kept = int(interval), int(kept)
        return SlicerSettings(threshold_db=float(th), min_length_ms=max(defaults.min_length_ms, interval),
                              min_interval_ms=interval, max_sil_kept_ms=kept, min_clip_s=float(lo),
                              max_clip_s=float(hi))  # fmt: skip

    def refresh(name: str | None):
        infos = services.clips(name)
        rows = [[c.name, f"{c.duration_s:.1f}", c.text] for c in infos]
        names = [c.name for c in infos]
        return (rows, gr.update(choices=names, value=names[0] if names else None),
                gr.update(choices=names, value=[]), False)

    @guarded
    def do_preview(upload, take, amount, *slicer_values, progress=gr.Progress()):  # noqa: B008
        paths = uploaded_paths(upload, take)
        if not paths:
            raise gr.Error("Add a recording on the Voice data tab first; the preview uses the first one.")
        progress(None, desc=f"Cleaning the first {PREVIEW_MAX_S:.0f} s of {paths[0].name}")
        raw, cleaned, cuts = services.preview_cleaning(paths[0], float(amount), make_slicer(*slicer_values))
        sr = PREVIEW_SAMPLE_RATE_HZ
        fig = waveform_figure([("before", raw), (f"after ({len(cuts)} clips start at the red lines)", cleaned)], sr,
                              None)
        fig.axes[1].vlines(cuts, -1, 1, color="#d04a4a", linewidth=0.8)
        return audio_value(raw, sr), audio_value(cleaned, sr), fig

    @guarded
    def do_run(name, upload, take, amount, lang, *slicer_values, progress=gr.Progress()):  # noqa: B008
        paths = uploaded_paths(upload, take)
        result = services.clean_and_slice(name, paths, float(amount), lang, make_slicer(*slicer_values),
                                          on_event=event_progress(progress))
        lines = []
        for f in result.files:
            if f.ok:
                dropped = f" ({len(f.dropped)} piece(s) too short were left out)" if f.dropped else ""
                lines.append(f"- ✅ **{f.source.name}**: {len(f.clips)} clips{dropped}")
                lines += [f"  - ⚠️ {w}" for w in f.warnings]
            else:
                lines.append(f"- ❌ **{f.source.name}**: {f.error}")
        resliced = sum(f.resliced for f in result.files)
        again = f" ({resliced} recording(s) already in the voice were sliced again, not imported twice)" if resliced else ""
        summary = f"**{len(result.clips)} new clips**{again}. Next: check their text on the **Transcripts** tab.\n\n"
        if result.failed and not result.clips:
            gr.Warning("No recording could be used; see the report below.")
        return (summary + "\n".join(lines), *refresh(name))

    @guarded
    def do_play(name, chosen):
        return str(services.clip_path(name, chosen)) if chosen else None

    @guarded
    def do_delete(name, chosen, confirmed):
        if not chosen:
            raise gr.Error("Choose the clips to delete in the list first.")
        if not confirmed:
            raise gr.Error(f"Tick the box to confirm that {len(chosen)} clip(s) and their text should be deleted.")
        gone = services.delete_clips(name, chosen)
        gr.Info(f"Deleted {len(gone)} clip(s).")
        return refresh(name)

    preview_btn.click(do_preview, [files, mic, strength, *slicer_inputs], [before, after, waveforms])
    listing = [clip_table, clip, doomed, sure]
    run_btn.click(do_run, [voice, files, mic, strength, language, *slicer_inputs], [report, *listing])
    clip.change(do_play, [voice, clip], player)
    delete.click(do_delete, [voice, doomed, sure], listing)
    return guarded(refresh), listing
