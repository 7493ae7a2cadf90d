"""One colour-blind-safe palette (Okabe–Ito) for every chart, so a colour means one thing everywhere.

Arms are coloured by their *role* (the control arm, the pilot arm), never by
their name, so ``gate_30`` / ``gate_40`` get the same two colours as
``control`` / ``pilot``. Statuses group by what they ask of the meeting: good
(green), stop (vermillion), unclear at the end (purple), not yet (grey). No
black or white is baked in: text and axes take Streamlit's light or dark
theme, and every mark colour here reads on both backgrounds.
"""

from __future__ import annotations

from collections.abc import Iterable

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
STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "safe": "Guardrail holds",
    "missed": "Missed",
    "harmed": "Guardrail breached",
    "futile": "Can't reach it",
    "inconclusive": "Inconclusive",
    "too_early": "Too early",
}

RECOMMENDATION_COLOURS: dict[str, str] = {
    "scale": BLUISH_GREEN,
    "abort": VERMILLION,
    "iterate": REDDISH_PURPLE,
    "keep_running": GREY,
}
RECOMMENDATION_LABELS: dict[str, str] = {
    "scale": "Scale",
    "abort": "Abort",
    "iterate": "Iterate",
    "keep_running": "Keep running",
}


def arm_scale(control_name: str, pilot_name: str, *, with_control: bool = True) -> dict[str, list[str]]:
    """Domain and range of a colour scale for the arms, whatever the team named them."""
    if not with_control:  # target and before/after pilots have one arm
        return {"domain": [pilot_name], "range": [PILOT]}
    return {"domain": [control_name, pilot_name], "range": [CONTROL, PILOT]}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def recommendation_label(recommendation: str) -> str:
    return RECOMMENDATION_LABELS.get(recommendation, recommendation.replace("_", " ").capitalize())


def _scale(present: Iterable[str], colours: dict[str, str], labels: dict[str, str]) -> dict[str, list[str]]:
    """Only the values present, in the palette's order: a legend lists what the chart shows."""
    seen = set(present)
    keys = [k for k in colours if k in seen]
    return {"domain": [labels[k] for k in keys], "range": [colours[k] for k in keys]}


def status_scale(statuses: Iterable[str]) -> dict[str, list[str]]:
    """Colour scale over status *labels* (what the legend and tooltips show)."""
    return _scale(statuses, STATUS_COLOURS, STATUS_LABELS)


def recommendation_scale(recommendations: Iterable[str]) -> dict[str, list[str]]:
    return _scale(recommendations, RECOMMENDATION_COLOURS, RECOMMENDATION_LABELS)
