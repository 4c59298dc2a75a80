#!/usr/bin/env python3
"""Runs ONNX's own node tests through starchc and starch-run (stdlib only).

Each test directory of libonnx-testdata (data/node/test_*) holds model.onnx
and test_data_set_0/{input,output}_N.pb (serialized TensorProto). A test is
*applicable* when every op of its model is one the importer supports
(`starchc --print-supported-ops`). An applicable test

  1. imports the model with `starchc --emit=starch`,
  2. runs the IR with `starch-run`, which reads the .pb tensors itself,
     with `--compare` against the expected outputs,
     |got - want| <= atol + rtol * |want| (rtol 1e-5, atol 1e-6 by default).
     Inputs that must be constants (shapes, axes, ...) go to starchc's
     --constant-input as .npy, converted by starch-pb2npy.

Tests that use an attribute value or data type the importer rejects on
purpose are listed in expected_unsupported.txt with the substring their
error line must contain: they pass when starchc fails with exit status 2
and that one clean line, and fail when they unexpectedly import (so the
list cannot go stale). Nothing is skipped silently: the summary counts
passed, failed, expected-unsupported and not-applicable tests.

Tests are grouped by their primary op (the op of the model whose snake_case
name is the longest prefix of the test name; "composite" when none is, e.g.
the *_expanded function bodies); ctest runs one group per test.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"


# --- A minimal protobuf reader: just enough of ModelProto ---------------------

def _varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one serialized message;
    length-delimited values are bytes, the others ints."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = bytes(buf[pos:pos + length]), pos + length
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def _string_field(message, number):
    for n, _, value in _fields(message):
        if n == number:
            return value.decode("utf-8", "replace")
    return ""


def _value_info(message):
    """(name, tensor element type, dims) of a ValueInfoProto; element type is
    None for non-tensors, dims None without a shape, a dim None if symbolic."""
    name, elem, dims = "", None, None
    for n, _, value in _fields(message):
        if n == 1:
            name = value.decode("utf-8", "replace")
        elif n == 2:  # TypeProto
            for tn, _, tvalue in _fields(value):
                if tn != 1:  # tensor_type
                    continue
                for fn, _, fvalue in _fields(tvalue):
                    if fn == 1:
                        elem = fvalue
                    elif fn == 2:  # TensorShapeProto
                        dims = []
                        for dn, _, dim in _fields(fvalue):
                            if dn != 1:
                                continue
                            size = None
                            for kn, wire, kvalue in _fields(dim):
                                if kn == 1 and wire == 0:
                                    size = kvalue
                            dims.append(size)
    return name, elem, dims


FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


def pb_shape(path):
    """The dims of a serialized TensorProto (field 1, packed or not)."""
    with open(path, "rb") as f:
        data = f.read()
    dims = []
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            dims.append(value)
        elif number == 1 and wire == 2:
            pos = 0
            while pos < len(value):
                dim, pos = _varint(value, pos)
                dims.append(dim)
    return dims


class Model:
    """Op types, graph inputs and outputs of an ONNX model file."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        self.ops, self.inputs, self.outputs = [], [], []
        initializers = set()
        graph_inputs = []
        for number, _, value in _fields(data):
            if number != 7:  # ModelProto.graph
                continue
            for n, _, item in _fields(value):
                if n == 1:  # GraphProto.node
                    self.ops.append((_string_field(item, 7),   # domain
                                     _string_field(item, 4)))  # op_type
                elif n == 5:  # initializer (TensorProto.name = 8)
                    initializers.add(_string_field(item, 8))
                elif n == 11:  # input (ValueInfoProto.name = 1)
                    graph_inputs.append(_value_info(item))
                elif n == 12:
                    self.outputs.append(_string_field(item, 1))
        inputs = [i for i in graph_inputs if i[0] not in initializers]
        self.inputs = [name for name, _, _ in inputs]
        # name -> (ONNX element type or None, dims: int or None each, or None)
        self.input_types = {name: (elem, dims) for name, elem, dims in inputs}

    def op_types(self):
        return {op for domain, op in self.ops}

    def unsupported(self, supported):
        return sorted({f"{domain}:{op}" if domain not in ("", "ai.onnx") else op
                       for domain, op in self.ops
                       if domain not in ("", "ai.onnx") or op not in supported})


def snake(op_type):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", op_type).lower()


# Test names that spell an op differently.
NAME_ALIASES = {"Trilu": ["tril", "triu"], "BatchNormalization": ["batchnorm"],
                "InstanceNormalization": ["instancenorm"],
                "MeanVarianceNormalization": ["mvn"],
                "GreaterOrEqual": ["greater_equal"],
                "LessOrEqual": ["less_equal"], "Conv": ["basic_conv"],
                "NegativeLogLikelihoodLoss": ["nllloss"],
                "SoftmaxCrossEntropyLoss": ["sce"],
                "Pad": ["constant_pad", "edge_pad", "reflect_pad"]}


