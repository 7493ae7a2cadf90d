"""The per-chunk machinery the importer's speed rests on gives what the plain pandas calls give."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from lib.importer import ImportMapping, MetricMapping, analyze
from lib.importer.group_sums import ARM_STRIDE, GroupSums
from lib.importer.keys import factorize


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", None, "b", "", "a", "c", None],
        [None, None],
        [],
        ["2024-03-01", "2024-03-01 ", "2024-03-1", "é", "e"],
    ],
)
def test_arrow_text_factorizes_like_pandas(values: list[str | None]) -> None:
    column = pd.Series(values, dtype="str")
    codes, uniques = factorize(column)
    expected_codes, expected_uniques = pd.factorize(column, use_na_sentinel=True)
    assert codes.tolist() == expected_codes.tolist()
    assert list(uniques) == list(expected_uniques)


def test_a_column_of_several_arrow_chunks_factorizes_like_pandas() -> None:
    chunked = pa.chunked_array([["x", "y"], ["y", None, "z"]], type=pa.large_string())
    column = pd.Series(pd.arrays.ArrowStringArray(chunked))
    codes, uniques = factorize(column)
    assert codes.tolist() == [0, 1, 1, -1, 2] and list(uniques) == ["x", "y", "z"]


def test_groups_get_slots_by_key_within_a_chunk_and_by_chunk_across_chunks() -> None:
    sums = GroupSums(metrics=1)
    first = np.array([3 * ARM_STRIDE + 1, 1 * ARM_STRIDE + 0, 3 * ARM_STRIDE + 1, 2 * ARM_STRIDE + 1])
    assert sums.slots(first, None, first_row=2).tolist() == [2, 0, 2, 1]  # keys 64, 129, 193 in key order
    second = np.array([0 * ARM_STRIDE + 2, 3 * ARM_STRIDE + 1])
    assert sums.slots(second, np.array([5, 9]), first_row=100).tolist() == [3, 2]
    assert sums.ids == [(1, 0), (2, 1), (3, 1), (0, 2)]
    assert sums.first_rows == [3, 5, 2, 105]  # the row a group was first seen on, in file row numbers


def test_many_keys_number_new_groups_in_order_of_appearance() -> None:
    sums = GroupSums(metrics=1)
    keys = np.array([2000 * ARM_STRIDE + 3, 1500 * ARM_STRIDE, 2000 * ARM_STRIDE + 3, 7])  # past 65,536
    assert sums.slots(keys, None, first_row=2).tolist() == [0, 1, 0, 2]
    assert sums.ids == [(2000, 3), (1500, 0), (0, 7)]


def test_a_file_with_more_groups_than_direct_bins_matches_pandas_groupby() -> None:
    """2,000 days x 36 arms: group keys past 65,536 and more than 65,536 groups, over several chunks."""
    rng = np.random.default_rng(5)
    rows = 150_000
    days = pd.date_range("2019-01-01", periods=2_000).strftime("%Y-%m-%d").to_numpy()
    arms = np.array(["control"] + [f"arm_{i:02d}" for i in range(35)])
    frame = pd.DataFrame(
        {
            "date": np.concatenate([np.repeat(days, 36), days[rng.integers(0, 2_000, rows - 72_000)]]),
            "arm": np.concatenate([np.tile(arms, 2_000), arms[rng.integers(0, 36, rows - 72_000)]]),
            "spend": np.round(rng.gamma(2.0, 30.0, rows), 2),
        }
    ).sample(frac=1.0, random_state=3)
    mapping = ImportMapping("events", "arm", "control", "date", [MetricMapping("spend", "mean", column="spend")])
    result = analyze(frame.to_csv(index=False).encode(), mapping, chunk_rows=25_000)
    assert result.ok, result.problem_lines()
    expected = (
        frame.assign(sq=frame.spend**2)
        .groupby(["date", "arm"])
        .agg(n=("spend", "size"), total=("spend", "sum"), sq=("sq", "sum"))
    )
    assert len(expected) == 72_000 == len(result.observations)
    got = pd.DataFrame(
        [(o.day.isoformat(), o.arm, o.n, o.total, o.total_sq) for o in result.observations],
        columns=["date", "arm", "n", "total", "sq"],
    ).set_index(["date", "arm"])
    got = got.loc[expected.index]
    assert (got["n"].to_numpy() == expected["n"].to_numpy()).all()
    np.testing.assert_allclose(got[["total", "sq"]].to_numpy(), expected[["total", "sq"]].to_numpy(), rtol=1e-12)
    first = min(o.day for o in result.observations)
    assert first == date(2019, 1, 1) and max(o.day for o in result.observations) == first + timedelta(days=1_999)
