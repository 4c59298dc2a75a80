#!/usr/bin/env bash
# The whole test suite: install packages (as root), build, run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
bash .ci/build.sh
ctest --test-dir "${STARCH_BUILD_DIR:-build}" --output-on-failure -j2
