#!/usr/bin/env python3
"""Checks one fixture export end to end (standard library only).

1. `starchc --emit=starch` imports the ONNX file (the import time is printed);
2. `starch-run` on the imported IR reproduces onnxruntime's outputs;
3. `starch-opt --starch-raise` fuses it, and `starch-run` on the raised IR
   reproduces onnxruntime's outputs and the imported IR's own outputs.

Tolerances: allclose, |a - b| <= atol + rtol * |b|, with rtol 1e-4 against
onnxruntime (the issue's bound) and atol 1e-5 for entries near zero; the
raised IR must match the imported IR to rtol 1e-5, atol 1e-6 (fused kernels
round differently, nothing more).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def run(command):
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    print(result.stdout, end="", flush=True)
    if result.returncode != 0:
        sys.exit(f"FAILED (exit {result.returncode}): {command[0]}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="directory of the tools")
    parser.add_argument("--fixture", required=True, help="fixture directory")
    args = parser.parse_args()

    with open(os.path.join(args.fixture, "manifest.json")) as f:
        manifest = json.load(f)
    tool = lambda name: os.path.join(args.bin, name)
    onnx_path = os.path.join(args.fixture, manifest["onnx"])
    inputs = [f"{i['name']}={os.path.join(args.fixture, i['file'])}"
              for i in manifest["inputs"]]

    with tempfile.TemporaryDirectory() as work:
        imported = os.path.join(work, "imported.mlir")
        raised = os.path.join(work, "raised.mlir")
        start = time.perf_counter()
        # The inputs' shapes fix dimensions the export leaves symbolic.
        shapes = [f"--input-shape={i['name']}=" + "x".join(str(d) for d in i["shape"])
                  for i in manifest["inputs"]]
        run([tool("starchc"), onnx_path, "--emit=starch", "-o", imported] + shapes)
        print(f"import time: {time.perf_counter() - start:.3f} s")

        def execute(ir, out_dir, references, rtol, atol):
            command = [tool("starch-run"), ir, "--output-dir", out_dir,
                       "--rtol", str(rtol), "--atol", str(atol)]
            for i in inputs:
                command += ["--input", i]
            for name, path in references:
                command += ["--compare", f"{name}={path}"]
            run(command)

        ort = [(o["name"], os.path.join(args.fixture, o["file"]))
               for o in manifest["outputs"]]
        imported_out = os.path.join(work, "imported_out")
        os.makedirs(imported_out)
        execute(imported, imported_out, ort, 1e-4, 1e-5)

        run([tool("starch-opt"), imported, "--starch-raise", "-o", raised])
        raised_out = os.path.join(work, "raised_out")
        os.makedirs(raised_out)
        execute(raised, raised_out, ort, 1e-4, 1e-5)
        same = [(o["name"], os.path.join(imported_out, o["name"] + ".npy"))
                for o in manifest["outputs"]]
        execute(raised, os.path.join(work, "again"), same, 1e-5, 1e-6)
    print("PASS " + os.path.basename(os.path.normpath(args.fixture)))


if __name__ == "__main__":
    main()
