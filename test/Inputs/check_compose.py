#!/usr/bin/env python3
"""Checks starch-compose by execution on test/Passes/starch-compose/compose.mlir:
runs the composed @forward with starch-run on random weights, pixel values
and token ids (placeholders at random places), and compares its logits with
the same model computed here by hand from the composition rules of
docs/multimodal.md:

  vision(x)   = tanh(x @ w)                       (the test's encoder)
  features    = vision(x)[:, 1:]                  (drop_first = 1)
  projected   = linear_2(gelu(linear_1(features)))   (mlp projector, exact GELU)
  embeds      = embed[ids], placeholder 9 rows replaced by the projected
                rows in row-major order
  bits        = 0b10 at placeholders, 0b11 elsewhere (text)
  attention   = softmax(0.5 q k^T) v per head over the visible keys, q = k = v
                = embeds split into 2 heads of 4, visibility by the bitfield rule
  logits      = attention @ head

  check_compose.py --bin DIR FILE.mlir
"""
import argparse
import math
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensorio  # noqa: E402

B, S, V, D, H, DH = 2, 6, 10, 8, 2, 4
N, T, DE = 2, 3, 4
PLACEHOLDER = 9


def matvec(row, matrix, cols):
    """row [k] times matrix [k x cols] (row-major flat)."""
    return [sum(row[k] * matrix[k * cols + c] for k in range(len(row))) for c in range(cols)]


def linear(x, weight, bias, out):
    """torch.nn.Linear: weight [out x in]."""
    return [sum(x[i] * weight[o * len(x) + i] for i in range(len(x))) + bias[o] for o in range(out)]


def gelu(x):
    return 0.5 * x * (1 + math.erf(x / math.sqrt(2)))


def visible(bq, bk, q, k):
    mq, mk = bq & ((1 << 62) - 1), bk & ((1 << 62) - 1)
    if bq & 1:
        return k <= q and (mq & mk) != 0
    return mq == mk and mq != 0


def expected_logits(weights, pixels, ids):
    w = weights["vision.w"]
    feats = []
    for n in range(N):
        for t in range(1, T):
            x = pixels[(n * T + t) * DE:(n * T + t + 1) * DE]
            feats.append([math.tanh(v) for v in matvec(x, w, DE)])
    p = weights["projector"]
    projected = []
    for f in feats:
        h = [gelu(v) for v in linear(f, p["linear_1.weight"], p["linear_1.bias"], D)]
        projected.append(linear(h, p["linear_2.weight"], p["linear_2.bias"], D))
    embed, head = weights["llm.embed"], weights["llm.head"]
    logits = []
    row = 0
    for b in range(B):
        tokens = ids[b * S:(b + 1) * S]
        hidden = []
        for s in range(S):
            if tokens[s] == PLACEHOLDER:
                hidden.append(projected[row])
                row += 1
            else:
                hidden.append(embed[tokens[s] * D:(tokens[s] + 1) * D])
        bits = [0b10 if t == PLACEHOLDER else 0b11 for t in tokens]
        out = [[0.0] * D for _ in range(S)]
        for h in range(H):
            part = [v[h * DH:(h + 1) * DH] for v in hidden]
            for q in range(S):
                keys = [k for k in range(S) if visible(bits[q], bits[k], q, k)]
                scores = [0.5 * sum(a * c for a, c in zip(part[q], part[k])) for k in keys]
                peak = max(scores)
                e = [math.exp(x - peak) for x in scores]
                total = sum(e)
                for d in range(DH):
                    out[q][h * DH + d] = sum(e[i] * part[keys[i]][d] for i in range(len(keys))) / total
        for s in range(S):
            logits.extend(matvec(out[s], head, V))
    return logits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("file")
    args = parser.parse_args()
    rng = random.Random(11)

    def uniform(count, scale=1.0):
        return [rng.uniform(-scale, scale) for _ in range(count)]

    weights = {"vision.w": uniform(DE * DE), "llm.embed": uniform(V * D),
               "llm.head": uniform(D * V),
               "projector": {"linear_1.weight": uniform(D * DE), "linear_1.bias": uniform(D),
                             "linear_2.weight": uniform(D * D), "linear_2.bias": uniform(D)}}
    pixels = uniform(N * T * DE, 2.0)
    # One image (two placeholders) per sequence, at random positions.
    ids = []
    for _ in range(B):
        tokens = [rng.randrange(PLACEHOLDER) for _ in range(S)]
        for at in rng.sample(range(S), 2):
            tokens[at] = PLACEHOLDER
        ids.extend(tokens)

    with tempfile.TemporaryDirectory() as work:
        tensorio.write_safetensors(os.path.join(work, "vision.safetensors"),
                                   {"w": ([DE, DE], "f32", weights["vision.w"])})
        tensorio.write_safetensors(os.path.join(work, "llm.safetensors"),
                                   {"embed": ([V, D], "f32", weights["llm.embed"]),
                                    "head": ([D, V], "f32", weights["llm.head"])})
        p = weights["projector"]
        tensorio.write_safetensors(
            os.path.join(work, "vision_projector.safetensors"),
            {"multi_modal_projector.linear_1.weight": ([D, DE], "f32", p["linear_1.weight"]),
             "multi_modal_projector.linear_1.bias": ([D], "f32", p["linear_1.bias"]),
             "multi_modal_projector.linear_2.weight": ([D, D], "f32", p["linear_2.weight"]),
             "multi_modal_projector.linear_2.bias": ([D], "f32", p["linear_2.bias"])})
        composed = os.path.join(work, "composed.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "--starch-compose",
                      "-o", composed])
        ids_path, pixels_path = os.path.join(work, "ids.npy"), os.path.join(work, "pixels.npy")
        tensorio.write_npy(ids_path, [B, S], "i64", ids)
        tensorio.write_npy(pixels_path, [N, T, DE], "f32", pixels)
        out = os.path.join(work, "out")
        tensorio.run([os.path.join(args.bin, "starch-run"), composed, "--function", "forward",
                      "--output-dir", out, "--input", ids_path, "--input", pixels_path])
        _, _, got = tensorio.read_npy(os.path.join(out, sorted(os.listdir(out))[0]))
    expected = expected_logits(weights, pixels, ids)
    worst = max(abs(g - e) / (1e-6 + abs(e)) for g, e in zip(got, expected))
    bad = [i for i, (g, e) in enumerate(zip(got, expected)) if not tensorio.close(g, e, 1e-4, 1e-5)]
    if len(got) != len(expected) or bad:
        sys.exit(f"FAILED: {len(bad)} of {len(expected)} logits differ, first at {bad[:1]}: "
                 f"{got[bad[0]] if bad else None} vs {expected[bad[0]] if bad else None}")
    print(f"@forward equals the composition computed by hand ({len(got)} logits, "
          f"worst relative error {worst:.2g})")


if __name__ == "__main__":
    main()
