"""Aggregated files (one row per day and arm) as real exports write them, and their problems."""

from __future__ import annotations

from datetime import date

import pytest

from lib.importer import ImportMapping, MetricMapping, analyze, read_sample, suggest_mapping

from .helpers import csv_bytes, pair_mapping

PILOT = (date(2024, 3, 1), date(2024, 3, 31))
HEADER = ["date", "arm", "visitors", "conversions"]


def rows_of(result) -> list[tuple]:
    return [(o.day, o.arm, o.metric, o.n, o.total) for o in result.observations]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
def test_plain_counts_with_any_delimiter(delimiter: str, bom: bool) -> None:
    data = csv_bytes(
        [
            HEADER,
            ["2024-03-01", "control", 1200, 60],
            ["2024-03-01", "variant", 1180, 83],
            ["2024-03-02", "control", 1100, 51],
            ["2024-03-02", "variant", 1150, 70],
        ],
        delimiter,
        bom=bom,
    )
    result = analyze(data, pair_mapping(), name="r.csv", allowed_arms=["control", "pilot"], date_range=PILOT)
    assert result.ok
    assert result.layout == result.detected_layout == "aggregated"
    assert rows_of(result) == [
        (date(2024, 3, 1), "control", "conversion", 1200, 60),
        (date(2024, 3, 1), "pilot", "conversion", 1180, 83),
        (date(2024, 3, 2), "control", "conversion", 1100, 51),
        (date(2024, 3, 2), "pilot", "conversion", 1150, 70),
    ]
    assert result.arm_values == {"control": "control", "variant": "pilot"}
    pilot = result.total("pilot", "conversion")
    assert (pilot.n, pilot.total, pilot.days) == (2330, 153, 2)
    assert pilot.value == pytest.approx(153 / 2330)


def test_european_file_latin1_semicolons_decimal_commas() -> None:
    rows = [
        ["Datum", "Gruppe", "Région", "Besucher", "Käufe", "Umsatz"],
        ["01.03.2024", "Kontrolle", "Île-de-France", "1.200", "60", "1.234,50 €"],
        ["01.03.2024", "Test", "Île-de-France", "1.180", "83", "2.001,25 €"],
        ["13.03.2024", "Kontrolle", "Île-de-France", "1.100", "51", "999,99 €"],
    ]
    data = csv_bytes(rows, ";", encoding="cp1252")
    mapping = ImportMapping(
        "aggregated",
        "Gruppe",
        "Kontrolle",
        "Datum",
        [
            MetricMapping("kauf", "proportion", conversions_column="Käufe", exposures_column="Besucher"),
            MetricMapping("umsatz", "count", column="Umsatz"),
        ],
    )
    result = analyze(data, mapping, name="export.csv", date_range=PILOT)
    assert result.ok, result.problem_lines()
    assert (result.format.encoding, result.format.delimiter, result.format.decimal) == ("cp1252", ";", ",")
    assert result.date_order == "dmy"
    assert rows_of(result) == [
        (date(2024, 3, 1), "control", "kauf", 1200, 60),
        (date(2024, 3, 1), "control", "umsatz", 1, 1234.5),
        (date(2024, 3, 1), "pilot", "kauf", 1180, 83),
        (date(2024, 3, 1), "pilot", "umsatz", 1, 2001.25),
        (date(2024, 3, 13), "control", "kauf", 1100, 51),
        (date(2024, 3, 13), "control", "umsatz", 1, 999.99),
    ]


def test_us_export_with_thousands_currency_percent_and_mdy_dates() -> None:
    data = (
        b"Day,Variant,Sessions,Orders,Revenue,Discount\n"
        b'03/13/2024,Control,"337,300",1200,"$337,300.00",12.5%\n'
        b'03/13/2024,Treatment,"335,010",1320,"$341,250.50",10%\n'
        b'03/14/2024,Control," 1,000 ",10,$1000.00,0%\n'
    )
    sample = read_sample(data, "ads.csv")
    mapping = suggest_mapping(sample.columns, sample.rows, decimal=sample.format.decimal)
    assert mapping.layout == "aggregated"
    assert (mapping.arm_column, mapping.date_column, mapping.control_value) == ("Variant", "Day", "Control")
    by_name = {m.name: m for m in mapping.metrics}
    assert (by_name["orders"].conversions_column, by_name["orders"].exposures_column) == ("Orders", "Sessions")
    assert by_name["revenue"].kind == "count" and by_name["discount"].kind == "count"
    result = analyze(data, mapping, name="ads.csv", date_range=PILOT)
    assert result.ok, result.problem_lines()
    assert result.date_order == "mdy"
    control = {o.metric: o for o in result.observations if o.arm == "control" and o.day == date(2024, 3, 13)}
    assert (control["orders"].n, control["orders"].total) == (337300, 1200)
    assert control["revenue"].total == 337300.0
    assert control["discount"].total == pytest.approx(0.125)


