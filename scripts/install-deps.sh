#!/usr/bin/env bash
# Installs everything Rill needs on Debian 12, idempotently: run it as often
# as you like. Debian packages first (Qt 6.4, QCoro, md4c, the Python oracles,
# Chromium for browser tests, Node.js), then the web client's npm packages.
# Run it as root, or as a user who may use sudo; see docs/troubleshooting.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages need root: as root we install directly, otherwise through
# sudo. Without either we can still go on if everything is already there.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    cat >&2 <<EOT
install-deps: these Debian packages are missing and installing them needs root:
  ${missing[*]}
There is no sudo here. Either run this script as root:
  su -c 'scripts/install-deps.sh'        (then scripts/install-deps.sh again as yourself for npm)
or install sudo and add yourself to its group (as root: apt-get install sudo && adduser $(id -un) sudo,
then log in again), or ask whoever administers this machine to install the packages above.
EOT
    exit 1
  fi
}

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # fuzzing with libFuzzer and ASan/UBSan (scripts/fuzz.sh)
  clang libclang-rt-14-dev
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
  # the soak benchmark's plot (bench/stream/plot_soak.py)
  python3-matplotlib
  # browser tests, WebEngine tests without a display
  chromium xvfb xauth fonts-dejavu-core
  # Node.js for the web client's tools and tests (Debian 12's is 18)
  nodejs npm
  # Debian packages (scripts/build-debs.sh) and their checks
  dpkg-dev file lintian
  # the deployment tests: nginx in front of Rill, with TLS
  nginx-light openssl
  # PubSub's Redis backend (hiredis) and the Redis the tests start
  libhiredis-dev redis-server
  # rill-chat's API key in the system's secret store (libsecret), and the
  # keyring its test runs on a private D-Bus
  libsecret-1-dev gnome-keyring dbus-daemon
)

missing=()
for p in "${packages[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    # Any Node.js >= 18 will do, Debian's or one installed another way.
    command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages present"
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "install-deps: Node.js $(node --version) is too old: the web client's tools need 18 or later" >&2
  exit 1
fi
echo "install-deps: Node.js $(node --version), npm $(npm --version)"

# npm packages for the web client (idiomorph, highlight.js, KaTeX, playwright-core),
# exactly as package-lock.json pins them. npm's warnings are shown.
if [ -f "$here/webclient/package.json" ]; then
  if [ ! -d "$here/webclient/node_modules" ] || \
     [ "$here/webclient/package-lock.json" -nt "$here/webclient/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm packages for webclient/"
    (cd "$here/webclient" && npm ci --no-audit --no-fund)
  else
    echo "install-deps: npm packages present"
  fi
fi
