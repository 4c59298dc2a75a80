#!/usr/bin/env python3
"""Proves a pass keeps the numbers: for every function of an MLIR file, runs
`starch-run` before and after `starch-opt <pass flags>` on the same
pseudo-random inputs and compares the results (standard library only).

  check_pass_numerics.py --bin DIR --rtol R --atol A FILE.mlir -- --starch-raise

Float arguments get values uniform in [-2, 2), integer arguments values in
[0, 4) (scalars, such as a step count, in [1, 5)), i1 arguments random
bits, all from a fixed seed. Every `starch.param`
of a file without `starch.weights` gets random data too (one weights file
for both runs). With
`--ranks N` the IR after the pass runs on N in-process ranks (a parallel
pass): rank 0's results must equal the single-rank run before it, and
`--params-out` of both (tensor-parallel blocks joined) must agree as well.
With `--before "FLAGS"` the reference is the file after `starch-opt FLAGS`
rather than the file itself: a pass that only makes sense inside a pipeline
(pipeline stages) is checked as that pipeline with it against the same
pipeline without it.
"""
import argparse
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensorio  # noqa: E402


def main():
    argv = sys.argv[1:]
    pass_flags = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--rtol", default="1e-5")
    parser.add_argument("--atol", default="1e-6")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--before", default="",
                        help="starch-opt flags that make the reference IR")
    parser.add_argument("--functions", default="",
                        help="comma-separated functions to check (default: all)")
    parser.add_argument("file")
    args = parser.parse_args(argv)

    source = open(args.file).read()
    reference = args.file
    if args.before:
        work_before = tempfile.mkdtemp()
        reference = os.path.join(work_before, "before.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "-o",
                      reference] + [args.before])
        source = open(reference).read()
    functions = tensorio.functions(source)
    if args.functions:
        wanted = args.functions.split(",")
        functions = [f for f in functions if f[0] in wanted]
    if not functions:
        sys.exit("no functions found in " + args.file)
    rng = random.Random(1234)
    with tempfile.TemporaryDirectory() as work:
        after = os.path.join(work, "after.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "-o", after]
                     + pass_flags)
        # Parameters without a weights file get random data of their own
        # generator, so the arguments' values do not depend on them.
        weights = []
        param_rng = random.Random(4321)
        params = {} if "starch.weights" in source else {
            name: (shape, dtype, tensorio.random_values(shape, dtype, param_rng))
            for name, shape, dtype in tensorio.params(source)}
        if params:
            path = os.path.join(work, "params.safetensors")
            tensorio.write_safetensors(path, params)
            weights = ["--weights", path]
        for name, signature in functions:
            inputs = []
            for i, (shape, element) in enumerate(signature):
                path = os.path.join(work, f"{name}.arg{i}.npy")
                values = tensorio.random_values(shape, element, rng)
                if not shape and element.startswith(("i", "u")) and element != "i1":
                    values = [values[0] + 1]  # a scalar count (a step) is >= 1
                tensorio.write_npy(path, shape, element, values)
                inputs += ["--input", path]
            before_out = os.path.join(work, name + ".before")
            before_params = os.path.join(work, name + ".before.safetensors")
            after_params = os.path.join(work, name + ".after.safetensors")
            tensorio.run([os.path.join(args.bin, "starch-run"), reference,
                          "--function", name, "--output-dir", before_out,
                          "--params-out", before_params] + inputs + weights)
            compare = []
            for result in sorted(os.listdir(before_out)):
                compare += ["--compare", f"{result[:-4]}={os.path.join(before_out, result)}"]
            tensorio.run([os.path.join(args.bin, "starch-run"), after, "--function",
                          name, "--rtol", args.rtol, "--atol", args.atol,
                          "--ranks", str(args.ranks), "--params-out", after_params]
                         + inputs + compare + weights)
            expected, _ = tensorio.read_safetensors(before_params)
            actual, _ = tensorio.read_safetensors(after_params)
            for param in sorted(expected):
                if param not in actual or actual[param][0] != expected[param][0]:
                    sys.exit(f"{name}: parameter {param} has no value of its "
                             "shape after the pass")
                pairs = zip(actual[param][2], expected[param][2])
                if not all(tensorio.close(a, e, float(args.rtol), float(args.atol))
                           for a, e in pairs):
                    sys.exit(f"{name}: parameter {param} differs after the pass")
            print(f"{name}: same numbers before and after {' '.join(pass_flags)}")


if __name__ == "__main__":
    main()