def test_yes_no_flags_in_an_event_file_with_week_column() -> None:
    data = csv_bytes(
        [["week", "group", "replied"], ["2024-W10", "A", "yes"], ["2024-W10", "B", "no"], ["2024-W11", "B", "Y"]]
    )
    mapping = ImportMapping("events", "group", "A", "week", [MetricMapping("reply", "proportion", column="replied")])
    result = analyze(data, mapping, date_range=PILOT)
    assert result.ok
    assert result.period == "week"
    assert rows_of(result) == [
        (date(2024, 3, 4), "control", "reply", 1, 1),
        (date(2024, 3, 4), "pilot", "reply", 1, 0),
        (date(2024, 3, 11), "pilot", "reply", 1, 1),
    ]


def test_weekly_rows_starting_before_the_pilot_are_inside_it() -> None:
    data = csv_bytes([HEADER, ["2024-02-26", "control", 10, 1], ["2024-03-04", "control", 10, 1]])
    result = analyze(data, pair_mapping(), date_range=PILOT)  # pilot starts Friday 1 March
    assert result.ok and result.period == "week"


def test_three_arm_file_keeps_arm_names() -> None:
    data = csv_bytes(
        [HEADER, ["2024-03-01", "control", 10, 1], ["2024-03-01", "Email", 10, 2], ["2024-03-01", "SMS", 10, 3]]
    )
    result = analyze(data, pair_mapping(), allowed_arms=["control", "email", "sms"])
    assert result.ok
    assert [o.arm for o in result.observations] == ["control", "email", "sms"]


def test_arm_aliases_win() -> None:
    data = csv_bytes([HEADER, ["2024-03-01", "A", 10, 1], ["2024-03-01", "B", 10, 2], ["2024-03-01", "C", 10, 3]])
    mapping = pair_mapping(control_value="A", arm_aliases={"b": "pilot", "C": "pilot"})
    result = analyze(data, mapping, allowed_arms=["control", "pilot"])
    assert result.ok
    assert rows_of(result) == [
        (date(2024, 3, 1), "control", "conversion", 10, 1),
        (date(2024, 3, 1), "pilot", "conversion", 20, 5),
    ]


def test_single_arm_file_without_arm_column() -> None:
    data = csv_bytes([["date", "sent", "replies"], ["2024-03-01", 100, 9], ["2024-03-02", 120, 11]])
    mapping = ImportMapping(
        "aggregated",
        None,
        None,
        "date",
        [MetricMapping("reply_rate", "proportion", conversions_column="replies", exposures_column="sent")],
    )
    result = analyze(data, mapping, allowed_arms=["pilot"])
    assert result.ok
    assert result.total("pilot", "reply_rate").n == 220


def test_mean_metric_from_n_sum_and_sum_of_squares() -> None:
    data = csv_bytes(
        [
            ["date", "arm", "orders", "revenue", "revenue_sq"],
            ["2024-03-01", "control", 4, 100, 2600],
            ["2024-03-01", "pilot", 2, 50, 1300],
        ]
    )
    sample = read_sample(data)
    mapping = suggest_mapping(sample.columns, sample.rows, ["order_value"])
    assert [(m.name, m.kind, m.n_column, m.sum_column, m.sum_sq_column) for m in mapping.metrics] == [
        ("order_value", "mean", "orders", "revenue", "revenue_sq")
    ]
    result = analyze(data, mapping)
    assert result.ok
    assert [(o.n, o.total, o.total_sq) for o in result.observations] == [(4, 100, 2600), (2, 50, 1300)]
    assert result.total("control", "order_value").value == 25


def test_repeated_day_and_arm_rows_are_added_up_with_a_note() -> None:
    data = csv_bytes(
        [
            ["date", "arm", "channel", "visitors", "conversions"],
            ["2024-03-01", "control", "web", 10, 1],
            ["2024-03-01", "control", "app", 5, 2],
            ["2024-03-01", "pilot", "web", 7, 3],
        ]
    )
    result = analyze(data, pair_mapping())
    assert rows_of(result)[0] == (date(2024, 3, 1), "control", "conversion", 15, 3)
    assert "1 day × arm combination appear on more than one row; their values were added up." in result.notes


def test_totals_and_empty_rows_are_skipped_with_notes() -> None:
    data = b"date,arm,visitors,conversions\n2024-03-01,control,10,1\n\n,,,\n2024-03-01,pilot,10,2\nTotal,,20,3\n"
    result = analyze(data, pair_mapping())
    assert result.ok
    assert result.row_count == 3 and result.rows_used == 2 and result.blank_rows == 2 and result.skipped_rows == 1
    assert "Totals row left out (row 6)." in result.notes


