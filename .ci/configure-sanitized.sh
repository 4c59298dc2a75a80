#!/usr/bin/env bash
# Configures the one sanitized tree (default build-fuzz) that .ci/fuzz.sh and
# .ci/sanitize.sh build into: clang 22, ASan + UBSan, assertions on, -O1 and
# libFuzzer's coverage (STARCH_FUZZ; docs/fuzzing.md). The CUDA runtime is
# left out: nothing runs on a GPU in CI, and the normal tree compiles it.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-fuzz}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DSTARCH_FUZZ=ON -DSTARCH_ENABLE_CUDA=OFF
fi
