#!/usr/bin/env bash
# Serve Greenlight to a team: N replicas of serve.py on one PostgreSQL database, behind HAProxy.
#
#   export GREENLIGHT_DATABASE_URL=postgresql+psycopg://USER:PASSWORD@HOST:5432/greenlight
#   ./scripts/serve_team.sh --replicas 2 --port 8501                     local only (127.0.0.1)
#   ./scripts/serve_team.sh --replicas 3 --port 8501 --address 0.0.0.0   for colleagues: needs sign-in
#   ... --address 0.0.0.0 --i-accept-an-open-app                         a trusted LAN without sign-in
#
# What it starts, in the foreground; Ctrl+C or SIGTERM stops every one of them:
#   1. the schema migrations, once, before any replica (each replica then finds the schema at head);
#   2. N replicas, `streamlit run serve.py` on 127.0.0.1 and free local ports; one that exits (a crash,
#      kill -9) is started again on its port 2 s later;
#   3. HAProxy (Debian's; installed here when run as root) on ADDRESS:PORT: sticky sessions (a cookie,
#      so a tab's websocket and its downloads stay on one replica), the /_stcore/stream websocket, and a
#      health check of each replica on /_stcore/health every second: out after 2 failures, back in
#      after 2 successes. Its sessions then reconnect to a replica that is up.
# Requests keep their Host header through the proxy; each replica's Host check (serve.py) answers to the
# names of ADDRESS, exactly as run.sh's single server does. /_stcore/health on ADDRESS:PORT answers ok
# while at least one replica is up.
#
# --run-dir DIR keeps HAProxy's config, its admin socket (haproxy.sock), replicas.tsv (name, port, pid)
# and each replica's log in DIR; without it they go to a temporary directory removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
source scripts/_bind.sh

REPLICAS=2
PORT=8501
ADDRESS="127.0.0.1"
OPEN_OK=""
RUN_DIR=""
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) REPLICAS="${2:?--replicas needs a number}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --address) ADDRESS="${2:?--address needs a value}"; shift 2 ;;
    --i-accept-an-open-app) OPEN_OK=1; shift ;;
    --run-dir) RUN_DIR="${2:?--run-dir needs a directory}"; shift 2 ;;
    *) echo "unknown option: $1 (see the top of scripts/serve_team.sh)" >&2; exit 2 ;;
  esac
done
if ! [[ "$REPLICAS" =~ ^[0-9]+$ ]] || [ "$REPLICAS" -lt 1 ] || [ "$REPLICAS" -gt 32 ]; then
  echo "--replicas must be a whole number from 1 to 32 (one per core is a good start)." >&2
  exit 2
fi
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "--port must be a port number (1-65535)." >&2
  exit 2
fi

DB_URL="${GREENLIGHT_DATABASE_URL:-}"
case "$DB_URL" in
  postgresql*|postgres://*) ;;
  "")
    echo "Refusing to start: GREENLIGHT_DATABASE_URL is not set, and replicas need one PostgreSQL database" >&2
    echo "they all share (postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME). For one person or a small" >&2
    echo "team on a SQLite file, use scripts/run.sh." >&2
    exit 4 ;;
  sqlite*)
    echo "Refusing to serve replicas on SQLite: several processes on one SQLite file on one machine gain" >&2
    echo "nothing (every write locks the whole file, so they take turns and readers wait), and replicas on" >&2
    echo "several machines cannot share a file at all. Set GREENLIGHT_DATABASE_URL to a PostgreSQL database" >&2
    echo "(postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME), or serve one process with scripts/run.sh." >&2
    exit 4 ;;
  *)
    echo "Refusing to start: GREENLIGHT_DATABASE_URL must name a PostgreSQL database" >&2
    echo "(postgresql+psycopg://USER:PASSWORD@HOST:5432/DBNAME); replicas share it." >&2
    exit 4 ;;
esac

refuse_open_bind "$ADDRESS" "$OPEN_OK"

ensure_venv requirements.txt
if ! command -v haproxy >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== Installing HAProxy (Debian's package)"
    apt_install haproxy
  else
    echo "HAProxy is needed in front of the replicas: install Debian's haproxy package (sudo apt-get install haproxy)." >&2
    exit 6
  fi
fi

echo "== Bringing the schema up to date (once, before the replicas start)"
if ! .venv/bin/python - <<'PY'
import sys

from lib.infra.db import DatabaseUnavailable, open_database

try:
    open_database().dispose()
except DatabaseUnavailable as exc:
    print(exc, file=sys.stderr)
    sys.exit(5)
PY
then
  exit 5
fi

KEEP_RUN_DIR=1
if [ -z "$RUN_DIR" ]; then
  RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/greenlight-team.XXXXXX")"
  KEEP_RUN_DIR=""
fi
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"

# Free local ports for the replicas, chosen by the system; each replica keeps its port across restarts.
mapfile -t REPLICA_PORTS < <(.venv/bin/python - "$REPLICAS" <<'PY'
import socket
import sys

held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
    print(s.getsockname()[1])
PY
)

declare -a PIDS=()
PROXY_PID=""

stop_all() {
  trap - INT TERM EXIT
  echo "== Stopping HAProxy and ${REPLICAS} replica(s)"
  local pid
  for pid in "$PROXY_PID" "${PIDS[@]}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$PROXY_PID" "${PIDS[@]}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  [ -n "$KEEP_RUN_DIR" ] || rm -rf "$RUN_DIR"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

write_replicas_table() {
  local i
  : > "$RUN_DIR/replicas.tsv.new"
  for i in $(seq 1 "$REPLICAS"); do
    printf 'r%s\t%s\t%s\n' "$i" "${REPLICA_PORTS[$((i - 1))]}" "${PIDS[$((i - 1))]:-}" >> "$RUN_DIR/replicas.tsv.new"
  done
  mv "$RUN_DIR/replicas.tsv.new" "$RUN_DIR/replicas.tsv"
}

start_replica() {  # start_replica INDEX (1-based)
  local i="$1" port="${REPLICA_PORTS[$(($1 - 1))]}"
  GREENLIGHT_PROXY_ADDRESS="$ADDRESS" .venv/bin/python -m streamlit run serve.py \
    --server.address 127.0.0.1 --server.port "$port" --server.headless true \
    --browser.gatherUsageStats false >> "$RUN_DIR/replica-$i.log" 2>&1 &
  PIDS[$((i - 1))]=$!
}

for i in $(seq 1 "$REPLICAS"); do start_replica "$i"; done
write_replicas_table

case "$ADDRESS" in
  *:*) BIND="ipv6@${ADDRESS}:${PORT}" ;;
  *) BIND="${ADDRESS}:${PORT}" ;;
