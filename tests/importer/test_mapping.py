"""The column mapping: a first guess from names and values, validation, and saving it."""

from __future__ import annotations

import json

import pytest

from lib.importer import ImportFileError, ImportMapping, MetricMapping, detect_layout, suggest_mapping


def test_round_trip_through_json() -> None:
    mapping = ImportMapping(
        layout="aggregated",
        arm_column="Variant",
        control_value="A",
        date_column="Day",
        metrics=[
            MetricMapping("reply_rate", "proportion", conversions_column="replies", exposures_column="sent"),
            MetricMapping("revenue", "count", column="Revenue", blank_as_zero=True),
        ],
        arm_aliases={"B": "pilot"},
        date_order="mdy",
    )
    saved = json.loads(json.dumps(mapping.to_dict()))
    assert saved["version"] == 1
    assert ImportMapping.from_dict(saved) == mapping


@pytest.mark.parametrize(
    "data",
    [
        {"layout": "wide"},
        {"layout": "events", "metrics": [{"name": "x", "kind": "ratio"}]},
        {"layout": "events", "metrics": [{"kind": "mean"}]},
        {"layout": "events", "arm_column": 3},
        {"layout": "events", "arm_aliases": ["a"]},
        "not a dict",
    ],
)
def test_from_dict_refuses_what_it_cannot_use(data: object) -> None:
    with pytest.raises(ImportFileError, match="saved column mapping cannot be used"):
        ImportMapping.from_dict(data)  # type: ignore[arg-type]


def test_errors_name_every_gap() -> None:
    mapping = ImportMapping(
        "aggregated",
        "arm",
        "control",
        "date",
        [MetricMapping("ctr", "proportion", conversions_column="clicks"), MetricMapping("ctr", "count", column="x")],
    )
    errors = mapping.errors(["date", "arm", "clicks"])
    assert errors == [
        "Column 'x' is not in the file. Columns found: date, arm, clicks.",
        "Metric 'ctr' (proportion, one row per day and arm) needs a conversions column and an exposures column.",
        "Metric 'ctr' is mapped twice; give each metric one mapping.",
    ]
    with pytest.raises(ImportFileError, match="needs a conversions column"):
        mapping.check()
    assert ImportMapping("events", "arm").errors() == ["Choose at least one column with results (a metric) to import."]


def test_column_names_match_ignoring_case_and_spaces() -> None:
    mapping = ImportMapping("events", "Arm", None, None, [MetricMapping("c", "proportion", column="converted")])
    assert mapping.errors([" arm ", "Converted"]) == []


@pytest.mark.parametrize(
    ("columns", "rows", "expected"),
    [
        (
            ["date", "group", "sent", "replies"],
            [["2024-03-01", "control", 200, 14], ["2024-03-01", "test", 210, 19]],
            "aggregated",
        ),
        (
            ["email", "group", "replied"],
            [["a@x", "control", "1"], ["b@x", "test", "0"], ["c@x", "test", "yes"]],
            "events",
        ),
        (["day", "arm", "order_value"], [["2024-03-01", "A", 12.5]] * 3 + [["2024-03-01", "B", 30]] * 3, "events"),
        (
            ["day", "arm", "channel", "visitors", "orders"],
            [["2024-03-01", "A", c, 100, 3] for c in "xyz"],
            "aggregated",
        ),
    ],
)
def test_layout_detection(columns: list[str], rows: list[list[object]], expected: str) -> None:
    assert detect_layout(columns, rows) == expected


def test_suggestion_for_an_email_campaign_export() -> None:
    columns = ["Send date", "Cell", "Emails sent", "Opens", "Clicks", "Unsubscribes", "Campaign"]
    rows = [
        ["01/03/2024", "Holdout", "1,000", "400", "50", "2", "Spring"],
        ["01/03/2024", "New subject", "1,000", "450", "61", "3", "Spring"],
    ]
    mapping = suggest_mapping(columns, rows, ["open_rate", "click_rate"])
    assert (mapping.layout, mapping.arm_column, mapping.date_column, mapping.control_value) == (
        "aggregated",
        "Cell",
        "Send date",
        "Holdout",
    )
    assert [(m.name, m.kind, m.conversions_column, m.exposures_column, m.column) for m in mapping.metrics] == [
        ("open_rate", "proportion", "Opens", "Emails sent", None),
        ("click_rate", "proportion", "Clicks", "Emails sent", None),
        ("unsubscribes", "count", None, None, "Unsubscribes"),
    ]


def test_suggestion_finds_arm_by_values_and_control_a() -> None:
    mapping = suggest_mapping(
        ["when", "who", "spend"],
        [{"when": "2024-03-01", "who": "A", "spend": "$5"}, {"when": "2024-03-01", "who": "B", "spend": "$7"}],
    )
    assert (mapping.arm_column, mapping.control_value, mapping.date_column) == ("who", "A", "when")
    assert [(m.name, m.kind) for m in mapping.metrics] == [("spend", "count")]


def test_suggestion_skips_ids_and_text() -> None:
    rows = [[1000 + i, f"user{i}@x.io", "control" if i % 2 else "pilot", i % 2] for i in range(40)]
    mapping = suggest_mapping(["customer_no", "email", "variant", "bought"], rows)
    assert [m.column for m in mapping.metrics] == ["bought"]
    assert mapping.layout == "events"


def test_suggestion_on_nothing_useful_is_still_a_mapping() -> None:
    mapping = suggest_mapping(["a", "b"], [])
    assert mapping.metrics == [] and mapping.arm_column is None
