//===- Passes.h - Training phase: loss, gradients, step ---------*- C++ -*-===//
//
// The passes that make the training step from the raised forward graph:
// starch-lm-loss, starch-autodiff and starch-optimizer, with the parallel
// phase's passes where they belong between them, then the layer functions
// code generation wants (starch-outline-layers). `starch-training-pipeline`
// runs them all with the options model.json and the parallel plan decide.
// starch-print-layers, an analysis of the same layer tags, lives here too.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_TRAINING_PASSES_H
#define STARCH_PASSES_TRAINING_PASSES_H

#include "passes/Parallel/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "starch/Dialect/StarchOps.h"

namespace starch {
#define GEN_PASS_DECL
#include "passes/Training/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Training/Passes.h.inc"

/// Options of `starch-training-pipeline`: the parallel plan
/// (ParallelPipelineOptions) and model.json's `training` section. The
/// defaults are the passes' own.
struct TrainingPipelineOptions : public ParallelPipelineOptions {
  Option<unsigned> logits{*this, "logits",
                          llvm::cl::desc("which result of @forward holds "
                                         "the logits"),
                          llvm::cl::init(0)};
  Option<int64_t> microBatches{
      *this, "micro-batches",
      llvm::cl::desc("micro-batches per step (per replica)"),
      llvm::cl::init(1)};
  Option<std::string> schedule{
      *this, "schedule",
      llvm::cl::desc("pipeline schedule: 1f1b or zero-bubble"),
      llvm::cl::init("1f1b")};
  Option<bool> verbose{*this, "verbose",
                       llvm::cl::desc("print every pipeline stage's order"),
                       llvm::cl::init(false)};
  Option<double> learningRate{*this, "lr", llvm::cl::desc("peak learning rate"),
                              llvm::cl::init(1e-3)};
  Option<double> beta1{*this, "beta1", llvm::cl::desc("AdamW beta1"),
                       llvm::cl::init(0.9)};
  Option<double> beta2{*this, "beta2", llvm::cl::desc("AdamW beta2"),
                       llvm::cl::init(0.999)};
  Option<double> epsilon{*this, "epsilon", llvm::cl::desc("AdamW epsilon"),
                         llvm::cl::init(1e-8)};
  Option<double> weightDecay{*this, "weight-decay",
                             llvm::cl::desc("decoupled weight decay"),
                             llvm::cl::init(0.01)};
  Option<double> maxGradNorm{
      *this, "max-grad-norm",
      llvm::cl::desc("global gradient-norm clip (0: no clipping)"),
      llvm::cl::init(1.0)};
  Option<int64_t> warmupSteps{*this, "warmup-steps",
                              llvm::cl::desc("linear warm-up steps"),
                              llvm::cl::init(0)};
  Option<int64_t> totalSteps{
      *this, "total-steps",
      llvm::cl::desc("schedule length (cosine decay to 0 at this step)"),
      llvm::cl::init(100)};
  Option<double> bucketMb{
      *this, "bucket-mb",
      llvm::cl::desc("MiB per data-parallel gradient all-reduce (0: one per "
                     "gradient)"),
      llvm::cl::init(25)};
  Option<bool> zero1{*this, "zero1",
                     llvm::cl::desc("split the optimizer state over the "
                                    "data-parallel replicas (ZeRO-1)"),
                     llvm::cl::init(false)};
  Option<bool> outlineLayers{
      *this, "outline-layers",
      llvm::cl::desc("end with starch-outline-layers, the step as code "
                     "generation emits it"),
      llvm::cl::init(false)};
  ListOption<std::string> recompute{
      *this, "recompute",
      llvm::cl::desc("layers whose backward recomputes their forward "
                     "(`all`: every layer)")};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("compute type of matrix products: f32 or bf16 "
                     "(starch-autocast)"),
      llvm::cl::init("f32")};
};

/// From @forward to @train_step: starch-lm-loss, the parallel pipeline,
/// starch-autocast, starch-autodiff (of the loss, or of every stage), with
/// stages starch-pipeline-schedule, then starch-optimizer and, when asked,
/// starch-outline-layers.
void buildTrainingPipeline(mlir::OpPassManager &pm,
                           const TrainingPipelineOptions &options);

/// Registers `starch-training-pipeline`.
void registerTrainingPipeline();
} // namespace starch

#endif // STARCH_PASSES_TRAINING_PASSES_H
