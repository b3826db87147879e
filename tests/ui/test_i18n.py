"""The Chinese interface is complete: every text, status and common error in Chinese, per page; no models needed.

The app is built without a browser (as build_app does for app.py) and its handlers are called as Gradio would
call them: the page's language first (Translator.listen), then the inputs.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest
import soundfile as sf

from gpt_sovits.config import StudioSettings
from gpt_sovits.ui.i18n import STRINGS, Translator, error_text, in_language, localize
from gpt_sovits.ui.services import StudioServices

# Words that stay as they are in the Chinese interface: names, formats, units, technical terms.
ALLOWED = {"GPT", "SoVITS", "GPT-SoVITS", "BERT", "HuBERT", "WAV", "MP3", "FLAC", "OGG", "M4B", "SRT", "VTT", "ACX",
           "LUFS", "RMS", "dB", "dBFS", "dBTP", "Hz", "kHz", "MB", "GB", "kbps", "CBR", "URL", "CPU", "GPU", "CUDA",
           "ID",
           "HuggingFace", "HF-Mirror", "lj1995", "float32", "float16", "bfloat16", "int8", "AVX512-BF16", "AMX", "token", "Top-k", "Top-p", "ARPAbet",
           "faster-whisper", "FunASR", "NaN", "ERes2NetV2", "NLTK", "CMU", "EPUB", "DRM", "ZIP", "UTF-8", "ASR"}
FORMATS = {"wav", "mp3", "flac", "ogg", "m4b", "srt", "vtt", "txt", "md", "epub", "jpg", "jpeg", "png"}
# stripped before looking for words: code spans, HTML tags, markup examples, placeholders, file and domain names,
# version names (v2Pro), upstream's cut methods (cut0-cut5)
NOT_WORDS = re.compile(r"`[^`]*`|<[^>]+>|\[/?\w+(?::[\d.]+)?\]|\{[^}]*\}|[\w.-]*\.(?:[a-z0-9]{2,4})\b|\bv\d\w*|\bcut\d")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")
SHOWN = ("label", "info", "placeholder")


def english_words(text: str) -> list[str]:
    """Latin-letter words of ``text`` that are not on the allow-list."""
    return [w for w in WORD.findall(NOT_WORDS.sub(" ", str(text))) if w not in ALLOWED and w.lower() not in FORMATS]


def shown_texts(block) -> list[str]:
    """What a widget shows in words: label, info, placeholder, choice labels, table headers, and the value of
    Markdown and buttons (other values are the user's data or choice keys)."""
    texts = [getattr(block, attr, None) for attr in SHOWN]
    texts += [c[0] if isinstance(c, (list, tuple)) else c for c in getattr(block, "choices", None) or []]
    texts += list(getattr(block, "headers", None) or [])
    if isinstance(block, (gr.Markdown, gr.Button)):
        texts.append(block.value)
    if getattr(block, "elem_id", None) == "ui-language":  # each language named in itself
        texts = [block.label]
    return [str(t) for t in texts if t]


def update_texts(update: dict) -> list[str]:
    texts = [update.get(attr) for attr in (*SHOWN, "value")]
    texts += [c[0] for c in update.get("choices") or []] + list(update.get("headers") or [])
    return [str(t) for t in texts if t]


def build(tmp_path, language: str, pretrained=None):
    from gpt_sovits.ui.app import build_app

    settings = StudioSettings(pretrained_dir=pretrained or tmp_path / "pretrained", workspace_dir=tmp_path / "ws",
                              ui_language=language)
    services = StudioServices(settings, settings_path=tmp_path / "settings.yaml")
    return build_app(services), services


def handler(app, name: str):
    """The function Gradio calls for the event handled by ``name`` (the first one wired)."""
    return next(fn.fn for fn in app.fns.values() if fn.name == name)


def control(app):
    return next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "ui-language")


@pytest.fixture
def shown(monkeypatch):
    """The messages handlers show with gr.Warning / gr.Info, as (title, message)."""
    seen = []
    monkeypatch.setattr(gr, "Warning", lambda message, duration=10, title="": seen.append((title, message)))
    monkeypatch.setattr(gr, "Info", lambda message, duration=10, title="": seen.append((title, message)))
    return seen


# ----- the strings tables ---------------------------------------------------------------------------------------


def test_every_text_has_a_different_chinese_version_with_the_same_fields():
    same = {"top_k", "top_p"}  # "Top-k" and "Top-p" are the usual names in Chinese too
    field = re.compile(r"\{[a-z_]+(?:![rs])?\}")
    for key, (english, chinese) in STRINGS.items():
        assert english.strip() and chinese.strip(), key
        assert (english != chinese) or key in same, key
        assert sorted(f.replace("!r", "") for f in field.findall(english)) == sorted(field.findall(chinese)), key
        if key.startswith("h_"):
            assert len(english.split("|")) == len(chinese.split("|")), key