# --- problems, with the row numbers a spreadsheet shows -------------------------------------


def test_unknown_arm_is_reported_on_its_rows() -> None:
    data = csv_bytes(
        [
            HEADER,
            ["2024-03-01", "control", 10, 1],
            ["2024-03-01", "pilot", 10, 2],
            ["2024-03-01", "holdout", 10, 3],
            ["2024-03-02", "holdout", 10, 3],
        ]
    )
    result = analyze(data, pair_mapping(), allowed_arms=["control", "pilot"])
    assert not result.ok
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (4, "arm", "unknown_arm"),
        (5, "arm", "unknown_arm"),
    ]
    assert result.problems[0].message.startswith("Arm 'holdout' is not one of this pilot's arms (control, pilot).")
    assert [o.arm for o in result.observations] == ["control", "pilot"]


def test_conversions_over_exposures_names_row_and_values() -> None:
    data = csv_bytes([HEADER, ["2024-03-01", "control", 100, 5], ["2024-03-01", "pilot", 100, 120]])
    result = analyze(data, pair_mapping())
    assert [(p.row, p.column) for p in result.problems] == [(3, "conversions")]
    assert result.problems[0].message == (
        "'conversions' (120) is larger than 'visitors' (100); there cannot be more conversions than exposures."
    )
    assert str(result.problems[0]).startswith("Row 3: ")


def test_unparseable_numbers_negative_and_fractional_counts() -> None:
    data = csv_bytes(
        [HEADER, ["2024-03-01", "control", "12x", 5], ["2024-03-01", "pilot", -10, 1], ["2024-03-02", "pilot", 10, 1.5]]
    )
    result = analyze(data, pair_mapping())
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (2, "visitors", "not_a_number"),
        (3, "visitors", "negative"),
        (4, "conversions", "not_whole"),
    ]
    assert result.problems[0].message == "'12x' in 'visitors' is not a number."
    assert result.problems[1].message == "'visitors' is negative (-10); counts cannot be below zero."
    assert result.observations == []


def test_dates_outside_the_pilot_and_unreadable_dates() -> None:
    data = csv_bytes(
        [
            HEADER,
            ["2024-02-28", "control", 10, 1],
            ["2024-03-01", "control", 10, 1],
            ["soon", "pilot", 10, 1],
            ["2024-04-02", "pilot", 10, 1],
            ["", "pilot", 10, 1],
        ]
    )
    result = analyze(data, pair_mapping(), date_range=PILOT)
    assert [(p.row, p.code) for p in result.problems] == [
        (2, "date_outside"),
        (4, "not_a_date"),
        (5, "date_outside"),
        (6, "blank"),
    ]
    assert result.problems[0].message == "Date 2024-02-28 is outside the pilot (2024-03-01 to 2024-03-31)."
    assert result.problems[1].message.startswith("'soon' in 'date' is not a date")
    assert result.problems[3].message == "'date' is empty; a value is needed here."
    assert rows_of(result) == [(date(2024, 3, 1), "control", "conversion", 10, 1)]


def test_mixed_day_month_orders_flag_the_dates_that_do_not_fit() -> None:
    data = csv_bytes(
        [HEADER, ["13/03/2024", "control", 10, 1], ["14/03/2024", "control", 10, 1], ["03/15/2024", "pilot", 10, 1]]
    )
    result = analyze(data, pair_mapping())
    assert result.date_order == "dmy"
    assert [(p.row, p.code) for p in result.problems] == [(4, "not_a_date")]


def test_existing_keys_are_reported_as_already_logged() -> None:
    data = csv_bytes(
        [HEADER, ["2024-03-01", "control", 10, 1], ["2024-03-01", "pilot", 10, 2], ["2024-03-02", "pilot", 10, 2]]
    )
    existing = {(date(2024, 3, 1), "pilot", "conversion"), (date(2024, 3, 9), "pilot", "conversion")}
    result = analyze(data, pair_mapping(), existing_keys=existing)
    assert [(p.row, p.code, p.message) for p in result.problems] == [
        (3, "already_logged", "Results for pilot on 2024-03-01 (conversion) are already logged for this pilot.")
    ]
    assert len(result.observations) == 3  # kept, so the caller can offer to replace them


