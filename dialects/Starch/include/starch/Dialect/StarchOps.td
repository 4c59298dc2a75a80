//===- StarchOps.td - Ops of the starch dialect -----------*- tablegen -*-===//
//
// Shapes are static everywhere. Elementwise ops need identical operand types;
// broadcasting is spelled out with `starch.broadcast`, so that gradients and
// sharding rules never have to undo an implicit expansion.
//
//===----------------------------------------------------------------------===//

#ifndef STARCH_OPS
#define STARCH_OPS

include "starch/Dialect/StarchDialect.td"
include "starch/Dialect/StarchAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Starch_Tensor : StaticShapeTensorOf<[AnyType]>;
def Starch_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
def Starch_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Starch_BoolTensor : StaticShapeTensorOf<[I1]>;

// Every operand has the result's shape. Listed before `Elementwise` so that a
// shape error is reported with the shapes (Elementwise's own message names
// none).
def Starch_SameShapeOperands : NativeOpTrait<"SameShapeOperandsTrait"> {
  let cppNamespace = "::starch";
}

//===----------------------------------------------------------------------===//
// Parameters and constants
//===----------------------------------------------------------------------===//

def Starch_ParamOp : Starch_Op<"param", [Symbol]> {
  let summary = "a named parameter whose data lives out of line";
  let description = [{
    Declares a model parameter (a weight, bias or buffer) at module level.
    `type` is its tensor type. `source` names where the data is found: the
    ONNX initializer name (the symbol itself when absent). The module
    attribute `starch.weights` names the file (ONNX or safetensors). A
    parameter marked `frozen` receives no gradient; `buffer` marks data that
    is not trained at all (rotary tables, position ids).

    ```mlir
    starch.param @model.embed_tokens.weight : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Starch_Tensor>:$type,
                       OptionalAttr<StrAttr>:$source,
                       UnitAttr:$frozen,
                       UnitAttr:$buffer);
  let assemblyFormat = "$sym_name attr-dict `:` $type";
}

def Starch_ReadParamOp : Starch_Op<"read_param",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the value of a parameter";
  let description = [{
    Yields the current value of the `starch.param` named by `name`. The
    result type must equal the parameter's declared type.
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Starch_ConstantOp : Starch_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a small constant tensor";
  let description = [{
    Holds a dense constant (masks, folded shape arithmetic, scalars). Model
    weights never appear here: they are `starch.param` symbols.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def Starch_IotaOp : Starch_Op<"iota", [Pure]> {
  let summary = "indices along one dimension";
  let description = [{
    `result[i0, ..., in] = i_dim`, converted to the result element type.
  }];
  let arguments = (ins I64Attr:$dim);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "`dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Starch_UnaryOp<string mnemonic, string semantics,
                     Type operandType = Starch_FloatTensor,
                     list<Trait> traits = []>
    : Starch_Op<mnemonic, !listconcat([Pure, Elementwise,
                                       SameOperandsAndResultType], traits)> {
  let summary = "elementwise " # semantics;
  let description = "`result[i] = " # semantics # "`, same shape and type as the operand.";
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Starch_NegOp : Starch_UnaryOp<"neg", "-input[i]", Starch_Tensor, [Involution]>;
def Starch_AbsOp : Starch_UnaryOp<"abs", "|input[i]|", Starch_Tensor, [Idempotent]>;
def Starch_ExpOp : Starch_UnaryOp<"exp", "exp(input[i])">;
def Starch_LogOp : Starch_UnaryOp<"log", "log(input[i])">;
def Starch_SqrtOp : Starch_UnaryOp<"sqrt", "sqrt(input[i])">;
def Starch_RsqrtOp : Starch_UnaryOp<"rsqrt", "1 / sqrt(input[i])">;
def Starch_ReciprocalOp : Starch_UnaryOp<"reciprocal", "1 / input[i]">;
def Starch_TanhOp : Starch_UnaryOp<"tanh", "tanh(input[i])">;
def Starch_ErfOp : Starch_UnaryOp<"erf", "erf(input[i])">;
def Starch_SinOp : Starch_UnaryOp<"sin", "sin(input[i])">;
def Starch_CosOp : Starch_UnaryOp<"cos", "cos(input[i])">;
def Starch_SigmoidOp : Starch_UnaryOp<"sigmoid", "1 / (1 + exp(-input[i]))">;
def Starch_ReluOp : Starch_UnaryOp<"relu", "max(input[i], 0)", Starch_FloatTensor, [Idempotent]>;
def Starch_FloorOp : Starch_UnaryOp<"floor", "floor(input[i])", Starch_FloatTensor, [Idempotent]>;
def Starch_CeilOp : Starch_UnaryOp<"ceil", "ceil(input[i])", Starch_FloatTensor, [Idempotent]>;
def Starch_SignOp : Starch_UnaryOp<"sign", "sign(input[i]) in {-1, 0, 1}", Starch_Tensor, [Idempotent]>;
def Starch_NotOp : Starch_UnaryOp<"not", "!input[i]", Starch_BoolTensor, [Involution]>;
def Starch_SiluOp : Starch_UnaryOp<"silu", "input[i] * sigmoid(input[i])">;

def Starch_GeluOp : Starch_Op<"gelu", [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `approximate = none`: `x * 0.5 * (1 + erf(x / sqrt(2)))`.
    `approximate = tanh`: `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`.
    `approximate = sigmoid`: `x * sigmoid(1.702 x)` (CLIP's "quick_gelu").
  }];
  let arguments = (ins Starch_FloatTensor:$input,
                       Starch_GeluApproximation:$approximate);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `approximate` `=` $approximate attr-dict `:` type($result)";
}

class Starch_BinaryOp<string mnemonic, string semantics,
                      Type operandType = Starch_Tensor>
    : Starch_Op<mnemonic, [Pure, Elementwise,
                           AllTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "elementwise " # semantics;
  let description = "`result[i] = " # semantics # "`; both operands have the "
    "result's exact type (broadcast explicitly with `starch.broadcast`).";
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Starch_AddOp : Starch_BinaryOp<"add", "lhs[i] + rhs[i]">;
def Starch_SubOp : Starch_BinaryOp<"sub", "lhs[i] - rhs[i]">;
def Starch_MulOp : Starch_BinaryOp<"mul", "lhs[i] * rhs[i]">;
def Starch_DivOp : Starch_BinaryOp<"div", "lhs[i] / rhs[i] (integers truncate toward zero)">;
def Starch_RemOp : Starch_BinaryOp<"rem", "lhs[i] - rhs[i] * trunc(lhs[i] / rhs[i]) (sign of lhs, like C fmod)">;
def Starch_PowOp : Starch_BinaryOp<"pow", "lhs[i] ^ rhs[i]">;
def Starch_MaxOp : Starch_BinaryOp<"max", "max(lhs[i], rhs[i]) (NaN propagates)">;
def Starch_MinOp : Starch_BinaryOp<"min", "min(lhs[i], rhs[i]) (NaN propagates)">;
def Starch_AndOp : Starch_BinaryOp<"and", "lhs[i] && rhs[i]", Starch_BoolTensor>;
def Starch_OrOp : Starch_BinaryOp<"or", "lhs[i] || rhs[i]", Starch_BoolTensor>;
def Starch_XorOp : Starch_BinaryOp<"xor", "lhs[i] != rhs[i]", Starch_BoolTensor>;

def Starch_CompareOp : Starch_Op<"compare",
    [Pure, Starch_SameShapeOperands, Elementwise, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "elementwise comparison";
  let description = [{
    `result[i] = lhs[i] <direction> rhs[i]` as an `i1` tensor of the operand
    shape. Comparisons with NaN are false except `ne`.
  }];
  let arguments = (ins Starch_CompareDirection:$direction,
                       Starch_Tensor:$lhs, Starch_Tensor:$rhs);
  let results = (outs Starch_BoolTensor:$result);
  let assemblyFormat = "$direction `,` $lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
}

def Starch_SelectOp : Starch_Op<"select",
    [Pure, Starch_SameShapeOperands, Elementwise, AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let summary = "elementwise choice";
  let description = "`result[i] = condition[i] ? on_true[i] : on_false[i]`; all shapes equal.";
  let arguments = (ins Starch_BoolTensor:$condition, Starch_Tensor:$on_true,
                       Starch_Tensor:$on_false);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,` type($result)";
  let hasFolder = 1;
}

def Starch_ConvertOp : Starch_Op<"convert", [Pure, Starch_SameShapeOperands, Elementwise]> {
  let summary = "elementwise element-type conversion";
  let description = [{
    Converts each element to the result element type, shape unchanged.
    Float to integer truncates toward zero; anything to `i1` is `x != 0`.
  }];
  let arguments = (ins Starch_Tensor:$input);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def Starch_BroadcastOp : Starch_Op<"broadcast", [Pure]> {
  let summary = "explicit broadcast into a larger shape";
  let description = [{
    Operand dimension `i` becomes result dimension `dims[i]`; `dims` is
    strictly increasing and each operand size is 1 or equal to the result
    size. Result dimensions not named in `dims` are new. As StableHLO's
    `broadcast_in_dim`.

    ```mlir
    %b = starch.broadcast %bias dims = [2] : tensor<64xf32> -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input `dims` `=` $dims attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_ReshapeOp : Starch_Op<"reshape", [Pure]> {
  let summary = "same elements, new shape (row-major order kept)";
  let arguments = (ins Starch_Tensor:$input);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_TransposeOp : Starch_Op<"transpose", [Pure]> {
  let summary = "permutation of dimensions";
  let description = "`result.shape[i] = input.shape[perm[i]]`.";
  let arguments = (ins Starch_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_ConcatOp : Starch_Op<"concat", [Pure]> {
  let summary = "join tensors along one dimension";
  let description = "All operands agree on every dimension except `axis`.";
  let arguments = (ins Variadic<Starch_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$inputs `axis` `=` $axis attr-dict `:` functional-type($inputs, $result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_SliceOp : Starch_Op<"slice", [Pure]> {
  let summary = "strided window of a tensor";
  let description = [{
    Along each dimension `d`, takes indices `start[d], start[d] + strides[d],
    ...` while they stay below `limit[d]` (above it when the stride is
    negative). The result size is `ceil((limit - start) / stride)`. Indices
    are already clamped: `0 <= start < size` unless the window is empty.
  }];
  let arguments = (ins Starch_Tensor:$input, DenseI64ArrayAttr:$start,
                       DenseI64ArrayAttr:$limit, DenseI64ArrayAttr:$strides);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `start` `=` $start `limit` `=` $limit `strides` `=` $strides attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_PadOp : Starch_Op<"pad", [Pure]> {
  let summary = "constant padding";
  let description = [{
    Adds `low[d]` elements before and `high[d]` after dimension `d`, filled
    with the scalar `value` (converted to the element type). Negative
    amounts crop.
  }];
  let arguments = (ins Starch_Tensor:$input, DenseI64ArrayAttr:$low,
                       DenseI64ArrayAttr:$high, F64Attr:$value);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `low` `=` $low `high` `=` $high `value` `=` $value attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_GatherOp : Starch_Op<"gather", [Pure]> {
  let summary = "take slices of `data` along `axis` at `indices` (ONNX Gather)";
  let description = [{
    `result.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]`.
    Negative indices count from the end. An embedding lookup is a gather
    with `axis = 0`.
  }];
  let arguments = (ins Starch_Tensor:$data, Starch_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict
    `:` `(` type($data) `,` type($indices) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Contractions, reductions, normalisations
//===----------------------------------------------------------------------===//

def Starch_MatmulOp : Starch_Op<"matmul", [Pure]> {
  let summary = "batched matrix product";
  let description = [{
    `lhs: B... x M x K`, `rhs: B... x K x N` -> `B... x M x N`. Both operands
    have the same rank and the same batch dimensions (no implicit broadcast).
  }];
  let arguments = (ins Starch_FloatTensor:$lhs, Starch_FloatTensor:$rhs);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Starch_ReduceOp : Starch_Op<"reduce", [Pure]> {
  let summary = "reduction over a set of dimensions";
  let description = [{
    Combines the elements over `dims` (sorted, unique) with `kind`; the
    reduced dimensions are removed from the result. `mean` divides the sum by
    the number of reduced elements.
  }];
  let arguments = (ins Starch_ReduceKind:$kind, Starch_Tensor:$input,
                       DenseI64ArrayAttr:$dims);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$kind $input `dims` `=` $dims attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_ArgMaxOp : Starch_Op<"argmax", [Pure]> {
  let summary = "index of the largest element along one dimension";
  let description = "First index wins ties; `axis` is removed from the result.";
  let arguments = (ins Starch_Tensor:$input, I64Attr:$axis);
  let results = (outs Starch_IndexTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Starch_SoftmaxOp : Starch_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one dimension";
  let description = "`exp(x - max) / sum(exp(x - max))` along `axis`.";
  let arguments = (ins Starch_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Starch_LogSoftmaxOp : Starch_Op<"log_softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "log of softmax along one dimension";
  let description = "`x - max - log(sum(exp(x - max)))` along `axis`.";
  let arguments = (ins Starch_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Starch_ConvOp : Starch_Op<"conv", [Pure]> {
  let summary = "N-d convolution, channels first (conv1d, conv2d)";
  let description = [{
    `input: N x C x S1..Sk`, `filter: O x C/groups x K1..Kk` ->
    `N x O x R1..Rk` with
    `Ri = (Si + pad_low[i] + pad_high[i] - dilations[i]*(Ki-1) - 1) / strides[i] + 1`.
    Cross-correlation, as ONNX Conv and PyTorch; bias is a separate add.
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$filter,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pad_low,
                       DenseI64ArrayAttr:$pad_high, DenseI64ArrayAttr:$dilations,
                       I64Attr:$groups);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter `strides` `=` $strides `pad_low` `=` $pad_low
    `pad_high` `=` $pad_high `dilations` `=` $dilations `groups` `=` $groups
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused ops recognised by starch-raise
//===----------------------------------------------------------------------===//

def Starch_RmsNormOp : Starch_Op<"rms_norm", [Pure]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input^2, last dim) + epsilon) * weight`,
    `weight` has the size of the last dimension (Llama, Qwen2 RMSNorm).
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `,` $weight `epsilon` `=` $epsilon attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Starch_LayerNormOp : Starch_Op<"layer_norm", [Pure]> {
  let summary = "layer normalisation over the trailing dimensions from `axis`";
  let description = [{
    Normalises over dimensions `axis..rank-1`:
    `(input - mean) / sqrt(var + epsilon) * weight + bias` with the biased
    variance. `weight` and `bias` have the shape of those dimensions.
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$weight,
                       Starch_FloatTensor:$bias, I64Attr:$axis,
                       F64Attr:$epsilon);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias `axis` `=` $axis `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Starch_RopeOp : Starch_Op<"rope", [Pure]> {
  let summary = "rotary position embedding (rotate-half layout)";
  let description = [{
    `input: B x H x S x D`, `cos, sin: B x S x D` (shared by every head):
    `result = input * cos + rotate_half(input) * sin`, where
    `rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2])`. The tables carry
    the positions, so sequence shards keep global positions.
  }];
  let arguments = (ins Starch_FloatTensor:$input, Starch_FloatTensor:$cos,
                       Starch_FloatTensor:$sin);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `,` $cos `,` $sin attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Starch_AttentionOp : Starch_Op<"attention", [Pure]> {
  let summary = "scaled dot-product attention with grouped key/value heads";
  let description = [{
    `query: B x Hq x S x D`, `key, value: B x Hkv x T x D` with
    `Hq % Hkv == 0`; query head `h` reads key/value head `h / (Hq / Hkv)`
    (grouped-query attention). `softmax(scale * q k^T + mask) v`.

    `mask = full`: every key visible. `causal`: key `t` is visible to query
    `s` iff `t <= s + (T - S)`. `additive`: the `bias` operand
    (`B|1 x Hq|1 x S x T`, the one place where size-1 dimensions broadcast,
    to avoid materialising a per-head mask) is added to the scores.
  }];
  let arguments = (ins Starch_FloatTensor:$query, Starch_FloatTensor:$key,
                       Starch_FloatTensor:$value,
                       Optional<Starch_FloatTensor>:$bias,
                       Starch_AttentionMask:$mask, F64Attr:$scale);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` $bias^)? `mask` `=` $mask `scale` `=` $scale
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // STARCH_OPS
