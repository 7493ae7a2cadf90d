"""One headline per pilot, the same in ``lib.cli evaluate`` and on the pilot page, agreeing with its reasons.

A planned pilot with data printed "NOT STARTED" over "… scale it" (issue 17): every status
is run here through the CLI and the page, with data that would call the pilot where it matters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from lib import formatting as fmt
from lib.adapter.keys import Keys
from lib.cli.main import main
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.models import Pilot
from lib.services.decisions import decide
from lib.services.headline import Logged, headline
from lib.services.results import log_results
from tests import factories
from tests.pages_helpers import page
from tests.report.helpers import without_bundle

TODAY = date.today()
WIN = ((400, 24), (410, 60))  # a day's sends and replies per arm: the pilot clearly ahead
FLAT = ((40, 2), (41, 2))  # a day too small and too even to call


@dataclass(frozen=True)
class Case:
    name: str
    status: str
    start: int  # days from today
    end: int
    logged_days: int
    day: tuple = WIN
    decided: str | None = None  # the outcome recorded at the review
    state: str = ""
    title: str = ""
    banner: str = "info"  # success (green), error (red), warning, info
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


CASES = [
    Case("Idea only", "idea", 5, 30, 0, state="idea", title="Not started", says=("nothing to judge yet",)),
    Case(
        "Planned, nothing logged",
        "planned",
        5,
        30,
        0,
        state="planned",
        title="Not started",
        says=("It has not started (it is planned), so there is nothing to judge yet",),
    ),
    Case(
        "Planned with data",
        "planned",
        -20,
        10,
        20,
        state="planned",
        title="Not started",
        says=("nothing is recommended yet: the 40 values logged", "are not judged until it runs"),
        never=("scale", "Scale", "criterion met"),
    ),
    Case(
        "Running clear win",
        "running",
        -20,
        10,
        20,
        state="running",
        title="Scale",
        banner="success",
        says=("scale it",),
    ),
    Case(  # it read "Recommendation: keep running" beside "— vs — (—)"
        "Running, nothing logged",
        "running",
        -3,
        25,
        0,
        state="running",
        title="Nothing logged yet",
        says=("Nothing is logged yet, so there is nothing to judge",),
        never=("Keep running", "keep running", "— vs —"),
    ),
    Case(
        "Running, too early",
        "running",
        -3,
        25,
        3,
        day=FLAT,
        state="running",
        title="Keep running",
        says=("Not enough data to call it yet.",),
    ),
    Case(
        "Ended without an answer",
        "running",
        -30,
        -2,
        3,
        day=FLAT,
        state="ended — awaiting a decision",
        title="Awaiting a decision",
        says=(
            f"Its planned end ({fmt.fmt_date(TODAY - timedelta(days=2))}) has passed without a clear answer",
            "It holds at least 120 of the planned 2,000 contacts in each arm (6%)",  # not a pace to a date gone by
        ),
        never=("Keep running", "today's pace"),
    ),
    Case(
        "Ended clear win",
        "running",
        -30,
        -2,
        28,
        state="ended — awaiting a decision",
        title="Scale",
        banner="success",
        says=("scale it",),
    ),
    Case(
        "Decided against the numbers",
        "running",
        -20,
        10,
        20,
        decided="abort",
        state="decided",
        title="Decided: abort",
        banner="error",
        says=("by tester: Abort — “Budget went elsewhere.”", "Today's numbers point to scale; the recorded decision"),
        never=("scale it",),
    ),
    Case(
        "Decided with the numbers",
        "running",
        -20,
        10,
        20,
        decided="scale",
        state="decided",
        title="Decided: scale it",
        banner="success",
        says=("Today's numbers still point to scale.",),
    ),
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('headline') / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    ids = {}
    with transaction(engine) as s:
        for c in CASES:
            start = TODAY + timedelta(days=c.start)
            p = factories.ab_pilot(s, c.name, status=c.status, start_date=start, end_date=TODAY + timedelta(days=c.end))
            rows = [r for d in range(c.logged_days) for r in factories.day_rows(start + timedelta(days=d), *c.day)]
            if rows:
                log_results(s, p.id or 0, rows, "tester")
            ids[c.name] = p.id or 0
    with transaction(engine) as s:
        for c in CASES:
            if c.decided:
                decide(
                    s,
                    ids[c.name],
                    outcome=c.decided,
                    rationale="Budget went elsewhere.",
                    decided_by="tester",
                    override_reason="The budget moved to another channel." if c.decided == "abort" else "",
                )
    yield url, ids
    engine.dispose()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_cli_prints_one_headline_that_agrees_with_its_reasons(workspace, case, monkeypatch, capsys):
    url, _ = workspace
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    assert main(["evaluate", "--pilot", case.name]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{case.name} [{case.state}] -> {case.title.upper()}"
    for words in case.says:
        assert words in out
    for words in case.never:
        assert words not in out
    judged = case.status not in ("idea", "planned")
    assert ("  - primary: " in out) == (judged and case.logged_days > 0)
    assert main(["evaluate", "--pilot", case.name, "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["headline"]["title"] == case.title
    assert [r for r in listed["headline"]["reasons"] if r in out] == listed["headline"]["reasons"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_pilot_page_shows_the_same_headline(workspace, case, monkeypatch):
    url, ids = workspace
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    at = page("pages/pilot.py")
    at.query_params["pilot"] = str(ids[case.name])
    at.run()
    assert not at.exception, at.exception
    _shows_the_headline(at, case)
    for words in case.never:
        assert not [w.value for w in at.warning if words in w.value]


def _shows_the_headline(at, case: Case) -> None:
    """One banner in the case's colour leads with its title and says its reasons."""
    banners = {kind: [e.value for e in getattr(at, kind)] for kind in ("success", "error", "warning", "info")}
    [banner] = [b for b in banners[case.banner] if "Recommendation: " in b or f"**{case.title}**" in b]
    text = banner.replace("\\", "")
    assert _lead(case) in text
    for words in case.says:
        assert words in text
    for words in case.never:
        assert words not in text