def primary_op(test_name, model):
    name = test_name[len("test_"):]
    best, best_length = None, 0
    for op in model.op_types():
        for spelling in [snake(op), op.lower()] + NAME_ALIASES.get(op, []):
            if ((name == spelling or name.startswith(spelling + "_")) and
                    len(spelling) > best_length):
                best, best_length = op, len(spelling)
    return best or "composite"


# --- Test cases ----------------------------------------------------------------

class Case:
    def __init__(self, directory):
        self.directory = directory
        self.name = os.path.basename(directory)
        self.model = Model(os.path.join(directory, "model.onnx"))
        self.group = primary_op(self.name, self.model)

    def data_files(self, kind):
        data = os.path.join(self.directory, "test_data_set_0")
        files = sorted((f for f in os.listdir(data) if f.startswith(kind + "_")),
                       key=lambda f: int(f[len(kind) + 1:-3]))
        return [os.path.join(data, f) for f in files]


def discover(data_dir, names=None):
    """The node tests under `data_dir` (only `names` when given)."""
    cases = []
    for entry in sorted(names if names is not None else os.listdir(data_dir)):
        directory = os.path.join(data_dir, entry)
        if entry.startswith("test_") and os.path.isfile(
                os.path.join(directory, "model.onnx")):
            cases.append(Case(directory))
    return cases


def read_expected(path):
    """test name -> "import: <substring of starchc's error line>",
    "data: <substring of starch-run's error>" or "mismatch: <reason>"."""
    expected = {}
    if not path:
        return expected
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, _, message = line.partition(":")
            expected[name.strip()] = message.strip()
    return expected


def run_case(case, args, expected):
    """Returns (status, detail); status is pass, fail or unsupported."""
    tool = lambda name: os.path.join(args.bin, name)
    want = expected.get(case.name)
    kind, _, want_text = (want or "").partition(":")
    kind, want_text = kind.strip(), want_text.strip()
    if want is not None and kind not in ("import", "data", "mismatch"):
        return "fail", f"expected_unsupported.txt: unknown kind '{kind}'"
    with tempfile.TemporaryDirectory(prefix="starch-conf-") as work:
        inputs, outputs = case.data_files("input"), case.data_files("output")
        if len(inputs) != len(case.model.inputs) or len(outputs) != len(
                case.model.outputs):
            return "fail", (f"{len(inputs)} input / {len(outputs)} output files "
                            f"for {len(case.model.inputs)} graph inputs / "
                            f"{len(case.model.outputs)} graph outputs")
        input_pb = dict(zip(case.model.inputs, inputs))
        compares = []
        for pb, name in zip(outputs, case.model.outputs):
            compares += ["--compare", f"{name}={pb}"]

        # Symbolic input dimensions take the test data's shape.
        shapes = {}
        for name in case.model.inputs:
            elem, dims = case.model.input_types[name]
            if dims is not None and None in dims:
                shape = pb_shape(input_pb[name])
                shapes[name] = ["--input-shape",
                                f"{name}=" + "x".join(str(d) for d in shape)]

        ir = os.path.join(work, "model.mlir")
        model = os.path.join(case.directory, "model.onnx")
        command = [tool("starchc"), model, "--emit=starch", "-o", ir]
        for flags in shapes.values():
            command += flags
        result = subprocess.run(command, capture_output=True, text=True)
        constants = set()
        integer_inputs = {n for n in case.model.inputs
                          if case.model.input_types[n][0] not in FLOAT_TYPES}
        for _ in range(len(case.model.inputs)):
            if not (result.returncode == 2 and
                    "must be a constant" in result.stderr):
                break
            # Shapes, axes, pads, ... passed as graph inputs: specialise them
            # to the test's data, as a deployment would. The error names the
            # input, or a value computed from the integer inputs.
            named = re.search(r"\(input '([^']*)'\)", result.stderr)
            more = ({named.group(1)} if named and
                    named.group(1) in case.model.inputs else integer_inputs)
            if more <= constants:
                break
            constants |= more
            command = [tool("starchc"), model, "--emit=starch", "-o", ir]
            for name in case.model.inputs:
                if name in constants:
                    npy = os.path.join(work, name.replace("/", "_") + ".npy")
                    converted = subprocess.run(
                        [tool("starch-pb2npy"), input_pb[name], npy],
                        capture_output=True, text=True)
                    if converted.returncode != 0:
                        return "fail", ("starch-pb2npy: " +
                                        converted.stderr.strip())
                    command += ["--constant-input", f"{name}={npy}"]
                else:
                    command += shapes.get(name, [])
            result = subprocess.run(command, capture_output=True, text=True)
        stderr = result.stderr.strip()
        if kind == "import":
            if result.returncode == 0:
                return "fail", ("imports, but expected_unsupported.txt says it "
                                f"fails with '{want_text}'; update the list")
            lines = stderr.splitlines()
            if (result.returncode == 2 and len(lines) == 1 and
                    lines[0].startswith("error: ") and want_text in lines[0]
                    and not os.path.exists(ir)):
                return "unsupported", lines[0]
            return "fail", (f"expected exit 2, one line containing "
                            f"'{want_text}' and no output; got exit "
                            f"{result.returncode}: {stderr}")
        if result.returncode != 0:
            return "fail", f"starchc exit {result.returncode}: {stderr}"
        bindings = []
        for name in case.model.inputs:
            if name not in constants:
                bindings += ["--input", f"{name}={input_pb[name]}"]
        command = [tool("starch-run"), ir, "--rtol", str(args.rtol), "--atol",
                   str(args.atol), "--num-threads", "1"] + bindings + compares
        result = subprocess.run(command, capture_output=True, text=True)
        detail = " | ".join((result.stdout + result.stderr).strip()
                            .splitlines()[-6:])
        if kind == "data":
            if result.returncode == 2 and want_text in result.stderr:
                return "unsupported", "data: " + result.stderr.strip()
            return "fail", (f"expected starch-run to reject the test data "
                            f"with '{want_text}' (exit 2), got exit "
                            f"{result.returncode}: {detail}")
        if kind == "mismatch":
            if result.returncode == 1:
                return "unsupported", "known mismatch: " + detail
            return "fail", (f"expected a known mismatch ({want_text}), got "
                            f"exit {result.returncode}: {detail}")
        if result.returncode != 0:
            return "fail", f"starch-run exit {result.returncode}: {detail}"
    return "pass", "constant inputs: " + ", ".join(sorted(constants)) \
        if constants else ""


