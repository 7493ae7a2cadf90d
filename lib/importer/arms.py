"""Which arm each value of the arm column means: every rule about arm names in one place.

Suggesting (before the user confirms a mapping): the control value is the first
of CONTROL_WORDS present ("control", "holdout", "A", "Group A", ...), else a value
with the word control/ctrl/holdout/baseline in it.

Reading (with the confirmed mapping): values are compared by ``arm_key``; the
mapping's ``arm_aliases`` win, its ``control_value`` becomes the pilot's control
arm (the first of its arms, whatever the team called it: "control", "gate_30"), a
single remaining value becomes its other arm, several remaining values keep their
own names (three-arm pilots), and names outside the pilot's arms are refused.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from lib.specs import CONTROL_ARM, PILOT_ARM, arm_roles

CONTROL_WORDS = (
    "control",
    "ctrl",
    "holdout",
    "hold out",
    "baseline",
    "original",
    "default",
    "champion",
    "kontrolle",
    "controle",
    "a",
    "group a",
    "variant a",
    "old",
    "current",
    "0",
)
"""Values read as the control arm when suggesting a mapping, in order of preference."""
CONTROL_TOKENS = frozenset({"control", "ctrl", "holdout", "baseline"})
"""Words that mark a value as control wherever they appear in it ("email_control")."""


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers of a name: 'Revenue (EUR)' -> ['revenue', 'eur']."""
    return [t for t in re.split(r"[^0-9a-z]+", text.casefold()) if t]


def arm_key(text: str) -> str:
    """How arm values are compared: trimmed, any case, and "01" equal to "1"
    (pandas reads an all-number arm column as integers)."""
    key = text.strip().casefold()
    return key.lstrip("0") or "0" if key.isdigit() else key


def control_value_of(values: Iterable[object], control_arm: str | None = None) -> str | None:
    """The value (as written) that most likely names the control arm, or None.

    ``control_arm`` is the pilot's own name for it ("gate_30"): a value spelling it wins.
    """
    distinct = list(dict.fromkeys(str(v).strip() for v in values))
    named = [v for v in distinct if control_arm and arm_key(v) == arm_key(control_arm)]
    if named:
        return named[0]
    folded = {v.casefold(): v for v in distinct}
    for word in CONTROL_WORDS:
        if word in folded:
            return folded[word]
    for value in distinct:
        if any(t in CONTROL_TOKENS for t in tokens(value)):
            return value
    return None


def arm_order(arm: str) -> tuple[int, str]:
    """Sort key: control first, then pilot, then other arms by name."""
    return ({CONTROL_ARM: 0, PILOT_ARM: 1}.get(arm, 2), arm)


def role_arms(allowed: Sequence[str] | None) -> tuple[str, str | None]:
    """The names of the control arm and of the one pilot arm among ``allowed`` (None: several).

    Named by :func:`lib.specs.arm_roles`, the rule the decision engine reads a pilot's arms by.
    With three arms or more, a value the file names no other way is read as the pilot arm
    only when one of them is called "pilot": which of the others it means cannot be told.
    """
    control, pilot = arm_roles(allowed or ())
    if allowed and len(allowed) > 2:
        return control, PILOT_ARM if PILOT_ARM in allowed else None
    return control, pilot


def control_clash(control_value: str | None, allowed: Sequence[str] | None) -> str | None:
    """The pilot arm the control value names when that arm is not the pilot's control, else None.

    ``--control gate_40`` on a pilot whose arms are gate_30 (control), gate_40 says the
    opposite of the pilot: read silently, both arms would be added up as one.
    """
    if not control_value or not allowed:
        return None
    control, _ = role_arms(allowed)
    named = next((a for a in allowed if arm_key(a) == arm_key(control_value)), None)
    return named if named is not None and named != control else None


def name_arms(
    keys: Sequence[str],
    labels: Sequence[str],
    aliases: Mapping[str, str],
    control_value: str | None,
    allowed_arms: Collection[str] | None,
    *,
    whole_file: bool = False,
) -> tuple[list[str | None], list[int]]:
    """The arm name for each distinct value (by ``arm_key``), and the values that name no allowed arm.

    ``labels`` are the values as written (kept as names for extra arms);
    ``whole_file`` reads the one key as the pilot arm (no arm column). Refused
    values keep the name they were read as, for the message about them.
    """
    allowed = list(dict.fromkeys(allowed_arms)) if allowed_arms is not None else None
    known = {a.casefold(): a for a in (allowed or [CONTROL_ARM, PILOT_ARM])}
    alias_keys = {arm_key(k): v for k, v in aliases.items()}
    control_arm, pilot_arm = role_arms(allowed)
    control = "" if control_clash(control_value, allowed) else arm_key(control_value or "")
    names: list[str | None] = [None] * len(keys)
    others = []
    for gid, key in enumerate(keys):
        if whole_file:
            names[gid] = PILOT_ARM
        elif key in alias_keys:
            names[gid] = alias_keys[key]
        elif control and key == control:
            names[gid] = control_arm
        elif key in known:
            names[gid] = known[key]
        else:
            others.append(gid)
    if len(others) == 1 and pilot_arm is not None and pilot_arm not in names:
        names[others[0]] = pilot_arm
    else:
        for gid in others:
            names[gid] = labels[gid]
    if allowed is None:
        return names, []
    folded = {a.casefold(): a for a in allowed}
    refused: list[int] = []
    for gid, name in enumerate(names):
        if name is None or name in allowed:
            continue
        if name.casefold() in folded:
            names[gid] = folded[name.casefold()]
        else:
            refused.append(gid)
    return names, refused
