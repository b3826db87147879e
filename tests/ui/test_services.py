"""The UI's services and helpers without a browser: voices, clips, transcripts, jobs, errors, labels."""

from __future__ import annotations

import threading
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.config import StudioSettings
from gpt_sovits.errors import StudioError
from gpt_sovits.ui.common import UNEXPECTED, audio_value, guarded, uploaded_paths
from gpt_sovits.ui.i18n import STRINGS, Translator
from gpt_sovits.ui.services import StudioServices


@pytest.fixture
def services(tmp_path, tiny_v2) -> StudioServices:
    settings = StudioSettings(pretrained_dir=tiny_v2, workspace_dir=tmp_path / "ws")
    return StudioServices(settings, settings_path=tmp_path / "settings.yaml")


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Path:
    from tests.fixtures.synthetic_speech import make_recording

    rec = make_recording(duration_s=20.0, sample_rate=32000, seed=5)
    path = tmp_path_factory.mktemp("rec") / "take one.wav"
    sf.write(path, rec.audio, 32000, subtype="PCM_16")
    return path


def test_guarded_turns_every_failure_into_one_message_and_keeps_the_outputs(monkeypatch):
    shown = []
    monkeypatch.setattr(gr, "Warning", lambda message, duration=10, title="": shown.append((title, message)))

    @guarded
    def expected():
        raise StudioError("Choose a voice first.")

    @guarded
    def unexpected():
        raise KeyError("boom")

    @guarded
    def generator():
        yield 1
        raise StudioError("half way")

    assert expected() == gr.skip() and shown.pop() == ("Cannot do that", "Choose a voice first.")
    assert unexpected() == gr.skip()
    title, message = shown.pop()
    assert title == "Unexpected problem" and message.startswith(UNEXPECTED.split("(")[0]) and "KeyError" in message
    assert list(generator()) == [1, gr.skip()] and shown == [("Cannot do that", "half way")]


def test_translator_relabels_every_registered_widget():
    tr = Translator("en")
    with gr.Blocks():
        button = tr.reg(gr.Button(tr.t("synthesize")), "synthesize", "value")
        box = tr.reg(gr.Textbox(label=tr.t("text")), "text")
    assert button.value == "Synthesize" and box.label == "Text to speak"
    updates = tr.updates("zh")
    assert updates == [gr.update(value=STRINGS["synthesize"][1]), gr.update(label=STRINGS["text"][1])]
    assert tr.language == "en" and tr.t("text", "zh") == "要合成的文本"  # the switch is the page's, not the app's
    with gr.Blocks():
        tr.reg(gr.Radio(tr.choices([("precision_fast", "fast")]), label=tr.t("precision")), "precision",
               choices=[("precision_fast", "fast")])
    assert tr.updates("en")[-1] == gr.update(label=STRINGS["precision"][0],
                                            choices=[(STRINGS["precision_fast"][0], "fast")])
    with gr.Blocks():
        tr.reg(gr.Dataframe(headers=tr.headers("h_transcripts")), None, headers="h_transcripts")
    assert tr.updates("zh")[-1] == gr.update(headers=["片段", "语言", "文本", "训练"])
    assert all(len(pair) == 2 and all(pair) for pair in STRINGS.values())
    assert all(len(en.split("|")) == len(zh.split("|")) for key, (en, zh) in STRINGS.items() if key.startswith("h_"))


def test_small_conversions(tmp_path):
    assert uploaded_paths(None) == []
    assert uploaded_paths([str(tmp_path / "a.wav")], str(tmp_path / "mic.wav")) == [tmp_path / "a.wav",
                                                                                     tmp_path / "mic.wav"]
    sr, pcm = audio_value(np.array([0.5, -0.25, 2.0], np.float32), 32000)
    assert sr == 32000 and pcm.dtype == np.int16 and pcm.tolist() == [16384, -8192, 32767]


def test_voices_consent_and_log(services):
    with pytest.raises(StudioError, match="Choose a voice"):
        services.voice(None)
    assert services.create_voice("Anna") == "Anna"
    with pytest.raises(StudioError, match="already exists"):
        services.create_voice("Anna")
    services.set_consent("Anna", True)
    assert services.voice("Anna").has_consent
    assert services.rename_voice("Anna", "Bo") == "Bo"
    actions = [row[1] for row in services.log_rows("Bo")]
    assert actions == ["renamed", "consent", "created"]  # newest first
    services.delete_voice("Bo")
    assert services.voice_names() == []