def test_problem_list_is_capped_with_a_count_of_the_rest() -> None:
    rows = [HEADER] + [["2024-03-01", "control", 10, 20]] * 450 + [["2024-03-01", "pilot", 1, 1]]
    rows += [["2024-03-01", "nope", 10, 1]] * 30
    result = analyze(
        csv_bytes(rows), pair_mapping(), allowed_arms=["control", "pilot"], max_problems=200, chunk_rows=100
    )
    assert len(result.problems) == 200 and result.more_problems == 280 and result.problem_count == 480
    assert [p.row for p in result.problems] == list(range(2, 202))
    assert result.problem_lines()[-1] == "…and 280 more problems not listed."


def test_problem_rows_are_in_file_order_across_kinds_and_chunks() -> None:
    rows = [HEADER] + [["2024-03-01", "control", 10, 1]] * 50 + [["2024-03-01", "pilot", 10, 1]]
    rows[10] = ["2024-03-01", "control", 10, 11]
    rows[30] = ["2024-03-01", "other", 10, 1]
    rows[45] = ["1999-01-01", "control", 10, 1]
    result = analyze(csv_bytes(rows), pair_mapping(), allowed_arms=["control", "pilot"], date_range=PILOT, chunk_rows=7)
    assert [(p.row, p.code) for p in result.problems] == [
        (11, "conversions_over_exposures"),
        (31, "unknown_arm"),
        (46, "date_outside"),
    ]


GATE = [HEADER, ["2024-03-01", "gate_30", 100, 19], ["2024-03-01", "gate_40", 110, 20]]


@pytest.mark.parametrize(
    ("values", "control"),
    [
        (("gate_30", "gate_40"), "gate_30"),  # the file names the arms as the pilot does
        (("GATE_30 ", "gate_40"), "gate_30"),  # any case, trimmed
        (("A", "B"), "A"),  # the file's own names: the control value and the one other value
    ],
)
def test_the_control_value_names_the_pilots_control_arm_whatever_it_is_called(values, control) -> None:
    data = csv_bytes([HEADER, ["2024-03-01", values[0], 100, 19], ["2024-03-01", values[1], 110, 20]])
    result = analyze(data, pair_mapping(control_value=control), allowed_arms=["gate_30", "gate_40"])
    assert result.ok, result.problems
    assert rows_of(result) == [
        (date(2024, 3, 1), "gate_30", "conversion", 100, 19),
        (date(2024, 3, 1), "gate_40", "conversion", 110, 20),
    ]


def test_a_control_value_naming_the_other_arm_is_refused_naming_the_arms() -> None:
    result = analyze(csv_bytes(GATE), pair_mapping(control_value="gate_40"), allowed_arms=["gate_30", "gate_40"])
    assert not result.ok and result.problem_count == 1
    [problem] = result.problems
    assert problem.row is None and problem.column == "arm"
    assert "'gate_40' names the arm gate_40, but this pilot's control arm is gate_30" in problem.message


def test_a_control_value_matching_no_arm_is_refused_naming_the_arms() -> None:
    result = analyze(csv_bytes(GATE), pair_mapping(control_value="gate_3"), allowed_arms=["gate_30", "gate_40"])
    assert not result.ok and result.problem_count == 1
    assert result.problems[0].message == (
        "The control value 'gate_3' is neither a value of 'arm' (gate_30, gate_40) nor one of this pilot's arms "
        "(gate_30, gate_40). Pick the value that marks the control group."
    )


def test_values_naming_no_arm_are_refused_naming_the_arms() -> None:
    data = csv_bytes([HEADER, ["2024-03-01", "old", 100, 19], ["2024-03-01", "new", 110, 20]])
    result = analyze(data, pair_mapping(control_value="gate_30"), allowed_arms=["gate_30", "gate_40"])
    assert not result.ok
    assert {p.message for p in result.problems} == {
        f"Arm '{v}' is not one of this pilot's arms (gate_30, gate_40). Pick the control value or map it to an arm."
        for v in ("old", "new")
    }


def test_the_suggestion_takes_the_pilots_control_arm_as_control_value() -> None:
    sample = read_sample(csv_bytes(GATE))
    assert suggest_mapping(sample.columns, sample.rows, arms=["gate_30", "gate_40"]).control_value == "gate_30"
    assert suggest_mapping(sample.columns, sample.rows).control_value is None


def test_the_suggestion_maps_each_pilot_metric_once_preferring_its_own_column() -> None:
    columns = ["userid", "version", "sum_game_rounds", "retention_1", "retention_7"]
    rows = [[i, "gate_30" if i % 2 else "gate_40", i % 7, i % 3 == 0, i % 5 == 0] for i in range(40)]
    mapping = suggest_mapping(columns, rows, ["retention_7"])
    named = {m.name: m.column for m in mapping.metrics}
    assert len(named) == len(mapping.metrics) and named["retention_7"] == "retention_7"
