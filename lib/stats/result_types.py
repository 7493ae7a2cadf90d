"""Typed results of the stats functions and a JSON-safe converter.

Results are frozen dataclasses so a number shown in a review meeting cannot
be changed after the fact by accident. ``None`` means "not defined for this
data" (say a relative lift when control has no conversions); NaN never
leaves this package.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def plain(value: Any) -> Any:
    """Turn results into JSON-safe plain data.

    Dataclasses become dicts, tuples lists, dates ISO strings, and NaN or
    infinite floats ``None`` (JSON has no NaN and the app shows "—" for None).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    return str(value)


@dataclasses.dataclass(frozen=True)
class ComparisonResult:
    """Pilot arm against control arm: what :func:`compare_proportions` and :func:`compare_means` return.

    Named for what it is (a result), unlike :data:`lib.specs.ComparisonKind`,
    which says what a criterion compares against.

    ``difference`` is pilot minus control. ``ci_low``/``ci_high`` is the
    two-sided ``1 - alpha`` interval for it, whatever the ``alternative``
    (people read an interval as "the plausible range"); a one-sided test at
    ``alpha`` matches the two-sided ``1 - 2 alpha`` interval instead.
    ``relative_lift`` is pilot / control - 1, ``None`` when control is 0.
    """

    control_value: float | None
    pilot_value: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    relative_lift: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    statistic: float | None
    p_value: float
    method: str
    warnings: tuple[str, ...] = ()
    alternative: str = "two-sided"
    alpha: float = 0.05
    control_n: float = 0.0
    pilot_n: float = 0.0
    standard_error: float | None = None
    df: float | None = None
    sequential: bool = False

    @property
    def confidence_level(self) -> float:
        """Coverage of the reported interval, e.g. 0.95."""
        return 1.0 - self.alpha

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclasses.dataclass(frozen=True)
class TwoArms:
    """What every comparison of two arms reports whatever its test: both arms' values and sizes, the side
    and level asked for, and whether it is sequential. Means and proportions build their results from it,
    so each states only what its own test found."""

    control_value: float | None
    pilot_value: float | None
    control_n: float
    pilot_n: float
    alternative: str
    alpha: float
    sequential: bool

    def result(self, **found: Any) -> ComparisonResult:
        """A result: these arms and what the test found (difference, interval, p-value, method, …)."""
        return ComparisonResult(
            control_value=self.control_value,
            pilot_value=self.pilot_value,
            alternative=self.alternative,
            alpha=self.alpha,
            control_n=self.control_n,
            pilot_n=self.pilot_n,
            sequential=self.sequential,
            **found,
        )

    def undecided(
        self,
        *,
        method: str,
        warnings: tuple[str, ...],
        difference: float | None = None,
        relative_lift: float | None = None,
        standard_error: float | None = None,
    ) -> ComparisonResult:
        """No decision possible yet (an empty arm, too few units, no spread):
        p-value 1 and no interval; ``warnings`` say why.
        """
        return self.result(
            difference=difference,
            ci_low=None,
            ci_high=None,
            relative_lift=relative_lift,
            relative_ci_low=None,
            relative_ci_high=None,
            statistic=None,
            p_value=1.0,
            method=method,
            warnings=warnings,
            standard_error=standard_error,
        )


@dataclasses.dataclass(frozen=True)
class TargetResult:
    """One arm against a fixed target value (rate or mean).

    ``difference`` is value minus target; the interval is two-sided at
    ``1 - alpha`` (Clopper-Pearson for rates, t for means).
    """

    value: float | None
    target: float
    n: float
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    statistic: float | None
    p_value: float
    method: str
    alternative: str
    alpha: float
    warnings: tuple[str, ...] = ()
    df: float | None = None
    standard_error: float | None = None

    @classmethod
    def undecided(
        cls,
        *,
        value: float | None,
        target: float,
        n: float,
        method: str,
        warnings: tuple[str, ...],
        alternative: str,
        alpha: float,
        difference: float | None = None,
        ci_low: float | None = None,
        ci_high: float | None = None,
    ) -> TargetResult:
        """No test possible yet (no units, or too few): p-value 1; ``warnings`` say why."""
        return cls(
            value=value,
            target=target,
            n=n,
            difference=difference,
            ci_low=ci_low,
            ci_high=ci_high,
            statistic=None,
            p_value=1.0,
            method=method,
            alternative=alternative,
            alpha=alpha,
            warnings=warnings,
        )

    @property
    def confidence_level(self) -> float:
        return 1.0 - self.alpha

    def to_dict(self) -> dict[str, Any]:
        return plain(self)


@dataclasses.dataclass(frozen=True)
class ChanceToBeat:
    """Posterior comparison of two rates under independent Beta priors.

    ``probability`` = P(pilot rate > control rate); ``expected_loss`` =
    E[max(control - pilot, 0)], the rate given up on average by choosing the
    pilot if it is in fact worse.
    """

    probability: float
    expected_loss: float
    control_posterior: tuple[float, float]
    pilot_posterior: tuple[float, float]
    method: str
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return plain(self)
