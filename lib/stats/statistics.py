"""One sufficient statistic per metric kind: what a day, an arm or a file adds up to.

Every figure Greenlight judges comes from sums, never from raw rows: a day's
exposures and conversions; an arm's orders, their total value and its square
(and cube, which the engine uses to correct for skew); a day's count. These
frozen types are those sums, one per metric kind, with the figures read off
them (``mean``, ``variance``) and ``+`` to add days, arms or files up. The
importer, the manual entry form, the stored results, the charts and the
decision engine all pass the same types, so "what an arm adds up to" has one
shape (the pattern of gbstats' ``models/statistics.py``).

:class:`lib.specs.Observation` stays the record people build and store
(day, arm, metric and the raw sums, whatever the kind); :func:`from_observation`
and :func:`for_kind` turn such sums into the statistic of a kind.

Plain data, no checks on construction (the engine and the skew tests take
impossible sums and say so in words); :meth:`MeanStat.sums_problem` names what
is wrong where input must be refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from lib.stats import stats_messages, validation
from lib.vocabulary import METRIC_KINDS, MetricKind


class LoggedSums(Protocol):
    """Anything that carries the stored columns: an ``Observation``, a ``ResultEntry``."""

    @property
    def n(self) -> float: ...

    @property
    def total(self) -> float: ...

    @property
    def total_sq(self) -> float | None: ...

    @property
    def total_cu(self) -> float | None: ...


def _without_squares(kind: str) -> ValueError:
    return ValueError(f"The spread of a {kind} needs the sum of squares, which was not logged.")


def _m2(n: float, total: float, total_sq: float) -> float:
    """Second central moment, divisor n (0 for n <= 0; never negative), with the sum of
    squares and the squared total subtracted exactly (``math.fsum``)."""
    if not n > 0:
        return 0.0
    return max(math.fsum([float(total_sq), -float(total) * float(total) / float(n)]), 0.0) / float(n)


def _variance(n: float, total: float, total_sq: float) -> float:
    """Unbiased variance from sums (0 when n < 2)."""
    if not n >= 2:
        return 0.0
    return _m2(n, total, total_sq) * float(n) / (float(n) - 1.0)


@dataclass(frozen=True, slots=True)
class RateStat:
    """``conversions`` out of ``n`` exposures (visitors, contacts, recipients)."""

    n: float = 0.0
    conversions: float = 0.0
    kind: ClassVar[MetricKind] = "proportion"

    @property
    def total(self) -> float:
        """The conversions, under the name the stored column has."""
        return self.conversions

    @property
    def mean(self) -> float:
        """The rate; 0 without exposures."""
        return float(self.conversions) / float(self.n) if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        """Variance of one exposure's outcome (Bernoulli: rate x (1 - rate))."""
        p = self.mean
        return p * (1.0 - p)

    def __add__(self, other: RateStat) -> RateStat:
        if not isinstance(other, RateStat):
            return NotImplemented
        return RateStat(self.n + other.n, self.conversions + other.conversions)

    def __radd__(self, other: object) -> RateStat:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented


