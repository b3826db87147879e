"""What the command line's modules share: default folders and how a line reaches the user.

``cli.py`` builds the parser from ``*/commands.py``; those modules import this one, never ``cli``,
so the command-line modules form no import cycle.
"""

from __future__ import annotations

import sys

from gpt_sovits.config import PROJECT_ROOT

DEFAULT_PRETRAINED = PROJECT_ROOT / "pretrained"
DEFAULT_WORKSPACE = PROJECT_ROOT / "workspace"


def out(text: str) -> None:
    """Write one line for the user to stdout (results, not log messages)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
