#!/usr/bin/env python3
"""Writes or prints small .npy files without numpy (the test machines have none).

  npy.py write OUT.npy DESCR SHAPE VALUES   e.g. npy.py write x.npy <f4 2,3 1,2,3,4,5,6
  npy.py print IN.npy                       prints descr, shape and values
  npy.py safetensors OUT NAME@DESCR@SHAPE@VALUES ...
  npy.py onnx OUT NAME@DESCR@SHAPE@VALUES ...  an ONNX model holding only
                                               these initializers
  npy.py tensorproto OUT.pb NAME@DESCR@SHAPE@VALUES  one serialized ONNX
                                               TensorProto (NAME may be empty)
SHAPE is comma-separated ('' for a scalar); VALUES comma-separated.
"""
import json
import ast
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "<f2": "e", "<i8": "q", "<i4": "i",
           "<i2": "h", "|i1": "b", "|u1": "B", "|b1": "?"}


def parse(descr, shape_text, values_text):
    """Shape tuple and little-endian bytes of a tensor spec."""
    shape = tuple(int(s) for s in shape_text.split(",") if s)
    values = [v for v in values_text.split(",") if v]
    fmt = FORMATS[descr]
    if fmt in "fde":
        values = [float(v) for v in values]
    else:
        values = [int(float(v)) for v in values]
    return shape, struct.pack("<%d%s" % (len(values), fmt), *values)


def write(path, descr, shape_text, values_text):
    shape, data = parse(descr, shape_text, values_text)
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, repr(shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(data)


SAFETENSORS = {"<f4": "F32", "<f8": "F64", "<f2": "F16", "<i8": "I64",
               "<i4": "I32", "<i2": "I16", "|i1": "I8", "|u1": "U8",
               "|b1": "BOOL"}
ONNX = {"<f4": 1, "|u1": 2, "|i1": 3, "<i2": 5, "<i4": 6, "<i8": 7,
        "|b1": 9, "<f2": 10, "<f8": 11}


def specs(args):
    for spec in args:
        name, descr, shape_text, values_text = spec.split("@")
        shape, data = parse(descr, shape_text, values_text)
        yield name, descr, shape, data


def write_safetensors(path, args):
    index, blobs, offset = {}, [], 0
    for name, descr, shape, data in specs(args):
        index[name] = {"dtype": SAFETENSORS[descr], "shape": list(shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header = json.dumps(index).encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + b"".join(blobs))


def varint(n):
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def field(number, payload):
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def tensor_proto(name, descr, shape, data):
    tensor = b"".join(varint(1 << 3) + varint(d) for d in shape)
    tensor += varint(2 << 3) + varint(ONNX[descr])
    if name:
        tensor += field(8, name.encode())
    return tensor + field(9, data)


def write_onnx(path, args):
    graph = field(2, b"weights")
    for spec in specs(args):
        graph += field(5, tensor_proto(*spec))
    model = varint(1 << 3) + varint(8) + field(7, graph)
    with open(path, "wb") as f:
        f.write(model)


def dump(path):
    data = open(path, "rb").read()
    assert data[:6] == b"\x93NUMPY", "not a .npy file"
    if data[6] == 1:
        length, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        length, start = struct.unpack("<I", data[8:12])[0], 12
    header = ast.literal_eval(data[start:start + length].decode("latin1"))
    count = 1
    for size in header["shape"]:
        count *= size
    fmt = FORMATS[header["descr"]]
    values = struct.unpack("<%d%s" % (count, fmt), data[start + length:start + length + count * struct.calcsize(fmt)])
    print(header["descr"], "x".join(str(s) for s in header["shape"]) or "scalar",
          " ".join("%.6g" % v if isinstance(v, float) else str(int(v)) for v in values))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(*sys.argv[2:6])
    elif sys.argv[1] == "safetensors":
        write_safetensors(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "onnx":
        write_onnx(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "tensorproto":
        with open(sys.argv[2], "wb") as f:
            f.write(tensor_proto(*next(specs(sys.argv[3:4]))))
    else:
        dump(sys.argv[2])
