//===- RankGroups.h - Rank groups of the parallel passes ---------*- C++ -*-===//
//
// The `groups` of a collective or a sharded parameter (Starch_RankGroups):
// a partition of the ranks into groups of one size, written in one place
// for every pass that makes them.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_PARALLEL_RANKGROUPS_H
#define STARCH_PASSES_PARALLEL_RANKGROUPS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace starch {

/// `count` groups of `size` ranks; member j of group i is rank
/// `i * groupStride + j * memberStride`. Tensor-parallel groups are
/// contiguous (stride tp, 1); data-parallel ones strided (1, tp).
inline mlir::ArrayAttr rankGroups(mlir::Builder &builder, int64_t count,
                                  int64_t size, int64_t groupStride,
                                  int64_t memberStride) {
  llvm::SmallVector<mlir::Attribute> groups;
  for (int64_t i = 0; i < count; ++i) {
    llvm::SmallVector<int64_t> ranks;
    for (int64_t j = 0; j < size; ++j)
      ranks.push_back(i * groupStride + j * memberStride);
    groups.push_back(builder.getDenseI64ArrayAttr(ranks));
  }
  return builder.getArrayAttr(groups);
}

} // namespace starch

#endif // STARCH_PASSES_PARALLEL_RANKGROUPS_H
