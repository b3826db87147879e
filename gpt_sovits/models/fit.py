"""Loading a file's weights into a model built from its config, with a short message when they do not fit."""

from __future__ import annotations

import torch

from gpt_sovits.errors import CheckpointError

_SHOWN = 2


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def weight_mismatch(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> str:
    """What keeps ``weights`` from loading into ``model`` in a few words ("" when they fit)."""
    expected = model.state_dict()
    problems = []
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    if missing:
        problems.append(f"{len(missing)} weights missing ({_some(missing)})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected weights ({_some(unexpected)})")
    wrong = [k for k, v in weights.items()
             if k in expected and (not isinstance(v, torch.Tensor) or tuple(v.shape) != tuple(expected[k].shape))]
    if wrong:
        first = wrong[0]
        found = tuple(weights[first].shape) if isinstance(weights[first], torch.Tensor) else type(weights[first]).__name__
        problems.append(f"{len(wrong)} weights of the wrong shape ({first}: {found} in the file, "
                        f"{tuple(expected[first].shape)} expected)")
    return "; ".join(problems)


def load_strict(model: torch.nn.Module, weights: dict[str, torch.Tensor], name: str, what: str,
                assign: bool = False) -> None:
    """Load ``weights`` (floats as float32) into ``model``; CheckpointError naming the file when they do not fit."""
    problem = weight_mismatch(model, weights)
    if problem:
        raise CheckpointError(f"{name}: the weights do not match the {what} its config describes: {problem}.")
    floats = {k: v.float() if v.is_floating_point() else v for k, v in weights.items()}
    try:
        model.load_state_dict(floats, strict=True, assign=assign)
    except RuntimeError as e:  # e.g. a dtype that cannot be copied; the key and shape checks passed
        raise CheckpointError(f"{name}: the weights cannot be loaded into the {what}.") from e
