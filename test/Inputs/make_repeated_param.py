#!/usr/bin/env python3
"""Writes <dir>/model.onnx and <dir>/weights.safetensors: a class token
folded over a static batch, as the dynamo exporter writes CLIP's
`class_embedding.expand(B, 1, -1)` at B = 2. The initializer `expand`
([2, 1, 4]) holds the framework's `embeddings.class_embedding` ([4]) twice;
the graph concatenates it before the input tokens, `y = concat(expand, x)`
along dimension 1 ([2, 3, 4] -> [2, 4, 4]).

  make_repeated_param.py DIR
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_writer as w  # noqa: E402
import tensorio  # noqa: E402

TOKEN = [0.5, -1.25, 2.0, 0.75]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    expand = w.tensor("expand", [2, 1, 4], raw=w.floats(TOKEN * 2))
    concat = w.node("Concat", ["expand", "x"], ["y"], "/embeddings/Concat",
                    [w.blob(1, "axis") + w.integer(3, 1) + w.integer(20, 2)])
    proto = w.model([concat], [w.value_info("x", [2, 3, 4])],
                    [w.value_info("y", [2, 4, 4])], [expand])
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(proto)
    tensorio.write_safetensors(os.path.join(out, "weights.safetensors"), {
        "embeddings.class_embedding": ([4], "f32", TOKEN)})


if __name__ == "__main__":
    main()
