"""Frozen result records made without the frozen ``__init__``: the engine makes a verdict and an evidence record
per criterion per evaluation, and the generated ``__init__`` spends one ``object.__setattr__`` per field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields
from typing import Any, TypeVar

T = TypeVar("T")


def record_maker(cls: type[T]) -> Callable[..., T]:
    """``cls(**values)``, the same object: every field in order with its default or a new one from its factory,
    then the values; an unknown or missing field is refused by name, as the dataclass refuses it."""
    every = fields(cls)  # type: ignore[arg-type]
    template: dict[str, Any] = {f.name: None if f.default is MISSING else f.default for f in every}
    names = frozenset(template)
    required = frozenset(f.name for f in every if f.default is MISSING and f.default_factory is MISSING)
    factories = tuple((f.name, f.default_factory) for f in every if f.default_factory is not MISSING)
    label = cls.__name__

    def make(**values: Any) -> T:
        if not (names.issuperset(values) and values.keys() >= required):  # checked without new sets
            unknown = values.keys() - names
            if unknown:
                raise TypeError(f"{label} has no field {sorted(unknown)[0]!r}.")
            raise TypeError(f"{label} needs {sorted(required - values.keys())[0]!r}.")
        new = object.__new__(cls)
        state = new.__dict__
        state.update(template)  # field order first, as __init__ sets them
        for name, factory in factories:
            state[name] = factory()
        state.update(values)
        return new

    return make
