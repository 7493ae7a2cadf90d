"""Bringing a person to the part of a page their click was about (Review's "Review and decide").

Streamlit reruns the page after a click and leaves the scroll where it was; a button that switches the pilot
being decided must also take the person to that pilot's verdict and form, or the meeting reads one pilot's
card above another's form. A request is kept in the session until the page has drawn its target.
"""

from __future__ import annotations

import json

import streamlit as st
import streamlit.components.v1 as components

_PENDING = "_focus_pending"

# a zero-height component runs in an iframe of the same origin: it scrolls its parent page to the anchor,
# retrying while the rerun is still drawing the target
_SCROLL = """<script>
const target = {anchor};  // request {nonce}: a new frame each time, so a second click scrolls again
let tries = 0;
function go() {{
  const el = window.parent.document.getElementById(target);
  if (el) {{ el.scrollIntoView({{block: "start"}}); return; }}
  if (++tries < 50) setTimeout(go, 100);
}}
go();
</script>"""


def request(anchor: str) -> None:
    """Ask the next run to scroll to ``anchor`` (an on_click callback's job)."""
    st.session_state[_PENDING] = anchor
    st.session_state[_PENDING + "_n"] = st.session_state.get(_PENDING + "_n", 0) + 1


def scroll_here(anchor: str) -> None:
    """Where ``anchor``'s target is drawn: scroll to it if a click asked for it, once."""
    if st.session_state.get(_PENDING) != anchor:
        return
    del st.session_state[_PENDING]
    nonce = st.session_state.get(_PENDING + "_n", 0)
    components.html(_SCROLL.format(anchor=json.dumps(anchor), nonce=nonce), height=0)
