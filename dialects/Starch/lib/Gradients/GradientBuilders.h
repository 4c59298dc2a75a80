//===- GradientBuilders.h - Small op builders for gradient rules -*- C++
//-*-===//
//
// The gradient rules of every op family build their backward math with these
// one-line helpers, so a rule reads like the formula it implements.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_DIALECT_LIB_GRADIENTS_GRADIENTBUILDERS_H
#define STARCH_DIALECT_LIB_GRADIENTS_GRADIENTBUILDERS_H

#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

namespace starch::grad {

/// Builds ops at a fixed builder position and location.
struct Math {
  mlir::OpBuilder &b;
  mlir::Location loc;

  static mlir::RankedTensorType typeOf(mlir::Value v) {
    return llvm::cast<mlir::RankedTensorType>(v.getType());
  }

  /// A splat of `value` with `type` (float or integer elements).
  mlir::Value splat(mlir::RankedTensorType type, double value);
  mlir::Value splatLike(mlir::Value like, double value) {
    return splat(typeOf(like), value);
  }

  mlir::Value add(mlir::Value l, mlir::Value r) {
    return AddOp::create(b, loc, l.getType(), l, r);
  }
  mlir::Value sub(mlir::Value l, mlir::Value r) {
    return SubOp::create(b, loc, l.getType(), l, r);
  }
  mlir::Value mul(mlir::Value l, mlir::Value r) {
    return MulOp::create(b, loc, l.getType(), l, r);
  }
  mlir::Value div(mlir::Value l, mlir::Value r) {
    return DivOp::create(b, loc, l.getType(), l, r);
  }
  mlir::Value scale(mlir::Value v, double factor) {
    return mul(v, splatLike(v, factor));
  }
  mlir::Value neg(mlir::Value v) {
    return NegOp::create(b, loc, v.getType(), v);
  }

  template <typename UnaryOp> mlir::Value unary(mlir::Value v) {
    return UnaryOp::create(b, loc, v.getType(), v);
  }

  /// `condition ? onTrue : 0`.
  mlir::Value selectOrZero(mlir::Value condition, mlir::Value onTrue);
  /// `condition ? 0 : onFalse`.
  mlir::Value zeroOrSelect(mlir::Value condition, mlir::Value onFalse);
  mlir::Value compare(CompareDirection direction, mlir::Value l, mlir::Value r);

