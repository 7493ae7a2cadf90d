"""A real Greenlight server in a child process, and a page run over its websocket as a browser does it.

Shared by the server tests and ``bench/bench_load.py``: no pytest here, so a
benchmark can start servers the same way the tests do (``streamlit run serve.py``,
as ``scripts/run.sh`` does).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import warm_start

ROOT = Path(__file__).resolve().parent.parent


class ServerDidNotStart(RuntimeError):
    pass


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    address: str
    port: int
    log: Path
    pid: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"

    @property
    def stream(self) -> str:
        return f"ws://{self.address}:{self.port}/_stcore/stream"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_bytes(self) -> int:
        """The server process's resident memory now (Linux /proc), 0 where that is not readable."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return 0
        line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "")
        return int(line.split()[1]) * 1024 if line else 0


def start_streamlit(
    args: list[str],
    *,
    env: dict[str, str],
    log: Path,
    root: Path = ROOT,
    launcher: tuple[str, ...] = ("-m", "streamlit"),
) -> subprocess.Popen | warm_start.Forked:
    """``streamlit <args>`` in ``root`` with ``env``, its output in ``log``: forked warm in the tests, else cold."""
    if warm_start.enabled() and launcher == ("-m", "streamlit") and root == ROOT:
        log.write_text("")
        return warm_start.fork_streamlit(args, env, root, log)
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, *launcher, *args], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        )


@contextmanager
def running_server(
    tmp: Path,
    *,
    entry: str = "serve.py",
    address: str = "127.0.0.1",
    database_url: str | None = None,
    secrets: str | None = None,
    user: str = "server-test",
    root: Path = ROOT,
    start_timeout: float = 60.0,
    launcher: tuple[str, ...] = ("-m", "streamlit"),
) -> Iterator[Server]:
    """``streamlit run <entry>`` from the project root (or another checkout's); yields once /_stcore/health says ok.

    ``launcher`` is what the interpreter runs to get Streamlit's command line (a benchmark passes a
    profiler that takes the same arguments).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    secrets_file = tmp / "secrets.toml"
    if secrets is not None:
        secrets_file.write_text(secrets)
    port = free_port(address)
    log = tmp / "streamlit.log"
    env = {
        **os.environ,
        "HOME": str(tmp),  # no ~/.streamlit/secrets.toml from whoever runs the tests
        "GREENLIGHT_DATABASE_URL": database_url or f"sqlite:///{tmp / 'greenlight.db'}",
        "GREENLIGHT_USER": user,
    }
    args = [
        *("run", entry),
        *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
        *("--server.address", address, "--server.port", str(port)),
        *("--secrets.files", str(secrets_file)),
    ]
    proc = start_streamlit(args, env=env, log=log, root=root, launcher=launcher)
    server = Server(address, port, log, proc.pid)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerDidNotStart(
                    f"Streamlit ({root.name}/{entry}) did not become healthy:\n{server.log_text()[-3000:]}"
                )
            try:
                if urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rerun_message(page_name: str = "", query_string: str = "") -> bytes:
    """What a browser sends to run a page: Streamlit's ``rerun_script`` back message."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query_string
    msg.rerun_script.page_name = page_name
    return msg.SerializeToString()


