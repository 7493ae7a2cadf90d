"""Event-level files (one row per person) add up to the same numbers as pandas' groupby."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lib.importer import ImportMapping, MetricMapping, analyze, read_sample, suggest_mapping

ARMS = ["control", "email", "sms"]
START = date(2024, 3, 1)


def events_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range(START, periods=28).date
    visited = (rng.random(rows) < 0.4).astype(int)
    converted = ((rng.random(rows) < 0.15) & (visited == 1)).astype(int)
    spend = np.where(converted == 1, np.round(rng.gamma(2.0, 30.0, rows), 2), 0.0)
    return pd.DataFrame(
        {
            "contact_id": np.arange(100_000, 100_000 + rows),
            "date": days[rng.integers(0, len(days), rows)],
            "arm": np.array(ARMS)[rng.integers(0, 3, rows)],
            "visited": visited,
            "converted": converted,
            "spend": spend,
        }
    )


def events_mapping(date_column: str | None = "date") -> ImportMapping:
    return ImportMapping(
        layout="events",
        arm_column="arm",
        control_value="control",
        date_column=date_column,
        metrics=[
            MetricMapping("visit_rate", "proportion", column="visited"),
            MetricMapping("conversion_rate", "proportion", column="converted"),
            MetricMapping("spend", "mean", column="spend"),
        ],
    )


def expected_by_day_arm(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(spend_sq=frame["spend"] ** 2)
    return frame.groupby(["date", "arm"]).agg(
        rows=("visited", "size"),
        visited=("visited", "sum"),
        converted=("converted", "sum"),
        spend=("spend", "sum"),
        spend_sq=("spend_sq", "sum"),
    )


def observed_by_day_arm(result) -> pd.DataFrame:
    table = result.observations_frame()
    wide = table.pivot_table(index=["day", "arm"], columns="metric", values=["n", "total", "total_sq"], aggfunc="sum")
    out = pd.DataFrame(
        {
            "rows": wide[("n", "spend")],
            "visited": wide[("total", "visit_rate")],
            "converted": wide[("total", "conversion_rate")],
            "spend": wide[("total", "spend")],
            "spend_sq": wide[("total_sq", "spend")],
        }
    )
    out.index = out.index.set_names(["date", "arm"])
    return out


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return events_frame(60_000)


@pytest.fixture(scope="module")
def csv_data(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_csv_events_match_pandas_groupby(frame: pd.DataFrame, csv_data: bytes) -> None:
    seen: list[float] = []
    result = analyze(
        csv_data,
        events_mapping(),
        name="events.csv",
        allowed_arms=ARMS,
        date_range=(START, date(2024, 3, 31)),
        on_progress=seen.append,
        chunk_rows=7_000,  # several chunks, with day x arm groups spread over them
    )
    assert result.ok, result.problem_lines()
    assert result.row_count == result.rows_used == 60_000
    assert result.layout == "events" and result.detected_layout == "events"
    expected = expected_by_day_arm(frame)
    observed = observed_by_day_arm(result)
    pd.testing.assert_frame_equal(
        observed.sort_index(), expected.astype(float).sort_index(), check_exact=False, rtol=1e-9
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5


def test_csv_events_per_arm_totals(frame: pd.DataFrame, csv_data: bytes) -> None:
    result = analyze(csv_data, events_mapping(), allowed_arms=ARMS)
    by_arm = frame.groupby("arm").agg(rows=("visited", "size"), converted=("converted", "sum"), spend=("spend", "sum"))
    for arm in ARMS:
        conversion = result.total(arm, "conversion_rate")
        spend = result.total(arm, "spend")
        assert conversion.n == by_arm.loc[arm, "rows"] and conversion.total == by_arm.loc[arm, "converted"]
        assert spend.total == pytest.approx(by_arm.loc[arm, "spend"])
        assert conversion.days == 28 and conversion.rows == by_arm.loc[arm, "rows"]
    assert result.arms == ARMS


def test_events_without_a_date_column_use_as_of(frame: pd.DataFrame, csv_data: bytes) -> None:
    as_of = date(2024, 3, 28)
    result = analyze(csv_data, events_mapping(date_column=None), allowed_arms=ARMS, as_of=as_of)
    assert {o.day for o in result.observations} == {as_of}
    assert len(result.observations) == 3 * 3
    assert result.total("sms", "visit_rate").total == frame.loc[frame.arm == "sms", "visited"].sum()
    assert any("No date column" in note for note in result.notes)


def test_file_sorted_by_arm_still_names_the_second_arm_pilot() -> None:
    frame = events_frame(20_000)
    frame = frame[frame.arm != "sms"].sort_values("arm")
    data = frame.to_csv(index=False).encode()
    result = analyze(data, events_mapping(), allowed_arms=["control", "pilot"], chunk_rows=2_000)
    assert result.ok
    assert result.arm_values == {"control": "control", "email": "pilot"}
    assert result.total("pilot", "visit_rate").n == (frame.arm == "email").sum()


def test_suggested_mapping_for_an_event_file(csv_data: bytes) -> None:
    sample = read_sample(csv_data, "events.csv")
    mapping = suggest_mapping(sample.columns, sample.rows, ["conversion_rate", "avg_spend"])
    assert mapping.layout == "events"
    assert (mapping.arm_column, mapping.date_column, mapping.control_value) == ("arm", "date", "control")
    kinds = {m.column: (m.name, m.kind) for m in mapping.metrics}
    assert kinds == {
        "visited": ("visited", "proportion"),
        "converted": ("conversion_rate", "proportion"),
        "spend": ("avg_spend", "mean"),
    }


def test_xlsx_events_match_pandas_groupby() -> None:
    import openpyxl

    frame = events_frame(3_000, seed=11)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append(["Campaign export"])  # a title row above the table
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([row.contact_id, row.date, row.arm, row.visited, "yes" if row.converted else "no", row.spend])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = analyze(buffer.getvalue(), events_mapping(), name="export.xlsx", allowed_arms=ARMS, chunk_rows=500)
    assert result.ok, result.problem_lines()
    assert result.format.kind == "xlsx" and result.format.header_row == 2
    observed = observed_by_day_arm(result)
    pd.testing.assert_frame_equal(
        observed.sort_index(), expected_by_day_arm(frame).astype(float).sort_index(), check_exact=False, rtol=1e-9
    )


def test_bad_flags_and_amounts_are_reported_and_left_out() -> None:
    data = (
        b"date,arm,converted,spend\n"
        b"2024-03-01,control,1,10\n"
        b"2024-03-01,control,2,10\n"  # row 3: not a flag
        b"2024-03-01,pilot,yes,abc\n"  # row 4: spend unreadable
        b"2024-03-01,pilot,,5\n"  # row 5: blank flag
        b"2024-03-01,pilot,n,-5\n"  # negative spend is fine for an amount (refund)
    )
    mapping = ImportMapping(
        "events",
        "arm",
        "control",
        "date",
        [MetricMapping("conv", "proportion", column="converted"), MetricMapping("spend", "mean", column="spend")],
    )
    result = analyze(data, mapping)
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (3, "converted", "not_a_flag"),
        (4, "spend", "not_a_number"),
        (5, "converted", "blank"),
    ]
    assert result.problems[0].message == "'converted' should be 0 or 1 (or yes/no) on every row, not '2'."
    assert result.rows_used == 2
    assert result.total("pilot", "spend").total == -5
    mapping.metrics[0].blank_as_zero = True
    assert [p.row for p in analyze(data, mapping).problems] == [3, 4]


@pytest.mark.parametrize(
    "stamp",
    ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M %p", "%d.%m.%Y %H:%M:%S"],
)
def test_timestamps_are_counted_on_their_day(stamp: str) -> None:
    rng = np.random.default_rng(3)
    times = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 14 * 86_400, 4_000), unit="s")
    frame = pd.DataFrame(
        {
            "created_at": times.strftime(stamp),
            "arm": rng.choice(["control", "pilot"], 4_000),
            "converted": rng.integers(0, 2, 4_000),
        }
    )
    mapping = ImportMapping(
        "events", "arm", "control", "created_at", [MetricMapping("c", "proportion", column="converted")]
    )
    result = analyze(frame.to_csv(index=False).encode(), mapping, date_range=(START, date(2024, 3, 31)))
    assert result.ok, result.problem_lines()
    expected = frame.assign(day=times.date).groupby(["day", "arm"])["converted"].agg(["size", "sum"])
    observed = {(o.day, o.arm): (o.n, o.total) for o in result.observations}
    assert observed == {key: (float(n), float(t)) for key, (n, t) in expected.iterrows()}


def test_mean_metrics_from_event_rows_carry_the_sum_of_cubes(frame: pd.DataFrame, csv_data: bytes) -> None:
    result = analyze(csv_data, events_mapping(), allowed_arms=ARMS, chunk_rows=9_000)
    assert result.ok, result.problem_lines()
    expected = frame.assign(cube=frame["spend"] ** 3).groupby(["date", "arm"])["cube"].sum()
    cubes = {(o.day, o.arm): o.total_cu for o in result.observations if o.metric == "spend"}
    assert cubes.keys() == set(expected.index)
    for key, value in expected.items():
        assert cubes[key] == pytest.approx(value, rel=1e-9, abs=1e-6)
    assert all(o.total_cu is None for o in result.observations if o.metric != "spend")  # rates: no cubes
    table = result.observations_frame()
    assert "total_cu" in table.columns
    assert table.loc[table.metric == "spend", "total_cu"].sum() == pytest.approx((frame["spend"] ** 3).sum())


def test_negative_amounts_give_negative_cubes_and_aggregated_files_have_none() -> None:
    data = b"date,arm,spend\n2024-03-01,control,10\n2024-03-01,control,-3\n2024-03-01,pilot,2.5\n"
    mapping = ImportMapping("events", "arm", "control", "date", [MetricMapping("spend", "mean", column="spend")])
    result = analyze(data, mapping)
    got = {o.arm: (o.n, o.total, o.total_sq, o.total_cu) for o in result.observations}
    assert got == {"control": (2.0, 7.0, 109.0, 973.0), "pilot": (1.0, 2.5, 6.25, 15.625)}
    aggregated = b"date,arm,orders,revenue,revenue_sq\n2024-03-01,control,2,7,109\n"
    mapping = ImportMapping(
        "aggregated",
        "arm",
        "control",
        "date",
        [MetricMapping("spend", "mean", n_column="orders", sum_column="revenue", sum_sq_column="revenue_sq")],
    )
    (obs,) = analyze(aggregated, mapping).observations
    assert (obs.total_sq, obs.total_cu) == (109.0, None)


def test_flags_written_as_decimals_are_checked_like_whole_ones() -> None:
    """pandas reads "1.0"/"0.0" (or 0/1 with a blank cell) as floats: 0 and 1 pass, anything else is named."""
    mapping = ImportMapping(
        "events", "arm", "control", "date", [MetricMapping("conv", "proportion", column="converted")]
    )
    clean = b"date,arm,converted\n2024-03-01,control,1.0\n2024-03-01,control,0.0\n2024-03-01,pilot,-0.0\n"
    result = analyze(clean, mapping)
    assert result.ok, result.problem_lines()
    assert {o.arm: (o.n, o.total) for o in result.observations} == {"control": (2.0, 1.0), "pilot": (1.0, 0.0)}
    mapping.metrics[0].blank_as_zero = True
    wrong = clean + b"2024-03-01,pilot,0.5\n2024-03-01,pilot,\n2024-03-01,pilot,2.0\n2024-03-01,pilot,1e0\n"
    result = analyze(wrong, mapping)
    assert [(p.row, p.code) for p in result.problems] == [(5, "not_a_flag"), (7, "not_a_flag")]
    assert [p.message for p in result.problems] == [
        "'converted' should be 0 or 1 (or yes/no) on every row, not '0.5'.",
        "'converted' should be 0 or 1 (or yes/no) on every row, not '2'.",
    ]
    assert result.total("pilot", "conv").n == 3 and result.total("pilot", "conv").total == 1.0
