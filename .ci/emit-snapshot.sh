#!/usr/bin/env bash
# Records what starchc emits for every fixture, so a refactoring can prove its
# outputs byte-identical:
#
#   .ci/emit-snapshot.sh /tmp/before          # on the unchanged branch
#   .ci/emit-snapshot.sh /tmp/after           # after the change
#   diff -r /tmp/before /tmp/after
#
# Inputs: every ONNX export under test/fixtures/ (its manifest's input shapes
# fix the symbolic dimensions), every model.json of docs/examples/ and
# test/fixtures/mllm/, and for each LLM export a minimal model.json that
# trains it. Stages: starch, raised, train, cpp and cpp --target=cuda. Each
# stage's stdout goes to STAGE.out, its stderr and exit status to STAGE.err,
# so a stage that fails (an encoder export has no training step) is compared
# too. STARCHC overrides the compiler (default: build/bin/starchc).
set -uo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
starchc="${STARCHC:-$root/build/bin/starchc}"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
# The generated configs live at a fixed place: their paths are in the output.
configs="${TMPDIR:-/tmp}/starch-emit-snapshot-configs"
mkdir -p "$configs"

# snapshot NAME INPUT [FLAGS...]: every stage of INPUT into $out/NAME/.
snapshot() {
  local name="$1" input="$2"
  shift 2
  mkdir -p "$out/$name"
  local stage
  for stage in starch raised train cpp cuda; do
    local flags=("--emit=$stage")
    [[ $stage == cuda ]] && flags=(--emit=cpp --target=cuda)
    (cd "$root" && "$starchc" "$input" "${flags[@]}" "$@" \
      >"$out/$name/$stage.out" 2>"$out/$name/$stage.err")
    echo "exit $?" >>"$out/$name/$stage.err"
  done
}

# The manifest's input shapes as --input-shape flags.
shape_flags() {
  /usr/bin/python3 - "$1" <<'EOF'
import json, sys
for i in json.load(open(sys.argv[1])).get("inputs", []):
    print(f"--input-shape={i['name']}=" + "x".join(str(d) for d in i["shape"]))
EOF
}

cd "$root"
for onnx in test/fixtures/*/model.onnx test/fixtures/mllm/*/model.onnx; do
  dir="$(dirname "$onnx")"
  name="${dir#test/fixtures/}"
  name="${name//\//-}"
  flags=()
  [[ -f $dir/manifest.json ]] && mapfile -t flags < <(shape_flags "$dir/manifest.json")
  snapshot "onnx-$name" "$onnx" "${flags[@]}"
  if [[ -f $dir/train/train.json || $name == mllm-llama* ]]; then
    config="$configs/$name.json"
    printf '{"name": "%s", "llm": {"onnx": "%s"}, "training": {"steps": 20, "micro_batches": 2, "warmup_steps": 5}}\n' \
      "$name" "$root/$onnx" >"$config"
    snapshot "train-$name" "$config"
  fi
done
for config in docs/examples/*/model.json test/fixtures/mllm/*/*/model.json; do
  name="$(dirname "$config")"
  name="${name//\//-}"
  snapshot "json-$name" "$config"
done
echo "wrote $(find "$out" -type f | wc -l) files to $out"
