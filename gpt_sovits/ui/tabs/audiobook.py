"""The Audiobook tab: import a book, edit chapters, render in the background, review line by line.

The work is done by gpt_sovits.books (through ui.books.BookDesk); handlers turn widgets into calls
and books into tables. The Export panel (issue 19, ui/tabs/book_export.py) sits at the end.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from gpt_sovits.ui.books import BookDesk, line_status
from gpt_sovits.ui.common import guarded
from gpt_sovits.ui.i18n import text
from gpt_sovits.ui.qc_text import flag_text

# (key, value) choices
CHAPTER_ACTIONS = [("action_rename", "rename"), ("action_merge", "merge with next"), ("action_split", "split at line"),
                   ("action_exclude", "exclude"), ("action_include", "include"), ("action_move", "move to position")]
LANGUAGES = [("textlang_auto", "auto"), ("textlang_en", "en"), ("textlang_zh", "zh")]


def chapter_rows(project) -> list[list]:
    rows = []
    for number, ch in enumerate(project.book.chapters, start=1):
        done = sum(1 for ln in ch.lines if ln.take)
        flagged = sum(1 for ln in ch.lines if ln.status == "flagged")
        rows.append([number, ch.title, len(ch.lines), done, flagged, text("yes") if ch.excluded else ""])
    return rows


def line_rows(project, chapter_id: str | None, flagged_only: bool) -> list[list]:
    if not chapter_id:
        return []
    chapter = project.book.chapter(chapter_id)
    return [[i, line_status(ln.status), round(ln.duration_s, 2), ln.text, flag_text(ln.checks, ln.flag_reason)]
            for i, ln in enumerate(chapter.lines, start=1) if not flagged_only or ln.status == "flagged"]


def chapter_choices(project) -> list[tuple[str, str]]:
    return [(f"{i}. {c.title}", c.id) for i, c in enumerate(project.book.chapters, start=1)]


def _line(project, chapter_id: str | None, number) -> object:
    if not chapter_id:
        raise gr.Error(text("ab_choose_chapter"))
    chapter = project.book.chapter(chapter_id)
    if number is None or not 1 <= int(number) <= len(chapter.lines):
        raise gr.Error(text("ab_choose_line", n=len(chapter.lines)))
    return chapter.lines[int(number) - 1]


def build_audiobook_tab(services, tr, voice: gr.Dropdown):
    """Build the tab; returns (refresh function, its outputs) like the other tabs."""
    desk = BookDesk(services)
    books = desk.store.list_books()
    with gr.Row():
        book = tr.reg(gr.Dropdown(books, value=books[0] if books else None, label=tr.t("book"), elem_id="book-select",
                                  scale=3), "book")
        new_name = tr.reg(gr.Textbox(label=tr.t("book_new_name"), elem_id="book-new-name", scale=2), "book_new_name")
    with tr.reg(gr.Accordion(tr.t("book_import_title"), open=not books), "book_import_title"):
        with gr.Row():
            upload = tr.reg(gr.File(label=tr.t("book_file"), file_types=[".txt", ".md", ".epub"], type="filepath",
                                    elem_id="book-file"), "book_file")
            pasted = tr.reg(gr.Textbox(label=tr.t("book_paste"), lines=6, elem_id="book-paste"), "book_paste")
        import_button = tr.reg(gr.Button(tr.t("book_import"), variant="primary", elem_id="book-import"),
                               "book_import", "value")
    notes = gr.Markdown(elem_id="book-notes")
    with gr.Row():
        title = tr.reg(gr.Textbox(label=tr.t("book_title"), elem_id="book-title"), "book_title")
        author = tr.reg(gr.Textbox(label=tr.t("book_author"), elem_id="book-author"), "book_author")
        narrator = tr.reg(gr.Textbox(label=tr.t("book_narrator"), elem_id="book-narrator"), "book_narrator")
        language = tr.reg(gr.Dropdown(tr.choices(LANGUAGES), value="auto", label=tr.t("book_language"),
                                      elem_id="book-language"), "book_language", choices=LANGUAGES)
        narrator_voice = tr.reg(gr.Dropdown(services.voice_names(), label=tr.t("book_voice"), elem_id="book-voice",
                                            allow_custom_value=True), "book_voice")
        cover = tr.reg(gr.File(label=tr.t("book_cover"), file_types=[".jpg", ".jpeg", ".png"], type="filepath",
                               elem_id="book-cover"), "book_cover")
        save_meta = tr.reg(gr.Button(tr.t("book_save"), elem_id="book-save"), "book_save", "value")
    chapters = tr.reg(gr.Dataframe(headers=tr.headers("h_book_chapters"), interactive=False, label=tr.t("chapters"),
                                   elem_id="book-chapters"), "chapters", headers="h_book_chapters")
    with gr.Row():
        chapter = tr.reg(gr.Dropdown([], label=tr.t("chapter"), elem_id="book-chapter", scale=3), "chapter")
        action = tr.reg(gr.Dropdown(tr.choices(CHAPTER_ACTIONS), value="rename", label=tr.t("chapter_action"), scale=2),
                        "chapter_action", choices=CHAPTER_ACTIONS)
        action_arg = tr.reg(gr.Textbox(label=tr.t("chapter_action_arg"), scale=2), "chapter_action_arg")
        quote_voice = tr.reg(gr.Dropdown([""] + services.voice_names(), value="", label=tr.t("quote_voice"),
                                         allow_custom_value=True, scale=2), "quote_voice")
        apply_action = tr.reg(gr.Button(tr.t("apply"), scale=1), "apply", "value")
    with gr.Row():
        render_chapter = tr.reg(gr.Button(tr.t("render_chapter"), variant="primary", elem_id="book-render-chapter"),
                                "render_chapter", "value")
        render_book = tr.reg(gr.Button(tr.t("render_book"), elem_id="book-render-all"), "render_book", "value")
        pause = tr.reg(gr.Button(tr.t("pause"), elem_id="book-pause"), "pause", "value")
        resume = tr.reg(gr.Button(tr.t("resume"), elem_id="book-resume"), "resume", "value")
        cancel = tr.reg(gr.Button(tr.t("book_cancel"), variant="stop", elem_id="book-cancel"), "book_cancel", "value")
    progress = gr.Markdown(tr.t("no_render"), elem_id="book-progress")
    timer = gr.Timer(1.0, active=False)
    flagged_only = tr.reg(gr.Checkbox(label=tr.t("flagged_only"), elem_id="book-flagged-only"), "flagged_only")
    lines = tr.reg(gr.Dataframe(headers=tr.headers("h_book_lines"), interactive=False, label=tr.t("lines"),
                                elem_id="book-lines", wrap=True), "lines", headers="h_book_lines")
    with gr.Row():
        line_no = tr.reg(gr.Number(1, label=tr.t("line_number"), precision=0, minimum=1, elem_id="line-number", scale=1),
                         "line_number")
        line_text = tr.reg(gr.Textbox(label=tr.t("line_text"), elem_id="line-text", scale=4), "line_text")
        takes = tr.reg(gr.Dropdown([], label=tr.t("takes"), elem_id="line-takes", scale=2), "takes")
        line_voice = tr.reg(gr.Dropdown([""] + services.voice_names(), value="", label=tr.t("line_voice"),
                                        allow_custom_value=True, elem_id="line-voice", scale=2), "line_voice")
    with gr.Row():
        play = tr.reg(gr.Button(tr.t("play"), elem_id="line-play"), "play", "value")
        rerender = tr.reg(gr.Button(tr.t("line_rerender"), elem_id="line-rerender"), "line_rerender", "value")
        reroll = tr.reg(gr.Button(tr.t("line_reroll"), elem_id="line-reroll"), "line_reroll", "value")
        keep = tr.reg(gr.Button(tr.t("line_keep"), elem_id="line-keep"), "line_keep", "value")
        approve = tr.reg(gr.Button(tr.t("line_approve"), elem_id="line-approve"), "line_approve", "value")
    line_audio = tr.reg(gr.Audio(label=tr.t("line_take"), type="filepath", interactive=False, elem_id="line-audio"),
                        "line_take")
    line_status_md = gr.Markdown(elem_id="line-status")

    # ----- Export panel (issue 19): formats, loudness target, report, files ---------------------
    from gpt_sovits.ui.tabs.book_export import build_export_panel

    build_export_panel(services, tr, book)

    view = [title, author, narrator, language, narrator_voice, chapters, chapter, lines]

    def show(name, chapter_id=None, only_flagged=False):
        if not name:
            return [gr.update()] * 5 + [[], gr.update(choices=[], value=None), []]
        project = desk.project(name)
        b = project.book
        choices = chapter_choices(project)
        ids = [v for _, v in choices]
        chapter_id = chapter_id if chapter_id in ids else (ids[0] if ids else None)
        return [b.title, b.author, b.narrator, b.language, gr.update(value=b.narrator_voice or None),
                chapter_rows(project), gr.update(choices=choices, value=chapter_id),
                line_rows(project, chapter_id, only_flagged)]

    @guarded
    def do_import(name, file, words, chosen_voice, current_voice):
        result = desk.import_book(name, file, words, chosen_voice or current_voice)
        names = desk.store.list_books()
        return ["\n".join(f"- {tr.message(n)}" for n in result), gr.update(choices=names, value=name.strip()),
                *show(name.strip())]

    @guarded
    def do_save(name, t, a, n, lang, v, image):
        project = desk.project(name)
        project.set_metadata(title=t or "", author=a or "", narrator=n or "", language=lang, narrator_voice=v or "")
        if image:
            project.set_cover(Path(image))
        return tr.t("ab_saved_details")

    @guarded
    def do_action(name, chapter_id, what, arg, quotes, only_flagged):
        project = desk.project(name)
        if not chapter_id:
            raise gr.Error(tr.t("ab_choose_chapter"))
        arg = (arg or "").strip()
        if what == "rename":
            project.rename_chapter(chapter_id, arg)
        elif what == "merge with next":
            project.merge_with_next(chapter_id)
        elif what in ("exclude", "include"):
            project.exclude_chapter(chapter_id, what == "exclude")
        elif what in ("split at line", "move to position"):
            if not arg.isdigit():
                raise gr.Error(tr.t("ab_whole_number"))
            (project.split_chapter(chapter_id, int(arg), f"{project.book.chapter(chapter_id).title} (2)")
             if what == "split at line" else project.move_chapter(chapter_id, int(arg)))
        project.set_chapter_voices(chapter_id, quote_voice=quotes or "")
        return show(name, chapter_id, only_flagged)

    @guarded
    def do_render(name, chapter_id, whole):
        started = desk.start_render(name, None if whole else [chapter_id] if chapter_id else None)
        return started, gr.Timer(active=True)

    def tick(name, chapter_id, only_flagged):
        active = desk.running
        rows = line_rows(desk.project(name), chapter_id, only_flagged) if name and chapter_id else []
        ch_rows = chapter_rows(desk.project(name)) if name else []
        return desk.progress_text(), rows, ch_rows, gr.Timer(active=active)

    @guarded
    def control(what):
        if desk.job is None:
            raise gr.Error(tr.t("ab_no_render_running"))
        getattr(desk.job, what)()
        return desk.progress_text()

    def line_view(name, chapter_id, number):
        project = desk.project(name)
        line = _line(project, chapter_id, number)
        path = project.takes.wav_path(line.take) if line.take and project.takes.has(line.take) else None
        options = [(tr.t("ab_take", n=i + 1, seed=project.takes.info(k).seed), k)
                   for i, k in enumerate([*line.takes, *([line.take] if line.take else [])]) if project.takes.has(k)]
        why = flag_text(line.checks, line.flag_reason)
        status = tr.t("ab_line_status", n=int(number), status=line_status(line.status)) + (f" — {why}" if why else "")
        return (line.text, str(path) if path else None, gr.update(choices=options, value=line.take or None), status,
                line.voice)

    @guarded
    def do_play(name, chapter_id, number):
        return line_view(name, chapter_id, number)

    @guarded
    def do_rerender(name, chapter_id, number, words, only_flagged, chosen_voice="", reroll_seed=False):
        project = desk.project(name)
        line = _line(project, chapter_id, number)
        if (chosen_voice or "") != line.voice:
            project.set_line_voice(line.id, chosen_voice or "")
        if reroll_seed:
            project.reroll(line.id)
        else:
            project.edit_line(line.id, words or "")
        desk.render_lines_now(name, [line.id])
        return (*line_view(name, chapter_id, number), line_rows(project, chapter_id, only_flagged))

    @guarded
    def do_reroll(name, chapter_id, number, words, only_flagged, chosen_voice):
        return do_rerender(name, chapter_id, number, words, only_flagged, chosen_voice, reroll_seed=True)

    @guarded
    def do_keep(name, chapter_id, number, key, only_flagged):
        project = desk.project(name)
        line = _line(project, chapter_id, number)
        if key and key != line.take:
            project.choose_take(line.id, key)
        return (*line_view(name, chapter_id, number), line_rows(project, chapter_id, only_flagged))

    @guarded
    def do_approve(name, chapter_id, number, only_flagged):
        project = desk.project(name)
        project.approve(_line(project, chapter_id, number).id)
        return (*line_view(name, chapter_id, number), line_rows(project, chapter_id, only_flagged))

    line_out = [line_text, line_audio, takes, line_status_md, line_voice]
    @guarded
    def show_lines(name, chapter_id, only_flagged):
        return line_rows(desk.project(name), chapter_id, only_flagged) if name else []

    tr.listen(import_button.click, do_import, [new_name, upload, pasted, narrator_voice, voice], [notes, book, *view])
    tr.listen(book.change, guarded(show), [book], view)
    tr.listen(chapter.change, show_lines, [book, chapter, flagged_only], lines)
    tr.listen(flagged_only.change, show_lines, [book, chapter, flagged_only], lines)
    tr.listen(save_meta.click, do_save, [book, title, author, narrator, language, narrator_voice, cover], notes)
    tr.listen(apply_action.click, do_action, [book, chapter, action, action_arg, quote_voice, flagged_only], view)
    tr.listen(render_chapter.click, do_render, [book, chapter, gr.State(False)], [progress, timer])
    tr.listen(render_book.click, do_render, [book, chapter, gr.State(True)], [progress, timer])
    tr.listen(timer.tick, guarded(tick), [book, chapter, flagged_only], [progress, lines, chapters, timer])
    for button, what in ((pause, "pause"), (resume, "resume"), (cancel, "cancel")):
        tr.listen(button.click, control, gr.State(what), progress)
    tr.listen(play.click, do_play, [book, chapter, line_no], line_out)
    tr.listen(rerender.click, do_rerender, [book, chapter, line_no, line_text, flagged_only, line_voice],
              [*line_out, lines])
    tr.listen(reroll.click, do_reroll, [book, chapter, line_no, line_text, flagged_only, line_voice],
              [*line_out, lines])
    tr.listen(keep.click, do_keep, [book, chapter, line_no, takes, flagged_only], [*line_out, lines])
    tr.listen(approve.click, do_approve, [book, chapter, line_no, flagged_only], [*line_out, lines])

    def refresh(_voice):
        names = services.voice_names()
        return (gr.update(choices=names), gr.update(choices=[""] + names), gr.update(choices=[""] + names),
                desk.progress_text())

    return refresh, [narrator_voice, quote_voice, line_voice, progress]
