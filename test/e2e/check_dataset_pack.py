#!/usr/bin/env python3
"""starch-data on a shipped example against Hugging Face (standard library).

  check_dataset_pack.py --bin DIR --example docs/examples/tiny-vlm
                        --fixture test/fixtures/mllm/vlm

Packs the example's manifest with starch-data and compares the shard with
what test/fixtures/make_mllm_fixtures.py computed from the same lines with
transformers' processors: tokens and labels exactly; each input slot of a
sequence with a file against the processor's output, and zeros elsewhere.
Images (PNG and JPEG, at the encoder's size or resized) must match to 1e-4
after normalisation: decoding (libjpeg-turbo with Pillow's settings),
resizing and normalising are exact, so this is tighter than the 2/255 per
pixel the issue allows for resized images; log-mel features to 1e-4
(float32 STFT against FFTW in double).
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import tensorio  # noqa: E402

REFERENCE = {"pixel_values": "pixel_values.npy", "input_features": "input_features.npy"}


def image_is_at_size(path, height, width):
    """The PNG's IHDR size equals the encoder's: no resize happens (JPEGs
    count as resized; the shipped ones are)."""
    data = open(path, "rb").read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        w, h = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return (h, w) == (height, width)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--sequences-per-shard", type=int,
                    help="pack into several shards (read back in order)")
    args = ap.parse_args()
    model = os.path.join(args.example, "model.json")
    manifest = [json.loads(line) for line in
                open(os.path.join(args.example, "train.jsonl")) if line.strip()]
    failures = []
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "data")
        command = [os.path.join(args.bin, "starch-data"), model, "-o", out]
        if args.sequences_per_shard:
            command += ["--sequences-per-shard", str(args.sequences_per_shard)]
        print(tensorio.run(command).stdout)
        index = json.load(open(os.path.join(out, "dataset.json")))
        if args.sequences_per_shard:
            want = [min(args.sequences_per_shard, len(manifest) - first)
                    for first in range(0, len(manifest), args.sequences_per_shard)]
            if [s["sequences"] for s in index["shards"]] != want:
                sys.exit(f"FAILED: shards {index['shards']}, expected sizes {want}")
        tensors = {}
        for shard in index["shards"]:
            part, _ = tensorio.read_safetensors(os.path.join(out, shard["file"]))
            for name, (shape, dtype, values) in part.items():
                if name in tensors:
                    tensors[name][0][0] += shape[0]
                    tensors[name][2].extend(values)
                else:
                    tensors[name] = [list(shape), dtype, list(values)]
        for name in ("tokens", "labels"):
            _, _, want = tensorio.read_npy(os.path.join(args.fixture, "data", name + ".npy"))
            if tensors[name][2] != want:
                failures.append(f"{name} differ from the fixture's")
        for entry in index["inputs"]:
            encoder, input_name = entry["encoder"], entry["input"]
            shape, _, got = tensors[input_name]
            slot = tensorio.count(entry["shape"])
            ref_shape, _, want = tensorio.read_npy(os.path.join(
                args.fixture, "data", REFERENCE[input_name.split(".", 1)[1]]))
            if ref_shape[1:] != entry["shape"] or entry["slots"] != 1:
                sys.exit(f"FAILED: the fixture's {input_name} is {ref_shape}")
            worst = {}
            for row, sample in enumerate(manifest):
                files = sample.get(encoder, [])
                g = got[row * slot:(row + 1) * slot]
                w = want[row * slot:(row + 1) * slot]
                if not files:
                    if any(g) or any(w):
                        failures.append(f"{input_name} row {row}: an empty slot is not zero")
                    continue
                diff = [abs(a - b) for a, b in zip(g, w)]
                if entry["modality"] == "image":
                    path = os.path.normpath(os.path.join(args.example, files[0]))
                    kind = ("PNG" if path.endswith(".png") else "JPEG") + (
                        " at size" if image_is_at_size(path, *entry["shape"][1:]) else " resized")
                    error, limit = max(diff), 1e-4
                else:
                    kind, error, limit = "log-mel", max(diff), 1e-4
                worst[kind] = max(worst.get(kind, 0.0), error)
                if error > limit:
                    failures.append(f"{input_name} row {row} ({files[0]}, {kind}): "
                                    f"max difference {error:.3g} > {limit:.3g}")
            for kind, error in sorted(worst.items()):
                print(f"{input_name}: {kind} max difference {error:.3g}")
    if failures:
        print("\n".join(failures))
        sys.exit("FAILED")
    print("OK: the packed dataset equals the Hugging Face processors' output")


if __name__ == "__main__":
    main()
