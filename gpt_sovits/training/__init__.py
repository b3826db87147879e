"""Fine-tuning of SoVITS and the GPT on a voice's prepared dataset, with resumable checkpoints and jobs.

Heavy modules are imported by the functions that need them; importing this package loads no model.
"""

from __future__ import annotations

from gpt_sovits.training.options import TrainingError, TrainingOptions

__all__ = ["TrainingError", "TrainingOptions", "train_gpt", "train_sovits"]


def train_sovits(*args, **kwargs):
    """See :func:`gpt_sovits.training.run.train_sovits`."""
    from gpt_sovits.training.run import train_sovits as run

    return run(*args, **kwargs)


def train_gpt(*args, **kwargs):
    """See :func:`gpt_sovits.training.run.train_gpt`."""
    from gpt_sovits.training.run import train_gpt as run

    return run(*args, **kwargs)
