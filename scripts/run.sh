#!/usr/bin/env bash
# Set up (first run) and serve Greenlight on SQLite at http://localhost:8501.
#
#   ./scripts/run.sh                          local only (127.0.0.1)
#   ./scripts/run.sh --address 0.0.0.0        for colleagues: needs sign-in ([auth] in .streamlit/secrets.toml)
#   ./scripts/run.sh --address 0.0.0.0 --i-accept-an-open-app
#                                             a trusted LAN without sign-in: anyone who can reach it can write
#
# It serves serve.py (app.py behind a Host check): in local mode only requests addressed to localhost,
# 127.0.0.1 or --address are answered (on 0.0.0.0 also this machine's name and IP addresses; for other
# names, list them with "localhost" in server.allowedHosts in .streamlit/config.toml), so a web page
# cannot reach the app by re-pointing its own domain at this machine (DNS rebinding).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
source scripts/_bind.sh

ADDRESS="127.0.0.1"
OPEN_OK=""
while [ $# -gt 0 ]; do
  case "$1" in
    --address) ADDRESS="${2:?--address needs a value}"; shift 2 ;;
    --i-accept-an-open-app) OPEN_OK=1; shift ;;
    *) echo "unknown option: $1 (see the top of scripts/run.sh)" >&2; exit 2 ;;
  esac
done

refuse_open_bind "$ADDRESS" "$OPEN_OK"

ensure_venv requirements.txt
PORT="${PORT:-8501}"
echo "== Greenlight on http://${ADDRESS}:${PORT}  (data: ${GREENLIGHT_DATABASE_URL:-data/greenlight.db}; Ctrl+C stops)"
exec .venv/bin/python -m streamlit run serve.py --server.address "$ADDRESS" --server.port "$PORT" --server.headless true
