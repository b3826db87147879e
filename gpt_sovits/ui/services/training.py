"""The Fine-tune tab: prepare the dataset, start, follow and cancel training runs, list the models made."""

from __future__ import annotations

from pathlib import Path

from gpt_sovits.config import MODEL_SUFFIXES
from gpt_sovits.errors import StudioError
from gpt_sovits.inference.jobs import TASK
from gpt_sovits.ui.i18n import text


class TrainingServices:
    def prepare_dataset(self, name: str, version: str, on_event=None):
        from gpt_sovits.data.prepare import prepare_dataset

        voice = self.voice(name)
        voice.require_consent("training on")
        return self.engine.call(prepare_dataset, voice, self.settings.pretrained_dir, version, priority=TASK,
                                on_event=on_event)

    def trained_models(self, name: str | None) -> list[list[str]]:
        """Rows (kind, file, size MB, modified) of the voice's fine-tuned models."""
        import time

        if not name:
            return []
        rows = []
        for kind in ("sovits", "gpt"):
            for path in sorted(self.voice(name).path("models", kind).glob("*")):
                if path.is_file() and path.suffix in MODEL_SUFFIXES[kind]:
                    stat = path.stat()
                    rows.append([kind.upper() if kind == "gpt" else "SoVITS", path.name, f"{stat.st_size / 1e6:.1f}",
                                 time.strftime("%Y-%m-%d %H:%M", time.localtime(stat.st_mtime))])
        return rows

    def stopped_run(self, name: str | None, kind: str):
        """The checkpoint an unfinished ``kind`` run of ``name`` left (training.jobs.StoppedRun), or None."""
        from gpt_sovits.training.jobs import stopped_run

        return stopped_run(self.settings.workspace_dir, self.voice(name).name, kind) if name else None

    def start_training(self, name: str, kind: str, epochs: int, batch_size: int, max_steps: int = 0,
                       resume: bool = False):
        """Start a SoVITS or GPT fine-tune of ``name`` as a subprocess (``resume``: from the checkpoint of a
        stopped run); one run per voice at a time."""
        from gpt_sovits.training import TrainingOptions
        from gpt_sovits.training.jobs import start_training_job

        voice = self.voice(name)
        voice.require_consent("training on")
        running = self._jobs.get(voice.name)
        if running is not None and running.poll() is None:
            raise StudioError(f"{running.kind} training of {voice.name!r} is still running; wait or cancel it.")
        options = TrainingOptions(epochs=epochs or None, batch_size=batch_size or None, max_steps=max_steps or None,
                                  resume=resume)
        job = start_training_job(kind, voice.name, self.settings.workspace_dir, self.settings.pretrained_dir, options)
        self._jobs[voice.name] = job
        return job

    @staticmethod
    def follow_training(job, poll_s: float = 1.0, ticks: bool = False):
        """Yield the job's progress events as they are written, until the subprocess ends (``ticks``: also a
        ``{"event": "tick"}`` at every poll without news, for a clock on the page)."""
        import time

        seen = 0
        while True:
            finished = job.poll() is not None
            events = job.events()
            yield from events[seen:]
            if ticks and len(events) == seen:
                yield {"event": "tick"}
            seen = len(events)
            if finished:
                return
            time.sleep(poll_s)

    @staticmethod
    def training_outcome(job) -> str:
        """A readable summary of a finished job in the page language: the models made, a cancel, or the error
        (raised in English, like every StudioError; the page translates it)."""
        last = job.latest()
        kind = "SoVITS" if job.kind == "sovits" else "GPT"
        if last is not None and last.get("event") == "done":
            files = ", ".join(Path(f).name for f in last.get("files", []))
            return text("ft_finished", kind=kind, files=files)
        if last is not None and last.get("event") == "cancelled":
            return text("ft_cancelled", kind=kind, step=last.get("step"))
        if last is not None and last.get("event") == "error":
            raise StudioError(f"{kind} training stopped: {last.get('message')}")
        tail = " / ".join(job.log_text().strip().splitlines()[-3:])
        raise StudioError(f"{kind} training ended with exit code {job.poll()}. Last lines of its log: {tail}")

    def cancel_training(self, name: str) -> None:
        job = self._jobs.get(self.voice(name).name)
        if job is None or job.poll() is not None:
            raise StudioError("No training of this voice is running.")
        job.cancel()
