"""Every session-state and widget key that must stay stable across reruns, in one home.

Pages name their keys through ``Keys`` (re-exported by the adapter), so two pages
never collide and a renamed key is renamed everywhere.
"""

from __future__ import annotations

from datetime import date


class Keys:
    """Every session-state and widget key that must stay stable across reruns, in one place."""

    flash = "_flash"
    review_pilot = "review_pilot"
    queue_cards = "review_queue_cards"  # how many queue cards Review draws with their chart
    pilot_page = "pilot_page"
    pilot_link = "_pilot_link"  # the ?pilot= value last seen, to tell a new link from the picker's own
    planned_n = "new_pilot_planned_n"
    new_design = "new_pilot_design"  # the new pilot's design, filled by "Use this plan"
    actor = "actor"  # local mode: the name that signs every write (the sidebar's "Your name")
    actor_first = "actor_first"  # the same name, asked above the page before the first write

    @staticmethod
    def goal_actual(goal_id: int) -> str:
        return f"goal_actual_{goal_id}"

    @staticmethod
    def grid(pilot_id: int, metric: str, first: date, last: date) -> str:
        return f"grid_{pilot_id}_{metric}_{first}_{last}"

    @staticmethod
    def grid_reason(grid: str) -> str:
        """The grid's "Why" box, keyed with the grid (its key changes when the grid opens again)."""
        return f"{grid}_reason"

    @staticmethod
    def unit_grid(pilot_id: int, what: str) -> str:
        """The per-store grid of a pilot that splits units: its period, editor and save."""
        return f"unit_grid_{pilot_id}_{what}"

    @staticmethod
    def grid_save(pilot_id: int) -> str:
        return f"grid_save_{pilot_id}"

    @staticmethod
    def log_day(pilot_id: int) -> str:
        return f"log_day_{pilot_id}"

    @staticmethod
    def day_field(form: str, metric: str, arm: str, field: str) -> str:
        return f"{form}_{metric}_{arm}_{field}"

    @staticmethod
    def upload(pilot_id: int, what: str) -> str:
        """Widgets of one pilot's import panel: upload, layout, column pickers, preview, commit."""
        return f"{what}_{pilot_id}"

    @staticmethod
    def mapping(pilot_id: int, metric: str, role: str) -> str:
        return f"m_{metric}_{role}_{pilot_id}"

    @staticmethod
    def import_preview(pilot_id: int) -> str:
        return f"import_preview_{pilot_id}"

    @staticmethod
    def undo_import(batch_id: int | None) -> str:
        return f"undo_{batch_id}"

    @staticmethod
    def decide(pilot_id: int) -> str:
        return f"decide_{pilot_id}"

    @staticmethod
    def peers(page: str, which: str) -> str:
        """The toggles choosing which past pilots inform a reading ("channel", "metric"), per page."""
        return f"{page}_peers_{which}"

    @staticmethod
    def tab(page: str) -> str:
        """A page's tabs: the label of the one open (the tabs rerun the page when another is opened)."""
        return f"{page}_tab"

    @staticmethod
    def tabs_opened(page: str) -> str:
        """The labels of a page's tabs opened so far in the session: those are drawn on every run."""
        return f"_{page}_tabs_opened"

    @staticmethod
    def opened(what: str) -> str:
        """An expander drawn only while open: its open state (opening it reruns the page)."""
        return f"{what}_open"

    @staticmethod
    def chart(page: str, pilot_id: int) -> str:
        return f"{page}_chart_{pilot_id}"

    @staticmethod
    def downloads(page: str, pilot_id: int) -> str:
        return f"{page}_dl_{pilot_id}"

    @staticmethod
    def criterion(form: str, role: str, field: str) -> str:
        return f"{form}_{role}_{field}"

    @staticmethod
    def plan(field: str, *variant: object) -> str:
        return "_".join(["plan", field, *(str(v) for v in variant)])

    @staticmethod
    def edit_pilot(pilot_id: int) -> str:
        return f"edit_pilot_{pilot_id}"

    @staticmethod
    def edit_goal(goal_id: int) -> str:
        return f"edit_goal_{goal_id}"

    @staticmethod
    def share(pilot_id: int | None, goal_id: int | None) -> str:
        return f"share_pilot_{pilot_id}" if pilot_id is not None else f"share_goal_{goal_id}"

    @staticmethod
    def nonce(base: str) -> str:
        return f"_nonce_{base}"

    @staticmethod
    def basis(kind: str, key: str) -> str:
        """What a page showed under ``key`` (``kind``: opened, seen, used) or a refusal held for it (pending)."""
        return f"_{kind}_{key}"

    @staticmethod
    def submit(form: str) -> str:
        """A form's submit button: drawn on the last run, it says the form is still on screen."""
        return f"{form}_submit"

    @staticmethod
    def stale(base: str, choice: str) -> str:
        """The widgets of a refusal's choices for the form ``base`` (reload, keep, reason, over)."""
        return f"{base}_stale_{choice}"
