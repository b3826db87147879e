"""Synthesize tab: models, reference clip, text with markup, settings; result, sentences, timings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import gradio as gr

from gpt_sovits.inference.jobs import JobCancelled
from gpt_sovits.inference.request import CUT_METHODS, SynthesisRequest
from gpt_sovits.text.language import LANGUAGES as TEXT_LANGUAGE_MODES
from gpt_sovits.ui.common import audio_value, guarded, markdown_list
from gpt_sovits.ui.i18n import Translator, text
from gpt_sovits.ui.qc_text import check_rows
from gpt_sovits.ui.services import StudioServices
from gpt_sovits.ui.synthesis import AUTO_REFERENCE, SynthesisOutput, check_label

LANGUAGES = [(f"textlang_{code}", code) for code in TEXT_LANGUAGE_MODES]  # (key, value) choices
CUT_CHOICES = [(f"cut_{method}", method) for method in CUT_METHODS]
# One queue for saving the chosen reference and its text and for the tab's refresh, which reads them back: a text
# edited and left by a click on another tab is saved before that tab's refresh (and a later return) reads it.
REFERENCE_QUEUE = "synthesize-reference"


KEEP = (gr.skip(),) * 6  # every output but the status, left as it is


def progress_line(progress, index: int) -> tuple[float | None, str]:
    """(fraction, status line) once sentence ``index`` is done, from the engine's latest Progress (or None:
    none yet; it arrives just after each sentence)."""
    done = index + 1
    if progress is None or not progress.total:
        return None, text("sy_sentence_done", n=done)
    total = progress.total
    pace = progress.seconds / progress.done if progress.done else None
    left = None if pace is None else pace * max(0, total - done)
    eta = "" if left is None else (text("sy_min_left", minutes=f"{left / 60:.0f}") if left >= 90
                                   else text("sy_s_left", seconds=f"{left:.0f}"))
    now = text("sy_in_progress", n=done + 1, total=total) if done < total else text("sy_saving")
    return done / total, text("sy_progress", done=done, total=total, now=now, eta=eta)


def build_synthesize_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown):
    synth = services.synthesis
    with gr.Row():
        gpt = tr.reg(gr.Dropdown([], label=tr.t("gpt_model"), elem_id="gpt-model"), "gpt_model")
        sovits = tr.reg(gr.Dropdown([], label=tr.t("sovits_model"), elem_id="sovits-model"), "sovits_model")
    with gr.Row():
        reference = tr.reg(gr.Dropdown([(tr.t("auto_reference"), AUTO_REFERENCE)], value=AUTO_REFERENCE,
                                       label=tr.t("reference"), scale=2, elem_id="reference-choice"), "reference")
        ref_upload = tr.reg(gr.Audio(label=tr.t("reference_upload"), type="filepath", sources=["upload"], scale=2),
                            "reference_upload")
    with gr.Row():
        ref_text = tr.reg(gr.Textbox(label=tr.t("reference_text"), scale=3, elem_id="reference-text"), "reference_text")
        ref_language = tr.reg(gr.Dropdown(tr.choices(LANGUAGES), value="auto", label=tr.t("reference_language"),
                                          scale=1), "reference_language", choices=LANGUAGES)
    words = tr.reg(gr.Textbox(label=tr.t("text"), lines=4, elem_id="synth-text",
                              placeholder=tr.t("text_placeholder")), "text", placeholder="text_placeholder")
    with tr.reg(gr.Accordion(tr.t("markup_help"), open=False), "markup_help"):
        tr.reg(gr.Markdown(tr.t("markup_help_text")), "markup_help_text", "value")
    with gr.Row():
        language = tr.reg(gr.Dropdown(tr.choices(LANGUAGES), value="auto", label=tr.t("language")), "language",
                          choices=LANGUAGES)
        cut = tr.reg(gr.Dropdown(tr.choices(CUT_CHOICES), value="auto", label=tr.t("cut_method")), "cut_method",
                     choices=CUT_CHOICES)
        seed = tr.reg(gr.Number(-1, precision=0, minimum=-1, label=tr.t("seed")), "seed")
    with tr.reg(gr.Accordion(tr.t("advanced"), open=False), "advanced"):
        with gr.Row():
            temperature = tr.reg(gr.Slider(0.01, 2, value=1.0, step=0.05, label=tr.t("temperature")), "temperature")
            top_k = tr.reg(gr.Slider(1, 100, value=15, step=1, label=tr.t("top_k")), "top_k")
            top_p = tr.reg(gr.Slider(0.01, 1, value=1.0, step=0.01, label=tr.t("top_p")), "top_p")
        with gr.Row():
            repetition = tr.reg(gr.Slider(1, 3, value=1.35, step=0.05, label=tr.t("repetition_penalty")),
                                "repetition_penalty")
            speed = tr.reg(gr.Slider(0.5, 2, value=1.0, step=0.05, label=tr.t("speed")), "speed")
            emphasis = tr.reg(gr.Slider(0, 3, value=1.0, step=0.1, label=tr.t("emphasis_strength")),
                              "emphasis_strength")
    with gr.Row():
        run = tr.reg(gr.Button(tr.t("synthesize"), variant="primary", elem_id="synthesize"), "synthesize", "value")
        stop = tr.reg(gr.Button(tr.t("stop"), variant="stop", elem_id="synth-stop"), "stop", "value")
        show = tr.reg(gr.Button(tr.t("show_phonemes"), elem_id="show-phonemes"), "show_phonemes", "value")
    status = gr.Markdown(elem_id="synth-status")
    phonemes = tr.reg(gr.Dataframe(headers=tr.headers("h_phonemes"), interactive=False, wrap=True, visible=False,
                                   elem_id="phonemes"), None, headers="h_phonemes")
    output = tr.reg(gr.Audio(label=tr.t("output"), type="filepath", interactive=False, elem_id="synth-output",
                             buttons=["download"]), "output")
    download = tr.reg(gr.File(label=tr.t("download"), interactive=False, height=90, elem_id="synth-download"),
                        "download")
    pieces = tr.reg(gr.Dataframe(headers=tr.headers("h_pieces"), interactive=False, wrap=True, label=tr.t("pieces"),
                                 elem_id="pieces"), "pieces", headers="h_pieces")
    with gr.Row():
        piece = tr.reg(gr.Dropdown([], label=tr.t("piece_choice"), scale=3), "piece_choice")
        regenerate = tr.reg(gr.Button(tr.t("regenerate"), scale=1, elem_id="regenerate"), "regenerate", "value")
    piece_player = gr.Audio(interactive=False, show_label=False, buttons=["download"])
    piece_checks = tr.reg(gr.Dataframe(headers=tr.headers("h_checks"), interactive=False, wrap=True, visible=False,
                                       elem_id="piece-checks"), None, headers="h_checks")
    last = gr.State(None)

    def refresh(name: str | None):
        gpts, sovitss = synth.model_choices(name)
        refs = synth.reference_choices(name)
        gpt_value, sovits_value = synth.saved_models(name, gpts, sovitss)
        choice, ref_words, ref_lang = synth.saved_reference(name)
        return (gr.update(choices=gpts, value=gpt_value), gr.update(choices=sovitss, value=sovits_value),
                gr.update(choices=refs, value=choice), ref_words, ref_lang)

    def request_from(values: dict) -> SynthesisRequest:
        return SynthesisRequest(
            text=values["text"] or "", ref_audio=Path(), language=values["language"], ref_text="",
            top_k=int(values["top_k"]), top_p=float(values["top_p"]), temperature=float(values["temperature"]),
            repetition_penalty=float(values["repetition"]), speed=float(values["speed"]),
            seed=int(values["seed"] if values["seed"] is not None else -1), cut_method=values["cut"],
            emphasis_strength=float(values["emphasis"]),
        )

    def show_output(out: SynthesisOutput, head: str):
        rows = [[i + 1, p.text, f"{p.audio.size / out.sample_rate:.2f}", f"{p.seconds_to_compute:.2f}", p.seed,
                 check_label(p)] for i, p in enumerate(out.pieces)]  # fmt: skip
        timings = tr.t("sy_timings", head=head, duration=f"{out.duration_s:.2f}", pieces=len(out.pieces),
                       rtf=f"{out.real_time_factor:.2f}", first=f"{out.seconds_to_first_audio:.2f}",
                       total=f"{out.seconds_total:.2f}", seed=out.request.seed, file=out.wav_path.name)
        notes = markdown_list(tr.t("sy_notes"), [tr.message(n) for n in out.notices])
        choices = [(f"{i + 1}: {p.text[:40]}", i) for i, p in enumerate(out.pieces)]
        return (timings + ("\n\n" + notes if notes else ""), str(out.wav_path), str(out.wav_path), rows,
                gr.update(choices=choices, value=0), out)

    names = ["text", "language", "top_k", "top_p", "temperature", "repetition", "speed", "seed", "cut", "emphasis"]
    widgets = [words, language, top_k, top_p, temperature, repetition, speed, seed, cut, emphasis]

    @guarded
    def do_synthesize(request: gr.Request, name, gpt_path, sovits_path, ref, upload, rtext, rlang, *values,
                      progress=gr.Progress()):  # noqa: B008 - the request comes first: Gradio fills only that place
        job_request = request_from(dict(zip(names, values, strict=True))).validate()
        synth.check_ready(name, gpt_path, sovits_path)
        ref_path, rtext, rlang, why = synth.resolve_reference(name, ref, upload, rtext or "", rlang)
        job_request = replace(job_request, ref_audio=ref_path, ref_text=rtext, ref_language=rlang)
        busy = synth.waiting_for()
        line = tr.t("sy_waiting", busy=busy) if busy else tr.t("sy_loading")
        progress(None, desc=line)
        yield line, *KEEP
        latest: list = []  # the engine's Progress after each finished sentence
        session = getattr(request, "session_hash", None)
        try:
            for item in synth.run(name, gpt_path, sovits_path, job_request, latest.append, session):
                if isinstance(item, SynthesisOutput):
                    yield (*show_output(item, tr.t("sy_reference", why=why)), rtext)
                    return
                frac, line = progress_line(latest[-1] if latest else None, item[0])
                progress(frac, desc=line)
                yield line, *KEEP
        except JobCancelled:
            done = latest[-1].done if latest else 0
            yield tr.t("sy_stopped", n=done), *KEEP

    @guarded
    def do_stop(request: gr.Request = None):
        stopped = synth.stop(getattr(request, "session_hash", None))
        return tr.t("sy_stopping") if stopped else tr.t("sy_nothing_to_stop")

    @guarded
    def do_regenerate(out: SynthesisOutput | None, index, progress=gr.Progress()):  # noqa: B008
        if out is None:
            raise gr.Error(tr.t("sy_nothing_to_redo"))
        if index is None:
            raise gr.Error(tr.t("sy_choose_sentence"))
        progress(None, desc=tr.t("sy_redoing", n=int(index) + 1))
        new = synth.regenerate(out, int(index))
        result = show_output(new, tr.t("sy_redone", n=int(index) + 1, seed=new.pieces[int(index)].seed))
        return (*result[:4], gr.update(value=int(index)), result[5])

    @guarded
    def do_piece(out: SynthesisOutput | None, index):
        """The chosen sentence's audio and the table of its checks (hidden when it was not checked)."""
        if out is None or index is None or not 0 <= int(index) < len(out.pieces):
            return None, gr.update(visible=False)
        chosen = out.pieces[int(index)]
        report = chosen.report
        checks = gr.update(value=check_rows(report), visible=True) if report is not None else gr.update(visible=False)
        return audio_value(chosen.audio, out.sample_rate), checks

    @guarded
    def do_phonemes(value, lang, cut_method):
        return gr.update(value=synth.phonemes(value or "", lang, cut_method or "auto"), visible=True)

    @guarded
    def do_reference(name, choice):
        return synth.choose_reference(name, choice)

    @guarded
    def do_reference_text(name, choice, words, lang):
        if choice and choice != AUTO_REFERENCE:
            synth.choose_reference(name, choice, words or "", lang)

    outs = [status, output, download, pieces, piece, last]
    tr.listen(run.click, do_synthesize, [voice, gpt, sovits, reference, ref_upload, ref_text, ref_language, *widgets],
              [*outs, ref_text], show_progress_on=[output])
    # The running handler is not cancelled: it ends by itself after the sentence in progress and says so.
    tr.listen(stop.click, do_stop, None, status, concurrency_limit=None)
    tr.listen(regenerate.click, do_regenerate, [last, piece], outs)
    tr.listen(piece.change, do_piece, [last, piece], [piece_player, piece_checks])
    tr.listen(show.click, do_phonemes, [words, language, cut], phonemes)
    tr.listen(reference.input, do_reference, [voice, reference], [ref_text, ref_language],
              concurrency_id=REFERENCE_QUEUE)
    tr.listen(ref_text.blur, do_reference_text, [voice, reference, ref_text, ref_language], None,
              concurrency_id=REFERENCE_QUEUE)
    tr.listen(ref_language.input, do_reference_text, [voice, reference, ref_text, ref_language], None,
              concurrency_id=REFERENCE_QUEUE)

    def preload(name, gpt_path, sovits_path):
        synth.preload(name, gpt_path, sovits_path)

    tr.listen(gpt.input, preload, [voice, gpt, sovits], None)
    tr.listen(sovits.input, preload, [voice, gpt, sovits], None)
    return guarded(refresh), [gpt, sovits, reference, ref_text, ref_language], guarded(preload), [voice, gpt, sovits]
