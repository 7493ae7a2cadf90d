"""Who is asking, and may they write: checked in ``lib/`` on every write path, not only in the UI.

A :class:`Principal` is the name written on entries and decisions *and* the
role behind it; it is a ``str`` so every write function keeps taking
``actor`` as before. Roles (see PRODUCT.md, "Who may do what"):

- ``editor`` — signed in and on the editors list: may do everything;
- ``viewer`` — signed in, not an editor: reads everything, writes nothing;
- ``local`` — no sign-in configured (one person or a trusted LAN): may write;
- ``share`` — a stakeholder's read-only link: writes nothing.

A plain ``str`` actor comes from trusted code (the CLI, scripts, tests) and is
treated as local. The app always passes a :class:`Principal` built from the
signed-in identity, so a crafted rerun or a stale page is refused here.
"""

from __future__ import annotations

from collections.abc import Iterable

from lib.infra.inputs import InvalidInput, check_actor
from lib.vocabulary import ACCESS_ROLE_LABELS, ACCESS_ROLES, WRITER_ROLES

ROLES = ACCESS_ROLES
WRITERS = WRITER_ROLES
ROLE_LABELS = ACCESS_ROLE_LABELS


class Principal(str):
    """A name that also knows its role (and e-mail, when signed in)."""

    role: str
    email: str

    def __new__(cls, name: str, role: str = "local", email: str = "") -> Principal:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}.")
        obj = super().__new__(cls, name)
        obj.role = role
        obj.email = email
        return obj

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS


class NotAllowed(InvalidInput):
    """A write refused because of who is asking; nothing was written."""


def can_write(actor: str) -> bool:
    return not isinstance(actor, Principal) or actor.can_write


def require_editor(actor: str, what: str = "change anything") -> None:
    """Refuse the write (before anything is written) unless ``actor`` may write, under a name that fits."""
    if can_write(actor):
        check_actor(actor)  # every write signs with this name: one check here covers them all
        return
    role, email = (actor.role, actor.email) if isinstance(actor, Principal) else ("?", "")
    if role == "share":
        message = "a shared link is read only."
    else:
        message = (
            f"you are signed in as a viewer ({email or actor}), so you cannot {what}; "
            "ask an editor to add you to the editors list."
        )
    raise NotAllowed.one("actor", message)


def role_for(email: str, editors: Iterable[str]) -> str:
    """``editor`` when the e-mail is on the list (an address, or ``@domain`` for a whole domain), else ``viewer``."""
    address = email.strip().lower()
    for entry in editors:
        item = str(entry).strip().lower()
        if not item:
            continue
        if item.startswith("@") and address.endswith(item):
            return "editor"
        if address == item:
            return "editor"
    return "viewer"
