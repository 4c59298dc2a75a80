#!/usr/bin/env bash
# The main job on a shipped model: install, build, import the Llama-style
# fixture with starchc, fuse it with starch-raise, run its forward pass with
# starch-run and compare against onnxruntime's logits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
bash .ci/build.sh
bin=${STARCH_BUILD_DIR:-build}/bin
model=test/fixtures/llama_dynamo
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== starchc: import $model/model.onnx"
"$bin/starchc" "$model/model.onnx" --emit=starch -o "$out/llama.mlir"
echo "== starch-opt --starch-raise"
"$bin/starch-opt" "$out/llama.mlir" --starch-raise -o "$out/llama.raised.mlir"
grep -o 'starch\.[a-z_]*' "$out/llama.raised.mlir" | sort | uniq -c | sort -rn | head -20
echo "== starch-run: forward pass, compared with onnxruntime"
"$bin/starch-run" "$out/llama.raised.mlir" --input "input_ids=$model/input_ids.npy" \
  --print --compare "logits=$model/logits.npy" --rtol 1e-4 --atol 1e-5
