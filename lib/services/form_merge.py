"""Edit forms saved field by field: only what the person changed is compared with what they were shown, and written.

Two people editing one pilot — one fixing the owner, the other the end date —
both succeed, and the pilot keeps both changes. The same field changed to two
different values is refused (:class:`StaleWrite`), naming who changed it, when,
and theirs beside yours. Comparing whole forms instead would refuse the second
person for a change they never touched; writing whole forms (as before) lost one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from lib.formatting import fmt_date
from lib.infra.fields import shown as quoted
from lib.infra.inputs import field_label
from lib.services.conflicts import Clash, Overwrite, StaleWrite, last_change, merge_fields

#: how the sentence names a field: "Ana changed the end date of “Pricing page FAQ” to …"
SAID = {
    "end_date": "the end date",
    "start_date": "the start date",
    "baseline_start": "the baseline start",
    "baseline_end": "the baseline end",
    "planned_n_per_arm": "the planned people per arm",
    "goal_id": "the goal",
    "parent_id": "the parent goal",
    "scale_volume": "the units a month if scaled",
    "expected_outcome": "the expected outcome",
    "kpi_name": "the KPI",
    "kpi_unit": "the KPI's unit",
    "target_value": "the target",
    "confidence": "the confidence new criteria start with",
    "looks": "how often the team looks",
}


def said(field: str) -> str:
    return SAID.get(field, f"the {field_label(field).lower()}")


def plain_value(field: str, value: Any) -> str:
    """A field's value as the sentence quotes it."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"
    return f"“{quoted(str(value))}”"


@dataclass(frozen=True)
class FormMerge:
    """What to write: the current values with the person's changes on top; which fields they changed; the reason."""

    values: dict[str, Any]
    changed: list[str]
    over_reason: str = ""


def merge_form(
    session: Session,
    *,
    entity: str,
    entity_id: int | None,
    subject: str,
    now: Mapping[str, Any],
    typed: Mapping[str, Any],
    shown: Mapping[str, Any],
    over: Overwrite | None = None,
    show: Callable[[str, Any], str] = plain_value,
    you: str = "you typed",
    audited_as: Mapping[str, str] | None = None,
) -> FormMerge:
    """Merge a form's save into what is current, or refuse it when a colleague changed the same field.

    ``now``, ``typed`` and ``shown`` are the form's fields as stored now, as typed, and as the form
    showed them when it was opened, in the same (validated) terms. ``subject`` names the row in the
    sentence (" of “Pricing page FAQ”", or "" for workspace settings); ``entity`` and ``entity_id``
    find who changed a field in the audit trail (``audited_as`` names another entity for some fields, e.g.
    a pilot's criteria). ``over`` saves over the clashes the person was shown.
    """
    basis = over.basis(shown) if over is not None else dict(shown)
    merge = merge_fields(basis, typed, now)
    clashes = []
    for field in merge.clashing:
        who, at = last_change(session, (audited_as or {}).get(field, entity), entity_id, field)
        clashes.append(
            Clash(
                key=field,
                who=who,
                at=at,
                did="changed",
                what=f"{said(field)}{subject}",
                theirs=f" to {show(field, now.get(field))}",
                yours=f"{you} {show(field, typed[field])}",
                opened="this form",
                shown=basis[field],
                current=now.get(field),
                mine=typed[field],
            )
        )
    if clashes:
        raise StaleWrite(clashes)
    return FormMerge(
        values={**now, **merge.mine},
        changed=list(merge.mine),
        over_reason=over.audit_reason() if over is not None else "",
    )
