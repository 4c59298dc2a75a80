#!/usr/bin/env python3
"""Writes or prints small .npy files without numpy (the test machines have none).

  npy.py write OUT.npy DESCR SHAPE VALUES   e.g. npy.py write x.npy <f4 2,3 1,2,3,4,5,6
  npy.py print IN.npy                       prints descr, shape and values
SHAPE is comma-separated ('' for a scalar); VALUES comma-separated.
"""
import ast
import struct
import sys

FORMATS = {"<f4": "f", "<f8": "d", "<f2": "e", "<i8": "q", "<i4": "i",
           "<i2": "h", "|i1": "b", "|u1": "B", "|b1": "?"}


def write(path, descr, shape_text, values_text):
    shape = tuple(int(s) for s in shape_text.split(",") if s)
    values = [v for v in values_text.split(",") if v]
    fmt = FORMATS[descr]
    if fmt in "fde":
        values = [float(v) for v in values]
    else:
        values = [int(float(v)) for v in values]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, repr(shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode("latin1"))
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


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
    else:
        dump(sys.argv[2])
