"""Voice data tab: create, rename and delete voices; consent; add recordings with a quality report."""

from __future__ import annotations

import gradio as gr

from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import audio_value, guarded, markdown_list, uploaded_paths
from gpt_sovits.ui.i18n import STRINGS, Translator
from gpt_sovits.ui.plots import waveform_figure
from gpt_sovits.ui.services import PREVIEW_SAMPLE_RATE_HZ, StudioServices

AUDIO_TYPES = [".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".webm", ".opus", ".aiff"]


def _quality_text(name: str, report, tr: Translator) -> str:
    channels = tr.t("vd_mono") if report.channels == 1 else tr.t("vd_channels", n=report.channels)
    lines = [tr.t("vd_quality", name=name, duration=f"{report.duration_s:.1f}", speech=f"{report.speech_s:.0f}",
                  snr=f"{report.snr_db:.0f}", level=f"{report.rms_dbfs:.0f}", rate=report.sample_rate_hz,
                  channels=channels)]
    lines += [f"- ⚠️ {tr.message(w)}" for w in report.warnings] or [tr.t("vd_no_problems")]
    return "\n".join(lines)


def log_rows(rows: list[list[str]], tr: Translator) -> list[list[str]]:
    """The activity log with its actions named in the page's language (the details are the log's own words)."""
    named = []
    for when, action, details in rows:
        key = "log_" + str(action).replace("-", "_")
        named.append([when, tr.t(key) if key in STRINGS else action, details])
    return named


def build_voice_data_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown):
    """Lay out the tab; returns (refresh function, outputs, upload components) for the app to wire."""
    tr.reg(gr.Markdown(tr.t("intro_voice")), "intro_voice", "value")
    with gr.Row():
        new_name = tr.reg(gr.Textbox(label=tr.t("new_voice"), placeholder=tr.t("new_voice_placeholder"), scale=3),
                          "new_voice", placeholder="new_voice_placeholder")
        create = tr.reg(gr.Button(tr.t("create_voice"), variant="primary", scale=1), "create_voice", "value")
    with tr.reg(gr.Accordion(tr.t("rename_delete"), open=False), "rename_delete"):
        with gr.Row():
            rename_to = tr.reg(gr.Textbox(label=tr.t("rename_to"), scale=3), "rename_to")
            rename = tr.reg(gr.Button(tr.t("rename"), scale=1), "rename", "value")
        with gr.Row():
            confirm = tr.reg(gr.Checkbox(label=tr.t("confirm_delete"), value=False), "confirm_delete")
            delete = tr.reg(gr.Button(tr.t("delete_voice"), variant="stop"), "delete_voice", "value")
    consent = tr.reg(gr.Checkbox(label=tr.t("consent"), value=False, elem_id="consent",
                                 info=tr.t("consent_info")), "consent", info="consent_info")
    status = gr.Markdown(elem_id="voice-status")
    with gr.Row():
        files = tr.reg(gr.File(label=tr.t("upload"), file_count="multiple", file_types=AUDIO_TYPES,
                               elem_id="upload"), "upload")
        mic = tr.reg(gr.Audio(label=tr.t("microphone"), sources=["microphone"], type="filepath"), "microphone")
    quality = gr.Markdown(elem_id="quality-report")
    with gr.Row():
        preview = tr.reg(gr.Audio(label=tr.t("preview"), interactive=False, type="numpy"), "preview")
        waveform = gr.Plot(show_label=False)
    tr.reg(gr.Markdown(tr.t("voice_next")), "voice_next", "value")
    recordings = gr.Markdown(elem_id="recordings")
    with tr.reg(gr.Accordion(tr.t("delete_recordings_title"), open=False), "delete_recordings_title", "label"):
        doomed = tr.reg(gr.Dropdown([], multiselect=True, label=tr.t("recordings_to_delete"),
                                    elem_id="recordings-to-delete"), "recordings_to_delete")
        with gr.Row():
            sure = tr.reg(gr.Checkbox(label=tr.t("confirm_delete_recordings"), value=False), "confirm_delete_recordings")
            remove = tr.reg(gr.Button(tr.t("delete_recordings"), variant="stop", elem_id="delete-recordings"),
                            "delete_recordings", "value")
    log = tr.reg(gr.Dataframe(headers=tr.headers("h_log"), interactive=False, label=tr.t("activity_log"), wrap=True,
                              max_height=300, elem_id="voice-log"), "activity_log", headers="h_log")

    def refresh(name: str | None):
        if not name:
            return False, tr.t("no_voice"), "", [], gr.update(choices=[], value=[]), False
        v = services.voice(name)
        recs = services.recordings(name)
        listing = markdown_list(tr.t("recordings_in", name=name), recs) or tr.t("no_recordings", name=name)
        consent_md = tr.t("consent_given") if v.has_consent else tr.t("consent_missing", consent=tr.t("consent"))
        return (v.has_consent, f"**{name}** — {consent_md}", listing, log_rows(services.log_rows(name), tr),
                gr.update(choices=recs, value=[]), False)

    outputs = [consent, status, recordings, log, doomed, sure]

    @guarded
    def do_create(name: str):
        created = services.create_voice(name)
        gr.Info(tr.t("vd_created", name=created))
        return gr.update(choices=services.voice_names(), value=created), ""

    @guarded
    def do_rename(current: str | None, new: str):
        renamed = services.rename_voice(current, new)
        return gr.update(choices=services.voice_names(), value=renamed), ""

    @guarded
    def do_delete(current: str | None, sure: bool):
        if not sure:
            raise gr.Error(tr.t("vd_confirm_delete"))
        services.delete_voice(current)
        names = services.voice_names()
        gr.Info(tr.t("vd_deleted", name=current))
        return gr.update(choices=names, value=names[0] if names else None), False

    @guarded
    def do_consent(name: str | None, given: bool):
        if not name:
            if given:
                gr.Warning(tr.t("vd_consent_needs_voice"))
            return (False, *refresh(name)[1:])
        services.set_consent(name, given)
        return refresh(name)

    @guarded
    def do_remove(name: str | None, chosen: list[str], confirmed: bool):
        if not chosen:
            raise gr.Error(tr.t("vd_choose_recordings"))
        if not confirmed:
            raise gr.Error(tr.t("vd_confirm_recordings", n=len(chosen)))
        recs, clips = services.delete_recordings(name, chosen)
        gr.Info(tr.t("vd_removed", recordings=len(recs), clips=len(clips)))
        return refresh(name)

    @guarded
    def do_analyse(upload, take, progress=gr.Progress()):  # noqa: B008 - gradio's idiom
        paths = uploaded_paths(upload, take)
        if not paths:
            return "", None, None
        texts, first = [], None
        for i, path in enumerate(paths):
            progress(i / len(paths), desc=tr.t("vd_checking", name=path.name))
            try:
                report, audio = services.analyse_recording(path)
            except StudioError as e:  # one bad file must not hide the others' reports
                texts.append(f"**{path.name}**: ❌ {tr.error(e)}")
                continue
            texts.append(_quality_text(path.name, report, tr))
            first = first if first is not None else audio
        if first is None:
            return "\n\n".join(texts), None, None
        fig = waveform_figure([(tr.plot_text("plot_first_recording"), first)], PREVIEW_SAMPLE_RATE_HZ,
                              seconds=tr.plot_text("plot_seconds"))
        return "\n\n".join(texts), audio_value(first, PREVIEW_SAMPLE_RATE_HZ), fig

    tr.listen(create.click, do_create, new_name, [voice, new_name])
    tr.listen(new_name.submit, do_create, new_name, [voice, new_name])
    tr.listen(rename.click, do_rename, [voice, rename_to], [voice, rename_to])
    tr.listen(delete.click, do_delete, [voice, confirm], [voice, confirm])
    tr.listen(consent.input, do_consent, [voice, consent], outputs)
    tr.listen(remove.click, do_remove, [voice, doomed, sure], outputs)
    tr.listen(files.change, do_analyse, [files, mic], [quality, preview, waveform])
    tr.listen(mic.change, do_analyse, [files, mic], [quality, preview, waveform])
    return guarded(refresh), outputs, (files, mic)

