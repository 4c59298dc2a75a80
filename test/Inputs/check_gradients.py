#!/usr/bin/env python3
"""Checks `starch-autodiff` numerically (standard library only): for every
function @f of an MLIR file, runs the gradient function @f_grad that
`starch-opt <pass flags>` creates and compares each argument gradient with
central finite differences of the sum of @f's first result, each computed
by `starch-run`:

  d sum(f) / d x[i]  ~  (sum f(x + h e_i) - sum f(x - h e_i)) / (2 h)

  check_gradients.py --bin DIR [--h 1e-6 --rtol 1e-5 --atol 1e-7] FILE.mlir \
      [-- --starch-autodiff=wrt-arguments=true]

Use f64 functions with small arguments: every element of every float argument
costs two runs. Float arguments get values uniform in [-2, 2), integer ones
values in [0, 4), from a fixed seed; a function that needs other domains maps
its arguments itself (exp before log, ...). A gradient passes where
|autodiff - fd| <= atol + rtol * |fd| (numpy's allclose).
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
    pass_flags = argv[argv.index("--") + 1:] if "--" in argv else [
        "--starch-autodiff=wrt-arguments=true"]
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--h", type=float, default=1e-6)
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-7)
    parser.add_argument("--suffix", default="_grad")
    parser.add_argument("file")
    args = parser.parse_args(argv)

    functions = [f for f in tensorio.functions(open(args.file).read())
                 if not f[0].endswith(args.suffix)]
    if not functions:
        sys.exit("no functions found in " + args.file)
    starch_run = os.path.join(args.bin, "starch-run")
    rng = random.Random(1234)
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        transformed = os.path.join(work, "grad.mlir")
        tensorio.run([os.path.join(args.bin, "starch-opt"), args.file, "-o",
                      transformed] + pass_flags)
        for name, signature in functions:
            arguments = []  # (path, shape, element, values)
            for i, (shape, element) in enumerate(signature):
                values = tensorio.random_values(shape, element, rng)
                path = os.path.join(work, f"{name}.arg{i}.npy")
                tensorio.write_npy(path, shape, element, values)
                arguments.append((path, shape, element, values))
            inputs = sum((["--input", a[0]] for a in arguments), [])

            out = os.path.join(work, name + ".grad")
            tensorio.run([starch_run, transformed, "--function",
                          name + args.suffix, "--output-dir", out] + inputs)

            def loss(perturbed_inputs):
                fd_out = os.path.join(work, name + ".fd")
                tensorio.run([starch_run, args.file, "--function", name,
                              "--output-dir", fd_out] + perturbed_inputs)
                return sum(tensorio.read_npy(os.path.join(fd_out, "result0.npy"))[2])

            checked = 0
            for i, (path, shape, element, values) in enumerate(arguments):
                grad_path = os.path.join(out, f"grad.arg{i}.npy")
                if element not in ("f32", "f64") or not os.path.exists(grad_path):
                    continue
                gradient = tensorio.read_npy(grad_path)[2]
                perturbed = os.path.join(work, f"{name}.arg{i}.fd.npy")
                perturbed_inputs = list(inputs)
                perturbed_inputs[2 * i + 1] = perturbed
                worst = 0.0
                for k in range(len(values)):
                    sums = []
                    for sign in (1.0, -1.0):
                        shifted = list(values)
                        shifted[k] += sign * args.h
                        tensorio.write_npy(perturbed, shape, element, shifted)
                        sums.append(loss(perturbed_inputs))
                    fd = (sums[0] - sums[1]) / (2 * args.h)
                    error = abs(gradient[k] - fd)
                    worst = max(worst, error)
                    if error > args.atol + args.rtol * abs(fd):
                        failures += 1
                        print(f"{name}: d/d arg{i}[{k}] autodiff {gradient[k]:.10g}"
                              f" finite differences {fd:.10g} MISMATCH")
                checked += 1
                print(f"{name}: arg{i} gradient max abs err {worst:.2e}")
            if checked == 0:
                failures += 1
                print(f"{name}: no argument gradient to check")
    if failures:
        sys.exit(f"FAILED: {failures} gradient mismatches")
    print(f"all gradients match (h {args.h}, rtol {args.rtol}, atol {args.atol})")


if __name__ == "__main__":
    main()
