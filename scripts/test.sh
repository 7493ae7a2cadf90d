#!/usr/bin/env bash
# Install what the tests need (venv, packages; as root also Debian's PostgreSQL,
# Chromium's headless shell and HAProxy), start PostgreSQL, and run the whole suite. Extra arguments go
# to pytest (GREENLIGHT_TEST_WORKERS=1 for one worker). Under CI=true a missing PostgreSQL or Chromium is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh

need_pkgs=""
command -v pg_ctlcluster >/dev/null || need_pkgs="$need_pkgs postgresql"
[ -x /usr/bin/chromium-headless-shell ] || need_pkgs="$need_pkgs chromium-headless-shell"
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || need_pkgs="$need_pkgs haproxy"
if [ -n "$need_pkgs" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== Installing Debian packages:$need_pkgs"
    apt_install "$need_pkgs"
  else
    echo "== Not root: cannot install$need_pkgs (tests needing them will say so)"
  fi
fi

ensure_venv requirements-dev.txt

# A fresh venv holds no compiled bytecode (uv does not compile at install), and the test workers, the type
# check and the first servers all start at once: each compiled Streamlit, pandas, scipy… itself (~6 s of CPU
# a process). Compiled once here, in the background while PostgreSQL starts; later runs find it done.
warm_pid=""
if [ ! -f .venv/.greenlight-bytecode ]; then
  # two importers side by side (two cores), then what imports from both; the venv is marked when all succeeded
  (.venv/bin/python -m compileall -q -j 0 lib pages tests app.py serve.py >/dev/null 2>&1 || true
   .venv/bin/python -c "import streamlit.web.bootstrap, streamlit.testing.v1, pandas, pyarrow, altair, \
vl_convert, openpyxl" >/dev/null 2>&1 & first=$!
   .venv/bin/python -c "import scipy.stats, scipy.optimize, sqlalchemy, sqlmodel, alembic.command, psycopg, \
playwright.sync_api, pytest, xdist, hypothesis" >/dev/null 2>&1 \
     && wait "$first" && .venv/bin/python -c "import statsmodels.api" >/dev/null 2>&1 \
     && touch .venv/.greenlight-bytecode) &
  warm_pid=$!
fi

# PostgreSQL: use GREENLIGHT_TEST_DATABASE_URL when given, else start the local cluster.
if [ -z "${GREENLIGHT_TEST_DATABASE_URL:-}" ] && command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$ver" main >/dev/null
  fi
  pg_ctlcluster "$ver" main status >/dev/null 2>&1 || pg_ctlcluster "$ver" main start
  for _ in $(seq 1 30); do
    runuser -u postgres -- psql -tAc "SELECT 1" >/dev/null 2>&1 && break
    sleep 1
  done
  (cd /tmp
   runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='app'" | grep -q 1 \
     || runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "CREATE ROLE app LOGIN PASSWORD 'app'"
   runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_database WHERE datname='app_test'" | grep -q 1 \
     || runuser -u postgres -- createdb -O app app_test
   # The test database need not survive a power cut: a commit returns without waiting for its WAL flush
   # (the backup-restore tests: 41 s → 21 s). Only app_test; the cluster's other databases keep their setting.
   runuser -u postgres -- psql -q -c "ALTER DATABASE app_test SET synchronous_commit = off")
  port=$(runuser -u postgres -- psql -tAc "SHOW port" 2>/dev/null | tr -d ' ' || echo 5432)
  export GREENLIGHT_TEST_DATABASE_URL="postgresql+psycopg://app:app@127.0.0.1:${port:-5432}/app_test"
fi
if [ -n "${GREENLIGHT_TEST_DATABASE_URL:-}" ]; then
  echo "== PostgreSQL tests on ${GREENLIGHT_TEST_DATABASE_URL%%://*}://…@${GREENLIGHT_TEST_DATABASE_URL##*@}"
else
  echo "== No PostgreSQL: its tests will be skipped (a failure under CI=true)"
fi

# Tests run in parallel workers (pytest-xdist), a file per worker so a module's server or browser starts once;
# each worker has its own SQLite files and PostgreSQL schema (tests/conftest.py). More workers than cores
# because browser and server tests spend much of their time waiting on a child process.
[ -n "$warm_pid" ] && { wait "$warm_pid" || true; }
workers="${GREENLIGHT_TEST_WORKERS:-$(( $(nproc 2>/dev/null || echo 2) + 1 ))}"
set +e
# --no-loadscope-reorder: xdist would otherwise hand out files by their number of tests, which put the browser
# files (few tests, the longest each) at the run's end; tests/conftest.py orders the longest files first.
.venv/bin/python -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder --durations=10 "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "pytest collected no tests" >&2
fi
exit "$rc"
