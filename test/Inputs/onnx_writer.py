"""A tiny ONNX writer in the standard library (no onnx, no protobuf): just
enough of the protobuf wire format to build small test models, such as
models whose tensors keep their bytes in external files.

Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto,
NodeProto, TensorProto, ValueInfoProto, AttributeProto).
"""
import struct

FLOAT, INT64 = 1, 7  # TensorProto.DataType
EXTERNAL = 1  # TensorProto.DataLocation


def _varint(value):
    value &= (1 << 64) - 1  # negative int64 as two's complement, as protobuf
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def integer(field, value):
    return _key(field, 0) + _varint(value)


def blob(field, data):
    if isinstance(data, str):
        data = data.encode()
    return _key(field, 2) + _varint(len(data)) + data


def tensor(name, dims, data_type=FLOAT, raw=None, external=None):
    """A TensorProto. `external`: (key, value) pairs of external_data
    ("location", "offset", "length"); the tensor then has no bytes inline."""
    out = b"".join(integer(1, d) for d in dims)
    out += integer(2, data_type) + blob(8, name)
    if raw is not None:
        out += blob(9, raw)
    if external is not None:
        for key, value in external:
            out += blob(13, blob(1, key) + blob(2, value))
        out += integer(14, EXTERNAL)
    return out


def value_info(name, dims, elem_type=FLOAT):
    shape = b"".join(blob(1, integer(1, d)) for d in dims)
    tensor_type = integer(1, elem_type) + blob(2, shape)
    return blob(1, name) + blob(2, blob(1, tensor_type))


def node(op_type, inputs, outputs, name, attributes=()):
    """A NodeProto; `attributes` are AttributeProto messages (attribute())."""
    out = b"".join(blob(1, i) for i in inputs)
    out += b"".join(blob(2, o) for o in outputs)
    out += blob(3, name) + blob(4, op_type)
    out += b"".join(blob(5, a) for a in attributes)
    return out


def tensor_attribute(name, tensor_proto):
    """An AttributeProto of type TENSOR (4)."""
    return blob(1, name) + blob(5, tensor_proto) + integer(20, 4)


def model(nodes, inputs, outputs, initializers=(), opset=17):
    """A ModelProto of one graph; inputs/outputs are value_info() messages."""
    graph = b"".join(blob(1, n) for n in nodes) + blob(2, "test")
    graph += b"".join(blob(5, t) for t in initializers)
    graph += b"".join(blob(11, i) for i in inputs)
    graph += b"".join(blob(12, o) for o in outputs)
    opset_id = blob(1, "") + integer(2, opset)
    return integer(1, 8) + blob(2, "starch-tests") + blob(7, graph) + \
        blob(8, opset_id)


def floats(values):
    return struct.pack("<%df" % len(values), *values)