def _lead(case: Case) -> str:
    return (
        f"Recommendation: **{case.title.lower()}**" if case.title in ("Scale", "Keep running") else f"**{case.title}**"
    )


REVIEWED = [c for c in CASES if c.status == "running"]  # Review lists running and decided pilots


@pytest.mark.parametrize("case", REVIEWED, ids=lambda c: c.name)
def test_review_shows_the_same_headline_for_the_chosen_pilot_and_in_its_queue(workspace, case, monkeypatch):
    """An ended pilot awaits a decision and a decided one leads with its decision, on Review as on the pilot page."""
    url, ids = workspace
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    at = page("pages/review.py")
    at.session_state[Keys.queue_cards] = len(CASES)  # every waiting pilot drawn as a card
    at.session_state[Keys.review_pilot] = ids[case.name]
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key=Keys.review_pilot).value == ids[case.name]
    _shows_the_headline(at, case)
    assert not [i.value for i in at.info if i.value.startswith("**Decided:")]  # said once, in the headline
    cards = [m.value for m in at.markdown if m.value.startswith(f"**{case.name}** — ")]
    # the numbers call it, or its end has passed (a pilot with nothing logged waits for data, not a decision)
    waits = not case.decided and case.title not in ("Keep running", "Nothing logged yet")
    assert len(cards) == waits, cards
    if waits:
        assert f"{_lead(case)} · " in cards[0]


def test_before_the_start_nothing_is_recommended_whatever_the_numbers_say():
    """The rule without a database: the engine's scale never reaches a pilot that has not started."""
    pilot = Pilot(name="Promo 1", design="ab", status="planned", start_date=TODAY, end_date=TODAY)
    said = headline(pilot, None, logged=Logged(56, TODAY - timedelta(days=3), TODAY))
    assert (said.code, said.title, said.judged) == ("not_started", "Not started", False)
    assert "56 values logged" in said.reasons[0] and "from before its start date" in said.reasons[0]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_pilots_report_leads_with_the_same_words(workspace, case):
    """The report opens with the pilot page's headline: a decided pilot's decision (who, when, why, and why
    against the numbers), else the recommendation, or why there is none ("Not started", not "Recommendation:
    Not started")."""
    from lib.infra.db import reading
    from lib.services import reporting

    url, ids = workspace
    engine = make_engine(url)
    with reading(engine) as s:
        html = reporting.pilot_html(s, ids[case.name])
    engine.dispose()
    verdict = html.split('<div class="verdict', 1)[1].split("</div>", 1)[0]
    recommended = case.title in ("Scale", "Keep running")
    lead = f"Recommendation: <strong>{case.title}</strong>" if recommended else f"<strong>{case.title}</strong>"
    assert f'<p class="recommendation lead">{lead}</p>' in verdict
    assert "Log results" not in html  # a stakeholder opens no page but the report
    if case.status == "running" and case.logged_days:  # counted in the metric's own units, as the verdict counts
        own = without_bundle(html)
        assert "Sample so far (contacts)" in own and "visitors" not in own
    if case.decided == "abort":  # against the numbers: the reason it was overridden is said with it
        assert "Against the recommendation to scale: “The budget moved to another channel.”" in verdict
    for words in case.says:
        assert words.replace("’", "&#x27;").replace("'", "&#x27;") in verdict
    for words in case.never:
        assert words not in verdict
