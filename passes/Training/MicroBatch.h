//===- MicroBatch.h - One micro-batch of a step's stacked input --*- C++ -*-===//
//
// A training step takes every input stacked by micro-batch (a leading
// dimension); starch-optimizer and starch-pipeline-schedule take micro-batch
// m of it the same way.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_TRAINING_MICROBATCH_H
#define STARCH_PASSES_TRAINING_MICROBATCH_H

#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/Builders.h"

namespace starch {

/// Micro-batch `index` of `stacked` (its leading dimension dropped).
inline mlir::Value microBatchOf(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value stacked, int64_t index) {
  auto type = llvm::cast<mlir::RankedTensorType>(stacked.getType());
  int64_t rank = type.getRank();
  llvm::SmallVector<int64_t> start(rank, 0), limit(type.getShape()),
      strides(rank, 1);
  start[0] = index;
  limit[0] = index + 1;
  llvm::SmallVector<int64_t> windowShape(type.getShape());
  windowShape[0] = 1;
  mlir::Value window = SliceOp::create(
      b, loc, mlir::RankedTensorType::get(windowShape, type.getElementType()),
      stacked, b.getDenseI64ArrayAttr(start), b.getDenseI64ArrayAttr(limit),
      b.getDenseI64ArrayAttr(strides));
  return ReshapeOp::create(
      b, loc,
      mlir::RankedTensorType::get(type.getShape().drop_front(),
                                  type.getElementType()),
      window);
}

/// `type` with a leading micro-batch dimension of `count`.
inline mlir::RankedTensorType stackedType(mlir::RankedTensorType type,
                                          int64_t count) {
  llvm::SmallVector<int64_t> shape{count};
  shape.append(type.getShape().begin(), type.getShape().end());
  return mlir::RankedTensorType::get(shape, type.getElementType());
}

} // namespace starch

#endif // STARCH_PASSES_TRAINING_MICROBATCH_H
