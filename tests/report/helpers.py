"""Small pilots through the real engine, simple Altair charts and HTML probes for the report tests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import altair as alt
import pandas as pd

from lib.decide import PilotEvaluation, evaluate_pilot
from lib.report.html import BUNDLE_ID
from lib.specs import CriterionSpec, Observation, PilotSpec

START = date(2026, 11, 2)
END = START + timedelta(days=27)
SIGNUP = CriterionSpec("signup_rate", "proportion", "primary", "vs_control", 0.0)
UNSUB = CriterionSpec("unsubscribe_rate", "proportion", "guardrail", "vs_control", 0.0, direction="decrease")

HOSTILE_HTML = "<img src=x onerror=alert(1)>"
HOSTILE_MARKDOWN = "![x](http://host/pixel.png)"
HOSTILE_SCRIPT = "</script><script>alert(2)</script>"


def daily(metric: str, days: int, control: tuple[float, float], pilot: tuple[float, float]) -> list[Observation]:
    out = []
    for i in range(days):
        day = START + timedelta(days=i)
        out.append(Observation(day, "control", metric, *control))
        out.append(Observation(day, "pilot", metric, *pilot))
    return out


def ab_evaluation(
    days: int = 5, control: tuple[float, float] = (200, 20), pilot: tuple[float, float] = (200, 24), planned: int = 5000
) -> PilotEvaluation:
    """A small A/B pilot: signup rate (primary) and unsubscribe rate (guardrail)."""
    spec = PilotSpec("Spring newsletter", "ab", start=START, end=END, planned_n_per_arm=planned)
    observations = daily("signup_rate", days, control, pilot) + daily("unsubscribe_rate", days, (200, 2), (200, 2))
    return evaluate_pilot(spec, [SIGNUP, UNSUB], observations)


def before_after_evaluation() -> PilotEvaluation:
    spec = PilotSpec(
        "Landing page",
        "before_after",
        start=START,
        end=END,
        baseline_start=START - timedelta(days=28),
        baseline_end=START - timedelta(days=1),
    )
    week = [50, 52, 49, 51, 53, 44, 42]
    values = week * 4 + [v + 6.0 for v in week * 4]
    observations = [
        Observation(START + timedelta(days=i - 28), "pilot", "leads", 1, float(v)) for i, v in enumerate(values)
    ]
    return evaluate_pilot(spec, [CriterionSpec("leads", "count", "primary", "vs_baseline", 0.0)], observations)


def bar_chart(label: str = "pilot") -> alt.Chart:
    data = pd.DataFrame({"arm": ["control", label], "rate": [0.10, 0.12]})
    return (
        alt.Chart(data, title="Signup rate by arm")
        .mark_bar()
        .encode(x=alt.X("arm:N", title="Arm"), y=alt.Y("rate:Q", title="Signup rate", axis=alt.Axis(format="%")))
    )


def without_bundle(document: str) -> str:
    """The document with the embedded Vega bundle cut out: what the report itself wrote."""
    pattern = re.compile(rf'<script id="{BUNDLE_ID}">.*?</script>', re.DOTALL)
    stripped, count = pattern.subn("<!-- bundle -->", document)
    assert count <= 1
    return stripped


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags(document: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element the browser would create from the markup, with its attributes (script bodies are text)."""
    parser = _Tags()
    parser.feed(document)
    parser.close()
    return parser.tags


URL_ATTRIBUTES = ("src", "href", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background")


def attribute_urls(document: str) -> list[str]:
    """Every URL-bearing attribute value on a real element of the document."""
    return [attrs[name] or "" for _, attrs in tags(document) for name in URL_ATTRIBUTES if name in attrs]


def network_attributes_in_source(source: str) -> list[str]:
    """Coarse scan of raw text (the JS bundle included) for src=/href= pointing to a network URL."""
    return re.findall(r"""\b(?:src|href|action)\s*=\s*["'`]?\s*(?:https?:)?//[^"'`\s>]*""", source, re.IGNORECASE)
