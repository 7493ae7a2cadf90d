# Sourced by run.sh and test.sh: a venv in .venv with the given requirements file.
# Re-installs only when the requirements change (a stamp holds their checksum).

# Python may keep compiled bytecode (__pycache__, ignored by git). Where the environment forbids it
# (PYTHONDONTWRITEBYTECODE=1, as on some CI images) every process recompiles Streamlit, pandas and
# scipy on import, about 4 s of CPU each: the test suite starts some eighty such processes.
unset PYTHONDONTWRITEBYTECODE
ensure_venv() {
  local req="$1"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Greenlight needs Python 3.11 or newer (found: $("$py" --version 2>&1))." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== Installing python3-venv (Debian's venv module)"
        apt_install "python3-venv"
        "$py" -m venv .venv
      else
        echo "python3 -m venv failed: install Debian's python3-venv package (sudo apt-get install python3-venv)." >&2
        exit 1
      fi
    fi
  fi
  local stamp=".venv/.greenlight-$(basename "$req").sha"
  local want
  want=$(cat requirements*.txt | sha256sum | cut -c1-64)
  local dev_stamp=".venv/.greenlight-requirements-dev.txt.sha"  # the dev set includes the runtime set
  if [ -f "$dev_stamp" ] && [ "$(cat "$dev_stamp")" = "$want" ]; then
    return 0
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== Installing Python packages from $req"
    install_requirements "$req"
    echo "$want" > "$stamp"
  fi
}

# uv installs the same pinned ranges from PyPI in parallel: the ~1 GB test set takes about 10 s where pip
# takes about 2 minutes on two cores. pip stays the fallback when uv cannot be had (offline mirror, no wheel).
install_requirements() {
  local req="$1"
  if [ -z "${GREENLIGHT_USE_PIP:-}" ] && { [ -x .venv/bin/uv ] \
      || .venv/bin/python -m pip install -q --disable-pip-version-check "uv>=0.5,<1" >/dev/null 2>&1; }; then
    if .venv/bin/uv pip install -q --python .venv/bin/python -r "$req"; then
      return 0
    fi
    echo "== uv could not install $req; falling back to pip" >&2
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req" 2> >(grep -v "is ignored: it is neither" >&2)
}

APT_UPDATED=""
# The package lists are refreshed only when an install from the ones on the machine fails (a fresh image has
# none): a refresh costs several seconds of network on every first run.
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if [ -z "$APT_UPDATED" ] && apt-get install -y -qq --no-install-recommends $1 >/dev/null 2>&1; then
    return 0
  fi
  if [ -z "$APT_UPDATED" ]; then
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $1 >/dev/null
}
