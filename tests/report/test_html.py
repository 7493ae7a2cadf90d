"""The HTML report: self-contained, typed text shown as text, one vegaEmbed per chart."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from lib.report import (
    CriterionRow,
    HtmlDocument,
    PilotReport,
    ReportDecision,
    js_bundle,
    render_goal,
    render_pack,
    render_pilot,
)
from lib.report.caveats import CriteriaChanged, SmallSample
from lib.report.html import script_json
from tests.report.helpers import (
    HOSTILE_HTML,
    HOSTILE_MARKDOWN,
    HOSTILE_SCRIPT,
    attribute_urls,
    bar_chart,
    network_attributes_in_source,
    tags,
    without_bundle,
)

#: every element a report writes itself: no img, iframe, link, object, form, base
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "script",
    "body",
    "noscript",
    "section",
    "p",
    "h1",
    "h2",
    "h3",
    "div",
    "ul",
    "li",
    "strong",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "a",
    "dl",
    "dt",
    "dd",
    "footer",
}


def hostile_report(charts: int = 2) -> PilotReport:
    return PilotReport(
        title=f"Spring {HOSTILE_HTML}",
        headline=f"Signup rate up {HOSTILE_MARKDOWN}",
        recommendation="Scale",
        recommendation_code="scale",
        charts=[(f"Chart {i} {HOSTILE_HTML}", bar_chart(f"pilot {HOSTILE_SCRIPT}")) for i in range(charts)],
        criteria=[
            CriterionRow(
                f"Signups {HOSTILE_HTML}",
                "Primary",
                "+2.0 pts",
                "+0.5 to +3.5 pts (95% bounds)",
                "0.004 — tests that the pilot is higher",
                "Met",
                "met",
            )
        ],
        decision=ReportDecision(
            "scale", f"Because {HOSTILE_MARKDOWN} and {HOSTILE_SCRIPT}", f"Ann {HOSTILE_HTML}", date(2026, 12, 1)
        ),
        caveats=[SmallSample(((f"Signups {HOSTILE_HTML}", 0.2),)), CriteriaChanged(reason=HOSTILE_HTML)],
        reasons=[f"Reason {HOSTILE_SCRIPT}"],
        hypothesis=f"{HOSTILE_MARKDOWN}\n{HOSTILE_HTML}",
        notes=[f"Note {HOSTILE_HTML}"],
    )


@pytest.fixture(scope="module")
def document() -> str:
    return render_pilot(hostile_report(), generated_on=date(2026, 12, 2))


def test_no_attribute_points_to_the_network(document):
    own = without_bundle(document)
    assert attribute_urls(own) == [], "a pilot report links nowhere, not even inside itself"
    assert {tag for tag, _ in tags(own)} <= ALLOWED_TAGS
    assert all("src" not in attrs for tag, attrs in tags(own) if tag == "script")
    # the whole file, the bundle's source included: nothing that looks like a network src/href
    assert network_attributes_in_source(document) == []
    assert "<link" not in own and "@import" not in own and "url(" not in own


def test_pack_links_only_to_its_own_sections():
    own = without_bundle(render_pack("Review", [hostile_report(charts=1), hostile_report(charts=0)]))
    assert attribute_urls(own) == ["#pilot-1", "#pilot-2"]


def test_outside_the_bundle_the_only_urls_are_typed_text(document):
    own = without_bundle(document)
    # the one http:// left is the hostile Markdown image, escaped as text; no $schema URL, no CDN
    assert re.findall(r"https?://[^\s\"'<)&]+", own) == ["http://host/pixel.png"] * 3
    assert "vega.github.io" not in own and "cdn" not in own.lower()


def test_a_content_security_policy_forbids_loading_anything(document):
    assert '<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;;' in document


def test_typed_text_is_shown_literally(document):
    own = without_bundle(document)
    assert "&lt;img src=x onerror=alert(1)&gt;" in own
    assert HOSTILE_MARKDOWN in own  # as typed, no Markdown rendering: no <img>, no link
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in own
    assert "<img" not in own.lower() and "img" not in {tag for tag, _ in tags(own)}
    assert "onerror=alert" not in own.replace("&lt;img src=x onerror=alert(1)&gt;", "").replace(
        "onerror=alert(1)\\u003e", ""
    )
    # every <script> the report wrote is one of its own: the chart calls and the helper
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", own, re.DOTALL)
    assert len(scripts) == 2 + 1  # two charts + the embed helper (the bundle was cut out)
    assert all(s.startswith(("vegaEmbed(", "\nconst GREENLIGHT_EMBED")) for s in scripts)


def test_labels_inside_chart_specs_cannot_close_the_script(document):
    own = without_bundle(document)
    calls = re.findall(r"vegaEmbed\(\"#(chart-\d+)\", (\{.*?\}), GREENLIGHT_EMBED\)", own)
    assert [c[0] for c in calls] == ["chart-1", "chart-2"]
    spec = json.loads(calls[0][1])
    assert spec["mark"]["type"] == "bar" and "$schema" not in spec
    values = next(iter(spec["datasets"].values()))
    assert values[1]["arm"] == f"pilot {HOSTILE_SCRIPT}"
    assert script_json("</script><!--") == '"\\u003c/script\\u003e\\u003c!--"'


def test_one_div_and_one_vega_embed_per_chart_and_the_bundle_once():
    for n in (0, 1, 3):
        doc = render_pilot(hostile_report(charts=n))
        own = without_bundle(doc)
        assert own.count("vegaEmbed(") == n
        assert len(re.findall(r'<div class="chart-view" id="chart-\d+"', own)) == n
        assert doc.count('<script id="vega-bundle">') == (1 if n else 0)
    pack = render_pack("Review", [hostile_report(charts=3), hostile_report(charts=2)])
    assert pack.count('<script id="vega-bundle">') == 1
    own = without_bundle(pack)
    assert own.count("vegaEmbed(") == 5
    assert sorted(set(re.findall(r'id="(chart-\d+)"', own))) == sorted(f"chart-{i}" for i in range(1, 6))


def test_embed_options_are_svg_without_actions(document):
    assert 'const GREENLIGHT_EMBED = {"renderer":"svg","actions":false,"mode":"vega-lite"};' in document


def test_the_bundle_defines_vega_embed_inline_and_cannot_close_its_script():
    bundle = js_bundle()
    assert len(bundle) > 500_000 and "vegaEmbed" in bundle
    assert "</script" not in bundle.lower()


def test_a_chart_that_loads_remote_data_is_refused():
    remote = {
        "data": {"url": "https://example.invalid/x.csv"},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    with pytest.raises(ValueError, match="inline"):
        HtmlDocument("x").chart(remote, "remote")
    inline = {
        "data": {"values": [{"url": "https://example.com/landing", "a": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    assert "vegaEmbed" in HtmlDocument("x").chart(inline, "a landing page URL as data is fine")


def test_pack_lists_pilots_in_the_given_order_with_a_linked_summary():
    a, b = hostile_report(charts=0), hostile_report(charts=0)
    a.title, b.title = "Zeta pilot", "Alpha pilot"
    pack = without_bundle(render_pack("Review 2 Dec", [a, b]))
    assert pack.index('href="#pilot-1">Zeta pilot') < pack.index('href="#pilot-2">Alpha pilot')
    assert pack.index('<section class="summary">') < pack.index('id="pilot-1"') < pack.index('id="pilot-2"')
    assert pack.index("Zeta pilot</h2>") < pack.index("Alpha pilot</h2>")
    assert "2 pilots for the review." in pack and "vegaEmbed" not in pack


def test_goal_report_shows_its_kpi_summary_and_goal_charts():
    report = hostile_report(charts=1)
    doc = without_bundle(
        render_goal(
            f"More signups {HOSTILE_HTML}",
            f"KPI: signups {HOSTILE_MARKDOWN}",
            [report],
            charts=[("Pilots under the goal", bar_chart())],
        )
    )
    assert '<h1 class="user-text">More signups &lt;img' in doc
    assert f"KPI: signups {HOSTILE_MARKDOWN}" in doc
    assert doc.count("vegaEmbed(") == 2 and "Pilots under this goal" in doc
    assert doc.index("Pilots under the goal") < doc.index('id="pilot-1"')


def test_print_stylesheet_and_system_fonts_only(document):
    assert "@media print" in document and "system-ui" in document
    assert "@font-face" not in document


def test_the_bundle_is_cached_on_disk_between_processes(tmp_path, monkeypatch):
    import vl_convert as vlc

    from lib.report.html import bundle_cache_dir, load_bundle

    built = load_bundle("v6_4", tmp_path)
    [cached] = tmp_path.glob("vega-bundle-*-v6_4.js")
    assert cached.read_text(encoding="utf-8") == built and not list(tmp_path.glob(".bundle-*"))

    def no_build(**_):
        raise AssertionError("should have been read from the cache")

    monkeypatch.setattr(vlc, "javascript_bundle", no_build)
    assert load_bundle("v6_4", tmp_path) == built
    cached.write_text("truncated", encoding="utf-8")  # a broken copy is rebuilt, not embedded
    monkeypatch.undo()
    assert load_bundle("v6_4", tmp_path) == built
    (tmp_path / "a-file").touch()
    assert load_bundle("v6_4", tmp_path / "a-file" / "cache") == built  # cannot write there: built, not stored

    monkeypatch.setenv("GREENLIGHT_CACHE_DIR", "off")
    assert bundle_cache_dir() is None
    monkeypatch.setenv("GREENLIGHT_CACHE_DIR", str(tmp_path))
    assert bundle_cache_dir() == tmp_path
    monkeypatch.delenv("GREENLIGHT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bundle_cache_dir() == tmp_path / "xdg" / "greenlight"