def run_finished(frame: bytes) -> bool:
    """Whether this forward message ends a run (a run cut short for a rerun is followed to its end)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    forward = ForwardMsg()
    forward.ParseFromString(frame)
    return forward.WhichOneof("type") == "script_finished" and (
        forward.script_finished != forward.FINISHED_EARLY_FOR_RERUN
    )


def run_page(server: Server, page_name: str = "") -> str:
    """Every byte a browser receives for one run of a page (Streamlit's websocket protocol), as text.

    A run that ends early for a rerun (``lib.adapter.session`` sending a fresh
    server's first deep link back through ``app.py``) is followed to the end.
    """
    from websockets.sync.client import connect

    received = []
    with connect(server.stream, subprotocols=["streamlit"]) as ws:  # type: ignore[list-item]
        ws.send(rerun_message(page_name))
        while True:
            frame = ws.recv(timeout=60)
            assert isinstance(frame, bytes)
            received.append(frame.decode("utf-8", errors="replace"))
            if run_finished(frame):
                return "\n".join(received)


def project_copy(tmp: Path) -> Path:
    """The project as its scripts see it, in ``tmp``, with a .venv that borrows this interpreter's packages.

    The requirements stamp is in place, so ``scripts/run.sh`` and ``scripts/serve_team.sh`` install
    nothing and go straight to serving, whatever state the developer's own .venv is in.
    """
    import hashlib
    import shutil

    root = tmp / "greenlight"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for d in ("lib", "pages", "scripts"):
        shutil.copytree(ROOT / d, root / d, ignore=ignore)
    for f in ("app.py", "serve.py", "requirements.txt", ".streamlit/config.toml"):
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / f, root / f)
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    if sys.prefix != sys.base_prefix:  # running in a venv: borrow its site-packages
        shutil.copy(Path(sys.prefix) / "pyvenv.cfg", venv / "pyvenv.cfg")
        (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
    stamp = hashlib.sha256((root / "requirements.txt").read_bytes()).hexdigest()
    (venv / ".greenlight-requirements.txt.sha").write_text(stamp + "\n")
    return root


@dataclass(frozen=True)
class Replica:
    name: str  # HAProxy's server name, also the value of its sticky cookie
    port: int
    pid: int


@dataclass(frozen=True)
class Team:
    """What ``scripts/serve_team.sh`` started: HAProxy on ``proxy`` and replicas listed in its run directory."""

    proxy: Server
    run_dir: Path
    script_pid: int

    @property
    def url(self) -> str:
        return self.proxy.url

    def replicas(self) -> list[Replica]:
        rows = (line.split("\t") for line in (self.run_dir / "replicas.tsv").read_text().splitlines())
        return [Replica(name, int(port), int(pid)) for name, port, pid in rows]

    def states(self) -> dict[str, str]:
        """Each replica's state as HAProxy sees it now (UP, DOWN, ``UP 1/2``…), from its admin socket."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.run_dir / "haproxy.sock"))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        rows = [line.split(",") for line in data.decode().splitlines() if line and not line.startswith("#")]
        return {r[1]: r[17] for r in rows if len(r) > 17 and r[0] == "replicas" and r[1] != "BACKEND"}

    def wait_for(self, want: dict[str, str], seconds: float = 90) -> None:
        """Until HAProxy reports these states (e.g. ``{"r1": "UP"}``); TimeoutError says what it saw."""
        deadline = time.monotonic() + seconds
        while True:
            seen = self.states()
            if all(seen.get(k) == v for k, v in want.items()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"HAProxy still reports {seen}, waited for {want}")
            time.sleep(0.2)


@contextmanager
def running_team(
    tmp: Path,
    database_url: str,
    *,
    replicas: int = 2,
    address: str = "127.0.0.1",
    args: tuple[str, ...] = (),
    user: str = "team-test",
) -> Iterator[Team]:
    """``scripts/serve_team.sh`` from a project copy; yields once every replica is UP behind HAProxy.

    ``user`` is the name the replicas sign writes with (local mode): an empty name is refused on every write.

    Stopped with SIGTERM at the end, as Ctrl+C would: the script stops its replicas and HAProxy.
    """
    import shutil
    import signal
    import tempfile

    tmp.mkdir(parents=True, exist_ok=True)
    root = project_copy(tmp)
    run_dir = Path(tempfile.mkdtemp(prefix="gl-team-"))  # short: HAProxy's socket path must fit 108 bytes
    port = free_port(address)
    log = tmp / "serve_team.log"
    env = {
        "HOME": str(tmp),  # no ~/.streamlit/secrets.toml from whoever runs it
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
        "PYTHON": sys.executable,
        "GREENLIGHT_DATABASE_URL": database_url,
        "GREENLIGHT_USER": user,
    }
    command = ["bash", "scripts/serve_team.sh", "--replicas", str(replicas), "--port", str(port)]
    command += ["--address", address, "--run-dir", str(run_dir), *args]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    team = Team(Server(address, port, log, proc.pid), run_dir, proc.pid)
    try:
        deadline = time.monotonic() + 180
        while "Ctrl+C stops everything" not in team.proxy.log_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise ServerDidNotStart(f"serve_team.sh did not start:\n{team.proxy.log_text()[-3000:]}")
            time.sleep(0.3)
        team.wait_for({f"r{i}": "UP" for i in range(1, replicas + 1)}, seconds=60)
        yield team
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(run_dir, ignore_errors=True)
