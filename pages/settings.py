"""Settings: who you are, the workspace's defaults, where the data lives, and backups."""

import streamlit as st

from lib.adapter import conflicts
from lib.adapter.cached import forget_caches
from lib.adapter.session import Keys, actor, can_write, engine, form_key, read, save, show_flash
from lib.adapter.widgets import plain, read_only_note
from lib.infra.inputs import InvalidInput
from lib.services import settings, workspace
from lib.services.backup import BackupError

st.title(":material/settings: Settings", anchor=False)
show_flash()

st.subheader("You")
st.markdown(
    f"Your entries are signed **{plain(actor()) or 'by nobody yet: give your name before your first change'}**"
    " — change the name in the sidebar. "
    "Set `GREENLIGHT_USER` to give it a default."
)

st.subheader("Defaults for new pilots")
with read() as session:
    current = settings.defaults(session)
    counts = workspace.counts(session)
if can_write():
    shown = conflicts.opened(  # the defaults as the form opened them, held while it stays on screen
        form_key("defaults"), Keys.submit(form_key("defaults")), lambda: current
    )
    with st.form(form_key("defaults")):
        c1, c2 = st.columns(2)
        confidence = c1.selectbox(
            "Confidence new criteria start with",
            settings.CONFIDENCES,
            index=settings.CONFIDENCES.index(shown.confidence),
            format_func=lambda c: f"{c:.0%}",
            help="How sure the numbers must be before a criterion counts as met (or missed).",
        )
        looks = c2.selectbox(
            "How often the team looks at a running pilot",
            list(settings.LOOK_SCHEDULES),
            index=list(settings.LOOK_SCHEDULES).index(shown.looks),
            format_func=settings.LOOK_SCHEDULES.get,
            help="The designer plans for it: verdicts stay honest however often you look, and fewer looks "
            "need a slightly smaller sample.",
        )
        if st.form_submit_button("Save defaults", type="primary", key=Keys.submit(form_key("defaults"))):
            typed = {"confidence": confidence, "looks": looks}
            conflicts.save(
                "defaults",
                lambda session: settings.save_defaults(session, actor(), shown=shown, **typed),
                "Defaults saved.",
                reset="defaults",
                over=lambda session, over, typed=typed: settings.save_defaults(
                    session, actor(), shown=shown, over=over, **typed
                ),
                keep=lambda session, refusal, typed=typed: settings.save_defaults(
                    session,
                    actor(),
                    shown=settings.WorkspaceDefaults(**refusal.rebased(vars(shown))),
                    **refusal.theirs_kept(typed),
                ),
            )
    conflicts.choices("defaults")
else:
    st.markdown(
        f"New criteria start at **{current.confidence:.0%}** confidence; the team looks "
        f"**{settings.LOOK_SCHEDULES[current.looks].lower()}**."
    )

st.subheader("Money")
with read() as session:
    money = settings.currency(session)
st.caption(
    "Spend and revenue are counted in one currency: every money figure shows its symbol. Changing it relabels "
    "what is logged; it never converts it."
)
if can_write():
    with st.form("currency_form"):
        codes = list(settings.CURRENCIES)
        code = st.selectbox(
            "Currency",
            codes,
            index=codes.index(money.code),
            format_func=lambda c: settings.Currency(c).label,
            help="Spend typed or imported in another currency is refused, naming the cell.",
        )
        if st.form_submit_button("Save currency"):
            save(lambda session: settings.save_currency(session, actor(), code), f"Money now shows in {code}.")
else:
    st.markdown(f"Money is counted in **{plain(money.label)}**.")

st.subheader("Data")
db = workspace.database_info(engine(), reveal=can_write())
st.markdown(f"**Database:** {plain(db.location)} ({db.kind})")
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

st.subheader("Backup and restore")
st.caption(
    "The whole workspace as one JSON file — history and audit trail included — the same file as "
    "`python -m lib.cli export --out FILE` (restore with `python -m lib.cli restore FILE`). A restore checks every row with the app's own rules first and writes "
    "nothing when anything is wrong."
)
if not can_write():
    read_only_note("back up or restore the workspace")
else:
    st.download_button(
        "Download a backup",
        lambda: workspace.export_text(engine()),
        "greenlight-backup.json",
        "application/json",
        icon=":material/download:",
        on_click="ignore",
    )
    upload = st.file_uploader("Restore from a backup file", type=["json"], key="restore_file")
    replace = st.checkbox(
        "Replace the current workspace (it is saved to a file in data/ first, so this can be undone)",
        key="restore_replace",
    )
    if upload is not None and st.button("Restore", type="primary", key="restore_go"):
        try:
            done = workspace.restore_text(
                engine(), upload.getvalue().decode("utf-8", "replace"), actor(), replace=replace
            )
        except (BackupError, InvalidInput) as exc:
            st.error(f"**Nothing was restored.** {plain(str(exc))}", icon=":material/error:")
        else:
            forget_caches()
            conflicts.reopen("defaults")  # the form opens again on the restored defaults, not the ones it held
            kept = (
                f" The previous workspace was saved to {plain(done.previous_saved_to.name)}."
                if done.previous_saved_to
                else ""
            )
            st.success(f"Restored {done.rows:,} rows into {done.tables} tables.{kept}", icon=":material/check_circle:")
