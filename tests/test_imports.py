"""Imports stored as batches: all or nothing, duplicates refused, undo, concurrency on both back ends."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlmodel import Session, func, select

from lib.importer import ImportMapping, MetricMapping, file_checksum, read_sample
from lib.infra.db import transaction
from lib.infra.inputs import InvalidInput
from lib.infra.models import ImportBatch, ResultEntry
from lib.services import import_batches, results
from tests import factories
from tests.factories import START


def agg_csv(days: list[date], seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    lines = ["date,variant,sent,replies"]
    for d in days:
        for arm in ("control", "pilot"):
            n = int(rng.integers(200, 400))
            lines.append(f"{d.isoformat()},{arm},{n},{int(rng.integers(5, 30))}")
    return ("\n".join(lines) + "\n").encode()


def do_import(engine, pilot_id: int, data: bytes, name: str = "export.csv", replace: bool = False):
    checksum = file_checksum(data)
    with Session(engine) as s:
        mapping = import_batches.mapping_for(s, pilot_id, read_sample(data, name))
        replacing = import_batches.check_duplicate(s, pilot_id, checksum, replace)
        preview = import_batches.preview_for_pilot(s, pilot_id, data, mapping, name=name, replacing=replacing)
    with transaction(engine) as s:
        return import_batches.commit_import(s, pilot_id, preview, checksum=checksum, actor="tester", replace=replace)


def current(engine, pilot_id: int) -> list[tuple]:
    with Session(engine) as s:
        return sorted((e.day, e.arm, e.metric, e.n, e.total) for e in results.current_entries(s, pilot_id))


@pytest.fixture
def pilot(engine):
    with transaction(engine) as s:
        return factories.ab_pilot(s)


def test_import_stores_one_batch_and_remembers_the_mapping(engine, pilot):
    data = agg_csv([START, START + timedelta(days=1)])
    outcome = do_import(engine, pilot.id, data)
    assert outcome.entries == 4
    expected = pd.read_csv(pd.io.common.BytesIO(data))
    got = current(engine, pilot.id)
    assert [(r[3], r[4]) for r in got] == [
        (float(a), float(b)) for a, b in expected.sort_values(["date", "variant"])[["sent", "replies"]].values
    ]
    with Session(engine) as s:
        batch = s.exec(select(ImportBatch)).one()
        remembered = import_batches.remembered_mapping(s, pilot.id)
    assert (batch.row_count, batch.entry_count, batch.source) == (4, 4, "file")
    assert remembered.metrics[0].conversions_column == "replies"


def test_the_same_file_twice_is_refused_unless_replaced(engine, pilot):
    data = agg_csv([START])
    do_import(engine, pilot.id, data)
    before = current(engine, pilot.id)
    with pytest.raises(import_batches.DuplicateImport, match="already imported"):
        do_import(engine, pilot.id, data)
    assert current(engine, pilot.id) == before
    outcome = do_import(engine, pilot.id, data, replace=True)
    assert outcome.replaced_batch_id is not None
    assert current(engine, pilot.id) == before  # replaced, not double-counted
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ResultEntry)).one() == 4  # old values kept in history


def test_undo_takes_a_whole_batch_back_and_keeps_history(engine, pilot):
    outcome = do_import(engine, pilot.id, agg_csv([START, START + timedelta(days=1)]))
    with transaction(engine) as s:
        assert import_batches.undo_batch(s, outcome.batch.id, "lead", "wrong file") == 4
    assert current(engine, pilot.id) == []
    with pytest.raises(InvalidInput, match="already undone"), transaction(engine) as s:
        import_batches.undo_batch(s, outcome.batch.id, "lead")
    do_import(engine, pilot.id, agg_csv([START, START + timedelta(days=1)]))  # the same file may come back
    assert len(current(engine, pilot.id)) == 4


def test_a_file_with_problems_writes_nothing(engine, pilot):
    data = b"date,variant,sent,replies\n2026-10-01,control,100,120\n2026-10-01,pilot,100,5\n"
    with Session(engine) as s:
        preview = import_batches.preview_for_pilot(
            s, pilot.id, data, import_batches.mapping_for(s, pilot.id, read_sample(data, "x.csv"))
        )
    assert not preview.ok and preview.problems[0].row == 2
    with pytest.raises(InvalidInput, match="problem"), transaction(engine) as s:
        import_batches.commit_import(s, pilot.id, preview, checksum=file_checksum(data), actor="t")
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 0
        assert s.exec(select(func.count()).select_from(ResultEntry)).one() == 0


def test_days_logged_by_hand_are_reported_before_import(engine, pilot):
    with transaction(engine) as s:
        results.log_results(s, pilot.id, factories.day_rows(START), "ana", today=date(2026, 12, 1))
    data = agg_csv([START, START + timedelta(days=1)])
    with Session(engine) as s:
        preview = import_batches.preview_for_pilot(
            s, pilot.id, data, import_batches.mapping_for(s, pilot.id, read_sample(data, "x.csv"))
        )
    assert not preview.ok
    assert {p.row for p in preview.problems} == {2, 3} and "already logged" in preview.problems[0].message


def _race(engine, pilot_id: int, files: list[bytes]) -> list[object]:
    """Preview each file, then commit them all at the same moment from separate threads."""
    previews = []
    for i, data in enumerate(files):
        with Session(engine) as s:
            mapping = import_batches.mapping_for(s, pilot_id, read_sample(data, f"f{i}.csv"))
            previews.append((data, import_batches.preview_for_pilot(s, pilot_id, data, mapping, name=f"f{i}.csv")))
    barrier = threading.Barrier(len(files))
    outcomes: list[object] = [None] * len(files)

    def worker(i: int) -> None:
        data, preview = previews[i]
        barrier.wait()
        try:
            with transaction(engine) as s:
                outcomes[i] = import_batches.commit_import(
                    s, pilot_id, preview, checksum=file_checksum(data), actor=f"w{i}"
                )
        except InvalidInput as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_concurrent_imports_of_different_days_lose_nothing(engine, pilot):
    files = [agg_csv([START + timedelta(days=2 * i), START + timedelta(days=2 * i + 1)], seed=i) for i in range(4)]
    outcomes = _race(engine, pilot.id, files)
    assert all(isinstance(o, import_batches.ImportOutcome) for o in outcomes), outcomes
    got = current(engine, pilot.id)
    assert len(got) == 16
    expected = sum(pd.read_csv(pd.io.common.BytesIO(f))["replies"].sum() for f in files)
    assert sum(r[4] for r in got) == expected


def test_concurrent_imports_of_the_same_file_count_it_once(engine, pilot):
    data = agg_csv([START, START + timedelta(days=1)])
    outcomes = _race(engine, pilot.id, [data, data, data])
    assert sum(isinstance(o, import_batches.ImportOutcome) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, (import_batches.ImportOutcome, InvalidInput)) for o in outcomes)
    assert sum(r[4] for r in current(engine, pilot.id)) == pd.read_csv(pd.io.common.BytesIO(data))["replies"].sum()
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ImportBatch)).one() == 1


def revenue_events(days: list[date], rows: int = 900, seed: int = 5) -> tuple[bytes, pd.DataFrame]:
    """One row per visitor: most spend nothing, buyers' amounts lognormal."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "date": [days[i].isoformat() for i in rng.integers(0, len(days), rows)],
            "variant": rng.choice(["control", "pilot"], rows),
            "spend": np.where(rng.random(rows) < 0.1, np.round(rng.lognormal(3.0, 1.2, rows), 2), 0.0),
        }
    )
    return frame.to_csv(index=False).encode(), frame


