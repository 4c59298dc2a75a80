#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz, clang, ASan + UBSan) into
# build-fuzz and runs each for STARCH_FUZZ_SECONDS (default 30) over its
# committed corpus; the ONNX importer also starts from ONNX's node tests.
# A crash, leak, timeout or sanitizer report fails the run and leaves the
# input in build-fuzz/findings/ (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${STARCH_FUZZ_BUILD_DIR:-build-fuzz}
seconds=${STARCH_FUZZ_SECONDS:-30}
targets=${STARCH_FUZZ_TARGETS:-import-onnx model-json npy safetensors checkpoint manifest}
bash .ci/configure-sanitized.sh "$build_dir"
cmake --build "$build_dir" --target starch-fuzzers
# New inputs a run finds go to a scratch corpus, never into test/fuzz/corpus.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$build_dir/findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=suppressions=$PWD/test/fuzz/lsan.supp
for target in $targets; do
  seeds=(test/fuzz/corpus/"$target")
  if [[ $target == import-onnx && -d /usr/share/libonnx-testdata/data/node ]]; then
    mkdir -p "$scratch/node-tests"
    for model in /usr/share/libonnx-testdata/data/node/*/model.onnx; do
      cp "$model" "$scratch/node-tests/$(basename "$(dirname "$model")").onnx"
    done
    seeds+=("$scratch/node-tests")
  fi
  mkdir -p "$scratch/$target"
  log="$build_dir/findings/$target.log"
  status=0
  # A fixed seed by default (STARCH_FUZZ_SEED=0: a random one). The inputs
  # explored still depend on the machine's speed and directory order; a
  # finding is kept in build-fuzz/findings/ to replay.
  nice -n 10 "$build_dir/bin/starch-fuzz-$target" -max_total_time="$seconds" \
    -seed="${STARCH_FUZZ_SEED:-1}" \
    -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
    -artifact_prefix="$build_dir/findings/$target-" \
    "$scratch/$target" "${seeds[@]}" > "$log" 2>&1 || status=$?
  runs=$(grep -m1 -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
  echo "fuzz $target: ${runs:-?} executions in $seconds s"
  if ((status != 0)); then
    grep -E "ERROR|SUMMARY|runtime error|not one error line" "$log" >&2 || true
    echo "fuzz $target: failed (exit $status); input and log in $build_dir/findings/" >&2
    exit 1
  fi
done
