"""One colour-blind-safe palette (Okabe–Ito) for every chart, so a colour means one thing everywhere.

Arms are coloured by their *role* (the control arm, the pilot arm), never by
their name, so ``gate_30`` / ``gate_40`` get the same two colours as
``control`` / ``pilot``. Statuses group by what they ask of the meeting: good
(green), stop (vermillion), unclear at the end (purple), not yet (grey). No
black or white is baked in: text and axes take Streamlit's light or dark
theme, and every mark colour here reads on both backgrounds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lib.vocabulary import recommendation_label, verdict_status_label

# Okabe & Ito (2008), without black (unreadable on a dark theme).
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

#: the two arm roles; a before/after baseline period plays the control role
CONTROL = SKY_BLUE
PILOT = ORANGE
#: an effect (difference, lift, step) and its interval
EFFECT = BLUE
#: reference lines: thresholds, targets, the pilot start, the plan, the counterfactual
REFERENCE = GREY
#: words the theme does not colour (subtitles, captions, rule labels): a grey that reads on light and dark
MUTED_TEXT = "#808080"

STATUS_COLOURS: dict[str, str] = {
    "met": BLUISH_GREEN,
    "safe": BLUISH_GREEN,
    "missed": VERMILLION,
    "harmed": VERMILLION,
    "futile": VERMILLION,
    "inconclusive": REDDISH_PURPLE,
    "too_early": GREY,
}

RECOMMENDATION_COLOURS: dict[str, str] = {
    "scale": BLUISH_GREEN,
    "abort": VERMILLION,
    "iterate": REDDISH_PURPLE,
    "keep_running": GREY,
}


def arm_scale(control_name: str, pilot_name: str, *, with_control: bool = True) -> dict[str, list[str]]:
    """Domain and range of a colour scale for the arms, whatever the team named them."""
    if not with_control:  # target and before/after pilots have one arm
        return {"domain": [pilot_name], "range": [PILOT]}
    return {"domain": [control_name, pilot_name], "range": [CONTROL, PILOT]}


def _scale(present: Iterable[str], colours: dict[str, str], label: Callable[[str], str]) -> dict[str, list[str]]:
    """Only the values present, in the palette's order: a legend lists what the chart shows."""
    seen = set(present)
    keys = [k for k in colours if k in seen]
    return {"domain": [label(k) for k in keys], "range": [colours[k] for k in keys]}


def status_scale(statuses: Iterable[str]) -> dict[str, list[str]]:
    """Colour scale over status *labels* (what the legend and tooltips show)."""
    return _scale(statuses, STATUS_COLOURS, verdict_status_label)


def recommendation_scale(recommendations: Iterable[str]) -> dict[str, list[str]]:
    return _scale(recommendations, RECOMMENDATION_COLOURS, recommendation_label)
