"""serve.py gives every connection TCP_NODELAY: with Nagle's algorithm a page run's messages after the first
waited for the browser's delayed ACK (40 ms on Linux), half of a warm Review run. It also reads the theme once
per parsed config rather than on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A listening socket bound as Streamlit binds it (protocol 0), served by asyncio as uvicorn serves it;
# prints whether the accepted connection has TCP_NODELAY, before and after serve.py is loaded.
PROBE = """
import asyncio, socket

async def accepted_nodelay() -> int:
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    seen = asyncio.get_running_loop().create_future()

    async def on_connect(reader, writer):
        seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listener)
    _, client = await asyncio.open_connection(*listener.getsockname())
    value = await asyncio.wait_for(seen, 10)
    client.close()
    server.close()
    return int(bool(value))

before = asyncio.run(accepted_nodelay())
import serve  # noqa: E402,F401
print(before, asyncio.run(accepted_nodelay()))
"""


def _probe(script: str, home: Path) -> list[str]:
    """Run a probe in a fresh interpreter from the repo root (serve.py is imported there); its last words."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


def test_connections_to_the_server_go_without_nagles_delay(tmp_path):
    before, after = _probe(PROBE, tmp_path)[-2:]
    assert before == "0", "asyncio alone leaves a protocol-0 socket with Nagle: the premise of the fix"
    assert after == "1"


# Builds the theme message of a page run before and after serve.py is loaded, counting how often
# Streamlit walks its config options for it.
THEME_PROBE = """
from streamlit import config
from streamlit.proto.NewSession_pb2 import CustomThemeConfig
from streamlit.runtime import app_session

config.get_config_options()
walks = []
walk_options = config.get_options_for_section
config.get_options_for_section = lambda section: walks.append(section) or walk_options(section)

def theme_bytes() -> bytes:
    msg = CustomThemeConfig()
    app_session._populate_theme_msg(msg)
    app_session._populate_theme_msg(msg.sidebar, "theme.sidebar")
    return msg.SerializeToString()

before = theme_bytes()
import serve  # noqa: E402,F401
walks.clear()
first, second = theme_bytes(), theme_bytes()
once = len(walks)
config.get_config_options(force_reparse=True)
third = theme_bytes()
print(before == first == second == third, bool(before), once, len(walks) - once)
"""


def test_the_theme_is_read_once_per_parsed_config_and_sent_as_before(tmp_path):
    same, sent, walked_for_two_runs, walked_after_reparse = _probe(THEME_PROBE, tmp_path)[-4:]
    assert same == "True" and sent == "True"  # the app's green theme, byte for byte as Streamlit builds it
    assert walked_for_two_runs == "2"  # once per section, not once per section and run
    assert walked_after_reparse == "2"  # a reparsed config is read again


# A reparse (the config file edited while the server runs) lands after a run has read the old theme and before
# it is kept: the next run must see the new theme.
REPARSE_PROBE = """
from streamlit import config

config.get_config_options()
walk_options = config.get_options_for_section
reparsed = []

def walk_then_reparse(section):
    options = walk_options(section)
    if not reparsed:
        reparsed.append(True)
        config.get_config_options(force_reparse=True, options_from_flags={"theme.primaryColor": "#ff0000"})
    return options

config.get_options_for_section = walk_then_reparse
import serve  # noqa: E402,F401
overtaken = config.get_options_for_section("theme")["primaryColor"]
print(overtaken, config.get_options_for_section("theme")["primaryColor"], config.get_option("theme.primaryColor"))
"""


def test_a_theme_read_that_a_reparse_overtakes_is_not_kept(tmp_path):
    overtaken, next_run, configured = _probe(REPARSE_PROBE, tmp_path)[-3:]
    assert overtaken == "#1a7f37" and configured == "#ff0000"  # the read began before the reparse
    assert next_run == "#ff0000"
