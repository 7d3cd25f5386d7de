#!/usr/bin/env bash
# What the test suite needs from the system besides Python, installed when missing (`make test` runs this):
# Debian's chromium for the browser tests, and a CJK font so Chinese text in their screenshots is legible.
# Needs root or password-less sudo on Debian/Ubuntu; elsewhere it says what to install instead.
set -euo pipefail

has_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then [ -x "$CHROMIUM_PATH" ]; else command -v chromium >/dev/null 2>&1; fi
}
has_cjk_font() {
  find /usr/share/fonts /usr/local/share/fonts "$HOME/.fonts" "$HOME/.local/share/fonts" \
    \( -iname '*wqy*' -o -iname '*cjk*' \) 2>/dev/null | grep -q .
}

has_chromium && has_cjk_font && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  has_chromium || {
    echo "make test: the browser tests need Chromium. Install it with your package manager and, if it is not" \
         "on PATH as 'chromium', set CHROMIUM_PATH=/path/to/chromium." >&2
    exit 1
  }
  echo "make test: no CJK font found (Noto Sans CJK or WenQuanYi Zen Hei); Chinese text in screenshots will be boxes." >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "make test: the browser tests need Debian's chromium and fonts-wqy-zenhei; run as root, allow sudo," \
         "or install them once: sudo apt-get install chromium fonts-wqy-zenhei" >&2
    exit 1
  fi
fi
echo "make test: installing chromium and fonts-wqy-zenhei (apt-get) for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null
has_chromium
