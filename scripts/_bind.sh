# Sourced by run.sh and serve_team.sh: the one rule for where Greenlight may listen.
# Local mode (no sign-in) stays on this machine unless the person running it says the LAN is trusted.

signin_configured() {
  local f
  for f in .streamlit/secrets.toml "${HOME}/.streamlit/secrets.toml"; do
    [ -f "$f" ] && grep -Eq '^\s*\[auth\]' "$f" && return 0
  done
  return 1
}

# refuse_open_bind ADDRESS OPEN_OK: exits 3 when ADDRESS is beyond loopback, sign-in is off and OPEN_OK is empty.
refuse_open_bind() {
  case "$1" in
    127.0.0.1|localhost|::1) ;;
    *)
      if ! signin_configured && [ -z "$2" ]; then
        echo "Refusing to serve on $1 in local mode: without sign-in anyone who can reach this machine" >&2
        echo "could change every pilot and decision. Configure [auth] in .streamlit/secrets.toml (see the" >&2
        echo ".example and the README, 'Serving a team'), or pass --i-accept-an-open-app for a trusted LAN." >&2
        exit 3
      fi ;;
  esac
}
