"""Synthesis for the UI through the engine host: reference picking, outputs saved with the voice.

Every sound is made by gpt_sovits.inference; this module chooses the files and keeps the pieces
of the last result so that one sentence can be redone and spliced back in.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gpt_sovits import pretrained
from gpt_sovits.config import MODEL_SUFFIXES, NATIVE_MODEL_SUFFIX
from gpt_sovits.errors import ModelNotFoundError, StudioError, TextError
from gpt_sovits.inference.request import OUTPUT_SAMPLE_RATE_HZ, join_audio, real_time_factor
from gpt_sovits.qc.pieces import is_cut
from gpt_sovits.text.language import LANGUAGES
from gpt_sovits.ui import i18n, qc_text

logger = logging.getLogger(__name__)

# What a user waits for when the engine runs one of these jobs (keys of the texts).
BUSY_WITH = {"prepare_dataset": "busy_prepare", "transcribe_voice": "busy_transcribe", "load_models": "busy_load",
             "synthesis": "busy_synthesis", "synthesize_piece": "busy_synthesis", "_checked": "busy_checks"}

AUTO_REFERENCE = "auto"


@dataclass
class Piece:
    """One synthesized sentence (or pause) of a result."""

    text: str
    audio: np.ndarray  # float32 [n] at the output rate, trailing silence included
    seconds_to_compute: float
    tokens: int
    seed: int
    report: object | None = None  # gpt_sovits.qc TakeReport of the kept take (None: not checked, or a pause)
    takes: int = 1  # how many takes were made (re-rolls included)
    cut: bool = False  # the runaway guard stopped this take


@dataclass
class SynthesisOutput:
    """A finished synthesis as the Synthesize tab shows it."""

    voice: str
    gpt_path: Path
    sovits_path: Path
    request: object  # SynthesisRequest (with the resolved reference and seed)
    pieces: list[Piece]
    sample_rate: int
    wav_path: Path
    seconds_to_first_audio: float
    seconds_total: float
    notices: list[str] = field(default_factory=list)

    @property
    def audio(self) -> np.ndarray:
        return join_audio(p.audio for p in self.pieces)

    @property
    def duration_s(self) -> float:
        return self.audio.size / self.sample_rate

    @property
    def real_time_factor(self) -> float:
        return real_time_factor(self.seconds_total, self.audio.size, self.sample_rate)


class SynthesisService:
    """Keeps ONE loaded Synthesizer and reloads it only when the chosen model files change."""

    def __init__(self, services):
        self.services = services
        self._qc_models = None  # gpt_sovits.qc OptionalModels (ASR, speaker encoder), loaded when asked for
        self._rate, self._rate_key = None, None  # the voice's speaking-rate window and what it was learnt from
        self._jobs: dict[str, object] = {}  # page session -> its running synthesis job (for Stop and unload)
        self._lock = threading.Lock()

    @property
    def host(self):
        """The engine host, set to load models as the studio's settings say."""
        from gpt_sovits.inference.engine import engine_host

        host = engine_host()
        settings = self.services.settings
        host.configure(pretrained_dir=settings.pretrained_dir, precision=settings.precision)
        return host

    # ----- choices -----------------------------------------------------------------------------
    def model_choices(self, voice_name: str | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(GPT choices, SoVITS choices) as (label, path): the voice's fine-tuned models, then pretrained."""
        gpt: list[tuple[str, str]] = []
        sovits: list[tuple[str, str]] = []
        if voice_name:
            voice = self.services.voice(voice_name)
            for kind, out in (("gpt", gpt), ("sovits", sovits)):
                files = sorted(voice.path("models", kind).glob("*"), key=lambda p: p.stat().st_mtime, reverse=True)
                native_stems = {p.stem for p in files if p.suffix == NATIVE_MODEL_SUFFIX}
                for path in files:
                    # a trained model is saved twice (native + upstream export): offer it once
                    if path.suffix in MODEL_SUFFIXES[kind] and (path.suffix == NATIVE_MODEL_SUFFIX or path.stem not in native_stems):
                        out.append((f"{voice_name}: {path.stem}", str(path)))
        root = self.services.settings.pretrained_dir
        for version in pretrained.SUPPORTED_VERSIONS:
            for asset in pretrained.assets_for(version):
                path = root / asset.path
                target = {pretrained.ROLE_GPT: gpt, pretrained.ROLE_SOVITS: sovits}.get(asset.role)
                if target is not None and path.is_file() and str(path) not in {v for _, v in target}:
                    target.append((i18n.text("sy_pretrained_choice", version=version, name=Path(asset.path).name),
                                   str(path)))
        return gpt, sovits

    def reference_choices(self, voice_name: str | None) -> list[tuple[str, str]]:
        choices = [(i18n.text("auto_reference"), AUTO_REFERENCE)]
        return choices + [(f"{c.name} ({c.duration_s:.1f} s)", c.name) for c in self.services.clips(voice_name)]

    def clip_reference(self, voice_name: str, clip: str) -> tuple[str, str]:
        """(text, request language) of one clip from the transcripts."""
        for info in self.services.clips(voice_name):
            if info.name == clip:
                return info.text, info.language if info.language in LANGUAGES else "auto"
        raise StudioError(f"The clip {clip} is not part of voice {voice_name!r}; refresh the list.")

    def pick_reference(self, voice_name: str) -> tuple[str, str]:
        """(clip name, why) of the best 3-10 s clip that starts and ends in silence, transcribed ones first."""
        from gpt_sovits.data.clips import auto_reference

        clip, why = auto_reference(self.services.voice(voice_name))
        return clip.name, why

    def saved_reference(self, voice_name: str | None) -> tuple[str, str, str]:
        """(choice, text, language) of the reference stored with the voice: the clip the user chose with its
        text, or the automatic pick when none was chosen (or the chosen clip is gone)."""
        from gpt_sovits.data.clips import list_clips

        ref = self.services.voice(voice_name).reference if voice_name else None
        if ref is None or ref.chosen_by != "user" or not ref.audio.startswith("clips/"):
            return AUTO_REFERENCE, "", "auto"
        name = ref.audio.removeprefix("clips/")
        if name not in {c.name for c in list_clips(self.services.voice(voice_name))}:
            return AUTO_REFERENCE, "", "auto"
        return name, ref.text, ref.language

    def choose_reference(self, voice_name: str | None, choice: str | None, text: str | None = None,
                         language: str | None = None) -> tuple[str, str]:
        """Store the user's reference choice with the voice; returns its (text, language) — the clip's
        transcript unless ``text`` is given. Choosing the automatic pick forgets the stored clip."""
        if not voice_name:
            return "", "auto"
        voice = self.services.voice(voice_name)
        if not choice or choice == AUTO_REFERENCE:
            voice.set_reference(None)
            return "", "auto"
        if text is None:
            text, language = self.clip_reference(voice_name, choice)
        voice.set_reference(self.services.clip_path(voice_name, choice), text, language or "auto")
        return text, language or "auto"

    # ----- synthesis ---------------------------------------------------------------------------
    def check_ready(self, voice_name: str | None, gpt_path, sovits_path) -> None:
        """Raise a readable error unless the voice has consent and both models are chosen."""
        self.services.voice(voice_name).require_consent("cloning")
        if not gpt_path or not sovits_path:
            raise ModelNotFoundError("Choose a GPT and a SoVITS model. If the lists are empty, download the "
                                     "pretrained models on the Models tab (or fine-tune this voice).")  # fmt: skip

    def waiting_for(self) -> str | None:
        """What the engine is busy with (a synthesis asked for now waits for it, in the page language), or None."""
        running = self.host.running
        return None if running is None else i18n.text(BUSY_WITH.get(running, "busy_other"))

    def preload(self, voice_name: str | None, gpt_path, sovits_path) -> bool:
        """Start loading the models a synthesis with these choices would use, in the background (the
        Synthesize tab calls this when it opens, so the first click does not wait for loading).
        Returns whether loading was queued; incomplete choices are left for the synthesis to report."""
        if not voice_name or not gpt_path or not sovits_path:
            return False
        try:
            self.services.voice(voice_name)
        except StudioError:
            return False
        if not (Path(gpt_path).is_file() and Path(sovits_path).is_file()):
            return False
        self.host.preload((Path(gpt_path), Path(sovits_path)))
        return True

    def resolve_reference(self, voice_name: str, choice: str, upload: str | None, ref_text: str,
                          ref_language: str) -> tuple[Path, str, str, str]:
        """(audio path, text, language, description) of the reference the request will use. The automatic
        pick always comes with its own clip's transcript, so a clip and a text never get mixed up."""
        voice = self.services.voice(voice_name)
        if upload:
            return Path(upload), ref_text, ref_language, i18n.text("sy_uploaded_clip", name=Path(upload).name)
        if not choice or choice == AUTO_REFERENCE:
            choice, why = self.pick_reference(voice_name)
            ref_text, ref_language = self.clip_reference(voice_name, choice)
            return self.services.clip_path(voice.name, choice), ref_text, ref_language, why
        return self.services.clip_path(voice.name, choice), ref_text, ref_language, i18n.text("sy_clip", name=choice)

    def saved_models(self, voice_name: str | None, gpts: list, sovitss: list) -> tuple[str | None, str | None]:
        """The models last used with the voice when they are still offered, else the first choices."""
        saved = self.services.voice(voice_name).models if voice_name else None
        picks = []
        for stored, choices in ((saved.gpt if saved else "", gpts), (saved.sovits if saved else "", sovitss)):
            path = str(self.services.voice(voice_name).root / stored) if stored and not Path(stored).is_absolute() else stored
            values = [v for _, v in choices]
            picks.append(path if path in values else (values[0] if values else None))
        return picks[0], picks[1]

    def run(self, voice_name: str, gpt_path, sovits_path, request, on_event=None,
            session: str | None = None) -> Iterator[tuple[int, Piece] | SynthesisOutput]:
        """Synthesize ``request``: yields (index, Piece) as pieces finish, then the SynthesisOutput.

        The models run on the engine host's worker (see :mod:`gpt_sovits.inference.jobs`), one sentence
        at a time; ``on_event`` gets its Progress after each piece. Closing the iterator, :meth:`stop`
        with the same ``session`` (a page's), or the page closing cancels the synthesis after the sentence
        in progress (jobs.JobCancelled is raised here)."""
        self.check_ready(voice_name, gpt_path, sovits_path)
        voice = self.services.voice(voice_name)
        request = request.validate().with_seed()
        models, cache_dir = (Path(gpt_path), Path(sovits_path)), voice.path("cache", "references")
        job = self.host.synthesize(request, models, delivery="pieces", cache_dir=cache_dir, on_event=on_event)
        self._remember_job(session, job)
        try:
            pieces, first, notices, rate = [], None, [], OUTPUT_SAMPLE_RATE_HZ
            for chunk in job:
                rate = chunk.sample_rate
                first = time.perf_counter() - job.started if first is None else first
                piece = Piece(chunk.text, chunk.audio, chunk.seconds_to_compute, chunk.tokens,
                              request.seed + chunk.index, cut=is_cut(chunk.notices))
                pieces.append(piece)
                notices += chunk.notices
                yield chunk.index, piece
        finally:
            self._forget_job(session, job)
        if not pieces:
            raise StudioError("Nothing to say: the text holds no speakable words.")
        if self.services.settings.qc.enabled:
            pieces, flagged = self.host.call(self._checked, models, cache_dir, request, pieces, voice)
            notices += flagged
        output = SynthesisOutput(voice.name, Path(gpt_path), Path(sovits_path), request, pieces, rate,
                                 Path(), first or 0.0, time.perf_counter() - job.started, notices)
        output.wav_path = self._save(voice, output)
        voice.log("synthesize", chars=len(request.text), seconds=round(output.duration_s, 2),
                  output=output.wav_path.name, seed=request.seed)
        self._remember_choices(voice, request, gpt_path, sovits_path)
        yield output

    def _remember_job(self, session: str | None, job) -> None:
        if session:
            with self._lock:
                self._jobs[session] = job

    def _forget_job(self, session: str | None, job) -> None:
        job.cancel()  # nothing happens to a finished job; an abandoned one stops after its sentence
        with self._lock:
            if session and self._jobs.get(session) is job:
                del self._jobs[session]

    def stop(self, session: str | None) -> bool:
        """Cancel the synthesis a page (``session``) is running: it ends after the sentence in progress, and
        whatever waits behind it starts then. True when there was one to stop."""
        with self._lock:
            job = self._jobs.pop(session, None) if session else None
        if job is not None:
            job.cancel()
        return job is not None

    def _checker(self, synth, request, voice):
        from gpt_sovits.qc.pieces import OptionalModels, PieceChecker

        settings = self.services.settings
        if self._qc_models is None or self._qc_models.pretrained_dir != settings.pretrained_dir:
            self._qc_models = OptionalModels(settings.pretrained_dir, str(synth.device))
        return PieceChecker(synth, request, settings.qc, self._qc_models, self._voice_rate(voice, synth))

    def _voice_rate(self, voice, synth):
        """The speaking-rate window learnt from the voice's transcribed clips (cached until the transcripts
        change), or None to learn it from the request's reference."""
        from gpt_sovits.data.transcripts import TRANSCRIPTS_FILE
        from gpt_sovits.qc.rate import rate_from_voice

        path = voice.path(TRANSCRIPTS_FILE)
        qc = self.services.settings.qc
        key = (voice.root, path.stat().st_mtime_ns if path.is_file() else None, qc, synth.symbol_version)
        if self._rate_key != key:
            self._rate = rate_from_voice(voice, qc, synth.symbol_version) if path.is_file() else None
            self._rate_key = key
        return self._rate if self._rate is not None and self._rate.source != "default" else None

    def _checked(self, models, cache_dir, request, pieces: list[Piece], voice) -> tuple[list[Piece], list[str]]:
        """Check every piece, re-roll failing ones (the Settings tab's policy); (kept pieces, notices).
        An engine job: it runs on the engine's worker."""
        from gpt_sovits.qc.reroll import Take

        engine = self.host.engine_for(models, cache_dir)
        checker = self._checker(engine, request, voice)
        takes = [Take(p.audio, engine.sample_rate, p.tokens, p.seed, p.cut) if checker.is_speech(i) else None
                 for i, p in enumerate(pieces)]
        kept, notices = [], []
        for i, (piece, result) in enumerate(zip(pieces, checker.check_all(takes), strict=True)):
            if result is None:
                kept.append(piece)
                continue
            take = result.best.take
            seconds = sum(a.take.seconds_to_compute for a in result.attempts[1:]) + piece.seconds_to_compute
            kept.append(Piece(piece.text, take.audio, seconds, take.tokens or 0, take.seed, result.best.report,
                              len(result.attempts), take.cut))
            if result.flagged:
                notices.append(f"Sentence {i + 1} is flagged after {len(result.attempts)} take(s): "
                               f"{result.best.report.summary()}. Listen to it, or redo it.")
        return kept, notices

    @staticmethod
    def _remember_choices(voice, request, gpt_path, sovits_path) -> None:
        """Store the reference and models last used with the voice (voice.json), so the HTTP API's
        ``voice=`` parameter speaks with them. Only files inside the voice's own folder are stored
        as references."""
        voice.set_models(gpt_path, sovits_path)
        if voice.root.resolve() in Path(request.ref_audio).resolve().parents:
            chosen_by = "user" if voice.reference and voice.reference.chosen_by == "user" else "auto"
            voice.set_reference(Path(request.ref_audio).resolve(), request.ref_text, request.ref_language, chosen_by)

    def regenerate(self, output: SynthesisOutput, index: int) -> SynthesisOutput:
        """Redo piece ``index`` with a fresh seed and splice it in; saves a new WAV."""
        from gpt_sovits.inference.request import random_seed

        if not 0 <= index < len(output.pieces):
            raise StudioError(f"There is no sentence {index + 1}; the result has {len(output.pieces)}.")
        voice = self.services.voice(output.voice)
        request, seed = output.request, random_seed()
        models, cache_dir = (output.gpt_path, output.sovits_path), voice.path("cache", "references")
        chunk = self.host.synthesize_piece(request, index, seed, models, cache_dir=cache_dir).result()
        if chunk.pieces != len(output.pieces):
            raise StudioError("The models changed since this result was made; synthesize the whole text again.")
        pieces = list(output.pieces)
        pieces[index] = Piece(pieces[index].text, chunk.audio, chunk.seconds_to_compute, chunk.tokens, seed,
                              cut=is_cut(chunk.notices))
        if self.services.settings.qc.enabled:
            pieces[index] = self.host.call(self._recheck, models, cache_dir, request, pieces, index, voice)
        new = dataclasses.replace(output, pieces=pieces)
        new.wav_path = self._save(voice, new)
        voice.log("regenerate-sentence", sentence=index + 1, seed=seed, output=new.wav_path.name)
        return new

    def _recheck(self, models, cache_dir, request, pieces: list[Piece], index: int, voice) -> Piece:
        """Piece ``index`` with the report of its checks against its neighbours (no re-roll: the user asked
        for this take). An engine job: it runs on the engine's worker."""
        from gpt_sovits.qc.checks import speech_loudness_db
        from gpt_sovits.qc.reroll import Take

        piece = pieces[index]
        around = [p for p in pieces[max(0, index - 2): index] + pieces[index + 1: index + 3] if p.report is not None]
        engine = self.host.engine_for(models, cache_dir)
        levels = tuple(speech_loudness_db(p.audio, engine.sample_rate, request.fragment_interval_s) for p in around)
        checker = self._checker(engine, request, voice)
        report = checker.check(index, Take(piece.audio, engine.sample_rate, piece.tokens, piece.seed, piece.cut), levels)
        return dataclasses.replace(piece, report=report)

    def _save(self, voice, output: SynthesisOutput) -> Path:
        from gpt_sovits.audio.io import save_wav

        folder = voice.path("outputs")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path, n = folder / f"speech-{stamp}.wav", 2
        while path.exists():
            path, n = folder / f"speech-{stamp}-{n}.wav", n + 1
        save_wav(path, output.audio, output.sample_rate)
        return path

    # ----- text --------------------------------------------------------------------------------
    def phonemes(self, text: str, language: str, cut_method: str = "auto") -> list[list[str]]:
        """The pieces the text will be spoken in (the synthesis plan, with its cut method and the loaded model's
        phone set): per piece, rows (k · language, text, phones), then its emphasised phones and the pauses."""
        from gpt_sovits.inference import SynthesisRequest
        from gpt_sovits.inference.plan import PauseItem, plan_request
        from gpt_sovits.text import phonemize

        engine = self.host.engine
        version = getattr(engine, "symbol_version", None) or "v2"
        request = SynthesisRequest(text=text, ref_audio=Path(), language=language, cut_method=cut_method)
        rows: list[list[str]] = []
        for k, item in enumerate(plan_request(request, version), start=1):
            if isinstance(item, PauseItem):
                rows.append([i18n.text("ph_pause"), "", i18n.text("ph_seconds", seconds=f"{item.seconds:g}")])
                continue
            try:
                result = phonemize(_markup_of(item.runs), item.language, version=version)
            except TextError:  # a pronunciation written back in a form the parser reads differently
                result = phonemize(_markup_of(item.runs, overrides=False), item.language, version=version)
                rows += [[i18n.text("ph_override"), r.text, " ".join(r.override)] for r in item.runs if r.override]
            rows += [[f"{k} · {s.lang}", s.norm_text, " ".join(s.phones)] for s in result.segments]
            emphasised = [p for p, e in zip(result.phones, result.emphasis, strict=True) if e]
            if emphasised:
                rows.append([i18n.text("ph_emphasis"), "", " ".join(emphasised)])
            for pause in result.pauses:
                length = (i18n.text("ph_break") if pause.seconds is None
                          else i18n.text("ph_seconds", seconds=f"{pause.seconds:g}"))
                rows.append([i18n.text("ph_pause"), i18n.text("ph_before_phone", n=pause.at), length])
        return rows


def _markup_of(runs, overrides: bool = True) -> str:
    """A planned piece's runs written back as markup (emphasis, pronunciations) for the phoneme preview."""
    parts = []
    for run in runs:
        if run.override is None or not overrides:
            piece = run.text
        else:  # ARPAbet as written; pinyin from the syllables' initial + final phones
            reading = " ".join(run.override) if run.override_lang == "en" else _pinyin_of(run.override)
            piece = "{" + run.text + "|" + reading + "}"
        parts.append(f"[emph]{piece}[/emph]" if run.emphasis else piece)
    return "".join(parts)


def _pinyin_of(phones: tuple[str, ...]) -> str:
    """'h', 'ang2', 'r', 'en2' -> 'hang2 ren2' (a final carries the tone digit and ends a syllable)."""
    syllables, current = [], ""
    for phone in phones:
        current += phone
        if phone[-1:].isdigit():
            syllables.append(current)
            current = ""
    return " ".join(syllables + ([current] if current else []))


def check_label(piece: Piece) -> str:
    """The Checks column of a sentence in the page language: ok or why it is flagged, the takes made, checks
    that could not run."""
    return qc_text.check_label(piece.report, piece.takes)

