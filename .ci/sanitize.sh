#!/usr/bin/env bash
# The sanitizer configuration: the compiler, tools, runtime and tests built
# with ASan + UBSan into build-asan and the whole ctest run on them, then
# each fuzz target for a bounded time (.ci/fuzz.sh). docs/fuzzing.md says
# what is instrumented and why each suppression exists.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash .ci/install-deps.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/test/fuzz/lsan.supp:print_suppressions=0
STARCH_BUILD_DIR=build-asan \
STARCH_CMAKE_ARGS="-DSTARCH_SANITIZE=address,undefined -DSTARCH_ENABLE_CUDA=OFF" \
  bash .ci/build.sh
built=$(date +%s)
ctest --test-dir build-asan --output-on-failure -j2
tested=$(date +%s)
bash .ci/fuzz.sh
echo "sanitizers: build $((built - start)) s, ctest $((tested - built)) s," \
  "fuzzing $(($(date +%s) - tested)) s"
