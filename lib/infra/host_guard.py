"""Refuse requests whose ``Host`` names someone else's domain: the DNS-rebinding guard for local mode.

A page on ``evil.example`` can point its own name at 127.0.0.1 and then talk to
this server as its "same origin" (websocket included): the only trace left is
the ``Host`` header, which still says ``evil.example``. So in local mode every
request, plain HTTP and websocket upgrade alike, must name this machine as the
browser typed it. Sign-in mode needs no such list: a foreign origin never carries
the signed-in cookie, and a team's server is reached by names we cannot know.

Pure ASGI, no Streamlit or Starlette import: ``serve.py`` wraps the whole app in
:class:`HostGuard`, outside every route.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})
REFUSED_TEXT = (
    "Greenlight refused this request: it was addressed to a host name this server does not answer to "
    "(in local mode only localhost, 127.0.0.1 and the configured address are served).\n"
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` names to serve: exact names, ``*.suffix`` patterns, and (wildcard bind) any IP."""

    names: frozenset[str]
    suffixes: tuple[str, ...] = ()
    any_ip: bool = False


def _norm(name: str) -> str:
    return name.strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


def local_policy(address: str, allowed_hosts: Iterable[str] = (), machine_names: Iterable[str] = ()) -> HostPolicy:
    """The names a local-mode server answers to.

    Always the loopback names and the address it was told to serve on, plus
    Streamlit's own ``server.allowedHosts`` (``*.example.com`` patterns too). On a
    wildcard bind (``--address 0.0.0.0 --i-accept-an-open-app``) colleagues type
    this machine's name or IP address: a rebinding page can forge neither,
    because its Host is always the attacker's own domain.
    """
    names = set(LOOPBACK_NAMES)
    suffixes: list[str] = []
    wildcard = _norm(address) in WILDCARD_ADDRESSES
    if not wildcard:
        names.add(_norm(address))
    for pattern in allowed_hosts:
        p = _norm(pattern)
        if p.startswith("*."):
            suffixes.append(p[1:])
        elif p and p != "*":
            names.add(p)
    if wildcard:
        names.update(_norm(n) for n in machine_names if n)
    return HostPolicy(frozenset(names), tuple(suffixes), any_ip=wildcard)


def hostname_of(host: str | None) -> str | None:
    """The name in a ``Host`` header (port dropped), or None when it is not a plain ``name[:port]``."""
    if not host or any(ch in host for ch in "/\\@?#% \t"):
        return None
    try:
        parts = urlsplit(f"//{host}")
        _ = parts.port  # a port must be numeric and in range
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return _norm(parts.hostname)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(host: str | None, policy: HostPolicy) -> bool:
    name = hostname_of(host)
    if name is None:
        return False
    return name in policy.names or any(name.endswith(s) for s in policy.suffixes) or (policy.any_ip and _is_ip(name))


def _host_header(scope: Scope) -> str | None:
    """The one ``Host`` header; None when absent or repeated (a request naming two hosts is refused)."""
    values = [v for k, v in scope.get("headers") or () if k.lower() == b"host"]
    if len(values) != 1:
        return None
    try:
        return values[0].decode("ascii")
    except UnicodeDecodeError:
        return None


class HostGuard:
    """ASGI middleware: a request whose Host the policy does not name gets 403 and never reaches the app.

    It sees every ``http`` and ``websocket`` scope before routing, so the
    websocket (``/_stcore/stream``, where every page's data travels) is refused
    at the upgrade, before Streamlit accepts it or starts a session.
    """

    def __init__(self, app: ASGIApp, policy: HostPolicy | None) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.policy is None
            or scope["type"] not in ("http", "websocket")
            or host_allowed(_host_header(scope), self.policy)
        ):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})  # before accept: the server answers 403
            return
        body = REFUSED_TEXT.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
