//===- VocabularyParallel.h - Split embeddings, LM head and loss -*- C++
//-*-===//
//
// Vocabulary parallelism (Megatron): under tensor parallelism the token
// embedding, the LM head and the cross-entropy are split along the
// vocabulary, so no rank holds a whole [V, H] table, its gradient and
// moments, or the whole [tokens, V] logits. starch-tensor-parallel places
// these ops' parameters like a layer's (through the gather and matmul
// sharding rules); the functions here rewrite the ops whose operands came
// out split along the vocabulary into their block forms.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_PARALLEL_VOCABULARYPARALLEL_H
#define STARCH_PASSES_PARALLEL_VOCABULARYPARALLEL_H

#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace starch {

/// The ops of `function` outside every layer that vocabulary parallelism
/// may split: gathers along axis 0 of a 2-d float parameter (token
/// embeddings), and each cross-entropy with the reshapes and the matmul
/// (the LM head) that make its logits.
llvm::SmallPtrSet<mlir::Operation *, 8>
vocabularyOps(mlir::func::FuncOp function);

/// The first index of this rank's block of a vocabulary split over the
/// ranks of `groups`, as a 1-element tensor of an index type: this rank's
/// element of [0, size, 2 * size, ...] (starch.local_block of a constant).
/// Made once per index type and block size, at the function's entry, for
/// the embedding's lookup and the loss alike.
class BlockStarts {
public:
  BlockStarts(mlir::func::FuncOp function, mlir::ArrayAttr groups);
  mlir::Value get(mlir::OpBuilder &builder, mlir::Type indexType,
                  int64_t size);
  mlir::ArrayAttr groups() const { return groups_; }
  int64_t parts() const;

private:
  mlir::func::FuncOp function_;
  mlir::ArrayAttr groups_;
  llvm::DenseMap<std::pair<mlir::Type, int64_t>, mlir::Value> starts_;
};

/// `gather` reads a table split along its axis: each rank looks up its
/// block's indices (starch.gather's `offset`) and gets zeros for the rest,
/// a partial sum.
void gatherFromBlock(mlir::OpBuilder &builder, GatherOp gather,
                     BlockStarts &starts);

/// `loss` reads logits split along their classes: it becomes the row
/// maxima's all-reduce (max), each rank's starch.cross_entropy_block, the
/// sums' all-reduce and the mean over the scored positions of
/// `log(sum exp) - label term`, which every rank computes whole.
void crossEntropyFromBlocks(mlir::OpBuilder &builder, CrossEntropyOp loss,
                            BlockStarts &starts);

} // namespace starch

#endif // STARCH_PASSES_PARALLEL_VOCABULARYPARALLEL_H
