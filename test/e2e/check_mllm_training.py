#!/usr/bin/env python3
"""Training parity of composed multimodal models (standard library only).

  check_mllm_training.py --bin DIR --case test/fixtures/mllm/<example>/<config>

Compiles the case's model.json (encoders, projectors and the LLM composed as
docs/multimodal.md states), packs the example's dataset (the JSONL manifest
of images, audio and token ids named by data.manifest) with starch-data,
trains on it for the steps of train.json, and compares with the PyTorch reference that
test/fixtures/make_mllm_fixtures.py computed over the same Hugging Face
modules: every step's loss, gradient norm and learning rate; the number of
trainable values the program reports against the reference's trainable
parameter count; every trainable module's final weights (checkpoint keys
`<module>.<framework name>` against final_<module>.safetensors); and every
frozen module's weights unchanged.
"""
import argparse
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Inputs"))
import tensorio  # noqa: E402

def read_log(path):
    return [line.split() for line in open(path).read().splitlines() if line.strip()]


def with_onnx_projectors(case, config, projectors, work):
    """The case's model.json with the named encoders' projectors given as
    ONNX graphs ({encoder: file.onnx}; the framework weights stay the
    projector's weights file), written to `work` with absolute paths."""
    def absolute(path):
        return os.path.normpath(os.path.join(case, path))
    config = json.loads(json.dumps(config))
    for module in [config["llm"]] + config.get("encoders", []):
        for key in ("onnx", "weights"):
            if key in module:
                module[key] = absolute(module[key])
    if "data" in config and "manifest" in config["data"]:
        config["data"]["manifest"] = absolute(config["data"]["manifest"])
    for encoder in config.get("encoders", []):
        projector = encoder["projector"]
        weights = absolute(projector["weights"])
        if encoder["name"] in projectors:
            encoder["projector"] = {"type": "onnx", "onnx": os.path.abspath(projectors[encoder["name"]]),
                                    "weights": weights, "frozen": projector.get("frozen", False)}
        else:
            projector["weights"] = weights
    path = os.path.join(work, "model.json")
    json.dump(config, open(path, "w"), indent=1)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--case", required=True)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--onnx-projector", action="append", default=[], metavar="ENCODER=FILE.onnx",
                        help="give this encoder's projector as an ONNX graph (same weights): "
                             "the run must still equal the reference")
    args = parser.parse_args()
    case = os.path.abspath(args.case)
    example = os.path.dirname(case)
    config = json.load(open(os.path.join(case, "model.json")))
    train = json.load(open(os.path.join(case, "train.json")))
    failures = []
    with tempfile.TemporaryDirectory() as work:
        exe = os.path.join(work, "train")
        model = os.path.join(case, "model.json")
        if args.onnx_projector:
            model = with_onnx_projectors(case, config, dict(p.split("=", 1) for p in args.onnx_projector),
                                         work)
        tensorio.run([os.path.join(args.bin, "starchc"), model, "-o", exe])
        # The example's dataset: its manifest (model.json data.manifest) of
        # images, audio and token ids, packed by starch-data.
        data = os.path.join(work, "data")
        tensorio.run([os.path.join(args.bin, "starch-data"), model, "-o", data])
        log, ckpt = os.path.join(work, "loss.log"), os.path.join(work, "ckpt")
        command = [exe, "--data", data, "--loss-log", log, "--save", ckpt, "--log-every", "5"]
        output = tensorio.run(command).stdout
        found = re.search(r"\| (\d+) trainable values \|", output)
        want_count = train["trainable_param_count_total"]
        if not found or int(found.group(1)) != want_count:
            failures.append(f"trainable values: program {found and found.group(1)}, PyTorch {want_count}")

        rows = read_log(log)
        worst = {}
        for column, name in ((1, "losses"), (2, "grad_norms"), (3, "lrs")):
            _, _, ref = tensorio.read_npy(os.path.join(case, name + ".npy"))
            if len(rows) != len(ref):
                sys.exit(f"FAILED: {len(rows)} logged steps, reference has {len(ref)}")
            errors = [abs(float(r[column]) - want) / max(abs(want), 1e-12) for r, want in zip(rows, ref)]
            worst[name] = max(e for e, want in zip(errors, ref) if abs(want) > 1e-12) if any(ref) else 0.0
            for step, (r, want, err) in enumerate(zip(rows, ref, errors), 1):
                if err > args.rtol and abs(want) > 1e-12:
                    failures.append(f"step {step} {name}: starch {r[column]} vs torch {want!r} (rel {err:.2e})")

        checkpoint, _ = tensorio.read_checkpoint(ckpt)
        compared, worst_weight = 0, 0.0
        trainable = train["trainable_param_count"]
        for module in train["module_order"]:
            final_path = os.path.join(case, f"final_{module}.safetensors")
            if module not in trainable or not os.path.exists(final_path):
                continue
            final, _ = tensorio.read_safetensors(final_path)
            unused = set(train.get("trainable_without_grad", {}).get(module, []))
            for name, (shape, _, want) in final.items():
                key = f"{module}.{name}"
                if key not in checkpoint:
                    if name not in unused:
                        failures.append(f"final {key}: not in the checkpoint")
                    continue
                have = checkpoint[key][2]
                if len(have) != len(want):
                    failures.append(f"final {key}: {len(have)} values, reference {len(want)}")
                    continue
                scale = max(abs(b) for b in want) or 1.0
                diff = max(abs(a - b) for a, b in zip(have, want))
                worst_weight = max(worst_weight, diff / scale)
                if diff > args.rtol * scale:
                    failures.append(f"final {key}: max |diff| {diff:.3e} vs max |w| {scale:.3e}")
                compared += 1
        # Per-module files in the framework's names: exactly the reference's
        # state-dict entries (less those the graph never uses), same shapes
        # and dtypes, the checkpoint's values; none for frozen modules.
        module_files = 0
        for module in train["module_order"]:
            path = os.path.join(ckpt, module + ".safetensors")
            final_path = os.path.join(case, f"final_{module}.safetensors")
            if module not in trainable:
                if os.path.exists(path):
                    failures.append(f"{module}.safetensors written for a frozen module")
                continue
            if not os.path.exists(path):
                failures.append(f"{module}.safetensors missing from the checkpoint folder")
                continue
            saved, _ = tensorio.read_safetensors(path)
            final, _ = tensorio.read_safetensors(final_path)
            unused = set(train.get("trainable_without_grad", {}).get(module, []))
            expected = {n: (shape, dtype) for n, (shape, dtype, _) in final.items() if n not in unused}
            got = {n: (shape, dtype) for n, (shape, dtype, _) in saved.items()}
            if got != expected:
                failures.append(f"{module}.safetensors entries differ from the Hugging Face state dict: "
                                f"extra {sorted(set(got) - set(expected))[:3]}, missing "
                                f"{sorted(set(expected) - set(got))[:3]}, or shapes/dtypes")
            for name, (_, _, values) in saved.items():
                if checkpoint.get(f"{module}.{name}", (0, 0, None))[2] != values:
                    failures.append(f"{module}.safetensors: {name} differs from the checkpoint")
            module_files += 1
        # Frozen modules keep their initial weights exactly.
        frozen_checked = 0
        initial_files = {"llm": config["llm"].get("weights")}
        for encoder in config.get("encoders", []):
            initial_files[encoder["name"]] = encoder.get("weights")
        for module, path in initial_files.items():
            if module in trainable or not path:
                continue
            initial, _ = tensorio.read_safetensors(os.path.join(case, path))
            for name, (_, _, want) in initial.items():
                key = f"{module}.{name}"
                if key in checkpoint and checkpoint[key][2] != want:
                    failures.append(f"frozen {key} changed")
                frozen_checked += key in checkpoint
    for failure in failures:
        print("MISMATCH " + failure)
    if failures:
        sys.exit(f"FAILED: {len(failures)} mismatches")
    print(f"parity {os.path.basename(example)}-{os.path.basename(case)}: {len(rows)} steps, max "
          f"relative error loss {worst['losses']:.2e}, grad norm {worst['grad_norms']:.2e}, lr "
          f"{worst['lrs']:.2e}; {want_count} trainable values as in PyTorch; {compared} final "
          f"weights within {worst_weight:.2e} of their largest element; {frozen_checked} frozen "
          f"weights unchanged; {module_files} module files in Hugging Face names (tolerance "
          f"{args.rtol:g})")


if __name__ == "__main__":
    main()
