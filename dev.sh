#!/usr/bin/env bash
# One entry point for a fresh machine:
#   ./dev.sh run    set up, build the warehouse if missing, serve the dashboard on http://localhost:8501
#   ./dev.sh test   set up (Chromium included), then ruff and the whole test suite
#   ./dev.sh etl    rebuild the warehouse from data/raw (python -m etl)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

setup() {
  # $1: requirements.txt (run) or requirements-dev.txt (test: the runtime, the tests and the linter)
  local req=${1:-requirements.txt}
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  if ! cat requirements.txt "$req" | cmp -s - .venv/.requirements-"$req".installed 2>/dev/null; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$req"
    cat requirements.txt "$req" > .venv/.requirements-"$req".installed
  fi
}

chromium() {
  # Debian's Chromium for the browser test (Playwright drives it; no browser download), and an emoji font.
  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "color emoji" || ! command -v pdftoppm >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-color-emoji poppler-utils >/dev/null
  fi
}

case "${1:-run}" in
  run)
    setup
    chromium || echo "warning: could not install Debian's chromium: chart images and the deck will not export" >&2
    [ -f "${ESS_WAREHOUSE:-data/warehouse.duckdb}" ] || .venv/bin/python -m etl
    exec .venv/bin/streamlit run dashboard.py "${@:2}"
    ;;
  test)
    setup requirements-dev.txt
    chromium
    .venv/bin/ruff check .
    exec .venv/bin/python -m pytest "${@:2}"
    ;;
  etl)
    setup
    exec .venv/bin/python -m etl "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh run|test|etl" >&2
    exit 2
    ;;
esac
