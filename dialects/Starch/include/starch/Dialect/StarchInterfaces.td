//===- StarchInterfaces.td - Op interfaces of starch -------*- tablegen -*-===//
//
// Semantics that passes need from every op, implemented next to the op
// family (dialects/Starch/lib/Gradients/) and attached as external models when
// the dialect loads, so passes walk interfaces instead of switching on ops.
//
//===----------------------------------------------------------------------===//

#ifndef STARCH_INTERFACES
#define STARCH_INTERFACES

include "mlir/IR/OpBase.td"

def Starch_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::starch";
  let description = [{
    The reverse-mode rule of an op: given the cotangent of each result (the
    gradient of the differentiated scalar with respect to that result), builds
    the ops that compute the cotangent of each operand at the builder's
    insertion point. A null result cotangent means zero. The rule builds
    cotangents only for operands whose `operandNeedsGradient` entry is true
    and leaves the others null; it may also leave a needed one null when the
    operand's gradient is zero everywhere (floor, sign, comparisons). It fails
    with a diagnostic on the op when the op's configuration has no rule yet.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends one cotangent (or a null value) per operand to
        `operandCotangents`.
      }],
      "::mlir::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultCotangents,
           "::llvm::ArrayRef<bool>":$operandNeedsGradient,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

def Starch_CostOpInterface : OpInterface<"CostOpInterface"> {
  let cppNamespace = "::starch";
  let description = [{
    The cost of one execution of an op, for the stage-assignment and
    parallel-plan cost models: floating point operations and bytes moved.
    Every starch op implements it (declared on `Starch_Op`), with these
    hand-derived formulas (`numel(x)` = element count of `x`, `bytes(x)` =
    `numel(x)` times the element size, `i1` counted as one byte):

    | op | `getFlops()` | `getBytesAccessed()` |
    |---|---|---|
    | `param`, `read_param`, `constant` | 0 | 0 (the data is counted where it is read) |
    | `iota` | 0 | `bytes(result)` |
    | elementwise (unary, `gelu`, binary, `compare`, `select`, `convert`) | `numel(result)` | operands + result |
    | `broadcast`, `transpose`, `concat`, `pad` | 0 | operands + result |
    | `reshape` | 0 | 0 (a view) |
    | `slice` | 0 | `2 * bytes(result)` (reads only the window) |
    | `gather` | 0 | `bytes(indices) + 2 * bytes(result)` |
    | `matmul` `B... x M x K` by `K x N` | `2 * batch * M * N * K` | operands + result |
    | `reduce` | `numel(input)` (+ `numel(result)` for `mean`) | operands + result |
    | `argmax` | `numel(input)` | operands + result |
    | `cumsum` | `numel(input)` (one addition per element) | operands + result |
    | `softmax`, `log_softmax` | `5 * numel(input)` (max, subtract, exp, sum, divide) | operands + result |
    | `conv` | `2 * N * O * prod(R) * (C / groups) * prod(K)` | operands + result |
    | `rms_norm` | `4 * numel(input)` (square, sum, scale, weight) | operands + result |
    | `layer_norm` | `7 * numel(input)` (mean, centre, square, sum, scale, weight, bias) | operands + result |
    | `rope` | `3 * numel(input)` (two products and a sum) | operands + result |
    | `attention` | `4 * B * Hq * S * T * D + 5 * B * Hq * S * T` (+ `B * Hq * S * T` for the additive bias) | operands + result (scores are never stored) |
    | `rms_norm_grad` | `12 * numel(input)` (recomputed statistics, `d_input`, `d_weight`) | operands + results |
    | `layer_norm_grad` | `16 * numel(input)` (recomputed statistics, `d_input`, `d_weight`, `d_bias`) | operands + results |
    | `attention_grad` | `10 * B * Hq * S * T * D + 7 * B * Hq * S * T` (+ `B * Hq * S * T` for the additive bias) | operands + results (scores are never stored) |
    | `write_param` | 0 | `bytes(value)` |
    | `cross_entropy` `N... x V` | `5 * numel(logits) + numel(labels)` | operands + result |
    | `cross_entropy_grad` | `7 * numel(logits)` (softmax, subtract, scale) | operands + result |
    | `adamw` | `15 * numel(param)` | operands + results |

    "operands + result" is `sum(bytes(operand)) + bytes(result)`: every
    operand read once and the result written once. Masked attention scores
    are counted: the cost is that of the dense computation, for the causal
    and bitfield masks too (a bitfield mask's `bits` count as operand
    bytes).
  }];
  let methods = [
    InterfaceMethod<[{
        Floating point operations of one execution (multiply and add count
        as two).
      }],
      "int64_t", "getFlops">,
    InterfaceMethod<[{
        Bytes read plus bytes written by one execution.
      }],
      "int64_t", "getBytesAccessed">
  ];
}

def Starch_ShardingOpInterface : OpInterface<"ShardingOpInterface"> {
  let cppNamespace = "::starch";
  let description = [{
    How an op may run on shards (StarchSharding.h): given the sharding of
    each operand across a tensor-parallel group of `parts` ranks, the
    sharding of each result when every rank runs the op on its local pieces
    alone, or failure when that is not the op's result (operands split along
    a dimension the op reduces or mixes, mismatched splits, partial sums fed
    to a non-linear op). Rules are attached next to each op family
    (dialects/Starch/lib/Sharding/) as the gradient rules are;
    starch-tensor-parallel walks them to place Megatron-style column and
    row splits and the collectives between them. An op without the
    interface runs only on replicated operands.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends one sharding per result to `resultShardings`, or fails
        (appending nothing) when the op cannot run on these shards locally.
      }],
      "::mlir::LogicalResult", "shardResults",
      (ins "::llvm::ArrayRef<::starch::TensorSharding>":$operandShardings,
           "int64_t":$parts,
           "::llvm::SmallVectorImpl<::starch::TensorSharding> &":$resultShardings)>
  ];
}

#endif // STARCH_INTERFACES