def supported_ops(args):
    result = subprocess.run([os.path.join(args.bin, "starchc"),
                             "--print-supported-ops"],
                            capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="directory of starchc, starch-run, "
                        "starch-pb2npy")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--expected", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "expected_unsupported.txt"))
    parser.add_argument("--supported-list", help="file of op types (with "
                        "--list-groups: group only tests these ops cover)")
    parser.add_argument("--group", action="append",
                        help="run only this group (repeat); default all")
    parser.add_argument("--test", action="append", help="run only this test")
    parser.add_argument("--list-groups", action="store_true",
                        help="print the groups of applicable tests and exit")
    parser.add_argument("--manifest", help="'group test' lines: written by "
                        "--list-groups, read with --group (so a group's run "
                        "parses only its own models)")
    parser.add_argument("--rtol", type=float, default=1e-5)
    parser.add_argument("--atol", type=float, default=1e-6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    names = None
    if args.manifest and args.group and not args.list_groups:
        with open(args.manifest) as f:
            names = [test for group, test in (line.split() for line in f)
                     if group in args.group]
    cases = discover(args.data, names)
    if args.list_groups:
        with open(args.supported_list) as f:
            supported = set(f.read().split())
        groups = sorted({c.group for c in cases
                         if not c.model.unsupported(supported)})
        if args.manifest:
            with open(args.manifest, "w") as f:
                f.writelines(f"{c.group} {c.name}\n" for c in cases)
        print(";".join(groups))
        return 0
    if not args.bin:
        parser.error("--bin is required")

    supported = supported_ops(args)
    expected = read_expected(args.expected)
    if args.group:
        cases = [c for c in cases if c.group in args.group]
    if args.test:
        cases = [c for c in cases if c.name in args.test]
    applicable = [c for c in cases if not c.model.unsupported(supported)]
    not_applicable = [c for c in cases if c.model.unsupported(supported)]
    stale = [name for name in expected
             if name in {c.name for c in not_applicable}]

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda c: (c, run_case(c, args, expected)),
                                applicable))
    counts = {"pass": 0, "fail": 0, "unsupported": 0}
    for case, (status, detail) in results:
        counts[status] += 1
        if status == "fail" or args.verbose:
            label = {"pass": "PASS", "fail": "FAIL",
                     "unsupported": "UNSUPPORTED (expected)"}[status]
            print(f"{label} {case.name} [{case.group}]" +
                  (f": {detail}" if detail else ""))
    for name in stale:
        print(f"FAIL {name}: listed in expected_unsupported.txt but its model "
              "uses ops the importer does not support at all")
    if args.verbose:
        for case in not_applicable:
            print(f"NOT APPLICABLE {case.name}: "
                  + ", ".join(case.model.unsupported(supported)))
    print(f"{counts['pass']} passed, {counts['fail'] + len(stale)} failed, "
          f"{counts['unsupported']} expected-unsupported (clean error), "
          f"{len(not_applicable)} not applicable (ops not supported) "
          f"of {len(cases)} node tests")
    return 1 if counts["fail"] or stale else 0


if __name__ == "__main__":
    sys.exit(main())
