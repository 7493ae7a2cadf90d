"""Settings: who you are, where the data lives, and the schema version."""

import streamlit as st

from lib import workspace
from lib.st_adapter import actor, can_write, engine, plain, read

st.title(":material/settings: Settings", anchor=False)

st.subheader("You")
st.markdown(
    f"Your entries are signed **{plain(actor()) or 'anonymously'}** — change the name in the sidebar. "
    "Set `GREENLIGHT_USER` to give it a default."
)

st.subheader("Data")
with read() as session:
    counts = workspace.counts(session)
db = workspace.database_info(engine(), reveal=can_write())
st.markdown(f"**Database:** {plain(db.location)} ({db.kind})")  # escapes would show in `code`
st.markdown(
    f"**Schema version:** `{db.revision}`" + (" (up to date)" if db.up_to_date else f" — newest is `{db.head}`")
)
for col, (label, value) in zip(
    st.columns(4),
    [
        ("Goals", counts.goals),
        ("Pilots", counts.pilots),
        ("Result rows (incl. history)", counts.result_rows),
        ("Decisions", counts.decisions),
    ],
    strict=True,
):
    col.metric(label, f"{value:,}")
st.caption(
    "Teams that outgrow one machine set `GREENLIGHT_DATABASE_URL` to a PostgreSQL URL "
    "(e.g. `postgresql+psycopg://user:pass@host/greenlight`) and run several app replicas on it; "
    "the schema upgrades itself on start."
)
