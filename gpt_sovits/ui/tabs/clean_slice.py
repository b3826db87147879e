"""Clean & slice tab: noise reduction and slicer settings, before/after preview, the clip list."""

from __future__ import annotations

import gradio as gr

from gpt_sovits.audio.slicer import LONGEST_CLIP_S, SHORTEST_CLIP_S, SlicerSettings
from gpt_sovits.ui.common import audio_value, event_progress, guarded, uploaded_paths
from gpt_sovits.ui.i18n import Translator
from gpt_sovits.ui.plots import waveform_figure
from gpt_sovits.ui.services import PREVIEW_MAX_S, PREVIEW_SAMPLE_RATE_HZ, StudioServices

CLIP_LANGUAGES = [("lang_zh", "zh"), ("lang_en", "en"), ("lang_ja", "ja"), ("lang_ko", "ko"), ("lang_yue", "yue")]


def build_clean_slice_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown, sources: tuple):
    """Lay out the tab; ``sources`` are the Voice data tab's (files, microphone) widgets."""
    files, mic = sources
    tr.reg(gr.Markdown(tr.t("intro_clean")), "intro_clean", "value")
    with gr.Row():
        strength = tr.reg(gr.Slider(0, 1, value=0.0, step=0.05, label=tr.t("denoise"), elem_id="denoise"), "denoise")
        language = tr.reg(gr.Dropdown(tr.choices(CLIP_LANGUAGES), value="zh", label=tr.t("clip_language")),
                          "clip_language", choices=CLIP_LANGUAGES)
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
            raise gr.Error(tr.t("cs_preview_needs_recording"))
        progress(None, desc=tr.t("cs_cleaning_preview", seconds=f"{PREVIEW_MAX_S:.0f}", name=paths[0].name))
        raw, cleaned, cuts = services.preview_cleaning(paths[0], float(amount), make_slicer(*slicer_values))
        sr = PREVIEW_SAMPLE_RATE_HZ
        fig = waveform_figure([(tr.plot_text("plot_before"), raw), (tr.plot_text("plot_after", n=len(cuts)), cleaned)],
                              sr, None, seconds=tr.plot_text("plot_seconds"))
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
                dropped = tr.t("cs_dropped", n=len(f.dropped)) if f.dropped else ""
                lines.append(tr.t("cs_file_ok", name=f.source.name, n=len(f.clips), dropped=dropped))
                lines += [f"  - ⚠️ {tr.message(w)}" for w in f.warnings]
            else:
                lines.append(f"- ❌ **{f.source.name}**: {tr.message(f.error)}")
        resliced = sum(f.resliced for f in result.files)
        again = tr.t("cs_resliced", n=resliced) if resliced else ""
        summary = tr.t("cs_summary", n=len(result.clips), again=again) + "\n\n"
        if result.failed and not result.clips:
            gr.Warning(tr.t("cs_nothing_usable"))
        return (summary + "\n".join(lines), *refresh(name))

    @guarded
    def do_play(name, chosen):
        return str(services.clip_path(name, chosen)) if chosen else None

    @guarded
    def do_delete(name, chosen, confirmed):
        if not chosen:
            raise gr.Error(tr.t("cs_choose_clips"))
        if not confirmed:
            raise gr.Error(tr.t("cs_confirm_clips", n=len(chosen)))
        gone = services.delete_clips(name, chosen)
        gr.Info(tr.t("cs_deleted", n=len(gone)))
        return refresh(name)

    tr.listen(preview_btn.click, do_preview, [files, mic, strength, *slicer_inputs], [before, after, waveforms])
    listing = [clip_table, clip, doomed, sure]
    tr.listen(run_btn.click, do_run, [voice, files, mic, strength, language, *slicer_inputs], [report, *listing])
    tr.listen(clip.change, do_play, [voice, clip], player)
    tr.listen(delete.click, do_delete, [voice, doomed, sure], listing)
    return guarded(refresh), listing