def test_clips_transcripts_and_deletion(services, recording):
    services.create_voice("Anna")
    with pytest.raises(StudioError, match="Add recordings"):
        services.clean_and_slice("Anna", [], 0.0, "zh")
    report = services.clean_and_slice("Anna", [recording], 0.5, "zh")
    clips = services.clips("Anna")
    assert len(clips) == len(report.clips) >= 2
    assert all(c.text == "" and c.language == "zh" and 1.0 <= c.duration_s <= 12.0 for c in clips)
    assert services.recordings("Anna") == ["take_one.wav"]

    rows = [[c.name, "zh", ""] for c in clips]
    rows[0][2] = "你" * 200  # far too fast for the clip
    rows[1][2] = "大家好，欢迎来到我们的工作室。"
    warnings = services.save_transcripts("Anna", rows)
    assert any(clips[0].name in w and "very fast" in w for w in warnings)
    assert not any(clips[1].name in w for w in warnings)
    assert sum("no text yet" in w for w in warnings) == len(clips) - 2
    assert services.clips("Anna")[1].text == "大家好，欢迎来到我们的工作室。"

    problems = services.training_problems("Anna")
    assert problems[clips[2].name] == "no text" and clips[1].name not in problems

    assert services.delete_clips("Anna", [clips[0].name, clips[2].name]) == sorted([clips[0].name, clips[2].name])
    remaining = services.clips("Anna")
    assert [c.name for c in remaining] == [c.name for i, c in enumerate(clips) if i not in (0, 2)]
    assert not clips[0].path.exists()
    with pytest.raises(StudioError, match="no longer exists"):
        services.clip_path("Anna", clips[0].name)
    with pytest.raises(StudioError, match="no longer exists"):  # nothing is removed when one name is stale
        services.delete_clips("Anna", [clips[1].name, clips[0].name])
    assert clips[1].path.exists()

    # a recording goes with the clips made from it
    assert services.delete_recordings("Anna", ["take_one.wav"]) == (["take_one.wav"], [c.name for c in remaining])
    assert services.recordings("Anna") == [] and services.clips("Anna") == []


def test_preview_cleaning_returns_before_after_and_cuts(services, recording):
    from gpt_sovits.audio.slicer import SlicerSettings

    before, after, cuts = services.preview_cleaning(recording, 0.5, SlicerSettings())
    assert before.shape == after.shape and before.size == 20 * 32000
    assert len(cuts) >= 2 and all(0 <= c < 20 for c in cuts)
    assert not np.allclose(before, after)


def test_model_choices_and_reference(services, recording):
    services.create_voice("Anna")
    gpt, sovits = services.synthesis.model_choices("Anna")
    assert [label for label, _ in gpt] == ["pretrained v2: s1bert25hz-5kh-longer-epoch=12-step=369668.ckpt"]
    assert [label for label, _ in sovits] == ["pretrained v2: s2G2333k.pth"]
    trained = services.voice("Anna").path("models", "sovits", "Anna_e1.pth")
    trained.write_bytes(b"x")
    assert services.synthesis.model_choices("Anna")[1][0] == ("Anna: Anna_e1", str(trained))
    native = trained.with_suffix(".safetensors")
    native.write_bytes(trained.read_bytes())
    choices = [label for label, _ in services.synthesis.model_choices("Anna")[1]]
    assert choices.count("Anna: Anna_e1") == 1, "a model saved in both formats is offered once"
    assert services.synthesis.model_choices("Anna")[1][0][1] == str(native)
    assert services.trained_models("Anna")[0][:2] == ["SoVITS", "Anna_e1.pth"]

    with pytest.raises(StudioError, match="no clips yet"):
        services.synthesis.pick_reference("Anna")
    services.clean_and_slice("Anna", [recording], 0.0, "zh")
    name, why = services.synthesis.pick_reference("Anna")
    assert name in [c.name for c in services.clips("Anna")] and "auto-picked" in why
    assert services.synthesis.reference_choices("Anna")[0][1] == "auto"


def test_missing_models_and_consent_are_explained(services, speech_wav):
    from gpt_sovits.inference import SynthesisRequest

    services.create_voice("Anna")
    request = SynthesisRequest(text="你好", ref_audio=speech_wav)
    with pytest.raises(StudioError, match="Before cloning"):
        list(services.synthesis.run("Anna", "", "", request))
    services.set_consent("Anna", True)
    with pytest.raises(StudioError, match="Choose a GPT and a SoVITS model"):
        list(services.synthesis.run("Anna", None, None, request))


