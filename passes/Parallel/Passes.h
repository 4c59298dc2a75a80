//===- Passes.h - Parallel phase: shard, cut, schedule ----------*- C++ -*-===//
//
// The passes that spread one replica's loss over ranks: tensor parallelism
// (starch-tensor-parallel), context parallelism (starch-context-parallel)
// and pipeline stages (starch-pipeline-split) on the forward loss, before
// autodiff; the stages' micro-batch schedule (starch-pipeline-schedule)
// after it. `starch-parallel-pipeline` runs the first three as a plan
// decides; the training pipeline (passes/Training/Passes.h) places them and
// the schedule around autodiff.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_PARALLEL_PASSES_H
#define STARCH_PASSES_PARALLEL_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "starch/Dialect/StarchOps.h"

namespace starch {
#define GEN_PASS_DECL
#include "passes/Parallel/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Parallel/Passes.h.inc"

/// A parallel plan (compiler/Plan's ProgramPlan) as pipeline options: what
/// model.json's `parallel` sections decide. The passes' own options (their
/// `replicas`, the optimizer's `data-parallel`) follow from these, so that
/// every pass sees one consistent layout of the ranks.
struct ParallelPipelineOptions
    : public mlir::PassPipelineOptions<ParallelPipelineOptions> {
  Option<int64_t> tp{*this, "tp",
                     llvm::cl::desc("tensor-parallel ranks of the split "
                                    "modules (1: no tensor parallelism)"),
                     llvm::cl::init(1)};
  ListOption<std::string> modules{
      *this, "modules",
      llvm::cl::desc("modules split over the tp ranks (default: all)")};
  Option<int64_t> cp{*this, "cp",
                     llvm::cl::desc("context-parallel ranks of the LLM"),
                     llvm::cl::init(1)};
  Option<int64_t> dp{*this, "dp",
                     llvm::cl::desc("data-parallel replicas of the program"),
                     llvm::cl::init(1)};
  Option<int64_t> stages{
      *this, "stages",
      llvm::cl::desc("pipeline stages of one replica (1: no pipeline)"),
      llvm::cl::init(1)};
  ListOption<std::string> starts{
      *this, "starts",
      llvm::cl::desc("starch-pipeline-split's starts: the first layer of "
                     "each stage (or of each after the first for a chain)")};
  ListOption<int64_t> next{
      *this, "next",
      llvm::cl::desc("per stage, the stage it sends to (-1 for the last; "
                     "default a chain)")};
  ListOption<int64_t> stageTp{
      *this, "stage-tp",
      llvm::cl::desc("per stage, its tensor-parallel ranks (default tp)")};

  /// The ranks of one data-parallel replica: every stage's tp.
  int64_t ranksPerReplica() const;
};

/// On the loss function, as `options` plans: starch-tensor-parallel
/// (tp > 1), starch-context-parallel (cp > 1), starch-pipeline-split
/// (stages > 1).
void buildParallelPipeline(mlir::OpPassManager &pm,
                           const ParallelPipelineOptions &options);

/// Registers `starch-parallel-pipeline`.
void registerParallelPipeline();
} // namespace starch

#endif // STARCH_PASSES_PARALLEL_PASSES_H
