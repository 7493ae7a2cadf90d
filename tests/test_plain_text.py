"""What people typed is shown as typed: a Markdown image or link in any field stays text, on every page.

And what tables let people download is safe to open in a spreadsheet: Streamlit's own
table export is off, the app's CSV neutralises formula cells.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lib.adapter.keys import Keys
from lib.importer import ImportMapping, MetricMapping, file_checksum
from lib.infra.db import make_engine, reading, transaction, upgrade
from lib.infra.inputs import PilotIn
from lib.infra.models import Goal
from lib.report.export import FORMULA_TRIGGERS
from lib.services import decisions, import_batches, pilots, reporting, results, share
from lib.services.audit import snapshot
from lib.services.evaluation import decision_snapshot
from tests import factories
from tests.pages_helpers import ROOT, open_tab, page

PIXEL = "![x](http://host.invalid/pixel.png)"
LINK = "[click](javascript:alert(1))"


def test_hostile_markdown_in_a_hypothesis_and_a_rationale_is_not_rendered(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        p = factories.ab_pilot(s, hypothesis=f"Lifts replies {PIXEL}")
        s.flush()
        results.log_results(s, p.id, factories.day_rows(factories.START), "t")
        decisions.record_decision(
            s,
            p.id,
            outcome="extend",
            rationale=f"Keep going {LINK} {PIXEL}",
            decided_by=f"Mallory {PIXEL}",
            snapshot=decision_snapshot(s, p.id),
        )
    for path in ("pages/review.py", "pages/pilots.py"):
        at = page(path).run()
        assert not at.exception
        shown = [e.value for kind in (at.markdown, at.info, at.warning, at.caption) for e in kind]
        shown += [e.label for e in at.expander]
        joined = "\n".join(shown)
        assert "pixel" in joined or path.endswith("pilots.py")  # the text is there …
        assert PIXEL not in joined and LINK not in joined, path  # … but never as Markdown
    engine.dispose()


# ------------------------------------------------------------------ a workspace full of hostile text

IMG_TAG = "<img src=x onerror=alert(1)>"
COLOUR = ":red[boom]"
BOLD = "**bold**"
#: formula cells a spreadsheet would run (CSV injection)
FORMULA_NAME = '=HYPERLINK("http://127.0.0.1:9/x","open")'
FORMULA_OWNER = "@SUM(1+1)"
FORMULA_KPI = "+cmd|' /C calc'!A0"


def pixel_markdown(base: str) -> str:
    return f"![x]({base}/pixel.png)"


def hostile(tag: str, limit: int, base: str) -> str:
    """``tag`` and as many hostile snippets as the field holds (the image that phones home first)."""
    text = tag
    for part in (pixel_markdown(base), LINK, IMG_TAG, COLOUR, BOLD):
        if len(text) + 1 + len(part) <= limit:
            text += " " + part
    return text


def hostile_parts(base: str) -> tuple[re.Pattern[str], ...]:
    """What must never reach Markdown as typed (an escaped ``\\<img`` is text)."""
    raw = (pixel_markdown(base), "](http", LINK, "](javascript", COLOUR, BOLD)
    return (*(re.compile(re.escape(part)) for part in raw), re.compile(r"(?<!\\)<img"))


@dataclass(frozen=True)
class Workspace:
    goal_id: int
    pilot_id: int
    pilot_name: str
    arm: str
    metric: str
    actor: str
    pilot_token: str
    goal_token: str


def _import_csv(day: date, arm: str) -> bytes:
    return f"date,variant,sent,replies\n{day},control,300,20\n{day},{arm},310,26\n".encode()


def build_hostile_workspace(engine, base: str = "http://127.0.0.1:9") -> Workspace:
    """Every field a person types (or a file supplies) holds a Markdown image, a link, HTML and
    colour codes; one more pilot has spreadsheet formulas for a name, an owner and a team."""
    h = lambda tag, limit: hostile(tag, limit, base)  # noqa: E731
    actor = h("who", 80)
    start = date.today() - timedelta(days=14)
    arm = h("arm", 40)  # an arm name holds at most 40 characters
    metric = h("metric", 80)
    with transaction(engine) as s:
        goal = factories.goal(
            s,
            h("goal", 120),
            kpi_name=h("kpi", 120),
            kpi_unit=h("u", 40),
            period=h("p", 40),
            description=h("why", 500),
        )
        pilot = pilots.create_pilot(
            s,
            actor,
            name=h("pilot", 120),
            hypothesis=h("hyp", 500),
            owner=h("owner", 80),
            team=h("team", 80),
            goal_id=goal.id,
            design="ab",
            channel="email",
            status="running",
            arms=f"control,{arm}",
            start_date=start,
            end_date=start + timedelta(days=30),
            planned_n_per_arm=2000,
            criteria=[
                dict(metric=metric, kind="proportion", role="primary", threshold=0.0, expected=0.02),
                dict(metric=h("count", 80), kind="count", role="secondary", threshold=0.0, unit=h("u", 40)),
            ],
        )
        factories.goal(s, "Formulas", level="marketing", parent_id=goal.id, kpi_name=FORMULA_KPI)
        pilots.create_pilot(
            s,
            actor,
            name=FORMULA_NAME,
            owner=FORMULA_OWNER,
            team="-team",
            hypothesis="-1+1",
            goal_id=goal.id,
            design="ab",
            channel="email",
            status="planned",
        )
        s.flush()
        pid = pilot.id
        rows = [
            r
            for i in range(8)
            for r in (
                dict(metric=metric, arm="control", day=start + timedelta(days=i), n=400, total=24),
                dict(metric=metric, arm=arm, day=start + timedelta(days=i), n=410, total=33),
            )
        ]
        results.log_results(s, pid, rows, actor)
        first = next(e for e in results.current_entries(s, pid) if e.arm == arm)
        results.correct_result(s, first.id, actor, h("fix", 200), total=34)
        mapping = ImportMapping(
            layout="aggregated",
            arm_column="variant",
            control_value="control",
            date_column="date",
            metrics=[MetricMapping(metric, "proportion", conversions_column="replies", exposures_column="sent")],
            arm_aliases={arm: arm},
        )
        data = _import_csv(start + timedelta(days=9), arm)
        preview = import_batches.preview_for_pilot(s, pid, data, mapping, name=h("file", 110) + ".csv")
        assert preview.ok, preview.problems
        done = import_batches.commit_import(s, pid, preview, checksum=file_checksum(data), actor=actor)
        import_batches.undo_batch(s, done.batch.id, actor, h("undo", 200))
        values = snapshot(pilot, tuple(PilotIn.model_fields))
        pilots.update_pilot(
            s,
            pid,
            actor,
            reason=h("reason", 200),
            **values,
            criteria=[
                dict(metric=metric, kind="proportion", role="primary", threshold=0.01, expected=0.02),
                dict(metric=h("count", 80), kind="count", role="secondary", threshold=0.0, unit=h("u", 40)),
            ],
        )
        decisions.record_decision(
            s,
            pid,
            outcome="extend",
            rationale=h("rationale", 500),
            decided_by=h("by", 80),
            snapshot=decision_snapshot(s, pid),
        )
        _, pilot_token = share.create_link(s, actor=actor, pilot_id=pid, label=h("label", 120))
        _, goal_token = share.create_link(s, actor=actor, goal_id=goal.id, label=h("glabel", 120))
        return Workspace(goal.id, pid, pilot.name, arm, metric, actor, pilot_token, goal_token)


# ------------------------------------------------------------------ what the pages render as Markdown

_MARKDOWN_BODIES = {"markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error"}


def markdown_sources(at) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer: bodies, labels, help, radio
    options, st.table cells (dataframes, select options and input values are drawn as plain text)."""
    out: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        if kind in _MARKDOWN_BODIES:
            out.append(str(node.value))
        elif kind == "table":
            frame = node.value
            out.extend([str(c) for c in frame.columns] + [str(v) for v in frame.to_numpy().ravel()])
        proto = getattr(node, "proto", None)
        for field in ("label", "help"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                out.append(value)
        if kind == "radio":
            out.extend(str(o) for o in node.options)
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return out


def assert_plain(at, base: str, where: str, *, expect_text: bool = True) -> None:
    assert not at.exception, (where, at.exception)
    sources = markdown_sources(at)
    for text in sources:
        for part in hostile_parts(base):
            assert not part.search(text), f"{where}: {part.pattern!r} reached Markdown as typed in {text!r}"
    if expect_text:  # the typed text is on the page (escaped), so the check above saw it
        assert any("pixel" in text for text in sources), where


@pytest.fixture
def hostile_app(tmp_path, monkeypatch) -> tuple[object, Workspace]:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    ws = build_hostile_workspace(engine)
    yield engine, ws
    engine.dispose()


def _run(path: str, ws: Workspace):
    at = page(path)
    at.session_state["actor"] = ws.actor  # the sidebar's name, as typed
    return at.run()


BASE = "http://127.0.0.1:9"


def test_every_page_shows_hostile_text_as_text(hostile_app):
    _, ws = hostile_app
    assert_plain(_run("pages/home.py", ws), BASE, "home", expect_text=False)  # tables only
    for path in ("pages/goals.py", "pages/review.py", "pages/settings.py"):
        assert_plain(_run(path, ws), BASE, path)

    at = _run("pages/pilots.py", ws)
    for tab in ("New pilot", "Edit a pilot"):  # each is drawn from its first opening
        open_tab(at, Keys.tab("pilots"), tab)
    assert_plain(at, BASE, "pilots")
    details = next(w for w in at.selectbox if w.label == "Details for")
    details.set_value(ws.pilot_id).run()
    edit = next(w for w in at.selectbox if w.label == "Pilot to edit")
    edit.set_value(ws.pilot_id).run()
    assert_plain(at, BASE, "pilots, the hostile pilot's details and edit form")
    shown = "\n".join(markdown_sources(at))
    assert "8% (target)" not in shown and "up by 1.0 pts or more vs control" in shown  # app words as written

    at = _run("pages/log_results.py", ws)
    assert_plain(at, BASE, "log results")
    assert any(share.plain_markdown(ws.arm) in text for text in markdown_sources(at))


def test_an_uploaded_file_with_hostile_columns_name_and_cells_stays_text(hostile_app):
    _, ws = hostile_app
    pixel = pixel_markdown(BASE)
    day = date.today()
    header = f"date,variant,sent,{pixel}"  # a column name from the file
    body = f"{day},control,300,20\n{day},{ws.arm},310,{LINK}\n{day},{IMG_TAG},1,1\n"
    at = _run("pages/log_results.py", ws)
    name = f"![x](pixel.png) {LINK}.csv"  # a browser sends the file's own name, no folder
    at.file_uploader[0].set_value((name, (header + "\n" + body).encode(), "text/csv")).run()
    assert_plain(at, BASE, "import: the file read")
    conversions = next(w for w in at.selectbox if w.label == "Conversions")
    conversions.set_value(pixel).run()
    next(w for w in at.selectbox if w.label == "Sent").set_value("sent").run()  # an email pilot: its rate is over Sent
    next(b for b in at.button if b.label == "Preview import").click().run()
    assert_plain(at, BASE, "import: the preview and its problems")
    assert at.error, "the hostile cells are problems, quoted in the preview"
    assert any("Problem" in d.value.columns for d in at.dataframe)


def test_messages_that_quote_typed_text_show_it_as_text(hostile_app):
    _, ws = hostile_app
    at = _run("pages/goals.py", ws)
    form = at.tabs[0]
    next(w for w in form.selectbox if w.label == "Level").set_value("company")
    next(w for w in form.selectbox if w.label == "Parent goal").select_index(0)
    next(w for w in form.text_input if w.label == "Name").set_value(hostile("new", 120, BASE))
    next(w for w in form.text_input if w.label == "KPI").set_value("Leads")
    next(b for b in form.button if b.label == "Create goal").click().run()
    assert at.success, ([e.value for e in at.error], at.exception)
    assert_plain(at, BASE, "goals: saved")

    with reading(hostile_app[0]) as s:  # a second goal of the same name: refused, the name quoted
        name = s.get(Goal, ws.goal_id).name
    form = at.tabs[0]
    next(w for w in form.selectbox if w.label == "Level").set_value("company")
    next(w for w in form.selectbox if w.label == "Parent goal").select_index(0)
    next(w for w in form.text_input if w.label == "Name").set_value(name)
    next(w for w in form.text_input if w.label == "KPI").set_value("Leads")
    next(b for b in form.button if b.label == "Create goal").click().run()
    assert any("already exists" in e.value for e in at.error)
    assert_plain(at, BASE, "goals: refused")

    at = _run("pages/review.py", ws)
    at.text_area[0].set_value("Scale it")
    next(b for b in at.button if b.label.startswith("Record decision for ")).click().run()
    assert any("Decision recorded" in e.value for e in at.success)
    assert_plain(at, BASE, "review: decision recorded")


def test_the_share_view_shows_hostile_text_as_text(hostile_app):
    _, ws = hostile_app
    for token in (ws.pilot_token, ws.goal_token):
        at = page("app.py")
        at.query_params["share"] = token
        assert_plain(at.run(), BASE, "share view")


def test_the_html_reports_escape_hostile_text_and_load_nothing(hostile_app):
    engine, ws = hostile_app
    with reading(engine) as s:
        documents = [reporting.pilot_html(s, ws.pilot_id), reporting.goal_html(s, ws.goal_id), reporting.pack_html(s)]
    for html in documents:
        assert "pixel.png" in html  # the typed text is in the report …
        assert "&lt;img src=x" in html and "<img src=x" not in html  # … as text, not an element
        assert 'href="javascript' not in html.lower() and 'src="http' not in html.lower()


# ------------------------------------------------------------------ table downloads


def test_streamlit_own_table_export_is_off():
    """Streamlit's "Download as CSV" on a table wrote =HYPERLINK(…) cells as live formulas."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


@pytest.fixture
def downloads(monkeypatch):
    """The files behind the download buttons of the last AppTest run (Streamlit's test harness keeps
    them in a media manager it drops after each run; this keeps a handle on it)."""
    import streamlit.testing.v1.app_test as app_test

    made: list = []

    class Kept(app_test.MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)

    def files(at) -> dict[str, bytes]:
        """File name -> bytes of every download button the run drew (the data built as on a click)."""
        manager, out = made[-1], {}
        for button in at.get("download_button"):
            entry = manager._deferred_callables[button.proto.deferred_file_id]
            url = manager.execute_deferred(button.proto.deferred_file_id)
            out[entry["filename"]] = manager._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content
        return out

    return files


def _cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


@pytest.mark.parametrize(
    ("path", "file_name"),
    [("pages/home.py", "portfolio.csv"), ("pages/pilots.py", "pilots.csv"), ("pages/goals.py", "goals.csv")],
)
def test_a_table_shows_a_formula_as_typed_and_its_csv_neutralises_it(hostile_app, downloads, path, file_name):
    _, ws = hostile_app
    at = _run(path, ws)
    shown = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
    cells = _cells(downloads(at)[file_name])
    typed, neutralised = {
        "pages/home.py": (FORMULA_NAME, "'" + FORMULA_NAME),
        "pages/pilots.py": (FORMULA_OWNER, "'" + FORMULA_OWNER),
        "pages/goals.py": (FORMULA_KPI, "'" + FORMULA_KPI),
    }[path]
    assert typed in shown  # on screen exactly as typed …
    assert neutralised in cells  # … and in the file as text a spreadsheet will not run
    risky = [c for c in cells if c.lstrip(" ").startswith(FORMULA_TRIGGERS)]
    assert not risky, risky
    assert any("pixel.png" in c for c in cells)


def test_the_log_tables_csv_neutralise_formulas(hostile_app, downloads):
    engine, ws = hostile_app
    with transaction(engine) as s:
        entry = next(e for e in results.current_entries(s, ws.pilot_id) if e.arm == "control")
        results.correct_result(s, entry.id, "=cmd()", "-2+3", total=25)
    at = _run("pages/log_results.py", ws)
    files = {name: data for name, data in downloads(at).items() if name.endswith(".csv")}
    assert {name.rsplit("-", 1)[-1] for name in files} >= {"logged.csv", "corrections.csv"}, list(files)
    for name, data in files.items():
        cells = _cells(data)
        assert "'=cmd()" in cells, name
        risky = [c for c in cells if c.lstrip(" ").startswith(FORMULA_TRIGGERS)]
        assert not risky, (name, risky)
