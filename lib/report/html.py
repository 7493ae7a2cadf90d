"""Self-contained HTML: one file that opens offline, charts included, safe with typed text.

- The Vega, Vega-Lite and vega-embed JavaScript is embedded once, inline,
  from ``vl_convert.javascript_bundle()`` (what altair's
  ``chart.save(..., inline=True)`` embeds); each chart is then one ``<div>``
  and one ``vegaEmbed(...)`` call with ``renderer: "svg"``, ``actions: false``.
- Every text a person typed goes through :func:`esc`: it is shown as plain
  text, never interpreted as HTML or Markdown. Chart specs are written into
  ``<script>`` as JSON with ``<``, ``>``, ``&`` escaped, so a label such as
  ``</script><img ...>`` stays data.
- No external URL: no ``src=``/``href=`` points to the network, the
  stylesheet uses system fonts, and a Content-Security-Policy forbids the
  browser from loading anything (even if some text slipped through).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from lib.report.export import vega_lite_spec, vl_version

EMBED_OPTIONS: dict[str, Any] = {"renderer": "svg", "actions": False, "mode": "vega-lite"}

#: the document may run its own inline scripts (Vega compiles expressions with
#: Function, hence 'unsafe-eval') and styles, and load nothing from anywhere
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
)

BUNDLE_ID = "vega-bundle"

STYLESHEET = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --good: #1a7f37; --bad: #cf222e; --wait: #0969da; --mixed: #9a6700; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
  "Liberation Sans", sans-serif; font-size: 15px; line-height: 1.5; color: var(--ink); background: #fff; }
body { max-width: 62rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .5rem; }
h2 { font-size: 1.4rem; line-height: 1.3; margin: 0 0 .5rem; }
h3, .sub { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.hypothesis { margin: .25rem 0 .75rem; }
p { margin: .5rem 0; }
.eyebrow, .meta { color: var(--muted); font-size: .85rem; margin: 0; }
.kpi { font-size: 1.05rem; }
.user-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.money { border: 1px solid var(--muted); border-radius: 4px; padding: .5rem 1rem; margin: .75rem 0; }
.money p { margin: .25rem 0; }
.money .projection { color: var(--muted); font-size: .9rem; }
.verdict { border-left: 6px solid var(--muted); background: var(--soft); padding: .75rem 1rem; margin: 1rem 0; }
.verdict .recommendation { margin: 0 0 .25rem; font-size: .95rem; }
.verdict .headline { margin: 0; font-size: 1.1rem; font-weight: 600; }
.rec-scale { border-color: var(--good); } .rec-abort { border-color: var(--bad); }
.rec-iterate { border-color: var(--mixed); } .rec-keep_running { border-color: var(--wait); }
.reasons { margin: .5rem 0 0; padding-left: 1.25rem; font-size: .95rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; border-bottom: 2px solid var(--line); }
td.num { font-variant-numeric: tabular-nums; }
.status { font-weight: 600; white-space: nowrap; }
.status-met, .status-safe, .status-scale { color: var(--good); }
.status-missed, .status-harmed, .status-futile, .status-abort { color: var(--bad); }
.status-iterate { color: var(--mixed); }
.status-too_early, .status-inconclusive, .status-keep_running { color: var(--muted); }
.caveats { border: 1px solid #d4a72c; background: #fff8c5; padding: .5rem 1rem .5rem 2rem; margin: .5rem 0; }
.caveats li { margin: .25rem 0; }
.notes { color: var(--muted); font-size: .85rem; padding-left: 1.25rem; }
dl.decision { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
dl.decision dt { font-weight: 600; } dl.decision dd { margin: 0; }
figure.chart { margin: 1rem 0; }
.chart-view { min-height: 2rem; max-width: 100%; overflow-x: auto; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .25rem; }
.chart-error { color: var(--bad); border: 1px dashed var(--bad); padding: .5rem; }
section.pilot { margin-top: 2.5rem; padding-top: 1.5rem; border-top: 2px solid var(--line); }
section.pilot:first-of-type { border-top: none; padding-top: 0; }
a { color: var(--wait); }
footer { color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); margin-top: 2.5rem; padding-top: .5rem; }
@page { margin: 15mm; }
@media print {
  html { font-size: 10.5pt; }
  body { max-width: none; margin: 0; padding: 0; }
  section.pilot { break-before: page; border-top: none; margin-top: 0; padding-top: 0; }
  section.pilot:first-of-type { break-before: auto; }
  figure.chart, table, tr, .verdict, .caveats, dl.decision { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  .chart-view { overflow: visible; }
  .verdict, .caveats { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
""".strip()

# In a <script> element only "</script", "<!--" and "<script" can end or confuse the
# element; escaping every <, > and & (valid JSON string escapes) rules all of them out.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
_CLOSE_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)


def esc(text: Any) -> str:
    """Text as HTML text: ``<img src=x>`` is shown, not loaded. ``None`` is empty."""
    return "" if text is None else html.escape(str(text), quote=True)


