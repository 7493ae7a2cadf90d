"""Each row against the rules the app applies when it writes that row.

Goals, pilots, criteria, results and decisions go through the same input
models as the forms, the importer and the CLI (``lib.infra.inputs``), so a backup
cannot hold a value the app would refuse: an unknown design, conversions
above exposures, a running pilot without a plan. Columns no form writes
(sources, layouts, scopes, saved mappings, frozen snapshots) are checked
against the values the code that writes them uses.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from lib.infra.inputs import CriterionIn, DecisionIn, GoalIn, InvalidInput, PilotIn, ResultIn, validated
from lib.services.backup.problems import Problems, describe, row_key
from lib.services.backup.structure import Row, Tables, tables
from lib.specs import COMPARISONS, DIRECTIONS, METRIC_KINDS, ROLES, THRESHOLD_TYPES
from lib.vocabulary import RECOMMENDATIONS, SHARE_SCOPES
from lib.vocabulary import RESULT_SOURCES as SOURCES

Found = Iterator[tuple[str, str]]  # (field, message)
# Results of a metric no criterion names any more (criteria replaced after logging) get the
# weakest rules: finite, non-negative counts; a proportion's or count's stricter rules need its kind.
UNKNOWN_KIND = "mean"
_SHA256 = re.compile(r"[0-9a-f]{64}")
# a criterion as the audit trail keeps it, and what the pages that show criteria changes read of it
_SAVED_CRITERION = {
    "metric": None,
    "kind": METRIC_KINDS,
    "role": ROLES,
    "comparison": COMPARISONS,
    "direction": DIRECTIONS,
    "threshold_type": THRESHOLD_TYPES,
}


def _through(model: type[Any], row: Row, **extra: Any) -> tuple[Any, list[tuple[str, str]]]:
    """The row as the input model sees it: the model, or every (field, message) it refuses."""
    values = {k: row[k] for k in model.model_fields if k in row}
    values.update(extra)
    try:
        return validated(model, **values), []
    except InvalidInput as exc:
        return None, [(e.field, e.message) for e in exc.errors]
    except (TypeError, ValueError, ArithmeticError) as exc:  # a rule that did not expect such a row: still a message
        return None, [("row", f"{model.__name__} cannot check this row ({exc}).")]


def _one_of(row: Row, field: str, allowed: tuple[str, ...], what: str) -> Found:
    """Worded as the input models word it, so every unknown value reads the same."""
    if row[field] not in allowed:
        shown = ", ".join(repr(a) if a == "" else a for a in allowed)
        yield field, f"{row[field]!r} is not a known {what}; use one of: {shown}."


def _goal(row: Row, kinds: dict) -> Found:
    yield from _through(GoalIn, row)[1]


def _pilot(row: Row, kinds: dict) -> Found:
    pilot, errors = _through(PilotIn, row)
    yield from errors
    if pilot is not None and pilot.arms != row["arms"]:
        # the forms store the arms the design implies; anything else breaks the pages that list arms
        yield "arms", f"{row['arms']!r} is not a valid arm list for design {row['design']!r} (expected {pilot.arms!r})."


def _criterion(row: Row, kinds: dict) -> Found:
    yield from _through(CriterionIn, row)[1]


def _result(row: Row, kinds: dict) -> Found:
    kind = kinds.get((row["pilot_id"], row["metric"]), UNKNOWN_KIND)
    if kind not in METRIC_KINDS:  # the criterion's row reports it; its results are judged by the weakest rules
        kind = UNKNOWN_KIND
    yield from _through(ResultIn, row, kind=kind)[1]
    yield from _one_of(row, "source", SOURCES, "source")


def _unit_result(row: Row, kinds: dict) -> Found:
    """One store's value: as the importer writes it (a unit, a count of rows, a known source)."""
    yield from _one_of(row, "source", SOURCES, "source")
    if not row["unit"].strip():
        yield "unit", "must name the unit (a store, a market): it is empty."
    if row["n"] < 0:
        yield "n", f"must not be negative (got {row['n']})."


