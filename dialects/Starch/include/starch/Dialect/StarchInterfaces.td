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

#endif // STARCH_INTERFACES
