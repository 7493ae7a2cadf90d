"""Read-only share links: tokens, resolution, opens and audit on both back ends; share mode in the app; the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from lib.adapter.keys import Keys
from lib.cli.main import main
from lib.infra.db import make_engine, transaction, upgrade
from lib.infra.inputs import InvalidInput
from lib.infra.models import AuditEvent, Goal, Pilot, ShareLink, utcnow
from lib.services import backup, decisions, results, share, share_report
from lib.services.access import NotAllowed, Principal
from lib.services.evaluation import decision_snapshot
from tests import factories
from tests.factories import START, day_rows
from tests.pages_helpers import ROOT, open_expander, page

TODAY = date(2026, 11, 1)
SCALED = "Question-style subject lines"  # the demo's scaled pilot
DEMO_PILOTS = [
    "Question-style subject lines",
    "LinkedIn carousel ads",
    "Pricing page FAQ",
    "Cold outreach sequence v2",
    "Retargeting budget shift",
    "Instagram reels twice a week",
    "Webinar invite from the CEO",
    "Homepage hero video",
]
WRITING_WIDGETS = (
    "text_input",
    "number_input",
    "text_area",
    "button",
    "selectbox",
    "multiselect",
    "checkbox",
    "radio",
    "slider",
    "select_slider",
    "date_input",
    "time_input",
    "toggle",
    "color_picker",
    "chat_input",
    "file_uploader",
    "download_button",
    "page_link",
)


def _pilot_with_results(s: Session, name: str = "Subject line test", days: int = 10) -> Pilot:
    pilot = factories.ab_pilot(s, name)
    for i in range(days):
        results.log_results(s, pilot.id, day_rows(START + timedelta(days=i)), "tester", today=TODAY)
    return pilot


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(sa.func.count()).select_from(model)).one()


def _share_events(engine, action: str | None = None) -> list[AuditEvent]:
    with Session(engine) as s:
        stmt = select(AuditEvent).where(AuditEvent.entity == "share_link")
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(s.exec(stmt.order_by(AuditEvent.id)))


# ------------------------------------------------------------------ tokens


def test_token_carries_256_random_bits_and_only_its_hash_is_stored(engine):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        tokens = [share.create_link(s, actor="Ana", pilot_id=pilot.id)[1] for _ in range(20)]
    assert len(set(tokens)) == 20
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128 and len(raw) == 32
    with Session(engine) as s:
        stored = {lk.token_hash for lk in s.exec(select(ShareLink))}
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    everything = json.dumps(backup.export_workspace(engine), default=str)  # every row of every table
    assert not any(t in everything for t in tokens)
    assert not any(t[:20] in everything for t in tokens)


def test_a_valid_token_resolves_to_its_pilot_and_nothing_else_does(engine):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        link, token = share.create_link(s, actor="Ana", pilot_id=pilot.id, label="Sales")
    forged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with Session(engine) as s:
        assert share.resolve(s, token) == share.ShareTarget(link.id, "pilot", pilot_id=pilot.id)
        for bad in (
            share.new_token(),
            token[:-1],
            token[:22],
            token + "A",
            forged,
            token.upper(),
            f" {token}",
            hashlib.sha256(token.encode()).hexdigest(),
            link.token_hash,
            "",
            "x",
            "../../etc/passwd",
            "ü" * 43,
            "=" * 43,
            "A" * 100_000,
            None,
            42,
            b"bytes",
        ):
            assert share.resolve(s, bad) is None, bad


def test_expired_and_revoked_links_resolve_to_nothing(engine):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        expiring, t1 = share.create_link(s, actor="Ana", pilot_id=pilot.id, expires_days=1)
        revoked, t2 = share.create_link(s, actor="Ana", pilot_id=pilot.id)
    with Session(engine) as s:
        assert share.resolve(s, t1) is not None
        assert share.resolve(s, t1, now=utcnow() + timedelta(hours=23)) is not None
        assert share.resolve(s, t1, now=utcnow() + timedelta(days=1, seconds=1)) is None
    with transaction(engine) as s:
        s.get(ShareLink, expiring.id).expires_at = utcnow() - timedelta(seconds=1)
        share.revoke(s, revoked.id, "Ana")
    with Session(engine) as s:
        assert share.resolve(s, t1) is None
        assert share.resolve(s, t2) is None
        assert {r.link.id: r.status for r in share.list_links(s)} == {expiring.id: "expired", revoked.id: "revoked"}
    with pytest.raises(InvalidInput, match="already revoked"), transaction(engine) as s:
        share.revoke(s, revoked.id, "Ana")
    with pytest.raises(InvalidInput, match="does not exist"), transaction(engine) as s:
        share.revoke(s, 999, "Ana")


def test_opens_are_counted_with_when_and_which_link_only(engine):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        link, token = share.create_link(s, actor="Ana", pilot_id=pilot.id)
        other, _ = share.create_link(s, actor="Ana", pilot_id=pilot.id)
    for _ in range(3):
        with transaction(engine) as s:
            share.record_open(s, share.resolve(s, token))
    with Session(engine) as s:
        rows = {r.link.id: r for r in share.list_links(s, pilot_id=pilot.id)}
        assert share.opens(s, link.id) == 3
    assert (rows[link.id].opens, rows[other.id].opens) == (3, 0)
    assert rows[link.id].last_opened is not None and rows[link.id].last_opened.tzinfo is not None
    opens = _share_events(engine, "open")
    assert len(opens) == 3
    for ev in opens:  # when (at) and which link (entity_id); nothing about who opened it
        assert (ev.entity_id, ev.actor, ev.before_json, ev.after_json, ev.reason, ev.pilot_id) == (
            link.id,
            share.OPEN_ACTOR,
            None,
            None,
            "",
            None,
        )


def test_create_and_revoke_are_audited_without_the_token(engine):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        link, token = share.create_link(s, actor="Ana", pilot_id=pilot.id, expires_days=30, label="Sales team")
        share.revoke(s, link.id, "Bo")
    created, revoked = _share_events(engine, "create"), _share_events(engine, "revoke")
    assert [(e.entity_id, e.actor, e.pilot_id) for e in created] == [(link.id, "Ana", pilot.id)]
    assert [(e.entity_id, e.actor) for e in revoked] == [(link.id, "Bo")]
    after = json.loads(created[0].after_json)
    assert after["label"] == "Sales team" and after["expires_at"] and "token_hash" not in after
    assert json.loads(revoked[0].before_json)["revoked_at"] is None
    assert json.loads(revoked[0].after_json)["revoked_at"]
    assert all(token not in (e.after_json or "") + (e.before_json or "") for e in created + revoked)


@pytest.mark.parametrize(
    "values, field, message",
    [
        (dict(), "target", "neither"),
        (dict(pilot_id="P", goal_id="G"), "target", "both"),
        (dict(pilot_id=999), "pilot", "does not exist"),
        (dict(goal_id=999), "goal", "does not exist"),
        (dict(pilot_id="P", expires_days=0), "expires", "between 1 and 3650"),
        (dict(pilot_id="P", expires_days=-5), "expires", "between 1 and 3650"),
        (dict(pilot_id="P", expires_days=3651), "expires", "between 1 and 3650"),
        (dict(pilot_id="P", expires_days=1.5), "expires", "whole number"),
        (dict(pilot_id="P", expires_days="soon"), "expires", "whole number"),
        (dict(pilot_id="P", label="x" * 121), "label", "too long"),
        (dict(pilot_id="P", decision_id=999), "decision", "does not exist"),
        (dict(goal_id="G", decision_id="D"), "decision", "only a pilot"),
        (dict(pilot_id="Q", decision_id="D"), "decision", "another pilot"),
    ],
)
def test_bad_link_requests_are_refused_with_a_clear_message_and_write_nothing(engine, values, field, message):
    with transaction(engine) as s:
        goal = factories.goal(s)
        pilot = _pilot_with_results(s, days=3)
        other = factories.ab_pilot(s, "Another pilot")
        decision = decisions.record_decision(
            s,
            pilot.id,
            outcome="scale",
            rationale="Clear win.",
            decided_by="Lea",
            snapshot=decision_snapshot(s, pilot.id),
        )
    ids = {"P": pilot.id, "Q": other.id, "G": goal.id, "D": decision.id}
    values = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    events = _count(engine, AuditEvent)
    with pytest.raises(InvalidInput) as exc, transaction(engine) as s:
        share.create_link(s, actor="Ana", **values)
    assert message in (exc.value.for_field(field) or ""), exc.value.errors
    assert _count(engine, ShareLink) == 0 and _count(engine, AuditEvent) == events


@pytest.mark.parametrize("role", ["viewer", "share"])
def test_viewers_and_shared_links_cannot_create_or_revoke_links(engine, role):
    with transaction(engine) as s:
        pilot = factories.ab_pilot(s)
        link, _ = share.create_link(s, actor=Principal("Ed", "editor"), pilot_id=pilot.id)
    who = Principal("Vi", role)
    with pytest.raises(NotAllowed), transaction(engine) as s:
        share.create_link(s, actor=who, pilot_id=pilot.id)
    with pytest.raises(NotAllowed), transaction(engine) as s:
        share.revoke(s, link.id, who)
    with Session(engine) as s:
        assert [r.status for r in share.list_links(s)] == ["active"]


def test_a_goal_link_shows_the_goal_and_only_its_pilots(engine):
    with transaction(engine) as s:
        mine, theirs = factories.goal(s, "Pipeline"), factories.goal(s, "Brand")
        _pilot_with_results(s, "Served pilot", days=5).goal_id = mine.id
        _pilot_with_results(s, "Elsewhere pilot", days=5).goal_id = theirs.id
        link, token = share.create_link(s, actor="Ana", goal_id=mine.id)
    with Session(engine) as s:
        target = share.resolve(s, token)
        assert target == share.ShareTarget(link.id, "goal", goal_id=mine.id)
        view = share_report.load_report(s, target)
        rows = share.list_links(s, goal_id=mine.id)
    assert isinstance(view, share.SharedGoal) and view.title == "Pipeline"
    assert [r.title for r in view.sections] == ["Served pilot"] and [r.pilot for r in view.summary] == ["Served pilot"]
    assert view.kpi.startswith("KPI: Qualified leads")
    assert [r.target for r in rows] == [f"goal {mine.id} · Pipeline"]


def test_a_pinned_link_shows_the_decisions_frozen_numbers_not_todays(engine):
    with transaction(engine) as s:
        pilot = _pilot_with_results(s, days=6)
        snap = decision_snapshot(s, pilot.id)
        decision = decisions.record_decision(
            s, pilot.id, outcome="extend", rationale="Need more data.", decided_by="Lea", snapshot=snap
        )
        live, t_live = share.create_link(s, actor="Ana", pilot_id=pilot.id)
        pinned, t_pinned = share.create_link(s, actor="Ana", pilot_id=pilot.id, decision_id=decision.id)
    with transaction(engine) as s:  # three more weeks of strong results after the decision
        for i in range(6, 27):
            results.log_results(
                s, pilot.id, day_rows(START + timedelta(days=i), pilot=(410, 60)), "tester", today=TODAY
            )
    with Session(engine) as s:
        live_view = share_report.load_report(s, share.resolve(s, t_live))
        pinned_view = share_report.load_report(s, share.resolve(s, t_pinned))
    frozen_sentences = [v["sentence"] for v in snap["evaluation"]["verdicts"]]
    assert pinned_view.pinned.id == decision.id and pinned_view.frozen_at is not None
    assert [c.metric for c in pinned_view.report.criteria] == ["Reply rate", "Unsubscribe rate"]
    assert pinned_view.report.headline == frozen_sentences[0]
    assert live_view.report.headline != frozen_sentences[0]
    assert pinned_view.report.decision.rationale == "Need more data."
    assert pinned_view.report.charts and "frozen" in pinned_view.report.charts[0][0]
    assert live_view.pinned is None and len(live_view.report.charts) == 3


@pytest.mark.parametrize("fresh_url", ["sqlite", "postgres"], indirect=True)
def test_links_survive_the_migration_from_the_previous_schema(fresh_url):
    engine = make_engine(fresh_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO share_link (token_hash, scope, label, created_by, created_at) "
                "VALUES ('abc', 'pilot', 'old', 'Bo', '2026-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    with Session(engine) as s:
        old = s.exec(select(ShareLink)).one()
    assert (old.label, old.goal_id, old.decision_id) == ("old", None, None)
    engine.dispose()


def test_share_url_and_plain_markdown():
    token = "a" * 43
    assert share.share_path(token) == f"/?share={token}"
    assert share.share_url("http://10.0.0.5:8501/pilots?x=1", token) == f"http://10.0.0.5:8501/?share={token}"
    assert (
        share.share_url("https://gl.example.com/app/goals", token, "/app/")
        == f"https://gl.example.com/app/?share={token}"
    )
    assert share.share_url(None, token) == share.share_url("", token) == f"/?share={token}"
    text = share.plain_markdown("**Bold** [x](http://e.vil) <b>$1</b> :red[hi] :smile: #1_a")
    assert "**" not in text and "](" not in text and "<b>" not in text and ":red[" not in text
    assert ":smile:" not in text and "\\$1" in text
    assert text.replace("\\", "").replace("\u2060", "") == "**Bold** [x](http://e.vil) <b>$1</b> :red[hi] :smile: #1_a"


# ------------------------------------------------------------------ the app in share mode (AppTest)


@pytest.fixture
def demo_url(app_demo_engine):
    return app_demo_engine


def _link(engine, **kw) -> tuple[ShareLink, str]:
    with transaction(engine) as s:
        if "pilot" in kw:
            kw["pilot_id"] = s.exec(select(Pilot.id).where(Pilot.name == kw.pop("pilot"))).one()
        if "goal" in kw:
            kw["goal_id"] = s.exec(select(Goal.id).where(Goal.name == kw.pop("goal"))).one()
        return share.create_link(s, actor="Lea", **kw)


def _shared(token: str):
    at = page("app.py")
    at.query_params["share"] = token
    return at.run()


def _rendered_bytes(at) -> bytes:
    """Every element the run sent to the browser, serialised: texts, tables and chart specs with their data."""
    out: list[bytes] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.append(proto.SerializeToString())
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return b"\n".join(out).replace(b"\\", b"").replace("\u2060".encode(), b"")  # Markdown escapes undone


def _assert_nothing_writes_or_navigates(at) -> None:
    assert not at.exception, at.exception
    assert len(at.sidebar.children) == 0
    for kind in WRITING_WIDGETS:
        assert len(at.get(kind)) == 0, kind


def test_share_mode_renders_the_pilot_report_and_nothing_else(demo_url):
    link, token = _link(demo_url, pilot=SCALED)
    at = _shared(token)
    _assert_nothing_writes_or_navigates(at)
    assert share.plain_markdown(SCALED) in at.title[0].value
    shown = [m.value for m in at.markdown]
    money = next(i for i, m in enumerate(shown) if m.startswith("**Does it pay?** €"))  # the demo pilot spends
    assert money < next(i for i, m in enumerate(shown) if m.startswith("#### "))  # and the report leads with it
    assert len(at.get("vega_lite_chart")) >= 1
    criteria, analysts = at.table[0].value, at.table[-1].value
    assert "p-value" not in " ".join(criteria.columns)  # the statistics are for analysts, below
    assert list(analysts.columns) == [share.plain_markdown(h) for h in ("Criterion", "p-value", "What it tests")]
    assert analysts.iloc[0, 2].count("that the pilot is higher") == 1
    tests = dict(zip(analysts.iloc[:, 0], analysts.iloc[:, 2], strict=True))
    assert tests["Unsubscribe rate"].count("that the guardrail") == 1
    texts = [m.value for m in at.markdown]
    # the demo's scaled pilot is decided: its report opens with the decision, the pilot page's headline
    assert texts.index("#### Decided: scale it") < texts.index("#### Decision") < texts.index("#### For analysts")
    assert "Lea Novak" in " ".join(texts) and "**Why:**" in " ".join(texts)
    rendered = _rendered_bytes(at)
    assert SCALED.encode() in rendered
    for name in DEMO_PILOTS[1:]:
        assert name.encode() not in rendered, name
    assert b"sqlite" not in rendered.lower() and b".db" not in rendered
    with Session(demo_url) as s:
        assert share.opens(s, link.id) == 1


@pytest.mark.parametrize("case", ["forged", "truncated", "expired", "revoked", "unknown", "empty"])
def test_share_mode_with_a_bad_token_shows_only_the_neutral_sentence(demo_url, case):
    link, token = _link(demo_url, pilot=SCALED)
    if case == "expired":
        with transaction(demo_url) as s:
            s.get(ShareLink, link.id).expires_at = utcnow() - timedelta(minutes=1)
    if case == "revoked":
        with transaction(demo_url) as s:
            share.revoke(s, link.id, "Lea")
    bad = {
        "forged": token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        "truncated": token[:30],
        "unknown": share.new_token(),
        "empty": "",
    }.get(case, token)
    at = _shared(bad)
    _assert_nothing_writes_or_navigates(at)
    assert [m.value for m in at.markdown] == [share.INVALID_LINK]
    assert len(at.main.children) == 1
    assert not at.title and not at.table and not at.dataframe and not at.get("vega_lite_chart")
    assert SCALED.encode() not in _rendered_bytes(at)
    with Session(demo_url) as s:
        assert share.opens(s, link.id) == 0


def test_share_mode_for_a_goal_shows_its_pilots_only(demo_url):
    _, token = _link(demo_url, goal="100 new visits a month to the site from social")
    at = _shared(token)
    _assert_nothing_writes_or_navigates(at)
    rendered = _rendered_bytes(at)
    assert b"Instagram reels twice a week" in rendered
    for name in DEMO_PILOTS[:5] + DEMO_PILOTS[6:]:
        assert name.encode() not in rendered, name


def test_share_mode_builds_a_report_once_for_all_who_open_it_until_the_workspace_changes(demo_url, monkeypatch):
    link, token = _link(demo_url, pilot=SCALED)
    built = []
    real = share_report.load_report
    monkeypatch.setattr(share_report, "load_report", lambda s, t: built.append(t) or real(s, t))
    first = _shared(token)

    def another(token: str):  # one more person on the same server: a new session, the process's caches kept
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
        at.query_params["share"] = token
        return at.run()

    second = another(token)  # two stakeholders: two sessions, two opens on the record
    assert len(built) == 1 and _rendered_bytes(second) == _rendered_bytes(first)
    assert len(second.get("vega_lite_chart")) >= 1
    with Session(demo_url) as s:
        assert share.opens(s, link.id) == 2
    with transaction(demo_url) as s:  # a decision recorded since: the next open shows it
        pilot_id = s.exec(select(Pilot.id).where(Pilot.name == SCALED)).one()
        decisions.decide(s, pilot_id, outcome="scale", rationale="The board wants one more round.", decided_by="Lea")
    third = another(token)
    assert len(built) == 2 and "The board wants one more round." in " ".join(m.value for m in third.markdown)
    with transaction(demo_url) as s:  # revoked: what was kept for it is never shown again
        share.revoke(s, link.id, "Lea")
    assert [m.value for m in another(token).markdown] == [share.INVALID_LINK]


def test_share_mode_pinned_to_a_decision_says_so(demo_url):
    with Session(demo_url) as s:
        decision = next(r.decision for r in decisions.list_decisions(s) if r.pilot_name == SCALED)
    _, token = _link(demo_url, pilot=SCALED, decision_id=decision.id)
    at = _shared(token)
    _assert_nothing_writes_or_navigates(at)
    assert "pinned to the decision" in at.info[0].value and "not today's" in at.info[0].value
    assert len(at.get("vega_lite_chart")) == 1


def _labelled(widgets, label: str):
    [widget] = [w for w in widgets if w.label == label]
    return widget


def test_pilots_page_creates_lists_and_revokes_a_link(demo_url):
    at = page("pages/pilots.py").run()
    pilot_id = at.selectbox[0].value
    assert not [w for w in at.button if w.label == "Create link"], "closed, the expander draws nothing"
    open_expander(at, Keys.opened(Keys.share(pilot_id, None)))
    _labelled(at.number_input, "Expires after (days)").set_value(14)
    _labelled(at.text_input, "Label").set_value("Sales *leads*")
    _labelled(at.button, "Create link").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    url = at.code[0].value
    assert "/?share=" in url
    token = url.rsplit("share=", 1)[1]
    with Session(demo_url) as s:
        target = share.resolve(s, token)
        [row] = share.list_links(s, pilot_id=pilot_id)
    assert target.pilot_id == pilot_id and row.link.label == "Sales *leads*"
    assert row.link.expires_at - row.link.created_at == timedelta(days=14)
    assert any("Sales \\*leads\\*" in m.value and "opened 0 times" in m.value for m in at.markdown)
    at.button(key=f"share_pilot_{pilot_id}_revoke_{row.link.id}").click().run()
    assert not at.exception
    assert not at.code  # the full link was shown once only
    with Session(demo_url) as s:
        assert share.resolve(s, token) is None


def test_goals_page_creates_a_link(demo_url):
    at = page("pages/goals.py").run()
    open_expander(at, Keys.opened(Keys.share(None, at.selectbox(key="share_goal").value)))
    _labelled(at.button, "Create link").click()
    at.run()
    assert not at.exception and not at.error
    token = at.code[0].value.rsplit("share=", 1)[1]
    with Session(demo_url) as s:
        assert share.resolve(s, token).scope == "goal"


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def cli_demo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    assert main(["demo"]) == 0
    engine = make_engine(url)
    yield engine
    engine.dispose()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_creates_lists_and_revokes_links(cli_demo, capsys):
    capsys.readouterr()
    code, out, err = run(capsys, "share", "create", "--pilot", SCALED, "--expires", "7", "--label", "Sales")
    assert code == 0, err
    path = out.strip().splitlines()[-1]
    assert path.startswith("/?share=")
    token = path.removeprefix("/?share=")
    with Session(cli_demo) as s:
        target = share.resolve(s, token)
        assert s.get(Pilot, target.pilot_id).name == SCALED
        share.record_open(s, target)
        s.commit()
    code, out, _ = run(capsys, "share", "create", "--goal", "2")
    assert code == 0 and out.strip().splitlines()[-1].startswith("/?share=")
    code, out, _ = run(capsys, "share", "list")
    assert code == 0
    header, *lines = out.strip().splitlines()
    assert header.split()[:6] == ["id", "target", "created", "expires", "revoked", "opens"]
    assert len(lines) == 2 and SCALED in lines[1] and "never" in lines[0]
    assert lines[1].split()[-2:] == ["1", "Sales"]  # opened once
    code, out, _ = run(capsys, "share", "revoke", str(target.link_id))
    assert code == 0 and "revoked" in out
    with Session(cli_demo) as s:
        assert share.resolve(s, token) is None
    code, out, _ = run(capsys, "share", "list", "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows[target.link_id]["status"] == "revoked" and rows[target.link_id]["opens"] == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["share", "create", "--pilot", "No such pilot"], "no pilot is named"),
        (["share", "create", "--goal", "99"], "goal #99 does not exist"),
        (["share", "create", "--pilot", "1", "--expires", "0"], "between 1 and 3650"),
        (["share", "create", "--pilot", "1", "--expires", "4000"], "between 1 and 3650"),
        (["share", "revoke", "99"], "does not exist"),
    ],
)
def test_cli_share_errors_are_one_line_on_stderr(cli_demo, capsys, argv, message):
    capsys.readouterr()
    code, out, err = run(capsys, *argv)
    assert code != 0 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert _count(cli_demo, ShareLink) == 0
