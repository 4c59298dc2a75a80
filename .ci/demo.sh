#!/usr/bin/env bash
# The main job on a shipped model: install, build, compile the example
# vision-language model (docs/examples/tiny-vlm/model.json: a CLIP vision
# encoder, an MLP projector and a Llama-style LLM, composed as
# docs/multimodal.md states) with starchc into a native training program,
# pack its dataset (docs/examples/tiny-vlm/train.jsonl: token ids with image
# placeholders and PNG/JPEG images, decoded and preprocessed as CLIP's
# processor does) with starch-data, and train on it; the loss falls from
# ln(128) = 4.86 as the model learns its twelve captions.
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
echo "== starch-data $example -o data"
"$bin/starch-data" "$example" -o "$out/data"
echo "== ./train --data data (checkpoint at the end)"
"$out/train" --data "$out/data" --log-every 25 --save "$out/checkpoint"
ls -l "$out/checkpoint"
