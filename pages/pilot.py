"""One pilot on one page — deep-linkable: ``?pilot=ID`` opens it, and the id survives a reload."""

from functools import partial

import streamlit as st

from lib.adapter import wire
from lib.adapter.cached import data_versions as cached_versions
from lib.adapter.cached import informed_reading, per_workspace, pilot_page_cached
from lib.adapter.markets import market_readings
from lib.adapter.money import show_money, workspace_currency
from lib.adapter.session import Keys, read
from lib.adapter.units import unit_readings
from lib.adapter.widgets import pilot_downloads, plain, share_links, show_recommendation, table, titled_chart
from lib.formatting import fmt_date
from lib.infra.inputs import InvalidInput
from lib.services import past_pilots, pilots
from lib.services.reporting import results_table
from lib.vocabulary import CHANNEL_LABELS, DESIGN_LABELS


def _results(pilot_id: int):
    with read() as session:
        return results_table(session, pilot_id)


names = per_workspace("pilot names", pilots.pilot_names)  # a rename is a write: the next run lists it
if not names:
    st.title(":material/article: Pilot", anchor=False)
    st.info(
        "No pilots yet. Create one on the **Pilots** page; each pilot then has a page of its own, "
        "with a link you can paste in chat.",
        icon=":material/science:",
    )
    st.stop()

wanted = st.query_params.get("pilot")
default = int(wanted) if wanted and wanted.isdigit() and int(wanted) in names else next(iter(names))
link_changed = wanted != st.session_state.get(Keys.pilot_link)  # a new link, not the picker's own echo
if st.session_state.get(Keys.pilot_page) not in names or link_changed:
    st.session_state[Keys.pilot_page] = default
if wanted and (not wanted.isdigit() or int(wanted) not in names):
    st.warning(f"There is no pilot #{plain(wanted)}: showing the first one instead.", icon=":material/warning:")
pilot_id = st.selectbox("Pilot", list(names), format_func=names.get, key=Keys.pilot_page)
st.query_params["pilot"] = st.session_state[Keys.pilot_link] = str(pilot_id)  # the address bar names it

try:
    version = cached_versions().get(pilot_id, 0)  # a write to the pilot bumps it
    view, drawn = pilot_page_cached(pilot_id, version, workspace_currency().code)  # made once per change, shared
except InvalidInput as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
pilot = view.pilot

st.title(f":material/article: {plain(pilot.name)}", anchor=False)
st.caption(
    f"**{view.state.capitalize()}** · {DESIGN_LABELS.get(pilot.design, pilot.design)} · "
    f"{CHANNEL_LABELS.get(pilot.channel, plain(pilot.channel))} · owner {plain(pilot.owner) or '—'}"
    + (f" · {fmt_date(pilot.start_date)} – {fmt_date(pilot.end_date)}" if pilot.start_date and pilot.end_date else "")
)
if pilot.hypothesis:
    st.markdown(f"**Hypothesis.** {plain(pilot.hypothesis)}")

if view.bundle is None:
    show_recommendation(view.headline, view.headline.title)
    st.stop()

ev = view.bundle.evaluation
show_money(view.bundle.spend)  # does it pay: leads when spend is logged
show_recommendation(view.headline, "" if view.headline.is_recommendation else view.headline.title)
for w in view.warnings:
    st.warning(plain(w), icon=":material/warning:")
peers = past_pilots.PeerFilter(  # the toggles below, as last set
    st.session_state.get(Keys.peers("pilot", "channel"), True),
    st.session_state.get(Keys.peers("pilot", "metric"), True),
)
informed = informed_reading(pilot, ev, peers)  # read once per change to the workspace
if informed is not None:  # beside the verdict, never instead of it
    with st.container(border=True):
        st.markdown(f":material/history: {plain(informed.sentence)}")
        with st.popover("Which past pilots count", icon=":material/tune:"):
            st.toggle("Same channel only", value=True, key=Keys.peers("pilot", "channel"))
            st.toggle("Same metric only", value=True, key=Keys.peers("pilot", "metric"))
            st.caption(plain(informed.peers.rule()))

assert drawn is not None  # a pilot with a bundle has its charts
_, main = drawn[0]
titled_chart(main, key=Keys.chart("pilot", pilot_id))  # its title wraps as text: Vega cut it at the top

st.subheader("Each criterion")
cols = st.columns(min(len(view.cards), 3) or 1)
for i, c in enumerate(view.cards):
    with cols[i % len(cols)].container(border=True):
        icon = {True: ":material/check_circle:", False: ":material/cancel:"}.get(c.met, ":material/hourglass_top:")
        st.markdown(f"{icon} **{plain(c.title)}** — {c.status}")
        if c.logged:
            st.markdown(f"{plain(c.estimate)}  \nInterval: {plain(c.interval)}  \nConfidence: {c.confidence}")
        else:
            st.markdown("Nothing logged yet: no figure to read.")
        if c.progress is not None:
            st.progress(c.progress, text=c.progress_text)
        else:
            st.caption(c.progress_text)
        st.caption(plain(c.sentence))
        if c.plan_text:
            with st.popover("What the plan can do", icon=":material/insights:"):
                st.markdown(plain(c.plan_text))
unit_readings(ev.verdicts)  # stores split between arms: what adjusting did, the unadjusted reading a click away
market_readings(ev.verdicts, key=f"market_weights_{pilot_id}")  # a market test: its synthetic control's weights

# drawn only while open (opening one reruns the page), as on Review: closed, they cost a run a table and two charts
results = st.expander(
    "Results logged so far", icon=":material/table:", key=Keys.opened("pilot_results"), on_change="rerun"
)
if results.open:
    with results:
        logged = wire.kept(("results table", pilot_id, version), partial(_results, pilot_id))  # never changed
        if logged.empty:
            st.caption("Nothing logged yet.")
        else:
            table(logged, hide_index=True, width="stretch")
more = st.expander(
    "Every criterion at a glance, and progress toward the plan",
    icon=":material/bar_chart:",
    key=Keys.opened("pilot_charts"),
    on_change="rerun",
)
if more.open:
    with more:
        for _, chart in drawn[1:]:
            st.vega_lite_chart(chart, theme=None, width="content")
pilot_downloads(pilot_id, pilot.name, main, key=Keys.downloads("pilot", pilot_id))
share_links(
    pilot_id=pilot_id, blurb="Whoever has the link sees this pilot's report and nothing else, without signing in."
)
st.page_link("pages/review.py", label="Decide in the review meeting", icon=":material/gavel:")
