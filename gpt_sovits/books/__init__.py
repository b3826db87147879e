"""Audiobook projects: import a book, cut it into lines, cast voices, render takes, review them.

Modules: ``model`` (the project's data), ``importing``/``epub`` (book files to chapters),
``lines`` (chapters to lines), ``project`` (folders and edits), ``voices`` (workspace voices),
``takes`` (the content-addressed take store), ``render`` (rendering lines through the engine).
"""
