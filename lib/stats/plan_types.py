"""What the designer asks (:class:`PlanInputs`) and what a plan does (:class:`Plan`).

Plain records shared by :mod:`lib.stats.planning` and :mod:`lib.stats.money_planning`; both
modules re-export them, so ``from lib.stats.planning import PlanInputs`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.stats import group_sequential as gs


@dataclass(frozen=True)
class PlanInputs:
    """What the designer asks, in the criterion's own units (rates as fractions).

    ``threshold`` is the minimum worth scaling and ``expected`` the effect the
    team expects (vs_target: both are values of the metric, e.g. 0.08 and
    0.10); for vs_control/vs_baseline they are improvements in the good
    ``direction`` (0.01 = one point better; with ``threshold_type`` relative,
    0.10 = a 10 % lift). ``baseline`` is today's rate or mean (control arm or
    baseline period); ``sd`` the spread of one unit (means) or one day
    (counts, before/after). ``looks`` is how many times the team will look —
    one per day of the pilot.

    Money criteria (``threshold_type`` "cost_per_extra" or "return_on_spend", see
    :mod:`lib.stats.money_planning`): ``threshold`` and ``expected`` are prices — the most an
    extra outcome may cost and the cost expected (60 and 40 per extra lead), or the least return
    and the return expected (1.5 and 2.0); ``spend_per_unit`` is the extra spend per unit of the
    pilot arm (per contact for a rate, per visitor for an average, per day for a daily count),
    ``control_spend_per_unit`` what control spends per unit (0: only the pilot spends, so its
    spend is a fixed figure), ``spend_sd`` the spread of spend per unit when both arms spend.
    """

    kind: str
    comparison: str
    threshold: float
    expected: float
    baseline: float | None = None
    sd: float | None = None
    threshold_type: str = "absolute"
    direction: str = "increase"
    confidence: float = 0.95
    power: float = 0.8
    looks: int = 28
    baseline_days: int | None = None
    spend_per_unit: float | None = None
    control_spend_per_unit: float = 0.0
    spend_sd: float = 0.0


@dataclass(frozen=True)
class Plan:
    """A planned sample and what it does under daily looks.

    ``n`` is per arm (units; days for before/after and counts). ``fixed_n``
    is what a single look at the end would need — the difference is the
    price of looking every day. ``at_threshold`` and ``at_expected`` are the
    operating characteristics when the truth sits at the threshold and at the
    expected effect.
    """

    n: int
    fixed_n: int
    drift: float
    at_threshold: gs.OperatingCharacteristics
    at_expected: gs.OperatingCharacteristics
    looks: int
    unit_is_day: bool

    @property
    def inflation(self) -> float:
        return self.n / self.fixed_n if self.fixed_n else 1.0

    @property
    def mean_decision_look(self) -> float:
        return self.at_expected.mean_fraction * self.looks
