"""The one module in lib that imports streamlit: cached engine and session plumbing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from lib.adapter import wire
from lib.adapter.keys import Keys
from lib.infra.config import current_actor
from lib.infra.db import DatabaseUnavailable, open_database, reading, transaction
from lib.infra.inputs import InvalidInput
from lib.plain_text import plain_markdown as plain  # what a person typed, shown as typed: never Markdown or links
from lib.services import access
from lib.services.access import Principal, role_for
from lib.vocabulary import RECOMMENDATION_LABELS

T = TypeVar("T")


def _through_entry_point() -> None:
    """Run every page behind ``app.py`` (its sign-in and share-mode gates), even on a fresh server.

    Until some visitor has loaded a URL that runs ``app.py``, Streamlit serves a
    deep link like ``/review`` straight from the ``pages/`` folder; turning that
    legacy mode off here (pages import this module first) reruns through the entry.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


_through_entry_point()


@st.cache_resource(show_spinner="Opening the database…")
def engine() -> Engine:
    """One engine per process, schema upgraded once when the app starts.

    A database that cannot be opened (wrong password, no server, unreadable file) is one
    sentence on the page — which database, what failed, what to check — never a traceback
    or the password; the details go to the server log.
    """
    wire.forget()  # a new engine (a new process, or Streamlit's caches cleared): nothing kept from before
    try:
        return open_database()
    except DatabaseUnavailable as exc:
        st.error(str(exc), icon=":material/database:")
        st.stop()
        raise  # st.stop() ends the run; this keeps type checkers sure nothing is returned


@contextmanager
def read() -> Iterator[Session]:
    with reading(engine()) as session:
        yield session


@contextmanager
def write() -> Iterator[Session]:
    """A transaction. Caches stay: each is keyed by a version the write changes (a pilot's data version,
    the workspace version), so a write to one pilot redraws that pilot only, on every replica."""
    with transaction(engine()) as session:
        yield session


def forget_caches() -> None:
    """After a restore, whose rows may repeat the versions caches are keyed by: drop everything drawn."""
    st.cache_data.clear()
    _per_workspace.clear()
    wire.forget()


@st.cache_resource(max_entries=16, show_spinner=False)
def _per_workspace(name: str, version: tuple[int, int, int], _build: Callable[[Session], T]) -> T:
    with read() as session:
        return _build(session)


def per_workspace(name: str, build: Callable[[Session], T]) -> T:
    """``build(session)`` once per workspace version (any write, on any replica, changes it), shared
    read-only by every session: what a page lists from 2,000 pilots is not rebuilt on every rerun."""
    from lib.services import portfolio

    with read() as session:
        version = portfolio.workspace_version(session)
    return _per_workspace(name, version, build)


def portfolio_overview():
    """The portfolio, shared by every session until the workspace changes: ten people on Home hold one copy."""
    from lib.services import portfolio

    today = date.today()
    return per_workspace(f"portfolio {today}", partial(portfolio.overview, today=today))