def script_json(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside ``<script>``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SCRIPT_UNSAFE.sub(lambda m: _SCRIPT_ESCAPES[m.group()], text)


#: where the built bundle is kept between processes; "off" keeps it in memory only
CACHE_ENV = "GREENLIGHT_CACHE_DIR"


def bundle_cache_dir() -> Path | None:
    """``$GREENLIGHT_CACHE_DIR``, else ``$XDG_CACHE_HOME/greenlight``, else ``~/.cache/greenlight``."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "greenlight"


def load_bundle(version: str, cache_dir: Path | None) -> str:
    """The bundle for ``version`` from ``cache_dir`` if a complete copy is there, else built and stored.

    A cache that cannot be read or written is skipped silently: it only saves time.
    """
    import vl_convert as vlc

    path = None
    if cache_dir is not None:
        path = cache_dir / f"vega-bundle-vlc{getattr(vlc, '__version__', 'x')}-{version}.js"
        try:
            cached = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            cached = ""
        if len(cached) > 100_000 and "vegaEmbed" in cached:
            return cached
    source = vlc.javascript_bundle(vl_version=version)  # type: ignore[call-arg]  # the stub marks the optional snippet required
    if path is not None:
        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, delete=False, prefix=".bundle-", suffix=".tmp"
            ) as tmp:
                tmp_name = tmp.name
                tmp.write(source)
            os.replace(tmp_name, path)  # atomic: a reader sees the old file or the whole new one
        except OSError:
            if tmp_name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
    return source


@lru_cache(maxsize=4)
def js_bundle(version: str | None = None) -> str:
    """Vega + Vega-Lite + vega-embed in one script (~0.9 MB), defining ``vegaEmbed`` globally.

    vl-convert builds it offline in about 1.5 s; it is then kept in this
    process and in :func:`bundle_cache_dir` (keyed by the vl-convert and
    Vega-Lite versions), so later processes read it in milliseconds.
    """
    source = load_bundle(version or vl_version(), bundle_cache_dir())
    # never true for the bundles shipped so far; if one ever contains the text
    # "</script" (in a string or regex), "<\\/script" means the same to JavaScript
    return _CLOSE_SCRIPT.sub(r"<\\/\1", source)


def _remote_urls(spec: Any, path: str = "") -> Iterable[str]:
    """``url`` entries that would make the chart fetch something (inline data rows are skipped)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("datasets", "values"):
                continue
            if key == "url" and isinstance(value, str):
                yield f"{path}.url = {value!r}"
            else:
                yield from _remote_urls(value, f"{path}.{key}")
    elif isinstance(spec, list):
        for i, value in enumerate(spec):
            yield from _remote_urls(value, f"{path}[{i}]")


class HtmlDocument:
    """One HTML file: add charts (each returns its ``<figure>``), then ``render`` the body.

    The JavaScript bundle is embedded only when the document has a chart.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self.chart_count = 0

    def chart(self, chart: Any, caption: str = "") -> str:
        """One chart: a ``<div>``, its caption and its ``vegaEmbed`` call; data must be inline."""
        spec = dict(vega_lite_spec(chart))
        remote = list(_remote_urls(spec))
        if remote:
            raise ValueError(
                "A report chart must carry its data inline (the file has to open offline); "
                f"this one loads {', '.join(remote)}."
            )
        spec.pop("$schema", None)  # the version is the bundle's; no URL left in the document
        self.chart_count += 1
        chart_id = f"chart-{self.chart_count}"
        label = f' aria-label="{esc(caption)}"' if caption else ""
        figcaption = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        return (
            f'<figure class="chart"><div class="chart-view" id="{chart_id}" role="img"{label}></div>'
            f"{figcaption}<script>vegaEmbed({script_json('#' + chart_id)}, {script_json(spec)}, "
            f"GREENLIGHT_EMBED).catch(greenlightChartFailed({script_json(chart_id)}));</script></figure>"
        )

    def render(self, body: str, *, lang: str = "en") -> str:
        head = [
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CONTENT_SECURITY_POLICY)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="Greenlight">',
            f"<title>{esc(self.title)}</title>",
            f"<style>\n{STYLESHEET}\n</style>",
        ]
        if self.chart_count:
            head.append(f'<script id="{BUNDLE_ID}">\n{js_bundle()}\n</script>')
            head.append(
                "<script>\n"
                f"const GREENLIGHT_EMBED = {script_json(EMBED_OPTIONS)};\n"
                "function greenlightChartFailed(id) {\n"
                "  return function (error) {\n"
                "    const el = document.getElementById(id);\n"
                "    el.className += ' chart-error';\n"
                "    el.textContent = 'This chart could not be drawn (' + error + '). The numbers are in the tables.';\n"
                "  };\n"
                "}\n"
                "</script>"
            )
            body = (
                '<noscript><p class="meta">The charts need JavaScript; the tables carry the same numbers.</p>'
                f"</noscript>\n{body}"
            )
        return (
            f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n'
            + "\n".join(head)
            + f"\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )


class Markup(str):
    """HTML built here from escaped parts (a link, a status badge): not escaped again by :func:`table`."""


def cell_html(cell: Any) -> str:
    return str(cell) if isinstance(cell, Markup) else esc(cell)


def table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, classes: Sequence[str] = (), css_class: str = ""
) -> str:
    """A plain table. Every cell is escaped text unless it is :class:`Markup`; ``classes``
    gives each column a CSS class (``"num"``)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = classes[i] if i < len(classes) else ""
            cells.append(f'<td class="{esc(cls)}">{cell_html(cell)}</td>' if cls else f"<td>{cell_html(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{esc(css_class)}"' if css_class else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