@dataclass(frozen=True, slots=True)
class MeanStat:
    """An average's sums: ``n`` units (orders), their ``total``, ``total_sq`` and ``total_cu``.

    ``total_sq`` is None when the spread was not logged (the engine then judges
    the average on daily values); ``total_cu`` is None without a sum of cubes
    (the engine then bounds the skew instead of measuring it). Adding a part
    without one gives a sum without it. ``third_central_moment`` and
    ``skewness`` are the plain sample versions (divisor n, as
    ``scipy.stats.moment(x, 3)`` and ``scipy.stats.skew(x)``).
    """

    n: float = 0.0
    total: float = 0.0
    total_sq: float | None = None
    total_cu: float | None = None
    kind: ClassVar[MetricKind] = "mean"

    @classmethod
    def from_values(cls, values: Iterable[float]) -> MeanStat:
        """The sums of raw values (NaN and infinities refused, naming the position)."""
        xs = validation.finite_values("values", values)
        return cls(
            float(len(xs)),
            math.fsum(xs),
            math.fsum(x * x for x in xs),
            math.fsum(x * x * x for x in xs),
        )

    @classmethod
    def from_summary(cls, n: float, mean: float, sd: float) -> MeanStat:
        """Sums from what people know: units, average and standard deviation (ddof=1)."""
        return cls(n, n * mean, (n - 1) * sd * sd + n * mean * mean if n else 0.0)

    @property
    def mean(self) -> float:
        return float(self.total) / float(self.n) if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        """Unbiased sample variance (0 when n < 2); ValueError without the sum of squares."""
        if self.total_sq is None:
            raise _without_squares("mean")
        return _variance(self.n, self.total, self.total_sq)

    @property
    def sd(self) -> float:
        return math.sqrt(self.variance)

    @property
    def second_central_moment(self) -> float:
        """Σ(x - x̄)² / n; ValueError without the sum of squares."""
        if self.total_sq is None:
            raise _without_squares("mean")
        return _m2(self.n, self.total, self.total_sq)

    @property
    def third_central_moment(self) -> float | None:
        """Σ(x - x̄)³ / n from the raw sums; None without the sum of cubes (or of squares)."""
        if self.total_cu is None or self.total_sq is None:
            return None
        if not self.n > 0:
            return 0.0
        n, mean = float(self.n), self.mean
        terms = [
            float(self.total_cu),
            -3.0 * mean * float(self.total_sq),
            3.0 * mean * mean * float(self.total),
            -n * mean**3,
        ]
        return math.fsum(terms) / n

    @property
    def skewness(self) -> float | None:
        """Sample skewness m3 / m2^1.5 (0 without spread); None without the sum of cubes."""
        m3 = self.third_central_moment
        if m3 is None:
            return None
        m2 = self.second_central_moment
        return m3 / m2**1.5 if m2 > 0 else 0.0

    def sums_problem(self) -> str | None:
        """Why these sums cannot come from real data, in words; None when they can.

        Non-finite or negative sums, sums without units, or a sum of squares
        below total²/n (beyond rounding).
        """
        for name, value in (("n", self.n), ("total", self.total), ("total_of_squares", self.total_sq)):
            if value is not None and not math.isfinite(value):
                return stats_messages.NOT_FINITE.format(name=name, value=value)
        if self.n < 0:
            return stats_messages.NEGATIVE.format(name="n", value=self.n)
        if self.total_sq is None:
            return None
        if self.total_sq < 0:
            return stats_messages.NEGATIVE.format(name="total_of_squares", value=self.total_sq)
        if self.n == 0:
            return stats_messages.SUMS_WITHOUT_UNITS if self.total != 0 or self.total_sq != 0 else None
        if self.total_sq - self.total * self.total / self.n < -1e-9 * max(self.total_sq, 1.0):
            return stats_messages.SUM_OF_SQUARES_TOO_SMALL
        return None

    def __add__(self, other: MeanStat) -> MeanStat:
        if not isinstance(other, MeanStat):
            return NotImplemented
        squares = None if self.total_sq is None or other.total_sq is None else self.total_sq + other.total_sq
        cubes = None if self.total_cu is None or other.total_cu is None else self.total_cu + other.total_cu
        return MeanStat(self.n + other.n, self.total + other.total, squares, cubes)

    def __radd__(self, other: object) -> MeanStat:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented


@dataclass(frozen=True, slots=True)
class CountStat:
    """A count or amount (leads, revenue): ``total`` over ``n`` units.

    ``n`` is 1 for a plain daily figure, so once days are added up it counts
    days and ``mean`` is the average per day. ``total_sq`` (the sum of each
    unit's squared figure) is rarely logged; the engine measures a count's
    spread from day to day instead.
    """

    n: float = 0.0
    total: float = 0.0
    total_sq: float | None = None
    kind: ClassVar[MetricKind] = "count"

    @property
    def mean(self) -> float:
        """Per unit (per day for daily figures); 0 without units."""
        return float(self.total) / float(self.n) if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        """Unbiased variance per unit (0 when n < 2); ValueError without the sum of squares."""
        if self.total_sq is None:
            raise _without_squares("count")
        return _variance(self.n, self.total, self.total_sq)

    def __add__(self, other: CountStat) -> CountStat:
        if not isinstance(other, CountStat):
            return NotImplemented
        squares = None if self.total_sq is None or other.total_sq is None else self.total_sq + other.total_sq
        return CountStat(self.n + other.n, self.total + other.total, squares)

    def __radd__(self, other: object) -> CountStat:
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented


Stat = RateStat | MeanStat | CountStat


def for_kind(kind: str, n: float, total: float, total_sq: float | None = None, total_cu: float | None = None) -> Stat:
    """The statistic of ``kind`` from the stored columns (a rate ignores the squares and cubes)."""
    if kind == "proportion":
        return RateStat(n, total)
    if kind == "mean":
        return MeanStat(n, total, total_sq, total_cu)
    if kind == "count":
        return CountStat(n, total, total_sq)
    raise ValueError(stats_messages.BAD_CHOICE.format(name="kind", value=kind, choices=", ".join(METRIC_KINDS)))


def from_observation(logged: LoggedSums, kind: str) -> Stat:
    """The statistic of one logged value (an ``Observation`` or a stored ``ResultEntry``)."""
    return for_kind(kind, logged.n, logged.total, logged.total_sq, logged.total_cu)


def added(a: Stat, b: Stat) -> Stat:
    """``a + b`` for two statistics of one kind, when the kind is only known at run time."""
    if isinstance(a, RateStat) and isinstance(b, RateStat):
        return a + b
    if isinstance(a, MeanStat) and isinstance(b, MeanStat):
        return a + b
    if isinstance(a, CountStat) and isinstance(b, CountStat):
        return a + b
    raise TypeError(f"cannot add a {b.kind} statistic to a {a.kind} one")
