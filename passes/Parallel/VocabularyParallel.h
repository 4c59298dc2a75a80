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
#include "llvm/ADT/SmallPtrSet.h"

namespace starch {

/// The ops of `function` outside every layer that vocabulary parallelism
/// may split: gathers along axis 0 of a 2-d float parameter (token
/// embeddings), and each cross-entropy with the reshapes and the matmul
/// (the LM head) that make its logits.
llvm::SmallPtrSet<mlir::Operation *, 8>
vocabularyOps(mlir::func::FuncOp function);

/// `gather` reads a table split along its axis into `parts` blocks over
/// `groups`: each rank looks up its block's indices (starch.gather's
/// `offset`, from starch.local_block) and gets zeros for the rest, a
/// partial sum.
void gatherFromBlock(mlir::OpBuilder &builder, GatherOp gather,
                     mlir::ArrayAttr groups, int64_t parts);

/// `loss` reads logits split along their classes: it becomes the row
/// maxima's all-reduce (max), each rank's starch.cross_entropy_block, the
/// sums' all-reduce and the mean over the scored positions of
/// `log(sum exp) - label term`, which every rank computes whole.
void crossEntropyFromBlocks(mlir::OpBuilder &builder, CrossEntropyOp loss,
                            mlir::ArrayAttr groups);

} // namespace starch

#endif // STARCH_PASSES_PARALLEL_VOCABULARYPARALLEL_H
