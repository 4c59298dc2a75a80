#!/usr/bin/env bash
# Configures and builds Starch into ./build (ninja + ccache, libMLIR.so).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${STARCH_BUILD_DIR:-build}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ${STARCH_CMAKE_ARGS:-}
fi
cmake --build "$build_dir"
