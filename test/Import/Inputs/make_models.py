#!/usr/bin/env python3
"""Writes the small, valid ONNX files the importer's lowering and layer-tag
tests read (the bad ones come from make_bad_models.py).

Run with a Python that has the `onnx` package (the fixture venv):
  /path/to/venv/bin/python make_models.py
The outputs are committed; the test suite never needs onnx itself.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)


def save(graph, name, opset=17):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="starch-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def tensor(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def weight(name, shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


# --- Layer tags ----------------------------------------------------------------

# No node names and no scopes: layers come from parameter paths, everything
# else inherits from its operands (the head after the last layer included).
save(helper.make_graph([
    helper.make_node("MatMul", ["x", "enc.layers.0.fc.weight"], ["h0"]),
    helper.make_node("Relu", ["h0"], ["a0"]),
    helper.make_node("MatMul", ["a0", "onnx::MatMul_7"], ["p0"]),
    helper.make_node("Add", ["p0", "x"], ["r0"]),
    helper.make_node("MatMul", ["r0", "enc.layers.1.fc.weight"], ["h1"]),
    helper.make_node("Relu", ["h1"], ["a1"]),
    helper.make_node("Add", ["a1", "r0"], ["r1"]),
    helper.make_node("MatMul", ["r1", "head.weight"], ["y"]),
], "unscoped", [tensor("x", [2, 4])], [tensor("y", [2, 3])], initializer=[
    weight("enc.layers.0.fc.weight", [4, 4]), weight("onnx::MatMul_7", [4, 4]),
    weight("enc.layers.1.fc.weight", [4, 4]), weight("head.weight", [4, 3])]),
    "layers-unscoped.onnx")

# TorchScript-style node names; the layer-1 norm reads the layer-0 norm's
# (deduplicated) weight, and the final norm lies outside every layer.
save(helper.make_graph([
    helper.make_node("Mul", ["x", "model.layers.0.norm.weight"], ["n0"],
                     name="/model/layers.0/norm/Mul"),
    helper.make_node("MatMul", ["n0", "onnx::MatMul_11"], ["h0"],
                     name="/model/layers.0/fc/MatMul"),
    helper.make_node("Mul", ["h0", "model.layers.0.norm.weight"], ["n1"],
                     name="/model/layers.1/norm/Mul"),
    helper.make_node("MatMul", ["n1", "onnx::MatMul_12"], ["h1"],
                     name="/model/layers.1/fc/MatMul"),
    helper.make_node("Mul", ["h1", "model.norm.weight"], ["y"],
                     name="/model/norm/Mul"),
], "scoped", [tensor("x", [2, 4])], [tensor("y", [2, 4])], initializer=[
    weight("model.layers.0.norm.weight", [4]), weight("onnx::MatMul_11", [4, 4]),
    weight("onnx::MatMul_12", [4, 4]), weight("model.norm.weight", [4])]),
    "layers-scoped.onnx")

# --- Lowerings -------------------------------------------------------------------

# MatMul by a 2-D weight folds the batch into rows; batched MatMul broadcasts
# batch dimensions; 1-D operands; Gemm with transB, alpha and beta.
save(helper.make_graph([
    helper.make_node("MatMul", ["x", "proj.weight"], ["y"], name="proj"),
    helper.make_node("MatMul", ["a", "b"], ["ab"], name="batched"),
    helper.make_node("MatMul", ["v", "proj.weight"], ["vw"], name="vector"),
    helper.make_node("Gemm", ["m", "fc.weight", "fc.bias"], ["g"], name="gemm",
                     transB=1, alpha=0.5, beta=2.0),
], "contractions",
    [tensor("x", [2, 3, 4]), tensor("a", [2, 1, 3, 4]), tensor("b", [5, 4, 6]),
     tensor("v", [4]), tensor("m", [2, 4])],
    [tensor("y", [2, 3, 5]), tensor("ab", [2, 5, 3, 6]), tensor("vw", [5]),
     tensor("g", [2, 3])],
    initializer=[weight("proj.weight", [4, 5]), weight("fc.weight", [3, 4]),
                 weight("fc.bias", [3])]), "contractions.onnx")

# Shape arithmetic folds: Shape -> Gather -> Unsqueeze -> Concat -> Reshape
# leaves one starch.reshape; ConstantOfShape/Range/Equal/Where fold too.
save(helper.make_graph([
    helper.make_node("Shape", ["x"], ["shape"], name="shape"),
    helper.make_node("Gather", ["shape", "zero"], ["batch"], name="batch", axis=0),
    helper.make_node("Unsqueeze", ["batch", "zero_axis"], ["batch1"], name="unsqueeze"),
    helper.make_node("Concat", ["batch1", "minus_one"], ["target"], name="concat", axis=0),
    helper.make_node("Reshape", ["x", "target"], ["flat"], name="reshape"),
    helper.make_node("Range", ["zero", "six", "one"], ["positions"], name="range"),
    helper.make_node("Cast", ["positions"], ["positions_f"], name="cast", to=TensorProto.FLOAT),
    helper.make_node("Add", ["flat", "positions_f"], ["y"], name="add"),
], "folding", [tensor("x", [2, 3, 2])], [tensor("y", [2, 6])], initializer=[
    ints("zero", 0), ints("zero_axis", [0]), ints("minus_one", [-1]), ints("six", 6),
    ints("one", 1)]), "folding.onnx")

# Slice with negative indices, clamped ends and a negative step; Split by
# sizes; Expand; Where with broadcasting; Softmax with opset-11 coercion.
save(helper.make_graph([
    helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"], name="slice"),
    helper.make_node("Split", ["x", "sizes"], ["p", "q"], name="split", axis=1),
    helper.make_node("Expand", ["bias", "expand_shape"], ["e"], name="expand"),
    helper.make_node("Where", ["mask", "x", "zero_f"], ["w"], name="where"),
], "data_movement", [tensor("x", [4, 6]), tensor("bias", [6]),
                     tensor("mask", [1, 6], TensorProto.BOOL)],
    [tensor("s", [4, 2]), tensor("p", [4, 2]), tensor("q", [4, 4]), tensor("e", [4, 6]),
     tensor("w", [4, 6])],
    initializer=[ints("starts", [-1]), ints("ends", [-2**63]), ints("axes", [1]),
                 ints("steps", [-3]), ints("sizes", [2, 4]), ints("expand_shape", [4, 1]),
                 numpy_helper.from_array(np.array(0, np.float32), "zero_f")]),
    "data-movement.onnx")

save(helper.make_graph([
    helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1),
], "softmax11", [tensor("x", [2, 3, 4])], [tensor("y", [2, 3, 4])]),
    "softmax-opset11.onnx", opset=11)

# Conv with auto_pad SAME_UPPER and stride 2, bias; a grouped 1-D conv.
save(helper.make_graph([
    helper.make_node("Conv", ["img", "conv.weight", "conv.bias"], ["c"], name="conv",
                     auto_pad="SAME_UPPER", strides=[2, 2]),
    helper.make_node("Conv", ["seq", "dw.weight"], ["d"], name="depthwise", group=4,
                     pads=[1, 1]),
], "convs", [tensor("img", [1, 3, 7, 7]), tensor("seq", [2, 4, 10])],
    [tensor("c", [1, 8, 4, 4]), tensor("d", [2, 4, 10])],
    initializer=[weight("conv.weight", [8, 3, 3, 3]), weight("conv.bias", [8]),
                 weight("dw.weight", [4, 1, 3])]), "convs.onnx")

# Data for --constant-input: the target shape of runtime-shape.onnx.
np.save(os.path.join(HERE, "reshape-target.npy"), np.array([4, 2], np.int64))

# Newer opsets: Gelu (20), Split with num_outputs and ReduceMean with axes as
# an input (18), LayerNormalization's statistics outputs.
save(helper.make_graph([
    helper.make_node("Gelu", ["x"], ["g"], name="gelu", approximate="tanh"),
    helper.make_node("Split", ["x"], ["a", "b", "c"], name="split", axis=1, num_outputs=3),
    helper.make_node("ReduceMean", ["x", "axes"], ["m"], name="mean", keepdims=1),
    helper.make_node("LayerNormalization", ["x", "ln.weight"], ["n", "mu", "inv"],
                     name="norm", axis=-1, epsilon=1e-6),
], "newer", [tensor("x", [2, 7])],
    [tensor("g", [2, 7]), tensor("a", [2, 3]), tensor("b", [2, 3]), tensor("c", [2, 1]),
     tensor("m", [2, 1]), tensor("n", [2, 7]), tensor("mu", [2, 1]), tensor("inv", [2, 1])],
    initializer=[ints("axes", [1]), weight("ln.weight", [7])]), "newer-opsets.onnx", opset=20)

# Einsum: an outer product (older rotary embeddings), attention scores, an
# implicit-output ellipsis contraction and a sum over a label; inputs and
# numpy's results for starch-run.
einsum_inputs = {
    "t": rng.standard_normal([5]).astype(np.float32),
    "f": rng.standard_normal([3]).astype(np.float32),
    "q": rng.standard_normal([2, 2, 4, 3]).astype(np.float32),
    "k": rng.standard_normal([2, 2, 5, 3]).astype(np.float32),
    "a": rng.standard_normal([2, 3, 4, 6]).astype(np.float32),
    "w": rng.standard_normal([6, 2]).astype(np.float32),
}
einsum_nodes = [("outer", "i,j->ij", ["t", "f"]), ("scores", "bhqd,bhkd->bhqk", ["q", "k"]),
                ("ellipsis", "...ij,jk", ["a", "w"]), ("rowsum", "bij->bi", ["q_flat"])]
einsum_inputs["q_flat"] = einsum_inputs["q"].reshape(4, 4, 3)
outputs = {name: np.einsum(eq, *[einsum_inputs[i] for i in ins])
           for name, eq, ins in einsum_nodes}
save(helper.make_graph(
    [helper.make_node("Einsum", ins, [name], name=name, equation=eq)
     for name, eq, ins in einsum_nodes], "einsum",
    [tensor(n, list(v.shape)) for n, v in einsum_inputs.items()],
    [tensor(n, list(v.shape)) for n, v in outputs.items()]), "einsum.onnx", opset=17)
for name, value in list(einsum_inputs.items()) + list(outputs.items()):
    np.save(os.path.join(HERE, f"einsum-{name}.npy"), value)