def sign_in_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` configures OpenID Connect (``[auth]``)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: local mode
        return False
    except Exception:  # noqa: BLE001 - an unreadable secrets file must not open the app to writes
        return True


def editors() -> list[str]:
    """E-mail addresses (or ``@domain``) allowed to write, from ``[greenlight] editors`` in secrets."""
    try:
        value = st.secrets.get("greenlight", {}).get("editors", [])
    except Exception:  # noqa: BLE001
        return []
    return [value] if isinstance(value, str) else list(value)


def in_share_mode() -> bool:
    return "share" in st.query_params


def actor() -> Principal:
    """Who is asking, as the name written on their work and the role ``lib`` checks on every write.

    Shared link: read only. Sign-in configured: the signed-in identity (editor
    when on the editors list, else viewer; nobody signed in is a viewer).
    Local mode: the name given in the sidebar (or GREENLIGHT_USER).
    """
    if in_share_mode():
        return Principal("shared link", "share")
    if sign_in_configured():
        user = st.user
        if not getattr(user, "is_logged_in", False):
            return Principal("not signed in", "viewer")
        email = str(user.get("email") or "")
        name = str(user.get("name") or email or "signed-in user")
        return Principal(name, role_for(email, editors()), email=email)
    return Principal((st.session_state.get("actor") or current_actor()).strip(), "local")


def table(frame: pd.DataFrame, *, download: str | None = None, **kwargs) -> None:
    """A read-only table, cells as typed; ``download`` names its CSV, whose formula cells ``safe_csv``
    neutralises (Streamlit's own export wrote ``=HYPERLINK(…)`` live, so config.toml turns it off)."""
    from lib.report import safe_csv

    st.dataframe(wire.arrow_of(frame), **kwargs)  # a frame a cache holds is converted on its first run only
    if download:
        st.download_button(
            "CSV",
            lambda: safe_csv(frame),
            download,
            "text/csv",
            key=f"csv_{download}",
            type="tertiary",
            icon=":material/download:",
            on_click="ignore",
            help="This table as a CSV file; a cell that a spreadsheet would run as a formula starts with '.",
        )


def show_recommendation(ev, title: str = "") -> None:
    """The verdict banner in its colour, with its reasons (escaped); ``title`` replaces "Recommendation: …"."""
    show, icon = {
        "scale": (st.success, ":material/check_circle:"),
        "abort": (st.error, ":material/cancel:"),
        "iterate": (st.warning, ":material/autorenew:"),
    }.get(ev.recommendation, (st.info, ":material/hourglass_top:"))
    rec = RECOMMENDATION_LABELS.get(ev.recommendation, ev.recommendation).lower()
    words = f"**{plain(title)}**" if title else f"Recommendation: **{rec}**"
    show(f"{icon} {words}\n\n" + "\n".join(f"- {plain(r)}" for r in ev.reasons))


def main_chart_spec(pilot_id: int, data_version: int) -> dict:
    """A pilot's main chart as a Vega-Lite spec, drawn once per data version (a write to the pilot bumps it)
    and shared read-only: no copy per run (``st.vega_lite_chart`` copies the top level it changes)."""
    from lib.services.evaluation import evaluate
    from lib.services.pilots import get_pilot
    from lib.services.reporting import main_chart_for

    def build() -> dict:
        with read() as session:
            chart = main_chart_for(session, get_pilot(session, pilot_id), evaluate(session, pilot_id))
        return wire.for_screen(chart.to_dict(validate=False))  # tests validate every chart kind; data as Arrow bytes

    return wire.kept(("main chart", pilot_id, data_version), build)


def pilot_view_cached(pilot_id: int, data_version: int):
    """One pilot's evaluation (frozen) and its three chart specs, computed once per change to the pilot, shared."""
    from lib.services.reporting import pilot_bundle

    def build():
        with read() as session:
            bundle = pilot_bundle(session, pilot_id)
        return bundle.evaluation, [(c, wire.for_screen(chart.to_dict(validate=False))) for c, chart in bundle.charts]

    return wire.kept(("pilot view", pilot_id, data_version, date.today()), build)  # the bundle reads today


def show_rollup(*, compact: bool = False) -> None:
    """Company → marketing → team: each goal's KPI and target, the pilots serving it with their verdicts,
    and what the scaled ones are projected to add (Home and Goals). The text is built once per workspace."""
    from lib.services import rollup

    goals = per_workspace(f"rollup {date.today()}", lambda s: rollup.goal_texts(s, portfolio_overview(), plain))
    st.subheader("Pilots serving each goal")
    st.caption(
        "Projected contribution = the effect measured when the pilot was scaled × the volume it is planned to "
        "run at (set on the pilot, “If scaled: units a month”). **It is a projection**, with the range the "
        "interval gives, not a measured result."
    )
    for serving, text in goals:
        if compact and not serving:
            continue
        st.markdown(text)


def can_write() -> bool:
    """Whether to offer widgets that write (``lib`` refuses the write anyway when not)."""
    return access.can_write(actor())


def read_only_note(what: str) -> None:
    who = actor()
    if who.role == "share":
        return
    st.info(
        f"You are signed in as a viewer, so this page is read only: ask an editor to {what}, or to add "
        "you to the editors list.",
        icon=":material/visibility:",
    )


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """A success message that survives the rerun after a write."""
    st.session_state[Keys.flash] = (message, icon)


def show_flash() -> None:
    item = st.session_state.pop(Keys.flash, None)
    if item:
        st.success(item[0], icon=item[1])  # stays on the page until the next action
        st.toast("Done.", icon=":material/check_circle:")  # seen even when the page scrolled elsewhere


def show_invalid(exc: InvalidInput, title: str = "Nothing was saved.") -> None:
    lines = "\n".join(f"- {plain(e)}" for e in exc.errors)  # messages quote what was typed
    st.error(f"**{title}** Please fix:\n{lines}", icon=":material/warning:")


def save(
    action: Callable[[Session], T],
    done: str | Callable[[T], str | None] | None,
    *,
    reset: str | None = None,
    title: str = "Nothing was saved.",
) -> None:
    """The save block every page shares: one transaction, a refusal shown in words, success flashed, rerun.

    ``done`` is the success message, or a function of what ``action`` returned (it may also stash
    that result in session state for the next run and return None for no message).
    """
    try:
        with write() as session:
            result = action(session)
    except InvalidInput as exc:
        show_invalid(exc, title)
        return
    message = done(result) if callable(done) else done
    if message:
        flash(message)
    if reset:
        reset_form(reset)
    st.rerun()


def remember(key: str, value) -> None:
    st.session_state[key] = value


def form_key(base: str) -> str:
    """A form key that changes after a successful save, so the form starts empty again
    while a refused save keeps what the person typed."""
    return f"{base}_{st.session_state.get(Keys.nonce(base), 0)}"


def reset_form(base: str) -> None:
    st.session_state[Keys.nonce(base)] = st.session_state.get(Keys.nonce(base), 0) + 1


def deferred(fn, *args):
    """A download's data built only when clicked, in its own read session (no Streamlit context there)."""
    eng = engine()

    def build():
        with reading(eng) as session:
            return fn(session, *args)

    return build


def file_slug(name: str, fallback: str) -> str:
    """A file name from a typed name: letters and digits kept, every other character a dash."""
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-") or fallback


def pilot_downloads(pilot_id: int, name: str, main_chart, key: str) -> None:
    """The report, the main chart, the results and the decision log, each one click away."""
    from lib.report import chart_png, safe_csv
    from lib.services import reporting

    slug = file_slug(name, f"pilot-{pilot_id}")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "Report (HTML)",
        deferred(reporting.pilot_html, pilot_id),
        f"{slug}-report.html",
        "text/html",
        key=f"{key}_html",
        icon=":material/description:",
        on_click="ignore",
        help="A self-contained file that opens anywhere, offline, with its charts.",
    )
    c2.download_button(
        "Chart (PNG)",
        lambda: chart_png(wire.with_rows(main_chart)),
        f"{slug}-chart.png",
        "image/png",
        key=f"{key}_png",
        icon=":material/image:",
        on_click="ignore",
    )
    c3.download_button(
        "Results (CSV)",
        deferred(lambda s, p: safe_csv(reporting.results_table(s, p)), pilot_id),
        f"{slug}-results.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/table:",
        on_click="ignore",
    )
    c4.download_button(
        "Decision log (CSV)",
        deferred(lambda s, p: safe_csv(reporting.decision_log_frame(s, p)), pilot_id),
        f"{slug}-decisions.csv",
        "text/csv",
        key=f"{key}_log",
        icon=":material/history:",
        on_click="ignore",
    )


def _revoke(session: Session, link_id: int) -> None:
    from lib.services import share

    share.revoke(session, link_id, actor())


def share_links(*, pilot_id: int | None = None, goal_id: int | None = None, blurb: str) -> None:
    """Read-only links to a pilot's or a goal's report: create (the full link shown once), list, revoke.

    A pilot's link may be pinned to one of its recorded decisions (the numbers frozen then).
    """
    from lib.formatting import fmt_date
    from lib.services import decisions, share

    key = Keys.share(pilot_id, goal_id)
    created = st.session_state.pop(f"{key}_new", None)
    with read() as session:
        links = share.list_links(session, pilot_id=pilot_id, goal_id=goal_id)
        pinnable = (
            {r.decision.id: r.decision for r in decisions.list_decisions(session, pilot_id)}
            if pilot_id is not None
            else {}
        )
    with st.expander("Share a read-only link", icon=":material/share:", expanded=created is not None):
        if created:
            st.success("Link created. Copy it now: it is shown only this once.", icon=":material/link:")
            st.code(created, language=None, wrap_lines=True)
        st.caption(blurb)
        if can_write():
            with st.form(form_key(key)):
                c1, c2, c3 = st.columns([1, 2, 2])
                days = c1.number_input(
                    "Expires after (days)",
                    min_value=1,
                    max_value=share.MAX_EXPIRY_DAYS,
                    value=None,
                    step=1,
                    placeholder="never",
                )
                label = c2.text_input("Label", max_chars=share.LABEL_MAX, placeholder="e.g. Sales leadership")
                pin = None
                if pinnable:
                    pin = c3.selectbox(
                        "Numbers shown",
                        [None, *pinnable],
                        format_func=lambda d: (
                            "Today's (live)"
                            if d is None
                            else f"Frozen at the decision of "
                            f"{fmt_date(pinnable[d].decided_at.date())} ({pinnable[d].outcome})"
                        ),
                    )
                if st.form_submit_button("Create link", type="primary"):

                    def _created(made: tuple) -> None:
                        st.session_state[f"{key}_new"] = share.share_url(
                            st.context.url, made[1], st.get_option("server.baseUrlPath")
                        )

                    save(
                        lambda session: share.create_link(
                            session,
                            actor=actor(),
                            pilot_id=pilot_id,
                            goal_id=goal_id,
                            expires_days=days,
                            label=label,
                            decision_id=pin,
                        ),
                        _created,
                        reset=key,
                    )
        if not links:
            st.caption("No links yet.")
        for row in links:
            link = row.link
            c1, c2 = st.columns([6, 1], vertical_alignment="center")
            c1.markdown(
                f"**{share.plain_markdown(link.label) or f'Link #{link.id}'}** · "
                f"{share.STATUS_LABELS[row.status]}{' · pinned to a decision' if link.decision_id else ''}  \n"
                f"Created {fmt_date(link.created_at.date())} by {share.plain_markdown(link.created_by)} · "
                f"expires {share.expiry_text(link)} · opened {row.opens} time{'s' if row.opens != 1 else ''}"
            )
            if row.active and can_write() and c2.button("Revoke", key=f"{key}_revoke_{link.id}"):
                save(
                    partial(_revoke, link_id=link.id or 0),
                    f"Link #{link.id} revoked: it no longer opens anything.",
                )
