"""What each arm logged, day by day, and which days count (baseline, pilot period).

:func:`aggregate` sums the logged values per metric, arm and day; the evidence
builders read an arm as a sufficient statistic (:mod:`lib.stats.statistics`)
or as a daily series.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from lib.specs import Observation, PilotSpec
from lib.stats.statistics import MeanStat, RateStat


@dataclass
class ArmLog:
    """What one metric and arm logged, per day: ``[n, total, total_sq, total_cu]`` lists.

    An accumulator, not a statistic: :func:`aggregate` fills it for every
    logged value of a portfolio on every page view, so it holds plain lists
    (a statistic object per value would add about 15 % to the engine's time).
    The builders read it as a statistic (:meth:`rate`, :meth:`mean`,
    :meth:`daily_stat`) or as a daily series (:meth:`daily`).
    ``missing_sq``/``missing_cu``: some day came without a sum of squares / of
    cubes (the arm's sum then has none).
    """

    days: dict[date, list[float]] = field(default_factory=dict)
    missing_sq: bool = False
    missing_cu: bool = False

    def window(self, keep: Callable[[date], bool] | None) -> ArmLog:
        """The same arm over the days ``keep`` accepts."""
        if keep is None:
            return self
        days = {day: cell for day, cell in self.days.items() if keep(day)}
        return ArmLog(days, self.missing_sq, self.missing_cu)

    @property
    def n(self) -> float:
        n = 0.0
        for cell in self.days.values():
            n += cell[0]
        return n

    def rate(self) -> RateStat:
        n = conversions = 0.0
        for cell in self.days.values():
            n += cell[0]
            conversions += cell[1]
        return RateStat(n, conversions)

    def mean(self) -> MeanStat:
        """The arm's sums as an average's; ValueError naming the problem when no data can give them."""
        n = total = sq = cu = 0.0
        for cell in self.days.values():
            n += cell[0]
            total += cell[1]
            sq += cell[2]
            cu += cell[3]
        stat = MeanStat(n, total, None if self.missing_sq else sq, None if self.missing_cu else cu)
        problem = stat.sums_problem() if n > 0 else None
        if problem:
            raise ValueError(problem)
        return stat

    def daily(self, kind: str) -> tuple[list[date], list[float]]:
        """Daily values in date order: rate or mean per day (days with n > 0), or the day's total."""
        days: list[date] = []
        values: list[float] = []
        for day in sorted(self.days):
            n, total, _, _ = self.days[day]
            if kind == "count":
                days.append(day)
                values.append(total)
            elif n > 0:
                days.append(day)
                values.append(total / n)
        return days, values

    def daily_periods(
        self, kind: str, first: Span, second: Span
    ) -> tuple[tuple[list[date], list[float]], tuple[list[date], list[float]]]:
        """The daily values (as :meth:`daily`) over each of two spans of days, from one pass over the sorted days.

        A span is a run of the sorted days, so it is found by bisection, not by asking each day.
        """
        days: list[date] = []
        values: list[float] = []
        count = kind == "count"
        cells = self.days
        for day in sorted(cells):
            n, total, _, _ = cells[day]
            if count:
                days.append(day)
                values.append(total)
            elif n > 0:
                days.append(day)
                values.append(total / n)
        return _in_span(days, values, first), _in_span(days, values, second)

    def daily_stat(self, kind: str) -> MeanStat:
        """Days as the units: the sums of the daily values (see :meth:`daily`)."""
        return MeanStat.from_values(self.daily(kind)[1])


#: an arm with nothing logged (never filled: aggregate makes its own)
NO_DATA = ArmLog()

#: metric -> arm -> what it logged
Data = dict[str, dict[str, ArmLog]]


def aggregate(observations: Sequence[Observation], metrics: set[str], as_of: date | None) -> tuple[Data, date | None]:
    """Sums per metric, arm and day (criteria's metrics only), and the last day with data.

    The loop is written out (no statistic objects per value): a portfolio runs
    it for every logged value on every page view. The last day is read off the
    days summed at the end, once per arm rather than once per value.
    """
    data: Data = {m: {} for m in metrics}
    for o in observations:
        arms = data.get(o.metric)
        if arms is None:
            continue
        day = o.day
        if as_of is not None and day > as_of:
            continue
        arm = arms.get(o.arm)
        if arm is None:
            arm = arms[o.arm] = ArmLog()
        sq, cu = o.total_sq, o.total_cu
        if sq is None:
            arm.missing_sq = True
            sq = 0.0
        if cu is None:
            arm.missing_cu = True
            cu = 0.0
        days = arm.days
        cell = days.get(day)
        if cell is None:
            days[day] = [o.n, o.total, sq, cu]
        else:
            cell[0] += o.n
            cell[1] += o.total
            cell[2] += sq
            cell[3] += cu
    last = max((max(arm.days) for arms in data.values() for arm in arms.values()), default=None)
    return data, last


#: a span of days: from ``start`` (None: the first) up to ``end`` inclusive (None: the last), or,
#: when the third date is given, up to the day before it
Span = tuple[date | None, date | None, date | None]


def _in_span(days: list[date], values: list[float], span: Span) -> tuple[list[date], list[float]]:
    """The sorted ``days`` (and their values) inside ``span``: the days its keep rule (:func:`_window`) keeps."""
    start, end, before = span
    low = 0 if start is None else bisect_left(days, start)
    if before is not None:
        high = bisect_left(days, before)
    elif end is not None:
        high = bisect_right(days, end)
    else:
        high = len(days)
    return days[low:high], values[low:high]


def pilot_span(pilot: PilotSpec) -> Span:
    """The pilot period as a span: the days :func:`in_pilot_period` keeps."""
    return pilot.start, pilot.end, None


def baseline_span(pilot: PilotSpec) -> Span:
    """The baseline as a span: the days :func:`in_baseline` keeps."""
    start, end = pilot.baseline_start, pilot.baseline_end
    if end is None and pilot.start is not None:
        return start, None, pilot.start
    return start, end, None


def _window(start: date | None, end: date | None) -> Callable[[date], bool]:
    def keep(day: date) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    return keep


def in_pilot_period(pilot: PilotSpec) -> Callable[[date], bool]:
    return _window(pilot.start, pilot.end)


def in_baseline(pilot: PilotSpec) -> Callable[[date], bool]:
    start, end = pilot.baseline_start, pilot.baseline_end
    if end is None and pilot.start is not None:
        limit = pilot.start
        return lambda day: (start is None or day >= start) and day < limit
    return _window(start, end)


def elapsed_fraction(pilot: PilotSpec, last_day: date | None) -> float | None:
    total = pilot.planned_days
    if total is None or pilot.start is None:
        return None
    elapsed = 0 if last_day is None else max(0, min((last_day - pilot.start).days + 1, total))
    return elapsed / total
