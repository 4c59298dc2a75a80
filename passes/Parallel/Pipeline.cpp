//===- Pipeline.cpp - starch-parallel-pipeline ----------------------------===//
#include "passes/Parallel/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <numeric>

namespace starch {

int64_t ParallelPipelineOptions::ranksPerReplica() const {
  if (stageTp.empty())
    return tp * stages;
  return std::accumulate(stageTp.begin(), stageTp.end(), int64_t(0));
}

void buildParallelPipeline(mlir::OpPassManager &pm,
                           const ParallelPipelineOptions &options) {
  // Ranks: replica k, context rank c, stage s, tensor rank t. Tensor
  // parallelism splits first, with one group per (k, c, s); the later
  // passes renumber its groups onto their own ranks.
  if (options.tp > 1) {
    StarchTensorParallelOptions tensor;
    tensor.degree = options.tp;
    tensor.replicas = options.dp * options.cp * options.stages;
    tensor.modules.assign(options.modules.begin(), options.modules.end());
    // Context parallelism splits the tokens of the whole-vocabulary loss.
    tensor.vocabulary = options.cp == 1;
    pm.addPass(createStarchTensorParallel(tensor));
  }
  // The context ranks are replicas to the optimizer (each computes its share
  // of the loss).
  if (options.cp > 1) {
    StarchContextParallelOptions context;
    context.degree = options.cp;
    context.replicas = options.dp;
    context.tp = options.tp;
    pm.addPass(createStarchContextParallel(context));
  }
  if (options.stages > 1) {
    StarchPipelineSplitOptions split;
    split.stages = options.stages;
    split.starts.assign(options.starts.begin(), options.starts.end());
    split.next.assign(options.next.begin(), options.next.end());
    split.tp = options.tp;
    split.stageTp.assign(options.stageTp.begin(), options.stageTp.end());
    split.replicas = options.dp * options.cp;
    pm.addPass(createStarchPipelineSplit(split));
  }
}

void registerParallelPipeline() {
  mlir::PassPipelineRegistration<ParallelPipelineOptions>(
      "starch-parallel-pipeline",
      "Tensor, context and pipeline parallelism on the loss function, as a "
      "parallel plan decides",
      buildParallelPipeline);
}

} // namespace starch
