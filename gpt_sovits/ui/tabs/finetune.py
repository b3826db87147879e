"""Fine-tune tab: prepare the training data, train SoVITS and GPT with live progress, list the models."""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from gpt_sovits import pretrained
from gpt_sovits.ui.common import event_progress, guarded, markdown_list, stage_name
from gpt_sovits.ui.i18n import Translator, text
from gpt_sovits.ui.plots import loss_figure
from gpt_sovits.ui.services import StudioServices

POLL_S = 1.0
KIND_LABELS = {"sovits": "SoVITS", "gpt": "GPT"}


@dataclass
class RunPlan:
    """What the user asked a training run to do, for progress lines in their own terms."""

    label: str
    epochs: int
    max_steps: int  # 0: whole epochs
    resumed_at: int  # the checkpoint's step when continuing, else 0
    first_step_s: float | None = None

    @property
    def origin(self) -> str:
        """Where the run starts from, said on every status line (in the page language)."""
        return text("ft_from_checkpoint", step=self.resumed_at) if self.resumed_at else text("ft_from_pretrained")

    def opening(self) -> str:
        limit = text("ft_stop_after", step=self.max_steps) if self.max_steps else ""
        key = "ft_continuing" if self.resumed_at else "ft_starting"
        return text(key, label=self.label, origin=self.origin, epochs=self.epochs, limit=limit)

    def describe(self, event: dict, elapsed_s: float) -> tuple[float | None, str | None]:
        """(progress fraction, status line) for one progress event; (None, None) when it changes nothing."""
        kind = event.get("event")
        if kind == "resume":
            return None, text("ft_checkpoint_loaded", label=self.label, origin=self.origin)
        if kind in ("tick", "start") and self.first_step_s is None:
            return None, text("ft_start_up", label=self.label, origin=self.origin, seconds=f"{elapsed_s:.0f}")
        if kind != "step":
            return None, None
        step, total = int(event.get("step", 0)), int(event.get("total_steps") or 0)
        if self.max_steps:
            total = min(total, self.max_steps) if total else self.max_steps
        where = text("ft_where", epoch=event.get("epoch"), epochs=self.epochs, step=step, total=total)
        start_up = text("ft_start_up_took", seconds=f"{self.first_step_s:.0f}") if self.first_step_s else ""
        line = text("ft_training_line", label=self.label, origin=self.origin, where=where,
                    eta=_eta(event.get("eta_s")), start_up=start_up)
        return (step / total if total else None), line


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return text("ft_estimating")
    minutes, secs = divmod(int(seconds), 60)
    return text("ft_min_left", minutes=minutes, seconds=f"{secs:02d}") if minutes else text("ft_s_left", seconds=secs)


def prepare_summary(report) -> str:
    """A data.prepare.DatasetReport in one line in the page language (its ``summary()`` in English)."""
    parts = ", ".join(text("ft_stage_counts", stage=stage_name(s.stage), made=s.made, reused=s.reused)
                      for s in report.stages)
    return text("ft_prepare_summary", items=report.items, minutes=f"{report.audio_s / 60:.1f}", folder=report.folder,
                parts=parts)


