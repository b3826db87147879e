#!/usr/bin/env bash
# GPT-SoVITS Studio: set up (first run) and launch. Safe to run again: it only reinstalls
# when requirements changed.
#   ./install.sh                      set up, then open the studio in your browser
#   ./install.sh --test               set up with test tools and run the whole test suite
#   ./install.sh --no-launch          set up only
#   ./install.sh --download-models v2 also fetch the official weights (v1, v2, v2Pro, v2ProPlus)
#   ./install.sh -- --port 8000       anything after -- goes to app.py
set -euo pipefail
cd "$(dirname "$0")"

TORCH_SPEC="torch==2.14.1 torchaudio==2.11.0"
VENV=.venv
MODE=launch
DOWNLOAD=""
APP_ARGS=()

while [ $# -gt 0 ]; do
  case "$1" in
    --test) MODE=test ;;
    --no-launch) MODE=none ;;
    --download-models)
      [ $# -ge 2 ] || { echo "error: --download-models needs a version, e.g. --download-models v2" >&2; exit 2; }
      DOWNLOAD="$2"; shift ;;
    --) shift; APP_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1 (see ./install.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

find_python() {
  for candidate in python3.12 python3.11 python3.10 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! PYTHON=$(find_python); then
    found=$(command -v python3 >/dev/null 2>&1 && python3 --version 2>&1 || echo "no python3")
    echo "error: GPT-SoVITS Studio needs Python 3.10, 3.11 or 3.12 (found: $found)." >&2
    echo "  Debian/Ubuntu: sudo apt install python3 python3-venv   macOS: brew install python@3.12" >&2
    echo "  or download it from https://www.python.org/downloads/" >&2
    exit 1
  fi
  echo "Creating the virtual environment in $VENV with $($PYTHON --version)..."
  if ! "$PYTHON" -m venv "$VENV"; then
    echo "error: could not create a virtual environment. On Debian/Ubuntu: sudo apt install python3-venv" >&2
    exit 1
  fi
fi
PY="$VENV/bin/python"

stamp_of() {  # hash of everything that decides what gets installed
  cat "$@" | { echo "$TORCH_SPEC $(uname -s)"; cat; } | "$PY" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())'
}

install_if_changed() {  # $1 = stamp file, rest = requirement files
  local stamp_file="$1"; shift
  local want; want=$(stamp_of "$@")
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want" ]; then
    return 0
  fi
  echo "Installing dependencies (first run or requirements changed)..."
  "$PY" -m pip install --disable-pip-version-check -q --upgrade pip
  # shellcheck disable=SC2086
  "$PY" -m pip install --disable-pip-version-check -q $TORCH_SPEC
  for req in "$@"; do
    "$PY" -m pip install --disable-pip-version-check -q -r "$req"
  done
  echo "$want" > "$stamp_file"
}

install_if_changed "$VENV/.install-stamp" requirements.txt
if [ "$MODE" = test ]; then
  install_if_changed "$VENV/.install-stamp-test" requirements.txt requirements-test.txt
fi
echo "Environment ready."

export GRADIO_ANALYTICS_ENABLED=False
if [ -n "$DOWNLOAD" ]; then
  "$PY" -m gpt_sovits download --version "$DOWNLOAD"
fi

case "$MODE" in
  test)
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
    exec "$PY" -m pytest -q ;;
  none) exit 0 ;;
  launch) exec "$PY" app.py ${APP_ARGS[@]+"${APP_ARGS[@]}"} ;;
esac
