#!/usr/bin/env bash
# The main job on a shipped model: install, build, compile the example
# Llama-style LLM (docs/examples/tiny-llama/model.json) with starchc into a
# native training program, and train it on synthetic sequences; the loss
# falls from ln(128) = 4.85 as the model learns them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
bash .ci/build.sh
bin=${STARCH_BUILD_DIR:-build}/bin
example=docs/examples/tiny-llama/model.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== starchc $example -o train"
"$bin/starchc" "$example" -o "$out/train" -v --time
echo "== ./train (synthetic data; checkpoint at the end)"
"$out/train" --log-every 25 --save "$out/checkpoint"
ls -l "$out/checkpoint"
