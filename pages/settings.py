"""Settings: who you are, where the data lives, and the schema version."""

import streamlit as st
from sqlmodel import func, select

from lib.db import current_revision, describe, head_revision
from lib.models import Decision, Goal, Pilot, ResultEntry
from lib.st_adapter import actor, engine, read

st.title("⚙️ Settings")

st.subheader("You")
st.markdown(
    f"Your entries are signed **{actor() or 'anonymously'}** — change the name in the sidebar. "
    "Set `GREENLIGHT_USER` to give it a default."
)

st.subheader("Data")
eng = engine()
with read() as session:
    counts = {
        label: session.exec(select(func.count()).select_from(model)).one()
        for label, model in (
            ("Goals", Goal),
            ("Pilots", Pilot),
            ("Result rows (incl. history)", ResultEntry),
            ("Decisions", Decision),
        )
    }
st.markdown(f"**Database:** `{describe(eng)}` ({'SQLite file' if eng.dialect.name == 'sqlite' else eng.dialect.name})")
rev, head = current_revision(eng), head_revision()
st.markdown(f"**Schema version:** `{rev}`" + (" (up to date)" if rev == head else f" — newest is `{head}`"))
cols = st.columns(len(counts))
for col, (label, value) in zip(cols, counts.items(), strict=True):
    col.metric(label, f"{value:,}")
st.caption(
    "Teams that outgrow one machine set `GREENLIGHT_DATABASE_URL` to a PostgreSQL URL "
    "(e.g. `postgresql+psycopg://user:pass@host/greenlight`) and run several app replicas on it; "
    "the schema upgrades itself on start."
)
