"""Home: the portfolio at a glance, or a one-click demo on an empty workspace."""

from datetime import date

import pandas as pd
import streamlit as st

from lib.adapter.cached import per_workspace, portfolio_overview
from lib.adapter.money import COST, EXTRA, SPEND, spend_by_pilot, spend_column_config, spend_columns, workspace_currency
from lib.adapter.session import actor, can_write, save, show_flash
from lib.adapter.widgets import read_only_note, show_rollup, table
from lib.demo import loader
from lib.formatting import MISSING, fmt_date, money_digits
from lib.services.headline import decided_title
from lib.services.pilot_view import short_result
from lib.vocabulary import DESIGN_LABELS, PILOT_STATUS_LABELS, PRIORITY_LABELS

st.title(":material/rocket_launch: Greenlight", anchor=False)
st.caption(
    "Run small marketing pilots against success criteria agreed up front, "
    "let the numbers say how sure we can be, and decide: scale, iterate or abort."
)
show_flash()

overview = portfolio_overview()  # shared and kept per workspace version: no query of its own on a rerun
empty = not overview.rows  # every pilot, whatever its status, has a row

if empty:
    st.subheader("Welcome — your workspace is empty")
    st.markdown(
        "Greenlight follows one loop:\n"
        "1. **Goal** — a shared KPI the company cares about (revenue, qualified leads), not a channel metric.\n"
        "2. **Pilot** — a small test with success criteria written *before* it starts.\n"
        "3. **Log results** — daily or weekly counts, by hand or from an export.\n"
        "4. **Review** — the stats layer says how sure we can be; the lead decides and the numbers are frozen.\n"
    )
    left, right = st.columns(2)
    with left:
        if not can_write():
            read_only_note("load the demo or create the first goal")
        elif st.button(
            "Load demo workspace",
            type="primary",
            icon=":material/auto_awesome:",
            help="3 goals, 8 pilots across email, social, paid and web, 4–8 weeks of results.",
        ):
            bar = st.progress(0.0, text="Creating goals…")
            save(
                lambda session: loader.load_demo(
                    session, on_progress=lambda f, msg: bar.progress(f, text=msg), actor=actor()
                ),
                lambda summary: (
                    f"Demo loaded: {summary.pilots} pilots, {summary.entries:,} result rows, "
                    f"{summary.decisions} decisions. Open **Review** to see the verdicts."
                ),
            )
    with right:
        st.page_link("pages/goals.py", label="Or start with your first goal", icon=":material/flag:")
    st.stop()

with st.container(horizontal=True):  # one row, one block: four columns would send five (issue 29)
    st.metric("Pilots running", overview.running)
    st.metric(
        "Ready for a decision",
        overview.ready,
        help="Running pilots whose numbers already call scale, iterate or abort.",
    )
    st.metric("Decided", overview.decided)
    st.metric("In the backlog", overview.backlog, help="Ideas and planned pilots not started yet.")

st.subheader("Backlog and portfolio")
st.caption(
    "One prioritised list. Priority is MoSCoW: **Must**, **Should**, **Could** have, or **Won't** this time. "
    "The recommendation comes from the criteria agreed before each pilot."
)


money = workspace_currency()
spending = spend_by_pilot()


def portfolio_frame(_session) -> pd.DataFrame:
    """The table below, built once per workspace version and shared by every session (never changed after)."""
    rows = []
    for row in portfolio_overview().rows:
        pilot, ev = row.pilot, row.evaluation
        primary = ev.primary
        decided = pilot.status == "decided" and row.latest_outcome
        # "Decided: iterate", without "(change and re-test)": the cell stays whole; the pilot page says the rest
        verdict = decided_title(row.latest_outcome or "").split(" (", 1)[0] if decided else row.headline.title
        rows.append(
            {
                "Pilot": pilot.name,
                "Recommendation": verdict,
                # a figure that fits its cell (the sentence was cut off); the sentence is on the pilot page
                "Primary result": short_result(primary, money.symbol) if primary and row.headline.judged else "—",
                "Priority": PRIORITY_LABELS.get(pilot.priority, pilot.priority),
                "Ends": fmt_date(pilot.end_date) if pilot.end_date else "—",
                "Status": PILOT_STATUS_LABELS[pilot.status],  # in the CSV; the recommendation says it on screen
                "Design": DESIGN_LABELS.get(pilot.design, pilot.design),
                # numbers, so a lead can sort by them and the CSV keeps them; empty where no spend is logged
                **spend_columns(spending.get(pilot.id or 0), money),
            }
        )
    return pd.DataFrame(rows)


def _money_columns(frame: pd.DataFrame) -> dict[str, object]:
    """The spend columns, narrow, under short headers (the CSV keeps the long ones); extra outcomes whole.

    Money in whole units with separators ("€19,328"); the costs per extra outcome share their decimals.
    """
    short = {SPEND: f"Spend ({money.symbol.strip()})", EXTRA: "Extra", COST: f"{money.symbol.strip()} per extra"}
    costs = next((frame[c].dropna() for c in frame.columns if c.startswith(COST)), pd.Series(dtype=float))
    configs = spend_column_config(money, money_digits(*costs))
    out: dict[str, object] = {}
    for name, config in configs.items():
        base = next((k for k in short if name.startswith(k)), name)
        shown = {**config, "label": short.get(base, name), "width": 70 if base == EXTRA else 90}  # type: ignore[dict-item]
        if base == EXTRA:
            shown["type_config"] = {**shown["type_config"], "format": "%,.0f"}
        out[name] = shown
    return out


portfolio = per_workspace(f"portfolio table {date.today()} {money.code}", portfolio_frame)
table(
    portfolio,
    download="portfolio.csv",
    hide_index=True,
    width="stretch",
    placeholder=MISSING,  # a pilot without spend: "—", as the other empty cells read (Streamlit wrote a grey "None")
    column_config={  # widths in pixels and short headers, so every column reads whole at 1400 px
        "Pilot": st.column_config.TextColumn(width=195),
        "Recommendation": st.column_config.TextColumn(width=165),
        "Primary result": st.column_config.TextColumn(width=215),
        "Priority": st.column_config.TextColumn(width=95),
        "Status": None,  # hidden: in the CSV; the recommendation says it on screen
        "Design": None,  # on the Pilots page
        "Ends": None,  # in the CSV and on the Pilots page: the money needs the room here
        **per_workspace(f"portfolio columns {date.today()} {money.code}", lambda _: _money_columns(portfolio)),
    },
)
st.page_link("pages/review.py", label="Open the review for any pilot", icon=":material/gavel:")
show_rollup(compact=True)
