#!/usr/bin/env bash
# Builds Rill's Debian packages with CPack: configures a build tree with the
# prefix /usr (no RUNPATHs, multiarch paths), builds it without tests or
# benchmarks, and runs cpack. The packages land in BUILD/debs/.
#
#   scripts/build-debs.sh [BUILD_DIR]       (default: build-deb)
#   sudo apt install ./build-deb/debs/*.deb
#
# packaging/CMakeLists.txt says which package holds what.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$here/build-deb}"

cmake -S "$here" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX=/usr \
  -DBUILD_TESTING=OFF -DRILL_BUILD_BENCH=OFF -DRILL_BUILD_EXAMPLES=OFF
cmake --build "$build"
rm -rf "$build/debs"
(cd "$build" && cpack -G DEB)
ls -1 "$build/debs"/*.deb "$build/debs"/*.ddeb 2>/dev/null