def _snapshot(text: str) -> Found:
    """The frozen numbers as the Review page and the reports read them back."""
    snap = json.loads(text)
    frozen = snap.get("frozen_at")
    if frozen is not None:
        try:
            datetime.fromisoformat(frozen)
        except (TypeError, ValueError):
            yield "snapshot_json", f"`frozen_at` must be a date and time, not {describe(frozen)}."
    evaluation = snap.get("evaluation")
    if evaluation is None:
        return
    if not isinstance(evaluation, dict):
        yield "snapshot_json", f"`evaluation` must be an object, not {describe(evaluation)}."
        return
    for key in ("verdicts", "reasons"):
        items = evaluation.get(key)
        if items is not None and not isinstance(items, list):
            yield "snapshot_json", f"`evaluation.{key}` must be a list, not {describe(items)}."
    verdicts = evaluation.get("verdicts")
    if isinstance(verdicts, list) and any(not isinstance(v, dict) for v in verdicts):
        yield "snapshot_json", "`evaluation.verdicts` must hold objects (one per criterion)."


def _decision(row: Row, kinds: dict) -> Found:
    yield from _through(DecisionIn, row)[1]
    yield from _one_of(row, "recommendation", ("", *RECOMMENDATIONS), "recommendation")
    yield from _snapshot(row["snapshot_json"])


def _mapping(text: str) -> Found:
    from lib.importer import ImportFileError, ImportMapping  # late: the importer loads pandas

    try:
        ImportMapping.from_dict(json.loads(text))
    except ImportFileError as exc:
        yield "mapping_json", str(exc)


def _import_batch(row: Row, kinds: dict) -> Found:
    from lib.importer import LAYOUTS

    yield from _one_of(row, "layout", LAYOUTS, "layout")
    yield from _one_of(row, "source", SOURCES, "source")
    for field in ("row_count", "entry_count"):
        if row[field] < 0:
            yield field, f"must not be negative (got {row[field]})."
    yield from _mapping(row["mapping_json"])


def _import_mapping(row: Row, kinds: dict) -> Found:
    yield from _mapping(row["mapping_json"])


def _share_link(row: Row, kinds: dict) -> Found:
    yield from _one_of(row, "scope", SHARE_SCOPES, "link scope")
    if not _SHA256.fullmatch(row["token_hash"]):
        yield "token_hash", "must be a SHA-256 digest in hex (64 characters 0-9, a-f)."


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _saved_criteria(field: str, items: Any) -> Found:
    if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
        yield field, f"`criteria` must be a list of objects, not {describe(items)}."
        return
    for i, c in enumerate(items, start=1):
        for key, allowed in _SAVED_CRITERION.items():
            if not isinstance(c.get(key), str) or (allowed and c[key] not in allowed):
                yield field, f"criterion {i}: `{key}` is {describe(c.get(key))}, not a known {key.replace('_', ' ')}."
        for key in ("threshold", "confidence"):
            if not _is_number(c.get(key)):
                yield field, f"criterion {i}: `{key}` must be a number, not {describe(c.get(key))}."


def _audit(row: Row, kinds: dict) -> Found:
    """The parts of the trail that pages read back: a result's figures, a criteria change's criteria."""
    for field in ("before_json", "after_json"):
        if row[field] is None:
            continue
        values = json.loads(row[field])
        if row["entity"] == "result" and values:
            for key in ("n", "total"):
                if not _is_number(values.get(key)):
                    yield field, f"a result's `{key}` must be a number, not {describe(values.get(key))}."
            if values.get("cost") is not None and not _is_number(values["cost"]):
                yield field, f"a result's `cost` must be a number, not {describe(values['cost'])}."
        if "criteria" in values:
            yield from _saved_criteria(field, values["criteria"])


ROW_RULES: dict[str, Callable[[Row, dict], Found]] = {
    "audit_event": _audit,
    "goal": _goal,
    "pilot": _pilot,
    "criterion": _criterion,
    "result_entry": _result,
    "unit_result": _unit_result,
    "decision": _decision,
    "import_batch": _import_batch,
    "import_mapping": _import_mapping,
    "share_link": _share_link,
}


def check_rows(data: Tables, problems: Problems) -> None:
    """Every row of every table through its rules; problems name table, row and field."""
    kinds = {(c["pilot_id"], c["metric"]): c["kind"] for c in data.get("criterion", [])}
    for table in tables():
        rule = ROW_RULES.get(table.name)
        if rule is None:
            continue
        keys = [c.name for c in table.primary_key.columns]
        for number, row in enumerate(data.get(table.name, []), start=1):
            for field, message in rule(row, kinds):
                problems.add(message, table=table.name, row=number, key=row_key(row, keys), field=field)
