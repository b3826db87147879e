"""The Audiobook tab: import a book, edit chapters, render in the background, review line by line.

The work is done by gpt_sovits.books (through ui.books.BookDesk); handlers turn widgets into calls
and books into tables. The Export panel (issue 19, ui/tabs/book_export.py) sits at the end.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from gpt_sovits.errors import StudioError
from gpt_sovits.ui.books import BookDesk
from gpt_sovits.ui.common import guarded

LINE_HEADERS = ["#", "Status", "Seconds", "Text", "Why flagged"]
CHAPTER_HEADERS = ["#", "Chapter", "Lines", "With a take", "Flagged", "Excluded"]
CHAPTER_ACTIONS = ("rename", "merge with next", "split at line", "exclude", "include", "move to position")
LANGUAGES = ("auto", "en", "zh")


def chapter_rows(project) -> list[list]:
    rows = []
    for number, ch in enumerate(project.book.chapters, start=1):
        done = sum(1 for ln in ch.lines if ln.take)
        flagged = sum(1 for ln in ch.lines if ln.status == "flagged")
        rows.append([number, ch.title, len(ch.lines), done, flagged, "yes" if ch.excluded else ""])
    return rows


def line_rows(project, chapter_id: str | None, flagged_only: bool) -> list[list]:
    if not chapter_id:
        return []
    chapter = project.book.chapter(chapter_id)
    return [[i, ln.status, round(ln.duration_s, 2), ln.text, ln.flag_reason]
            for i, ln in enumerate(chapter.lines, start=1) if not flagged_only or ln.status == "flagged"]


def chapter_choices(project) -> list[tuple[str, str]]:
    return [(f"{i}. {c.title}", c.id) for i, c in enumerate(project.book.chapters, start=1)]


def _line(project, chapter_id: str | None, number) -> object:
    if not chapter_id:
        raise StudioError("Choose a chapter first.")
    chapter = project.book.chapter(chapter_id)
    if number is None or not 1 <= int(number) <= len(chapter.lines):
        raise StudioError(f"Choose a line from 1 to {len(chapter.lines)}.")
    return chapter.lines[int(number) - 1]


def build_audiobook_tab(services, tr, voice: gr.Dropdown):
    """Build the tab; returns (refresh function, its outputs) like the other tabs."""
    desk = BookDesk(services)
    books = desk.store.list_books()
    with gr.Row():
        book = gr.Dropdown(books, value=books[0] if books else None, label="Book", elem_id="book-select", scale=3)
        new_name = gr.Textbox(label="New book name", elem_id="book-new-name", scale=2)
    with gr.Accordion("Import a book", open=not books):
        with gr.Row():
            upload = gr.File(label="Book file (.txt, .md, .epub)", file_types=[".txt", ".md", ".epub"],
                             type="filepath", elem_id="book-file")
            pasted = gr.Textbox(label="…or paste the text", lines=6, elem_id="book-paste")
        import_button = gr.Button("Import", variant="primary", elem_id="book-import")
    notes = gr.Markdown(elem_id="book-notes")
    with gr.Row():
        title = gr.Textbox(label="Title", elem_id="book-title")
        author = gr.Textbox(label="Author", elem_id="book-author")
        narrator = gr.Textbox(label="Narrator (credit)", elem_id="book-narrator")
        language = gr.Dropdown(list(LANGUAGES), value="auto", label="Language", elem_id="book-language")
        narrator_voice = gr.Dropdown(services.voice_names(), label="Narrator voice", elem_id="book-voice",
                                     allow_custom_value=True)
        cover = gr.File(label="Cover (.jpg, .png)", file_types=[".jpg", ".jpeg", ".png"], type="filepath",
                        elem_id="book-cover")
        save_meta = gr.Button("Save book details", elem_id="book-save")
    chapters = gr.Dataframe(headers=CHAPTER_HEADERS, interactive=False, label="Chapters", elem_id="book-chapters")
    with gr.Row():
        chapter = gr.Dropdown([], label="Chapter", elem_id="book-chapter", scale=3)
        action = gr.Dropdown(list(CHAPTER_ACTIONS), value="rename", label="Change the chapter", scale=2)
        action_arg = gr.Textbox(label="New title / line / position", scale=2)
        quote_voice = gr.Dropdown([""] + services.voice_names(), value="", label="Voice for quoted speech",
                                  allow_custom_value=True, scale=2)
        apply_action = gr.Button("Apply", scale=1)
    with gr.Row():
        render_chapter = gr.Button("Render this chapter", variant="primary", elem_id="book-render-chapter")
        render_book = gr.Button("Render the whole book", elem_id="book-render-all")
        pause = gr.Button("Pause", elem_id="book-pause")
        resume = gr.Button("Resume", elem_id="book-resume")
        cancel = gr.Button("Cancel", variant="stop", elem_id="book-cancel")
    progress = gr.Markdown("No render yet.", elem_id="book-progress")
    timer = gr.Timer(1.0, active=False)
    flagged_only = gr.Checkbox(label="Only flagged lines", elem_id="book-flagged-only")
    lines = gr.Dataframe(headers=LINE_HEADERS, interactive=False, label="Lines", elem_id="book-lines", wrap=True)
    with gr.Row():
        line_no = gr.Number(label="Line #", precision=0, minimum=1, elem_id="line-number", scale=1)
        line_text = gr.Textbox(label="Line text", elem_id="line-text", scale=4)
        takes = gr.Dropdown([], label="Takes", elem_id="line-takes", scale=2)
        line_voice = gr.Dropdown([""] + services.voice_names(), value="", label="Voice for this line",
                                 allow_custom_value=True, elem_id="line-voice", scale=2)
    with gr.Row():
        play = gr.Button("Play", elem_id="line-play")
        rerender = gr.Button("Save text and re-render", elem_id="line-rerender")
        reroll = gr.Button("Re-roll (new seed)", elem_id="line-reroll")
        keep = gr.Button("Keep this take", elem_id="line-keep")
        approve = gr.Button("Approve", elem_id="line-approve")
    line_audio = gr.Audio(label="Line take", type="filepath", interactive=False, elem_id="line-audio")
    line_status = gr.Markdown(elem_id="line-status")

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
    def do_import(name, file, text, chosen_voice, current_voice):
        result = desk.import_book(name, file, text, chosen_voice or current_voice)
        names = desk.store.list_books()
        return ["\n".join(f"- {n}" for n in result), gr.update(choices=names, value=name.strip()),
                *show(name.strip())]

    @guarded
    def do_save(name, t, a, n, lang, v, image):
        project = desk.project(name)
        project.set_metadata(title=t or "", author=a or "", narrator=n or "", language=lang, narrator_voice=v or "")
        if image:
            project.set_cover(Path(image))
        return "Saved the book details."

    @guarded
    def do_action(name, chapter_id, what, arg, quotes, only_flagged):
        project = desk.project(name)
        if not chapter_id:
            raise StudioError("Choose a chapter first.")
        arg = (arg or "").strip()
        if what == "rename":
            project.rename_chapter(chapter_id, arg)
        elif what == "merge with next":
            project.merge_with_next(chapter_id)
        elif what in ("exclude", "include"):
            project.exclude_chapter(chapter_id, what == "exclude")
        elif what in ("split at line", "move to position"):
            if not arg.isdigit():
                raise StudioError("Give a line number or a position as a whole number.")
            (project.split_chapter(chapter_id, int(arg), f"{project.book.chapter(chapter_id).title} (2)")
             if what == "split at line" else project.move_chapter(chapter_id, int(arg)))
        project.set_chapter_voices(chapter_id, quote_voice=quotes or "")
        return show(name, chapter_id, only_flagged)

    @guarded
    def do_render(name, chapter_id, whole):
        text = desk.start_render(name, None if whole else [chapter_id] if chapter_id else None)
        return text, gr.Timer(active=True)

    def tick(name, chapter_id, only_flagged):
        active = desk.running
        rows = line_rows(desk.project(name), chapter_id, only_flagged) if name and chapter_id else []
        ch_rows = chapter_rows(desk.project(name)) if name else []
        return desk.progress_text(), rows, ch_rows, gr.Timer(active=active)

    @guarded
    def control(what):
        if desk.job is None:
            raise StudioError("No render is running.")
        getattr(desk.job, what)()
        return desk.progress_text()

    def line_view(name, chapter_id, number):
        project = desk.project(name)
        line = _line(project, chapter_id, number)
        path = project.takes.wav_path(line.take) if line.take and project.takes.has(line.take) else None
        options = [(f"take {i + 1} (seed {project.takes.info(k).seed})", k)
                   for i, k in enumerate([*line.takes, *([line.take] if line.take else [])]) if project.takes.has(k)]
        status = f"Line {int(number)}: **{line.status}**" + (f" — {line.flag_reason}" if line.flag_reason else "")
        return (line.text, str(path) if path else None, gr.update(choices=options, value=line.take or None), status,
                line.voice)

    @guarded
    def do_play(name, chapter_id, number):
        return line_view(name, chapter_id, number)

    @guarded
    def do_rerender(name, chapter_id, number, text, only_flagged, chosen_voice="", reroll_seed=False):
        project = desk.project(name)
        line = _line(project, chapter_id, number)
        if (chosen_voice or "") != line.voice:
            project.set_line_voice(line.id, chosen_voice or "")
        if reroll_seed:
            project.reroll(line.id)
        else:
            project.edit_line(line.id, text or "")
        desk.render_lines_now(name, [line.id])
        return (*line_view(name, chapter_id, number), line_rows(project, chapter_id, only_flagged))

    @guarded
    def do_reroll(name, chapter_id, number, text, only_flagged, chosen_voice):
        return do_rerender(name, chapter_id, number, text, only_flagged, chosen_voice, reroll_seed=True)

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

    line_out = [line_text, line_audio, takes, line_status, line_voice]
    import_button.click(do_import, [new_name, upload, pasted, narrator_voice, voice], [notes, book, *view])
    book.change(guarded(show), [book], view)
    chapter.change(guarded(lambda n, c, f: line_rows(desk.project(n), c, f) if n else []),
                   [book, chapter, flagged_only], lines)
    flagged_only.change(guarded(lambda n, c, f: line_rows(desk.project(n), c, f) if n else []),
                        [book, chapter, flagged_only], lines)
    save_meta.click(do_save, [book, title, author, narrator, language, narrator_voice, cover], notes)
    apply_action.click(do_action, [book, chapter, action, action_arg, quote_voice, flagged_only], view)
    render_chapter.click(do_render, [book, chapter, gr.State(False)], [progress, timer])
    render_book.click(do_render, [book, chapter, gr.State(True)], [progress, timer])
    timer.tick(guarded(tick), [book, chapter, flagged_only], [progress, lines, chapters, timer])
    for button, what in ((pause, "pause"), (resume, "resume"), (cancel, "cancel")):
        button.click(control, gr.State(what), progress)
    play.click(do_play, [book, chapter, line_no], line_out)
    rerender.click(do_rerender, [book, chapter, line_no, line_text, flagged_only, line_voice], [*line_out, lines])
    reroll.click(do_reroll, [book, chapter, line_no, line_text, flagged_only, line_voice], [*line_out, lines])
    keep.click(do_keep, [book, chapter, line_no, takes, flagged_only], [*line_out, lines])
    approve.click(do_approve, [book, chapter, line_no, flagged_only], [*line_out, lines])

    def refresh(_voice):
        names = services.voice_names()
        return gr.update(choices=names), gr.update(choices=[""] + names), gr.update(choices=[""] + names)

    return refresh, [narrator_voice, quote_voice, line_voice]
