"""What qualifies a verdict, as data: a code and its numbers, put into words in one place.

The report, the pilot page, Review and the Pilots page all warn about the same
things: a before/after design is observational, a sample is still small, the
criteria were changed after the start, the split between the arms is broken.
Each is a small frozen record here; :func:`title` and :func:`words` are the only
places they become sentences, so every screen and file says them alike::

    for c in caveats_for(evaluation, changes):
        f"{title(c)}: {words(c)}"        # or text(c)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from lib import formatting as fmt
from lib.decide import PilotEvaluation, wording

#: below this share of the planned sample a result is flagged as a small sample
SMALL_SAMPLE_PROGRESS = 0.5


@dataclass(frozen=True)
class Observational:
    """A before/after comparison: not an experiment."""

    code: ClassVar[str] = "observational"


@dataclass(frozen=True)
class SmallSample:
    """Criteria still far from their plan: (label, share of the planned sample, or None when too early to call)."""

    criteria: tuple[tuple[str, float | None], ...]
    code: ClassVar[str] = "small_sample"


@dataclass(frozen=True)
class CriteriaChanged:
    """The criteria were changed after the pilot started: when, by whom, why, and the criteria in words."""

    on: date | None = None
    by: str = ""
    reason: str = ""
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    code: ClassVar[str] = "criteria_changed"


@dataclass(frozen=True)
class SplitMismatch:
    """The arms are not the sizes the assignment should give (the sample-ratio test's p-value)."""

    p_value: float | None
    code: ClassVar[str] = "split_mismatch"


Caveat = Observational | SmallSample | CriteriaChanged | SplitMismatch

TITLES: dict[str, str] = {
    Observational.code: "Observational design",
    SmallSample.code: "Small sample",
    CriteriaChanged.code: "Criteria changed after the start",
    SplitMismatch.code: "Split mismatch",
}


def caveats_for(evaluation: PilotEvaluation, changes: Sequence[CriteriaChanged] = ()) -> list[Caveat]:
    """Observational design, small sample, criteria changed after the start, split mismatch — as they apply.

    ``changes``: the audit trail's changes after the start (newest first), one caveat each.
    """
    out: list[Caveat] = []
    if evaluation.design == "before_after" or any(v.comparison == "vs_baseline" for v in evaluation.verdicts):
        out.append(Observational())
    small: list[tuple[str, float | None]] = []
    for v in evaluation.verdicts:
        if v.progress is not None and v.progress < SMALL_SAMPLE_PROGRESS:
            small.append((v.label, v.progress))
        elif v.status == "too_early":
            small.append((v.label, None))
    if small:
        out.append(SmallSample(tuple(small)))
    out.extend(changes)
    if evaluation.srm_flag:
        out.append(SplitMismatch(evaluation.srm_p_value))
    return out


def title(caveat: Caveat) -> str:
    """The caveat's name: the summary table's flag and the lead of its sentence."""
    return TITLES[caveat.code]


def words(caveat: Caveat, *, markup: Callable[[str], str] = str) -> str:
    """What the caveat says, after its title; ``markup`` wraps what people typed (e.g. an escape for Markdown)."""
    if isinstance(caveat, Observational):
        return wording.OBSERVATIONAL
    if isinstance(caveat, SmallSample):
        details = "; ".join(
            f"{markup(label)} has too little data to call yet"
            if share is None
            else f"{markup(label)} has {fmt.pct(share, 0)} of the planned sample"
            for label, share in caveat.criteria
        )
        return f"{details}. Estimates can still move a lot as data comes in."
    if isinstance(caveat, CriteriaChanged):
        when = f" on {fmt.fmt_date(caveat.on)}" if caveat.on else ""
        who = f" by {markup(caveat.by)}" if caveat.by.strip() else ""
        text = (
            f"the success criteria were changed after the pilot started{when}{who}, so the bar it is judged "
            "against is not the one agreed up front."
        )
        if caveat.reason.strip():
            text += f" Reason given: “{markup(caveat.reason.strip())}”."
        if caveat.before:
            text += " Before: " + "; ".join(markup(c) for c in caveat.before) + "."
        if caveat.after:
            text += " After: " + "; ".join(markup(c) for c in caveat.after) + "."
        return text
    return (
        f"the arms are not the sizes the assignment should give (sample-ratio mismatch, "
        f"{fmt.p_phrase(caveat.p_value)}). Check how people were assigned before trusting the comparison."
    )


def text(caveat: Caveat, *, markup: Callable[[str], str] = str) -> str:
    """Title and words in one line: "Split mismatch: the arms are not …"."""
    return f"{title(caveat)}: {words(caveat, markup=markup)}"


def markdown(caveat: Caveat, *, markup: Callable[[str], str]) -> str:
    """The line for Streamlit Markdown, its title in bold; ``markup`` escapes what people typed."""
    return f"**{title(caveat)}:** {words(caveat, markup=markup)}"