esac
{
  cat <<CFG
# Generated by scripts/serve_team.sh for this run; not edited by hand.
global
    maxconn 4096
    stats socket ${RUN_DIR}/haproxy.sock mode 600 level admin

defaults
    mode http
    retries 2
    option redispatch
    # a request cut by a dying replica before any answer (a GET, a websocket upgrade) goes to another
    retry-on conn-failure empty-response junk-response
    timeout connect 3s
    # a killed replica refuses the check's connection at once (out after 2 checks, ~2 s); a busy one
    # may take seconds to answer /_stcore/health and is not dead: declaring it so would cut its tabs
    timeout check 4s
    timeout http-request 15s
    timeout client 60s
    timeout server 120s
    # a tab's websocket lives as long as the tab: once upgraded, only this idle limit applies
    timeout tunnel 2h
    timeout client-fin 5s

frontend greenlight
    bind ${BIND}
    default_backend replicas

backend replicas
    balance leastconn
    cookie greenlight_replica insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri /_stcore/health ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect string ok
    default-server check inter 1s fastinter 500ms downinter 1s fall 2 rise 2
CFG
  for i in $(seq 1 "$REPLICAS"); do
    echo "    server r$i 127.0.0.1:${REPLICA_PORTS[$((i - 1))]} cookie r$i"
  done
} > "$RUN_DIR/haproxy.cfg"

SAFE_URL="$(printf '%s' "$DB_URL" | sed -E 's#//[^@/]*@#//#')"
haproxy -q -c -f "$RUN_DIR/haproxy.cfg" >/dev/null
echo "== Starting ${REPLICAS} replica(s); HAProxy starts on ${ADDRESS}:${PORT} once they answer"
.venv/bin/python - "${REPLICA_PORTS[@]}" <<'PY' &
"""Wait until every replica answers its health check (2 minutes at most)."""
import sys
import time
import urllib.request


def ok(port: str) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok"
    except OSError:
        return False


deadline = time.monotonic() + 120
while not all(ok(p) for p in sys.argv[1:]) and time.monotonic() < deadline:
    time.sleep(0.5)
PY
wait $! || true  # in the background, so that Ctrl+C or SIGTERM stops everything at once
haproxy -db -f "$RUN_DIR/haproxy.cfg" &
PROXY_PID=$!
sleep 1
if ! kill -0 "$PROXY_PID" 2>/dev/null; then
  echo "HAProxy could not start on ${ADDRESS}:${PORT} (see its message above: is the port taken?)." >&2
  exit 6
fi
echo "== Greenlight for a team on http://${ADDRESS}:${PORT}: ${REPLICAS} replica(s) behind HAProxy"
echo "   data: ${SAFE_URL}; replicas on 127.0.0.1 ports ${REPLICA_PORTS[*]}; logs and config in ${RUN_DIR}"
echo "   Ctrl+C stops everything."

# Keep the replicas running: one that exited is started again on its port; HAProxy's health check lets it
# back in once it answers. If HAProxy itself stops, everything stops.
declare -a DOWN_SINCE=()
while true; do
  if ! kill -0 "$PROXY_PID" 2>/dev/null; then
    echo "HAProxy stopped; stopping the replicas." >&2
    exit 1
  fi
  for i in $(seq 1 "$REPLICAS"); do
    pid="${PIDS[$((i - 1))]}"
    if ! kill -0 "$pid" 2>/dev/null; then
      now=$(date +%s)
      if [ -z "${DOWN_SINCE[$i]:-}" ]; then
        DOWN_SINCE[i]=$now
        echo "== Replica r$i (port ${REPLICA_PORTS[$((i - 1))]}, pid $pid) stopped; starting it again in 2 s" >&2
      elif [ $((now - DOWN_SINCE[i])) -ge 2 ]; then
        DOWN_SINCE[i]=""
        start_replica "$i"
        write_replicas_table
      fi
    fi
  done
  sleep 0.5 &
  wait $! || true
done
