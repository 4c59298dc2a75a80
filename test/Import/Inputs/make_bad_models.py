#!/usr/bin/env python3
"""Writes the small ONNX files the importer's error tests read.

Run with a Python that has the `onnx` package (the fixture venv):
  /path/to/venv/bin/python make_bad_models.py
The outputs are committed; the test suite never needs onnx itself.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(graph, name, opset=17):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="starch-tests")
    onnx.save(model, os.path.join(HERE, name))


def tensor(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


# An op type the importer does not lower.
save(helper.make_graph(
    [helper.make_node("NonZero", ["x"], ["y"], name="nonzero")],
    "unsupported_op", [tensor("x", [2, 2])], [tensor("y", [2, None], TensorProto.INT64)]), "unsupported-op.onnx")

# A supported op with an unsupported attribute value.
save(helper.make_graph(
    [helper.make_node("Einsum", ["x"], ["y"], name="diagonal", equation="ii->i")],
    "bad_attribute", [tensor("x", [3, 3])], [tensor("y", [3])]),
    "unsupported-attribute.onnx")

# An op from a custom domain.
model = helper.make_model(helper.make_graph(
    [helper.make_node("FusedThing", ["x"], ["y"], name="custom", domain="com.example")],
    "custom_domain", [tensor("x", [2])], [tensor("y", [2])]),
    opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
onnx.save(model, os.path.join(HERE, "custom-domain.onnx"))

# An input without a rank, and one with a symbolic dimension.
save(helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="relu")],
    "no_rank", [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
    [tensor("y", None)]), "dynamic-rank.onnx")
save(helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"], name="relu")],
    "symbolic", [tensor("x", ["batch", 8])], [tensor("y", ["batch", 8])]), "symbolic-dim.onnx")

# An input of a data type Starch does not support (strings).
save(helper.make_graph(
    [helper.make_node("Identity", ["x"], ["y"], name="identity")],
    "strings", [tensor("x", [2], TensorProto.STRING)], [tensor("y", [2], TensorProto.STRING)]),
    "string-input.onnx")

# A reshape whose target shape is computed at run time.
save(helper.make_graph(
    [helper.make_node("Reshape", ["x", "shape"], ["y"], name="dynamic_reshape")],
    "dynamic_reshape", [tensor("x", [2, 4]), tensor("shape", [2], TensorProto.INT64)],
    [tensor("y", [4, 2])]), "runtime-shape.onnx")

# A weight kept in an external file that is not shipped next to the model.
weight = numpy_helper.from_array(np.ones((4, 4), np.float32), "layer.weight")
weight.data_location = TensorProto.EXTERNAL
del weight.external_data[:]
for key, value in [("location", "missing-weights.bin"), ("offset", "0"), ("length", "64")]:
    entry = weight.external_data.add()
    entry.key, entry.value = key, value
weight.ClearField("raw_data")
save(helper.make_graph(
    [helper.make_node("MatMul", ["x", "layer.weight"], ["y"], name="project")],
    "external", [tensor("x", [2, 4])], [tensor("y", [2, 4])], initializer=[weight]),
    "missing-external-data.onnx")

# A graph output declared with a shape the computation does not produce.
save(helper.make_graph(
    [helper.make_node("Transpose", ["x"], ["y"], name="transpose", perm=[1, 0])],
    "wrong_output", [tensor("x", [2, 3])], [tensor("y", [2, 3])]),
    "wrong-output-shape.onnx")

# An intermediate value whose recorded shape (value_info) the import does not
# reproduce.
graph = helper.make_graph(
    [helper.make_node("Transpose", ["x"], ["t"], name="transpose", perm=[1, 0]),
     helper.make_node("Relu", ["t"], ["y"], name="relu")],
    "wrong_value_info", [tensor("x", [2, 3])], [tensor("y", [3, 2])])
graph.value_info.append(tensor("t", [2, 3]))
save(graph, "wrong-value-info.onnx")

# An attribute of the wrong type (a float axis).
save(helper.make_graph(
    [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1.5)],
    "float_axis", [tensor("x", [2, 3])], [tensor("y", [2, 3])]), "mistyped-attribute.onnx")
