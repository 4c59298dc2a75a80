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
// One int64 mask word per token (starch.attention's bitfield mask).
def Starch_BitsTensor : StaticShapeTensorOf<[I64]>;

/// A partition of the ranks into equal-size groups, each an ordered list of
/// ranks: `[array<i64: 0, 1>, array<i64: 2, 3>]`.
def Starch_RankGroups : TypedArrayAttrBase<DenseI64ArrayAttr, "groups of ranks">;

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
    `type` is its statically shaped tensor type. `source` names where the
    data is found: the ONNX initializer (or safetensors) name, the symbol
    itself when absent. The module attribute `starch.weights` names the file
    (ONNX or safetensors). A parameter marked `frozen` receives no gradient
    and no optimizer state; `buffer` marks data that is not trained at all
    (rotary tables, position ids). `state` marks optimizer state (AdamW
    moments, made by starch-optimizer): it has no data in the weights file,
    starts as zeros and is saved in checkpoints. The op has no value;
    functions read it with `starch.read_param` and the training step updates
    it with `starch.write_param`.

    ```mlir
    starch.param @model.embed_tokens.weight : tensor<128x64xf32>
    starch.param @model.rotary_emb.inv_freq {buffer} : tensor<32xf32>
    starch.param @adamw.exp_avg.model.norm.weight {state} : tensor<64xf32>
    ```

    A parameter sharded by tensor parallelism (starch-tensor-parallel)
    carries `shard_dim` and `shard_groups`: `type` is then one rank's
    block, the full parameter cut along `shard_dim` into as many equal
    contiguous blocks as a group has ranks; the rank at position `i` of its
    group in `shard_groups` holds block `i`. Data files and checkpoints hold
    the full parameter.

    ```mlir
    starch.param @model.layers.0.mlp.up_proj.weight
        {shard_dim = 0 : i64, shard_groups = [array<i64: 0, 1>]} : tensor<64x64xf32>
    ```

    In a pipelined program (starch-pipeline-split) `stage` names the
    pipeline stage whose ranks hold the parameter (the module attribute
    `starch.pipeline` maps ranks to stages); only those ranks read, update
    and keep it. Without `stage`, every rank holds it. A trained parameter
    read by several stages (an embedding tied to the LM head) has `stage`
    = the first of them and `tied_stages` = the others: each holds a copy
    and computes its part of the gradient, starch-optimizer sums the parts
    over them, and every copy takes the same update.

    ```mlir
    starch.param @model.embed_tokens.weight
        {stage = 0 : i64, tied_stages = array<i64: 3>} : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Starch_Tensor>:$type,
                       OptionalAttr<StrAttr>:$source,
                       UnitAttr:$frozen,
                       UnitAttr:$buffer,
                       UnitAttr:$state,
                       OptionalAttr<I64Attr>:$shard_dim,
                       OptionalAttr<Starch_RankGroups>:$shard_groups,
                       OptionalAttr<I64Attr>:$stage,
                       OptionalAttr<DenseI64ArrayAttr>:$tied_stages);
  let builders = [
    // An unsharded parameter (every importer and pass but tensor parallelism).
    OpBuilder<(ins "::llvm::StringRef":$symName, "::mlir::RankedTensorType":$type,
                   "::mlir::StringAttr":$source, "bool":$frozen,
                   CArg<"bool", "false">:$buffer,
                   CArg<"bool", "false">:$state), [{
      build($_builder, $_state, symName, type, source, frozen, buffer, state,
            ::mlir::IntegerAttr(), ::mlir::ArrayAttr(), ::mlir::IntegerAttr(),
            ::mlir::DenseI64ArrayAttr());
    }]>
  ];
  let extraClassDeclaration = [{
    /// Updated by the optimizer: not frozen, not a buffer, not state.
    bool isTrainable() { return !getFrozen() && !getBuffer() && !getState(); }
    /// Holds one block of a tensor-parallel split (shard_dim/shard_groups).
    bool isSharded() { return getShardDim().has_value(); }
    /// The pipeline stages holding it: `stage`, then `tied_stages`; empty
    /// when every rank holds it.
    ::llvm::SmallVector<int64_t> holdingStages() {
      ::llvm::SmallVector<int64_t> stages;
      if (auto stage = getStage())
        stages.push_back(*stage);
      if (auto tied = getTiedStages())
        stages.append(tied->begin(), tied->end());
      return stages;
    }
  }];
  let assemblyFormat = "$sym_name attr-dict `:` $type";
  let hasVerifier = 1;
}

def Starch_ReadParamOp : Starch_Op<"read_param",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the value of a parameter";
  let description = [{
    Yields the current value of the `starch.param` named by `name` (looked
    up in the nearest enclosing symbol table). The result type must equal
    the parameter's declared type exactly, element type included; a name
    that is not a `starch.param` is an error.

    ```mlir
    %w = starch.read_param @model.embed_tokens.weight : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Starch_WriteParamOp : Starch_Op<"write_param",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>,
     MemoryEffects<[MemWrite]>]> {
  let summary = "replaces the value of a parameter";
  let description = [{
    Stores `value` as the new value of the `starch.param` named by `name`;
    `starch.read_param`s executed later see it. The value's type must equal
    the parameter's declared type. Only the training step made by
    starch-optimizer writes parameters, each once, after its last read.

    ```mlir
    starch.write_param @model.norm.weight, %updated : tensor<64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name, Starch_Tensor:$value);
  let assemblyFormat = "$name `,` $value attr-dict `:` type($value)";
}

def Starch_ConstantOp : Starch_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a small constant tensor";
  let description = [{
    Holds a constant `ElementsAttr` (dense, splat or `dense_resource`) whose
    type is the result type: masks, folded shape arithmetic, scalars. Model
    weights never appear here: they are `starch.param` symbols. Folders of
    other ops materialise their constant results as `starch.constant`.

    ```mlir
    %scale = starch.constant dense<0.125> : tensor<f32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
}

def Starch_IotaOp : Starch_Op<"iota", [Pure]> {
  let summary = "indices along one dimension";
  let description = [{
    `result[i_0, ..., i_(n-1)] = i_dim`, converted to the result element
    type, which is an integer wider than `i1` or a float. `dim` is a result
    dimension (`0 <= dim < rank`, so the result is not a scalar). Floats are
    exact while the index fits the significand (2^24 for `f32`, 256 for
    `bf16`).

    ```mlir
    %positions = starch.iota dim = 1 : tensor<2x16xi64>
    ```
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
                     list<Trait> traits = [], string notes = "">
    : Starch_Op<mnemonic, !listconcat([Pure, Elementwise,
                                       SameOperandsAndResultType], traits)> {
  let summary = "elementwise " # semantics;
  let description = "`result[i] = " # semantics # "`; the result has the "
    "operand's shape and type. " # notes;
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let extraClassDefinition = [{
    int64_t $cppClass::getFlops() { return ::starch::elementwiseFlops(*this); }
    int64_t $cppClass::getBytesAccessed() {
      return ::starch::operandAndResultBytes(*this);
    }
  }];
}

def Starch_NegOp : Starch_UnaryOp<"neg", "-input[i]", Starch_Tensor, [Involution],
  "Integers wrap (`-INT_MIN == INT_MIN`). `neg(neg(x))` folds to `x`.">;
def Starch_AbsOp : Starch_UnaryOp<"abs", "|input[i]|", Starch_Tensor, [Idempotent],
  "Integers wrap (`|INT_MIN| == INT_MIN`). `abs(abs(x))` folds to `abs(x)`.">;
def Starch_ExpOp : Starch_UnaryOp<"exp", "exp(input[i])", Starch_FloatTensor, [],
  "Floats only; overflow gives `+inf`.">;
def Starch_LogOp : Starch_UnaryOp<"log", "log(input[i])", Starch_FloatTensor, [],
  "Floats only; `log(0) = -inf`, negative inputs give NaN.">;
def Starch_SqrtOp : Starch_UnaryOp<"sqrt", "sqrt(input[i])", Starch_FloatTensor, [],
  "Floats only; negative inputs give NaN.">;
def Starch_RsqrtOp : Starch_UnaryOp<"rsqrt", "1 / sqrt(input[i])", Starch_FloatTensor, [],
  "Floats only; `rsqrt(0) = +inf`, negative inputs give NaN.">;
def Starch_ReciprocalOp : Starch_UnaryOp<"reciprocal", "1 / input[i]", Starch_FloatTensor, [],
  "Floats only; `1 / +-0 = +-inf`.">;
def Starch_TanhOp : Starch_UnaryOp<"tanh", "tanh(input[i])", Starch_FloatTensor, [],
  "Floats only.">;
def Starch_ErfOp : Starch_UnaryOp<"erf", "erf(input[i])", Starch_FloatTensor, [],
  "Floats only; the Gauss error function.">;
def Starch_SinOp : Starch_UnaryOp<"sin", "sin(input[i])", Starch_FloatTensor, [],
  "Floats only; radians.">;
def Starch_CosOp : Starch_UnaryOp<"cos", "cos(input[i])", Starch_FloatTensor, [],
  "Floats only; radians.">;
def Starch_SigmoidOp : Starch_UnaryOp<"sigmoid", "1 / (1 + exp(-input[i]))", Starch_FloatTensor, [],
  "Floats only; the logistic function, in [0, 1].">;
def Starch_ReluOp : Starch_UnaryOp<"relu", "max(input[i], 0)", Starch_FloatTensor, [Idempotent],
  "Floats only. `relu(relu(x))` folds to `relu(x)`.">;
def Starch_FloorOp : Starch_UnaryOp<"floor", "floor(input[i])", Starch_FloatTensor, [Idempotent],
  "Floats only; rounds toward -inf. `floor(floor(x))` folds to `floor(x)`.">;
def Starch_CeilOp : Starch_UnaryOp<"ceil", "ceil(input[i])", Starch_FloatTensor, [Idempotent],
  "Floats only; rounds toward +inf. `ceil(ceil(x))` folds to `ceil(x)`.">;
def Starch_SignOp : Starch_UnaryOp<"sign", "sign(input[i]) in {-1, 0, 1}", Starch_Tensor, [Idempotent],
  "Any element type; floats keep `-0.0` and NaN. `sign(sign(x))` folds to `sign(x)`.">;
def Starch_NotOp : Starch_UnaryOp<"not", "!input[i]", Starch_BoolTensor, [Involution],
  "Logical negation of an `i1` tensor. `not(not(x))` folds to `x`.">;
def Starch_SiluOp : Starch_UnaryOp<"silu", "input[i] * sigmoid(input[i])", Starch_FloatTensor, [],
  "Floats only; SiLU (swish), the activation of Llama and Qwen2 MLPs.">;

def Starch_GeluOp : Starch_Op<"gelu", [Pure, Elementwise, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    Elementwise on a float tensor; the result has the operand's type.
    `approximate` picks how the Gaussian CDF is evaluated:

    - `none`: `x * 0.5 * (1 + erf(x / sqrt(2)))` (exact GELU);
    - `tanh`: `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`;
    - `sigmoid`: `x * sigmoid(1.702 x)` (CLIP's "quick_gelu").

    ```mlir
    %y = starch.gelu %x approximate = tanh : tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$input,
                       Starch_GeluApproximation:$approximate);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `approximate` `=` $approximate attr-dict `:` type($result)";
}

class Starch_BinaryOp<string mnemonic, string semantics,
                      Type operandType = Starch_Tensor, string notes = "">
    : Starch_Op<mnemonic, [Pure, Elementwise,
                           AllTypesMatch<["lhs", "rhs", "result"]>]> {
  let summary = "elementwise " # semantics;
  let description = "`result[i] = " # semantics # "`; both operands have the "
    "result's exact type, shape included (broadcast explicitly with "
    "`starch.broadcast`). " # notes;
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
  let extraClassDefinition = [{
    int64_t $cppClass::getFlops() { return ::starch::elementwiseFlops(*this); }
    int64_t $cppClass::getBytesAccessed() {
      return ::starch::operandAndResultBytes(*this);
    }
  }];
}

def Starch_AddOp : Starch_BinaryOp<"add", "lhs[i] + rhs[i]", Starch_Tensor,
  "Integers wrap on overflow.">;
def Starch_SubOp : Starch_BinaryOp<"sub", "lhs[i] - rhs[i]", Starch_Tensor,
  "Integers wrap on overflow.">;
def Starch_MulOp : Starch_BinaryOp<"mul", "lhs[i] * rhs[i]", Starch_Tensor,
  "Integers wrap on overflow.">;
def Starch_DivOp : Starch_BinaryOp<"div", "lhs[i] / rhs[i] (integers truncate toward zero)", Starch_Tensor,
  "Floats follow IEEE (`x / 0 = +-inf`, `0 / 0 = NaN`); integer division by "
  "zero gives 0 and `INT_MIN / -1` wraps, so no input traps.">;
def Starch_RemOp : Starch_BinaryOp<"rem", "lhs[i] - rhs[i] * trunc(lhs[i] / rhs[i]) (sign of lhs, like C fmod)", Starch_Tensor,
  "Float remainder by 0 is NaN; integer remainder by 0 gives 0 (ONNX Mod "
  "with fmod = 1).">;
def Starch_PowOp : Starch_BinaryOp<"pow", "lhs[i] ^ rhs[i]", Starch_Tensor,
  "Floats as C `pow`; integers by repeated multiplication (wrapping), a "
  "negative exponent giving 0 unless the base is 1 or -1.">;
def Starch_MaxOp : Starch_BinaryOp<"max", "max(lhs[i], rhs[i]) (NaN propagates)">;
def Starch_MinOp : Starch_BinaryOp<"min", "min(lhs[i], rhs[i]) (NaN propagates)">;
def Starch_AndOp : Starch_BinaryOp<"and", "lhs[i] && rhs[i]", Starch_BoolTensor,
  "Logical and of `i1` tensors.">;
def Starch_OrOp : Starch_BinaryOp<"or", "lhs[i] || rhs[i]", Starch_BoolTensor,
  "Logical or of `i1` tensors.">;
def Starch_XorOp : Starch_BinaryOp<"xor", "lhs[i] != rhs[i]", Starch_BoolTensor,
  "Logical exclusive or of `i1` tensors.">;

def Starch_CompareOp : Starch_Op<"compare",
    [Pure, Starch_SameShapeOperands, Elementwise, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "elementwise comparison";
  let description = [{
    `result[i] = lhs[i] <direction> rhs[i]` as an `i1` tensor of the operand
    shape; `lhs` and `rhs` have one type (any element type; `i1` compares
    `false < true`). Comparisons with NaN are false except `ne`, which is
    true.

    ```mlir
    %visible = starch.compare le, %key_pos, %query_pos : tensor<16x16xi64> -> tensor<16x16xi1>
    ```
  }];
  let arguments = (ins Starch_CompareDirection:$direction,
                       Starch_Tensor:$lhs, Starch_Tensor:$rhs);
  let results = (outs Starch_BoolTensor:$result);
  let assemblyFormat = "$direction `,` $lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
}

def Starch_SelectOp : Starch_Op<"select",
    [Pure, Starch_SameShapeOperands, Elementwise, AllTypesMatch<["on_true", "on_false", "result"]>]> {
  let summary = "elementwise choice";
  let description = [{
    `result[i] = condition[i] ? on_true[i] : on_false[i]`. The `i1`
    condition has the shape of the values (broadcast it explicitly);
    `on_true`, `on_false` and the result have one type. A splat constant
    condition, or equal `on_true` and `on_false`, folds to the chosen value.

    ```mlir
    %masked = starch.select %visible, %scores, %neg_inf : tensor<1x16x16xi1>, tensor<1x16x16xf32>
    ```
  }];
  let arguments = (ins Starch_BoolTensor:$condition, Starch_Tensor:$on_true,
                       Starch_Tensor:$on_false);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$condition `,` $on_true `,` $on_false attr-dict `:` type($condition) `,` type($result)";
  let hasFolder = 1;
}

def Starch_ConvertOp : Starch_Op<"convert", [Pure, Starch_SameShapeOperands, Elementwise]> {
  let summary = "elementwise element-type conversion";
  let description = [{
    Converts each element to the result element type; the shape is
    unchanged. Float to integer truncates toward zero and saturates at the
    integer's range (NaN gives 0); integer to integer truncates or
    sign-extends (two's complement); to float rounds to nearest even;
    anything to `i1` is `x != 0`, and `i1` converts to 0 or 1. A convert to
    the operand's own type folds away.
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
    Operand dimension `i` becomes result dimension `dims[i]`; `dims` has one
    entry per operand dimension (none for a scalar), is strictly increasing,
    and each operand size is 1 (stretched) or equal to the result size.
    Result dimensions not named in `dims` are new:
    `result[j] = input[k]` with `k[i] = input.shape[i] == 1 ? 0 : j[dims[i]]`.
    The element type is kept. As StableHLO's `broadcast_in_dim`; the only
    way to broadcast in this dialect.

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
  let description = [{
    Reinterprets the operand's elements, in row-major order, with the result
    shape: element counts and element types are equal. Reshapes to the same
    type fold away, a reshape of a reshape folds to one reshape, and a
    reshape of a constant folds to a constant.

    ```mlir
    %heads = starch.reshape %x : tensor<2x16x64xf32> -> tensor<2x16x4x16xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_TransposeOp : Starch_Op<"transpose", [Pure]> {
  let summary = "permutation of dimensions";
  let description = [{
    `perm` is a permutation of `[0, rank)`;
    `result.shape[i] = input.shape[perm[i]]` and
    `result[j_0, ..., j_(n-1)] = input[k]` with `k[perm[i]] = j_i`. The
    element type is kept. The identity permutation folds away and a
    transpose of a transpose folds to one.

    ```mlir
    %bhsd = starch.transpose %bshd perm = [0, 2, 1, 3] : tensor<2x16x4x8xf32> -> tensor<2x4x16x8xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Starch_ConcatOp : Starch_Op<"concat", [Pure]> {
  let summary = "join tensors along one dimension";
  let description = [{
    Joins one or more tensors, in operand order, along dimension `axis`.
    All operands have the same element type and rank and agree on every
    dimension except `axis`; the result's `axis` size is the sum of theirs
    (zero-size operands are allowed). One operand folds to itself.

    ```mlir
    %halves = starch.concat %a, %b axis = 3 : (tensor<2x4x16x4xf32>, tensor<2x4x16x4xf32>) -> tensor<2x4x16x8xf32>
    ```
  }];
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
    negative, which walks backwards). `start`, `limit` and `strides` have one
    entry per dimension and no stride is 0. The result size is
    `max(0, ceil((limit - start) / stride))`. Indices are already clamped
    (unlike ONNX Slice): every index taken lies in `[0, size)`; an empty
    window may start anywhere. The element type is kept; the whole tensor
    with stride 1 folds away.

    ```mlir
    %second_half = starch.slice %x start = [0, 4] limit = [4, 8] strides = [1, 1] : tensor<4x8xf32> -> tensor<4x4xf32>
    ```
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
    Adds `low[d]` elements before and `high[d]` after dimension `d` (one
    entry per dimension), filled with the scalar `value` converted to the
    element type as `starch.convert` does. Negative amounts crop; the result
    size `size + low + high` must not be negative. The element type is
    kept; all-zero padding folds away.

    ```mlir
    %p = starch.pad %x low = [0, 1] high = [0, 2] value = 0.0 : tensor<4x8xf32> -> tensor<4x11xf32>
    ```
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
    `result.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]`
    and `result[a..., i..., b...] = data[a..., indices[i...], b...]`.
    `indices` are `i32` or `i64` of any shape (a scalar index removes the
    dimension). Negative indices count from the end; an index outside
    `[-size, size)` is a run-time error. The element type is kept. An
    embedding lookup is a gather with `axis = 0`.

    `padding_idx` (optional, in `[0, data.shape[axis])`) is PyTorch's
    `nn.Embedding(padding_idx=...)`: the forward result is unchanged, but
    the slice `data[..., padding_idx, ...]` gets exactly zero gradient from
    this op, however often (and however indexed, negative included) it is
    gathered. The importer sets it on a token embedding from model.json's
    `padding_idx` or the model's `pad_token_id` (docs/model-json.md).

    `offset` (optional, one element of the indices' type) makes `data` a
    block: the slices `[offset, offset + size)` of a longer axis (a rank's
    share of a vocabulary under tensor parallelism). An index inside the
    block takes slice `index - offset`; one outside gives a slice of zeros;
    indices do not count from the end. `padding_idx` counts in the whole
    axis. starch-tensor-parallel makes this form (vocabulary parallelism).

    ```mlir
    %emb = starch.gather %table[%ids] axis = 0 : (tensor<128x64xf32>, tensor<2x16xi64>) -> tensor<2x16x64xf32>
    %tok = starch.gather %table[%ids] axis = 0 {padding_idx = 0 : i64} : (tensor<128x64xf32>, tensor<2x16xi64>) -> tensor<2x16x64xf32>
    %own = starch.gather %block[%ids] axis = 0 offset = %start : tensor<1xi64> : (tensor<64x64xf32>, tensor<2x16xi64>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$data, Starch_IndexTensor:$indices,
                       I64Attr:$axis, OptionalAttr<I64Attr>:$padding_idx,
                       Optional<Starch_IndexTensor>:$offset);
  let results = (outs Starch_Tensor:$result);
  // Most gathers have no padding row.
  let builders = [
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$data,
                   "mlir::Value":$indices, "int64_t":$axis), [{
      build($_builder, $_state, result, data, indices,
            $_builder.getI64IntegerAttr(axis), mlir::IntegerAttr(),
            mlir::Value());
    }]>,
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$data,
                   "mlir::Value":$indices, "mlir::IntegerAttr":$axis), [{
      build($_builder, $_state, result, data, indices, axis,
            mlir::IntegerAttr(), mlir::Value());
    }]>];
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis
    (`offset` `=` $offset^ `:` type($offset))? attr-dict
    `:` `(` type($data) `,` type($indices) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_ScatterAddOp : Starch_Op<"scatter_add", [Pure]> {
  let summary = "sum slices of `updates` into zeros at `indices` (gather's adjoint)";
  let description = [{
    The transpose of `starch.gather` with the same `axis` and `indices`: the
    result (of `data`'s shape for that gather, its type given) starts at 0
    and `result[a..., indices[i...], b...] += updates[a..., i..., b...]` for
    every index position, in row-major order of the indices, so
    `updates.shape = result.shape[:axis] + indices.shape +
    result.shape[axis+1:]`. Negative indices count from the end; an index
    outside `[-size, size)` is a run-time error. Float element types. The
    gradient of a gather (an embedding lookup, a context-parallel rank's
    tokens) is one, instead of a one-hot matrix product. With `offset`, as
    for `starch.gather`: the result is a block, and the updates of indices
    outside it are dropped.

    ```mlir
    %d = starch.scatter_add %dy[%ids] axis = 0 : (tensor<2x16x64xf32>, tensor<2x16xi64>) -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$updates, Starch_IndexTensor:$indices,
                       I64Attr:$axis, Optional<Starch_IndexTensor>:$offset);
  let results = (outs Starch_FloatTensor:$result);
  let builders = [
    OpBuilder<(ins "mlir::Type":$result, "mlir::Value":$updates,
                   "mlir::Value":$indices, "mlir::IntegerAttr":$axis), [{
      build($_builder, $_state, result, updates, indices, axis, mlir::Value());
    }]>];
  let assemblyFormat = [{
    $updates `[` $indices `]` `axis` `=` $axis
    (`offset` `=` $offset^ `:` type($offset))? attr-dict
    `:` `(` type($updates) `,` type($indices) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Contractions, reductions, normalisations
//===----------------------------------------------------------------------===//

def Starch_MatmulOp : Starch_Op<"matmul", [Pure]> {
  let summary = "batched matrix product";
  let description = [{
    `lhs: B... x M x K`, `rhs: B... x K x N` -> `B... x M x N` with
    `result[b, m, n] = sum_k lhs[b, m, k] * rhs[b, k, n]`. Both operands
    have the same rank (>= 2), the same batch dimensions (no implicit
    broadcast: broadcast a shared weight explicitly) and, with the result,
    one float element type. `K = 0` gives zeros.

    `transposed` after an operand reads it with its last two dimensions
    swapped (`lhs: B... x K x M`, `rhs: B... x N x K`), as a GEMM's
    transpose flag does: the gradients `dy w^T` and `x^T dy` need no copy.

    ```mlir
    %y = starch.matmul %x, %w : (tensor<2x16x64xf32>, tensor<2x64x256xf32>) -> tensor<2x16x256xf32>
    %dx = starch.matmul %dy, %w transposed : (tensor<32x256xf32>, tensor<64x256xf32>) -> tensor<32x64xf32>
    ```

    Canonicalization reads an operand that is a `starch.transpose` swapping
    only the last two dimensions through the flag instead (toggling it).

    `bf16` (f32 tensors only) computes as bf16 mixed precision does: each
    operand element rounded to bf16 (nearest even), the exact products
    summed in f32, the result rounded to bf16 and stored as f32 (PyTorch
    autocast's casts around a bf16 product, without the bf16 copies;
    starch-autocast writes it):

    ```mlir
    %y = starch.matmul %x, %w transposed bf16 : (tensor<512x768xf32>, tensor<2048x768xf32>) -> tensor<512x2048xf32>
    ```
  }];
  let arguments = (ins Starch_FloatTensor:$lhs, Starch_FloatTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs,
                       UnitAttr:$bf16);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs (`transposed` $transpose_lhs^)? `,` $rhs (`transposed` $transpose_rhs^)?
    (`bf16` $bf16^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// The dimensions of the operands' matrices that are M, K (lhs) and
    /// K, N (rhs), the flags applied.
    int64_t lhsRowDim() { return getLhs().getType().getRank() - (getTransposeLhs() ? 1 : 2); }
    int64_t lhsContractedDim() { return getLhs().getType().getRank() - (getTransposeLhs() ? 2 : 1); }
    int64_t rhsContractedDim() { return getRhs().getType().getRank() - (getTransposeRhs() ? 1 : 2); }
    int64_t rhsColumnDim() { return getRhs().getType().getRank() - (getTransposeRhs() ? 2 : 1); }
  }];
  let hasCanonicalizer = 1;
  let hasVerifier = 1;
}

def Starch_ReduceOp : Starch_Op<"reduce", [Pure]> {
  let summary = "reduction over a set of dimensions";
  let description = [{
    Combines the elements over `dims` (sorted, unique, each a dimension of
    the operand) with `kind`; the reduced dimensions are removed from the
    result (no keep-dims: reshape afterwards) and the element type is kept.
    `mean` divides the sum by the number of reduced elements. Reducing
    nothing (a zero-size dimension) gives 0 for `sum`, 1 for `prod`, `-inf`
    (or the lowest integer) for `max`, `+inf` (or the largest) for `min`,
    and NaN (integers: 0) for `mean`. `max` and `min` propagate NaN. On `i1`,
    `sum`/`max` are "any" and `prod`/`min` are "all". Empty `dims` folds
    away.

    ```mlir
    %row_max = starch.reduce max %scores dims = [3] : tensor<2x4x16x16xf32> -> tensor<2x4x16xf32>
    ```
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
  let description = [{
    The index (`i32` or `i64`) of the largest element along `axis`, which is
    removed from the result. The first index wins ties; NaN counts as larger
    than every number (the first NaN wins).

    ```mlir
    %tokens = starch.argmax %logits axis = 2 : tensor<2x16x128xf32> -> tensor<2x16xi64>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, I64Attr:$axis);
  let results = (outs Starch_IndexTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Starch_CumSumOp : Starch_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "prefix sums along one dimension (ONNX CumSum)";
  let description = [{
    Running sums along dimension `axis` (`0 <= axis < rank`); every other
    dimension is independent. With `n` the size of `axis` and `k` an index
    along it:

    ```
    default:            result[k] = input[0] + ... + input[k]
    exclusive:          result[k] = input[0] + ... + input[k - 1]   (result[0] = 0)
    reverse:            result[k] = input[k] + ... + input[n - 1]
    exclusive reverse:  result[k] = input[k + 1] + ... + input[n - 1]  (result[n - 1] = 0)
    ```

    The same semantics as ONNX CumSum. Integer (not `i1`) or float
    elements; the result has the operand's type. Integers wrap on overflow;
    floats accumulate in f64 and each prefix is rounded to the element type
    (f16 and bf16 compute in f32). The sums run in index order (from the
    end when `reverse`), so results do not depend on the thread count.

    ```mlir
    %row = starch.cumsum %is_placeholder axis = 0 exclusive : tensor<64xi64>
    %from_end = starch.cumsum %x axis = 1 reverse : tensor<2x16xf32>
    ```
  }];
  let arguments = (ins Starch_Tensor:$input, I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Starch_Tensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)?
    attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def Starch_SoftmaxOp : Starch_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one dimension";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis` (max and sum over that
    dimension); float only, the result has the operand's type. A slice whose
    every entry is `-inf` gives NaN (0 / 0).
  }];
  let arguments = (ins Starch_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Starch_LogSoftmaxOp : Starch_Op<"log_softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "log of softmax along one dimension";
  let description = [{
    `x - max - log(sum(exp(x - max)))` along `axis`, the numerically stable
    log of `softmax`; float only, the result has the operand's type.
  }];
  let arguments = (ins Starch_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Starch_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Starch_ConvOp : Starch_Op<"conv", [Pure]> {
  let summary = "N-d convolution, channels first (conv1d, conv2d)";
  let description = [{
    `input: N x C x S1..Sk`, `filter: O x C/groups x K1..Kk` ->
    `N x O x R1..Rk` (k >= 1 spatial dimensions) with
    `Ri = floor((Si + pad_low[i] + pad_high[i] - dilations[i]*(Ki-1) - 1) / strides[i]) + 1`.
    Cross-correlation (no kernel flip), as ONNX Conv and PyTorch: padding is
    zeros (negative amounts crop), `strides` and `dilations` are positive,
    `groups` divides `C` and `O`, and output channel `o` reads the input
    channels of group `o / (O / groups)`. Input, filter and result share
    one float element type; a bias is a separate broadcast add.

    ```mlir
    %patches = starch.conv %img, %w strides = [16, 16] pad_low = [0, 0] pad_high = [0, 0]
        dilations = [1, 1] groups = 1
        : (tensor<2x3x224x224xf32>, tensor<32x3x16x16xf32>) -> tensor<2x32x14x14xf32>
    ```
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

include "starch/Dialect/StarchFusedOps.td"
include "starch/Dialect/StarchTrainingOps.td"
include "starch/Dialect/StarchParallelOps.td"
include "starch/Dialect/StarchResizeOps.td"

#endif // STARCH_OPS