def test_phoneme_rows_show_emphasis_and_pauses(services):
    rows = services.synthesis.phonemes("你好[emph]世界[/emph][pause:0.5]", "zh")
    assert rows[0] == ["1 · zh", "你好", "n i2 h ao3"]
    assert ["emphasis", "", "sh ir4 j ie4"] in rows
    assert rows[-1] == ["pause", "", "0.5 s"]


def test_phoneme_rows_follow_the_plans_pieces_and_pronunciations(services):
    """The preview shows the pieces the synthesis will speak (its cut method), with inline pronunciations."""
    whole = services.synthesis.phonemes("今天天气很好。我们去公园散步吧！", "zh", "cut0")
    cut = services.synthesis.phonemes("今天天气很好。我们去公园散步吧！", "zh", "cut5")
    assert {row[0].split(" · ")[0] for row in whole} == {"1"}
    assert {row[0].split(" · ")[0] for row in cut} == {"1", "2"}
    rows = services.synthesis.phonemes("{行|hang2}人。{record|R EH1 K ER0 D} it.", "auto", "cut0")
    phones = " ".join(row[2] for row in rows)
    assert "h ang2 r en2" in phones and "R EH1 K ER0 D" in phones


class FakeJob:
    kind = "sovits"

    def __init__(self, events, code=0, log="", running_polls=1):
        self._events, self.code, self.log, self.running_polls = events, code, log, running_polls
        self.polls = 0

    def poll(self):
        self.polls += 1
        return self.code if self.polls > self.running_polls else None

    def events(self):
        return self._events[: self.polls]

    def latest(self):
        return self._events[-1] if self._events else None

    def log_text(self):
        return self.log


def test_training_progress_and_outcomes(services):
    services.create_voice("Anna")
    done = [{"event": "start"}, {"event": "done", "files": ["/x/Anna_e1.pth"]}]
    job = FakeJob(done)
    assert [e["event"] for e in services.follow_training(job, poll_s=0)] == ["start", "done"]
    assert "Anna_e1.pth" in services.training_outcome(job)
    assert "cancelled" in services.training_outcome(FakeJob([{"event": "cancelled", "step": 3}]))
    with pytest.raises(StudioError, match="out of memory"):
        services.training_outcome(FakeJob([{"event": "error", "message": "out of memory"}]))
    with pytest.raises(StudioError, match="exit code 2.*bad clip"):
        services.training_outcome(FakeJob([], code=2, log="a\nerror: bad clip", running_polls=0))
    with pytest.raises(StudioError, match="No training"):
        services.cancel_training("Anna")
    with pytest.raises(StudioError, match="Before training on"):
        services.start_training("Anna", "sovits", 1, 0, 1)


def test_settings_are_saved_and_validated(services, tmp_path):
    from gpt_sovits.errors import ConfigError

    services.save_settings(ui_language="zh", pretrained_dir=str(tmp_path / "p"), workspace_dir=str(tmp_path / "w"))
    text = (tmp_path / "settings.yaml").read_text(encoding="utf-8")
    assert "ui_language: zh" in text and str(tmp_path / "p") in text
    assert services.settings.ui_language == "zh"
    with pytest.raises(ConfigError, match="ui_language"):
        services.save_settings(ui_language="fr")
    services.save_settings(precision="exact")  # applies at once: the next synthesis loads float32 models
    assert services.settings.precision == "exact"
    assert "precision: exact" in (tmp_path / "settings.yaml").read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="precision"):
        services.save_settings(precision="turbo")


