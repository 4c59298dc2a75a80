#!/usr/bin/env bash
# The main job on a shipped model: install, build, compile the example
# vision-language model (docs/examples/tiny-vlm/model.json: a CLIP vision
# encoder, an MLP projector and a Llama-style LLM, composed as
# docs/multimodal.md states) with starchc into a native training program,
# and train it on synthetic sequences with image placeholders; the loss
# falls from ln(128) = 4.85 as the model learns the text.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
bash .ci/build.sh
bin=${STARCH_BUILD_DIR:-build}/bin
example=docs/examples/tiny-vlm/model.json
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== starchc $example -o train"
"$bin/starchc" "$example" -o "$out/train" -v --time
echo "== ./train (synthetic data; checkpoint at the end)"
"$out/train" --log-every 25 --save "$out/checkpoint"
ls -l "$out/checkpoint"
