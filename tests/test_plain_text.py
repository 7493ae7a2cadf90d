"""What people typed is shown as typed: a Markdown image or link in a hypothesis or a rationale stays text."""

from __future__ import annotations

from lib import decisions, results
from lib.db import make_engine, transaction, upgrade
from lib.evaluation import decision_snapshot
from tests import factories
from tests.pages_helpers import page

PIXEL = "![x](http://host.invalid/pixel.png)"
LINK = "[click](javascript:alert(1))"


def test_hostile_markdown_in_a_hypothesis_and_a_rationale_is_not_rendered(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("GREENLIGHT_DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as s:
        p = factories.ab_pilot(s, hypothesis=f"Lifts replies {PIXEL}")
        s.flush()
        results.log_results(s, p.id, factories.day_rows(factories.START), "t")
        decisions.record_decision(
            s,
            p.id,
            outcome="extend",
            rationale=f"Keep going {LINK} {PIXEL}",
            decided_by=f"Mallory {PIXEL}",
            snapshot=decision_snapshot(s, p.id),
        )
    for path in ("pages/review.py", "pages/pilots.py"):
        at = page(path).run()
        assert not at.exception
        shown = [e.value for kind in (at.markdown, at.info, at.warning, at.caption) for e in kind]
        shown += [e.label for e in at.expander]
        joined = "\n".join(shown)
        assert "pixel" in joined or path.endswith("pilots.py")  # the text is there …
        assert PIXEL not in joined and LINK not in joined, path  # … but never as Markdown
    engine.dispose()