  /// Sum over `dims`, which disappear from the result.
  mlir::Value reduce(ReduceKind kind, mlir::Value v,
                     llvm::ArrayRef<int64_t> dims);
  mlir::Value sum(mlir::Value v, llvm::ArrayRef<int64_t> dims) {
    return reduce(ReduceKind::sum, v, dims);
  }
  /// Broadcasts `v` into `type`, operand dimension i becoming dims[i].
  mlir::Value broadcast(mlir::Value v, mlir::RankedTensorType type,
                        llvm::ArrayRef<int64_t> dims);
  /// Broadcasts a reduced `v` (reduced over `reducedDims`) back to `type`.
  mlir::Value expandReduced(mlir::Value v, mlir::RankedTensorType type,
                            llvm::ArrayRef<int64_t> reducedDims);
  mlir::Value reshape(mlir::Value v, mlir::RankedTensorType type) {
    if (v.getType() == type)
      return v;
    return ReshapeOp::create(b, loc, type, v);
  }
  mlir::Value transpose(mlir::Value v, llvm::ArrayRef<int64_t> perm);
  /// `l r`, each operand read transposed (its last two dimensions
  /// swapped) where its flag says so, rounded through bf16 with `bf16`.
  mlir::Value matmul(mlir::Value l, mlir::Value r, bool transposeLhs = false,
                     bool transposeRhs = false, bool bf16 = false);
  mlir::Value slice(mlir::Value v, llvm::ArrayRef<int64_t> start,
                    llvm::ArrayRef<int64_t> limit);
  mlir::Value pad(mlir::Value v, llvm::ArrayRef<int64_t> low,
                  llvm::ArrayRef<int64_t> high);
  /// Reverses `v` along `dims` (a slice with stride -1 there; dimensions of
  /// size 0 or 1 stay as they are).
  mlir::Value reverse(mlir::Value v, llvm::ArrayRef<int64_t> dims);
  /// Spreads `v` out by `factors` (one per dimension): element `j` of
  /// dimension `d` moves to `j * factors[d]`, zeros fill the gaps, and the
  /// result size is `size * factors[d]` (the trailing `factors[d] - 1` zeros
  /// included, for the caller to crop or pad on). Built as reshape (a unit
  /// dimension after each spread one) + pad + reshape.
  mlir::Value interleaveZeros(mlir::Value v, llvm::ArrayRef<int64_t> factors);
  mlir::Value softmax(mlir::Value v, int64_t axis) {
    return SoftmaxOp::create(b, loc, v.getType(), v, axis);
  }
  /// Sums `v` (of `type`'s element type) down to the shape of `target`,
  /// undoing a broadcast with `dims`: new dimensions are summed away and
  /// size-1 dimensions that were repeated are summed and kept.
  mlir::Value unbroadcast(mlir::Value v, mlir::RankedTensorType target,
                          llvm::ArrayRef<int64_t> dims);
};

/// True for tensors whose elements can carry a gradient.
inline bool isDifferentiable(mlir::Type type) {
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  return tensor && llvm::isa<mlir::FloatType>(tensor.getElementType());
}

void registerElementwiseGradients(mlir::MLIRContext &context);
void registerShapeGradients(mlir::MLIRContext &context);
void registerContractionGradients(mlir::MLIRContext &context);
void registerFusedGradients(mlir::MLIRContext &context);
void registerLossGradients(mlir::MLIRContext &context);
void registerCollectiveGradients(mlir::MLIRContext &context);

/// An external model for ops whose operands never receive a gradient (index
/// computations, comparisons, constants).
template <typename OpT>
struct NoGradientModel
    : public GradientOpInterface::ExternalModel<NoGradientModel<OpT>, OpT> {
  mlir::LogicalResult
  buildGradients(mlir::Operation *op, mlir::OpBuilder &,
                 llvm::ArrayRef<mlir::Value>, llvm::ArrayRef<bool>,
                 llvm::SmallVectorImpl<mlir::Value> &cotangents) const {
    cotangents.append(op->getNumOperands(), mlir::Value());
    return mlir::success();
  }
};

} // namespace starch::grad

namespace starch::grad {

/// The gradient rule of a single-result op: `dy` is the result cotangent
/// (never null: the pass skips ops whose results have none), `dxs` holds one
/// null value per operand, to be set where `needs` is true.
template <typename OpT>
using SingleResultRule = mlir::LogicalResult (*)(
    OpT op, Math &math, mlir::Value dy, llvm::ArrayRef<bool> needs,
    llvm::MutableArrayRef<mlir::Value> dxs);

template <typename OpT, SingleResultRule<OpT> Rule>
struct RuleModel
    : public GradientOpInterface::ExternalModel<RuleModel<OpT, Rule>, OpT> {
  mlir::LogicalResult
  buildGradients(mlir::Operation *op, mlir::OpBuilder &builder,
                 llvm::ArrayRef<mlir::Value> resultCotangents,
                 llvm::ArrayRef<bool> needs,
                 llvm::SmallVectorImpl<mlir::Value> &cotangents) const {
    size_t first = cotangents.size();
    cotangents.append(op->getNumOperands(), mlir::Value());
    if (resultCotangents.empty() || !resultCotangents[0])
      return mlir::success();
    Math math{builder, op->getLoc()};
    return Rule(
        llvm::cast<OpT>(op), math, resultCotangents[0], needs,
        llvm::MutableArrayRef<mlir::Value>(cotangents).drop_front(first));
  }
};

template <typename OpT, SingleResultRule<OpT> Rule>
void attachRule(mlir::MLIRContext &context) {
  OpT::template attachInterface<RuleModel<OpT, Rule>>(context);
}

} // namespace starch::grad
#endif // STARCH_DIALECT_LIB_GRADIENTS_GRADIENTBUILDERS_H
