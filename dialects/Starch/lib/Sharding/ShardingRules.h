//===- ShardingRules.h - Shared pieces of the sharding rules -----*- C++ -*-===//
//
// A sharding rule is a function of the op, its operands' shardings and the
// group size; RuleModel makes one an external model of ShardingOpInterface.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_DIALECT_LIB_SHARDING_SHARDINGRULES_H
#define STARCH_DIALECT_LIB_SHARDING_SHARDINGRULES_H

#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/BuiltinTypes.h"

namespace starch::sharding {

using Shardings = llvm::ArrayRef<TensorSharding>;
using ResultShardings = llvm::SmallVectorImpl<TensorSharding>;

/// The shape of `v` (a ranked tensor).
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType()).getShape();
}

/// True when every sharding is replicated.
inline bool allReplicated(Shardings shardings) {
  return llvm::all_of(shardings,
                      [](const TensorSharding &s) { return s.isReplicated(); });
}

/// A split of `dim` into `parts` is possible for a dimension of `size`.
inline bool divides(int64_t size, int64_t parts) {
  return parts > 0 && size % parts == 0;
}

template <typename OpT,
          mlir::LogicalResult (*Rule)(OpT, Shardings, int64_t, ResultShardings &)>
struct RuleModel
    : public ShardingOpInterface::ExternalModel<RuleModel<OpT, Rule>, OpT> {
  mlir::LogicalResult shardResults(mlir::Operation *op, Shardings operands,
                                   int64_t parts,
                                   ResultShardings &results) const {
    llvm::SmallVector<TensorSharding> out;
    if (mlir::failed(Rule(llvm::cast<OpT>(op), operands, parts, out)))
      return mlir::failure();
    results.append(out.begin(), out.end());
    return mlir::success();
  }
};

template <typename OpT,
          mlir::LogicalResult (*Rule)(OpT, Shardings, int64_t, ResultShardings &)>
void attachRule(mlir::MLIRContext &context) {
  OpT::template attachInterface<RuleModel<OpT, Rule>>(context);
}

void registerShapeSharding(mlir::MLIRContext &context);
void registerComputeSharding(mlir::MLIRContext &context);

} // namespace starch::sharding

#endif // STARCH_DIALECT_LIB_SHARDING_SHARDINGRULES_H