def build_finetune_tab(services: StudioServices, tr: Translator, voice: gr.Dropdown):
    tr.reg(gr.Markdown(tr.t("intro_finetune")), "intro_finetune", "value")
    with gr.Row():
        version = tr.reg(gr.Dropdown(list(pretrained.SUPPORTED_VERSIONS), value="v2", label=tr.t("model_version")),
                         "model_version")
        prepare = tr.reg(gr.Button(tr.t("prepare"), variant="primary", elem_id="prepare"), "prepare", "value")
    with gr.Row():
        sovits_epochs = tr.reg(gr.Number(8, precision=0, minimum=1, maximum=100, label=tr.t("sovits_epochs")),
                               "sovits_epochs")
        gpt_epochs = tr.reg(gr.Number(15, precision=0, minimum=1, maximum=100, label=tr.t("gpt_epochs")), "gpt_epochs")
        batch = tr.reg(gr.Number(0, precision=0, minimum=0, maximum=64, label=tr.t("batch_size")), "batch_size")
        max_steps = tr.reg(gr.Number(0, precision=0, minimum=0, label=tr.t("max_steps"), elem_id="max-steps"),
                           "max_steps")
    resume_modes = [("resume_continue", "continue"), ("resume_over", "over")]
    resume = tr.reg(gr.Radio(tr.choices(resume_modes), value="continue", label=tr.t("resume_choice"),
                             elem_id="resume-choice"), "resume_choice", choices=resume_modes)
    stopped = gr.Markdown(elem_id="finetune-stopped")
    with gr.Row():
        train_sovits = tr.reg(gr.Button(tr.t("train_sovits"), elem_id="train-sovits"), "train_sovits", "value")
        train_gpt = tr.reg(gr.Button(tr.t("train_gpt"), elem_id="train-gpt"), "train_gpt", "value")
        cancel = tr.reg(gr.Button(tr.t("cancel"), variant="stop"), "cancel", "value")
    left_out = gr.Markdown(elem_id="finetune-left-out")
    status = gr.Markdown(elem_id="finetune-status")
    losses = tr.reg(gr.Plot(label=tr.t("loss")), "loss")
    models = tr.reg(gr.Dataframe(headers=tr.headers("h_models"), interactive=False, label=tr.t("produced_models"),
                                 elem_id="trained-models"), "produced_models",
                    headers="h_models")

    def refresh(name: str | None):
        problems = services.training_problems(name)
        note = markdown_list(tr.t("ft_left_out", n=len(problems)),
                             [f"{clip}: {tr.message(why)}" for clip, why in problems.items()])
        runs = [services.stopped_run(name, kind) for kind in KIND_LABELS]
        lines = [tr.t("ft_stopped_run", label=KIND_LABELS[r.kind], step=r.step, epochs=r.epoch)
                 for r in runs if r is not None]
        return services.trained_models(name), note, "\n\n".join(lines)

    @guarded
    def do_prepare(name, ver, progress=gr.Progress()):  # noqa: B008
        skipped, show = [], event_progress(progress)

        def on_event(event) -> None:
            if event.stage == "skip":
                skipped.append(event.item)
            show(event)

        report = services.prepare_dataset(name, ver, on_event=on_event)
        if skipped:
            gr.Warning(tr.t("ft_skipped_warning", clips=", ".join(skipped)))
        note = tr.t("ft_skipped_note", clips=", ".join(skipped)) if skipped else ""
        return tr.t("ft_data_ready", summary=prepare_summary(report)) + note

    def make_train(kind: str):
        @guarded
        def do_train(name, s_epochs, g_epochs, batch_size, steps, mode, progress=gr.Progress()):  # noqa: B008
            epochs, label = int(s_epochs if kind == "sovits" else g_epochs), KIND_LABELS[kind]
            run = services.stopped_run(name, kind) if mode == "continue" else None
            job = services.start_training(name, kind, epochs, int(batch_size or 0), int(steps or 0), run is not None)
            plan = RunPlan(label, epochs, int(steps or 0), run.step if run else 0)
            curves: dict[str, list[tuple[float, float]]] = {}
            started, shown = time.monotonic(), 0.0
            yield plan.opening(), gr.update(), gr.update(), ""
            for event in services.follow_training(job, poll_s=POLL_S, ticks=True):
                if event.get("event") == "warning":
                    gr.Warning(tr.message(str(event.get("message"))))
                if event.get("event") == "step":
                    for key, value in (event.get("losses") or {}).items():
                        curves.setdefault(key, []).append((event.get("step", 0), value))
                    plan.first_step_s = plan.first_step_s or time.monotonic() - started
                frac, line = plan.describe(event, time.monotonic() - started)
                if line is None:
                    continue
                progress(frac, desc=line)
                if time.monotonic() - shown >= POLL_S:  # redraw at most once per poll, not per step
                    shown = time.monotonic()
                    yield line, figure(curves) if curves else gr.update(), gr.update(), gr.update()
            outcome = services.training_outcome(job)
            yield outcome, figure(curves), refresh(name)[0], refresh(name)[2]

        return do_train

    def figure(curves):
        return loss_figure(curves, tr.plot_text("plot_step"), tr.plot_text("plot_loss"))

    @guarded
    def do_cancel(name):
        services.cancel_training(name)
        return tr.t("ft_cancel_requested")

    tr.listen(prepare.click, do_prepare, [voice, version], status)
    inputs = [voice, sovits_epochs, gpt_epochs, batch, max_steps, resume]
    tr.listen(train_sovits.click, make_train("sovits"), inputs, [status, losses, models, stopped])
    tr.listen(train_gpt.click, make_train("gpt"), inputs, [status, losses, models, stopped])
    tr.listen(cancel.click, do_cancel, voice, status, concurrency_limit=None)
    return guarded(refresh), [models, left_out, stopped]
