"""Standard-library reading and writing of .npy and .safetensors files,
running tools, and random arguments for the functions of an MLIR file, for
the test scripts (the test suite needs no numpy).

A tensor is (shape, dtype, flat list of values); dtype is one of f32 f64 i64
i32 i1.
"""
import json
import os
import re
import struct
import subprocess
import sys

NPY = {"f32": ("<f4", "f"), "f64": ("<f8", "d"), "i64": ("<i8", "q"),
       "i32": ("<i4", "i"), "i1": ("|b1", "?")}
NPY_BACK = {descr: (dtype, fmt) for dtype, (descr, fmt) in NPY.items()}
SAFE = {"f32": ("F32", "f"), "f64": ("F64", "d"), "i64": ("I64", "q"),
        "i32": ("I32", "i")}
SAFE_BACK = {name: (dtype, fmt) for dtype, (name, fmt) in SAFE.items()}


def count(shape):
    n = 1
    for size in shape:
        n *= size
    return n


def write_npy(path, shape, dtype, values):
    descr, fmt = NPY[dtype]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, repr(tuple(shape)))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not an .npy file")
    major = data[6]
    if major == 1:
        length = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        length = struct.unpack("<I", data[8:12])[0]
        start = 12
    header = eval(data[start:start + length].decode("latin1"))  # a dict literal
    dtype, fmt = NPY_BACK[header["descr"]]
    shape = list(header["shape"])
    body = data[start + length:]
    return shape, dtype, list(struct.unpack("<%d%s" % (count(shape), fmt),
                                            body[:count(shape) * struct.calcsize(fmt)]))


def read_safetensors(path):
    """{name: (shape, dtype, values)} and the metadata dict."""
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    index = json.loads(data[8:8 + length])
    body = data[8 + length:]
    metadata = index.pop("__metadata__", {})
    tensors = {}
    for name, entry in index.items():
        dtype, fmt = SAFE_BACK[entry["dtype"]]
        begin, end = entry["data_offsets"]
        n = count(entry["shape"])
        tensors[name] = (entry["shape"], dtype,
                         list(struct.unpack("<%d%s" % (n, fmt), body[begin:end])))
    return tensors, metadata


def read_checkpoint(folder):
    """A training checkpoint's whole tensors and its metadata, whichever
    format: one file (format 2), or an index (format 3) whose rank files
    hold blocks, joined here along each tensor's dim at the offsets the
    index gives (docs/train-binary.md)."""
    tensors, metadata = read_safetensors(os.path.join(folder, "checkpoint.safetensors"))
    if metadata.get("format_version") != "3":
        return tensors, metadata
    index = json.loads(metadata["shards"])
    files = [read_safetensors(os.path.join(folder, name))[0] for name in index["files"]]
    for name, entry in index["tensors"].items():
        shape, dim = entry["shape"], entry["dim"]
        if dim < 0:
            (number, _, _), = entry["blocks"]
            tensors[name] = files[number][name]
            continue
        # Row-major: a block is `outer` runs of size * inner elements.
        outer, inner = count(shape[:dim]), count(shape[dim + 1:])
        values = [None] * count(shape)
        for number, offset, size in entry["blocks"]:
            block = files[number][name][2]
            for o in range(outer):
                start = (o * shape[dim] + offset) * inner
                values[start:start + size * inner] = \
                    block[o * size * inner:(o + 1) * size * inner]
        tensors[name] = (shape, files[entry["blocks"][0][0]][name][1], values)
    return tensors, metadata


def write_safetensors(path, tensors):
    index, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        shape, dtype, values = tensors[name]
        name_, fmt = SAFE[dtype]
        chunk = struct.pack("<%d%s" % (len(values), fmt), *values)
        index[name] = {"dtype": name_, "shape": list(shape),
                       "data_offsets": [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    header = json.dumps(index).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"".join(chunks))


def run(command, expect_ok=True):
    result = subprocess.run(command, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if expect_ok and result.returncode != 0:
        print("$ " + " ".join(command))
        print(result.stdout)
        sys.exit(f"FAILED: {os.path.basename(command[0])} exited {result.returncode}")
    return result


FUNC = re.compile(r"func\.func\s+@([\w.$]+)\s*\((.*?)\)\s*(->|\{|attributes)", re.S)
ARG = re.compile(r"%[\w.$]+\s*:\s*tensor<([^>]*)>")


def functions(source):
    """[(name, [(shape, dtype) per tensor argument])] of every func.func."""
    result = []
    code = re.sub(r"//[^\n]*", "", source)  # CHECK lines name functions too
    for name, signature, _ in FUNC.findall(code):
        arguments = []
        for arg in ARG.findall(signature):
            *dims, dtype = arg.split("x") if "x" in arg else [arg]
            arguments.append(([int(d) for d in dims], dtype))
        result.append((name, arguments))
    return result


PARAM = re.compile(r"starch\.param\s+@([\w.$:-]+)\s*(\{[^}]*\})?\s*:\s*tensor<([^>]*)>")


def params(source):
    """[(name, shape, dtype)] of every starch.param with data (not {state})."""
    result = []
    for name, attrs, tensor in PARAM.findall(re.sub(r"//[^\n]*", "", source)):
        if "state" in attrs:
            continue
        *dims, dtype = tensor.split("x") if "x" in tensor else [tensor]
        result.append((name, [int(d) for d in dims], dtype))
    return result


def random_values(shape, dtype, rng):
    """Floats uniform in [-2, 2), i1 random bits, integers in [0, 4)."""
    if dtype in ("f32", "f64"):
        return [rng.uniform(-2.0, 2.0) for _ in range(count(shape))]
    if dtype == "i1":
        return [rng.random() < 0.5 for _ in range(count(shape))]
    return [rng.randrange(4) for _ in range(count(shape))]


def close(actual, expected, rtol, atol):
    return abs(actual - expected) <= atol + rtol * abs(expected)