def test_event_import_stores_sums_of_cubes_and_the_engine_gets_them(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(
            s, name="Checkout upsell", criteria=[dict(metric="revenue", kind="mean", role="primary", threshold=0.0)]
        )
    data, frame = revenue_events([START, START + timedelta(days=1), START + timedelta(days=2)])
    mapping = ImportMapping("events", "variant", "control", "date", [MetricMapping("revenue", "mean", column="spend")])
    with Session(engine) as s:
        preview = import_batches.preview_for_pilot(s, p.id, data, mapping, name="visits.csv")
    assert preview.ok, preview.problem_lines()
    with transaction(engine) as s:
        import_batches.commit_import(s, p.id, preview, checksum=file_checksum(data), actor="tester")
    grouped = frame.assign(sq=frame.spend**2, cu=frame.spend**3).groupby(["date", "variant"])
    expected = {
        (date.fromisoformat(d), arm): (float(len(g)), g.spend.sum(), g.sq.sum(), g.cu.sum()) for (d, arm), g in grouped
    }
    with Session(engine) as s:
        stored = {(e.day, e.arm): (e.n, e.total, e.total_sq, e.total_cu) for e in results.current_entries(s, p.id)}
        observed = {(o.day, o.arm): (o.n, o.total, o.total_sq, o.total_cu) for o in results.observations(s, p.id)}
    assert stored.keys() == observed.keys() == expected.keys()
    for key, values in expected.items():
        assert stored[key] == pytest.approx(values, rel=1e-9)
        assert observed[key] == pytest.approx(values, rel=1e-9)
    assert all(v[3] > 0 for v in observed.values())


def test_a_correction_keeps_the_cubes_only_while_the_sums_stand(engine):
    with transaction(engine) as s:
        p = factories.ab_pilot(
            s, name="Checkout upsell", criteria=[dict(metric="revenue", kind="mean", role="primary", threshold=0.0)]
        )
        results.log_results(
            s,
            p.id,
            [dict(metric="revenue", arm="pilot", day=START, n=3, total=6.0, total_sq=14.0, total_cu=36.0)],
            "ana",
            today=date(2026, 12, 1),
        )
    with transaction(engine) as s:
        entry = results.current_entries(s, p.id)[0]
        assert entry.total_cu == 36.0
        results.correct_result(s, entry.id, "lead", reason="context", note="promo day")
    with transaction(engine) as s:
        entry = results.current_entries(s, p.id)[0]
        assert (entry.note, entry.total_cu) == ("promo day", 36.0)  # sums untouched: cubes still fit
        results.correct_result(s, entry.id, "lead", reason="typo", total=7.0, total_sq=17.0)
    with Session(engine) as s:
        (obs,) = results.observations(s, p.id)
    assert (obs.total, obs.total_sq, obs.total_cu) == (7.0, 17.0, None)  # a stale sum of cubes is dropped
    with pytest.raises(InvalidInput, match="finite"), transaction(engine) as s:
        results.log_results(
            s,
            p.id,
            [dict(metric="revenue", arm="control", day=START, n=1, total=1.0, total_sq=1.0, total_cu=float("inf"))],
            "ana",
            today=date(2026, 12, 1),
        )


def _mapping(*metrics: str) -> ImportMapping:
    columns = {"reply_rate": "replies", "unsubscribe_rate": "unsubs"}
    return ImportMapping(
        "aggregated",
        "variant",
        "control",
        "date",
        [MetricMapping(m, "proportion", conversions_column=columns[m], exposures_column="sent") for m in metrics],
    )


def _import_with(engine, pilot_id: int, data: bytes, mapping: ImportMapping, replace: bool = False):
    checksum = file_checksum(data)
    with Session(engine) as s:
        replacing = import_batches.check_duplicate(s, pilot_id, checksum, replace)
        preview = import_batches.preview_for_pilot(s, pilot_id, data, mapping, name="two.csv", replacing=replacing)
        prepared = import_batches.prepare_import(s, pilot_id, preview)
    with transaction(engine) as s:
        return import_batches.commit_import(s, pilot_id, prepared, checksum=checksum, actor="importer", replace=replace)


TWO_METRICS = (
    b"date,variant,sent,replies,unsubs\n"
    b"2026-10-01,control,400,20,2\n2026-10-01,pilot,410,30,1\n"
    b"2026-10-02,control,380,19,0\n2026-10-02,pilot,390,28,3\n"
)


def test_replacing_an_import_keeps_the_manual_corrections_made_since(engine, pilot):
    both = _mapping("reply_rate", "unsubscribe_rate")
    _import_with(engine, pilot.id, TWO_METRICS, both)
    with transaction(engine) as s:
        entries = {(e.day, e.arm, e.metric): e for e in results.current_entries(s, pilot.id)}
        fixed = entries[(START, "pilot", "reply_rate")]
        results.correct_result(s, fixed.id, "ana", "the CRM double-counted", total=25)
        cleared = entries[(START + timedelta(days=1), "control", "unsubscribe_rate")]
        results.delete_result(s, cleared.id, "bo", "test sends")
    with Session(engine) as s:
        assert import_batches.corrections_to_keep(s, pilot.id, file_checksum(TWO_METRICS)) == 2

    outcome = _import_with(engine, pilot.id, TWO_METRICS, both, replace=True)

    assert (outcome.kept_corrections, outcome.lost_corrections) == (2, 0)
    assert "2 manual corrections of the earlier import kept" in outcome.note
    now = {(d, a, m): (n, t) for d, a, m, n, t in current(engine, pilot.id)}
    assert now[(START, "pilot", "reply_rate")] == (410, 25)  # the correction, not the file's 30
    assert (START + timedelta(days=1), "control", "unsubscribe_rate") not in now  # still cleared
    assert now[(START, "control", "reply_rate")] == (400, 20) and len(now) == 7  # the rest is the file's
    with Session(engine) as s:
        stored = s.exec(select(ResultEntry).where(ResultEntry.batch_id == outcome.batch.id)).all()
        reasons = [line.reason for line in results.history(s, pilot.id)]
        # history keeps both: the file's value as imported again, then the correction on top
        assert sorted(e.total for e in stored if (e.day, e.arm, e.metric) == (START, "pilot", "reply_rate")) == [25, 30]
        assert s.exec(select(func.count()).select_from(ResultEntry)).one() == 8 + 1 + 8 + 1  # nothing lost
    assert any(r.startswith("kept on re-import: corrected by ana") for r in reasons)
    assert any(r.startswith("kept on re-import: cleared by bo") for r in reasons)

    again = _import_with(engine, pilot.id, TWO_METRICS, both, replace=True)  # kept again, not doubled
    assert again.kept_corrections == 2
    assert {(d, a, m): (n, t) for d, a, m, n, t in current(engine, pilot.id)} == now


def test_a_correction_the_new_import_has_no_value_for_is_reported_not_kept(engine, pilot):
    _import_with(engine, pilot.id, TWO_METRICS, _mapping("reply_rate", "unsubscribe_rate"))
    with transaction(engine) as s:
        entry = next(e for e in results.current_entries(s, pilot.id) if e.metric == "unsubscribe_rate")
        results.correct_result(s, entry.id, "ana", "typo", total=0)
    outcome = _import_with(engine, pilot.id, TWO_METRICS, _mapping("reply_rate"), replace=True)
    assert (outcome.kept_corrections, outcome.lost_corrections) == (0, 1)
    assert "could not be kept" in outcome.note
    assert {m for _, _, m, _, _ in current(engine, pilot.id)} == {"reply_rate"}
