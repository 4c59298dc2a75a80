//===- Pipeline.cpp - starch-training-pipeline ----------------------------===//
#include "passes/Training/Passes.h"

#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

namespace starch {

void buildTrainingPipeline(mlir::OpPassManager &pm,
                           const TrainingPipelineOptions &options) {
  StarchLmLossOptions loss;
  loss.logitsResult = options.logits;
  pm.addPass(createStarchLmLoss(loss));
  // Sharding and stages are planned on the forward loss, so that autodiff
  // derives the backward collectives and each stage's backward.
  buildParallelPipeline(pm, options);
  // Before autodiff, so that the gradient products are bf16 as well.
  if (options.precision != "f32") {
    StarchAutocastOptions autocast;
    autocast.precision = options.precision;
    pm.addPass(createStarchAutocast(autocast));
  }
  StarchAutodiffOptions gradients;
  gradients.recompute.assign(options.recompute.begin(),
                             options.recompute.end());
  if (options.stages > 1) {
    for (int64_t s = 0; s < options.stages; ++s)
      gradients.functions.push_back(stageFunctionName("loss", s));
    pm.addPass(createStarchAutodiff(gradients));
    // Whole-step gradients per stage, which the optimizer completes.
    StarchPipelineScheduleOptions schedule;
    schedule.microBatches = options.microBatches;
    schedule.schedule = options.schedule;
    schedule.verbose = options.verbose;
    pm.addPass(createStarchPipelineSchedule(schedule));
  } else {
    gradients.functions.push_back("loss");
    pm.addPass(createStarchAutodiff(gradients));
  }
  StarchOptimizerOptions step;
  step.microBatches = options.microBatches;
  step.learningRate = options.learningRate;
  step.beta1 = options.beta1;
  step.beta2 = options.beta2;
  step.epsilon = options.epsilon;
  step.weightDecay = options.weightDecay;
  step.maxGradNorm = options.maxGradNorm;
  step.warmupSteps = options.warmupSteps;
  step.totalSteps = options.totalSteps;
  // Context-parallel ranks average their shares of the loss as replicas do.
  int64_t replicas = options.dp * options.cp;
  if (replicas > 1) {
    step.dataParallel = replicas;
    step.bucketMb = options.bucketMb;
    step.zero1 = options.zero1;
    step.replicaRanks = options.ranksPerReplica();
  }
  pm.addPass(createStarchOptimizer(step));
  if (options.outlineLayers)
    pm.addPass(createStarchOutlineLayers());
}

void registerTrainingPipeline() {
  mlir::PassPipelineRegistration<TrainingPipelineOptions>(
      "starch-training-pipeline",
      "From @forward to @train_step: loss, parallel plan, gradients, "
      "schedule and optimizer",
      buildTrainingPipeline);
}

} // namespace starch