def test_english_words_finds_words_and_skips_names_units_and_code():
    assert english_words("文件夹 `recordings/` 里有 3 个 WAV 文件（v2Pro，cut3，a.wav，hf-mirror.com）") == []
    assert english_words("Choose a voice 选择") == ["Choose", "a", "voice"]


# ----- the widgets, built in Chinese and switched live --------------------------------------------------------


def test_the_chinese_interface_shows_no_english(tmp_path):
    app, _ = build(tmp_path, "zh")
    left = [(type(b).__name__, getattr(b, "elem_id", None), t) for b in app.blocks.values() for t in shown_texts(b)
            if english_words(t)]
    assert left == []


def test_switching_to_chinese_relabels_every_widget_that_shows_words(tmp_path):
    app, _ = build(tmp_path, "en")
    relabel = next(fn for fn in app.fns.values() if fn.name == "updates")
    updates = relabel.fn("zh")
    assert len(updates) == len(relabel.outputs)
    left = [t for u in updates for t in update_texts(u) if english_words(t)]
    assert left == []
    after = [fn for fn in app.fns.values() if fn.trigger_after == relabel._id]  # the statuses said again
    relabelled = {id(w) for fn in (relabel, *after) for w in fn.outputs}
    fixed = [(type(b).__name__, t) for b in app.blocks.values() if id(b) not in relabelled
             for t in shown_texts(b) if english_words(t)]
    assert fixed == []  # everything in words is relabelled (nothing is left in the language the app was built in)


def test_every_handler_gets_the_pages_language(tmp_path):
    app, _ = build(tmp_path, "en")
    language = control(app)
    own = {"updates", "open_page", "end_session"}  # the switch itself, the page opening, the page closing
    for fn in app.fns.values():
        if fn.name not in own:
            assert fn.inputs and fn.inputs[0] is language, fn.name


# ----- statuses and errors at run time ------------------------------------------------------------------------


def test_a_new_page_says_its_statuses_in_chinese(tmp_path):
    app, _ = build(tmp_path, "zh")
    texts = []
    for fn in app.fns.values():
        if any(event == "load" for _, event in fn.targets) and fn.name in ("refresh", "show_status"):
            out = fn.fn("zh", "v2" if fn.name == "show_status" else None)
            texts += [v for v, widget in zip(out, fn.outputs, strict=True) if isinstance(widget, gr.Markdown)]
            if fn.name == "show_status":  # the models' table, but for the file names
                texts += [cell for row in out[1] for cell in row[1:]]
    assert "尚未选择声音：在上方输入名称并点 *创建声音*。" in texts and "尚未渲染。" in texts
    assert any("缺失或无法使用" in t for t in texts) and any("未下载（约" in t for t in texts)
    assert [t for t in texts if english_words(t)] == []


def test_one_page_in_chinese_and_one_in_english(tmp_path, shown):
    app, services = build(tmp_path, "en")
    synthesize = handler(app, "do_synthesize")
    values = ["", "auto", 15, 1.0, 1.0, 1.35, 1.0, -1, "auto", 1.0]  # empty text
    for language in ("zh", "en", "zh"):
        assert list(synthesize(language, None, None, None, None, "auto", None, "", "auto", *values)) == [gr.skip()]
    assert shown == [("无法执行", "要合成的文本是空的。"), ("Cannot do that", "The text to speak is empty."),
                     ("无法执行", "要合成的文本是空的。")]
    create = handler(app, "do_create")
    create("zh", "Anna")
    assert shown[-1] == ("", "已创建声音“Anna”。下一步：确认授权并添加录音。")
    create("en", "Anna")
    assert shown[-1] == ("Cannot do that", "A voice named 'Anna' already exists.")
    create("zh", "../escape")
    assert shown[-1][1].startswith("“../escape”不能用作声音名称")
    assert services.settings.ui_language == "en"  # a page's switch is its own until saved


def test_audiobook_statuses_in_chinese(tmp_path, shown):
    from gpt_sovits.books.render import RenderProgress
    from gpt_sovits.ui.books import render_summary

    app, _ = build(tmp_path, "zh")
    control_fn = handler(app, "control")
    assert control_fn("zh", "pause") == gr.skip() and shown[-1] == ("错误", "当前没有正在进行的渲染。")
    handler(app, "do_import")("zh", "", None, "", None, None)
    assert shown[-1] == ("无法执行", "请先给这本书起个名字。")  # a StudioError of the book desk
    notes, *_ = handler(app, "do_import")("zh", "story", None, "# 故事\n\n## 第一章\n\n太阳升起来了。", None, None)
    assert re.fullmatch(r"- 已导入 \d+ 个章节，共 \d+ 句。", notes)
    progress = RenderProgress(total=4, done=2, rendered=2, compute_s=4.0, audio_s=2.0)
    with in_language("zh"):
        assert render_summary(progress) == "2/4 句（本次渲染 2 句，之前已完成 0 句），实时率 2.00，约剩 4 秒 — 渲染中"
    assert render_summary(progress) == progress.summary()  # English: exactly what the CLI says


