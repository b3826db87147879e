"""Lenient field types for the API's pydantic request models, and their errors in our words.

Upstream's clients send booleans as "true"/"True"/"1" (and "ture"), numbers as strings, empty values
as "" (meaning: the default). These types accept all of that, and refuse what would hide a mistake:
a list where one value is expected, a word where a number is expected. Each refusal is a sentence
naming the field; :func:`problems` turns a ValidationError into those sentences.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError, PydanticUseDefault

TRUE_WORDS = {"true", "1", "yes", "on", "ture", "t", "y"}  # "ture": a typo some clients really send
FALSE_WORDS = {"false", "0", "no", "off", "none", "null", "f", "n", "flase"}


def refuse(message: str) -> PydanticCustomError:
    """A validation error whose message is ``message`` exactly (braces in it are not a template)."""
    return PydanticCustomError("studio", "{message}", {"message": message})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _one_value(value: Any, name: str) -> Any:
    if isinstance(value, (list, tuple, dict, set)):
        kind = "an object" if isinstance(value, dict) else "a list"
        raise refuse(f"{name} must be one value, not {kind}.")
    return value


def as_text(value: Any, name: str) -> str:
    """One value as text (numbers become their digits); "" for None; refused for lists, objects, booleans."""
    if value is None:
        return ""
    value = _one_value(value, name)
    if isinstance(value, bool):
        raise refuse(f"{name} must be text, not {value!r}.")
    return value if isinstance(value, str) else str(value)


def _text(value: Any, info: ValidationInfo) -> str:
    if value is None:
        raise PydanticUseDefault()
    return as_text(value, info.field_name)


def _number(value: Any, info: ValidationInfo, integer: bool) -> float | int:
    if _blank(value):
        raise PydanticUseDefault()
    value = _one_value(value, info.field_name)
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value.strip()) if isinstance(value, str) else float(value)
        if not math.isfinite(number) or (integer and number != int(number)):
            raise ValueError
    except (TypeError, ValueError):
        raise refuse(f"{info.field_name} must be a {'whole ' if integer else ''}number, not {value!r}.") from None
    return int(number) if integer else number


def _integer(value: Any, info: ValidationInfo) -> int:
    return _number(value, info, integer=True)


def _float(value: Any, info: ValidationInfo) -> float:
    return _number(value, info, integer=False)


def _flag(value: Any, info: ValidationInfo) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticUseDefault()
    value = _one_value(value, info.field_name)
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise refuse(f"{info.field_name} must be true or false, not {value!r}.")


def _paths(value: Any, info: ValidationInfo) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(item, (list, tuple, dict)) for item in items):
        raise refuse(f"{info.field_name} must be a path or a list of paths.")
    return tuple(str(item).strip() for item in items if item is not None and str(item).strip())


Text = Annotated[str, BeforeValidator(_text)]
Integer = Annotated[int, BeforeValidator(_integer)]
Number = Annotated[float, BeforeValidator(_float)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Paths = Annotated[tuple[str, ...], BeforeValidator(_paths)]

_BOUNDS = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"),
           "greater_than": ("gt", "more than"), "less_than": ("lt", "less than")}


def problems(error: ValidationError, required: dict[str, str]) -> list[str]:
    """One sentence per problem; ``required`` gives the sentence for each required field that is missing."""
    found = []
    for item in error.errors():
        name = ".".join(str(part) for part in item.get("loc", ())) or "request"
        kind = item.get("type", "")
        if kind == "missing":
            found.append(required.get(name, f"{name} is required."))
        elif kind in _BOUNDS:
            key, words = _BOUNDS[kind]
            found.append(f"{name} must be {words} {item.get('ctx', {}).get(key)}, not {item.get('input')!r}.")
        elif kind == "studio":
            found.append(item["msg"])
        else:
            found.append(f"{name}: {item.get('msg')}.")
    return found
