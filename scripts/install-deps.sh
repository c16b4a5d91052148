#!/usr/bin/env bash
# Installs everything Rill needs on Debian 12, idempotently: run it as often
# as you like. Debian packages first (Qt 6.4, QCoro, md4c, the Python oracles,
# Chromium for browser tests), then the web client's npm packages.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # Qt 6.4 (Debian 12) and the QML runtime modules the project uses
  qt6-base-dev qt6-base-dev-tools qt6-websockets-dev qt6-httpserver-dev
  qt6-webengine-dev qt6-webengine-dev-tools qt6-declarative-dev
  qt6-declarative-dev-tools libqt6sql6-sqlite libqt6opengl6-dev
  qml6-module-qtqml qml6-module-qtqml-models qml6-module-qtqml-workerscript
  qml6-module-qtquick qml6-module-qtquick-window qml6-module-qtquick-controls
  qml6-module-qtquick-templates qml6-module-qtquick-layouts
  qml6-module-qtwebengine qml6-module-qtwebsockets qml6-module-qttest
  qml6-module-qtcore
  # coroutine handlers, Markdown
  qcoro-qt6-dev libmd4c-dev libmd4c-html0-dev
  # oracles and peers for differential tests and benchmarks
  python3 python3-django python3-jinja2 python3-django-channels python3-daphne
  # browser tests, WebEngine tests without a display
  chromium xvfb xauth fonts-dejavu-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

# Node.js and npm: any recent node will do (the machine image ships one).
if ! command -v npm >/dev/null 2>&1; then
  $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi

# npm packages for the web client (idiomorph, highlight.js, playwright-core).
if [ -f "$here/webclient/package.json" ]; then
  if [ ! -d "$here/webclient/node_modules" ] || \
     [ "$here/webclient/package-lock.json" -nt "$here/webclient/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm packages for webclient/"
    (cd "$here/webclient" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "install-deps: npm packages present"
  fi
fi
