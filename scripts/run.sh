#!/usr/bin/env bash
# Set up (first run) and serve Greenlight on SQLite at http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.txt
PORT="${PORT:-8501}"
echo "== Greenlight on http://localhost:${PORT}  (data: ${GREENLIGHT_DATABASE_URL:-data/greenlight.db}; Ctrl+C stops)"
exec .venv/bin/python -m streamlit run app.py --server.address 127.0.0.1 --server.port "$PORT" --server.headless true