def test_synthesis_remembers_reference_and_models_for_the_api(services, recording, tiny_v2):
    from gpt_sovits.inference import SynthesisRequest
    from tests.conftest import TINY_GPT, TINY_SOVITS

    services.create_voice("Anna")
    services.set_consent("Anna", True)
    services.clean_and_slice("Anna", [recording], 0.0, "zh")
    clip = services.clips("Anna")[0]
    ref = services.clip_path("Anna", clip.name)
    request = SynthesisRequest(text="你好。", language="zh", ref_audio=Path(ref), ref_text="参考。", ref_language="zh",
                               seed=3, fragment_interval_s=0.0)
    outputs = list(services.synthesis.run("Anna", str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS), request))
    assert outputs[-1].duration_s > 0
    # the models were loaded and run on the engine's thread, not on the caller's (see gpt_sovits.inference.jobs)
    gpt = services.engine.engine.gpt
    threads = []
    gpt.logits = lambda hidden: (threads.append(threading.current_thread().name), type(gpt).logits(gpt, hidden))[1]
    try:
        services.synthesis.regenerate(outputs[-1], 0)
    finally:
        del gpt.logits
    assert threads and set(threads) == {"engine"}
    meta = services.voice("Anna").read_meta()
    assert meta["reference"] == {"audio": f"clips/{clip.name}", "text": "参考。", "language": "zh", "chosen_by": "auto"}
    assert services.synthesis.saved_reference("Anna") == ("auto", "", "auto")  # used, never chosen: still auto
    services.synthesis.choose_reference("Anna", clip.name, "我选的。", "zh")
    assert services.synthesis.saved_reference("Anna") == (clip.name, "我选的。", "zh")
    list(services.synthesis.run("Anna", str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS), request))
    assert services.synthesis.saved_reference("Anna") == (clip.name, "参考。", "zh")  # the text it was spoken with
    gpts, sovitss = services.synthesis.model_choices("Anna")
    assert services.synthesis.saved_models("Anna", gpts, sovitss) == (str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS))
    assert meta["models"]["sovits"] == str((tiny_v2 / TINY_SOVITS).resolve())


def test_opening_the_synthesize_tab_preloads_the_models(services, tiny_v2):
    from tests.conftest import TINY_GPT, TINY_SOVITS

    services.create_voice("Anna")
    gpt, sovits = str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS)
    synthesis = services.synthesis
    services.save_settings(precision="fast")  # settings no earlier test used (exact is the default): nothing loaded yet
    host = synthesis.host
    before = host.engine
    assert not synthesis.preload("Anna", gpt, None)  # incomplete choices: nothing to load
    assert not synthesis.preload(None, gpt, sovits)
    assert not synthesis.preload("Nobody", gpt, sovits)
    assert not synthesis.preload("Anna", gpt, str(tiny_v2 / "missing.pth"))
    host.call(lambda: None)
    assert host.engine is before
    assert synthesis.preload("Anna", gpt, sovits)
    host.call(lambda: None)  # the queued load has finished once this runs
    assert synthesis.waiting_for() is None
    loaded = host.engine
    assert loaded is not before and host.loaded_models == (Path(gpt), Path(sovits))
    from gpt_sovits.devices import precision_plan

    assert loaded.precisions.mode == "fast" and loaded.precisions.vocoder == precision_plan("fast", "cpu").vocoder
    assert host.call(host.engine_for, (Path(gpt), Path(sovits))) is loaded


def test_a_synthesis_says_what_it_waits_for(services):
    gate, started = threading.Event(), threading.Event()

    def prepare_dataset():  # stands in for a long preparation running on the compute thread
        started.set()
        gate.wait(5)

    services.engine.spawn(prepare_dataset)
    try:
        assert started.wait(5)
        assert services.synthesis.waiting_for() == "the dataset preparation"
    finally:
        gate.set()
    services.engine.call(lambda: None)
    assert services.synthesis.waiting_for() is None


def test_synthesis_checks_each_sentence_and_rerolls_failing_ones(services, recording, tiny_v2):
    import dataclasses

    from gpt_sovits.inference import SynthesisRequest
    from gpt_sovits.ui.synthesis import check_label
    from tests.conftest import TINY_GPT, TINY_SOVITS

    services.create_voice("Anna")
    services.set_consent("Anna", True)
    services.clean_and_slice("Anna", [recording], 0.0, "zh")
    ref = services.clip_path("Anna", services.clips("Anna")[0].name)
    # the tiny random models babble noise: every take fails, so each sentence gets exactly 1 + rerolls takes
    qc = dataclasses.replace(services.settings.qc, rerolls=1, asr=True)
    services.save_settings(qc=qc)
    assert "rerolls: 1" in (services.settings_path).read_text(encoding="utf-8")
    request = SynthesisRequest(text="你好。[pause:0.3]再见。", language="zh", ref_audio=Path(ref), ref_text="参考。",
                               ref_language="zh", seed=3, fragment_interval_s=0.0)
    out = list(services.synthesis.run("Anna", str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS), request))[-1]
    speech = [p for p in out.pieces if not p.text.startswith("[pause")]
    pause = next(p for p in out.pieces if p.text.startswith("[pause"))
    assert pause.report is None and check_label(pause) == ""
    for piece in speech:
        assert piece.report is not None and piece.takes == (1 if piece.report.passed else 2)
        assert piece.report.check("asr").status == "not_run"  # no recogniser installed here: said, not failed
        assert check_label(piece).startswith("✅" if piece.report.passed else "⚠️")
    flagged = [p for p in speech if not p.report.passed]
    assert len([n for n in out.notices if "flagged" in n]) == len(flagged)
    redone = services.synthesis.regenerate(out, 0)
    assert redone.pieces[0].report is not None and redone.pieces[0].takes == 1


