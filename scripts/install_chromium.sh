#!/bin/sh
# Install Debian's chromium for the browser tests (tests/test_browser.py drive it with Playwright).
# Idempotent: does nothing when /usr/bin/chromium exists. Uses sudo when not root.
# Exits non-zero, saying why, when it cannot install it.
set -eu

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}   # overridable for testing the script

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium.sh: $CHROMIUM is missing and apt-get is not available;" \
         "install Chromium so that $CHROMIUM exists (the browser tests need it)" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install_chromium.sh: $CHROMIUM is missing; run as root or install sudo," \
         "or run: apt-get install -y chromium" >&2
    exit 1
fi

echo "install_chromium.sh: installing chromium with apt-get (for the browser tests)" >&2
if ! $SUDO apt-get update || ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; then
    echo "install_chromium.sh: apt-get could not install chromium (no network or no package?);" \
         "install it so that $CHROMIUM exists" >&2
    exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "install_chromium.sh: chromium was installed but $CHROMIUM does not exist" >&2
    exit 1
fi