def test_common_errors_from_deeper_layers_in_chinese(tmp_path):
    from gpt_sovits import pretrained
    from gpt_sovits.audio.io import load_audio
    from gpt_sovits.errors import ModelNotFoundError, StudioError, TextError
    from gpt_sovits.inference.jobs import JobCancelled, JobQueue, QueueFullError
    from gpt_sovits.inference.request import SynthesisRequest
    from gpt_sovits.text.frontend import NOTHING_TO_SPEAK

    def caught(fn):
        try:
            fn()
        except StudioError as e:
            return e
        raise AssertionError("no error")

    silent, empty = tmp_path / "录音.wav", tmp_path / "empty.wav"
    sf.write(silent, np.zeros(16000, np.float32), 16000)
    empty.write_bytes(b"")
    request = SynthesisRequest(text="你" * 20001, ref_audio=tmp_path, language="zh")
    full = JobQueue(depth=0)
    errors = {
        "silent": caught(lambda: load_audio(silent)),
        "empty": caught(lambda: load_audio(empty)),
        "long": caught(request.validate),
        "weights": caught(lambda: pretrained.asset_file(tmp_path, "v2", "GPT")),
        "queue": caught(lambda: full.submit(print)),
    }
    assert isinstance(errors["queue"], QueueFullError) and isinstance(errors["weights"], ModelNotFoundError)
    chinese = {name: error_text(e, "zh") for name, e in errors.items()}
    assert chinese["silent"].startswith("录音.wav 没有声音（最响的采样只有")
    assert chinese["empty"] == "音频文件 empty.wav 是空的（0 字节），可能还没有复制完。"
    assert chinese["long"].startswith("文本有 20001 个字符，一次合成最多 20000 个。")
    assert chinese["weights"].startswith("缺少 v2 版本的文件：GPT（文本转语义 token）（")
    assert chinese["queue"].startswith("服务器正忙（已有 0 个请求在排队）")
    assert error_text(TextError(NOTHING_TO_SPEAK), "zh") == "没有可朗读的内容：文本里只有标点、符号或表情，没有字词。"
    assert error_text(JobCancelled("synthesis was cancelled."), "zh") == "任务已取消。"
    assert error_text(TextError("Some new problem."), "zh") == "文本无法朗读：Some new problem."  # kind, then detail
    for name, e in errors.items():
        assert error_text(e, "en") == str(e), name
        assert not english_words(chinese[name].split("（")[0]), name


def test_take_checks_and_book_flags_in_chinese():
    from gpt_sovits.qc import check_take
    from gpt_sovits.qc.report import REASONS
    from gpt_sovits.ui.qc_text import check_label, check_rows, flag_text

    report = check_take(np.zeros(32000, np.float32), 32000, phones=12)
    with in_language("zh"):
        rows = check_rows(report)
        label = check_label(report, takes=3)
        flag = flag_text(report.to_dict(), report.summary())
    assert [t for row in rows for t in row if english_words(t)] == []
    assert label == "⚠️ 音频里没有声音（共生成 3 个版本）" and flag == "音频里没有声音"
    assert check_rows(report) == report.rows() and check_label(report, 3) == "⚠️ the take is silent (3 takes)"
    assert all(localize(REASONS[r], "zh") == STRINGS[f"chk_reason_{r}"][1] for r in REASONS)
    assert localize("The line did not end naturally and was cut.", "zh") == "这一句没有自然结束，已被截断。"


def test_the_language_belongs_to_the_page_not_the_app():
    tr = Translator("en")
    tr.updates("zh")
    assert tr.language == "en" and tr.t("text") == "Text to speak"
    with in_language("zh"):
        assert tr.t("text") == "要合成的文本" and tr.current == "zh"


# ----- issue 14 item 1: a closed or reloaded page cancels its jobs ----------------------------------------------


def test_closing_a_page_cancels_its_synthesis_and_no_other(tmp_path):
    app, services = build(tmp_path, "en")
    jobs = {}
    for page in ("page-a", "page-b"):  # a synthesis running for each of two pages
        job = jobs[page] = SimpleNamespace(cancelled=False)
        job.cancel = lambda job=job: setattr(job, "cancelled", True)
        services.synthesis._remember_job(page, job)
    end_session = next(fn.fn for fn in app.fns.values() if any(event == "unload" for _, event in fn.targets))
    end_session(SimpleNamespace(session_hash="page-a"))
    assert jobs["page-a"].cancelled and not jobs["page-b"].cancelled
    assert not services.synthesis.stop("page-a") and services.synthesis.stop("page-b")  # only b was still running