def test_a_stopped_run_is_offered_for_continuing_and_progress_uses_the_users_numbers(services):
    import json

    from gpt_sovits.training.checkpoints import state_name
    from gpt_sovits.ui.tabs.finetune import RunPlan

    services.create_voice("Anna")
    assert services.stopped_run("Anna", "sovits") is None
    state = services.voice("Anna").path("models", "sovits", "training")
    state.mkdir(parents=True)
    for epoch, step in ((1, 7), (2, 14)):
        (state / state_name(epoch, step)).write_bytes(b"")
    progress = state / "progress.jsonl"
    progress.write_text(json.dumps({"event": "cancelled", "step": 14}) + "\n")
    run = services.stopped_run("Anna", "sovits")
    assert (run.epoch, run.step, run.checkpoint.name) == (2, 14, state_name(2, 14))
    assert services.stopped_run("Anna", "gpt") is None
    progress.write_text(json.dumps({"event": "done", "step": 20}) + "\n")  # a finished run is not continued
    assert services.stopped_run("Anna", "sovits") is None

    plan = RunPlan("SoVITS", epochs=8, max_steps=0, resumed_at=14)
    assert "from its checkpoint at step 14" in plan.opening()
    assert "start-up" in plan.describe({"event": "tick"}, 42.0)[1] and "42 s" in plan.describe({"event": "tick"}, 42)[1]
    plan.first_step_s = 50.0
    frac, text = plan.describe({"event": "step", "epoch": 3, "step": 15, "total_steps": 40, "eta_s": 5}, 60)
    assert frac == 15 / 40 and "epoch 3 of 8, step 15 of 40" in text and "start-up took 50 s" in text
    limited = RunPlan("GPT", epochs=15, max_steps=5, resumed_at=0)
    frac, text = limited.describe({"event": "step", "epoch": 1, "step": 2, "total_steps": 300}, 3)
    assert frac == 2 / 5 and "epoch 1 of 15, step 2 of 5" in text


def test_stop_ends_a_long_synthesis_after_the_sentence_in_progress(services, recording, tiny_v2):
    from gpt_sovits.inference import SynthesisRequest
    from gpt_sovits.inference.jobs import JobCancelled
    from tests.conftest import TINY_GPT, TINY_SOVITS

    services.create_voice("Anna")
    services.set_consent("Anna", True)
    services.clean_and_slice("Anna", [recording], 0.0, "zh")
    ref = services.clip_path("Anna", services.clips("Anna")[0].name)
    models = (str(tiny_v2 / TINY_GPT), str(tiny_v2 / TINY_SOVITS))
    long = SynthesisRequest(text="你好。" * 60, language="zh", ref_audio=ref, ref_text="参考。", ref_language="zh",
                            seed=1, cut_method="cut5", fragment_interval_s=0.0)
    seen = []
    run = services.synthesis.run("Anna", *models, long, seen.append, session="page-1")
    next(run), next(run)
    assert seen[-1].total >= 20 and seen[-1].seconds_left is not None
    assert services.synthesis.stop("page-1") and not services.synthesis.stop("page-1")
    after = []
    with pytest.raises(JobCancelled):
        after += list(run)
    assert len(after) <= 1  # the sentence in progress, at most
    assert services.synthesis.waiting_for() is None  # the engine is free: a new synthesis starts at once


def test_the_models_tab_tells_random_test_models_from_official_files(services, tmp_path):
    import dataclasses

    from gpt_sovits import pretrained
    from gpt_sovits.ui.services.models import RANDOM_TEST_MODEL, provenance
    from tests.conftest import TINY_SOVITS

    rows = {r[0]: r for r in services.model_status_rows("v2")}
    assert rows[TINY_SOVITS][2] == "present" and rows[TINY_SOVITS][3] == RANDOM_TEST_MODEL
    official = next(a for a in pretrained.assets_for("v2") if a.head_md5 is not None)
    present = pretrained.AssetStatus(official, pretrained.AssetState.PRESENT, "", tmp_path / "x")
    assert provenance(present, frozenset()) == "✅ official (checksum matches)"
    assert provenance(present, frozenset({official.path})) == RANDOM_TEST_MODEL
    assert provenance(dataclasses.replace(present, state=pretrained.AssetState.MISSING), frozenset()) == ""
