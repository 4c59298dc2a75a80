#!/usr/bin/env bash
# The sanitizer configuration: the compiler, tools, runtime, tests and fuzz
# targets built once with clang, ASan + UBSan and assertions into build-fuzz
# (.ci/configure-sanitized.sh), the whole ctest run on them, then each fuzz
# target for a bounded time from the same tree (.ci/fuzz.sh). docs/fuzzing.md
# says what is instrumented and why each suppression exists.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash .ci/install-deps.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/test/fuzz/lsan.supp:print_suppressions=0
build_dir=${STARCH_FUZZ_BUILD_DIR:-build-fuzz}
bash .ci/configure-sanitized.sh "$build_dir"
cmake --build "$build_dir"
built=$(date +%s)
ctest --test-dir "$build_dir" --output-on-failure -j2
tested=$(date +%s)
STARCH_FUZZ_BUILD_DIR=$build_dir bash .ci/fuzz.sh
echo "sanitizers: build $((built - start)) s, ctest $((tested - built)) s," \
  "fuzzing $(($(date +%s) - tested)) s"
